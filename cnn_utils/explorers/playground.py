"""Kernel playground: filter a real photograph with preset or hand-made kernels.

The learner picks a preset (identity, Sobel, gradient magnitude, sharpen,
blur, edge detect, emboss, ...) or types a 3x3 or 5x5 kernel, chooses what
happens at the border, whether the kernel is flipped (convolution) or not
(cross-correlation, what deep-learning libraries compute), colour or gray,
and how negative output values are shown. Any image can be uploaded; bytes
that are not an image, or an image that is too large, leave the current
image in place and say why.

Two layers, as for every explorer:

* :func:`playground_view` turns a :class:`PlaygroundState` into a
  :class:`PlaygroundView` (the filtered array, its minimum and maximum, PNG
  bytes and HTML). It is pure and works at a reduced size (the longer side
  at most ``max_side`` pixels, 320 by default) so that one update takes tens
  of milliseconds.
* :class:`PlaygroundExplorer` wires ipywidgets controls to it;
  :func:`kernel_playground` is the one-line call for a notebook.

The maths is the package's own: :func:`cnn_utils.padding.pad2d` for the
border and :func:`cnn_utils.conv.correlate2d` for the sliding sums.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_choice, check_int
from ..kernels import KERNELS
from ..padding import PAD_MODES, pad2d
from ..presentation import NEGATIVE_NAME, POSITIVE_NAME, theme
from . import _render
from ._base import Explorer, checked_array, column, view_html
from .image_upload import MAX_SIDE, MIN_SIDE, read_image_bytes, shrink

# ----------------------------------------------------------------------------- choices
PRESETS: dict[str, str] = {
    "identity": "identity",
    "sobel_x": "Sobel x (Gx)",
    "sobel_y": "Sobel y (Gy)",
    "gradient_magnitude": "gradient magnitude sqrt(Gx² + Gy²)",
    "sharpen": "sharpen",
    "box_blur": "box blur 3x3",
    "box_blur_5x5": "box blur 5x5",
    "gaussian_blur": "Gaussian blur 3x3",
    "gaussian_blur_5x5": "Gaussian blur 5x5",
    "edge_enhance": "edge enhance",
    "edge_detect": "edge detect (Laplacian)",
    "emboss": "emboss",
    "outline": "outline",
}
"""Preset name -> label shown in the dropdown. ``"custom"`` means a hand-made kernel."""

CUSTOM = "custom"
GRADIENT_MAGNITUDE = "gradient_magnitude"

BORDER_LABELS: dict[str, str] = {
    "constant": "zero (constant)",
    "reflect": "reflect",
    "replicate": "replicate",
    "wrap": "wrap",
}
"""Border mode (as :func:`cnn_utils.padding.pad2d` names it) -> label."""

DISPLAY_NOTES: dict[str, str] = {
    "auto": "chosen by the kernel: see the line above",
    "signed": (
        f"signed: zero is white, negative {NEGATIVE_NAME}, positive {POSITIVE_NAME}, scaled by "
        "the largest |value|; hides small values next to a strong peak (and a colour result "
        "shows the mean of its three channels)"
    ),
    "clip": (
        "clipped to [0, 1]: below 0 shows black, above 1 white; hides every negative response "
        "and every difference above 1"
    ),
    "abs": (
        "absolute value |x| scaled by its maximum: hides the sign, so a dark-to-bright edge and "
        "a bright-to-dark edge look the same"
    ),
    "normalize": (
        "normalised: min..max stretched to black..white; hides where zero is and how large the "
        "values really are"
    ),
}
"""Display mode for negative values -> one line on what it shows and what it hides."""

DISPLAY_LABELS: dict[str, str] = {
    "auto": "by kernel kind",
    "signed": "signed",
    "clip": "clip [0, 1]",
    "abs": "absolute",
    "normalize": "normalised",
}
OPERATIONS = ("correlate", "convolve")
OPERATION_LABELS = {"correlate": "cross-correlation", "convolve": "convolution (flipped)"}
MAX_KERNEL = 9
MAX_IMAGE_SIDE = 2048  # an image given as an array, before it is shrunk to max_side
_LUMINANCE = np.array([0.299, 0.587, 0.114])

# Switching the kernel size keeps a preset when it has a partner of the other size.
_SIZE_PARTNER = {
    ("box_blur", 5): "box_blur_5x5",
    ("box_blur_5x5", 3): "box_blur",
    ("gaussian_blur", 5): "gaussian_blur_5x5",
    ("gaussian_blur_5x5", 3): "gaussian_blur",
}


def _preset_kernel(name: str) -> np.ndarray:
    return KERNELS["sobel_x" if name == GRADIENT_MAGNITUDE else name]


def _frozen_array(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.float64 and not arr.flags.writeable:
        return arr
    out = np.array(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def _check_kernel(kernel) -> np.ndarray:
    k = checked_array(kernel, "kernel", (2,), "(kh, kw)")
    kh, kw = k.shape
    if kh % 2 == 0 or kw % 2 == 0 or kh > MAX_KERNEL or kw > MAX_KERNEL:
        raise ValueError(
            f"kernel must have odd sides of at most {MAX_KERNEL} (so it has a centre pixel), "
            f"got shape {k.shape}"
        )
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel values must be finite numbers (no nan or inf)")
    return k


def _check_image(image) -> np.ndarray:
    img = checked_array(image, "image", (2, 3), "(an image (H, W) or (H, W, 3))")
    if img.ndim == 3 and img.shape[2] not in (1, 3):
        raise ValueError(f"image must have 1 or 3 channels (H, W, C), got shape {img.shape}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if min(img.shape[:2]) < MIN_SIDE:
        raise ValueError(
            f"image must be at least {MIN_SIDE}x{MIN_SIDE} pixels, got {img.shape[0]}x"
            f"{img.shape[1]}"
        )
    if max(img.shape[:2]) > MAX_IMAGE_SIDE:
        raise ValueError(
            f"image must be at most {MAX_IMAGE_SIDE} pixels on each side, got {img.shape[0]}x"
            f"{img.shape[1]}; shrink it first"
        )
    if not np.all(np.isfinite(img)):
        raise ValueError("image values must be finite numbers (no nan or inf)")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img


# ----------------------------------------------------------------------------- the maths
def apply_kernel(image, kernel, border="reflect", operation="correlate"):
    """Filter an image with a kernel; the output has the input's size.

    The border is padded with :func:`cnn_utils.padding.pad2d` by half the
    kernel size (``(k - 1) / 2`` rows and columns); every channel is then
    filtered with the same kernel. The sliding sum is computed the other way
    round, as a sum over kernel taps of the shifted padded image weighted by
    the tap, ``out = sum over (p, q) of kernel[p, q] * padded[p:p+H, q:q+W]``,
    which gives exactly :func:`cnn_utils.conv.correlate2d` and is fast enough
    for a photograph.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    kernel : array_like, shape (kh, kw), odd sides
    border : {"constant", "reflect", "replicate", "wrap"}
        How the missing pixels beyond the edge are made up (``constant``
        is zero padding).
    operation : {"correlate", "convolve"}
        ``correlate`` slides the kernel as it is (what deep-learning
        libraries call convolution); ``convolve`` first turns it by 180
        degrees (true convolution).

    Returns
    -------
    numpy.ndarray, same shape as ``image``

    Raises
    ------
    ValueError
        For an even-sized kernel, an unknown border or operation, or a
        reflect border wider than the image.

    Examples
    --------
    >>> img = np.arange(16.0).reshape(4, 4)
    >>> apply_kernel(img, [[0, 0, 0], [0, 1, 0], [0, 0, 0]]).tolist() == img.tolist()
    True
    >>> apply_kernel(img, [[0, 0, 0], [1, 0, -1], [0, 0, 0]], border="replicate")[1]
    array([-1., -2., -2., -1.])
    """
    img = checked_array(image, "image", (2, 3), "(an image (H, W) or (H, W, C))")
    k = _check_kernel(kernel)
    if border not in PAD_MODES:
        raise ValueError(f"border must be one of {', '.join(map(repr, PAD_MODES))}; got {border!r}")
    if operation not in OPERATIONS:
        raise ValueError(
            f"operation must be one of {', '.join(map(repr, OPERATIONS))}; got {operation!r}"
        )
    if operation == "convolve":
        k = k[::-1, ::-1]
    kh, kw = k.shape
    h, w = img.shape[:2]
    padded = pad2d(img, ((kh - 1) // 2, (kw - 1) // 2), mode=border)
    out = np.zeros_like(img)
    for p in range(kh):
        for q in range(kw):
            if k[p, q] != 0:
                out += k[p, q] * padded[p : p + h, q : q + w]
    return out


def display_rgb(values, mode="signed") -> np.ndarray:
    """Map a filtered image (any real values) to uint8 RGB for display.

    Parameters
    ----------
    values : array_like, shape (H, W) or (H, W, 3)
    mode : {"signed", "clip", "abs", "normalize"}
        ``signed``: a diverging colour map with zero in the middle (white),
        the scale set by the largest absolute value (colour input: the mean
        of the channels); ``clip``: values clipped to [0, 1]; ``abs``:
        ``|x|`` divided by its maximum; ``normalize``: ``(x - min) / (max -
        min)``. :data:`DISPLAY_NOTES` says what each one hides.

    Returns
    -------
    numpy.ndarray, uint8, shape (H, W, 3)

    Examples
    --------
    >>> display_rgb([[-1.0, 0.5]], "clip")[0, :, 0]
    array([  0, 128], dtype=uint8)
    >>> display_rgb([[-1.0, 0.5]], "abs")[0, :, 0]
    array([255, 128], dtype=uint8)
    """
    check_choice(mode, "mode", [m for m in DISPLAY_NOTES if m != "auto"])
    arr = checked_array(values, "values", (2, 3), "(H, W) or (H, W, 3)")
    if mode == "signed":
        limit = float(np.abs(arr if arr.ndim == 2 else arr.mean(axis=-1)).max()) or 1.0
        return _render.to_rgb_uint8(arr, "signed", limit=limit)
    return _render.to_rgb_uint8(arr, mode)


def _default_photo(max_side: int) -> np.ndarray:
    from ..datasets import load_photo

    return load_photo(max_size=max_side)


# ----------------------------------------------------------------------------- state and view
@dataclass(frozen=True, eq=False)
class PlaygroundState:
    """Everything the playground shows, as plain values.

    ``image`` is the working-size RGB image (a 2-D image is repeated into
    three channels); ``kernel`` the kernel in the grid (for the gradient
    magnitude preset: Gx; Gy is its transpose); ``preset`` a key of
    :data:`PRESETS` or ``"custom"``; ``border`` a key of
    :data:`BORDER_LABELS`; ``display`` a key of :data:`DISPLAY_NOTES`
    (``"auto"``, the default, picks it by the kernel: :func:`display_for`);
    ``operation`` ``"correlate"`` or ``"convolve"``; ``color`` False filters
    the luminance; ``message`` a line about the last upload.
    """

    image: np.ndarray
    kernel: np.ndarray
    preset: str = CUSTOM
    border: str = "reflect"
    display: str = "auto"
    operation: str = "correlate"
    color: bool = True
    message: str = ""

    def __post_init__(self):
        object.__setattr__(self, "image", _frozen_array(_check_image(self.image)))
        object.__setattr__(self, "kernel", _frozen_array(_check_kernel(self.kernel)))
        if self.preset != CUSTOM and self.preset not in PRESETS:
            raise ValueError(
                f"preset must be 'custom' or one of {', '.join(map(repr, PRESETS))}; "
                f"got {self.preset!r}"
            )
        check_choice(self.border, "border", tuple(BORDER_LABELS))
        check_choice(self.display, "display", tuple(DISPLAY_NOTES))
        check_choice(self.operation, "operation", tuple(OPERATIONS))
        if not isinstance(self.color, (bool, np.bool_)):
            raise TypeError(f"color must be True or False, got {self.color!r}")
        if not isinstance(self.message, str):
            raise TypeError(f"message must be a string, got {type(self.message).__name__}")

    @classmethod
    def from_preset(cls, image, preset="sobel_x", **kwargs) -> PlaygroundState:
        """A state whose kernel is the preset's (``preset`` a key of :data:`PRESETS`)."""
        if not isinstance(preset, str) or preset not in PRESETS:
            raise ValueError(
                f"kernel must be an array or a preset name, one of "
                f"{', '.join(map(repr, PRESETS))}; got {preset!r}"
            )
        return cls(image=image, kernel=_preset_kernel(preset), preset=preset, **kwargs)

    def with_preset(self, preset: str) -> PlaygroundState:
        """The same state with a preset's kernel."""
        if preset == CUSTOM:
            return dataclasses.replace(self, preset=CUSTOM)
        if preset not in PRESETS:
            raise ValueError(
                f"preset must be one of {', '.join(map(repr, PRESETS))}; got {preset!r}"
            )
        return dataclasses.replace(self, kernel=_preset_kernel(preset), preset=preset)

    def with_kernel(self, kernel) -> PlaygroundState:
        """The same state with a hand-made kernel (the preset becomes ``"custom"``)."""
        return dataclasses.replace(self, kernel=kernel, preset=CUSTOM)

    def with_size(self, size: int) -> PlaygroundState:
        """Resize the kernel to ``size x size``: the centre is kept, a new border is zero."""
        if size not in (3, 5, 7, 9):
            raise ValueError(f"size must be 3, 5, 7 or 9, got {size!r}")
        if self.kernel.shape == (size, size):
            return self
        partner = _SIZE_PARTNER.get((self.preset, size))
        if partner is not None:
            return self.with_preset(partner)
        return self.with_kernel(_resize_kernel(self.kernel, size))


