"""What every explorer shares: a state, a pure view of it, and widgets that change it.

An explorer is written in two layers:

* a pure function ``..._view(state) -> View`` (numbers and HTML), which pytest
  calls directly, no browser and no ipywidgets needed;
* a subclass of :class:`Explorer` that builds the controls, and on every
  control change computes the new state, calls the view and writes the result
  into its output widgets *in place* (``html.value = ...``), so a callback does
  little work and running the cell again never stacks outputs or callbacks:
  each run makes a fresh explorer with its own widgets.

Displayed in a notebook, an explorer sends both its live widget and a static
HTML picture of its current state. JupyterLab shows the widget while a kernel
runs; an HTML export or a notebook opened without a kernel shows the picture.
nbval skips widget-view outputs but compares the HTML, so the committed
picture of each explorer's initial state is checked on every test run.
"""

from __future__ import annotations

import html

from ..presentation import theme


class Explorer:
    """Base class: subclasses implement ``_build_widget`` and ``static_html``."""

    title = "Explorer"

    def __init__(self):
        self._widget = None

    # --- to implement -------------------------------------------------------
    def _build_widget(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def static_html(self) -> str:  # pragma: no cover - abstract
        """A picture of the current state as self-contained HTML (no kernel needed)."""
        raise NotImplementedError

    # --- shared -------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets container (built on first use; ipywidgets is imported then)."""
        if self._widget is None:
            self._widget = self._build_widget()
            # Stable hooks for styling and for the browser tests to find an explorer.
            self._widget.add_class("cnn-explorer")
            self._widget.add_class(f"cnn-explorer-{type(self).__name__.lower()}")
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = (
            f'<div class="cnn-utils-static" title="{html.escape(self.title)}: static view '
            '(run the notebook for the interactive version)">' + self.static_html() + "</div>"
        )
        bundle["text/plain"] = f"{self.title} (interactive; run the cell in JupyterLab to use it)"
        return bundle


class StepControls:
    """Back, step, play and a position slider, for explorers that walk window by window.

    The slider holds the position: the buttons move it, Play is linked to it in
    the browser (so playing needs no kernel round trip per frame), and the
    explorer observes it. Sized from the presenter theme.
    """

    def __init__(self, position: int, last: int, description: str):
        import ipywidgets as widgets

        t = theme()
        size = {"width": f"{t.font_px * 8}px", "height": f"{t.font_px * 2 + 8}px"}
        self.back = widgets.Button(
            description="◀ back", tooltip="previous window", layout=widgets.Layout(**size)
        )
        self.forward = widgets.Button(
            description="step ▶", tooltip="next window", layout=widgets.Layout(**size)
        )
        for button in (self.back, self.forward):
            button.style.font_size = f"{t.font_px}px"
        self.slider = widgets.IntSlider(
            value=position,
            min=0,
            max=last,
            description=description,
            continuous_update=True,
            layout=widgets.Layout(width=f"{t.font_px * 30}px"),
            style={"description_width": f"{t.font_px * 6}px"},
        )
        self.play = widgets.Play(
            value=position, min=0, max=last, interval=900, tooltip="play / pause the sweep"
        )
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.back.on_click(lambda _button: self._move(-1))
        self.forward.on_click(lambda _button: self._move(1))
        self.row = widgets.HBox([self.back, self.forward, self.play, self.slider])

    def _move(self, delta: int) -> None:
        target = self.slider.value + delta
        if 0 <= target <= self.slider.max:
            self.slider.value = target

    def set_range(self, n_steps: int, position: int) -> None:
        """Fit the slider and Play to ``n_steps`` positions and move to ``position``."""
        last = max(n_steps - 1, 0)
        for control in (self.slider, self.play):
            if control.value > last:
                control.value = last
            control.max = last
        self.slider.value = position

    def sync(self, position: int, n_steps: int) -> None:
        """Disable back at the first window and step at the last (both when there are none)."""
        self.back.disabled = n_steps == 0 or position == 0
        self.forward.disabled = n_steps == 0 or position >= n_steps - 1
