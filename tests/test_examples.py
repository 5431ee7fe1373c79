"""The lecture notes' worked examples: they load, and the printed results are checked.

Every printed result is recomputed here from the example's inputs with a plain
loop that reads like the slides (and scipy.signal as a second opinion), never
with cnn_utils.conv, so these tests also hold the transcriptions themselves to
account. Where the notes print a wrong value, the test asserts the value the
computation gives and says in a comment why the printed one differs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from cnn_utils import example_info, list_examples, load_example

# Shapes and kinds as the notes describe them (not read back from the JSON files).
EXPECTED = {
    "six_by_six_image": ((6, 6), "input"),
    "filter1": ((3, 3), "kernel"),
    "filter2": ((3, 3), "kernel"),
    "seven_by_seven_image": ((7, 7), "input"),
    "feature_detector": ((3, 3), "kernel"),
    "handwritten_5x5_image": ((5, 5), "input"),
    "vertical_edge_detector": ((3, 3), "kernel"),
    "horizontal_edge_detector": ((3, 3), "kernel"),
    "padding_image_3x3": ((3, 3), "input"),
    "backprop_x": ((3, 3), "input"),
    "backprop_k": ((2, 2), "kernel"),
    "backprop_b": ((1,), "kernel"),
    "backprop_dl_dz": ((2, 2), "input"),
    "sharpen_patch_6x6": ((6, 6), "input"),
    "sharpen_kernel": ((3, 3), "kernel"),
    "curve_filter": ((7, 7), "kernel"),
    "curve_receptive_field_match": ((7, 7), "input"),
    "curve_receptive_field_no_match": ((7, 7), "input"),
    "number_grid_20x20": ((20, 20), "input"),
    "filter1_feature_map_printed": ((4, 4), "printed"),
    "filter1_stride2_first_row_printed": ((2,), "printed"),
    "feature_map_5x5_printed": ((5, 5), "printed"),
    "pooled_feature_map_printed": ((3, 3), "printed"),
    "flattened_features_printed": ((9,), "printed"),
    "padding_image_3x3_padded_printed": ((5, 5), "printed"),
    "handwritten_filtered_image_printed": ((3, 3), "printed"),
    "sharpen_top_left_printed": ((), "printed"),
    "curve_match_sum_printed": ((), "printed"),
    "curve_no_match_sum_printed": ((), "printed"),
}
UINT8_EXAMPLES = {"number_grid_20x20"}


# ---------------------------------------------------------------- slide-like oracles
def correlate_loop(image, kernel, stride=1):
    """Slide the kernel over the image (no flip, no padding), as the slides do."""
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    rows = (image.shape[0] - kh) // stride + 1
    cols = (image.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += image[i * stride + m, j * stride + n] * kernel[m, n]
            out[i, j] = total
    return out


def max_pool_loop(x, size=2, stride=2, ceil_mode=True):
    """Max pooling; with ceil_mode the windows cut short at the right/bottom edge are kept."""
    def count(n):
        if ceil_mode:
            return -(-(n - size) // stride) + 1
        return (n - size) // stride + 1

    rows, cols = count(x.shape[0]), count(x.shape[1])
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out


# ---------------------------------------------------------------- loading
def test_every_expected_example_is_listed_and_nothing_else():
    assert sorted(list_examples()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_loads_with_expected_shape_kind_and_dtype(name):
    shape, kind = EXPECTED[name]
    array = load_example(name)
    assert isinstance(array, np.ndarray)
    assert array.shape == shape
    assert array.dtype == (np.uint8 if name in UINT8_EXAMPLES else np.float64)
    assert np.all(np.isfinite(array))
    info = example_info(name)
    assert info["kind"] == kind
    assert info["name"] == name
    np.testing.assert_array_equal(info["array"], array)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_records_its_source_and_notes(name):
    info = example_info(name)
    source = info["source"]
    assert source["seed"] in {"000", "001", "002", "003", "004"}
    assert source["file"].startswith(source["seed"] + "_")
    assert source["lecture"]
    assert source["heading"]
    for other in source.get("also_in", []):
        assert other["file"].startswith(other["seed"] + "_")
        assert other["heading"]
    assert isinstance(info["description"], str)
    assert info["description"]
    assert "\n" not in info["description"]
    assert isinstance(info["notes"], list)
    assert all(isinstance(note, str) and note for note in info["notes"])
    if info["kind"] == "printed":
        assert isinstance(info["matches_computation"], bool)
        assert info["operation"]
        assert all(other in EXPECTED for other in info["relates_to"])


def test_list_examples_by_kind_partitions_the_catalogue():
    parts = [list_examples(kind) for kind in ("input", "kernel", "printed")]
    assert sorted(sum(parts, [])) == sorted(list_examples())
    for kind, names in zip(("input", "kernel", "printed"), parts, strict=True):
        assert names == sorted(n for n, (_, k) in EXPECTED.items() if k == kind)


def test_course_choices_are_the_backprop_homework_and_the_drawn_number_grid():
    chosen = {name for name in list_examples() if example_info(name)["course_choice"]}
    # the backprop homework is written in symbols only; the slide's number grid is not
    # a picture and is licensed non-commercial, so data/make_number_grid.py draws one
    assert chosen == {"backprop_x", "backprop_k", "backprop_b", "backprop_dl_dz",
                      "number_grid_20x20"}
    for name in chosen:
        assert any("course's choice" in note for note in example_info(name)["notes"])


def test_load_example_returns_a_fresh_writable_copy():
    first = load_example("filter1")
    first[0, 0] = 99.0
    assert load_example("filter1")[0, 0] == 1.0
    info = example_info("filter1")
    info["notes"].append("scribble")
    info["array"][1, 1] = -7.0
    assert "scribble" not in example_info("filter1")["notes"]
    assert example_info("filter1")["array"][1, 1] == 1.0


def test_unknown_name_raises_value_error_listing_the_names():
    with pytest.raises(ValueError, match="no worked example called 'filter3'") as excinfo:
        load_example("filter3")
    message = str(excinfo.value)
    for name in list_examples():
        assert name in message
    assert "Did you mean 'filter2'" in message or "'filter1'" in message
    with pytest.raises(ValueError, match="six_by_six_image"):
        example_info("6x6")


def test_non_string_name_raises_type_error():
    with pytest.raises(TypeError, match="must be a string, got int 3"):
        load_example(3)


def test_unknown_kind_raises_value_error():
    expected = "kind must be None or one of input, kernel, printed; got 'filters'"
    with pytest.raises(ValueError, match=expected):
        list_examples("filters")


# ---------------------------------------------------------------- facts about the inputs
def test_binary_images_hold_only_zeros_and_ones():
    for name in ("six_by_six_image", "seven_by_seven_image"):
        assert set(np.unique(load_example(name))) <= {0.0, 1.0}


def test_horizontal_edge_detector_is_the_vertical_one_transposed():
    np.testing.assert_array_equal(
        load_example("horizontal_edge_detector"), load_example("vertical_edge_detector").T
    )


def test_filter1_has_ones_on_its_diagonal_and_filter2_in_its_middle_column():
    # Seed 003's Keras slide prints a -1 at the bottom-right; the other slides print 1.
    filter1, filter2 = load_example("filter1"), load_example("filter2")
    np.testing.assert_array_equal(filter1, 2 * np.eye(3) - 1)
    expected2 = -np.ones((3, 3))
    expected2[:, 1] = 1
    np.testing.assert_array_equal(filter2, expected2)


def test_sharpen_kernel_is_symmetric_so_flip_does_not_matter():
    kernel = load_example("sharpen_kernel")
    np.testing.assert_array_equal(kernel, kernel[::-1, ::-1])


def test_feature_detector_is_not_symmetric_so_flip_matters():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    assert not np.array_equal(
        signal.correlate2d(image, kernel, mode="valid"),
        signal.convolve2d(image, kernel, mode="valid"),
    )


def test_sharpen_patch_is_a_zero_padded_corner():
    patch = load_example("sharpen_patch_6x6")
    assert np.all(patch[0, :] == 0)
    assert np.all(patch[:, 0] == 0)
    assert np.all(patch[1:, 1:] > 0)


def test_number_grid_is_uint8_pixels_of_two_digits():
    grid = load_example("number_grid_20x20")
    assert grid.dtype == np.uint8
    assert grid.min() >= 0
    assert grid.max() <= 99


# ---------------------------------------------------------------- printed results, recomputed
def test_loop_oracle_agrees_with_scipy_on_every_kernel_example():
    pairs = [
        ("six_by_six_image", "filter1"), ("six_by_six_image", "filter2"),
        ("seven_by_seven_image", "feature_detector"),
        ("handwritten_5x5_image", "vertical_edge_detector"),
        ("handwritten_5x5_image", "horizontal_edge_detector"),
        ("sharpen_patch_6x6", "sharpen_kernel"), ("backprop_x", "backprop_k"),
    ]
    for image_name, kernel_name in pairs:
        image, kernel = load_example(image_name), load_example(kernel_name)
        np.testing.assert_array_equal(
            correlate_loop(image, kernel), signal.correlate2d(image, kernel, mode="valid")
        )


def test_filter1_feature_map_matches_the_notes():
    computed = correlate_loop(load_example("six_by_six_image"), load_example("filter1"))
    np.testing.assert_array_equal(computed, load_example("filter1_feature_map_printed"))
    # The filter fires (3) where the image holds the full diagonal: top-left and bottom-left.
    assert computed[0, 0] == 3 == computed[3, 0] == computed.max()


def test_filter1_stride2_first_row_matches_the_notes():
    image = load_example("six_by_six_image")
    computed = correlate_loop(image, load_example("filter1"), stride=2)
    assert computed.shape == (2, 2)
    np.testing.assert_array_equal(computed[0], load_example("filter1_stride2_first_row_printed"))
    # The first output row reads only image rows 1-3, the rows every slide prints correctly.
    np.testing.assert_array_equal(
        correlate_loop(image[:3], load_example("filter1"), stride=2)[0], computed[0]
    )


def test_feature_map_5x5_differs_from_the_notes_in_one_cell():
    image, kernel = load_example("seven_by_seven_image"), load_example("feature_detector")
    computed = correlate_loop(image, kernel)
    printed = load_example("feature_map_5x5_printed")
    differ = np.argwhere(computed != printed)
    # The slides print 1 at row 3, column 3 (1-based). The window there holds one
    # 1, at its centre, and the detector's centre is 0, so the sum is 0.
    np.testing.assert_array_equal(differ, [[2, 2]])
    window = image[2:5, 2:5]
    assert window.sum() == 1
    assert window[1, 1] == 1
    assert kernel[1, 1] == 0
    assert computed[2, 2] == 0
    assert printed[2, 2] == 1


def test_pooled_feature_map_matches_the_notes_in_ceil_mode():
    printed_pool = load_example("pooled_feature_map_printed")
    computed_map = correlate_loop(load_example("seven_by_seven_image"),
                                  load_example("feature_detector"))
    np.testing.assert_array_equal(max_pool_loop(computed_map, ceil_mode=True), printed_pool)
    # The wrong cell of the printed map shares its window with a 2: same pooled map.
    np.testing.assert_array_equal(
        max_pool_loop(load_example("feature_map_5x5_printed"), ceil_mode=True), printed_pool
    )
    # With the floor rule only whole windows count: the top-left 2 x 2.
    np.testing.assert_array_equal(
        max_pool_loop(computed_map, ceil_mode=False), printed_pool[:2, :2]
    )


def test_flattened_features_are_the_pooled_map_row_by_row():
    pooled = load_example("pooled_feature_map_printed")
    flat = load_example("flattened_features_printed")
    np.testing.assert_array_equal([pooled[i, j] for i in range(3) for j in range(3)], flat)


def test_padded_image_matches_the_notes():
    image = load_example("padding_image_3x3")
    padded = np.zeros((5, 5))
    padded[1:4, 1:4] = image
    np.testing.assert_array_equal(padded, load_example("padding_image_3x3_padded_printed"))


def test_handwritten_filtered_image_first_row_is_wrong_in_the_notes():
    image = load_example("handwritten_5x5_image")
    computed = correlate_loop(image, load_example("vertical_edge_detector"))
    # By hand: each output is (left column sum) - (right column sum) of its window.
    by_hand = np.array([
        [image[r:r + 3, c].sum() - image[r:r + 3, c + 2].sum() for c in range(3)]
        for r in range(3)
    ])
    np.testing.assert_array_equal(computed, by_hand)
    assert by_hand[0, 0] == (1 + 20 + 20) - (20 + 1 + 1)  # 19
    printed = load_example("handwritten_filtered_image_printed")
    # The notes print 21 and -21 in the first row; 41 - 22 is 19, so they are off by 2.
    # Rows 2 and 3 of the printed result are right.
    np.testing.assert_array_equal(computed[1:], printed[1:])
    np.testing.assert_array_equal(computed[0], [19, 0, -19])
    np.testing.assert_array_equal(printed[0] - computed[0], [2, 0, -2])
    # True convolution flips the kernel, which here only changes every sign.
    flipped = signal.convolve2d(image, load_example("vertical_edge_detector"), mode="valid")
    np.testing.assert_array_equal(flipped, -computed)


def test_sharpen_top_left_matches_the_notes():
    patch, kernel = load_example("sharpen_patch_6x6"), load_example("sharpen_kernel")
    computed = correlate_loop(patch, kernel)[0, 0]
    # The slide's own arithmetic: 105 * 5 - 102 - 103, the zeros contributing nothing.
    assert computed == patch[1, 1] * 5 - patch[1, 2] - patch[2, 1]
    assert computed == load_example("sharpen_top_left_printed")


def test_curve_filter_sums_match_the_notes():
    curve = load_example("curve_filter")
    match = load_example("curve_receptive_field_match")
    no_match = load_example("curve_receptive_field_no_match")
    assert (match * curve).sum() == load_example("curve_match_sum_printed")
    assert (no_match * curve).sum() == load_example("curve_no_match_sum_printed")
    # The slide's product list: four of 50 * 30 and one of 20 * 30.
    products = (match * curve)[curve != 0]
    assert sorted(products[products != 0]) == [600, 1500, 1500, 1500, 1500]


def test_eight_row_curve_filter_would_not_give_zero():
    # The no-edge slide reprints the filter with an extra "0 0 0 30 0 0 0" row.
    # Its first seven rows put a 30 over the 50 in the field's bottom row.
    curve = load_example("curve_filter")
    eight_rows = np.vstack([curve[:6], curve[5:6], curve[6:]])
    assert eight_rows.shape == (8, 7)
    no_match = load_example("curve_receptive_field_no_match")
    assert (no_match * eight_rows[:7]).sum() != 0
    assert (no_match * curve).sum() == 0


PRINTED_RECOMPUTE = {
    "filter1_feature_map_printed": lambda: correlate_loop(
        load_example("six_by_six_image"), load_example("filter1")),
    "filter1_stride2_first_row_printed": lambda: correlate_loop(
        load_example("six_by_six_image"), load_example("filter1"), stride=2)[0],
    "feature_map_5x5_printed": lambda: correlate_loop(
        load_example("seven_by_seven_image"), load_example("feature_detector")),
    "pooled_feature_map_printed": lambda: max_pool_loop(correlate_loop(
        load_example("seven_by_seven_image"), load_example("feature_detector"))),
    "flattened_features_printed": lambda: max_pool_loop(correlate_loop(
        load_example("seven_by_seven_image"), load_example("feature_detector"))).ravel(),
    "padding_image_3x3_padded_printed": lambda: np.pad(load_example("padding_image_3x3"), 1),
    "handwritten_filtered_image_printed": lambda: correlate_loop(
        load_example("handwritten_5x5_image"), load_example("vertical_edge_detector")),
    "sharpen_top_left_printed": lambda: correlate_loop(
        load_example("sharpen_patch_6x6"), load_example("sharpen_kernel"))[0, 0],
    "curve_match_sum_printed": lambda: (
        load_example("curve_receptive_field_match") * load_example("curve_filter")).sum(),
    "curve_no_match_sum_printed": lambda: (
        load_example("curve_receptive_field_no_match") * load_example("curve_filter")).sum(),
}


def test_every_printed_entry_has_a_recomputation_here():
    assert set(PRINTED_RECOMPUTE) == set(list_examples("printed"))


@pytest.mark.parametrize("name", sorted(PRINTED_RECOMPUTE))
def test_matches_computation_flag_tells_the_truth(name):
    computed = np.asarray(PRINTED_RECOMPUTE[name]())
    printed = load_example(name)
    agrees = computed.shape == printed.shape and np.array_equal(computed, printed)
    info = example_info(name)
    assert info["matches_computation"] is agrees
    if not agrees:
        # A printed value that is wrong must say so in its notes.
        assert info["notes"]


# ---------------------------------------------------------------- the backprop homework
def _forward(x, k, b):
    return correlate_loop(x, k) + b[0]


def _loss(x, k, b, dl_dz):
    return float((_forward(x, k, b) * dl_dz).sum())


def _finite_difference(f, arr, eps=1e-3):
    grad = np.zeros_like(arr)
    for index in np.ndindex(arr.shape):
        plus, minus = arr.copy(), arr.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def test_backprop_z11_is_the_notes_sum_of_four_products_plus_bias():
    x, k, b = load_example("backprop_x"), load_example("backprop_k"), load_example("backprop_b")
    z = _forward(x, k, b)
    assert z.shape == (2, 2)
    # z11 = X11 K11 + X12 K12 + X21 K21 + X22 K22 + B, as the notes write it
    assert z[0, 0] == (x[0, 0] * k[0, 0] + x[0, 1] * k[0, 1]
                       + x[1, 0] * k[1, 0] + x[1, 1] * k[1, 1] + b[0])
    # z22, which the notes leave as an exercise: the same window moved one down and right
    assert z[1, 1] == (x[1, 1] * k[0, 0] + x[1, 2] * k[0, 1]
                       + x[2, 1] * k[1, 0] + x[2, 2] * k[1, 1] + b[0])


def test_backprop_formulas_of_the_notes_hold_on_the_course_values():
    x, k, b = load_example("backprop_x"), load_example("backprop_k"), load_example("backprop_b")
    g = load_example("backprop_dl_dz")
    # dL/dK = X (correlate) dL/dZ
    np.testing.assert_allclose(
        correlate_loop(x, g), _finite_difference(lambda kk: _loss(x, kk, b, g), k), atol=1e-9
    )
    # dL/dB = sum of dL/dZ
    np.testing.assert_allclose(
        [g.sum()], _finite_difference(lambda bb: _loss(x, k, bb, g), b), atol=1e-9
    )
    # dL/dX = zero-padded dL/dZ (correlate) K rotated by 180 degrees
    np.testing.assert_allclose(
        correlate_loop(np.pad(g, 1), k[::-1, ::-1]),
        _finite_difference(lambda xx: _loss(xx, k, b, g), x), atol=1e-9,
    )


def test_backprop_course_values_exercise_every_term():
    # The chosen values are not degenerate: mostly non-zero and mostly distinct, so
    # that a formula with two terms swapped gives a different number.
    x, k = load_example("backprop_x"), load_example("backprop_k")
    assert np.count_nonzero(k) >= 3
    assert np.count_nonzero(x) >= 6
    assert len(np.unique(x)) >= 4
    assert len(np.unique(k)) == 4
