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

import sys
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

_current = NORMAL
_saved_rc: dict | None = None


def theme() -> Theme:
    """The theme in force now."""
    return _current


def presenter(on: bool = True) -> Theme:
    """Switch presenter mode on (``True``) or off (``False``); returns the theme now in force.

    Matplotlib's font and figure sizes follow when matplotlib is in use; its
    previous settings come back when presenter mode is switched off.

    Examples
    --------
    >>> presenter(True).font_px > presenter(False).font_px
    True
    """
    global _current, _saved_rc
    if not isinstance(on, bool):
        raise TypeError(f"presenter() takes True or False, got {on!r}")
    _current = PRESENTER if on else NORMAL
    if "matplotlib" in sys.modules or on:
        import matplotlib as mpl

        keys = ("font.size", "figure.figsize", "figure.dpi", "lines.linewidth", "axes.titlesize")
        if on and _saved_rc is None:
            _saved_rc = {k: mpl.rcParams[k] for k in keys}
            mpl.rcParams.update(
                {
                    "font.size": 16,
                    "axes.titlesize": 18,
                    "lines.linewidth": 2.5,
                    "figure.figsize": [v * 1.3 for v in _saved_rc["figure.figsize"]],
                }
            )
        elif not on and _saved_rc is not None:
            mpl.rcParams.update(_saved_rc)
            _saved_rc = None
    return _current
