"""Layers of the Keras-like model API, built on the core maths of ``cnn_utils``.

Every layer works on batches in the package's layout, ``(N, H, W, C)`` for
images and ``(N, features)`` after :class:`Flatten`, and does its arithmetic
with the core functions: :func:`cnn_utils.conv.conv2d` and its gradient,
:func:`cnn_utils.pooling.max_pool2d` / :func:`~cnn_utils.pooling.avg_pool2d`
and their gradients, :func:`cnn_utils.activations.relu`,
:func:`~cnn_utils.activations.softmax` and :func:`~cnn_utils.activations.flatten`.
:class:`Conv2D` calls the convolution module's internal steps directly so that
the patch matrix built in the forward pass is reused by the backward pass, and
the first layer of a model skips the input gradient nobody needs.

A layer is used in three ways:

* inside a :class:`~cnn_utils.nn.Sequential` model, which names and builds it;
* on its own after ``layer.build(input_shape)``, by calling it:
  ``layer(x)`` checks ``x`` and runs the forward pass;
* by hand, for teaching: ``layer.forward(x)`` then ``layer.backward(dout)``,
  which returns ``dL/dx`` and leaves the parameter gradients in ``layer.grads``.

Shapes: ``layer.input_shape`` and ``layer.output_shape`` carry ``None`` for
the batch, as in Keras, e.g. ``(None, 26, 26, 32)``.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from .. import conv as _conv
from .. import pooling as _pooling
from .._checks import check_choice, check_int, check_pair
from ..activations import flatten, relu, relu_backward, softmax

ACTIVATIONS = ("relu", "softmax", "linear")
"""Activation names a layer accepts (``None`` means ``"linear"``: no activation)."""

_PADDINGS = ("valid", "same")
_DTYPES = ("float32", "float64")


# --- activations ----------------------------------------------------------------


def check_activation(activation) -> str:
    """Return the activation's canonical name, or raise naming the known ones.

    Examples
    --------
    >>> check_activation(None), check_activation("relu")
    ('linear', 'relu')
    """
    known = ", ".join(repr(a) for a in ACTIVATIONS)
    if activation is None:
        return "linear"
    if not isinstance(activation, str):
        raise TypeError(
            f"activation must be a name ({known}) or None, got {type(activation).__name__} "
            f"{activation!r:.40}"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; known activations: {known} or None")
    return activation


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return relu(z)
    if name == "softmax":
        return softmax(z, axis=-1)
    return z


def _activation_backward(name: str, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "relu":
        return relu_backward(da, z)
    if name == "softmax":
        # Jacobian-vector product of softmax: s * (g - sum(g * s)) along the class axis.
        return a * (da - (da * a).sum(axis=-1, keepdims=True))
    return da


# --- helpers --------------------------------------------------------------------


def _snake_case(class_name: str) -> str:
    # Keras' rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _check_shape(shape, name="input_shape") -> tuple[int, ...]:
    if not isinstance(shape, (tuple, list)) or len(shape) == 0:
        raise TypeError(
            f"{name} must be a tuple of sizes without the batch, e.g. (28, 28, 1), got {shape!r}"
        )
    return tuple(check_int(s, f"{name} entry", 1) for s in shape)


def _check_name(name):
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"name must be a non-empty string or None, got {name!r}")
    return name


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _fmt_shape(shape) -> str:
    return (
        "("
        + ", ".join("None" if s is None else str(s) for s in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def _glorot_limit(fan_in: int, fan_out: int) -> float:
    return float(np.sqrt(6.0 / (fan_in + fan_out)))


def _he_limit(fan_in: int) -> float:
    return float(np.sqrt(6.0 / fan_in))


# --- base class -----------------------------------------------------------------


class Layer:
    """Base class: naming, shapes, parameters and the forward/backward protocol.

    Subclasses implement ``_output_shape(input_shape)`` (shapes without the
    batch; raise ``ValueError`` on an input they cannot take), optionally
    ``_make_params(input_shape, rng, dtype)``, and ``forward``/``backward``.

    Attributes
    ----------
    name : str or None
        Set by the model (``conv2d``, ``conv2d_1``, ...) when not given.
    trainable : bool
        A frozen layer (``False``) still passes gradients through but its
        parameters are not updated and count as non-trainable.
    grads : dict
        Gradients of the last :meth:`backward`, keyed like :meth:`params`.
    """

    def __init__(self, name=None, input_shape=None, trainable=True):
        self.name = _check_name(name)
        self.declared_input_shape = None if input_shape is None else _check_shape(input_shape)
        if not isinstance(trainable, bool):
            raise TypeError(f"trainable must be True or False, got {trainable!r}")
        self.trainable = trainable
        self.built = False
        self._in: tuple[int, ...] | None = None
        self._out: tuple[int, ...] | None = None
        self._params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.dtype = np.dtype("float32")

    # shapes ---------------------------------------------------------------
    @property
    def input_shape(self):
        """Input shape with ``None`` for the batch, e.g. ``(None, 28, 28, 1)``."""
        self._require_built("input_shape")
        return (None, *self._in)

    @property
    def output_shape(self):
        """Output shape with ``None`` for the batch, e.g. ``(None, 26, 26, 32)``."""
        self._require_built("output_shape")
        return (None, *self._out)

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape (with or without a leading ``None``)."""
        shape = tuple(input_shape)
        batch = len(shape) > 0 and shape[0] is None
        out = self._output_shape(_check_shape(shape[1:] if batch else shape))
        return (None, *out) if batch else out

    def _output_shape(self, input_shape):
        return input_shape

    def _require_built(self, what):
        if not self.built:
            raise ValueError(
                f"layer {self.name or type(self).__name__} is not built yet, so it has no {what}; "
                "add it to a model whose first layer has an input_shape, or call "
                "layer.build(input_shape)"
            )

    def _describe_self(self):
        return f"{type(self).__name__} layer {self.name!r}" if self.name else type(self).__name__

    # building ---------------------------------------------------------------
    def build(self, input_shape, seed=None, dtype="float32"):
        """Create the parameters for inputs of ``input_shape`` (without the batch).

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, e.g. ``(28, 28, 1)``; a leading ``None`` is dropped.
        seed : int or numpy.random.Generator, optional
            Source of the initial weights.
        dtype : {"float32", "float64"}
        """
        shape = tuple(input_shape)
        if len(shape) > 0 and shape[0] is None:
            shape = shape[1:]
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._build(_check_shape(shape), rng, _check_dtype(dtype))
        return self

    def _build(self, input_shape, rng, dtype):
        if self.declared_input_shape is not None and self.declared_input_shape != input_shape:
            raise ValueError(
                f"{self._describe_self()} was declared with input_shape="
                f"{self.declared_input_shape} but receives inputs of shape {input_shape} from "
                "the layer before it"
            )
        out = self._output_shape(input_shape)
        self.dtype = dtype
        self._in, self._out = input_shape, out
        self._params = self._make_params(input_shape, rng, dtype)
        self.grads = {}
        self.built = True

    def _make_params(self, input_shape, rng, dtype):
        return {}

    # parameters -------------------------------------------------------------
    def params(self) -> dict[str, np.ndarray]:
        """The layer's parameter arrays by name (the live arrays, not copies)."""
        return dict(self._params)

    @property
    def weights(self) -> list[np.ndarray]:
        """The live parameter arrays, in order (``kernel`` then ``bias``)."""
        return list(self._params.values())

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in order (``[kernel, bias]`` for Conv2D and Dense)."""
        return [p.copy() for p in self._params.values()]

    def set_weights(self, weights) -> None:
        """Overwrite the parameters (in place) with arrays of the same shapes."""
        self._require_built("weights")
        weights = list(weights)
        names = list(self._params)
        if len(weights) != len(names):
            raise ValueError(
                f"{self._describe_self()} has {len(names)} weight array(s) {names}, got "
                f"{len(weights)}"
            )
        for pname, new in zip(names, weights, strict=True):
            arr = np.asarray(new)
            if arr.shape != self._params[pname].shape:
                raise ValueError(
                    f"{self._describe_self()}: {pname} must have shape "
                    f"{self._params[pname].shape}, got {arr.shape}"
                )
        for pname, new in zip(names, weights, strict=True):
            self._params[pname][...] = np.asarray(new, dtype=self.dtype)

    def count_params(self) -> int:
        """Number of parameters (trainable or not)."""
        self._require_built("parameters")
        return int(sum(p.size for p in self._params.values()))

    # computing ------------------------------------------------------------
    def forward(self, x, training=False, rng=None):
        """Forward pass on a prepared batch (no checks; the model checks once)."""
        raise NotImplementedError

    def backward(self, dout, need_dx=True):
        """Backward pass for the last :meth:`forward`: returns ``dL/dx`` (or None).

        Parameter gradients are left in :attr:`grads`.
        """
        raise NotImplementedError

    def __call__(self, x, training=False):
        """Check ``x`` against the layer's input shape, then run :meth:`forward`."""
        self._require_built("input shape to check against")
        arr = np.asarray(x)
        if arr.ndim == 0 or arr.shape[1:] != self._in:
            raise ValueError(
                f"{self._describe_self()} expects a batch of shape "
                f"{_fmt_shape(self.input_shape)}, got an array of shape {arr.shape}"
                + ("; for a single sample pass x[None]" if arr.shape == self._in else "")
            )
        if not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"x must be numeric, got dtype {arr.dtype}")
        return self.forward(arr.astype(self.dtype, copy=False), training=training)

    # description ------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments, as Keras' ``get_config``."""
        return {"name": self.name}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        name = f", name={self.name!r}" if self.name else ""
        return f"{type(self).__name__}({args}{name})"


