"""Feedback that fits the kind of answer, for :mod:`cnn_utils.exercises`.

Each ``judge_<kind>(answer, exercise)`` returns a :class:`Judgement`: whether
the answer is right and, when it is not, one short phrase that says what is
wrong in terms of the answer the student gave, and whether the answer counts
as a try. An answer of the wrong form (None, text for a number, a number for a
list...) is a slip, not a try: it gets a phrase that says what was received
and does not move the student on to the stronger hint. No phrase contains the
expected value, except a function exercise's test case, which names what one
case of the student's function should have returned. Numbers are shown as the
student gave them, never rounded, so "196608.3 is too large" cannot read as
"196608 is too large".
"""

from __future__ import annotations

import copy
import numbers
from typing import NamedTuple

import numpy as np

_MAX_SHOWN = 40
_WHOLE_DIGITS = 15  # whole numbers this long are written out in full, without exponent
_MAX_ENTRIES_READ = 10_000  # how far a nested answer is searched for what is not a number


class Judgement(NamedTuple):
    """A verdict: right or not, the phrase that says why not, and whether it was a try."""

    correct: bool
    words: str = ""
    counts: bool = True


def malformed(words: str) -> Judgement:
    """A wrong answer of the wrong form: said in ``words``, not counted as a try."""
    return Judgement(False, words, counts=False)


_WANTED = {"number": "a number", "label": "an answer", "choice": "a letter",
           "array": "a list or an array of numbers", "function": "a function"}


def judge(answer, exercise) -> Judgement:
    """Judge ``answer`` by ``exercise.kind``; None gets its own explanation."""
    if answer is None:
        return malformed(
            f"your answer is None, not {_WANTED.get(exercise.kind, 'an answer')} (a method "
            "such as list.sort() changes its list in place and returns None, and so does a "
            "function without a return statement)"
        )
    return JUDGES[exercise.kind](answer, exercise)


def number_text(value) -> str:
    """A real number as the student gave it, with every digit that tells it apart.

    Whole numbers are written in full up to 15 digits; other numbers with the
    fewest digits that identify them in their own precision (float32 stays
    short), so a wrong number never reads as the right one.

    >>> number_text(196608.3), number_text(1966080.0), number_text(3.0000001)
    ('196608.3', '1966080', '3.0000001')
    >>> number_text(np.float32(0.1)), number_text(2.5e-08), number_text(10**20)
    ('0.1', '2.5e-08', '1e+20')
    """
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0]
    if isinstance(value, numbers.Integral) and abs(int(value)) < 10**_WHOLE_DIGITS:
        return str(int(value))
    x = value if isinstance(value, np.floating) else np.float64(float(value))
    if not np.isfinite(x):
        return str(float(x))
    if float(x).is_integer() and abs(x) < 10**_WHOLE_DIGITS:
        return str(int(x))
    if 1e-5 <= abs(x) < 10**_WHOLE_DIGITS:
        return np.format_float_positional(x, unique=True, trim="-")
    return np.format_float_scientific(x, unique=True, trim="-")


