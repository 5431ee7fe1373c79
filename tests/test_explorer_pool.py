"""Pooling explorer: winners, averages and the edge rule, checked against a plain loop.

The loop visits each window the way the notes describe pooling: the cells under
the window (padding counts as -inf for max and 0 for average; the part of a
ceil-mode window past the padding is ignored), the largest one (first in reading
order on a tie) or the mean.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils.examples import load_example
from cnn_utils.explorers.pool import (
    MODES,
    POOL_RANGE,
    STRIDE_RANGE,
    PoolState,
    default_feature_map,
    pool_explorer,
    pool_view,
)


def out_len(n, k, s, p, ceil):
    if ceil:
        out = math.ceil((n + 2 * p - k) / s) + 1
        if (out - 1) * s >= n + p:  # a window may not start in the right padding
            out -= 1
        return out
    return (n + 2 * p - k) // s + 1


def loop_pool(x, k, s, p=0, ceil=False, mode="max"):
    """Output, winners (input positions) and divisors, one window at a time."""
    x = np.asarray(x, dtype=float)
    h, w = x.shape
    oh, ow = out_len(h, k, s, p, ceil), out_len(w, k, s, p, ceil)
    out = np.zeros((oh, ow))
    winners = np.zeros((oh, ow, 2), dtype=int)
    divisors = np.zeros((oh, ow), dtype=int)
    for i in range(oh):
        for j in range(ow):
            cells = []
            for r in range(i * s - p, i * s - p + k):
                for c in range(j * s - p, j * s - p + k):
                    if r >= h + p or c >= w + p:
                        continue  # past the padding: not part of the window
                    inside = 0 <= r < h and 0 <= c < w
                    pad = -math.inf if mode == "max" else 0.0
                    cells.append(((r, c), x[r, c] if inside else pad))
            if mode == "max":
                best_pos, best = cells[0]
                for pos, v in cells[1:]:
                    if v > best:
                        best_pos, best = pos, v
                out[i, j], winners[i, j] = best, best_pos
            else:
                out[i, j] = sum(v for _, v in cells) / len(cells)
                divisors[i, j] = len(cells)
    return out, winners, divisors


def loop_correlate(image, kernel):
    image, kernel = np.asarray(image), np.asarray(kernel)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = sum(
                image[i + a, j + b] * kernel[a, b] for a in range(kh) for b in range(kw)
            )
    return out


def text_of(html_string):
    return re.sub(r"<[^>]+>", " ", html_string)


FMAP = default_feature_map()


# --- the pure view --------------------------------------------------------------------------


def test_default_map_is_seed_001_feature_map_computed():
    expected = loop_correlate(
        load_example("seven_by_seven_image"), load_example("feature_detector")
    )
    np.testing.assert_array_equal(FMAP, expected)


def test_max_2x2_stride_2_winner_positions_match_loop():
    expected, winners, _ = loop_pool(FMAP, 2, 2)
    state = PoolState(FMAP)
    view = pool_view(state)
    np.testing.assert_array_equal(view.output, expected)
    np.testing.assert_array_equal(view.winners, winners)
    for k in range(view.n_steps):
        v = pool_view(PoolState(FMAP, position=k))
        i, j = divmod(k, 2)
        assert v.winner == tuple(winners[i, j])
        assert v.value == expected[i, j]
        assert FMAP[v.winner] == v.value
        assert f"at row {winners[i, j][0]}, column {winners[i, j][1]}" in v.text


def test_floor_rule_drops_last_row_and_column_of_the_5x5_map():
    view = pool_view(PoolState(FMAP))
    assert view.out_shape == (2, 2)
    assert view.unused_rows == (4,)
    assert view.unused_cols == (4,)
    assert "row(s) 4 and column(s) 4" in view.edge_lines[0]
    assert "repeating-linear-gradient" in view.html  # the hatched, dropped cells


def test_ceil_rule_keeps_a_partial_window():
    expected, winners, _ = loop_pool(FMAP, 2, 2, ceil=True)
    assert expected.shape == (3, 3)
    view = pool_view(PoolState(FMAP, ceil_mode=True, position=8))
    np.testing.assert_array_equal(view.output, expected)
    np.testing.assert_array_equal(view.winners, winners)
    assert view.overhang_rows == (5,)
    assert view.overhang_cols == (5,)
    np.testing.assert_array_equal(view.window_values, [[FMAP[4, 4]]])
    assert "3 of the 4 window cells lie past the edge" in view.text
    assert view.unused_rows == ()
    assert view.edge_lines[1].endswith("in use")


def test_average_with_padding_divides_by_the_padded_window():
    expected, _, divisors = loop_pool(FMAP, 3, 2, p=1, mode="average")
    for k in range(9):
        view = pool_view(PoolState(FMAP, "average", 3, 2, 1, position=k))
        i, j = divmod(k, 3)
        assert view.divisor == divisors[i, j] == 9
        assert view.value == pytest.approx(expected[i, j])
        assert view.winner is None
        assert f"/ {divisors[i, j]} =" in view.text
    np.testing.assert_allclose(view.output, expected)


def test_average_ceil_mode_ignores_the_overhang():
    expected, _, divisors = loop_pool(FMAP, 2, 2, ceil=True, mode="average")
    view = pool_view(PoolState(FMAP, "average", ceil_mode=True, position=8))
    assert view.divisor == divisors[2, 2] == 1
    np.testing.assert_allclose(view.output, expected)


def test_max_padding_never_wins():
    x = -np.arange(1.0, 17.0).reshape(4, 4)  # all negative: a zero padding would win
    expected, winners, _ = loop_pool(x, 3, 2, p=1)
    view = pool_view(PoolState(x, pool_size=3, stride=2, padding=1))
    np.testing.assert_array_equal(view.output, expected)
    np.testing.assert_array_equal(view.winners, winners)
    assert (view.winners >= 0).all()
    assert (view.winners < 4).all()
    assert "−∞" in view.html


def test_ties_go_to_the_first_cell_in_reading_order():
    view = pool_view(PoolState([[1, 3], [3, 2]]))
    assert view.winner == (0, 1)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"x": np.ones((3, 3)), "pool_size": 4, "stride": 1}, "does not fit"),
        ({"x": np.ones((5, 5)), "pool_size": 2, "padding": 2}, "more than half"),
    ],
)
def test_settings_without_output_give_a_message(kwargs, words):
    view = pool_view(PoolState(**kwargs))
    assert not view.fits
    assert words in view.message
    assert "No output" in view.html


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"x": np.ones((3, 3, 2))}, ValueError, "one feature map"),
        ({"x": np.ones((40, 3))}, ValueError, "at most 32"),
        ({"x": [[1.0, np.inf]]}, ValueError, "inf"),
        ({"x": np.ones((3, 3)), "mode": "min"}, ValueError, "mode"),
        ({"x": np.ones((3, 3)), "pool_size": 0}, ValueError, "pool_size"),
        ({"x": np.ones((3, 3)), "stride": 1.0}, TypeError, "stride"),
        ({"x": np.ones((3, 3)), "ceil_mode": 1}, TypeError, "ceil_mode"),
    ],
)
def test_bad_state_raises(kwargs, error, words):
    with pytest.raises(error, match=words):
        PoolState(**kwargs)


def test_position_past_the_last_window_raises():
    with pytest.raises(ValueError, match="outside the 4 windows"):
        pool_view(PoolState(FMAP, position=4))


def test_explorer_checks_ranges_and_loads_names():
    with pytest.raises(ValueError, match="pool_size must be from 1 to 4"):
        pool_explorer(pool_size=5)
    e = pool_explorer("handwritten_5x5_image")
    np.testing.assert_array_equal(e.state.x, load_example("handwritten_5x5_image"))


@st.composite
def pool_states(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    x = np.array(draw(st.lists(st.integers(-9, 9), min_size=h * w, max_size=h * w)), float)
    k = draw(st.integers(*POOL_RANGE))
    state = PoolState(
        x.reshape(h, w),
        mode=draw(st.sampled_from(MODES)),
        pool_size=k,
        stride=draw(st.integers(*STRIDE_RANGE)),
        padding=draw(st.integers(0, k // 2)),
        ceil_mode=draw(st.booleans()),
    )
    n = state.n_steps()
    return PoolState(
        state.x,
        state.mode,
        k,
        state.stride,
        state.padding,
        state.ceil_mode,
        draw(st.integers(0, max(n - 1, 0))),
    )


@given(pool_states())
def test_any_state_renders_and_agrees_with_the_loop(state):
    view = pool_view(state)
    assert view.html
    if not view.fits:
        return
    expected, winners, divisors = loop_pool(
        state.x, state.pool_size, state.stride, state.padding, state.ceil_mode, state.mode
    )
    np.testing.assert_allclose(view.output, expected)
    if state.mode == "max":
        np.testing.assert_array_equal(view.winners, winners)
    else:
        assert view.divisor == divisors[view.row, view.col]


def shown(e) -> str:
    """What the explorer's view widget shows now (its HTML)."""
    (view,) = [w for w in e.widget.children if "cnn-explorer-view" in w._dom_classes]
    return view.value


