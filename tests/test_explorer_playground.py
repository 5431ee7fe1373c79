"""Kernel playground: the filtering, the display of negative values, uploads, the widget.

Oracles: scipy.ndimage (correlate/convolve, with its names for the border
modes), cnn_utils.correlate2d on an explicitly padded image, matplotlib's
colour map for the signed display, and hand arithmetic for the uint8 values.
"""

from __future__ import annotations

import dataclasses
import datetime
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from scipy import ndimage

from cnn_utils import correlate2d, get_kernel, pad2d
from cnn_utils.explorers.playground import (
    BORDER_LABELS,
    DISPLAY_NOTES,
    PRESETS,
    PlaygroundState,
    apply_kernel,
    display_rgb,
    kernel_playground,
    playground_view,
    read_image_bytes,
)

# our border names -> scipy.ndimage's names for the same rule
SCIPY_MODE = {"constant": "constant", "reflect": "mirror", "replicate": "nearest", "wrap": "wrap"}


@pytest.fixture(scope="module")
def photo_state():
    """The explorer's own working-size photo (what the learner sees)."""
    return kernel_playground().state


@pytest.fixture
def small_image():
    return np.random.default_rng(0).random((12, 10, 3))


def _png(width, height, mode="RGB", colour=0):
    buf = io.BytesIO()
    Image.new(mode, (width, height), colour).save(buf, format="PNG")
    return buf.getvalue()


def _upload(explorer, data: bytes, name="file.png"):
    explorer.controls["upload"].value = (
        {
            "name": name,
            "type": "image/png",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        },
    )


def shown(explorer) -> str:
    """What the explorer's view widget shows now (its HTML)."""
    (view,) = [w for w in explorer.widget.children if "cnn-explorer-view" in w._dom_classes]
    return view.value


PNG = b"\x89PNG"


# ----------------------------------------------------------------------------- the maths
@pytest.mark.parametrize("border", list(BORDER_LABELS))
@pytest.mark.parametrize("operation", ["correlate", "convolve"])
@pytest.mark.parametrize("color", [True, False])
def test_identity_preset_returns_the_input(photo_state, border, operation, color):
    state = dataclasses.replace(
        photo_state.with_preset("identity"), border=border, operation=operation, color=color
    )
    view = playground_view(state)
    expected = photo_state.image if color else photo_state.image @ [0.299, 0.587, 0.114]
    np.testing.assert_array_equal(view.filtered, expected)


@pytest.mark.parametrize("border", list(BORDER_LABELS))
def test_sobel_x_matches_scipy_on_the_working_photo(photo_state, border):
    state = dataclasses.replace(photo_state.with_preset("sobel_x"), border=border)
    view = playground_view(state)
    img = photo_state.image
    k = get_kernel("sobel_x")
    for c in range(3):
        expected = ndimage.correlate(img[:, :, c], k, mode=SCIPY_MODE[border], cval=0.0)
        np.testing.assert_allclose(view.filtered[:, :, c], expected, atol=1e-12)
    assert view.filtered.shape == img.shape


@pytest.mark.parametrize("border", list(BORDER_LABELS))
def test_sobel_x_gray_matches_scipy(photo_state, border):
    state = dataclasses.replace(photo_state.with_preset("sobel_x"), border=border, color=False)
    gray = photo_state.image @ np.array([0.299, 0.587, 0.114])
    expected = ndimage.correlate(gray, get_kernel("sobel_x"), mode=SCIPY_MODE[border], cval=0.0)
    np.testing.assert_allclose(playground_view(state).filtered, expected, atol=1e-12)


@pytest.mark.parametrize("size", [3, 5])
@pytest.mark.parametrize("border", list(BORDER_LABELS))
def test_convolution_is_correlation_with_the_flipped_kernel(small_image, size, border):
    k = np.random.default_rng(size).normal(size=(size, size))
    conv = apply_kernel(small_image, k, border, "convolve")
    corr_flipped = apply_kernel(small_image, k[::-1, ::-1], border, "correlate")
    np.testing.assert_allclose(conv, corr_flipped, atol=1e-12)
    for c in range(3):  # and it is what scipy calls convolution
        expected = ndimage.convolve(small_image[:, :, c], k, mode=SCIPY_MODE[border], cval=0.0)
        np.testing.assert_allclose(conv[:, :, c], expected, atol=1e-12)
    # the toggle makes a difference for a kernel that is not symmetric
    assert not np.allclose(conv, apply_kernel(small_image, k, border, "correlate"))


def test_convolution_toggle_in_the_view(small_image):
    k = np.arange(9.0).reshape(3, 3) - 4
    state = PlaygroundState(small_image, k, border="wrap")
    conv = playground_view(dataclasses.replace(state, operation="convolve")).filtered
    flipped = playground_view(state.with_kernel(k[::-1, ::-1])).filtered
    np.testing.assert_allclose(conv, flipped, atol=1e-12)


