"""Convolution stepper: slide a kernel over a small matrix, one window at a time.

The learner sees the (zero-padded) input, the kernel and the output side by
side. At each step the window under the kernel is outlined on the input, the
output cell it produces is outlined on the output, and the element-wise
products and their sum are written out in numbers (``1×1 + (−1)×0 + … = 3``).
Output cells fill in up to the current step; later cells stay blank.

Three layers, as in every explorer of the course:

* :class:`StepperState` (frozen) and the pure :func:`stepper_view`, which
  returns a :class:`StepperView` holding every number a test can check and the
  HTML the widget shows;
* :func:`stepper_animation`: the whole sweep as an animated GIF (Pillow), for
  pages with no kernel behind them (an HTML export, a notebook opened without
  running it);
* :class:`StepperExplorer` (built by :func:`conv_stepper`): buttons, a position
  slider that the arrow keys move, play/pause, stride and padding sliders, the
  cross-correlation/convolution toggle and a predict mode.

Static view, two ways:

* ``StepperExplorer.static_html()`` (the ``text/html`` sent beside the
  widget) is the picture of the current step followed by the GIF of the whole
  sweep, embedded as a ``data:image/gif`` URI;
* ``stepper.animation()`` returns a plain HTML display of the GIF alone, with
  no widget in it. A notebook shows it in a cell of its own, and every viewer
  then plays it: JupyterLab with or without a kernel, an ``nbconvert --to
  html`` export (which by default draws a widget-view output rather than its
  ``text/html``), GitHub. :meth:`StepperExplorer.animation_html` is the same
  HTML as a string.

Multi-channel input ``(H, W, C)`` takes a ``(kh, kw, C)`` kernel: each channel
gets its own window and products, and the output value is the total over the
channels.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import as_float_array, check_choice, check_int
from ..conv import conv2d, conv_step
from ..presentation import theme
from ..shapes import output_size
from ._base import Explorer, StepControls
from ._render import cell_colour, format_number, matrix_html, row_html

MODES = ("correlation", "convolution")
MODE_LABELS = {"correlation": "cross-correlation", "convolution": "convolution"}
STRIDE_RANGE = (1, 4)
PADDING_RANGE = (0, 3)
MAX_SIDE = 32  # the stepper is for the notes' small matrices
MAX_FRAMES = 100  # longest animation: a 10x10 output (larger ones show their first 100 steps)
KEYBOARD_HINT = "Keyboard: click the handle of the position slider, then use ← and → to step."

_PAD_TEXT = "#777777"


# --- state --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StepperState:
    """Everything the stepper shows, as plain values.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        The input, at most 32 x 32.
    kernel : array_like, shape (kh, kw), or (kh, kw, C) for a C-channel image
        The kernel as given (convolution mode flips it for the computation).
    stride, padding : int
        Stride (at least 1) and zero padding on every side (at least 0).
    mode : {"correlation", "convolution"}
        Cross-correlation (what deep-learning libraries compute) or true
        convolution (the kernel turned by 180 degrees first).
    position : int
        The current step, ``0 .. n_steps - 1`` in reading order over the
        output (row by row).
    predict : bool
        Predict mode: the current output cell and the sum stay hidden until
        ``revealed``.
    revealed : bool
        In predict mode, whether the current cell has been revealed.

    Raises
    ------
    ValueError, TypeError
        Arrays that are not 2-D/3-D numbers, a kernel whose channels do not
        match the image, a matrix larger than 32 x 32, stride below 1,
        negative padding or position, an unknown mode.
    """

    image: np.ndarray
    kernel: np.ndarray
    stride: int = 1
    padding: int = 0
    mode: str = "correlation"
    position: int = 0
    predict: bool = False
    revealed: bool = False

    def __post_init__(self):
        image = as_float_array(self.image, "image", (2, 3), "(H, W) or (H, W, C)")
        kernel = as_float_array(self.kernel, "kernel", (2, 3), "(kh, kw) or (kh, kw, C)")
        if image.ndim != kernel.ndim or (image.ndim == 3 and image.shape[2] != kernel.shape[2]):
            raise ValueError(
                f"kernel shape {kernel.shape} does not match image shape {image.shape}: a 2-D "
                "image takes a (kh, kw) kernel and an (H, W, C) image a (kh, kw, C) kernel with "
                "the same C"
            )
        if max(image.shape[:2]) > MAX_SIDE or max(kernel.shape[:2]) > MAX_SIDE:
            raise ValueError(
                f"the stepper shows small matrices, at most {MAX_SIDE}x{MAX_SIDE}; got an image "
                f"of shape {image.shape} and a kernel of shape {kernel.shape}"
            )
        for name, value in (("image", image), ("kernel", kernel)):
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{name} holds inf or nan; the stepper needs finite numbers")
            if value.flags.writeable:
                value = value.copy()
                value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "stride", check_int(self.stride, "stride", 1))
        object.__setattr__(self, "padding", check_int(self.padding, "padding", 0))
        object.__setattr__(self, "position", check_int(self.position, "position", 0))
        check_choice(self.mode, "mode", MODES)
        for name in ("predict", "revealed"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")

    @property
    def channels(self) -> int:
        """Number of input channels (1 for a 2-D image)."""
        return 1 if self.image.ndim == 2 else self.image.shape[2]

    def kernel_used(self) -> np.ndarray:
        """The kernel the sums use: as given, or turned by 180 degrees for convolution."""
        return self.kernel[::-1, ::-1] if self.mode == "convolution" else self.kernel

    def output_shape(self) -> tuple[int, int]:
        """``(out_h, out_w)``; raises ValueError when the kernel does not fit."""
        h, w = self.image.shape[:2]
        kh, kw = self.kernel.shape[:2]
        return (
            output_size(h, kh, self.stride, self.padding),
            output_size(w, kw, self.stride, self.padding),
        )

    def n_steps(self) -> int:
        """Number of windows (output cells); 0 when the kernel does not fit."""
        try:
            out_h, out_w = self.output_shape()
        except ValueError:
            return 0
        return out_h * out_w


# --- view -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Panel:
    """One titled grid, rendered as HTML (matrix_html) or drawn into a GIF frame."""

    values: np.ndarray
    title: str
    marks: dict = field(default_factory=dict)
    limit: float | None = None
    row_offset: int = 0
    col_offset: int = 0
    caption: str | None = None
    role: str = "other"  # "input", "kernel", "products" or "output": how the GIF redraws it

    def html(self) -> str:
        return matrix_html(
            self.values,
            title=self.title,
            marks=self.marks,
            limit=self.limit,
            row_offset=self.row_offset,
            col_offset=self.col_offset,
            caption=self.caption,
        )


@dataclass(frozen=True, eq=False)
class StepperView:
    """The numbers and the picture of one step.

    Attributes
    ----------
    fits : bool
        False when the kernel does not fit in the padded input; then
        ``message`` says why and the step fields are empty (``None``/-1).
    n_steps, out_shape : int, (int, int)
        Number of windows and the output's shape.
    position, row, col : int
        The step and the output cell it fills.
    top, left : int
        The window's top-left corner in the padded input.
    kernel_used : numpy.ndarray
        The kernel the products use (flipped in convolution mode).
    padded : numpy.ndarray
        The zero-padded input.
    window, products : numpy.ndarray
        The window under the kernel and the element-wise products
        (``(kh, kw)`` or ``(kh, kw, C)``).
    channel_sums : tuple of float
        Sum of the products per channel (one entry for a 2-D image).
    total : float
        The output value at this step (sum over channels).
    output : numpy.ndarray
        The whole output.
    shown_output : numpy.ndarray
        What the output grid shows: the cells up to this step, ``nan``
        for the later ones (and for this one in predict mode before it is
        revealed).
    value_hidden : bool
        Predict mode, not yet revealed.
    products_text : str
        The products and their sum written out (``... = ?`` when hidden).
    html : str
        The picture the widget shows.
    """

    fits: bool
    message: str | None
    n_steps: int
    out_shape: tuple[int, int]
    position: int
    row: int
    col: int
    top: int
    left: int
    kernel_used: np.ndarray
    padded: np.ndarray
    window: np.ndarray | None
    products: np.ndarray | None
    channel_sums: tuple[float, ...]
    total: float | None
    output: np.ndarray | None
    shown_output: np.ndarray | None
    value_hidden: bool
    products_text: str
    panel_rows: tuple[tuple[_Panel, ...], ...] = field(repr=False)
    header: str = ""
    html: str = field(default="", repr=False)


def _num(value: float) -> str:
    """A factor in a written-out sum: negatives in brackets with a real minus sign."""
    text = format_number(float(value))
    if text.startswith("-"):
        return f"(−{text[1:]})"
    return text


def _sum_text(kernel: np.ndarray, window: np.ndarray, total: str) -> str:
    terms = [f"{_num(k)}×{_num(x)}" for k, x in zip(kernel.ravel(), window.ravel(), strict=True)]
    return " + ".join(terms) + f" = {total}"


def _pad_marks(shape: tuple[int, int], p: int, marks: dict) -> None:
    if p == 0:
        return
    for i in range(shape[0]):
        for j in range(shape[1]):
            if i < p or j < p or i >= shape[0] - p or j >= shape[1] - p:
                marks[(i, j)] = ("pad",)


def _window_marks(marks: dict, top: int, left: int, kh: int, kw: int) -> None:
    for i in range(top, top + kh):
        for j in range(left, left + kw):
            marks[(i, j)] = tuple(marks.get((i, j), ())) + ("window",)


def _limit(values: np.ndarray) -> float:
    top = float(np.abs(values).max()) if values.size else 0.0
    return top if top > 0 else 1.0


def _compute(state: StepperState) -> StepperView:
    """Every number of the view and its panels, without the HTML (shared with the GIF)."""
    p = state.padding
    kernel_used = state.kernel_used()
    spatial = ((p, p), (p, p)) + (((0, 0),) if state.image.ndim == 3 else ())
    padded = np.pad(state.image, spatial)
    kh, kw = state.kernel.shape[:2]
    h, w = state.image.shape[:2]
    c = state.channels
    multi = state.image.ndim == 3

    def input_panel(ch: int | None, marks: dict) -> _Panel:
        values = padded if ch is None else padded[:, :, ch]
        name = "input" if ch is None else f"input, channel {ch}"
        extra = f", zero-padded by {p}" if p else ""
        title = f"{name} ({h}×{w}{extra})"
        return _Panel(values, title, marks, _limit(padded), -p, -p, role="input")

    def kernel_panels(ch: int | None) -> list[_Panel]:
        given = state.kernel if ch is None else state.kernel[:, :, ch]
        used = kernel_used if ch is None else kernel_used[:, :, ch]
        suffix = "" if ch is None else f", channel {ch}"
        lim = _limit(state.kernel)
        if state.mode == "correlation":
            return [_Panel(given, f"kernel{suffix}", {}, lim, role="kernel")]
        return [
            _Panel(given, f"kernel as given{suffix}", {}, lim, role="kernel"),
            _Panel(used, f"flipped 180° (used){suffix}", {}, lim, role="kernel"),
        ]

    try:
        out_h, out_w = state.output_shape()
    except ValueError as err:
        message = f"The kernel does not fit: {err}. Add padding or use a smaller kernel."
        rows = []
        for ch in [None] if not multi else range(c):
            marks: dict = {}
            _pad_marks(padded.shape[:2], p, marks)
            rows.append((input_panel(ch, marks), *kernel_panels(ch)))
        return StepperView(
            fits=False,
            message=message,
            n_steps=0,
            out_shape=(0, 0),
            position=0,
            row=-1,
            col=-1,
            top=-1,
            left=-1,
            kernel_used=kernel_used,
            padded=padded,
            window=None,
            products=None,
            channel_sums=(),
            total=None,
            output=None,
            shown_output=None,
            value_hidden=False,
            products_text="",
            panel_rows=tuple(rows),
            header="No windows: the kernel does not fit.",
        )

    n_steps = out_h * out_w
    position = state.position
    if position >= n_steps:
        raise ValueError(
            f"position {position} is outside the {n_steps} steps (0 to {n_steps - 1}) of a "
            f"{out_h}x{out_w} output"
        )
    row, col = divmod(position, out_w)
    x = state.image[None] if multi else state.image[None, :, :, None]
    wts = kernel_used[..., None] if multi else kernel_used[:, :, None, None]
    output = conv2d(x, wts, stride=state.stride, padding=p)[0, :, :, 0]
    step = conv_step(state.image, kernel_used, row, col, stride=state.stride, padding=p)
    window, products = step.window, step.products
    if multi:
        channel_sums = tuple(float(s) for s in products.sum(axis=(0, 1)))
    else:
        channel_sums = (float(products.sum()),)
    total = float(sum(channel_sums))
    hidden = state.predict and not state.revealed

    shown = np.full((out_h, out_w), np.nan)
    shown.ravel()[:position] = output.ravel()[:position]
    if not hidden:
        shown[row, col] = output[row, col]

    shown_total = "?" if hidden else format_number(total)
    if multi:
        lines = [
            f"channel {ch}: "
            + _sum_text(
                kernel_used[:, :, ch],
                window[:, :, ch],
                "?" if hidden else format_number(channel_sums[ch]),
            )
            for ch in range(c)
        ]
        if hidden:
            lines.append("total over the channels = ?")
        else:
            parts = " + ".join(_num(s) for s in channel_sums)
            lines.append(f"total over the channels: {parts} = {shown_total}")
        products_text = "\n".join(lines)
    else:
        products_text = _sum_text(kernel_used, window, shown_total)

    rows = []
    for ch in [None] if not multi else range(c):
        marks = {}
        _pad_marks(padded.shape[:2], p, marks)
        _window_marks(marks, step.top, step.left, kh, kw)
        panels = [input_panel(ch, marks), *kernel_panels(ch)]
        if not hidden:
            prods = products if ch is None else products[:, :, ch]
            cap = f"sum = {format_number(float(prods.sum()))}"
            panels.append(
                _Panel(prods, "kernel × window", {}, _limit(products), caption=cap, role="products")
            )
        rows.append(panels)
    out_marks = {(row, col): ("current",)}
    out_caption = "?  (predict the value)" if hidden else f"({row}, {col}) = {shown_total}"
    out_panel = _Panel(
        shown,
        f"output ({out_h}×{out_w})",
        out_marks,
        _limit(output),
        caption=out_caption,
        role="output",
    )
    if multi:
        rows.append([out_panel])
    else:
        rows[0].append(out_panel)

    r0, c0 = step.top - p, step.left - p
    header = (
        f"Step {position + 1} of {n_steps}: output cell (row {row}, column {col}) from the "
        f"window on input rows {r0} to {r0 + kh - 1}, columns {c0} to {c0 + kw - 1}"
        + (" (negative or past the edge: zero padding)" if p else "")
        + f"; {MODE_LABELS[state.mode]}, stride {state.stride}, padding {p}."
    )
    return StepperView(
        fits=True,
        message=None,
        n_steps=n_steps,
        out_shape=(out_h, out_w),
        position=position,
        row=row,
        col=col,
        top=step.top,
        left=step.left,
        kernel_used=kernel_used,
        padded=padded,
        window=window,
        products=products,
        channel_sums=channel_sums,
        total=total,
        output=output,
        shown_output=shown,
        value_hidden=hidden,
        products_text=products_text,
        panel_rows=tuple(tuple(r) for r in rows),
        header=header,
    )


def _view_html(view: StepperView) -> str:
    t = theme()
    text_style = f"font-size:{t.font_px}px;color:{t.text};margin:4px 0 8px 0;"
    parts = [f'<div style="{text_style}">{html.escape(view.header)}</div>']
    if view.message:
        parts.append(
            f'<div style="{text_style}font-weight:bold;">{html.escape(view.message)}</div>'
        )
    parts.extend(row_html(*(panel.html() for panel in r)) for r in view.panel_rows)
    if view.products_text:
        lines = "<br/>".join(html.escape(line) for line in view.products_text.split("\n"))
        parts.append(
            f'<div style="{text_style}font-family:monospace;">'
            f"<b>kernel × window, added up:</b><br/>{lines}</div>"
        )
    return f'<div class="cnn-stepper" style="color:{t.text};">{"".join(parts)}</div>'


def stepper_view(state: StepperState) -> StepperView:
    """The picture and the numbers of one step of the sliding-window computation.

    Parameters
    ----------
    state : StepperState

    Returns
    -------
    StepperView
        With ``html`` filled in. When the kernel does not fit in the padded
        input, ``fits`` is False and ``message`` explains (no exception).

    Raises
    ------
    ValueError
        ``state.position`` past the last step.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.eye(3)
    >>> v = stepper_view(StepperState(image, [[1, -1], [-1, 1]], position=1))
    >>> v.out_shape, (v.row, v.col), v.total
    ((2, 2), (0, 1), -1.0)
    >>> v.products_text
    '1×0 + (−1)×0 + (−1)×1 + 1×0 = -1'
    """
    view = _compute(state)
    return replace(view, html=_view_html(view))


# --- animation (GIF, no kernel needed) -------------------------------------------


@functools.lru_cache(maxsize=8)
def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    try:
        from pathlib import Path

        import matplotlib

        name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
        return ImageFont.truetype(str(path), size)
    except (ImportError, OSError):  # pragma: no cover - matplotlib always ships its fonts
        return ImageFont.load_default(size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


class _Metrics:
    def __init__(self):
        t = theme()
        self.cell = t.cell_px
        self.font = _font(t.font_px)
        self.bold = _font(t.font_px, bold=True)
        self.small = _font(max(t.font_px - 4, 10))
        self.line_h = t.font_px + 8
        self.small_h = max(t.font_px - 4, 10) + 6
        self.char_w = self.font.getlength("0")
        self.small_w = self.small.getlength("0")
        self.gap = 16
        self.margin = 10


def _panel_size(panel: _Panel, m: _Metrics) -> tuple[int, int, int]:
    rows, cols = panel.values.shape
    labels = [str(i + panel.row_offset) for i in range(rows)]
    index_w = int(max(len(s) for s in labels) * m.small_w) + 8
    grid_w = index_w + cols * m.cell
    width = max(
        grid_w,
        int(m.bold.getlength(panel.title)) + 2,
        int(m.font.getlength(panel.caption or "")) + 2,
    )
    height = m.line_h + m.small_h + rows * m.cell + (m.line_h if panel.caption else 0)
    return width, height, index_w


def _grid_origin(panel: _Panel, x0: int, y0: int, m: _Metrics) -> tuple[int, int]:
    return x0 + _panel_size(panel, m)[2], y0 + m.line_h + m.small_h


def _draw_cell(draw, panel: _Panel, i: int, j: int, origin, m: _Metrics) -> None:
    t = theme()
    gx, gy = origin
    v = float(panel.values[i, j])
    names = panel.marks.get((i, j), ())
    box = (gx + j * m.cell, gy + i * m.cell, gx + (j + 1) * m.cell, gy + (i + 1) * m.cell)
    if math.isnan(v):
        bg, fg, label = "#ffffff", t.text, ""
    else:
        limit = panel.limit if panel.limit is not None else _limit(panel.values)
        bg, fg = cell_colour(v, limit)
        label = format_number(v)
    if "pad" in names:
        fg = _PAD_TEXT
    draw.rectangle(box, fill=_rgb(bg), outline=_rgb(t.grid))
    if label:
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        draw.text(centre, label, font=m.font, fill=_rgb(fg), anchor="mm")


def _draw_frame_of(draw, panel: _Panel, origin, m: _Metrics) -> None:
    """Title, indices and every cell of a panel (no outlines, no caption)."""
    t = theme()
    gx, gy = origin
    grey = (102, 102, 102)
    rows, cols = panel.values.shape
    draw.text(
        (gx - _panel_size(panel, m)[2], gy - m.line_h - m.small_h),
        panel.title,
        font=m.bold,
        fill=_rgb(t.text),
    )
    for j in range(cols):
        cx = gx + j * m.cell + m.cell // 2
        draw.text((cx, gy - 3), str(j + panel.col_offset), font=m.small, fill=grey, anchor="mb")
    for i in range(rows):
        cy = gy + i * m.cell + m.cell // 2
        draw.text((gx - 4, cy), str(i + panel.row_offset), font=m.small, fill=grey, anchor="rm")
        for j in range(cols):
            _draw_cell(draw, panel, i, j, origin, m)


def _draw_outlines(draw, panel: _Panel, origin, m: _Metrics) -> None:
    # one frame around the whole window (and around the current cell), as the slides draw it
    t = theme()
    gx, gy = origin
    for name, colour in (("window", t.highlight), ("current", t.accent)):
        cells = [ij for ij, names in panel.marks.items() if name in names]
        if cells:
            i0, i1 = min(i for i, _ in cells), max(i for i, _ in cells)
            j0, j1 = min(j for _, j in cells), max(j for _, j in cells)
            box = (
                gx + j0 * m.cell + 1,
                gy + i0 * m.cell + 1,
                gx + (j1 + 1) * m.cell - 1,
                gy + (i1 + 1) * m.cell - 1,
            )
            draw.rectangle(box, outline=_rgb(colour), width=t.border_px)


def _draw_caption(draw, panel: _Panel, origin, m: _Metrics) -> None:
    if panel.caption:
        gx, gy = origin
        x0 = gx - _panel_size(panel, m)[2]
        y = gy + panel.values.shape[0] * m.cell + 4
        draw.text((x0, y), panel.caption, font=m.font, fill=_rgb(theme().text))


def _frame_layout(view: StepperView, m: _Metrics):
    """Each panel with its grid origin, the y below the panels, and the text lines."""
    placed = []
    y = m.margin
    width = 0
    for r in view.panel_rows:
        x = m.margin
        row_h = 0
        for panel in r:
            pw, ph, _ = _panel_size(panel, m)
            placed.append((panel, _grid_origin(panel, x, y, m)))
            x += pw + m.gap
            row_h = max(row_h, ph)
        width = max(width, x - m.gap + m.margin)
        y += row_h + m.gap
    lines = [
        f"Step {view.position + 1} of {view.n_steps}: output ({view.row}, {view.col}) ="
    ] + view.products_text.split("\n")
    return placed, y, width, lines


def _shared_palette(frames):
    """One palette for every frame: exact when the frames use 256 colours or fewer."""
    from PIL import Image

    colours: set | None = set()
    for frame in frames:
        found = frame.getcolors(256)
        if found is None:
            colours = None
            break
        colours.update(c for _, c in found)
        if len(colours) > 255:
            colours = None
            break
    if colours is not None and len(colours) < 256:  # one index left for transparency
        flat = [v for c in sorted(colours) for v in c]
        palette = Image.new("P", (1, 1))
        palette.putpalette(flat + [0] * (768 - len(flat)))
        return palette
    sample = frames[:: max(1, len(frames) // 4)]
    stack = Image.new("RGB", (sample[0].width, sample[0].height * len(sample)))
    for k, frame in enumerate(sample):
        stack.paste(frame, (0, k * frame.height))
    return stack.quantize(colors=254, method=Image.Quantize.MEDIANCUT)


def stepper_animation(state: StepperState, frame_ms: int = 700, max_frames: int = MAX_FRAMES):
    """The whole sweep of the kernel as an animated GIF (bytes).

    One frame per step, in reading order, drawn as the stepper shows it
    (the padded input with the window, the kernel, the products, the output
    filling in, the sum written out); the last frame stays three times as
    long; the GIF loops. Predict mode is ignored: the animation shows every
    value. Sizes and colours follow the presenter theme in force.

    Parameters
    ----------
    state : StepperState
        Stride, padding and mode are taken from it; its position is ignored.
    frame_ms : int, default 700
        Time per frame in milliseconds (at least 50).
    max_frames : int, default 100
        Show at most this many steps (the first ones).

    Returns
    -------
    bytes or None
        A GIF, or None when the kernel does not fit (there is nothing to animate).

    Raises
    ------
    TypeError, ValueError
        Non-integer or too small ``frame_ms`` or ``max_frames``.

    Examples
    --------
    >>> gif = stepper_animation(StepperState(np.eye(4), np.ones((2, 2))))
    >>> gif[:6]
    b'GIF89a'
    """
    import io

    from PIL import Image, ImageDraw

    frame_ms = check_int(frame_ms, "frame_ms", 50)
    max_frames = check_int(max_frames, "max_frames", 1)
    n = state.n_steps()
    if n == 0:
        return None
    m = _Metrics()
    base_state = replace(state, predict=False, revealed=False)
    layouts = [
        _frame_layout(_compute(replace(base_state, position=k)), m)
        for k in range(min(n, max_frames))
    ]
    width = max(layout[2] for layout in layouts)
    chars = max(int((width - 2 * m.margin) // m.char_w), 20)
    wrapped = [
        [piece for line in lines for piece in textwrap.wrap(line, chars, break_long_words=True)]
        for *_, lines in layouts
    ]
    panels_bottom = max(layout[1] for layout in layouts)
    height = panels_bottom + m.margin + m.line_h * max(len(w) for w in wrapped)
    t = theme()
    # Crisp, un-antialiased text keeps the frames to a few exact colours: one small
    # shared palette, and GIF deltas that hold only what changed. The input and
    # kernel never change and the output only gains one cell per step, so they are
    # drawn once on a running canvas; each frame adds the outlines, products and text.
    placed0, _, _, _ = layouts[0]
    canvas = Image.new("RGB", (int(width), int(height)), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "1"
    for panel, origin in placed0:
        if panel.role in ("input", "kernel", "output"):
            _draw_frame_of(draw, panel, origin, m)
    frames = []
    for k, ((placed, y, _, _), lines) in enumerate(zip(layouts, wrapped, strict=True)):
        draw = ImageDraw.Draw(canvas)
        draw.fontmode = "1"
        for panel, origin in placed:
            if panel.role == "output":
                _draw_cell(draw, panel, *divmod(k, panel.values.shape[1]), origin, m)
        img = canvas.copy()
        draw = ImageDraw.Draw(img)
        draw.fontmode = "1"
        for panel, origin in placed:
            if panel.role in ("products", "other"):
                _draw_frame_of(draw, panel, origin, m)
            _draw_outlines(draw, panel, origin, m)
            _draw_caption(draw, panel, origin, m)
        for line in lines:
            draw.text((m.margin, y), line, font=m.font, fill=_rgb(t.text))
            y += m.line_h
        frames.append(img)
    palette = _shared_palette(frames)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [frame_ms] * len(frames)
    durations[-1] = frame_ms * 3
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        # unchanged pixels of each frame become transparent: small, fast-to-decode deltas
        optimize=True,
    )
    return buf.getvalue()


class AnimationDisplay:
    """HTML that displays as itself in a notebook (``_repr_html_``), with a short text form."""

    def __init__(self, html_text: str, n_steps: int):
        self.html = html_text
        self.n_steps = n_steps

    def _repr_html_(self) -> str:
        return self.html or "<p>No animation: the kernel does not fit.</p>"

    def __repr__(self) -> str:
        return f"<convolution stepper animation, {self.n_steps} steps>"


def _gif_tag(gif: bytes, alt: str) -> str:
    data = base64.b64encode(gif).decode("ascii")
    return f'<img src="data:image/gif;base64,{data}" alt="{html.escape(alt)}"/>'


# --- the widget --------------------------------------------------------------------


def _parse_number(text: str) -> float | None:
    cleaned = text.strip().replace("−", "-").replace("–", "-").replace(",", ".").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class StepperExplorer(Explorer):
    """The convolution stepper as a widget (use :func:`conv_stepper` to make one).

    Controls: step back and forward buttons, a position slider (click it,
    then the arrow keys move it), play/pause, stride and padding sliders, the
    cross-correlation/convolution toggle, and predict mode (a box for the
    next output value with Check and Reveal buttons).

    ``state`` is the current :class:`StepperState`, ``view`` its
    :class:`StepperView`. ``static_html()`` is the current step followed by
    the animation of the whole sweep; ``animation_html()`` the animation alone.
    """

    title = "Convolution stepper"

    def __init__(
        self,
        image,
        kernel,
        stride=1,
        padding=0,
        mode="correlation",
        predict=False,
        static_animation=True,
    ):
        super().__init__()
        if not isinstance(static_animation, bool):
            raise TypeError(f"static_animation must be True or False, got {static_animation!r}")
        self.static_animation = static_animation
        self.state = StepperState(
            image, kernel, stride=stride, padding=padding, mode=mode, predict=predict
        )
        self.view = stepper_view(self.state)
        self._syncing = False
        self._animations: dict = {}

    # -- static view
    def animation_html(self) -> str:
        """The whole sweep at the current stride, padding and mode, as an embedded GIF."""
        s = self.state
        key = (s.stride, s.padding, s.mode, theme().name)
        if key not in self._animations:
            self._animations[key] = stepper_animation(s)
        gif = self._animations[key]
        if gif is None:
            return ""
        t = theme()
        n = self.state.n_steps()
        steps = f"{n} steps" if n <= MAX_FRAMES else f"the first {MAX_FRAMES} of {n} steps"
        caption = (
            f"The whole sweep, animated ({steps}, "
            f"{MODE_LABELS[s.mode]}, stride {s.stride}, padding {s.padding}); "
            "it plays without a running kernel."
        )
        return (
            f'<div style="margin-top:8px;font-size:{t.font_px}px;color:{t.text};">'
            f"<div>{html.escape(caption)}</div>"
            + _gif_tag(gif, "animation of the kernel sliding over the input")
            + "</div>"
        )

    def static_html(self) -> str:
        """The current step (as the widget shows it), then the animated sweep (if kept)."""
        return self.view.html + (self.animation_html() if self.static_animation else "")

    def animation(self) -> AnimationDisplay:
        """The animated sweep as a display of its own: plain HTML, no widget.

        End a notebook cell with ``stepper.animation()``: the GIF plays
        wherever the notebook is read, with or without a kernel.
        """
        return AnimationDisplay(self.animation_html(), self.state.n_steps())

    # -- widget
    def _build_widget(self):
        import ipywidgets as widgets

        t = theme()
        font = f"{t.font_px}px"
        desc = {"description_width": f"{t.font_px * 6}px"}  # what sliders accept
        button_layout = widgets.Layout(width=f"{t.font_px * 8}px", height=f"{t.font_px * 2 + 8}px")
        last = max(self.state.n_steps() - 1, 0)

        self._html = widgets.HTML(value=self.view.html)
        self._nav = StepControls(self.state.position, last, "position")
        self._back, self._forward = self._nav.back, self._nav.forward
        self._slider, self._play = self._nav.slider, self._nav.play
        self._stride = widgets.IntSlider(
            value=self.state.stride,
            min=STRIDE_RANGE[0],
            max=STRIDE_RANGE[1],
            description="stride",
            style=desc,
        )
        self._padding = widgets.IntSlider(
            value=self.state.padding,
            min=PADDING_RANGE[0],
            max=PADDING_RANGE[1],
            description="padding",
            style=desc,
        )
        self._mode = widgets.ToggleButtons(
            options=[(MODE_LABELS[m], m) for m in MODES],
            value=self.state.mode,
            tooltips=["slide the kernel as given", "flip the kernel by 180° first"],
            style={"button_width": f"{t.font_px * 10}px"},
        )
        self._predict = widgets.Checkbox(
            value=self.state.predict,
            description="predict mode: type the next output value before it is shown",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        # continuous_update=False: the value reaches the kernel when the learner presses
        # Enter (or leaves the box), which then checks it like the Check button.
        self._answer = widgets.Text(
            placeholder="e.g. 3 or -1, then Enter",
            continuous_update=False,
            description="next value",
            style={**desc, "font_size": font},
            layout=widgets.Layout(width=f"{t.font_px * 16}px"),
        )
        self._check = widgets.Button(description="Check", layout=button_layout)
        self._reveal = widgets.Button(description="Reveal", layout=button_layout)
        self._feedback = widgets.HTML(value="")
        hint = widgets.HTML(f'<span style="font-size:{font};">{html.escape(KEYBOARD_HINT)}</span>')
        for button in (self._check, self._reveal):
            button.style.font_size = font

        self._slider.observe(self._on_position, names="value")
        for control in (self._stride, self._padding, self._mode):
            control.observe(self._on_settings, names="value")
        self._predict.observe(self._on_predict, names="value")
        self._check.on_click(self._on_check)
        self._answer.observe(self._on_answer_entered, names="value")
        self._reveal.on_click(self._on_reveal)
        self._sync_controls()

        return widgets.VBox(
            [
                self._nav.row,
                hint,
                widgets.HBox([self._stride, self._padding]),
                self._mode,
                self._predict,
                widgets.HBox([self._answer, self._check, self._reveal]),
                self._feedback,
                self._html,
            ]
        )

    @property
    def controls(self) -> dict:
        """The widget's controls by name (builds the widget if needed)."""
        _ = self.widget
        return {
            "back": self._back,
            "forward": self._forward,
            "slider": self._slider,
            "play": self._play,
            "stride": self._stride,
            "padding": self._padding,
            "mode": self._mode,
            "predict": self._predict,
            "answer": self._answer,
            "check": self._check,
            "reveal": self._reveal,
            "feedback": self._feedback,
            "html": self._html,
        }

    def _render(self) -> None:
        self.view = stepper_view(self.state)
        if not hasattr(self, "_html"):
            return
        self._html.value = self.view.html
        self._sync_controls()

    def _sync_controls(self) -> None:
        n = self.view.n_steps
        pos = self.state.position
        self._nav.sync(pos, n)
        off = not self.state.predict or n == 0
        self._answer.disabled = off
        self._check.disabled = off
        self._reveal.disabled = off

    def _on_position(self, change) -> None:
        if self._syncing:
            return
        if self.state.n_steps() == 0:
            return
        self.state = replace(self.state, position=int(change["new"]), revealed=False)
        self._feedback.value = ""
        self._answer.value = ""
        self._render()

    def _on_settings(self, change) -> None:
        new = replace(
            self.state,
            stride=int(self._stride.value),
            padding=int(self._padding.value),
            mode=self._mode.value,
            revealed=False,
        )
        n = new.n_steps()
        new = replace(new, position=min(new.position, max(n - 1, 0)))
        self.state = new
        self._syncing = True
        try:
            self._nav.set_range(n, new.position)
        finally:
            self._syncing = False
        self._feedback.value = ""
        self._render()

    def _on_predict(self, change) -> None:
        self.state = replace(self.state, predict=bool(change["new"]), revealed=False)
        self._feedback.value = ""
        self._render()

    def _say(self, text: str, good: bool | None = None) -> None:
        t = theme()
        mark = {True: "✓ ", False: "✗ ", None: ""}[good]
        weight = "normal" if good is None else "bold"
        self._feedback.value = (
            f'<span style="font-size:{t.font_px}px;color:{t.text};font-weight:{weight};">'
            f"{html.escape(mark + text)}</span>"
        )

    def _on_answer_entered(self, change) -> None:
        if change["new"].strip():  # the box is cleared on every step: nothing to check then
            self._on_check(None)

    def _on_check(self, _button) -> None:
        v = self.view
        if not v.fits:
            self._say("There is no output value to predict: the kernel does not fit.")
            return
        if not self.state.predict:
            self._say("Switch predict mode on first; the value is already shown.")
            return
        answer = _parse_number(self._answer.value)
        if answer is None:
            typed = self._answer.value.strip()
            what = f"'{typed}' is not a number" if typed else "the box is empty"
            self._say(f"Type a number, for example 3, -1 or 0.5 ({what}).")
            return
        if abs(answer - v.total) <= 0.005 + 1e-9 * abs(v.total):
            self.state = replace(self.state, revealed=True)
            self._render()
            self._say(
                f"Right: output ({v.row}, {v.col}) is {format_number(v.total)}. "
                "Press step ▶ for the next one.",
                good=True,
            )
        else:
            self._say(
                f"Not {format_number(answer)}. Add up kernel × window again, or press Reveal.",
                good=False,
            )

    def _on_reveal(self, _button) -> None:
        v = self.view
        if not v.fits:
            self._say("There is no output value to reveal: the kernel does not fit.")
            return
        self.state = replace(self.state, revealed=True)
        self._render()
        self._say(f"Output ({v.row}, {v.col}) is {format_number(v.total)}.")


