"""The notebooks' exercises: solutions that work, stay hidden, and leave with the student edition.

Every exercise "NN.K" is three cells carrying the metadata ``"exercise": "NN.K"``:
its question, ONE code cell tagged ``answer`` (placeholders, ending in a check) and
ONE markdown cell tagged ``solution`` whose first line is a ``<details><summary>``
line and which holds one fenced python block, a full replacement for the answer
cell. The fast tests read the stored notebooks; the slow ones execute them:

- solution substitution: each notebook with every answer cell replaced by its
  solution, run top to bottom in one kernel, says "✓ Correct" once per check; then,
  in the same kernel, every answer cell run again in reverse order is still
  correct, the placeholder answer cells say "not answered yet", a choice answered
  with the bare letter is correct, and the progress line counts every exercise;
- the student edition (``dev.py student``) runs top to bottom without an error,
  every check says "not answered yet" and no solution is left in it;
- the answer key (``dev.py answers``) holds every exercise and its worked solution.

The kernel is this environment's Python, as ``dev.py execute`` uses
(``dev._current_env_kernel_manager``).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import cnn_utils as cu

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAMES = [path.name for path in NOTEBOOKS]
STUDENT_DIR = ROOT / "artifacts" / "student"
ANSWER_KEY = ROOT / "artifacts" / "answer_key.md"

sys.path.insert(0, str(ROOT))
import dev  # noqa: E402  (dev.py at the repository root: standard library at import time)

EXERCISE_ID = re.compile(r"^\d\d\.\d+$")
SUMMARY_LINE = re.compile(r"^\s*<details>\s*<summary>.*</summary>\s*$")
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
CHECK_CALL = re.compile(r"\bcheck\s*\(")
CORRECT_LINE = re.compile(r"^✓ Correct")
WRONG_LINE = re.compile(r"^✗ Not yet")
NOT_ANSWERED_LINE = re.compile(r"^not answered yet", re.IGNORECASE)


# --- reading notebooks ------------------------------------------------------------


def text_of(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def output_text(cell) -> str:
    """Everything a code cell shows as text: streams, results, errors."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(text_of(output.get("text", "")))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/"):
                parts.append(text_of(value))
    return "".join(parts)


