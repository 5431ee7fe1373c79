"""The exercise checks: honest verdicts, feedback that fits, staged hints, plain glyphs.

Every registered exercise is found at run time (``cu.exercises._exercises``,
checked against ``cu.progress``, the students' own view of the registry), so a
new exercise is tested the day it is registered. The right answer comes from
``cu.exercises._expected``, the private accessor the convention keeps for tests
and the answer key; everything else (what a wrong answer is, what a hint may
say, a few answers worked by hand) is built here from the issue's words and
the questions, not read from the code under test.

Hints are counted per exercise and per session, so every scenario that cares
about a session's history (staged hints, order independence, progress) runs in
a fresh Python process of its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cnn_utils as cu
from cnn_utils import exercises

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_NUMBERS = [f"{n:02d}" for n in range(11)]
EXERCISE_ID = re.compile(r"\b(\d\d)\.(\d+)\b")

# emoji that render as empty boxes without an emoji font (the issue's ✅ ❌ ⏳ among them)
EMOJI = re.compile("[\U0001f300-\U0001faff\u2705\u274c\u23f3\ufe0f]")
CORRECT = re.compile(r"^✓ Correct")
WRONG = re.compile(r"^✗ Not yet")
NOT_ANSWERED = re.compile(r"not answered yet", re.IGNORECASE)
# code in a hint: a module prefix, or a call such as conv2d( or x.sum(
CODE_LIKE = re.compile(r"\b(?:cu|np|cnn_utils|numpy)\.|[A-Za-z_][A-Za-z0-9_]*\(")


# --- running a check and reading what it printed ----------------------------------


def run_check(exercise_id, answer):
    """Call ``cu.check`` and return (its result, its printed text); any exception fails the test."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        result = cu.check(exercise_id, answer)
    return result, buffer.getvalue()


# what check prints when its own judging broke: it did not raise, but it did not judge either
INTERNAL_FAULT = re.compile(r"could not be checked|tell your instructor|Traceback", re.IGNORECASE)


def printed_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def split_hint(text):
    """(verdict, hint words) of a check's output; the hint is '' when there is none.

    A hint is a second line, or the part of the one line from "Hint:" (or "Stronger
    hint:") on; its label is dropped, so two stages compare by their words alone.
    """
    lines = printed_lines(text)
    verdict, rest = lines[0], " ".join(lines[1:])
    if not rest:
        match = re.search(r"(?:\b\w+\s+)?\b(?:hint|nudge)\b", verdict, re.IGNORECASE)
        if match:
            verdict, rest = verdict[: match.start()], verdict[match.start():]
    rest = re.sub(r"^(?:\w+\s+)?(?:hint|nudge)\s*:\s*", "", rest.strip(), flags=re.IGNORECASE)
    return verdict.strip(), rest.strip()


def registered_ids():
    """Every exercise id of notebooks 00-09 in the registry (none if there is no registry)."""
    registry = getattr(exercises, "_exercises", None)
    found = {ex.id for nb in NOTEBOOK_NUMBERS for ex in registry(nb)} if registry else set()
    return sorted(found, key=lambda i: tuple(map(int, i.split("."))))


def ids_in_progress():
    """The exercise ids ``cu.progress`` names, notebook by notebook: the student's view."""
    found = set()
    for number in NOTEBOOK_NUMBERS:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            cu.progress(notebook=number)
        found |= {
            f"{nb}.{k}" for nb, k in EXERCISE_ID.findall(buffer.getvalue()) if nb == number
        }
    return sorted(found, key=lambda i: tuple(map(int, i.split("."))))


IDS = registered_ids()
# The kind each exercise is registered with ("number", "label", ...), through the accessor
# the convention keeps for tests and the answer key: only the label test needs it.
KINDS = {ex.id: ex.kind for nb in NOTEBOOK_NUMBERS if IDS for ex in exercises._exercises(nb)}


def expected(exercise_id):
    return exercises._expected(exercise_id)


