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
