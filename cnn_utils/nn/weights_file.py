"""The weights file of :meth:`Sequential.save_weights`: writing it safely, reading it warily.

A weights file is a compressed ``.npz`` archive: one array per parameter,
named ``layer03/kernel``, plus an ``architecture`` entry holding a JSON header
(format, model name, input shape, and per layer its class, output shape and
weight shapes) so that loading can refuse a file made for another model.

Writing is atomic: the archive goes to a temporary file in the same folder,
which then replaces the target in one step (``os.replace``); an error or a
Ctrl-C halfway leaves the old file untouched and no temporary file behind.

Reading trusts nothing: a truncated, empty or damaged file, a file that is not
a zip archive, a header of the wrong form, missing or extra arrays, wrong
shapes and non-finite values all raise :class:`WeightsFileError`, which names
the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

WEIGHTS_FORMAT = "cnn_utils.nn weights v1"
_HEADER_KEY = "architecture"


class WeightsFileError(ValueError):
    """A weights file that cannot be loaded: missing, damaged, foreign or for another model."""


class WeightsFileNotFoundError(WeightsFileError, FileNotFoundError):
    """No weights file at the path given (also a ``FileNotFoundError``)."""


def check_weights_path(path) -> Path:
    """``path`` as a :class:`~pathlib.Path` ending in ``.npz``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a file name (str or pathlib.Path), got {type(path).__name__} "
            f"{path!r:.60}"
        )
    text = os.fspath(path)
    if isinstance(text, bytes) or "\x00" in text:
        raise ValueError(f"path must be a file name without NUL characters, got {text!r:.60}")
    if not text.endswith(".npz") or Path(text).suffix != ".npz":
        raise ValueError(f"path must end in .npz (weights files end in .npz), got {text!r:.60}")
    return Path(text)


def write_weights(path, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` and the JSON ``header`` to ``path``, atomically."""
    path = check_weights_path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"cannot save {path.name}: the folder {str(folder)!r} does not exist")
    entries = dict(arrays)
    entries[_HEADER_KEY] = np.array(json.dumps(header))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            np.savez_compressed(stream, **entries)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_weights(path) -> tuple[dict, dict[str, np.ndarray]]:
    """``(header, arrays)`` of a weights file; anything wrong raises :class:`WeightsFileError`."""
    path = check_weights_path(path)
    if not path.is_file():
        raise WeightsFileNotFoundError(f"no weights file at {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            if _HEADER_KEY not in data.files:
                raise WeightsFileError(
                    f"{str(path)!r} is not a weights file written by save_weights: it has no "
                    f"{_HEADER_KEY!r} record (arrays: {data.files[:5]})"
                )
            header = json.loads(str(data[_HEADER_KEY]))
            arrays = {k: data[k] for k in data.files if k != _HEADER_KEY}
    except WeightsFileError:
        raise
    except Exception as err:  # zip, zlib, npy and JSON readers each fail their own way
        raise WeightsFileError(
            f"{str(path)!r} is not a readable weights file written by save_weights: it is "
            f"damaged, truncated or of another kind ({type(err).__name__}: {err})"
        ) from err
    check_header(header, path)
    return header, arrays


def _is_shape(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
    )


def check_header(header, path) -> None:
    """Refuse a header that is not the dict :func:`write_weights` writes."""

    def bad(problem):
        raise WeightsFileError(f"{str(path)!r} has a damaged or foreign header: {problem}")

    if not isinstance(header, dict):
        bad(f"a JSON {type(header).__name__} instead of an object")
    if header.get("format") != WEIGHTS_FORMAT:
        bad(f"format {header.get('format')!r}, expected {WEIGHTS_FORMAT!r}")
    if not _is_shape(header.get("input_shape")):
        bad(f"input_shape {header.get('input_shape')!r:.60} is not a list of sizes")
    layers = header.get("layers")
    if not isinstance(layers, list):
        bad(f"layers is {type(layers).__name__}, not a list")
    for i, layer in enumerate(layers):
        ok = (
            isinstance(layer, dict)
            and isinstance(layer.get("class"), str)
            and isinstance(layer.get("weights"), dict)
            and all(_is_shape(s) for s in layer["weights"].values())
        )
        if not ok:
            bad(f"layer {i} is {layer!r:.80}, not {{'class': ..., 'weights': {{...}}}}")


def check_arrays(arrays: dict, expected: dict[str, tuple], path) -> list[np.ndarray]:
    """The arrays named in ``expected`` (name -> shape), in order, checked for shape and values."""
    missing = [k for k in expected if k not in arrays]
    extra = [k for k in arrays if k not in expected]
    if missing or extra:
        raise WeightsFileError(
            f"{str(path)!r} does not hold this model's weight arrays: missing {missing[:4]}, "
            f"unexpected {extra[:4]}"
        )
    out = []
    for name, shape in expected.items():
        arr = arrays[name]
        if arr.dtype.kind not in "fiu":
            raise WeightsFileError(f"{str(path)!r}: {name} holds {arr.dtype}, not numbers")
        if arr.shape != tuple(shape):
            raise WeightsFileError(
                f"{str(path)!r}: {name} has shape {arr.shape}, this model needs {tuple(shape)}"
            )
        if not np.isfinite(arr).all():
            raise WeightsFileError(
                f"{str(path)!r}: {name} holds {int(np.count_nonzero(~np.isfinite(arr)))} "
                "NaN or infinite value(s); such weights make every prediction NaN"
            )
        out.append(arr)
    return out