def _resize_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((size, size))
    kh, kw = kernel.shape
    # centre-aligned overlap of the old kernel and the new grid
    ch, cw = min(kh, size), min(kw, size)
    ok, ot = (kh - ch) // 2, (kw - cw) // 2
    nk, nt = (size - ch) // 2, (size - cw) // 2
    out[nk : nk + ch, nt : nt + cw] = kernel[ok : ok + ch, ot : ot + cw]
    return out


@dataclass(frozen=True, eq=False)
class PlaygroundView:
    """What one state looks like: the numbers and the encoded pictures.

    ``filtered`` is the output before display mapping (``(H, W, 3)`` in
    colour, ``(H, W)`` in gray); ``out_min``/``out_max`` its range;
    ``display_used`` the display mode applied and ``display_reason`` why;
    ``input_rgb``/``output_rgb`` the uint8 pictures; ``input_png``/``output_png``
    their PNG bytes (lossless, at the working size; the page draws them
    ``shown_width`` wide, and the stored static picture uses JPEG);
    ``kernel_html`` the kernel grid(s); ``stats`` the line with min and max;
    ``note`` what the display mode hides; ``html`` all of it as one static picture.
    """

    filtered: np.ndarray = field(repr=False)
    out_min: float
    out_max: float
    display_used: str
    display_reason: str
    input_rgb: np.ndarray = field(repr=False)
    output_rgb: np.ndarray = field(repr=False)
    input_png: bytes = field(repr=False)
    output_png: bytes = field(repr=False)
    kernel_html: str = field(repr=False)
    stats: str
    note: str
    message: str
    html: str = field(repr=False)