def kind_of(value):
    """The shape of an expected answer: what a wrong answer of the same kind looks like."""
    if callable(value):
        return "function"
    if isinstance(value, str):
        return "choice" if re.fullmatch(r"[A-Z]", value) else "text"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) > 0:
        return "array"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "scalar"
    return "other"


def ids_of_kind(*kinds):
    return [i for i in IDS if kind_of(expected(i)) in kinds]


def wrong_answer(value):
    """An answer that differs from `value` by far more than any tolerance, of the same kind."""
    kind = kind_of(value)
    if kind == "function":
        def wrong(*args, **kwargs):
            return -12345.5
        return wrong
    if kind == "choice":
        return "A" if value != "A" else "B"
    if kind == "text":
        return f"not {value}"
    if kind == "bool":
        return not value
    if kind == "array":
        return (np.asarray(value, dtype=float) + 1 + 2 * np.abs(value)).tolist()
    if kind == "scalar":
        return value + 1 + 2 * abs(value) if not isinstance(value, (bool, np.bool_)) else value
    return ("not", "this")


def test_the_registry_has_exercises():
    assert IDS, "no exercise is registered for notebooks 00-09"


def test_progress_is_exported_and_names_every_registered_exercise():
    assert hasattr(cu, "progress"), "cnn_utils exports no progress() (the convention: cu.progress)"
    assert ids_in_progress() == IDS


def test_every_notebook_with_exercises_has_at_least_three():
    per_notebook = {}
    for exercise_id in IDS:
        per_notebook.setdefault(exercise_id[:2], []).append(exercise_id)
    few = {nb: ids for nb, ids in per_notebook.items() if nb != "00" and len(ids) < 3}
    assert not few, f"notebooks with fewer than three exercises: {few}"
    missing = [nb for nb in NOTEBOOK_NUMBERS[1:] if nb not in per_notebook]
    assert not missing, f"notebooks without a registered exercise: {missing}"


# --- the right answer, not answered, plain glyphs -----------------------------------


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_right_answer_is_correct(exercise_id):
    result, text = run_check(exercise_id, expected(exercise_id))
    assert result is True, text
    assert len(printed_lines(text)) == 1, f"a correct answer prints one line, got:\n{text}"
    assert CORRECT.match(text), text


