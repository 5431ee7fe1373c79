"""Exercises of notebook 01, Why CNNs."""

import numpy as np

from ..exercises import register


def _small_photo_shape():
    from ..datasets import load_photo

    return load_photo(max_size=60).shape


def _numbers_left():
    from ..datasets import load_photo

    return load_photo(gray=True)[::4, ::4].size


def _dense_layer_params():
    from ..shapes import dense_params

    return dense_params(28 * 28, 100)


def _pixels_seen_by_output_0():
    # Output 0 depends on pixel k exactly when an image with a single 1 at pixel k
    # moves it; an all-ones filter makes every pixel in the window count.
    from ..conv import correlate2d

    seen = []
    for k in range(36):
        one_pixel = np.zeros(36)
        one_pixel[k] = 1.0
        if correlate2d(one_pixel.reshape(6, 6), np.ones((3, 3)))[0, 0] != 0:
            seen.append(k)
    return seen


register(
    "01.1", "array", expected=_small_photo_shape,
    hints=("The height is the longer side. What does it become, and does the width shrink "
           "by the same factor?",
           "The height becomes 60, so every length is multiplied by 60 over the full height; "
           "round the new width to a whole pixel. Does shrinking touch the colour channels?"),
)
register(
    "01.2", "number", expected=_numbers_left, compare_size=True,
    hints=("Count the rows that are kept and the columns that are kept, separately.",
           "Rows 0, 4, 8, ... are kept: that is the height divided by 4, rounded up. "
           "Do the same for the width, then multiply."),
)
register(
    "01.3", "number", expected=_dense_layer_params, compare_size=True,
    hints=("Count the parameters of one neuron first: what does it multiply, and what does "
           "it add?",
           "One neuron has one weight per pixel, 28 x 28 of them, plus one bias; "
           "the layer has 100 such neurons."),
)
register(
    "01.4", "array", expected=_pixels_seen_by_output_0,
    hints=("Output 0 is the top-left window. Which image rows and columns does it cover?",
           "The window covers image rows 0 to 2 and columns 0 to 2; turn each of those nine "
           "pixels into its column number 6 i + j and list them from small to large."),
)
