"""Argument checks shared by the public functions.

Every public function checks its inputs first and fails with a message that
names what it received and what it accepts, so that a student who passes the
wrong shape reads a sentence, not an IndexError from deep inside numpy.

One helper per kind of check. Wherever a Python number is accepted, so are
numpy scalars (``np.int64(2)``, ``np.float32(0.5)``) and 0-d arrays
(``np.array(2)``); booleans are never numbers here.

Documented limits
-----------------
``MAX_SIZE``
    The largest size, stride, padding, dilation or pool size (2**20). Nothing
    in the course comes near it; it keeps every index a machine integer.
``MAX_ELEMENTS``
    The largest array a function will allocate (2**28 elements: 1 GiB of
    float32, 2 GiB of float64). A request beyond it is refused with a
    ValueError that says how much memory it would have needed.
``MAX_WORK``
    The most multiply-adds one vectorised call will do (2**37, some seconds
    on a laptop); beyond it the call would run for minutes.
``MAX_LOOP_STEPS``
    The most steps a Python loop will take (2**18): the loop versions
    (``conv2d_naive``...) visit windows one by one and are meant for the
    small examples of the notes; vectorised functions loop over kernel offsets.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

MAX_SIZE = 2**20
MAX_ELEMENTS = 2**28
MAX_WORK = 2**37
MAX_LOOP_STEPS = 2**18

_FLOAT_TYPES = (np.float32, np.float64)


def _short(value) -> str:
    """``repr(value)``, cut to 60 characters; a numpy scalar shows as its Python value."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value) -> str:
    """``type value`` for an error message, kept short."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {_short(value)}"


def _scalar(value):
    """A 0-d array becomes its scalar; everything else is returned unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def as_float_array(
    x, name: str, ndims: tuple[int, ...] | None = None, layout: str = ""
) -> np.ndarray:
    """Return ``x`` as a float32 or float64 array after checking it.

    Integer and boolean input becomes float64; float32 and float64 keep their
    dtype (so the output dtype of a computation follows its input); other
    floats (float16, longdouble) become float64.

    Raises
    ------
    TypeError
        Strings, None, ragged or non-numeric arrays, complex numbers.
    ValueError
        The wrong number of dimensions, an empty array, or more than
        ``MAX_ELEMENTS`` elements.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, OverflowError):  # ragged lists, huge ints
        raise TypeError(
            f"{name} must be a numeric array of one shape, got {_describe(x)}"
        ) from None
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
        check_allocation(arr.shape, np.float64, f"{name} as floating point")
        arr = arr.astype(np.float64)
    return arr


def _check_range(value, name: str, minimum, maximum):
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {_short(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {_short(value)}")


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int.

    Accepts Python and numpy integers and 0-d integer arrays; refuses bools,
    floats (even ``2.0``), strings and None.

    Raises
    ------
    TypeError
        ``value`` is not an integer.
    ValueError
        ``value`` is below ``minimum`` or above ``maximum``.

    Examples
    --------
    >>> check_int(np.array(3), "stride", 1)
    3
    """
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    _check_range(value, name, minimum, maximum)
    return value


def check_size(value, name: str, minimum: int = 1) -> int:
    """An integer size (stride, dilation, kernel or pool size) in ``minimum .. MAX_SIZE``."""
    return check_int(value, name, minimum, MAX_SIZE)


def check_float(
    value,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    finite: bool = True,
    positive: bool = False,
) -> float:
    """Return ``value`` as a Python float.

    Accepts Python ints and floats, numpy integer and float scalars and 0-d
    arrays; refuses bools, strings, None and complex numbers. ``finite``
    refuses NaN and infinities; ``positive`` refuses zero and below.

    Raises
    ------
    TypeError
        ``value`` is not a real number.
    ValueError
        ``value`` is not finite (when ``finite``), not positive (when
        ``positive``), or outside ``minimum .. maximum``.

    Examples
    --------
    >>> check_float(np.int64(1), "eps", positive=True)
    1.0
    """
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_, np.complexfloating)) or not isinstance(
        value, (numbers.Real, np.number)
    ):
        raise TypeError(f"{name} must be a number, got {_short(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} is too large to be a floating-point number: {_short(value)}"
        ) from None
    if math.isnan(result) and (finite or minimum is not None or maximum is not None or positive):
        raise ValueError(f"{name} must be a number, got NaN")
    if finite and math.isinf(result):
        raise ValueError(f"{name} must be finite, got {result}")
    if positive and not result > 0:
        raise ValueError(f"{name} must be positive, got {result}")
    _check_range(result, name, minimum, maximum)
    return result


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a Python bool; only True, False (and numpy bools) are accepted.

    Raises
    ------
    TypeError
        For anything else, including 0 and 1.
    """
    value = _scalar(value)
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_short(value)}")
    return bool(value)


def check_seed(value, name: str = "seed", allow_none: bool = True) -> int | None:
    """A seed for ``numpy.random.default_rng``: a non-negative integer, or None.

    Raises
    ------
    TypeError
        Not an integer (nor None when ``allow_none``).
    ValueError
        A negative integer.

    Examples
    --------
    >>> check_seed(np.uint8(7)), check_seed(None)
    (7, None)
    """
    if value is None and allow_none:
        return None
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        allowed = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return value


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as an index in ``0 .. ndim - 1`` (negative axes count from the end).

    Raises
    ------
    TypeError
        ``axis`` is not an integer.
    ValueError
        ``axis`` is outside ``-ndim .. ndim - 1``.

    Examples
    --------
    >>> check_axis(-1, 2)
    1
    """
    axis = check_int(axis, name)
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name} {axis} is out of range for a {ndim}-D array; allowed: {-ndim} to {ndim - 1}"
        )
    return axis % ndim