def display_for(state: PlaygroundState) -> tuple[str, str]:
    """The display mode for ``state`` and the reason, in words.

    With ``display="auto"`` the kernel decides: a kernel whose weights sum to
    1 keeps flat regions as bright as they were, so the natural image is shown
    (clipped to [0, 1]); one that sums to 0 maps flat regions to 0, so the
    signed map is shown; the gradient magnitude is never negative (scaled by
    its maximum); any other sum is stretched min..max.

    Examples
    --------
    >>> img = np.zeros((8, 8))
    >>> display_for(PlaygroundState.from_preset(img, "sharpen"))[0]
    'clip'
    >>> display_for(PlaygroundState.from_preset(img, "sobel_x"))[0]
    'signed'
    """
    if state.display != "auto":
        return state.display, "chosen by hand"
    if state.preset == GRADIENT_MAGNITUDE:
        return "abs", "the gradient magnitude is never negative: scaled by its maximum"
    total = float(state.kernel.sum())
    if abs(total - 1.0) < 1e-6:
        return "clip", "the kernel sums to 1: flat regions keep their brightness (natural image)"
    if abs(total) < 1e-6:
        return "signed", "the kernel sums to 0: flat regions give 0 (signed map)"
    sum_text = _render.format_number(total, 3)
    return "normalize", f"the kernel sums to {sum_text}: min..max stretched to black..white"


