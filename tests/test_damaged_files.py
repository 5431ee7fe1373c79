"""Nothing is lost: damaged, foreign and half-written files (issue 13).

- ``save_weights`` is atomic: a failure or Ctrl-C while writing leaves the old
  file byte for byte and no temporary file beside it.
- ``load_weights`` turns every damaged or foreign file into one ValueError (or a
  cnn_utils subclass of it) that names the file, refuses NaN and infinite
  weights, and changes nothing in the model when it refuses.
- ``load_mnist`` names the file when the subset's metadata is corrupt, refuses a
  ``cache_dir`` that is a file with a ValueError, and an interrupted download
  leaves no partial file.
- ``fit``, ``evaluate`` and ``predict`` read integer pixels of every integer dtype
  alike: as pixel values divided by 255, as the ``cnn_utils.nn`` docs say.

The damaged files are built from a file ``save_weights`` wrote, through numpy's
public npz reader and writer only; the expected outcomes come from the
contract, never from the code under test.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import http.server
import json
import re
import shutil
import threading
import zipfile

import numpy as np
import pytest

import cnn_utils.nn as nn
from cnn_utils import datasets
from cnn_utils.datasets import load_mnist


# ============================================================== helpers
def small_model(seed=0):
    model = nn.Sequential(name="small", seed=seed)
    model.add(nn.Conv2D(2, (3, 3), activation="relu", input_shape=(6, 6, 1), name="conv"))
    model.add(nn.Flatten(name="flat"))
    model.add(nn.Dense(3, activation="softmax", name="out"))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_clean_error_naming(error_info, path):
    """One ValueError (or a cnn_utils subclass of it) whose message names ``path``."""
    error = error_info.value
    kind = type(error)
    assert kind is ValueError or kind.__module__.startswith("cnn_utils"), (
        f"{kind.__module__}.{kind.__name__} is not the package's own error: {error}")
    assert str(path) in str(error), f"the message does not name {path}: {error}"


def error_of(func, *args, **kwargs):
    """The exception ``func(*args, **kwargs)`` raises, or None."""
    try:
        func(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 (the caller judges it)
        return error
    return None


def clean_error_problem(error, path) -> str | None:
    """Why ``error`` is not one clear ValueError naming ``path`` (None if it is)."""
    kind = type(error)
    if not isinstance(error, ValueError) or not (
            kind is ValueError or kind.__module__.startswith("cnn_utils")):
        return f"{kind.__module__}.{kind.__name__} is not the package's ValueError: {error}"
    if str(path) not in str(error):
        return f"the message does not name {path}: {error}"
    return None


def read_npz(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def header_key(arrays):
    """The entry holding the JSON header: the one string among the arrays."""
    keys = [k for k, v in arrays.items() if v.dtype.kind == "U"]
    assert len(keys) == 1, f"expected one string entry (the header), found {keys}"
    return keys[0]


def weight_keys(arrays):
    header = header_key(arrays)
    return sorted(k for k in arrays if k != header)


@pytest.fixture
def saved(tmp_path):
    """A model, the file it saved, that file's bytes and its arrays."""
    model = small_model(seed=0)
    path = tmp_path / "weights.npz"
    model.save_weights(path)
    return model, path, path.read_bytes(), read_npz(path)


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def assert_refused_and_unchanged(path):
    """Loading ``path`` into a fresh model raises cleanly and changes no weight."""
    model = small_model(seed=1)
    before = weights_of(model)
    with pytest.raises(ValueError, match=re.escape(str(path))) as caught:
        model.load_weights(path)
    assert_clean_error_naming(caught, path)
    assert_weights_equal(weights_of(model), before)


# ============================================================== save_weights is atomic
def test_save_then_load_gives_the_same_weights(saved):
    model, path, _, _ = saved
    other = small_model(seed=1)
    assert not all(np.array_equal(a, b) for a, b in
                   zip(weights_of(other), weights_of(model), strict=True))
    other.load_weights(path)
    assert_weights_equal(weights_of(other), weights_of(model))