# --- convolution ----------------------------------------------------------------


class _Weighted(Layer):
    """A layer with a ``kernel`` (last axis: outputs) and an optional ``bias``."""

    def _initial_params(self, shape, fan_in, fan_out, rng, dtype):
        # He for ReLU layers, Glorot otherwise, uniform, from the model's seeded generator
        relu = self.activation == "relu"
        limit = _he_limit(fan_in) if relu else _glorot_limit(fan_in, fan_out)
        params = {"kernel": rng.uniform(-limit, limit, shape).astype(dtype)}
        if self.use_bias:
            params["bias"] = np.zeros(shape[-1], dtype=dtype)
        return params

    @property
    def kernel(self):
        """The weights (the live array): ``(kh, kw, C_in, filters)`` or ``(features, units)``."""
        self._require_built("kernel")
        return self._params["kernel"]

    @property
    def bias(self):
        """The biases, one per output, or None without bias (the live array)."""
        self._require_built("bias")
        return self._params.get("bias")


class Conv2D(_Weighted):
    """2-D convolution layer (cross-correlation, as in Keras): ``act(conv2d(x, kernel) + bias)``.

    Parameters
    ----------
    filters : int
        Number of filters, i.e. output channels.
    kernel_size : int or (int, int)
    strides : int or (int, int), default 1
    padding : {"valid", "same"}, default "valid"
        ``"same"`` keeps ``ceil(H / stride)`` rows, as in Keras.
    activation : {"relu", "softmax", "linear"} or None
    input_shape : tuple of int, optional
        ``(H, W, C)`` of one sample, for the first layer of a model.
    dilation_rate : int or (int, int), default 1
    use_bias : bool, default True
    name : str, optional

    Attributes
    ----------
    kernel : numpy.ndarray, shape (kh, kw, C_in, filters)
    bias : numpy.ndarray, shape (filters,)

    Notes
    -----
    Weights start uniform in ``[-limit, limit]``: He (``limit = sqrt(6 / fan_in)``)
    when the activation is ReLU, Glorot (``sqrt(6 / (fan_in + fan_out))``)
    otherwise, with ``fan_in = kh * kw * C_in`` and ``fan_out = kh * kw * filters``.
    Biases start at zero.

    Examples
    --------
    >>> layer = Conv2D(32, 3, activation="relu").build((28, 28, 1), seed=0)
    >>> layer.output_shape, layer.count_params()
    ((None, 26, 26, 32), 320)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        activation=None,
        input_shape=None,
        dilation_rate=1,
        use_bias=True,
        name=None,
        trainable=True,
    ):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.filters = check_int(filters, "filters", 1)
        self.kernel_size = check_pair(kernel_size, "kernel_size", 1)
        self.strides = check_pair(strides, "strides", 1)
        self.padding = check_choice(padding, "padding", _PADDINGS)
        self.activation = check_activation(activation)
        self.dilation_rate = check_pair(dilation_rate, "dilation_rate", 1)
        if not isinstance(use_bias, bool):
            raise TypeError(f"use_bias must be True or False, got {use_bias!r}")
        self.use_bias = use_bias
        self._geometries: dict[tuple, object] = {}

    def _geometry(self, x_shape):
        g = self._geometries.get(x_shape)
        if g is None:
            g = _conv._geometry(
                x_shape,
                (*self.kernel_size, x_shape[3], self.filters),
                self.strides,
                self.padding,
                self.dilation_rate,
            )
            self._geometries[x_shape] = g
        return g

    def _output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{self._describe_self()} needs inputs of shape (H, W, C), got "
                f"{input_shape}; for one-channel images use input_shape=(H, W, 1)"
            )
        g = self._geometry((1, *input_shape))
        return (g.out_h, g.out_w, self.filters)

    def _make_params(self, input_shape, rng, dtype):
        kh, kw = self.kernel_size
        cin = input_shape[2]
        shape = (kh, kw, cin, self.filters)
        return self._initial_params(shape, kh * kw * cin, kh * kw * self.filters, rng, dtype)

    def forward(self, x, training=False, rng=None):
        g = self._geometry(x.shape)
        z, cols = _conv._forward(x, self._params["kernel"], self._params.get("bias"), g)
        a = _activate(self.activation, z)
        self._cache = (x, cols, g, z, a)
        self._logits = z
        return a

    def backward(self, dout, need_dx=True, from_logits=False):
        x, cols, g, z, a = self._cache
        dz = dout if from_logits else _activation_backward(self.activation, dout, z, a)
        dx, dw, db = _conv._backward(dz, x, self._params["kernel"], g, cols=cols, need_dx=need_dx)
        self.grads = {"kernel": dw}
        if self.use_bias:
            self.grads["bias"] = db
        return dx

    def get_config(self):
        return {
            "name": self.name,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "activation": self.activation,
            "dilation_rate": self.dilation_rate,
            "use_bias": self.use_bias,
        }


# --- pooling --------------------------------------------------------------------


class _Pooling2D(Layer):
    _kind = ""

    def __init__(self, pool_size=2, strides=None, padding="valid", input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)
        self.pool_size = check_pair(pool_size, "pool_size", 1)
        self.strides = self.pool_size if strides is None else check_pair(strides, "strides", 1)
        self.padding = check_choice(padding, "padding", _PADDINGS)
        self._core_args: dict = {}

    def _core_padding(self, h, w):
        """Keras padding as the core pooling's (padding, ceil_mode)."""
        if self.padding == "valid":
            return (0, 0), False
        pads = []
        for n, k, s in (
            (h, self.pool_size[0], self.strides[0]),
            (w, self.pool_size[1], self.strides[1]),
        ):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            before = total // 2
            # Core pooling pads `before` on both sides and, in ceil mode, lets the last
            # window hang over the end: Keras' (before, total - before) when that gives
            # ceil(n / s) windows.
            core_out = -(-(n + 2 * before - k) // s) + 1
            if (core_out - 1) * s >= n + before:
                core_out -= 1
            if core_out != out:
                raise ValueError(
                    f"{self._describe_self()}: padding='same' with pool size {k} and stride {s} "
                    f"on {n} rows/columns needs {before} padding before and {total - before} "
                    "after, which cnn_utils.pooling cannot express; use padding='valid', an "
                    "odd pool size or a stride above 1"
                )
            pads.append(before)
        return tuple(pads), True

    def _output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{self._describe_self()} needs inputs of shape (H, W, C), got {input_shape}"
            )
        h, w, c = input_shape
        g = _pooling._pool_geometry((1, h, w, c), **self._core(h, w))
        return (g.out_h, g.out_w, c)

    def _core(self, h, w):
        padding, ceil_mode = self._core_padding(h, w)
        return {
            "pool_size": self.pool_size,
            "stride": self.strides,
            "padding": padding,
            "ceil_mode": ceil_mode,
        }

    def _build(self, input_shape, rng, dtype):
        super()._build(input_shape, rng, dtype)
        self._core_args = self._core(*input_shape[:2])

    def get_config(self):
        return {
            "name": self.name,
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }


