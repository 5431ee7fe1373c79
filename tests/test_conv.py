"""Convolution and its gradients (cnn_utils.conv).

Oracles, none of them cnn_utils.conv itself:

* ``_reference_conv2d``: scipy.signal.correlate2d on each (image, input
  channel, filter), summed over input channels, on an input padded with
  numpy.pad and a kernel dilated by inserting zeros, then sampled every
  ``stride`` rows and columns;
* the loop versions ``conv2d_naive`` / ``conv2d_backward_naive`` (required to
  agree with the vectorised versions to 1e-10 in float64);
* finite differences (``numerical_gradient``) for every gradient, and the
  adjoint identity ``<conv(x), dout> = <x, dx> = <w, dw>`` (a convolution is
  linear in ``x`` and in ``w``);
* slide-like loops and hand derivations for the worked examples of the notes.

Gradient checks use values on a grid of 1/8 and a step ``eps = 2**-20``: every
sum of products is then exact in float64, so the central difference of these
(bi)linear functions is exact and the element-wise relative error measures the
analytic gradient alone. With arbitrary floats, round-off in the loss (~1e-16
of its size, divided by 2 eps) swamps the relative error of entries that are
close to zero.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from cnn_utils import (
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_naive,
    conv_step,
    convolve2d,
    correlate2d,
    load_example,
    numerical_gradient,
    output_size,
    relative_error,
)

EPS = 2.0**-20


# ------------------------------------------------------------------ helpers and oracles


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _tf_same_padding(n, eff, s):
    # TensorFlow/Keras "same" (tf.nn.convolution docs): ceil(n / s) outputs; the total
    # padding is what the last window needs; an odd total puts the extra cell after.
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return (total // 2, total - total // 2)


def _resolve_padding(padding, h, w, eff, stride):
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return (_tf_same_padding(h, eff[0], stride[0]), _tf_same_padding(w, eff[1], stride[1]))
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    if isinstance(padding[0], int):
        return ((padding[0], padding[0]), (padding[1], padding[1]))
    return tuple(tuple(p) for p in padding)


def _dilate(w, dilation):
    dh, dw = dilation
    kh, kw = w.shape[:2]
    out = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1) + w.shape[2:], dtype=w.dtype)
    out[::dh, ::dw] = w
    return out


def _reference_conv2d(x, w, b, stride, padding, dilation):
    stride, dilation = _pair(stride), _pair(dilation)
    wd = _dilate(w, dilation)
    pads = _resolve_padding(padding, x.shape[1], x.shape[2], wd.shape[:2], stride)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    n_img, c_in, c_out = x.shape[0], x.shape[3], w.shape[3]
    maps = []
    for n in range(n_img):
        per_filter = []
        for f in range(c_out):
            total = sum(
                signal.correlate2d(xp[n, :, :, c], wd[:, :, c, f], mode="valid")
                for c in range(c_in)
            )
            total = total[:: stride[0], :: stride[1]]
            per_filter.append(total + (0.0 if b is None else b[f]))
        maps.append(per_filter)
    return np.array(maps).transpose(0, 2, 3, 1)


def _assert_close(actual, expected, rtol=1e-10):
    """Relative agreement, measured against the size of the expected array."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def _dyadic(rng, shape):
    return rng.integers(-16, 17, size=shape) / 8.0


def _slide(image, kernel, stride=1):
    """The slides' computation: put the kernel on the image, multiply, add, move on."""
    kh, kw = len(kernel), len(kernel[0])
    rows = (len(image) - kh) // stride + 1
    cols = (len(image[0]) - kw) // stride + 1
    out = []
    for i in range(rows):
        row = []
        for j in range(cols):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += image[i * stride + m][j * stride + n] * kernel[m][n]
            row.append(total)
        out.append(row)
    return np.array(out)


@st.composite
def conv_cases(draw, max_batch=3, max_channels=3):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    dilation = draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2))))
    kind = draw(st.sampled_from(["int", "pair", "per_side", "valid", "same"]))
    small = st.integers(0, 2)
    padding = {
        "int": draw(small),
        "pair": (draw(small), draw(small)),
        "per_side": ((draw(small), draw(small)), (draw(small), draw(small))),
        "valid": "valid",
        "same": "same",
    }[kind]
    s, d = _pair(stride), _pair(dilation)
    eff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if isinstance(padding, str):
        total = (0, 0)  # "same" always fits; "valid" needs the kernel to fit
    else:
        pads = _resolve_padding(padding, 1, 1, eff, s)
        total = (sum(pads[0]), sum(pads[1]))
    low_h = max(1, eff[0] - total[0]) if padding != "same" else 1
    low_w = max(1, eff[1] - total[1]) if padding != "same" else 1
    h = draw(st.integers(low_h, max(low_h + 3, 8)))
    w = draw(st.integers(low_w, max(low_w + 3, 8)))
    n = draw(st.integers(1, max_batch))
    c_in, c_out = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    use_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    return {
        "x_shape": (n, h, w, c_in),
        "w_shape": (kh, kw, c_in, c_out),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "bias": use_bias,
        "seed": seed,
    }


