"""Convolution stepper: the pure view on the notes' examples, the widget, the animation.

Expected values come from a plain loop written here (the slide's recipe: take the
window, multiply element by element, add up), from scipy.signal, or by hand.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils import presenter
from cnn_utils.examples import load_example
from cnn_utils.explorers.stepper import (
    KEYBOARD_HINT,
    MODES,
    PADDING_RANGE,
    STRIDE_RANGE,
    StepperExplorer,
    StepperState,
    conv_stepper,
    stepper_animation,
    stepper_view,
)
from cnn_utils.presentation import PRESENTER


def loop_correlate(image, kernel, stride=1, padding=0):
    """The slide's recipe, one output cell at a time (no numpy tricks)."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim == 2:
        image, kernel = image[:, :, None], kernel[:, :, None]
    h, w, c = image.shape
    kh, kw, _ = kernel.shape
    padded = np.zeros((h + 2 * padding, w + 2 * padding, c))
    padded[padding : padding + h, padding : padding + w] = image
    out_h = (h + 2 * padding - kh) // stride + 1
    out_w = (w + 2 * padding - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    per_channel = np.zeros((out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            for ch in range(c):
                total = 0.0
                for a in range(kh):
                    for b in range(kw):
                        total += kernel[a, b, ch] * padded[i * stride + a, j * stride + b, ch]
                per_channel[i, j, ch] = total
                out[i, j] += total
    return out, per_channel


def final_view(state):
    return stepper_view(replace(state, position=state.n_steps() - 1))


def text_of(html_string):
    return re.sub(r"<[^>]+>", " ", html_string)


def descendants(widget):
    out = [widget]
    for child in getattr(widget, "children", ()) or ():
        out += descendants(child)
    return out


def shown(explorer) -> str:
    """What the explorer's view widget shows now (its HTML)."""
    (view,) = [w for w in explorer.widget.children if "cnn-explorer-view" in w._dom_classes]
    return view.value


# --- the pure view on the notes' worked examples ---------------------------------------


def test_six_by_six_filter1_stride1_every_step_matches_loop():
    image, kernel = load_example("six_by_six_image"), load_example("filter1")
    expected, _ = loop_correlate(image, kernel)
    state = StepperState(image, kernel)
    assert state.n_steps() == 16
    for k in range(16):
        view = stepper_view(replace(state, position=k))
        i, j = divmod(k, 4)
        assert (view.row, view.col) == (i, j)
        assert view.total == expected[i, j]
        np.testing.assert_array_equal(view.window, image[i : i + 3, j : j + 3])
        np.testing.assert_array_equal(view.products, image[i : i + 3, j : j + 3] * kernel)
    np.testing.assert_array_equal(final_view(state).output, expected)
    assert final_view(state).out_shape == (4, 4)


def test_six_by_six_filter1_stride2_first_row_is_3_and_minus_3():
    image, kernel = load_example("six_by_six_image"), load_example("filter1")
    expected, _ = loop_correlate(image, kernel, stride=2)
    state = StepperState(image, kernel, stride=2)
    first = [stepper_view(replace(state, position=k)).total for k in range(2)]
    assert first == list(expected[0])
    assert first == [3.0, -3.0]  # the notes (seed 000)
    np.testing.assert_array_equal(first, load_example("filter1_stride2_first_row_printed").ravel())
    assert final_view(state).out_shape == (2, 2)


def test_seven_by_seven_feature_detector_gives_loop_5x5():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    expected, _ = loop_correlate(image, kernel)
    state = StepperState(image, kernel)
    view = final_view(state)
    assert view.out_shape == (5, 5)
    np.testing.assert_array_equal(view.output, expected)
    for k in (0, 7, 24):
        assert stepper_view(replace(state, position=k)).total == expected.ravel()[k]


def test_products_written_out_by_hand_for_first_window():
    # First 3x3 window of the 6x6 image is the identity; Filter 1 row by row.
    view = stepper_view(StepperState(load_example("six_by_six_image"), load_example("filter1")))
    assert view.products_text == (
        "1×1 + (−1)×0 + (−1)×0 + (−1)×0 + 1×1 + (−1)×0 + (−1)×0 + (−1)×0 + 1×1 = 3"
    )
    assert "1×1 + (−1)×0" in view.html


def test_output_fills_in_up_to_the_current_step_only():
    image, kernel = load_example("six_by_six_image"), load_example("filter1")
    expected, _ = loop_correlate(image, kernel)
    view = stepper_view(StepperState(image, kernel, position=5))
    shown = view.shown_output.ravel()
    np.testing.assert_array_equal(shown[:6], expected.ravel()[:6])
    assert np.isnan(shown[6:]).all()


def test_window_highlighted_on_padded_input_and_cell_on_output():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    view = stepper_view(StepperState(image, kernel, padding=1, position=8))
    # 7x7 output (padding 1 keeps the size); step 8 is row 1, column 1
    assert view.out_shape == (7, 7)
    assert (view.row, view.col, view.top, view.left) == (1, 1, 1, 1)
    input_panel, output_panel = view.panel_rows[0][0], view.panel_rows[0][-1]
    window = {ij for ij, names in input_panel.marks.items() if "window" in names}
    assert window == {(r, c) for r in range(1, 4) for c in range(1, 4)}
    assert {ij for ij, names in output_panel.marks.items() if "current" in names} == {(1, 1)}
    pads = {ij for ij, names in input_panel.marks.items() if "pad" in names}
    assert len(pads) == 9 * 9 - 7 * 7
    assert "zero-padded by 1" in view.html


def test_padding_same_size_matches_scipy():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    view = final_view(StepperState(image, kernel, padding=1))
    np.testing.assert_array_equal(view.output, scipy.signal.correlate2d(image, kernel, mode="same"))
    np.testing.assert_array_equal(view.padded[1:-1, 1:-1], image)
    assert view.padded[0].sum() == 0


def test_convolution_toggle_flips_kernel_and_matches_scipy_convolve():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    state = StepperState(image, kernel, mode="convolution")
    view = final_view(state)
    np.testing.assert_array_equal(view.kernel_used, kernel[::-1, ::-1])
    assert not np.array_equal(view.kernel_used, kernel)  # this kernel is not symmetric
    np.testing.assert_array_equal(view.output, scipy.signal.convolve2d(image, kernel, "valid"))
    assert "flipped 180° (used)" in view.html
    assert "kernel as given" in view.html
    corr = final_view(replace(state, mode="correlation"))
    assert "flipped" not in corr.html
    assert not np.array_equal(corr.output, view.output)


def test_multichannel_per_channel_products_and_total():
    rng = np.random.default_rng(5)
    image = rng.integers(-3, 4, (5, 6, 3))
    kernel = rng.integers(-2, 3, (3, 3, 3))
    expected, per_channel = loop_correlate(image, kernel, stride=2, padding=1)
    state = StepperState(image, kernel, stride=2, padding=1)
    for k in range(state.n_steps()):
        view = stepper_view(replace(state, position=k))
        i, j = divmod(k, expected.shape[1])
        np.testing.assert_allclose(view.channel_sums, per_channel[i, j])
        assert view.total == pytest.approx(expected[i, j])
    view = stepper_view(replace(state, position=1))
    lines = view.products_text.split("\n")
    assert [line.split(":")[0] for line in lines] == [
        "channel 0",
        "channel 1",
        "channel 2",
        "total over the channels",
    ]
    assert len(view.panel_rows) == 4  # a row per channel, then the output
    assert "input, channel 2" in view.html


def test_kernel_that_does_not_fit_gives_a_message_not_an_exception():
    view = stepper_view(StepperState(np.ones((3, 3)), np.ones((5, 5))))
    assert not view.fits
    assert view.n_steps == 0
    assert "does not fit" in view.message
    assert "does not fit" in view.html
    assert stepper_view(StepperState(np.ones((3, 3)), np.ones((5, 5)), padding=1)).fits
    assert stepper_animation(StepperState(np.ones((3, 3)), np.ones((5, 5)))) is None


def test_predict_mode_hides_the_current_value_until_revealed():
    image, kernel = load_example("six_by_six_image"), load_example("filter1")
    state = StepperState(image, kernel, position=3, predict=True)
    hidden = stepper_view(state)
    assert hidden.value_hidden
    assert np.isnan(hidden.shown_output[0, 3])
    assert not np.isnan(hidden.shown_output[0, 2])
    assert hidden.products_text.endswith("= ?")
    assert "products" not in [p.title for p in hidden.panel_rows[0]]
    assert "products" in [
        p.title for p in stepper_view(replace(state, revealed=True)).panel_rows[0]
    ]
    shown = stepper_view(replace(state, revealed=True))
    assert shown.products_text.endswith(f"= {int(shown.total)}")


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"image": np.ones((4, 4, 2)), "kernel": np.ones((2, 2, 3))}, ValueError, "does not match"),
        ({"image": np.ones((4, 4)), "kernel": np.ones((2, 2, 1))}, ValueError, "does not match"),
        ({"image": np.ones((33, 4)), "kernel": np.ones((2, 2))}, ValueError, "at most 32"),
        ({"image": "abc", "kernel": np.ones((2, 2))}, TypeError, "numeric"),
        ({"image": np.ones((4, 4)), "kernel": np.ones((2, 2)), "stride": 0}, ValueError, "stride"),
        ({"image": np.ones((4, 4)), "kernel": np.ones((2, 2)), "mode": "flip"}, ValueError, "mode"),
        (
            {"image": np.ones((4, 4)), "kernel": np.ones((2, 2)), "stride": 1.5},
            TypeError,
            "integer",
        ),
        ({"image": [[1, np.nan]], "kernel": [[1]]}, ValueError, "nan"),
    ],
)
def test_bad_state_raises_naming_the_value(kwargs, error, words):
    with pytest.raises(error, match=words):
        StepperState(**kwargs)


