"""Feedback that never contradicts the answer, and errors that name what the student called.

From a new student's review:

* None is an answer (often of ``list.sort()``), not "not answered yet"; only ``...`` is;
* a wrong number is shown as the student gave it, never rounded into the right one;
* an array answer holding None or text is told what it holds;
* a slip of form (text for a number, None) does not use up the nudge;
* a convolution that is refused names the function called, and a plausible one
  (a 5000x5000 photo through a 9x9 kernel) is not refused.

Each session-dependent scenario (hints, progress) runs in a fresh Python process.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import cnn_utils as cu
from cnn_utils import exercises

ROOT = Path(__file__).resolve().parent.parent
WRONG = re.compile(r"^✗ Not yet")
NOT_ANSWERED = re.compile(r"not answered yet", re.IGNORECASE)
HINT = re.compile(r"\b(?:Stronger hint|Hint):\s*(.*)$")
NUMBER = re.compile(r"(?<![\w.'])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w'])")

IDS = [ex.id for nb in range(11) for ex in exercises._exercises(f"{nb:02d}")]
KIND = {ex.id: ex.kind for nb in range(11) for ex in exercises._exercises(f"{nb:02d}")}


def run_check(exercise_id, answer):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = cu.check(exercise_id, answer)
    return result, buffer.getvalue().strip()


def ids(*kinds):
    return [i for i in IDS if KIND[i] in kinds]


def numeric_ids():
    """Number and label exercises whose answer is a number."""
    return [i for i in ids("number", "label") if not isinstance(exercises._expected(i), str)]


# --- 1. None is an answer; only ... means "not answered yet" -----------------------


@pytest.mark.parametrize("exercise_id", IDS)
def test_none_is_an_answer_that_is_explained(exercise_id):
    result, text = run_check(exercise_id, None)
    assert result is False
    assert WRONG.match(text), text
    assert not NOT_ANSWERED.search(text), text
    assert "None" in text, text
    assert "returns None" in text, text


def test_the_result_of_list_sort_is_told_apart_from_no_answer():
    columns = [2, 0, 1]
    result, text = run_check("01.4", columns.sort())
    assert result is False, text
    assert WRONG.match(text), text
    assert "sort()" in text, text


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_placeholder_is_still_not_answered_yet(exercise_id):
    assert NOT_ANSWERED.search(run_check(exercise_id, ...)[1])


def test_a_function_whose_body_is_the_placeholder_is_not_answered_yet():
    def student_function(image, kernel):
        """Write your code here."""
        ...

    def student_function_that_forgot_return(image, kernel):
        image.sum()

    exercise_id = ids("function")[0]
    assert NOT_ANSWERED.search(run_check(exercise_id, student_function)[1])
    result, text = run_check(exercise_id, student_function_that_forgot_return)
    assert result is False, text
    assert WRONG.match(text), text
    assert "None" in text, text


# --- 2. numbers shown as given, so wrong never reads as right ------------------------


def near_misses(want):
    """Wrong answers close to ``want``, and far ones whose digits rounding would hide."""
    want = float(want)
    scale = max(abs(want), 1.0)
    return [want + 0.3, want - 1e-4 * scale, want * (1 + 1e-5) + 1e-5, want * 10 + 10,
            want + 1e-4]


@pytest.mark.parametrize("exercise_id", numeric_ids())
def test_a_wrong_number_is_shown_as_given_never_as_the_answer(exercise_id):
    want = float(exercises._expected(exercise_id))
    for answer in near_misses(want):
        result, text = run_check(exercise_id, answer)
        if result:
            continue  # within the exercise's tolerance: right, nothing to show
        verdict = HINT.split(text)[0]
        shown = [float(token) for token in NUMBER.findall(verdict)]
        assert answer in shown, f"{answer!r} was shown as {verdict!r}"
        assert want not in shown, f"the answer {want} is in {verdict!r}"


@pytest.mark.parametrize("exercise_id", numeric_ids())
def test_a_whole_number_is_written_in_full(exercise_id):
    want = int(round(float(exercises._expected(exercise_id))))
    answer = want * 10 + 10  # 1966080 for 196608: six significant digits would hide the last
    _, text = run_check(exercise_id, answer)
    assert str(answer) in text, text
    assert "e+" not in text, text


def test_the_reviews_numbers_read_as_given():
    assert "196608.3 is too large" in run_check("00.1", 196608.3)[1]
    assert "1966080 is too large" in run_check("00.1", 1966080)[1]
    assert "not 3.0000001" in run_check("07.3", 3.0000001)[1]
    assert "not 3.0000001" in run_check("07.3", np.array([3.0000001]))[1]


# --- 3. an array answer is told what it holds ----------------------------------------


@pytest.mark.parametrize("exercise_id", ids("array"))
def test_an_array_holding_none_or_text_says_so(exercise_id):
    right = np.asarray(exercises._expected(exercise_id), dtype=float).tolist()
    with_none = [None, *right[1:]] if np.ndim(right) == 1 else [[None] + right[0][1:], *right[1:]]
    result, text = run_check(exercise_id, tuple(with_none))
    assert result is False, text
    assert WRONG.match(text), text
    assert "None" in text, text
    assert "something other than numbers" not in text, text
    with_text = [str(right[0]), *right[1:]] if np.ndim(right) == 1 else None
    if with_text is not None:
        _, text = run_check(exercise_id, with_text)
        assert f"{str(right[0])!r}" in text, text
        assert "quotes" in text, text


def test_a_shape_copied_from_a_model_summary_names_the_none():
    _, text = run_check("07.2", (None, 12, 12, 32))
    assert "holds None" in text, text


def test_rows_of_unequal_length_are_counted():
    exercise_id = next(i for i in ids("array") if np.ndim(exercises._expected(i)) == 2)
    _, text = run_check(exercise_id, [[1, 2, 3], [4, 5]])
    assert "unequal length" in text, text
    assert "2 entries" in text, text
    assert "3 entries" in text, text


# --- 4. a slip of form does not use up the nudge -----------------------------------

SESSION = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import cnn_utils as cu
    report = []
    for exercise_id, answer in json.load(sys.stdin):
        answer = None if answer == "<None>" else answer
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            cu.check(exercise_id, answer)
        report.append(buffer.getvalue().strip())
    with contextlib.redirect_stdout(buffer := io.StringIO()):
        cu.progress(sys.argv[1])
    report.append(buffer.getvalue().strip())
    print(json.dumps(report))
    """
)


