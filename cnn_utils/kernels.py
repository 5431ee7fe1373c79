"""Named image kernels: the presets of the notes and of the kernel playground.

Kernels are written as the notes print them. The Sobel kernels of seed 004
(``Gx = [[+1, 0, -1], [+2, 0, -2], [+1, 0, -1]] * A``) are meant for true
convolution; under cross-correlation (what ``conv2d`` computes) the same
kernel responds with the opposite sign, which does not change the gradient
magnitude.
"""

from __future__ import annotations

import numpy as np


def _frozen(rows, scale=1.0):
    arr = np.array(rows, dtype=np.float64) * scale
    arr.setflags(write=False)
    return arr


def _gaussian(size: int, sigma: float):
    r = np.arange(size) - (size - 1) / 2
    g = np.exp(-(r**2) / (2 * sigma**2))
    k = np.outer(g, g)
    return _frozen(k / k.sum())


KERNELS: dict[str, np.ndarray] = {
    "identity": _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "sobel_x": _frozen([[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
    "sobel_y": _frozen([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "box_blur": _frozen(np.ones((3, 3)), 1 / 9),
    "box_blur_5x5": _frozen(np.ones((5, 5)), 1 / 25),
    "gaussian_blur": _frozen([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "gaussian_blur_5x5": _gaussian(5, 1.0),
    "edge_enhance": _frozen([[0, 0, 0], [-1, 1, 0], [0, 0, 0]]),
    "edge_detect": _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    "outline": _frozen([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "vertical_edge": _frozen([[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    "horizontal_edge": _frozen([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
}
"""Read-only preset kernels by name; :func:`get_kernel` returns a writable copy."""

_ALIASES = {"laplacian": "edge_detect", "blur": "box_blur", "gaussian": "gaussian_blur"}


def kernel_names() -> list[str]:
    """Names of the preset kernels, in a stable order.

    Examples
    --------
    >>> "sobel_x" in kernel_names()
    True
    """
    return list(KERNELS)


def get_kernel(name: str) -> np.ndarray:
    """A writable float64 copy of the preset kernel ``name``.

    Aliases: ``laplacian`` (``edge_detect``), ``blur`` (``box_blur``),
    ``gaussian`` (``gaussian_blur``).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    TypeError
        If ``name`` is not a string.

    Examples
    --------
    >>> get_kernel("sharpen")
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    """
    if not isinstance(name, str):
        raise TypeError(f"kernel name must be a string, got {type(name).__name__} {name!r}")
    key = _ALIASES.get(name, name)
    if key not in KERNELS:
        raise ValueError(
            f"unknown kernel {name!r:.60}; known kernels: {', '.join(KERNELS)} (aliases: "
            f"{', '.join(_ALIASES)}). Choose the name from these."
        )
    return KERNELS[key].copy()