def test_position_past_the_end_raises():
    with pytest.raises(ValueError, match="outside the 16 steps"):
        stepper_view(StepperState(np.eye(6), np.ones((3, 3)), position=16))


def test_conv_stepper_checks_control_ranges_and_loads_names():
    with pytest.raises(ValueError, match="stride must be from"):
        conv_stepper(np.eye(6), np.ones((3, 3)), stride=STRIDE_RANGE[1] + 1)
    with pytest.raises(ValueError, match="padding must be from"):
        conv_stepper(np.eye(6), np.ones((3, 3)), padding=PADDING_RANGE[1] + 1)
    with pytest.raises(ValueError, match="no worked example"):
        conv_stepper("six_by_six", "filter1")
    s = conv_stepper("six_by_six_image", "filter1")
    np.testing.assert_array_equal(s.state.image, load_example("six_by_six_image"))


# --- animation --------------------------------------------------------------------------


def test_animation_has_one_frame_per_step_and_loops():
    from PIL import Image

    state = StepperState(load_example("six_by_six_image"), load_example("filter1"), stride=2)
    gif = stepper_animation(state, frame_ms=300)
    im = Image.open(io.BytesIO(gif))
    assert im.format == "GIF"
    assert im.n_frames == 4
    assert im.info["loop"] == 0
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations == [300, 300, 300, 900]
    assert stepper_animation(state, frame_ms=300) == gif  # deterministic
    assert Image.open(io.BytesIO(stepper_animation(state, max_frames=2))).n_frames == 2