def _as_matrix(value, name: str):
    if isinstance(value, str):
        from ..examples import load_example

        return load_example(value)
    return value


def conv_stepper(
    image, kernel, stride=1, padding=0, mode="correlation", predict=False, static_animation=True
):
    """A convolution stepper for ``image`` and ``kernel`` (end a notebook cell with it).

    Parameters
    ----------
    image : array_like or str
        ``(H, W)`` or ``(H, W, C)``, at most 32 x 32, or the name of a worked
        example of the notes (``cnn_utils.list_examples()``).
    kernel : array_like or str
        ``(kh, kw)``, or ``(kh, kw, C)`` for a C-channel image, or an example name.
    stride : int, default 1
        The stride slider runs from 1 to 4.
    padding : int, default 0
        Zero padding on every side; the slider runs from 0 to 3.
    mode : {"correlation", "convolution"}
    predict : bool, default False
        Start in predict mode.
    static_animation : bool, default True
        Put the animated sweep in the static view too. A notebook that shows
        ``stepper.animation()`` in a cell of its own can pass False, so the
        GIF is not stored twice.

    Returns
    -------
    StepperExplorer

    Raises
    ------
    ValueError, TypeError
        As :class:`StepperState`, or an unknown example name.

    Examples
    --------
    >>> s = conv_stepper("six_by_six_image", "filter1")
    >>> s.view.out_shape, s.view.total
    ((4, 4), 3.0)
    """
    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    stride = check_int(stride, "stride", 1)
    padding = check_int(padding, "padding", 0)
    if not STRIDE_RANGE[0] <= stride <= STRIDE_RANGE[1]:
        lo, hi = STRIDE_RANGE
        raise ValueError(f"stride must be from {lo} to {hi}, got {stride}")
    if not PADDING_RANGE[0] <= padding <= PADDING_RANGE[1]:
        raise ValueError(
            f"padding must be from {PADDING_RANGE[0]} to {PADDING_RANGE[1]}, got {padding}"
        )
    return StepperExplorer(
        image,
        kernel,
        stride=stride,
        padding=padding,
        mode=mode,
        predict=predict,
        static_animation=static_animation,
    )


