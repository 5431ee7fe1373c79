"""The expected answers of the notebooks' exercises, one module per notebook.

``nb02.py`` registers the exercises of notebook 02 with
:func:`cnn_utils.exercises.register`. :func:`cnn_utils.exercises.check` imports
a notebook's module the first time one of its exercises is checked, so nothing
here runs before it is needed. An expected answer is computed by course code
(``cu.conv2d``, ``cu.output_size``, ``cu.load_example``, ...), inside a function
that takes no arguments, never typed as a literal the code could compute::

    from ..exercises import register

    register(
        "03.2", "number",
        expected=lambda: output_size(7, 3, padding=0, stride=2),
        hints=("How many window starts fit in 7 columns?",
               "Count the starts 0, 2, 4, ... for which the whole 3-wide window stays inside."),
        compare_size=True,
    )

The kinds: "number" (``tol``; ``compare_size=True`` where "too small" means
something), "label" (exact), "choice" (``choices="ABC"``), "array" (``tol``) and
"function" (``cases=lambda: [Case("a 4 x 4 input, padding 1", (x, 1)), ...]``,
with ``expected`` returning the reference function).
"""

from ..exercises import Case, register

__all__ = ["Case", "register"]
