"""The contract every explorer keeps: a frozen state, a pure view, and a thin widget.

An explorer is three things (ARCHITECTURE.md has the recipe for a new one):

* a frozen dataclass ``...State`` that checks its fields when it is made;
* a pure function ``..._view(state) -> view`` (numbers, then cell marks,
  then HTML) that pytest calls without a browser or ipywidgets;
* a subclass of :class:`Explorer` that builds the controls.

Every explorer has the same public surface: ``.state`` and ``.view`` (the
current state and its view), ``.controls`` (name -> ipywidgets control),
``.update(**changes)`` (replace state fields, recompute the view, push it to
the widgets), ``.widget`` (the container) and ``.static_html()`` (a picture
that needs no kernel). A control moved in the browser calls ``update`` with
the field it is bound to; ``update`` writes the new state back into the
controls, and one guard here keeps those writes from calling it again.

Displayed in a notebook, an explorer sends its live widget, a static HTML
picture of its current state and a line of text. The stored notebook keeps
the picture and the text; the live widget appears when the cell runs.
"""

from __future__ import annotations

import html
from dataclasses import fields, replace

import numpy as np

from .._checks import as_float_array
from ..presentation import on_theme_change, theme


class Explorer:
    """Base class. Subclasses set ``title`` and ``view_function`` and write ``_build``.

    ``_build`` makes the controls with :meth:`_bind` and returns the pair
    ``(controls_box, view_widget)``; ``_show`` writes the view into the view
    widget; ``_settle`` may adjust a new state (keep a position in range).
    """

    title = "Explorer"
    view_function = None  # a staticmethod: state -> view

    def __init__(self, state):
        self._state = state
        self._view = type(self).view_function(state)
        self._widget = None
        self._controls: dict = {}
        self._bound: dict[str, str] = {}
        self._busy = False
        self._follows_theme = False  # registered for presenter-mode redraws
        self._unshown: list = []  # widgets _build made that no box holds (see _close_with_widget)

    # --- the public surface --------------------------------------------------------
    @property
    def state(self):
        """The current state (a frozen dataclass)."""
        return self._state

    @property
    def view(self):
        """The view of the current state, as the explorer's view function returns it."""
        return self._view

    @property
    def controls(self) -> dict:
        """The controls by name (the widget is built on first use)."""
        _ = self.widget
        return self._controls

    @property
    def widget(self):
        """The ipywidgets container (built on first use; ipywidgets is imported then)."""
        if self._widget is None:
            import ipywidgets as widgets

            self._widget = widgets.Box(
                self._assemble(),
                layout=widgets.Layout(
                    display="flex",
                    flex_flow="row wrap",
                    align_items="flex-start",
                    grid_gap="4px 16px",
                    width="100%",
                ),
            )
            # Stable hooks for styling and for the browser tests to find an explorer.
            self._widget.add_class("cnn-explorer")
            self._widget.add_class(f"cnn-explorer-{type(self).__name__.lower()}")
            if not self._follows_theme:
                on_theme_change(self._restyle)
                self._follows_theme = True
            self._push()
        return self._widget

    def close(self) -> None:
        """Close the explorer's widgets, as ``close()`` does for any ipywidget.

        Its views in the notebook go blank, the kernel lets go of every widget it made,
        and presenter mode stops redrawing it. A re-run cell leaves its old explorer open
        (ipywidgets keeps every widget until it is closed); closing is the way to free it.
        ``state``, ``view`` and ``static_html()`` still work; ``widget`` builds a new one.
        """
        if self._widget is not None:
            for widget in (self._widget, *self._unshown):
                close_tree(widget)
            self._widget, self._controls, self._bound, self._unshown = None, {}, {}, []

    def _assemble(self) -> list:
        """Build the controls and the view widget in the theme now in force."""
        controls_box, view_widget = self._build()
        controls_box.add_class("cnn-explorer-controls")
        view_widget.add_class("cnn-explorer-view")
        # The controls keep their width; the view takes the rest of the row and
        # wraps its own panels, so controls and view stay side by side.
        controls_box.layout.flex = "0 0 auto"
        view_widget.layout.flex = "1 1 0%"
        view_widget.layout.min_width = f"{theme().font_px * 18}px"
        self._view_widget = view_widget
        return [controls_box, view_widget]

    def _restyle(self) -> None:
        """Redraw controls and view in the new theme (presenter mode was switched)."""
        if self._widget is None:
            return
        if self._widget.comm is None:  # closed by ipywidgets itself (``.widget.close()``,
            self.close()               # ``Widget.close_all()``): nothing shows it any more
            return
        old = [*self._widget.children, *self._controls.values(), *self._unshown]
        self._controls, self._bound, self._unshown = {}, {}, []
        self._view = type(self).view_function(self._state)  # the view's HTML reads the theme
        self._widget.children = self._assemble()
        self._push()
        in_use = _tree(self._widget)
        for widget in old:  # the old controls, boxes, layouts and styles: nothing shows them
            close_tree(widget, keep=in_use)

    def update(self, **changes):
        """Replace state fields, recompute the view and show it; returns the new view.

        Raises ValueError or TypeError (and changes nothing) when the new
        state is not allowed.
        """
        if self._busy:  # a control we are writing to reported back: nothing new
            return self._view
        current = self.state
        known = [f.name for f in fields(current)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.update() got {', '.join(map(repr, unknown))}; the state "
                f"fields are {', '.join(known)}"
            )
        self._busy = True
        try:
            state = self._settle(replace(current, **changes))
            view = type(self).view_function(state)
            self._state, self._view = state, view
            if self._widget is not None:
                self._push()
        finally:
            self._busy = False
        return view

    def static_html(self) -> str:
        """A picture of the current state as self-contained HTML (no kernel needed)."""
        return self._view.html

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = (
            f'<div class="cnn-utils-static" title="{html.escape(self.title)}: static view '
            '(run the notebook for the interactive version)">' + self.static_html() + "</div>"
        )
        bundle["text/plain"] = f"{self.title} (interactive; run the cell in JupyterLab to use it)"
        return bundle

    # --- for subclasses --------------------------------------------------------------
    def _build(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _settle(self, state):
        """Adjust a proposed state before it is shown (default: as it is)."""
        return state

    def _show(self) -> None:
        """Write the view into the view widget (default: its HTML)."""
        self._view_widget.value = self._view.html

    def _close_with_widget(self, *widgets) -> None:
        """Close ``widgets`` with the explorer's own although no box shows them (a link
        between two controls, spare input boxes), at a presenter redraw and at ``close()``."""
        self._unshown.extend(widgets)

    def _bind(self, name: str, control, field: str | None = None, convert=None):
        """Register ``control`` as ``controls[name]``; bound to ``field``, it updates the state."""
        self._controls[name] = control
        control.add_class("cnn-control")
        if field is not None:
            self._bound[name] = field

            def changed(change):
                if not self._busy:
                    value = change["new"] if convert is None else convert(change["new"])
                    self.update(**{field: value})

            control.observe(changed, names="value")
        return control

    def _push(self) -> None:
        """Write the state into the bound controls, then show the view."""
        busy, self._busy = self._busy, True  # what we write must not come back as a change
        try:
            for name, field in self._bound.items():
                control, value = self._controls[name], getattr(self._state, field)
                if control.value != value:
                    control.value = value
            self._show()
        finally:
            self._busy = busy


def _tree(widget, found=None) -> dict:
    """Every widget ``widget`` is made of, itself included: children, layouts and styles."""
    import ipywidgets as widgets

    found = {} if found is None else found
    if isinstance(widget, widgets.Widget) and id(widget) not in found:
        found[id(widget)] = widget
        for part in (*getattr(widget, "children", ()), getattr(widget, "layout", None),
                     getattr(widget, "style", None)):
            _tree(part, found)
    return found


def close_tree(widget, keep=()) -> None:
    """Close ``widget`` and everything it is made of, except the widgets whose id is in ``keep``."""
    for key, part in _tree(widget).items():
        if key not in keep:
            part.close()


def checked_array(value, name: str, ndims: tuple[int, ...], layout: str) -> np.ndarray:
    """``as_float_array``, with a ragged list refused in a sentence instead of numpy's words."""
    try:
        return as_float_array(value, name, ndims, layout)
    except ValueError as err:
        if name in str(err):
            raise
        raise ValueError(
            f"{name} must be a rectangular array of numbers {layout}; got a "
            f"{type(value).__name__} that numpy cannot make one of ({err})"
        ) from None


def named_example(value, name: str):
    """``value`` itself, or the worked example it names; an unknown name is refused as ``name``."""
    if not isinstance(value, str):
        return value
    from ..examples import load_example

    try:
        return load_example(value)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


# --- controls sized from the theme -----------------------------------------------


def _style(description_chars: float) -> dict:
    return {"description_width": theme().width(description_chars) if description_chars else "0"}


def slider(description: str, value: int, low: int, high: int, chars: float = 9):
    """An integer slider; its label is ``chars`` characters wide."""
    import ipywidgets as widgets

    t = theme()
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        description=description,
        style=_style(chars),
        continuous_update=True,
        layout=widgets.Layout(width=t.width(chars + 16)),
    )


