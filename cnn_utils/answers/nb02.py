"""Exercises of notebook 02, Convolution step by step."""

import numpy as np

from ..exercises import register


def _example(name):
    from ..examples import load_example

    return load_example(name)


def _filter2_value():
    from ..conv import conv_step

    return conv_step(_example("six_by_six_image"), _example("filter2"), 3, 2).total


def _stride2_second_row():
    from ..conv import correlate2d

    return correlate2d(_example("six_by_six_image"), _example("filter1"), stride=2)[1]


def _filter_on_vertical_line():
    from ..conv import correlate2d

    vertical_line = np.zeros((6, 6))
    vertical_line[:, 2] = 1.0
    best1 = correlate2d(vertical_line, _example("filter1")).max()
    best2 = correlate2d(vertical_line, _example("filter2")).max()
    return "A" if best1 > best2 else "B" if best2 > best1 else "C"


def _output_shape():
    from ..shapes import output_size

    return (output_size(9, 3, stride=2), output_size(7, 3, stride=2))


register(
    "02.1", "number", expected=_filter2_value,
    hints=("Find the window first: output row 3, column 2 has its top-left corner at image "
           "row 3, column 2.",
           "The window covers image rows 3 to 5 and columns 2 to 4. Filter 2 multiplies the "
           "window's middle column by +1 and its two side columns by -1: count the ink in each."),
)
register(
    "02.2", "array", expected=_stride2_second_row,
    hints=("With stride 2, on which image row does the second output row start?",
           "The second output row's windows cover image rows 2 to 4: once columns 0 to 2, "
           "once columns 2 to 4. Multiply each window by Filter 1 and add up."),
)
register(
    "02.3", "choice", expected=_filter_on_vertical_line, choices="ABC",
    hints=("Put each filter on the window whose middle column is the line.",
           "Count, for each filter, how many of its +1 entries land on ink and how many -1 "
           "entries do; the larger total wins."),
)
register(
    "02.4", "array", expected=_output_shape,
    hints=("Count the window starts along the rows and along the columns separately.",
           "A window starting at row r covers rows r to r + 2 and must end by the last row. "
           "List the starts 0, 2, 4, ... that fit, for 9 rows and then for 7 columns."),
)
