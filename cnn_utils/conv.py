"""Convolution (as deep learning means it: cross-correlation) and its gradients.

Two families share one implementation:

* single-image teaching helpers on 2-D arrays: :func:`correlate2d`,
  :func:`convolve2d` (true convolution, kernel flipped) and :func:`conv_step`
  (one window of the sliding computation, written out);
* batched layers: :func:`conv2d` and :func:`conv2d_backward` on
  ``(N, H, W, C)`` batches with weights ``(kh, kw, C_in, C_out)``.

Each batched function has a loop version that reads like the slides
(``conv2d_naive``, ``conv2d_backward_naive``); the tests hold the vectorised
versions to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_float_array, check_choice, check_int, check_padding, check_pair

_BATCH_LAYOUT = "(a batch (N, H, W, C); for a single (H, W, C) image pass x[None])"
_WEIGHT_LAYOUT = "(kh, kw, C_in, C_out)"


@dataclass(frozen=True)
class _Geometry:
    n: int
    h: int
    w: int
    c: int
    kh: int
    kw: int
    f: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pad: tuple[tuple[int, int], tuple[int, int]]
    out_h: int
    out_w: int

    @property
    def eff(self) -> tuple[int, int]:
        return (self.dilation[0] * (self.kh - 1) + 1, self.dilation[1] * (self.kw - 1) + 1)


def _same_padding(n: int, eff: int, s: int) -> tuple[int, int]:
    # Keras/TensorFlow "same": ceil(n / s) outputs; an odd total puts the extra
    # row or column after (bottom/right).
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return (total // 2, total - total // 2)


def _geometry(x_shape, w_shape, stride, padding, dilation) -> _Geometry:
    n, h, w, c = x_shape
    kh, kw, cin, f = w_shape
    if c != cin:
        raise ValueError(
            f"x has {c} input channel(s) (shape {tuple(x_shape)}, layout (N, H, W, C)) but w "
            "expects "
            f"{cin} (shape {tuple(w_shape)}, layout {_WEIGHT_LAYOUT}); a filter spans the full "
            "input depth"
        )
    s = check_pair(stride, "stride", 1)
    d = check_pair(dilation, "dilation", 1)
    eff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            pad = ((0, 0), (0, 0))
        else:
            pad = (_same_padding(h, eff[0], s[0]), _same_padding(w, eff[1], s[1]))
    else:
        try:
            pad = check_padding(padding)
        except ValueError as err:
            raise ValueError(f"{err} (or the string 'valid' or 'same')") from None
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
    return _Geometry(n, h, w, c, kh, kw, f, s, d, pad, out_h, out_w)


def _check_conv_inputs(x, w, b, stride, padding, dilation):
    x = as_float_array(x, "x", (4,), _BATCH_LAYOUT)
    w = as_float_array(w, "w", (4,), _WEIGHT_LAYOUT)
    g = _geometry(x.shape, w.shape, stride, padding, dilation)
    if b is not None:
        b = as_float_array(b, "b", (1,), "(C_out,)")
        if b.shape[0] != g.f:
            raise ValueError(
                f"b must have shape ({g.f},) to match w's {g.f} output channels, got {b.shape}"
            )
    return x, w, b, g


def _pad(x: np.ndarray, g: _Geometry) -> np.ndarray:
    if g.pad == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), g.pad[0], g.pad[1], (0, 0)))


def _im2col(xp: np.ndarray, g: _Geometry) -> np.ndarray:
    """Rows of the patch matrix: one row per output position, ``kh*kw*C`` columns."""
    eh, ew = g.eff
    view = sliding_window_view(xp, (eh, ew), axis=(1, 2))  # (N, Hp-eh+1, Wp-ew+1, C, eh, ew)
    view = view[
        :,
        : (g.out_h - 1) * g.stride[0] + 1 : g.stride[0],
        : (g.out_w - 1) * g.stride[1] + 1 : g.stride[1],
    ]
    view = view[..., :: g.dilation[0], :: g.dilation[1]]  # (N, Ho, Wo, C, kh, kw)
    view = view.transpose(0, 1, 2, 4, 5, 3)  # (N, Ho, Wo, kh, kw, C): matches w's (kh, kw, C) order
    return view.reshape(g.n * g.out_h * g.out_w, g.kh * g.kw * g.c)


def _forward(x, w, b, g):
    cols = _im2col(_pad(x, g), g)
    out = cols @ w.reshape(-1, g.f)
    if b is not None:
        out = out + b  # not in place: a float64 bias promotes a float32 result
    return out.reshape(g.n, g.out_h, g.out_w, g.f), cols


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
        does not fit in the padded input, stride or dilation below 1, unknown
        padding name, empty arrays.
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
    x, w, b, g = _check_conv_inputs(x, w, b, stride, padding, dilation)
    return _forward(x, w, b, g)[0]


def _check_dout(dout, g: _Geometry):
    dout = as_float_array(dout, "dout", (4,), "(N, H_out, W_out, C_out)")
    expected = (g.n, g.out_h, g.out_w, g.f)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the forward output {expected}, got {dout.shape}"
        )
    return dout


def _backward(dout, x, w, g, cols=None, need_dx=True):
    """Gradients given the forward geometry; ``cols`` may be reused from the forward pass."""
    if cols is None:
        cols = _im2col(_pad(x, g), g)
    d2 = dout.reshape(-1, g.f)
    db = np.ones(d2.shape[0], dtype=d2.dtype) @ d2  # a matrix product sums 10x faster here
    dw = (cols.T @ d2).reshape(g.kh, g.kw, g.c, g.f)
    if not need_dx:
        return None, dw, db
    # dL/dx: each output position hands dout @ w.T back to the window it came
    # from. Mathematically this is dout (zero-padded, spread by the stride)
    # correlated with the kernel turned by 180 degrees, as notebook 08 derives;
    # scattering one kernel offset at a time is the same sum, computed faster.
    dcols = (d2 @ w.reshape(-1, g.f).T).reshape(g.n, g.out_h, g.out_w, g.kh, g.kw, g.c)
    hp, wp = g.h + sum(g.pad[0]), g.w + sum(g.pad[1])
    dxp = np.zeros((g.n, hp, wp, g.c), dtype=dcols.dtype)
    (sh, sw), (dh, dw_) = g.stride, g.dilation
    rows, cols_ = (g.out_h - 1) * sh + 1, (g.out_w - 1) * sw + 1
    for p in range(g.kh):
        for q in range(g.kw):
            r0, c0 = p * dh, q * dw_
            dxp[:, r0 : r0 + rows : sh, c0 : c0 + cols_ : sw] += dcols[:, :, :, p, q]
    (top, _), (left, _) = g.pad
    dx = dxp[:, top : top + g.h, left : left + g.w]
    return dx, dw, db


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    """Gradients of a convolution layer: ``(dx, dw, db)``.

    Given ``dout = dL/d(out)`` for ``out = conv2d(x, w, b, ...)``:

    * ``dw`` = the input correlated with ``dout`` (``dL/dK = X * dL/dZ``),
    * ``db`` = ``dout`` summed over batch and positions,
    * ``dx`` = ``dout``, zero-padded (and spread by the stride), correlated
      with the kernel rotated by 180 degrees (computed as the equivalent
      scatter of ``dout @ w.T`` back onto each window).

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
    x, w, _, g = _check_conv_inputs(x, w, None, stride, padding, dilation)
    dout = _check_dout(dout, g)
    return _backward(dout, x, w, g)