def toggles(options, value, tooltips=None, chars: float = 8):
    """Toggle buttons, each ``chars`` characters wide (labels never cut off)."""
    import ipywidgets as widgets

    t = theme()
    return widgets.ToggleButtons(
        options=options,
        value=value,
        tooltips=tooltips or [],
        style={"button_width": t.width(chars + 2), "description_width": "0"},
    )


def checkbox(description: str, value: bool):
    """A checkbox whose label takes the room it needs."""
    import ipywidgets as widgets

    return widgets.Checkbox(
        value=value, description=description, indent=False, layout=widgets.Layout(width="auto")
    )


def button(description: str, tooltip: str = "", chars: float | None = None):
    """A button wide enough for its label."""
    import ipywidgets as widgets

    t = theme()
    chars = (chars if chars is not None else len(description)) + 3  # the button's own padding
    made = widgets.Button(
        description=description,
        tooltip=tooltip,
        layout=widgets.Layout(width=t.width(chars), height=t.control_height),
    )
    made.style.font_size = f"{t.font_px}px"
    return made


def column(children, chars: float = 34):
    """Controls stacked in a column ``chars`` characters wide."""
    import ipywidgets as widgets

    return widgets.VBox(list(children), layout=widgets.Layout(width=theme().width(chars)))


def view_html(value: str = ""):
    """The HTML widget a view is written into."""
    import ipywidgets as widgets

    return widgets.HTML(value=value, layout=widgets.Layout(width="auto"))


