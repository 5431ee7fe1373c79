"""Pooling explorer: which value wins each window, and what happens at the edge.

Max or average pooling over a small 2-D map (by default the 5 x 5 feature
map of seed 001, computed here from its 7 x 7 input and 3 x 3 feature
detector): the window at the current output position is outlined on the
input, the winner of every window is underlined (max pooling) or the average
written out, and the pooled output sits beside it. The edge rule is drawn,
not only stated: in floor mode the rows and columns that no window reaches
are hatched; in ceil mode the last window is partial and the cells it hangs
over, past the input, are shown empty. Controls: max/average, pool size,
stride, padding (at most half the pool size, as PyTorch requires), ceil mode,
and a position slider with step buttons and play, like the convolution stepper.

Layers: :class:`PoolState` -> :func:`pool_view` (pure) -> :class:`PoolView`;
:class:`PoolExplorer`, made by :func:`pool_explorer`, wires the controls.
Pooling follows :mod:`cnn_utils.pooling` (PyTorch's rules): padding is
``-inf`` for max and 0 for average pooling; an average divides by the
window's cells inside the padded input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import check_choice, check_int
from ..pooling import avg_pool2d, max_pool2d, max_pool2d_backward
from ..presentation import theme
from ..shapes import output_size
from ._base import (
    Explorer,
    bind_step_controls,
    checkbox,
    checked_array,
    checked_position,
    clamp_position,
    column,
    count_windows,
    named_example,
    slider,
    toggles,
    view_html,
)
from ._render import colour_legend, format_number, matrix_html, row_html, text_html
from .nofit import NoFit

MODES = ("max", "average")
POOL_RANGE = (1, 4)
STRIDE_RANGE = (1, 4)
PADDING_RANGE = (0, 2)  # and at most pool_size // 2
MAX_SIDE = 32
KEYBOARD_HINT = "Keyboard: click the window slider, then ← and →."


def default_feature_map() -> np.ndarray:
    """Seed 001's 5 x 5 feature map: its 7 x 7 input correlated with its feature detector.

    Computed, not copied from the notes (the notes' printed map has a slip;
    see ``cnn_utils.example_info("feature_map_5x5_printed")``).

    Examples
    --------
    >>> default_feature_map().shape
    (5, 5)
    """
    from ..conv import correlate2d
    from ..examples import load_example

    return correlate2d(load_example("seven_by_seven_image"), load_example("feature_detector"))


@dataclass(frozen=True, eq=False)
class PoolState:
    """The pooling explorer's controls.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The map to pool (at most 32 x 32, finite numbers).
    mode : {"max", "average"}
    pool_size, stride : int
        Square window size and step (at least 1).
    padding : int
        Padding on every side (at least 0; more than half the pool size
        gives a message in the view, as the pooling functions refuse it).
    ceil_mode : bool
        Keep a partial window at the bottom/right edge.
    position : int
        The current window, in reading order over the output.

    Raises
    ------
    ValueError, TypeError
        A map that is not 2-D, too large or not finite; an unknown mode;
        sizes that are not integers or are below their minimum.
    """

    x: np.ndarray
    mode: str = "max"
    pool_size: int = 2
    stride: int = 2
    padding: int = 0
    ceil_mode: bool = False
    position: int = 0

    def __post_init__(self):
        x = checked_array(self.x, "x", (2,), "(H, W): one feature map")
        if max(x.shape) > MAX_SIDE:
            raise ValueError(
                f"x is too large for the pooling explorer, which shows maps of at most "
                f"{MAX_SIDE} by {MAX_SIDE}; got shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("x must hold finite numbers; it holds inf or nan")
        x = x.copy()
        x.setflags(write=False)
        object.__setattr__(self, "x", x)
        check_choice(self.mode, "mode", MODES)
        object.__setattr__(self, "pool_size", check_int(self.pool_size, "pool_size", 1))
        object.__setattr__(self, "stride", check_int(self.stride, "stride", 1))
        object.__setattr__(self, "padding", check_int(self.padding, "padding", 0))
        object.__setattr__(self, "position", check_int(self.position, "position", 0))
        if not isinstance(self.ceil_mode, (bool, np.bool_)):
            raise TypeError(f"ceil_mode must be True or False, got {self.ceil_mode!r}")
        object.__setattr__(self, "ceil_mode", bool(self.ceil_mode))
        if self.pool_size > MAX_SIDE or self.stride > MAX_SIDE or self.padding > MAX_SIDE:
            raise ValueError(
                f"pool_size, stride and padding must be at most {MAX_SIDE} in the explorer; got "
                f"{self.pool_size}, {self.stride} and {self.padding}"
            )

    def output_shape(self) -> tuple[int, int]:
        """``(out_h, out_w)``; ValueError when the pool does not fit or padding is too large."""
        k, p = self.pool_size, self.padding
        if p > k // 2:
            raise ValueError(
                f"padding {p} is more than half the pool size {k}: a window could then lie "
                "entirely in the padding"
            )
        h, w = self.x.shape
        return (
            output_size(h, k, self.stride, p, ceil_mode=self.ceil_mode),
            output_size(w, k, self.stride, p, ceil_mode=self.ceil_mode),
        )

    def n_steps(self) -> int:
        """Number of windows; 0 when the settings give no output."""
        return count_windows(self)


@dataclass(frozen=True, eq=False)
class PoolView:
    """Numbers and picture of one pooling state.

    Attributes
    ----------
    output : numpy.ndarray or None
        The pooled map (from :func:`cnn_utils.max_pool2d` / ``avg_pool2d``).
    row, col : int
        The current output cell; its window covers input rows
        ``window_rows`` and columns ``window_cols`` (padding negative or
        ``>= H``; cells past the padding, in ceil mode, are left out).
    window_values : numpy.ndarray or None
        The values in the current window (padding as ``-inf`` for max, 0
        for average).
    value : float or None
        The current output value.
    winner : (int, int) or None
        Input position of the current window's maximum (first in reading
        order on a tie); None for average pooling.
    winners : numpy.ndarray or None
        ``(out_h, out_w, 2)``: every window's winner position.
    divisor : int or None
        Average pooling: the number of cells divided by.
    unused_rows, unused_cols : tuple of int
        Input rows and columns no window reaches (the floor rule's loss).
    overhang_rows, overhang_cols : tuple of int
        Rows and columns past the padding that a ceil-mode window hangs over.
    text : str
        The current window's computation written out.
    edge_lines : tuple of str
        What the floor and the ceil rule give for this input.
    """

    state: PoolState
    out_shape: tuple[int, int]
    n_steps: int
    output: np.ndarray
    row: int
    col: int
    window_rows: tuple[int, ...]
    window_cols: tuple[int, ...]
    window_values: np.ndarray
    value: float
    winner: tuple[int, int] | None
    winners: np.ndarray | None
    divisor: int | None
    unused_rows: tuple[int, ...]
    unused_cols: tuple[int, ...]
    overhang_rows: tuple[int, ...]
    overhang_cols: tuple[int, ...]
    text: str
    edge_lines: tuple[str, ...]
    html: str = field(default="", repr=False)
    fits = True
    message = None


def _axis(n: int, k: int, s: int, p: int, out: int):
    """Per output index, the input indices of its window (without the overhang); and the rest."""
    spans = [tuple(range(i * s - p, min(i * s - p + k, n + p))) for i in range(out)]
    reach = max(i * s - p + k for i in range(out))  # one past the last index any window touches
    covered = {r for span in spans for r in span}
    unused = tuple(r for r in range(n) if r not in covered)
    overhang = tuple(range(n + p, reach))
    return spans, unused, overhang


def _edge_lines(state: PoolState) -> tuple[str, ...]:
    h, w = state.x.shape
    k, s, p = state.pool_size, state.stride, state.padding
    lines = []
    for ceil in (False, True):
        name = "ceil mode" if ceil else "floor mode (the default)"
        try:
            oh = output_size(h, k, s, p, ceil_mode=ceil)
            ow = output_size(w, k, s, p, ceil_mode=ceil)
        except ValueError:
            lines.append(f"{name}: no output")
            continue
        _, unused_r, over_r = _axis(h, k, s, p, oh)
        _, unused_c, over_c = _axis(w, k, s, p, ow)
        parts = [f"{name}: {oh}×{ow} output"]
        if unused_r or unused_c:
            lost = []
            if unused_r:
                lost.append("row(s) " + ", ".join(map(str, unused_r)))
            if unused_c:
                lost.append("column(s) " + ", ".join(map(str, unused_c)))
            parts.append("never looked at: " + " and ".join(lost))
        if over_r or over_c:
            parts.append("the last window is partial (it hangs past the edge)")
        if len(parts) == 1:
            parts.append("every row and column is used, no window is partial")
        active = " ← in use" if ceil == state.ceil_mode else ""
        lines.append("; ".join(parts) + active)
    return tuple(lines)


def _num(v: float) -> str:
    return "−∞" if np.isneginf(v) else format_number(v).replace("-", "−")


def window_winners(state: PoolState) -> np.ndarray:
    """Every window's winner ``(row, col)`` in the input, from ``max_pool2d_backward``.

    Windows that do not overlap are asked together: each gets its own number
    as gradient, and the cell that receives it is that window's winner (the
    core's tie rule: the first maximum in reading order).
    """
    out_h, out_w = state.output_shape()
    k, s, p = state.pool_size, state.stride, state.padding
    apart = -(-k // s)  # windows this many steps apart never overlap
    winners = np.zeros((out_h, out_w, 2), dtype=int)
    for a in range(min(apart, out_h)):
        for b in range(min(apart, out_w)):
            dout = np.zeros((out_h, out_w))
            ids = np.arange(out_h * out_w, dtype=float).reshape(out_h, out_w) + 1
            dout[a::apart, b::apart] = ids[a::apart, b::apart]
            dx = max_pool2d_backward(dout, state.x, k, s, p, state.ceil_mode)
            for r, c in zip(*np.nonzero(dx), strict=True):
                winners.reshape(-1, 2)[int(dx[r, c]) - 1] = (r, c)
    return winners


def pool_numbers(state: PoolState) -> dict:
    """The numbers of the current window (the settings must give an output)."""
    out_h, out_w, n_steps = checked_position(state, "windows")
    (h, w), k, s, p = state.x.shape, state.pool_size, state.stride, state.padding
    row, col = divmod(state.position, out_w)
    pool = max_pool2d if state.mode == "max" else avg_pool2d
    output = pool(state.x, k, s, p, state.ceil_mode)
    row_spans, unused_r, over_r = _axis(h, k, s, p, out_h)
    col_spans, unused_c, over_c = _axis(w, k, s, p, out_w)
    fill = -np.inf if state.mode == "max" else 0.0
    padded = np.pad(state.x, p, constant_values=fill)
    rs, cs = row_spans[row], col_spans[col]
    window = padded[rs[0] + p : rs[-1] + p + 1, cs[0] + p : cs[-1] + p + 1]
    winners = window_winners(state) if state.mode == "max" else None
    return {
        "state": state,
        "out_shape": (out_h, out_w),
        "n_steps": n_steps,
        "output": output,
        "row": row,
        "col": col,
        "window_rows": rs,
        "window_cols": cs,
        "window_values": window,
        "value": float(output[row, col]),
        "winner": None if winners is None else tuple(int(v) for v in winners[row, col]),
        "winners": winners,
        "divisor": None if winners is not None else window.size,
        "unused_rows": unused_r,
        "unused_cols": unused_c,
        "overhang_rows": over_r,
        "overhang_cols": over_c,
    }


def _written_out(n: dict) -> str:
    values, k = n["window_values"].ravel(), n["state"].pool_size
    if n["winner"] is not None:
        listed = ", ".join(_num(v) for v in values)
        text = (
            f"max({listed}) = {_num(n['value'])}, at row {n['winner'][0]}, column {n['winner'][1]}"
        )
    else:
        text = f"({' + '.join(_num(v) for v in values)}) / {n['divisor']} = {_num(n['value'])}"
    hanging = k * k - values.size
    if hanging:
        text += f"  ({hanging} of the {k * k} window cells lie past the edge: ignored)"
    return text


def pool_marks(n: dict) -> tuple[np.ndarray, dict]:
    """The input grid (padding and ceil-mode overhang around the map) and its cell marks."""
    state = n["state"]
    (h, w), k, s, p = state.x.shape, state.pool_size, state.stride, state.padding
    over_r, over_c = n["overhang_rows"], n["overhang_cols"]
    grid = np.full((h + 2 * p + len(over_r), w + 2 * p + len(over_c)), np.nan)
    grid[: h + 2 * p, : w + 2 * p] = -np.inf if state.mode == "max" else 0.0
    grid[p : p + h, p : p + w] = state.x
    marks: dict = {}
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            r, c = i - p, j - p
            if r >= h + p or c >= w + p:
                marks[(i, j)] = ["pending"]
            elif not (0 <= r < h and 0 <= c < w):
                marks[(i, j)] = ["pad"]
            elif r in n["unused_rows"] or c in n["unused_cols"]:
                marks[(i, j)] = ["dropped"]
    top, left = n["row"] * s, n["col"] * s  # in grid coordinates
    for i in range(top, top + k):
        for j in range(left, left + k):
            marks.setdefault((i, j), []).append("window")
    if n["winners"] is not None:
        for r, c in {(int(a), int(b)) for a, b in n["winners"].reshape(-1, 2)}:
            marks.setdefault((r + p, c + p), []).append("winner")
        marks[(n["winner"][0] + p, n["winner"][1] + p)].append("current")
    return grid, marks


def _pool_html(n: dict, grid: np.ndarray, marks: dict) -> str:
    state = n["state"]
    k, s, p = state.pool_size, state.stride, state.padding
    (h, w), (out_h, out_w), rs, cs = (
        state.x.shape,
        n["out_shape"],
        n["window_rows"],
        n["window_cols"],
    )
    kind = "max" if state.mode == "max" else "average"
    limit = float(np.abs(state.x).max()) or 1.0
    padded_by = f", padded by {p} ({_num(grid[0, 0])})" if p else ""
    input_panel = matrix_html(
        grid,
        title=f"input ({h}×{w}){padded_by}",
        marks=marks,
        limit=limit,
        row_offset=-p,
        col_offset=-p,
        caption="underlined: each window's winner" if n["winners"] is not None else None,
    )
    output_panel = matrix_html(
        n["output"],
        title=f"{kind} pooled ({out_h}×{out_w})",
        marks={(n["row"], n["col"]): "current"},
        limit=limit,
        caption=f"({n['row']}, {n['col']}) = {_num(n['value'])}",
    )
    header = (
        f"Window {state.position + 1} of {n['n_steps']}: output ({n['row']}, {n['col']}) from "
        f"input rows {rs[0]} to {rs[-1]}, columns {cs[0]} to {cs[-1]}; {kind} pooling, "
        f"pool {k}×{k}, stride {s}, padding {p}, {'ceil' if state.ceil_mode else 'floor'} mode."
    )
    legend = (
        "hatched: in no window (the floor rule drops it); empty past the edge: where a "
        "ceil-mode window hangs over; grey italic: padding"
    )
    edge = "".join(
        text_html(line, bold=line.endswith("in use"), small=True) for line in _edge_lines(state)
    )
    body = (
        text_html(header)
        + row_html(input_panel, output_panel)
        + text_html(_written_out(n), mono=True)
        + edge
        + text_html(legend, small=True)
        + colour_legend()
    )
    return f'<div class="cnn-pool" style="color:{theme().text};">{body}</div>'


def _no_fit(state: PoolState, err: ValueError) -> NoFit:
    message = f"No output: {err}."
    p, (h, w) = state.padding, state.x.shape
    grid = np.pad(state.x, p, constant_values=-np.inf if state.mode == "max" else 0.0)
    marks = {
        (i, j): "pad"
        for i in range(grid.shape[0])
        for j in range(grid.shape[1])
        if not (p <= i < p + h and p <= j < p + w)
    }
    body = text_html(message, bold=True) + matrix_html(
        grid, title=f"input ({h}×{w})", marks=marks, row_offset=-p, col_offset=-p
    )
    return NoFit(message, f'<div class="cnn-pool" style="color:{theme().text};">{body}</div>')


def pool_view(state: PoolState) -> PoolView | NoFit:
    """The current window, its winner or average, the pooled output and the edge rule.

    Parameters
    ----------
    state : PoolState

    Returns
    -------
    PoolView, or NoFit
        :class:`~cnn_utils.explorers.nofit.NoFit` when the settings give no
        output (a pool larger than the padded map, padding above half the pool).

    Raises
    ------
    ValueError
        ``state.position`` past the last window.

    Examples
    --------
    >>> v = pool_view(PoolState([[1, 3, 0], [2, 0, 5], [4, 1, 1]], ceil_mode=True, position=1))
    >>> v.output
    array([[3., 5.],
           [4., 1.]])
    >>> v.winner
    (1, 2)
    >>> print(v.text)
    max(0, 5) = 5, at row 1, column 2  (2 of the 4 window cells lie past the edge: ignored)
    """
    try:
        state.output_shape()
    except ValueError as err:
        return _no_fit(state, err)
    n = pool_numbers(state)
    grid, marks = pool_marks(n)
    return PoolView(
        **n, text=_written_out(n), edge_lines=_edge_lines(state), html=_pool_html(n, grid, marks)
    )


class PoolExplorer(Explorer):
    """The pooling explorer as a widget (use :func:`pool_explorer` to make one).

    Controls: ``mode``, ``pool_size``, ``stride``, ``padding``, ``ceil_mode``,
    ``back``, ``forward``, ``play``, ``position``.
    """

    title = "Pooling explorer"
    view_function = staticmethod(pool_view)

    def _settle(self, state: PoolState) -> PoolState:
        padding = min(state.padding, state.pool_size // 2)
        return clamp_position(replace(state, padding=padding))

    def _build(self):
        import ipywidgets as widgets

        s = self.state
        self._bind(
            "mode", toggles([("max", "max"), ("average", "average")], s.mode, chars=7), "mode"
        )
        self._bind(
            "ceil_mode", checkbox("ceil mode (keep a partial window)", s.ceil_mode), "ceil_mode"
        )
        self._bind("pool_size", slider("pool size", s.pool_size, *POOL_RANGE), "pool_size")
        self._bind("stride", slider("stride", s.stride, *STRIDE_RANGE), "stride")
        self._bind("padding", slider("padding", s.padding, *PADDING_RANGE), "padding")
        self._nav = bind_step_controls(self, "window")
        hint = widgets.HTML(text_html(KEYBOARD_HINT, small=True))
        c = self._controls
        box = column(
            [
                c["mode"],
                c["ceil_mode"],
                c["pool_size"],
                c["stride"],
                c["padding"],
                self._nav.row,
                c["position"],
                hint,
            ],
            chars=28,
        )
        return box, view_html()

    def _show(self) -> None:
        self._view_widget.value = self.view.html
        self._controls["padding"].max = min(PADDING_RANGE[1], self.state.pool_size // 2)
        self._nav.sync(self.state.position, self.view.n_steps)


def pool_explorer(x=None, mode="max", pool_size=2, stride=2, padding=0, ceil_mode=False):
    """A pooling explorer (end a notebook cell with it).

    Parameters
    ----------
    x : array_like, str or None
        A 2-D map (at most 32 x 32) or a worked example's name; default: seed
        001's 5 x 5 feature map (:func:`default_feature_map`).
    mode : {"max", "average"}
    pool_size : int, default 2
        From 1 to 4 (the slider's range).
    stride : int, default 2
        From 1 to 4.
    padding : int, default 0
        From 0 to 2, and at most half the pool size.
    ceil_mode : bool, default False

    Returns
    -------
    PoolExplorer

    Raises
    ------
    ValueError, TypeError
        As :class:`PoolState`, or values outside the sliders' ranges.

    Examples
    --------
    >>> e = pool_explorer(ceil_mode=True)
    >>> e.view.out_shape
    (3, 3)
    """
    if x is None:
        x = default_feature_map()
    else:
        x = named_example(x, "x")
    state = PoolState(x, mode, pool_size, stride, padding, ceil_mode)
    for name, (low, high) in (
        ("pool_size", POOL_RANGE),
        ("stride", STRIDE_RANGE),
        ("padding", (0, min(PADDING_RANGE[1], state.pool_size // 2))),
    ):
        if not low <= getattr(state, name) <= high:
            raise ValueError(f"{name} must be from {low} to {high}, got {getattr(state, name)}")
    return PoolExplorer(state)
