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
import html
import io
import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array
from ..kernels import KERNELS
from ..padding import PAD_MODES, pad2d
from ..presentation import theme
from . import _render
from ._base import Explorer

__all__ = [
    "BORDER_LABELS",
    "DISPLAY_NOTES",
    "PRESETS",
    "PlaygroundExplorer",
    "PlaygroundState",
    "PlaygroundView",
    "apply_kernel",
    "benchmark_updates",
    "display_rgb",
    "filtered_image",
    "kernel_playground",
    "playground_view",
    "read_image_bytes",
]

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
    "signed": (
        "signed: zero is white, negative blue, positive orange, scaled by the largest |value|; "
        "hides small values next to a strong peak (and a colour result shows the mean of its "
        "three channels)"
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
    "signed": "signed",
    "clip": "clip [0, 1]",
    "abs": "absolute",
    "normalize": "normalised",
}
OPERATIONS = ("correlate", "convolve")
OPERATION_LABELS = {"correlate": "cross-correlation", "convolve": "convolution (flipped)"}

MAX_SIDE = 320
"""Default working size: the longer side of the image, in pixels."""
MAX_UPLOAD_BYTES = 10_000_000
MAX_UPLOAD_PIXELS = 20_000_000
MIN_SIDE = 8
MAX_KERNEL = 9
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
    k = as_float_array(kernel, "kernel", (2,), "(kh, kw)")
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
    img = as_float_array(image, "image", (2, 3), "(an image (H, W) or (H, W, 3))")
    if img.ndim == 3 and img.shape[2] not in (1, 3):
        raise ValueError(f"image must have 1 or 3 channels (H, W, C), got shape {img.shape}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if min(img.shape[:2]) < MIN_SIDE:
        raise ValueError(
            f"image must be at least {MIN_SIDE}x{MIN_SIDE} pixels, got {img.shape[0]}x"
            f"{img.shape[1]}"
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
    img = as_float_array(image, "image", (2, 3), "(an image (H, W) or (H, W, C))")
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
    if mode not in DISPLAY_NOTES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, DISPLAY_NOTES))}; got {mode!r}")
    arr = as_float_array(values, "values", (2, 3), "(H, W) or (H, W, 3)")
    if mode == "signed":
        limit = float(np.abs(arr if arr.ndim == 2 else arr.mean(axis=-1)).max()) or 1.0
        return _render.to_rgb_uint8(arr, "signed", limit=limit)
    return _render.to_rgb_uint8(arr, mode)


