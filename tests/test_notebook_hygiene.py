"""The notebook meta-test: what nbval cannot see.

nbval compares stored outputs with a fresh run, but it silently passes a cell
that was never executed (there is nothing stored to compare), and it does not
care whether the stored run was a clean top-to-bottom one. This file checks
every committed notebook for the marks of a clean "Restart & Run All" and for
outputs that would leak a machine's details; the negative tests below build
small bad notebooks in memory to show that each check can fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

STDERR_TAGS = {"nbval-ignore-output", "stderr-ok"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIME_TYPES = ("text/", "application/json", "application/javascript")

ABSOLUTE_PATH = re.compile(
    r"(?<![\w/.~-])/(?:home|root|tmp|work|Users)(?:/|\b)"  # POSIX home, temp and work trees
    # a Windows drive and folder: C:\Users\..., or C:\\Users\\... in escaped text
    r"|\b[A-Z]:\\{1,2}(?:Users|Windows|[\w .-]+\\)"
)
MEMORY_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# base64 payloads (images inlined in HTML) can spell anything; they are not text
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _output_texts(output):
    """Yield the human-readable strings of one output (never images)."""
    if output.get("output_type") == "stream":
        yield _text(output.get("text", ""))
    elif output.get("output_type") == "error":
        yield f"{output.get('ename')}: {output.get('evalue')}"
    for mime, value in output.get("data", {}).items():
        if mime.startswith(TEXT_MIME_TYPES) or mime.endswith("+json"):
            yield DATA_URI.sub("data:...", _text(value))


def _leaks(where, text):
    if match := ABSOLUTE_PATH.search(text):
        yield (
            f"{where} shows an absolute path ({match.group(0)!r}...); "
            "print paths relative to the course folder"
        )
    if match := MEMORY_ADDRESS.search(text):
        yield (
            f"{where} shows a memory address ({match.group(0)}); "
            "end the line with ';' or print something deterministic"
        )


# A solution stays closed until asked for: its first line shows only this summary.
SOLUTION_FIRST_LINE = re.compile(r"^<details><summary>[^<]+</summary>\s*$")


def _solution_problems(where, cell_type, source):
    """A solution is a markdown cell: a closed <details> block holding a python block, so
    Run All never runs it and nothing of it shows until the student opens it."""
    if cell_type != "markdown":
        yield (f"{where} is tagged 'solution' but is a {cell_type} cell; a solution is a "
               "markdown cell whose code sits in a closed <details> block")
        return
    first_line = source.splitlines()[0] if source.strip() else ""
    if not SOLUTION_FIRST_LINE.match(first_line):
        yield (f"{where} is tagged 'solution' but its first line is {first_line[:60]!r}, "
               "not the <details><summary>...</summary> line")
    if "```python" not in source:
        yield f"{where} is tagged 'solution' but holds no ```python block"
    if not source.rstrip().endswith("</details>"):
        yield f"{where} is tagged 'solution' but does not end with </details>"


def notebook_problems(nb) -> list[str]:
    """Return one line per hygiene problem found in the notebook `nb`."""
    problems = []
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec is {kernel!r}; the course runs on 'python3'")

    counts = []
    for index, cell in enumerate(nb.get("cells", [])):
        where = f"cell {index}"
        source = _text(cell.get("source", ""))
        metadata = cell.get("metadata", {})
        tags = set(metadata.get("tags", []))

        if "solution" in tags:
            problems.extend(_solution_problems(where, cell.get("cell_type"), source))
        if cell.get("cell_type") != "code":
            continue
        if PIP_INSTALL.search(source):
            problems.append(f"{where} runs pip install; dependencies belong in pyproject.toml")
        if not source.strip():
            problems.append(f"{where} is an empty code cell; delete it")
            continue
        counts.append(cell.get("execution_count"))
        if cell.get("execution_count") is None:
            problems.append(f"{where} was never executed")

        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"{where} has an error output: {output.get('ename')}")
            if output.get("name") == "stderr" and not tags & STDERR_TAGS:
                first_line = _text(output.get("text", "")).strip().splitlines()[:1]
                problems.append(
                    f"{where} writes to stderr {first_line}; fix the cause, or tag the cell "
                    "'stderr-ok' if the message is part of the lesson"
                )
            for text in _output_texts(output):
                problems.extend(_leaks(where, text))
        streams = [(o.get("output_type"), o.get("name")) for o in cell.get("outputs", [])]
        if any(a == b and a[0] == "stream" for a, b in zip(streams, streams[1:], strict=False)):
            problems.append(
                f"{where} stores its printing in pieces that depend on timing; "
                "`python3 dev.py execute` stores each stream whole"
            )

    widget_state = nb.get("metadata", {}).get("widgets", {})
    if widget_state:
        problems.append(
            "the notebook stores widget state; `python3 dev.py execute` stores each explorer's "
            "static picture only"
        )
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                problems.append(
                    f"cell {index} stores a live widget view, which shows as an error where no "
                    "kernel runs; store the static picture only (`python3 dev.py execute`)"
                )

    expected = list(range(1, len(counts) + 1))
    if None not in counts and counts != expected:
        problems.append(
            f"execution counts are {counts}, not {expected}: "
            "run Kernel > Restart Kernel and Run All Cells (or `python3 dev.py execute`)"
        )
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_is_a_clean_top_to_bottom_run(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    problems = notebook_problems(nb)
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_the_start_here_notebook_exists():
    assert (NOTEBOOK_DIR / "00_start_here.ipynb") in NOTEBOOKS


# --- negative tests: each check catches the defect it is meant to catch ----------


def _executed(source, *outputs, count, **metadata):
    cell = new_code_cell(source, execution_count=count, metadata=metadata)
    cell.outputs = list(outputs)
    return cell


def _good_notebook():
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = new_notebook(metadata={"kernelspec": kernelspec})
    nb.cells = [
        new_markdown_cell("# Tiny\nInstall nothing here: `pip install` is the README's job."),
        _executed("x = 6 * 6", count=1),
        _executed(
            "print(x)",
            new_output("stream", name="stdout", text="36\n"),
            count=2,
        ),
        _executed(
            "x",
            new_output("execute_result", data={"text/plain": "36"}, execution_count=3),
            count=3,
        ),
        new_markdown_cell(
            "<details><summary>Show a solution (try first)</summary>\n\n"
            "```python\nanswer = 6 * 6\n```\n\nSix rows of six.\n</details>",
            metadata={"tags": ["solution"]},
        ),
    ]
    nbformat.validate(nb)
    return nb


def _problems_after(change):
    nb = _good_notebook()
    change(nb)
    return notebook_problems(nb)


def test_a_clean_notebook_has_no_problems():
    assert notebook_problems(_good_notebook()) == []


def _unexecuted(nb):
    nb.cells[1].execution_count = None


def _out_of_order(nb):
    nb.cells[1].execution_count, nb.cells[2].execution_count = 2, 1


def _gap_in_counts(nb):
    nb.cells[3].execution_count = 7


def _starts_at_two(nb):
    for cell in nb.cells[1:4]:
        cell.execution_count += 1


def _error_output(nb):
    nb.cells[2].outputs = [
        new_output("error", ename="NameError", evalue="name 'y' is not defined", traceback=[])
    ]


def _stderr(nb):
    nb.cells[2].outputs.append(new_output("stream", name="stderr", text="UserWarning: careful\n"))


def _kernel(nb):
    nb.metadata.kernelspec.name = "conda-env-cnn-py"


def _no_kernelspec(nb):
    del nb.metadata["kernelspec"]


def _home_path(nb):
    nb.cells[2].outputs[0].text = "saved to /home/ada/cnn/figure.png\n"


def _tmp_path_in_result(nb):
    nb.cells[3].outputs[0].data["text/plain"] = "PosixPath('/tmp/pytest-1/data')"


def _work_path_in_html(nb):
    nb.cells[3].outputs[0].data["text/html"] = "<code>/work/main/data/mnist.npz</code>"


def _windows_path(nb):
    nb.cells[2].outputs[0].text = "C:\\Users\\ada\\cnn\\data\n"


def _mac_path(nb):
    nb.cells[2].outputs[0].text = "/Users/ada/cnn\n"


def _root_path(nb):
    nb.cells[2].outputs[0].text = "/root/cnn\n"


def _memory_address(nb):
    nb.cells[3].outputs[0].data["text/plain"] = "<Figure at 0x7f3a2c1b9e50>"


def _pip_install(nb):
    nb.cells[1].source = "%pip install numpy\nx = 6 * 6"


def _shell_pip_install(nb):
    nb.cells[1].source = "!pip install ipywidgets\nx = 6 * 6"


def _solution_as_code_cell(nb):
    nb.cells[4] = _executed("answer = 36", count=4, tags=["solution"],
                            jupyter={"source_hidden": True})


def _answer_in_first_line(nb):
    nb.cells[4].source = "# Solution: 6 x 6 = 36\n" + nb.cells[4].source


def _solution_without_code(nb):
    nb.cells[4].source = "<details><summary>Show a solution</summary>\n\n36\n</details>"


def _solution_not_closed(nb):
    nb.cells[4].source = nb.cells[4].source.replace("</details>", "")


def _stored_widget_state(nb):
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {"abc": {"state": {"value": "4 x 4"}}}}}


def _stored_widget_view(nb):
    nb.cells[3].outputs[0].data[WIDGET_VIEW] = {"model_id": "abc", "version_major": 2}


def _stream_in_pieces(nb):
    nb.cells[2].outputs.append(new_output("stream", name="stdout", text="37\n"))


def _empty_cell(nb):
    nb.cells.append(new_code_cell(""))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_unexecuted, "never executed"),
        (_out_of_order, "execution counts are [2, 1, 3]"),
        (_gap_in_counts, "execution counts are [1, 2, 7]"),
        (_starts_at_two, "execution counts are [2, 3, 4]"),
        (_error_output, "error output: NameError"),
        (_stderr, "writes to stderr"),
        (_kernel, "kernelspec is 'conda-env-cnn-py'"),
        (_no_kernelspec, "kernelspec is None"),
        (_home_path, "absolute path ('/home/'"),
        (_tmp_path_in_result, "absolute path ('/tmp/'"),
        (_work_path_in_html, "absolute path ('/work/'"),
        (_windows_path, "absolute path ('C:\\\\Users'"),
        (_mac_path, "absolute path ('/Users/'"),
        (_root_path, "absolute path ('/root/'"),
        (_memory_address, "memory address (0x7f3a2c1b9e50)"),
        (_pip_install, "runs pip install"),
        (_shell_pip_install, "runs pip install"),
        (_solution_as_code_cell, "tagged 'solution' but is a code cell"),
        (_answer_in_first_line, "its first line is '# Solution: 6 x 6 = 36'"),
        (_solution_without_code, "holds no ```python block"),
        (_solution_not_closed, "does not end with </details>"),
        (_empty_cell, "empty code cell"),
        (_stream_in_pieces, "stores its printing in pieces"),
        (_stored_widget_state, "stores widget state"),
        (_stored_widget_view, "cell 3 stores a live widget view"),
    ],
)
def test_each_check_catches_its_defect(change, message):
    problems = _problems_after(change)
    assert any(message in problem for problem in problems), problems


@pytest.mark.parametrize("tag", sorted(STDERR_TAGS))
def test_stderr_is_allowed_in_a_tagged_cell(tag):
    def tagged_stderr(nb):
        _stderr(nb)
        nb.cells[2].metadata["tags"] = [tag]

    assert _problems_after(tagged_stderr) == []


@pytest.mark.parametrize(
    "harmless",
    [
        "input/output shapes: (6, 6) -> (4, 4)",  # a slash between words is not a path
        "see https://example.org/home/page",  # a URL's path is not a local path
        "colour #1f77b4 and 0x1F",  # short hex is not an address
        '<img src="data:image/png;base64,AAAA/tmp/0x7f3a2c1b9e50AAAA">',  # base64 spells anything
        "relative path: data/examples/six_by_six.npy",
        r"$f:\mathbb{R}^2 \to \mathbb{R}$",  # LaTeX after a colon is not a drive
    ],
)
def test_harmless_text_is_not_flagged(harmless):
    def show(nb):
        nb.cells[3].outputs[0].data["text/html"] = harmless

    assert _problems_after(show) == []


def test_images_are_not_scanned_as_text():
    def add_png(nb):
        # base64 of a PNG may contain '/tmp' or '0x...' by chance
        nb.cells[3].outputs[0].data["image/png"] = "iVBORw0KGgo/tmp/0x7f3a2c1b9e50=="

    assert _problems_after(add_png) == []


# --- the sanitize file: masks what is volatile, and nothing a lesson prints ------

SANITIZE_FILE = Path(__file__).resolve().parent / "nbval_sanitize.cfg"


def _sanitize(text):
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE_FILE.read_text(encoding="utf-8"))
    assert patterns, "nbval found no regex/replace pairs in the sanitize file"
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<Figure size 640x480 at 0x7f3a2c1b9e50>", "<Figure size 640x480 at 0x55d1e0a2b3c0>"),
        ("epoch 1/3 done in 1.23 s", "epoch 1/3 done in 12.5 s"),
        ("update took 45ms", "update took 7ms"),
        ("40/40 [00:03<00:00, 12.30it/s]", "40/40 [00:12<00:00, 3.21it/s]"),
        ("125/125 - 3s 24ms/step - loss: 0.52", "125/125 - 4s 31ms/step - loss: 0.52"),
        ("train: 1.2k samples/s", "train: 950 samples/s"),
    ],
)
def test_sanitize_masks_volatile_text(first, second):
    assert first != second
    assert _sanitize(first) == _sanitize(second)


@pytest.mark.parametrize(
    "lesson_text",
    [
        "a 6 x 6 image and a 3 x 3 filter give a 4 x 4 feature map",
        "stride 2 skips every other column; 5 strides fit",
        "93,322 parameters in all; 1,792 in the first layer",
        "accuracy 0.9731 on 1000 held-out digits",
        "relative error 3.2e-09",
    ],
)
def test_sanitize_leaves_lesson_numbers_alone(lesson_text):
    assert _sanitize(lesson_text) == lesson_text
