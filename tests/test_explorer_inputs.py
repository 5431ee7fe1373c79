"""Explorers refuse bad arguments up front, and the playground reads every kind of upload.

Every factory and every State class checks its arguments before any work: a
bad one gets the package's own ValueError or TypeError, raised from inside
``cnn_utils``, whose message names the argument. Never a numpy error from deep
inside, and never a hang: each call runs under a SIGALRM timeout of a few
seconds, so ``StepperState(padding=1000)`` or ``stepper_animation(max_frames=10**6)``
fail the test instead of running for minutes.

Uploads to the kernel playground are files built here with Pillow and numpy:
16-bit grey, 32-bit integer and 32-bit float images are scaled to [0, 1] (a
ramp over the whole range has a mean near one half, not white or black), RGBA
is composited on white and the message says so, a PNG with one damaged byte is
called damaged, and random bytes are called not an image.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
import signal

import numpy as np
import pytest

import cnn_utils
import cnn_utils.explorers as explorers

TIMEOUT_S = 5

IMAGE = np.arange(36.0).reshape(6, 6) % 4 - 1
KERNEL = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
PHOTO = np.linspace(0, 1, 20 * 24 * 3).reshape(20, 24, 3)
COLOUR = np.linspace(0, 1, 6 * 6 * 3).reshape(6, 6, 3)


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


def within_time(call, seconds: int = TIMEOUT_S):
    """Run ``call()``; raise Hang (failing the test) when it takes longer than ``seconds``."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def refused(call, argument: str):
    """``call()`` raises our ValueError/TypeError, quickly, and the message names ``argument``."""
    with pytest.raises((ValueError, TypeError)) as excinfo:
        within_time(call)
    message = str(excinfo.value)
    named = re.search(rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])", message)
    assert named, f"the message does not name {argument!r}: {message}"
    where = str(excinfo.traceback[-1].path)
    assert "cnn_utils" in where, f"raised outside cnn_utils, in {where}: {message}"
    return message


def first_parameter(factory) -> str:
    return next(iter(inspect.signature(factory).parameters))


# --------------------------------------------------------------------------- stepper

STEPPER_CASES = {
    "image None": (lambda: cnn_utils.conv_stepper(None, KERNEL), "image"),
    "kernel None": (lambda: cnn_utils.conv_stepper(IMAGE, None), "kernel"),
    "image 4-D": (lambda: cnn_utils.conv_stepper(np.zeros((2, 3, 4, 5)), KERNEL), "image"),
    "image ragged": (lambda: cnn_utils.conv_stepper([[1, 2], [3]], KERNEL), "image"),
    "kernel channels": (lambda: cnn_utils.conv_stepper(IMAGE, np.ones((3, 3, 2))), "kernel"),
    "image absurd": (lambda: cnn_utils.conv_stepper(np.zeros((3000, 3000)), KERNEL), "image"),
    "stride 0": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, stride=0), "stride"),
    "stride float": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, stride=1.5), "stride"),
    "padding -1": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, padding=-1), "padding"),
    "padding 1000": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, padding=1000), "padding"),
    "mode": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, mode="flip"), "mode"),
    "predict": (lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, predict="yes"), "predict"),
    "state padding 1000": (lambda: explorers.StepperState(IMAGE, KERNEL, padding=1000), "padding"),
    "state padding 10**6": (
        lambda: explorers.StepperState(IMAGE, KERNEL, padding=10**6),
        "padding",
    ),
    "state position -1": (lambda: explorers.StepperState(IMAGE, KERNEL, position=-1), "position"),
    "state image None": (lambda: explorers.StepperState(None, KERNEL), "image"),
    "state image nan": (lambda: explorers.StepperState(np.full((4, 4), np.nan), KERNEL), "image"),
}


@pytest.mark.parametrize("case", STEPPER_CASES, ids=list(STEPPER_CASES))
def test_stepper_refuses(case):
    call, argument = STEPPER_CASES[case]
    refused(call, argument)


def _animation():
    animation = getattr(explorers, "stepper_animation", None)
    if animation is None:
        pytest.skip("the stepper has no animation any more")
    return animation


@pytest.mark.parametrize("max_frames", [10**6, 0, -5])
def test_stepper_animation_refuses_frame_counts_out_of_range(max_frames):
    animation = _animation()
    state = cnn_utils.conv_stepper(IMAGE, KERNEL).state
    refused(lambda: animation(state, max_frames=max_frames), "max_frames")


