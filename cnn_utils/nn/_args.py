"""Argument checks particular to the model API; the general ones live in ``cnn_utils._checks``.

Numbers arrive in many forms in a notebook: ``3``, ``np.int64(3)``, ``np.array(3)``,
``0.2``, ``np.float32(0.2)``; the checkers of ``cnn_utils._checks`` accept them
all wherever a Python number is meant. This module adds the model API's limits.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float, check_int, check_seed, format_bytes

MAX_WIDTH = 65_536
"""Most filters of a Conv2D and units of a Dense layer (2**16)."""

MAX_EPOCHS = 10_000
"""Most epochs one ``fit`` call runs."""


def check_width(value, name: str, what: str) -> int:
    """Filters or units: an int in ``1 .. MAX_WIDTH``; above it, say what it would cost."""
    v = check_int(value, name, 1)
    if v > MAX_WIDTH:
        raise ValueError(
            f"{name}={v:,} is above the limit of {MAX_WIDTH:,}: {what} alone would need at "
            f"least {format_bytes(4 * v)} (float32) for every input value it connects"
        )
    return v


def check_fraction(value, name: str) -> float:
    """A number in ``[0, 1)``: a share of samples or values."""
    v = check_float(value, f"{name} (a fraction in [0, 1))")
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1), got {v}")
    return v


def make_rng(seed, name: str = "seed") -> np.random.Generator:
    """A generator from None, a ``numpy.random.Generator`` or a non-negative int."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed, name))
