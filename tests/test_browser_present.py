"""Presenting at 1280 x 720: the whole page grows, and nothing else changes.

Chromium at a projector's 1280 x 720 opens a small notebook (prose, code, a printed
array, a slider and a button) in JupyterLab and reads the computed font sizes of the
prose, the code, the printed output and the widget controls:

- under ``python3 dev.py present``'s settings (``present_setup``) against a plain
  JupyterLab: each at least 1.5 times larger, no notification on screen, the kernel
  told to start in presenter mode, and the user's own settings folder unchanged;
- with ``cu.presenter(True)`` run in the notebook: each at least 1.5 times larger, and
  after ``cu.presenter(False)`` each back to the size measured first; neither call
  shows any text.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also under --import-mode=importlib or a tests package
    sys.path.insert(0, str(HERE))
import browser_support as bs  # noqa: E402
from browser_support import browser_fixture  # noqa: E402, F401 (the `browser` fixture)

pytestmark = pytest.mark.browser
bs.require_browser()

LARGER = 1.5
NOTEBOOK = "present.ipynb"
PARTS = {
    "prose": ".jp-RenderedMarkdown p",
    "code": ".jp-InputArea-editor .cm-content",
    "output": ".jp-OutputArea-output pre",
    "control": ".jupyter-widgets button, .widget-slider .widget-label",
}
_SIZES_JS = """(parts) => Object.fromEntries(Object.entries(parts).map(([name, selector]) => {
    const node = document.querySelector(`.jp-NotebookPanel:not(.lm-mod-hidden) ${selector}`);
    return [name, node ? parseFloat(getComputedStyle(node).fontSize) : null];
}))"""


def load_dev():
    spec = importlib.util.spec_from_file_location("course_dev", bs.REPO / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_present_notebook(path: Path) -> None:
    def code(i, source):
        return {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                "outputs": [], "source": source}

    cells = [
        {"cell_type": "markdown", "id": "m0", "metadata": {},
         "source": "# Presenting\n\nA paragraph of prose, as the notebooks have."},
        code(1, "import os\nimport numpy as np\n\n"
                "print(np.arange(12).reshape(3, 4))\n"
                "print('presenter:', os.environ.get('CNN_UTILS_PRESENTER'))"),
        code(2, "import ipywidgets as widgets\n\n"
                "widgets.VBox([widgets.IntSlider(description='n'), "
                "widgets.Button(description='step')])"),
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base, root = bs.make_course(tmp_path_factory, "present")
    write_present_notebook(root / NOTEBOOK)
    return base, root


def run_at_projector_size(page, server) -> None:
    """Open the notebook at 1280 x 720, run it without error and wait for its widgets."""
    page.set_viewport_size(bs.PROJECTOR)
    bs.open_notebook(page, server.url, NOTEBOOK)
    assert not bs.notebook_problems(bs.run_all(page))
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider")


def open_and_measure(browser, server) -> tuple[dict, dict, list[str]]:
    """Run the notebook at 1280 x 720; return font sizes, the printed text and the toasts."""
    with bs.open_tab(browser) as (page, _):
        run_at_projector_size(page, server)
        page.wait_for_timeout(1500)  # a news toast, if any, shows within a second
        sizes = page.evaluate(_SIZES_JS, PARTS)
        toasts = page.locator(".Toastify__toast").all_inner_texts()
        printed = "\n".join(page.locator(".jp-OutputArea-output pre").all_inner_texts())
        return sizes, printed, toasts


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_present_command_enlarges_the_whole_page_and_silences_popups(browser, course):
    base, root = course
    with bs.LabServer(root, base / "plain") as plain:
        normal, _, _ = open_and_measure(browser, plain)

    # a user's own settings folder: present must use it and leave it as it was
    user = base / "user-settings"
    for plugin, values in bs.LAB_USER_SETTINGS.items():
        path = user / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    before = snapshot(user)
    args, env = load_dev().present_setup(base / "present-run", user_settings=user)
    with bs.LabServer(root, base / "presenting", extra_args=args, extra_env=env) as lab:
        large, printed, toasts = open_and_measure(browser, lab)

    print("font sizes (px), plain -> present:",
          {part: (normal[part], large[part]) for part in PARTS})
    for part in PARTS:
        assert normal[part], f"no {part} on the plain page"
        assert large[part], f"no {part} on the presenting page"
        assert large[part] >= LARGER * normal[part], (
            f"{part}: {normal[part]} px -> {large[part]} px, less than {LARGER} times")
    assert not toasts, f"pop-ups on the projector: {toasts}"
    assert "presenter: 1" in printed
    assert snapshot(user) == before, "present changed the user's own settings"


def test_presenter_mode_enlarges_the_page_and_off_restores_it(browser, course):
    """cu.presenter(True) in a plain JupyterLab: prose, code, output and controls at least
    1.5 times larger; cu.presenter(False) brings back the sizes measured before; neither
    call shows any text."""
    base, root = course
    with bs.LabServer(root, base / "presenter-mode") as lab, bs.open_tab(browser) as (page, _):
        run_at_projector_size(page, lab)
        before = page.evaluate(_SIZES_JS, PARTS)
        sizes = {}
        for on in (True, False):
            call = f"cu.presenter({on})"
            bs.select_cell(page, "widgets.VBox")
            page.evaluate("window.jupyterapp.commands.execute('notebook:insert-cell-below')")
            page.evaluate("(src) => window.jupyterapp.shell.currentWidget.content.activeCell"
                          ".model.sharedModel.setSource(src)",
                          f"import cnn_utils as cu\n\n{call}")
            bs.run_cell(page, call)
            page.wait_for_timeout(1000)
            sizes[on] = page.evaluate(_SIZES_JS, PARTS)
            shown = bs.cell_output(page, call).locator(".jp-OutputArea-output")
            assert not "".join(shown.all_inner_texts()).strip(), f"{call} printed something"
    print("font sizes (px), before -> presenter(True) -> presenter(False):",
          {part: (before[part], sizes[True][part], sizes[False][part]) for part in PARTS})
    for part in PARTS:
        assert sizes[True][part] >= LARGER * before[part], (
            f"{part}: {before[part]} px -> {sizes[True][part]} px in presenter mode")
        assert sizes[False][part] == before[part], f"{part} not restored"