def read_image_bytes(
    data, max_side=MAX_SIDE, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_UPLOAD_PIXELS
):
    """Decode uploaded bytes into a working-size RGB image, or say why not.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The file's contents.
    max_side : int
        The accepted image is shrunk (proportions kept) so that its longer
        side is at most this many pixels.
    max_bytes, max_pixels : int
        Larger files, or images with more pixels, are refused before they
        are decoded.

    Returns
    -------
    (image, message) : (numpy.ndarray or None, str)
        ``image`` is float64 ``(H, W, 3)`` in [0, 1], or ``None`` when the
        data were refused; ``message`` says what happened, in a sentence.

    Examples
    --------
    >>> image, message = read_image_bytes(b"not an image")
    >>> image is None, message.startswith("That file is not an image")
    (True, True)
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        return None, (
            f"That file is {len(data):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes / 1e6:g} MB). "
            "The previous image is kept."
        )
    if not data:
        return None, "That file is empty. The previous image is kept."
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                if width * height > max_pixels:
                    return None, (
                        f"That image is {width}x{height} = {width * height / 1e6:.1f} megapixels; "
                        f"the limit is {max_pixels / 1e6:g} megapixels. The previous image is kept."
                    )
                if min(width, height) < MIN_SIDE:
                    return None, (
                        f"That image is {width}x{height} pixels; it needs at least {MIN_SIDE} "
                        "on each side. The previous image is kept."
                    )
                im.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced size
                im = ImageOps.exif_transpose(im)
                im = im.convert("RGB")
                im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                rgb = np.asarray(im, dtype=np.float64) / 255.0
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, (
            f"That image has too many pixels (the limit is {max_pixels / 1e6:g} megapixels). "
            "The previous image is kept."
        )
    except UnidentifiedImageError:
        return None, (
            "That file is not an image this playground can read (PNG, JPEG, GIF, BMP, TIFF, "
            "WebP). The previous image is kept."
        )
    except (OSError, ValueError, SyntaxError, EOFError) as err:
        return None, (
            f"That file looks like an image but could not be decoded ({err}); it may be "
            "damaged or cut short. The previous image is kept."
        )
    if min(rgb.shape[:2]) < MIN_SIDE:
        return None, (
            f"That image is too thin: shrunk to fit {max_side} pixels it is under {MIN_SIDE} "
            "pixels on one side. The previous image is kept."
        )
    return rgb, f"Loaded a {width}x{height} image, shown at {rgb.shape[1]}x{rgb.shape[0]}."


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
    :data:`BORDER_LABELS`; ``display`` a key of :data:`DISPLAY_NOTES`;
    ``operation`` ``"correlate"`` or ``"convolve"``; ``color`` False filters
    the luminance; ``message`` a line about the last upload.
    """

    image: np.ndarray
    kernel: np.ndarray
    preset: str = CUSTOM
    border: str = "reflect"
    display: str = "signed"
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
        if self.border not in BORDER_LABELS:
            raise ValueError(
                f"border must be one of {', '.join(map(repr, BORDER_LABELS))}; got {self.border!r}"
            )
        if self.display not in DISPLAY_NOTES:
            raise ValueError(
                f"display must be one of {', '.join(map(repr, DISPLAY_NOTES))}; "
                f"got {self.display!r}"
            )
        if self.operation not in OPERATIONS:
            raise ValueError(f"operation must be 'correlate' or 'convolve'; got {self.operation!r}")
        if not isinstance(self.color, (bool, np.bool_)):
            raise TypeError(f"color must be True or False, got {self.color!r}")
        if not isinstance(self.message, str):
            raise TypeError(f"message must be a string, got {type(self.message).__name__}")

    @classmethod
    def from_preset(cls, image, preset="sobel_x", **kwargs) -> PlaygroundState:
        """A state whose kernel is the preset's (``preset`` a key of :data:`PRESETS`)."""
        if preset not in PRESETS:
            raise ValueError(
                f"preset must be one of {', '.join(map(repr, PRESETS))}; got {preset!r}"
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
    ``input_rgb``/``output_rgb`` the uint8 pictures; ``input_png``/``output_png``
    their PNG bytes; ``kernel_html`` the kernel grid(s); ``stats`` the
    line with min and max; ``note`` what the display mode hides;
    ``html`` all of it as one static picture.
    """

    filtered: np.ndarray
    out_min: float
    out_max: float
    input_rgb: np.ndarray
    output_rgb: np.ndarray
    input_png: bytes
    output_png: bytes
    kernel_html: str
    stats: str
    note: str
    message: str
    html: str


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
    title = f"kernel {state.kernel.shape[0]}x{state.kernel.shape[1]}: " + PRESETS.get(
        state.preset, CUSTOM
    )
    caption = None
    if flip and not np.array_equal(state.kernel, state.kernel[::-1, ::-1]):
        caption = "convolution slides it turned by 180 degrees"
    elif flip:
        caption = "symmetric under a 180-degree turn: convolution changes nothing"
    return _render.matrix_html(state.kernel, title=title, caption=caption)


def _image_panel(png: bytes, title: str, width: int) -> str:
    t = theme()
    return (
        f'<div style="display:inline-block;vertical-align:top;color:{t.text};">'
        f'<div style="font-weight:bold;font-size:{t.font_px}px;margin-bottom:4px;">'
        f"{html.escape(title)}</div>{_render.png_img_tag(png, title, width=width)}</div>"
    )


_INPUT_CACHE: list = []  # [(image array, color, rgb, png)], newest last


def _input_picture(state: PlaygroundState) -> tuple[np.ndarray, bytes]:
    """The input's uint8 picture and PNG, remembered for the last few images.

    The input changes only on upload or the colour toggle, so most updates
    reuse its encoding. The cache holds the image array itself and matches
    by identity: a state's image is read-only, so equal identity means equal
    pixels.
    """
    for image, color, rgb, png in _INPUT_CACHE:
        if image is state.image and color == bool(state.color):
            return rgb, png
    rgb = _render.to_rgb_uint8(_working_image(state), "gray")
    rgb.setflags(write=False)
    png = _render.png_bytes(rgb)
    _INPUT_CACHE.append((state.image, bool(state.color), rgb, png))
    del _INPUT_CACHE[:-4]
    return rgb, png


def playground_view(state: PlaygroundState) -> PlaygroundView:
    """Filter, map for display, encode: the pure view of the playground.

    Examples
    --------
    >>> img = np.linspace(0, 1, 100).reshape(10, 10)
    >>> view = playground_view(PlaygroundState.from_preset(img, "identity", color=False))
    >>> bool(np.allclose(view.filtered, img)), view.out_min, view.out_max
    (True, 0.0, 1.0)
    """
    if not isinstance(state, PlaygroundState):
        raise TypeError(f"playground_view takes a PlaygroundState, got {type(state).__name__}")
    filtered = filtered_image(state)
    lo, hi = float(filtered.min()), float(filtered.max())
    input_rgb, input_png = _input_picture(state)
    output_rgb = display_rgb(filtered, state.display)
    output_png = _render.png_bytes(output_rgb)
    kernel_html = _kernel_panels(state)
    h, w = filtered.shape[:2]
    what = "colour, each channel filtered separately" if state.color else "gray (luminance)"
    stats = (
        f"output {h}x{w} ({what}), {OPERATION_LABELS[state.operation]}, border "
        f"{BORDER_LABELS[state.border]}: min {_render.format_number(lo, 3)}, "
        f"max {_render.format_number(hi, 3)}"
    )
    note = DISPLAY_NOTES[state.display]
    width = int(round(w * theme().figure_scale))
    t = theme()
    line_style = f"font-size:{t.font_px}px;color:{t.text};margin-top:4px;"
    lines = "".join(
        f'<div style="{line_style}">{html.escape(s)}</div>'
        for s in (stats, "display: " + note, state.message)
        if s
    )
    page = (
        _render.row_html(
            _image_panel(input_png, "input", width),
            kernel_html,
            _image_panel(output_png, f"output ({DISPLAY_LABELS[state.display]})", width),
        )
        + lines
    )
    return PlaygroundView(
        filtered=filtered,
        out_min=lo,
        out_max=hi,
        input_rgb=input_rgb,
        output_rgb=output_rgb,
        input_png=input_png,
        output_png=output_png,
        kernel_html=kernel_html,
        stats=stats,
        note=note,
        message=state.message,
        html=page,
    )


# ----------------------------------------------------------------------------- widget
class PlaygroundExplorer(Explorer):
    """Kernel playground on a photograph (see the module docstring).

    Parameters
    ----------
    image : array_like, optional
        ``(H, W)`` or ``(H, W, 3)`` in [0, 1]; default the bundled photo.
        Images larger than ``max_side`` are shrunk for speed.
    kernel : str or array_like
        A preset name (a key of :data:`PRESETS`) or an odd-sized 2-D kernel.
    border, display, operation, color
        Initial controls, as in :class:`PlaygroundState`.
    max_side : int
        Working size: the longer side of the image in pixels.
    """

    title = "Kernel playground"

    def __init__(
        self,
        image=None,
        kernel="sobel_x",
        border="reflect",
        display="signed",
        operation="correlate",
        color=True,
        max_side=MAX_SIDE,
    ):
        super().__init__()
        if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)):
            raise TypeError(f"max_side must be an int, got {max_side!r}")
        if not 16 <= max_side <= 2048:
            raise ValueError(f"max_side must be between 16 and 2048 pixels, got {max_side}")
        self.max_side = int(max_side)
        img = _default_photo(self.max_side) if image is None else _shrink(image, self.max_side)
        common = {"border": border, "display": display, "operation": operation, "color": color}
        if isinstance(kernel, str):
            self.state = PlaygroundState.from_preset(img, kernel, **common)
        else:
            self.state = PlaygroundState(image=img, kernel=kernel, preset=CUSTOM, **common)
        self._syncing = False
        self._controls: dict = {}
        self._boxes: list = []
        self._outputs: dict = {}

    # --- state changes (also used by the widget callbacks) -----------------------------
    def update(self, **changes) -> PlaygroundView:
        """Replace fields of the state and redraw; returns the new view."""
        self.state = dataclasses.replace(self.state, **changes)
        return self._render()

    def upload(self, data) -> str:
        """Take an uploaded file's bytes; on failure the image stays. Returns the message."""
        image, message = read_image_bytes(data, self.max_side)
        if image is None:
            self.state = dataclasses.replace(self.state, message=message)
        else:
            self.state = dataclasses.replace(self.state, image=image, message=message)
        self._render()
        return message

    def view(self) -> PlaygroundView:
        return playground_view(self.state)

    def _render(self) -> PlaygroundView:
        view = playground_view(self.state)
        out = self._outputs
        if out:
            out["input"].value = view.input_png
            out["output"].value = view.output_png
            width = f"{int(round(view.input_rgb.shape[1] * theme().figure_scale))}px"
            out["input"].layout.width = width
            out["output"].layout.width = width
            out["kernel"].value = view.kernel_html
            out["output_title"].value = self._title_html(
                f"output ({DISPLAY_LABELS[self.state.display]})"
            )
            out["stats"].value = self._line_html(view.stats)
            out["note"].value = self._line_html("display: " + view.note)
            out["message"].value = self._line_html(view.message, bold=True)
            self._sync_controls()
        return view

    @staticmethod
    def _line_html(text: str, bold: bool = False) -> str:
        t = theme()
        weight = "font-weight:bold;" if bold else ""
        style = f"font-size:{t.font_px}px;color:{t.text};{weight}"
        return f'<div style="{style}">{html.escape(text)}</div>'

    @staticmethod
    def _title_html(text: str) -> str:
        t = theme()
        return f'<div style="font-weight:bold;font-size:{t.font_px}px;">{html.escape(text)}</div>'

    def _sync_controls(self):
        """Make the controls show the state (without triggering our own observers)."""
        c = self._controls
        self._syncing = True
        try:
            c["preset"].value = self.state.preset
            size = self.state.kernel.shape[0]
            if size in (3, 5) and self.state.kernel.shape == (size, size):
                c["size"].value = size
                self._layout_grid(size)
                for box, value in zip(self._boxes, self.state.kernel.ravel(), strict=False):
                    if box.value != float(value):
                        box.value = float(value)
        finally:
            self._syncing = False

    def _layout_grid(self, size: int):
        grid = self._controls["grid"]
        boxes = self._boxes[: size * size]
        if tuple(grid.children) != tuple(boxes):
            grid.children = boxes
        grid.layout.grid_template_columns = f"repeat({size}, {int(theme().cell_px * 2.2)}px)"

    def _build_widget(self):
        import ipywidgets as widgets

        t = theme()
        s = self.state
        label_style = {"description_width": "initial"}
        c = self._controls
        c["preset"] = widgets.Dropdown(
            options=[(label, key) for key, label in PRESETS.items()] + [("custom", CUSTOM)],
            value=s.preset,
            description="preset",
            style=label_style,
        )
        c["size"] = widgets.ToggleButtons(
            options=[("3x3", 3), ("5x5", 5)],
            value=s.kernel.shape[0] if s.kernel.shape[0] in (3, 5) else 3,
            description="kernel",
            style={**label_style, "button_width": "60px"},
        )
        c["operation"] = widgets.ToggleButtons(
            options=[(label, key) for key, label in OPERATION_LABELS.items()],
            value=s.operation,
            description="operation",
            style=label_style,
        )
        c["color"] = widgets.ToggleButtons(
            options=[("colour", True), ("gray", False)],
            value=bool(s.color),
            description="image",
            style={**label_style, "button_width": "70px"},
        )
        c["border"] = widgets.Dropdown(
            options=[(label, key) for key, label in BORDER_LABELS.items()],
            value=s.border,
            description="border",
            style=label_style,
        )
        c["display"] = widgets.ToggleButtons(
            options=[(label, key) for key, label in DISPLAY_LABELS.items()],
            value=s.display,
            description="negative values",
            style=label_style,
        )
        c["upload"] = widgets.FileUpload(
            accept="image/*", multiple=False, description="upload image"
        )
        box_layout = widgets.Layout(width=f"{int(t.cell_px * 2.1)}px")
        self._boxes = [widgets.FloatText(value=0.0, step=0.1, layout=box_layout) for _ in range(25)]
        c["grid"] = widgets.GridBox(children=[], layout=widgets.Layout(grid_gap="2px"))

        out = self._outputs
        out["input"] = widgets.Image(format="png")
        out["output"] = widgets.Image(format="png")
        out["input_title"] = widgets.HTML(self._title_html("input"))
        out["output_title"] = widgets.HTML()
        out["kernel"] = widgets.HTML()
        out["stats"] = widgets.HTML()
        out["note"] = widgets.HTML()
        out["message"] = widgets.HTML()

        for name in ("operation", "color", "border", "display"):
            c[name].observe(self._on_simple, names="value")
        c["preset"].observe(self._on_preset, names="value")
        c["size"].observe(self._on_size, names="value")
        c["upload"].observe(self._on_upload, names="value")
        for box in self._boxes:
            box.observe(self._on_box, names="value")

        self._render()
        grid_panel = widgets.VBox(
            [
                widgets.HTML(self._title_html("edit the kernel (row i down, column j across)")),
                c["grid"],
            ]
        )
        return widgets.VBox(
            [
                widgets.HBox([c["preset"], c["size"]]),
                widgets.HBox([c["operation"], c["color"]]),
                widgets.HBox([c["border"], c["upload"]]),
                c["display"],
                grid_panel,
                widgets.HBox(
                    [
                        widgets.VBox([out["input_title"], out["input"]]),
                        out["kernel"],
                        widgets.VBox([out["output_title"], out["output"]]),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap", grid_gap="12px"),
                ),
                out["stats"],
                out["note"],
                out["message"],
            ]
        )

    # --- callbacks: compute the new state, render in place ---------------------------
    def _on_simple(self, change):
        if self._syncing:
            return
        c = self._controls
        self.update(
            operation=c["operation"].value,
            color=bool(c["color"].value),
            border=c["border"].value,
            display=c["display"].value,
        )

    def _on_preset(self, change):
        if self._syncing:
            return
        self.state = self.state.with_preset(change["new"])
        self._render()

    def _on_size(self, change):
        if self._syncing:
            return
        self.state = self.state.with_size(int(change["new"]))
        self._render()

    def _on_box(self, change):
        if self._syncing:
            return
        size = self._controls["size"].value
        values = np.array([b.value for b in self._boxes[: size * size]], dtype=float)
        if not np.all(np.isfinite(values)):
            return
        self.state = self.state.with_kernel(values.reshape(size, size))
        self._render()

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        item = files[-1]
        content = item["content"] if isinstance(item, dict) else getattr(item, "content", b"")
        self.upload(content)
        # Forget the file: frees its bytes, and the same file can be chosen again.
        self._controls["upload"].value = ()

    # --- static picture ----------------------------------------------------------------
    def static_html(self) -> str:
        return playground_view(self.state).html


def _shrink(image, max_side: int) -> np.ndarray:
    img = _check_image(image)
    h, w = img.shape[:2]
    if max(h, w) <= max_side:
        return img
    from PIL import Image

    scale = max_side / max(h, w)
    size = (max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale)))
    lo, hi = float(img.min()), float(img.max())
    channels = [
        np.asarray(
            Image.fromarray(img[:, :, c].astype(np.float32), mode="F").resize(
                size, Image.Resampling.LANCZOS
            ),
            dtype=np.float64,
        )
        for c in range(3)
    ]
    return np.clip(np.stack(channels, axis=2), lo, hi)