def _arrays(case, dyadic=False, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    make = (lambda shape: _dyadic(rng, shape)) if dyadic else rng.standard_normal
    x = make(case["x_shape"]).astype(dtype)
    w = make(case["w_shape"]).astype(dtype)
    b = make((case["w_shape"][3],)).astype(dtype) if case["bias"] else None
    return x, w, b


def _geometry_kwargs(case):
    return {k: case[k] for k in ("stride", "padding", "dilation")}


# ------------------------------------------------------------------ forward: oracles agree


@given(conv_cases())
def test_conv2d_agrees_with_the_loop_version(case):
    x, w, b = _arrays(case)
    kw = _geometry_kwargs(case)
    _assert_close(conv2d(x, w, b, **kw), conv2d_naive(x, w, b, **kw))


@given(conv_cases())
def test_conv2d_agrees_with_scipy_correlate2d(case):
    x, w, b = _arrays(case)
    kw = _geometry_kwargs(case)
    expected = _reference_conv2d(x, w, b, **kw)
    _assert_close(conv2d(x, w, b, **kw), expected)
    _assert_close(conv2d_naive(x, w, b, **kw), expected)


@given(conv_cases())
def test_conv2d_output_shape_is_output_size_per_axis(case):
    x, w, b = _arrays(case)
    n, h, wd, _ = case["x_shape"]
    kh, kw_, _, c_out = case["w_shape"]
    (sh, sw), (dh, dw) = _pair(case["stride"]), _pair(case["dilation"])
    padding = case["padding"]
    if padding == "same":
        expected = (n, -(-h // sh), -(-wd // sw), c_out)  # ceil(n / s), as Keras
    else:
        eff = (dh * (kh - 1) + 1, dw * (kw_ - 1) + 1)
        (t, bt), (left, r) = _resolve_padding(padding, h, wd, eff, (sh, sw))
        expected = (
            n,
            output_size(h, kh, sh, (t, bt), dh),
            output_size(wd, kw_, sw, (left, r), dw),
            c_out,
        )
    assert conv2d(x, w, b, **_geometry_kwargs(case)).shape == expected


@given(conv_cases())
def test_same_padding_keeps_size_at_stride_1(case):
    case = dict(case, padding="same", stride=1)
    x, w, b = _arrays(case)
    assert conv2d(x, w, b, padding="same", dilation=case["dilation"]).shape[1:3] == x.shape[1:3]


def test_same_padding_puts_the_extra_row_and_column_after():
    # A 2x2 kernel needs one row and one column of padding in total for "same" at stride 1;
    # Keras puts them at the bottom and right. Output (i, j) then reads image rows i..i+1,
    # columns j..j+1 (row/column 3 being the padding).
    # A single 1 at image cell (2, 2) is read by the windows starting at (1..2, 1..2). Were
    # the padding at the top/left, the image would shift by one and only the window at
    # (2, 2) would read it.
    x = np.zeros((1, 3, 3, 1))
    x[0, 2, 2, 0] = 1
    out = conv2d(x, np.ones((2, 2, 1, 1)), padding="same")[0, :, :, 0]
    expected = np.zeros((3, 3))
    expected[1:3, 1:3] = 1
    np.testing.assert_array_equal(out, expected)
    # A 1 at (0, 0) is read only by the window starting there (top/left padding would let
    # the four windows at (0..1, 0..1) read it).
    x = np.zeros((1, 3, 3, 1))
    x[0, 0, 0, 0] = 1
    out = conv2d(x, np.ones((2, 2, 1, 1)), padding="same")[0, :, :, 0]
    expected = np.zeros((3, 3))
    expected[0, 0] = 1
    np.testing.assert_array_equal(out, expected)


def test_same_padding_at_stride_2_follows_keras():
    # 6 columns, kernel 3, stride 2: ceil(6 / 2) = 3 outputs, windows at 0, 2, 4 need
    # 4 + 3 = 7 columns, one more than 6: Keras pads 0 on the left and 1 on the right.
    x = np.arange(36.0).reshape(1, 6, 6, 1)
    w = np.random.default_rng(0).standard_normal((3, 3, 1, 1))
    explicit = conv2d(x, w, stride=2, padding=((0, 1), (0, 1)))
    np.testing.assert_array_equal(conv2d(x, w, stride=2, padding="same"), explicit)
    assert explicit.shape == (1, 3, 3, 1)


def test_valid_is_no_padding():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 5, 6, 2)), rng.standard_normal((3, 2, 2, 3))
    np.testing.assert_array_equal(conv2d(x, w, padding="valid"), conv2d(x, w, padding=0))


def test_bias_adds_one_number_per_filter():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 4, 4, 2)), rng.standard_normal((3, 3, 2, 3))
    b = np.array([1.0, -2.0, 0.5])
    difference = conv2d(x, w, b) - conv2d(x, w)
    for f in range(3):
        np.testing.assert_allclose(difference[..., f], b[f], rtol=0, atol=1e-12)


def test_input_channels_are_summed_and_filters_stacked():
    # seed 000: "Filters always extend the full depth of the input volume"; 6 filters
    # give 6 activation maps stacked as channels.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 8, 8, 3))
    w = rng.standard_normal((5, 5, 3, 6))
    out = conv2d(x, w)
    assert out.shape == (1, 4, 4, 6)
    for f in range(6):
        one_filter = conv2d(x, w[..., f : f + 1])[..., 0]
        per_channel = sum(
            conv2d(x[..., c : c + 1], w[:, :, c : c + 1, f : f + 1]) for c in range(3)
        )
        _assert_close(out[..., f], one_filter)
        _assert_close(out[..., f], per_channel[..., 0])


def test_seed_000_32x32x3_image_with_six_5x5x3_filters_gives_28x28x6():
    out = conv2d(np.zeros((1, 32, 32, 3)), np.zeros((5, 5, 3, 6)))
    assert out.shape == (1, 28, 28, 6)


def test_seed_001_256x256x3_with_64_filters():
    # 3x3 filters at stride 1: 254 x 254 x 64; one pixel of zero padding: 256 x 256 x 64.
    x = np.zeros((1, 256, 256, 3), dtype=np.float32)
    w = np.zeros((3, 3, 3, 64), dtype=np.float32)
    assert conv2d(x, w).shape == (1, 254, 254, 64)
    assert conv2d(x, w, padding=1).shape == (1, 256, 256, 64)
    # parameters: w.size + one bias per filter = 3*3*3*64 + 64 = 1,792
    assert w.size + 64 == 1792


# ------------------------------------------------------------------ non-contiguous input


def test_conv2d_accepts_views_and_read_only_arrays():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((2, 9, 7, 4))
    x = base[:, ::-2, 1:, ::2]  # reversed, strided, non-contiguous view: (2, 5, 6, 2)
    w = np.asfortranarray(rng.standard_normal((2, 3, 2, 2)))
    w.setflags(write=False)
    expected = _reference_conv2d(np.ascontiguousarray(x), np.array(w), None, 1, 0, 1)
    _assert_close(conv2d(x, w), expected)
    dout = rng.standard_normal(expected.shape)
    for got, want in zip(
        conv2d_backward(dout, x, w),
        conv2d_backward_naive(dout, np.array(x), np.array(w)),
        strict=True,
    ):
        _assert_close(got, want)


def test_conv2d_does_not_modify_its_inputs():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2)), np.ones(2)
    copies = [a.copy() for a in (x, w, b)]
    out = conv2d(x, w, b, padding=1)
    conv2d_backward(np.ones_like(out), x, w, padding=1)
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)


# ------------------------------------------------------------------ dtypes


def _dtype_calls(dtype):
    x = np.arange(2 * 5 * 5 * 2).reshape(2, 5, 5, 2).astype(dtype)
    w = np.ones((3, 3, 2, 2), dtype=dtype)
    dout = np.ones((2, 3, 3, 2), dtype=dtype)
    image, kernel = x[0, :, :, 0], w[:, :, 0, 0]
    return {
        "conv2d": lambda: conv2d(x, w, np.ones(2, dtype=dtype)),
        "conv2d_naive": lambda: conv2d_naive(x, w, np.ones(2, dtype=dtype)),
        "conv2d_backward dx": lambda: conv2d_backward(dout, x, w)[0],
        "conv2d_backward dw": lambda: conv2d_backward(dout, x, w)[1],
        "conv2d_backward db": lambda: conv2d_backward(dout, x, w)[2],
        "conv2d_backward_naive dx": lambda: conv2d_backward_naive(dout, x, w)[0],
        "conv2d_backward_naive dw": lambda: conv2d_backward_naive(dout, x, w)[1],
        "conv2d_backward_naive db": lambda: conv2d_backward_naive(dout, x, w)[2],
        "correlate2d": lambda: correlate2d(image, kernel, "same"),
        "convolve2d": lambda: convolve2d(image, kernel, "full"),
        "conv_step window": lambda: conv_step(image, kernel, 0, 0).window,
        "conv_step products": lambda: conv_step(image, kernel, 0, 0).products,
    }


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (np.int8, np.float64),
    ],
)
@pytest.mark.parametrize("name", sorted(_dtype_calls(np.float64)))
def test_output_dtype_follows_input(name, dtype, expected):
    assert _dtype_calls(dtype)[name]().dtype == expected


def test_conv_step_total_is_a_python_float():
    assert type(conv_step(np.ones((3, 3), dtype=np.float32), np.ones((2, 2)), 0, 0).total) is float


@pytest.mark.parametrize("fn", [conv2d, conv2d_naive])
def test_float64_bias_gives_float64_output(fn):
    x = np.ones((1, 3, 3, 1), dtype=np.float32)
    w = np.ones((2, 2, 1, 1), dtype=np.float32)
    assert fn(x, w, np.ones(1, dtype=np.float64)).dtype == np.float64


