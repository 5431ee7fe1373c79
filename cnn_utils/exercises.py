"""Exercises: checks that say what is wrong, hints in two stages, and progress.

Every exercise of the course has an id such as ``"02.1"`` (notebook 02, exercise 1).
Its expected answer, its kind and its two hints are registered in the module
``cnn_utils.answers.nb02`` (see :func:`register`), where the answer is computed
by course code; the notebook itself only calls

>>> import cnn_utils as cu
>>> cu.check("00.1", ...)
Not answered yet: replace the ... with your answer and run the cell again.
False

:func:`check` prints one line and returns whether the answer is right. It never
raises, whatever it is given, and it never shows the expected answer. The first
wrong answer to an exercise gets a nudge, later ones a stronger hint; an answer
of the wrong form (None, text for a number, a number for a list) is told what
was received and does not count as a try. Only the placeholder ``...`` means
"not answered yet". :func:`progress` lists which exercises of a notebook are solved in this session.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._feedback import JUDGES, judge

CORRECT = "✓ Correct"
WRONG = "✗ Not yet"
NOT_ANSWERED = "Not answered yet"
_ID = re.compile(r"^(\d\d)\.(\d+)$")


@dataclass(frozen=True)
class Case:
    """One call of a student's function: ``name`` says the input in words."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    """One registered exercise; see :func:`register` for the fields."""

    id: str
    kind: str
    expected: Callable[[], Any]
    hints: tuple[str, str]
    tol: float = 1e-6
    compare_size: bool = False
    choices: str = ""
    cases: Callable[[], Sequence[Case]] | None = None
    apply: Callable[[Any], Any] | None = None
    applied: str = ""

    def value(self):
        """The expected answer (for "function", the reference function), computed once."""
        if self.id not in _EXPECTED:
            _EXPECTED[self.id] = self.expected()
        return _EXPECTED[self.id]

    def test_cases(self) -> list[Case]:
        return list(self.cases()) if self.cases else []


_REGISTRY: dict[str, Exercise] = {}
_EXPECTED: dict[str, Any] = {}
_WRONG_TRIES: dict[str, int] = {}  # wrong answers of the right form: they stage the hints
_TRIED: set[str] = set()  # any answer given, for progress
_SOLVED: set[str] = set()


def register(exercise_id: str, kind: str, expected: Callable[[], Any], hints: Sequence[str],
             *, tol: float = 1e-6, compare_size: bool = False, choices: str = "",
             cases: Callable[[], Sequence[Case]] | None = None,
             apply: Callable[[Any], Any] | None = None, applied: str = "") -> Exercise:
    """Register one exercise (called by the modules of :mod:`cnn_utils.answers`).

    Parameters
    ----------
    exercise_id : str
        ``"NN.K"``: exercise K of notebook NN.
    kind : {"number", "label", "choice", "array", "function"}
        How answers are compared and described: a number within ``tol``; a label,
        index, class or count that must be exact; a letter among ``choices``; an
        array, list or tuple of numbers within ``tol``; a function called on ``cases``.
    expected : callable
        Called with no arguments, once, when the answer is first needed; returns the
        expected answer computed by course code (for "function", the reference
        function). Lazy, so that registering is cheap.
    hints : pair of str
        The nudge after the first wrong answer, the stronger hint after later ones.
        Neither may contain code or the answer.
    tol : float
        Relative and absolute tolerance for "number", "array" and "function".
    compare_size : bool
        For "number": say "too small" / "too large" (only where size means something).
    choices : str
        For "choice": the letters offered, e.g. ``"ABC"``.
    cases : callable, optional
        For "function": returns a list of :class:`Case`; the student's function and
        the reference are called on each, and the first disagreement is reported.
    apply : callable, optional
        For "array", where naming the wrong entries would give the solution away:
        compare ``apply(answer)`` with ``apply(expected)`` instead (a kernel is judged
        by the picture it makes). An error in ``apply`` is reported as the answer's.
    applied : str
        With ``apply``: names the applied answer in the feedback ("the image your
        kernel makes").

    Returns
    -------
    Exercise

    Raises
    ------
    ValueError
        If the id, kind, hints, choices or cases do not fit together.
    """
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise ValueError(f"an exercise id looks like '02.1', got {exercise_id!r}")
    if kind not in JUDGES:
        raise ValueError(f"kind must be one of {', '.join(JUDGES)}, got {kind!r}")
    if len(hints) != 2 or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ValueError(f"{exercise_id}: hints must be two non-empty strings, got {hints!r}")
    if (kind == "choice") != bool(choices):
        raise ValueError(f"{exercise_id}: choices go with kind 'choice' and only with it")
    if (kind == "function") != (cases is not None):
        raise ValueError(f"{exercise_id}: cases go with kind 'function' and only with it")
    if apply is not None and (kind != "array" or not applied):
        raise ValueError(f"{exercise_id}: apply goes with kind 'array' and needs `applied`")
    exercise = Exercise(exercise_id, kind, expected, tuple(hints), tol, compare_size,
                        choices.upper(), cases, apply, applied)
    _REGISTRY[exercise_id] = exercise
    _EXPECTED.pop(exercise_id, None)
    return exercise


def _notebook_of(notebook) -> str:
    text = str(notebook).strip()
    digits = re.match(r"\d+", text)
    return digits.group(0).zfill(2)[:2] if digits else text


def _load(notebook: str) -> list[Exercise]:
    """Import the answers module of ``notebook`` ("02") and return its exercises in order."""
    try:
        importlib.import_module(f"{__package__}.answers.nb{notebook}")
    except ModuleNotFoundError as error:
        if error.name != f"{__package__}.answers.nb{notebook}":
            raise
    found = [ex for key, ex in _REGISTRY.items() if key.startswith(f"{notebook}.")]
    return sorted(found, key=lambda ex: int(ex.id.split(".")[1]))