def _working_image(state: PlaygroundState) -> np.ndarray:
    return state.image if state.color else state.image @ _LUMINANCE


def filtered_image(state: PlaygroundState) -> np.ndarray:
    """The filter output for ``state`` (before any display mapping)."""
    img = _working_image(state)
    if state.preset == GRADIENT_MAGNITUDE:
        gx = apply_kernel(img, KERNELS["sobel_x"], state.border, state.operation)
        gy = apply_kernel(img, KERNELS["sobel_y"], state.border, state.operation)
        return np.hypot(gx, gy)
    return apply_kernel(img, state.kernel, state.border, state.operation)


def _kernel_panels(state: PlaygroundState) -> str:
    flip = state.operation == "convolve"
    if state.preset == GRADIENT_MAGNITUDE:
        caption = "flipped before sliding (the magnitude is the same)" if flip else None
        gx = _render.matrix_html(KERNELS["sobel_x"], title="kernel Gx", caption=caption)
        gy = _render.matrix_html(KERNELS["sobel_y"], title="kernel Gy", caption=caption)
        formula = (
            f'<div style="font-size:{theme().font_px}px;">'
            "output = sqrt((image * Gx)² + (image * Gy)²)</div>"
        )
        return "<div>" + _render.row_html(gx, gy, gap_px=4) + formula + "</div>"
    title = PRESETS.get(state.preset, "custom kernel")
    caption = None
    if flip and not np.array_equal(state.kernel, state.kernel[::-1, ::-1]):
        caption = "convolution slides it turned by 180 degrees"
    elif flip:
        caption = "symmetric under a 180-degree turn: convolution changes nothing"
    return _render.matrix_html(state.kernel, title=title, caption=caption)