@pytest.mark.parametrize("border", list(BORDER_LABELS))
def test_apply_kernel_equals_correlate2d_on_the_padded_image(small_image, border):
    k = np.random.default_rng(1).normal(size=(5, 5))
    padded = pad2d(small_image[:, :, 1], 2, mode=border)
    np.testing.assert_allclose(
        apply_kernel(small_image[:, :, 1], k, border), correlate2d(padded, k), atol=1e-12
    )


def test_apply_kernel_matches_a_plain_loop():
    img = np.arange(30.0).reshape(5, 6)
    k = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 0.0], [3.0, 0.0, 1.0]])
    padded = np.zeros((7, 8))
    padded[1:-1, 1:-1] = img
    expected = np.zeros_like(img)
    for i in range(5):
        for j in range(6):
            expected[i, j] = sum(padded[i + p, j + q] * k[p, q] for p in range(3) for q in range(3))
    np.testing.assert_allclose(apply_kernel(img, k, "constant"), expected)


@pytest.mark.parametrize("operation", ["correlate", "convolve"])
def test_gradient_magnitude_is_the_length_of_the_sobel_pair(photo_state, operation):
    state = dataclasses.replace(
        photo_state.with_preset("gradient_magnitude"), color=False, operation=operation
    )
    gray = photo_state.image @ np.array([0.299, 0.587, 0.114])
    gx = ndimage.correlate(gray, get_kernel("sobel_x"), mode="mirror")
    gy = ndimage.correlate(gray, get_kernel("sobel_y"), mode="mirror")
    view = playground_view(state)
    np.testing.assert_allclose(view.filtered, np.sqrt(gx**2 + gy**2), atol=1e-12)
    assert view.out_min >= 0


def test_view_reports_min_and_max_of_the_output(photo_state):
    view = playground_view(photo_state.with_preset("outline"))
    expected = ndimage.correlate(photo_state.image[:, :, 0], get_kernel("outline"), mode="mirror")
    assert view.out_min <= expected.min() + 1e-12
    assert view.out_max >= expected.max() - 1e-12
    assert view.out_min < 0 < view.out_max  # an outline kernel has both signs
    assert f"min {view.out_min:.3f}".rstrip("0").rstrip(".") in view.stats


# ----------------------------------------------------------------------------- display modes
KNOWN = np.array([[-1.0, 0.0], [0.2, 4.0]])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # clip to [0, 1], times 255: 0, 0, 0.2 * 255 = 51, 255
        ("clip", [[0, 0], [51, 255]]),
        # |x| / max |x| = 0.25, 0, 0.05, 1 -> 63.75, 0, 12.75, 255 -> rounded
        ("abs", [[64, 0], [13, 255]]),
        # (x - min) / (max - min) = 0, 0.2, 0.24, 1 -> 0, 51, 61.2, 255 -> rounded
        ("normalize", [[0, 51], [61, 255]]),
    ],
)
def test_display_modes_on_a_known_array(mode, expected):
    rgb = display_rgb(KNOWN, mode)
    assert rgb.dtype == np.uint8
    assert rgb.shape == (2, 2, 3)
    for c in range(3):  # gray: the three channels agree
        np.testing.assert_array_equal(rgb[:, :, c], expected)


def test_signed_display_centres_zero_on_the_diverging_map():
    import matplotlib

    from cnn_utils.presentation import theme

    rgb = display_rgb(KNOWN, "signed")
    cmap = matplotlib.colormaps[theme().diverging_cmap]
    # limit = max |x| = 4; position 0.5 + x / (2 * 4): 0.375, 0.5, 0.525, 1.0
    # the same colour stops as matplotlib's map (which reads them from a 256-entry table)
    for (i, j), position in {(0, 0): 0.375, (0, 1): 0.5, (1, 0): 0.525, (1, 1): 1.0}.items():
        expected = np.array(cmap(position, bytes=True)[:3], dtype=int)
        assert np.abs(rgb[i, j].astype(int) - expected).max() <= 3
    assert rgb[0, 1].min() > 230  # zero is (nearly) white


def test_each_display_mode_has_a_note_of_what_it_hides():
    for mode, note in DISPLAY_NOTES.items():
        if mode == "auto":  # not a display of its own: it picks one of the others
            continue
        assert "hides" in note
        view = playground_view(
            PlaygroundState.from_preset(np.eye(8), "sobel_x", display=mode, color=False)
        )
        assert view.note == note
        assert note in view.html.replace("&#x27;", "'")


def test_unknown_display_mode_is_refused():
    with pytest.raises(ValueError, match="'sepia'"):
        display_rgb(KNOWN, "sepia")


