"""Finite differences: the oracle every gradient in the course is checked against."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_float

MAX_GRADCHECK_ELEMENTS = 2**15
"""The largest ``x`` :func:`numerical_gradient` accepts (it calls ``f`` twice per element)."""


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function of an array.

    ``grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every
    element ``i``. The function is evaluated ``2 * x.size`` times on a float64
    copy of ``x``, so keep ``x`` small.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``, returns a number.
    x : array_like
    eps : float, default 1e-6

    Returns
    -------
    numpy.ndarray, float64, shape of ``x``

    Raises
    ------
    TypeError
        ``f`` not callable, ``eps`` not a number, ``f`` not returning a number,
        or ``f`` raising a TypeError (chained as the cause).
    ValueError
        ``eps`` not positive and finite or so large that ``x + eps``
        overflows, ``x`` not finite or with more than
        ``MAX_GRADCHECK_ELEMENTS`` elements (the loop would run for minutes),
        ``f`` returning a non-finite value, or ``f`` raising any other
        exception (chained as the cause).

    Examples
    --------
    >>> g = numerical_gradient(lambda v: float(np.sum(v ** 2)), np.array([1.0, -2.0]))
    >>> np.round(g, 6)
    array([ 2., -4.])
    """
    x, eps = _check_arguments(f, x, eps)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = _value(f, x)
        flat[i] = old - eps
        minus = _value(f, x)
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def _check_arguments(f, x, eps):
    """``x`` as a float64 copy and ``eps`` as a float, after checking all three."""
    if not callable(f):
        raise TypeError(
            f"f must be a function of an array returning a number, got {type(f).__name__}"
        )
    eps = check_float(eps, "eps", positive=True)
    x = as_float_array(x, "x")
    if x.size > MAX_GRADCHECK_ELEMENTS:
        raise ValueError(
            f"x has {x.size:,} elements; numerical_gradient calls f twice per element and "
            f"accepts at most {MAX_GRADCHECK_ELEMENTS:,}: check the gradient on a smaller input"
        )
    if not np.isfinite(x).all():
        raise ValueError("x must be finite: finite differences need finite points")
    x = x.astype(np.float64, copy=True)
    if not np.isfinite(np.abs(x).max() + eps):
        raise ValueError(f"eps {eps:g} is too large for x: x + eps is not a finite number")
    return x, eps


def _value(f, x) -> float:
    """``f(x)`` as a finite float, or an error that says what f did wrong."""
    try:
        out = f(x)
    except Exception as err:  # the student's f: say where it failed, keep the cause
        kind = TypeError if isinstance(err, TypeError) else ValueError
        raise kind(
            f"f raised {type(err).__name__} ({err}) on an array shaped like x; f must "
            "take such an array and return a number"
        ) from err
    if isinstance(out, np.ndarray) and out.ndim > 0:
        raise TypeError(f"f must return a number, got ndarray of shape {out.shape}")
    try:
        out = float(out)
    except OverflowError:  # a Python int beyond the float range
        out = np.inf
    except (TypeError, ValueError):
        raise TypeError(f"f must return a number, got {type(out).__name__} {out!r:.60}") from None
    if not np.isfinite(out):
        raise ValueError(
            f"f returned {out} at x; finite differences need finite values, so f must return them"
        )
    return out


def relative_error(a, b):
    """Largest element-wise relative error ``|a - b| / max(|a| + |b|, 1e-12)``.

    Below about 1e-7 two float64 gradients agree; above 1e-3 something is wrong.

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> round(relative_error([1.0], [1.1]), 4)
    0.0476
    """
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    with np.errstate(invalid="ignore"):  # inf against inf: NaN, said without a warning
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))
