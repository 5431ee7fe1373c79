"""Channels explorer: how a filter on an RGB image makes one activation map.

A filter on a colour image is three kernels, one per channel, stacked into a
``(kh, kw, 3)`` block: the filter always spans the full input depth. Each
kernel slides over its own channel and makes a 2-D *contribution* map; the
three maps and the bias add up to the one activation map:

``a[i, j] = b + sum over c of (sum over p, q of x[i + p, j + q, c] * w[p, q, c])``

The explorer shows each channel's input (tinted in the channel's own
colour), its kernel slice and its contribution, then the sum written out for
one output position. A channel can be switched off (greyed out) to see its
contribution vanish, and ``F`` filters give an ``(H', W', F)`` stack.

:func:`channels_numbers` computes, :func:`channels_view` adds the HTML;
:class:`ChannelsExplorer` holds the widgets; :func:`channels_explorer` is the
one-line call for a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._checks import check_choice, check_int
from ..conv import conv2d, correlate2d
from ..presentation import theme
from . import _render
from ._base import Explorer, checkbox, checked_array, column, slider, view_html

CHANNEL_NAMES = ("R", "G", "B")
_CHANNEL_WORDS = ("red", "green", "blue")
CHANNEL_TINTS = ("#d62728", "#2ca02c", "#1f77b4")  # each channel's grid in its own colour
OFF_TINT = "#8c8c8c"  # a switched-off channel is greyed out

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
MAX_SEED = 2**32 - 1


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
    size = check_int(size, "size", 4, MAX_SIDE)
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
    check_choice(name, "name", tuple(FILTER_PRESETS))
    size = check_int(size, "size", 1, MAX_KERNEL)
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


# ----------------------------------------------------------------------------- state
@dataclass(frozen=True, eq=False)
class ChannelsState:
    """The input, the filters, and what is being looked at.

    Parameters
    ----------
    image : array_like, shape (H, W, 3)
        At most 16 x 16, finite numbers.
    filters : array_like, shape (kh, kw, 3, F), or (kh, kw, 3) for one filter
        At most 8 filters; the kernel must fit in the image.
    bias : float or array_like, shape (F,)
        One number per filter (a single number is accepted for one filter).
    selected : int
        The filter shown in detail, ``0 .. F - 1``.
    row, col : int
        The output position whose sum is written out.
    channels_on : tuple of 3 bool
        Which input channels take part (an off channel counts as zeros).
    preset : str
        Where the filters came from: a key of :data:`FILTER_PRESETS` or "custom".
    seed : int
        Seed of the random filters of the bank (0 to 2**32 - 1).

    Raises
    ------
    ValueError, TypeError
        Wrong shapes, counts or types, each named with what was received.
    """

    image: np.ndarray
    filters: np.ndarray
    bias: np.ndarray = 0.0
    selected: int = 0
    row: int = 0
    col: int = 0
    channels_on: tuple = (True, True, True)
    preset: str = "custom"
    seed: int = 0

    def __post_init__(self):
        x = checked_array(self.image, "image", (3,), "(H, W, 3)")
        if x.shape[2] != 3:
            raise ValueError(f"image must be (H, W, 3) with 3 channels, got shape {x.shape}")
        if max(x.shape[:2]) > MAX_SIDE:
            raise ValueError(
                f"the channels explorer writes every number out, so the image may be at most "
                f"{MAX_SIDE}x{MAX_SIDE}; got {x.shape[0]}x{x.shape[1]} (compute larger ones "
                "with cnn_utils.conv2d)"
            )
        w = checked_array(self.filters, "filters", (3, 4), "(kh, kw, 3) or (kh, kw, 3, F)")
        w = w[:, :, :, None] if w.ndim == 3 else w
        if w.shape[2] != 3:
            raise ValueError(
                f"filters must span all 3 input channels, (kh, kw, 3, F); got shape {w.shape}"
            )
        if w.shape[3] > MAX_FILTERS:
            raise ValueError(f"at most {MAX_FILTERS} filters, got {w.shape[3]}")
        if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
            raise ValueError(
                f"kernel {w.shape[0]}x{w.shape[1]} does not fit in the "
                f"{x.shape[0]}x{x.shape[1]} image"
            )
        b = checked_array(self.bias, "bias", (0, 1), "(F,): one number per filter")
        b = np.full(w.shape[3], float(b)) if b.ndim == 0 and w.shape[3] == 1 else np.atleast_1d(b)
        if b.shape != (w.shape[3],):
            raise ValueError(
                f"bias must have one value per filter, shape ({w.shape[3]},); got shape {b.shape}"
            )
        for arr, name in ((x, "image"), (w, "filters"), (b, "bias")):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must hold finite numbers (no nan or inf)")
        out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
        for name, top in (("selected", w.shape[3]), ("row", out_h), ("col", out_w)):
            value = check_int(getattr(self, name), name, 0)
            if value >= top:
                raise ValueError(f"{name} must be from 0 to {top - 1}, got {value}")
            object.__setattr__(self, name, value)
        on = self.channels_on
        if isinstance(on, (str, bytes)) or not hasattr(on, "__len__") or len(on) != 3:
            raise ValueError(f"channels_on needs 3 True/False values (R, G, B), got {on!r}")
        if not all(isinstance(v, (bool, np.bool_)) for v in on):
            raise TypeError(f"channels_on needs 3 True/False values (R, G, B), got {on!r}")
        if self.preset != "custom" and self.preset not in FILTER_PRESETS:
            raise ValueError(
                f"preset must be 'custom' or one of {', '.join(map(repr, FILTER_PRESETS))}; "
                f"got {self.preset!r}"
            )
        seed = check_int(self.seed, "seed", 0)
        if seed > MAX_SEED:
            raise ValueError(f"seed must be from 0 to {MAX_SEED}, got {seed}")
        for name, arr in (("image", x), ("filters", w), ("bias", b)):
            arr = np.array(arr, dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "channels_on", tuple(bool(v) for v in self.channels_on))
        object.__setattr__(self, "seed", seed)

    @property
    def out_shape(self) -> tuple[int, int]:
        """``(H', W')`` of each activation map (valid correlation, stride 1)."""
        return (
            self.image.shape[0] - self.filters.shape[0] + 1,
            self.image.shape[1] - self.filters.shape[1] + 1,
        )


# ----------------------------------------------------------------------------- numbers
@dataclass(frozen=True, eq=False)
class ChannelsView:
    """The numbers of one state and its HTML.

    ``contributions`` ``(3, H', W')`` (zero for a channel that is off),
    ``activation`` ``(H', W')`` of the selected filter, ``stack``
    ``(H', W', F)`` of every filter, ``terms`` the three contributions at
    the position, ``value`` the activation there, ``sum_text`` that sum
    written out, ``channel_texts`` each channel's products written out,
    ``shape_text`` the shapes and parameter count, ``input_png`` the colour
    input with the window outlined; ``html`` the whole picture, which the widget
    shows in two parts: ``body_html`` beside the controls and ``facts_html``
    (shapes, parameters, colours) under them.
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
    input_png: bytes = field(repr=False)
    body_html: str = field(repr=False)
    facts_html: str = field(repr=False)

    @property
    def html(self) -> str:
        """The whole static picture."""
        return self.body_html + self.facts_html


