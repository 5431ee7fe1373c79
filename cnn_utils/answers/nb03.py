"""Exercises of notebook 03, Padding and stride (the quiz)."""

from ..exercises import register


def _keras_total_padding():
    # The book's formula takes the total padding P; Keras' padding=2 is per side.
    from ..shapes import output_size

    keras_size = output_size(12, 5, padding=2)
    book = {letter: 12 + total - 5 + 1 for letter, total in zip("ABC", (1, 2, 4), strict=True)}
    return next(letter for letter, size in book.items() if size == keras_size)


def _same_padding():
    from ..shapes import output_size

    return next(p for p in range(20) if output_size(20, 11, padding=p) == 20)


def _output_size(*args, **kwargs):
    from ..shapes import output_size

    return output_size(*args, **kwargs)


def _dropped_columns():
    from ..shapes import explain_output_size

    return explain_output_size(10, 3, stride=3).dropped


def _conv_params():
    from ..shapes import conv_params

    return conv_params(5, 3, 16)


register(
    "03.1", "number", compare_size=True,
    expected=lambda: _output_size(32, 5, stride=2, padding=2),
    hints=("Use the output-size formula with p as the padding on each side.",
           "Add twice the padding to 32, take away the filter size, divide by the stride and "
           "round down, and only then add 1."),
)
register(
    "03.2", "number", expected=_same_padding, compare_size=True,
    hints=("Set the output size equal to the input size n in the formula at stride 1.",
           "Write the formula with the output equal to n: n cancels, and what is left ties "
           "the padding to the filter size alone. Solve that for p."),
)
register(
    "03.3", "number", expected=_dropped_columns, compare_size=True,
    hints=("Write down where each window starts and which columns it covers.",
           "Windows start at 0, 3, 6, ... as long as start + 3 is at most 10; count the columns "
           "after the last column the last window covers."),
)
register(
    "03.4", "number", expected=_conv_params, compare_size=True,
    hints=("A filter on a colour image is not flat: how deep is it?",
           "Each filter is 5 x 5 x 3 weights plus one bias, and the layer has 16 filters."),
)
register(
    "03.5", "choice", expected=_keras_total_padding, choices="ABC",
    hints=("Keras' padding is per side. How many rows does it add in total?",
           "Keras adds its padding on every side; the book's P counts the rows added at the top "
           "and at the bottom together."),
)