def _failing_write_array(original, error):
    """numpy's array writer that writes the first array, then fails halfway into the next."""
    calls = []

    def write_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            return original(fp, array, *args, **kwargs)
        fp.write(b"\x93NUMPY half an array")
        raise error

    return write_array


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_failure_while_writing_keeps_the_old_file_and_leaves_no_temporary(
        saved, monkeypatch, error):
    model, path, old_bytes, _ = saved
    model.fit(np.random.default_rng(0).random((4, 6, 6, 1)), np.array([0, 1, 2, 0]),
              epochs=1, batch_size=2, verbose=0)  # new weights, so a new file would differ
    folder_before = sorted(p.name for p in path.parent.iterdir())
    monkeypatch.setattr(np.lib.format, "write_array",
                        _failing_write_array(np.lib.format.write_array, error))
    with pytest.raises(type(error)):
        model.save_weights(path)
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in path.parent.iterdir()) == folder_before


def test_failing_final_rename_keeps_the_old_file_and_leaves_no_temporary(saved, monkeypatch):
    import os

    model, path, old_bytes, _ = saved
    folder_before = sorted(p.name for p in path.parent.iterdir())

    def replace(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", replace)
    with pytest.raises(OSError):  # noqa: PT011 (the simulated error itself)
        model.save_weights(path)
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in path.parent.iterdir()) == folder_before


def test_failure_on_a_new_path_leaves_nothing(tmp_path, monkeypatch):
    model = small_model()
    monkeypatch.setattr(np.lib.format, "write_array",
                        _failing_write_array(np.lib.format.write_array, OSError(28, "full")))
    with pytest.raises(OSError):  # noqa: PT011 (the simulated error itself)
        model.save_weights(tmp_path / "new.npz")
    assert list(tmp_path.iterdir()) == []


# ============================================================== load_weights: damaged bytes
@pytest.mark.parametrize("keep", [0, 1, 10, 100, "half", "minus1", "minus22"])
def test_truncated_or_empty_file_is_one_clear_error(saved, keep):
    _, path, data, _ = saved
    cut = {"half": len(data) // 2, "minus1": len(data) - 1, "minus22": len(data) - 22}.get(keep,
                                                                                         keep)
    path.write_bytes(data[:cut])
    assert_refused_and_unchanged(path)


@pytest.mark.parametrize("fraction", [i / 24 for i in range(24)] + [0.999])
def test_one_damaged_byte_is_refused_or_harmless(saved, fraction):
    """A flipped byte is refused, or (in a field no data depends on) loads the same weights."""
    model, path, data, _ = saved
    damaged = bytearray(data)
    offset = min(int(fraction * len(data)), len(data) - 1)
    damaged[offset] ^= 0xFF
    path.write_bytes(bytes(damaged))
    fresh = small_model(seed=1)
    before = weights_of(fresh)
    error = error_of(fresh.load_weights, path)
    if error is None:
        assert_weights_equal(weights_of(fresh), weights_of(model))  # never silently wrong
    else:
        assert clean_error_problem(error, path) is None, f"offset {offset}: " + \
            clean_error_problem(error, path)
        assert_weights_equal(weights_of(fresh), before)


@pytest.mark.parametrize("payload", [
    b"hello, I am a text file\n",
    bytes(range(256)) * 4,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"PK\x03\x04" + b"\x00" * 40,  # a zip signature and nothing behind it
    b"PK\x05\x06" + b"\x00" * 18,  # an empty zip archive
], ids=["text", "binary", "png", "zip-start", "empty-zip"])
def test_a_file_that_is_not_a_weights_archive_is_one_clear_error(saved, payload):
    _, path, _, _ = saved
    path.write_bytes(payload)
    assert_refused_and_unchanged(path)