def _num(v: float) -> str:
    return _render.format_number(float(v))


def channels_numbers(state: ChannelsState) -> dict:
    """Contributions, activation, the stack of every filter and the sums written out."""
    x, w_all, f = state.image, state.filters, state.selected
    kh, kw, _, n_filters = w_all.shape
    (out_h, out_w), (i, j) = state.out_shape, (state.row, state.col)
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
    stack = conv2d((x * np.array(state.channels_on, float))[None], w_all, state.bias)[0]
    terms = tuple(float(contributions[c, i, j]) for c in range(3))
    value = float(activation[i, j])
    channel_texts = []
    for c, name in enumerate(CHANNEL_NAMES):
        if not state.channels_on[c]:
            channel_texts.append(f"{name}: channel off, contributes 0")
            continue
        window = x[i : i + kh, j : j + kw, c]
        products = " + ".join(
            f"{_render.signed_number(a)}·{_render.signed_number(b)}"
            for a, b in zip(window.ravel(), w[:, :, c].ravel(), strict=True)
        )
        channel_texts.append(f"{name}[{i}, {j}] = {products} = {_num(terms[c])}")
    parts = [
        f"{name} {_render.signed_number(terms[c]) if state.channels_on[c] else 0}"
        for c, name in enumerate(CHANNEL_NAMES)
    ]
    sum_text = (
        f"a[{i}, {j}] = "
        + " + ".join(parts)
        + f" + bias {_render.signed_number(bias)} = {_num(value)}"
    )
    h, wd = x.shape[:2]
    plural = "s" if n_filters > 1 else ""
    shape_text = (
        f"input {h}x{wd}x3, {n_filters} filter{plural} of {kh}x{kw}x3 -> output "
        f"{out_h}x{out_w}x{n_filters}; parameters {n_filters} x ({kh}·{kw}·3 + 1) = "
        f"{n_filters * (kh * kw * 3 + 1)}"
    )
    return {
        "contributions": contributions,
        "activation": activation,
        "stack": stack,
        "terms": terms,
        "bias": bias,
        "value": value,
        "sum_text": sum_text,
        "channel_texts": tuple(channel_texts),
        "shape_text": shape_text,
    }


