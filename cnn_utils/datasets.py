"""Datasets for the course: handwritten digits and one photograph, offline by default.

- :func:`load_mnist` returns the bundled 5,000-digit MNIST subset (no network),
  or, when asked for explicitly with ``which="full"``, downloads the original
  70,000 digits once, checks every file against its published checksum, and
  keeps them in a cache folder.
- :func:`load_photo` returns the photograph matplotlib ships as sample data.

A file that fails a check (checksum, size, gzip stream, idx header, a
metadata file that is not the JSON it should be) raises
:class:`CorruptDataError` naming the file; a bad file in the cache is deleted
first, so the next call downloads it afresh. No check is skipped, so a damaged
file can never turn into a plausible-looking wrong array. A download goes to a
``.part`` file that is renamed only once it is complete and verified, and is
deleted whatever stops it (an error, a bad checksum or Ctrl-C).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import zlib
from pathlib import Path

import numpy as np

from ._checks import check_bool, check_int
from ._paths import data_dir

SUBSET_FILE = "mnist_5k.npz"
SUBSET_META = "mnist_5k.json"

#: Where ``which="full"`` looks for the four files, in order: the mirrors that
#: TensorFlow Datasets and torchvision download from.
MNIST_BASE_URLS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)

#: The four original MNIST files: name, sha256 and size in bytes. The sha256 sums
#: are those published with tensorflow-datasets' MNIST checksums and used across
#: many loaders; torchvision lists the same files by md5 (f68b3c2d..., d53e105e...,
#: 9fb629c4..., ec29112d...). The sizes are the ones on the MNIST page.
MNIST_FILES = {
    "train_images": (
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        9912422,
    ),
    "train_labels": (
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        28881,
    ),
    "test_images": (
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1648877,
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4542,
    ),
}

_IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_SIDE = 28
_WHICH = ("subset", "full")
_CHUNK = 1 << 20


class CorruptDataError(ValueError):
    """A data file failed a check: checksum, size, compression or format."""


# ---------------------------------------------------------------------------- MNIST
def load_mnist(which="subset", *, cache_dir=None, base_url=None, normalize=False):
    """Return MNIST digits as ``((x_train, y_train), (x_test, y_test))``, like Keras.

    Parameters
    ----------
    which : {"subset", "full"}
        ``"subset"`` (default): the 5,000 digits bundled with the course (500 per
        class; 4,000 for training and 1,000 for testing, 400 and 100 per class),
        verified against the sha256 recorded in ``data/mnist_5k.json``. No network.
        ``"full"``: the original 60,000 training and 10,000 test digits, downloaded
        on first use, checked against their published sha256 and size, and cached.
    cache_dir : str or path-like, optional
        Only for ``which="full"``: where to keep the downloaded files. Default:
        ``$CNN_UTILS_CACHE`` if set, else ``~/.cache/cnn_utils``; the files go in a
        ``mnist`` folder inside it.
    base_url : str, optional
        Only for ``which="full"``: download from this address (ending in the
        folder that holds the four ``.gz`` files) instead of the default mirrors.
    normalize : bool
        False (default): uint8 pixel values 0-255. True: float32 values in [0, 1].

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images of shape ``(N, 28, 28)``, labels of shape ``(N,)``, uint8 0-9. Add a
        channel axis with ``x[..., None]`` for the ``(N, H, W, C)`` layout.

    Raises
    ------
    ValueError
        For an unknown ``which``, or ``cache_dir``/``base_url`` given with the subset.
    TypeError
        For arguments of the wrong type.
    CorruptDataError
        (a ValueError) When a file fails its checksum, size, gzip or idx-format
        check, or the subset's metadata is not valid JSON with a ``sha256``;
        the message names the file, and a bad cached file is deleted.
    ValueError
        Also when ``cache_dir`` (or the ``mnist`` folder in it) is a file, or
        cannot be created.
    ConnectionError
        When ``which="full"`` needs a file that no address could deliver.

    Examples
    --------
    >>> from cnn_utils.datasets import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype, y_train.shape, x_test.shape
    ((4000, 28, 28), dtype('uint8'), (4000,), (1000, 28, 28))
    >>> import numpy as np
    >>> np.bincount(y_test).tolist()
    [100, 100, 100, 100, 100, 100, 100, 100, 100, 100]
    """
    if not isinstance(which, str) or which not in _WHICH:
        raise ValueError(f"which must be 'subset' or 'full'; got {which!r:.60}")
    normalize = check_bool(normalize, "normalize")
    if which == "subset":
        for name, value in (("cache_dir", cache_dir), ("base_url", base_url)):
            if value is not None:
                raise ValueError(
                    f"{name} is used only with which='full' (the subset is bundled); "
                    f"got {name}={value!r}"
                )
        arrays = _load_subset()
    else:
        arrays = _load_full(cache_dir, base_url)
    x_train, y_train, x_test, y_test = arrays
    if normalize:
        x_train = x_train.astype(np.float32) / np.float32(255)
        x_test = x_test.astype(np.float32) / np.float32(255)
    return (x_train, y_train), (x_test, y_test)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_subset():
    folder = data_dir()
    npz_path, meta_path = folder / SUBSET_FILE, folder / SUBSET_META
    for path in (npz_path, meta_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"the bundled MNIST subset file {path} is missing; restore it from the "
                "repository or rebuild it with data/make_mnist_subset.py"
            )
    meta = _read_metadata(meta_path)
    payload = npz_path.read_bytes()
    actual = hashlib.sha256(payload).hexdigest()
    if actual != meta["sha256"]:
        # The bundled file is part of the repository, not a cache entry: never delete it.
        raise CorruptDataError(
            f"{SUBSET_FILE} ({npz_path}) has sha256 {actual}, but {SUBSET_META} records "
            f"{meta['sha256']}: the file is damaged or was replaced. Restore it from the "
            "repository (git checkout data/mnist_5k.npz) or rebuild it with "
            "data/make_mnist_subset.py"
        )
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        missing = [k for k in _SUBSET_KEYS if k not in archive.files]
        if missing:
            raise CorruptDataError(f"{SUBSET_FILE} ({npz_path}) lacks the arrays {missing}")
        arrays = tuple(archive[key] for key in _SUBSET_KEYS)
    x_train, y_train, x_test, y_test = arrays
    _check_digits(x_train, y_train, SUBSET_FILE)
    _check_digits(x_test, y_test, SUBSET_FILE)
    return arrays


_SUBSET_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _read_metadata(path: Path) -> dict:
    """The subset's JSON record; a damaged one raises CorruptDataError naming it."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptDataError(
            f"{path.name} ({path}) is not valid JSON ({error}); restore it from the "
            "repository (git checkout data/mnist_5k.json)"
        ) from None
    if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str):
        raise CorruptDataError(
            f"{path.name} ({path}) lacks the 'sha256' entry that checks the subset; restore "
            "it from the repository (git checkout data/mnist_5k.json)"
        )
    return meta