# --- benchmark hook ----------------------------------------------------------------


def benchmark_updates(rng: np.random.Generator) -> list[Callable[[], object]]:
    """Realistic updates across the control ranges: new state -> view -> HTML string.

    The matrices are the notes' 6x6 image with Filter 1, the 7x7 input with
    the feature detector, and a random 8x8x3 input with a 3x3x3 kernel.
    """
    from ..examples import load_example

    cases = [
        (load_example("six_by_six_image"), load_example("filter1")),
        (load_example("seven_by_seven_image"), load_example("feature_detector")),
        (rng.integers(-3, 4, (8, 8, 3)), rng.integers(-1, 2, (3, 3, 3))),
    ]
    updates = []
    for _ in range(40):
        image, kernel = cases[int(rng.integers(len(cases)))]
        base = StepperState(
            image,
            kernel,
            stride=int(rng.integers(STRIDE_RANGE[0], STRIDE_RANGE[1] + 1)),
            padding=int(rng.integers(PADDING_RANGE[0], PADDING_RANGE[1] + 1)),
            mode=MODES[int(rng.integers(2))],
            predict=bool(rng.integers(2)),
        )
        n = base.n_steps()
        state = replace(base, position=int(rng.integers(n)) if n else 0)
        updates.append(lambda s=state: stepper_view(s).html)
    return updates