# --- widget ----------------------------------------------------------------------------------


def test_position_controls_move_the_window():
    e = pool_explorer()
    c = e.controls
    assert "Window 1 of 4" in text_of(shown(e))
    c["forward"].click()
    assert e.state.position == 1
    assert "Window 2 of 4" in text_of(shown(e))
    c["position"].value = 3
    assert e.view.winner == tuple(loop_pool(FMAP, 2, 2)[1][1, 1])
    assert c["forward"].disabled
    c["back"].click()
    assert e.state.position == 2


def test_settings_update_output_and_clamp_controls():
    e = pool_explorer()
    c = e.controls
    c["position"].value = 3
    c["ceil_mode"].value = True
    assert e.view.out_shape == (3, 3)
    assert c["position"].max == 8
    assert c["play"].max == 8
    c["mode"].value = "average"
    expected, _, _ = loop_pool(FMAP, 2, 2, ceil=True, mode="average")
    np.testing.assert_allclose(e.view.output, expected)
    assert "average pooled" in shown(e)
    c["pool_size"].value = 3
    assert c["padding"].max == 1
    c["padding"].value = 1
    c["pool_size"].value = 1  # padding must follow: at most half the pool size
    assert c["padding"].value == 0
    assert c["padding"].max == 0
    assert e.view.fits
    c["stride"].value = 4
    assert e.state.position <= c["position"].max