def test_stepper_animation_refuses_frame_time_zero():
    animation = _animation()
    state = cnn_utils.conv_stepper(IMAGE, KERNEL).state
    refused(lambda: animation(state, frame_ms=0), "frame_ms")


# --------------------------------------------------------------------------- output size

OUTPUT_SIZE_CASES = {
    "n None": (lambda: cnn_utils.output_size_explorer(n=None), "n"),
    "n 0": (lambda: cnn_utils.output_size_explorer(n=0), "n"),
    "n float": (lambda: cnn_utils.output_size_explorer(n=7.5), "n"),
    "n absurd": (lambda: cnn_utils.output_size_explorer(n=10**9), "n"),
    "f 0": (lambda: cnn_utils.output_size_explorer(f=0), "f"),
    "p -1": (lambda: cnn_utils.output_size_explorer(p=-1), "p"),
    "s 0": (lambda: cnn_utils.output_size_explorer(s=0), "s"),
    "d 0": (lambda: cnn_utils.output_size_explorer(d=0), "d"),
    "ceil_mode": (lambda: cnn_utils.output_size_explorer(ceil_mode="no"), "ceil_mode"),
    "state n absurd": (lambda: explorers.OutputSizeState(n=10**9), "n"),
    "state p absurd": (lambda: explorers.OutputSizeState(p=10**9), "p"),
    "state n None": (lambda: explorers.OutputSizeState(n=None), "n"),
}


@pytest.mark.parametrize("case", OUTPUT_SIZE_CASES, ids=list(OUTPUT_SIZE_CASES))
def test_output_size_refuses(case):
    call, argument = OUTPUT_SIZE_CASES[case]
    refused(call, argument)


# --------------------------------------------------------------------------- pooling

MAP = np.arange(25.0).reshape(5, 5)


def _pool_map_name() -> str:
    return first_parameter(cnn_utils.pool_explorer)


POOL_CASES = {
    "map 3-D": (lambda: cnn_utils.pool_explorer(np.zeros((4, 4, 2))), None),
    "map ragged": (lambda: cnn_utils.pool_explorer([[1, 2], [3]]), None),
    "map absurd": (lambda: cnn_utils.pool_explorer(np.zeros((3000, 3000))), None),
    "map nan": (lambda: cnn_utils.pool_explorer(np.full((4, 4), np.nan)), None),
    "mode": (lambda: cnn_utils.pool_explorer(MAP, mode="min"), "mode"),
    "pool_size 0": (lambda: cnn_utils.pool_explorer(MAP, pool_size=0), "pool_size"),
    "pool_size 100": (lambda: cnn_utils.pool_explorer(MAP, pool_size=100), "pool_size"),
    "stride 0": (lambda: cnn_utils.pool_explorer(MAP, stride=0), "stride"),
    "padding -1": (lambda: cnn_utils.pool_explorer(MAP, padding=-1), "padding"),
    "padding 1000": (lambda: cnn_utils.pool_explorer(MAP, padding=1000), "padding"),
    "ceil_mode": (lambda: cnn_utils.pool_explorer(MAP, ceil_mode="yes"), "ceil_mode"),
    "state map None": (lambda: explorers.PoolState(None), None),
    "state pool_size -1": (lambda: explorers.PoolState(MAP, pool_size=-1), "pool_size"),
    "state position -1": (lambda: explorers.PoolState(MAP, position=-1), "position"),
}


@pytest.mark.parametrize("case", POOL_CASES, ids=list(POOL_CASES))
def test_pool_refuses(case):
    call, argument = POOL_CASES[case]
    refused(call, argument or _pool_map_name())


# --------------------------------------------------------------------------- playground

