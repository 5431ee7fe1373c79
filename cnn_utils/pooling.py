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

from ._checks import (
    IMAGE_LAYOUT,
    MAX_LOOP_STEPS,
    MAX_SIZE,
    as_float_array,
    check_allocation,
    check_bool,
    check_pair,
    check_work,
)
from .shapes import output_size


@dataclass(frozen=True)
class PoolGeometry:
    """Every size of one pooling, as :func:`pool_geometry` computes it.

    ``h, w`` are the input's rows and columns; ``pool_size``, ``stride`` and
    ``padding`` (on each side) are (rows, columns) pairs; ``out_h, out_w``
    the output's rows and columns; ``extra`` the rows and columns added past
    the bottom/right padding so that a ceil-mode window fits.
    """

    h: int
    w: int
    pool_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    ceil_mode: bool
    out_h: int
    out_w: int
    extra: tuple[int, int]

    @property
    def output_size(self) -> tuple[int, int]:
        """``(out_h, out_w)``."""
        return (self.out_h, self.out_w)


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


def pool_geometry(input_size, pool_size, stride=None, padding=0, ceil_mode=False) -> PoolGeometry:
    """The sizes of a pooling from the input's rows and columns alone (no arrays needed).

    Parameters
    ----------
    input_size : (int, int)
        Rows ``H`` and columns ``W`` of the input.
    pool_size, stride, padding, ceil_mode
        As in :func:`max_pool2d`.

    Returns
    -------
    PoolGeometry

    Raises
    ------
    ValueError
        Padding above half the pool size, a pool larger than the padded
        input, sizes out of range.
    TypeError
        Non-integer sizes or a ``ceil_mode`` that is not a bool.

    Examples
    --------
    >>> pool_geometry((26, 26), 2).output_size
    (13, 13)
    >>> pool_geometry((5, 5), 2, ceil_mode=True).output_size
    (3, 3)
    """
    h, w = check_pair(input_size, "input_size", 1)
    k = check_pair(pool_size, "pool_size", 1)
    s = k if stride is None else check_pair(stride, "stride", 1)
    p = check_pair(padding, "padding", 0)
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
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
    return PoolGeometry(h, w, k, s, p, ceil_mode, out_h, out_w, extra)


def _batch_geometry(xb, pool_size, stride, padding, ceil_mode, name) -> PoolGeometry:
    """The geometry for a batch, refusing what would need too much memory or time."""
    n, h, w, c = xb.shape
    if max(h, w) > MAX_SIZE:
        raise ValueError(f"x has {h} rows and {w} columns; {name} takes at most {MAX_SIZE} of each")
    g = pool_geometry((h, w), pool_size, stride, padding, ceil_mode)
    (kh, kw), (ph, pw) = g.pool_size, g.padding
    padded = (n, h + 2 * ph + g.extra[0], w + 2 * pw + g.extra[1], c)
    check_allocation(padded, xb.dtype, f"{name} on a {n}x{h}x{w}x{c} batch")
    check_work(kh * kw, f"{name} with a {kh}x{kw} window", MAX_LOOP_STEPS, "loop steps")
    check_work(n * c * g.out_h * g.out_w * kh * kw, f"{name} on a {n}x{h}x{w}x{c} batch")
    return g


def _padded(x, g: PoolGeometry, fill):
    widths = (
        (0, 0),
        (g.padding[0], g.padding[0] + g.extra[0]),
        (g.padding[1], g.padding[1] + g.extra[1]),
        (0, 0),
    )
    if widths == ((0, 0),) * 4:
        return x
    return np.pad(x, widths, constant_values=fill)


def _unpad(xp, g: PoolGeometry):
    (ph, pw) = g.padding
    return xp[:, ph : ph + g.h, pw : pw + g.w]


def _divisor(g: PoolGeometry, count_include_pad: bool) -> np.ndarray:
    def sizes(out, k, s, p, n):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        return end - start

    rows = sizes(g.out_h, g.pool_size[0], g.stride[0], g.padding[0], g.h)
    cols = sizes(g.out_w, g.pool_size[1], g.stride[1], g.padding[1], g.w)
    return np.outer(rows, cols)


def _check_dout(dout, g: PoolGeometry, x_batch):
    dout_b, dout_ndim = _as_batch(dout, "dout")
    expected = (x_batch.shape[0], g.out_h, g.out_w, x_batch.shape[3])
    if dout_b.shape != expected:
        raise ValueError(
            f"dout must have the shape of the pooled output {expected}, got {dout_b.shape}"
        )
    return dout_b


