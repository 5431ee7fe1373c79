"""Each explorer's controls and view fit on one screen, at a projector's and a laptop's size.

Two scratch notebooks (written into a temporary folder, never into
``notebooks/``) show all six explorers, one per cell, with the notes' small
inputs: one in presenter mode (``cnn_utils.presenter(True)``) opened in a
1280x720 browser window, one in normal mode opened at 1366x768 with
JupyterLab's file browser open on the left. After Run All, each explorer's box
(the element with the CSS class ``cnn-explorer``) is measured in the page and
must fit the notebook panel's visible area: not taller than the panel (a
control and what it changes are on screen together without scrolling) and not
wider than the panel, with nothing overflowing sideways inside it. No control
label may be cut off: for every button and label that holds text,
``scrollWidth <= clientWidth + 1`` (icon-only buttons narrower than their
content, such as a squeezed Play widget, are printed but do not fail).

The measured boxes are printed (and merged into ``artifacts/browser-fit.json``)
so they can be quoted; a screenshot of each notebook goes to
``artifacts/screenshots/fit-<mode>.png``. Skipped, with the harness's message,
when Chromium or Playwright is missing (see ``browser_support.py``, whose server,
browser and tab fixtures this module uses).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also under --import-mode=importlib or a tests package
    sys.path.insert(0, str(HERE))
import browser_support as bs  # noqa: E402

# One JupyterLab server and one Chromium for this module, in the folder of the
# `course` fixture below, and a fresh tab per test.
from browser_support import browser_fixture, browser_page_fixture, lab_fixture  # noqa: E402, F401

pytestmark = pytest.mark.browser
bs.require_browser()

FIT_FILE = bs.ARTIFACTS / "browser-fit.json"
RUN_TIMEOUT = 180.0
SETTLE_TIMEOUT = 20.0

# Explorer name -> the cell that shows it (each source unique in its notebook).
EXPLORERS = {
    "stepper": 'cu.conv_stepper("six_by_six_image", "filter1")',
    "output_size": "cu.output_size_explorer(7, 3)",
    "pool": "cu.pool_explorer()",
    "playground": "cu.kernel_playground()",
    "channels": "cu.channels_explorer()",
    "monitor": """monitor = cu.training_monitor()
monitor.on_train_begin({})
for epoch in range(3):
    monitor.on_epoch_begin(epoch, {})
    for batch in range(10):
        k = 10 * epoch + batch + 1
        monitor.on_batch_end(batch, {"loss": 2 / k, "accuracy": 1 - 1 / k})
    monitor.on_epoch_end(epoch, {"loss": 2 / k, "accuracy": 1 - 1 / k,
                                 "val_loss": 2.2 / k, "val_accuracy": 0.95 - 1 / k})
monitor.on_train_end({})
monitor""",
}

MODES = {
    "presenter-1280x720": {"width": 1280, "height": 720, "presenter": True, "files": False},
    "normal-1366x768": {"width": 1366, "height": 768, "presenter": False, "files": True},
}


def _notebook_name(mode: str) -> str:
    return f"_fit_{mode}.ipynb"


def _cells(presenter: bool) -> list[str]:
    setup = f"import cnn_utils as cu\n\n_ = cu.presenter({presenter})"
    return [setup, *EXPLORERS.values()]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary folder holding only the two scratch notebooks."""
    base, root = bs.make_course(tmp_path_factory, "browser-fit")
    for mode, settings in MODES.items():
        bs.write_notebook(root / _notebook_name(mode), _cells(settings["presenter"]))
    return base, root


# In-page measurement of one explorer: its box, the notebook panel's visible area,
# sideways overflow, and every button or label whose text does not fit.
_MEASURE_JS = """
(el) => {
  const box = el.getBoundingClientRect();
  const scroller = el.closest('.jp-WindowedPanel-outer') || el.closest('.jp-Notebook');
  const panel = scroller.getBoundingClientRect();
  const output = el.closest('.jp-OutputArea-output') || el;
  const cut = [];  // labels whose text does not fit
  const squeezed = [];  // icon-only buttons narrower than their content (reported, not failed)
  const labels = el.querySelectorAll(
    'button, label, .widget-label, .widget-label-basic, .widget-toggle-button, '
    + '.jupyter-button, .widget-readout, .widget-dropdown select');
  // The part of the screen where n's content can show: its own box and every
  // ancestor up to the explorer that clips what overflows it.
  const clip = (n) => {
    let left = -Infinity, right = Infinity;
    for (let a = n; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        const r = a.getBoundingClientRect();
        left = Math.max(left, r.left);
        right = Math.min(right, r.right);
      }
      if (a === el) break;
    }
    return [left, right];
  };
  for (const n of labels) {
    if (!n.getClientRects().length) continue;  // not displayed
    const range = document.createRange();
    range.selectNodeContents(n);
    const shown = range.getBoundingClientRect();
    const [left, right] = clip(n);
    const text = (n.innerText || '').trim();
    if (text && shown.width > 0 && (shown.right > right + 1 || shown.left < left - 1)) {
      const at = (v) => Math.round(v);
      cut.push(`${text.slice(0, 40)} (text from x=${at(shown.left)} to ${at(shown.right)}, `
               + `visible ${at(left)} to ${at(right)})`);
      continue;
    }
    if (n.scrollWidth > n.clientWidth + 1) {
      const text = (n.innerText || n.value || n.title || '').trim();
      const icon = n.querySelector('i');
      const size = ` (${n.scrollWidth} px of content in ${n.clientWidth} px)`;
      if (text) cut.push(text.slice(0, 40) + size);
      else squeezed.push(`icon button ${icon ? icon.className : n.className}` + size);
    }
  }
  const scrolling = [];  // parts of the explorer that scroll or clip vertically
  for (const n of [el, ...el.querySelectorAll('*')]) {
    const oy = getComputedStyle(n).overflowY;
    if (oy !== 'visible' && n.getClientRects().length && n.scrollHeight > n.clientHeight + 1) {
      scrolling.push(`${n.tagName.toLowerCase()}.${[...n.classList].slice(0, 3).join('.')}`
                     + ` (${n.scrollHeight} px of content in ${n.clientHeight} px)`);
    }
  }
  const images = [...el.querySelectorAll('img')];
  return {
    top: box.top - panel.top, left: box.left - panel.left,
    width: Math.round(box.width), height: Math.round(box.height),
    right: box.right - panel.left,
    contentWidth: el.scrollWidth, clientWidth: el.clientWidth,
    outputScrollWidth: output.scrollWidth, outputClientWidth: output.clientWidth,
    panelWidth: scroller.clientWidth, panelHeight: scroller.clientHeight,
    imagesLoaded: images.every(i => i.complete && i.naturalWidth > 0),
    cut, squeezed, scrolling,
  };
}
"""


