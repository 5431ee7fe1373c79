"""Convolution (as deep learning means it: cross-correlation) and its gradients.

Two families share one implementation:

* single-image teaching helpers on 2-D arrays: :func:`correlate2d`,
  :func:`convolve2d` (true convolution, kernel flipped) and :func:`conv_step`
  (one window of the sliding computation, written out);
* batched layers: :func:`conv2d` and :func:`conv2d_backward` on
  ``(N, H, W, C)`` batches with weights ``(kh, kw, C_in, C_out)``, and the
  cached pair a layer uses, ``out, cache = conv_forward(x, w, b, ...)`` and
  ``dx, dw, db = conv_backward(dout, cache)``; :func:`conv_geometry` gives
  every size from the shapes alone.

Each batched function has a loop version that reads like the slides
(``conv2d_naive``, ``conv2d_backward_naive``); the tests hold the vectorised
versions to the same answers.

Memory: the vectorised passes turn each window into a row of a patch matrix
and multiply it by the weights. The whole batch's patch matrix can be many
times the size of the batch, so the batch is processed a few images at a time
(a few output rows at a time for a huge image), each chunk's patches within
:data:`WORKSPACE_BYTES`; the peak is then the inputs, the outputs and that
workspace. Sizes are limited as documented in ``cnn_utils._checks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import (
    MAX_LOOP_STEPS,
    as_float_array,
    check_allocation,
    check_bool,
    check_choice,
    check_int,
    check_padding,
    check_pair,
    check_work,
    format_padding,
)

_BATCH_LAYOUT = "(a batch (N, H, W, C); for a single (H, W, C) image pass x[None])"
_WEIGHT_LAYOUT = "(kh, kw, C_in, C_out)"

WORKSPACE_BYTES = 32 * 2**20
"""Working memory (bytes) of one convolution pass beyond its inputs and outputs.

The batch is processed a few images (or, for a huge image, a few output rows)
at a time so that the patch matrix of each chunk fits in this budget; the
results do not depend on it. A forward pass whose whole patch matrix fits
keeps it in its :class:`ConvCache` for the backward pass.
"""

_CHUNK_BYTES = 4 * 2**20  # chunks this small stay in the CPU cache between im2col and matmul

MAX_PATCH_ENTRIES = 2**32
"""The most window entries one pass copies into its patch matrices.

``benchmarks/bench_conv_limits.py`` measures 4-8 ns per entry for a whole
forward pass (on a busy 2-core machine): the limit is under half a minute,
and a 5000x5000 photo through a 9x9 kernel (2.0e9 entries) is allowed."""

_IMAGE_FUNCTIONS = ("correlate2d", "convolve2d")  # single-image helpers: errors say "image"


@dataclass(frozen=True)
class ConvGeometry:
    """Every size of one convolution, as :func:`conv_geometry` computes it.

    ``n, h, w, c`` describe the input batch, ``kh, kw`` the kernel and ``f``
    the number of filters (output channels); ``stride`` and ``dilation`` are
    (rows, columns) pairs, ``padding`` is ``((top, bottom), (left, right))``
    and ``out_h, out_w`` the output's rows and columns.
    """

    n: int
    h: int
    w: int
    c: int
    kh: int
    kw: int
    f: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    out_h: int
    out_w: int

    @property
    def effective_kernel(self) -> tuple[int, int]:
        """Rows and columns the dilated kernel covers: ``d * (k - 1) + 1``."""
        return (self.dilation[0] * (self.kh - 1) + 1, self.dilation[1] * (self.kw - 1) + 1)

    @property
    def padded_size(self) -> tuple[int, int]:
        """Rows and columns of the zero-padded input."""
        return (self.h + sum(self.padding[0]), self.w + sum(self.padding[1]))

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, H_out, W_out, C_out)``."""
        return (self.n, self.out_h, self.out_w, self.f)