def test_a_plain_npy_file_renamed_npz_is_one_clear_error(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as stream:
        np.save(stream, np.arange(5.0))
    assert_refused_and_unchanged(path)


def test_a_pickled_object_array_is_refused_without_unpickling(saved):
    _, path, _, arrays = saved
    key = weight_keys(arrays)[0]
    arrays[key] = np.array([{"evil": 1}], dtype=object)
    np.savez(path, **arrays)  # allow_pickle defaults to True when writing
    assert_refused_and_unchanged(path)


def test_a_zip_of_other_files_is_one_clear_error(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not weights")
    assert_refused_and_unchanged(path)


# ============================================================== load_weights: wrong content
@pytest.mark.parametrize("header", [
    "[1, 2, 3]",
    "\"just a string\"",
    "42",
    "null",
    "{not json",
    "{}",
    json.dumps({"format": "someone else's format v9"}),
], ids=["list", "string", "number", "null", "not-json", "empty-object", "foreign-format"])
def test_a_header_of_the_wrong_form_is_one_clear_error(saved, header):
    _, path, _, arrays = saved
    arrays[header_key(arrays)] = np.array(header)
    np.savez_compressed(path, **arrays)
    assert_refused_and_unchanged(path)


def test_a_header_missing_each_entry_is_one_clear_error(saved):
    _, path, _, arrays = saved
    key = header_key(arrays)
    header = json.loads(str(arrays[key]))
    assert isinstance(header, dict), "the header is a JSON object"
    assert header, "the header has entries"
    for entry in list(header):
        damaged = dict(header)
        del damaged[entry]
        arrays[key] = np.array(json.dumps(damaged))
        np.savez_compressed(path, **arrays)
        model = small_model(seed=1)
        before = weights_of(model)
        error = error_of(model.load_weights, path)
        if error is None:  # an entry that only describes (like the model's name) may go
            assert_weights_equal(weights_of(model), weights_of(small_model(seed=0)))
        else:
            problem = clean_error_problem(error, path)
            assert problem is None, f"without {entry!r}: {problem}"
            assert_weights_equal(weights_of(model), before)


def test_a_header_that_is_not_a_string_is_one_clear_error(saved):
    _, path, _, arrays = saved
    arrays[header_key(arrays)] = np.arange(3.0)
    np.savez_compressed(path, **arrays)
    assert_refused_and_unchanged(path)


def test_a_missing_header_is_one_clear_error(saved):
    _, path, _, arrays = saved
    del arrays[header_key(arrays)]
    np.savez_compressed(path, **arrays)
    assert_refused_and_unchanged(path)


def test_each_missing_weight_array_is_one_clear_error(saved):
    _, path, _, arrays = saved
    for key in weight_keys(arrays):
        np.savez_compressed(path, **{k: v for k, v in arrays.items() if k != key})
        assert_refused_and_unchanged(path)


def test_an_extra_array_is_one_clear_error(saved):
    _, path, _, arrays = saved
    arrays["layer99/kernel"] = np.zeros((2, 2))
    np.savez_compressed(path, **arrays)
    assert_refused_and_unchanged(path)


@pytest.mark.parametrize("change", ["transposed", "one-more-row", "flattened", "scalar"])
def test_a_weight_array_of_the_wrong_shape_is_one_clear_error(saved, change):
    _, path, _, arrays = saved
    for key in weight_keys(arrays):
        damaged = dict(arrays)
        w = arrays[key]
        damaged[key] = {
            "transposed": w.T if w.ndim > 1 and w.shape != w.T.shape else np.zeros(w.size + 1),
            "one-more-row": np.concatenate([w, w[:1]]) if w.ndim else np.zeros(2),
            "flattened": w.reshape(-1) if w.ndim > 1 else w.reshape(1, -1),
            "scalar": np.array(1.0),
        }[change]
        np.savez_compressed(path, **damaged)
        assert_refused_and_unchanged(path)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(saved, value):
    _, path, _, arrays = saved
    for key in weight_keys(arrays):
        damaged = dict(arrays)
        w = arrays[key].copy()
        w.reshape(-1)[-1] = value
        damaged[key] = w
        np.savez_compressed(path, **damaged)
        assert_refused_and_unchanged(path)


@pytest.mark.parametrize("dtype", [np.complex128, "U3", np.bool_])
def test_weights_of_a_foreign_dtype_are_refused(saved, dtype):
    _, path, _, arrays = saved
    key = weight_keys(arrays)[0]
    arrays[key] = np.ones(arrays[key].shape, dtype=dtype)
    np.savez_compressed(path, **arrays)
    assert_refused_and_unchanged(path)


def test_a_file_saved_by_another_architecture_is_one_clear_error(tmp_path):
    other = nn.Sequential(seed=0)
    other.add(nn.Flatten(input_shape=(6, 6, 1)))
    other.add(nn.Dense(3, activation="softmax"))
    path = tmp_path / "other.npz"
    other.save_weights(path)
    assert_refused_and_unchanged(path)


# ============================================================== load_mnist: the subset's metadata
@pytest.fixture
def subset_copy(tmp_path, monkeypatch):
    """A copy of the bundled subset in tmp_path, which load_mnist() then reads."""
    from cnn_utils._paths import data_dir

    folder = tmp_path / "data"
    folder.mkdir()
    for name in (datasets.SUBSET_FILE, datasets.SUBSET_META):
        shutil.copy(data_dir() / name, folder / name)
    # The module's data-folder lookup, as tests/test_datasets.py redirects it.
    monkeypatch.setattr(datasets, "data_dir", lambda: folder)
    return folder


def test_the_copied_subset_loads(subset_copy):
    (x_train, _), (x_test, _) = load_mnist()
    assert x_train.shape == (4000, 28, 28)
    assert x_test.shape == (1000, 28, 28)


def _meta_variants(meta: dict):
    text = json.dumps(meta)
    yield "truncated", text[: len(text) // 2]
    yield "empty", ""
    yield "not-json", "sha256 = 'abc'"
    yield "binary", "\udcff\x00"  # written with surrogateescape: an invalid UTF-8 byte
    yield "list", json.dumps([meta])
    yield "null", "null"
    for key in meta:
        yield f"without-{key}", json.dumps({k: v for k, v in meta.items() if k != key})
    yield "sha256-number", json.dumps({**meta, "sha256": 12345})
    yield "sha256-list", json.dumps({**meta, "sha256": [meta.get("sha256")]})


def test_corrupt_metadata_is_one_clear_error_naming_the_file(subset_copy):
    meta_path = subset_copy / datasets.SUBSET_META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    problems = []
    for label, text in _meta_variants(meta):
        meta_path.write_bytes(text.encode("utf-8", "surrogateescape"))
        error = error_of(load_mnist)
        if error is not None:
            problem = clean_error_problem(error, datasets.SUBSET_META)
            if problem:
                problems.append(f"{label}: {problem}")
        else:
            # Only an entry that checks nothing may go (e.g. the licence): the data
            # must still be verified against the recorded sha256.
            if label in ("truncated", "empty", "not-json", "binary", "list", "null",
                         "without-sha256", "sha256-number", "sha256-list"):
                problems.append(f"{label}: loaded without complaint")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("which", ["inside", "is"])
def test_cache_dir_that_is_a_file_is_a_value_error(tmp_path, which):
    blocker = tmp_path / "a_file"
    blocker.write_text("I am not a folder")
    cache_dir = blocker if which == "is" else blocker / "below"
    with pytest.raises(ValueError, match=re.escape(str(blocker))) as caught:
        load_mnist("full", cache_dir=cache_dir, base_url="http://127.0.0.1:9/")
    assert_clean_error_naming(caught, blocker)
    assert blocker.read_text() == "I am not a folder"


def test_cache_dir_holding_a_file_named_mnist_is_a_value_error(tmp_path):
    (tmp_path / "mnist").write_text("a file where the folder should be")
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "mnist"))) as caught:
        load_mnist("full", cache_dir=tmp_path, base_url="http://127.0.0.1:9/")
    assert_clean_error_naming(caught, tmp_path / "mnist")


