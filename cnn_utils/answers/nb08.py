"""Exercises of notebook 08, Backpropagation through a convolution.

The three gradient functions of a convolution are judged against the course's
batched backward pass, ``conv2d_backward``; the four steps of the whole network
(section 6) against ``softmax_cross_entropy_backward``, the ``Dense`` layer of
``cnn_utils.nn``, ``max_pool2d_backward`` and ``relu_backward``. The tests hold
each of these to finite differences.
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


# --- section 6: a whole small network, one backward step per exercise -------------


def _reference_softmax_ce_backward(s, y):
    from ..activations import softmax_cross_entropy_backward

    return softmax_cross_entropy_backward(np.asarray(s, dtype=float)[None, :], [y])[0]


def _reference_dense_backward(h, W, g):
    # The course's Dense layer (no activation) run forward on h, then backward from g.
    from ..nn.layers import Dense

    W = np.asarray(W, dtype=float)
    layer = Dense(W.shape[1]).build((W.shape[0],), dtype="float64")
    layer.set_weights([W, np.zeros(W.shape[1])])
    layer.forward(np.asarray(h, dtype=float)[None, :])
    dh = layer.backward(np.asarray(g, dtype=float)[None, :])
    return layer.grads["kernel"], layer.grads["bias"], dh[0]


def _reference_maxpool_backward(a, dm):
    from ..pooling import max_pool2d_backward

    return max_pool2d_backward(dm, a, 2)


def _reference_relu_backward(z, g):
    from ..activations import relu_backward

    return relu_backward(g, z)


def _distinct(rng, shape):
    """Values with no two alike (ties in a pooling window have no derivative)."""
    size = int(np.prod(shape))
    return (rng.permutation(size) + rng.uniform(0.1, 0.9, size)).reshape(shape) - size / 2


def _softmax_ce_cases():
    rng = np.random.default_rng(86)
    return [Case("logits [2.0, 1.0, 0.1] and class 0", (np.array([2.0, 1.0, 0.1]), 0)),
            Case("ten random logits and class 7", (rng.normal(size=10), 7))]


def _dense_cases():
    rng = np.random.default_rng(87)
    small = (np.array([1.0, 2.0]), np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]),
             np.array([0.2, -0.5, 0.3]))
    return [Case("h with 2 features, W of 2 x 3, g with 3 entries", small),
            Case("h with 8 features, W of 8 x 3, g with 3 entries",
                 (rng.normal(size=8), rng.normal(size=(8, 3)), rng.normal(size=3)))]


def _maxpool_cases():
    rng = np.random.default_rng(88)
    return [Case("a of 4 x 4 x 1 and dm of 2 x 2 x 1",
                 (_distinct(rng, (4, 4, 1)), rng.normal(size=(2, 2, 1)))),
            Case("a of 4 x 6 x 3 and dm of 2 x 3 x 3",
                 (_distinct(rng, (4, 6, 3)), rng.normal(size=(2, 3, 3))))]


def _relu_cases():
    rng = np.random.default_rng(89)
    with_zero = np.array([[-1.5, 0.0], [2.0, 0.5]])
    return [Case("z with an entry exactly 0, where the gradient is taken as 0",
                 (with_zero, np.array([[1.0, 2.0], [3.0, 4.0]]))),
            Case("z of 4 x 4 x 2 and g of the same shape",
                 (rng.normal(size=(4, 4, 2)), rng.normal(size=(4, 4, 2))))]


register(
    "08.6", "function", expected=lambda: _reference_softmax_ce_backward, cases=_softmax_ce_cases,
    hints=("The derivation above ends in one vector: the probabilities with something taken "
           "away at one position. Which position, and how much?",
           "Compute the softmax of the logits, then lower the entry of the true class by one; "
           "every other entry stays a probability. Return a new array, of the logits' shape."),
)
register(
    "08.7", "function", expected=lambda: _reference_dense_backward, cases=_dense_cases,
    hints=("Check the shapes first: dW has the shape of W (features x classes), db the shape "
           "of g, dh the shape of h. Each entry of dW pairs one feature with one class.",
           "dW holds every product of an entry of h with an entry of g (an outer product); "
           "db is g itself; dh multiplies W by g, summing over the classes. Return the three "
           "as a tuple in that order."),
)
register(
    "08.8", "function", expected=lambda: _reference_maxpool_backward, cases=_maxpool_cases,
    hints=("The result has the shape of a, and it is zero except at one cell per 2 x 2 window "
           "and channel. Section 5 did this for one channel; here each channel is pooled on "
           "its own.",
           "Loop over the channels and the windows: window (i, j) of channel c covers rows 2i "
           "to 2i+1 and columns 2j to 2j+1. Find where its largest value sits and put "
           "dm[i, j, c] there."),
)
register(
    "08.9", "function", expected=lambda: _reference_relu_backward, cases=_relu_cases,
    hints=("Where z is positive, ReLU passes its input on unchanged; elsewhere its output does "
           "not move at all. What is the slope in each case?",
           "Multiply g entry by entry by a mask that is 1 where z is strictly greater than 0 "
           "and 0 elsewhere (also where z is exactly 0)."),
)
