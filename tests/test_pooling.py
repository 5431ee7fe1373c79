"""Max and average pooling and their gradients (cnn_utils.pooling).

Oracles, none of them cnn_utils.pooling itself:

* ``_reference_pool`` / ``_reference_pool_backward``: loops written from
  PyTorch's rules in words (window ``i`` starts at ``i * stride - padding``;
  ceil mode keeps a last, overhanging window unless it would start in the
  right padding; max ignores padding cells; the average divides by the cells
  of the window that lie in the input or its padding, not in the ceil-mode
  overhang, or by the input cells only with ``count_include_pad=False``;
  max-pool backward hands each window's gradient to its first maximum in
  reading order);
* the loop versions ``max_pool2d_naive`` / ``avg_pool2d_naive``;
* finite differences for the gradients;
* hand derivations for the worked examples and PyTorch's corner cases, and
  PyTorch itself when it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_utils import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_naive,
    correlate2d,
    flatten,
    load_example,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_naive,
    numerical_gradient,
    output_size,
    relative_error,
)

EPS = 2.0**-20


# ------------------------------------------------------------------ reference loops


def _window_starts(n, k, s, p, ceil_mode):
    """Window starts along one axis, in input coordinates (negative = in the padding)."""
    starts, start = [], -p
    while True:
        fits = start + k <= n + p
        previous_end = start - s + k  # one past the previous window's last cell
        # ceil mode: an overhanging window is kept if the previous one left cells uncovered,
        # but never if it would start in the right padding
        overhang_kept = ceil_mode and previous_end < n + p and start < n
        if not (fits or overhang_kept):
            return starts
        starts.append(start)
        start += s


def _axis_cells(start, k, n, p, count_include_pad):
    """(real input cells of the window, number of cells its average divides by)."""
    window = range(start, start + k)
    real = [r for r in window if 0 <= r < n]
    counted = real if not count_include_pad else [r for r in window if r < n + p]
    return real, len(counted)


def _windows(x_shape, pool, stride, padding, ceil_mode, count_include_pad=True):
    """Yield (i, j, real rows, real cols, divisor) for every output cell."""
    _, h, w, _ = x_shape
    (kh, kw), (sh, sw), (ph, pw) = pool, stride, padding
    for i, r0 in enumerate(_window_starts(h, kh, sh, ph, ceil_mode)):
        rows, count_r = _axis_cells(r0, kh, h, ph, count_include_pad)
        for j, c0 in enumerate(_window_starts(w, kw, sw, pw, ceil_mode)):
            cols, count_c = _axis_cells(c0, kw, w, pw, count_include_pad)
            yield i, j, rows, cols, count_r * count_c


def _out_shape(x_shape, pool, stride, padding, ceil_mode):
    _, h, w, _ = x_shape
    return (
        x_shape[0],
        len(_window_starts(h, pool[0], stride[0], padding[0], ceil_mode)),
        len(_window_starts(w, pool[1], stride[1], padding[1], ceil_mode)),
        x_shape[3],
    )


def _reference_pool(x, pool, stride, padding, ceil_mode, op, count_include_pad=True):
    out = np.zeros(_out_shape(x.shape, pool, stride, padding, ceil_mode))
    for i, j, rows, cols, divisor in _windows(
        x.shape, pool, stride, padding, ceil_mode, count_include_pad
    ):
        cells = x[:, rows][:, :, cols]  # (N, len(rows), len(cols), C)
        if op == "max":
            out[:, i, j] = cells.max(axis=(1, 2))
        else:
            out[:, i, j] = cells.sum(axis=(1, 2)) / divisor
    return out


def _reference_pool_backward(dout, x, pool, stride, padding, ceil_mode, op, cip=True):
    dx = np.zeros(x.shape)
    for i, j, rows, cols, divisor in _windows(x.shape, pool, stride, padding, ceil_mode, cip):
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                if op == "avg":
                    for r in rows:
                        for q in cols:
                            dx[n, r, q, c] += dout[n, i, j, c] / divisor
                    continue
                best = None  # first maximum in reading order: strictly greater replaces it
                for r in rows:
                    for q in cols:
                        if best is None or x[n, r, q, c] > x[n, best[0], best[1], c]:
                            best = (r, q)
                dx[n, best[0], best[1], c] += dout[n, i, j, c]
    return dx


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _assert_close(actual, expected, rtol=1e-10):
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@st.composite
def pool_cases(draw, values="normal"):
    pool = draw(st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    kh, kw = _pair(pool)
    stride = draw(
        st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    )
    # padding at most half the pool size (PyTorch's rule)
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    padding = draw(st.sampled_from([ph, (ph, pw)])) if ph == pw else (ph, pw)
    ph, pw = _pair(padding)
    h = draw(st.integers(max(1, kh - 2 * ph), 8))
    w = draw(st.integers(max(1, kw - 2 * pw), 8))
    ndim = draw(st.sampled_from([2, 3, 4]))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = {2: (h, w), 3: (h, w, c), 4: (n, h, w, c)}[ndim]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if values == "distinct":  # a permutation of a grid of 1/8: no ties, exact arithmetic
        x = (rng.permutation(int(np.prod(shape))) - 20).reshape(shape) / 8.0
    elif values == "ties":
        x = rng.integers(0, 3, size=shape).astype(float)
    else:
        x = rng.standard_normal(shape)
    return {
        "x": x,
        "pool_size": pool,
        "stride": stride,
        "padding": padding,
        "ceil_mode": draw(st.booleans()),
        "count_include_pad": draw(st.booleans()),
        "seed": seed,
    }


def _as_batch(x):
    return {2: lambda a: a[None, :, :, None], 3: lambda a: a[None], 4: lambda a: a}[x.ndim](x)


def _args(case):
    pool = _pair(case["pool_size"])
    stride = pool if case["stride"] is None else _pair(case["stride"])
    return pool, stride, _pair(case["padding"]), case["ceil_mode"]


def _kwargs(case):
    return {k: case[k] for k in ("pool_size", "stride", "padding", "ceil_mode")}


# ------------------------------------------------------------------ forward


@given(pool_cases())
def test_max_pool2d_agrees_with_the_loop_version(case):
    x, kw = case["x"], _kwargs(case)
    _assert_close(max_pool2d(x, **kw), max_pool2d_naive(x, **kw))


@given(pool_cases())
def test_avg_pool2d_agrees_with_the_loop_version(case):
    x, kw, cip = case["x"], _kwargs(case), case["count_include_pad"]
    _assert_close(
        avg_pool2d(x, **kw, count_include_pad=cip), avg_pool2d_naive(x, **kw, count_include_pad=cip)
    )


@given(pool_cases(values="ties"))
def test_pooling_agrees_with_pytorchs_rules_written_as_loops(case):
    x, kw, cip = case["x"], _kwargs(case), case["count_include_pad"]
    xb = _as_batch(x)
    expected_max = _reference_pool(xb, *_args(case), "max")
    expected_avg = _reference_pool(xb, *_args(case), "avg", cip)
    _assert_close(_as_batch(max_pool2d(x, **kw)), expected_max)
    _assert_close(_as_batch(max_pool2d_naive(x, **kw)), expected_max)
    _assert_close(_as_batch(avg_pool2d(x, **kw, count_include_pad=cip)), expected_avg)
    _assert_close(_as_batch(avg_pool2d_naive(x, **kw, count_include_pad=cip)), expected_avg)


@given(pool_cases())
def test_output_has_the_input_layout(case):
    x, kw = case["x"], _kwargs(case)
    out = max_pool2d(x, **kw)
    n, oh, ow, c = _out_shape(_as_batch(x).shape, *_args(case))
    pool, stride, padding, ceil_mode = _args(case)
    h, w = _as_batch(x).shape[1:3]
    assert oh == output_size(h, pool[0], stride[0], padding[0], ceil_mode=ceil_mode)
    assert ow == output_size(w, pool[1], stride[1], padding[1], ceil_mode=ceil_mode)
    expected = {2: (oh, ow), 3: (oh, ow, c), 4: (n, oh, ow, c)}[x.ndim]
    assert out.shape == expected
    assert avg_pool2d(x, **kw).shape == expected
    assert max_pool2d_naive(x, **kw).shape == expected
    assert avg_pool2d_naive(x, **kw).shape == expected


@given(pool_cases())
@settings(max_examples=30)
def test_pooling_works_on_each_channel_separately(case):
    x, kw = case["x"], _kwargs(case)
    if x.ndim == 2:
        return
    out = max_pool2d(x, **kw)
    for c in range(x.shape[-1]):
        np.testing.assert_array_equal(out[..., c], max_pool2d(x[..., c : c + 1], **kw)[..., 0])


def test_stride_defaults_to_the_pool_size():
    x = np.random.default_rng(0).standard_normal((7, 8))
    np.testing.assert_array_equal(max_pool2d(x, 2), max_pool2d(x, 2, stride=2))
    np.testing.assert_array_equal(avg_pool2d(x, (2, 3)), avg_pool2d(x, (2, 3), stride=(2, 3)))
    assert max_pool2d(x, 3).shape == (2, 2)


# ------------------------------------------------------------------ PyTorch semantics by hand


def test_ceil_mode_keeps_the_partial_window_floor_mode_drops():
    x = np.arange(25.0).reshape(5, 5)
    # floor: windows at 0 and 2 per axis (one at 4 would overhang): 2x2
    assert max_pool2d(x, 2).shape == (2, 2)
    # ceil: the window at 4 holds the last row/column alone: 3x3
    out = max_pool2d(x, 2, ceil_mode=True)
    assert out.shape == (3, 3)
    # its bottom-right window is the single cell x[4, 4] = 24; the one above holds
    # x[2:4, 4] = 14, 19; the one to the left x[4, 2:4] = 22, 23
    assert (out[2, 2], out[1, 2], out[2, 1]) == (24, 19, 23)


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding():
    # n = 5, pool 2, stride 2, padding 1: padded cells p r r r r r p. Windows start at
    # -1, 1, 3 (input coordinates) and cover -1..4. A fourth ceil-mode window would start
    # at 5, the right padding: it would see no input, so PyTorch drops it: 3, not 4.
    x = np.arange(25.0).reshape(5, 5)
    assert max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True).shape == (3, 3)
    assert avg_pool2d(x, 2, stride=2, padding=1, ceil_mode=True).shape == (3, 3)
    # the windows are rows {0}, {1, 2}, {3, 4}: maxima of the first column x[:, 0] = 0,5,...
    np.testing.assert_array_equal(
        max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True)[:, 0], [0, 10, 20]
    )


def test_max_pool_padding_never_wins():
    # x = [-1, -2, -3, -4] pooled (1, 3) with stride 2, padding 1 and ceil mode: windows
    # [pad, -1, -2], [-2, -3, -4], [-4, pad, overhang]. Zero padding would give 0 in the
    # first and last; -inf padding gives the real maxima -1, -2, -4.
    x = np.array([[-1.0, -2.0, -3.0, -4.0]])
    kw = {"pool_size": (1, 3), "stride": (1, 2), "padding": (0, 1), "ceil_mode": True}
    np.testing.assert_array_equal(max_pool2d(x, **kw), [[-1, -2, -4]])
    np.testing.assert_array_equal(max_pool2d_naive(x, **kw), [[-1, -2, -4]])


def test_avg_divisor_counts_padding_but_not_the_ceil_overhang():
    # x = [1, 2, 3, 4] pooled (1, 3), stride 2, padding 1, ceil mode: windows
    #   [pad, 1, 2]             sum 3, 3 cells (one padding)
    #   [2, 3, 4]               sum 9, 3 cells
    #   [4, pad, overhang]      sum 4, 2 cells: the padding counts, the overhang does not
    # count_include_pad=True:  3/3, 9/3, 4/2 = 1, 3, 2
    # count_include_pad=False: 3/2, 9/3, 4/1 = 1.5, 3, 4
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    kw = {"pool_size": (1, 3), "stride": (1, 2), "padding": (0, 1), "ceil_mode": True}
    for fn in (avg_pool2d, avg_pool2d_naive):
        np.testing.assert_array_equal(fn(x, **kw), [[1.0, 3.0, 2.0]])
        np.testing.assert_array_equal(fn(x, **kw, count_include_pad=False), [[1.5, 3.0, 4.0]])


def test_avg_divisor_in_a_padded_corner():
    # 3x3 of ones, 2x2 pool, stride 2, padding 1: the top-left window holds one real cell
    # and three padding cells: 1/4 with the padding counted, 1/1 without. The window at
    # rows/cols 1..2 holds four real cells: 1 either way.
    x = np.ones((3, 3))
    with_pad = avg_pool2d(x, 2, padding=1)
    without = avg_pool2d(x, 2, padding=1, count_include_pad=False)
    assert with_pad.shape == (2, 2)
    np.testing.assert_array_equal(with_pad, [[0.25, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(without, np.ones((2, 2)))


def test_avg_ceil_window_without_padding_divides_by_its_real_cells():
    # docstring example: [4, 8, 1] with (1, 2) windows in ceil mode: [4, 8] and [1]: 6, 1
    np.testing.assert_array_equal(avg_pool2d([[4, 8, 1]], (1, 2), ceil_mode=True), [[6.0, 1.0]])


@pytest.mark.parametrize(("pool", "padding"), [(2, 1), (3, 1), (4, 2), (5, 2), ((3, 2), (1, 1))])
def test_padding_up_to_half_the_pool_is_allowed(pool, padding):
    assert max_pool2d(np.ones((6, 6)), pool, padding=padding).ndim == 2


@pytest.mark.parametrize(
    ("pool", "padding", "shown"),
    [(1, 1, r"\(1, 1\)"), (2, 2, r"\(2, 2\)"), (3, 2, r"\(2, 2\)"), ((3, 2), (1, 2), r"\(1, 2\)")],
)
def test_padding_above_half_the_pool_is_refused(pool, padding, shown):
    for fn in (max_pool2d, avg_pool2d, max_pool2d_naive, avg_pool2d_naive):
        with pytest.raises(ValueError, match=rf"padding {shown} is more than half the pool size"):
            fn(np.ones((6, 6)), pool, padding=padding)


# ------------------------------------------------------------------ backward


@given(pool_cases(values="distinct"))
@settings(max_examples=60)
def test_max_pool_gradient_matches_finite_differences(case):
    # distinct values on a 1/8 grid: every window has one maximum, at least 1/8 above the
    # rest, so a step of 2**-20 never changes which cell wins and the difference is exact
    x, kw = case["x"], _kwargs(case)
    dout = np.random.default_rng(case["seed"] + 1).integers(-8, 9, max_pool2d(x, **kw).shape) / 4
    analytic = max_pool2d_backward(dout, x, **kw)
    numeric = numerical_gradient(lambda v: float(np.sum(max_pool2d(v, **kw) * dout)), x, eps=EPS)
    assert analytic.shape == x.shape
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize(
    ("shape", "pool", "stride", "padding", "ceil_mode"),
    [
        ((2, 4, 4, 2), 2, None, 0, False),
        ((2, 5, 5, 1), 2, None, 0, True),
        ((1, 5, 6, 2), 3, 2, 1, False),
        ((1, 5, 6, 2), 3, 2, 1, True),
        ((2, 4, 5, 1), (1, 3), (1, 2), (0, 1), True),
        ((1, 6, 6, 1), 3, 1, 1, False),
        ((1, 7, 5, 2), (2, 4), (3, 2), (1, 2), True),
    ],
)
def test_avg_pool_gradient_matches_finite_differences(
    shape, pool, stride, padding, ceil_mode, count_include_pad
):
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape)
    kw = {"pool_size": pool, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    kw["count_include_pad"] = count_include_pad
    dout = rng.standard_normal(avg_pool2d(x, **kw).shape)
    analytic = avg_pool2d_backward(dout, x, **kw)
    numeric = numerical_gradient(lambda v: float(np.sum(avg_pool2d(v, **kw) * dout)), x)
    assert relative_error(analytic, numeric) < 1e-6


@given(pool_cases(values="ties"))
def test_max_pool_backward_agrees_with_the_reference_loop_including_ties(case):
    x, kw = case["x"], _kwargs(case)
    xb = _as_batch(x)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(max_pool2d(x, **kw).shape)
    expected = _reference_pool_backward(_as_batch(dout), xb, *_args(case), "max")
    _assert_close(_as_batch(max_pool2d_backward(dout, x, **kw)), expected)


@given(pool_cases())
def test_avg_pool_backward_agrees_with_the_reference_loop(case):
    x, kw, cip = case["x"], _kwargs(case), case["count_include_pad"]
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(
        avg_pool2d(x, **kw, count_include_pad=cip).shape
    )
    expected = _reference_pool_backward(_as_batch(dout), _as_batch(x), *_args(case), "avg", cip)
    got = avg_pool2d_backward(dout, x, **kw, count_include_pad=cip)
    assert got.shape == x.shape
    _assert_close(_as_batch(got), expected)


@given(pool_cases())
def test_pool_backward_is_the_adjoint_of_avg_pool(case):
    # average pooling is linear: sum(avg(x) * dout) = sum(x * dx)
    x, kw, cip = case["x"], _kwargs(case), case["count_include_pad"]
    out = avg_pool2d(x, **kw, count_include_pad=cip)
    dout = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape)
    dx = avg_pool2d_backward(dout, x, **kw, count_include_pad=cip)
    assert float(np.sum(x * dx)) == pytest.approx(float(np.sum(out * dout)), rel=1e-10, abs=1e-10)


def test_max_pool_tie_gives_the_gradient_to_the_first_maximum_in_reading_order():
    # window [[1, 3], [3, 2]]: two 3s, at (0, 1) and (1, 0); reading order (row by row)
    # meets (0, 1) first
    np.testing.assert_array_equal(
        max_pool2d_backward([[10.0]], [[1, 3], [3, 2]], 2), [[0, 10], [0, 0]]
    )
    # [[0, 7], [7, 0]]: (0, 1) comes before (1, 0) row by row (column by column it would not)
    np.testing.assert_array_equal(
        max_pool2d_backward([[1.0]], [[0, 7], [7, 0]], 2), [[0, 1], [0, 0]]
    )
    # all four equal: the top-left cell
    np.testing.assert_array_equal(
        max_pool2d_backward([[5.0]], np.ones((2, 2)), 2), [[5, 0], [0, 0]]
    )


def test_overlapping_windows_add_their_gradients():
    # [1, 5, 2] with (1, 2) windows at stride 1: both windows [1, 5] and [5, 2] pick the 5
    np.testing.assert_array_equal(
        max_pool2d_backward([[3.0, 4.0]], [[1, 5, 2]], (1, 2), stride=1), [[0, 7, 0]]
    )
    # [2, 2, 2]: the first window picks index 0, the second index 1 (its own first maximum)
    np.testing.assert_array_equal(
        max_pool2d_backward([[3.0, 4.0]], [[2, 2, 2]], (1, 2), stride=1), [[3, 4, 0]]
    )
    # average pooling: the middle cell belongs to both windows, 3/2 + 4/2
    np.testing.assert_array_equal(
        avg_pool2d_backward([[3.0, 4.0]], [[1, 5, 2]], (1, 2), stride=1), [[1.5, 3.5, 2.0]]
    )


def test_max_pool_backward_never_sends_gradient_to_padding_or_unseen_cells():
    # 5x5, pool 2 stride 2, floor mode: row 4 and column 4 are in no window
    x = np.random.default_rng(13).standard_normal((5, 5))
    dx = max_pool2d_backward(np.ones((2, 2)), x, 2)
    np.testing.assert_array_equal(dx[4], 0)
    np.testing.assert_array_equal(dx[:, 4], 0)
    assert dx.sum() == 4  # one cell per window
    # padded: the gradient of every window lands on a real cell
    dx = max_pool2d_backward(np.ones((3, 3)), x, 2, padding=1)
    assert dx.sum() == 9


def test_avg_pool_backward_by_hand():
    # 2x2 average of a 4x4 map: every cell is in one window of 4 and gets dout / 4
    dout = np.array([[4.0, 8.0], [-4.0, 2.0]])
    expected = np.kron(dout / 4, np.ones((2, 2)))
    np.testing.assert_array_equal(avg_pool2d_backward(dout, np.zeros((4, 4)), 2), expected)


# ------------------------------------------------------------------ worked examples


def test_seed_001_max_pooling_of_the_feature_map_in_ceil_mode():
    fmap = load_example("feature_map_5x5_printed")
    # 0 1 0 0 0
    # 0 1 1 1 0
    # 1 0 1 2 1
    # 1 4 2 1 0
    # 0 0 1 2 1
    # 2x2 windows, stride 2, keeping the half-empty ones at the right and bottom:
    #   rows 0-1: max(0,1,0,1) = 1, max(0,0,1,1) = 1, max(0,0) = 0
    #   rows 2-3: max(1,0,1,4) = 4, max(1,2,2,1) = 2, max(1,0) = 1
    #   row 4:    max(0,0) = 0,     max(1,2) = 2,     max(1) = 1
    by_hand = np.array([[1.0, 1.0, 0.0], [4.0, 2.0, 1.0], [0.0, 2.0, 1.0]])
    pooled = max_pool2d(fmap, 2, stride=2, ceil_mode=True)
    np.testing.assert_array_equal(pooled, by_hand)
    np.testing.assert_array_equal(max_pool2d_naive(fmap, 2, ceil_mode=True), by_hand)
    np.testing.assert_array_equal(pooled, load_example("pooled_feature_map_printed"))
    # the floor rule (windows must fit) keeps only the top-left 2x2
    np.testing.assert_array_equal(max_pool2d(fmap, 2), by_hand[:2, :2])
    # flattening reads the pooled map row by row: 1 1 0 4 2 1 0 2 1
    flat = flatten(pooled, batch=False)
    np.testing.assert_array_equal(flat, [1, 1, 0, 4, 2, 1, 0, 2, 1])
    np.testing.assert_array_equal(flat, load_example("flattened_features_printed"))


def test_seed_001_pooling_the_correct_feature_map_gives_the_same_pooled_map():
    # The printed feature map has a wrong 1 at (2, 2) (the right value is 0; see
    # test_conv.py). It sits in the window rows 2-3, columns 2-3, whose maximum is 2 either
    # way, so the pooled map printed in the notes is right even though its source is not.
    image, detector = load_example("seven_by_seven_image"), load_example("feature_detector")
    fmap = correlate2d(image, detector)
    assert fmap[2, 2] == 0
    pooled = max_pool2d(fmap, 2, ceil_mode=True)
    np.testing.assert_array_equal(pooled, load_example("pooled_feature_map_printed"))


def test_seed_003_max_pooling_of_the_filter_1_map():
    # the 4x4 map of Filter 1 (seed 003) max-pooled 2x2:
    #   [3, -1 | -3, -1]
    #   [-3, 1 |  0, -3]   -> max(3, -1, -3, 1) = 3, max(-3, -1, 0, -3) = 0
    #   [-3, -3 | 0, 1]
    #   [3, -2 | -2, -1]   -> max(-3, -3, 3, -2) = 3, max(0, 1, -2, -1) = 1
    fmap = load_example("filter1_feature_map_printed")
    np.testing.assert_array_equal(max_pool2d(fmap, 2), [[3, 0], [3, 1]])


def test_seed_001_max_pool_halves_256x256x64():
    x = np.zeros((1, 256, 256, 64), dtype=np.float32)
    assert max_pool2d(x, 2, stride=2).shape == (1, 128, 128, 64)
    assert max_pool2d(x[0], 2).shape == (128, 128, 64)


def test_keras_mnist_pooling_shapes():
    # MaxPooling2D((2, 2)): 26 -> 13 and 11 -> 5 (floor: the last row/column of 11 is dropped)
    assert max_pool2d(np.zeros((2, 26, 26, 32)), 2).shape == (2, 13, 13, 32)
    assert max_pool2d(np.zeros((2, 11, 11, 64)), 2).shape == (2, 5, 5, 64)


# ------------------------------------------------------------------ dtypes


def _pool_calls(dtype):
    x = np.arange(2 * 5 * 5 * 2).reshape(2, 5, 5, 2).astype(dtype)
    dout = np.ones((2, 3, 3, 2), dtype=dtype)
    kw = {"pool_size": 2, "ceil_mode": True}
    return {
        "max_pool2d": lambda: max_pool2d(x, **kw),
        "avg_pool2d": lambda: avg_pool2d(x, **kw),
        "max_pool2d_naive": lambda: max_pool2d_naive(x, **kw),
        "avg_pool2d_naive": lambda: avg_pool2d_naive(x, **kw),
        "max_pool2d_backward": lambda: max_pool2d_backward(dout, x, **kw),
        "avg_pool2d_backward": lambda: avg_pool2d_backward(dout, x, **kw),
    }


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (bool, np.float64),
    ],
)
@pytest.mark.parametrize(
    "name",
    [
        "max_pool2d",
        "avg_pool2d",
        "max_pool2d_naive",
        "avg_pool2d_naive",
        "max_pool2d_backward",
        "avg_pool2d_backward",
    ],
)
def test_output_dtype_follows_input(name, dtype, expected):
    assert _pool_calls(dtype)[name]().dtype == expected


# ------------------------------------------------------------------ bad input

POOL_FUNCTIONS = {
    "max_pool2d": max_pool2d,
    "avg_pool2d": avg_pool2d,
    "max_pool2d_naive": max_pool2d_naive,
    "avg_pool2d_naive": avg_pool2d_naive,
    "max_pool2d_backward": lambda x, *a, **k: max_pool2d_backward(np.ones((2, 2)), x, *a, **k),
    "avg_pool2d_backward": lambda x, *a, **k: avg_pool2d_backward(np.ones((2, 2)), x, *a, **k),
}


@pytest.mark.parametrize("name", sorted(POOL_FUNCTIONS))
@pytest.mark.parametrize(
    ("x", "kwargs", "error", "match"),
    [
        (np.ones(4), {"pool_size": 2}, ValueError, r"x must be 2-D or 3-D or 4-D .*got a 1-D"),
        (np.ones((1,) * 5), {"pool_size": 1}, ValueError, r"got a 5-D array of shape"),
        (np.ones((0, 4)), {"pool_size": 2}, ValueError, r"x is empty \(shape \(0, 4\)\)"),
        ("map", {"pool_size": 2}, TypeError, r"x must be a numeric array, got str 'map'"),
        (np.full((4, 4), "a"), {"pool_size": 2}, TypeError, r"got an array of dtype <U1"),
        (np.ones((4, 4), dtype=object), {"pool_size": 2}, TypeError, r"dtype object"),
        (np.ones((4, 4)) * 1j, {"pool_size": 2}, TypeError, r"x must be real-valued"),
        (np.ones((4, 4)), {"pool_size": 0}, ValueError, r"pool_size must be at least 1, got 0"),
        (
            np.ones((4, 4)),
            {"pool_size": 2.0},
            TypeError,
            r"pool_size must be an integer, got float",
        ),
        (
            np.ones((4, 4)),
            {"pool_size": (2, 2, 2)},
            ValueError,
            r"pool_size must be an int or a pair",
        ),
        (np.ones((4, 4)), {"pool_size": 2, "stride": 0}, ValueError, r"stride must be at least 1"),
        (np.ones((4, 4)), {"pool_size": 2, "stride": -1}, ValueError, r"stride must be at least 1"),
        (np.ones((4, 4)), {"pool_size": 2, "stride": 1.5}, TypeError, r"stride must be an integer"),
        (
            np.ones((4, 4)),
            {"pool_size": 2, "padding": -1},
            ValueError,
            r"padding must be at least 0",
        ),
        (
            np.ones((4, 4)),
            {"pool_size": 2, "padding": 2},
            ValueError,
            r"padding \(2, 2\) is more than half the pool size \(2, 2\)",
        ),
        (
            np.ones((2, 2)),
            {"pool_size": 3},
            ValueError,
            r"pool size 3x3 does not fit in a 2x2 input with padding \(0, 0\)",
        ),
        (
            np.ones((4, 2)),
            {"pool_size": (2, 3)},
            ValueError,
            r"pool size 2x3 does not fit in a 4x2 input.*no columns",
        ),
        (
            np.ones((4, 4)),
            {"pool_size": 2, "ceil_mode": 1},
            TypeError,
            r"ceil_mode must be True or",
        ),
        (np.ones((4, 4)), {"pool_size": 2, "ceil_mode": "yes"}, TypeError, r"got 'yes'"),
    ],
)
def test_pooling_rejects_bad_arguments(name, x, kwargs, error, match):
    with pytest.raises(error, match=match):
        POOL_FUNCTIONS[name](x, **kwargs)


@pytest.mark.parametrize("fn", [avg_pool2d, avg_pool2d_backward])
def test_count_include_pad_must_be_a_bool(fn):
    args = (np.ones((2, 2)), np.ones((4, 4))) if fn is avg_pool2d_backward else (np.ones((4, 4)),)
    with pytest.raises(TypeError, match=r"count_include_pad must be True or False, got 1"):
        fn(*args, 2, count_include_pad=1)


def test_avg_pool2d_naive_checks_count_include_pad():
    with pytest.raises(TypeError, match=r"count_include_pad must be True or False"):
        avg_pool2d_naive(np.ones((4, 4)), 2, count_include_pad=1)


@pytest.mark.parametrize("fn", [max_pool2d_backward, avg_pool2d_backward])
def test_dout_of_the_wrong_shape_is_rejected(fn):
    x = np.ones((1, 4, 4, 2))
    with pytest.raises(
        ValueError, match=r"dout must have the shape of the pooled output \(1, 2, 2, 2\), got"
    ):
        fn(np.ones((1, 3, 3, 2)), x, 2)
    with pytest.raises(ValueError, match=r"pooled output \(1, 3, 3, 2\), got \(1, 2, 2, 2\)"):
        fn(np.ones((1, 2, 2, 2)), x, 2, ceil_mode=False, stride=1)
    with pytest.raises(TypeError, match=r"dout must be a numeric array"):
        fn("dout", x, 2)
    with pytest.raises(ValueError, match=r"dout must be 2-D or 3-D or 4-D"):
        fn(np.ones(4), x, 2)


# ------------------------------------------------------------------ PyTorch's edge: pool > input


def test_ceil_mode_pool_larger_than_the_input_gives_one_window_as_in_pytorch():
    # PyTorch: out = floor((n + 2p - k + (s - 1)) / s) + 1. n = 1, k = 2, s = 2:
    # floor((1 - 2 + 1) / 2) + 1 = 1 window, starting on the one real cell.
    np.testing.assert_array_equal(max_pool2d([[7.0]], 2, ceil_mode=True), [[7.0]])
    np.testing.assert_array_equal(avg_pool2d([[6.0]], 2, ceil_mode=True), [[6.0]])
    # n = 3, k = 4, s = 2: floor((3 - 4 + 1) / 2) + 1 = 1 window over the 3x3 input
    assert max_pool2d(np.arange(9.0).reshape(3, 3), 4, stride=2, ceil_mode=True).tolist() == [[8.0]]


# ------------------------------------------------------------------ PyTorch, when installed


def test_pooling_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    _compare_with_pytorch(torch)


@given(case=pool_cases(values="ties"))
@settings(max_examples=60)
def _compare_with_pytorch(torch, case):
    functional = torch.nn.functional
    x, kw, cip = case["x"], _kwargs(case), case["count_include_pad"]
    pool, stride, padding, ceil_mode = _args(case)
    xb = _as_batch(x)
    tx = torch.tensor(np.ascontiguousarray(xb.transpose(0, 3, 1, 2)), requires_grad=True)
    t_max = functional.max_pool2d(tx, pool, stride, padding, ceil_mode=ceil_mode)
    t_avg = functional.avg_pool2d(
        tx, pool, stride, padding, ceil_mode=ceil_mode, count_include_pad=cip
    )

    def nhwc(t):
        return t.detach().numpy().transpose(0, 2, 3, 1)

    _assert_close(_as_batch(max_pool2d(x, **kw)), nhwc(t_max))
    _assert_close(_as_batch(avg_pool2d(x, **kw, count_include_pad=cip)), nhwc(t_avg))
    rng = np.random.default_rng(case["seed"] + 1)
    for t_out, backward in ((t_max, max_pool2d_backward), (t_avg, avg_pool2d_backward)):
        dout = rng.standard_normal(nhwc(t_out).shape)
        tx.grad = None
        t_out.backward(torch.tensor(np.ascontiguousarray(dout.transpose(0, 3, 1, 2))))
        extra = {} if backward is max_pool2d_backward else {"count_include_pad": cip}
        dx = backward(dout.reshape(_out_shape_like(x, dout)), x, **kw, **extra)
        _assert_close(_as_batch(dx), nhwc(tx.grad))


def _out_shape_like(x, dout_batch):
    """dout in the layout of x: (H, W), (H, W, C) or (N, H, W, C)."""
    n, oh, ow, c = dout_batch.shape
    return {2: (oh, ow), 3: (oh, ow, c), 4: (n, oh, ow, c)}[x.ndim]


# ------------------------------------------------------------------ NaN, geometry and limits

from cnn_utils.pooling import PoolGeometry, pool_geometry  # noqa: E402


def test_a_window_holding_nan_gets_a_nan_gradient_in_max_pooling():
    x = np.arange(16.0).reshape(4, 4)
    x[0, 1] = np.nan
    dx = max_pool2d_backward(np.ones((2, 2)), x, 2)
    assert np.isnan(dx[:2, :2]).all()  # the whole top-left window: its maximum is undefined
    assert not np.isnan(dx[:, 2:]).any()
    assert not np.isnan(dx[2:, :]).any()
    np.testing.assert_array_equal(dx[2:, 2:], [[0.0, 0.0], [0.0, 1.0]])
    assert np.isnan(max_pool2d(x, 2)[0, 0])


@pytest.mark.parametrize("backward", [max_pool2d_backward, avg_pool2d_backward])
def test_nan_in_dout_reaches_every_cell_of_its_window(backward):
    x = np.arange(16.0).reshape(4, 4)
    dout = np.ones((2, 2))
    dout[1, 0] = np.nan
    dx = backward(dout, x, 2)
    assert np.isnan(dx[2:, :2]).all()
    assert not np.isnan(dx[:2]).any()


def test_nan_in_an_overlapping_window_spreads_only_to_that_window():
    x = np.zeros((1, 5, 5, 1))
    x[0, 0, 0, 0] = np.nan
    dx = max_pool2d_backward(np.ones((1, 2, 2, 1)), x, 3, stride=2)
    assert np.isnan(dx[0, :3, :3, 0]).all()
    assert not np.isnan(dx[0, 3:, :, 0]).any()
    assert not np.isnan(dx[0, :, 3:, 0]).any()


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_pool_geometry_is_the_shape_of_the_pooled_output(h, w, k, s, ceil_mode):
    x = np.zeros((h, w))
    try:
        out = max_pool2d(x, k, s, ceil_mode=ceil_mode)
    except ValueError:
        with pytest.raises(ValueError, match="does not fit"):
            pool_geometry((h, w), k, s, ceil_mode=ceil_mode)
        return
    g = pool_geometry((h, w), k, s, ceil_mode=ceil_mode)
    assert isinstance(g, PoolGeometry)
    assert g.output_size == out.shape


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_numpy_numbers_and_0d_arrays_are_accepted_as_pool_sizes(fn):
    x = np.arange(36.0).reshape(6, 6)
    expected = fn(x, 2, stride=2)
    for pool_size, stride in [(np.array(2), np.array(2)), (np.int64(2), np.uint16(2))]:
        np.testing.assert_array_equal(fn(x, pool_size, stride), expected)
    np.testing.assert_array_equal(fn(x, 2, 2, ceil_mode=np.bool_(False)), expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"stride": 2**64}, r"stride must be at most 1048576"),
        ({"pool_size": 2**64}, r"pool_size must be at most 1048576"),
        ({"padding": 10**5}, r"padding \(100000, 100000\) is more than half the pool size"),
    ],
)
@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_oversized_pooling_arguments_get_a_value_error(fn, kwargs, match):
    args = {"pool_size": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        fn(np.ones((4, 4)), **args)


def test_pooling_that_would_loop_for_minutes_is_refused():
    x = np.zeros((1, 1024, 1024, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"1024x1024 window would take 1,048,576 loop steps"):
        max_pool2d(x, 1024)
    with pytest.raises(ValueError, match=r"max_pool2d_naive on a 5x64x64x16 batch would take"):
        max_pool2d_naive(np.zeros((5, 64, 64, 16)), 1, 1)
