"""Bounded memory for convolution (issue 13), and the chunked passes stay exact.

The bound: at the lecture notes' shapes (a 256 x 28 x 28 x 32 batch, 64 filters
of 3 x 3, no padding), the peak of ``conv2d`` and ``conv2d_backward`` is at
most twice the bytes of their inputs, outputs and weights, plus a working
buffer of ``BUFFER`` bytes. tracemalloc sees numpy's allocations; it starts
before the inputs are made, so the peak counts everything the pass holds.

Exactness: a chunked pass must equal the loop version (``conv2d_naive``) on
small random cases, and, on a batch of prime size too big for one chunk, an
oracle written here from the definition, one kernel offset at a time.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_utils import conv2d, conv2d_backward, conv2d_backward_naive, conv2d_naive

MIB = 2**20
BUFFER = 64 * MIB
NOTES = {"n": 256, "side": 28, "c_in": 32, "c_out": 64, "k": 3}


# ============================================================== an oracle from the definition
def _windows_at(xpad, p, q, h_out, w_out, stride, dilation):
    """xpad[n, i*s + p*d, j*s + q*d, c] for every output position (i, j): a view."""
    top, left = p * dilation, q * dilation
    return xpad[:, top: top + stride * (h_out - 1) + 1: stride,
                left: left + stride * (w_out - 1) + 1: stride, :]


def conv_oracle(x, w, b, stride, padding, dilation):
    """out[n,i,j,f] = b[f] + sum_{p,q,c} xpad[n, i*s+p*d, j*s+q*d, c] w[p,q,c,f]."""
    kh, kw, _, c_out = w.shape
    xpad = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    h_out = (xpad.shape[1] - dilation * (kh - 1) - 1) // stride + 1
    w_out = (xpad.shape[2] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((x.shape[0], h_out, w_out, c_out), np.float64)
    for p in range(kh):
        for q in range(kw):
            out += _windows_at(xpad, p, q, h_out, w_out, stride, dilation) @ w[p, q]
    return out + b


def conv_backward_oracle(dout, x, w, stride, padding, dilation):
    """(dx, dw, db) by the chain rule on the definition, one kernel offset at a time."""
    kh, kw = w.shape[:2]
    h_out, w_out = dout.shape[1:3]
    xpad = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dxpad = np.zeros(xpad.shape, np.float64)
    dw = np.zeros(w.shape, np.float64)
    for p in range(kh):
        for q in range(kw):
            window = _windows_at(xpad, p, q, h_out, w_out, stride, dilation)
            rows = np.ascontiguousarray(window).reshape(-1, window.shape[-1])
            dw[p, q] = rows.T @ dout.reshape(-1, dout.shape[-1])
            _windows_at(dxpad, p, q, h_out, w_out, stride, dilation)[...] += dout @ w[p, q].T
    h, wd = x.shape[1:3]
    dx = dxpad[:, padding: padding + h, padding: padding + wd, :]
    return dx, dw, dout.sum(axis=(0, 1, 2))


def test_the_oracle_matches_a_hand_computed_example():
    # 1 x 3 x 3 x 1 input, a 2 x 2 kernel: each output is the sum of a 2 x 2 block times w.
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    w = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    out = conv_oracle(x, w, np.array([0.5]), stride=1, padding=0, dilation=1)
    np.testing.assert_array_equal(out[0, :, :, 0], [[0 - 4 + 0.5, 1 - 5 + 0.5],
                                                     [3 - 7 + 0.5, 4 - 8 + 0.5]])
    dx, dw, db = conv_backward_oracle(np.ones((1, 2, 2, 1)), x, w, 1, 0, 1)
    np.testing.assert_array_equal(db, [4.0])
    np.testing.assert_array_equal(dw[:, :, 0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                                                   [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])


# ============================================================== chunked == loop on small cases
@st.composite
def small_cases(draw):
    n = draw(st.sampled_from([1, 2, 3, 5, 7, 11, 13]))
    k = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2))
    span = dilation * (k - 1) + 1
    side = draw(st.integers(max(1, span - 2 * padding), 8))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, side, side, c_in)).astype(dtype)
    w = rng.standard_normal((k, k, c_in, c_out)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    return x, w, b, stride, padding, dilation


@settings(max_examples=40)
@given(small_cases())
def test_conv2d_equals_the_loop_version_and_the_oracle(case):
    x, w, b, stride, padding, dilation = case
    fast = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    loop = conv2d_naive(x, w, b, stride=stride, padding=padding, dilation=dilation)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fast, loop, rtol=tol, atol=tol)
    np.testing.assert_allclose(fast, conv_oracle(x.astype(np.float64), w.astype(np.float64),
                                                 b.astype(np.float64), stride, padding,
                                                 dilation), rtol=tol, atol=tol)


@settings(max_examples=40)
@given(small_cases())
def test_conv2d_backward_equals_the_loop_version_and_the_oracle(case):
    x, w, _, stride, padding, dilation = case
    out_shape = conv_oracle(x, w, np.zeros(w.shape[-1]), stride, padding, dilation).shape
    dout = np.random.default_rng(1).standard_normal(out_shape).astype(x.dtype)
    fast = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation)
    loop = conv2d_backward_naive(dout, x, w, stride=stride, padding=padding, dilation=dilation)
    oracle = conv_backward_oracle(dout.astype(np.float64), x.astype(np.float64),
                                  w.astype(np.float64), stride, padding, dilation)
    tol = 1e-4 if x.dtype == np.float32 else 1e-11
    for got, want, other in zip(fast, loop, oracle, strict=True):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(got, other, rtol=tol, atol=tol)


# ============================================================== a prime batch, many chunks
def _notes_inputs(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    side, c_in, c_out, k = NOTES["side"], NOTES["c_in"], NOTES["c_out"], NOTES["k"]
    x = rng.standard_normal((n, side, side, c_in), dtype=np.float32).astype(dtype, copy=False)
    w = (rng.standard_normal((k, k, c_in, c_out), dtype=np.float32) * 0.1).astype(dtype)
    b = rng.standard_normal(c_out, dtype=np.float32).astype(dtype)
    return x, w, b


@pytest.mark.slow
def test_a_prime_batch_too_big_for_one_chunk_matches_the_oracle():
    # 257 is prime: no chunk size but 1 and 257 divides it, so the last chunk is partial.
    x, w, b = _notes_inputs(257, np.float64, seed=3)
    w, b = w[..., :8], b[:8]  # few filters keep it quick; the input is the notes' size
    out = conv2d(x, w, b)
    np.testing.assert_allclose(out, conv_oracle(x, w, b, 1, 0, 1), rtol=1e-10, atol=1e-10)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    for got, want in zip(conv2d_backward(dout, x, w), conv_backward_oracle(dout, x, w, 1, 0, 1),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


# ============================================================== the memory bound
def _peak_bytes(make_inputs, run):
    """Peak traced bytes of making the inputs and running the pass, and what it held."""
    gc.collect()
    tracemalloc.start()
    try:
        inputs = make_inputs()
        result = run(*inputs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, inputs, result


def _nbytes(arrays):
    return sum(np.asarray(a).nbytes for a in arrays)


@pytest.mark.parametrize("dtype", [np.float32, pytest.param(np.float64, marks=pytest.mark.slow)],
                         ids=["float32", "float64"])
def test_conv2d_peak_is_at_most_twice_its_arrays_plus_a_buffer(dtype):
    n, side, c_in, c_out, k = (NOTES[key] for key in ("n", "side", "c_in", "c_out", "k"))
    item = np.dtype(dtype).itemsize
    out_side = side - k + 1
    expected = {  # bytes, from the shapes the notes give
        "x": n * side * side * c_in * item,
        "w": k * k * c_in * c_out * item,
        "b": c_out * item,
        "out": n * out_side * out_side * c_out * item,
    }
    peak, _, out = _peak_bytes(lambda: _notes_inputs(n, dtype), conv2d)
    assert out.shape == (n, out_side, out_side, c_out)
    assert out.dtype == dtype
    held = sum(expected.values())
    bound = 2 * held + BUFFER
    assert peak <= bound, (
        f"conv2d ({np.dtype(dtype).name}) peaked at {peak / MIB:.0f} MiB; its arrays take "
        f"{held / MIB:.0f} MiB, so the bound is {bound / MIB:.0f} MiB")


@pytest.mark.parametrize("dtype", [np.float32, pytest.param(np.float64, marks=pytest.mark.slow)],
                         ids=["float32", "float64"])
def test_conv2d_backward_peak_is_at_most_twice_its_arrays_plus_a_buffer(dtype):
    n, side, c_in, c_out, k = (NOTES[key] for key in ("n", "side", "c_in", "c_out", "k"))
    item = np.dtype(dtype).itemsize
    out_side = side - k + 1
    expected = {
        "dout": n * out_side * out_side * c_out * item,
        "x": n * side * side * c_in * item,
        "w": k * k * c_in * c_out * item,
        "dx": n * side * side * c_in * item,
        "dw": k * k * c_in * c_out * item,
        "db": c_out * item,
    }

    def make():
        x, w, _ = _notes_inputs(n, dtype)
        dout = np.random.default_rng(2).standard_normal(
            (n, out_side, out_side, c_out), dtype=np.float32).astype(dtype, copy=False)
        return dout, x, w

    peak, _, grads = _peak_bytes(make, conv2d_backward)
    dx, dw, db = grads
    assert dx.shape == (n, side, side, c_in)
    assert dw.shape == (k, k, c_in, c_out)
    assert db.shape == (c_out,)
    held = sum(expected.values())
    bound = 2 * held + BUFFER
    assert peak <= bound, (
        f"conv2d_backward ({np.dtype(dtype).name}) peaked at {peak / MIB:.0f} MiB; its arrays "
        f"take {held / MIB:.0f} MiB, so the bound is {bound / MIB:.0f} MiB")


def test_the_peak_measure_sees_numpy_allocations():
    # The measure itself must be able to fail: a 100 MiB temporary shows in the peak.
    peak, _, _ = _peak_bytes(lambda: (), lambda: float(np.ones(100 * MIB // 8).sum()))
    assert peak >= 100 * MIB