# Answers worked out here from the exercises' questions, independently of cnn_utils.answers:
# the registry's values must agree with them.
WORKED_BY_HAND = {
    "00.1": 256 * 256 * 3,                # pixels x (red, green, blue)
    "01.3": 28 * 28 * 100 + 100,          # a weight per pixel per neuron, a bias per neuron
    "03.4": (5 * 5 * 3 + 1) * 16,         # sixteen 5 x 5 x 3 filters with biases
    "05.1": (64 - 3 + 1, 64 - 3 + 1, 10),  # ten 3 x 3 filters over 64 x 64 x 3, no padding
    "05.3": (3 * 3 * 8 + 1) * 16,         # sixteen 3 x 3 filters over 8 channels
    "05.4": "B",                          # (kh, kw, C_in, C_out) with C_in = 16
    "06.4": ((11 - 2) // 2 + 1, (11 - 2) // 2 + 1, 64),  # 2 x 2 max pooling, floor rule
    "06.5": 3 * 3 * 64,                   # Flatten of 3 x 3 x 64
    "07.1": (5 * 5 * 32 + 1) * 16,        # sixteen 5 x 5 filters over 32 channels
    "07.2": ((28 - 5 + 1) // 2, (28 - 5 + 1) // 2, 32),  # Conv2D(32, 5x5), then 2 x 2 pooling
    "08.5": 1 / 4,                        # d mean(a, b, c, d) / da
    "10.1": (64, 32, 3, 3),               # PyTorch: (C_out, C_in, kh, kw)
    "10.4": (576 * 64 + 64) + (64 * 2 + 2),  # a new dense 64 and a 2-class head
}


@pytest.mark.parametrize("exercise_id", sorted(WORKED_BY_HAND))
def test_answers_worked_by_hand_are_correct(exercise_id):
    assert exercise_id in IDS, f"{exercise_id} is not registered"
    result, text = run_check(exercise_id, WORKED_BY_HAND[exercise_id])
    assert result is True, text
    assert CORRECT.match(text), text


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("placeholder", [...])  # None is an answer: test_feedback_honesty.py
def test_a_placeholder_is_not_answered_yet(exercise_id, placeholder):
    result, text = run_check(exercise_id, placeholder)
    assert result is False
    assert len(printed_lines(text)) == 1, text
    assert NOT_ANSWERED.search(text), text
    assert not CORRECT.match(text), text
    assert not WRONG.match(text), text


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_wrong_answer_is_not_yet_in_plain_glyphs(exercise_id):
    result, text = run_check(exercise_id, wrong_answer(expected(exercise_id)))
    assert result is False, text
    assert WRONG.match(text), text
    assert 1 <= len(printed_lines(text)) <= 2, f"one verdict line plus a hint, got:\n{text}"
    assert not EMOJI.search(text), f"an emoji glyph in {text!r}"


def test_the_emoji_pattern_catches_the_issues_glyphs():
    for glyph in "✅❌⏳🙂🎉":
        assert EMOJI.search(f"{glyph} Correct")
    assert not EMOJI.search("✓ Correct ✗ Not yet")


# --- whatever the student passes, a check never raises ------------------------------


class Hostile:
    """An answer whose every conversion, comparison and even repr raises."""

    def _raise(self, *args, **kwargs):
        raise RuntimeError("hostile answer")

    __eq__ = __ne__ = __lt__ = __gt__ = __le__ = __ge__ = _raise
    __array__ = __float__ = __int__ = __index__ = __complex__ = _raise
    __len__ = __iter__ = __getitem__ = __bool__ = __round__ = _raise
    __repr__ = __str__ = __format__ = __hash__ = _raise
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __abs__ = __neg__ = _raise


class HostileSequence(list):
    """Looks like a list of numbers, then raises when numpy reads it."""

    def __array__(self, *args, **kwargs):
        raise ValueError("hostile __array__")

    def __len__(self):
        raise TypeError("hostile __len__")


def a_function_returning(value):
    def student_function(*args, **kwargs):
        return value
    return student_function


def a_raising_function(*args, **kwargs):
    raise ZeroDivisionError("the student's bug")


numpy_dtypes = st.one_of(
    hnp.boolean_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
    hnp.floating_dtypes(), hnp.complex_number_dtypes(), hnp.datetime64_dtypes(),
    hnp.timedelta64_dtypes(), hnp.byte_string_dtypes(), hnp.unicode_string_dtypes(),
)
numpy_arrays = numpy_dtypes.flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0,
                                                     max_side=4))
)
scalars = st.one_of(
    st.none(), st.just(...), st.booleans(), st.text(max_size=8), st.binary(max_size=8),
    st.integers(), st.integers(min_value=10**300, max_value=10**400).map(lambda n: n * 10),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(),
    st.fractions(), st.sampled_from(["A", "a", " b ", "", "E", "AB", "1e309", "nan"]),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), np.nan, np.float16(65504)]),
    st.builds(Hostile), st.builds(HostileSequence, st.lists(st.integers(), max_size=3)),
    st.just(object()), st.just(print), st.just(int), st.just(np), st.just(slice(1, 2)),
    st.just(a_raising_function), st.just(lambda: 1), st.just(iter([1, 2])),
    st.just(np.ma.masked_array([1.0, 2.0], mask=[False, True])),
    st.just(np.array([None, [1, 2]], dtype=object)), st.just(np.float64(np.nan)),
)
garbage = st.recursive(
    st.one_of(scalars, numpy_arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
        st.frozensets(st.integers(), max_size=3),
        inner.map(a_function_returning),
    ),
    max_leaves=8,
)


