"""Where the package finds its data files, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return the folder holding the course data.

    A wheel carries ``data/`` inside the package as ``cnn_utils/_data``; an
    editable install or a plain source checkout reads the repository's
    top-level ``data/`` folder directly.
    """
    for candidate in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"cnn_utils could not find its data folder; looked in {_PACKAGE_DIR / '_data'} "
        f"and {_PACKAGE_DIR.parent / 'data'}. Reinstall the package with "
        "`pip install -e .` from the repository root."
    )