# ============================================================== load_mnist: interrupted download
def _idx(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def local_mirror(tmp_path, monkeypatch):
    """Four small valid MNIST files served on 127.0.0.1, their checksums injected."""
    rng = np.random.default_rng(3)
    site = tmp_path / "site"
    site.mkdir()
    files = {}
    for key, (name, _, _) in datasets.MNIST_FILES.items():
        n = 5 if key.startswith("train") else 3
        array = (rng.integers(0, 256, (n, 28, 28)) if key.endswith("images")
                 else rng.integers(0, 10, n))
        payload = gzip.compress(_idx(array, 0x803 if array.ndim == 3 else 0x801), mtime=0)
        (site / name).write_bytes(payload)
        files[key] = (name, hashlib.sha256(payload).hexdigest(), len(payload))
    monkeypatch.setattr(datasets, "MNIST_FILES", files)
    monkeypatch.setattr(datasets, "MNIST_BASE_URLS", ("http://127.0.0.1:9/",))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", site
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("after_reads", [0, 1])
def test_ctrl_c_during_a_download_leaves_no_partial_file(local_mirror, tmp_path, monkeypatch,
                                                         after_reads):
    url, site = local_mirror
    original_read, original_readinto = http.client.HTTPResponse.read, \
        http.client.HTTPResponse.readinto
    calls = []

    def interrupt_after(reads):
        calls.append(1)
        if len(calls) > reads:
            raise KeyboardInterrupt

    def read(self, *args, **kwargs):
        interrupt_after(after_reads)
        # a short read, so that the interruption comes with a partial file on disk
        if args and isinstance(args[0], int) and args[0] > 100:
            return original_read(self, 100)
        return original_read(self, *args, **kwargs)

    def readinto(self, buffer):
        interrupt_after(after_reads)
        return original_readinto(self, memoryview(buffer)[:100])

    monkeypatch.setattr(http.client.HTTPResponse, "read", read)
    monkeypatch.setattr(http.client.HTTPResponse, "readinto", readinto)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        load_mnist("full", cache_dir=cache, base_url=url)
    assert calls, "the patched read was never called, so nothing was interrupted"
    left = list((cache / "mnist").iterdir()) if (cache / "mnist").exists() else []
    for path in left:  # only complete, correct files may stay
        assert (site / path.name).is_file(), f"{path.name} is not a finished download"
        assert path.read_bytes() == (site / path.name).read_bytes(), f"{path.name} is partial"

    # reads work again: the next call completes the download
    monkeypatch.setattr(http.client.HTTPResponse, "read", original_read)
    monkeypatch.setattr(http.client.HTTPResponse, "readinto", original_readinto)
    (x_train, _), _ = load_mnist("full", cache_dir=cache, base_url=url)
    assert x_train.shape == (5, 28, 28)


# ============================================================== integer pixels of every dtype
INTEGER_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint32,
                  np.uint64]