@given(
    mode=st.sampled_from(MODES),
    pool=st.integers(*POOL_RANGE),
    stride=st.integers(*STRIDE_RANGE),
    padding=st.integers(0, 2),
    ceil=st.booleans(),
    fraction=st.floats(0, 1),
)
def test_any_control_combination_renders(mode, pool, stride, padding, ceil, fraction):
    e = pool_explorer()
    c = e.controls
    c["mode"].value = mode
    c["pool_size"].value = pool
    c["padding"].value = min(padding, c["padding"].max)
    c["stride"].value = stride
    c["ceil_mode"].value = ceil
    c["position"].value = round(fraction * c["position"].max)
    c["forward"].click()
    c["back"].click()
    assert shown(e) == pool_view(e.state).html
    assert e.view.n_steps == c["position"].max + 1


def test_two_explorers_are_independent_and_callbacks_do_not_stack():
    a, b = pool_explorer(), pool_explorer()
    before = shown(b)
    a.controls["ceil_mode"].value = True
    a.controls["position"].value = 5
    assert shown(b) == before
    _ = a.widget  # asking again builds nothing new: one click is one step
    a.controls["back"].click()
    assert a.state.position == 4


def test_mimebundle_has_widget_deterministic_html_and_short_text():
    a, b = pool_explorer(), pool_explorer()
    bundle = a._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == b._repr_mimebundle_()["text/html"]
    assert "max pooled (2×2)" in bundle["text/html"]
    assert len(bundle["text/plain"]) < 100
