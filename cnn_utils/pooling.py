"""Max and average pooling and their gradients.

Semantics follow PyTorch's ``max_pool2d`` and ``avg_pool2d``:

* ``stride`` defaults to the pool size (windows side by side, no overlap);
* ``padding`` (at most half the pool size) pads with ``-inf`` for max pooling,
  so a padded cell never wins, and with zeros for average pooling;
* average pooling divides by the window's size *including* explicit padding
  cells (PyTorch's ``count_include_pad=True``), but the part of a ceil-mode
  window that hangs past the padding is not counted;
  ``count_include_pad=False`` divides by the real input cells only;
* ``ceil_mode=True`` rounds the number of windows up, so a partial window at
  the bottom/right edge is kept, except one that would start in the padding.

Pooling works on each channel separately. Inputs may be one map ``(H, W)``,
one image ``(H, W, C)`` or a batch ``(N, H, W, C)``; the output has the same
number of dimensions.

Tie rule for max-pool backward: when several cells of a window share the
maximum, the whole gradient goes to the first of them in reading order
(row by row, left to right), as PyTorch does on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import IMAGE_LAYOUT, as_float_array, check_pair
from .shapes import output_size


@dataclass(frozen=True)
class _PoolGeometry:
    h: int
    w: int
    k: tuple[int, int]
    s: tuple[int, int]
    p: tuple[int, int]
    out_h: int
    out_w: int
    extra: tuple[int, int]  # padding added past the regular padding so ceil-mode windows fit


def _as_batch(x, name="x"):
    arr = as_float_array(x, name, (2, 3, 4), IMAGE_LAYOUT)
    ndim = arr.ndim
    if ndim == 2:
        arr = arr[None, :, :, None]
    elif ndim == 3:
        arr = arr[None]
    return arr, ndim


def _restore(out, ndim):
    if ndim == 2:
        return out[0, :, :, 0]
    if ndim == 3:
        return out[0]
    return out


def _pool_geometry(shape, pool_size, stride, padding, ceil_mode) -> _PoolGeometry:
    _, h, w, _ = shape
    k = check_pair(pool_size, "pool_size", 1)
    s = k if stride is None else check_pair(stride, "stride", 1)
    p = check_pair(padding, "padding", 0)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding {p} is more than half the pool size {k}: a window could then lie entirely "
            "in the padding"
        )
    for n, kk, ss, pp, name in ((h, k[0], s[0], p[0], "rows"), (w, k[1], s[1], p[1], "columns")):
        # ceil mode keeps one window overhanging by up to stride - 1 cells, as PyTorch does
        if kk > n + 2 * pp + (ss - 1 if ceil_mode else 0):
            raise ValueError(
                f"pool size {k[0]}x{k[1]} does not fit in a {h}x{w} input with padding {p}; "
                f"the output would have no {name}"
            )
    out_h = output_size(h, k[0], s[0], p[0], 1, ceil_mode)
    out_w = output_size(w, k[1], s[1], p[1], 1, ceil_mode)
    extra = (
        max(0, (out_h - 1) * s[0] + k[0] - (h + 2 * p[0])),
        max(0, (out_w - 1) * s[1] + k[1] - (w + 2 * p[1])),
    )
    return _PoolGeometry(h, w, k, s, p, out_h, out_w, extra)


def _padded(x, g: _PoolGeometry, fill):
    widths = ((0, 0), (g.p[0], g.p[0] + g.extra[0]), (g.p[1], g.p[1] + g.extra[1]), (0, 0))
    if widths == ((0, 0),) * 4:
        return x
    return np.pad(x, widths, constant_values=fill)


def _divisor(g: _PoolGeometry, count_include_pad: bool) -> np.ndarray:
    def sizes(out, k, s, p, n):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        return end - start

    rows = sizes(g.out_h, g.k[0], g.s[0], g.p[0], g.h)
    cols = sizes(g.out_w, g.k[1], g.s[1], g.p[1], g.w)
    return np.outer(rows, cols)


def _check_dout(dout, g: _PoolGeometry, x_batch):
    dout_b, dout_ndim = _as_batch(dout, "dout")
    expected = (x_batch.shape[0], g.out_h, g.out_w, x_batch.shape[3])
    if dout_b.shape != expected:
        raise ValueError(
            f"dout must have the shape of the pooled output {expected}, got {dout_b.shape}"
        )
    return dout_b


def _offsets(g: _PoolGeometry):
    return [(a, b) for a in range(g.k[0]) for b in range(g.k[1])]


def _rows(g: _PoolGeometry, a: int) -> slice:
    return slice(a, a + (g.out_h - 1) * g.s[0] + 1, g.s[0])


def _cols(g: _PoolGeometry, b: int) -> slice:
    return slice(b, b + (g.out_w - 1) * g.s[1] + 1, g.s[1])


def _offset_slices(xp, g: _PoolGeometry):
    """For each kernel offset (a, b) in reading order, the input cell it picks in every window."""
    for a, b in _offsets(g):
        yield xp[:, _rows(g, a), _cols(g, b)]


def _scatter(values, g: _PoolGeometry, x_batch):
    """Add each window's value back onto every cell it covers (one slice per kernel offset)."""
    n, _, _, c = x_batch.shape
    dtype = np.result_type(x_batch, values)
    dxp = np.zeros(
        (n, g.h + 2 * g.p[0] + g.extra[0], g.w + 2 * g.p[1] + g.extra[1], c), dtype=dtype
    )
    for a, b in _offsets(g):
        dxp[:, _rows(g, a), _cols(g, b)] += values
    return dxp[:, g.p[0] : g.p[0] + g.h, g.p[1] : g.p[1] + g.w]