# ----------------------------------------------------------------------------- pictures
def _input_picture(state: ChannelsState, scale: int) -> bytes:
    """The colour input (off channels dark), enlarged, with the current window outlined."""
    x = state.image * np.array(state.channels_on, dtype=float)
    big = np.round(np.clip(x, 0, 1) * 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)
    kh, kw = state.filters.shape[:2]
    top, left = state.row * scale, state.col * scale
    bottom, right = top + kh * scale - 1, left + kw * scale - 1
    outline = np.array(_render._rgb(theme().accent), dtype=np.uint8)
    b = max(2, scale // 6)
    big[top : top + b, left : right + 1] = outline
    big[bottom - b + 1 : bottom + 1, left : right + 1] = outline
    big[top : bottom + 1, left : left + b] = outline
    big[top : bottom + 1, right - b + 1 : right + 1] = outline
    return _render.png_bytes(big)


def _stack_html(stack: np.ndarray, selected: int) -> str:
    """One small picture per activation map, on one shared signed colour scale."""
    out_h, out_w, n = stack.shape
    limit = float(np.abs(stack).max()) or 1.0
    rgb = _render.to_rgb_uint8(
        stack.transpose(0, 2, 1).reshape(out_h, n * out_w), "signed", limit=limit
    )
    scale = max(3, 30 // max(out_h, out_w))
    cells = []
    for k in range(n):
        png = _render.png_bytes(rgb[:, k * out_w : (k + 1) * out_w], scale=scale)
        label = f"<b>map {k}</b>" if k == selected else f"map {k}"
        cells.append(
            f'<div style="display:inline-block;margin-right:6px;text-align:center;'
            f'font-size:{theme().small_px}px;">{_render.png_img_tag(png, f"map {k}")}'
            f"<div>{label}</div></div>"
        )
    return "".join(cells)


def _grid_scale() -> float:
    """Compact grids: this explorer shows ten at once beside its controls."""
    return 0.6 if theme().name == "normal" else 0.55


def _channel_column(state: ChannelsState, n: dict, c: int) -> str:
    """One channel: its input (tinted in its colour, grey when off), kernel slice, contribution."""
    x, (i, j), (kh, kw) = state.image, (state.row, state.col), state.filters.shape[:2]
    name, word, on = CHANNEL_NAMES[c], _CHANNEL_WORDS[c], state.channels_on[c]
    h, wd = x.shape[:2]
    if on:
        marks = {(p, q): "window" for p in range(i, i + kh) for q in range(j, j + kw)}
    else:
        marks = {(p, q): "off" for p in range(h) for q in range(wd)}
    small = {"scale": _grid_scale(), "show_indices": False}
    limit_w = float(np.abs(state.filters[:, :, :, state.selected]).max()) or 1.0
    limit_c = float(np.abs(n["contributions"]).max()) or 1.0
    tint = CHANNEL_TINTS[c] if on else OFF_TINT
    grids = [
        _render.matrix_html(x[:, :, c], title=f"{word} ({name})" + ("" if on else ": off"),
                            marks=marks, limit=float(np.abs(x).max()) or 1.0, tint=tint,
                            **small),
        _render.matrix_html(state.filters[:, :, c, state.selected], title=f"∗ w[:, :, {name}]",
                            limit=limit_w, **small),
        _render.matrix_html(n["contributions"][c], title=f"= {name} part" + ("" if on else " (0)"),
                            marks={(i, j): "current"} if on else {}, limit=limit_c, **small),
    ]  # fmt: skip
    return f'<div style="display:flex;flex-direction:column;gap:2px;">{"".join(grids)}</div>'


def _page(state: ChannelsState, n: dict) -> tuple[str, str, bytes]:
    input_png = _input_picture(state, max(4, 64 // max(state.image.shape[:2])))
    activation = _render.matrix_html(
        n["activation"], title=f"sum + bias = map {state.selected}",
        marks={(state.row, state.col): "current"}, scale=_grid_scale(), show_indices=False,
    )  # fmt: skip
    side_px = 150 if theme().name == "normal" else 170  # narrow: the long lines wrap here
    side = (
        f'<div style="display:flex;flex-direction:column;align-items:flex-start;gap:2px;'
        f'width:{side_px}px;">'
        + _render.text_html("input (RGB)", small=True)
        + _render.png_img_tag(input_png, "colour input")
        + activation
        + _render.text_html("all maps:", small=True)
        + _stack_html(n["stack"], state.selected)
        + "</div>"
    )
    columns = [_channel_column(state, n, c) for c in range(3)]
    texts = "".join(_render.text_html(line, mono=True, small=True) for line in n["channel_texts"])
    page = (
        _render.row_html(*columns, side, gap_px=8)
        + _render.text_html(n["sum_text"], bold=True)
        + texts
    )
    facts = _render.text_html(n["shape_text"], small=True) + _render.colour_legend()
    return page, facts, input_png


def channels_view(state: ChannelsState) -> ChannelsView:
    """Per-channel contributions, their sum with the bias, the stack of all filters.

    Examples
    --------
    >>> state = ChannelsState(colour_pattern(6), make_filter("red_minus_blue"), bias=0.5)
    >>> view = channels_view(state)
    >>> view.terms, view.value
    ((9.0, 0.0, 0.0), 9.5)
    """
    if not isinstance(state, ChannelsState):
        raise TypeError(f"channels_view takes a ChannelsState, got {type(state).__name__}")
    n = channels_numbers(state)
    page, facts, input_png = _page(state, n)
    return ChannelsView(**n, input_png=input_png, body_html=page, facts_html=facts)


# ----------------------------------------------------------------------------- widget
class ChannelsExplorer(Explorer):
    """Per-channel contributions summing into one activation map.

    Controls: ``preset``, ``size``, ``num_filters``, ``selected``, ``seed``,
    ``filter_bias`` (the selected filter's bias), ``row``, ``col``, ``red``, ``green``, ``blue``.
    ``update`` takes the state's fields and also ``size`` and ``num_filters``
    (the filter bank is rebuilt from ``preset``, ``size``, ``num_filters`` and
    ``seed``; a custom bank keeps your filters and adds random ones).
    """

    title = "Channels explorer"
    view_function = staticmethod(channels_view)

    def __init__(self, state: ChannelsState):
        super().__init__(state)
        self._custom = state.filters

    def update(self, **changes):
        bank = {k: changes.pop(k) for k in ("size", "num_filters") if k in changes}
        if bank or {"preset", "seed"} & set(changes):
            changes.update(
                self._bank(
                    changes.get("preset", self.state.preset),
                    changes.get("seed", self.state.seed),
                    **bank,
                )
            )
        return super().update(**changes)

    def _bank(self, preset, seed, size=None, num_filters=None) -> dict:
        old = self.state
        size = check_int(old.filters.shape[0] if size is None else size, "size", 1)
        count = check_int(
            old.filters.shape[3] if num_filters is None else num_filters, "num_filters", 1
        )
        if count > MAX_FILTERS:
            raise ValueError(f"num_filters must be from 1 to {MAX_FILTERS}, got {count}")
        if preset == "custom" and size != self._custom.shape[0]:
            preset = "red_minus_blue"  # your filters have one size; another size needs a preset
        if preset == "custom":
            w = self._custom[:, :, :, :count]
            extra = filter_bank("random", size, count - w.shape[3] + 1, seed)[:, :, :, 1:]
            w = np.concatenate([w, extra], axis=3)
        else:
            w = filter_bank(preset, size, count, seed)
        bias = np.zeros(count)
        keep = min(count, old.bias.shape[0])
        bias[:keep] = old.bias[:keep]
        out_h, out_w = old.image.shape[0] - size + 1, old.image.shape[1] - size + 1
        return {
            "filters": w,
            "bias": bias,
            "preset": preset,
            "seed": seed,
            "selected": min(old.selected, count - 1),
            "row": min(old.row, max(out_h - 1, 0)),
            "col": min(old.col, max(out_w - 1, 0)),
        }

    def _build(self):
        import ipywidgets as widgets

        t, s = theme(), self.state
        options = [(label, key) for key, label in FILTER_PRESETS.items()] + [
            ("custom (yours)", "custom")
        ]
        self._bind(
            "preset",
            widgets.Dropdown(
                options=options,
                value=s.preset,
                description="filter",
                style={"description_width": t.width(5)},
                layout=widgets.Layout(width=t.width(26)),
            ),
            "preset",
        )
        sizes = [k for k in sorted({3, 5, s.filters.shape[0]}) if k <= min(s.image.shape[:2])]
        size = widgets.ToggleButtons(
            options=[(f"{k}x{k}x3", k) for k in sizes],
            value=s.filters.shape[0],
            style={"button_width": t.width(6)},
        )
        self._bind("size", size)
        size.observe(lambda c: self._busy or self.update(size=c["new"]), names="value")
        count = slider("filters F", s.filters.shape[3], 1, MAX_FILTERS)
        self._bind("num_filters", count)
        count.observe(lambda c: self._busy or self.update(num_filters=c["new"]), names="value")
        self._bind(
            "selected", slider("show filter", s.selected, 0, s.filters.shape[3] - 1), "selected"
        )
        self._bind("seed", slider("seed", s.seed, 0, 99), "seed")
        bias = widgets.FloatSlider(
            value=float(s.bias[s.selected]),
            min=-5.0,
            max=5.0,
            step=0.5,
            description="bias",
            style={"description_width": t.width(9)},
            layout=widgets.Layout(width=t.width(25)),
        )
        self._bind("filter_bias", bias)
        bias.observe(self._on_bias, names="value")
        out_h, out_w = s.out_shape
        self._bind("row", slider("row i", s.row, 0, out_h - 1), "row")
        self._bind("col", slider("column j", s.col, 0, out_w - 1), "col")
        for c, word in enumerate(_CHANNEL_WORDS):
            box = checkbox(f"{word} ({CHANNEL_NAMES[c]}) on", s.channels_on[c])
            self._bind(word, box)
            box.observe(self._on_channel, names="value")
        ctl = self._controls
        self._facts = widgets.HTML()  # shapes, parameter count, colours: under the controls
        box = column(
            [
                ctl["preset"],
                ctl["size"],
                ctl["num_filters"],
                ctl["selected"],
                ctl["seed"],
                ctl["filter_bias"],
                ctl["row"],
                ctl["col"],
                ctl["red"],
                ctl["green"],
                ctl["blue"],
                self._facts,
            ],
            chars=27,
        )
        return box, view_html()

    def _show(self) -> None:
        s, c = self.state, self._controls
        self._view_widget.value = self.view.body_html
        self._facts.value = self.view.facts_html
        out_h, out_w = s.out_shape
        for name, top in (
            ("row", out_h - 1),
            ("col", out_w - 1),
            ("selected", s.filters.shape[3] - 1),
        ):
            c[name].max = max(top, c[name].value)
            c[name].value = getattr(s, name)
            c[name].max = top
        c["num_filters"].value = s.filters.shape[3]
        c["size"].value = s.filters.shape[0]
        c["filter_bias"].value = float(np.clip(s.bias[s.selected], -5.0, 5.0))
        for k, word in enumerate(_CHANNEL_WORDS):
            c[word].value = s.channels_on[k]
        c["seed"].disabled = s.preset != "random" and s.filters.shape[3] == 1

    def _on_bias(self, change) -> None:
        if not self._busy:
            bias = self.state.bias.copy()
            bias[self.state.selected] = float(change["new"])
            self.update(bias=bias)

    def _on_channel(self, _change) -> None:
        if not self._busy:
            self.update(channels_on=tuple(bool(self._controls[w].value) for w in _CHANNEL_WORDS))


def channels_explorer(
    image=None, filters="red_minus_blue", bias=0.0, size=3, num_filters=1, seed=0
):
    """The channels explorer, ready to display (end a notebook cell with it).

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
        One number per filter (one number is used for every filter).
    size : int, default 3
        Kernel side for presets, 1 to 7.
    num_filters : int, default 1
        How many filters make the stack (the preset first, then random ones), 1 to 8.
    seed : int, default 0
        Seed of the random filters.

    Returns
    -------
    ChannelsExplorer

    Raises
    ------
    ValueError, TypeError
        Each argument checked up front, naming what it got and what is allowed.

    Examples
    --------
    >>> ex = channels_explorer(num_filters=6)
    >>> ex.view.stack.shape
    (6, 6, 6)
    """
    if image is None or (isinstance(image, str) and image == "pattern"):
        image = colour_pattern(8)
    elif isinstance(image, str) and image == "photo":
        image = photo_patch()
    elif isinstance(image, str):
        raise ValueError(f"image must be an array, 'pattern' or 'photo'; got {image!r}")
    seed = check_int(seed, "seed", 0)
    if isinstance(filters, str):
        if filters not in FILTER_PRESETS:
            raise ValueError(
                f"filters must be an array or a preset name, one of "
                f"{', '.join(map(repr, FILTER_PRESETS))}; got {filters!r}"
            )
        count = check_int(num_filters, "num_filters", 1)
        if count > MAX_FILTERS:
            raise ValueError(f"num_filters must be from 1 to {MAX_FILTERS}, got {count}")
        w, preset = filter_bank(filters, size, count, seed), filters
    elif filters is None:
        raise TypeError(
            "filters must be a preset name ("
            + ", ".join(map(repr, FILTER_PRESETS))
            + ") or an array (kh, kw, 3) or (kh, kw, 3, F); got None"
        )
    else:
        w, preset = filters, "custom"
    w = checked_array(w, "filters", (3, 4), "(kh, kw, 3) or (kh, kw, 3, F)")
    w = w[:, :, :, None] if w.ndim == 3 else w
    b = checked_array(bias, "bias", (0, 1), "(F,): one number per filter")
    b = np.full(w.shape[3], float(b)) if b.ndim == 0 else b
    return ChannelsExplorer(ChannelsState(image, w, b, preset=preset, seed=seed))