PLAYGROUND_CASES = {
    "image 2 channels": (lambda: cnn_utils.kernel_playground(np.zeros((20, 20, 2))), "image"),
    "image 4-D": (lambda: cnn_utils.kernel_playground(np.zeros((20, 20, 3, 2))), "image"),
    "image text": (lambda: cnn_utils.kernel_playground("cat.png"), "image"),
    "image thin": (lambda: cnn_utils.kernel_playground(np.zeros((1, 6000))), "image"),
    "image nan": (lambda: cnn_utils.kernel_playground(np.full((20, 20), np.nan)), "image"),
    "kernel None": (lambda: cnn_utils.kernel_playground(PHOTO, None), "kernel"),
    "kernel name": (lambda: cnn_utils.kernel_playground(PHOTO, "no_such_kernel"), "kernel"),
    "kernel even": (lambda: cnn_utils.kernel_playground(PHOTO, np.ones((2, 2))), "kernel"),
    "kernel huge": (lambda: cnn_utils.kernel_playground(PHOTO, np.ones((101, 101))), "kernel"),
    "border": (lambda: cnn_utils.kernel_playground(PHOTO, border="mirror-ish"), "border"),
    "display": (lambda: cnn_utils.kernel_playground(PHOTO, display="rainbow"), "display"),
    "operation": (lambda: cnn_utils.kernel_playground(PHOTO, operation="multiply"), "operation"),
    "color": (lambda: cnn_utils.kernel_playground(PHOTO, color="yes"), "color"),
    "max_side": (lambda: cnn_utils.kernel_playground(PHOTO, max_side=10**6), "max_side"),
    "state image None": (lambda: explorers.PlaygroundState(None, KERNEL), "image"),
    "state kernel None": (lambda: explorers.PlaygroundState(PHOTO, None), "kernel"),
}


@pytest.mark.parametrize("case", PLAYGROUND_CASES, ids=list(PLAYGROUND_CASES))
def test_playground_refuses(case):
    call, argument = PLAYGROUND_CASES[case]
    refused(call, argument)


# --------------------------------------------------------------------------- channels

FILTERS = np.ones((3, 3, 3, 2))

CHANNELS_CASES = {
    "filters None": (lambda: cnn_utils.channels_explorer(filters=None), "filters"),
    "filters name": (lambda: cnn_utils.channels_explorer(filters="no_such_filter"), "filters"),
    "filters 2 channels": (
        lambda: cnn_utils.channels_explorer(filters=np.ones((3, 3, 2))),
        "filters",
    ),
    "bias wrong length": (
        lambda: cnn_utils.channels_explorer(filters=FILTERS, bias=[1.0, 2.0, 3.0]),
        "bias",
    ),
    "bias text": (lambda: cnn_utils.channels_explorer(bias="one"), "bias"),
    "num_filters -1": (lambda: cnn_utils.channels_explorer(num_filters=-1), "num_filters"),
    "num_filters 0": (lambda: cnn_utils.channels_explorer(num_filters=0), "num_filters"),
    "num_filters huge": (lambda: cnn_utils.channels_explorer(num_filters=10**6), "num_filters"),
    "num_filters float": (lambda: cnn_utils.channels_explorer(num_filters=2.5), "num_filters"),
    "size 0": (lambda: cnn_utils.channels_explorer(size=0), "size"),
    "size 100": (lambda: cnn_utils.channels_explorer(size=100), "size"),
    "seed text": (lambda: cnn_utils.channels_explorer(seed="x"), "seed"),
    "image 2 channels": (lambda: cnn_utils.channels_explorer(np.zeros((8, 8, 2))), "image"),
    "image absurd": (lambda: cnn_utils.channels_explorer(np.zeros((1000, 1000, 3))), "image"),
    "image name": (lambda: cnn_utils.channels_explorer("cat"), "image"),
    "state bias length": (lambda: explorers.ChannelsState(COLOUR, FILTERS, np.zeros(3)), "bias"),
    "state filters None": (lambda: explorers.ChannelsState(COLOUR, None, np.zeros(1)), "filters"),
    "state row -1": (lambda: explorers.ChannelsState(COLOUR, FILTERS, np.zeros(2), row=-1), "row"),
    "state channels_on short": (
        lambda: explorers.ChannelsState(COLOUR, FILTERS, np.zeros(2), channels_on=(True,)),
        "channels_on",
    ),
}


@pytest.mark.parametrize("case", CHANNELS_CASES, ids=list(CHANNELS_CASES))
def test_channels_refuses(case):
    call, argument = CHANNELS_CASES[case]
    refused(call, argument)


# --------------------------------------------------------------------------- monitor