def _check_digits(images, labels, source):
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (_SIDE, _SIDE):
        raise CorruptDataError(
            f"{source}: images must be uint8 (N, {_SIDE}, {_SIDE}), got {images.dtype} "
            f"{images.shape}"
        )
    if labels.dtype != np.uint8 or labels.shape != (images.shape[0],):
        raise CorruptDataError(
            f"{source}: labels must be uint8 ({images.shape[0]},) to match the images, got "
            f"{labels.dtype} {labels.shape}"
        )
    if labels.size and labels.max() > 9:
        raise CorruptDataError(f"{source}: labels must be 0-9, found {int(labels.max())}")


def _cache_folder(cache_dir) -> Path:
    if cache_dir is None:
        root = os.environ.get("CNN_UTILS_CACHE") or Path.home() / ".cache" / "cnn_utils"
    elif isinstance(cache_dir, (str, os.PathLike)):
        root = cache_dir
    else:
        raise TypeError(f"cache_dir must be a path or None, got {type(cache_dir).__name__} "
                        f"{cache_dir!r}")
    folder = Path(root).expanduser() / "mnist"
    for path in (folder.parent, folder):
        if path.exists() and not path.is_dir():
            raise ValueError(
                f"the MNIST cache folder {str(path)!r} is a file, not a folder; pass another "
                "cache_dir or remove that file"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(
            f"cannot create the MNIST cache folder {str(folder)!r} ({error.strerror or error}); "
            "pass a cache_dir you can write to"
        ) from None
    return folder


def _base_urls(base_url) -> tuple[str, ...]:
    if base_url is None:
        return MNIST_BASE_URLS
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string or None, got {type(base_url).__name__} "
                        f"{base_url!r}")
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://; got {base_url!r}")
    return (base_url if base_url.endswith("/") else base_url + "/",)


def _load_full(cache_dir, base_url):
    folder = _cache_folder(cache_dir)
    urls = _base_urls(base_url)
    paths = {key: _fetch(key, folder, urls) for key in MNIST_FILES}
    x_train = _read_idx(paths["train_images"], _IDX_IMAGES_MAGIC)
    y_train = _read_idx(paths["train_labels"], _IDX_LABELS_MAGIC)
    x_test = _read_idx(paths["test_images"], _IDX_IMAGES_MAGIC)
    y_test = _read_idx(paths["test_labels"], _IDX_LABELS_MAGIC)
    for images, labels, image_key, label_key in (
        (x_train, y_train, "train_images", "train_labels"),
        (x_test, y_test, "test_images", "test_labels"),
    ):
        if labels.shape[0] != images.shape[0]:
            raise CorruptDataError(
                f"{MNIST_FILES[image_key][0]} holds {images.shape[0]} images but "
                f"{MNIST_FILES[label_key][0]} holds {labels.shape[0]} labels"
            )
        _check_digits(images, labels, MNIST_FILES[label_key][0])
    return x_train, y_train, x_test, y_test


