"""Feedback that fits the kind of answer, for :mod:`cnn_utils.exercises`.

Each ``judge_<kind>(answer, exercise)`` returns ``(correct, words)``: whether the
answer is right and, when it is not, one short phrase that says what is wrong
in terms of the answer the student gave. No phrase contains the expected
value, except a function exercise's test case, which names what one case of
the student's function should have returned.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

_MAX_SHOWN = 40


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
            return f"{value:g}" if isinstance(value, numbers.Real) else repr(value)
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
        answer = answer.reshape(-1)[0].item()
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
    return value, ""


def judge_number(answer, exercise):
    value, why = _number(answer)
    if value is None:
        return False, why
    want = float(exercise.value())
    if np.isclose(value, want, rtol=exercise.tol, atol=exercise.tol):
        return True, ""
    if exercise.compare_size:
        return False, f"{value:g} is {'too large' if value > want else 'too small'}"
    return False, f"not {value:g}"


def judge_label(answer, exercise):
    want = exercise.value()
    if isinstance(want, str):
        if not isinstance(answer, str):
            return False, f"your answer is {shown(answer)}; give a name in quotes"
        right = answer.strip().casefold() == want.strip().casefold()
        return right, "" if right else f"not {answer.strip()!r}"
    value, why = _number(answer)
    if value is None:
        return False, why.replace("a number", "a whole number")
    if value == want:
        return True, ""
    return False, f"not {value:g}"


def judge_choice(answer, exercise):
    letters = exercise.choices.upper()
    options = ", ".join(letters[:-1]) + f" or {letters[-1]}"
    if not isinstance(answer, str):
        return False, f"your answer is {shown(answer)}; answer with a letter, {options}"
    letter = answer.strip().strip(".()[]'\" ").upper()
    if len(letter) != 1 or letter not in letters:
        return False, f"{answer.strip()!r} is not one of the options; answer with {options}"
    if letter == str(exercise.value()).upper():
        return True, ""
    return False, f"not {letter}"


def judge_array(answer, exercise):
    if exercise.apply is None:
        return compare_arrays(answer, np.asarray(exercise.value(), dtype=float), exercise.tol)
    expected = np.asarray(exercise.value(), dtype=float)
    right, why = compare_arrays(answer, expected, exercise.tol)
    if right or "differ" not in why:   # right, or wrong in a way that gives nothing away
        return right, why
    want = np.asarray(exercise.apply(expected), dtype=float)
    try:
        made = exercise.apply(answer)
    except Exception as error:  # the student's answer could not be used at all
        return False, f"your answer cannot be used here ({type(error).__name__}: {error})"
    return compare_arrays(made, want, exercise.tol, exercise.applied, "it should be")


def compare_arrays(answer, want: np.ndarray, tol: float, whose: str = "your answer",
                   theirs: str = "the answer"):
    """Compare an array-like answer with ``want``; say in words what differs.

    ``whose`` and ``theirs`` name the two in the sentence ("your answer", "the answer").
    """
    if whose == "your answer" and isinstance(answer, (list, tuple, np.ndarray)):
        whose = f"your {'array' if isinstance(answer, np.ndarray) else type(answer).__name__}"
    if answer is None or isinstance(answer, (str, bool, np.bool_, dict, set)):
        return False, f"{whose} is {shown(answer)}; give a list or an array of numbers"
    if isinstance(answer, numbers.Number) or (isinstance(answer, np.ndarray) and answer.ndim == 0):
        return False, f"{whose} is a single number ({shown(answer)}); {theirs} {_size_words(want)}"
    try:
        got = np.asarray(answer)
        if got.dtype.kind not in "iuf":  # text, complex, truth values and objects are not numbers
            raise TypeError(got.dtype)
        got = got.astype(float)
    except Exception:  # ragged lists, text, objects that refuse to become numbers
        return False, f"{whose} holds something other than numbers, or rows of unequal length"
    if got.shape != want.shape:
        words = f"{whose} {_size_words(got)}; {theirs} {_size_words(want)}"
        if got.size == want.size:
            words += " (the same number of entries, arranged differently)"
        return False, words
    if not np.all(np.isfinite(got)):
        return False, f"{whose} contains nan or inf"
    close = np.isclose(got, want, rtol=tol, atol=tol)
    if close.all():
        return True, ""
    wrong = np.argwhere(~close)
    return False, (f"{len(wrong)} of {got.size} entries of {whose} differ; "
                   f"the first is at {_position(wrong[0], got.ndim)}")


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
        value, why = _number(got)
        if value is None:
            return False, f"it returned {shown(got)}; expected the number {float(wanted):g}"
        right = bool(np.isclose(value, float(wanted), rtol=tol, atol=tol))
        return right, "" if right else f"it returned {value:g}; expected {float(wanted):g}"
    right, why = compare_arrays(got, wanted, tol, "the result", "the right result")
    if right:
        return True, ""
    if wanted.size <= 16:
        text = np.array2string(wanted, precision=4, separator=", ", max_line_width=10**6)
        why += f"; expected {' '.join(text.split())}"
    return False, why


def judge_function(answer, exercise):
    if not callable(answer):
        return False, (f"your answer is {shown(answer)}; give the function itself "
                       "(its name, without brackets)")
    reference = exercise.value()
    for case in exercise.test_cases():
        want = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        try:
            got = answer(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except (Exception, SystemExit) as error:
            return False, f"for {case.name}, your function raised {type(error).__name__}: {error}"
        try:
            right, why = _compare_results(got, want, exercise.tol)
        except Exception:
            right, why = False, f"it returned {shown(got)}, which could not be compared"
        if not right:
            return False, f"for {case.name}: {why}"
    return True, ""


JUDGES = {
    "number": judge_number,
    "label": judge_label,
    "choice": judge_choice,
    "array": judge_array,
    "function": judge_function,
}
