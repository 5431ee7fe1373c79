"""Flattening, ReLU, softmax and cross-entropy, with their gradients."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_axis, check_bool


def flatten(x, batch=True):
    """Flatten feature maps into a vector, in row-major (Keras) order.

    Parameters
    ----------
    x : array_like
        With ``batch=True`` (default), a batch ``(N, ...)`` becomes ``(N, features)``;
        with ``batch=False`` the whole array becomes one vector.
    batch : bool

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> flatten(np.zeros((2, 7, 7, 5))).shape
    (2, 245)
    >>> flatten([[1, 1, 0], [4, 2, 1]], batch=False)
    array([1., 1., 0., 4., 2., 1.])
    """
    batch = check_bool(batch, "batch")
    arr = as_float_array(x, "x")
    if not batch:
        return arr.reshape(-1)
    if arr.ndim < 2:
        raise ValueError(
            "flatten with batch=True needs a batch (N, ...) of at least 2 dimensions, got shape "
            f"{arr.shape}; "
            "use batch=False to flatten a single array"
        )
    return arr.reshape(arr.shape[0], -1)


def relu(x):
    """Rectified linear unit, ``max(0, x)`` element by element.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    arr = as_float_array(x, "x")
    return np.maximum(arr, 0)


def relu_backward(dout, x):
    """Gradient of :func:`relu`: ``dout`` where ``x > 0``, zero elsewhere (also at 0).

    Examples
    --------
    >>> relu_backward([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0])
    array([0., 0., 5.])
    """
    arr = as_float_array(x, "x")
    d = as_float_array(dout, "dout")
    if d.shape != arr.shape:
        raise ValueError(f"dout has shape {d.shape} but x has shape {arr.shape}; they must match")
    return d * (arr > 0)


def softmax(z, axis=-1):
    """Softmax along ``axis``, computed stably (the maximum is subtracted first).

    Parameters
    ----------
    z : array_like
        Scores (logits).
    axis : int, default -1
        The axis whose entries become probabilities that sum to 1.

    Returns
    -------
    numpy.ndarray, shape of ``z``

    Raises
    ------
    TypeError
        Non-numeric ``z`` or a non-integer ``axis``.
    ValueError
        Empty or 0-d ``z``, or an axis that ``z`` does not have.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    arr = as_float_array(z, "z")
    if arr.ndim == 0:
        raise ValueError("z must have at least one axis to normalise over, got a single number")
    axis = check_axis(axis, arr.ndim)
    shifted = arr - arr.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _check_labels(labels, n_samples, n_classes):
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"labels must be integer class indices, got {type(labels).__name__}")
    try:
        y = np.asarray(labels)
    except (ValueError, TypeError, OverflowError):  # ragged lists, huge ints
        raise TypeError(
            f"labels must be integer class indices (one per sample), got {labels!r:.60}"
        ) from None
    if y.dtype == object or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"labels must be integer class indices, got an array of dtype {y.dtype}")
    if y.shape != (n_samples,):
        raise ValueError(f"labels must have shape ({n_samples},) (one per sample), got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1} for {n_classes} classes, got values from "
            f"{y.min()} to {y.max()}"
        )
    return y


def _check_scores(scores, name):
    arr = as_float_array(scores, name, (2,), "(N, classes)")
    return arr


def cross_entropy(scores, labels, from_logits=True):
    """Mean cross-entropy between predicted classes and integer labels.

    Parameters
    ----------
    scores : array_like, shape (N, K)
        Logits (``from_logits=True``, computed stably with log-sum-exp) or
        probabilities (``from_logits=False``; clipped to ``[1e-12, 1]`` so a
        zero probability gives a large finite loss, not inf).
    labels : array_like of int, shape (N,)
        Class indices in ``0 .. K-1`` (Keras' *sparse* categorical cross-entropy).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Wrong shapes or labels out of range.
    TypeError
        Non-integer labels.

    Examples
    --------
    >>> round(cross_entropy([[0.0, 0.0]], [1]), 6)   # log 2
    0.693147
    >>> round(cross_entropy([[0.25, 0.75]], [1], from_logits=False), 6)
    0.287682
    """
    from_logits = check_bool(from_logits, "from_logits")
    s = _check_scores(scores, "scores")
    y = _check_labels(labels, s.shape[0], s.shape[1])
    rows = np.arange(s.shape[0])
    if not from_logits and (s.min() < 0 or s.max() > 1):
        raise ValueError(
            f"with from_logits=False, scores must be probabilities in [0, 1]; got values from "
            f"{s.min():g} to {s.max():g} (pass from_logits=True for raw scores)"
        )
    if from_logits:
        shifted = s - s.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-log_probs[rows, y].mean())
    return float(-np.log(np.clip(s[rows, y], 1e-12, 1.0)).mean())


def softmax_cross_entropy_backward(logits, labels):
    """Gradient of ``cross_entropy(logits, labels)`` with respect to the logits.

    ``(softmax(logits) - one_hot(labels)) / N``: softmax and cross-entropy
    together have this simple, stable gradient.

    Examples
    --------
    >>> softmax_cross_entropy_backward([[0.0, 0.0]], [1])
    array([[ 0.5, -0.5]])
    """
    s = _check_scores(logits, "logits")
    y = _check_labels(labels, s.shape[0], s.shape[1])
    grad = softmax(s, axis=1)
    grad[np.arange(s.shape[0]), y] -= 1.0
    return grad / s.shape[0]
