"""Exercises of notebook 04, Image kernels."""

import numpy as np

from ..exercises import register

_FLAT_KERNELS = ("sharpen", "box_blur", "edge_detect", "sobel_x")
# a small test picture for the shift kernel; its values are all different
_TEST_PICTURE = np.arange(1.0, 21.0).reshape(4, 5)


def _flat_patch_outputs():
    from ..conv import correlate2d
    from ..kernels import get_kernel

    flat = np.full((3, 3), 0.6)
    return [correlate2d(flat, get_kernel(name))[0, 0] for name in _FLAT_KERNELS]


def _sharpen_0_1():
    from ..conv import correlate2d
    from ..examples import load_example

    return correlate2d(load_example("sharpen_patch_6x6"), load_example("sharpen_kernel"))[0, 1]


def _display_that_hides_the_sign():
    # The four displays of the notebook, as maps from values to shades 0..1.
    def displays(values):
        m = np.abs(values).max()
        low, high = values.min(), values.max()
        return {"A": (values / m + 1) / 2, "B": np.clip(values, 0, 1),
                "C": np.abs(values) / m, "D": (values - low) / (high - low)}

    edge_pair = np.array([-1.0, 1.0])     # the same strength, opposite signs
    return next(letter for letter, shades in displays(edge_pair).items()
                if np.ptp(shades) == 0)


def _apply_kernel(kernel):
    from ..conv import correlate2d

    return correlate2d(_TEST_PICTURE, kernel, mode="same")


def _shift_right_kernel():
    # the one-weight kernel whose picture is the test picture moved one column right
    shifted = np.zeros_like(_TEST_PICTURE)
    shifted[:, 1:] = _TEST_PICTURE[:, :-1]      # each row one step right, zero coming in
    for position in np.ndindex(3, 3):
        kernel = np.zeros((3, 3))
        kernel[position] = 1.0
        if np.array_equal(_apply_kernel(kernel), shifted):
            return kernel
    raise AssertionError("no single-weight 3 x 3 kernel shifts the picture right")


register(
    "04.1", "array", expected=_flat_patch_outputs,
    hints=("Every pixel under the kernel is 0.6. What does that do to the sum of products?",
           "On a flat window the output is 0.6 times the sum of the kernel's weights; add up "
           "each kernel's nine weights in the figure."),
)
register(
    "04.2", "number", expected=_sharpen_0_1,
    hints=("Which pixel of the patch sits under the kernel's centre at output (0, 1)?",
           "The centre is the pixel at row 1, column 2 of the patch: take 5 times it and "
           "subtract its four neighbours above, below, left and right."),
)
register(
    "04.3", "choice", expected=_display_that_hides_the_sign, choices="ABCD",
    hints=("Which rule throws the sign away before it chooses a shade?",
           "Give the rule a value and its negative; the display that shades both the same "
           "is the one that looks only at the size of a value."),
)
register(
    "04.4", "array", expected=_shift_right_kernel,
    apply=_apply_kernel, applied="the picture your kernel makes from a 4 x 5 test picture",
    hints=("Output (i, j) must read the input pixel one column to the left of the window's "
           "centre.",
           "Cross-correlation does not turn the kernel: find the one weight that multiplies the "
           "input pixel at row i, column j - 1 when the window is centred on row i, column j."),
)
