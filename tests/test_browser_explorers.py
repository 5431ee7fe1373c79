"""Every explorer of the course driven in JupyterLab in headless Chromium, as a student would.

One scratch notebook (written into a temporary folder, never into ``notebooks/``)
shows each explorer with the small inputs of the notes. Each test runs its
explorer's cell again (Ctrl+Enter, so it starts fresh), changes one control the
way a user does (arrow keys on a slider, a click on a button or a toggle, a
dropdown option, typing into a box) and checks that the view shows what it
should: read back from the page, and derived here independently of
``cnn_utils`` (a numpy loop over the notes' numbers, the output-size formula
written out, ``scipy.ndimage.correlate`` on the photograph, the fed-in logs).

The time from each change to the view's update is measured in the page
(``browser_support.measure_update_ms``), printed as a median per explorer and
merged into ``artifacts/browser-latency.json``; it is never asserted. A
full-page screenshot of the scratch notebook, taken after all tests moved their
controls, goes to ``artifacts/screenshots/explorers.png``.

Skipped, with the harness's message, when Chromium or Playwright is missing
(see ``browser_support.py``, whose server and browser fixtures this module uses;
the pattern it follows is described in ``test_browser.py``).
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also under --import-mode=importlib or a tests package
    sys.path.insert(0, str(HERE))
import browser_support as bs  # noqa: E402

# One JupyterLab server and one Chromium for this module, in the folder of the
# `course` fixture below.
from browser_support import browser_fixture, lab_fixture  # noqa: E402, F401

pytestmark = pytest.mark.browser
expect = bs.require_browser().expect

EXAMPLES = bs.REPO / "data" / "examples"
CHANGES = bs.CHANGES  # control changes per latency measurement

SCRATCH = "_browser_explorers.ipynb"

# Each explorer cell is found again by its source, so each must be unique.
STEPPER = 'cu.conv_stepper("six_by_six_image", "filter1")'
OUTPUT_SIZE = "cu.output_size_explorer(7, 3)"
POOL = "cu.pool_explorer()"
PLAYGROUND = "cu.kernel_playground()"
CHANNELS = "cu.channels_explorer()"
MONITOR = "monitor = cu.training_monitor()\nmonitor"
LIVE = """live = cu.training_monitor(update_every=1, min_seconds=0)
live.on_train_begin({})
live.on_epoch_begin(0, {})
step = 0
live"""
LIVE_STEP = """step += 1
live.on_batch_end(step - 1, {"loss": 1 / step, "accuracy": (step - 1) / 20})"""

# The monitor's tiny model: 48 random 8x8 images, 16 a batch (3 batches), 2 classes.
N_SAMPLES, BATCH = 48, 16
MODEL = f"""rng = np.random.default_rng(0)
x_small = rng.random(({N_SAMPLES}, 8, 8, 1))
y_small = (x_small[:, :4].mean(axis=(1, 2, 3)) > x_small[:, 4:].mean(axis=(1, 2, 3))).astype(int)
model = nn.Sequential(seed=0)
model.add(nn.Conv2D(2, (3, 3), activation="relu", input_shape=(8, 8, 1)))
model.add(nn.Flatten())
model.add(nn.Dense(2, activation="softmax"))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])"""
FIT = f"""history = model.fit(
    x_small, y_small, epochs=1, batch_size={BATCH}, verbose=0, callbacks=[monitor], seed=0
)
print(json.dumps(history.history))"""

CELLS = [
    "import json\n\nimport numpy as np\n\nimport cnn_utils as cu\nfrom cnn_utils import nn",
    STEPPER,
    OUTPUT_SIZE,
    POOL,
    PLAYGROUND,
    CHANNELS,
    MODEL,
    MONITOR,
    FIT,
    LIVE,
    LIVE_STEP,
]

EXPLORER_CLASSES = {
    "stepperexplorer": 1,
    "outputsizeexplorer": 1,
    "poolexplorer": 1,
    "playgroundexplorer": 1,
    "channelsexplorer": 1,
    "trainingmonitor": 2,
}

RUN_TIMEOUT = 180.0
WIDGET_TIMEOUT = 30.0


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary folder holding only the scratch notebook."""
    base, root = bs.make_course(tmp_path_factory, "browser-explorers")
    bs.write_notebook(root / SCRATCH, CELLS)
    return base, root


