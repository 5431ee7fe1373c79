"""Channels explorer: per-channel contributions add up, with the bias, to one activation map.

Oracles: cnn_utils.conv2d (the batched layer), a plain loop over (i, j, c, p, q)
written here, and hand arithmetic on the 0/1 colour pattern.
"""

from __future__ import annotations

import html

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnn_utils import conv2d
from cnn_utils.explorers import channels as ch
from cnn_utils.explorers.channels import (
    FILTER_PRESETS,
    ChannelsState,
    channels_explorer,
    channels_view,
    colour_pattern,
    make_filter,
)


def _loop_activation(x, w, b):
    """a[i, j] = b + sum over c, p, q of x[i + p, j + q, c] * w[p, q, c], written as loops."""
    h, wd, channels = x.shape
    kh, kw = w.shape[:2]
    out = np.zeros((h - kh + 1, wd - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = b
            for c in range(channels):
                for p in range(kh):
                    for q in range(kw):
                        total += x[i + p, j + q, c] * w[p, q, c]
            out[i, j] = total
    return out


def shown(explorer) -> str:
    """Every HTML the explorer's widget shows now: the view, and the facts under the controls."""
    import ipywidgets

    def walk(widget):
        yield widget
        for child in getattr(widget, "children", ()) or ():
            yield from walk(child)

    return "".join(w.value for w in walk(explorer.widget) if isinstance(w, ipywidgets.HTML))


def _text(widget_html: str) -> str:
    return html.unescape(widget_html)


# ----------------------------------------------------------------------------- worked examples
def test_colour_pattern_regions():
    x = colour_pattern(6)
    # red: left half (columns 0-2); blue: bottom half (rows 3-5); green: column 3
    assert x[:, :3, 0].min() == 1
    assert x[:, 3:, 0].max() == 0
    assert x[3:, :, 2].min() == 1
    assert x[:3, :, 2].max() == 0
    assert x[:, 3, 1].min() == 1
    assert np.delete(x[:, :, 1], 3, axis=1).max() == 0


def test_red_minus_blue_by_hand():
    x = colour_pattern(6)
    state = ChannelsState(x, make_filter("red_minus_blue"), bias=0.5, row=3, col=0)
    view = channels_view(state)
    # window rows 3-5, columns 0-2: nine red ones (+1 each), nine blue ones (-1 each)
    assert view.terms == (9.0, 0.0, -9.0)
    assert view.value == 0.5
    assert view.sum_text == "a[3, 0] = R 9 + G 0 + B (−9) + bias 0.5 = 0.5"
    # top-left window: red only
    assert channels_view(ChannelsState(x, make_filter("red_minus_blue"), 0.0)).value == 9.0


def test_vertical_edge_on_green_by_hand():
    x = colour_pattern(6)  # green is column 3 only
    w = make_filter("vertical_edge_green")
    np.testing.assert_array_equal(w[:, :, 1], [[1, 0, -1]] * 3)
    view = channels_view(ChannelsState(x, w, 0.0))
    # window at column j covers columns j..j+2: +3 when the stripe is its left column
    # (j = 3), -3 when it is its right column (j = 1), 0 otherwise
    expected_row = [0.0, -3.0, 0.0, 3.0]
    for row in view.activation:
        np.testing.assert_array_equal(row, expected_row)
    np.testing.assert_array_equal(view.contributions[0], 0)
    np.testing.assert_array_equal(view.contributions[2], 0)


def test_channel_products_are_written_out():
    x = colour_pattern(6)
    view = channels_view(ChannelsState(x, make_filter("brightness"), 0.0, row=2, col=2))
    red = view.channel_texts[0]
    # R at rows 2-4, columns 2-4: only column 2 is red -> three products 1·1, total 3
    assert red.startswith("R[2, 2] = ")
    assert red.endswith("= 3")
    assert red.count("1·1") == 3
    assert red.count("·") == 9


# ----------------------------------------------------------------------------- sums
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(3, 9), st.integers(3, 9), st.just(3)),
        elements=st.floats(-3, 3, allow_nan=False),
    ),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    count=st.integers(1, 4),
    seed=st.integers(0, 1000),
)
def test_activation_is_the_sum_of_channel_correlations_plus_bias(x, kh, kw, count, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(kh, kw, 3, count))
    b = rng.normal(size=count)
    layer = conv2d(x[None], w, b)[0]
    for f in range(count):
        view = channels_view(ChannelsState(x, w, b, selected=f))
        np.testing.assert_allclose(view.activation, view.contributions.sum(axis=0) + b[f])
        np.testing.assert_allclose(view.activation, layer[:, :, f], atol=1e-12)
        np.testing.assert_allclose(
            view.activation, _loop_activation(x, w[..., f], b[f]), atol=1e-12
        )
        np.testing.assert_allclose(view.stack, layer, atol=1e-12)