def max_pool2d(x, pool_size, stride=None, padding=0, ceil_mode=False):
    """Max pooling: the largest value in each window, channel by channel.

    Parameters
    ----------
    x : array_like
        ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
    pool_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``pool_size``.
    padding : int or (int, int), default 0
        ``-inf`` padding on each side, at most half the pool size.
    ceil_mode : bool, default False
        Keep a partial window at the bottom/right edge.

    Returns
    -------
    numpy.ndarray
        Same number of dimensions as ``x``.

    Raises
    ------
    ValueError
        Wrong dimensions, padding above half the pool size, a pool larger
        than the padded input, sizes below 1.
    TypeError
        Non-numeric input or non-integer sizes.

    Examples
    --------
    >>> fmap = [[0, 1, 0, 0], [0, 1, 1, 1], [1, 0, 1, 2], [1, 4, 2, 1]]
    >>> max_pool2d(fmap, 2)
    array([[1., 1.],
           [4., 2.]])
    >>> max_pool2d(np.arange(25).reshape(5, 5), 2, ceil_mode=True).shape
    (3, 3)
    """
    xb, ndim = _as_batch(x)
    g = _pool_geometry(xb.shape, pool_size, stride, padding, ceil_mode)
    out = None
    for part in _offset_slices(_padded(xb, g, -np.inf), g):
        out = part.copy() if out is None else np.maximum(out, part, out=out)
    return _restore(out, ndim)