def test_animation_frames_show_the_window_moving():
    from PIL import Image

    state = StepperState(load_example("six_by_six_image"), load_example("filter1"))
    im = Image.open(io.BytesIO(stepper_animation(state)))
    frames = []
    for k in (0, 1):
        im.seek(k)
        frames.append(np.asarray(im.convert("RGB")).astype(int))
    changed = np.abs(frames[0] - frames[1]).sum(axis=2) > 0
    assert changed.any()
    assert changed.mean() < 0.5


@pytest.mark.parametrize("bad", [0, 10, 2.5])
def test_animation_rejects_bad_frame_time(bad):
    state = StepperState(np.eye(3), np.ones((2, 2)))
    with pytest.raises((ValueError, TypeError), match="frame_ms"):
        stepper_animation(state, frame_ms=bad)


# --- widget -----------------------------------------------------------------------------


def make():
    return conv_stepper("six_by_six_image", "filter1")


def test_forward_back_and_slider_move_the_window_and_fill_output():
    s = make()
    c = s.controls
    expected, _ = loop_correlate(load_example("six_by_six_image"), load_example("filter1"))
    before = shown(s)
    c["forward"].click()
    assert s.state.position == 1
    assert c["position"].value == 1
    assert shown(s) != before
    assert f"(0, 1) = {int(expected[0, 1])}" in text_of(shown(s))
    c["back"].click()
    assert s.state.position == 0
    assert c["back"].disabled
    c["position"].value = 15
    assert (s.view.row, s.view.col) == (3, 3)
    assert c["forward"].disabled
    assert f"(3, 3) = {int(expected[3, 3])}" in text_of(shown(s))
    c["forward"].click()  # at the end: nothing happens, nothing raises
    assert s.state.position == 15