# ----------------------------------------------------------------------------- uploads
def test_garbage_bytes_are_refused_with_a_message():
    image, message = read_image_bytes(b"this is not an image at all")
    assert image is None
    assert "not an image" in message
    assert "previous image is kept" in message


def test_oversize_image_is_refused_before_decoding():
    data = _png(5000, 4200, mode="1")  # 21 megapixels, a few kilobytes
    image, message = read_image_bytes(data)
    assert image is None
    assert "5000x4200" in message
    assert "megapixels" in message


def test_oversize_file_is_refused():
    image, message = read_image_bytes(b"\x89PNG" + bytes(10_000_001))
    assert image is None
    assert "bytes" in message
    assert "10 MB" in message


def test_accepted_image_is_downscaled_and_keeps_its_colour():
    image, message = read_image_bytes(_png(900, 450, colour=(255, 0, 102)), max_side=300)
    assert image.shape == (150, 300, 3)
    np.testing.assert_allclose(image[75, 150], [1.0, 0.0, 0.4])
    assert "900x450" in message


def test_widget_upload_of_garbage_keeps_the_image_and_says_why():
    ex = kernel_playground()
    ex.widget  # noqa: B018 - build the controls
    before, picture_before = ex.state.image, ex.view.input_png
    _upload(ex, b"garbage bytes")
    assert ex.state.image is before
    assert ex.view.input_png == picture_before
    assert "not an image" in shown(ex)


def test_widget_upload_of_an_oversize_image_keeps_the_image():
    ex = kernel_playground()
    ex.widget  # noqa: B018
    before = ex.state.image
    _upload(ex, _png(5000, 4200, mode="1"))
    assert ex.state.image is before
    assert "megapixels" in shown(ex)


def test_widget_upload_of_an_image_replaces_it():
    ex = kernel_playground()
    ex.widget  # noqa: B018
    picture_before = ex.view.input_png
    _upload(ex, _png(640, 480, colour=(0, 128, 255)))
    assert ex.state.image.shape == (240, 320, 3)
    assert ex.view.input_png != picture_before
    assert "Loaded" in shown(ex)
    assert ex.controls["upload"].value == ()  # the same file can be chosen again


# ----------------------------------------------------------------------------- the widget
def test_choosing_a_preset_fills_the_grid():
    ex = kernel_playground(np.zeros((16, 16)), "identity")
    c = ex.controls
    c["preset"].value = "box_blur_5x5"
    assert c["size"].value == 5
    assert len(c["kernel"].children) == 25
    assert [b.value for b in c["kernel"].children] == [pytest.approx(1 / 25)] * 25
    c["preset"].value = "emboss"
    assert c["size"].value == 3
    values = [b.value for b in c["kernel"].children]
    assert values == get_kernel("emboss").ravel().tolist()


def test_editing_the_grid_switches_to_custom_and_filters_with_it():
    img = np.random.default_rng(2).random((16, 16))
    ex = kernel_playground(img, "identity", color=False, border="constant")
    out_before = ex.view.output_png
    ex.controls["kernel"].children[5].value = -2.0  # row 1, column 2
    assert ex.controls["preset"].value == "custom"
    assert ex.state.preset == "custom"
    k = np.zeros((3, 3))
    k[1, 1], k[1, 2] = 1.0, -2.0
    expected = ndimage.correlate(img, k, mode="constant")
    np.testing.assert_allclose(ex.view.filtered, expected, atol=1e-12)
    assert ex.view.output_png != out_before
    assert "-2" in ex.view.kernel_html
    assert ex.view.kernel_html in shown(ex)


def test_size_toggle_keeps_the_centre_and_blur_partners():
    ex = kernel_playground(np.zeros((16, 16)), "sharpen")
    ex.widget  # noqa: B018
    ex.controls["size"].value = 5
    assert ex.state.preset == "custom"
    np.testing.assert_array_equal(ex.state.kernel[1:4, 1:4], get_kernel("sharpen"))
    assert np.count_nonzero(ex.state.kernel) == np.count_nonzero(get_kernel("sharpen"))
    ex.controls["preset"].value = "gaussian_blur"
    ex.controls["size"].value = 5
    assert ex.state.preset == "gaussian_blur_5x5"
    assert ex.controls["preset"].value == "gaussian_blur_5x5"


def test_controls_change_the_output_and_the_text():
    ex = kernel_playground(np.random.default_rng(3).random((20, 24, 3)), "emboss", display="signed")
    c = ex.controls
    seen = {ex.view.output_png}
    for name, value in (
        ("display", "abs"),
        ("display", "clip"),
        ("display", "normalize"),
        ("operation", "convolve"),
        ("border", "wrap"),
        ("color", False),
    ):
        c[name].value = value
        assert ex.view.output_png not in seen, (name, value)
        seen.add(ex.view.output_png)
    text = shown(ex)
    assert "convolution" in text
    assert "wrap" in text
    assert "gray" in text
    assert "hides where zero is" in text
    view = ex.view
    assert f"max {view.out_max:.3f}".rstrip("0").rstrip(".") in text