class MaxPooling2D(_Pooling2D):
    """Max pooling, channel by channel (:func:`cnn_utils.pooling.max_pool2d`).

    Parameters
    ----------
    pool_size : int or (int, int), default 2
    strides : int or (int, int), optional
        Defaults to ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` gives ``ceil(H / stride)`` rows, as in Keras; padded cells never win.

    Examples
    --------
    >>> MaxPooling2D(2).build((26, 26, 32)).output_shape
    (None, 13, 13, 32)
    """

    def forward(self, x, training=False, rng=None):
        self._x = x
        return _pooling.max_pool2d(x, **self._core_args)

    def backward(self, dout, need_dx=True):
        if not need_dx:
            return None
        return _pooling.max_pool2d_backward(dout, self._x, **self._core_args)


class AveragePooling2D(_Pooling2D):
    """Average pooling, channel by channel (:func:`cnn_utils.pooling.avg_pool2d`).

    With ``padding="same"`` the windows at the edge average only the real
    cells, as in Keras.

    Examples
    --------
    >>> AveragePooling2D(2, padding="same").build((5, 5, 3)).output_shape
    (None, 3, 3, 3)
    """

    def forward(self, x, training=False, rng=None):
        self._x = x
        return _pooling.avg_pool2d(x, count_include_pad=False, **self._core_args)

    def backward(self, dout, need_dx=True):
        if not need_dx:
            return None
        return _pooling.avg_pool2d_backward(
            dout, self._x, count_include_pad=False, **self._core_args
        )


