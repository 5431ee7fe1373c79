"""The lecture notes' worked examples, loaded by name from ``data/examples/``.

Each example is one JSON file holding an array transcribed from the notes, where
in the notes it comes from, and what went wrong in the transcription, if
anything. There are three kinds:

- ``"input"``: an image or a patch that a kernel slides over;
- ``"kernel"``: a filter, kernel or bias;
- ``"printed"``: a result exactly as the notes print it, so that a notebook can
  compute the same thing with ``cnn_utils`` and say where the two differ. These
  entries carry ``relates_to`` (the examples they were computed from),
  ``operation`` (what was computed) and ``matches_computation``.

Arrays are float64, so that convolving them with negative weights never wraps
around, except ``number_grid_20x20``, which stands for pixel values and is
uint8 like an image file. The ``dtype`` field of every entry says which.
"""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path

import numpy as np

from ._paths import data_dir

KINDS = ("input", "kernel", "printed")
_REQUIRED_FIELDS = (
    "name", "kind", "description", "dtype", "shape", "source", "course_choice", "notes", "data",
)
_PRINTED_FIELDS = ("relates_to", "operation", "matches_computation")
_DTYPES = ("float64", "uint8")


def _examples_dir() -> Path:
    return data_dir() / "examples"


@functools.cache
def _catalogue() -> dict[str, Path]:
    folder = _examples_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"the worked examples folder {folder} is missing")
    return {path.stem: path for path in sorted(folder.glob("*.json"))}


@functools.cache
def _read(name: str) -> dict:
    path = _catalogue()[name]
    record = json.loads(path.read_text(encoding="utf-8"))
    missing = [field for field in _REQUIRED_FIELDS if field not in record]
    if record.get("kind") == "printed":
        missing += [field for field in _PRINTED_FIELDS if field not in record]
    if missing:
        raise ValueError(f"{path.name} lacks the field(s) {', '.join(missing)}")
    if record["name"] != name:
        raise ValueError(f"{path.name} calls itself {record['name']!r}; rename one of them")
    if record["kind"] not in KINDS:
        raise ValueError(f"{path.name} has kind {record['kind']!r}; allowed: {', '.join(KINDS)}")
    if record["dtype"] not in _DTYPES:
        raise ValueError(
            f"{path.name} has dtype {record['dtype']!r}; allowed: {', '.join(_DTYPES)}"
        )
    array = np.array(record["data"], dtype=record["dtype"])
    if list(array.shape) != list(record["shape"]):
        raise ValueError(
            f"{path.name} says its shape is {tuple(record['shape'])} but its data has shape "
            f"{array.shape}"
        )
    array.setflags(write=False)
    record["array"] = array
    return record


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"example name must be a string, got {type(name).__name__} {name!r}")
    names = _catalogue()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"no worked example called {name!r:.60}.{hint} The name must be one of: "
            f"{', '.join(names)}"
        )
    return name


def list_examples(kind: str | None = None) -> list[str]:
    """Return the names of the worked examples, sorted, optionally of one kind.

    Parameters
    ----------
    kind : {"input", "kernel", "printed"} or None
        Only the examples of this kind; ``None`` (default) lists them all.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three kinds.

    Examples
    --------
    >>> from cnn_utils.examples import list_examples
    >>> "six_by_six_image" in list_examples("input")
    True
    >>> list_examples("kernel")[:3]
    ['backprop_b', 'backprop_k', 'curve_filter']
    """
    if kind is not None and (not isinstance(kind, str) or kind not in KINDS):
        raise ValueError(f"kind must be None or one of {', '.join(KINDS)}; got {kind!r:.60}")
    names = list(_catalogue())
    if kind is None:
        return names
    return [name for name in names if _read(name)["kind"] == kind]


def load_example(name: str) -> np.ndarray:
    """Return the array of a worked example, as a fresh writable copy.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`.

    Returns
    -------
    numpy.ndarray
        float64 for every example except ``number_grid_20x20`` (uint8, as pixel
        values are stored). Single printed numbers (``sharpen_top_left_printed``,
        ``curve_match_sum_printed``, ``curve_no_match_sum_printed``) are 0-d arrays.

    Raises
    ------
    ValueError
        If there is no example called ``name``; the message lists the names.
    TypeError
        If ``name`` is not a string.

    Examples
    --------
    >>> from cnn_utils.examples import load_example
    >>> load_example("filter1")
    array([[ 1., -1., -1.],
           [-1.,  1., -1.],
           [-1., -1.,  1.]])
    >>> load_example("six_by_six_image").shape
    (6, 6)
    """
    return _read(_check_name(name))["array"].copy()


def example_info(name: str) -> dict:
    """Return everything recorded about a worked example.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`.

    Returns
    -------
    dict
        ``name``, ``kind`` ("input", "kernel" or "printed"), ``description``
        (one line), ``array`` (as :func:`load_example` returns it), ``dtype``,
        ``shape``, ``source`` (``seed``, ``file``, ``lecture``, ``heading`` and,
        when the example appears in several places, ``also_in``),
        ``course_choice`` (True when the values are the course's, not the
        notes', as in the backpropagation homework), ``notes`` (a list of
        transcription problems found in the notes, possibly empty) and, for
        printed results, ``relates_to``, ``operation`` and
        ``matches_computation``.

    Raises
    ------
    ValueError
        If there is no example called ``name``; the message lists the names.
    TypeError
        If ``name`` is not a string.

    Examples
    --------
    >>> from cnn_utils.examples import example_info
    >>> info = example_info("handwritten_filtered_image_printed")
    >>> info["kind"], info["source"]["seed"], info["matches_computation"]
    ('printed', '002', False)
    >>> info["relates_to"]
    ['handwritten_5x5_image', 'vertical_edge_detector']
    """
    record = _read(_check_name(name))
    # a deep copy, so that a notebook editing the dict cannot change the next caller's
    info = json.loads(json.dumps({k: v for k, v in record.items() if k not in ("data", "array")}))
    info["array"] = record["array"].copy()
    return info