def avg_pool2d(x, pool_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling: the mean of each window, channel by channel.

    Same arguments as :func:`max_pool2d`, with zero padding. The divisor is
    the window size counting explicit padding cells but not the part of a
    ceil-mode window past the padding; with ``count_include_pad=False`` only
    real input cells are counted.

    Examples
    --------
    >>> avg_pool2d([[1, 2], [3, 6]], 2)
    array([[3.]])
    >>> avg_pool2d([[4, 8, 1]], (1, 2), ceil_mode=True)   # last window holds one cell
    array([[6., 1.]])
    """
    if not isinstance(count_include_pad, bool):
        raise TypeError(f"count_include_pad must be True or False, got {count_include_pad!r}")
    xb, ndim = _as_batch(x)
    g = _pool_geometry(xb.shape, pool_size, stride, padding, ceil_mode)
    sums = None
    for part in _offset_slices(_padded(xb, g, 0.0), g):
        sums = part.copy() if sums is None else np.add(sums, part, out=sums)
    out = sums / _divisor(g, count_include_pad)[None, :, :, None].astype(xb.dtype)
    return _restore(out.astype(xb.dtype, copy=False), ndim)


def max_pool2d_backward(dout, x, pool_size, stride=None, padding=0, ceil_mode=False):
    """Gradient of :func:`max_pool2d` with respect to ``x``.

    Each window's gradient goes entirely to the cell that held its maximum
    (the first one in reading order on a tie); every other cell gets zero.
    Overlapping windows add up.

    Examples
    --------
    >>> max_pool2d_backward([[10.0]], [[1, 3], [3, 2]], 2)   # tie: the first 3 wins
    array([[ 0., 10.],
           [ 0.,  0.]])
    """
    xb, ndim = _as_batch(x)
    g = _pool_geometry(xb.shape, pool_size, stride, padding, ceil_mode)
    dout_b = _check_dout(dout, g, xb)
    xp = _padded(xb, g, -np.inf)
    parts = list(_offset_slices(xp, g))
    best = parts[0].copy()
    for part in parts[1:]:
        np.maximum(best, part, out=best)
    # Walk the offsets in reading order; the first cell equal to the maximum
    # takes the window's gradient and closes the window for later ties.
    dtype = np.result_type(xb, dout_b)
    dxp = np.zeros(xp.shape, dtype=dtype)
    free = np.ones(best.shape, dtype=bool)
    for (a, b), part in zip(_offsets(g), parts, strict=True):
        hit = (part == best) & free
        free &= ~hit
        dxp[:, _rows(g, a), _cols(g, b)] += dout_b * hit
    return _restore(dxp[:, g.p[0] : g.p[0] + g.h, g.p[1] : g.p[1] + g.w], ndim)


def avg_pool2d_backward(
    dout, x, pool_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
):
    """Gradient of :func:`avg_pool2d` with respect to ``x``.

    Each window shares its gradient equally among the cells it averaged:
    ``dout / divisor`` to every cell (padding cells take their share, which
    is then dropped).

    Examples
    --------
    >>> avg_pool2d_backward([[4.0]], [[1, 2], [3, 6]], 2)
    array([[1., 1.],
           [1., 1.]])
    """
    if not isinstance(count_include_pad, bool):
        raise TypeError(f"count_include_pad must be True or False, got {count_include_pad!r}")
    xb, ndim = _as_batch(x)
    g = _pool_geometry(xb.shape, pool_size, stride, padding, ceil_mode)
    dout_b = _check_dout(dout, g, xb)
    divisor = _divisor(g, count_include_pad).astype(np.result_type(xb, dout_b))
    shares = dout_b / divisor[None, :, :, None]
    return _restore(_scatter(shares, g, xb), ndim)


def _pool_naive(x, pool_size, stride, padding, ceil_mode, reduce, fill):
    xb, ndim = _as_batch(x)
    g = _pool_geometry(xb.shape, pool_size, stride, padding, ceil_mode)
    xp = _padded(xb, g, fill)
    out = np.zeros((xb.shape[0], g.out_h, g.out_w, xb.shape[3]), dtype=xb.dtype)
    for n in range(xb.shape[0]):
        for c in range(xb.shape[3]):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    top, left = i * g.s[0], j * g.s[1]
                    out[n, i, j, c] = reduce(
                        xp[n, top : top + g.k[0], left : left + g.k[1], c], g, i, j
                    )
    return _restore(out, ndim)


def max_pool2d_naive(x, pool_size, stride=None, padding=0, ceil_mode=False):
    """Loop version of :func:`max_pool2d`: visit each window, keep its largest value.

    Examples
    --------
    >>> max_pool2d_naive([[0, 1, 0], [0, 1, 1], [1, 0, 1]], 2, ceil_mode=True)
    array([[1., 1.],
           [1., 1.]])
    """
    return _pool_naive(
        x, pool_size, stride, padding, ceil_mode, lambda win, g, i, j: win.max(), -np.inf
    )


def avg_pool2d_naive(x, pool_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Loop version of :func:`avg_pool2d`, counting the divisor window by window.

    Examples
    --------
    >>> avg_pool2d_naive([[1, 2], [3, 6]], 2)
    array([[3.]])
    """

    if not isinstance(count_include_pad, bool):
        raise TypeError(f"count_include_pad must be True or False, got {count_include_pad!r}")

    def mean(win, g, i, j):
        rows = [r - g.p[0] for r in range(i * g.s[0], i * g.s[0] + g.k[0])]
        cols = [c - g.p[1] for c in range(j * g.s[1], j * g.s[1] + g.k[1])]
        if (
            count_include_pad
        ):  # cells up to the end of the padding count; the ceil-mode overhang does not
            rows = [r for r in rows if r < g.h + g.p[0]]
            cols = [c for c in cols if c < g.w + g.p[1]]
        else:
            rows = [r for r in rows if 0 <= r < g.h]
            cols = [c for c in cols if 0 <= c < g.w]
        return win.sum() / (len(rows) * len(cols))

    return _pool_naive(x, pool_size, stride, padding, ceil_mode, mean, 0.0)