# --- flatten, dense -------------------------------------------------------------


class Flatten(Layer):
    """Flatten each sample into a vector, in row-major (Keras) order.

    Examples
    --------
    >>> Flatten().build((3, 3, 64)).output_shape
    (None, 576)
    """

    def __init__(self, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)

    def _output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False, rng=None):
        self._x_shape = x.shape
        return flatten(x)

    def backward(self, dout, need_dx=True):
        return dout.reshape(self._x_shape) if need_dx else None


class Dense(_Weighted):
    """Fully connected layer: ``act(x @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : {"relu", "softmax", "linear"} or None
    input_shape : tuple of int, optional
        ``(features,)``, for the first layer of a model.
    use_bias : bool, default True

    Attributes
    ----------
    kernel : numpy.ndarray, shape (features, units)
    bias : numpy.ndarray, shape (units,)

    Notes
    -----
    Initialised as :class:`Conv2D` (He uniform for ReLU, Glorot uniform otherwise,
    zero biases). Dense needs a flat input: put :class:`Flatten` before it.

    Examples
    --------
    >>> layer = Dense(64, activation="relu").build((576,))
    >>> layer.output_shape, layer.count_params()
    ((None, 64), 36928)
    """

    def __init__(
        self, units, activation=None, input_shape=None, use_bias=True, name=None, trainable=True
    ):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.units = check_int(units, "units", 1)
        self.activation = check_activation(activation)
        if not isinstance(use_bias, bool):
            raise TypeError(f"use_bias must be True or False, got {use_bias!r}")
        self.use_bias = use_bias

    def _output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(
                f"{self._describe_self()} needs flat inputs (features,), got {input_shape}; "
                "put Flatten() before it"
            )
        return (self.units,)

    def _make_params(self, input_shape, rng, dtype):
        fan_in = input_shape[0]
        return self._initial_params((fan_in, self.units), fan_in, self.units, rng, dtype)

    def forward(self, x, training=False, rng=None):
        z = x @ self._params["kernel"]
        if self.use_bias:
            z += self._params["bias"]
        a = _activate(self.activation, z)
        self._cache = (x, z, a)
        self._logits = z
        return a

    def backward(self, dout, need_dx=True, from_logits=False):
        x, z, a = self._cache
        dz = dout if from_logits else _activation_backward(self.activation, dout, z, a)
        self.grads = {"kernel": x.T @ dz}
        if self.use_bias:
            self.grads["bias"] = dz.sum(axis=0)
        return dz @ self._params["kernel"].T if need_dx else None

    def get_config(self):
        return {
            "name": self.name,
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
        }