def kernel_playground(image=None, kernel="sobel_x", **kwargs) -> PlaygroundExplorer:
    """The kernel playground, ready to display (end a notebook cell with it).

    Parameters
    ----------
    image : array_like, optional
        Default: the bundled photograph (Grace Hopper).
    kernel : str or array_like
        A preset name (:data:`PRESETS`) or an odd-sized 2-D kernel.
    **kwargs
        ``border``, ``display``, ``operation``, ``color``, ``max_side``: see
        :class:`PlaygroundExplorer`.

    Examples
    --------
    >>> pg = kernel_playground(np.ones((16, 16)), "sharpen", color=False)
    >>> pg.view().out_min, pg.view().out_max
    (1.0, 1.0)
    """
    return PlaygroundExplorer(image=image, kernel=kernel, **kwargs)


# ----------------------------------------------------------------------------- benchmark
def benchmark_updates(rng) -> list:
    """Zero-argument callables, each one realistic update on the bundled photo.

    Each changes the state (preset, kernel, border, display, operation,
    colour), computes the view and encodes it as the widget does.
    """
    base = PlaygroundState.from_preset(_default_photo(MAX_SIDE), "sobel_x")
    presets = [*PRESETS, CUSTOM]
    borders, displays = list(BORDER_LABELS), list(DISPLAY_NOTES)

    def make(preset, changes, custom):
        def update():
            state = base.with_kernel(custom) if preset == CUSTOM else base.with_preset(preset)
            return playground_view(dataclasses.replace(state, **changes))

        return update

    updates = []
    for _ in range(40):
        preset = presets[int(rng.integers(len(presets)))]
        changes = {
            "border": borders[int(rng.integers(len(borders)))],
            "display": displays[int(rng.integers(len(displays)))],
            "operation": OPERATIONS[int(rng.integers(len(OPERATIONS)))],
            "color": bool(rng.integers(2)),
        }
        size = (3, 5)[int(rng.integers(2))]
        updates.append(make(preset, changes, rng.normal(size=(size, size))))
    return updates