def shown(value) -> str:
    """A short, safe description of any value (a student's answer can be anything)."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return f"the truth value {bool(value)}"
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "..."
        return f"the text {text!r}"
    if isinstance(value, numbers.Number):
        try:
            return number_text(value) if isinstance(value, numbers.Real) else repr(value)
        except (OverflowError, ValueError, TypeError):
            return "a number too large to show"
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.size == 1:
            return shown(value.reshape(-1)[0].item())
        return f"a {_shape_words(value.shape)} array"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {_entries(len(value))}"
    return f"an object of type {type(value).__name__}"


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _shape_words(shape) -> str:
    return " x ".join(str(n) for n in shape) if shape else "single-number"


def _number(answer):
    """Return the answer as a float, or None with a phrase saying why it is not a number."""
    if isinstance(answer, (bool, np.bool_)):
        return None, f"your answer is {shown(answer)}; give a number"
    if isinstance(answer, str):
        return None, f"your answer is {shown(answer)}; give a number, without quotes"
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.reshape(-1)[0]
        answer = answer.item() if answer.dtype.kind not in "iuf" else answer
    if isinstance(answer, (list, tuple, np.ndarray)):
        return None, f"your answer is {shown(answer)}; give a single number"
    if not isinstance(answer, numbers.Real):
        return None, f"your answer is {shown(answer)}, not a number"
    try:
        value = float(answer)
    except (OverflowError, ValueError, TypeError):
        return None, "your answer is too large to be a number of this course"
    if not np.isfinite(value):
        return None, f"your answer is {value}; give a finite number"
    return value, number_text(answer)


def judge_number(answer, exercise):
    value, text = _number(answer)
    if value is None:
        return malformed(text)
    want = float(exercise.value())
    if np.isclose(value, want, rtol=exercise.tol, atol=exercise.tol):
        return Judgement(True)
    if exercise.compare_size:
        return Judgement(False, f"{text} is {'too large' if value > want else 'too small'}")
    return Judgement(False, f"not {text}")


def judge_label(answer, exercise):
    want = exercise.value()
    if isinstance(want, str):
        if not isinstance(answer, str):
            return malformed(f"your answer is {shown(answer)}; give a name in quotes")
        right = answer.strip().casefold() == want.strip().casefold()
        return Judgement(right, "" if right else f"not {answer.strip()!r}")
    value, text = _number(answer)
    if value is None:
        return malformed(text.replace("a number", "a whole number"))
    if value == want:
        return Judgement(True)
    return Judgement(False, f"not {text}")


def judge_choice(answer, exercise):
    letters = exercise.choices.upper()
    options = ", ".join(letters[:-1]) + f" or {letters[-1]}"
    if not isinstance(answer, str):
        return malformed(f"your answer is {shown(answer)}; answer with a letter, {options}")
    letter = answer.strip().strip(".()[]'\" ").upper()
    if len(letter) != 1 or letter not in letters:
        return malformed(f"{answer.strip()!r} is not one of the options; answer with {options}")
    if letter == str(exercise.value()).upper():
        return Judgement(True)
    return Judgement(False, f"not {letter}")


def judge_array(answer, exercise):
    if exercise.apply is None:
        return compare_arrays(answer, np.asarray(exercise.value(), dtype=float), exercise.tol)
    expected = np.asarray(exercise.value(), dtype=float)
    judgement = compare_arrays(answer, expected, exercise.tol)
    if judgement.correct or "differ" not in judgement.words:  # nothing given away
        return judgement
    want = np.asarray(exercise.apply(expected), dtype=float)
    try:
        made = exercise.apply(answer)
    except Exception as error:  # the student's answer could not be used at all
        why = f"your answer cannot be used here ({type(error).__name__}: {error})"
        return Judgement(False, why)
    right, why, _ = compare_arrays(made, want, exercise.tol, exercise.applied, "it should be")
    return Judgement(right, why)


def compare_arrays(answer, want: np.ndarray, tol: float, whose: str = "your answer",
                   theirs: str = "the answer"):
    """Compare an array-like answer with ``want``; say in words what differs.

    ``whose`` and ``theirs`` name the two in the sentence ("your answer", "the answer").
    """
    if whose == "your answer" and isinstance(answer, (list, tuple, np.ndarray)):
        whose = f"your {'array' if isinstance(answer, np.ndarray) else type(answer).__name__}"
    if answer is None or isinstance(answer, (str, bool, np.bool_, dict, set)):
        return malformed(f"{whose} is {shown(answer)}; give a list or an array of numbers")
    if isinstance(answer, numbers.Number) or (isinstance(answer, np.ndarray) and answer.ndim == 0):
        return malformed(
            f"{whose} is a single number ({shown(answer)}); {theirs} {_size_words(want)}"
        )
    try:
        got = np.asarray(answer)
        if got.dtype.kind not in "iuf":  # text, complex, truth values and objects are not numbers
            raise TypeError(got.dtype)
        got = got.astype(float)
    except Exception:  # ragged lists, text, objects that refuse to become numbers
        return malformed(_not_numbers(answer, whose, want))
    if got.shape != want.shape:
        words = f"{whose} {_size_words(got)}; {theirs} {_size_words(want)}"
        if got.size == want.size:
            words += " (the same number of entries, arranged differently)"
        return Judgement(False, words)
    if not np.all(np.isfinite(got)):
        return malformed(f"{whose} contains nan or inf")
    close = np.isclose(got, want, rtol=tol, atol=tol)
    if close.all():
        return Judgement(True)
    wrong = np.argwhere(~close)
    return Judgement(False, f"{len(wrong)} of {got.size} entries of {whose} differ; "
                            f"the first is at {_position(wrong[0], got.ndim)}")


def _first_non_number(answer):
    """``(index, entry)`` of the first entry of a nested answer that is not a real number.

    ``None`` when every entry read is a number (the rows then differ in length).
    """
    stack, read = [((), answer)], 0
    while stack and read < _MAX_ENTRIES_READ:
        index, item = stack.pop()
        read += 1
        if isinstance(item, np.ndarray) and item.dtype.kind in "iuf":
            continue
        if isinstance(item, (list, tuple, np.ndarray)):
            entries = item.tolist() if isinstance(item, np.ndarray) else list(item)
            if not isinstance(entries, list):  # a 0-d array of text or objects
                return index, entries
            stack.extend((index + (i,), e) for i, e in reversed(list(enumerate(entries))))
        elif isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            return index, item
    return None


def _unequal_rows(answer):
    """``(index, length, other length)`` of the first list whose rows differ in length."""
    stack = [((), answer)]
    while stack:
        index, item = stack.pop()
        rows = list(item) if isinstance(item, (list, tuple, np.ndarray)) else []
        sizes = [len(r) if isinstance(r, (list, tuple, np.ndarray)) else 1 for r in rows]
        for i, size in enumerate(sizes):
            if size != sizes[0]:
                return index + (i,), sizes[0], size
        stack.extend((index + (i,), r) for i, r in enumerate(rows))
    return None


def _not_numbers(answer, whose: str, want: np.ndarray) -> str:
    """Say what in ``answer`` stops it from being an array of numbers."""
    whole = want.size and np.all(np.isfinite(want)) and np.all(want == np.round(want))
    numbers_wanted = "whole numbers" if whole else "numbers"
    try:
        found = _first_non_number(answer)
        if found is not None:
            index, entry = found
            where = f" at {_position(index, len(index))}" if index else ""
            if entry is None:
                return f"{whose} holds None{where}, not a number; give {numbers_wanted} only"
            quotes = " without quotes" if isinstance(entry, (str, bytes, np.str_)) else " only"
            return (f"{whose} holds {shown(entry)}{where}, not a number; "
                    f"give {numbers_wanted}{quotes}")
        unequal = _unequal_rows(answer)
        if unequal is not None:
            index, first, other = unequal
            return (f"{whose} has rows of unequal length: {_entries(other)} at "
                    f"{_position(index, len(index))}, {_entries(first)} in the first; "
                    "every row needs the same number of entries")
    except Exception:  # an answer that refuses to be read entry by entry
        pass
    return f"{whose} holds something other than numbers, or rows of unequal length"


def _size_words(array: np.ndarray) -> str:
    if array.ndim == 1:
        return f"has {_entries(array.size)}"
    return f"is {_shape_words(array.shape)}"


def _position(index, ndim: int) -> str:
    index = [int(i) for i in index]
    if ndim == 1:
        return f"position {index[0]} (counted from 0)"
    if ndim == 2:
        return f"row {index[0]}, column {index[1]} (counted from 0)"
    return f"index {tuple(index)}"


def _compare_results(got, want, tol: float):
    """Compare one returned value with the reference's, numbers, arrays or tuples of them."""
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            return False, f"it returned {shown(got)}; expected a tuple of {_entries(len(want))}"
        for position, (part, wanted) in enumerate(zip(got, want, strict=True)):
            right, why = _compare_results(part, wanted, tol)
            if not right:
                return False, f"in part {position} of the tuple it returned, {why}"
        return True, ""
    if got is None:
        return False, "your function returned None (is a return statement missing?)"
    if got is Ellipsis:
        return False, "your function still returns the placeholder ..."
    wanted = np.asarray(want, dtype=float)
    if wanted.ndim == 0:
        value, text = _number(got)
        expected = number_text(float(wanted))
        if value is None:
            return False, f"it returned {shown(got)}; expected the number {expected}"
        right = bool(np.isclose(value, float(wanted), rtol=tol, atol=tol))
        return right, "" if right else f"it returned {text}; expected {expected}"
    right, why, _ = compare_arrays(got, wanted, tol, "the result", "the right result")
    if right:
        return True, ""
    if wanted.size <= 16:
        text = np.array2string(wanted, precision=4, separator=", ", max_line_width=10**6)
        why += f"; expected {' '.join(text.split())}"
    return False, why


def judge_function(answer, exercise):
    if not callable(answer):
        return malformed(f"your answer is {shown(answer)}; give the function itself "
                         "(its name, without brackets)")
    reference = exercise.value()
    for case in exercise.test_cases():
        want = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        try:
            got = answer(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except (Exception, SystemExit) as error:
            why = f"for {case.name}, your function raised {type(error).__name__}: {error}"
            return Judgement(False, why)
        try:
            right, why = _compare_results(got, want, exercise.tol)
        except Exception:
            right, why = False, f"it returned {shown(got)}, which could not be compared"
        if not right:
            return Judgement(False, f"for {case.name}: {why}")
    return Judgement(True)


JUDGES = {
    "number": judge_number,
    "label": judge_label,
    "choice": judge_choice,
    "array": judge_array,
    "function": judge_function,
}