def session(notebook, steps):
    """Run ``cu.check`` on each (id, answer) in a fresh process; the texts, then progress."""
    done = subprocess.run([sys.executable, "-c", SESSION, notebook], input=json.dumps(steps),
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def hint_of(text):
    match = HINT.search(text)
    return match.group(1) if match else ""


def slips_and_a_wrong_answer(exercise_id):
    """Answers of the wrong form for this exercise, and one wrong answer of the right form."""
    kind, want = KIND[exercise_id], exercises._expected(exercise_id)
    if kind in ("number", "label") and not isinstance(want, str):
        return ["<None>", str(want), [want]], float(want) * 10 + 10
    if kind == "array":
        values = np.asarray(want, dtype=float)
        return ["<None>", "text", float(values.ravel()[0])], (values + 1 + 2 * abs(values)).tolist()
    if kind == "choice":
        return ["<None>", 1, "Z"], "A" if want != "A" else "B"
    return None


@pytest.mark.parametrize("exercise_id", [i for i in IDS if KIND[i] != "function"])
def test_a_slip_of_form_does_not_use_up_the_nudge(exercise_id):
    found = slips_and_a_wrong_answer(exercise_id)
    if found is None:
        pytest.skip(f"{exercise_id} has text answers")
    slips, wrong = found
    notebook = exercise_id.split(".")[0]
    *texts, progress = session(notebook, [[exercise_id, s] for s in slips]
                               + [[exercise_id, wrong], [exercise_id, wrong]])
    *slip_texts, first_wrong, second_wrong = texts
    fresh_first = session(notebook, [[exercise_id, wrong]])[0]
    for text in slip_texts:
        assert WRONG.match(text), f"a slip moved the hints on: {text}"
        assert not hint_of(text), f"a slip moved the hints on: {text}"
    assert hint_of(first_wrong) == hint_of(fresh_first) != "", (first_wrong, fresh_first)
    assert hint_of(second_wrong) not in ("", hint_of(first_wrong)), second_wrong
    assert re.search(rf"{re.escape(exercise_id)} not yet", progress), progress


def test_a_slip_alone_shows_as_tried_in_progress():
    progress = session("00", [["00.1", "<None>"]])[-1]
    assert "00.1 not yet" in progress, progress


# --- 5. a refused convolution names the function called; a plausible one runs --------


@pytest.mark.parametrize(("call", "name"), [
    (lambda: cu.correlate2d(np.zeros((1024, 1024)), np.zeros((512, 512))), "correlate2d"),
    (lambda: cu.convolve2d(np.zeros((1024, 1024)), np.zeros((512, 512))), "convolve2d"),
    (lambda: cu.conv2d(np.zeros((1, 1024, 1024, 1)), np.zeros((512, 512, 1, 1))), "conv2d"),
    (lambda: cu.conv_forward(np.zeros((1, 1024, 1024, 1)), np.zeros((512, 512, 1, 1))),
     "conv_forward"),
])
def test_a_forward_pass_refused_names_the_function_called(call, name):
    with pytest.raises(ValueError, match=rf"^{name} with a 512x512 kernel on a .*would take"):
        call()


def test_a_backward_pass_refused_names_the_function_called():
    # one output row per chunk, 241 chunks, 3,600 kernel offsets each: 867,841 loop steps
    x, w = np.zeros((1, 100, 100, 1)), np.zeros((5, 5, 1, 1))
    dout = np.zeros((1, 96, 96, 1))
    big_x, big_w = np.zeros((1, 300, 300, 1)), np.zeros((60, 60, 1, 1))
    big_dout = np.zeros((1, 241, 241, 1))
    with pytest.raises(ValueError, match=r"^conv2d_backward with a 60x60 kernel .* loop steps"):
        cu.conv2d_backward(big_dout, big_x, big_w)
    out, cache = cu.conv_forward(big_x, big_w)  # the forward pass alone is allowed
    with pytest.raises(ValueError, match=r"^conv_backward with a 60x60 kernel .* loop steps"):
        cu.conv_backward(out, cache)
    dw = cu.conv_backward(out, cache, need_dx=False)[1]  # no dx: no loop per kernel offset
    assert dw.shape == big_w.shape
    assert cu.conv2d_backward(dout, x, w)[0].shape == x.shape


def test_a_big_kernel_on_a_small_image_runs_and_is_right():
    # one output row per chunk, 280 chunks: refused before as if it were a backward pass
    rng = np.random.default_rng(18)
    image, kernel = rng.random((310, 310)), rng.random((31, 31))
    out = cu.correlate2d(image, kernel)
    assert out.shape == (280, 280)
    for i, j in [(0, 0), (279, 279), (123, 45)]:
        assert np.isclose(out[i, j], np.sum(image[i:i + 31, j:j + 31] * kernel))


def test_a_photo_through_a_nine_by_nine_kernel_is_allowed():
    image = np.zeros((5000, 5000))
    image[2500, 2500] = 1.0
    kernel = np.arange(81.0).reshape(9, 9)
    out = cu.correlate2d(image, kernel)
    assert out.shape == (4992, 4992)
    # a single bright pixel at (2500, 2500) shows the kernel turned by 180 degrees
    assert np.array_equal(out[2492:2501, 2492:2501], kernel[::-1, ::-1])