@pytest.fixture(scope="module")
def pixels():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, (6, 6, 6, 1))
    x[0, 0, 0, 0], x[1, 0, 0, 0] = 0, 255
    return x, np.array([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize("dtype", INTEGER_DTYPES, ids=lambda d: np.dtype(d).name)
def test_predict_and_evaluate_read_every_integer_dtype_as_pixels(pixels, dtype):
    """The nn docs: integer arrays of any dtype are pixel values 0..255, divided by 255."""
    x, y = pixels
    if np.iinfo(dtype).max < 255:  # int8 holds only the pixels 0..127
        x = np.clip(x, 0, 127)
    model = small_model()
    as_floats = (x / 255.0).astype(np.float32)  # the documented meaning, computed here
    expected = model.predict(as_floats, batch_size=4)
    np.testing.assert_allclose(model.predict(x.astype(dtype), batch_size=4), expected,
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.evaluate(x.astype(dtype), y, batch_size=4),
                               model.evaluate(as_floats, y, batch_size=4), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.int16], ids=lambda d: np.dtype(d).name)
def test_fit_reads_integer_pixels_like_uint8(pixels, dtype):
    x, y = pixels
    runs = {}
    for name, data in (("uint8", x.astype(np.uint8)), ("other", x.astype(dtype))):
        model = small_model()
        history = model.fit(data, y, epochs=2, batch_size=3, shuffle=True, seed=0, verbose=0)
        runs[name] = (history.history["loss"], weights_of(model))
    np.testing.assert_allclose(runs["other"][0], runs["uint8"][0], rtol=1e-6)
    for a, b in zip(runs["other"][1], runs["uint8"][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("dtype", "value"), [(np.int64, 256), (np.int16, -1), (np.uint16, 1000)])
def test_integers_outside_pixel_range_are_refused_with_a_reason(pixels, dtype, value):
    x, _ = pixels
    bad = x.astype(dtype)
    bad[2, 3, 3, 0] = value
    with pytest.raises(ValueError, match=r"0\s*\.\.\s*255|0-255|0 to 255") as caught:
        small_model().predict(bad)
    assert "x" in str(caught.value)