def conv2d_naive(x, w, b=None, stride=1, padding=0, dilation=1):
    """Loop version of :func:`conv2d`, written the way the slides compute it.

    For every image, every filter and every output position: take the window
    under the kernel, multiply element by element, add everything up, add the
    bias. Slow; it is the reference the vectorised version is tested against.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> conv2d_naive(x, np.ones((2, 2, 1, 1)), stride=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, w, b, g = _check_conv_inputs(x, w, b, stride, padding, dilation)
    xp = _pad(x, g)
    (sh, sw), (dh, dw) = g.stride, g.dilation
    out = np.zeros(
        (g.n, g.out_h, g.out_w, g.f), dtype=np.result_type(x, w, *([] if b is None else [b]))
    )
    for n in range(g.n):
        for f in range(g.f):
            for i in range(g.out_h):
                for j in range(g.out_w):
                    top, left = i * sh, j * sw
                    window = xp[n, top : top + g.eff[0] : dh, left : left + g.eff[1] : dw, :]
                    out[n, i, j, f] = np.sum(window * w[:, :, :, f])
                    if b is not None:
                        out[n, i, j, f] += b[f]
    return out


def conv2d_backward_naive(dout, x, w, stride=1, padding=0, dilation=1):
    """Loop version of :func:`conv2d_backward`, one output position at a time.

    Each output value ``out[n, i, j, f]`` received ``dout[n, i, j, f]``; its
    window of the input gets that much of the kernel, the kernel gets that much
    of the window, and the bias gets it whole.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> dx, dw, db = conv2d_backward_naive(np.ones((1, 2, 2, 1)), x, np.ones((2, 2, 1, 1)))
    >>> db
    array([4.])
    """
    x, w, _, g = _check_conv_inputs(x, w, None, stride, padding, dilation)
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
                    rows = slice(i * sh, i * sh + g.eff[0], dh)
                    cols = slice(j * sw, j * sw + g.eff[1], dw_)
                    dw[:, :, :, f] += grad * xp[n, rows, cols, :]
                    dxp[n, rows, cols, :] += grad * w[:, :, :, f]
                    db[f] += grad
    (top, _), (left, _) = g.pad
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
    out = conv2d(image[None, :, :, None], kernel[:, :, None, None], stride=stride, padding=pad)
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
    out = conv2d(
        image[None, :, :, None], kernel[::-1, ::-1, None, None], stride=stride, padding=pad
    )
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
    g = _geometry(x.shape, w.shape, stride, padding, 1)
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