def _verify(path: Path, name: str, expected_sha256: str, expected_size: int, origin: str):
    """Check size and sha256; delete the file and raise if either is wrong."""
    size = path.stat().st_size
    problem = None
    if size != expected_size:
        problem = f"has {size} bytes, expected {expected_size} (truncated or wrong file)"
    else:
        actual = _sha256_file(path)
        if actual != expected_sha256:
            problem = f"has sha256 {actual}, expected {expected_sha256}"
    if problem:
        path.unlink(missing_ok=True)
        raise CorruptDataError(
            f"{name} ({origin}) {problem}; the bad copy was deleted. "
            "Call load_mnist('full') again to download it afresh."
        )


def _fetch(key: str, folder: Path, urls: tuple[str, ...]) -> Path:
    """Return the verified cached file for ``key``, downloading it if needed."""
    import http.client
    import urllib.request

    name, expected_sha256, expected_size = MNIST_FILES[key]
    path = folder / name
    if path.exists():
        _verify(path, name, expected_sha256, expected_size, f"cached at {path}")
        return path
    failures = []
    part = folder / (name + ".part")
    for base in urls:
        url = base + name
        try:
            try:
                with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
                    for block in iter(lambda: response.read(_CHUNK), b""):
                        out.write(block)
            except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
                failures.append(f"{url}: {getattr(error, 'reason', error)}")
                continue
            # A wrong download raises here rather than trying the next mirror: a
            # checksum mismatch is news the user should see.
            _verify(part, name, expected_sha256, expected_size, f"downloaded from {url}")
            os.replace(part, path)
            return path
        finally:
            # whatever stopped us (an error, a bad checksum, Ctrl-C), no partial file stays
            part.unlink(missing_ok=True)
    raise ConnectionError(
        f"could not download {name}: " + "; ".join(failures)
        + ". The bundled subset, load_mnist(), works without a network."
    )


def _read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Decode a gzipped idx file after its checksum passed; delete it if it is malformed."""
    name = path.name

    def fail(problem):
        path.unlink(missing_ok=True)
        raise CorruptDataError(
            f"{name} ({path}) {problem}; the bad copy was deleted. "
            "Call load_mnist('full') again to download it afresh."
        )

    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        fail(f"is not a complete gzip file ({error})")
    if len(raw) < 4:
        fail(f"is too short for an idx header ({len(raw)} bytes after decompression)")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        kind = "images (idx3)" if expected_magic == _IDX_IMAGES_MAGIC else "labels (idx1)"
        fail(f"has idx magic number 0x{magic:08x}, expected 0x{expected_magic:08x} for {kind}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        fail(f"is too short for its idx header ({len(raw)} bytes, header needs {header})")
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != (_SIDE, _SIDE):
        fail(f"holds images of {dims[1]} x {dims[2]}, expected {_SIDE} x {_SIDE}")
    expected_bytes = header + int(np.prod(dims))
    if len(raw) != expected_bytes:
        fail(f"declares shape {dims} ({expected_bytes} bytes with header) but holds "
             f"{len(raw)} bytes")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


# ---------------------------------------------------------------------------- photo
def load_photo(gray=False, max_size=None):
    """Return matplotlib's sample photograph (Grace Hopper) as floats in [0, 1].

    Parameters
    ----------
    gray : bool
        False (default): colour, shape ``(H, W, 3)``. True: luminance
        ``0.299 R + 0.587 G + 0.114 B``, shape ``(H, W)``.
    max_size : int, optional
        If given, shrink the photo (keeping its proportions, Lanczos filter) so that
        its longer side is at most ``max_size`` pixels. It is never enlarged.

    Returns
    -------
    numpy.ndarray
        float64, values in [0, 1]; 600 x 512 pixels at full size.

    Raises
    ------
    TypeError
        If ``gray`` is not a bool or ``max_size`` not an int.
    ValueError
        If ``max_size`` is below 1.

    Examples
    --------
    >>> from cnn_utils.datasets import load_photo
    >>> photo = load_photo()
    >>> photo.shape, photo.dtype, bool(0.0 <= photo.min() <= photo.max() <= 1.0)
    ((600, 512, 3), dtype('float64'), True)
    >>> load_photo(gray=True, max_size=120).shape
    (120, 102)
    """
    gray = check_bool(gray, "gray")
    if max_size is not None:
        max_size = check_int(max_size, "max_size", 1)

    from matplotlib.cbook import get_sample_data
    from PIL import Image

    path = get_sample_data("grace_hopper.jpg", asfileobj=False)
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        if max_size is not None and max(width, height) > max_size:
            scale = max_size / max(width, height)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            image = image.resize(size, Image.Resampling.LANCZOS)
        rgb = np.asarray(image, dtype=np.float64) / 255.0
    if not gray:
        return rgb
    luminance = rgb @ np.array([0.299, 0.587, 0.114])
    return np.clip(luminance, 0.0, 1.0)
