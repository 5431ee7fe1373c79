"""The course in a real browser: JupyterLab in headless Chromium, driven by Playwright.

nbval runs the kernel side only; these tests open each notebook in JupyterLab the
way a student does, run all cells, and check what the page shows: no error, every
widget rendered, controls that change the view they drive.

Run them with ``pytest -m browser`` (they are part of the default run too). They
need Debian's Chromium at ``/usr/bin/chromium`` (``apt-get install chromium``; no
browser download) and Playwright for Python (the ``test`` extra); without either,
the module is skipped with that message. Artifacts, in ``artifacts/`` (git-ignored):
``screenshots/<notebook>.png`` per notebook and ``browser-latency.json``.

Pattern for an explorer test (see ``test_slider_pattern_updates_view`` and
``test_controls_pattern_updates_view``; helpers in ``browser_support.py``):

1. open the notebook and run it (``open_notebook``, ``run_all``);
2. find the explorer by a CSS class its root widget carries (``add_class``) or by
   the cell that displays it (``cell_output(page, "SomeExplorer(")``), then its
   control and its view inside it;
3. act like a user (``set_slider_by_keyboard``, ``choose_option``,
   ``click_button``, ``type_into``) inside ``measure_update_ms``, so the time
   from the action to the view's change is measured in the page;
4. assert the view shows what the control's new value implies, read back from the
   page and derived independently of the code under test;
5. assert ``kernel_problems`` is empty (a raising callback never reaches a cell);
6. print the median latency (``report_latency``); never assert on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also under --import-mode=importlib or a tests package
    sys.path.insert(0, str(HERE))
import browser_support as bs  # noqa: E402
from browser_support import browser_fixture, browser_page_fixture, lab_fixture  # noqa: E402, F401

pytestmark = pytest.mark.browser
sync_api = bs.require_browser()

NOTEBOOKS = sorted(path.name for path in (bs.REPO / "notebooks").glob("*.ipynb"))

RUN_TIMEOUT = 240.0  # seconds for one notebook's Run All
WIDGET_TIMEOUT = 30.0  # seconds for widgets to finish rendering after the run

# Scratch notebooks the tests write into the temporary copy (never into notebooks/).
PATTERN = "_browser_pattern.ipynb"
PATTERN_CELLS = [
    "import sys\nprint(sys.prefix)",
    """import ipywidgets as widgets

slider = widgets.IntSlider(value=3, min=0, max=40, description="n")
square = widgets.HTML(value=str(slider.value ** 2))


def show_square(change):
    square.value = str(change["new"] ** 2)


slider.observe(show_square, names="value")
widgets.VBox([slider, square]).add_class("browser-pattern")""",
    """operation = widgets.Dropdown(options=["double", "negate"], value="double", description="op")
number = widgets.IntText(value=5, description="x")
add_one = widgets.Button(description="add one")
result = widgets.HTML()


def show_result(change=None):
    x = number.value
    result.value = str(2 * x if operation.value == "double" else -x)


def increment(button):
    number.value += 1


operation.observe(show_result, names="value")
number.observe(show_result, names="value")
add_one.on_click(increment)
show_result()
widgets.VBox([operation, number, add_one, result]).add_class("browser-pattern-controls")""",
]

FAILURES = "_browser_failures.ipynb"
FAILURE_CELLS = [
    # A widget view whose model does not exist: the page must not count it as rendered.
    """from IPython.display import display

display(
    {
        "application/vnd.jupyter.widget-view+json": {
            "model_id": "no-such-model", "version_major": 2, "version_minor": 0,
        },
        "text/plain": "IntSlider(value=1)",
    },
    raw=True,
)""",
    """import ipywidgets as widgets

broken = widgets.IntSlider(value=1)


def fail(change):
    raise RuntimeError("deliberate failure in a callback")


broken.observe(fail, names="value")
broken.add_class("browser-broken")""",
    {"source": 'raise ValueError("an error on purpose")', "tags": ["raises-exception"]},
    "1 / 0",
    'print("never runs: Run All stops at the error above")',
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary copy of notebooks/ plus the scratch notebooks; returns (base, root)."""
    base, root = bs.make_course(tmp_path_factory, "browser", copy_notebooks=True)
    bs.write_notebook(root / PATTERN, PATTERN_CELLS)
    bs.write_notebook(root / FAILURES, FAILURE_CELLS)
    return base, root


