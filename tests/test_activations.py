"""Flattening, ReLU, softmax and cross-entropy (cnn_utils.activations).

Oracles: plain Python loops with the math module (for logits small enough that
the textbook formulas do not overflow), hand derivations, and finite
differences for the gradients.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils import (
    cross_entropy,
    flatten,
    numerical_gradient,
    relative_error,
    relu,
    relu_backward,
    softmax,
    softmax_cross_entropy_backward,
)

EPS = 2.0**-20


def _softmax_loop(row):
    exps = [math.exp(v) for v in row]
    total = math.fsum(exps)
    return [e / total for e in exps]


def _cross_entropy_loop(logits, labels):
    losses = [-math.log(_softmax_loop(row)[y]) for row, y in zip(logits, labels, strict=True)]
    return math.fsum(losses) / len(losses)


@st.composite
def logits_and_labels(draw, low=-10.0, high=10.0):
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, (n, k)), rng.integers(0, k, n)


# ------------------------------------------------------------------ flatten


def test_flatten_reads_row_by_row_then_channels():
    x = np.arange(2 * 3 * 2 * 4).reshape(2, 3, 2, 4)
    out = flatten(x)
    assert out.shape == (2, 24)
    for n in range(2):
        expected = [x[n, i, j, c] for i in range(3) for j in range(2) for c in range(4)]
        np.testing.assert_array_equal(out[n], expected)


def test_flatten_sizes_of_the_notes():
    # seed 001: a 7x7x5 output flattens into 7 * 7 * 5 = 245 features
    assert flatten(np.zeros((1, 7, 7, 5))).shape == (1, 245)
    assert flatten(np.zeros((7, 7, 5)), batch=False).shape == (245,)
    # seed 004: Flatten after the last 3x3x64 convolution: 576
    assert flatten(np.zeros((64, 3, 3, 64))).shape == (64, 576)


def test_flatten_without_batch_keeps_every_number_in_order():
    pooled = [[1, 1, 0], [4, 2, 1], [0, 2, 1]]
    np.testing.assert_array_equal(flatten(pooled, batch=False), [1, 1, 0, 4, 2, 1, 0, 2, 1])
    np.testing.assert_array_equal(flatten([5.0], batch=False), [5.0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: flatten(np.ones(3)),
            ValueError,
            r"flatten with batch=True needs a batch \(N, \.\.\.\) of at least 2 dimensions, got "
            r"shape \(3,\); use batch=False",
        ),
        (
            lambda: flatten(np.ones((2, 3)), batch=1),
            TypeError,
            r"batch must be True or False, got 1",
        ),
        (lambda: flatten("abc"), TypeError, r"x must be a numeric array, got str"),
        (lambda: flatten(np.ones((0, 3))), ValueError, r"x is empty"),
        (lambda: flatten(np.ones((2, 2)) * 1j), TypeError, r"x must be real-valued"),
    ],
)
def test_flatten_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ relu


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
def test_relu_is_max_of_zero_and_x(values):
    expected = [max(0.0, v) for v in values]
    np.testing.assert_array_equal(relu(values), expected)


def test_relu_by_hand():
    np.testing.assert_array_equal(relu([[-2.0, 0.0], [3.0, -0.5]]), [[0, 0], [3, 0]])


def test_relu_gradient_matches_finite_differences_away_from_zero():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 17, (2, 4, 4, 3)) / 8.0 * rng.choice([-1.0, 1.0], (2, 4, 4, 3))
    dout = rng.standard_normal(x.shape)
    analytic = relu_backward(dout, x)
    numeric = numerical_gradient(lambda v: float(np.sum(relu(v) * dout)), x, eps=EPS)
    assert relative_error(analytic, numeric) < 1e-6
    # and it is dout where x > 0, zero where x < 0
    np.testing.assert_array_equal(analytic, np.where(x > 0, dout, 0.0))


def test_relu_gradient_at_zero_is_zero():
    np.testing.assert_array_equal(relu_backward([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0]), [0, 0, 5])


def test_relu_backward_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"dout has shape \(3,\) but x has shape \(4,\)"):
        relu_backward(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match=r"dout must be a numeric array"):
        relu_backward("dout", np.ones(4))


# ------------------------------------------------------------------ softmax


@given(logits_and_labels())
def test_softmax_agrees_with_the_textbook_formula(data):
    logits, _ = data
    expected = np.array([_softmax_loop(row) for row in logits])
    np.testing.assert_allclose(softmax(logits), expected, rtol=1e-12, atol=1e-15)


@given(logits_and_labels(), st.floats(-1e3, 1e3))
def test_softmax_ignores_a_shift_of_all_logits(data, shift):
    logits, _ = data
    np.testing.assert_allclose(softmax(logits + shift), softmax(logits), rtol=1e-9, atol=1e-12)


def test_softmax_along_another_axis():
    z = np.array([[1.0, 2.0], [3.0, 5.0]])
    columns = softmax(z, axis=0)
    np.testing.assert_allclose(columns[:, 0], _softmax_loop([1.0, 3.0]), rtol=1e-12)
    np.testing.assert_allclose(columns[:, 1], _softmax_loop([2.0, 5.0]), rtol=1e-12)


def test_softmax_of_huge_logits_is_finite_and_right():
    # exp(1e4) overflows; subtracting the maximum first gives exp(0) = 1 and exp(-2e4) = 0
    np.testing.assert_array_equal(softmax([[1e4, -1e4]]), [[1.0, 0.0]])
    np.testing.assert_array_equal(softmax([1000.0, 1000.0]), [0.5, 0.5])
    out32 = softmax(np.array([[1e4, -1e4, 80.0]], dtype=np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_array_equal(out32, [[1.0, 0.0, 0.0]])


@given(logits_and_labels(low=-1e4, high=1e4), st.sampled_from([np.float32, np.float64]))
def test_finite_logits_never_give_nan_or_inf(data, dtype):
    logits, labels = data
    logits = logits.astype(dtype)
    p = softmax(logits)
    assert p.dtype == dtype
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert math.isfinite(cross_entropy(logits, labels))
    assert np.all(np.isfinite(softmax_cross_entropy_backward(logits, labels)))


# ------------------------------------------------------------------ cross-entropy


@given(logits_and_labels())
def test_cross_entropy_agrees_with_the_textbook_formula(data):
    logits, labels = data
    assert cross_entropy(logits, labels) == pytest.approx(
        _cross_entropy_loop(logits, labels), rel=1e-12, abs=1e-12
    )


@given(logits_and_labels())
def test_cross_entropy_from_probabilities(data):
    logits, labels = data
    probs = np.array([_softmax_loop(row) for row in logits])
    expected = -math.fsum(math.log(probs[i, y]) for i, y in enumerate(labels)) / len(labels)
    got = cross_entropy(probs, labels, from_logits=False)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert got == pytest.approx(cross_entropy(logits, labels), rel=1e-9, abs=1e-12)


def test_cross_entropy_by_hand():
    # two equal logits: p = 1/2 for each class, loss log 2
    assert cross_entropy([[0.0, 0.0]], [1]) == pytest.approx(math.log(2), rel=1e-15)
    # probabilities 0.25 / 0.75 and label 1: -log 0.75
    assert cross_entropy([[0.25, 0.75]], [1], from_logits=False) == pytest.approx(
        -math.log(0.75), rel=1e-15
    )
    # the mean over the batch: log 2 and -log 0.75 average
    assert cross_entropy([[0.5, 0.5], [0.25, 0.75]], [0, 1], from_logits=False) == pytest.approx(
        (math.log(2) - math.log(0.75)) / 2, rel=1e-15
    )
    assert isinstance(cross_entropy([[0.0, 0.0]], [1]), float)


def test_cross_entropy_of_huge_logits_is_finite_and_right():
    # log-sum-exp of (1e4, -1e4) is 1e4 (+ log(1 + e^-2e4), which is 0 in float64):
    # label 0 costs 1e4 - 1e4 = 0, label 1 costs 1e4 - (-1e4) = 2e4
    assert cross_entropy([[1e4, -1e4]], [0]) == 0.0
    assert cross_entropy([[1e4, -1e4]], [1]) == 2e4
    np.testing.assert_array_equal(softmax_cross_entropy_backward([[1e4, -1e4]], [1]), [[1, -1]])


def test_cross_entropy_of_a_zero_probability_is_large_but_finite():
    # the docstring's rule: probabilities are clipped to [1e-12, 1], so a zero costs -log(1e-12)
    loss = cross_entropy([[0.0, 1.0]], [0], from_logits=False)
    assert math.isfinite(loss)
    assert loss == pytest.approx(-math.log(1e-12), rel=1e-12)


@given(logits_and_labels(low=-3.0, high=3.0))
def test_softmax_cross_entropy_gradient_matches_finite_differences(data):
    logits, labels = data
    analytic = softmax_cross_entropy_backward(logits, labels)
    numeric = numerical_gradient(lambda z: cross_entropy(z, labels), logits)
    assert analytic.shape == logits.shape
    assert relative_error(analytic, numeric) < 1e-6


def test_softmax_cross_entropy_gradient_by_hand():
    # (softmax - one_hot) / N: softmax of [0, 0] is [1/2, 1/2]; label 1: [1/2, -1/2]
    np.testing.assert_array_equal(softmax_cross_entropy_backward([[0.0, 0.0]], [1]), [[0.5, -0.5]])
    # two rows: each divided by N = 2, and each row sums to zero
    g = softmax_cross_entropy_backward([[0.0, 0.0], [0.0, 0.0]], [0, 1])
    np.testing.assert_array_equal(g, [[-0.25, 0.25], [0.25, -0.25]])


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_output_dtype_follows_input(dtype, expected):
    x = np.array([[1, -2, 3]], dtype=dtype)
    assert relu(x).dtype == expected
    assert relu_backward(x, x).dtype == expected
    assert softmax(x).dtype == expected
    assert flatten(x).dtype == expected
    assert softmax_cross_entropy_backward(x, [0]).dtype == expected


# ------------------------------------------------------------------ bad input

SCORES = np.zeros((2, 3))


@pytest.mark.parametrize("fn", [cross_entropy, softmax_cross_entropy_backward])
@pytest.mark.parametrize(
    ("scores", "labels", "error", "match"),
    [
        (
            SCORES,
            [0, 3],
            ValueError,
            r"labels must lie in 0\.\.2 for 3 classes, got values from 0 to 3",
        ),
        (SCORES, [-1, 0], ValueError, r"labels must lie in 0\.\.2 .*from -1 to 0"),
        (
            SCORES,
            [0.0, 1.0],
            TypeError,
            r"labels must be integer class indices, got an array of dtype float64",
        ),
        (SCORES, [True, False], TypeError, r"labels must be integer class indices, got .*bool"),
        (SCORES, ["a", "b"], TypeError, r"labels must be integer class indices"),
        (SCORES, np.array([0, 1], dtype=object), TypeError, r"dtype object"),
        (
            SCORES,
            [0, 1, 2],
            ValueError,
            r"labels must have shape \(2,\) \(one per sample\), got \(3,\)",
        ),
        (SCORES, [[0], [1]], ValueError, r"labels must have shape \(2,\) .*got \(2, 1\)"),
        (SCORES, 1, ValueError, r"labels must have shape \(2,\) .*got \(\)"),
        (
            np.zeros(3),
            [0],
            ValueError,
            r"must be 2-D \(N, classes\), got a 1-D array of shape \(3,\)",
        ),
        (np.zeros((1, 2, 3)), [0], ValueError, r"must be 2-D \(N, classes\), got a 3-D"),
        (np.zeros((0, 3)), [], ValueError, r"is empty \(shape \(0, 3\)\)"),
        ("scores", [0], TypeError, r"must be a numeric array, got str"),
        (SCORES + 1j, [0, 1], TypeError, r"must be real-valued"),
    ],
)
def test_losses_reject_bad_input(fn, scores, labels, error, match):
    with pytest.raises(error, match=match):
        fn(scores, labels)


def test_softmax_rejects_bad_input():
    with pytest.raises(TypeError, match=r"z must be a numeric array, got str"):
        softmax("logits")
    with pytest.raises(ValueError, match=r"z is empty"):
        softmax(np.ones((0, 3)))
    with pytest.raises(TypeError, match=r"z must be real-valued"):
        softmax(np.ones(3) * 1j)


@pytest.mark.parametrize(
    ("axis", "error", "match"),
    [
        (2, ValueError, r"axis 2 is out of range for a 2-D array; allowed: -2 to 1"),
        (-3, ValueError, r"axis -3 is out of range"),
        ("1", TypeError, r"axis must be an integer, got str '1'"),
        (1.0, TypeError, r"axis must be an integer, got float 1.0"),
        (None, TypeError, r"axis must be an integer, got NoneType"),
    ],
)
def test_softmax_rejects_an_axis_the_input_does_not_have(axis, error, match):
    with pytest.raises(error, match=match):
        softmax(np.ones((2, 3)), axis=axis)


def test_softmax_accepts_numpy_integers_as_axis():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(softmax(z, axis=np.int64(0)), softmax(z, axis=0))
    np.testing.assert_array_equal(softmax(z, axis=np.array(-1)), softmax(z, axis=1))


def test_softmax_of_a_single_number_is_refused():
    with pytest.raises(ValueError, match=r"at least one axis"):
        softmax(3.0)


def test_ragged_labels_get_a_type_error():
    with pytest.raises(TypeError, match=r"labels must be integer class indices"):
        cross_entropy(np.zeros((2, 3)), [[0], [1, 2]])
