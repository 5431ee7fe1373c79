"""Output sizes and parameter counts (cnn_utils.shapes).

The oracle for ``output_size`` is a brute-force count of window positions
(``_count_windows`` below), written from the rules in words, not from the
closed formula: slide a window along the padded axis in steps of ``stride``
and keep it while it fits; ceil mode also keeps a window that overhangs the
end, as long as the previous window left part of the padded input uncovered,
but never one that would start in the right-hand padding (PyTorch's rule).
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnn_utils import conv_params, dense_params, explain_output_size, output_size


def _count_windows(n, k, s, p_before, p_after, d, ceil_mode):
    eff = d * (k - 1) + 1
    padded = n + p_before + p_after
    count, start = 0, 0
    while True:
        fits = start + eff <= padded
        previous_end = start - s + eff  # one past the last cell the previous window covered
        overhangs_usefully = previous_end < padded and start < n + p_before
        keep = fits or (ceil_mode and overhangs_usefully)
        if not keep:
            return count
        count += 1
        start += s


@st.composite
def _axis_configs(draw):
    k = draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    s = draw(st.integers(1, 4))
    ceil_mode = draw(st.booleans())
    if draw(st.booleans()):
        pad = draw(st.integers(0, 3))
        p_before = p_after = pad
    else:
        p_before, p_after = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        pad = (p_before, p_after)
    eff = d * (k - 1) + 1
    n = draw(st.integers(max(1, eff - p_before - p_after), eff + 12))
    return n, k, s, pad, p_before, p_after, d, ceil_mode


# ------------------------------------------------------------------ output_size


@given(_axis_configs())
def test_output_size_counts_the_window_positions(config):
    n, k, s, pad, p0, p1, d, ceil_mode = config
    # ceil mode is a pooling option and pooling pads at most half the window (PyTorch);
    # larger paddings in ceil mode are tested separately below
    assume(not ceil_mode or max(p0, p1) <= (d * (k - 1) + 1) // 2)
    expected = _count_windows(n, k, s, p0, p1, d, ceil_mode)
    assert output_size(n, k, s, pad, d, ceil_mode) == expected


@given(_axis_configs())
def test_ceil_mode_adds_at_most_one_window(config):
    n, k, s, pad, p0, p1, d, _ = config
    assume(max(p0, p1) <= (d * (k - 1) + 1) // 2)
    floor = output_size(n, k, s, pad, d, ceil_mode=False)
    ceil = output_size(n, k, s, pad, d, ceil_mode=True)
    assert floor <= ceil <= floor + 1


@given(_axis_configs())
def test_explanation_result_is_the_output_size(config):
    n, k, s, pad, _, _, d, ceil_mode = config
    explanation = explain_output_size(n, k, s, pad, d, ceil_mode)
    assert explanation.result == output_size(n, k, s, pad, d, ceil_mode)
    assert str(n) in str(explanation)


def test_output_sizes_of_the_notes():
    # seed 004: a 3x3 kernel slides 7 - 3 + 1 = 5 times across 7 cells at stride 1,
    # and at stride 2 starts at 0, 2, 4 (the next start, 6, would overhang): 3.
    assert output_size(7, 3, stride=1) == 5
    assert output_size(7, 3, stride=2) == 3
    # seed 000: 6x6 image, 3x3 filter: 4x4 at stride 1; stride 2 starts at 0 and 2: 2x2.
    assert output_size(6, 3) == 4
    assert output_size(6, 3, stride=2) == 2
    # seed 001: 256 - 3 + 1 = 254; one pixel of zeros on each side: 258 - 3 + 1 = 256.
    assert output_size(256, 3) == 254
    assert output_size(256, 3, padding=1) == 256
    # seed 001: a 2x2 max pool with stride 2 halves 256: 128.
    assert output_size(256, 2, stride=2) == 128
    # seed 002: "same" padding p = (f - 1) / 2 keeps n: n + 2p - f + 1 = n.
    for f in (1, 3, 5, 7):
        assert output_size(6, f, padding=(f - 1) // 2) == 6


def test_keras_mnist_model_sizes_chain():
    # seed 004's model.summary(): 28 -conv3-> 26 -pool2-> 13 -conv3-> 11 -pool2-> 5 -conv3-> 3
    sizes = [28]
    for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2), (3, 1)):
        sizes.append(output_size(sizes[-1], kernel, stride))
    assert sizes == [28, 26, 13, 11, 5, 3]


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding():
    # n = 5, pool 2, stride 2, padding 1: the padded axis has 7 cells, p r r r r r p
    # (indices 0..6). Windows start at 0, 2, 4 and cover cells 0-1, 2-3, 4-5. Cell 6 is
    # still uncovered, so the ceil formula ceil((7 - 2) / 2) + 1 = 4 asks for a fourth
    # window at 6 - but cell 6 is the right padding: the window would see no input.
    # PyTorch drops it: 3 windows, not 4.
    assert output_size(5, 2, stride=2, padding=1, ceil_mode=True) == 3
    explanation = explain_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    assert explanation.dropped_window
    # Without padding the extra ceil-mode window starts at 4, on a real cell: kept.
    assert output_size(5, 2, stride=2, ceil_mode=True) == 3
    assert not explain_output_size(5, 2, stride=2, ceil_mode=True).dropped_window
    # n = 3, pool 2, stride 2, padding 1: p r r r p, starts 0 and 2; ceil asks for a third
    # at 4 = the right padding: dropped, so ceil mode gives the same 2 as floor mode.
    assert output_size(3, 2, stride=2, padding=1, ceil_mode=True) == 2
    assert output_size(3, 2, stride=2, padding=1, ceil_mode=False) == 2


def test_ceil_mode_never_gives_fewer_windows_than_floor_mode():
    # n = 1, kernel 1, padding 1: the padded axis p r p has three 1-cell windows, and floor
    # mode counts all three (two of them see only padding). Ceil mode has nothing to add:
    # the windows already reach the end, so it must also give 3. The dropping rule is
    # meant for the one extra window ceil mode adds, not for windows that fit.
    assert output_size(1, 1, padding=1) == 3
    assert output_size(1, 1, padding=1, ceil_mode=True) == 3
    # n = 2: p r r p, four 1-cell windows in floor mode; ceil mode must not lose one.
    assert output_size(2, 1, padding=1, ceil_mode=True) == 4


def test_ceil_mode_keeps_the_half_empty_window_of_the_notes():
    # seed 001: a 2x2, stride-2 pool over the 5x5 feature map. Floor: starts 0 and 2 (a
    # window at 4 would overhang), 2 per axis. Ceil: the window at 4 holds one real
    # column and is kept, 3 per axis.
    assert output_size(5, 2, stride=2) == 2
    assert output_size(5, 2, stride=2, ceil_mode=True) == 3


def test_dilation_widens_the_kernel():
    # a 3-tap kernel with dilation 2 covers 2 * (3 - 1) + 1 = 5 cells: 7 - 5 + 1 = 3
    assert output_size(7, 3, dilation=2) == 3
    explanation = explain_output_size(7, 3, dilation=2)
    assert explanation.effective_kernel == 5


def test_explanation_counts_uncovered_cells():
    # n = 8, kernel 3, stride 2: windows at 0, 2, 4 cover cells 0..6; cell 7 is never seen.
    explanation = explain_output_size(8, 3, stride=2)
    assert (explanation.result, explanation.last_covered, explanation.dropped) == (3, 6, 1)
    # n = 7: windows at 0, 2, 4 cover 0..6, everything.
    assert explain_output_size(7, 3, stride=2).dropped == 0


def _evaluate_latex(latex):
    """Turn the explanation's LaTeX into Python arithmetic: 'lhs = rhs' -> (lhs, rhs)."""
    text = latex.replace(r"\left\lfloor", "math.floor(").replace(r"\right\rfloor", ")")
    text = text.replace(r"\left\lceil", "math.ceil(").replace(r"\right\rceil", ")")
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1) / (\2))", text)
    text = re.sub(r"(\d)\(", r"\1*(", text)  # "2(3 - 1)" means 2 * (3 - 1)
    lhs, rhs = text.rsplit("=", 1)
    assert re.fullmatch(r"[\d\s+\-*/().a-z]*", lhs), f"unexpected LaTeX: {latex}"
    return eval(lhs, {"math": math}), int(rhs)  # digits and math.floor/ceil only


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil_mode"),
    [
        (7, 3, 1, 0, 1, False),
        (7, 3, 2, 0, 1, False),
        (8, 3, 2, 1, 1, False),
        (7, 3, 1, 0, 2, False),
        (5, 2, 2, 0, 1, True),
        (6, 3, 2, (1, 2), 1, True),
    ],
)
def test_latex_formula_evaluates_to_the_result(n, k, s, p, d, ceil_mode):
    explanation = explain_output_size(n, k, s, p, d, ceil_mode)
    lhs, rhs = _evaluate_latex(explanation.latex())
    assert lhs == rhs == explanation.result


