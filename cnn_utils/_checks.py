"""Argument checks shared by the public functions.

Every public function checks its inputs first and fails with a message that
names what it received and what it accepts, so that a student who passes the
wrong shape reads a sentence, not an IndexError from deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np

_FLOAT_TYPES = (np.float32, np.float64)


def as_float_array(
    x, name: str, ndims: tuple[int, ...] | None = None, layout: str = ""
) -> np.ndarray:
    """Return ``x`` as a float32 or float64 array after checking it.

    Integer and boolean input becomes float64; float32 and float64 keep their
    dtype (so the output dtype of a computation follows its input); other
    floats (float16, longdouble) become float64.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__} {x!r:.40}")
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, got an array of dtype {arr.dtype}")
    if ndims is not None and arr.ndim not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        hint = f" {layout}" if layout else ""
        raise ValueError(
            f"{name} must be {allowed}{hint}, got a {arr.ndim}-D array of shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one element")
    if arr.dtype.type not in _FLOAT_TYPES:
        arr = arr.astype(np.float64)
    return arr


def check_int(value, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, refusing floats, bools and anything below ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_pair(value, name: str, minimum: int | None = None) -> tuple[int, int]:
    """Accept an int or a pair of ints (rows, columns) and return a pair."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (rows, columns), got {value!r}")
        return (
            check_int(value[0], f"{name}[0]", minimum),
            check_int(value[1], f"{name}[1]", minimum),
        )
    v = check_int(value, name, minimum)
    return (v, v)


def check_padding(value, name: str = "padding") -> tuple[tuple[int, int], tuple[int, int]]:
    """Normalise padding to ``((top, bottom), (left, right))``.

    Accepts an int (same on every side), a pair ``(ph, pw)`` (rows, columns,
    each on both sides) or ``((top, bottom), (left, right))``.
    """
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (tuple, list)) for v in value)
    ):
        (t, b), (left, right) = (
            check_pair(value[0], f"{name}[0]", 0),
            check_pair(value[1], f"{name}[1]", 0),
        )
        return ((t, b), (left, right))
    if isinstance(value, str):
        raise ValueError(
            f"{name} must be an int, a pair (ph, pw) or ((top, bottom), (left, right)); got the "
            f"string {value!r}"
        )
    ph, pw = check_pair(value, name, 0)
    return ((ph, ph), (pw, pw))


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def spatial_axes(ndim: int) -> tuple[int, int]:
    """The (row, column) axes of an image (H, W), (H, W, C) or batch (N, H, W, C)."""
    return (1, 2) if ndim == 4 else (0, 1)


IMAGE_LAYOUT = "(an image (H, W) or (H, W, C), or a batch (N, H, W, C))"
