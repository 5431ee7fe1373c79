"""Exercises of notebook 10, From cnn_utils to the frameworks."""

import numpy as np

from ..exercises import register

NHWC_TO_NCHW = (0, 3, 1, 2)
"""Batch axes (N, H, W, C) reordered as PyTorch wants them: (N, C, H, W)."""

KERNEL_TO_TORCH = (3, 2, 0, 1)
"""Kernel axes (kh, kw, C_in, C_out) reordered as PyTorch stores them: (C_out, C_in, kh, kw)."""


def _lecture_model():
    from ..nn import lecture_mnist_model

    return lecture_mnist_model(seed=0)


def _torch_kernel_shape():
    kernel = _lecture_model().get_layer("conv2d_1").kernel
    return np.transpose(kernel, KERNEL_TO_TORCH).shape


def _torch_feature_shape():
    # The third convolution's output for a batch of 100 digits, reordered to NCHW.
    features = _lecture_model().get_layer_output(np.zeros((100, 28, 28, 1)), "conv2d_2")
    return np.transpose(features, NHWC_TO_NCHW).shape


def _nchw_flatten_position():
    # Mark the feature at row 1, column 2, channel 5 and see where an NCHW flatten puts it.
    features = _lecture_model().get_layer_output(np.zeros((1, 28, 28, 1)), "conv2d_2")
    marked = np.zeros_like(features)
    marked[0, 1, 2, 5] = 1.0
    flat = np.transpose(marked, NHWC_TO_NCHW).reshape(-1)
    return int(np.flatnonzero(flat)[0])


def _trainable_head_params():
    # The notes' model with its convolution base frozen and a new two-class head.
    from ..nn import Conv2D, Dense, Flatten, MaxPooling2D, Sequential

    model = Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1), trainable=False),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu", trainable=False),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu", trainable=False),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(2, activation="softmax"),
    ], seed=0)
    return model.summary_data().trainable_params


register(
    "10.1", "array", expected=_torch_kernel_shape,
    hints=("Write the cnn_utils shape of that kernel first: its window, then its input "
           "channels, then its filters.",
           "PyTorch puts the filters first, the input channels second and the window last; "
           "the second convolution reads the 32 maps of the first and has 64 filters."),
)
register(
    "10.2", "array", expected=_torch_feature_shape,
    hints=("Find the shape in cnn_utils' layout first, (N, H, W, C); the model summary of "
           "notebook 07 has it without the batch.",
           "PyTorch keeps the batch axis first and moves the channel axis in front of the "
           "rows and columns; the number of digits in the batch does not change."),
)
register(
    "10.3", "label", expected=_nchw_flatten_position,
    hints=("In NCHW order all nine positions of channel 0 come first, then the nine of "
           "channel 1, and so on.",
           "Count the entries of the channels before channel 5, then add the position of "
           "row 1, column 2 inside one 3 x 3 map, read row by row from 0."),
)
register(
    "10.4", "number", expected=_trainable_head_params, compare_size=True,
    hints=("Only the two Dense layers learn; frozen convolutions count as non-trainable.",
           "A dense layer has one weight per input and output pair plus one bias per output; "
           "the first reads the 576 flattened features, the second its 64 outputs."),
)
