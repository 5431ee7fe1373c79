"""Presenter mode: large fonts and a high-contrast, colour-blind-safe palette.

``cnn_utils.presenter(True)`` switches it on for everything drawn afterwards
(explorer views, matplotlib figures); ``cnn_utils.presenter(False)`` switches
back. Explorers read :func:`theme` each time they render, so an explorer on
screen picks the mode up at its next update.

The palettes avoid red/green contrasts: the diverging map runs from purple
through white to orange (ColorBrewer's PuOr, the same stops in the HTML grids
and in matplotlib), readable with the common forms of colour blindness and on
a washed-out projector. Every size an explorer uses (cells, text, controls) is
derived from one theme, so presenter mode enlarges all of them together.
"""

from __future__ import annotations

import os
import sys
import weakref
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    """Sizes and colours the explorers and figures use."""

    name: str
    font_px: int
    small_px: int  # indices, captions, legends
    cell_px: int
    figure_scale: float
    negative: str  # RGB hex for the most negative value of a diverging map
    positive: str  # ... the most positive
    zero: str
    highlight: str  # the current window's outline
    accent: str  # the output cell being computed
    text: str
    grid: str
    border_px: int
    diverging_cmap: str  # matplotlib name for signed data
    sequential_cmap: str  # matplotlib name for non-negative data

    def width(self, chars: float) -> str:
        """CSS width of a control that holds about ``chars`` characters of text."""
        return f"{round(chars * self.font_px * 0.6 + self.font_px)}px"

    @property
    def control_height(self) -> str:
        """CSS height of one row of controls (buttons, sliders, boxes)."""
        return f"{round(self.font_px * 2)}px"


# ColorBrewer PuOr reversed (matplotlib's "PuOr_r"): purple for negative, white at
# zero, orange for positive. The HTML grids interpolate these same stops.
DIVERGING_STOPS = (
    "#2d004b",
    "#542788",
    "#8073ac",
    "#b2abd2",
    "#d8daeb",
    "#f7f7f7",
    "#fee0b6",
    "#fdb863",
    "#e08214",
    "#b35806",
    "#7f3b08",
)
NEGATIVE_NAME, POSITIVE_NAME = "purple", "orange"

NORMAL = Theme(
    name="normal",
    font_px=14,
    small_px=11,
    cell_px=30,
    figure_scale=1.0,
    negative="#542788",  # purple
    positive="#e08214",  # orange
    zero="#ffffff",
    highlight="#0072b2",
    accent="#e69f00",
    text="#111111",
    grid="#bbbbbb",
    border_px=3,
    diverging_cmap="PuOr_r",
    sequential_cmap="gray",
)
PRESENTER = Theme(
    name="presenter",
    font_px=21,
    small_px=16,
    cell_px=34,
    figure_scale=1.6,
    negative="#2d004b",
    positive="#b35806",
    zero="#ffffff",
    highlight="#000000",
    accent="#e69f00",
    text="#000000",
    grid="#555555",
    border_px=5,
    diverging_cmap="PuOr_r",
    sequential_cmap="gray",
)

# The page's half of presenter mode: one stylesheet, scoped to JupyterLab's notebook,
# that enlarges the prose, the code, the printed output and the widget controls through
# JupyterLab's own CSS variables, and gives figures the room the input prompts took.
# It lives in one ipywidgets.HTML: every view of it (wherever presenter() was called)
# shows the same value, so emptying it switches the whole page back at once.
PRESENTER_CSS = """<style>
.jp-Notebook {
  --jp-content-font-size1: 22px;
  --jp-code-font-size: 20px;
  --jp-ui-font-size1: 20px;
  --jp-widgets-font-size: 20px;
}
.jp-Notebook .jp-InputPrompt, .jp-Notebook .jp-OutputPrompt { flex: 0 0 12px; min-width: 0;
  overflow: hidden; color: transparent; }
.jp-Notebook .jp-OutputArea-output img { max-width: 100%; height: auto; }
</style>"""
# figures: every size in points grows with the dpi, so a figure grows as a whole on
# screen and its titles keep the spacing they had (no new overlaps)
PRESENTER_DPI_SCALE = 1.5

_current = NORMAL
_saved_rc: dict | None = None
_style = None  # the ipywidgets.HTML carrying PRESENTER_CSS, made on first display


_restylers: list[weakref.WeakMethod] = []  # explorers on screen, redrawn when the theme changes


def on_theme_change(method) -> None:
    """Call the bound ``method`` after every switch of presenter mode, while its object lives.

    Explorers register their redraw here, so an explorer already on screen takes the
    new sizes at once instead of at its next run.
    """
    _restylers.append(weakref.WeakMethod(method))


def _restyle_all() -> None:
    for ref in list(_restylers):
        method = ref()
        if method is None:
            _restylers.remove(ref)
        else:
            method()


def theme() -> Theme:
    """The theme in force now."""
    return _current


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _show_style(on: bool) -> None:
    """Set the page's stylesheet and, in a notebook, display a view of it (invisible)."""
    global _style
    if _style is None:
        if not _in_notebook():
            return
        import ipywidgets as widgets

        _style = widgets.HTML("")
        _style.layout.display = "none"
        _style.add_class("cnn-presenter-style")
    _style.value = PRESENTER_CSS if on else ""
    if _in_notebook():
        from IPython.display import display

        display(_style)


def _scale_figures(on: bool) -> None:
    global _saved_rc
    if not on and _saved_rc is None:
        return
    import matplotlib as mpl

    if on and _saved_rc is None:
        _saved_rc = {"figure.dpi": mpl.rcParams["figure.dpi"]}
        mpl.rcParams["figure.dpi"] = _saved_rc["figure.dpi"] * PRESENTER_DPI_SCALE
    elif not on:
        mpl.rcParams.update(_saved_rc)
        _saved_rc = None


def presenter(on: bool = True) -> None:
    """Switch presenter mode on (``True``) or off (``False``) for the whole notebook.

    On: larger prose, code, printed output and widget controls on the page, figures
    drawn at 1.5 times the resolution (the same layout, larger on screen), and
    explorers drawn from the presenter theme (:func:`theme`). Off restores all of
    it, on the whole page at once. Nothing is printed: in a notebook the cell shows
    only an invisible stylesheet. ``python3 dev.py present`` starts every kernel in
    presenter mode (environment variable ``CNN_UTILS_PRESENTER=1``).

    Examples
    --------
    >>> presenter(True)
    >>> theme().font_px > NORMAL.font_px
    True
    >>> presenter(False)
    >>> theme() is NORMAL
    True
    """
    global _current
    if not isinstance(on, bool):
        raise TypeError(f"presenter(on=...) takes True or False; got on={on!r}")
    changed = _current is not (PRESENTER if on else NORMAL)
    _current = PRESENTER if on else NORMAL
    if "matplotlib" in sys.modules or on:
        _scale_figures(on)
    _show_style(on)
    if changed:
        _restyle_all()


if os.environ.get("CNN_UTILS_PRESENTER") == "1":  # set by `python3 dev.py present`
    presenter(True)
