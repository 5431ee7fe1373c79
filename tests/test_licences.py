"""The course can be reused, also commercially: licences stated, every bundled file credited.

NOTICE.md holds a table of every file under ``data/`` with its licence; these tests hold
that table to the folder's real content, so a file added without a notice fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NOTICE = (ROOT / "NOTICE.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# a non-commercial (NC) or no-derivatives (ND) Creative Commons licence, or one said in words
RESTRICTIVE = re.compile(
    r"\bBY-(?:[A-Z]+-)*N[CD]\b|NonCommercial|non-commercial|NoDerivatives", re.IGNORECASE
)


def data_files() -> list[Path]:
    return sorted(
        path for path in DATA.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    )


def notice_rows() -> dict[str, str]:
    """Licence column of NOTICE.md's table of data files, by each file named in the row."""
    section = NOTICE.split("## Every file under `data/`", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`data/"):
            for name in re.findall(r"`(data/[^`]+)`", cells[0]):
                rows[name] = cells[3]
    return rows


def test_code_licence_is_mit_and_agrees_with_pyproject():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text
    assert PYPROJECT["project"]["license"] == "MIT"


def test_prose_licence_is_stated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (readme, NOTICE):
        assert "CC BY 4.0" in text
        assert "https://creativecommons.org/licenses/by/4.0/" in text


def test_readme_links_the_licence_citation_and_instructors_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("LICENSE", "NOTICE.md", "CITATION.cff", "INSTRUCTORS.md"):
        assert f"]({target})" in readme, f"README does not link {target}"
        assert (ROOT / target).is_file()


@pytest.mark.parametrize("path", data_files(), ids=lambda path: str(path.relative_to(DATA)))
def test_every_bundled_data_file_has_a_notice(path):
    relative = path.relative_to(ROOT).as_posix()
    rows = notice_rows()
    if path.parent.name == "examples" and relative not in rows:
        # the transcribed examples share one row and are listed by name below the table
        assert f"`{path.name}`" in NOTICE, f"NOTICE.md does not name {relative}"
        licence = rows["data/examples/*.json"]
    else:
        assert relative in rows, f"NOTICE.md's table has no row for {relative}"
        licence = rows[relative]
    assert licence, f"no licence given for {relative}"
    assert not RESTRICTIVE.search(licence), f"{relative} is bundled under {licence!r}"


def test_notice_names_no_file_that_is_not_there():
    for name in notice_rows():
        if "*" not in name:
            assert (ROOT / name).is_file(), f"NOTICE.md lists {name}, which does not exist"


def test_no_data_record_declares_a_restrictive_licence():
    def licences(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() in {"licence", "license"}:
                    yield str(value)
                yield from licences(value)
        elif isinstance(node, list):
            for item in node:
                yield from licences(item)

    for path in DATA.rglob("*.json"):
        for licence in licences(json.loads(path.read_text(encoding="utf-8"))):
            assert not RESTRICTIVE.search(licence), f"{path.name}: {licence}"


def test_restrictive_pattern_recognises_non_commercial_licences():
    for bad in ("CC BY-NC-SA 4.0", "CC BY-NC 4.0", "CC BY-ND 4.0", "CC-BY-NC-SA-4.0",
                "Creative Commons NonCommercial"):
        assert RESTRICTIVE.search(bad), bad
    for fine in ("CC BY-SA 3.0", "CC BY 4.0", "MIT", "Apache 2.0", "public domain"):
        assert not RESTRICTIVE.search(fine), fine


def test_number_grid_is_the_drawing_its_script_makes():
    # the slide's grid (Project Euler's, non-commercial) must not come back by hand
    result = subprocess.run(
        [sys.executable, str(DATA / "make_number_grid.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lecture_notes_are_credited_by_author_and_title():
    for credit in (
        'Hung-yi Lee, "Why CNN for Image?"',
        'Hung-yi Lee, "Convolutional Neural Network"',
        'B M Mainul Hossain, "Convolutional Neural Networks"',
        '"Lecture 14: Convolutional Neural Networks"',
        'Kuan-Ting Lai, "Convolutional Neural Networks" (2020)',
    ):
        assert credit in NOTICE


def test_citation_file_is_cff_1_2_0_and_agrees_with_pyproject():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"]
    assert cff["title"]
    assert cff["authors"]
    assert all(author.get("name") or author.get("family-names") for author in cff["authors"])
    assert cff["license"] == PYPROJECT["project"]["license"]
    assert str(cff["version"]) == PYPROJECT["project"]["version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))
    allowed = {
        "cff-version", "message", "type", "title", "abstract", "authors", "version",
        "date-released", "license", "keywords", "references", "repository-code", "url",
        "doi", "identifiers", "preferred-citation", "contact", "commit", "license-url",
    }
    assert set(cff) <= allowed, f"keys CFF 1.2.0 does not define: {set(cff) - allowed}"
    for reference in cff.get("references", []):
        assert {"type", "title", "authors"} <= set(reference)