def _image_panel(png: bytes, title: str, width: int) -> str:
    return (
        '<div style="display:inline-block;vertical-align:top;">'
        + _render.text_html(title, bold=True)
        + _render.png_img_tag(png, title, width=width)
        + "</div>"
    )


_INPUT_CACHE: list = []  # [(image array, color, rgb, png)], newest last


def _input_picture(state: PlaygroundState) -> tuple[np.ndarray, bytes]:
    """The input's uint8 picture and PNG, remembered for the last few images.

    The input changes only on upload or the colour toggle, so most updates
    reuse its encoding. The cache matches the (read-only) image by identity.
    """
    for image, color, rgb, png in _INPUT_CACHE:
        if image is state.image and color == (bool(state.color), theme().name):
            return rgb, png
    rgb = _render.to_rgb_uint8(_working_image(state), "gray")
    rgb.setflags(write=False)
    png = _render.png_bytes(rgb)
    _INPUT_CACHE.append((state.image, (bool(state.color), theme().name), rgb, png))
    del _INPUT_CACHE[:-4]
    return rgb, png


def shown_width(image_width: int) -> int:
    """How wide the pictures are drawn: compact, so controls and pictures share a screen."""
    return min(image_width, 180 if theme().name == "normal" else 190)


def playground_view(state: PlaygroundState) -> PlaygroundView:
    """Filter, choose the display, encode: the pure view of the playground.

    Examples
    --------
    >>> img = np.linspace(0, 1, 100).reshape(10, 10)
    >>> view = playground_view(PlaygroundState.from_preset(img, "identity", color=False))
    >>> bool(np.allclose(view.filtered, img)), view.out_min, view.out_max, view.display_used
    (True, 0.0, 1.0, 'clip')
    """
    if not isinstance(state, PlaygroundState):
        raise TypeError(f"playground_view takes a PlaygroundState, got {type(state).__name__}")
    filtered = filtered_image(state)
    lo, hi = float(filtered.min()), float(filtered.max())
    mode, reason = display_for(state)
    input_rgb, input_png = _input_picture(state)
    output_rgb = display_rgb(filtered, mode)
    h, w = filtered.shape[:2]
    output_png = _render.png_bytes(output_rgb)
    what = "colour, each channel filtered" if state.color else "gray (luminance)"
    stats = (
        f"output {h}x{w} ({what}), {OPERATION_LABELS[state.operation]}, border "
        f"{BORDER_LABELS[state.border]}: min {_render.format_number(lo, 3)}, max "
        f"{_render.format_number(hi, 3)}"
    )
    shown = f"display: {DISPLAY_LABELS[mode]} ({reason})"
    note = DISPLAY_NOTES[mode]
    width = shown_width(w)
    kernel_html = _kernel_panels(state)
    page = _render.row_html(
        _image_panel(input_png, "input", width),
        kernel_html,
        _image_panel(output_png, f"output ({DISPLAY_LABELS[mode]})", width),
    ) + "".join(_render.text_html(line, small=True) for line in (stats, shown, note) if line)
    if state.message:
        page += _render.text_html(state.message, bold=True, small=True)
    return PlaygroundView(
        filtered,
        lo,
        hi,
        mode,
        reason,
        input_rgb,
        output_rgb,
        input_png,
        output_png,
        kernel_html,
        stats,
        note,
        state.message,
        page,
    )


