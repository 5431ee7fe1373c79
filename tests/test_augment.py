"""Data augmentation: scipy.ndimage and exact rotations/shifts as oracles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from cnn_utils.nn import (
    Conv2D,
    Dense,
    Flatten,
    ImageAugmenter,
    Sequential,
    affine_transform_images,
    augment_images,
)


def _scipy_reference(image, angle, shift, zoom, fill):
    """The same transform with scipy: output[o] = input[matrix @ o + offset]."""
    h, w = image.shape
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    t = np.deg2rad(angle)
    rotation_t = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])  # R transposed
    matrix = rotation_t / zoom
    offset = centre - matrix @ (centre + np.asarray(shift))
    return ndimage.affine_transform(image, matrix, offset, order=1, mode="grid-constant", cval=fill)


@given(
    angle=st.floats(-30, 30),
    dy=st.floats(-3, 3),
    dx=st.floats(-3, 3),
    zoom=st.floats(0.8, 1.2),
    h=st.integers(3, 12),
    w=st.integers(3, 12),
    fill=st.sampled_from([0.0, 0.5]),
)
def test_matches_scipy_affine_transform_with_bilinear_interpolation(
    angle, dy, dx, zoom, h, w, fill
):
    image = np.random.default_rng(h * 13 + w).random((h, w))
    got = affine_transform_images(image[None], angle, (dy, dx), zoom, fill)[0]
    np.testing.assert_allclose(got, _scipy_reference(image, angle, (dy, dx), zoom, fill), atol=1e-9)


def test_quarter_turn_of_an_odd_square_is_numpys_rot90():
    image = np.random.default_rng(0).random((2, 7, 7, 3))
    got = affine_transform_images(image, angles=90)
    np.testing.assert_allclose(got, np.rot90(image, k=1, axes=(1, 2)), atol=1e-12)
    got = affine_transform_images(image, angles=-90)
    np.testing.assert_allclose(got, np.rot90(image, k=-1, axes=(1, 2)), atol=1e-12)


def test_whole_pixel_shift_moves_content_and_fills_the_gap():
    image = np.arange(1.0, 26.0).reshape(1, 5, 5)
    got = affine_transform_images(image, shifts=(1, -2), fill_value=-1.0)[0]
    expected = np.full((5, 5), -1.0)
    expected[1:, :3] = image[0, :4, 2:]  # down one row, left two columns
    np.testing.assert_array_equal(got, expected)


def test_identity_parameters_change_nothing():
    image = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(affine_transform_images(image), image, atol=1e-6)
    out = ImageAugmenter(0, 0, 0)(image, np.random.default_rng(0))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, image, atol=1e-6)


def test_each_image_gets_its_own_parameters_within_the_ranges():
    aug = ImageAugmenter(rotation_range=15, shift_range=2, zoom_range=0.1)
    angles, shifts, zooms = aug.random_parameters(500, np.random.default_rng(0))
    assert np.abs(angles).max() <= 15
    assert np.abs(angles).max() > 14
    assert np.abs(shifts).max() <= 2
    assert np.all((zooms >= 0.9) & (zooms <= 1.1))
    assert len(np.unique(angles)) == 500


def test_augmentation_is_seeded_and_keeps_uint8_as_pixels():
    x = np.zeros((4, 28, 28), dtype=np.uint8)
    x[:, 8:20, 12:16] = 255
    a = augment_images(x, seed=3)
    np.testing.assert_array_equal(a, augment_images(x, seed=3))
    assert not np.array_equal(a, augment_images(x, seed=4))
    assert a.dtype == np.uint8
    assert not np.array_equal(a, x)
    # a small shift and turn keeps the stroke's ink roughly the same
    ink = x.astype(float).sum(axis=(1, 2))
    np.testing.assert_allclose(a.astype(float).sum(axis=(1, 2)), ink, rtol=0.1)


def test_fit_augments_every_training_batch_with_its_generator():
    rng = np.random.default_rng(0)
    x = rng.random((10, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 2, 10)
    seen = []

    def spy(batch, generator):
        seen.append((batch.shape, isinstance(generator, np.random.Generator)))
        return batch[:, ::-1]  # a flip: any function of (batch, rng) will do

    model = Sequential(
        [Conv2D(2, 3, input_shape=(6, 6, 1)), Flatten(), Dense(2, activation="softmax")], seed=0
    )
    model.compile("sgd")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, augment=spy)
    assert seen == [((4, 6, 6, 1), True), ((4, 6, 6, 1), True), ((2, 6, 6, 1), True)] * 2

    def wrong(batch, generator):
        return batch[:, :5]

    with pytest.raises(ValueError, match=r"augment returned a batch of shape \(4, 5, 6, 1\)"):
        model.fit(x, y, verbose=0, batch_size=4, augment=wrong)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="rotation_range must be >= 0 and below 180, got -5.0"):
        ImageAugmenter(rotation_range=-5)
    with pytest.raises(ValueError, match="zoom_range must be >= 0 and below 1"):
        ImageAugmenter(zoom_range=1.5)
    with pytest.raises(TypeError, match="shift_range must be a number"):
        ImageAugmenter(shift_range="2")
    with pytest.raises(ValueError, match=r"for one image pass x\[None\]"):
        ImageAugmenter()(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="zooms must be positive"):
        affine_transform_images(np.zeros((1, 4, 4)), zooms=0)


def test_per_image_values_must_match_the_batch_and_be_finite():
    x = np.zeros((3, 4, 4))
    with pytest.raises(ValueError, match=r"angles must be one value or one per image \(3 images"):
        affine_transform_images(x, angles=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"shifts must be one value or one per image"):
        affine_transform_images(x, shifts=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="angles must be finite"):
        affine_transform_images(x, angles=np.nan)
    with pytest.raises(TypeError, match="fill_value must be a number"):
        affine_transform_images(x, fill_value="0")


def test_numpy_numbers_and_negative_zero_configure_the_augmenter_like_python_numbers():
    x = np.random.default_rng(0).random((2, 6, 6)).astype(np.float32)
    plain = augment_images(x, rotation_range=10, shift_range=0.0, seed=3)
    numpy = augment_images(x, rotation_range=np.array(10), shift_range=-0.0, seed=np.int64(3))
    np.testing.assert_array_equal(numpy, plain)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        augment_images(x, seed=-1)
    with pytest.raises(TypeError, match="rng"):
        ImageAugmenter()(x, rng="abc")