def _same_padding(n: int, eff: int, s: int) -> tuple[int, int]:
    # Keras/TensorFlow "same": ceil(n / s) outputs; an odd total puts the extra
    # row or column after (bottom/right).
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return (total // 2, total - total // 2)


def _check_shape(shape, name: str, layout: str) -> tuple[int, ...]:
    if not isinstance(shape, (tuple, list)) or len(shape) != 4:
        raise ValueError(f"{name} must be a tuple of 4 sizes {layout}, got {shape!r:.60}")
    return tuple(check_int(n, f"{name}[{i}]", 1) for i, n in enumerate(shape))


def _resolve_padding(padding, h, w, eff, s):
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return ((0, 0), (0, 0))
        return (_same_padding(h, eff[0], s[0]), _same_padding(w, eff[1], s[1]))
    try:
        return check_padding(padding)
    except ValueError as err:
        raise ValueError(f"{err} (or the string 'valid' or 'same')") from None


def conv_geometry(x_shape, w_shape, stride=1, padding=0, dilation=1) -> ConvGeometry:
    """The sizes of a convolution, from the shapes alone (no arrays needed).

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, H, W, C_in)``.
    w_shape : tuple of 4 ints
        ``(kh, kw, C_in, C_out)``.
    stride, padding, dilation
        As in :func:`conv2d`.

    Returns
    -------
    ConvGeometry

    Raises
    ------
    ValueError
        Channels that do not match, a kernel that does not fit in the padded
        input, sizes out of range, an unknown padding name.
    TypeError
        Non-integer sizes.

    Examples
    --------
    >>> conv_geometry((64, 28, 28, 1), (3, 3, 1, 32)).output_shape
    (64, 26, 26, 32)
    >>> conv_geometry((1, 5, 5, 1), (3, 3, 1, 1), stride=2, padding="same").padding
    ((1, 1), (1, 1))
    """
    n, h, w, c = _check_shape(x_shape, "x_shape", "(N, H, W, C)")
    kh, kw, cin, f = _check_shape(w_shape, "w_shape", _WEIGHT_LAYOUT)
    if c != cin:
        raise ValueError(
            f"x has {c} input channel(s) (shape {(n, h, w, c)}, layout (N, H, W, C)) but w "
            f"expects {cin} (shape {(kh, kw, cin, f)}, layout {_WEIGHT_LAYOUT}); a filter spans "
            "the full input depth"
        )
    s = check_pair(stride, "stride", 1)
    d = check_pair(dilation, "dilation", 1)
    eff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    pad = _resolve_padding(padding, h, w, eff, s)
    hp, wp = h + sum(pad[0]), w + sum(pad[1])
    if eff[0] > hp or eff[1] > wp:
        dil = f" with dilation {d} (covering {eff[0]}x{eff[1]})" if d != (1, 1) else ""
        raise ValueError(
            f"kernel {kh}x{kw}{dil} does not fit in a {h}x{w} input with padding {pad} "
            f"(padded {hp}x{wp}); the output would be "
            f"{max(hp - eff[0] + 1, 0)}x{max(wp - eff[1] + 1, 0)}"
        )
    out_h = (hp - eff[0]) // s[0] + 1
    out_w = (wp - eff[1]) // s[1] + 1
    return ConvGeometry(n, h, w, c, kh, kw, f, s, d, pad, out_h, out_w)


@dataclass(frozen=True)
class ConvCache:
    """What :func:`conv_backward` needs from :func:`conv_forward`.

    Attributes
    ----------
    x : numpy.ndarray
        The input batch ``(N, H, W, C_in)`` (the caller's array, not a copy).
    w : numpy.ndarray
        The weights ``(kh, kw, C_in, C_out)``.
    has_bias : bool
        Whether the forward pass added a bias.
    geometry : ConvGeometry
        Every size of the convolution.
    dtype : numpy.dtype
        The dtype of the output (float32 only when every input is float32).
    cols : numpy.ndarray or None
        The patch matrix (one row per output position, ``kh*kw*C_in``
        columns), kept when it fits in :data:`WORKSPACE_BYTES` so that the
        backward pass need not build it again; read-only.
    """

    x: np.ndarray
    w: np.ndarray
    has_bias: bool
    geometry: ConvGeometry
    dtype: np.dtype
    cols: np.ndarray | None = None


def _check_inputs(x, w, b, stride, padding, dilation, name="conv2d"):
    x = as_float_array(x, "x", (4,), _BATCH_LAYOUT)
    w = as_float_array(w, "w", (4,), _WEIGHT_LAYOUT)
    g = conv_geometry(x.shape, w.shape, stride, padding, dilation)
    if b is not None:
        b = as_float_array(b, "b", (1,), "(C_out,)")
        if b.shape[0] != g.f:
            raise ValueError(
                f"b must have shape ({g.f},) to match w's {g.f} output channels, got {b.shape}"
            )
    dtype = np.result_type(x, w, *([] if b is None else [b]))
    check_allocation(
        g.output_shape, dtype, f"padding {format_padding(g.padding)} on a {g.h}x{g.w} input"
    )
    check_allocation((g.out_w, g.kh * g.kw * g.c), dtype, "one output row's patch matrix")
    work = g.n * g.out_h * g.out_w * g.kh * g.kw * g.c * g.f
    check_work(work, f"{name} of a {g.n}x{g.h}x{g.w}x{g.c} batch with {w.shape} weights")
    return x, w, b, g, dtype


def _chunking(g: ConvGeometry, itemsize: int, copies: int) -> tuple[int, int, int]:
    """``(images, rows, count)``: images (or, for one huge image, output rows) per chunk.

    ``copies`` counts the patch-sized buffers a pass holds at once; each chunk's
    buffers fit in the smaller of :data:`WORKSPACE_BYTES` and the cache-friendly
    chunk size, unless a single output row does not.
    """
    budget = min(WORKSPACE_BYTES, _CHUNK_BYTES)
    _, wp = g.padded_size
    row_cost = (copies * g.out_w * g.kh * g.kw * g.c + g.stride[0] * wp * g.c) * itemsize
    image_cost = g.out_h * row_cost + g.effective_kernel[0] * wp * g.c * itemsize
    if image_cost <= budget:
        images = max(1, budget // image_cost)
        return images, g.out_h, -(-g.n // images)
    rows = max(1, budget // row_cost)
    return 1, rows, g.n * -(-g.out_h // rows)


def _blocks(g: ConvGeometry, itemsize: int, copies: int):
    """Chunks ``(n0, n1, r0, r1)``: images ``n0:n1``, output rows ``r0:r1``."""
    images, rows, _ = _chunking(g, itemsize, copies)
    for n0 in range(0, g.n, images):
        for r0 in range(0, g.out_h, rows):
            yield n0, min(n0 + images, g.n), r0, min(r0 + rows, g.out_h)


def _patch_rows(g: ConvGeometry, block) -> slice:
    """The rows of the whole patch matrix (and of the flat output) that a chunk covers."""
    n0, n1, r0, r1 = block  # whole images, or rows of a single image: contiguous either way
    return slice((n0 * g.out_h + r0) * g.out_w, ((n1 - 1) * g.out_h + r1) * g.out_w)


def _check_pass(g: ConvGeometry, name: str, itemsize: int, backward: bool) -> None:
    """Refuse a pass (named as the student called it) that would run for minutes.

    A pass loops in Python once per chunk, and a backward pass with ``dx`` once
    more per kernel offset and chunk (see :func:`_scatter`); it also copies every
    window into the patch matrix. ``benchmarks/bench_conv_limits.py`` measures
    what each limit costs in seconds.
    """
    chunks = _chunking(g, itemsize, copies=2 if backward else 1)[2]
    steps = chunks * (1 + g.kh * g.kw) if backward else chunks
    what = f"{name} with a {g.kh}x{g.kw} kernel on "
    what += f"a {g.h}x{g.w} image" if name in _IMAGE_FUNCTIONS else \
        f"a {g.n}x{g.h}x{g.w}x{g.c} batch"
    check_work(steps, what, MAX_LOOP_STEPS, "loop steps")
    entries = g.n * g.out_h * g.out_w * g.kh * g.kw * g.c
    check_work(entries, what, MAX_PATCH_ENTRIES, "window entries to copy")


def _input_rows(x, g: ConvGeometry, block, dtype):
    """The zero-padded input rows that output rows ``r0:r1`` of images ``n0:n1`` read."""
    n0, n1, r0, r1 = block
    (top, _), (left, right) = g.padding
    first = r0 * g.stride[0] - top  # in unpadded row coordinates
    last = (r1 - 1) * g.stride[0] + g.effective_kernel[0] - top
    if first >= 0 and last <= g.h and left == right == 0 and x.dtype == dtype:
        return x[n0:n1, first:last]
    buf = np.zeros((n1 - n0, last - first, g.w + left + right, g.c), dtype=dtype)
    lo, hi = max(first, 0), min(last, g.h)
    if lo < hi:  # a chunk of output rows may read nothing but padding
        buf[:, lo - first : hi - first, left : left + g.w] = x[n0:n1, lo:hi]
    return buf


def _im2col(rows_in, g: ConvGeometry, n_rows: int, out=None) -> np.ndarray:
    """Patch matrix of a chunk: one row per output position, ``kh*kw*C`` columns.

    Written into ``out`` (a C-contiguous block of rows) when given.
    """
    eh, ew = g.effective_kernel
    sh, sw = g.stride
    view = sliding_window_view(rows_in, (eh, ew), axis=(1, 2))  # (m, R, W', C, eh, ew)
    view = view[:, : (n_rows - 1) * sh + 1 : sh, : (g.out_w - 1) * sw + 1 : sw]
    view = view[..., :: g.dilation[0], :: g.dilation[1]]  # (m, rows, Wo, C, kh, kw)
    view = view.transpose(0, 1, 2, 4, 5, 3)  # (m, rows, Wo, kh, kw, C): w's (kh, kw, C) order
    if out is None:
        return view.reshape(-1, g.kh * g.kw * g.c)
    np.copyto(out.reshape(view.shape), view)
    return out


def conv_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """Convolution forward pass that also returns what the backward pass needs.

    Computes exactly :func:`conv2d` (same arguments, same result) and a
    :class:`ConvCache` to hand to :func:`conv_backward`, as CS231n's
    ``out, cache = conv_forward(...)``. The batch is processed in chunks so
    that the working memory stays under :data:`WORKSPACE_BYTES`.

    Returns
    -------
    out : numpy.ndarray, shape (N, H_out, W_out, C_out)
    cache : ConvCache

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d`.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> out, cache = conv_forward(x, np.ones((2, 2, 1, 1)), stride=2)
    >>> out[0, :, :, 0], cache.geometry.output_shape
    (array([[10., 18.],
           [42., 50.]]), (1, 2, 2, 1))
    """
    return _forward(x, w, b, stride, padding, dilation, "conv_forward")


def _forward(x, w, b, stride, padding, dilation, name):
    """:func:`conv_forward`; ``name`` is the function the student called, for errors."""
    x, w, b, g, dtype = _check_inputs(x, w, b, stride, padding, dilation, name)
    _check_pass(g, name, dtype.itemsize, backward=False)
    out = np.empty(g.output_shape, dtype=dtype)
    flat_out = out.reshape(-1, g.f)
    w2 = w.reshape(-1, g.f).astype(dtype, copy=False)
    patches = (g.n * g.out_h * g.out_w, g.kh * g.kw * g.c)
    kept = None
    if patches[0] * patches[1] * dtype.itemsize <= WORKSPACE_BYTES:
        kept = np.empty(patches, dtype=dtype)
    for block in _blocks(g, dtype.itemsize, copies=1):
        rows = _patch_rows(g, block)
        cols = None  # free the last chunk's patches before building the next
        target = None if kept is None else kept[rows]
        cols = _im2col(_input_rows(x, g, block, dtype), g, block[3] - block[2], target)
        np.matmul(cols, w2, out=flat_out[rows])
    if b is not None:
        out += b.astype(dtype, copy=False)  # in place: no second output-sized array
    if kept is not None:
        kept.flags.writeable = False
    return out, ConvCache(x, w, b is not None, g, dtype, kept)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Convolution layer forward pass (cross-correlation, as in Keras and PyTorch).

    ``out[n, i, j, f] = b[f] + sum over (p, q, c) of
    xpad[n, i*s + p*d, j*s + q*d, c] * w[p, q, c, f]``

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in)
        A batch of images.
    w : array_like, shape (kh, kw, C_in, C_out)
        One filter per output channel; each spans the full input depth.
    b : array_like, shape (C_out,), optional
        One bias per filter.
    stride : int or (int, int), default 1
    padding : int, (ph, pw), ((top, bottom), (left, right)), "valid" or "same"
        Zero padding on each side. ``"same"`` follows Keras: the output has
        ``ceil(H / stride)`` rows, and when the padding needed is odd the
        extra row (column) goes at the bottom (right).
    dilation : int or (int, int), default 1
        Spacing between kernel taps.

    Returns
    -------
    numpy.ndarray, shape (N, H_out, W_out, C_out)
        float32 only when every input is float32, else float64.

    Raises
    ------
    ValueError
        Wrong number of dimensions, channels that do not match, a kernel that
        does not fit in the padded input, stride or dilation below 1 or above
        ``MAX_SIZE``, unknown padding name, empty arrays, an output beyond
        ``MAX_ELEMENTS`` (the message says how much memory it would need) or
        a computation beyond ``MAX_WORK`` multiply-adds.
    TypeError
        Non-numeric arrays or non-integer sizes.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> w = np.ones((2, 2, 1, 1))
    >>> conv2d(x, w, stride=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    >>> conv2d(x, w, padding="same").shape
    (1, 4, 4, 1)
    """
    return _forward(x, w, b, stride, padding, dilation, "conv2d")[0]


def _check_dout(dout, g: ConvGeometry):
    dout = as_float_array(dout, "dout", (4,), "(N, H_out, W_out, C_out)")
    if dout.shape != g.output_shape:
        raise ValueError(
            f"dout must have the shape of the forward output {g.output_shape}, got {dout.shape}"
        )
    return dout


def _scatter(dcols, g: ConvGeometry, n_rows: int, target) -> None:
    """Add each output position's ``dout @ w.T`` back onto the window it came from."""
    (sh, sw), (dh, dw) = g.stride, g.dilation
    rows, cols = (n_rows - 1) * sh + 1, (g.out_w - 1) * sw + 1
    for p in range(g.kh):
        for q in range(g.kw):
            r0, c0 = p * dh, q * dw
            target[:, r0 : r0 + rows : sh, c0 : c0 + cols : sw] += dcols[:, :, :, p, q]


def _dx_block(d2, w2, g: ConvGeometry, block, dx) -> None:
    """dL/dx of one chunk, added into ``dx``."""
    n0, n1, r0, r1 = block
    (top, _), (left, right) = g.padding
    dcols = (d2 @ w2.T).reshape(n1 - n0, r1 - r0, g.out_w, g.kh, g.kw, g.c)
    first = r0 * g.stride[0] - top
    last = (r1 - 1) * g.stride[0] + g.effective_kernel[0] - top
    if first >= 0 and last <= g.h and left == right == 0:
        _scatter(dcols, g, r1 - r0, dx[n0:n1, first:last])
        return
    buf = np.zeros((n1 - n0, last - first, g.w + left + right, g.c), dtype=dx.dtype)
    _scatter(dcols, g, r1 - r0, buf)
    lo, hi = max(first, 0), min(last, g.h)
    if lo < hi:
        dx[n0:n1, lo:hi] += buf[:, lo - first : hi - first, left : left + g.w]


def conv_backward(dout, cache: ConvCache, need_dx=True):
    """Gradients of a convolution from its forward cache: ``(dx, dw, db)``.

    Given ``dout = dL/d(out)`` for ``out, cache = conv_forward(x, w, b, ...)``:

    * ``dw`` = the input correlated with ``dout`` (``dL/dK = X * dL/dZ``),
    * ``db`` = ``dout`` summed over batch and positions,
    * ``dx`` = ``dout``, zero-padded (and spread by the stride), correlated
      with the kernel rotated by 180 degrees (computed as the equivalent
      scatter of ``dout @ w.T`` back onto each window).

    Parameters
    ----------
    dout : array_like, shape (N, H_out, W_out, C_out)
    cache : ConvCache
        From :func:`conv_forward`.
    need_dx : bool, default True
        ``False`` skips ``dx`` (returned as None): the first layer of a
        network never needs it.

    Returns
    -------
    dx : numpy.ndarray, shape of ``x``, or None
    dw : numpy.ndarray, shape of ``w``
    db : numpy.ndarray, shape (C_out,)

    Raises
    ------
    ValueError
        ``dout`` does not have the forward output's shape.
    TypeError
        ``cache`` is not a ConvCache, ``need_dx`` not a bool, ``dout`` not numeric.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> out, cache = conv_forward(x, np.ones((2, 2, 1, 1)))
    >>> dx, dw, db = conv_backward(np.ones_like(out), cache)
    >>> dx[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    if not isinstance(cache, ConvCache):
        raise TypeError(
            f"cache must be the ConvCache from conv_forward, got {type(cache).__name__}"
        )
    return _backward(dout, cache, check_bool(need_dx, "need_dx"), "conv_backward")


def _backward(dout, cache: ConvCache, need_dx: bool, name: str):
    """:func:`conv_backward`; ``name`` is the function the student called, for errors."""
    g = cache.geometry
    dout = _check_dout(dout, g)
    dtype = np.result_type(cache.dtype, dout)
    _check_pass(g, name, dtype.itemsize, backward=need_dx)
    w2 = cache.w.reshape(-1, g.f).astype(dtype, copy=False)
    dw2 = np.zeros((g.kh * g.kw * g.c, g.f), dtype=dtype)
    db = np.zeros(g.f, dtype=dtype)
    dx = np.zeros(cache.x.shape, dtype=dtype) if need_dx else None
    reuse = cache.cols is not None and cache.cols.dtype == dtype
    for block in _blocks(g, dtype.itemsize, copies=2 if need_dx else 1):
        n0, n1, r0, r1 = block
        d2 = dout[n0:n1, r0:r1].reshape(-1, g.f).astype(dtype, copy=False)
        if reuse:
            cols = cache.cols[_patch_rows(g, block)]
        else:
            cols = _im2col(_input_rows(cache.x, g, block, dtype), g, r1 - r0)
        dw2 += cols.T @ d2
        db += np.ones(d2.shape[0], dtype=dtype) @ d2  # a matrix product sums 10x faster here
        del cols
        if need_dx:
            # Mathematically dout (zero-padded, spread by the stride) correlated with
            # the kernel turned by 180 degrees, as notebook 08 derives; scattering one
            # kernel offset at a time is the same sum, computed faster.
            _dx_block(d2, w2, g, block, dx)
    return dx, dw2.reshape(g.kh, g.kw, g.c, g.f), db


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    """Gradients of a convolution layer: ``(dx, dw, db)``.

    The same as :func:`conv_backward` for the cache of
    ``conv_forward(x, w, None, stride, padding, dilation)``, without running
    the forward pass.

    Parameters
    ----------
    dout : array_like, shape (N, H_out, W_out, C_out)
    x, w, stride, padding, dilation
        As passed to :func:`conv2d`.

    Returns
    -------
    dx : numpy.ndarray, shape of ``x``
    dw : numpy.ndarray, shape of ``w``
    db : numpy.ndarray, shape (C_out,)

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d`, and when ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> w = np.ones((2, 2, 1, 1))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 2, 2, 1)), x, w)
    >>> dx[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dw[:, :, 0, 0], db
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    x, w, _, g, dtype = _check_inputs(x, w, None, stride, padding, dilation, "conv2d_backward")
    return _backward(dout, ConvCache(x, w, False, g, dtype), True, "conv2d_backward")


def _check_loop(g: ConvGeometry, name: str) -> None:
    steps = g.n * g.f * g.out_h * g.out_w
    check_work(steps, f"{name} on a {g.n}x{g.h}x{g.w}x{g.c} batch", MAX_LOOP_STEPS, "loop steps")


def _pad(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    if g.padding == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), g.padding[0], g.padding[1], (0, 0)))


def conv2d_naive(x, w, b=None, stride=1, padding=0, dilation=1):
    """Loop version of :func:`conv2d`, written the way the slides compute it.

    For every image, every filter and every output position: take the window
    under the kernel, multiply element by element, add everything up, add the
    bias. Slow; it is the reference the vectorised version is tested against.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d`, and for more than ``MAX_LOOP_STEPS`` window visits
        (the loops are meant for the small examples of the notes).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> conv2d_naive(x, np.ones((2, 2, 1, 1)), stride=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, w, b, g, _ = _check_inputs(x, w, b, stride, padding, dilation)
    _check_loop(g, "conv2d_naive")
    xp = _pad(x, g)
    (sh, sw), (dh, dw), (eh, ew) = g.stride, g.dilation, g.effective_kernel
    out = np.zeros(
        (g.n, g.out_h, g.out_w, g.f), dtype=np.result_type(x, w, *([] if b is None else [b]))
    )
    for n in range(g.n):
        for f in range(g.f):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    top, left = i * sh, j * sw
                    window = xp[n, top : top + eh : dh, left : left + ew : dw, :]
                    out[n, i, j, f] = np.sum(window * w[:, :, :, f])
                    if b is not None:
                        out[n, i, j, f] += b[f]
    return out


def conv2d_backward_naive(dout, x, w, stride=1, padding=0, dilation=1):
    """Loop version of :func:`conv2d_backward`, one output position at a time.

    Each output value ``out[n, i, j, f]`` received ``dout[n, i, j, f]``; its
    window of the input gets that much of the kernel, the kernel gets that much
    of the window, and the bias gets it whole.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d_backward`, and for more than ``MAX_LOOP_STEPS``
        window visits.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> dx, dw, db = conv2d_backward_naive(np.ones((1, 2, 2, 1)), x, np.ones((2, 2, 1, 1)))
    >>> db
    array([4.])
    """
    x, w, _, g, _ = _check_inputs(x, w, None, stride, padding, dilation)
    _check_loop(g, "conv2d_backward_naive")
    dout = _check_dout(dout, g)
    xp = _pad(x, g)
    (sh, sw), (dh, dw_) = g.stride, g.dilation
    dtype = np.result_type(x, w, dout)
    dxp = np.zeros(xp.shape, dtype=dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    db = np.zeros(g.f, dtype=dtype)
    for n in range(g.n):
        for f in range(g.f):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    grad = dout[n, i, j, f]
                    rows = slice(i * sh, i * sh + g.effective_kernel[0], dh)
                    cols = slice(j * sw, j * sw + g.effective_kernel[1], dw_)
                    dw[:, :, :, f] += grad * xp[n, rows, cols, :]
                    dxp[n, rows, cols, :] += grad * w[:, :, :, f]
                    db[f] += grad
    (top, _), (left, _) = g.padding
    return dxp[:, top : top + g.h, left : left + g.w], dw, db


# --- single-image helpers -----------------------------------------------------

_MODES = ("valid", "same", "full")


def _check_2d(image, kernel):
    image = as_float_array(image, "image", (2,), "(H, W)")
    kernel = as_float_array(kernel, "kernel", (2,), "(kh, kw)")
    return image, kernel


def _mode_padding(mode: str, kh: int, kw: int):
    check_choice(mode, "mode", _MODES)
    if mode == "valid":
        return ((0, 0), (0, 0))
    if mode == "full":
        return ((kh - 1, kh - 1), (kw - 1, kw - 1))
    # "same" keeps the size at stride 1; like scipy.signal.correlate2d, an even
    # kernel gets the extra row (column) of padding at the bottom (right).
    return (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2))


def correlate2d(image, kernel, mode="valid", stride=1):
    """Slide ``kernel`` over ``image`` and sum the element-wise products (no flip).

    This is what deep-learning libraries call convolution.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw)
    mode : {"valid", "same", "full"}
        ``valid``: only windows entirely inside the image; ``same``: zero
        padding so that stride 1 keeps the size (an even kernel gets its extra
        padding row/column at the bottom/right, as in scipy.signal); ``full``:
        every overlap, padding ``k - 1`` on each side.
    stride : int or (int, int), default 1
        Step between windows; the output is the stride-1 output sampled every
        ``stride`` rows and columns.

    Returns
    -------
    numpy.ndarray, 2-D

    Raises
    ------
    ValueError
        Not 2-D, empty, unknown mode, stride below 1, or a kernel larger than
        the image in ``valid`` mode.
    TypeError
        Non-numeric input or non-integer stride.

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[-4., -4.],
           [-4., -4.]])
    """
    image, kernel = _check_2d(image, kernel)
    pad = _mode_padding(mode, *kernel.shape)
    out = _forward(image[None, :, :, None], kernel[:, :, None, None], None, stride, pad, 1,
                   "correlate2d")[0]
    return out[0, :, :, 0]


def convolve2d(image, kernel, mode="valid", stride=1):
    """True 2-D convolution: flip the kernel in both directions, then correlate.

    Same arguments as :func:`correlate2d`; equals ``scipy.signal.convolve2d``
    at stride 1 (in ``same`` mode an even kernel's extra padding goes at the
    top/left, because the flip moves the kernel's centre). For a kernel that
    is symmetric under a 180-degree turn the flip changes nothing.

    Examples
    --------
    >>> convolve2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    array([[4., 4.],
           [4., 4.]])
    """
    image, kernel = _check_2d(image, kernel)
    kh, kw = kernel.shape
    pad = _mode_padding(mode, kh, kw)
    if mode == "same":  # flipping the kernel moves its centre: the extra padding moves too
        pad = (pad[0][::-1], pad[1][::-1])
    out = _forward(image[None, :, :, None], kernel[::-1, ::-1, None, None], None, stride, pad, 1,
                   "convolve2d")[0]
    return out[0, :, :, 0]


@dataclass(frozen=True)
class ConvStep:
    """One step of the sliding-window computation, for display.

    ``window`` is the part of the (padded) input under the kernel,
    ``products`` the element-wise products, ``total`` their sum; ``row`` and
    ``col`` index the output cell, ``top`` and ``left`` the window's corner in
    the padded input.
    """

    window: np.ndarray
    products: np.ndarray
    total: float
    row: int
    col: int
    top: int
    left: int


def conv_step(image, kernel, i, j, stride=1, padding=0):
    """The window, element-wise products and sum at output position ``(i, j)``.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    kernel : array_like, shape (kh, kw), or (kh, kw, C) for a C-channel image
    i, j : int
        Output row and column (row ``i`` counts down, column ``j`` across).
    stride : int or (int, int), default 1
    padding : int, (ph, pw) or ((top, bottom), (left, right)), default 0
        Zero padding.

    Returns
    -------
    ConvStep

    Raises
    ------
    ValueError
        Shapes that do not match, a kernel that does not fit, or ``(i, j)``
        outside the output.
    TypeError
        Non-numeric arrays or non-integer positions.

    Examples
    --------
    >>> step = conv_step([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, -1], [-1, 1]], 0, 1)
    >>> step.window
    array([[0., 0.],
           [1., 0.]])
    >>> step.total
    -1.0
    """
    image = as_float_array(image, "image", (2, 3), "(H, W) or (H, W, C)")
    kernel = as_float_array(kernel, "kernel", (2, 3), "(kh, kw) or (kh, kw, C)")
    if image.ndim != kernel.ndim or (image.ndim == 3 and image.shape[2] != kernel.shape[2]):
        raise ValueError(
            f"kernel shape {kernel.shape} does not match image shape {image.shape}: a 2-D image "
            "takes a "
            "(kh, kw) kernel and an (H, W, C) image a (kh, kw, C) kernel with the same C"
        )
    x = image[None] if image.ndim == 3 else image[None, :, :, None]
    w = kernel[..., None] if kernel.ndim == 3 else kernel[:, :, None, None]
    g = conv_geometry(x.shape, w.shape, stride, padding, 1)
    check_allocation(
        (g.h + sum(g.padding[0]), g.w + sum(g.padding[1]), g.c),
        image.dtype,
        f"padding {format_padding(g.padding)} on a {g.h}x{g.w} image",
    )
    i = check_int(i, "i", 0)
    j = check_int(j, "j", 0)
    if i >= g.out_h or j >= g.out_w:
        raise ValueError(f"position ({i}, {j}) is outside the {g.out_h}x{g.out_w} output")
    xp = _pad(x, g)
    top, left = i * g.stride[0], j * g.stride[1]
    window = xp[
        0, top : top + g.kh, left : left + g.kw
    ].copy()  # never a view of the caller's image
    if image.ndim == 2:
        window = window[:, :, 0]
    products = window * kernel
    return ConvStep(
        window=window,
        products=products,
        total=float(products.sum()),
        row=i,
        col=j,
        top=top,
        left=left,
    )