def test_latex_formula_evaluates_to_the_result_when_a_window_is_dropped():
    explanation = explain_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    lhs, rhs = _evaluate_latex(explanation.latex())
    assert lhs == rhs == 3


def test_explanation_steps_mention_the_numbers():
    text = str(explain_output_size(7, 3, stride=2, dilation=2, padding=1))
    # padded 7 + 2 = 9; dilated kernel 2 * (3 - 1) + 1 = 5; room 9 - 5 = 4; 4 // 2 + 1 = 3
    assert "9" in text
    assert "5" in text
    assert "= 3" in text
    assert "markdown" not in text
    md = explain_output_size(7, 3)._repr_markdown_()
    assert md.startswith("$$")


# ------------------------------------------------------------------ parameter counts


def test_seed_001_conv_layer_has_1792_parameters():
    # one neuron sees 3 * 3 * 3 inputs plus a bias: 28 weights; 64 of them: 28 * 64 = 1792
    assert conv_params(3, 3, 64) == 1792
    assert conv_params((3, 3), 3, 64) == 1792


def test_keras_mnist_parameter_counts():
    # seed 004's model.summary():
    # conv 3x3, 1 -> 32:   (3*3*1 + 1) * 32  = 320
    # conv 3x3, 32 -> 64:  (3*3*32 + 1) * 64 = 18,496. The slide annotates it as
    #   "(3x3x3x2+1)x64", which is (54 + 1) * 64 = 3,520: the annotation is wrong, the
    #   number is right (the input depth is 32, not 3x2).
    # conv 3x3, 64 -> 64:  (3*3*64 + 1) * 64 = 36,928
    # dense 3*3*64 = 576 -> 64: (576 + 1) * 64 = 36,928
    # dense 64 -> 10:      (64 + 1) * 10      = 650
    counts = [
        conv_params(3, 1, 32),
        conv_params(3, 32, 64),
        conv_params(3, 64, 64),
        dense_params(576, 64),
        dense_params(64, 10),
    ]
    assert counts == [320, 18_496, 36_928, 36_928, 650]
    assert sum(counts) == 93_322  # "Total params: 93,322"