def test_two_explorers_are_independent_and_observers_do_not_stack():
    a = kernel_playground(np.zeros((16, 16)), "identity")
    b = kernel_playground(np.zeros((16, 16)), "identity")
    wa, wb = a.widget, b.widget
    assert a.widget is wa  # built once
    a.controls["preset"].value = "outline"
    assert b.state.preset == "identity"
    assert b.controls["preset"].value == "identity"
    assert wa is not wb
    a.controls["size"].value = 5  # one observer: the kernel grows once, from 3x3 to 5x5
    assert a.state.kernel.shape == (5, 5)
    assert len(a.controls["kernel"].children) == 25


def test_mimebundle_has_widget_static_html_and_short_text():
    bundles = [kernel_playground(np.eye(10), "sharpen")._repr_mimebundle_() for _ in range(2)]
    bundle = bundles[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == bundles[1]["text/html"]  # deterministic
    assert "data:image/jpeg;base64," in bundle["text/html"]
    assert ">sharpen</div>" in bundle["text/html"]  # the kernel grid's title
    assert len(bundle["text/plain"]) < 100


# ----------------------------------------------------------------------------- properties
@given(
    preset=st.sampled_from([*PRESETS, "custom"]),
    size=st.sampled_from([3, 5]),
    values=st.lists(st.floats(-10, 10, allow_nan=False), min_size=25, max_size=25),
    border=st.sampled_from(list(BORDER_LABELS)),
    display=st.sampled_from(list(DISPLAY_NOTES)),
    operation=st.sampled_from(["correlate", "convolve"]),
    color=st.booleans(),
)
def test_any_control_combination_renders(preset, size, values, border, display, operation, color):
    img = np.random.default_rng(4).random((9, 11, 3))
    state = PlaygroundState(
        img, np.zeros((3, 3)), border=border, display=display, operation=operation, color=color
    )
    if preset == "custom":
        state = state.with_kernel(np.array(values[: size * size]).reshape(size, size))
    else:
        state = state.with_preset(preset).with_size(size)
    view = playground_view(state)
    assert view.output_rgb.shape == (9, 11, 3)
    assert view.output_rgb.dtype == np.uint8
    assert view.input_png.startswith(PNG)
    assert view.output_png.startswith(PNG)
    assert np.isfinite(view.out_min)
    assert np.isfinite(view.out_max)


@given(
    control=st.sampled_from(["preset", "size", "operation", "color", "border", "display"]),
    pick=st.integers(0, 50),
)
def test_any_widget_control_value_renders(control, pick):
    ex = _SHARED_WIDGET_EXPLORER()
    widget = ex.controls[control]
    options = [value for _, value in widget.options]
    widget.value = options[pick % len(options)]
    assert ex.view.output_png.startswith(PNG)
    assert ex.view.html == shown(ex)


def _shared():
    cache = {}

    def get():
        if "ex" not in cache:
            ex = kernel_playground(np.random.default_rng(5).random((16, 16, 3)))
            ex.widget  # noqa: B018
            cache["ex"] = ex
        return cache["ex"]

    return get


_SHARED_WIDGET_EXPLORER = _shared()


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"kernel": np.ones((2, 2))}, ValueError, r"odd sides.*\(2, 2\)"),
        ({"kernel": np.ones((3, 3)), "border": "mirror"}, ValueError, "'mirror'"),
        ({"kernel": np.ones((3, 3)), "display": "raw"}, ValueError, "'raw'"),
        ({"kernel": np.ones((3, 3)), "operation": "flip"}, ValueError, "'flip'"),
        ({"kernel": np.ones((3, 3)), "preset": "blurry"}, ValueError, "'blurry'"),
        ({"kernel": np.ones((3, 3)), "color": "yes"}, TypeError, "'yes'"),
    ],
)
def test_bad_state_is_refused_with_a_message(kwargs, error, match):
    with pytest.raises(error, match=match):
        PlaygroundState(np.zeros((16, 16)), **kwargs)


def test_tiny_image_is_refused():
    with pytest.raises(ValueError, match="at least 8x8.*4x20"):
        PlaygroundState(np.zeros((4, 20)), np.ones((3, 3)))


def test_large_array_is_shrunk_to_the_working_size():
    ex = kernel_playground(np.random.default_rng(6).random((1000, 500)), max_side=200)
    assert ex.state.image.shape == (200, 100, 3)