def _offsets(g: PoolGeometry):
    return [(a, b) for a in range(g.pool_size[0]) for b in range(g.pool_size[1])]


def _rows(g: PoolGeometry, a: int) -> slice:
    return slice(a, a + (g.out_h - 1) * g.stride[0] + 1, g.stride[0])


def _cols(g: PoolGeometry, b: int) -> slice:
    return slice(b, b + (g.out_w - 1) * g.stride[1] + 1, g.stride[1])


def _offset_slices(xp, g: PoolGeometry):
    """For each kernel offset (a, b) in reading order, the input cell it picks in every window."""
    for a, b in _offsets(g):
        yield xp[:, _rows(g, a), _cols(g, b)]


def _scatter(values, g: PoolGeometry, x_batch):
    """Add each window's value back onto every cell it covers (one slice per kernel offset)."""
    n, _, _, c = x_batch.shape
    dtype = np.result_type(x_batch, values)
    dxp = np.zeros(
        (n, g.h + 2 * g.padding[0] + g.extra[0], g.w + 2 * g.padding[1] + g.extra[1], c),
        dtype=dtype,
    )
    for a, b in _offsets(g):
        dxp[:, _rows(g, a), _cols(g, b)] += values
    return _unpad(dxp, g)


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
    g = _batch_geometry(xb, pool_size, stride, padding, ceil_mode, "max_pool2d")
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
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    xb, ndim = _as_batch(x)
    g = _batch_geometry(xb, pool_size, stride, padding, ceil_mode, "avg_pool2d")
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
    g = _batch_geometry(xb, pool_size, stride, padding, ceil_mode, "max_pool2d_backward")
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
    undefined = np.isnan(best)
    if undefined.any():  # the maximum of a window holding NaN has no derivative
        for a, b in _offsets(g):
            dxp[:, _rows(g, a), _cols(g, b)][undefined] = np.nan
    return _restore(_unpad(dxp, g), ndim)


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
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    xb, ndim = _as_batch(x)
    g = _batch_geometry(xb, pool_size, stride, padding, ceil_mode, "avg_pool2d_backward")
    dout_b = _check_dout(dout, g, xb)
    divisor = _divisor(g, count_include_pad).astype(np.result_type(xb, dout_b))
    shares = dout_b / divisor[None, :, :, None]
    return _restore(_scatter(shares, g, xb), ndim)


def _pool_naive(x, pool_size, stride, padding, ceil_mode, reduce, fill, name):
    xb, ndim = _as_batch(x)
    g = _batch_geometry(xb, pool_size, stride, padding, ceil_mode, name)
    n, h, w, c = xb.shape
    steps = n * c * g.out_h * g.out_w
    check_work(steps, f"{name} on a {n}x{h}x{w}x{c} batch", MAX_LOOP_STEPS, "loop steps")
    xp = _padded(xb, g, fill)
    out = np.zeros((xb.shape[0], g.out_h, g.out_w, xb.shape[3]), dtype=xb.dtype)
    for n in range(xb.shape[0]):
        for c in range(xb.shape[3]):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    top, left = i * g.stride[0], j * g.stride[1]
                    out[n, i, j, c] = reduce(
                        xp[n, top : top + g.pool_size[0], left : left + g.pool_size[1], c], g, i, j
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
        x,
        pool_size,
        stride,
        padding,
        ceil_mode,
        lambda win, g, i, j: win.max(),
        -np.inf,
        "max_pool2d_naive",
    )


def avg_pool2d_naive(x, pool_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Loop version of :func:`avg_pool2d`, counting the divisor window by window.

    Examples
    --------
    >>> avg_pool2d_naive([[1, 2], [3, 6]], 2)
    array([[3.]])
    """

    count_include_pad = check_bool(count_include_pad, "count_include_pad")

    def mean(win, g, i, j):
        rows = [r - g.padding[0] for r in range(i * g.stride[0], i * g.stride[0] + g.pool_size[0])]
        cols = [c - g.padding[1] for c in range(j * g.stride[1], j * g.stride[1] + g.pool_size[1])]
        if (
            count_include_pad
        ):  # cells up to the end of the padding count; the ceil-mode overhang does not
            rows = [r for r in rows if r < g.h + g.padding[0]]
            cols = [c for c in cols if c < g.w + g.padding[1]]
        else:
            rows = [r for r in rows if 0 <= r < g.h]
            cols = [c for c in cols if 0 <= c < g.w]
        return win.sum() / (len(rows) * len(cols))

    return _pool_naive(x, pool_size, stride, padding, ceil_mode, mean, 0.0, "avg_pool2d_naive")
