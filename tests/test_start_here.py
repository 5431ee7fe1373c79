"""Notebook 00 tells the truth about the others, and its student edition is for students.

- the times in 00's table of the series are the times each notebook states in its own
  first cell, and the summary's total is their sum;
- 00 says each notebook numbers its exercises 1, 2, 3, ... and that the check's id is the
  notebook's number and the exercise's: every notebook's exercise headings agree;
- ``dev.py student`` leaves out every cell tagged ``instructor-only``: the student edition
  of 00 says nothing about making the answer key, and nothing that brings the full
  edition (with its solutions) back.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
START = ROOT / "notebooks" / "00_start_here.ipynb"

sys.path.insert(0, str(ROOT))
import dev  # noqa: E402  (dev.py at the repository root: standard library at import time)

HEADER_TIME = re.compile(r"\*\*Time:\*\* about (\d+) minutes")
TABLE_ROW = re.compile(
    r"^\| (\d\d) \| \[[^\]]+\]\((\d\d_\w+\.ipynb)\) \|.*\| about (\d+) min \|$", re.MULTILINE)
TOTAL = re.compile(r"about (\d+(?:\.\d+)?) hours in all")
# what only an instructor needs, or what would give a student the full edition back
INSTRUCTOR_ONLY_TEXT = ("answer_key", "answer key", "dev.py answers", "dev.py student",
                        "git checkout", "INSTRUCTORS.md")


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def text(cell) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def stated_minutes(path) -> int:
    found = HEADER_TIME.search(text(load(path)["cells"][0]))
    assert found, f"{path.name}: its first cell states no '**Time:** about N minutes'"
    return int(found.group(1))


def series_table() -> dict[str, int]:
    cells = [text(c) for c in load(START)["cells"] if text(c).startswith("## The series")]
    assert len(cells) == 1, "00 has no single '## The series' section"
    return {name: int(minutes) for _, name, minutes in TABLE_ROW.findall(cells[0])}


def test_the_series_table_gives_each_notebook_its_own_time():
    table = series_table()
    others = [path for path in NOTEBOOKS if path != START]
    assert sorted(table) == [path.name for path in others], "the table does not list 01-10"
    wrong = {path.name: (table[path.name], stated_minutes(path)) for path in others
             if table[path.name] != stated_minutes(path)}
    assert not wrong, f"(00's table, the notebook's header) disagree: {wrong}"


def test_the_summary_total_is_the_sum_of_the_times():
    total = stated_minutes(START) + sum(series_table().values())
    summary = [text(c) for c in load(START)["cells"] if text(c).startswith("## Summary")]
    found = TOTAL.search(summary[0])
    assert found, "00's summary states no 'about N hours in all'"
    assert abs(float(found.group(1)) * 60 - total) <= 15, (found.group(0), total, "minutes")


def test_exercise_headings_number_the_exercises_as_their_checks_do():
    # 00: "in notebook 02, Exercise 1 ends with cu.check("02.1", ...)"
    problems = []
    for path in NOTEBOOKS:
        for cell in load(path)["cells"]:
            exercise = cell["metadata"].get("exercise")
            if not exercise or cell["cell_type"] != "markdown" or "solution" in tags(cell):
                continue
            label = re.match(r"^(?:### |\*\*)(?:Exercise|Question) (\d+)\b", text(cell))
            if label is None:
                problems.append(f"{path.name} {exercise}: no 'Exercise N' or 'Question N' label")
            elif exercise != f"{path.name[:2]}.{label.group(1)}":
                problems.append(f"{path.name}: {label.group(0)!r} is checked as {exercise}")
    assert not problems, "\n".join(problems)


def test_the_student_edition_leaves_out_what_only_instructors_need():
    full = load(START)
    assert any("instructor-only" in tags(c) for c in full["cells"]), (
        "00 has no instructor-only cell: the test would prove nothing")
    shown = "\n".join(text(c) for c in full["cells"])
    assert any(words in shown for words in INSTRUCTOR_ONLY_TEXT)  # the probe can see them
    for path in NOTEBOOKS:
        edition = dev.student_edition(load(path))
        shown = "\n".join(text(c) for c in edition["cells"])
        assert not [c for c in edition["cells"] if tags(c) & {"instructor-only", "solution"}]
        found = [words for words in INSTRUCTOR_ONLY_TEXT if words in shown]
        assert not found, f"the student edition of {path.name} still says {found}"


def test_an_instructor_only_cell_is_left_out_and_nothing_else():
    notebook = load(START)
    marked = copy.deepcopy(notebook)
    kept = text(marked["cells"][1])
    marked["cells"][1]["metadata"]["tags"] = ["instructor-only"]
    edition = dev.student_edition(marked)
    assert len(edition["cells"]) == len(dev.student_edition(notebook)["cells"]) - 1
    assert kept not in [text(c) for c in edition["cells"]]