@given(conv_cases())
@settings(max_examples=30)
def test_float32_agrees_with_float64(case):
    x, w, b = _arrays(case)
    kw = _geometry_kwargs(case)
    as32 = [None if a is None else a.astype(np.float32) for a in (x, w, b)]
    out32 = conv2d(*as32, **kw)
    assert out32.dtype == np.float32
    _assert_close(out32, conv2d(x, w, b, **kw), rtol=1e-5)


# ------------------------------------------------------------------ backward


@given(conv_cases())
def test_conv2d_backward_agrees_with_the_loop_version(case):
    x, w, _ = _arrays(case)
    kw = _geometry_kwargs(case)
    out = conv2d(x, w, **kw)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape)
    fast = conv2d_backward(dout, x, w, **kw)
    slow = conv2d_backward_naive(dout, x, w, **kw)
    for got, want, name in zip(fast, slow, ("dx", "dw", "db"), strict=True):
        assert got.shape == want.shape, name
        _assert_close(got, want)


@given(conv_cases())
def test_conv2d_backward_is_the_adjoint_of_the_forward_pass(case):
    # out is linear in x and in w, so sum(out * dout) = sum(x * dx) = sum(w * dw)
    x, w, _ = _arrays(case)
    kw = _geometry_kwargs(case)
    out = conv2d(x, w, **kw)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, x, w, **kw)
    assert dx.shape == x.shape
    assert dw.shape == w.shape
    assert db.shape == (w.shape[3],)
    inner = float(np.sum(out * dout))
    scale = max(1.0, float(np.sum(np.abs(out * dout))))
    assert abs(float(np.sum(x * dx)) - inner) <= 1e-10 * scale
    assert abs(float(np.sum(w * dw)) - inner) <= 1e-10 * scale
    _assert_close(db, dout.sum(axis=(0, 1, 2)))


@given(conv_cases(max_batch=2, max_channels=2))
@settings(max_examples=40)
def test_conv2d_gradients_match_finite_differences(case):
    x, w, b = _arrays(case, dyadic=True)
    if b is None:
        b = np.zeros(w.shape[3])
    kw = _geometry_kwargs(case)
    dout = _dyadic(np.random.default_rng(case["seed"] + 1), conv2d(x, w, b, **kw).shape)
    dx, dw, db = conv2d_backward(dout, x, w, **kw)

    def loss_x(v):
        return float(np.sum(conv2d(v, w, b, **kw) * dout))

    def loss_w(v):
        return float(np.sum(conv2d(x, v, b, **kw) * dout))

    def loss_b(v):
        return float(np.sum(conv2d(x, w, v, **kw) * dout))

    assert relative_error(dx, numerical_gradient(loss_x, x, eps=EPS)) < 1e-6
    assert relative_error(dw, numerical_gradient(loss_w, w, eps=EPS)) < 1e-6
    assert relative_error(db, numerical_gradient(loss_b, b, eps=EPS)) < 1e-6


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"),
    [
        (1, 0, 1),
        (2, 0, 1),
        (1, 1, 1),
        (2, 1, 1),
        (1, 0, 2),
        (2, 2, 2),
        ((1, 2), ((0, 1), (2, 0)), (2, 1)),
        (3, "same", 1),
        (1, "same", 2),
    ],
)
def test_conv2d_gradients_with_stride_padding_and_dilation(stride, padding, dilation):
    rng = np.random.default_rng(6)
    x, w, b = _dyadic(rng, (2, 7, 6, 2)), _dyadic(rng, (3, 2, 2, 3)), _dyadic(rng, (3,))
    kw = {"stride": stride, "padding": padding, "dilation": dilation}
    dout = _dyadic(rng, conv2d(x, w, b, **kw).shape)
    grads = conv2d_backward(dout, x, w, **kw)
    naive = conv2d_backward_naive(dout, x, w, **kw)
    numeric = (
        numerical_gradient(lambda v: float(np.sum(conv2d(v, w, b, **kw) * dout)), x, eps=EPS),
        numerical_gradient(lambda v: float(np.sum(conv2d(x, v, b, **kw) * dout)), w, eps=EPS),
        numerical_gradient(lambda v: float(np.sum(conv2d(x, w, v, **kw) * dout)), b, eps=EPS),
    )
    for analytic, slow, num in zip(grads, naive, numeric, strict=True):
        assert relative_error(analytic, num) < 1e-6
        assert relative_error(slow, num) < 1e-6


def test_gradients_with_arbitrary_floats_and_the_default_step():
    # The same check as a student would write it: normal random numbers, eps = 1e-6.
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2)), np.ones(2)
    kw = {"stride": 2, "padding": 1}
    dout = rng.standard_normal(conv2d(x, w, b, **kw).shape)
    dx, dw, db = conv2d_backward(dout, x, w, **kw)
    assert (
        relative_error(dx, numerical_gradient(lambda v: np.sum(conv2d(v, w, b, **kw) * dout), x))
        < 1e-6
    )
    assert (
        relative_error(dw, numerical_gradient(lambda v: np.sum(conv2d(x, v, b, **kw) * dout), w))
        < 1e-6
    )
    assert (
        relative_error(db, numerical_gradient(lambda v: np.sum(conv2d(x, w, v, **kw) * dout), b))
        < 1e-6
    )


def test_input_cells_no_window_reaches_get_zero_gradient():
    # 6 columns, kernel 3, stride 2: windows at 0 and 2 cover columns 0..4; column 5 is
    # never read, so its gradient is exactly 0 (and the numerical gradient agrees).
    x = np.random.default_rng(8).standard_normal((1, 6, 6, 1))
    w = np.ones((3, 3, 1, 1))
    dx, _, _ = conv2d_backward(np.ones((1, 2, 2, 1)), x, w, stride=2)
    np.testing.assert_array_equal(dx[0, 5, :, 0], 0)
    np.testing.assert_array_equal(dx[0, :, 5, 0], 0)
    assert np.all(dx[0, :5, :5, 0] > 0)


