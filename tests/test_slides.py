"""tools/slides.py gives each kind of cell the slide type its rules promise."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "slides.py"


def load_slides():
    spec = importlib.util.spec_from_file_location("course_slides", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slides = load_slides()
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def deck(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    slides.assign(nb)
    return [cell.metadata.get("slideshow", {}).get("slide_type", "-") for cell in nb.cells]


def test_title_sections_and_steps():
    assert deck(md("# 02 Title\n\ntext"), md("## 1. A section"), md("### Exercise 1"),
                md("plain prose")) == ["slide", "slide", "subslide", "-"]


def test_setup_cells_and_solutions_are_skipped():
    setup = code("import numpy as np\nfrom cnn_utils import (\n    plotting,\n)\n"
                 "np.set_printoptions(precision=3)")
    solution = md("**Solution.** 42")
    solution.metadata["tags"] = ["solution"]
    assert deck(md("# T"), setup, solution, code("x = np.ones(3)\nx")) == \
        ["slide", "skip", "skip", "-"]


def test_notes_for_the_instructor_are_not_shown_to_the_class():
    note = md("For instructors: INSTRUCTORS.md has the lesson plans.")
    note.metadata["tags"] = ["instructor-only"]
    assert deck(md("# T"), note, md("plain prose")) == ["slide", "skip", "-"]


def test_long_answer_cells_are_skipped_short_ones_shown():
    short, long = code("answer = None"), code("\n".join(f"line_{i} = {i}" for i in range(20)))
    short.metadata["tags"] = long.metadata["tags"] = ["answer"]
    assert deck(md("# T"), short, long) == ["slide", "-", "skip"]


def test_predict_prompt_and_its_code_are_fragments():
    assert deck(md("# T"), md("**Predict, then run:** how many?"), code("print(3 * 3)"),
                code("print('next')")) == ["slide", "fragment", "fragment", "-"]
    assert deck(md("# T"), md("### Predict, then reveal: the stepper"), code("s")) == \
        ["slide", "fragment", "fragment"]


def test_captions_are_fragments():
    assert deck(md("# T"), code("plt.show()"), md("*The figure:* left, the input.")) == \
        ["slide", "-", "fragment"]


def test_continue_is_stored_as_no_metadata_and_reapplying_changes_nothing():
    nb = nbformat.v4.new_notebook(cells=[md("# T"), md("prose")])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "-"}
    slides.assign(nb)
    assert "slideshow" not in nb.cells[1].metadata
    assert nb.metadata["rise"]["scroll"] is True
    assert slides.assign(nb) == 0


def test_check_mode_fails_on_missing_metadata_and_passes_after_writing(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[md("# T"), md("## A")]), path)
    run = [sys.executable, str(SCRIPT)]
    assert subprocess.run([*run, "--check", str(path)], capture_output=True).returncode == 1
    assert subprocess.run([*run, str(path)], capture_output=True).returncode == 0
    assert subprocess.run([*run, "--check", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda path: path.stem)
def test_every_course_notebook_makes_a_deck_with_a_slide_per_section(path):
    nb = nbformat.read(path, as_version=4)
    slides.assign(nb)
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type", "-") for cell in nb.cells]
    sections = sum(cell.cell_type == "markdown" and cell.source.startswith("## ")
                   for cell in nb.cells)
    assert kinds[0] == "slide"
    assert kinds.count("slide") == sections + 1  # the title, then one per section