class Scratch:
    """The open scratch notebook: its page, its log and the state after Run All."""

    def __init__(self, page, log, state):
        self.page, self.log, self.state = page, log, state


@pytest.fixture(scope="module")
def scratch(browser, lab):
    """One tab with the scratch notebook run once; a screenshot of it at the end."""
    with bs.open_tab(browser) as (page, log):
        try:
            bs.open_notebook(page, lab.url, SCRATCH)
            state = bs.run_all(page, timeout=RUN_TIMEOUT)
            yield Scratch(page, log, state)
        finally:
            bs.save_screenshot(page, "explorers.png", SCRATCH)


# --------------------------------------------------------------------------- helpers


def notes_example(name: str) -> np.ndarray:
    """A worked example's numbers as the notes print them (read from data/, not via cnn_utils)."""
    record = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return np.array(record["data"], dtype=float)


def correlate_loop(x: np.ndarray, k: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid cross-correlation written as the notes do it: window times kernel, added up."""
    kh, kw = k.shape
    out_h = (x.shape[0] - kh) // stride + 1
    out_w = (x.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for p in range(kh):
                for q in range(kw):
                    total += x[i * stride + p, j * stride + q] * k[p, q]
            out[i, j] = total
    return out


def pool_loop(x: np.ndarray, size: int, stride: int, how) -> np.ndarray:
    """Pooling with windows that fit (the floor rule), one window at a time."""
    out_h = (x.shape[0] - size) // stride + 1
    out_w = (x.shape[1] - size) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = how(x[i * stride : i * stride + size, j * stride : j * stride + size])
    return out


def slider(widget, label: str):
    """The slider labelled ``label`` inside ``widget``."""
    return widget.locator(".widget-slider").filter(
        has=widget.page.locator(".widget-label", has_text=bs.exact(label))
    )


def toggle(widget, label: str):
    """The toggle button (of a ToggleButtons group or a lone ToggleButton) labelled ``label``."""
    return widget.locator("button.widget-toggle-button, .widget-toggle-buttons button").filter(
        has_text=bs.exact(label)
    )


def fresh_explorer(page, source: str, css: str):
    """Run the explorer's cell again (Ctrl+Enter) and return its new root widget."""
    bs.run_cell(page, source)
    assert not bs.widget_problems(page, timeout=WIDGET_TIMEOUT)
    root = bs.cell_output(page, source).locator(f".cnn-explorer-{css}")
    expect(root).to_have_count(1)
    return root


_MINUS = str.maketrans({"\u2212": "-"})


def number(text: str) -> float:
    """A number as the page writes it (a real minus sign allowed); nan for an empty cell."""
    text = text.strip().translate(_MINUS)
    return math.nan if text == "" else float(text)


_GRIDS_JS = """
(el) => [...el.querySelectorAll('table')].map(t => {
  const kids = [...t.parentElement.children];
  const at = kids.indexOf(t);
  const before = kids[at - 1], after = kids[at + 1];
  return {
    title: before && before.tagName === 'DIV' ? before.innerText.trim() : null,
    caption: after && after.tagName === 'DIV' ? after.innerText.trim() : null,
    rows: [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim())),
  };
})
"""


def read_grids(view) -> dict[str, np.ndarray]:
    """Every titled number grid in ``view``: title -> values (nan for an empty cell).

    A grid with indices has its column indices in the first row (after an empty
    corner cell) and its row indices in the first column; both are dropped.
    Compact grids (the channels explorer's) have none.
    """
    grids = {}
    for table in view.evaluate(_GRIDS_JS):
        if table["title"] is None:
            continue
        indexed = table["rows"][0][0] == ""
        body = [row[1:] for row in table["rows"][1:]] if indexed else table["rows"]
        grids[table["title"]] = np.array([[number(c) for c in row] for row in body])
    return grids


def read_captions(view) -> dict[str, str | None]:
    """Every titled grid's caption in ``view``: title -> caption text."""
    return {t["title"]: t["caption"] for t in view.evaluate(_GRIDS_JS) if t["title"]}


def eventually(read, expected, timeout: float = 15.0, what: str = "value"):
    """Poll ``read()`` until it equals ``expected``; then return it (or fail showing the last)."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    assert value == expected, f"{what}: page shows {value!r}, expected {expected!r}"
    return value


def last_number(text: str) -> float:
    """The number after the last '=' in a written-out sum."""
    return number(text.rsplit("=", 1)[1])


def no_problems(scratch) -> None:
    assert not bs.kernel_problems(scratch.page)
    assert not scratch.log.problems()


# --------------------------------------------------------------------------- the notebook


def test_scratch_notebook_shows_every_explorer(scratch):
    """Run All leaves no error, every widget rendered, each explorer once (the monitor twice)."""
    page = scratch.page
    problems = bs.notebook_problems(scratch.state) + bs.widget_problems(page, WIDGET_TIMEOUT)
    assert not problems, "\n".join(problems)
    for css, count in EXPLORER_CLASSES.items():
        expect(page.locator(f".cnn-explorer-{css}")).to_have_count(count)
    assert page.locator(".cnn-explorer").count() == sum(EXPLORER_CLASSES.values())
    no_problems(scratch)


# --------------------------------------------------------------------------- stepper


def _stepper_parts(page, root):
    view = root.locator(".widget-html").filter(has=page.locator(".cnn-stepper"))
    feedback = (
        root.locator(".widget-html")
        .filter(has_not=page.locator(".cnn-stepper"))
        .filter(has_not_text="Keyboard")
    )
    return view, feedback


def _check_stepper_step(view, step: int, expected: np.ndarray, hidden: bool = False) -> None:
    """The view at ``step``: header, the output cells filled so far, the written-out sum."""
    out_h, out_w = expected.shape
    expect(view).to_contain_text(f"Step {step + 1} of {out_h * out_w}:")
    # Wait for the hidden/revealed state too: predict mode changes it within one step.
    if hidden:
        expect(view).to_contain_text("(predict the value)")
    else:
        expect(view).not_to_contain_text("(predict the value)")
    row, col = divmod(step, out_w)
    grids = read_grids(view)
    shown = grids[f"output ({out_h}×{out_w})"].ravel()
    filled = step if hidden else step + 1
    np.testing.assert_array_equal(shown[:filled], expected.ravel()[:filled])
    assert np.isnan(shown[filled:]).all(), f"cells after step {step} must be blank: {shown}"
    caption = read_captions(view)[f"output ({out_h}×{out_w})"]
    added_up = view.inner_text().split("added up:", 1)[1].split("colours:", 1)[0].strip()
    if hidden:
        assert caption.startswith("?"), caption
        assert added_up.endswith("= ?"), added_up
    else:
        assert number(caption.split("=")[1]) == expected[row, col], caption
        assert last_number(added_up) == expected[row, col], added_up


def test_stepper_follows_the_keyboard(scratch, capsys):
    """Arrow keys on the position slider step the window; each output is the notes' sum."""
    page = scratch.page
    root = fresh_explorer(page, STEPPER, "stepperexplorer")
    view, _ = _stepper_parts(page, root)

    image, kernel = notes_example("six_by_six_image"), notes_example("filter1")
    expected = correlate_loop(image, kernel)
    # The loop reproduces the map the notes print, so it is a fair oracle.
    np.testing.assert_array_equal(expected, notes_example("filter1_feature_map_printed"))

    grids = read_grids(view)
    np.testing.assert_array_equal(grids["input (6×6)"], image)
    np.testing.assert_array_equal(grids["kernel"], kernel)
    _check_stepper_step(view, 0, expected)

    position = slider(root, "position")
    readout = position.locator(".widget-readout")
    samples = []
    for step in range(1, CHANGES + 1):
        samples.append(
            bs.measure_update_ms(page, view, lambda: bs.set_slider_by_keyboard(page, position))
        )
        expect(readout).to_have_text(str(step))
        _check_stepper_step(view, step, expected)

    # The buttons step too, and the back button's effect is the reverse.
    bs.click_button(root, "step ▶")
    _check_stepper_step(view, CHANGES + 1, expected)
    bs.click_button(root, "◀ back")
    bs.click_button(root, "◀ back")
    _check_stepper_step(view, CHANGES - 1, expected)
    expect(readout).to_have_text(str(CHANGES - 1))
    # Home on the slider goes back to the first window, where "back" is disabled.
    bs.set_slider_by_keyboard(page, position, key="Home")
    _check_stepper_step(view, 0, expected)
    expect(root.get_by_role("button", name="◀ back")).to_be_disabled()
    no_problems(scratch)
    bs.report_latency(capsys, "explorer conv_stepper: position slider (keyboard)", samples)


def test_stepper_predict_mode_checks_the_answer(scratch, capsys):
    """Predict mode hides the next value; a wrong answer is told so, the right one accepted."""
    page = scratch.page
    root = fresh_explorer(page, STEPPER, "stepperexplorer")
    view, feedback = _stepper_parts(page, root)
    expected = correlate_loop(notes_example("six_by_six_image"), notes_example("filter1"))
    answer = root.locator(".widget-text")

    root.locator(".widget-checkbox input[type=checkbox]").click()
    _check_stepper_step(view, 0, expected, hidden=True)

    samples = []
    for step in range(3):
        row, col = divmod(step, expected.shape[1])
        right = expected[row, col]
        wrong = right + 1
        bs.type_into(answer, f"{wrong:g}", submit=False)
        samples.append(bs.measure_update_ms(page, feedback, lambda: bs.click_button(root, "Check")))
        expect(feedback).to_contain_text(f"✗ Not {wrong:g}.")
        _check_stepper_step(view, step, expected, hidden=True)  # still hidden

        bs.type_into(answer, f"{right:g}", submit=False)
        samples.append(bs.measure_update_ms(page, view, lambda: bs.click_button(root, "Check")))
        expect(feedback).to_contain_text(f"✓ Right: output ({row}, {col}) is {right:g}.")
        _check_stepper_step(view, step, expected)  # revealed

        samples.append(bs.measure_update_ms(page, view, lambda: bs.click_button(root, "step ▶")))
        _check_stepper_step(view, step + 1, expected, hidden=True)
        expect(feedback).to_have_text("")
        expect(answer.locator("input")).to_have_value("")

    # Something that is not a number is explained, not an error.
    bs.type_into(answer, "three", submit=False)
    bs.click_button(root, "Check")
    expect(feedback).to_contain_text("'three' is not a number")
    no_problems(scratch)
    bs.report_latency(capsys, "explorer conv_stepper: predict mode (type, click Check)", samples)


def test_stepper_enter_in_the_answer_box_checks_it(scratch):
    """A student types the value and presses Enter, as in any answer box."""
    page = scratch.page
    root = fresh_explorer(page, STEPPER, "stepperexplorer")
    view, feedback = _stepper_parts(page, root)
    expected = correlate_loop(notes_example("six_by_six_image"), notes_example("filter1"))
    root.locator(".widget-checkbox input[type=checkbox]").click()
    _check_stepper_step(view, 0, expected, hidden=True)
    bs.type_into(root.locator(".widget-text"), f"{expected[0, 0]:g}", submit=True)
    expect(feedback).to_contain_text("✓ Right: output (0, 0)", timeout=3_000)


# --------------------------------------------------------------------------- output size


def _output_size_expected(n: int, f: int, p: int, s: int) -> dict:
    """The formula floor((n + 2p - f) / s) + 1 and which cells no window reaches, by hand."""
    span = n + 2 * p - f
    result = span // s + 1
    last_end = (result - 1) * s - p + f - 1  # the last cell the last window covers
    return {
        "result": result,
        "formula": f"⌊({n}+{p}+{p}−{f})/({s})⌋+1=⌊({span})/({s})⌋+1={span // s}+1={result}",
        "windows": [[k * s - p + t for t in range(f)] for k in range(result)],
        "dropped": list(range(last_end + 1, n + p)),
    }


_STRIP_JS = """
(el) => {
  const table = el.querySelector('.cnn-output-size table');
  return [...table.rows].map(r => [...r.cells].map(c => c.innerText.trim()));
}
"""


def _strip_windows(body) -> list[list[int]]:
    """The input indices each 'output k' row of the strip marks with a kernel tap."""
    rows = body.evaluate(_STRIP_JS)
    index = [int(v) for v in rows[0][1:]]
    windows = []
    for row in rows:
        if re.fullmatch(r"output \d+", row[0]):
            windows.append([index[j] for j, v in enumerate(row[1:]) if v.isdigit()])
    return windows


def test_output_size_formula_follows_the_sliders(scratch, capsys):
    """Moving n and s rewrites the typeset formula, the result and the coverage strip."""
    page = scratch.page
    root = fresh_explorer(page, OUTPUT_SIZE, "outputsizeexplorer")
    formula = root.locator(".widget-htmlmath")
    body = root.locator(".widget-html").filter(has=page.locator(".cnn-output-size"))

    def value(label):
        return int(slider(root, label).locator(".widget-readout").inner_text())

    def check():
        n, f, p, s = (value(x) for x in ("input size n", "kernel size f", "padding p", "stride s"))
        want = _output_size_expected(n, f, p, s)
        eventually(lambda: bs.math_text(formula), want["formula"], what="typeset formula")
        r = want["result"]
        expect(body).to_contain_text(
            f"{r} output positions along this axis; in 2-D the same holds along rows and "
            f"columns: {n}×{n} in, {r}×{r} out."
        )
        assert _strip_windows(body) == want["windows"]
        if want["dropped"]:
            listed = ", ".join(map(str, want["dropped"]))
            expect(body).to_contain_text(f"the last {len(want['dropped'])} cell(s), index {listed}")
        else:
            expect(body).to_contain_text("No cell is dropped at the end")

    assert (value("input size n"), value("kernel size f")) == (7, 3)
    check()
    moves = ["input size n", "stride s"] + ["input size n"] * (CHANGES - 2)
    samples = []
    for label in moves:
        before = value(label)
        control = slider(root, label)
        samples.append(
            bs.measure_update_ms(page, body, lambda c=control: bs.set_slider_by_keyboard(page, c))
        )
        assert value(label) == before + 1
        check()
    assert value("stride s") == 2
    no_problems(scratch)
    bs.report_latency(capsys, "explorer output_size: n and s sliders (keyboard)", samples)


# --------------------------------------------------------------------------- pooling


def test_pool_explorer_switches_max_and_average(scratch, capsys):
    """Clicking max/average re-pools the notes' feature map; every cell checked."""
    page = scratch.page
    root = fresh_explorer(page, POOL, "poolexplorer")
    view = root.locator(".widget-html").filter(has=page.locator(".cnn-pool"))

    # The default map is the notes' 7x7 input under their feature detector, computed.
    feature_map = correlate_loop(
        notes_example("seven_by_seven_image"), notes_example("feature_detector")
    )
    np.testing.assert_array_equal(read_grids(view)["input (5×5)"], feature_map)
    expected = {
        "max": pool_loop(feature_map, 2, 2, np.max),
        "average": pool_loop(feature_map, 2, 2, np.mean),
    }

    def check(mode):
        title = f"{mode} pooled (2×2)"
        expect(view).to_contain_text(title)
        shown = read_grids(view)[title]
        np.testing.assert_allclose(shown, expected[mode], atol=0.005)  # shown to 2 decimals
        window = feature_map[:2, :2].ravel()
        line = " + ".join(f"{v:g}" for v in window)
        if mode == "average":
            expect(view).to_contain_text(f"({line}) / 4 = {expected[mode][0, 0]:g}")
        else:
            expect(view).to_contain_text(
                f"max({', '.join(f'{v:g}' for v in window)}) = {expected[mode][0, 0]:g}"
            )

    check("max")
    samples = []
    for k in range(CHANGES):
        mode = "average" if k % 2 == 0 else "max"
        button = toggle(root, mode)
        samples.append(bs.measure_update_ms(page, view, button.click))
        check(mode)
    no_problems(scratch)
    bs.report_latency(capsys, "explorer pool_explorer: max/average toggle (click)", samples)


# --------------------------------------------------------------------------- playground

PRESET_CYCLE = [
    "box blur 3x3",
    "emboss",
    "identity",
    "outline",
    "Sobel y (Gy)",
    "edge detect (Laplacian)",
    "Gaussian blur 3x3",
    "edge enhance",
    "Sobel x (Gx)",
    "sharpen",
]


def _photo_through_kernel(kernel: np.ndarray) -> np.ndarray:
    """The playground's default photo correlated with ``kernel`` by scipy, per channel.

    The border mirrors without repeating the edge (the playground's "reflect",
    scipy's "mirror").
    """
    from scipy import ndimage

    from cnn_utils.datasets import load_photo

    photo = load_photo(max_size=320)
    return np.stack(
        [ndimage.correlate(photo[:, :, c], kernel, mode="mirror") for c in range(3)], axis=2
    )


def test_playground_preset_and_display(scratch, capsys):
    """Picking a preset redraws the kernel grid and the picture; clip mode shows scipy's result."""
    page = scratch.page
    root = fresh_explorer(page, PLAYGROUND, "playgroundexplorer")
    preset = root.locator(".widget-dropdown").filter(
        has=page.locator("label", has_text=bs.exact("preset"))
    )
    display = root.locator(".widget-dropdown").filter(
        has=page.locator("label", has_text=bs.exact("display"))
    )
    pictures = root.locator(".cnn-explorer-view")
    output_img = pictures.locator("img").nth(1)
    kernel_boxes = root.locator(".widget-gridbox input")

    def kernel_grid():
        grids = read_grids(pictures)  # the view's one number grid is the kernel
        assert len(grids) == 1, grids
        return grids.popitem()

    def box_values():
        return np.array([number(v) for v in kernel_boxes.evaluate_all("l => l.map(e => e.value)")])

    samples = []
    for label in PRESET_CYCLE:
        src_before = output_img.get_attribute("src")
        samples.append(
            bs.measure_update_ms(page, pictures, lambda lb=label: bs.choose_option(preset, lb))
        )
        expect(pictures).to_contain_text(label)
        expect(output_img).not_to_have_attribute("src", src_before)

    # The last preset is the notes' sharpen kernel: the grid and the edit boxes show it.
    sharpen = notes_example("sharpen_kernel")
    title, shown = kernel_grid()
    assert title == "sharpen"
    np.testing.assert_array_equal(shown, sharpen)
    eventually(lambda: box_values().tolist(), sharpen.ravel().tolist(), what="kernel boxes")

    # Clip [0, 1]: every pixel is the photo correlated with sharpen, clipped, in 0..255.
    # (sharpen sums to 1, so the display chosen by its kind was clip already: the
    # picture stays, the line saying why changes to "chosen by hand")
    samples.append(
        bs.measure_update_ms(page, pictures, lambda: bs.choose_option(display, "clip [0, 1]"))
    )
    expect(pictures).to_contain_text("output (clip [0, 1])")
    expect(pictures).to_contain_text("chosen by hand")
    filtered = _photo_through_kernel(sharpen)
    want = np.round(np.clip(filtered, 0, 1) * 255)
    got = bs.image_rgba(output_img)[:, :, :3].astype(float)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1, "the clipped picture differs from scipy's result"
    stats = pictures.locator("div", has_text=re.compile(r"border reflect: min")).last.inner_text()
    low, high = (float(v) for v in re.findall(r"(?:min|max) ([-\d.]+)", stats))
    assert low == pytest.approx(filtered.min(), abs=6e-4)
    assert high == pytest.approx(filtered.max(), abs=6e-4)
    no_problems(scratch)
    bs.report_latency(capsys, "explorer kernel_playground: preset dropdown (select)", samples)


# --------------------------------------------------------------------------- channels

CHANNEL_LABELS = ("red (R) on", "green (G) on", "blue (B) on")


def test_channels_explorer_sum_after_toggling_channels(scratch, capsys):
    """Clicking a channel off removes its contribution; the sum is recomputed here each time."""
    page = scratch.page
    root = fresh_explorer(page, CHANNELS, "channelsexplorer")
    view = root.locator(".cnn-explorer-view")

    # To row 4, where red and blue both lie under the window (keyboard on the row slider).
    row_slider = slider(root, "row i")
    bs.set_slider_by_keyboard(page, row_slider, presses=4)
    expect(row_slider.locator(".widget-readout")).to_have_text("4")
    expect(view).to_contain_text("a[4, 0] =")
    bias = float(slider(root, "bias").locator(".widget-readout").inner_text())

    grids = read_grids(view)
    names = ("R", "G", "B")
    words = ("red", "green", "blue")
    x = [grids[f"{w} ({n})"] for n, w in zip(names, words, strict=True)]
    w = [grids[f"∗ w[:, :, {n}]"] for n in names]
    kh, kw = w[0].shape
    on = [True, True, True]

    def check():
        grids = read_grids(view)
        contributions = []
        for c, name in enumerate(names):
            want = correlate_loop(x[c], w[c]) * (1.0 if on[c] else 0.0)
            title = f"= {name} part" + ("" if on[c] else " (0)")
            np.testing.assert_allclose(grids[title], want, atol=1e-9)
            contributions.append(want)
        activation = sum(contributions) + bias
        np.testing.assert_allclose(grids["sum + bias = map 0"], activation, atol=1e-9)
        value = bias + sum(float((x[c][4 : 4 + kh, 0:kw] * w[c]).sum()) for c in range(3) if on[c])
        line = view.locator("div", has_text=re.compile(r"^a\[4, 0\] = ")).last.inner_text()
        assert last_number(line) == value, line

    check()
    samples = []
    for k in range(CHANGES):
        c = k % 3
        button = (
            root.locator(".widget-checkbox").filter(has_text=CHANNEL_LABELS[c]).locator("input")
        )
        samples.append(bs.measure_update_ms(page, view, button.click))
        on[c] = not on[c]
        state = "off" if not on[c] else "on"
        if state == "off":
            expect(view).to_contain_text(f"{names[c]}: channel off, contributes 0")
        else:
            expect(view).not_to_contain_text(f"{names[c]}: channel off")
        check()
    no_problems(scratch)
    bs.report_latency(capsys, "explorer channels_explorer: channel toggles (click)", samples)


# --------------------------------------------------------------------------- training monitor


_SVG_JS = """
(el) => ({
  batchPoints: [...el.querySelectorAll('polyline[data-curve="batch_loss"]')]
      .map(p => p.getAttribute('points').trim().split(/\\s+/).length),
  titles: [...el.querySelectorAll('circle title')].map(t => t.textContent),
})
"""


def _monitor_text(root) -> str:
    return root.locator(".cnn-monitor-status").inner_text().strip()


def test_training_monitor_after_one_epoch(scratch, capsys):
    """Training one epoch with the monitor as callback ends with fit's own scores on show."""
    page = scratch.page
    root = fresh_explorer(page, MONITOR, "trainingmonitor")
    assert _monitor_text(root).startswith("waiting for training to start")

    bs.select_cell(page, FIT)
    index = bs.cell_index(page, FIT)
    before = bs.execution_count(page, FIT)
    first = bs.measure_update_ms(page, root, lambda: page.keyboard.press("Control+Enter"))
    bs.wait_cell_ran(page, index, before, timeout=RUN_TIMEOUT)

    history = json.loads(bs.cell_output(page, "model.fit(").inner_text().strip())
    loss, accuracy = history["loss"][0], history["accuracy"][0]
    eventually(
        lambda: _monitor_text(root),
        f"training finished after 1 epoch · loss {loss:.4f} · accuracy {accuracy:.4f}",
        what="monitor status",
    )
    svg = root.evaluate(_SVG_JS)
    assert svg["batchPoints"] == [math.ceil(N_SAMPLES / BATCH)]  # one point per batch
    assert f"loss after epoch 1: {loss:.4f}" in svg["titles"]
    assert f"accuracy after epoch 1: {accuracy:.4f}" in svg["titles"]
    no_problems(scratch)
    bs.report_latency(
        capsys, "explorer training_monitor: fit cell (Ctrl+Enter) to first redraw", [first]
    )


def test_training_monitor_redraws_each_batch(scratch, capsys):
    """Each batch's logs, fed from a cell, show in the status line and the curve."""
    page = scratch.page
    root = fresh_explorer(page, LIVE, "trainingmonitor")
    expect(root.locator(".widget-html").first).to_contain_text("epoch 1 · batch 0")

    bs.select_cell(page, LIVE_STEP)
    index = bs.cell_index(page, LIVE_STEP)
    samples = []
    for k in range(1, CHANGES + 1):
        before = bs.execution_count(page, LIVE_STEP)
        samples.append(
            bs.measure_update_ms(page, root, lambda: page.keyboard.press("Control+Enter"))
        )
        bs.wait_cell_ran(page, index, before)
        eventually(
            lambda: _monitor_text(root),
            f"epoch 1 · batch {k} · loss {1 / k:.4f} · accuracy {(k - 1) / 20:.4f}",
            what="monitor status",
        )
        assert root.evaluate(_SVG_JS)["batchPoints"] == [k]
    no_problems(scratch)
    bs.report_latency(
        capsys, "explorer training_monitor: on_batch_end from a cell (Ctrl+Enter)", samples
    )
