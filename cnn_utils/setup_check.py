"""The set-up check of notebook 00: the packages the course needs, and which cnn_utils runs.

The notebook calls :func:`check_setup`, which prints one line per check. The line about
``cnn_utils`` answers the question a student editing the package needs answered: do my
edits to the course folder's ``cnn_utils/`` reach this notebook? The notebook may run in
the course's ``notebooks/``, in the student edition ``artifacts/student/``, or as a copy
outside the course folder, so the course folder is found by walking up from the
notebook's folder (the kernel's working folder) to one that holds ``pyproject.toml`` and
``cnn_utils/``, never by assuming it is the parent folder.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel")
_PACKAGE_DIR = Path(__file__).resolve().parent


def course_folder(start: str | Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds ``pyproject.toml`` and
    ``cnn_utils/`` (a copy of the course), or None if there is none."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "cnn_utils").is_dir():
            return folder
    return None


def cnn_utils_line(package_dir: str | Path, notebook_dir: str | Path) -> str:
    """The set-up line about the ``cnn_utils`` found in `package_dir`, for a notebook
    running in `notebook_dir`. It ends in "ok" when the notebook runs the course's own
    source of the package (an editable install or a source checkout)."""
    package_dir = Path(package_dir).resolve()
    source_checkout = course_folder(package_dir.parent) == package_dir.parent
    course = course_folder(notebook_dir)
    if source_checkout and course in (None, package_dir.parent):
        # the same text wherever the notebook runs: the stored output must not hold a path
        return "cnn_utils   from the course folder, so your edits to it show here: ok"
    if not source_checkout and course is None:
        return ("cnn_utils   installed as a package (edits to a copy of its source would not "
                "show here; `pip install -e` on the course folder makes them show): ok")
    if not source_checkout and _course_version(course) == _installed_version():
        # a JupyterHub image with the course installed, notebooks pulled into a course folder
        return ("cnn_utils   installed as a package, the same version as this course folder "
                "(edits to its cnn_utils/ would not show here; `pip install -e` on the course "
                "folder makes them show): ok")
    where = "an installed package" if not source_checkout else "another course folder"
    return (f"cnn_utils   comes from {where}, {package_dir}, not from this notebook's course "
            f"folder {course}: the notebooks run, but your edits to {course / 'cnn_utils'} "
            f"will not show here. To change that, run `pip install -e {course}` in this "
            "kernel's environment (or start JupyterLab with `python3 dev.py lab` in that "
            "folder), then restart the kernel")


def _course_version(course: Path) -> str | None:
    """The ``version = "..."`` line of the course folder's pyproject.toml."""
    try:
        text = (course / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    return match.group(1) if match else None


def _installed_version() -> str:
    from . import __version__

    return __version__


def check_setup(notebook_dir: str | Path | None = None) -> None:
    """Print one line per check: Python's version, each package the course needs, and
    where ``cnn_utils`` comes from. Each line ends in "ok" or says what to do.

    `notebook_dir` is the notebook's folder; by default the working folder, which
    Jupyter sets to the notebook's folder.
    """
    too_old = "too old: install Python 3.10 or newer, see the README"
    print(f"Python 3.10 or newer: {'ok' if sys.version_info >= (3, 10) else too_old}")
    for package in PACKAGES:
        try:
            version(package)
            print(f"{package:11} installed: ok")
        except PackageNotFoundError:
            print(f"{package:11} MISSING: run `python3 dev.py lab` in the course folder")
    print(cnn_utils_line(_PACKAGE_DIR, Path.cwd() if notebook_dir is None else notebook_dir))