def _screenshot(page, name: str) -> None:
    bs.save_screenshot(page, f"{Path(name).stem}.png", name)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_clean_in_browser(browser_page, lab, name):
    page, log = browser_page
    bs.open_notebook(page, lab.url, name)
    try:
        state = bs.run_all(page, timeout=RUN_TIMEOUT)
        problems = bs.notebook_problems(state)
        problems += bs.widget_problems(page, timeout=WIDGET_TIMEOUT)
        problems += bs.kernel_problems(page)
        problems += log.problems()
    finally:
        _screenshot(page, name)
    assert not problems, f"{name} in JupyterLab:\n" + "\n".join(problems)


def test_slider_pattern_updates_view(browser_page, lab, capsys):
    """Keyboard on a real slider changes the view the kernel computes, and how fast."""
    page, log = browser_page
    bs.open_notebook(page, lab.url, PATTERN)
    state = bs.run_all(page)
    assert not bs.notebook_problems(state) + bs.widget_problems(page)

    # The harness's settings reached JupyterLab: every cell in the DOM, no news.
    settings = bs.lab_settings(page)
    assert settings["windowingMode"] == "none"
    assert settings["notification"]["fetchNews"] == "false"
    assert settings["notification"]["checkForUpdates"] is False

    # The kernel is the virtual environment's python3, not one from the user's config.
    shown_prefix = bs.cell_output(page, "print(sys.prefix)").inner_text().strip()
    assert Path(shown_prefix).resolve() == Path(sys.prefix).resolve()

    explorer = page.locator(".browser-pattern")
    slider = explorer.locator(".widget-slider")
    readout = slider.locator(".widget-readout")
    view = explorer.locator(".widget-html")
    samples = []
    for _ in range(bs.CHANGES):
        before = int(readout.inner_text())
        samples.append(
            bs.measure_update_ms(page, view, lambda: bs.set_slider_by_keyboard(page, slider))
        )
        after = int(readout.inner_text())
        assert after == before + 1  # ArrowRight moves an IntSlider by one step
        sync_api.expect(view).to_have_text(str(after * after))
    assert not bs.kernel_problems(page)
    assert not log.problems()
    _screenshot(page, PATTERN)

    bs.report_latency(capsys, "pattern IntSlider->HTML", samples)


def test_controls_pattern_updates_view(browser_page, lab, capsys):
    """Dropdown, typed number and button, each acted on as a user would."""
    page, log = browser_page
    bs.open_notebook(page, lab.url, PATTERN)
    state = bs.run_all(page)
    assert not bs.notebook_problems(state) + bs.widget_problems(page)

    explorer = page.locator(".browser-pattern-controls")
    operation = explorer.locator(".widget-dropdown")
    number = explorer.locator(".widget-inline-hbox").filter(has=page.locator("input"))
    view = explorer.locator(".widget-html")

    def shown_x():
        return int(number.locator("input").input_value())

    samples = [bs.measure_update_ms(page, view, lambda: bs.choose_option(operation, "negate"))]
    sync_api.expect(view).to_have_text(str(-shown_x()))

    bs.type_into(number, "7", submit=False)  # typing alone sends nothing ...
    samples.append(bs.measure_update_ms(page, view, lambda: number.locator("input").press("Enter")))
    assert shown_x() == 7
    sync_api.expect(view).to_have_text("-7")  # ... Enter does

    for _ in range(bs.CHANGES):
        before = shown_x()
        samples.append(
            bs.measure_update_ms(page, view, lambda: bs.click_button(explorer, "add one"))
        )
        sync_api.expect(number.locator("input")).to_have_value(str(before + 1))
        sync_api.expect(view).to_have_text(str(-(before + 1)))
    assert bs.read_numbers(view) == [-shown_x()]
    assert not bs.kernel_problems(page)
    assert not log.problems()
    bs.report_latency(capsys, "pattern Dropdown/IntText/Button->HTML", samples)


def test_harness_reports_errors_and_broken_widgets(browser_page, lab):
    """The checks above can fail: a notebook with known faults shows each of them."""
    page, _ = browser_page
    bs.open_notebook(page, lab.url, FAILURES)
    state = bs.run_all(page)
    problems = bs.notebook_problems(state)
    assert len(problems) == 2, problems
    assert problems[0].startswith("cell 3: ZeroDivisionError")
    assert problems[1].startswith("cell 4: not executed")  # and cell 2's tagged error passes

    broken_widgets = bs.widget_problems(page, timeout=5.0)
    assert len(broken_widgets) == 1, broken_widgets
    assert broken_widgets[0].startswith("cell 0"), broken_widgets

    assert not bs.kernel_problems(page)
    bs.set_slider_by_keyboard(page, page.locator(".browser-broken"))
    page.wait_for_function("() => (window.__kernelProblems || []).length > 0", timeout=10_000)
    assert any("deliberate failure in a callback" in p for p in bs.kernel_problems(page))