def test_backprop_homework_of_seed_002():
    # seed 002: X (3x3) correlated with K (2x2) plus B gives Z (2x2); the homework asks for
    # dL/dK = X * dL/dZ, dL/dB = sum(dL/dZ), dL/dX = (zero-padded dL/dZ) * rot180(K).
    # The values of X, K, B and dL/dZ are the course's choice (the notes use symbols).
    X, K, B = load_example("backprop_x"), load_example("backprop_k"), load_example("backprop_b")
    dZ = load_example("backprop_dl_dz")
    # X = [[1, 2, 0], [3, 1, 2], [0, 1, 4]], K = [[1, -1], [2, 0]], B = 1, dZ = [[1, 0], [-1, 2]]
    # z11 = X11 K11 + X12 K12 + X21 K21 + X22 K22 + B = 1 - 2 + 6 + 0 + 1 = 6
    # z12 = X12 K11 + X13 K12 + X22 K21 + X23 K22 + B = 2 - 0 + 2 + 0 + 1 = 5
    # z21 = X21 K11 + X22 K12 + X31 K21 + X32 K22 + B = 3 - 1 + 0 + 0 + 1 = 3
    # z22 = X22 K11 + X23 K12 + X32 K21 + X33 K22 + B = 1 - 2 + 2 + 0 + 1 = 2
    Z_by_hand = np.array([[6.0, 5.0], [3.0, 2.0]])
    # dL/dK_mn = sum_ij dZ_ij X_(i+m)(j+n):
    # dK11 = 1*1 + 0*2 - 1*3 + 2*1 = 0     dK12 = 1*2 + 0*0 - 1*1 + 2*2 = 5
    # dK21 = 1*3 + 0*1 - 1*0 + 2*1 = 5     dK22 = 1*1 + 0*2 - 1*1 + 2*4 = 8
    dK_by_hand = np.array([[0.0, 5.0], [5.0, 8.0]])
    dB_by_hand = 1 + 0 - 1 + 2
    # dL/dX_mn = sum over the z's whose window holds X_mn of dZ_ij times the K entry on it:
    # dX11 = dZ11 K11 = 1                dX12 = dZ11 K12 + dZ12 K11 = -1
    # dX13 = dZ12 K12 = 0                dX21 = dZ11 K21 + dZ21 K11 = 2 - 1 = 1
    # dX22 = dZ11 K22 + dZ12 K21 + dZ21 K12 + dZ22 K11 = 0 + 0 + 1 + 2 = 3
    # dX23 = dZ12 K22 + dZ22 K12 = -2    dX31 = dZ21 K21 = -2
    # dX32 = dZ21 K22 + dZ22 K21 = 4     dX33 = dZ22 K22 = 0
    dX_by_hand = np.array([[1.0, -1.0, 0.0], [1.0, 3.0, -2.0], [-2.0, 4.0, 0.0]])

    x4, k4 = X[None, :, :, None], K[:, :, None, None]
    np.testing.assert_array_equal(conv2d(x4, k4, B)[0, :, :, 0], Z_by_hand)
    np.testing.assert_array_equal(correlate2d(X, K) + B, Z_by_hand)
    for dx, dk, db in (
        conv2d_backward(dZ[None, :, :, None], x4, k4),
        conv2d_backward_naive(dZ[None, :, :, None], x4, k4),
    ):
        np.testing.assert_array_equal(dk[:, :, 0, 0], dK_by_hand)
        np.testing.assert_array_equal(db, [dB_by_hand])
        np.testing.assert_array_equal(dx[0, :, :, 0], dX_by_hand)
    # the homework's formulas, with scipy doing the sliding
    np.testing.assert_array_equal(signal.correlate2d(X, dZ, "valid"), dK_by_hand)
    np.testing.assert_array_equal(
        signal.correlate2d(np.pad(dZ, 1), K[::-1, ::-1], "valid"), dX_by_hand
    )


@given(conv_cases(max_batch=2))
@settings(max_examples=40)
def test_backprop_formulas_of_the_notes_at_stride_1(case):
    # dL/dW = X correlated with dL/dZ; dL/dX = full-padded dL/dZ correlated with rot180(W)
    # (summed over the other channel axis), for stride 1 without dilation or padding.
    case = dict(case, stride=1, dilation=1, padding=0)
    n, h, w_, c_in = case["x_shape"]
    kh, kw_, _, c_out = case["w_shape"]
    if kh > h or kw_ > w_:
        return
    x, w, _ = _arrays(case)
    dz = np.random.default_rng(case["seed"] + 1).standard_normal(
        (n, h - kh + 1, w_ - kw_ + 1, c_out)
    )
    dx, dw, _ = conv2d_backward(dz, x, w)
    for c in range(c_in):
        for f in range(c_out):
            expected_dw = sum(
                signal.correlate2d(x[i, :, :, c], dz[i, :, :, f], "valid") for i in range(n)
            )
            _assert_close(dw[:, :, c, f], expected_dw)
    for i in range(n):
        for c in range(c_in):
            expected_dx = sum(
                signal.correlate2d(
                    np.pad(dz[i, :, :, f], ((kh - 1, kh - 1), (kw_ - 1, kw_ - 1))),
                    w[::-1, ::-1, c, f],
                    "valid",
                )
                for f in range(c_out)
            )
            _assert_close(dx[i, :, :, c], expected_dx)


# ------------------------------------------------------------------ single-image helpers


@st.composite
def image_kernel_pairs(draw):
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kh, kw = draw(st.integers(1, 6)), draw(st.integers(1, 6))  # even and odd, larger too
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw))


@given(image_kernel_pairs(), st.sampled_from(["valid", "same", "full"]))
def test_correlate2d_agrees_with_scipy(pair, mode):
    image, kernel = pair
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        return  # scipy swaps the arguments here; correlate2d refuses (tested below)
    expected = signal.correlate2d(image, kernel, mode)
    got = correlate2d(image, kernel, mode)
    assert got.shape == expected.shape
    _assert_close(got, expected)


@given(image_kernel_pairs(), st.sampled_from(["valid", "same", "full"]))
def test_convolve2d_agrees_with_scipy(pair, mode):
    image, kernel = pair
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        return
    expected = signal.convolve2d(image, kernel, mode)
    got = convolve2d(image, kernel, mode)
    assert got.shape == expected.shape
    _assert_close(got, expected)


@given(image_kernel_pairs(), st.sampled_from(["valid", "same", "full"]), st.integers(1, 3))
def test_stride_samples_the_stride_1_output(pair, mode, stride):
    image, kernel = pair
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        return
    for fn in (correlate2d, convolve2d):
        _assert_close(
            fn(image, kernel, mode, stride=stride), fn(image, kernel, mode)[::stride, ::stride]
        )


def test_even_kernel_same_mode_by_hand():
    # scipy's "same" keeps the centre of the "full" output. For a 2x2 kernel on a 3x3 image
    # the full correlation is 4x4 and "same" keeps rows/columns 1..3: the window of output
    # (i, j) starts at image cell (i, j), i.e. the extra padding is at the bottom/right.
    image = np.arange(1.0, 10.0).reshape(3, 3)  # 1..9
    kernel = np.array([[1.0, 0.0], [0.0, 0.0]])  # picks the window's top-left cell
    np.testing.assert_array_equal(correlate2d(image, kernel, "same"), image)
    # true convolution flips the kernel: the 1 moves to the bottom-right of the window,
    # and convolve2d's "same" output (i, j) then picks image cell (i, j) as well
    np.testing.assert_array_equal(convolve2d(image, kernel, "same"), image)
    kernel = np.array([[0.0, 0.0], [0.0, 1.0]])  # picks the window's bottom-right cell
    shifted = np.zeros((3, 3))
    shifted[:2, :2] = image[1:, 1:]
    np.testing.assert_array_equal(correlate2d(image, kernel, "same"), shifted)


def test_convolution_is_correlation_with_the_kernel_turned_180_degrees():
    rng = np.random.default_rng(9)
    image, kernel = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    for mode in ("valid", "full"):
        _assert_close(convolve2d(image, kernel, mode), correlate2d(image, kernel[::-1, ::-1], mode))


def test_correlate2d_by_hand():
    # [[1, 2, 3], [4, 5, 6], [7, 8, 9]] with [[1, 0], [0, -1]]: each window gives its
    # top-left minus its bottom-right, always 1 - 5 = 2 - 6 = ... = -4.
    image = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    np.testing.assert_array_equal(correlate2d(image, [[1, 0], [0, -1]]), [[-4, -4], [-4, -4]])
    # flipped, the kernel is [[-1, 0], [0, 1]]: bottom-right minus top-left, +4
    np.testing.assert_array_equal(convolve2d(image, [[1, 0], [0, -1]]), [[4, 4], [4, 4]])
    # full: the 1x1 kernel [[2]] on a 1x1 image [[3]] is 6 in every mode
    for mode in ("valid", "same", "full"):
        np.testing.assert_array_equal(correlate2d([[3]], [[2]], mode), [[6]])


