"""Channels explorer: how a filter on an RGB image makes one activation map.

A filter on a colour image is three kernels, one per channel, stacked into a
``(kh, kw, 3)`` block: the filter always spans the full input depth. Each
kernel slides over its own channel and makes a 2-D *contribution* map; the
three maps and the bias add up to the one activation map:

``a[i, j] = b + sum over c of (sum over p, q of x[i + p, j + q, c] * w[p, q, c])``

The explorer shows each channel's input, its kernel slice and its
contribution as grids of numbers, then the sum written out for one output
position. A channel can be switched off to see its contribution vanish, and
``F`` filters give an ``(H', W', F)`` stack ("six 5x5x3 filters on a
32x32x3 image give 28x28x6").

* :func:`channels_view` is the pure view of a :class:`ChannelsState`;
* :class:`ChannelsExplorer` holds the widgets; :func:`channels_explorer` is
  the one-line call for a notebook.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array
from ..conv import conv2d, correlate2d
from ..presentation import theme
from . import _render
from ._base import Explorer

__all__ = [
    "CHANNEL_NAMES",
    "FILTER_PRESETS",
    "ChannelsExplorer",
    "ChannelsState",
    "ChannelsView",
    "benchmark_updates",
    "channels_explorer",
    "channels_view",
    "colour_pattern",
    "filter_bank",
    "make_filter",
    "photo_patch",
]

CHANNEL_NAMES = ("R", "G", "B")
_CHANNEL_WORDS = ("red", "green", "blue")

FILTER_PRESETS: dict[str, str] = {
    "red_minus_blue": "red minus blue",
    "vertical_edge_green": "vertical edge on green",
    "brightness": "brightness (all weights 1)",
    "random": "random (seeded)",
}
"""Filter preset name -> label shown in the dropdown."""

MAX_SIDE = 16
MAX_KERNEL = 7
MAX_FILTERS = 8


def colour_pattern(size: int = 8) -> np.ndarray:
    """A small synthetic colour image with clear regions, values 0 or 1.

    Red fills the left half, blue the bottom half, green a vertical stripe
    just right of the middle: the corners are red, magenta (red + blue),
    black and blue, the stripe green (top) and cyan (bottom).

    Examples
    --------
    >>> x = colour_pattern(8)
    >>> x.shape, x[0, 0].tolist(), x[7, 0].tolist(), x[0, 4].tolist()
    ((8, 8, 3), [1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0])
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"size must be an int, got {size!r}")
    if not 4 <= size <= MAX_SIDE:
        raise ValueError(f"size must be between 4 and {MAX_SIDE}, got {size}")
    half = size // 2
    x = np.zeros((size, size, 3))
    x[:, :half, 0] = 1.0
    x[half:, :, 2] = 1.0
    x[:, half : half + max(1, size // 4), 1] = 1.0
    return x


def photo_patch(size: int = 8, top: int = 20, left: int = 20, max_size: int = 64) -> np.ndarray:
    """A ``size x size x 3`` crop of the bundled photograph, shrunk to ``max_size`` first.

    Values are rounded to two decimals so that the grids stay readable.
    """
    from ..datasets import load_photo

    photo = load_photo(max_size=max_size)
    h, w = photo.shape[:2]
    if not (0 <= top <= h - size and 0 <= left <= w - size):
        raise ValueError(
            f"a {size}x{size} crop at (top={top}, left={left}) does not fit in the {h}x{w} photo"
        )
    return np.round(photo[top : top + size, left : left + size], 2)


def make_filter(name: str = "red_minus_blue", size: int = 3, seed: int = 0) -> np.ndarray:
    """A preset ``(size, size, 3)`` filter (integer weights, so the sums stay readable).

    Parameters
    ----------
    name : str
        ``red_minus_blue``: +1 on every red weight, -1 on every blue one;
        ``vertical_edge_green``: a left-minus-right edge kernel on green only;
        ``brightness``: every weight 1; ``random``: integers -2..2 from ``seed``.
    size : int
        Kernel side (1 to 7).
    seed : int
        Seed of the random preset.

    Examples
    --------
    >>> make_filter("red_minus_blue")[:, :, 2]
    array([[-1., -1., -1.],
           [-1., -1., -1.],
           [-1., -1., -1.]])
    """
    if name not in FILTER_PRESETS:
        raise ValueError(
            f"name must be one of {', '.join(map(repr, FILTER_PRESETS))}; got {name!r}"
        )
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"size must be an int, got {size!r}")
    if not 1 <= size <= MAX_KERNEL:
        raise ValueError(f"size must be between 1 and {MAX_KERNEL}, got {size}")
    w = np.zeros((size, size, 3))
    if name == "red_minus_blue":
        w[:, :, 0], w[:, :, 2] = 1.0, -1.0
    elif name == "vertical_edge_green":
        w[:, 0, 1] = 1.0
        w[:, -1, 1] -= 1.0  # a 1-wide kernel has no edge: 1 - 1 = 0
    elif name == "brightness":
        w[:] = 1.0
    else:
        w[:] = np.random.default_rng(seed).integers(-2, 3, size=w.shape)
    return w


def filter_bank(name: str, size: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` filters ``(size, size, 3, count)``: the preset first, then random ones."""
    filters = [make_filter(name, size, seed)]
    filters += [make_filter("random", size, seed + 1000 + k) for k in range(1, count)]
    return np.stack(filters, axis=3)


# ----------------------------------------------------------------------------- state and view
@dataclass(frozen=True, eq=False)
class ChannelsState:
    """The input, the filters, and what is being looked at.

    ``image`` ``(H, W, 3)``; ``filters`` ``(kh, kw, 3, F)`` (a single
    ``(kh, kw, 3)`` filter is accepted); ``bias`` ``(F,)`` (a number is
    accepted for one filter); ``selected`` the filter shown in detail;
    ``row``/``col`` the output position whose sum is written out;
    ``channels_on`` which input channels take part (an off channel is
    treated as all zeros).
    """

    image: np.ndarray
    filters: np.ndarray
    bias: np.ndarray
    selected: int = 0
    row: int = 0
    col: int = 0
    channels_on: tuple = (True, True, True)

    def __post_init__(self):
        x = as_float_array(self.image, "image", (3,), "(H, W, 3)")
        if x.shape[2] != 3:
            raise ValueError(f"image must be (H, W, 3) with 3 channels, got shape {x.shape}")
        if max(x.shape[:2]) > MAX_SIDE:
            raise ValueError(
                f"the channels explorer writes every number out, so the image may be at most "
                f"{MAX_SIDE}x{MAX_SIDE}; got {x.shape[0]}x{x.shape[1]} (compute larger ones "
                "with cnn_utils.conv2d)"
            )
        w = as_float_array(self.filters, "filters", (3, 4), "(kh, kw, 3) or (kh, kw, 3, F)")
        if w.ndim == 3:
            w = w[:, :, :, None]
        if w.shape[2] != 3:
            raise ValueError(
                f"filters must span all 3 input channels, (kh, kw, 3, F); got shape {w.shape}"
            )
        if w.shape[3] > MAX_FILTERS:
            raise ValueError(f"at most {MAX_FILTERS} filters, got {w.shape[3]}")
        if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
            raise ValueError(
                f"kernel {w.shape[0]}x{w.shape[1]} does not fit in the {x.shape[0]}x{x.shape[1]} "
                "image"
            )
        b = np.atleast_1d(as_float_array(self.bias, "bias", (0, 1), "(F,)"))
        if b.shape != (w.shape[3],):
            raise ValueError(
                f"bias must have one value per filter, shape ({w.shape[3]},); got {b.shape}"
            )
        for arr, name in ((x, "image"), (w, "filters"), (b, "bias")):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must hold finite numbers (no nan or inf)")
        out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
        for value, name, top in (
            (self.selected, "selected", w.shape[3]),
            (self.row, "row", out_h),
            (self.col, "col", out_w),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {value!r}")
            if not 0 <= value < top:
                raise ValueError(f"{name} must be between 0 and {top - 1}, got {value}")
        on = tuple(bool(v) for v in self.channels_on)
        if len(on) != 3:
            raise ValueError(f"channels_on needs 3 True/False values, got {self.channels_on!r}")
        for name, arr in (("image", x), ("filters", w), ("bias", b)):
            arr = np.array(arr, dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for name in ("selected", "row", "col"):
            object.__setattr__(self, name, int(getattr(self, name)))
        object.__setattr__(self, "channels_on", on)

    @property
    def out_shape(self) -> tuple[int, int]:
        """``(H', W')`` of each activation map (valid correlation, stride 1)."""
        return (
            self.image.shape[0] - self.filters.shape[0] + 1,
            self.image.shape[1] - self.filters.shape[1] + 1,
        )


@dataclass(frozen=True, eq=False)
class ChannelsView:
    """The numbers of one state and its HTML.

    ``contributions`` ``(3, H', W')`` (zero for a channel that is off),
    ``activation`` ``(H', W')`` of the selected filter, ``stack``
    ``(H', W', F)`` of every filter, ``terms`` the three contributions at
    the position, ``value`` the activation there, ``sum_text`` that sum
    written out, ``channel_texts`` each channel's products written out,
    ``shape_text`` the shapes and parameter count, ``input_png`` the colour
    input with the window outlined.
    """

    contributions: np.ndarray
    activation: np.ndarray
    stack: np.ndarray
    terms: tuple
    bias: float
    value: float
    sum_text: str
    channel_texts: tuple
    shape_text: str
    input_png: bytes
    html: str


def _num(v: float) -> str:
    return _render.format_number(float(v))


def _signed(v: float) -> str:
    text = _num(v)
    return f"({text})" if text.startswith("-") else text


def _input_picture(state: ChannelsState, scale: int) -> bytes:
    """The colour input, enlarged, with the current window outlined."""
    x = state.image * np.array(state.channels_on, dtype=float)
    rgb = np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)
    big = rgb.repeat(scale, axis=0).repeat(scale, axis=1)
    kh, kw = state.filters.shape[:2]
    top, left = state.row * scale, state.col * scale
    bottom, right = top + kh * scale - 1, left + kw * scale - 1
    outline = _render._hex_to_rgb(theme().accent).astype(np.uint8)
    b = max(2, scale // 6)
    big[top : top + b, left : right + 1] = outline
    big[bottom - b + 1 : bottom + 1, left : right + 1] = outline
    big[top : bottom + 1, left : left + b] = outline
    big[top : bottom + 1, right - b + 1 : right + 1] = outline
    return _render.png_bytes(big)


def _stack_pngs(stack: np.ndarray, scale: int) -> list[bytes]:
    """One small picture per activation map, on one shared signed colour scale."""
    out_h, out_w, n = stack.shape
    limit = float(np.abs(stack).max()) or 1.0
    strip = stack.transpose(0, 2, 1).reshape(out_h, n * out_w)  # maps side by side
    rgb = _render.to_rgb_uint8(strip, "signed", limit=limit)  # one colour-map call for all
    return [_render.png_bytes(rgb[:, k * out_w : (k + 1) * out_w], scale=scale) for k in range(n)]


def channels_view(state: ChannelsState) -> ChannelsView:
    """Per-channel contributions, their sum with the bias, the stack of all filters.

    Examples
    --------
    >>> x = colour_pattern(6)
    >>> state = ChannelsState(x, make_filter("red_minus_blue"), bias=0.5)
    >>> view = channels_view(state)
    >>> view.terms, view.value
    ((9.0, 0.0, 0.0), 9.5)
    """
    if not isinstance(state, ChannelsState):
        raise TypeError(f"channels_view takes a ChannelsState, got {type(state).__name__}")
    t = theme()
    x, w_all, f = state.image, state.filters, state.selected
    kh, kw, _, n_filters = w_all.shape
    out_h, out_w = state.out_shape
    i, j = state.row, state.col
    on = np.array(state.channels_on, dtype=float)
    w = w_all[:, :, :, f]
    contributions = np.stack(
        [
            correlate2d(x[:, :, c], w[:, :, c])
            if state.channels_on[c]
            else np.zeros((out_h, out_w))
            for c in range(3)
        ]
    )
    bias = float(state.bias[f])
    activation = contributions.sum(axis=0) + bias
    stack = conv2d((x * on)[None], w_all, state.bias)[0]
    terms = tuple(float(contributions[c, i, j]) for c in range(3))
    value = float(activation[i, j])

    channel_texts = []
    for c in range(3):
        if not state.channels_on[c]:
            channel_texts.append(f"{CHANNEL_NAMES[c]}: channel off, contributes 0")
            continue
        window = x[i : i + kh, j : j + kw, c]
        products = " + ".join(
            f"{_signed(a)}·{_signed(b)}"
            for a, b in zip(window.ravel(), w[:, :, c].ravel(), strict=True)
        )
        channel_texts.append(f"{CHANNEL_NAMES[c]}[{i}, {j}] = {products} = {_num(terms[c])}")
    parts = [
        f"{CHANNEL_NAMES[c]} {_signed(terms[c])}"
        if state.channels_on[c]
        else f"{CHANNEL_NAMES[c]} 0"
        for c in range(3)
    ]
    sum_text = f"a[{i}, {j}] = " + " + ".join(parts) + f" + bias {_signed(bias)} = {_num(value)}"
    h, wd = x.shape[:2]
    per_filter = kh * kw * 3 + 1
    shape_text = (
        f"input {h}x{wd}x3, {n_filters} filter{'s' if n_filters > 1 else ''} of {kh}x{kw}x3 "
        f"(each spans all 3 channels) -> output {out_h}x{out_w}x{n_filters}: one {out_h}x{out_w} "
        f"map per filter; parameters {n_filters} x ({kh}·{kw}·3 + 1) = {n_filters * per_filter}"
    )

    # ---- HTML
    limit_in = float(np.abs(x).max()) or 1.0
    limit_w = float(np.abs(w).max()) or 1.0
    limit_c = float(np.abs(contributions).max()) or 1.0
    window_marks = {(p, q): "window" for p in range(i, i + kh) for q in range(j, j + kw)}
    font = f"font-size:{t.font_px}px;color:{t.text};"
    scale = max(4, int(round(96 * t.figure_scale / max(h, wd))))
    input_png = _input_picture(state, scale)
    inputs, kernels, sums = [], [], []
    for c in range(3):
        name, word = CHANNEL_NAMES[c], _CHANNEL_WORDS[c]
        on_c = state.channels_on[c]
        off_marks = {(p, q): "pending" for p in range(h) for q in range(wd)}
        inputs.append(
            _render.matrix_html(
                x[:, :, c],
                title=f"input channel {name} ({word})",
                marks=window_marks if on_c else off_marks,
                limit=limit_in,
                caption=None if on_c else "channel off: treated as zeros",
            )
        )
        kernels.append(
            _render.matrix_html(w[:, :, c], title=f"kernel slice w[:, :, {name}]", limit=limit_w)
        )
        sums.append(
            _render.matrix_html(
                contributions[c],
                title=f"contribution of {name}",
                marks={(i, j): "current"},
                limit=limit_c,
                caption=None if on_c else "channel off: contributes 0",
            )
        )
    inputs.append(
        f'<div style="display:inline-block;vertical-align:top;{font}">'
        f'<div style="font-weight:bold;margin-bottom:4px;">input (RGB), window at ({i}, {j})'
        f"</div>{_render.png_img_tag(input_png, 'colour input')}</div>"
    )
    big = f"font-size:{int(t.font_px * 1.6)}px;font-weight:bold;align-self:center;{font}"

    def op(text):
        return f'<div style="{big}">{html.escape(text)}</div>'

    act = _render.matrix_html(
        activation,
        title=f"activation map (filter {f})",
        marks={(i, j): "current"},
    )
    sum_row = [sums[0], op("+"), sums[1], op("+"), sums[2], op(f"+ bias {_num(bias)} ="), act]
    texts = "".join(
        f'<div style="{font}margin:2px 0;">{html.escape(line)}</div>' for line in channel_texts
    )
    thumb_scale = max(4, int(round(64 * t.figure_scale / max(out_h, out_w))))
    thumbs = "".join(
        f'<div style="display:inline-block;margin-right:8px;text-align:center;{font}">'
        f"{_render.png_img_tag(png, f'map {k}')}"
        f"<div>{'<b>' if k == f else ''}map {k}{'</b>' if k == f else ''}</div></div>"
        for k, png in enumerate(_stack_pngs(stack, thumb_scale))
    )
    page = (
        _render.row_html(*inputs, gap_px=8)
        + _render.row_html(*kernels, gap_px=8)
        + _render.row_html(*sum_row, gap_px=8)
        + texts
        + f'<div style="{font}font-weight:bold;margin:6px 0;">{html.escape(sum_text)}</div>'
        + f'<div style="{font}margin:6px 0;">{html.escape(shape_text)}</div>'
        + f'<div style="{font}">{thumbs}</div>'
    )
    return ChannelsView(
        contributions=contributions,
        activation=activation,
        stack=stack,
        terms=terms,
        bias=bias,
        value=value,
        sum_text=sum_text,
        channel_texts=tuple(channel_texts),
        shape_text=shape_text,
        input_png=input_png,
        html=page,
    )


# ----------------------------------------------------------------------------- widget
class ChannelsExplorer(Explorer):
    """Per-channel contributions summing into one activation map.

    Parameters
    ----------
    image : array_like (H, W, 3) or str, optional
        At most 16x16; default ``"pattern"`` (:func:`colour_pattern`);
        ``"photo"`` uses :func:`photo_patch`.
    filters : str or array_like
        A preset name (:data:`FILTER_PRESETS`) or your own filter
        ``(kh, kw, 3)`` / ``(kh, kw, 3, F)`` (the preset control then starts
        at "custom").
    bias : float or array_like
    size : int
        Kernel side for presets (3 or 5 in the widget).
    num_filters : int
        How many filters make the stack (the preset first, then random ones).
    seed : int
        Seed of the random filters.
    """

    title = "Channels explorer"

    def __init__(
        self, image=None, filters="red_minus_blue", bias=0.0, size=3, num_filters=1, seed=0
    ):
        super().__init__()
        if image is None or (isinstance(image, str) and image == "pattern"):
            image = colour_pattern(8)
        elif isinstance(image, str) and image == "photo":
            image = photo_patch()
        elif isinstance(image, str):
            raise ValueError(f"image must be an array, 'pattern' or 'photo'; got {image!r}")
        self.preset = filters if isinstance(filters, str) else "custom"
        self.size, self.num_filters, self.seed = size, num_filters, seed
        if isinstance(filters, str):
            w = filter_bank(filters, size, num_filters, seed)
        else:
            w = np.asarray(filters, dtype=float)
            w = w[..., None] if w.ndim == 3 else w
            self.num_filters, self.size = w.shape[3], w.shape[0]
        self._custom = w
        b = np.broadcast_to(np.asarray(bias, dtype=float), (w.shape[3],)).copy()
        self.state = ChannelsState(image, w, b)
        self._controls: dict = {}
        self._outputs: dict = {}
        self._syncing = False

    def update(self, **changes) -> ChannelsView:
        """Replace fields of the state and redraw; returns the new view."""
        self.state = dataclasses.replace(self.state, **changes)
        return self._render()

    def view(self) -> ChannelsView:
        return channels_view(self.state)

    def _filters(self) -> np.ndarray:
        if self.preset == "custom":
            w = self._custom
            if w.shape[3] >= self.num_filters:
                return w[:, :, :, : self.num_filters]
            extra = filter_bank("random", w.shape[0], self.num_filters - w.shape[3] + 1, self.seed)
            return np.concatenate([w, extra[:, :, :, 1:]], axis=3)
        return filter_bank(self.preset, self.size, self.num_filters, self.seed)

    def set_filters(self, preset=None, size=None, num_filters=None, seed=None) -> ChannelsView:
        """Rebuild the filter bank; the position and selection are kept where they still fit."""
        if preset is not None:
            if preset != "custom" and preset not in FILTER_PRESETS:
                raise ValueError(
                    f"preset must be 'custom' or one of {', '.join(map(repr, FILTER_PRESETS))}; "
                    f"got {preset!r}"
                )
            self.preset = preset
        if size is not None:
            self.size = int(size)
            if self.preset == "custom" and self._custom.shape[0] != self.size:
                self.preset = "red_minus_blue"
        if num_filters is not None:
            self.num_filters = int(num_filters)
        if seed is not None:
            self.seed = int(seed)
        w = self._filters()
        old = self.state
        b = np.zeros(w.shape[3])
        keep = min(w.shape[3], old.bias.shape[0])
        b[:keep] = old.bias[:keep]
        out_h = old.image.shape[0] - w.shape[0] + 1
        out_w = old.image.shape[1] - w.shape[1] + 1
        self.state = dataclasses.replace(
            old,
            filters=w,
            bias=b,
            selected=min(old.selected, w.shape[3] - 1),
            row=min(old.row, out_h - 1),
            col=min(old.col, out_w - 1),
        )
        return self._render()

    def _render(self) -> ChannelsView:
        view = channels_view(self.state)
        if self._outputs:
            self._outputs["view"].value = view.html
            self._sync_controls()
        return view

    def _sync_controls(self):
        c, s = self._controls, self.state
        out_h, out_w = s.out_shape
        self._syncing = True
        try:
            c["row"].max = out_h - 1
            c["col"].max = out_w - 1
            c["row"].value, c["col"].value = s.row, s.col
            c["selected"].max = s.filters.shape[3] - 1
            c["selected"].value = s.selected
            c["bias"].value = float(np.clip(s.bias[s.selected], c["bias"].min, c["bias"].max))
            c["seed"].disabled = self.preset != "random" and s.filters.shape[3] == 1
        finally:
            self._syncing = False

    def _build_widget(self):
        import ipywidgets as widgets

        s = self.state
        out_h, out_w = s.out_shape
        style = {"description_width": "initial"}
        c = self._controls
        options = [(label, key) for key, label in FILTER_PRESETS.items()]
        if self.preset == "custom":
            options.append(("custom (yours)", "custom"))
        c["preset"] = widgets.Dropdown(
            options=options, value=self.preset, description="filter", style=style
        )
        sizes = sorted({3, 5, self.size})
        c["size"] = widgets.ToggleButtons(
            options=[(f"{k}x{k}x3", k) for k in sizes if k <= min(s.image.shape[:2])],
            value=self.size,
            description="size",
            style={**style, "button_width": "70px"},
        )
        c["seed"] = widgets.IntSlider(
            value=self.seed, min=0, max=99, description="seed", style=style
        )
        c["bias"] = widgets.FloatSlider(
            value=0.0, min=-5.0, max=5.0, step=0.5, description="bias", style=style
        )
        c["row"] = widgets.IntSlider(
            value=s.row, min=0, max=out_h - 1, description="row i", style=style
        )
        c["col"] = widgets.IntSlider(
            value=s.col, min=0, max=out_w - 1, description="column j", style=style
        )
        c["channels"] = [
            widgets.ToggleButton(
                value=s.channels_on[k],
                description=f"{word} ({name})",
                tooltip=f"pressed: the {word} channel takes part; released: it counts as zeros",
            )
            for k, (name, word) in enumerate(zip(CHANNEL_NAMES, _CHANNEL_WORDS, strict=True))
        ]
        c["filters"] = widgets.IntSlider(
            value=s.filters.shape[3],
            min=1,
            max=MAX_FILTERS,
            description="number of filters F",
            style=style,
        )
        c["selected"] = widgets.IntSlider(
            value=s.selected,
            min=0,
            max=s.filters.shape[3] - 1,
            description="show filter",
            style=style,
        )
        self._outputs["view"] = widgets.HTML()

        c["preset"].observe(self._on_bank, names="value")
        c["size"].observe(self._on_bank, names="value")
        c["seed"].observe(self._on_bank, names="value")
        c["filters"].observe(self._on_bank, names="value")
        for name in ("row", "col", "selected", "bias"):
            c[name].observe(self._on_simple, names="value")
        for button in c["channels"]:
            button.observe(self._on_simple, names="value")

        self._render()
        return widgets.VBox(
            [
                widgets.HBox([c["preset"], c["size"], c["seed"]]),
                widgets.HBox([c["filters"], c["selected"], c["bias"]]),
                widgets.HBox([c["row"], c["col"], *c["channels"]]),
                self._outputs["view"],
            ]
        )

    def _on_bank(self, change):
        if self._syncing:
            return
        c = self._controls
        self.set_filters(
            preset=c["preset"].value,
            size=c["size"].value,
            num_filters=c["filters"].value,
            seed=c["seed"].value,
        )

    def _on_simple(self, change):
        if self._syncing:
            return
        c = self._controls
        selected = int(c["selected"].value)
        bias = self.state.bias.copy()
        if change["owner"] is c["bias"]:
            bias[selected] = float(c["bias"].value)
        self.update(
            row=int(c["row"].value),
            col=int(c["col"].value),
            selected=selected,
            bias=bias,
            channels_on=tuple(bool(b.value) for b in c["channels"]),
        )

    def static_html(self) -> str:
        return channels_view(self.state).html


def channels_explorer(image=None, filters="red_minus_blue", bias=0.0, **kwargs):
    """The channels explorer, ready to display (end a notebook cell with it).

    Examples
    --------
    >>> ex = channels_explorer(num_filters=6)
    >>> ex.view().stack.shape
    (6, 6, 6)
    """
    return ChannelsExplorer(image=image, filters=filters, bias=bias, **kwargs)


# ----------------------------------------------------------------------------- benchmark
def benchmark_updates(rng) -> list:
    """Zero-argument callables, each one realistic update of the channels explorer."""
    image = colour_pattern(8)
    presets = list(FILTER_PRESETS)

    def make(preset, size, count, seed, bias, row, col, on, selected):
        def update():
            w = filter_bank(preset, size, count, seed)
            b = np.zeros(count)
            b[selected] = bias
            state = ChannelsState(image, w, b, selected, row, col, on)
            return channels_view(state).html

        return update

    updates = []
    for _ in range(40):
        size = (3, 5)[int(rng.integers(2))]
        out = 8 - size + 1
        count = int(rng.integers(1, MAX_FILTERS + 1))
        updates.append(
            make(
                presets[int(rng.integers(len(presets)))],
                size,
                count,
                int(rng.integers(100)),
                float(rng.choice(np.arange(-5, 5.5, 0.5))),
                int(rng.integers(out)),
                int(rng.integers(out)),
                tuple(bool(v) for v in rng.integers(2, size=3)),
                int(rng.integers(count)),
            )
        )
    return updates
