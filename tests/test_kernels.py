"""Named kernels (cnn_utils.kernels).

The presets are compared with the kernels printed in the notes (typed here as
data), with scipy.ndimage's Sobel and Laplace filters, and with properties a
kernel of each kind must have (a blur sums to 1, an edge detector to 0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from cnn_utils import KERNELS, convolve2d, correlate2d, get_kernel, kernel_names, load_example

# The kernels as the notes print them.
NOTES = {
    # seed 004, "2D Convolution: Sobel Filter": Gx and Gy
    "sobel_x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "sobel_y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    # seed 004's kernel matrix and the centre of seed 001's 5x5 "Sharpen" grid
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    # seed 001, "Edge Enhance", "Edge Detect", "Emboss"
    "edge_enhance": [[0, 0, 0], [-1, 1, 0], [0, 0, 0]],
    "edge_detect": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


def test_the_issue_lists_these_kernels():
    names = set(kernel_names())
    wanted = {
        "identity",
        "sobel_x",
        "sobel_y",
        "sharpen",
        "box_blur",
        "gaussian_blur",
        "edge_enhance",
        "edge_detect",
        "emboss",
        "outline",
    }
    assert wanted <= names
    assert kernel_names() == list(KERNELS)
    assert kernel_names() == kernel_names()  # a stable order


@pytest.mark.parametrize("name", sorted(NOTES))
def test_presets_are_the_kernels_printed_in_the_notes(name):
    np.testing.assert_array_equal(get_kernel(name), NOTES[name])


def test_seed_001_sharpen_grid_has_the_preset_at_its_centre():
    grid = np.zeros((5, 5))
    grid[1:4, 1:4] = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]  # as printed, zeros around
    np.testing.assert_array_equal(grid[1:4, 1:4], get_kernel("sharpen"))
    np.testing.assert_array_equal(load_example("sharpen_kernel"), get_kernel("sharpen"))


def test_edge_detectors_of_seed_002():
    np.testing.assert_array_equal(
        get_kernel("vertical_edge"), load_example("vertical_edge_detector")
    )
    np.testing.assert_array_equal(
        get_kernel("horizontal_edge"), load_example("horizontal_edge_detector")
    )
    # the horizontal detector is the vertical one turned on its side
    np.testing.assert_array_equal(get_kernel("horizontal_edge"), get_kernel("vertical_edge").T)


def test_identity_leaves_an_image_unchanged():
    image = np.random.default_rng(0).standard_normal((5, 6))
    np.testing.assert_array_equal(correlate2d(image, get_kernel("identity"), "same"), image)


@pytest.mark.parametrize(
    ("name", "size"),
    [("box_blur", 3), ("box_blur_5x5", 5), ("gaussian_blur", 3), ("gaussian_blur_5x5", 5)],
)
def test_blurs_sum_to_one_and_keep_a_flat_image_flat(name, size):
    k = get_kernel(name)
    assert k.shape == (size, size)
    assert k.sum() == pytest.approx(1.0, rel=1e-12)
    assert np.all(k > 0)
    flat = np.full((8, 8), 7.0)
    np.testing.assert_allclose(correlate2d(flat, k), 7.0, rtol=1e-12)


def test_box_blur_is_the_mean_of_each_window():
    image = np.random.default_rng(1).standard_normal((5, 6))
    out = correlate2d(image, get_kernel("box_blur"))
    for i in range(3):
        for j in range(4):
            assert out[i, j] == pytest.approx(image[i : i + 3, j : j + 3].mean(), rel=1e-12)


def test_gaussian_blur_is_the_binomial_kernel():
    # [1, 2, 1] (row 2 of Pascal's triangle) times itself, over 16
    row = np.array([1.0, 2.0, 1.0])
    np.testing.assert_allclose(get_kernel("gaussian_blur"), np.outer(row, row) / 16, rtol=1e-15)


def test_gaussian_blur_5x5_is_a_sampled_unit_gaussian():
    # exp(-r^2 / 2) at r = -2..2 in each direction, normalised to sum 1
    g = [math.exp(-(r**2) / 2) for r in range(-2, 3)]
    total = sum(g) ** 2
    expected = [[a * b / total for b in g] for a in g]
    np.testing.assert_allclose(get_kernel("gaussian_blur_5x5"), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "name", ["sobel_x", "sobel_y", "edge_detect", "outline", "vertical_edge", "horizontal_edge"]
)
def test_edge_detectors_sum_to_zero_and_ignore_flat_regions(name):
    k = get_kernel(name)
    assert k.sum() == 0
    np.testing.assert_array_equal(correlate2d(np.full((6, 6), 3.0), k), 0)


@pytest.mark.parametrize("name", ["sharpen", "emboss", "edge_enhance", "identity"])
def test_kernels_that_keep_brightness_sum_to_one_or_zero(name):
    # sharpen, emboss and identity keep a flat image's brightness (sum 1); edge enhance,
    # as printed in the notes, is a difference of neighbours (sum 0)
    expected = 0 if name == "edge_enhance" else 1
    assert get_kernel(name).sum() == expected


def test_sobel_matches_scipy_ndimage_under_true_convolution():
    # seed 004 writes Gx = K * A with * true convolution; scipy.ndimage.sobel computes
    # right-minus-left (axis 1) and bottom-minus-top (axis 0), smoothed 1-2-1, which is
    # convolution with these kernels. Zero padding on both sides ("same", mode constant).
    image = np.random.default_rng(2).standard_normal((6, 7))
    np.testing.assert_allclose(
        convolve2d(image, get_kernel("sobel_x"), "same"),
        ndimage.sobel(image, axis=1, mode="constant"),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        convolve2d(image, get_kernel("sobel_y"), "same"),
        ndimage.sobel(image, axis=0, mode="constant"),
        rtol=1e-12,
        atol=1e-12,
    )
    # under cross-correlation (what conv2d computes) the sign flips, as the module says
    np.testing.assert_allclose(
        correlate2d(image, get_kernel("sobel_x"), "same"),
        -ndimage.sobel(image, axis=1, mode="constant"),
        rtol=1e-12,
        atol=1e-12,
    )


def test_laplacian_matches_scipy_ndimage():
    image = np.random.default_rng(3).standard_normal((5, 8))
    np.testing.assert_allclose(
        correlate2d(image, get_kernel("laplacian"), "same"),
        ndimage.laplace(image, mode="constant"),
        rtol=1e-12,
        atol=1e-12,
    )


def test_sobel_x_finds_a_vertical_edge():
    # dark left half, bright right half: a vertical edge between columns 2 and 3
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0
    response = convolve2d(image, get_kernel("sobel_x"), "valid")
    # every window over the edge sees (1 + 2 + 1) more on its right than its left
    np.testing.assert_array_equal(response[:, 1:3], 4.0)
    np.testing.assert_array_equal(response[:, [0, 3]], 0.0)
    np.testing.assert_array_equal(convolve2d(image, get_kernel("sobel_y"), "valid"), 0.0)


def test_outline_and_sharpen_by_hand():
    # a single bright pixel: outline gives 8 at the pixel and -1 around it;
    # sharpen gives 5 at the pixel and -1 at its four neighbours
    image = np.zeros((3, 3))
    image[1, 1] = 1.0
    np.testing.assert_array_equal(
        correlate2d(image, get_kernel("outline"), "same"), [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    )
    np.testing.assert_array_equal(
        correlate2d(image, get_kernel("sharpen"), "same"), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    )


@pytest.mark.parametrize(
    ("alias", "name"),
    [("laplacian", "edge_detect"), ("blur", "box_blur"), ("gaussian", "gaussian_blur")],
)
def test_aliases(alias, name):
    np.testing.assert_array_equal(get_kernel(alias), get_kernel(name))


@pytest.mark.parametrize("name", kernel_names())
def test_get_kernel_returns_a_writable_float64_copy(name):
    k = get_kernel(name)
    assert k.dtype == np.float64
    assert k.flags.writeable
    k[...] = 123.0
    assert not np.any(get_kernel(name) == 123.0)
    assert not np.any(KERNELS[name] == 123.0)


@pytest.mark.parametrize("name", kernel_names())
def test_presets_cannot_be_changed_in_place(name):
    with pytest.raises(ValueError, match=r"read-only"):
        KERNELS[name][0, 0] = 99.0


def test_get_kernel_rejects_unknown_names():
    with pytest.raises(
        ValueError, match=r"unknown kernel 'sobel'; known kernels: identity, sobel_x"
    ):
        get_kernel("sobel")
    with pytest.raises(ValueError, match=r"aliases: laplacian, blur, gaussian"):
        get_kernel("Sharpen")
    with pytest.raises(TypeError, match=r"kernel name must be a string, got int 3"):
        get_kernel(3)
    with pytest.raises(TypeError, match=r"got NoneType None"):
        get_kernel(None)