MONITOR_CASES = {
    "update_every 0": (lambda: cnn_utils.training_monitor(update_every=0), "update_every"),
    "update_every text": (lambda: cnn_utils.training_monitor(update_every="x"), "update_every"),
    "min_seconds -1": (lambda: cnn_utils.training_monitor(min_seconds=-1), "min_seconds"),
    "min_seconds text": (lambda: cnn_utils.training_monitor(min_seconds="x"), "min_seconds"),
    "state status": (lambda: explorers.MonitorState(status="running fast"), "status"),
    "state loss length": (lambda: explorers.MonitorState(epoch_x=(1,), loss=()), "loss"),
    "state steps 0": (lambda: explorers.MonitorState(steps=0), "steps"),
}


@pytest.mark.parametrize("case", MONITOR_CASES, ids=list(MONITOR_CASES))
def test_monitor_refuses(case):
    call, argument = MONITOR_CASES[case]
    refused(call, argument)


# --------------------------------------------------------------------------- update() checks too


def test_update_refuses_a_bad_value_and_keeps_the_state():
    ex = cnn_utils.conv_stepper(IMAGE, KERNEL)
    before = ex.state
    refused(lambda: ex.update(padding=1000), "padding")
    assert ex.state is before
    ex = cnn_utils.channels_explorer()
    before = ex.state
    refused(lambda: ex.update(bias=np.zeros(5)), "bias")
    assert ex.state is before


# --------------------------------------------------------------------------- uploads


def upload_reader():
    """The playground's public reader of uploaded bytes: bytes -> (image or None, message)."""
    import importlib

    homes = [explorers, cnn_utils]
    for module in ("playground", "image_upload", "upload"):
        try:
            homes.insert(0, importlib.import_module(f"cnn_utils.explorers.{module}"))
        except ImportError:
            pass
    for name in ("load_upload", "read_upload", "read_image_bytes", "decode_upload"):
        for home in homes:
            reader = getattr(home, name, None) if name in dir(home) else None
            if callable(reader):
                return reader
    pytest.fail("found no public function of the playground that reads uploaded bytes")


def read(data: bytes):
    image, message = within_time(lambda: upload_reader()(data))
    assert isinstance(message, str)
    assert message
    return image, message