@pytest.mark.parametrize("exercise_id", IDS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(answer=garbage)
def test_a_check_never_raises_whatever_it_is_given(exercise_id, answer):
    result, text = run_check(exercise_id, answer)
    assert isinstance(result, (bool, np.bool_)), repr(result)
    lines = printed_lines(text)
    assert 1 <= len(lines) <= 2, f"one verdict line plus a hint, got:\n{text}"
    assert CORRECT.match(lines[0]) or WRONG.match(lines[0]) or NOT_ANSWERED.search(lines[0]), text
    assert not INTERNAL_FAULT.search(text), f"the check broke instead of judging: {text}"
    assert not EMOJI.search(text), f"an emoji glyph in {text!r}"


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize(
    "answer",
    [Hostile(), HostileSequence([1, 2]), 10**400, float("nan"), b"\xff", {"a": 1},
     [[1, 2], [3]], a_raising_function, np.empty((0, 3)), np.array("text")],
    ids=["hostile", "hostile-sequence", "huge-int", "nan", "bytes", "dict", "ragged",
         "raising-function", "empty-array", "string-array"],
)
def test_named_garbage_is_a_wrong_answer_not_an_error(exercise_id, answer):
    result, text = run_check(exercise_id, answer)
    assert result is False, text
    assert WRONG.match(text), text
    assert not INTERNAL_FAULT.search(text), f"the check broke instead of judging: {text}"


@pytest.mark.parametrize("exercise_id", [None, 2.1, "2.1", "99.1", "02.99", "", b"02.1", Hostile()])
def test_an_unknown_exercise_id_is_a_sentence_not_an_error(exercise_id):
    result, text = run_check(exercise_id, 3)
    assert result is False
    assert len(printed_lines(text)) == 1, text
    assert WRONG.match(text), text


@pytest.mark.parametrize("notebook", ["02", 2, "02_convolution_step_by_step.ipynb", "99", None,
                                      "", 2.5, [2], -1])
def test_progress_never_raises(notebook):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exercises.progress(notebook=notebook)
    assert len(printed_lines(buffer.getvalue())) == 1, buffer.getvalue()
    assert not EMOJI.search(buffer.getvalue())


# --- feedback that fits the kind of answer -----------------------------------------


def disguised(value):
    """The right numbers in forms that are not numbers: text, and complex with an imaginary part."""
    if kind_of(value) == "array":
        numbers = np.asarray(value, dtype=float)
        return {"as text": [str(x) for x in numbers.ravel().tolist()] if numbers.ndim == 1
                else [[str(x) for x in row] for row in numbers.tolist()],
                "as text array": numbers.astype(str),
                "as complex array": numbers + 1j}
    return {"as text": str(value), "as complex": complex(float(value), 1.0),
            "as complex array": np.array(float(value) + 1j)}


@pytest.mark.parametrize("exercise_id", ids_of_kind("array", "scalar"))
def test_the_right_numbers_disguised_are_not_correct(exercise_id):
    """A check that accepts "3" or 3+1j for 3 lies: the student did not give the number."""
    lies = []
    for form, answer in disguised(expected(exercise_id)).items():
        result, text = run_check(exercise_id, answer)
        if result is not False or not WRONG.match(text):
            lies.append(f"{form}: {text.strip()}")
    assert not lies, "\n".join(lies)


@pytest.mark.parametrize("exercise_id", ids_of_kind("choice"))
def test_a_choice_accepts_the_letter_in_either_case(exercise_id):
    letter = expected(exercise_id)
    for spelling in (letter, letter.lower(), f" {letter.lower()} "):
        result, text = run_check(exercise_id, spelling)
        assert result is True, f"{spelling!r}: {text}"
        assert CORRECT.match(text), text


@pytest.mark.parametrize("exercise_id", ids_of_kind("choice"))
def test_a_wrong_choice_does_not_name_the_right_letter(exercise_id):
    letter = expected(exercise_id)
    _, text = run_check(exercise_id, wrong_answer(letter))
    assert not re.search(rf"(?:answer|choose|pick|option|choice)\s+(?:is\s+)?['\"(]?{letter}\b",
                         text, re.IGNORECASE), text


def exact_ids():
    """Exercises whose answer is an exact whole number (labels, indices, counts)."""
    return [i for i in ids_of_kind("scalar") if float(expected(i)).is_integer()]


@pytest.mark.parametrize("exercise_id", exact_ids())
def test_a_whole_number_answer_one_off_is_wrong(exercise_id):
    value = int(expected(exercise_id))
    result, text = run_check(exercise_id, value)
    assert result is True, text
    result, text = run_check(exercise_id, value + 1)
    assert result is False, f"{value + 1} accepted for {value}: {text}"


@pytest.mark.parametrize(
    "exercise_id", [i for i in IDS if KINDS[i] == "label" and kind_of(expected(i)) == "scalar"]
)
def test_a_label_is_never_too_small_or_too_large(exercise_id):
    value = int(expected(exercise_id))
    for guess in (value - 1, value + 1, value + 7, -1):
        _, text = run_check(exercise_id, guess)
        assert not re.search(r"too (small|large|big|low|high)", text, re.IGNORECASE), text
        assert f"not {guess}" in text, f"a label says 'not {guess}': {text}"


@pytest.mark.parametrize("exercise_id", ids_of_kind("array"))
def test_a_list_of_the_wrong_length_is_counted_in_words(exercise_id):
    want = np.asarray(expected(exercise_id), dtype=float)
    answer = want.ravel().tolist() + [0.0]
    _, text = run_check(exercise_id, answer)
    verdict, _ = split_hint(text)
    assert WRONG.match(verdict), text
    assert re.search(r"\bentr(y|ies)\b", verdict), f"speaks of entries: {verdict}"
    assert str(len(answer)) in verdict, f"says the list has {len(answer)} entries: {verdict}"
    assert not re.search(r"\(\d+,\s*\d*\)", verdict), f"a shape tuple instead of words: {verdict}"


@pytest.mark.parametrize("exercise_id", ids_of_kind("array"))
def test_a_wrong_entry_is_named_in_words(exercise_id):
    want = np.asarray(expected(exercise_id), dtype=float)
    answer = want.copy()
    answer.flat[-1] += 1 + 2 * abs(answer.flat[-1])
    _, text = run_check(exercise_id, answer.tolist())
    verdict, _ = split_hint(text)
    assert WRONG.match(verdict), text
    assert re.search(r"\bentr(y|ies)\b", verdict), f"speaks of entries: {verdict}"
    assert not re.search(r"\(\d+,\s*\d*\)", verdict), f"a shape tuple instead of words: {verdict}"


@pytest.mark.parametrize("exercise_id", ids_of_kind("array"))
def test_an_array_answer_may_be_a_list_a_tuple_or_an_array(exercise_id):
    want = np.asarray(expected(exercise_id))
    for form in (want, want.tolist(), tuple(want.tolist())):
        result, text = run_check(exercise_id, form)
        assert result is True, f"{type(form).__name__}: {text}"


@pytest.mark.parametrize("exercise_id", ids_of_kind("function"))
def test_a_wrong_function_names_the_first_failing_case(exercise_id):
    _, text = run_check(exercise_id, wrong_answer(expected(exercise_id)))
    verdict, _ = split_hint(text)
    assert WRONG.match(verdict), text
    assert "-12345.5" in verdict, f"says what the function returned: {verdict}"
    assert re.search(r"expected|should", verdict, re.IGNORECASE), (
        f"says what was expected: {verdict}")


@pytest.mark.parametrize("exercise_id", ids_of_kind("function"))
def test_a_function_that_raises_is_reported_not_raised(exercise_id):
    result, text = run_check(exercise_id, a_raising_function)
    verdict, _ = split_hint(text)
    assert result is False
    assert WRONG.match(verdict), text
    assert not INTERNAL_FAULT.search(text), f"the check broke instead of judging: {text}"
    assert "ZeroDivisionError" in verdict or "the student's bug" in verdict, verdict


@pytest.mark.parametrize("exercise_id", ids_of_kind("function"))
def test_a_function_answer_that_is_not_a_function_is_wrong(exercise_id):
    for answer in (3, "def f(x): return x", [1, 2]):
        result, text = run_check(exercise_id, answer)
        assert result is False, text
        assert WRONG.match(text), text


# --- sessions: staged hints, order independence, progress ---------------------------
#
# A session is a fresh Python process that imports this file (for `expected` and
# `wrong_answer`), runs a list of steps and reports what each printed.

SESSION = textwrap.dedent(
    """
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("exercise_tests", sys.argv[1])
    tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tests)
    report = []
    for what, target in json.load(sys.stdin):
        if what == "progress":
            import contextlib, io
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                tests.exercises.progress(notebook=target)
            report.append([None, buffer.getvalue()])
            continue
        value = tests.expected(target)
        answer = {"right": value, "wrong": tests.wrong_answer(value), "blank": ...}[what]
        result, text = tests.run_check(target, answer)
        report.append([bool(result), text])
    print(json.dumps(report))
    """
)


def run_session(steps):
    """Run `steps` ([("right"|"wrong"|"blank", id) or ("progress", "02")]) in a fresh
    process; return one (result, printed text) per step."""
    done = subprocess.run(
        [sys.executable, "-c", SESSION, __file__],
        input=json.dumps(steps), capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) == len(steps)
    return report


def number_tokens(text):
    return [float(t.replace(",", "")) for t in re.findall(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?", text)]


def gives_the_value_away(hint, value):
    """Does `hint` spell out `value`? Single digits are not judged: they occur in any hint."""
    kind = kind_of(value)
    numbers = number_tokens(hint)
    if kind == "scalar":
        v = float(value)
        if v.is_integer() and abs(v) < 10:
            return False
        return any(math.isclose(n, v, rel_tol=1e-3, abs_tol=1e-9) for n in numbers)
    if kind == "array":
        entries = np.asarray(value, dtype=float).ravel().tolist()
        if len(entries) < 2:
            return False
        return any(
            np.allclose(numbers[i:i + len(entries)], entries, rtol=1e-3)
            for i in range(len(numbers) - len(entries) + 1)
        )
    if kind == "choice":
        return bool(re.search(
            rf"(?:answer|choose|pick|option|choice)\s+(?:is\s+)?['\"(]?{value}\b|['\"]{value}['\"]",
            hint, re.IGNORECASE,
        ))
    return False


@pytest.fixture(scope="module")
def three_wrong_tries():
    """Each exercise answered wrongly three times in one session, ids in turn."""
    steps = [("wrong", i) for i in IDS for _ in range(3)]
    report = run_session(steps)
    return {i: [text for _, text in report[3 * n: 3 * n + 3]] for n, i in enumerate(IDS)}


@pytest.mark.parametrize("exercise_id", IDS)
def test_hints_come_in_two_stages(exercise_id, three_wrong_tries):
    first, second, third = (split_hint(t) for t in three_wrong_tries[exercise_id])
    assert first[1], f"the first wrong answer gets a nudge: {three_wrong_tries[exercise_id][0]}"
    assert second[1], f"the second wrong answer gets a hint: {three_wrong_tries[exercise_id][1]}"
    assert first[1] != second[1], f"the second hint is stronger, not the nudge again: {first[1]}"
    assert third[1] == second[1], "after the second wrong answer the stronger hint stays"


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_hint_holds_code_or_the_answer(exercise_id, three_wrong_tries):
    value = expected(exercise_id)
    for text in three_wrong_tries[exercise_id][:2]:
        _, hint = split_hint(text)
        assert not CODE_LIKE.search(hint), f"code in a hint: {hint}"
        assert not gives_the_value_away(hint, value), f"the hint gives the answer away: {hint}"


def test_the_hint_judges_can_fail():
    assert CODE_LIKE.search("Try cu.correlate2d with X and dZ.")
    assert CODE_LIKE.search("Use correlate2d(X, dZ).")
    assert not CODE_LIKE.search("Count the windows (one per position) in each row.")
    assert gives_the_value_away("It is 1,216 numbers.", 1216)
    assert gives_the_value_away("Think: 0.25 of the map.", 0.25)
    assert gives_the_value_away("The row reads 3, -3.", [3, -3])
    assert gives_the_value_away("The answer is C.", "C")
    assert not gives_the_value_away("Count rows: 3 of them, then 4.", 1216)


def test_a_fresh_session_starts_again_at_the_nudge(three_wrong_tries):
    exercise_id = IDS[-1]
    (_, again), = run_session([("wrong", exercise_id)])
    assert split_hint(again)[1] == split_hint(three_wrong_tries[exercise_id][0])[1]


def test_checks_give_the_right_verdict_in_any_order():
    rng = np.random.default_rng(15)
    shuffled = [IDS[i] for i in rng.permutation(len(IDS))]
    mixed = [(w, i) for i in IDS for w in ("right", "wrong", "blank")]
    mixed = [mixed[k] for k in rng.permutation(len(mixed))]
    steps = (
        [("right", i) for i in shuffled] + [("right", i) for i in reversed(IDS)]
        + [("right", i) for i in shuffled] + [("right", i) for i in reversed(IDS)]
        + mixed + [("right", i) for i in reversed(IDS)]
    )
    wrong_verdicts = []
    for (what, exercise_id), (result, text) in zip(steps, run_session(steps), strict=True):
        good = {
            "right": result is True and CORRECT.match(text) and len(printed_lines(text)) == 1,
            "wrong": result is False and WRONG.match(text),
            "blank": result is False and NOT_ANSWERED.search(text),
        }[what]
        if not good:
            wrong_verdicts.append(f"{what} answer to {exercise_id}: {text.strip()}")
    assert not wrong_verdicts, "\n".join(wrong_verdicts[:20])


def progress_entry(text, exercise_id):
    match = re.search(rf"{re.escape(exercise_id)}\b\s*([^,\n]*)", text)
    return match.group(1).strip() if match else None


def test_progress_reports_exactly_the_solved_set():
    rng = np.random.default_rng(7)
    status = {i: ["solved", "tried", "untouched"][rng.integers(3)] for i in IDS}
    steps = [("progress", nb) for nb in NOTEBOOK_NUMBERS]
    for exercise_id in IDS:
        if status[exercise_id] == "tried":
            steps.append(("wrong", exercise_id))
        if status[exercise_id] == "solved":
            steps += [("wrong", exercise_id), ("right", exercise_id)]
    steps += [("progress", nb) for nb in NOTEBOOK_NUMBERS]
    report = run_session(steps)
    count = len(NOTEBOOK_NUMBERS)
    before = {nb: text for (_, nb), (_, text) in zip(steps[:count], report[:count], strict=True)}
    after = {nb: text for (_, nb), (_, text) in zip(steps[-count:], report[-count:], strict=True)}

    problems = []
    for nb in NOTEBOOK_NUMBERS:
        mine = [i for i in IDS if i.startswith(nb + ".")]
        if not mine:
            continue
        solved = [i for i in mine if status[i] == "solved"]
        if not re.search(rf"\b0 of {len(mine)} solved", before[nb]):
            problems.append(f"before any answer, {nb}: {before[nb]!r}")
        if not re.search(rf"\b{len(solved)} of {len(mine)} solved", after[nb]):
            problems.append(f"{nb} should say {len(solved)} of {len(mine)} solved: {after[nb]!r}")
        others = set(EXERCISE_ID.findall(after[nb])) - {tuple(i.split(".")) for i in mine}
        if others:
            problems.append(f"{nb}'s progress names other notebooks' exercises: {after[nb]!r}")
        for exercise_id in mine:
            entry = progress_entry(after[nb], exercise_id)
            says_solved = entry is not None and entry.startswith("✓")
            if entry is None or says_solved != (status[exercise_id] == "solved"):
                problems.append(f"{exercise_id} is {status[exercise_id]}, progress says {entry!r}")
            elif status[exercise_id] == "tried" and "not yet" not in entry.lower():
                problems.append(f"{exercise_id} was tried: progress says {entry!r}")
            elif status[exercise_id] == "untouched" and "not answered" not in entry.lower():
                problems.append(f"{exercise_id} was not answered: progress says {entry!r}")
        if EMOJI.search(after[nb]):
            problems.append(f"an emoji glyph in {after[nb]!r}")
    assert not problems, "\n".join(problems)
