"""Optimizers: how a gradient becomes a change of the weights.

Each optimizer updates the parameter arrays in place, in their own dtype
(float32 for training), and keeps its per-parameter state (velocity, moment
estimates) keyed by the parameter array itself, so the same optimizer object
must not be shared between models. The update rules and default values are
Keras' (``keras.optimizers.SGD``, ``Adam``, ``RMSprop``).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_bool, check_float

OPTIMIZERS = ("sgd", "adam", "rmsprop")
"""Optimizer names that :func:`get_optimizer` (and ``model.compile``) accept."""


def _check_number(value, name, low=None, high=None, low_open=False, high_open=False):
    value = check_float(value, name)
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


class Optimizer:
    """Base class. Subclasses implement ``_update(param, grad, state)``.

    Attributes
    ----------
    learning_rate : float
    iterations : int
        Number of :meth:`apply_gradients` calls so far.
    """

    def __init__(self, learning_rate):
        self.learning_rate = _check_number(learning_rate, "learning_rate", 0, low_open=True)
        self.iterations = 0
        self._state: dict[int, dict] = {}

    def apply_gradients(self, grads_and_params) -> None:
        """Update each parameter in place from its gradient (Keras' name).

        Parameters
        ----------
        grads_and_params : iterable of (grad, param)
            Gradient and parameter arrays of the same shape.
        """
        self.iterations += 1
        for grad, param in grads_and_params:
            if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
                raise TypeError(
                    f"each parameter must be a float array updated in place, got "
                    f"{type(param).__name__}"
                )
            grad = np.asarray(grad)
            if grad.dtype.kind not in "fiu":
                raise TypeError(f"each gradient must be a real array, got dtype {grad.dtype}")
            if grad.shape != param.shape:
                raise ValueError(
                    f"gradient of shape {grad.shape} for a parameter of shape {param.shape}"
                )
            state = self._state.get(id(param))
            if state is None or state["param"] is not param:
                state = self._state[id(param)] = {"param": param}
            self._update(param, grad.astype(param.dtype, copy=False), state)

    def reset(self) -> None:
        """Forget all state (velocities, moments) and the iteration count."""
        self.iterations = 0
        self._state.clear()

    def _update(self, param, grad, state):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent, optionally with momentum: ``w <- w - learning_rate * dL/dw``.

    With momentum ``m``: ``v <- m v - lr g``; ``w <- w + v`` (Nesterov:
    ``w <- w + m v - lr g``), as in Keras.

    Parameters
    ----------
    learning_rate : float, default 0.01
    momentum : float in [0, 1), default 0.0
    nesterov : bool, default False

    Examples
    --------
    >>> w = np.array([1.0]); SGD(0.1).apply_gradients([(np.array([2.0]), w)]); w
    array([0.8])
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = _check_number(momentum, "momentum", 0, 1, high_open=True)
        self.nesterov = check_bool(nesterov, "nesterov")

    def _update(self, param, grad, state):
        lr = self.learning_rate
        if self.momentum == 0:
            param -= lr * grad
            return
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = np.zeros_like(param)
        v *= self.momentum
        v -= lr * grad
        if self.nesterov:
            param += self.momentum * v - lr * grad
        else:
            param += v

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's mean and size.

    ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``;
    ``w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)``
    (Keras' form; PyTorch adds epsilon after the bias correction instead).

    Parameters
    ----------
    learning_rate : float, default 0.001
    beta_1 : float, default 0.9
    beta_2 : float, default 0.999
    epsilon : float, default 1e-7

    Examples
    --------
    >>> w = np.array([1.0]); Adam(0.1).apply_gradients([(np.array([5.0]), w)])
    >>> np.round(w, 6)      # the first step is about lr * sign(g)
    array([0.9])
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = _check_number(beta_1, "beta_1", 0, 1, high_open=True)
        self.beta_2 = _check_number(beta_2, "beta_2", 0, 1, high_open=True)
        self.epsilon = _check_number(epsilon, "epsilon", 0, low_open=True)

    def _update(self, param, grad, state):
        if "m" not in state:
            state["m"] = np.zeros_like(param)
            state["v"] = np.zeros_like(param)
            state["t"] = 0
        state["t"] += 1
        t = state["t"]
        m, v = state["m"], state["v"]
        m += (1 - self.beta_1) * (grad - m)
        v += (1 - self.beta_2) * (grad * grad - v)
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        # alpha is a Python float, so float32 parameters stay float32 (NEP 50)
        param -= alpha * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root-mean-square of the gradient.

    ``s <- rho s + (1 - rho) g^2``; ``w <- w - lr g / (sqrt(s) + epsilon)``
    (Keras' form, without momentum).

    Parameters
    ----------
    learning_rate : float, default 0.001
    rho : float, default 0.9
    epsilon : float, default 1e-7
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        super().__init__(learning_rate)
        self.rho = _check_number(rho, "rho", 0, 1, high_open=True)
        self.epsilon = _check_number(epsilon, "epsilon", 0, low_open=True)

    def _update(self, param, grad, state):
        s = state.get("s")
        if s is None:
            s = state["s"] = np.zeros_like(param)
        s += (1 - self.rho) * (grad * grad - s)
        param -= self.learning_rate * grad / (np.sqrt(s) + self.epsilon)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get_optimizer(optimizer) -> Optimizer:
    """An optimizer object from a name (default settings) or the object itself.

    Examples
    --------
    >>> get_optimizer("adam")
    Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    known = ", ".join(repr(n) for n in OPTIMIZERS)
    if isinstance(optimizer, str):
        cls = _BY_NAME.get(optimizer.lower())
        if cls is None:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; known optimizers: {known} "
                "(or an object such as SGD(learning_rate=0.01, momentum=0.9))"
            )
        return cls()
    raise TypeError(
        f"optimizer must be a name ({known}) or an Optimizer object such as Adam(), got "
        f"{type(optimizer).__name__} {optimizer!r:.40}"
    )


__all__ = ["OPTIMIZERS", "SGD", "Adam", "Optimizer", "RMSprop", "get_optimizer"]
