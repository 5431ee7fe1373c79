"""Instant feedback for the notebooks' exercises.

:func:`check` compares a learner's answer with the value the course computes
and prints one line of feedback: correct, not answered yet, or what is wrong
and a hint. It never raises, whatever the answer is, so a notebook with an
unfinished exercise still runs top to bottom; and it never prints the
expected value, so the check does not give the answer away.
"""

from __future__ import annotations

import numpy as np

CORRECT = "✅ Correct"
NOT_YET = "⏳ Not answered yet"
WRONG = "❌ Not yet"


def _feedback(answer, expected, tol: float) -> tuple[bool, str]:
    if answer is None or answer is Ellipsis:
        return False, f"{NOT_YET}: replace the placeholder with your answer and run the cell again."
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        kind = type(answer).__name__
        return False, f"{WRONG}: your answer ({kind}) is not a number or an array of numbers."
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        if got.size == want.size:
            return False, (
                f"{WRONG}: the numbers may be right but the shape is {got.shape}; "
                f"the answer has shape {want.shape} (try .reshape)."
            )
        return (
            False,
            f"{WRONG}: your answer has shape {got.shape}; the answer has shape {want.shape}.",
        )
    if not np.all(np.isfinite(got)):
        return False, f"{WRONG}: your answer contains nan or inf."
    close = np.isclose(got, want, rtol=tol, atol=tol)
    if close.all():
        return True, f"{CORRECT}!"
    if got.ndim == 0:
        direction = "too large" if got > want else "too small"
        return False, f"{WRONG}: {float(got):g} is {direction}."
    wrong = np.argwhere(~close)
    first = tuple(int(i) for i in wrong[0])
    where = (
        f"row {first[0]}, column {first[1]}"
        if got.ndim == 2
        else f"index {first if got.ndim > 1 else first[0]}"
    )
    return False, f"{WRONG}: {len(wrong)} of {got.size} entries differ; the first is at {where}."


def check(answer, expected, *, hint: str = "", tol: float = 1e-6, quiet: bool = False) -> bool:
    """Compare ``answer`` with ``expected`` and print feedback; return whether it is right.

    Parameters
    ----------
    answer : number, array_like, None or Ellipsis
        The learner's answer; ``None`` or ``...`` means "not answered yet".
    expected : number or array_like
        The value the course computes.
    hint : str
        Printed after a wrong answer.
    tol : float
        Relative and absolute tolerance.
    quiet : bool
        Return the verdict without printing.

    Returns
    -------
    bool

    Examples
    --------
    >>> check(None, 4)
    ⏳ Not answered yet: replace the placeholder with your answer and run the cell again.
    False
    >>> check(4, 4)
    ✅ Correct!
    True
    >>> check([[1, 2], [3, 5]], [[1, 2], [3, 4]], hint="Look at the last window.")
    ... # doctest: +ELLIPSIS
    ❌ Not yet: 1 of 4 entries differ; the first is at row 1, column 1. Hint: Look at...
    False
    >>> check("four", 4)
    ❌ Not yet: your answer (str) is not a number or an array of numbers.
    False
    """
    ok, message = _feedback(answer, expected, tol)
    if not ok and hint:
        message += f" Hint: {hint}"
    if not quiet:
        print(message)
    return ok


def check_choice(answer, correct, *, options=None, hint: str = "", quiet: bool = False) -> bool:
    """Check a multiple-choice answer (a letter or a word), case-insensitively.

    Examples
    --------
    >>> check_choice("b", "B", options="ABCD")
    ✅ Correct!
    True
    >>> check_choice("e", "B", options="ABCD")
    ❌ Not yet: choose one of A, B, C, D.
    False
    """
    if answer is None or answer is Ellipsis:
        message, ok = (
            f"{NOT_YET}: set the answer to one of the options and run the cell again.",
            False,
        )
    elif not isinstance(answer, str):
        message, ok = f"{WRONG}: answer with a string such as 'A'.", False
    else:
        norm = answer.strip().lower()
        if options is not None and norm not in [str(o).lower() for o in options]:
            message, ok = f"{WRONG}: choose one of {', '.join(str(o) for o in options)}.", False
        elif norm == str(correct).lower():
            message, ok = f"{CORRECT}!", True
        else:
            message, ok = (
                f"{WRONG}: that is not the one." + (f" Hint: {hint}" if hint else ""),
                False,
            )
    if not quiet:
        print(message)
    return ok