@given(image_kernel_pairs(), st.integers(0, 2), st.integers(1, 3), st.data())
def test_conv_step_is_one_cell_of_the_sliding_computation(pair, pad, stride, data):
    image, kernel = pair
    kh, kw = kernel.shape
    padded = np.pad(image, pad)
    if kh > padded.shape[0] or kw > padded.shape[1]:
        return
    full = signal.correlate2d(padded, kernel, "valid")[::stride, ::stride]
    i = data.draw(st.integers(0, full.shape[0] - 1))
    j = data.draw(st.integers(0, full.shape[1] - 1))
    step = conv_step(image, kernel, i, j, stride=stride, padding=pad)
    window = padded[i * stride : i * stride + kh, j * stride : j * stride + kw]
    np.testing.assert_array_equal(step.window, window)
    np.testing.assert_array_equal(step.products, window * kernel)
    assert step.total == pytest.approx(full[i, j], rel=1e-12, abs=1e-12)
    assert (step.row, step.col, step.top, step.left) == (i, j, i * stride, j * stride)


def test_conv_step_on_a_colour_image_sums_over_channels():
    rng = np.random.default_rng(10)
    image, kernel = rng.standard_normal((5, 5, 3)), rng.standard_normal((3, 3, 3))
    step = conv_step(image, kernel, 1, 2)
    window = image[1:4, 2:5]
    np.testing.assert_array_equal(step.window, window)
    assert step.total == pytest.approx(float(np.sum(window * kernel)), rel=1e-12)
    expected = conv2d(image[None], kernel[..., None])[0, 1, 2, 0]
    assert step.total == pytest.approx(expected, rel=1e-12)