def test_stride_and_padding_sliders_resize_the_steps():
    s = make()
    c = s.controls
    c["position"].value = 15
    c["stride"].value = 2
    assert s.view.out_shape == (2, 2)
    assert c["position"].max == 3
    assert c["play"].max == 3
    assert s.state.position == 3
    assert "stride 2" in shown(s)
    c["padding"].value = 1
    assert s.view.out_shape == (3, 3)
    assert c["position"].max == 8
    assert "zero-padded by 1" in shown(s)


def test_mode_toggle_shows_flipped_kernel():
    s = conv_stepper("seven_by_seven_image", "feature_detector")
    s.controls["mode"].value = "convolution"
    np.testing.assert_array_equal(s.view.kernel_used, load_example("feature_detector")[::-1, ::-1])
    assert "flipped 180°" in shown(s)


def test_predict_right_wrong_non_numeric_and_reveal():
    s = make()
    c = s.controls
    c["position"].value = 1  # the notes' second value at stride 1
    c["predict"].value = True
    correct = s.view.total
    assert s.view.value_hidden
    assert "= ?" in shown(s)

    c["answer"].value = "seven"
    c["check"].click()
    assert "Type a number" in c["feedback"].value
    assert s.view.value_hidden

    c["answer"].value = ""
    c["check"].click()
    assert "empty" in c["feedback"].value

    wrong = correct + 2
    c["answer"].value = str(int(wrong))
    c["check"].click()
    feedback = text_of(c["feedback"].value)
    assert "Not" in feedback
    assert str(int(correct)) not in feedback.replace(str(int(wrong)), "")
    assert s.view.value_hidden

    c["answer"].value = f"−{abs(int(correct))}" if correct < 0 else str(int(correct))
    c["check"].click()
    assert "Right" in c["feedback"].value
    assert not s.view.value_hidden
    assert f"= {int(correct)}" in text_of(shown(s))

    c["forward"].click()  # the next cell is hidden again, the feedback cleared
    assert s.view.value_hidden
    assert c["feedback"].value == ""
    c["reveal"].click()
    assert not s.view.value_hidden
    assert format(int(s.view.total)) in text_of(c["feedback"].value)


def test_pressing_enter_in_the_answer_box_checks_the_answer():
    # With continuous_update=False the front end sends the typed value when the
    # learner presses Enter; setting .value here is exactly that message.
    s = make()
    c = s.controls
    c["predict"].value = True
    expected = int(s.view.total)
    c["answer"].value = str(expected + 1)
    assert "Not" in text_of(c["feedback"].value)
    assert s.view.value_hidden
    c["answer"].value = str(expected)
    assert "Right" in c["feedback"].value
    assert not s.view.value_hidden
    c["forward"].click()  # clearing the box for the next cell checks nothing
    assert c["answer"].value == ""
    assert c["feedback"].value == ""


def test_predict_controls_hidden_outside_predict_mode():
    s = make()
    c = s.controls
    hidden = [w for w in descendants(s.widget) if w.layout.display == "none"]
    inside = {id(w) for box in hidden for w in descendants(box)}
    assert {id(c["check"]), id(c["answer"]), id(c["reveal"])} <= inside
    c["check"].click()  # a click that slips through says what to do, does not raise
    assert "predict mode" in c["feedback"].value
    c["predict"].value = True
    assert not [w for w in descendants(s.widget) if w.layout.display == "none"]


def test_kernel_not_fitting_in_widget_shows_message_and_recovers():
    s = conv_stepper(np.ones((3, 3)), np.ones((5, 5)))
    c = s.controls
    assert "does not fit" in shown(s)
    assert c["forward"].disabled
    c["check"].click()
    c["reveal"].click()
    c["padding"].value = 1
    assert s.view.fits
    assert s.view.out_shape == (1, 1)


def test_keyboard_hint_and_play_are_in_the_widget():
    s = make()
    texts = [getattr(w, "value", "") for w in descendants(s.widget) if hasattr(w, "value")]
    assert any("←" in str(t) for t in texts)
    assert "←" in KEYBOARD_HINT
    assert s.controls["play"].max == s.controls["position"].max


def test_two_explorers_are_independent_and_callbacks_do_not_stack():
    a, b = make(), make()
    html_b = shown(b)
    a.controls["stride"].value = 2
    a.controls["position"].value = 3
    assert shown(b) == html_b
    assert b.state.position == 0
    _ = a.widget  # asking again builds nothing new, so one click is one step
    a.controls["back"].click()
    assert a.state.position == 2
    a.controls["forward"].click()
    assert a.state.position == 3