def check_pair(
    value, name: str, minimum: int | None = None, maximum: int | None = MAX_SIZE
) -> tuple[int, int]:
    """Accept an int or a pair of ints (rows, columns) and return a pair.

    Each value must lie in ``minimum .. maximum`` (``MAX_SIZE`` by default).

    Raises
    ------
    TypeError
        A value is not an integer.
    ValueError
        A pair of the wrong length, or a value out of range.

    Examples
    --------
    >>> check_pair(np.array(2), "stride", 1), check_pair((1, 3), "pool_size", 1)
    ((2, 2), (1, 3))
    """
    value = _scalar(value)
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise ValueError(f"{name} must be an int or a pair (rows, columns), got {_describe(value)}")
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            got = _describe(value) if isinstance(value, np.ndarray) else _short(value)
            raise ValueError(f"{name} must be an int or a pair (rows, columns), got {got}")
        return (
            check_int(value[0], f"{name}[0]", minimum, maximum),
            check_int(value[1], f"{name}[1]", minimum, maximum),
        )
    v = check_int(value, name, minimum, maximum)
    return (v, v)


def check_padding(value, name: str = "padding") -> tuple[tuple[int, int], tuple[int, int]]:
    """Normalise padding to ``((top, bottom), (left, right))``.

    Accepts an int (same on every side), a pair ``(ph, pw)`` (rows, columns,
    each on both sides) or ``((top, bottom), (left, right))``; every value in
    ``0 .. MAX_SIZE``.

    Raises
    ------
    TypeError
        A value is not an integer.
    ValueError
        A string, a pair of the wrong length, or a value out of range.
    """
    value = _scalar(value)
    if isinstance(value, np.ndarray) and value.shape == (2, 2):
        value = [list(row) for row in value]
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (tuple, list, np.ndarray)) for v in value)
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


def format_padding(padding) -> str:
    """``((t, b), (l, r))`` written as briefly as it can be: ``1``, ``(1, 2)`` or in full.

    Examples
    --------
    >>> format_padding(((2, 2), (2, 2))), format_padding(((1, 1), (0, 0)))
    ('2', '(1, 0)')
    """
    (top, bottom), (left, right) = padding
    if top == bottom and left == right:
        return str(top) if top == left else f"({top}, {left})"
    return str(((top, bottom), (left, right)))


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of ``choices`` (strings).

    Raises
    ------
    ValueError
        ``value`` is not one of them (the message lists them).
    """
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        got = repr(value) if isinstance(value, str) else _describe(value)
        raise ValueError(f"{name} must be one of {allowed}; got {got}")
    return value


def format_bytes(n: int) -> str:
    """``n`` bytes in the largest binary unit that keeps the number at least 1.

    Examples
    --------
    >>> format_bytes(320_003_200_288)
    '298 GiB'
    """
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_allocation(shape, dtype, what: str) -> None:
    """Refuse to allocate an array of ``shape`` beyond ``MAX_ELEMENTS`` elements.

    ``what`` describes the request, for the message (for example "padding
    100000 on a 6x6 input").

    Raises
    ------
    ValueError
        The array would have more than ``MAX_ELEMENTS`` elements; the message
        says how much memory it would need.

    Examples
    --------
    >>> check_allocation((200_006, 200_006), np.float64, "padding 100000 on a 6x6 input")
    Traceback (most recent call last):
    ...
    ValueError: padding 100000 on a 6x6 input would need a 200006x200006 array of float64, \
298 GiB; the limit is 268435456 elements (2 GiB of float64)
    """
    count = math.prod(int(n) for n in shape)
    if count <= MAX_ELEMENTS:
        return
    itemsize = np.dtype(dtype).itemsize
    dims = "x".join(str(int(n)) for n in shape)
    raise ValueError(
        f"{what} would need a {dims} array of {np.dtype(dtype).name}, "
        f"{format_bytes(count * itemsize)}; the limit is {MAX_ELEMENTS} elements "
        f"({format_bytes(MAX_ELEMENTS * itemsize)} of {np.dtype(dtype).name})"
    )


def check_work(count: int, what: str, limit: int = MAX_WORK, unit: str = "multiply-adds") -> None:
    """Refuse a computation of more than ``limit`` units of work, which would run for minutes.

    Raises
    ------
    ValueError
        ``count`` is above ``limit``; the message names both.

    Examples
    --------
    >>> check_work(10**6, "conv2d_naive on a 1000x1000 input", MAX_LOOP_STEPS, "loop steps")
    Traceback (most recent call last):
    ...
    ValueError: conv2d_naive on a 1000x1000 input would take 1,000,000 loop steps; the \
limit is 262,144 (it would run for minutes)
    """
    if count > limit:
        raise ValueError(
            f"{what} would take {count:,} {unit}; the limit is {limit:,} (it would run for minutes)"
        )


def spatial_axes(ndim: int) -> tuple[int, int]:
    """The (row, column) axes of an image (H, W), (H, W, C) or batch (N, H, W, C)."""
    return (1, 2) if ndim == 4 else (0, 1)


IMAGE_LAYOUT = "(an image (H, W) or (H, W, C), or a batch (N, H, W, C))"