def _verdict(exercise_id, answer) -> tuple[bool, str]:
    match = _ID.match(exercise_id) if isinstance(exercise_id, str) else None
    if match is None:
        return False, (f"{WRONG}: the first thing to give check is the exercise's id, "
                       f"such as '02.1'; got {exercise_id!r:.40}.")
    known = {ex.id: ex for ex in _load(match.group(1))}
    if exercise_id not in known:
        ids = ", ".join(known) or "none"
        return False, f"{WRONG}: there is no exercise {exercise_id} (this notebook's: {ids})."
    exercise = known[exercise_id]
    if answer is Ellipsis or _is_placeholder_function(answer):
        return False, f"{NOT_ANSWERED}: replace the ... with your answer and run the cell again."
    exercise.value()  # a fault here is the course's, reported by check as such
    _TRIED.add(exercise_id)
    try:
        right, why, counts = judge(answer, exercise)
    except Exception as error:  # an answer that breaks every reading of it is still wrong
        right, why, counts = False, (f"your answer could not be read "
                                     f"({type(error).__name__}: {error})"), False
    if right:
        _SOLVED.add(exercise_id)
        return True, f"{CORRECT}: exercise {exercise_id} solved."
    if not counts:  # a slip of form: say what was received, keep the hint where it was
        return False, f"{WRONG}: {why}."
    _WRONG_TRIES[exercise_id] = _WRONG_TRIES.get(exercise_id, 0) + 1
    first = _WRONG_TRIES[exercise_id] == 1
    hint = f"Hint: {exercise.hints[0]}" if first else f"Stronger hint: {exercise.hints[1]}"
    return False, f"{WRONG}: {why}. {hint}"


def _is_placeholder_function(answer) -> bool:
    """Is ``answer`` a function whose body is still only ``...`` (or ``return ...``)?"""
    if not inspect.isfunction(answer):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(answer)))
    except (OSError, TypeError, SyntaxError):  # no source to read (made by exec, a lambda, ...)
        return False
    function = tree.body[0] if tree.body else None
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # a docstring is not an answer
    placeholder = (ast.Expr, ast.Return)
    return len(body) == 1 and isinstance(body[0], placeholder) and \
        isinstance(body[0].value, ast.Constant) and body[0].value.value is Ellipsis


def check(exercise_id: str, answer) -> bool:
    """Check ``answer`` to exercise ``exercise_id``, print one line of feedback, return the verdict.

    Never raises: a wrong type, a broken function or an unknown id all get a sentence.

    Parameters
    ----------
    exercise_id : str
        The exercise's id, as the notebook shows it (``"02.1"``).
    answer : object
        The student's answer; ``...`` means "not answered yet". None is an answer
        (often of a method such as ``list.sort()`` that returns None) and is told so.

    Returns
    -------
    bool
        True when the answer is right.

    Examples
    --------
    >>> _reset_session()  # as after a kernel restart
    >>> check("00.1", 256 * 256)
    ✗ Not yet: 65536 is too small. Hint: ...
    False
    >>> check("00.1", "three")
    ✗ Not yet: your answer is the text 'three'; give a number, without quotes.
    False
    >>> check("00.1", 196608.3)
    ✗ Not yet: 196608.3 is too large. Stronger hint: ...
    False
    >>> check("00.9", 1)
    ✗ Not yet: there is no exercise 00.9 (this notebook's: 00.1).
    False
    >>> _reset_session()
    """
    try:
        right, line = _verdict(exercise_id, answer)
    except Exception as error:  # a fault in the course's own answers must not stop a notebook
        right, line = False, (f"{WRONG}: this exercise could not be checked "
                              f"({type(error).__name__}: {error}); please tell your instructor.")
    print(" ".join(str(line).split()))  # one line, whatever an error message held
    return right


def progress(notebook="00") -> None:
    """Print which exercises of ``notebook`` ("02", 2 or a file name) are solved in this session.

    Examples
    --------
    >>> _reset_session()  # as after a kernel restart
    >>> progress("00")
    Notebook 00: 0 of 1 solved: 00.1 not answered.
    """
    try:
        number = _notebook_of(notebook)
        exercises = _load(number)
    except Exception as error:
        print(f"No progress to show for that notebook ({type(error).__name__}); "
              "give its number, such as '02'.")
        return
    if not exercises:
        print(f"Notebook {number} has no exercises.")
        return
    marks = []
    for ex in exercises:
        if ex.id in _SOLVED:
            marks.append(f"{ex.id} ✓")
        else:
            marks.append(f"{ex.id} {'not yet' if ex.id in _TRIED else 'not answered'}")
    solved = sum(ex.id in _SOLVED for ex in exercises)
    print(f"Notebook {number}: {solved} of {len(exercises)} solved: {', '.join(marks)}.")


def _expected(exercise_id: str):
    """The expected answer of a registered exercise (for the tests and the answer key)."""
    match = _ID.match(exercise_id)
    if match is None:
        raise ValueError(f"an exercise id looks like '02.1', got {exercise_id!r}")
    exercises = {ex.id: ex for ex in _load(match.group(1))}
    if exercise_id not in exercises:
        raise ValueError(f"there is no exercise {exercise_id}")
    return exercises[exercise_id].value()


def _exercises(notebook) -> list[Exercise]:
    """The registered exercises of ``notebook``, in order (for the tests and the answer key)."""
    return _load(_notebook_of(notebook))


def _reset_session() -> None:
    """Forget this session's attempts and solved exercises (as a kernel restart does)."""
    _WRONG_TRIES.clear()
    _TRIED.clear()
    _SOLVED.clear()