# --- activation layers, dropout ------------------------------------------------


class ReLU(Layer):
    """ReLU as a layer of its own: ``max(0, x)``.

    Examples
    --------
    >>> ReLU().build((3,))(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]], dtype=float32)
    """

    activation = "relu"

    def __init__(self, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)

    def forward(self, x, training=False, rng=None):
        self._x = x
        return relu(x)

    def backward(self, dout, need_dx=True):
        return relu_backward(dout, self._x) if need_dx else None


class Softmax(Layer):
    """Softmax as a layer of its own, along the last axis.

    As the last layer of a model it is fused with the loss, like
    ``Dense(..., activation="softmax")``.

    Examples
    --------
    >>> Softmax().build((2,))(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]], dtype=float32)
    """

    activation = "softmax"

    def __init__(self, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)

    def forward(self, x, training=False, rng=None):
        a = softmax(x, axis=-1)
        self._cache = (x, a)
        self._logits = x
        return a

    def backward(self, dout, need_dx=True, from_logits=False):
        if not need_dx:
            return None
        x, a = self._cache
        return dout if from_logits else _activation_backward("softmax", dout, x, a)


class Dropout(Layer):
    """Dropout: during training, zero each value with probability ``rate``.

    The survivors are scaled by ``1 / (1 - rate)`` ("inverted dropout"), so at
    inference time the layer does nothing.

    Parameters
    ----------
    rate : float in [0, 1)

    Examples
    --------
    >>> layer = Dropout(0.5).build((4,))
    >>> layer(np.ones((1, 4)))            # inference: unchanged
    array([[1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
            raise TypeError(f"rate must be a number in [0, 1), got {rate!r}")
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be in [0, 1) (the fraction dropped), got {rate}")
        self.rate = float(rate)

    def forward(self, x, training=False, rng=None):
        if not training or self.rate == 0:
            self._mask = None
            return x
        if rng is None:
            rng = np.random.default_rng()
        keep = rng.random(x.shape, dtype=x.dtype) >= self.rate
        self._mask = keep.astype(x.dtype) / x.dtype.type(1 - self.rate)
        return x * self._mask

    def backward(self, dout, need_dx=True):
        if not need_dx:
            return None
        return dout if self._mask is None else dout * self._mask

    def get_config(self):
        return {"name": self.name, "rate": self.rate}


def ends_in_softmax(layer: Layer) -> bool:
    """True if ``layer``'s output is a softmax (fused with the loss when it is last)."""
    return getattr(layer, "activation", None) == "softmax"


__all__ = [
    "ACTIVATIONS",
    "AveragePooling2D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPooling2D",
    "ReLU",
    "Softmax",
    "check_activation",
    "ends_in_softmax",
]