def _open_file_browser(page) -> None:
    page.evaluate(
        """() => { const app = window.jupyterapp;
                   app.shell.activateById('filebrowser');
                   if (app.shell.leftCollapsed) app.shell.expandLeft(); }"""
    )
    page.wait_for_function(
        """() => { const fb = document.getElementById('filebrowser');
                   return !window.jupyterapp.shell.leftCollapsed && fb
                          && fb.getBoundingClientRect().width > 100; }""",
        timeout=10_000,
    )


def _explorer(page, source: str):
    return bs.cell_output(page, source).locator(".cnn-explorer").first


def _settled_boxes(page) -> dict:
    """Measure every explorer until two measurements 0.5 s apart agree (images, MathJax)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    previous = None
    while True:
        boxes = {}
        for name, source in EXPLORERS.items():
            locator = _explorer(page, source)
            if locator.count() == 0:
                boxes[name] = None
                continue
            boxes[name] = locator.evaluate(_MEASURE_JS)
        ready = all(b is not None and b["imagesLoaded"] for b in boxes.values())
        sizes = {k: (b["width"], b["height"]) if b else None for k, b in boxes.items()}
        if (ready and sizes == previous) or time.monotonic() > deadline:
            return boxes
        previous = sizes if ready else None
        page.wait_for_timeout(500)


def _record(mode: str, boxes: dict) -> None:
    FIT_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:
        merged = json.loads(FIT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        merged = {}
    merged[mode] = {
        name: None
        if b is None
        else {k: b[k] for k in ("width", "height", "panelWidth", "panelHeight")}
        for name, b in boxes.items()
    }
    FIT_FILE.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _problems(name: str, b: dict | None) -> list[str]:
    if b is None:
        return [f"{name}: no element with class cnn-explorer in its output"]
    out = []
    if b["height"] > b["panelHeight"]:
        out.append(
            f"{name}: {b['height']} px tall, the notebook shows {b['panelHeight']} px: "
            "controls and view are not on one screen"
        )
    if b["left"] < -1 or b["right"] > b["panelWidth"] + 1:
        out.append(
            f"{name}: box from x={b['left']:.0f} to {b['right']:.0f} px, "
            f"the panel is {b['panelWidth']} px wide"
        )
    if b["contentWidth"] > b["clientWidth"] + 1:
        out.append(f"{name}: content {b['contentWidth']} px wide in a {b['clientWidth']} px box")
    if b["outputScrollWidth"] > b["outputClientWidth"] + 1:
        out.append(
            f"{name}: the cell output scrolls sideways ({b['outputScrollWidth']} px of "
            f"content in {b['outputClientWidth']} px)"
        )
    out += [f"{name}: label cut off: {text}" for text in b["cut"]]
    out += [f"{name}: content hidden behind a scroll bar or clipped: {s}" for s in b["scrolling"]]
    return out


@pytest.mark.parametrize("mode", list(MODES))
def test_every_explorer_fits_one_screen(browser_page, lab, capsys, mode):
    settings = MODES[mode]
    page, _ = browser_page
    name = _notebook_name(mode)
    page.set_viewport_size({"width": settings["width"], "height": settings["height"]})
    bs.open_notebook(page, lab.url, name)  # opens with the file browser collapsed
    if settings["files"]:
        _open_file_browser(page)
    state = bs.run_all(page, timeout=RUN_TIMEOUT)
    problems = bs.notebook_problems(state) + bs.widget_problems(page, timeout=30.0)
    assert not problems, f"{name} did not run cleanly:\n" + "\n".join(problems)
    if settings["files"]:
        assert page.evaluate("() => !window.jupyterapp.shell.leftCollapsed")
    boxes = _settled_boxes(page)
    bs.save_screenshot(page, f"fit-{mode}.png", name)

    _record(mode, boxes)
    with capsys.disabled():
        print(f"\nexplorer boxes, {mode} (width x height, panel width x visible height):")
        for explorer, b in boxes.items():
            if b is None:
                print(f"  {explorer:12s} not found")
            else:
                print(
                    f"  {explorer:12s} {b['width']:5d} x {b['height']:5d} px "
                    f"in {b['panelWidth']} x {b['panelHeight']} px"
                    + (f"; {len(b['cut'])} labels cut off" if b["cut"] else "")
                )
                for text in b["squeezed"]:
                    print(f"  {'':12s} squeezed (not failed): {text}")
    problems = [p for explorer, b in boxes.items() for p in _problems(explorer, b)]
    assert not problems, f"{mode}:\n" + "\n".join(problems)
