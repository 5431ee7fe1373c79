"""Exercises of notebook 05, Channels and filters."""

import numpy as np

from ..exercises import register

# Exercise 4's options, as the notebook lists them: weight shapes (kh, kw, C_in, C_out).
_WEIGHT_OPTIONS = {"A": (3, 3, 3, 16), "B": (3, 3, 16, 32), "C": (5, 5, 1, 16), "D": (16, 16, 3, 3)}


def _output_shape():
    from ..conv import conv2d

    colour_image = np.zeros((1, 64, 64, 3))
    ten_filters = np.zeros((3, 3, 3, 10))
    return conv2d(colour_image, ten_filters).shape[1:]


def _tiny_example():
    """The notebook's 3 x 3 x 3 input and 2 x 2 x 3 filter (seed 5), and the bias 1."""
    rng = np.random.default_rng(5)
    tiny = rng.integers(0, 4, size=(3, 3, 3)).astype(float)
    tiny_filter = rng.integers(-1, 2, size=(2, 2, 3)).astype(float)
    return tiny, tiny_filter, 1.0


def _top_left_activation():
    from ..conv import conv2d

    tiny, tiny_filter, tiny_bias = _tiny_example()
    return conv2d(tiny[None], tiny_filter[:, :, :, None], np.array([tiny_bias]))[0, 0, 0, 0]


def _layer_params():
    from ..shapes import conv_params

    return conv_params(3, 8, 16)


def _fitting_weights():
    # The option conv2d accepts on a 28 x 28 x 16 input; the others raise ValueError.
    from ..conv import conv2d

    fits = []
    for letter, shape in _WEIGHT_OPTIONS.items():
        try:
            conv2d(np.zeros((1, 28, 28, 16)), np.zeros(shape))
        except ValueError:
            continue
        fits.append(letter)
    (only,) = fits
    return only


register(
    "05.1", "array", expected=_output_shape,
    hints=("Work out the height and width first, then ask what each filter makes.",
           "Height and width follow n - f + 1. The depth is one map per filter: the image's "
           "three colour channels are summed inside each filter and do not appear in the output."),
)
register(
    "05.2", "number", expected=_top_left_activation,
    hints=("Use only rows 0-1 and columns 0-1 of every channel, and remember the bias.",
           "For each channel, multiply its top-left 2 x 2 block by that channel's kernel entry "
           "by entry and add the four products. Then add the three channel sums and the bias."),
)
register(
    "05.3", "number", expected=_layer_params, compare_size=True,
    hints=("How deep is each filter, and how many biases does one filter have?",
           "A filter is as deep as its input and has one bias of its own: count one filter's "
           "numbers, then multiply by the number of filters. The 28 x 28 does not matter."),
)
register(
    "05.4", "choice", expected=_fitting_weights, choices="ABCD",
    hints=("Which of the four numbers of a weight shape has to agree with the input?",
           "The third number, C_in, must equal the input's depth; the fourth can be anything."),
)