def test_each_contribution_is_that_channel_alone():
    rng = np.random.default_rng(0)
    x, w = rng.random((7, 7, 3)), rng.normal(size=(3, 3, 3))
    view = channels_view(ChannelsState(x, w, 0.0))
    for c in range(3):
        only = np.zeros_like(x)
        only[:, :, c] = x[:, :, c]
        np.testing.assert_allclose(
            view.contributions[c], _loop_activation(only, w, 0.0), atol=1e-12
        )


def test_switching_a_channel_off_removes_its_contribution():
    rng = np.random.default_rng(1)
    x, w, b = rng.random((8, 8, 3)), rng.normal(size=(3, 3, 3, 2)), np.array([0.3, -1.0])
    view = channels_view(ChannelsState(x, w, b, channels_on=(True, False, True)))
    np.testing.assert_array_equal(view.contributions[1], 0)
    no_green = x.copy()
    no_green[:, :, 1] = 0
    np.testing.assert_allclose(
        view.activation, _loop_activation(no_green, w[..., 0], 0.3), atol=1e-12
    )
    np.testing.assert_allclose(view.stack, conv2d(no_green[None], w, b)[0], atol=1e-12)
    assert "G 0" in view.sum_text
    assert "G: channel off" in view.channel_texts[1]


def test_six_filters_give_a_stack_of_six_maps():
    ex = channels_explorer(num_filters=6)  # 8x8x3 input, 3x3x3 filters
    view = ex.view
    assert view.stack.shape == (6, 6, 6)
    assert "output 6x6x6" in view.shape_text
    # parameters: 6 filters x (3 * 3 * 3 weights + 1 bias) = 6 x 28 = 168
    assert "= 168" in view.shape_text
    assert view.html.count('alt="map ') == 6


# ----------------------------------------------------------------------------- the widget
def test_position_controls_write_out_the_new_sum():
    ex = channels_explorer(image=colour_pattern(6))
    ex.widget  # noqa: B018
    c = ex.controls
    c["row"].value = 3
    assert "a[3, 0] = R 9 + G 0 + B (−9) + bias 0 = 0" in _text(shown(ex))
    c["col"].value = 2
    # rows 3-5, columns 2-4: red only in column 2 (3 ones), blue everywhere (9 ones)
    assert "a[3, 2] = R 3 + G 0 + B (−9) + bias 0 = -6" in _text(shown(ex))


def test_bias_and_channel_toggle_in_the_widget():
    ex = channels_explorer(image=colour_pattern(6))
    ex.widget  # noqa: B018
    c = ex.controls
    c["row"].value = 3
    c["filter_bias"].value = 1.5
    assert "bias 1.5 = 1.5" in _text(shown(ex))
    assert ex.state.bias[0] == 1.5
    c["blue"].value = False  # blue off: its -9 vanishes
    assert "a[3, 0] = R 9 + G 0 + B 0 + bias 1.5 = 10.5" in _text(shown(ex))
    assert ex.view.value == 10.5


def test_filter_controls_rebuild_the_bank():
    ex = channels_explorer()
    ex.widget  # noqa: B018
    c = ex.controls
    c["num_filters"].value = 6
    assert ex.state.filters.shape == (3, 3, 3, 6)
    assert "output 6x6x6" in _text(shown(ex))
    c["size"].value = 5
    assert ex.state.filters.shape == (5, 5, 3, 6)
    assert c["row"].max == 3  # 8 - 5 + 1 = 4 positions
    c["preset"].value = "vertical_edge_green"
    np.testing.assert_array_equal(
        ex.state.filters[:, :, :, 0], make_filter("vertical_edge_green", 5)
    )
    # the other five are seeded random filters: a new seed changes them, not filter 0
    before = ex.state.filters.copy()
    c["seed"].value = 7
    np.testing.assert_array_equal(ex.state.filters[..., 0], before[..., 0])
    assert not np.array_equal(ex.state.filters[..., 1:], before[..., 1:])


