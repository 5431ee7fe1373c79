"""Padding an image or a batch of images around its border."""

from __future__ import annotations

import numpy as np

from ._checks import (
    IMAGE_LAYOUT,
    as_float_array,
    check_allocation,
    check_choice,
    check_float,
    check_padding,
    format_padding,
    spatial_axes,
)

PAD_MODES = ("constant", "reflect", "replicate", "wrap")
_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "wrap": "wrap"}


def pad2d(x, padding, mode="constant", value=0):
    """Pad the two spatial axes of an image or a batch.

    Parameters
    ----------
    x : array_like
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    padding : int, (ph, pw) or ((top, bottom), (left, right))
        Rows and columns to add on each side.
    mode : {"constant", "reflect", "replicate", "wrap"}
        ``constant`` fills with ``value`` (zero padding by default);
        ``reflect`` mirrors without repeating the edge (``3 2 | 1 2 3``);
        ``replicate`` repeats the edge (``1 1 | 1 2 3``); ``wrap`` continues
        from the opposite side (``2 3 | 1 2 3``).
    value : float, default 0
        Fill value for ``constant`` mode.

    Returns
    -------
    numpy.ndarray
        The padded array, float32 or float64 following the input.

    Raises
    ------
    ValueError
        Wrong number of dimensions, negative padding or padding above
        ``MAX_SIZE``, unknown mode, ``reflect`` padding as large as the image
        (there is nothing to mirror), or a result beyond ``MAX_ELEMENTS``
        (the message says how much memory it would need).
    TypeError
        Non-numeric input, non-integer padding or a fill value that is not a number.

    Examples
    --------
    >>> pad2d([[1, 2], [3, 4]], 1)
    array([[0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.],
           [0., 0., 0., 0.]])
    >>> pad2d([[1, 2, 3]], ((0, 0), (2, 0)), mode="reflect")
    array([[3., 2., 1., 2., 3.]])
    """
    arr = as_float_array(x, "x", (2, 3, 4), IMAGE_LAYOUT)
    (top, bottom), (left, right) = check_padding(padding)
    check_choice(mode, "mode", PAD_MODES)
    value = check_float(value, "value", finite=False)
    ra, ca = spatial_axes(arr.ndim)
    if mode == "reflect":
        h, w = arr.shape[ra], arr.shape[ca]
        if max(top, bottom) >= h or max(left, right) >= w:
            raise ValueError(
                "reflect padding must be smaller than the image: padding ((top, bottom), (left, "
                "right)) = "
                f"(({top}, {bottom}), ({left}, {right})) on a {h}x{w} image"
            )
    widths = [(0, 0)] * arr.ndim
    widths[ra] = (top, bottom)
    widths[ca] = (left, right)
    shape = [n + before + after for n, (before, after) in zip(arr.shape, widths, strict=True)]
    h, w = arr.shape[ra], arr.shape[ca]
    what = f"padding {format_padding(((top, bottom), (left, right)))} on a {h}x{w} input"
    check_allocation(shape, arr.dtype, what)
    if mode == "constant":
        return np.pad(
            arr, widths, mode="constant", constant_values=np.asarray(value, dtype=arr.dtype)
        )
    return np.pad(arr, widths, mode=_NUMPY_MODE[mode])