def test_conv_step_window_reaches_into_the_zero_padding():
    step = conv_step(np.ones((2, 2)), np.ones((3, 3)), 0, 0, padding=1)
    np.testing.assert_array_equal(step.window, [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert step.total == 4.0


# ------------------------------------------------------------------ worked examples of the notes


def test_seed_000_filter_1_at_stride_1():
    image, filter1 = load_example("six_by_six_image"), load_example("filter1")
    # top-left window [[1, 0, 0], [0, 1, 0], [0, 0, 1]] lies on Filter 1's diagonal of 1s:
    # 1 + 1 + 1 = 3; the next window [[0, 0, 0], [1, 0, 0], [0, 1, 1]] puts its three 1s
    # on -1, -1 and +1: -1.
    by_loop = _slide(image, filter1)
    assert by_loop[0, 0] == 3
    assert by_loop[0, 1] == -1
    out = correlate2d(image, filter1)
    np.testing.assert_array_equal(out, by_loop)
    np.testing.assert_array_equal(
        conv2d(image[None, :, :, None], filter1[:, :, None, None])[0, :, :, 0], by_loop
    )
    # seed 003 prints the 4x4 map: the computation agrees with it
    np.testing.assert_array_equal(out, load_example("filter1_feature_map_printed"))


def test_seed_000_filter_1_at_stride_2():
    image, filter1 = load_example("six_by_six_image"), load_example("filter1")
    # stride 2 keeps the windows at columns 0 and 2 of rows 0 and 2: the first row is the
    # stride-1 values at (0, 0) and (0, 2). Window (0, 2) = [[0, 0, 1], [0, 1, 0], [1, 1, 0]]
    # puts 1s on -1, +1, -1, -1, -1: -3. The notes print 3, -3.
    out = correlate2d(image, filter1, stride=2)
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out[0], [3, -3])
    np.testing.assert_array_equal(out, _slide(image, filter1, stride=2))


def test_seed_000_filter_2():
    image, filter2 = load_example("six_by_six_image"), load_example("filter2")
    by_loop = _slide(image, filter2)
    # Filter 2 is a vertical line: top-left window has 1s at (0,0), (1,1), (2,2): -1 + 1 - 1
    assert by_loop[0, 0] == -1
    np.testing.assert_array_equal(correlate2d(image, filter2), by_loop)
    # both filters at once: a 4x4x2 output ("Do the same process for every filter")
    w = np.stack([load_example("filter1"), filter2], axis=-1)[:, :, None, :]
    out = conv2d(image[None, :, :, None], w)
    assert out.shape == (1, 4, 4, 2)
    np.testing.assert_array_equal(out[0, :, :, 1], by_loop)


def test_seed_000_zero_padding_keeps_6x6():
    # "You will get another 6 x 6 images in this way": padding 1 around the 6x6 image.
    image, filter1 = load_example("six_by_six_image"), load_example("filter1")
    out = correlate2d(image, filter1, "same")
    assert out.shape == (6, 6)
    np.testing.assert_array_equal(out, _slide(np.pad(image, 1), filter1))
    # the interior is the unpadded map
    np.testing.assert_array_equal(out[1:5, 1:5], _slide(image, filter1))


def test_seed_001_feature_map_of_the_7x7_input():
    image, detector = load_example("seven_by_seven_image"), load_example("feature_detector")
    by_loop = _slide(image, detector)  # the detector slides without being flipped
    out = correlate2d(image, detector)
    assert out.shape == (5, 5)
    np.testing.assert_array_equal(out, by_loop)
    # The slides print a 5x5 map that differs in one cell: row 3, column 3 (from 1) is
    # printed as 1. That window is input rows 2..4, columns 2..4 (from 0):
    #   [[0, 0, 0], [0, 1, 0], [0, 0, 0]], a single 1 at its centre, where the detector
    # [[0, 0, 1], [1, 0, 0], [0, 1, 1]] has a 0: the right value is 0.
    assert out[2, 2] == 0
    printed = load_example("feature_map_5x5_printed")
    differs = np.argwhere(out != printed)
    assert differs.tolist() == [[2, 2]]
    assert printed[2, 2] == 1
    # true convolution would flip the asymmetric detector and give another map
    assert not np.array_equal(convolve2d(image, detector), out)


def test_seed_002_vertical_edge_detector():
    image = load_example("handwritten_5x5_image")
    kernel = load_example("vertical_edge_detector")  # [[1, 0, -1]] * 3
    # Each output is (sum of the window's left column) - (sum of its right column).
    # Row 0: window 0 has left column 1 + 20 + 20 = 41, right column 20 + 1 + 1 = 22: 19;
    #   window 1: 20 + 1 + 1 = 22 and 20 + 1 + 1 = 22: 0; window 2 mirrors window 0: -19.
    # Row 1: 20 + 20 + 1 = 41 and 1 + 1 + 1 = 3: 38; 1 + 1 + 20 = 22 twice: 0; 3 - 41 = -38.
    # Row 2: 20 + 1 + 1 = 22 and 1 + 1 + 20 = 22: 0; 1 + 20 + 1 = 22 twice: 0; 22 - 22 = 0.
    by_hand = np.array([[19.0, 0.0, -19.0], [38.0, 0.0, -38.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(_slide(image, kernel), by_hand)
    np.testing.assert_array_equal(correlate2d(image, kernel), by_hand)
    # The notes print 21 0 -21 / 38 0 -38 / 0 0 0: the first row is wrong (41 - 22 = 19,
    # not 21); rows 2 and 3 are right. True convolution only flips the signs, so it is
    # not the explanation either.
    printed = load_example("handwritten_filtered_image_printed")
    np.testing.assert_array_equal(printed[1:], by_hand[1:])
    assert printed[0, 0] == 21
    np.testing.assert_array_equal(convolve2d(image, kernel), -by_hand)
    # output size (n - f + 1) x (n - f + 1) = 3 x 3
    assert correlate2d(image, kernel).shape == (5 - 3 + 1,) * 2


def test_seed_004_sharpen_top_left_is_320():
    patch, kernel = load_example("sharpen_patch_6x6"), load_example("sharpen_kernel")
    # 0*0 + 0*-1 + 0*0 + 0*-1 + 105*5 + 102*-1 + 0*0 + 103*-1 + 99*0 = 525 - 205 = 320
    # next to it: 0*-1 (above) + 105*-1 + 102*5 + 100*-1 + 99*-1 = 510 - 304 = 206
    # one row down, one right: -102 - 103 + 99*5 - 103 - 98 = 495 - 406 = 89
    out = correlate2d(patch, kernel)
    assert out[0, 0] == 320
    assert out[0, 1] == 206
    assert out[1, 1] == 89
    np.testing.assert_array_equal(out, _slide(patch, kernel))
    step = conv_step(patch, kernel, 0, 0)
    assert step.total == 320
    np.testing.assert_array_equal(step.window, [[0, 0, 0], [0, 105, 102], [0, 103, 99]])
    # the same value from the unpadded image with one pixel of zero padding
    assert conv_step(patch[1:, 1:], kernel, 0, 0, padding=1).total == 320
    # the sharpen kernel is symmetric under a 180-degree turn: convolution agrees
    np.testing.assert_array_equal(convolve2d(patch, kernel), out)


def test_seed_004_curve_detector():
    curve = load_example("curve_filter")
    match = load_example("curve_receptive_field_match")
    other = load_example("curve_receptive_field_no_match")
    # The filter's 30s sit at (0,5), (1,4), (2,3), (3,3), (4,3), (5,3). Under them the first
    # receptive field holds 0, 50, 20, 50, 50, 50: 30 * (50 + 20 + 50 + 50 + 50) = 6600.
    # The second holds 0 under every 30: 0.
    assert correlate2d(match, curve).tolist() == [[6600.0]]
    assert correlate2d(other, curve).tolist() == [[0.0]]
    assert conv_step(match, curve, 0, 0).total == 6600
    assert conv_step(other, curve, 0, 0).total == 0


def test_keras_mnist_model_shapes_through_conv2d():
    # seed 004: Conv2D(32, 3x3) on 28x28x1 -> 26x26x32; after the pools and two more
    # convolutions 3x3x64; weights (3, 3, C_in, C_out) hold 288, 18,432 and 36,864 numbers.
    x = np.zeros((1, 28, 28, 1), dtype=np.float32)
    w1 = np.zeros((3, 3, 1, 32), dtype=np.float32)
    assert conv2d(x, w1).shape == (1, 26, 26, 32)
    assert conv2d(np.zeros((1, 13, 13, 32)), np.zeros((3, 3, 32, 64))).shape == (1, 11, 11, 64)
    assert conv2d(np.zeros((1, 5, 5, 64)), np.zeros((3, 3, 64, 64))).shape == (1, 3, 3, 64)


# ------------------------------------------------------------------ bad input

X = np.ones((1, 4, 4, 2))
W = np.ones((3, 3, 2, 1))


def _each_conv_function(x, w, **kwargs):
    """Call conv2d, conv2d_naive and both backward functions with the same arguments."""
    return [
        lambda: conv2d(x, w, **kwargs),
        lambda: conv2d_naive(x, w, **kwargs),
        lambda: conv2d_backward(np.ones((1, 2, 2, 1)), x, w, **kwargs),
        lambda: conv2d_backward_naive(np.ones((1, 2, 2, 1)), x, w, **kwargs),
    ]


BAD_CONV_ARGUMENTS = [
    (
        (np.ones((4, 4, 2)), W),
        {},
        ValueError,
        r"x must be 4-D .*\(N, H, W, C\).*got a 3-D array of shape \(4, 4, 2\)",
    ),
    ((X, np.ones((3, 3, 2))), {}, ValueError, r"w must be 4-D \(kh, kw, C_in, C_out\), got a 3-D"),
    (
        (X, np.ones((3, 3, 3, 1))),
        {},
        ValueError,
        r"x has 2 input channel\(s\) \(shape \(1, 4, 4, 2\).*"
        r"but w expects 3 \(shape \(3, 3, 3, 1\)",
    ),
    (
        (X, np.ones((5, 5, 2, 1))),
        {},
        ValueError,
        r"kernel 5x5 does not fit in a 4x4 input with padding .*\(padded 4x4\); "
        r"the output would be 0x0",
    ),
    (
        (X, np.ones((7, 2, 2, 1))),
        {"padding": 1},
        ValueError,
        r"kernel 7x2 does not fit in a 4x4 input with padding .*\(padded 6x6\)",
    ),
    (
        (X, W),
        {"dilation": 2},
        ValueError,
        r"kernel 3x3 with dilation \(2, 2\) \(covering 5x5\) does not fit",
    ),
    ((X, W), {"stride": 0}, ValueError, r"stride must be at least 1, got 0"),
    ((X, W), {"stride": -1}, ValueError, r"stride must be at least 1, got -1"),
    ((X, W), {"stride": (1, 0)}, ValueError, r"stride\[1\] must be at least 1, got 0"),
    ((X, W), {"stride": 1.0}, TypeError, r"stride must be an integer, got float 1.0"),
    (
        (X, W),
        {"stride": (1, 1, 1)},
        ValueError,
        r"stride must be an int or a pair .*got \(1, 1, 1\)",
    ),
    ((X, W), {"dilation": 0}, ValueError, r"dilation must be at least 1, got 0"),
    ((X, W), {"dilation": -2}, ValueError, r"dilation must be at least 1, got -2"),
    ((X, W), {"dilation": 1.5}, TypeError, r"dilation must be an integer, got float 1.5"),
    (
        (X, W),
        {"padding": "full"},
        ValueError,
        r"padding must be one of 'valid', 'same'; got 'full'",
    ),
    (
        (X, W),
        {"padding": -1},
        ValueError,
        r"padding must be at least 0, got -1 \(or the string 'valid' or 'same'\)",
    ),
    ((X, W), {"padding": 0.5}, TypeError, r"padding must be an integer, got float 0.5"),
    ((np.ones((0, 4, 4, 2)), W), {}, ValueError, r"x is empty \(shape \(0, 4, 4, 2\)\)"),
    ((X, np.ones((3, 3, 2, 0))), {}, ValueError, r"w is empty"),
    (("image", W), {}, TypeError, r"x must be a numeric array, got str 'image'"),
    ((None, W), {}, TypeError, r"x must be a numeric array, got NoneType"),
    (
        (X.astype(object), W),
        {},
        TypeError,
        r"x must be a numeric array, got an array of dtype object",
    ),
    (
        (np.full((1, 4, 4, 2), "a"), W),
        {},
        TypeError,
        r"x must be a numeric array, got an array of dtype <U1",
    ),
    (
        (X, W.astype(complex)),
        {},
        TypeError,
        r"w must be real-valued, got an array of dtype complex128",
    ),
]


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), BAD_CONV_ARGUMENTS)
def test_conv_functions_reject_bad_arguments(args, kwargs, error, match):
    for call in _each_conv_function(*args, **kwargs):
        with pytest.raises(error, match=match):
            call()


@pytest.mark.parametrize("fn", [conv2d, conv2d_naive])
def test_bias_of_the_wrong_shape_is_rejected(fn):
    with pytest.raises(
        ValueError, match=r"b must have shape \(1,\) to match w's 1 output channels, got \(3,\)"
    ):
        fn(X, W, b=np.ones(3))
    with pytest.raises(ValueError, match=r"b must be 1-D \(C_out,\), got a 2-D array"):
        fn(X, W, b=np.ones((1, 1)))
    with pytest.raises(TypeError, match=r"b must be a numeric array"):
        fn(X, W, b="bias")


@pytest.mark.parametrize("fn", [conv2d_backward, conv2d_backward_naive])
def test_dout_of_the_wrong_shape_is_rejected(fn):
    with pytest.raises(
        ValueError,
        match=r"dout must have the shape of the forward output \(1, 2, 2, 1\), got \(1, 3, 3, 1\)",
    ):
        fn(np.ones((1, 3, 3, 1)), X, W)
    with pytest.raises(ValueError, match=r"dout must be 4-D \(N, H_out, W_out, C_out\), got a 2-D"):
        fn(np.ones((2, 2)), X, W)
    with pytest.raises(ValueError, match=r"forward output \(1, 1, 1, 1\), got \(1, 2, 2, 1\)"):
        fn(np.ones((1, 2, 2, 1)), X, W, stride=2)
    with pytest.raises(TypeError, match=r"dout must be a numeric array"):
        fn(np.full((1, 2, 2, 1), "a"), X, W)


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_single_image_helpers_reject_bad_arguments(fn):
    image, kernel = np.ones((3, 3)), np.ones((2, 2))
    with pytest.raises(
        ValueError, match=r"mode must be one of 'valid', 'same', 'full'; got 'Same'"
    ):
        fn(image, kernel, mode="Same")
    with pytest.raises(
        ValueError, match=r"image must be 2-D \(H, W\), got a 3-D array of shape \(3, 3, 1\)"
    ):
        fn(np.ones((3, 3, 1)), kernel)
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(kh, kw\), got a 1-D"):
        fn(image, np.ones(2))
    with pytest.raises(ValueError, match=r"kernel 4x4 does not fit in a 3x3 input"):
        fn(image, np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"stride must be at least 1, got 0"):
        fn(image, kernel, stride=0)
    with pytest.raises(TypeError, match=r"stride must be an integer, got float 2.0"):
        fn(image, kernel, stride=2.0)
    with pytest.raises(ValueError, match=r"image is empty"):
        fn(np.ones((0, 3)), kernel)
    with pytest.raises(TypeError, match=r"kernel must be a numeric array"):
        fn(image, [["a", "b"]])
    with pytest.raises(TypeError, match=r"image must be real-valued"):
        fn(image + 1j, kernel)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            (np.ones((4, 4)), np.ones((3, 3)), 2, 0),
            {},
            ValueError,
            r"position \(2, 0\) is outside the 2x2 output",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), 0, 1),
            {"stride": 2},
            ValueError,
            r"position \(0, 1\) is outside the 1x1 output",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), 4, 0),
            {"padding": 1},
            ValueError,
            r"position \(4, 0\) is outside the 4x4 output",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), -1, 0),
            {},
            ValueError,
            r"i must be at least 0, got -1",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), 0, -1),
            {},
            ValueError,
            r"j must be at least 0, got -1",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), 0.0, 0),
            {},
            TypeError,
            r"i must be an integer, got float 0.0",
        ),
        (
            (np.ones((4, 4, 2)), np.ones((3, 3)), 0, 0),
            {},
            ValueError,
            r"kernel shape \(3, 3\) does not match image shape \(4, 4, 2\)",
        ),
        (
            (np.ones((4, 4, 2)), np.ones((3, 3, 3)), 0, 0),
            {},
            ValueError,
            r"kernel shape \(3, 3, 3\) does not match image shape \(4, 4, 2\)",
        ),
        ((np.ones(4), np.ones((3, 3)), 0, 0), {}, ValueError, r"image must be 2-D or 3-D"),
        (
            (np.ones((2, 2)), np.ones((3, 3)), 0, 0),
            {},
            ValueError,
            r"kernel 3x3 does not fit in a 2x2 input",
        ),
        (
            (np.ones((4, 4)), np.ones((3, 3)), 0, 0),
            {"stride": 0},
            ValueError,
            r"stride must be at least 1",
        ),
    ],
)
def test_conv_step_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        conv_step(*args, **kwargs)


