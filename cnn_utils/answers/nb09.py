"""Exercises of notebook 09, What CNNs learn."""

import functools

import numpy as np

from ..exercises import register


@functools.cache
def _trained_model():
    # The lecture's model with the shipped weights, as the notebook loads them.
    from ..nn import load_trained_model

    return load_trained_model()


def _filter_output_shape():
    return _trained_model().get_layer("conv2d_1").output_shape[1:3]


def _top_conv3_filter():
    # The notebook's digit: the first 7 among the test digits.
    from ..datasets import load_mnist

    _, (x_test, y_test) = load_mnist()
    digit = x_test[int(np.flatnonzero(y_test == 7)[0])]
    maps = _trained_model().get_layer_output(digit[None], "conv2d_2")[0]
    return int(maps.sum(axis=(0, 1)).argmax())


def _blank_page():
    # A: every conv2 degree of activation is exactly 0 on an all-zero image; B: not necessarily.
    blank = np.zeros((1, 28, 28, 1), dtype=np.float32)
    a = _trained_model().get_layer_output(blank, "conv2d_1")[0].sum(axis=(0, 1))
    return "A" if np.all(a == 0) else "B"


def _segmentation_shape():
    # One probability per class at every pixel of a 64 x 48 x 3 photograph.
    photo = np.zeros((64, 48, 3))
    n_classes = 5
    return (*photo.shape[:2], n_classes)


register(
    "09.1", "array", expected=_filter_output_shape,
    hints=("A 3 x 3 convolution without padding takes n x n to (n - 2) x (n - 2); 2 x 2 max "
           "pooling with stride 2 halves the size.",
           "28 x 28 becomes 26 x 26 after the first convolution; take that through the pooling "
           "and the second convolution. To check, the layer's output shape has the axes digits, "
           "rows, columns, filters."),
)
register(
    "09.2", "label", expected=_top_conv3_filter,
    hints=("The degree of activation of filter k adds up every entry of its 3 x 3 map.",
           "Sum each of the 64 maps of the third convolution over its rows and columns, then "
           "find the position of the largest of the 64 sums."),
)
register(
    "09.3", "choice", expected=_blank_page, choices="AB",
    hints=("A convolution adds something to the weighted sum besides the pixels.",
           "Every filter has a bias. Where all pixels are 0, what does the first layer output, "
           "and what does the second layer add to what it sees?"),
)
register(
    "09.4", "array", expected=_segmentation_shape,
    hints=("The output describes every pixel; how many numbers does each pixel get?",
           "The output keeps the photograph's rows and columns; ask what the network gives at "
           "each pixel, and whether the input's colour channels carry over."),
)
