"""Give every cell of the course's notebooks its slide type, by rules chosen for teaching.

jupyterlab-slideshow (the deck button in a notebook's toolbar) shows the open, running
notebook as slides, with live explorers; like RISE and nbconvert's reveal.js export, it
reads each cell's ``slideshow.slide_type``.
The rules, in the order they are tried:

==========================================  ============  =====================================
cell                                         slide type    why
==========================================  ============  =====================================
tagged ``solution``                          ``skip``      the answer stays hidden in the slides
tagged ``instructor-only``                   ``skip``      a note for the presenter, not the class
code tagged ``answer`` over 15 lines         ``skip``      a long scaffold is read, not presented
code with only imports and print settings    ``skip``      plumbing, not an idea
the notebook's first cell (its title)        ``slide``
markdown opening with ``# `` or ``## ``      ``slide``     one section, one slide
markdown opening with ``### ``               ``subslide``  a step inside a section, below it
a "Predict, then run" prompt                 ``fragment``  the class answers before the code runs
the code cell right after such a prompt      ``fragment``  ... and then sees the result
a caption (``*The figure:*``, ...)           ``fragment``  the picture first, then how to read it
anything else                                ``-``         stays on the current slide
==========================================  ============  =====================================

``-`` is stored as no ``slideshow`` metadata at all: nbconvert and RISE read that as
``-``, and jupyterlab-slideshow reads nothing else (an explicit ``-`` hides the cell).

The notebook's ``rise`` metadata (read by RISE, if an instructor prefers it) lets a long
slide scroll and turns transitions off; its theme "white" needs no web fonts.

    python tools/slides.py notebooks/*.ipynb           # write the metadata
    python tools/slides.py --check notebooks/*.ipynb   # exit 1 if any cell differs
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

CONTINUE = "-"  # stays on the current slide; stored as no slideshow metadata at all
RISE_SETTINGS = {"scroll": True, "transition": "none", "center": False, "theme": "white"}
LONG_ANSWER_LINES = 15
CAPTION = re.compile(r"^\*The [\w -]+:\*")
PREDICT = re.compile(r"^\s*(?:\*\*|###\s*)?Predict, then (?:run|reveal)", re.IGNORECASE)
SETUP_LINE = re.compile(
    r"^(?:import |from \S+ import |np\.set_printoptions\(|%matplotlib |plt\.rcParams|"
    r"warnings\.filterwarnings\()"
)


def _is_setup(source: str) -> bool:
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
    # a continuation line of a long import or print-settings call is part of it
    statements = [line for line in lines if not line.startswith((" ", ")"))]
    return bool(statements) and all(SETUP_LINE.match(line) for line in statements)


def slide_type(cell, index: int, previous) -> str:
    """The slide type the rules above give `cell`, the `index`-th cell, after `previous`."""
    source = cell.source
    tags = set(cell.metadata.get("tags", []))
    if tags & {"solution", "instructor-only"}:
        return "skip"
    if cell.cell_type == "code":
        if "answer" in tags and len(source.splitlines()) > LONG_ANSWER_LINES:
            return "skip"
        if _is_setup(source):
            return "skip"
        if previous is not None and previous.cell_type == "markdown" and PREDICT.search(
                previous.source):
            return "fragment"
        return CONTINUE
    if index == 0 or source.startswith(("# ", "## ")):
        return "slide"
    if source.startswith("### ") and not PREDICT.search(source):
        return "subslide"
    if PREDICT.search(source) or CAPTION.match(source):
        return "fragment"
    return CONTINUE


def assign(nb) -> int:
    """Set every cell's slide type and the notebook's RISE settings; return how many changed."""
    changed = 0
    previous = None
    for index, cell in enumerate(nb.cells):
        wanted = slide_type(cell, index, previous)
        if wanted == CONTINUE:
            # no metadata means "continue" to nbconvert, RISE and jupyterlab-slideshow alike;
            # jupyterlab-slideshow does not read an explicit "-" and would hide the cell
            if "slideshow" in cell.metadata:
                del cell.metadata["slideshow"]
                changed += 1
        elif cell.metadata.get("slideshow", {}).get("slide_type") != wanted:
            cell.metadata["slideshow"] = {"slide_type": wanted}
            changed += 1
        previous = cell
    if nb.metadata.get("rise") != RISE_SETTINGS:
        nb.metadata["rise"] = dict(RISE_SETTINGS)
        changed += 1
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook's slide metadata differs")
    options = parser.parse_args(argv)
    stale = []
    for path in options.notebooks:
        nb = nbformat.read(path, as_version=4)
        changed = assign(nb)
        counts = {}
        for cell in nb.cells:
            kind = cell.metadata.get("slideshow", {}).get("slide_type", CONTINUE)
            counts[kind] = counts.get(kind, 0) + 1
        summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
        if changed and options.check:
            stale.append(path)
            print(f"{path}: {changed} cell(s) lack the slide type the rules give")
        elif changed:
            nbformat.write(nb, path)
            print(f"{path}: {summary} ({changed} changed)")
        else:
            print(f"{path}: {summary}")
    if stale:
        print("Run: python tools/slides.py " + " ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