def test_seed_001_neuron_parameter_counts():
    # one neuron on the whole 256x256x3 image: 196,608 weights + 1 bias
    assert dense_params(256 * 256 * 3, 1) == 196_609
    # a quadrant's neuron: 128 * 128 * 3 + 1 = 49,153; two such neurons: 98,306
    assert conv_params(128, 3, 1) == 49_153
    assert conv_params(128, 3, 2) == 98_306


def test_parameter_counts_without_bias_and_rectangular_kernels():
    assert conv_params((3, 5), 2, 4, bias=False) == 3 * 5 * 2 * 4
    assert conv_params((3, 5), 2, 4) == (3 * 5 * 2 + 1) * 4
    assert dense_params(10, 3, bias=False) == 30


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0, "kernel_size": 3}, ValueError, r"n must be at least 1, got 0"),
        ({"n": 5.0, "kernel_size": 3}, TypeError, r"n must be an integer, got float 5.0"),
        ({"n": True, "kernel_size": 3}, TypeError, r"n must be an integer, got bool"),
        ({"n": 5, "kernel_size": 0}, ValueError, r"kernel_size must be at least 1, got 0"),
        ({"n": 5, "kernel_size": 3, "stride": 0}, ValueError, r"stride must be at least 1, got 0"),
        (
            {"n": 5, "kernel_size": 3, "stride": -2},
            ValueError,
            r"stride must be at least 1, got -2",
        ),
        ({"n": 5, "kernel_size": 3, "stride": 1.5}, TypeError, r"stride must be an integer"),
        ({"n": 5, "kernel_size": 3, "dilation": 0}, ValueError, r"dilation must be at least 1"),
        ({"n": 5, "kernel_size": 3, "padding": -1}, ValueError, r"padding must be at least 0"),
        ({"n": 5, "kernel_size": 3, "padding": (1, 1, 1)}, ValueError, r"got \(1, 1, 1\)"),
        ({"n": 5, "kernel_size": 3, "ceil_mode": "yes"}, TypeError, r"ceil_mode must be True or"),
        (
            {"n": 2, "kernel_size": 3},
            ValueError,
            r"kernel of size 3 does not fit in an input of size 2 with padding \(0, 0\)",
        ),
        (
            {"n": 4, "kernel_size": 3, "dilation": 2},
            ValueError,
            r"dilation 2 \(covering 5\) does not fit in an input of size 4",
        ),
    ],
)
def test_output_size_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        output_size(**kwargs)
    with pytest.raises(error, match=match):
        explain_output_size(**kwargs)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: conv_params(3, 3, 64, bias=1), TypeError, r"bias must be True or False, got 1"),
        (
            lambda: conv_params((3, 3, 3), 3, 64),
            ValueError,
            r"kernel_size must be an int or a pair",
        ),
        (lambda: conv_params(0, 3, 64), ValueError, r"kernel_size must be at least 1, got 0"),
        (lambda: conv_params(3, 0, 64), ValueError, r"in_channels must be at least 1, got 0"),
        (lambda: conv_params(3, 3, 2.0), TypeError, r"filters must be an integer, got float"),
        (lambda: dense_params(0, 3), ValueError, r"in_features must be at least 1, got 0"),
        (lambda: dense_params(3, -1), ValueError, r"units must be at least 1, got -1"),
        (lambda: dense_params(3, 2, bias="yes"), TypeError, r"bias must be True or False"),
    ],
)
def test_parameter_counts_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_numbers_and_0d_arrays_are_accepted_as_sizes():
    import numpy as np

    assert output_size(np.array(7), np.int64(3), np.uint8(2), np.array([1, 1])) == 4
    assert output_size(5, 2, 2, ceil_mode=np.bool_(True)) == 3
    assert conv_params(np.array(3), np.int32(3), np.array(64)) == 1792
    assert dense_params(np.int64(576), np.array(64), bias=np.bool_(True)) == 36928


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: output_size(6, 3, stride=2**64), r"stride must be at most 1048576"),
        (lambda: output_size(2**21, 3), r"n must be at most 1048576"),
        (lambda: conv_params(3, 3, 2**31), r"filters must be at most 1048576"),
        (lambda: dense_params(2**40, 3), r"in_features must be at most 268435456"),
    ],
)
def test_sizes_beyond_the_documented_limits_get_a_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