# ------------------------------------------------------------------ PyTorch, when installed

TORCH_CASES = [
    # (x shape NHWC, w shape (kh, kw, C_in, C_out), stride, padding, dilation)
    ((2, 7, 7, 3), (3, 3, 3, 4), 1, 0, 1),
    ((2, 7, 6, 2), (3, 2, 2, 3), 2, 1, 1),
    ((1, 8, 8, 1), (2, 2, 1, 2), 1, "same", 1),
    ((1, 8, 7, 2), (4, 3, 2, 2), 1, "same", 2),
    ((3, 9, 9, 2), (3, 3, 2, 2), (2, 3), (1, 2), (2, 1)),
    ((2, 6, 6, 1), (3, 3, 1, 1), 3, 2, 2),
    ((2, 6, 5, 2), (2, 3, 2, 3), 1, ((0, 1), (2, 0)), 1),
    ((1, 28, 28, 1), (3, 3, 1, 4), 1, "valid", 1),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), TORCH_CASES)
def test_conv2d_and_gradients_match_pytorch(x_shape, w_shape, stride, padding, dilation):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(11)
    x, w, b = (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[3]),
    )
    tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
    tw = torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    if isinstance(padding, tuple) and isinstance(padding[0], tuple):
        (top, bottom), (left, right) = padding
        t_in, t_padding = functional.pad(tx, (left, right, top, bottom)), 0
    else:
        t_in, t_padding = tx, padding
    t_out = functional.conv2d(t_in, tw, tb, stride=stride, padding=t_padding, dilation=dilation)
    out = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    _assert_close(out, t_out.detach().numpy().transpose(0, 2, 3, 1))
    dout = rng.standard_normal(out.shape)
    t_out.backward(torch.tensor(np.ascontiguousarray(dout.transpose(0, 3, 1, 2))))
    dx, dw, db = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation)
    _assert_close(dx, tx.grad.numpy().transpose(0, 2, 3, 1))
    _assert_close(dw, tw.grad.numpy().transpose(2, 3, 1, 0))
    _assert_close(db, tb.grad.numpy())


# ------------------------------------------------------------------ the cached pair


from cnn_utils import conv as conv_module  # noqa: E402
from cnn_utils.conv import ConvCache, conv_backward, conv_forward, conv_geometry  # noqa: E402


