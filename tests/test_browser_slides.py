"""Live slides: a running notebook shown as slides in JupyterLab, with explorers that work.

For two notebooks of the course (copies, given their slide types by tools/slides.py),
in JupyterLab in Chromium at 1280 x 720: run the notebook, start the slideshow
(jupyterlab-slideshow's ``deck:start``), check that it opens on the title and that
moving forward shows the notebook's sections in their order, then open the slide of
the notebook's explorer, move one of its controls and wait for its view to change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also under --import-mode=importlib or a tests package
    sys.path.insert(0, str(HERE))
import browser_support as bs  # noqa: E402
from browser_support import browser_fixture, browser_page_fixture, lab_fixture  # noqa: E402, F401

pytestmark = pytest.mark.browser
bs.require_browser()

# each notebook and the call that shows its explorer
DECKS = {
    "02_convolution_step_by_step.ipynb": "cu.conv_stepper(image, filter1)",
    "03_padding_and_stride.ipynb": "cu.output_size_explorer(",
}

_ONSCREEN_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    return panel.content.widgets
        .map((cell, index) => ({index, node: cell.node}))
        .filter(({node}) => {
            const box = node.getBoundingClientRect(), style = getComputedStyle(node);
            return box.height > 0 && style.display !== "none" && style.visibility !== "hidden"
                && style.opacity !== "0" && box.bottom > 0 && box.top < innerHeight
                && box.right > 0 && box.left < innerWidth;
        })
        .map(({index}) => index);
}"""


def sections(path: Path) -> list[tuple[int, str]]:
    """(cell index, heading) of every cell the slide rules make a new slide, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        kind = cell["metadata"].get("slideshow", {}).get("slide_type")
        if kind == "slide":
            found.append((index, "".join(cell["source"]).splitlines()[0].lstrip("# ").strip()))
    return found


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base, root = bs.make_course(tmp_path_factory, "slides", copy_notebooks=True)
    subprocess.run(
        [sys.executable, str(bs.REPO / "tools" / "slides.py"), *(str(root / nb) for nb in DECKS)],
        check=True, capture_output=True, timeout=120,
    )
    return base, root


def onscreen(page) -> list[int]:
    return page.evaluate(_ONSCREEN_JS)


def start_deck(page) -> None:
    """Start the slideshow on the notebook's first cell."""
    page.evaluate("window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0")
    page.evaluate("window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_selector(".jp-deck-mod-onscreen")


def advance(page) -> None:
    """What the Space key does in the slideshow: the next fragment, subslide or slide."""
    page.evaluate("window.jupyterapp.commands.execute('deck:go', "
                  "{direction: 'down', alternate: 'forward'})")
    page.wait_for_timeout(250)


def explorer_control_changes_view(page, output) -> None:
    """Act on the explorer's first slider (or else its first enabled button); the rest of
    the output must then read differently."""
    before = output.inner_text()
    sliders = output.locator(".widget-slider")
    if sliders.count():
        bs.set_slider_by_keyboard(page, sliders.first, presses=1)
    else:
        output.locator("button:enabled").first.click()
    page.wait_for_function("([el, text]) => el.innerText !== text",
                           arg=[output.element_handle(), before], timeout=15_000)


@pytest.mark.parametrize(("name", "explorer_call"), sorted(DECKS.items()))
def test_slideshow_advances_and_its_explorer_works(browser_page, lab, course, name,
                                                   explorer_call):
    _, root = course
    expected = [index for index, _ in sections(root / name)]
    assert len(expected) >= 5, "the slide rules should make a slide of every section"
    page, log = browser_page
    page.set_viewport_size(bs.PROJECTOR)
    bs.open_notebook(page, lab.url, name)
    bs.watch_kernel_problems(page)
    state = bs.run_all(page)
    assert not bs.notebook_problems(state)
    explorer = bs.cell_index(page, explorer_call)

    start_deck(page)
    assert onscreen(page)[0] == 0, "the slideshow does not open on the title"
    seen, explored = [], False
    for _ in range(len(state["cells"])):  # at most one step per cell
        shown = onscreen(page)
        seen += [i for i in expected if i in shown and i not in seen]
        if explorer in shown and not explored:
            # the explorer's slide: its control still drives its view
            output = bs.cell_output(page, explorer_call)
            assert output.locator(".widget-slider, button").count(), "explorer not live"
            explorer_control_changes_view(page, output)
            explored = True
        if explored and len(seen) == len(expected):
            break
        advance(page)
    assert explored, "no slide showed the explorer"
    assert seen == expected, f"sections shown {seen}, expected {expected}"
    assert not bs.kernel_problems(page)
    assert not log.problems(), log.problems()
    page.evaluate("window.jupyterapp.commands.execute('deck:stop')")
