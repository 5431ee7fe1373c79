"""Exercises of notebook 08, Backpropagation through a convolution.

The three gradient functions are judged against the course's batched backward
pass, ``conv2d_backward``, which the tests hold to finite differences.
"""

import numpy as np

from ..exercises import Case, register


def _example(name):
    from ..examples import load_example

    return load_example(name)


def _as_batch(a):
    return np.asarray(a, dtype=float)[None, :, :, None]        # (H, W) -> (1, H, W, 1)


def _as_weights(k):
    return np.asarray(k, dtype=float)[:, :, None, None]        # (kh, kw) -> (kh, kw, 1, 1)


def _backward(dZ, X, K):
    from ..conv import conv2d_backward

    return conv2d_backward(_as_batch(dZ), _as_batch(X), _as_weights(K))


def _reference_grad_K(X, dZ):
    kh, kw = X.shape[0] - dZ.shape[0] + 1, X.shape[1] - dZ.shape[1] + 1
    _, dw, _ = _backward(dZ, X, np.zeros((kh, kw)))
    return dw[:, :, 0, 0]


def _reference_grad_B(dZ):
    _, _, db = _backward(dZ, np.zeros((dZ.shape[0] + 1, dZ.shape[1] + 1)), np.zeros((2, 2)))
    return db


def _reference_grad_X(dZ, K):
    height, width = dZ.shape[0] + K.shape[0] - 1, dZ.shape[1] + K.shape[1] - 1
    dx, _, _ = _backward(dZ, np.zeros((height, width)), K)
    return dx[0, :, :, 0]


def _grad_K_cases():
    rng = np.random.default_rng(80)
    X6, dZ4 = rng.normal(size=(6, 6)), rng.normal(size=(4, 4))
    homework = (_example("backprop_x"), _example("backprop_dl_dz"))
    return [Case("the homework, grad_K(X, G)", homework),
            Case("a random 6 x 6 X and 4 x 4 dZ (a 3 x 3 kernel)", (X6, dZ4))]


def _grad_B_cases():
    dZ4 = np.random.default_rng(81).normal(size=(4, 4))
    return [Case("the homework, grad_B(G)", (_example("backprop_dl_dz"),)),
            Case("a random 4 x 4 dZ", (dZ4,))]


def _grad_X_cases():
    rng = np.random.default_rng(82)
    K3, dZ4 = rng.normal(size=(3, 3)), rng.normal(size=(4, 4))
    homework = (_example("backprop_dl_dz"), _example("backprop_k"))
    return [Case("the homework, grad_X(G, K)", homework),
            Case("a random 4 x 4 dZ and 3 x 3 K (a 6 x 6 input)", (dZ4, K3))]


def _pooling_input():
    """The notebook's 4 x 4 input P: the numbers 1 to 16 in a seeded order."""
    rng = np.random.default_rng(5)
    return (rng.permutation(16) + 1).reshape(4, 4).astype(float)


def _max_pool_gradient():
    from ..pooling import max_pool2d_backward

    return max_pool2d_backward(_example("backprop_dl_dz"), _pooling_input(), 2)


def _average_share():
    # The gradient one cell receives from a 2 x 2 average-pooling window whose upstream value is 1.
    from ..pooling import avg_pool2d_backward

    return avg_pool2d_backward(np.ones((1, 1)), np.zeros((2, 2)), 2)[0, 0]


register(
    "08.1", "function", expected=lambda: _reference_grad_K, cases=_grad_K_cases,
    hints=("Look at the sum printed for dL/dK11: which entries of X does it use, and how are "
           "they combined with dL/dZ? Then move one column to the right for K12.",
           "Every entry of the kernel gradient is a window of X multiplied entry by entry with "
           "dZ and summed. That sliding-window sum is the operation of notebook 02; decide which "
           "of the two arrays slides over the other."),
)
register(
    "08.2", "function", expected=lambda: _reference_grad_B, cases=_grad_B_cases,
    hints=("B is added to every output, so every entry of dZ reaches it with weight 1.",
           "Add up all the entries of dZ, and return the total as an array with one entry, "
           "the shape of B, not as a bare number."),
)
register(
    "08.3", "function", expected=lambda: _reference_grad_X, cases=_grad_X_cases,
    hints=("Compare shapes first: your result must be as large as X, larger than dZ. Which "
           "step of the recipe above makes it grow, and by how much on each side?",
           "The border of zeros around dZ is one less than the kernel size, on each side. "
           "The kernel is read backwards in rows and in columns before it slides, and the "
           "sliding is the same correlation as in exercise 1."),
)
register(
    "08.4", "array", expected=_max_pool_gradient,
    hints=("Each 2 x 2 window of P sends its whole upstream value to a single cell.",
           "Window (i, j) covers rows 2i to 2i+1 and columns 2j to 2j+1 of P: only its largest "
           "cell gets G[i, j], the three other cells get 0."),
)
register(
    "08.5", "number", expected=_average_share, compare_size=True,
    hints=("Write one output of 2 x 2 average pooling as a formula of its four inputs.",
           "All four inputs enter the average with the same weight. If one of them grows by a "
           "small amount, by how much does the average grow?"),
)
