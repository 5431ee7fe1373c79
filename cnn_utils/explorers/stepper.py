"""Convolution stepper: slide a kernel over a small matrix, one window at a time.

The learner sees the (zero-padded) input, the kernel and the output side by
side. At each step the window under the kernel is outlined on the input, the
output cell it produces is outlined on the output, and the element-wise
products and their sum are written out (``1×1 + (−1)×0 + … = 3``). Output
cells fill in up to the current step.

* :class:`StepperState` (frozen) and the pure :func:`stepper_view`:
  :func:`step_numbers` computes the numbers, :func:`step_panels` marks the
  cells, and the HTML is written from those panels;
* :func:`stepper_animation`: the whole sweep as an animated GIF whose frames
  are the same panels drawn by :func:`~cnn_utils.explorers._render.grid_image`,
  for pages with no kernel behind them;
* :class:`StepperExplorer` (made by :func:`conv_stepper`).

Multi-channel input ``(H, W, C)`` takes a ``(kh, kw, C)`` kernel: each channel
gets its own window and products, and the output value is their total.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import check_choice, check_int
from ..conv import conv2d, conv_step
from ..presentation import theme
from ..shapes import output_size
from ._base import (
    Explorer,
    bind_step_controls,
    button,
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
from ._render import (
    colour_legend,
    format_number,
    grid_html,
    grid_image,
    make_grid,
    row_html,
    signed_number,
    text_html,
)
from .nofit import NoFit

MODES = ("correlation", "convolution")
MODE_LABELS = {"correlation": "cross-correlation", "convolution": "convolution"}
_BUTTON_LABELS = {"correlation": "correlation", "convolution": "convolution"}
STRIDE_RANGE = (1, 4)  # the sliders' ranges
PADDING_RANGE = (0, 3)
MAX_SIDE = 32  # the stepper is for the notes' small matrices
MAX_PADDING = 8  # a state may hold more padding than the slider offers, never more than this
MAX_FRAMES = 100  # longest animation: a 10x10 output (larger ones show their first 100 steps)
KEYBOARD_HINT = "Keyboard: click the position slider, then ← and →."


@dataclass(frozen=True, eq=False)
class StepperState:
    """Everything the stepper shows, as plain values.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        The input, at most 32 x 32, finite numbers.
    kernel : array_like, shape (kh, kw), or (kh, kw, C) for a C-channel image
        The kernel as given (convolution mode flips it for the computation).
    stride : int
        From 1 to 32.
    padding : int
        Zero padding on every side, from 0 to 8.
    mode : {"correlation", "convolution"}
        Cross-correlation (what deep-learning libraries compute) or true
        convolution (the kernel turned by 180 degrees first).
    position : int
        The current step, in reading order over the output (row by row).
    predict, revealed : bool
        Predict mode hides the current output cell and sum until revealed.

    Raises
    ------
    ValueError, TypeError
        Arrays that are not 2-D/3-D finite numbers, channels that do not
        match, a matrix larger than 32 x 32, a stride or padding out of range,
        a negative position, an unknown mode.
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
        image = checked_array(self.image, "image", (2, 3), "(H, W) or (H, W, C)")
        kernel = checked_array(self.kernel, "kernel", (2, 3), "(kh, kw) or (kh, kw, C)")
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
            value = value.copy()
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        for name, low, high in (("stride", 1, MAX_SIDE), ("padding", 0, MAX_PADDING)):
            value = check_int(getattr(self, name), name, low)
            if value > high:
                raise ValueError(f"{name} must be from {low} to {high} in the stepper, got {value}")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "position", check_int(self.position, "position", 0))
        check_choice(self.mode, "mode", MODES)
        for name in ("predict", "revealed"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def channels(self) -> int:
        """Number of input channels (1 for a 2-D image)."""
        return 1 if self.image.ndim == 2 else self.image.shape[2]

    def kernel_used(self) -> np.ndarray:
        """The kernel the sums use: as given, or turned by 180 degrees for convolution."""
        return self.kernel[::-1, ::-1] if self.mode == "convolution" else self.kernel

    def output_shape(self) -> tuple[int, int]:
        """``(out_h, out_w)``; raises ValueError when the kernel does not fit."""
        (h, w), (kh, kw) = self.image.shape[:2], self.kernel.shape[:2]
        return (
            output_size(h, kh, self.stride, self.padding),
            output_size(w, kw, self.stride, self.padding),
        )

    def n_steps(self) -> int:
        """Number of windows (output cells); 0 when the kernel does not fit."""
        return count_windows(self)


# --- numbers ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StepperView:
    """The numbers and the picture of one step (the kernel fits).

    Attributes
    ----------
    n_steps, out_shape, position : int, (int, int), int
        Number of windows, the output's shape, the current step.
    row, col : int
        The output cell this step fills.
    top, left : int
        The window's top-left corner in the padded input.
    kernel_used, padded : numpy.ndarray
        The kernel the products use (flipped in convolution mode); the padded input.
    window, products : numpy.ndarray
        The window under the kernel and the element-wise products.
    channel_sums : tuple of float
        Sum of the products per channel (one entry for a 2-D image).
    total : float
        The output value at this step.
    output, shown_output : numpy.ndarray
        The whole output; what the output grid shows (``nan`` for cells not
        yet computed, and for this one while a prediction is pending).
    value_hidden : bool
        Predict mode, not yet revealed.
    products_text, header : str
        The products and their sum written out; the line above the grids.
    panel_rows : tuple of tuple of Grid
        The grids, row by row, as both the HTML and the animation draw them.
    html : str
    """

    n_steps: int
    out_shape: tuple[int, int]
    position: int
    row: int
    col: int
    top: int
    left: int
    kernel_used: np.ndarray
    padded: np.ndarray
    window: np.ndarray
    products: np.ndarray
    channel_sums: tuple[float, ...]
    total: float
    output: np.ndarray
    shown_output: np.ndarray
    value_hidden: bool
    products_text: str
    header: str
    panel_rows: tuple = field(repr=False)
    html: str = field(default="", repr=False)
    fits = True
    message = None


def _sum_text(kernel: np.ndarray, window: np.ndarray, total: str) -> str:
    terms = [
        f"{signed_number(k)}×{signed_number(x)}"
        for k, x in zip(kernel.ravel(), window.ravel(), strict=True)
    ]
    return " + ".join(terms) + f" = {total}"


def step_numbers(state: StepperState) -> dict:
    """The numbers of the current step (the kernel must fit): window, products, sums, output."""
    out_h, out_w, n_steps = checked_position(state, "steps")
    row, col = divmod(state.position, out_w)
    used, multi = state.kernel_used(), state.image.ndim == 3
    x = state.image[None] if multi else state.image[None, :, :, None]
    weights = used[..., None] if multi else used[:, :, None, None]
    output = conv2d(x, weights, stride=state.stride, padding=state.padding)[0, :, :, 0]
    step = conv_step(state.image, used, row, col, stride=state.stride, padding=state.padding)
    sums = step.products.sum(axis=(0, 1)) if multi else [step.products.sum()]
    hidden = state.predict and not state.revealed
    shown = np.full((out_h, out_w), np.nan)
    shown.ravel()[: state.position + (0 if hidden else 1)] = output.ravel()[
        : state.position + (0 if hidden else 1)
    ]
    spatial = ((state.padding,) * 2,) * 2 + (((0, 0),) if multi else ())
    return {
        "n_steps": n_steps,
        "out_shape": (out_h, out_w),
        "position": state.position,
        "row": row,
        "col": col,
        "top": step.top,
        "left": step.left,
        "kernel_used": used,
        "padded": np.pad(state.image, spatial),
        "window": step.window,
        "products": step.products,
        "channel_sums": tuple(float(s) for s in sums),
        "total": float(sum(sums)),
        "output": output,
        "shown_output": shown,
        "value_hidden": hidden,
    }


def _products_text(state: StepperState, n: dict) -> str:
    hidden, sums = n["value_hidden"], n["channel_sums"]
    total = "?" if hidden else format_number(n["total"])
    if state.image.ndim == 2:
        return _sum_text(n["kernel_used"], n["window"], total)
    lines = [
        f"channel {ch}: "
        + _sum_text(
            n["kernel_used"][:, :, ch],
            n["window"][:, :, ch],
            "?" if hidden else format_number(sums[ch]),
        )
        for ch in range(state.channels)
    ]
    added = " + ".join(signed_number(s) for s in sums)
    lines.append(
        "total over the channels = ?" if hidden else f"total over the channels: {added} = {total}"
    )
    return "\n".join(lines)


# --- cell marks -----------------------------------------------------------------------


def _limit(values) -> float:
    top = float(np.abs(values).max()) if np.size(values) else 0.0
    return top or 1.0


def _input_grid(state: StepperState, padded, ch, window_at=None):
    p, (h, w) = state.padding, state.image.shape[:2]
    values = padded if ch is None else padded[:, :, ch]
    marks = {
        (i, j): ["pad"]
        for i in range(values.shape[0])
        for j in range(values.shape[1])
        if not (p <= i < p + h and p <= j < p + w)
    }
    if window_at is not None:
        (top, left), (kh, kw) = window_at, state.kernel.shape[:2]
        for i in range(top, top + kh):
            for j in range(left, left + kw):
                marks.setdefault((i, j), []).append("window")
    name = "input" if ch is None else f"input, channel {ch}"
    title = f"{name} ({h}×{w}" + (f", zero-padded by {p})" if p else ")")
    return make_grid(
        values, title=title, marks=marks, limit=_limit(padded), row_offset=-p, col_offset=-p
    )


def _kernel_grids(state: StepperState, ch) -> list:
    given = state.kernel if ch is None else state.kernel[:, :, ch]
    suffix = "" if ch is None else f", channel {ch}"
    limit = _limit(state.kernel)
    if state.mode == "correlation":
        return [make_grid(given, title=f"kernel{suffix}", limit=limit)]
    return [
        make_grid(given, title=f"kernel as given{suffix}", limit=limit),
        make_grid(given[::-1, ::-1], title=f"flipped 180° (used){suffix}", limit=limit),
    ]


def step_panels(state: StepperState, n: dict) -> tuple:
    """The grids of one step, row by row: input with the window, kernel, products, output."""
    channels = [None] if state.image.ndim == 2 else list(range(state.channels))
    rows = []
    for ch in channels:
        panels = [
            _input_grid(state, n["padded"], ch, (n["top"], n["left"])),
            *_kernel_grids(state, ch),
        ]
        if not n["value_hidden"]:
            products = n["products"] if ch is None else n["products"][:, :, ch]
            panels.append(
                make_grid(
                    products,
                    title="products",
                    limit=_limit(n["products"]),
                    caption=f"sum = {format_number(products.sum())}",
                )
            )
        rows.append(panels)
    (out_h, out_w), (row, col) = n["out_shape"], (n["row"], n["col"])
    hidden = "?  (predict the value)"
    caption = hidden if n["value_hidden"] else f"({row}, {col}) = {format_number(n['total'])}"
    output = make_grid(
        n["shown_output"],
        title=f"output ({out_h}×{out_w})",
        marks={(row, col): "current"},
        limit=_limit(n["output"]),
        caption=caption,
    )
    if len(channels) > 1:
        rows.append([output])
    else:
        rows[0].append(output)
    return tuple(tuple(r) for r in rows)


# --- HTML -----------------------------------------------------------------------------


def _header(state: StepperState, n: dict) -> str:
    (kh, kw), p = state.kernel.shape[:2], state.padding
    r0, c0 = n["top"] - p, n["left"] - p
    return (
        f"Step {n['position'] + 1} of {n['n_steps']}: output (row {n['row']}, column {n['col']})"
        f" from input rows {r0} to {r0 + kh - 1}, columns {c0} to {c0 + kw - 1}"
        + (" (outside the image: zero padding)" if p and (r0 < 0 or c0 < 0) else "")
        + f"; {MODE_LABELS[state.mode]}, stride {state.stride}, padding {p}."
    )


def _page(header: str, panel_rows, products_text: str = "") -> str:
    parts = [text_html(header)]
    parts += [row_html(*(grid_html(g) for g in r)) for r in panel_rows]
    if products_text:
        parts.append(text_html("kernel × window, added up:", bold=True))
        parts += [text_html(line, mono=True) for line in products_text.split("\n")]
    parts.append(colour_legend())
    return f'<div class="cnn-stepper" style="color:{theme().text};">{"".join(parts)}</div>'


def _no_fit(state: StepperState, err: ValueError) -> NoFit:
    message = f"The kernel does not fit: {err}"
    spatial = ((state.padding,) * 2,) * 2 + (((0, 0),) if state.image.ndim == 3 else ())
    padded = np.pad(state.image, spatial)
    channels = [None] if state.image.ndim == 2 else range(state.channels)
    rows = [(_input_grid(state, padded, ch), *_kernel_grids(state, ch)) for ch in channels]
    return NoFit(message, _page(message, rows))


def stepper_view(state: StepperState) -> StepperView | NoFit:
    """The numbers and the picture of one step of the sliding-window computation.

    Parameters
    ----------
    state : StepperState

    Returns
    -------
    StepperView, or NoFit
        :class:`~cnn_utils.explorers.nofit.NoFit` (``fits`` False, a
        ``message`` and its ``html``) when the kernel does not fit.

    Raises
    ------
    ValueError
        ``state.position`` past the last step.

    Examples
    --------
    >>> v = stepper_view(StepperState(np.eye(3), [[1, -1], [-1, 1]], position=1))
    >>> v.out_shape, (v.row, v.col), v.total
    ((2, 2), (0, 1), -1.0)
    >>> v.products_text
    '1×0 + (−1)×0 + (−1)×1 + 1×0 = -1'
    """
    try:
        state.output_shape()
    except ValueError as err:
        return _no_fit(state, err)
    n = step_numbers(state)
    panels = step_panels(state, n)
    text, header = _products_text(state, n), _header(state, n)
    return StepperView(
        **n, products_text=text, header=header, panel_rows=panels, html=_page(header, panels, text)
    )


# --- animation: the same grids, drawn by Pillow --------------------------------------------


def _frame(view: StepperView, size=None):
    from PIL import Image, ImageDraw

    t = theme()
    images = [[grid_image(g) for g in r] for r in view.panel_rows]
    gap = t.font_px
    width = max(sum(i.width for i in r) + gap * (len(r) - 1) for r in images)
    lines = [f"Step {view.position + 1} of {view.n_steps}"] + view.products_text.split("\n")
    height = sum(max(i.height for i in r) + gap for r in images) + (t.font_px + 6) * len(lines)
    size = size or (width + 2 * gap, height + gap)
    frame = Image.new("RGB", size, (255, 255, 255))
    y = gap // 2
    for r in images:
        x = gap
        for image in r:
            frame.paste(image, (x, y))
            x += image.width + gap
        y += max(i.height for i in r) + gap
    draw = ImageDraw.Draw(frame)
    draw.fontmode = "1"
    from ._render import _font  # the grids' own font

    for line in lines:
        draw.text((gap, y), line, font=_font(t.font_px), fill=(17, 17, 17))
        y += t.font_px + 6
    return frame


def stepper_animation(state: StepperState, frame_ms: int = 700, max_frames: int = MAX_FRAMES):
    """The whole sweep of the kernel as an animated GIF (bytes), or None when it does not fit.

    One frame per step, drawn from the same grids as the stepper's HTML; the
    last frame stays three times as long; the GIF loops. Predict mode is
    ignored: the animation shows every value.

    Parameters
    ----------
    state : StepperState
        Stride, padding and mode are taken from it; its position is ignored.
    frame_ms : int, default 700
        Time per frame, from 50 to 10000 milliseconds.
    max_frames : int, default 100
        Show at most this many steps (the first ones), from 1 to 100.

    Raises
    ------
    TypeError, ValueError
        ``frame_ms`` or ``max_frames`` not an integer or out of range.

    Examples
    --------
    >>> stepper_animation(StepperState(np.eye(4), np.ones((2, 2))))[:6]
    b'GIF89a'
    """
    from PIL import Image

    frame_ms = check_int(frame_ms, "frame_ms", 50)
    max_frames = check_int(max_frames, "max_frames", 1)
    if frame_ms > 10_000 or max_frames > MAX_FRAMES:
        raise ValueError(
            f"frame_ms must be from 50 to 10000 and max_frames from 1 to {MAX_FRAMES}; got "
            f"frame_ms={frame_ms}, max_frames={max_frames}"
        )
    n = state.n_steps()
    if n == 0:
        return None
    base = replace(state, predict=False, revealed=False)
    views = [stepper_view(replace(base, position=k)) for k in range(min(n, max_frames))]
    first = _frame(views[-1])  # the last step has the most text: it sets the frame size
    frames = [_frame(v, first.size) for v in views]
    palette = frames[0].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[frame_ms] * (len(frames) - 1) + [frame_ms * 3],
        loop=0,
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


# --- the widget ---------------------------------------------------------------------------


def parse_number(text: str) -> float | None:
    """A typed answer as a float (accepts − and a decimal comma), or None."""
    cleaned = text.strip().replace("−", "-").replace("–", "-").replace(",", ".").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class StepperExplorer(Explorer):
    """The convolution stepper as a widget (use :func:`conv_stepper` to make one).

    Controls: ``back``, ``forward``, ``play``, ``position``, ``stride``,
    ``padding``, ``mode``, ``predict``, and in predict mode ``answer``,
    ``check``, ``reveal`` and the ``feedback`` line. ``static_html()`` is the
    current step followed by the animated sweep (unless ``static_animation`` is False).
    """

    title = "Convolution stepper"
    view_function = staticmethod(stepper_view)

    def __init__(self, state: StepperState, static_animation: bool = True):
        super().__init__(state)
        self.static_animation = static_animation
        self._animations: dict = {}

    def _settle(self, state: StepperState) -> StepperState:
        return clamp_position(state)

    # -- the static picture
    def animation_html(self) -> str:
        """The whole sweep at the current stride, padding and mode, as an embedded GIF."""
        s = self.state
        key = (s.stride, s.padding, s.mode, theme().name)
        if key not in self._animations:
            self._animations[key] = stepper_animation(s)
        gif = self._animations[key]
        if gif is None:
            return ""
        n = s.n_steps()
        steps = f"{n} steps" if n <= MAX_FRAMES else f"the first {MAX_FRAMES} of {n} steps"
        caption = (
            f"The whole sweep, animated ({steps}, {MODE_LABELS[s.mode]}, stride "
            f"{s.stride}, padding {s.padding}); it plays without a running kernel."
        )
        data = base64.b64encode(gif).decode("ascii")
        return (
            f'<div style="margin-top:8px;">{text_html(caption)}<img src="data:image/gif;'
            f'base64,{data}" alt="animation of the kernel sliding over the input"/></div>'
        )

    def static_html(self) -> str:
        return self.view.html + (self.animation_html() if self.static_animation else "")

    def animation(self) -> AnimationDisplay:
        """The animated sweep as a display of its own: plain HTML, no widget."""
        return AnimationDisplay(self.animation_html(), self.state.n_steps())

    # -- the widget
    def _build(self):
        import ipywidgets as widgets

        s = self.state
        self._nav = bind_step_controls(self, "position")
        self._bind("stride", slider("stride", s.stride, *STRIDE_RANGE, chars=7), "stride")
        self._bind("padding", slider("padding", s.padding, *PADDING_RANGE, chars=7), "padding")
        self._bind(
            "mode",
            toggles(
                [(_BUTTON_LABELS[m], m) for m in MODES],
                s.mode,
                [
                    "cross-correlation: the kernel as given",
                    "convolution: the kernel turned 180° first",
                ],
                chars=11,
            ),
            "mode",
        )
        self._bind("predict", checkbox("predict mode", s.predict), "predict")
        answer = widgets.Text(
            placeholder="next value, Enter",
            continuous_update=False,
            layout=widgets.Layout(width=theme().width(15)),
        )
        self._bind("answer", answer)
        self._bind("check", button("Check"))
        self._bind("reveal", button("Reveal"))
        self._feedback = self._bind("feedback", widgets.HTML(""))
        self._predict_row = widgets.VBox(
            [
                answer,
                widgets.HBox([self._controls["check"], self._controls["reveal"]]),
                self._feedback,
            ]
        )
        answer.observe(
            lambda change: change["new"].strip() and self.check(change["new"]), names="value"
        )
        self._controls["check"].on_click(lambda _b: self.check(self._controls["answer"].value))
        self._controls["reveal"].on_click(lambda _b: self.reveal())
        hint = widgets.HTML(text_html(KEYBOARD_HINT, small=True))
        box = column(
            [
                self._nav.row,
                self._nav.slider,
                self._controls["stride"],
                self._controls["padding"],
                self._controls["mode"],
                self._controls["predict"],
                self._predict_row,
                hint,
            ],
            chars=28,
        )
        return box, view_html()

    def _show(self) -> None:
        self._view_widget.value = self.view.html
        self._nav.sync(self.state.position, self.view.n_steps)
        on = self.state.predict and self.view.fits
        self._predict_row.layout.display = "flex" if on else "none"
        if not (self.state.predict and self.state.revealed):
            self._feedback.value = ""
            self._controls["answer"].value = ""

    def _say(self, text: str, good: bool | None = None) -> str:
        mark = {True: "✓ ", False: "✗ ", None: ""}[good]
        if self._widget is not None:
            self._feedback.value = text_html(mark + text, bold=good is not None)
        return mark + text

    def check(self, answer: str) -> str:
        """Check a predicted value of the current output cell; returns the feedback."""
        v = self.view
        if not v.fits:
            return self._say("There is no output value to predict: the kernel does not fit.")
        if not self.state.predict:
            return self._say("Switch predict mode on first; the value is already shown.")
        value = parse_number(answer)
        if value is None:
            what = f"'{answer.strip()}' is not a number" if answer.strip() else "the box is empty"
            return self._say(f"Type a number, for example 3, -1 or 0.5 ({what}).")
        if abs(value - v.total) > 0.005 + 1e-9 * abs(v.total):
            return self._say(
                f"Not {format_number(value)}. Add up kernel × window again, or press Reveal.",
                good=False,
            )
        self.update(revealed=True)
        return self._say(
            f"Right: output ({v.row}, {v.col}) is {format_number(v.total)}. "
            "Press step ▶ for the next one.",
            good=True,
        )

    def reveal(self) -> str:
        """Show the current output value (predict mode); returns the feedback."""
        v = self.view
        if not v.fits:
            return self._say("There is no output value to reveal: the kernel does not fit.")
        self.update(revealed=True)
        return self._say(f"Output ({v.row}, {v.col}) is {format_number(v.total)}.")

    def update(self, **changes):
        if "revealed" not in changes and set(changes) & {
            "position",
            "stride",
            "padding",
            "mode",
            "predict",
        }:
            changes["revealed"] = False
        return super().update(**changes)


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
        From 1 to 4 (the slider's range).
    padding : int, default 0
        Zero padding on every side, from 0 to 3.
    mode : {"correlation", "convolution"}
    predict : bool, default False
        Start in predict mode.
    static_animation : bool, default True
        Put the animated sweep in the static picture too.

    Returns
    -------
    StepperExplorer

    Raises
    ------
    ValueError, TypeError
        As :class:`StepperState`, values outside the sliders' ranges, or an
        unknown example name.

    Examples
    --------
    >>> s = conv_stepper("six_by_six_image", "filter1")
    >>> s.view.out_shape, s.view.total
    ((4, 4), 3.0)
    """
    for name, value, (low, high) in (
        ("stride", stride, STRIDE_RANGE),
        ("padding", padding, PADDING_RANGE),
    ):
        if not low <= check_int(value, name, low) <= high:
            raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    if not isinstance(static_animation, (bool, np.bool_)):
        raise TypeError(f"static_animation must be True or False, got {static_animation!r}")
    state = StepperState(
        named_example(image, "image"),
        named_example(kernel, "kernel"),
        stride=stride,
        padding=padding,
        mode=mode,
        predict=predict,
    )
    return StepperExplorer(state, static_animation=bool(static_animation))
