"""Exercises of notebook 06, Pooling and flattening."""

import numpy as np

from ..exercises import register


def _exercise_map():
    """The 4 x 4 map of exercise 1 (seed 7), values -5 to 9."""
    return np.random.default_rng(7).integers(-5, 10, size=(4, 4)).astype(float)


def _feature_map():
    # Seed 001's 7 x 7 image correlated with its feature detector: the 5 x 5 map.
    from ..conv import correlate2d
    from ..examples import load_example

    return correlate2d(load_example("seven_by_seven_image"), load_example("feature_detector"))


def _pooled_by_hand():
    from ..pooling import max_pool2d

    return max_pool2d(_exercise_map(), 2)


def _corner_average():
    from ..pooling import avg_pool2d

    return avg_pool2d(_feature_map(), 2, ceil_mode=True)[-1, -1]


def _keras_pooled_shape():
    from ..pooling import max_pool2d

    return max_pool2d(np.zeros((11, 11, 64)), 2).shape


def _pooled_after_shift(column, shift):
    """The bar of section 5 (6 pixels tall, in ``column`` of a 12 x 12 picture), moved
    ``shift`` pixels right with zeros coming in, through Sobel x, ReLU and 2 x 2 max pooling."""
    from ..activations import relu
    from ..conv import correlate2d
    from ..kernels import get_kernel
    from ..pooling import max_pool2d

    bar = np.zeros((12, 12))
    bar[3:9, column + shift] = 1
    return max_pool2d(relu(correlate2d(bar, get_kernel("sobel_x"))), 2)


def _equal_after_shift():
    return int(np.sum(_pooled_after_shift(5, 1) == _pooled_after_shift(5, 0)))


def _flattened_size():
    from ..activations import flatten

    return flatten(np.zeros((1, 3, 3, 64))).shape[1]


register(
    "06.1", "array", expected=_pooled_by_hand,
    hints=("Split the map into four 2 x 2 blocks that do not overlap.",
           "Rows 0-1 and 2-3, columns 0-1 and 2-3: keep the largest number of each block, "
           "negative numbers included, and give the four results as two rows of two."),
)
register(
    "06.2", "number", expected=_corner_average,
    hints=("How many cells of the map does the bottom-right window actually cover?",
           "Only one real cell lies in that window, the map's bottom-right corner; average "
           "pooling divides by the number of real cells."),
)
register(
    "06.3", "label", expected=_equal_after_shift,
    hints=("Find the feature-map column of the bar's response before and after the shift, and "
           "which 2 x 2 window each column belongs to.",
           "Windows cover columns 4-5, 6-7, ...: if the response leaves its window, the pooled "
           "cells it leaves and the pooled cells it enters all change; every other pooled value "
           "stays 0."),
)
register(
    "06.4", "array", expected=_keras_pooled_shape,
    hints=("Treat rows and columns with the output-size formula and the floor rule; then think "
           "about the channels.",
           "Use the output-size formula of notebook 03, rounding down, once for the rows and "
           "once for the columns. Pooling never changes the number of channels."),
)
register(
    "06.5", "number", expected=_flattened_size, compare_size=True,
    hints=("Flattening keeps every number of the volume; it only lines them up.",
           "Multiply the height, the width and the number of channels."),
)
