"""The gradient oracle itself (cnn_utils.gradcheck).

``numerical_gradient`` is checked on functions whose gradients are known in
closed form, and on a cubic, where the central difference has a known error
(``eps**2`` for ``x**3``) that a forward difference would not have.
``relative_error`` is checked against values worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils import numerical_gradient, relative_error


def _random(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


shapes = st.sampled_from([(1,), (5,), (3, 4), (2, 3, 2), (1, 2, 2, 3)])


@given(shapes, st.integers(0, 2**32 - 1))
def test_gradient_of_a_sum_of_squares_is_twice_x(shape, seed):
    x = _random(seed, shape)
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6, atol=1e-8)


@given(shapes, st.integers(0, 2**32 - 1))
def test_gradient_of_a_linear_function_is_its_weights(shape, seed):
    x, a = _random(seed, shape), _random(seed + 1, shape)
    g = numerical_gradient(lambda v: float(np.sum(a * v)), x)
    np.testing.assert_allclose(g, a, rtol=1e-6, atol=1e-8)


@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_gradient_of_a_quadratic_form(n, seed):
    # f(x) = x^T A x has gradient (A + A^T) x
    x, a = _random(seed, (n,)), _random(seed + 1, (n, n))
    g = numerical_gradient(lambda v: float(v @ a @ v), x)
    np.testing.assert_allclose(g, (a + a.T) @ x, rtol=1e-6, atol=1e-8)


def test_gradient_of_sin_and_exp():
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x), rtol=1e-8, atol=1e-9
    )
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.sum(np.exp(v))), x), np.exp(x), rtol=1e-8
    )


def test_gradient_of_a_product():
    # d/dx_i of x_0 * x_1 * x_2 is the product of the other two
    x = np.array([2.0, -3.0, 0.5])
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.prod(v)), x), [-1.5, 1.0, -6.0], rtol=1e-8
    )


def test_it_is_a_central_difference():
    # (f(x + e) - f(x - e)) / 2e for f = x^3 is ((x+e)^3 - (x-e)^3) / 2e = 3x^2 + e^2 exactly;
    # a forward difference would give 3x^2 + 3xe + e^2.
    eps = 1e-2
    x = np.array([1.0, 2.0, -1.5])
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x, eps=eps)
    np.testing.assert_allclose(g, 3 * x**2 + eps**2, rtol=1e-10)


def test_the_function_sees_one_changed_element_at_a_time_and_x_is_unchanged():
    x = np.arange(6.0).reshape(2, 3)
    original = x.copy()
    seen = []

    def f(v):
        seen.append(int(np.count_nonzero(v != original)))
        return float(np.sum(v))

    numerical_gradient(f, x)
    assert len(seen) == 2 * x.size
    assert set(seen) == {1}
    np.testing.assert_array_equal(x, original)


def test_integer_and_float32_input_give_a_float64_gradient():
    g = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2, 4, 6], rtol=1e-8)
    g32 = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1.5], dtype=np.float32))
    assert g32.dtype == np.float64
    np.testing.assert_allclose(g32, [3.0], rtol=1e-8)


def test_numpy_scalars_are_accepted_as_return_values():
    g = numerical_gradient(lambda v: np.sum(v**2), np.array([1.0, -1.0]))
    np.testing.assert_allclose(g, [2.0, -2.0], rtol=1e-8)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: numerical_gradient(3, np.ones(2)),
            TypeError,
            r"f must be a function of an array returning a number, got int",
        ),
        (
            lambda: numerical_gradient(np.sum, np.ones(2), eps=0),
            ValueError,
            r"eps must be positive, got 0",
        ),
        (
            lambda: numerical_gradient(np.sum, np.ones(2), eps=-1e-6),
            ValueError,
            r"eps must be positive",
        ),
        (
            lambda: numerical_gradient(np.sum, np.ones(2), eps="a"),
            TypeError,
            r"eps must be a number, got 'a'",
        ),
        (
            lambda: numerical_gradient(np.sum, np.ones(2), eps=True),
            TypeError,
            r"eps must be a number",
        ),
        (
            lambda: numerical_gradient(lambda v: "a", np.ones(2)),
            TypeError,
            r"f must return a number, got str 'a'",
        ),
        (
            lambda: numerical_gradient(lambda v: v * 2, np.ones(2)),
            TypeError,
            r"f must return a number, got ndarray",
        ),
        (
            lambda: numerical_gradient(lambda v: np.nan, np.ones(2)),
            ValueError,
            r"f returned nan at x; finite differences need finite values",
        ),
        (
            lambda: numerical_gradient(lambda v: math.inf, np.ones(2)),
            ValueError,
            r"f returned inf",
        ),
        (
            lambda: numerical_gradient(np.sum, "abc"),
            TypeError,
            r"x must be a numeric array, got str",
        ),
        (lambda: numerical_gradient(np.sum, np.ones((0, 2))), ValueError, r"x is empty"),
        (lambda: numerical_gradient(np.sum, np.ones(2) * 1j), TypeError, r"x must be real-valued"),
    ],
)
def test_numerical_gradient_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ relative_error


def test_relative_error_by_hand():
    # |1 - 1.1| / (|1| + |1.1|) = 0.1 / 2.1
    assert relative_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1, rel=1e-12)
    # the largest over the elements: 0 for the first, 2 / 4 = 0.5 for the second
    assert relative_error([1.0, 1.0], [1.0, 3.0]) == pytest.approx(0.5, rel=1e-12)
    # opposite signs give the maximum, 1
    assert relative_error([2.0], [-2.0]) == 1.0
    assert relative_error([[1.0, 2.0]], [[1.0, 2.0]]) == 0.0


def test_relative_error_of_two_zeros_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.floats(1e-3, 1e3))
def test_relative_error_is_symmetric_and_scale_free(n, seed, scale):
    a, b = _random(seed, (n,)), _random(seed + 1, (n,))
    assert relative_error(a, b) == relative_error(b, a)
    assert relative_error(a * scale, b * scale) == pytest.approx(relative_error(a, b), rel=1e-9)
    assert 0.0 <= relative_error(a, b) <= 1.0


def test_relative_error_returns_a_python_float():
    assert type(relative_error(np.float32([1.0]), np.float32([2.0]))) is float


def test_relative_error_rejects_bad_input():
    with pytest.raises(
        ValueError, match=r"a and b must have the same shape, got \(2,\) and \(3,\)"
    ):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match=r"a must be a numeric array, got str"):
        relative_error("a", np.ones(2))
    with pytest.raises(ValueError, match=r"b is empty"):
        relative_error(np.ones(2), np.ones(0))


@pytest.mark.parametrize("eps", [np.int64(1), np.float32(0.5), np.array(0.25), 1])
def test_eps_may_be_any_positive_number(eps):
    g = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1.0, -2.0]), eps=eps)
    # the central difference of a quadratic is exact for any step
    np.testing.assert_allclose(g, [2.0, -4.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("eps", "error", "match"),
    [
        (np.nan, ValueError, r"eps must be a number, got NaN"),
        (np.inf, ValueError, r"eps must be finite"),
        (np.array([1e-6]), TypeError, r"eps must be a number"),
        (np.bool_(True), TypeError, r"eps must be a number"),
    ],
)
def test_eps_that_is_not_a_positive_finite_number_is_refused(eps, error, match):
    with pytest.raises(error, match=match):
        numerical_gradient(np.sum, np.ones(2), eps=eps)


def test_a_huge_x_is_refused_before_any_call_of_f():
    calls = []

    def f(v):
        calls.append(1)
        return 0.0

    with pytest.raises(ValueError, match=r"x has 1,000,000 elements; .* at most 32,768"):
        numerical_gradient(f, np.zeros(10**6))
    assert calls == []