class PlaygroundExplorer(Explorer):
    """Kernel playground on a photograph (use :func:`kernel_playground` to make one).

    Controls: ``preset``, ``size``, ``operation``, ``color``, ``border``,
    ``display``, ``upload`` and the kernel's number boxes ``kernel`` (a
    GridBox; its children are the boxes).
    """

    title = "Kernel playground"
    view_function = staticmethod(playground_view)

    def __init__(self, state: PlaygroundState, max_side: int = MAX_SIDE):
        super().__init__(state)
        self.max_side = max_side

    def update(self, **changes) -> PlaygroundView:
        """As for every explorer; a new ``preset`` brings its kernel, a new ``kernel`` alone
        makes the preset "custom"."""
        preset = changes.get("preset")
        if preset not in (None, CUSTOM) and "kernel" not in changes:
            changes["kernel"] = self.state.with_preset(preset).kernel
        elif "kernel" in changes and "preset" not in changes:
            changes["preset"] = CUSTOM
        return super().update(**changes)

    def set_preset(self, preset: str) -> PlaygroundView:
        """Use a preset's kernel (``preset`` a key of :data:`PRESETS`, or "custom")."""
        new = self.state.with_preset(preset)
        return self.update(kernel=new.kernel, preset=new.preset)

    def set_size(self, size: int) -> PlaygroundView:
        """Resize the kernel to 3x3 or 5x5 (a preset keeps its partner of that size)."""
        new = self.state.with_size(size)
        return self.update(kernel=new.kernel, preset=new.preset)

    def static_html(self) -> str:
        """The picture, with the photographs as JPEG at the shown width: a seventh of the
        bytes in a stored notebook (the live widget keeps lossless PNG)."""
        view, page = self.view, self.view.html
        for rgb, png in ((view.input_rgb, view.input_png), (view.output_rgb, view.output_png)):
            light = _render.photo_bytes(rgb, width=shown_width(rgb.shape[1]))
            page = page.replace(_render.data_uri(png), _render.data_uri(light))
        return page

    def upload(self, data) -> str:
        """Take an uploaded file's bytes; on failure the image stays. Returns the message."""
        image, message = read_image_bytes(data, self.max_side)
        if image is None:
            self.update(message=message)
        else:
            self.update(image=image, message=message)
        return message

    def _build(self):
        import ipywidgets as widgets

        t, s = theme(), self.state
        wide = {"description_width": t.width(8)}
        dropdown = widgets.Layout(width=t.width(30))
        self._bind(
            "preset",
            widgets.Dropdown(
                options=[(label, key) for key, label in PRESETS.items()] + [("custom", CUSTOM)],
                value=s.preset,
                description="preset",
                style=wide,
                layout=dropdown,
            ),
        )
        self._controls["preset"].observe(lambda c: self._busy or self.set_preset(c["new"]), "value")
        self._bind(
            "size",
            widgets.ToggleButtons(
                options=[("3x3", 3), ("5x5", 5)], value=3, style={"button_width": t.width(5)}
            ),
        )
        self._controls["size"].observe(
            lambda c: self._busy or self.set_size(int(c["new"])), "value"
        )
        for name, labels, value in (
            ("operation", OPERATION_LABELS, s.operation),
            ("border", BORDER_LABELS, s.border),
            ("display", DISPLAY_LABELS, s.display),
        ):
            control = widgets.Dropdown(
                options=[(label, key) for key, label in labels.items()],
                value=value,
                description=name,
                style=wide,
                layout=dropdown,
            )
            self._bind(name, control, name)
        self._bind(
            "color",
            widgets.ToggleButtons(
                options=[("colour", True), ("gray", False)],
                value=bool(s.color),
                style={"button_width": t.width(8)},
            ),
            "color",
        )
        upload = widgets.FileUpload(
            accept="image/*",
            multiple=False,
            description="upload an image",
            layout=widgets.Layout(width=t.width(22)),
        )
        upload.style.font_size = f"{t.font_px}px"
        self._bind("upload", upload)
        upload.observe(self._on_upload, names="value")
        box_layout = widgets.Layout(width=f"{int(t.cell_px * 1.9)}px")
        self._boxes = [widgets.FloatText(value=0.0, step=0.1, layout=box_layout) for _ in range(25)]
        for box in self._boxes:
            box.observe(self._on_box, names="value")
        self._close_with_widget(*self._boxes)  # the grid shows only size x size of them
        self._bind("kernel", widgets.GridBox(children=[], layout=widgets.Layout(grid_gap="2px")))
        c = self._controls
        box = column(
            [
                c["preset"],
                widgets.HBox([c["size"], c["color"]]),
                c["operation"],
                c["border"],
                c["display"],
                c["upload"],
                widgets.HTML(_render.text_html("edit the kernel:", small=True)),
                c["kernel"],
            ],
            chars=32,
        )
        return box, view_html()

    def _show(self) -> None:
        self._view_widget.value = self.view.html
        size = self.state.kernel.shape[0]
        if size in (3, 5) and self.state.kernel.shape == (size, size):
            self._controls["size"].value = size
            grid, boxes = self._controls["kernel"], self._boxes[: size * size]
            if tuple(grid.children) != tuple(boxes):
                grid.children = boxes
            grid.layout.grid_template_columns = f"repeat({size}, {int(theme().cell_px * 1.9)}px)"
            for box, value in zip(boxes, self.state.kernel.ravel(), strict=True):
                if box.value != float(value):
                    box.value = float(value)
        self._controls["preset"].value = self.state.preset

    def _on_box(self, _change) -> None:
        if self._busy:
            return
        size = self._controls["size"].value
        values = np.array([b.value for b in self._boxes[: size * size]], dtype=float)
        if np.all(np.isfinite(values)):
            self.update(kernel=values.reshape(size, size), preset=CUSTOM)

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[-1]
        content = item["content"] if isinstance(item, dict) else getattr(item, "content", b"")
        self.upload(content)
        self._controls["upload"].value = ()  # frees the bytes; the same file can be chosen again


