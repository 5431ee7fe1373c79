"""Uploaded bytes -> a working-size RGB image in [0, 1], with a sentence about what happened.

Every kind of image a student may upload is shown honestly: 8-bit images are
divided by 255, 16-bit ones by 65535, 32-bit integer and floating-point ones
are stretched from their own range (floats already in [0, 1] are kept), and
transparent images are laid on white. The message says which of these
happened. A file that starts like an image but cannot be decoded is called
damaged; a file that is no image at all is called that.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

MAX_SIDE = 320
"""Default working size: the longer side of the image, in pixels."""
MAX_UPLOAD_BYTES = 10_000_000
MAX_UPLOAD_PIXELS = 20_000_000
MIN_SIDE = 8
KEPT = "The previous image is kept."

# The first bytes of the formats Pillow reads: a file that starts so but fails is damaged.
_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")


def _stretch(values: np.ndarray) -> tuple[np.ndarray, str]:
    lo, hi = float(values.min()), float(values.max())
    if hi > lo:
        return (values - lo) / (hi - lo), f"values {lo:g} to {hi:g} stretched to 0 to 1"
    return np.zeros_like(values), f"every value is {lo:g}: shown black"


def image_to_rgb(im) -> tuple[np.ndarray, str]:
    """A decoded Pillow image as float64 ``(H, W, 3)`` in [0, 1], and how it was scaled.

    Examples
    --------
    >>> from PIL import Image
    >>> rgb, note = image_to_rgb(Image.new("I;16", (2, 2), 65535))
    >>> float(rgb.max()), note
    (1.0, '16-bit image: values divided by 65535')
    """
    notes = []
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float64) / 255.0
        alpha = rgba[:, :, 3:]
        rgb = rgba[:, :, :3] * alpha + (1.0 - alpha)  # laid on white
        notes.append("transparent parts are shown on white")
        return rgb, "; ".join(notes)
    if im.mode.startswith("I;16"):
        gray = np.asarray(im, dtype=np.float64) / 65535.0
        notes.append("16-bit image: values divided by 65535")
    elif im.mode == "I":
        gray, how = _stretch(np.asarray(im, dtype=np.float64))
        notes.append(f"32-bit integer image: {how}")
    elif im.mode == "F":
        gray = np.asarray(im, dtype=np.float64)
        if not np.all(np.isfinite(gray)):
            raise ValueError("the image holds inf or nan values")
        if gray.min() >= 0.0 and gray.max() <= 1.0:
            notes.append("floating-point image with values in [0, 1]: kept as they are")
        else:
            gray, how = _stretch(gray)
            notes.append(f"floating-point image: {how}")
    else:
        return np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0, ""
    return np.repeat(gray[:, :, None], 3, axis=2), "; ".join(notes)


def shrink(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink ``(H, W, 3)`` so its longer side is at most ``max_side`` (Lanczos, range kept)."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    from PIL import Image

    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    channels = [
        np.asarray(
            Image.fromarray(rgb[:, :, c].astype(np.float32), mode="F").resize(
                size, Image.Resampling.LANCZOS
            ),
            dtype=np.float64,
        )
        for c in range(rgb.shape[2])
    ]
    return np.clip(np.stack(channels, axis=2), float(rgb.min()), float(rgb.max()))


def _refuse_size(width: int, height: int, max_pixels: int) -> str | None:
    if width * height > max_pixels:
        return (
            f"That image is {width}x{height} = {width * height / 1e6:.1f} megapixels; the "
            f"limit is {max_pixels / 1e6:g} megapixels. {KEPT}"
        )
    if min(width, height) < MIN_SIDE:
        return f"That image is {width}x{height} pixels; it needs {MIN_SIDE} on each side. {KEPT}"
    return None


def read_image_bytes(
    data, max_side=MAX_SIDE, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_UPLOAD_PIXELS
):
    """Decode uploaded bytes into a working-size RGB image, or say why not.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The file's contents.
    max_side : int
        The image is shrunk (proportions kept) so its longer side is at most this.
    max_bytes, max_pixels : int
        Larger files, or images with more pixels, are refused before decoding.

    Returns
    -------
    (image, message) : (numpy.ndarray or None, str)
        ``image`` is float64 ``(H, W, 3)`` in [0, 1], or None when refused;
        ``message`` says what happened, in a sentence.

    Raises
    ------
    TypeError
        ``data`` is not bytes.

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
            f"({max_bytes / 1e6:g} MB). {KEPT}"
        )
    if not data:
        return None, f"That file is empty. {KEPT}"
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                refusal = _refuse_size(width, height, max_pixels)
                if refusal:
                    return None, refusal
                im.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced size
                rgb, note = image_to_rgb(ImageOps.exif_transpose(im))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return (
            None,
            f"That image has too many pixels (the limit is {max_pixels / 1e6:g} megapixels). "
            + KEPT,
        )
    except UnidentifiedImageError:
        if data.startswith(_SIGNATURES):
            return (
                None,
                f"That file starts like an image but is damaged: it cannot be decoded. {KEPT}",
            )
        return None, (
            f"That file is not an image this playground can read (PNG, JPEG, GIF, "
            f"BMP, TIFF, WebP). {KEPT}"
        )
    except (OSError, ValueError, SyntaxError, EOFError) as err:
        return None, f"That image file is damaged or cut short ({err}). {KEPT}"
    rgb = shrink(rgb, max_side)
    if min(rgb.shape[:2]) < MIN_SIDE:
        return None, (
            f"That image is too thin: shrunk to fit {max_side} pixels it is under "
            f"{MIN_SIDE} pixels on one side. {KEPT}"
        )
    shown = f"Loaded a {width}x{height} image, shown at {rgb.shape[1]}x{rgb.shape[0]}"
    return rgb, shown + (f" ({note})." if note else ".")