def test_selected_filter_has_its_own_bias():
    ex = channels_explorer(num_filters=3)
    ex.widget  # noqa: B018
    c = ex.controls
    c["filter_bias"].value = 2.0
    c["selected"].value = 2
    assert c["filter_bias"].value == 0.0
    c["filter_bias"].value = -1.0
    c["selected"].value = 0
    assert c["filter_bias"].value == 2.0
    np.testing.assert_array_equal(ex.state.bias, [2.0, 0.0, -1.0])
    assert "bias = map 0" in _text(shown(ex))


def test_two_explorers_are_independent_and_observers_do_not_stack():
    a, b = channels_explorer(), channels_explorer()
    wa = a.widget
    assert a.widget is wa
    b.widget  # noqa: B018
    a.controls["row"].value = 4
    assert b.state.row == 0
    assert b.controls["row"].value == 0
    a.controls["num_filters"].value = 3  # one observer: the bank grows once
    assert a.state.filters.shape[3] == 3
    assert b.state.filters.shape[3] == 1


def test_mimebundle_has_widget_static_html_and_short_text():
    first = channels_explorer()._repr_mimebundle_()
    second = channels_explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in first
    assert first["text/html"] == second["text/html"]
    assert "bias = map 0" in first["text/html"]
    assert len(first["text/plain"]) < 100


@given(
    preset=st.sampled_from(list(FILTER_PRESETS)),
    size=st.sampled_from([3, 5]),
    seed=st.integers(0, 99),
    bias=st.sampled_from(np.arange(-5, 5.5, 0.5).tolist()),
    row=st.integers(0, 5),
    col=st.integers(0, 5),
    on=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    count=st.integers(1, ch.MAX_FILTERS),
    selected=st.integers(0, ch.MAX_FILTERS - 1),
)
def test_any_control_combination_renders(preset, size, seed, bias, row, col, on, count, selected):
    ex = _shared_explorer()
    c = ex.controls
    c["preset"].value = preset
    c["size"].value = size
    c["seed"].value = seed
    c["num_filters"].value = count
    c["selected"].value = min(selected, count - 1)
    c["filter_bias"].value = bias
    c["row"].value = min(row, c["row"].max)
    c["col"].value = min(col, c["col"].max)
    for name, value in zip(("red", "green", "blue"), on, strict=True):
        c[name].value = value
    view = ex.view
    assert f"a[{ex.state.row}, {ex.state.col}]" in _text(shown(ex))
    np.testing.assert_allclose(view.activation, view.contributions.sum(axis=0) + view.bias)


_CACHE: dict = {}


def _shared_explorer():
    if "ex" not in _CACHE:
        _CACHE["ex"] = channels_explorer()
        _CACHE["ex"].widget  # noqa: B018
    return _CACHE["ex"]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"filters": np.ones((3, 3, 2))}, ValueError, r"3 input channels.*\(3, 3, 2, 1\)"),
        ({"bias": [1.0, 2.0]}, ValueError, r"one value per filter.*\(2,\)"),
        ({"row": 6}, ValueError, "row must be from 0 to 5, got 6"),
        ({"selected": 1}, ValueError, "selected must be from 0 to 0"),
        ({"col": 1.5}, TypeError, "col must be an int"),
        ({"channels_on": (True, False)}, ValueError, "3 True/False"),
        ({"image": np.zeros((20, 20, 3))}, ValueError, "at most 16x16; got 20x20"),
        ({"filters": np.ones((9, 9, 3))}, ValueError, "kernel 9x9 does not fit"),
    ],
)
def test_bad_state_is_refused_with_a_message(kwargs, error, match):
    args = {"image": colour_pattern(8), "filters": np.ones((3, 3, 3)), "bias": 0.0, **kwargs}
    with pytest.raises(error, match=match):
        ChannelsState(**args)


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="'green_only'"):
        make_filter("green_only")


def test_photo_patch_is_a_small_colour_crop():
    ex = channels_explorer(image="photo")
    assert ex.state.image.shape == (8, 8, 3)
    assert 0 <= ex.state.image.min() <= ex.state.image.max() <= 1
