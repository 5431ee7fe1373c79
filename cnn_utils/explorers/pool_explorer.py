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

import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import as_float_array, check_choice, check_int
from ..pooling import avg_pool2d, max_pool2d
from ..presentation import theme
from ..shapes import output_size
from ._base import Explorer, StepControls
from ._render import format_number, matrix_html, row_html

MODES = ("max", "average")
POOL_RANGE = (1, 4)
STRIDE_RANGE = (1, 4)
PADDING_RANGE = (0, 2)  # and at most pool_size // 2
MAX_SIDE = 32
KEYBOARD_HINT = "Keyboard: click the handle of the window slider, then use ← and → to move it."


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
        x = as_float_array(self.x, "x", (2,), "(H, W): one feature map")
        if max(x.shape) > MAX_SIDE:
            raise ValueError(
                f"the pooling explorer shows small maps, at most {MAX_SIDE}x{MAX_SIDE}; got "
                f"shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("x holds inf or nan; the pooling explorer needs finite numbers")
        if x.flags.writeable:
            x = x.copy()
            x.setflags(write=False)
        object.__setattr__(self, "x", x)
        check_choice(self.mode, "mode", MODES)
        object.__setattr__(self, "pool_size", check_int(self.pool_size, "pool_size", 1))
        object.__setattr__(self, "stride", check_int(self.stride, "stride", 1))
        object.__setattr__(self, "padding", check_int(self.padding, "padding", 0))
        object.__setattr__(self, "position", check_int(self.position, "position", 0))
        if not isinstance(self.ceil_mode, bool):
            raise TypeError(f"ceil_mode must be True or False, got {self.ceil_mode!r}")

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
        try:
            out_h, out_w = self.output_shape()
        except ValueError:
            return 0
        return out_h * out_w


@dataclass(frozen=True, eq=False)
class PoolView:
    """Numbers and picture of one pooling state.

    Attributes
    ----------
    fits : bool
        False when the settings give no output; ``message`` says why.
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
    fits: bool
    message: str | None
    out_shape: tuple[int, int]
    n_steps: int
    output: np.ndarray | None
    row: int
    col: int
    window_rows: tuple[int, ...]
    window_cols: tuple[int, ...]
    window_values: np.ndarray | None
    value: float | None
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
    if np.isneginf(v):
        return "−∞"
    text = format_number(float(v))
    return text.replace("-", "−")


def pool_view(state: PoolState) -> PoolView:
    """The current window, its winner or average, the pooled output and the edge rule.

    Parameters
    ----------
    state : PoolState

    Returns
    -------
    PoolView
        ``fits`` is False, with a ``message``, when the settings give no
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
    t = theme()
    x = state.x
    h, w = x.shape
    k, s, p = state.pool_size, state.stride, state.padding
    fill = -np.inf if state.mode == "max" else 0.0
    edge_lines = _edge_lines(state)
    text_style = f"font-size:{t.font_px}px;color:{t.text};margin:4px 0;"
    try:
        out_h, out_w = state.output_shape()
    except ValueError as err:
        message = f"No output: {err}."
        grid = np.pad(x, p, constant_values=fill) if p else x
        marks = {
            (i, j): "pad"
            for i in range(grid.shape[0])
            for j in range(grid.shape[1])
            if not (p <= i < p + h and p <= j < p + w)
        }
        body = (
            f'<div style="{text_style}font-weight:bold;">{html.escape(message)}</div>'
            + matrix_html(grid, title=f"input ({h}×{w})", marks=marks, row_offset=-p, col_offset=-p)
        )
        return PoolView(
            state=state, fits=False, message=message, out_shape=(0, 0), n_steps=0, output=None,
            row=-1, col=-1, window_rows=(), window_cols=(), window_values=None, value=None,
            winner=None, winners=None, divisor=None, unused_rows=(), unused_cols=(),
            overhang_rows=(), overhang_cols=(), text="", edge_lines=edge_lines,
            html=f'<div class="cnn-pool" style="color:{t.text};">{body}</div>',
        )  # fmt: skip

    n_steps = out_h * out_w
    if state.position >= n_steps:
        raise ValueError(
            f"position {state.position} is outside the {n_steps} windows (0 to {n_steps - 1}) "
            f"of a {out_h}x{out_w} output"
        )
    row, col = divmod(state.position, out_w)
    pool = max_pool2d if state.mode == "max" else avg_pool2d
    output = pool(x, k, s, p, state.ceil_mode)
    row_spans, unused_r, over_r = _axis(h, k, s, p, out_h)
    col_spans, unused_c, over_c = _axis(w, k, s, p, out_w)

    # the displayed grid: padding and any ceil-mode overhang around the map
    top, left = p, p
    grid_h, grid_w = p + h + p + len(over_r), p + w + p + len(over_c)
    grid = np.full((grid_h, grid_w), np.nan)
    grid[: h + 2 * p, : w + 2 * p] = fill
    grid[top : top + h, left : left + w] = x

    def value_at(r: int, c: int) -> float:
        return float(grid[r + top, c + left])

    winners = None
    if state.mode == "max":
        winners = np.zeros((out_h, out_w, 2), dtype=int)
        for i, rs in enumerate(row_spans):
            for j, cs in enumerate(col_spans):
                best = None
                for r in rs:
                    for c in cs:
                        if best is None or value_at(r, c) > value_at(*best):
                            best = (r, c)
                winners[i, j] = best

    rs, cs = row_spans[row], col_spans[col]
    window_values = np.array([[value_at(r, c) for c in cs] for r in rs])
    value = float(output[row, col])
    listed = ", ".join(_num(v) for v in window_values.ravel())
    hanging = (k - len(rs)) * k + (k - len(cs)) * len(rs)
    if state.mode == "max":
        winner = (int(winners[row, col, 0]), int(winners[row, col, 1]))
        divisor = None
        text = f"max({listed}) = {_num(value)}, at row {winner[0]}, column {winner[1]}"
    else:
        winner = None
        divisor = window_values.size
        text = f"({' + '.join(_num(v) for v in window_values.ravel())}) / {divisor} = {_num(value)}"
    if hanging:
        text += f"  ({hanging} of the {k * k} window cells lie past the edge: ignored)"

    # input grid marks
    marks: dict = {}

    def add(r: int, c: int, name: str) -> None:
        key = (r + top, c + left)
        marks[key] = tuple(marks.get(key, ())) + (name,)

    for r in range(-p, h + p + len(over_r)):
        for c in range(-p, w + p + len(over_c)):
            if r >= h + p or c >= w + p:
                add(r, c, "pending")
            elif not (0 <= r < h and 0 <= c < w):
                add(r, c, "pad")
            elif r in unused_r or c in unused_c:
                add(r, c, "dropped")
    for r in range(row * s - p, row * s - p + k):  # the whole window, overhang included
        for c in range(col * s - p, col * s - p + k):
            add(r, c, "window")
    if winners is not None:
        for r, c in {(int(a), int(b)) for a, b in winners.reshape(-1, 2)}:
            add(r, c, "winner")
        add(*winner, "current")
    kind = "max" if state.mode == "max" else "average"
    input_panel = matrix_html(
        grid,
        title=f"input ({h}×{w})" + (f", padded by {p} ({_num(fill)})" if p else ""),
        marks=marks,
        limit=float(np.abs(x).max()) or 1.0,
        row_offset=-p,
        col_offset=-p,
        caption=(
            "underlined: the winner of each window" if winners is not None else "window outlined"
        ),
    )
    output_panel = matrix_html(
        output,
        title=f"{kind} pooled ({out_h}×{out_w})",
        marks={(row, col): "current"},
        limit=float(np.abs(x).max()) or 1.0,
        caption=f"({row}, {col}) = {_num(value)}",
    )
    header = (
        f"Window {state.position + 1} of {n_steps}: output (row {row}, column {col}) from input "
        f"rows {rs[0]} to {rs[-1]}, columns {cs[0]} to {cs[-1]}; {kind} pooling, "
        f"pool {k}×{k}, stride {s}, padding {p}, {'ceil' if state.ceil_mode else 'floor'} mode."
    )
    legend = (
        "hatched: never in any window (the floor rule drops it); empty cells past the edge: "
        "where a ceil-mode window hangs over; grey italic: padding"
    )
    edge = "".join(
        f'<div style="{text_style}{"font-weight:bold;" if line.endswith("in use") else ""}">'
        f"{html.escape(line)}</div>"
        for line in edge_lines
    )
    body = (
        f'<div style="{text_style}">{html.escape(header)}</div>'
        + row_html(input_panel, output_panel)
        + f'<div style="{text_style}font-family:monospace;">{html.escape(text)}</div>'
        + f'<div style="{text_style}font-weight:bold;">The edge rule</div>'
        + edge
        + f'<div style="font-size:{max(t.font_px - 2, 10)}px;color:#555555;">'
        + f"{html.escape(legend)}</div>"
    )
    return PoolView(
        state=state,
        fits=True,
        message=None,
        out_shape=(out_h, out_w),
        n_steps=n_steps,
        output=output,
        row=row,
        col=col,
        window_rows=rs,
        window_cols=cs,
        window_values=window_values,
        value=value,
        winner=winner,
        winners=winners,
        divisor=divisor,
        unused_rows=unused_r,
        unused_cols=unused_c,
        overhang_rows=over_r,
        overhang_cols=over_c,
        text=text,
        edge_lines=edge_lines,
        html=f'<div class="cnn-pool" style="color:{t.text};">{body}</div>',
    )


class PoolExplorer(Explorer):
    """The pooling explorer as a widget (use :func:`pool_explorer` to make one).

    ``state`` and ``view`` hold the current :class:`PoolState` and
    :class:`PoolView`; ``controls`` the widgets by name.
    """

    title = "Pooling explorer"

    def __init__(self, x=None, mode="max", pool_size=2, stride=2, padding=0, ceil_mode=False):
        super().__init__()
        if x is None:
            x = default_feature_map()
        elif isinstance(x, str):
            from ..examples import load_example

            x = load_example(x)
        self.state = PoolState(x, mode, pool_size, stride, padding, ceil_mode)
        for name, (low, high) in (
            ("pool_size", POOL_RANGE),
            ("stride", STRIDE_RANGE),
            ("padding", PADDING_RANGE),
        ):
            value = getattr(self.state, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}, got {value}")
        self.view = pool_view(self.state)
        self._syncing = False

    def static_html(self) -> str:
        return self.view.html

    def _build_widget(self):
        import ipywidgets as widgets

        t = theme()
        style = {"description_width": f"{t.font_px * 6}px"}
        last = max(self.state.n_steps() - 1, 0)
        s = self.state
        self._mode = widgets.ToggleButtons(
            options=[("max", "max"), ("average", "average")],
            value=s.mode,
            style={"button_width": f"{t.font_px * 7}px"},
        )
        self._pool = widgets.IntSlider(
            value=s.pool_size, min=POOL_RANGE[0], max=POOL_RANGE[1], description="pool size",
            style=style,
        )  # fmt: skip
        self._stride = widgets.IntSlider(
            value=s.stride, min=STRIDE_RANGE[0], max=STRIDE_RANGE[1], description="stride",
            style=style,
        )  # fmt: skip
        self._padding = widgets.IntSlider(
            value=s.padding, min=0, max=min(PADDING_RANGE[1], s.pool_size // 2),
            description="padding", style=style,
        )  # fmt: skip
        self._ceil = widgets.Checkbox(
            value=s.ceil_mode, description="ceil mode (keep a partial window)", indent=False
        )
        self._nav = StepControls(s.position, last, "window")
        self._back, self._forward = self._nav.back, self._nav.forward
        self._slider, self._play = self._nav.slider, self._nav.play
        self._html = widgets.HTML(value=self.view.html)
        hint = widgets.HTML(
            f'<span style="font-size:{t.font_px}px;">{html.escape(KEYBOARD_HINT)}</span>'
        )
        for control in (self._mode, self._pool, self._stride, self._padding, self._ceil):
            control.observe(self._on_settings, names="value")
        self._slider.observe(self._on_position, names="value")
        self._sync_buttons()
        return widgets.VBox(
            [
                widgets.HBox([self._mode, self._ceil]),
                widgets.HBox([self._pool, self._stride, self._padding]),
                self._nav.row,
                hint,
                self._html,
            ]
        )

    @property
    def controls(self) -> dict:
        """The widgets by name."""
        _ = self.widget
        return {
            "mode": self._mode,
            "pool_size": self._pool,
            "stride": self._stride,
            "padding": self._padding,
            "ceil_mode": self._ceil,
            "back": self._back,
            "forward": self._forward,
            "slider": self._slider,
            "play": self._play,
            "html": self._html,
        }

    def _sync_buttons(self) -> None:
        self._nav.sync(self.state.position, self.view.n_steps)

    def _render(self) -> None:
        self.view = pool_view(self.state)
        self._html.value = self.view.html
        self._sync_buttons()

    def _on_settings(self, _change) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            pad_max = min(PADDING_RANGE[1], int(self._pool.value) // 2)
            if self._padding.value > pad_max:
                self._padding.value = pad_max
            self._padding.max = pad_max
            new = replace(
                self.state,
                mode=self._mode.value,
                pool_size=int(self._pool.value),
                stride=int(self._stride.value),
                padding=int(self._padding.value),
                ceil_mode=bool(self._ceil.value),
            )
            n = new.n_steps()
            new = replace(new, position=min(new.position, max(n - 1, 0)))
            self._nav.set_range(n, new.position)
            self.state = new
        finally:
            self._syncing = False
        self._render()

    def _on_position(self, change) -> None:
        if self._syncing or self.view.n_steps == 0:
            return
        self.state = replace(self.state, position=int(change["new"]))
        self._render()


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
    return PoolExplorer(x, mode, pool_size, stride, padding, ceil_mode)


def benchmark_updates(rng: np.random.Generator) -> list[Callable[[], object]]:
    """Control settings across their ranges on the default map and a random 8x8: view -> HTML."""
    maps = [default_feature_map(), rng.integers(-5, 6, (8, 8)).astype(float)]
    updates = []
    for _ in range(40):
        pool = int(rng.integers(POOL_RANGE[0], POOL_RANGE[1] + 1))
        state = PoolState(
            maps[int(rng.integers(2))],
            mode=MODES[int(rng.integers(2))],
            pool_size=pool,
            stride=int(rng.integers(STRIDE_RANGE[0], STRIDE_RANGE[1] + 1)),
            padding=int(rng.integers(0, min(PADDING_RANGE[1], pool // 2) + 1)),
            ceil_mode=bool(rng.integers(2)),
        )
        n = state.n_steps()
        state = replace(state, position=int(rng.integers(n)) if n else 0)
        updates.append(lambda s=state: pool_view(s).html)
    return updates
