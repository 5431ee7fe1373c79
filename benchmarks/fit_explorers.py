"""Measure every explorer's box in JupyterLab at the two screens the course must fit.

    python benchmarks/fit_explorers.py [--repo PATH] [--json OUT]

Starts a throw-away JupyterLab (tests/browser_support.py) whose kernel imports
``cnn_utils`` from ``--repo`` (default: this checkout), runs one scratch
notebook of the notebooks' explorer calls in headless Chromium, and prints per
explorer the size of its box, of its controls and of its view, and whether the
whole box fits in the notebook's visible area:

* "presenter": 1280x720, presenter mode on, file browser closed;
* "laptop": 1366x768, normal mode, JupyterLab's file browser open.

"fits" means the explorer's box, scrolled to the top of the notebook area, is
no taller and no wider than that area and nothing inside it scrolls sideways.
Pointing ``--repo`` at an older checkout measures "before" (its explorers may
not mark controls and view, so only the whole box is reported).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import browser_support as bs  # noqa: E402

EXPLORERS = {
    "stepper": 'cu.conv_stepper("six_by_six_image", "filter1")',
    "stepper (predict)": 'cu.conv_stepper("seven_by_seven_image", "feature_detector", '
    "predict=True, static_animation=False)",
    "output size": "cu.output_size_explorer(n=7, f=3, p=0, s=2)",
    "pooling": "cu.pool_explorer()",
    "playground": "cu.kernel_playground()",
    "channels": "cu.channels_explorer()",
    "training monitor": "cu.training_monitor()",
    "training": "cu.training_explorer()",
}
SCREENS = {
    "presenter": {"viewport": {"width": 1280, "height": 720}, "presenter": True, "files": False},
    "laptop": {"viewport": {"width": 1366, "height": 768}, "presenter": False, "files": True},
}

MEASURE_JS = """
(index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const scroller = panel.node.querySelector('.jp-WindowedPanel-outer') || panel.content.node;
  const box = panel.node.querySelectorAll('.cnn-explorer')[index];
  box.scrollIntoView({block: 'start'});
  const area = scroller.getBoundingClientRect();
  const r = (el) => { if (!el) return null; const b = el.getBoundingClientRect();
                      return {w: Math.round(b.width), h: Math.round(b.height)}; };
  const whole = box.getBoundingClientRect();
  const sideways = box.scrollWidth > box.clientWidth + 1
      || whole.right > area.right + 1;
  const cut = [...box.querySelectorAll(
      'button, label, .widget-label, .widget-label-basic, .widget-toggle-button, '
      + '.jupyter-button, .widget-readout, .widget-dropdown select')]
    .filter((el) => el.getClientRects().length && el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${(el.innerText || el.value || el.className).trim().slice(0, 30)} `
                 + `(${el.scrollWidth} in ${el.clientWidth} px)`);
  return {
    box: r(box), controls: r(box.querySelector('.cnn-explorer-controls')),
    view: r(box.querySelector('.cnn-explorer-view')),
    area: {w: Math.round(area.width), h: Math.round(area.height)},
    fits: whole.height <= area.height && !sideways && cut.length === 0,
    sideways: sideways, cut_labels: cut,
  };
}
"""


def measure(repo: Path, screen: str, workdir: Path, shots: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    spec = SCREENS[screen]
    root = workdir / screen
    root.mkdir(parents=True)
    cells = ["import cnn_utils as cu"]
    if spec["presenter"]:
        cells.append("_ = cu.presenter(True)")
    cells += list(EXPLORERS.values())
    bs.write_notebook(root / "fit.ipynb", cells)
    os.environ["PYTHONPATH"] = str(repo)
    results = {}
    with bs.LabServer(root, workdir / f"{screen}-state") as lab, sync_playwright() as pw:
        context = bs.launch_browser(pw, workdir / f"{screen}-chromium")
        page = context.new_page()
        page.set_viewport_size(spec["viewport"])
        bs.open_notebook(page, lab.url, "fit.ipynb")
        if spec["files"]:
            page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
        bs.run_all(page, timeout=300)
        page.wait_for_timeout(1500)
        for index, name in enumerate(EXPLORERS):
            results[name] = page.evaluate(MEASURE_JS, index)
            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                target = shots / f"{screen}-{name.replace(' ', '_')}.png"
                page.locator(".cnn-explorer").nth(index).screenshot(path=str(target))
        bs.shutdown_kernels(page)
        context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--screen", choices=list(SCREENS), help="measure one screen only")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each explorer here")
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for screen in [args.screen] if args.screen else SCREENS:
            report[screen] = measure(args.repo.resolve(), screen, Path(tmp), args.shots)
    for screen, rows in report.items():
        print(f"\n{screen}: {SCREENS[screen]['viewport']}")
        for name, m in rows.items():
            size = lambda b: f"{b['w']}x{b['h']}" if b else "-"  # noqa: E731
            print(
                f"  {name:18s} box {size(m['box']):>10s}  controls {size(m['controls']):>9s}"
                f"  view {size(m['view']):>9s}  area {size(m['area']):>9s}  "
                f"{'fits' if m['fits'] else 'DOES NOT FIT'}"
                f"{'  sideways' if m['sideways'] else ''}"
                f"{'  cut: ' + '; '.join(m['cut_labels']) if m['cut_labels'] else ''}"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