def test_mimebundle_has_widget_deterministic_html_with_animation_and_short_text():
    a, b = make(), make()
    bundle = a._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == b._repr_mimebundle_()["text/html"]
    assert 'src="data:image/gif;base64,' in bundle["text/html"]
    assert "plays without a running kernel" in bundle["text/html"]
    assert "Step 1 of 16" in bundle["text/html"]
    assert len(bundle["text/plain"]) < 100
    assert "\n" not in bundle["text/plain"]
    assert a.animation_html() in a.static_html()


def test_presenter_mode_enlarges_the_grids():
    s = make()
    try:
        presenter(True)
        s.controls["forward"].click()
        assert f"font-size:{PRESENTER.font_px}px" in shown(s)
    finally:
        presenter(False)
    s.controls["forward"].click()
    assert f"font-size:{PRESENTER.font_px}px" not in shown(s)


# --- properties over every control's range ---------------------------------------------


@st.composite
def states(draw):
    channels = draw(st.sampled_from([None, 1, 2, 3]))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    values = st.integers(-9, 9)
    ishape = (h, w) if channels is None else (h, w, channels)
    kshape = (kh, kw) if channels is None else (kh, kw, channels)
    image = np.array(
        draw(st.lists(values, min_size=int(np.prod(ishape)), max_size=int(np.prod(ishape))))
    )
    kernel = np.array(
        draw(st.lists(values, min_size=int(np.prod(kshape)), max_size=int(np.prod(kshape))))
    )
    state = StepperState(
        image.reshape(ishape),
        kernel.reshape(kshape),
        stride=draw(st.integers(*STRIDE_RANGE)),
        padding=draw(st.integers(*PADDING_RANGE)),
        mode=draw(st.sampled_from(MODES)),
        predict=draw(st.booleans()),
        revealed=draw(st.booleans()),
    )
    n = state.n_steps()
    return replace(state, position=draw(st.integers(0, max(n - 1, 0))))


@given(states())
def test_any_state_in_range_renders_and_agrees_with_the_loop(state):
    view = stepper_view(state)
    assert view.html
    if view.fits:
        expected, _ = loop_correlate(
            state.image,
            state.kernel_used(),
            stride=state.stride,
            padding=state.padding,
        )
        np.testing.assert_allclose(view.output, expected)
        assert view.total == pytest.approx(expected[view.row, view.col])


@given(
    stride=st.integers(*STRIDE_RANGE),
    padding=st.integers(*PADDING_RANGE),
    mode=st.sampled_from(MODES),
    predict=st.booleans(),
    fraction=st.floats(0, 1),
)
def test_any_control_combination_updates_the_widget(stride, padding, mode, predict, fraction):
    s = conv_stepper("seven_by_seven_image", "feature_detector")
    c = s.controls
    c["stride"].value = stride
    c["padding"].value = padding
    c["mode"].value = mode
    c["predict"].value = predict
    c["position"].value = round(fraction * c["position"].max)
    assert s.view.position == c["position"].value
    assert s.view.n_steps == c["position"].max + 1
    c["forward"].click()
    c["back"].click()
    c["answer"].value = "1"
    c["check"].click()
    c["reveal"].click()
    assert shown(s) == stepper_view(s.state).html


def test_explorer_class_is_an_explorer():
    from cnn_utils.explorers._base import Explorer

    assert isinstance(make(), StepperExplorer)
    assert isinstance(make(), Explorer)


def test_animation_display_is_plain_html_without_a_widget():
    s = make()
    display = s.animation()
    assert not hasattr(display, "_repr_mimebundle_")
    assert display._repr_html_() == s.animation_html()
    assert 'src="data:image/gif;base64,' in display._repr_html_()
    assert repr(display) == "<convolution stepper animation, 16 steps>"
    unfit = conv_stepper(np.ones((3, 3)), np.ones((5, 5)))
    assert "does not fit" in unfit.animation()._repr_html_()


def test_static_animation_can_be_left_out_of_the_static_view():
    s = conv_stepper("six_by_six_image", "filter1", static_animation=False)
    assert "data:image/gif" not in s.static_html()
    assert "data:image/gif" in s.animation()._repr_html_()
    with pytest.raises(TypeError, match="static_animation"):
        conv_stepper("six_by_six_image", "filter1", static_animation="no")
