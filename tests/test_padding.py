"""Padding (cnn_utils.padding.pad2d).

Two oracles: ``numpy.pad`` with the matching mode (reflect = 'reflect',
replicate = 'edge', wrap = 'wrap'), and a plain loop (``_pad_loop``) that maps
every output cell back to the input cell it copies, written from the mode's
definition in words.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils import load_example, pad2d

NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "wrap": "wrap"}


def _source_index(i, n, mode):
    """The input index that padded index ``i`` (relative to the first real cell) copies."""
    if 0 <= i < n:
        return i
    if mode == "constant":
        return None
    if mode == "replicate":  # repeat the edge cell
        return min(max(i, 0), n - 1)
    if mode == "wrap":  # continue from the other side
        return i % n
    # reflect: mirror about the edge cell, without repeating it
    return -i if i < 0 else 2 * (n - 1) - i


def _pad_loop(image, top, bottom, left, right, mode, value=0.0):
    h, w = image.shape
    out = np.empty((h + top + bottom, w + left + right))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            sr = _source_index(r - top, h, mode)
            sc = _source_index(c - left, w, mode)
            out[r, c] = value if sr is None or sc is None else image[sr, sc]
    return out


@st.composite
def _pad_cases(draw):
    mode = draw(st.sampled_from(sorted(NUMPY_MODE)))
    ndim = draw(st.sampled_from([2, 3, 4]))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    shape = {2: (h, w), 3: (h, w, draw(st.integers(1, 3))), 4: None}[ndim]
    if ndim == 4:
        shape = (draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)))
    # reflect can mirror at most n - 1 cells (there is nothing further to mirror)
    max_h, max_w = (h - 1, w - 1) if mode == "reflect" else (4, 4)
    top, bottom = draw(st.integers(0, max_h)), draw(st.integers(0, max_h))
    left, right = draw(st.integers(0, max_w)), draw(st.integers(0, max_w))
    form = draw(st.sampled_from(["int", "pair", "per_side"]))
    if form == "int":
        top = bottom = left = right = min(top, left)
        padding = top
    elif form == "pair":
        bottom, right = top, left
        padding = (top, left)
    else:
        padding = ((top, bottom), (left, right))
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).standard_normal(shape)
    return x, padding, (top, bottom, left, right), mode


def _spatial_slices(x):
    """Every 2-D (H, W) slice of an image or batch, as index tuples."""
    if x.ndim == 2:
        return [(slice(None), slice(None))]
    if x.ndim == 3:
        return [(slice(None), slice(None), c) for c in range(x.shape[2])]
    return [(n, slice(None), slice(None), c) for n in range(x.shape[0]) for c in range(x.shape[3])]


@given(_pad_cases())
def test_pad2d_matches_numpy_pad(case):
    x, padding, (top, bottom, left, right), mode = case
    widths = [(0, 0)] * x.ndim
    row_axis = 1 if x.ndim == 4 else 0
    widths[row_axis], widths[row_axis + 1] = (top, bottom), (left, right)
    np.testing.assert_array_equal(pad2d(x, padding, mode=mode), np.pad(x, widths, NUMPY_MODE[mode]))


@given(_pad_cases())
def test_pad2d_matches_the_index_mapping_loop(case):
    x, padding, (top, bottom, left, right), mode = case
    out = pad2d(x, padding, mode=mode)
    for index in _spatial_slices(x):
        expected = _pad_loop(x[index], top, bottom, left, right, mode)
        np.testing.assert_array_equal(out[index], expected)


@given(_pad_cases())
def test_cropping_the_padding_gives_back_the_input(case):
    x, padding, (top, bottom, left, right), mode = case
    out = pad2d(x, padding, mode=mode)
    row_axis = 1 if x.ndim == 4 else 0
    h, w = x.shape[row_axis], x.shape[row_axis + 1]
    assert out.shape[row_axis : row_axis + 2] == (h + top + bottom, w + left + right)
    inner = [slice(None)] * x.ndim
    inner[row_axis] = slice(top, top + h)
    inner[row_axis + 1] = slice(left, left + w)
    np.testing.assert_array_equal(out[tuple(inner)], x)


def test_modes_on_one_row_by_hand():
    row = [[1, 2, 3]]
    two_left = ((0, 0), (2, 0))
    # reflect mirrors without repeating the edge: 3 2 | 1 2 3
    np.testing.assert_array_equal(pad2d(row, two_left, mode="reflect"), [[3, 2, 1, 2, 3]])
    # replicate repeats the edge: 1 1 | 1 2 3
    np.testing.assert_array_equal(pad2d(row, two_left, mode="replicate"), [[1, 1, 1, 2, 3]])
    # wrap continues from the other side: 2 3 | 1 2 3
    np.testing.assert_array_equal(pad2d(row, two_left, mode="wrap"), [[2, 3, 1, 2, 3]])
    # constant fills with the value
    np.testing.assert_array_equal(pad2d(row, two_left, value=-7), [[-7, -7, 1, 2, 3]])
    # and on the right: 1 2 3 | 2 1, 1 2 3 | 3 3, 1 2 3 | 1 2
    two_right = ((0, 0), (0, 2))
    np.testing.assert_array_equal(pad2d(row, two_right, mode="reflect"), [[1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(pad2d(row, two_right, mode="replicate"), [[1, 2, 3, 3, 3]])
    np.testing.assert_array_equal(pad2d(row, two_right, mode="wrap"), [[1, 2, 3, 1, 2]])


def test_seed_001_zero_padding_of_the_3x3_image():
    # seed 001, "Padding": a 3x3 image gets a border of one zero on every side.
    image = load_example("padding_image_3x3")  # [[12, 34, 15], [32, 63, 1], [8, 77, 98]]
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = image
    padded = pad2d(image, 1)
    np.testing.assert_array_equal(padded, expected)
    # the notes print the same 5x5 grid
    np.testing.assert_array_equal(padded, load_example("padding_image_3x3_padded_printed"))


def test_padding_forms_agree():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(pad2d(x, 1), pad2d(x, (1, 1)))
    np.testing.assert_array_equal(pad2d(x, (1, 2)), pad2d(x, ((1, 1), (2, 2))))
    np.testing.assert_array_equal(pad2d(x, [[0, 1], [2, 0]]), pad2d(x, ((0, 1), (2, 0))))


def test_channels_and_batch_axes_are_not_padded():
    x = np.ones((2, 3, 4, 5))
    assert pad2d(x, ((1, 2), (3, 4))).shape == (2, 6, 11, 5)
    assert pad2d(x[0], ((1, 2), (3, 4))).shape == (6, 11, 5)
    assert pad2d(x[0, :, :, 0], ((1, 2), (3, 4))).shape == (6, 11)


def test_zero_padding_returns_an_equal_new_array():
    x = np.arange(6.0).reshape(2, 3)
    out = pad2d(x, 0)
    np.testing.assert_array_equal(out, x)
    out[0, 0] = 99
    assert x[0, 0] == 0


def test_input_is_not_modified():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    pad2d(x, 1, mode="reflect")
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("mode", sorted(NUMPY_MODE))
@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (bool, np.float64),
    ],
)
def test_output_dtype_follows_input(mode, dtype, expected):
    assert pad2d(np.ones((3, 3), dtype=dtype), 1, mode=mode).dtype == expected


def test_constant_value_keeps_float32():
    out = pad2d(np.ones((2, 2), dtype=np.float32), 1, value=0.1)
    assert out.dtype == np.float32
    assert out[0, 0] == np.float32(0.1)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: pad2d(np.ones((3, 3)), 3, mode="reflect"),
            ValueError,
            r"reflect padding must be smaller than the image.*\(\(3, 3\), \(3, 3\)\) on a 3x3",
        ),
        (
            lambda: pad2d(np.ones((2, 5)), ((0, 0), (0, 5)), mode="reflect"),
            ValueError,
            r"reflect padding must be smaller.*on a 2x5 image",
        ),
        (
            lambda: pad2d(np.ones((2, 5)), ((2, 0), (0, 0)), mode="reflect"),
            ValueError,
            r"\(\(2, 0\), \(0, 0\)\) on a 2x5 image",
        ),
        (
            lambda: pad2d(np.ones((3, 3)), 1, mode="edge"),
            ValueError,
            r"mode must be one of 'constant', 'reflect', 'replicate', 'wrap'; got 'edge'",
        ),
        (lambda: pad2d(np.ones((3, 3)), 1, mode=None), ValueError, r"mode must be one of .*None"),
        (lambda: pad2d(np.ones(3), 1), ValueError, r"x must be 2-D or 3-D or 4-D.*got a 1-D"),
        (lambda: pad2d(np.ones((1,) * 5), 1), ValueError, r"got a 5-D array of shape"),
        (lambda: pad2d(np.ones((3, 3)), -1), ValueError, r"padding must be at least 0, got -1"),
        (lambda: pad2d(np.ones((3, 3)), 1.0), TypeError, r"padding must be an integer, got float"),
        (lambda: pad2d(np.ones((3, 3)), (1, 1, 1)), ValueError, r"got \(1, 1, 1\)"),
        (lambda: pad2d(np.ones((3, 3)), "same"), ValueError, r"got the string 'same'"),
        (
            lambda: pad2d(np.ones((3, 3)), ((1, -1), (0, 0))),
            ValueError,
            r"padding\[0\]\[1\] must be at least 0, got -1",
        ),
        (lambda: pad2d(np.ones((3, 3)), 1, value=None), TypeError, r"value must be a number"),
        (lambda: pad2d(np.ones((3, 3)), 1, value=[1, 2]), TypeError, r"value must be a number"),
        (lambda: pad2d(np.ones((0, 3)), 1), ValueError, r"x is empty \(shape \(0, 3\)\)"),
        (lambda: pad2d("image", 1), TypeError, r"x must be a numeric array, got str"),
        (lambda: pad2d([["a", "b"]], 1), TypeError, r"numeric array, got an array of dtype <U1"),
        (
            lambda: pad2d(np.ones((2, 2), dtype=object), 1),
            TypeError,
            r"got an array of dtype object",
        ),
        (lambda: pad2d(np.ones((2, 2), dtype=complex), 1), TypeError, r"must be real-valued"),
    ],
)
def test_pad2d_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_pad2d_rejects_a_string_fill_value_with_a_type_error():
    with pytest.raises(TypeError, match=r"value must be a number, got 'a'"):
        pad2d(np.ones((3, 3)), 1, value="a")


def test_huge_padding_says_how_much_memory_it_would_need():
    with pytest.raises(
        ValueError,
        match=r"padding 100000 on a 6x6 input would need a 200006x200006 array of float64, "
        r"298 GiB; the limit is",
    ):
        pad2d(np.ones((6, 6)), 10**5)
    with pytest.raises(ValueError, match=r"padding must be at most 1048576"):
        pad2d(np.ones((6, 6)), 2**64)


def test_numpy_numbers_and_0d_arrays_are_accepted():
    expected = pad2d(np.ones((2, 2)), 1, value=2.0)
    np.testing.assert_array_equal(
        pad2d(np.ones((2, 2)), np.array(1), value=np.float32(2)), expected
    )
    np.testing.assert_array_equal(pad2d(np.ones((2, 2)), np.int64(1), value=np.array(2)), expected)
    np.testing.assert_array_equal(
        pad2d(np.ones((2, 2)), np.array([[1, 1], [1, 1]]), value=2), expected
    )
