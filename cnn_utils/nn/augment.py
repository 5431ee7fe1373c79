"""Data augmentation for digits: small random rotations, shifts and zooms.

Each image gets its own random affine transform about its centre, and is
resampled with bilinear interpolation; what moves in from outside the image
is ``fill_value`` (0, the black background of MNIST). The whole batch is
transformed at once with numpy (a few milliseconds for 4,000 28 x 28 digits),
and the result equals ``scipy.ndimage.affine_transform(..., order=1,
mode="grid-constant")`` image by image (the tests check it).

Use it on its own::

    x_aug = augment_images(x_train, rotation_range=10, shift_range=2, seed=0)

or while training, where every epoch sees freshly transformed images::

    model.fit(x_train, y_train, augment=ImageAugmenter(rotation_range=10, shift_range=2))
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_float
from ._args import make_rng
from .inputs import as_numeric_array

MAX_SHIFT = 1_000.0
"""Largest ``shift_range`` in pixels (a digit is 28 pixels wide)."""


def _check_range(value, name, upper):
    value = check_float(value, name) + 0.0  # -0.0 becomes 0.0, which numpy's uniform needs
    if not 0 <= value < upper:
        raise ValueError(f"{name} must be >= 0 and below {upper}, got {value}")
    return value


def _per_image(values, name, n, shape):
    """``values`` (a number or one per image) broadcast to ``shape``, finite floats."""
    arr = as_float_array(values, name).astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.ravel()[~np.isfinite(arr.ravel())][0]}")
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(
            f"{name} must be one value or one per image ({n} images, shape {shape}), got an "
            f"array of shape {arr.shape}"
        ) from None


def affine_transform_images(x, angles=0.0, shifts=0.0, zooms=1.0, fill_value=0.0):
    """Rotate, zoom and shift each image of a batch about its centre (bilinear).

    Parameters
    ----------
    x : array_like, shape (N, H, W) or (N, H, W, C)
    angles : float or array of shape (N,)
        Degrees; positive turns the image counter-clockwise as displayed
        (row 0 at the top).
    shifts : float, (dy, dx) or array of shape (N, 2)
        Pixels; positive ``dy`` moves the content down, positive ``dx`` right.
    zooms : float or array of shape (N,)
        Scale factors (above 1 enlarges).
    fill_value : float, default 0.0
        Value of the area that moves in from outside the image.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; float32 or float64 following ``x`` (integers give float64).

    Examples
    --------
    >>> img = np.zeros((1, 5, 5)); img[0, 2, 4] = 1.0     # right of the centre
    >>> np.argwhere(affine_transform_images(img, angles=90) > 0.5)   # now above it
    array([[0, 0, 2]])
    >>> affine_transform_images(img, shifts=(0, -1))[0, 2]
    array([0., 0., 0., 1., 0.])
    """
    arr = as_float_array(x, "x", (3, 4), "(a batch (N, H, W) or (N, H, W, C))")
    squeeze = arr.ndim == 3
    if squeeze:
        arr = arr[..., None]
    n, h, w, c = arr.shape
    angles = _per_image(angles, "angles", n, (n,))
    zooms = _per_image(zooms, "zooms", n, (n,))
    shifts = _per_image(shifts, "shifts", n, (n, 2))
    fill_value = check_float(fill_value, "fill_value")
    if np.any(zooms <= 0):
        raise ValueError(f"zooms must be positive, got a minimum of {zooms.min()}")

    ct = arr.dtype  # coordinates in the image's precision: float32 is ample for 28 pixels
    theta = np.deg2rad(angles)[:, None]
    cos, sin = np.cos(theta).astype(ct), np.sin(theta).astype(ct)
    z = zooms[:, None].astype(ct)
    cr, cc = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.divmod(np.arange(h * w), w)
    # Output pixel p = centre + zoom * R (q - centre) + shift; sample the input at
    # q = centre + R^T (p - centre - shift) / zoom.
    dr = (rows[None, :] - cr - shifts[:, :1]).astype(ct)
    dc = (cols[None, :] - cc - shifts[:, 1:]).astype(ct)
    # Clipping to one pixel outside keeps what lies further out equal to fill_value.
    qr = np.clip(cr + (cos * dr + sin * dc) / z, -1, h)
    qc = np.clip(cc + (cos * dc - sin * dr) / z, -1, w)
    r0 = np.floor(qr)
    c0 = np.floor(qc)
    fr = (qr - r0)[..., None]
    fc = (qc - c0)[..., None]
    # A border of fill_value, one pixel before and two after, holds every neighbour.
    padded = np.pad(arr, ((0, 0), (1, 2), (1, 2), (0, 0)), constant_values=fill_value)
    row_len = w + 3
    flat = padded.reshape(-1, c)
    index = (np.arange(n) * ((h + 3) * row_len))[:, None] + (
        (r0.astype(np.intp) + 1) * row_len + c0.astype(np.intp) + 1
    )
    top = np.take(flat, index, axis=0) * (1 - fc) + np.take(flat, index + 1, axis=0) * fc
    index += row_len
    bottom = np.take(flat, index, axis=0) * (1 - fc) + np.take(flat, index + 1, axis=0) * fc
    out = (top * (1 - fr) + bottom * fr).reshape(n, h, w, c)
    return out[..., 0] if squeeze else out


class ImageAugmenter:
    """Random small rotations, shifts and zooms, drawn independently for each image.

    Parameters
    ----------
    rotation_range : float, default 10.0
        Angles are uniform in ``[-rotation_range, rotation_range]`` degrees
        (Keras' ``ImageDataGenerator`` uses the same name).
    shift_range : float, default 2.0
        Shifts are uniform in ``[-shift_range, shift_range]`` pixels, rows and
        columns separately; below 1,000.
    zoom_range : float, default 0.0
        Zoom factors are uniform in ``[1 - zoom_range, 1 + zoom_range]``
        (Keras' meaning); 0 turns zooming off.
    fill_value : float, default 0.0

    Calling the augmenter, ``augmenter(x, rng)``, returns the transformed
    batch; ``fit(..., augment=augmenter)`` does so for every training batch.
    ``uint8`` input gives ``uint8`` output (rounded), so it stays "pixel values
    0-255" for ``fit``'s rescaling; float input gives float output.

    Examples
    --------
    >>> aug = ImageAugmenter(rotation_range=10, shift_range=2)
    >>> x = np.zeros((3, 28, 28), dtype=np.float32)
    >>> aug(x, np.random.default_rng(0)).shape
    (3, 28, 28)
    """

    def __init__(self, rotation_range=10.0, shift_range=2.0, zoom_range=0.0, fill_value=0.0):
        self.rotation_range = _check_range(rotation_range, "rotation_range", 180)
        self.shift_range = _check_range(shift_range, "shift_range", MAX_SHIFT)
        self.zoom_range = _check_range(zoom_range, "zoom_range", 1)
        self.fill_value = check_float(fill_value, "fill_value")

    def random_parameters(self, n, rng):
        """Draw ``(angles, shifts, zooms)`` for ``n`` images from ``rng``."""
        angles = rng.uniform(-self.rotation_range, self.rotation_range, n)
        shifts = rng.uniform(-self.shift_range, self.shift_range, (n, 2))
        zooms = rng.uniform(1 - self.zoom_range, 1 + self.zoom_range, n)
        return angles, shifts, zooms

    def __call__(self, x, rng=None):
        """Transform a batch ``(N, H, W)`` or ``(N, H, W, C)`` with random parameters.

        ``rng`` is a ``numpy.random.Generator`` or a seed (None: unseeded).
        """
        rng = make_rng(rng, "rng")
        arr = as_numeric_array(x, "x")
        if arr.ndim not in (3, 4):
            raise ValueError(
                "x must be a batch (N, H, W) or (N, H, W, C); for one image pass x[None], got "
                f"shape {arr.shape}"
            )
        angles, shifts, zooms = self.random_parameters(arr.shape[0], rng)
        work = arr.astype(np.float32) if arr.dtype == np.uint8 else arr
        out = affine_transform_images(work, angles, shifts, zooms, self.fill_value)
        if arr.dtype == np.uint8:
            return np.clip(np.rint(out), 0, 255).astype(np.uint8)
        if np.issubdtype(arr.dtype, np.floating):
            return out.astype(arr.dtype, copy=False)
        return out

    def __repr__(self):
        return (
            f"ImageAugmenter(rotation_range={self.rotation_range}, "
            f"shift_range={self.shift_range}, zoom_range={self.zoom_range}, "
            f"fill_value={self.fill_value})"
        )


def augment_images(
    x, rotation_range=10.0, shift_range=2.0, zoom_range=0.0, fill_value=0.0, seed=None
):
    """Randomly rotate, shift and zoom every image of a batch (see :class:`ImageAugmenter`).

    Examples
    --------
    >>> x = np.zeros((2, 28, 28), dtype=np.uint8); x[:, 10:18, 13:15] = 255
    >>> a = augment_images(x, seed=0)
    >>> a.dtype, a.shape, bool((augment_images(x, seed=0) == a).all())
    (dtype('uint8'), (2, 28, 28), True)
    """
    augmenter = ImageAugmenter(rotation_range, shift_range, zoom_range, fill_value)
    return augmenter(x, make_rng(seed))


__all__ = ["ImageAugmenter", "affine_transform_images", "augment_images"]
