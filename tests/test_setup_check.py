"""Notebook 00's set-up check says "ok" wherever the course's own cnn_utils runs the notebook.

A notebook runs in the course's notebooks/, in the student edition (artifacts/student/,
one level deeper), or as a copy handed out outside the course folder; the check must
find the course folder in each case and judge only where cnn_utils comes from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_utils.setup_check import cnn_utils_line, course_folder

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cnn_utils"


def fake_course(folder: Path) -> Path:
    """A folder laid out as a copy of the course: pyproject.toml and cnn_utils/."""
    (folder / "cnn_utils").mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'cnn-utils'\n")
    (folder / "notebooks").mkdir()
    return folder


def run_check_in(folder: Path) -> str:
    """check_setup() in a fresh Python whose working folder is `folder`, as a kernel
    started for a notebook in `folder` has; this repository's cnn_utils is imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "from cnn_utils.setup_check import check_setup; check_setup()"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_the_course_folder_is_found_from_any_depth(tmp_path):
    course = fake_course(tmp_path / "course")
    assert course_folder(course / "notebooks") == course
    assert course_folder(course / "artifacts" / "student") == course  # need not exist
    assert course_folder(tmp_path / "elsewhere") is None
    assert course_folder(ROOT / "notebooks") == ROOT


@pytest.mark.parametrize("where", ["notebooks", "artifacts/student", "."])
def test_ok_in_the_course_and_its_student_edition(where):
    line = cnn_utils_line(PACKAGE, ROOT / where)
    assert line.endswith(": ok"), line


def test_ok_for_a_copy_outside_any_course_folder(tmp_path):
    # a notebook handed out alone still runs the course's editable cnn_utils
    assert cnn_utils_line(PACKAGE, tmp_path).endswith(": ok")


def test_another_course_folder_is_named_and_not_ok(tmp_path):
    other = fake_course(tmp_path / "my_copy")
    line = cnn_utils_line(PACKAGE, other / "notebooks")
    assert not line.endswith("ok"), line
    assert str(PACKAGE) in line
    assert str(other / "cnn_utils") in line
    assert f"pip install -e {other}" in line


def test_an_installed_copy_is_named_as_such(tmp_path):
    site_packages = tmp_path / "site-packages" / "cnn_utils"
    site_packages.mkdir(parents=True)
    alone = cnn_utils_line(site_packages, tmp_path / "handout")
    assert alone.endswith(": ok")
    assert "installed as a package" in alone
    # a JupyterHub image: the course installed, its notebooks pulled into a course folder
    same_version = cnn_utils_line(site_packages, ROOT / "notebooks")
    assert same_version.endswith(": ok"), same_version
    assert "same version" in same_version
    other = fake_course(tmp_path / "newer_course")
    (other / "pyproject.toml").write_text('[project]\nname = "cnn-utils"\nversion = "99.0"\n')
    beside_another = cnn_utils_line(site_packages, other / "notebooks")
    assert "installed package" in beside_another
    assert not beside_another.endswith("ok")
    assert str(other / "cnn_utils") in beside_another


@pytest.mark.parametrize("where", ["notebooks", "artifacts/student", "outside"])
def test_check_setup_run_from_each_folder(where, tmp_path):
    folder = tmp_path / "handout" if where == "outside" else ROOT / where
    folder.mkdir(parents=True, exist_ok=True)
    lines = run_check_in(folder).splitlines()
    assert lines[-1].startswith("cnn_utils"), lines
    assert lines[-1].endswith(": ok"), lines[-1]
    assert len(lines) == 8, lines  # Python, six packages, cnn_utils