def encode(array: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def ramp(dtype, top) -> np.ndarray:
    """A left-to-right ramp 0..top over 256 columns, 40 rows."""
    return np.tile(np.linspace(0, top, 256), (40, 1)).round(6).astype(dtype)


def assert_scaled_ramp(image):
    assert image is not None
    image = np.asarray(image, dtype=float)
    assert image.min() >= 0.0
    assert image.max() <= 1.0
    assert image.mean() == pytest.approx(0.5, abs=0.05), f"mean {image.mean():.3f}: clipped?"
    assert np.mean(image >= 0.999) < 0.05, "more than 5 % of the pixels white: clipped"
    assert np.mean(image <= 0.001) < 0.05, "more than 5 % of the pixels black"
    columns = image.mean(axis=tuple(k for k in range(image.ndim) if k != 1))
    assert np.all(np.diff(columns) >= -1e-6), "the ramp does not rise from left to right"


def test_upload_16_bit_grey_png_is_scaled_not_clipped():
    data = encode(ramp(np.uint16, 65535), "PNG")
    from PIL import Image

    assert Image.open(io.BytesIO(data)).mode.startswith("I")  # really 16-bit
    image, _ = read(data)
    assert_scaled_ramp(image)


def test_upload_int32_tiff_is_scaled():
    image, _ = read(encode(ramp(np.int32, 2**31 - 1), "TIFF"))
    assert_scaled_ramp(image)


def test_upload_float32_tiff_in_unit_range_is_kept():
    image, _ = read(encode(ramp(np.float32, 1.0), "TIFF"))
    assert_scaled_ramp(image)
    assert np.asarray(image).max() > 0.95, "a float image in 0..1 came out dark"


def test_upload_rgba_is_composited_on_white_and_says_so():
    rgba = np.zeros((40, 60, 4), dtype=np.uint8)
    rgba[:, :, 0] = 255  # red everywhere ...
    rgba[:, 30:, 3] = 255  # ... opaque on the right half, transparent on the left
    image, message = read(encode(rgba, "PNG"))
    assert image is not None
    image = np.asarray(image, dtype=float)
    assert image.ndim == 3
    assert image.shape[2] == 3
    left, right = image[:, 2:25], image[:, 35:58]
    np.testing.assert_allclose(left, 1.0, atol=0.02, err_msg="transparent pixels are not white")
    np.testing.assert_allclose(right, np.broadcast_to([1.0, 0.0, 0.0], right.shape), atol=0.02)
    words = message.lower()
    assert "white" in words, message
    assert "transparen" in words or "alpha" in words, message


def _good_png() -> bytes:
    rgb = (np.random.default_rng(3).random((32, 48, 3)) * 255).astype(np.uint8)
    return encode(rgb, "PNG")


@pytest.mark.parametrize("where", ["header", "pixel data"])
def test_upload_png_with_one_damaged_byte_is_called_damaged(where):
    data = bytearray(_good_png())
    position = 20 if where == "header" else data.find(b"IDAT") + 60  # IHDR width / IDAT body
    data[position] ^= 0xFF
    image, message = read(bytes(data))
    assert image is None
    assert "damaged" in message.lower(), message


def test_upload_random_bytes_are_not_an_image():
    data = np.random.default_rng(5).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    image, message = read(data)
    assert image is None
    assert "not an image" in message.lower(), message


def test_upload_good_png_is_read_as_it_is():
    rgb = (np.random.default_rng(3).random((32, 48, 3)) * 255).astype(np.uint8)
    image, _ = read(encode(rgb, "PNG"))
    np.testing.assert_allclose(np.asarray(image, dtype=float), rgb / 255.0, atol=1e-6)


def test_playground_upload_replaces_the_image_and_shows_the_message():
    ex = cnn_utils.kernel_playground(PHOTO, "identity")
    upload = getattr(ex, "upload", None)
    if upload is None:
        pytest.skip("the playground explorer has no upload method (the reader is tested above)")
    within_time(lambda: upload(encode(ramp(np.uint16, 65535), "PNG")))
    image = np.asarray(ex.state.image, dtype=float)
    assert image.mean() == pytest.approx(0.5, abs=0.05)
    before = ex.state.image
    within_time(lambda: upload(b"\x00not an image at all" * 10))
    assert ex.state.image is before or np.array_equal(ex.state.image, before)
    fields = [f.name for f in dataclasses.fields(ex.state)]
    shown = ex.static_html().lower()
    assert "not an image" in shown, f"the refusal is not shown (state fields {fields})"


# --------------------------------------------------------------------------- messages that teach

# (call, argument, what was passed): the message names the argument, what it got,
# and a limit (some number other than the one passed).
SAYS_WHAT_AND_LIMIT = {
    "stepper padding": (
        lambda: cnn_utils.conv_stepper(IMAGE, KERNEL, padding=1000),
        "padding",
        "1000",
    ),
    "stepper state padding": (
        lambda: explorers.StepperState(IMAGE, KERNEL, padding=1000),
        "padding",
        "1000",
    ),
    "output size n": (lambda: cnn_utils.output_size_explorer(n=10**9), "n", str(10**9)),
    "pool size": (lambda: cnn_utils.pool_explorer(MAP, pool_size=100), "pool_size", "100"),
    "channels num_filters": (
        lambda: cnn_utils.channels_explorer(num_filters=-1),
        "num_filters",
        "-1",
    ),
    "channels size": (lambda: cnn_utils.channels_explorer(size=100), "size", "100"),
    "playground max_side": (
        lambda: cnn_utils.kernel_playground(PHOTO, max_side=10**6),
        "max_side",
        str(10**6),
    ),
}


@pytest.mark.parametrize("case", SAYS_WHAT_AND_LIMIT, ids=list(SAYS_WHAT_AND_LIMIT))
def test_refusal_says_what_it_got_and_the_limit(case):
    call, argument, got = SAYS_WHAT_AND_LIMIT[case]
    message = refused(call, argument)
    assert got in message.replace(",", "").replace("_", ""), f"{got} not in: {message}"
    numbers = re.findall(r"(?<![\w.])-?\d+", message.replace(",", ""))
    others = set(numbers) - {got}
    assert others, f"the message gives no limit: {message}"


def test_stepper_animation_refusal_says_the_limit():
    animation = _animation()
    state = cnn_utils.conv_stepper(IMAGE, KERNEL).state
    message = refused(lambda: animation(state, max_frames=10**6), "max_frames")
    assert str(10**6) in message.replace(",", "").replace("_", ""), message
    assert set(re.findall(r"\d+", message.replace(",", ""))) - {str(10**6)}, message