def errors_in(cell) -> list[str]:
    return [
        f"{output.get('ename')}: {output.get('evalue')}"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


def verdict_lines(text) -> list[str]:
    """The lines a check prints: correct, not yet, or not answered yet."""
    return [
        line for line in (raw.strip() for raw in text.splitlines())
        if CORRECT_LINE.match(line) or WRONG_LINE.match(line) or NOT_ANSWERED_LINE.match(line)
    ]


def solution_code(cell) -> str:
    """The one fenced python block of a solution cell (an AssertionError if not exactly one)."""
    blocks = PYTHON_BLOCK.findall(text_of(cell.source))
    assert len(blocks) == 1, (
        f"solution of {cell.metadata.get('exercise')} holds {len(blocks)} python blocks, not 1"
    )
    return blocks[0].strip("\n")


def exercises_of(nb) -> dict[str, dict[str, list[int]]]:
    """{id: {"answer": [cell indices], "solution": [...], "other": [...]}} in notebook order."""
    found: dict[str, dict[str, list[int]]] = {}
    for index, cell in enumerate(nb.cells):
        exercise = cell.metadata.get("exercise")
        if exercise is None:
            continue
        role = "answer" if "answer" in tags(cell) else (
            "solution" if "solution" in tags(cell) else "other")
        found.setdefault(str(exercise), {"answer": [], "solution": [], "other": []})
        found[str(exercise)][role].append(index)
    return found


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def pairing_problems(nb) -> list[str]:
    """Everything wrong with how a notebook pairs answer and solution cells."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if ("answer" in tags(cell) or "solution" in tags(cell)) and not cell.metadata.get(
                "exercise"):
            problems.append(f"cell {index} is tagged {sorted(tags(cell))} but has no exercise id")
        if "solution" in tags(cell) and cell.cell_type != "markdown":
            problems.append(f"cell {index} is a {cell.cell_type} cell tagged solution")
        if "answer" in tags(cell) and cell.cell_type != "code":
            problems.append(f"cell {index} is a {cell.cell_type} cell tagged answer")
    for exercise, roles in exercises_of(nb).items():
        if not EXERCISE_ID.match(exercise):
            problems.append(f"exercise id {exercise!r} is not of the form NN.K")
        if len(roles["answer"]) != 1 or len(roles["solution"]) != 1:
            problems.append(
                f"{exercise}: {len(roles['answer'])} answer cells and "
                f"{len(roles['solution'])} solution cells (one of each)"
            )
            continue
        (answer,), (solution,) = roles["answer"], roles["solution"]
        if solution < answer:
            problems.append(f"{exercise}: the solution comes before the answer cell")
        source = text_of(nb.cells[solution].source)
        first_line = source.lstrip("\n").splitlines()[0] if source.strip() else ""
        if not SUMMARY_LINE.match(first_line):
            problems.append(f"{exercise}: the solution's first line is {first_line[:60]!r}, "
                            "not a <details><summary> line")
        if not source.rstrip().endswith("</details>"):
            problems.append(f"{exercise}: the solution does not close its </details>")
        blocks = PYTHON_BLOCK.findall(source)
        if len(blocks) != 1:
            problems.append(f"{exercise}: the solution holds {len(blocks)} python blocks, not 1")
            continue
        for role, code in (("answer", text_of(nb.cells[answer].source)), ("solution", blocks[0])):
            if not re.search(rf"\bcheck\(\s*['\"]{re.escape(exercise)}['\"]", code):
                problems.append(f"{exercise}: the {role} does not call check({exercise!r}, ...)")
        if "..." not in text_of(nb.cells[answer].source):
            problems.append(f"{exercise}: the stored answer cell has no ... placeholder")
        if nb.cells[answer].source.strip() == blocks[0].strip():
            problems.append(f"{exercise}: the stored answer cell is the solution")
    return problems


def stored_output_problems(nb) -> list[str]:
    """What a fresh Run All must not show: a correct verdict, a solution's output."""
    problems = []
    for index, cell in enumerate(nb.cells):
        shown = output_text(cell)
        if "Correct" in shown:
            problems.append(f"cell {index} shows {shown.strip()[:80]!r}")
        if "solution" in tags(cell) and (cell.get("outputs") or cell.cell_type == "code"):
            problems.append(f"solution cell {index} is code or has outputs")
        if "answer" in tags(cell):
            checks = len(CHECK_CALL.findall(text_of(cell.source)))
            lines = verdict_lines(shown)
            if len(lines) != checks or not all(NOT_ANSWERED_LINE.match(line) for line in lines):
                problems.append(
                    f"answer cell {index} ({cell.metadata.get('exercise')}) shows {lines}, "
                    f"not {checks} 'not answered yet' line(s)"
                )
    return problems


PROGRESS_CALL = re.compile(r"\bprogress\s*\(")


def progress_problems(cells, exercise_ids, solved: bool) -> list[str]:
    """The notebook's progress cell, after its last answer cell, must report every exercise
    as solved (`solved`) or none of them, each not answered."""
    calls = [i for i, c in enumerate(cells)
             if c.cell_type == "code" and PROGRESS_CALL.search(text_of(c.source))]
    if len(calls) != 1:
        return [f"{len(calls)} cells call progress (one, at the end of the exercises)"]
    answers = [i for i, c in enumerate(cells) if "answer" in tags(c)]
    if answers and calls[0] < max(answers):
        return ["the progress cell comes before the last exercise"]
    shown = output_text(cells[calls[0]])
    n = len(exercise_ids)
    if not re.search(rf"\b{n if solved else 0} of {n} solved", shown):
        return [f"progress says {shown.strip()!r}; expected {n if solved else 0} of {n} solved"]
    if not solved:
        not_answered = [i for i in exercise_ids if not re.search(
            rf"{re.escape(i)}\s+not answered", shown)]
        if not_answered:
            return [f"progress does not call {not_answered} not answered: {shown.strip()!r}"]
    return []


# --- the stored notebooks (fast) --------------------------------------------------


def test_there_are_notebooks():
    assert len(NOTEBOOKS) == 11, NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_each_notebook_has_its_exercises(path):
    ids = exercises_of(read(path))
    least = 1 if path.name.startswith("00") else 3
    assert len(ids) >= least, f"{path.name} has {len(ids)} exercises with ids, fewer than {least}"
    number = path.name[:2]
    assert all(i.startswith(number + ".") for i in ids), f"ids of another notebook: {sorted(ids)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_every_answer_cell_has_a_hidden_solution(path):
    problems = pairing_problems(read(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_a_stored_run_shows_no_answer(path):
    problems = stored_output_problems(read(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_a_stored_run_shows_nothing_solved(path):
    nb = read(path)
    problems = progress_problems(nb.cells, sorted(exercises_of(nb)), solved=False)
    assert not problems, "\n".join(problems)


# the old way, that gave the answer away: `expected = ...` in a check cell, print(expected)
ANSWER_IN_SIGHT = re.compile(r"^\s*expected\s*=|_expected\b|\banswers\.nb\d|_REGISTRY|\.value\(\)",
                             re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_no_cell_computes_or_reads_an_expected_answer(path):
    shown = [f"cell {i}: {match.group(0)!r}" for i, c in enumerate(read(path).cells)
             if c.cell_type == "code" and (match := ANSWER_IN_SIGHT.search(text_of(c.source)))]
    assert not shown, "\n".join(shown)


def test_the_answer_in_sight_judge_can_fail():
    assert ANSWER_IN_SIGHT.search("expected = cu.conv_step(image, filter2, 3, 2).total")
    assert ANSWER_IN_SIGHT.search('print(cu.exercises._expected("02.1"))')
    assert not ANSWER_IN_SIGHT.search('answer = ...\nsolved = cu.check("02.1", answer)')


def registered_ids(number) -> set[str]:
    """The ids registered for notebook `number` (the accessor kept for tests and the key)."""
    return {exercise.id for exercise in cu.exercises._exercises(number)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_the_notebook_and_the_registry_have_the_same_exercises(path):
    in_notebook = set(exercises_of(read(path)))
    assert in_notebook == registered_ids(path.name[:2])


# emoji render as empty boxes without an emoji font; ✓ and ✗ render everywhere
EMOJI = re.compile("[\U0001f300-\U0001faff\u2705\u274c\u23f3\ufe0f]")


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, *sorted((ROOT / "cnn_utils").rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_emoji_in_checks_explorers_or_notebooks(path):
    found = sorted(set(EMOJI.findall(path.read_text(encoding="utf-8"))))
    assert not found, f"{path.name} uses {found}; use ✓, ✗ and words"


# each defect the fast tests look for, planted in a small notebook that is otherwise right


def good_exercise_cells(exercise="01.1"):
    question = new_markdown_cell("How many?", metadata={"exercise": exercise})
    answer = new_code_cell(
        f'answer = ...  # your answer\ncu.check("{exercise}", answer)',
        metadata={"tags": ["answer"], "exercise": exercise},
    )
    answer.outputs = [new_output("stream", name="stdout",
                                 text="Not answered yet: replace the ... with your answer.\n")]
    solution = new_markdown_cell(
        "<details><summary>Show a solution (try first)</summary>\n\n```python\n"
        f'answer = 2 * 3\ncu.check("{exercise}", answer)\n```\n\nTwo rows of three.\n</details>',
        metadata={"tags": ["solution"], "exercise": exercise},
    )
    return [question, answer, solution]


def test_a_good_exercise_has_no_problems():
    nb = new_notebook(cells=good_exercise_cells())
    assert pairing_problems(nb) == []
    assert stored_output_problems(nb) == []


def _plant(change):
    nb = new_notebook(cells=good_exercise_cells())
    change(nb.cells)
    return pairing_problems(nb) + stored_output_problems(nb)


DEFECTS = {
    "answer in the first line": lambda c: setattr(
        c[2], "source", "# Solution: 6\n" + c[2].source),
    "no details": lambda c: setattr(c[2], "source", c[2].source.replace("<details>", "")),
    "two blocks": lambda c: setattr(
        c[2], "source", c[2].source.replace("</details>", "```python\nx = 1\n```\n</details>")),
    "solution is code": lambda c: c.__setitem__(2, new_code_cell(
        c[2].source, metadata=c[2].metadata)),
    "solution missing": lambda c: c.pop(2),
    "two answers": lambda c: c.insert(2, copy.deepcopy(c[1])),
    "wrong id in check": lambda c: setattr(c[1], "source", c[1].source.replace("01.1", "01.2")),
    "answer filled in": lambda c: setattr(c[1], "source", 'answer = 6\ncu.check("01.1", answer)'),
    "correct stored": lambda c: setattr(c[1], "outputs", [new_output(
        "stream", name="stdout", text="✓ Correct: exercise 01.1 solved.\n")]),
    "nothing stored": lambda c: setattr(c[1], "outputs", []),
    "untagged": lambda c: c[1].metadata.pop("tags"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_is_caught(defect):
    assert _plant(DEFECTS[defect]), f"{defect} passed unnoticed"


def progress_cell(text):
    cell = new_code_cell('cu.exercises.progress("01")')
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


@pytest.mark.parametrize(
    ("text", "solved", "last", "ok"),
    [
        ("Notebook 01: 0 of 1 solved: 01.1 not answered.", False, True, True),
        ("Notebook 01: 1 of 1 solved: 01.1 ✓.", True, True, True),
        ("Notebook 01: 1 of 1 solved: 01.1 ✓.", False, True, False),
        ("Notebook 01: 0 of 1 solved: 01.1 not yet.", False, True, False),
        ("Notebook 01: 0 of 1 solved: 01.1 not answered.", True, True, False),
        ("Notebook 01: 0 of 1 solved: 01.1 not answered.", False, False, False),
    ],
)
def test_the_progress_judge_can_fail(text, solved, last, ok):
    cells = good_exercise_cells()
    cells.insert(len(cells) if last else 0, progress_cell(text))
    assert (progress_problems(cells, ["01.1"], solved) == []) == ok


# --- executing notebooks (slow) ----------------------------------------------------


def new_client(nb, where: Path):
    from nbclient import NotebookClient

    return NotebookClient(
        nb, km=dev._current_env_kernel_manager(), timeout=600, allow_errors=True,
        record_timing=False, extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(where)}},
    )


def run_cell(client, nb, cell):
    """Run one more cell in the client's kernel; return it with its outputs."""
    nb.cells.append(cell)
    return client.execute_cell(cell, len(nb.cells) - 1)


def with_solutions(nb):
    """A copy of `nb` with every answer cell's source replaced by its solution code."""
    nb = copy.deepcopy(nb)
    cells = exercises_of(nb)
    for roles in cells.values():
        (answer,), (solution,) = roles["answer"], roles["solution"]
        nb.cells[answer].source = solution_code(nb.cells[solution])
        nb.cells[answer].outputs = []
    return nb


def choice_letter(exercise_id):
    """The right letter of a choice exercise, or None for other kinds."""
    value = cu.exercises._expected(exercise_id)
    return value if isinstance(value, str) and re.fullmatch("[A-Z]", value) else None


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=NAMES)
def solved_run(request):
    """One kernel per notebook: the notebook with solutions in place, top to bottom; then
    each answer cell again in reverse order; then the stored placeholder answer cells."""
    stored = read(request.param)
    problems = pairing_problems(stored)
    if problems:
        pytest.fail("cannot substitute solutions:\n" + "\n".join(problems))
    nb = with_solutions(stored)
    answers = [(ex, roles["answer"][0]) for ex, roles in exercises_of(nb).items()]
    client = new_client(nb, request.param.parent)
    started = time.monotonic()
    with client.setup_kernel(cleanup_kc=True):
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
        first_run = copy.deepcopy(nb.cells)
        reverse = [(ex, run_cell(client, nb, new_code_cell(nb.cells[i].source)))
                   for ex, i in reversed(answers)]
        placeholders = [(ex, run_cell(client, nb, new_code_cell(stored.cells[i].source)))
                        for ex, i in answers]
        # a choice answered with the bare letter, as a student types it: `answer = B`
        letters = [(ex, run_cell(client, nb, new_code_cell(
                        stored.cells[i].source.replace("...", letter, 1))))
                   for ex, i in answers if (letter := choice_letter(ex))]
    seconds = time.monotonic() - started
    print(f"\n{request.param.name}: solutions run in {seconds:.1f} s")
    return {"cells": first_run, "answers": answers, "reverse": reverse,
            "placeholders": placeholders, "letters": letters, "seconds": seconds}


@pytest.mark.slow
def test_every_solution_is_correct(solved_run):
    problems = []
    for index, cell in enumerate(solved_run["cells"]):
        problems += [f"cell {index}: {error}" for error in errors_in(cell)]
    for exercise, index in solved_run["answers"]:
        cell = solved_run["cells"][index]
        checks = len(CHECK_CALL.findall(text_of(cell.source)))
        lines = verdict_lines(output_text(cell))
        if len(lines) != checks or not all(CORRECT_LINE.match(line) for line in lines):
            problems.append(f"{exercise}: {checks} check(s) printed {lines} "
                            f"(output {output_text(cell).strip()[:200]!r})")
    assert solved_run["answers"], "no exercise to substitute"
    problems += progress_problems(solved_run["cells"], [e for e, _ in solved_run["answers"]],
                                  solved=True)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_solutions_rerun_in_reverse_order_stay_correct(solved_run):
    problems = []
    for exercise, cell in solved_run["reverse"]:
        lines = verdict_lines(output_text(cell))
        if errors_in(cell) or not lines or not all(CORRECT_LINE.match(line) for line in lines):
            problems.append(f"{exercise} run again: {output_text(cell).strip()[:200]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_placeholders_after_solutions_are_not_answered(solved_run):
    problems = []
    for exercise, cell in solved_run["placeholders"]:
        lines = verdict_lines(output_text(cell))
        if errors_in(cell) or not lines or not all(NOT_ANSWERED_LINE.match(x) for x in lines):
            problems.append(f"{exercise} placeholder: {output_text(cell).strip()[:200]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_bare_letter_answers_a_choice(solved_run):
    problems = []
    for exercise, cell in solved_run["letters"]:
        lines = verdict_lines(output_text(cell))
        if errors_in(cell) or not lines or not all(CORRECT_LINE.match(x) for x in lines):
            problems.append(f"{exercise} with a bare letter: {output_text(cell).strip()[:200]!r}")
    assert not problems, "\n".join(problems)


# --- the student edition and the answer key ---------------------------------------


@pytest.fixture(scope="module")
def student_edition():
    """`python3 dev.py student` (standard library only), run once; its folder."""
    done = subprocess.run([sys.executable, str(ROOT / "dev.py"), "student"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return STUDENT_DIR


def test_the_student_edition_has_every_notebook_and_no_solution(student_edition):
    assert sorted(p.name for p in student_edition.glob("*.ipynb")) == NAMES
    problems = []
    for path in NOTEBOOKS:
        original, edition = read(path), read(student_edition / path.name)
        shown = "\n".join(text_of(c.source) + output_text(c) for c in edition.cells)
        for index, cell in enumerate(edition.cells):
            if "solution" in tags(cell):
                problems.append(f"{path.name}: cell {index} is tagged solution")
        for exercise, roles in exercises_of(original).items():
            for index in roles["solution"]:
                code = PYTHON_BLOCK.findall(text_of(original.cells[index].source))
                if any(block.strip() and block.strip() in shown for block in code):
                    problems.append(f"{path.name}: the solution code of {exercise} is in it")
        kept = [c for c in original.cells if not tags(c) & {"solution", "instructor-only"}]
        if len(kept) != len(edition.cells):
            problems.append(f"{path.name}: {len(edition.cells)} cells, not the "
                            f"{len(kept)} that are neither solutions nor for instructors")
    assert not problems, "\n".join(problems)


SOLUTIONS_LEFT_OUT = re.compile(
    r"(solutions?|answers?)\b[^.]*\b(not (included|part|here|in)|left out|removed|withheld)"
    r"|\b(without|no) (the |any )?(worked )?solutions",
    re.IGNORECASE,
)


def test_the_student_edition_says_its_solutions_are_left_out(student_edition):
    edition = read(student_edition / NAMES[0])
    notes = [text_of(c.source) for c in edition.cells if "edition-note" in tags(c)]
    saying = [note for note in notes if SOLUTIONS_LEFT_OUT.search(note)]
    assert len(saying) == 1, f"{len(saying)} edition notes of 00 say so: {notes}"
    stored = [text_of(c.source) for c in read(NOTEBOOKS[0]).cells if "edition-note" in tags(c)]
    assert stored, "the course's own 00 has no edition-note cell"
    assert not any(SOLUTIONS_LEFT_OUT.search(note) for note in stored), (
        f"the course's own 00 should not say its solutions are left out: {stored}")


def test_the_left_out_wording_is_recognised():
    assert SOLUTIONS_LEFT_OUT.search("This edition comes without solutions.")
    assert SOLUTIONS_LEFT_OUT.search("The solutions are not included in this copy.")
    assert not SOLUTIONS_LEFT_OUT.search(
        "Below each exercise a collapsed solution waits: try first, then open it.")


@pytest.fixture(scope="module", params=NAMES)
def student_run(request, student_edition):
    nb = read(student_edition / request.param)
    client = new_client(nb, student_edition)
    started = time.monotonic()
    with client.setup_kernel(cleanup_kc=True):  # the kernel stops even if a cell times out
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
    print(f"\n{request.param}: student edition run in {time.monotonic() - started:.1f} s")
    return nb


@pytest.mark.slow
def test_the_student_edition_runs_and_nothing_is_answered(student_run):
    problems = []
    for index, cell in enumerate(student_run.cells):
        problems += [f"cell {index}: {error}" for error in errors_in(cell)]
        if "Correct" in output_text(cell):
            problems.append(f"cell {index} says {output_text(cell).strip()[:80]!r}")
    answers = [c for c in student_run.cells if "answer" in tags(c)]
    for cell in answers:
        lines = verdict_lines(output_text(cell))
        checks = len(CHECK_CALL.findall(text_of(cell.source)))
        if len(lines) != checks or not all(NOT_ANSWERED_LINE.match(x) for x in lines):
            problems.append(f"{cell.metadata.get('exercise')}: {lines}")
    assert answers, "no answer cell in the edition"
    problems += progress_problems(student_run.cells, [c.metadata.get("exercise") for c in answers],
                                  solved=False)
    assert not problems, "\n".join(problems)


def number_tokens(text) -> list[float]:
    return [float(t.replace(",", ""))
            for t in re.findall(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?", text)]


def shows_the_value(text, value) -> bool:
    """Does `text` show `value`: a number, every entry of a short array, or a letter?"""
    if callable(value):
        return True  # a function exercise's answer is its worked solution
    if isinstance(value, str):
        return re.search(rf"\b{re.escape(value)}\b", text) is not None
    numbers = number_tokens(text)
    entries = [float(v) for v in np.ravel(np.asarray(value, dtype=float))][:16]
    return all(any(abs(n - v) <= 1e-4 * max(1.0, abs(v)) for n in numbers) for v in entries)


def test_the_key_judge_can_fail():
    assert shows_the_value("**Expected answer:** `(60, 51, 3)`", (60, 51, 3))
    assert not shows_the_value("**Expected answer:** `(60, 50, 3)`", (60, 51, 3))
    assert shows_the_value("answer: 0.25", 0.25)
    assert not shows_the_value("answer: 0.5", 0.25)
    assert not shows_the_value("Choose from A, C or D.", "B")


def test_the_answer_key_has_every_exercise_and_its_worked_solution():
    # `python3 dev.py answers` runs `dev.py _answers` with the environment's python
    done = subprocess.run([sys.executable, str(ROOT / "dev.py"), "_answers"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    key = ANSWER_KEY.read_text(encoding="utf-8")
    every = {}
    for path in NOTEBOOKS:
        nb = read(path)
        for exercise, roles in exercises_of(nb).items():
            every[exercise] = solution_code(nb.cells[roles["solution"][0]])
    assert every, "no exercise in the notebooks"
    headings = {
        exercise: re.search(rf"^#+[^\n]*\b{re.escape(exercise)}\b", key, re.MULTILINE)
        for exercise in every
    }
    missing = sorted(exercise for exercise, found in headings.items() if found is None)
    assert not missing, f"the key has no heading for {missing}"
    starts = sorted((found.start(), exercise) for exercise, found in headings.items())
    problems = []
    for (at, exercise), (end, _) in zip(starts, [*starts[1:], (len(key), None)], strict=True):
        section = key[at:end]
        code_lines = [line.strip() for line in every[exercise].splitlines() if line.strip()]
        if not all(line in section for line in code_lines):
            problems.append(f"{exercise}: its worked solution is not in its section")
        if not shows_the_value(section, cu.exercises._expected(exercise)):
            problems.append(f"{exercise}: its expected answer is not in its section")
    assert not problems, "\n".join(problems)
