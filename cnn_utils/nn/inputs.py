"""Checking and preparing the data a model receives: images ``x`` and labels ``y``.

Images
------
``x`` is a batch in the model's input shape, ``(N, 28, 28, 1)`` for the MNIST
model. Two conveniences, applied alike by ``fit``, ``evaluate``, ``predict``
and the introspection methods:

* ``(N, 28, 28)`` is accepted when the model expects one channel
  ``(28, 28, 1)``: the channel axis is added;
* integer arrays of any integer dtype (``uint8`` as ``load_mnist`` returns
  them, but also ``int64`` and the rest) are pixel values and must lie in
  0..255; they are divided by 255, so the same pixels give the same
  predictions whatever their integer type. An integer array with values
  outside 0..255 is refused: it is not pixels, and dividing it by 255 would
  be a silent guess. Float arrays are used as they are (cast to the model's
  float type), so scale them yourself; they must be finite.

Labels
------
``y`` holds integer class indices ``0 .. K-1`` (Keras' *sparse* categorical
cross-entropy), one per sample.
"""

from __future__ import annotations

import numpy as np


def as_numeric_array(x, name="x") -> np.ndarray:
    """``x`` as a real numeric array, not yet shaped or scaled; refuses text, objects, complex."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of images, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular numeric array ({err})") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer)
        or np.issubdtype(arr.dtype, np.floating)
        or arr.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def prepare_images(arr: np.ndarray, input_shape: tuple, dtype: np.dtype, name="x") -> np.ndarray:
    """A checked batch ``(N, *input_shape)`` in ``dtype``: channel added, integer pixels scaled.

    Examples
    --------
    >>> x = np.array([[[0, 255]]], dtype=np.int64)          # one 1x2 image
    >>> prepare_images(x, (1, 2, 1), np.dtype("float32"))[..., 0]
    array([[[0., 1.]]], dtype=float32)
    """
    expected = tuple(input_shape)
    if arr.ndim == len(expected) + 1 and arr.shape[1:] == expected:
        pass
    elif expected[-1] == 1 and arr.ndim == len(expected) and arr.shape[1:] == expected[:-1]:
        arr = arr[..., None]
    else:
        raise ValueError(_shape_message(arr.shape, expected, name))
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if np.issubdtype(arr.dtype, np.integer):
        low, high = int(arr.min()), int(arr.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{name} is an integer ({arr.dtype}) array with values from {low} to {high}; "
                "integer images are read as pixel values 0..255 and divided by 255. Pass "
                "floats scaled as you intend instead (e.g. x.astype('float32') / x.max())"
            )
        return arr.astype(dtype) / dtype.type(255)
    out = arr.astype(dtype, copy=False)
    if not np.isfinite(out).all():
        raise ValueError(
            f"{name} holds {int(np.count_nonzero(~np.isfinite(out)))} NaN or infinite value(s) "
            f"(after conversion to {dtype}); images must be finite"
        )
    return out


def _shape_message(shape, expected, name) -> str:
    hint = ""
    if shape == expected or (expected[-1] == 1 and shape == expected[:-1]):
        hint = "; this looks like a single sample: pass x[None] for a batch of one"
    one_channel = (
        f" (or (N, {', '.join(map(str, expected[:-1]))}) for one channel)"
        if expected[-1] == 1
        else ""
    )
    return (
        f"{name} must be a batch of shape (N, {', '.join(map(str, expected))})"
        f"{one_channel} for this model, got shape {shape}{hint}"
    )


def prepare_labels(y, n: int, classes: int, name="y") -> np.ndarray:
    """``y`` checked as ``n`` integer labels in ``0 .. classes-1``, as ``intp``.

    Examples
    --------
    >>> prepare_labels([2, 0], 2, 3)
    array([2, 0])
    """
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must hold integer class labels, got {type(y).__name__}")
    try:
        arr = np.asarray(y)
    except ValueError as err:
        raise TypeError(f"{name} must be a rectangular array of labels ({err})") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must hold integer class labels 0..{classes - 1}, got dtype {arr.dtype}"
            + ("; for one-hot labels use y.argmax(axis=1)" if arr.ndim == 2 else "")
        )
    if arr.ndim == 2 and arr.shape == (n, classes):
        raise ValueError(
            f"{name} looks one-hot (shape {arr.shape}); this loss takes integer labels: "
            "pass y.argmax(axis=1)"
        )
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per sample, got {arr.shape}")
    if arr.min() < 0 or arr.max() >= classes:
        raise ValueError(
            f"{name} must lie in 0..{classes - 1} for a model with {classes} outputs, got "
            f"labels from {arr.min()} to {arr.max()}"
        )
    return arr.astype(np.intp)