@given(conv_cases())
@settings(max_examples=40)
def test_conv_forward_and_backward_equal_the_loop_versions(case):
    x, w, b = _arrays(case)
    kw = _geometry_kwargs(case)
    out, cache = conv_forward(x, w, b, **kw)
    np.testing.assert_allclose(out, conv2d_naive(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape)
    expected = conv2d_backward_naive(dout, x, w, **kw)
    for got, want in zip(conv_backward(dout, cache), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_conv_backward_without_dx_gives_the_same_dw_and_db():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 5, 5, 2)), rng.standard_normal((3, 3, 2, 4))
    out, cache = conv_forward(x, w, np.zeros(4), stride=2, padding=1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward(dout, cache, need_dx=False)
    assert dx is None
    _, dw_full, db_full = conv2d_backward(dout, x, w, stride=2, padding=1)
    np.testing.assert_array_equal(dw, dw_full)
    np.testing.assert_array_equal(db, db_full)


def test_conv_cache_is_frozen_and_describes_the_convolution():
    x, w = np.ones((2, 6, 6, 3)), np.ones((3, 3, 3, 4))
    _, cache = conv_forward(x, w, None, stride=2, padding="same", dilation=1)
    assert isinstance(cache, ConvCache)
    assert cache.x is x
    assert cache.w is w
    assert not cache.has_bias
    assert cache.geometry == conv_geometry(x.shape, w.shape, 2, "same", 1)
    assert cache.geometry.output_shape == (2, 3, 3, 4)
    with pytest.raises(AttributeError):
        cache.x = np.zeros(3)


@given(conv_cases())
def test_conv_geometry_agrees_with_output_size(case):
    g = conv_geometry(case["x_shape"], case["w_shape"], **_geometry_kwargs(case))
    _, h, w, _ = case["x_shape"]
    (kh, kw, _, f), d, s = case["w_shape"], _pair(case["dilation"]), _pair(case["stride"])
    assert g.output_shape[3] == f
    assert g.out_h == output_size(h, kh, s[0], g.padding[0], d[0])
    assert g.out_w == output_size(w, kw, s[1], g.padding[1], d[1])


def test_conv_backward_rejects_what_is_not_a_cache():
    with pytest.raises(TypeError, match=r"must be the ConvCache from conv_forward, got tuple"):
        conv_backward(np.ones((1, 1, 1, 1)), (np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1))))
    _, cache = conv_forward(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)))
    with pytest.raises(TypeError, match=r"need_dx must be True or False, got 1"):
        conv_backward(np.ones((1, 1, 1, 1)), cache, need_dx=1)


# ------------------------------------------------------------------ bounded memory


@given(conv_cases(max_batch=7), st.sampled_from([1, 300, 2000, 9000]))
@settings(max_examples=60)
def test_processing_in_chunks_is_invisible(case, budget):
    # A tiny workspace forces one output row (or a few) per chunk, a middling one a
    # few images per chunk, whatever the batch size; the loop versions are the oracle.
    x, w, b = _arrays(case)
    kw = _geometry_kwargs(case)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(
        conv2d_naive(x, w, b, **kw).shape
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conv_module, "WORKSPACE_BYTES", budget)
        out, cache = conv_forward(x, w, b, **kw)
        grads = conv_backward(dout, cache)
        grads_again = conv2d_backward(dout, x, w, **kw)
    np.testing.assert_allclose(out, conv2d_naive(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    for got, again, want in zip(
        grads, grads_again, conv2d_backward_naive(dout, x, w, **kw), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(again, want, rtol=1e-10, atol=1e-12)


def test_chunks_of_a_batch_not_divisible_by_the_chunk_size_match_one_pass():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 9, 9, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    whole = conv2d(x, w, b, padding=1)
    dout = rng.standard_normal(whole.shape).astype(np.float32)
    whole_grads = conv2d_backward(dout, x, w, padding=1)
    # one image's patches take 81 * 27 * 4 = 8748 bytes: 3 images per chunk, then 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conv_module, "WORKSPACE_BYTES", 3 * 8748 + 3 * 11 * 11 * 3 * 4)
        chunked = conv2d(x, w, b, padding=1)
        chunked_grads = conv2d_backward(dout, x, w, padding=1)
    assert chunked.dtype == np.float32
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)
    for got, want in zip(chunked_grads, whole_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def _peak_bytes(fn):
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_working_memory_stays_within_the_workspace():
    # 64 images of 20x20x8 through 16 filters 3x3: the whole patch matrix would be
    # 64 * 324 * 72 * 4 bytes = 6 MB; the workspace is set to 1 MiB.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20, 20, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)
    b = np.ones(16, dtype=np.float32)
    out_bytes = 64 * 18 * 18 * 16 * 4
    dout = np.ones((64, 18, 18, 16), dtype=np.float32)
    budget = 2**20
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conv_module, "WORKSPACE_BYTES", budget)
        forward = _peak_bytes(lambda: conv2d(x, w, b))
        backward = _peak_bytes(lambda: conv2d_backward(dout, x, w))
    slack = 64 * 2**10  # small bookkeeping arrays
    assert forward <= out_bytes + budget + slack
    assert backward <= x.nbytes + w.nbytes + budget + slack


# ------------------------------------------------------------------ limits and numpy numbers


def test_numpy_numbers_and_0d_arrays_are_accepted_as_sizes():
    x, w = np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 1))
    expected = conv2d(x, w, stride=2, padding=1, dilation=1)
    for stride, padding, dilation in [
        (np.array(2), np.array(1), np.array(1)),
        (np.int64(2), np.uint8(1), np.int32(1)),
        (np.array([2, 2]), np.array([1, 1]), (np.int8(1), 1)),
    ]:
        np.testing.assert_array_equal(conv2d(x, w, None, stride, padding, dilation), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stride": 2**64}, ValueError, r"stride must be at most 1048576, got 1844674407370955"),
        ({"dilation": (1, 2**40)}, ValueError, r"dilation\[1\] must be at most 1048576"),
        ({"padding": -(2**64)}, ValueError, r"padding must be at least 0"),
        ({"stride": np.array(2.0)}, TypeError, r"stride must be an integer, got float64 2.0"),
        ({"stride": np.array([[1, 2]])}, ValueError, r"stride must be an int or a pair"),
        ({"padding": np.array(True)}, TypeError, r"padding must be an integer, got bool"),
    ],
)
def test_sizes_out_of_range_get_a_value_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 1)), **kwargs)


def test_huge_padding_says_how_much_memory_it_would_need():
    with pytest.raises(
        ValueError,
        match=r"padding 100000 on a 6x6 input would need a 1x200004x200004x1 array of float64, "
        r"298 GiB; the limit is 268435456 elements",
    ):
        conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 1)), padding=10**5)
    with pytest.raises(ValueError, match=r"padding 100000 on a 6x6 image would need"):
        conv_step(np.ones((6, 6)), np.ones((3, 3)), 0, 0, padding=10**5)


def test_a_convolution_that_would_run_for_minutes_is_refused():
    x = np.zeros((1, 1024, 1024, 64), dtype=np.float32)  # 256 MiB, allowed
    w = np.zeros((33, 33, 64, 256), dtype=np.float32)
    with pytest.raises(ValueError, match=r"would take [\d,]+ multiply-adds; the limit is"):
        conv2d(x, w)


def test_the_loop_versions_refuse_big_inputs():
    x, w = np.zeros((64, 28, 28, 1)), np.zeros((3, 3, 1, 32))
    with pytest.raises(ValueError, match=r"conv2d_naive on a 64x28x28x1 batch would take 1,384,"):
        conv2d_naive(x, w)
    with pytest.raises(ValueError, match=r"conv2d_backward_naive .* loop steps"):
        conv2d_backward_naive(np.zeros((64, 26, 26, 32)), x, w)


def test_a_kernel_too_large_to_scatter_back_in_reasonable_time_is_refused():
    # 513x513 windows of 262,144 entries each: the forward pass alone would copy 6.9e10
    # window entries (and dL/dx would loop once per kernel offset and chunk: for hours).
    x = np.zeros((1, 1024, 1024, 1), dtype=np.float32)
    w = np.zeros((512, 512, 1, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"conv2d with a 512x512 kernel .* window entries"):
        conv2d(x, w)