def kernel_playground(
    image=None,
    kernel="sobel_x",
    border="reflect",
    display="auto",
    operation="correlate",
    color=True,
    max_side=MAX_SIDE,
) -> PlaygroundExplorer:
    """The kernel playground, ready to display (end a notebook cell with it).

    Parameters
    ----------
    image : array_like, optional
        ``(H, W)`` or ``(H, W, 3)`` in [0, 1], at least 8 and at most 2048
        pixels a side; default the bundled photograph (Grace Hopper). It is
        shrunk so its longer side is at most ``max_side``.
    kernel : str or array_like
        A preset name (:data:`PRESETS`) or an odd-sized 2-D kernel (at most 9x9).
    border, display, operation, color
        The first settings, as in :class:`PlaygroundState`; ``display="auto"``
        chooses by the kernel (:func:`display_for`).
    max_side : int, default 320
        Working size in pixels, from 16 to 2048.

    Returns
    -------
    PlaygroundExplorer

    Raises
    ------
    ValueError, TypeError
        As :class:`PlaygroundState`, or a ``max_side`` out of range.

    Examples
    --------
    >>> pg = kernel_playground(np.ones((16, 16)), "sharpen", color=False)
    >>> pg.view.out_min, pg.view.out_max, pg.view.display_used
    (1.0, 1.0, 'clip')
    """
    max_side = check_int(max_side, "max_side", 16, 2048)
    img = (
        _default_photo(int(max_side))
        if image is None
        else shrink(_check_image(image), int(max_side))
    )
    common = {"border": border, "display": display, "operation": operation, "color": color}
    if isinstance(kernel, str):
        state = PlaygroundState.from_preset(img, kernel, **common)
    else:
        state = PlaygroundState(image=img, kernel=kernel, preset=CUSTOM, **common)
    return PlaygroundExplorer(state, int(max_side))