class StepControls:
    """Back, step, play and a position slider, for explorers that walk window by window.

    The slider holds the position: the buttons move it, Play is linked to it
    in the browser, and the explorer binds the slider to its ``position``.
    """

    def __init__(self, position: int, last: int, description: str):
        import ipywidgets as widgets

        self.back = button("◀ back", "previous window", chars=7)
        self.forward = button("step ▶", "next window", chars=7)
        self.slider = slider(description, position, 0, max(last, 0), chars=7)
        self.play = widgets.Play(
            value=position, min=0, max=max(last, 0), interval=900, tooltip="play / pause"
        )
        self.link = widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.back.on_click(lambda _button: self._move(-1))
        self.forward.on_click(lambda _button: self._move(1))
        for control in (self.back, self.forward, self.play):
            control.layout.flex = "0 0 auto"  # never squeezed: labels stay whole
        self.row = widgets.HBox(
            [self.back, self.forward, self.play], layout=widgets.Layout(flex_flow="row wrap")
        )

    def _move(self, delta: int) -> None:
        target = self.slider.value + delta
        if 0 <= target <= self.slider.max:
            self.slider.value = target

    def sync(self, position: int, n_steps: int) -> None:
        """Fit the range to ``n_steps`` windows, and disable back/step at the ends."""
        last = max(n_steps - 1, 0)
        for control in (self.slider, self.play):
            if control.max < last:
                control.max = last
            if control.value != position:
                control.value = position
            control.max = last
        self.back.disabled = n_steps == 0 or position == 0
        self.forward.disabled = n_steps == 0 or position >= n_steps - 1


# --- explorers that walk an output window by window --------------------------------
# Their states have ``position`` and ``output_shape()`` (ValueError when there is no output).


def count_windows(state) -> int:
    """Number of windows (output cells) of ``state``; 0 when the settings give no output."""
    try:
        out_h, out_w = state.output_shape()
    except ValueError:
        return 0
    return out_h * out_w


def checked_position(state, windows: str) -> tuple[int, int, int]:
    """``(out_h, out_w, n_steps)``; ValueError when ``state.position`` is past the last window.

    ``windows`` is the message's word for them ("windows", "steps").
    """
    out_h, out_w = state.output_shape()
    n_steps = out_h * out_w
    if state.position >= n_steps:
        raise ValueError(
            f"position {state.position} is outside the {n_steps} {windows} (0 to {n_steps - 1}) "
            f"of a {out_h}x{out_w} output"
        )
    return out_h, out_w, n_steps


def clamp_position(state):
    """``state`` with its position moved back onto the last window if it is past it."""
    return replace(state, position=min(state.position, max(state.n_steps() - 1, 0)))


def bind_step_controls(explorer: Explorer, description: str) -> StepControls:
    """:class:`StepControls` for ``explorer``'s state, bound as its ``back``, ``forward``,
    ``play`` and ``position`` controls (the slider is labelled ``description``)."""
    s = explorer.state
    nav = StepControls(s.position, max(s.n_steps() - 1, 0), description)
    for name in ("back", "forward", "play"):
        explorer._bind(name, getattr(nav, name))
    explorer._bind("position", nav.slider, "position", int)
    explorer._close_with_widget(nav.link)
    return nav
