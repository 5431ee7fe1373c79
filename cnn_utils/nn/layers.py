"""Layers of the Keras-like model API, built on the core maths of ``cnn_utils``.

Every layer works on batches in the package's layout, ``(N, H, W, C)`` for
images and ``(N, features)`` after :class:`Flatten`, and does its arithmetic
with the core's public functions: :func:`cnn_utils.conv.conv_forward` and
:func:`~cnn_utils.conv.conv_backward` (the cached pair), the pooling functions
of :mod:`cnn_utils.pooling`, and the activations of :mod:`cnn_utils.activations`.

A layer is used in three ways:

* inside a :class:`~cnn_utils.nn.Sequential` model, which names and builds it;
* on its own after ``layer.build(input_shape)``, by calling it:
  ``layer(x)`` checks ``x`` and runs the forward pass;
* by hand, for teaching: ``layer.forward(x)`` then ``layer.backward(dout)``,
  which returns ``dL/dx`` and leaves the parameter gradients in ``layer.grads``.

Each layer keeps the cache of its own last forward pass; nothing reads another
object's private state. A layer with an activation also offers
``forward_logits(x)``, the forward pass without the activation,
so that a model can fuse its final softmax with the loss; the following
``backward`` then takes ``dL/dlogits``.

Shapes: ``layer.input_shape`` and ``layer.output_shape`` carry ``None`` for
the batch, as in Keras, e.g. ``(None, 26, 26, 32)``.

Limits: a Conv2D has at most 65,536 filters and a Dense layer at most
65,536 units; a layer's kernel and one sample's output of a layer hold at most
2**28 values (``cnn_utils._checks.MAX_ELEMENTS``). Beyond them the layer raises a ValueError
saying how much memory it would need.
"""

from __future__ import annotations

import re

import numpy as np

from .._checks import check_allocation, check_bool, check_int, check_pair
from ..activations import flatten, relu, relu_backward, softmax
from ..conv import conv_backward, conv_forward, conv_geometry
from ..pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
    pool_geometry,
)
from ..shapes import output_size
from ._args import check_fraction, check_width, make_rng

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


def _softmax_backward(da, z, a):
    # Jacobian-vector product of softmax: s * (g - sum(g * s)) along the class axis.
    return a * (da - (da * a).sum(axis=-1, keepdims=True))


# name -> (forward(z), backward(da, z, a))
_ACTIVATION_PAIRS = {
    "linear": (lambda z: z, lambda da, z, a: da),
    "relu": (relu, lambda da, z, a: relu_backward(da, z)),
    "softmax": (lambda z: softmax(z, axis=-1), _softmax_backward),
}


# --- helpers --------------------------------------------------------------------


def _snake_case(class_name: str) -> str:
    # Keras' rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _check_shape(shape, name="input_shape") -> tuple[int, ...]:
    if isinstance(shape, np.ndarray) and shape.ndim == 1:
        shape = tuple(shape)
    if not isinstance(shape, (tuple, list)) or len(shape) == 0:
        raise TypeError(
            f"{name} must be a tuple of sizes without the batch, e.g. (28, 28, 1), got "
            f"{type(shape).__name__} {shape!r:.60}"
        )
    return tuple(check_int(s, f"{name} entry", 1) for s in shape)


def _check_name(name):
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"name must be a non-empty string or None, got {name!r:.60}")
    return name


def _check_dtype(dtype) -> np.dtype:
    # Only names and the float types are looked up: np.dtype() of an arbitrary
    # string may warn or mean something else entirely ('a' is bytes).
    name = None
    if isinstance(dtype, str):
        name = str(dtype)
    elif isinstance(dtype, np.dtype):
        name = dtype.name
    elif isinstance(dtype, type) and dtype in (np.float32, np.float64, float):
        name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r:.60}")
    return np.dtype(name)


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
    ``_make_params(input_shape, rng, dtype)``, and ``forward``/``backward``
    with the signatures below.

    Attributes
    ----------
    name : str or None
        Set by the model (``conv2d``, ``conv2d_1``, ...) when not given.
    trainable : bool
        A frozen layer (``False``) still passes gradients through but its
        parameters are not updated and count as non-trainable.
    activation : str or None
        The activation that ends the layer's forward pass (``"relu"``,
        ``"softmax"``, ``"linear"``), None for layers without one.
    grads : dict
        Gradients of the last :meth:`backward`, keyed like :meth:`params`.
    """

    activation: str | None = None

    def __init__(self, name=None, input_shape=None, trainable=True):
        self.name = _check_name(name)
        self.declared_input_shape = None if input_shape is None else _check_shape(input_shape)
        self.trainable = check_bool(trainable, "trainable")
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
        shape, batch = _strip_batch(input_shape)
        out = self._output_shape(_check_shape(shape))
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

        Returns
        -------
        Layer
            The layer itself, so that ``Conv2D(...).build(shape)`` reads as one step.
        """
        shape, _ = _strip_batch(input_shape)
        self._build(_check_shape(shape), make_rng(seed), _check_dtype(dtype))
        return self

    def _build(self, input_shape, rng, dtype):
        if self.declared_input_shape is not None and self.declared_input_shape != input_shape:
            raise ValueError(
                f"{self._describe_self()} was declared with input_shape="
                f"{self.declared_input_shape} but receives inputs of shape {input_shape} from "
                "the layer before it"
            )
        out = self._output_shape(input_shape)
        check_allocation(out, dtype, f"one sample's output of {self._describe_self()}")
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
        """Overwrite the parameters (in place) with real arrays of the same shapes."""
        self._require_built("weights")
        weights = _weight_list(weights)
        names = list(self._params)
        if len(weights) != len(names):
            raise ValueError(
                f"{self._describe_self()} has {len(names)} weight array(s) {names}, got "
                f"{len(weights)}"
            )
        arrays = [
            _check_weight(new, f"{self._describe_self()}: {pname}", self._params[pname].shape)
            for pname, new in zip(names, weights, strict=True)
        ]
        for pname, arr in zip(names, arrays, strict=True):
            self._params[pname][...] = arr.astype(self.dtype, copy=False)

    def count_params(self) -> int:
        """Number of parameters (trainable or not)."""
        self._require_built("parameters")
        return int(sum(p.size for p in self._params.values()))

    # computing ------------------------------------------------------------
    def forward(self, x, training=False, rng=None):
        """Forward pass on a prepared batch (no checks; the model checks once).

        The layer keeps what its :meth:`backward` needs.
        """
        raise NotImplementedError

    def backward(self, dout, need_dx=True):
        """Backward pass for the last :meth:`forward`: returns ``dL/dx`` (None if not needed).

        Parameter gradients are left in :attr:`grads`.
        """
        raise NotImplementedError

    def __call__(self, x, training=False):
        """Check ``x`` against the layer's input shape, then run :meth:`forward`."""
        self._require_built("input shape to check against")
        training = check_bool(training, "training")
        if isinstance(x, (str, bytes)) or x is None:
            raise TypeError(f"x must be a numeric array, got {type(x).__name__}")
        arr = np.asarray(x)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.integer)
            or np.issubdtype(arr.dtype, np.floating)
            or arr.dtype == np.bool_
        ):
            raise TypeError(f"x must be a real numeric array, got dtype {arr.dtype}")
        if arr.ndim == 0 or arr.shape[1:] != self._in or arr.shape[0] == 0:
            raise ValueError(
                f"{self._describe_self()} expects a batch of shape "
                f"{_fmt_shape(self.input_shape)}, got an array of shape {arr.shape}"
                + ("; for a single sample pass x[None]" if arr.shape == self._in else "")
                + ("; a batch needs at least one sample" if arr.shape[:1] == (0,) else "")
            )
        return self.forward(arr.astype(self.dtype, copy=False), training=training)

    # description ------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments, as Keras' ``get_config``."""
        return {"name": self.name}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        name = f", name={self.name!r}" if self.name else ""
        return f"{type(self).__name__}({args}{name})"


def _strip_batch(input_shape):
    """``(None, 28, 28, 1)`` -> ``((28, 28, 1), True)``; a shape without None is kept."""
    if isinstance(input_shape, np.ndarray) and input_shape.ndim == 1:
        input_shape = tuple(input_shape)
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(
            "input_shape must be a tuple of sizes, e.g. (28, 28, 1) or (None, 28, 28, 1), got "
            f"{type(input_shape).__name__} {input_shape!r:.60}"
        )
    shape = tuple(input_shape)
    if len(shape) > 0 and shape[0] is None:
        return shape[1:], True
    return shape, False


def _weight_list(weights) -> list:
    """``weights`` (a list or other iterable of arrays, not one array) as a list."""
    if isinstance(weights, (str, bytes, np.ndarray)) or not hasattr(weights, "__iter__"):
        raise TypeError(
            f"weights must be a list of arrays, got {type(weights).__name__} {weights!r:.40}"
        )
    return list(weights)


def _check_weight(new, name, shape) -> np.ndarray:
    if isinstance(new, (str, bytes)) or new is None:
        raise TypeError(f"{name} must be a numeric array, got {type(new).__name__}")
    arr = np.asarray(new)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr


def _window_output(layer, n, k, s, d, axis):
    """Output size along one axis of a Keras-style window layer (conv or pooling).

    With ``padding="same"`` a window larger than the input is refused too: it
    would mostly cover padding, and a huge one would allocate a huge padded input.
    """
    eff = d * (k - 1) + 1
    if layer.padding == "valid":
        return output_size(n, k, stride=s, padding=0, dilation=d)
    if eff > n:
        covering = f" (dilated to {eff})" if d > 1 else ""
        raise ValueError(
            f"{layer._describe_self()}: its window of {k}{covering} {axis} does not fit in the "
            f"{n} {axis} of its input; with padding='same' it would cover mostly padding. "
            "Use a smaller kernel_size/pool_size or a larger input"
        )
    return -(-n // s)


class _Activated(Layer):
    """A layer whose forward pass ends in an activation: ``activation(pre_activation(x))``.

    Subclasses implement ``_pre_forward(x, training, rng)`` (the part before the
    activation, keeping its own cache) and ``_pre_backward(dz, need_dx)``.
    """

    activation = "linear"

    def forward(self, x, training=False, rng=None):
        """Forward pass, activation included."""
        return self._run(x, training, rng, self.activation)

    def forward_logits(self, x, training=False, rng=None):
        """Forward pass without the activation: the logits when the activation is softmax.

        The next :meth:`backward` then takes ``dL/dlogits``. A model uses this to
        fuse its final softmax with the cross-entropy loss.
        """
        return self._run(x, training, rng, "linear")

    def _run(self, x, training, rng, activation):
        z = self._pre_forward(x, training, rng)
        a = _ACTIVATION_PAIRS[activation][0](z)
        self._activation_cache = (activation, z, a)
        return a

    def backward(self, dout, need_dx=True):
        activation, z, a = self._activation_cache
        dz = _ACTIVATION_PAIRS[activation][1](dout, z, a)
        return self._pre_backward(dz, need_dx)

    def _pre_forward(self, x, training, rng):
        return x

    def _pre_backward(self, dz, need_dx):
        return dz if need_dx else None


# --- convolution ----------------------------------------------------------------


class _Weighted(_Activated):
    """A layer with a ``kernel`` (last axis: outputs) and an optional ``bias``."""

    def _initial_params(self, shape, fan_in, fan_out, rng, dtype):
        check_allocation(shape, dtype, f"the kernel of {self._describe_self()}")
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
        Number of filters, i.e. output channels: 1 to 65,536.
    kernel_size : int or (int, int)
        At most the input's size (dilation included), also with ``padding="same"``.
    strides : int or (int, int), default 1
    padding : {"valid", "same"}, default "valid"
        ``"same"`` keeps ``ceil(H / stride)`` rows, as in Keras.
    activation : {"relu", "softmax", "linear"} or None
    input_shape : tuple of int, optional
        ``(H, W, C)`` of one sample, for the first layer of a model.
    dilation_rate : int or (int, int), default 1
    use_bias : bool, default True
    name : str, optional
    trainable : bool, default True

    Attributes
    ----------
    kernel : numpy.ndarray, shape (kh, kw, C_in, filters)
    bias : numpy.ndarray, shape (filters,)

    Raises
    ------
    TypeError
        Non-integer sizes, a non-string padding or activation, a non-bool flag.
    ValueError
        Sizes below 1, more than 65,536 filters (the message says how much memory
        they would need), an unknown padding or activation name.

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
        self.filters = check_width(filters, "filters", "the kernel")
        self.kernel_size = check_pair(kernel_size, "kernel_size", 1)
        self.strides = check_pair(strides, "strides", 1)
        self.padding = _check_padding(padding)
        self.activation = check_activation(activation)
        self.dilation_rate = check_pair(dilation_rate, "dilation_rate", 1)
        self.use_bias = check_bool(use_bias, "use_bias")

    def _output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{self._describe_self()} needs inputs of shape (H, W, C), got "
                f"{input_shape}; for one-channel images use input_shape=(H, W, 1)"
            )
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        if self.padding == "same":
            _window_output(self, input_shape[0], kh, sh, dh, "rows")
            _window_output(self, input_shape[1], kw, sw, dw, "columns")
        g = conv_geometry(
            (1, *input_shape),
            (kh, kw, input_shape[2], self.filters),
            self.strides,
            self.padding,
            self.dilation_rate,
        )
        return g.output_shape[1:]

    def _make_params(self, input_shape, rng, dtype):
        kh, kw = self.kernel_size
        cin = input_shape[2]
        shape = (kh, kw, cin, self.filters)
        return self._initial_params(shape, kh * kw * cin, kh * kw * self.filters, rng, dtype)

    def _pre_forward(self, x, training, rng):
        z, self._conv_cache = conv_forward(
            x,
            self._params["kernel"],
            self._params.get("bias"),
            self.strides,
            self.padding,
            self.dilation_rate,
        )
        return z

    def _pre_backward(self, dz, need_dx):
        dx, dw, db = conv_backward(dz, self._conv_cache, need_dx=need_dx)
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


def _check_padding(padding) -> str:
    if not isinstance(padding, str):
        raise TypeError(
            f"padding must be 'valid' or 'same', got {type(padding).__name__} {padding!r:.40}"
        )
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r:.40}")
    return padding


# --- pooling --------------------------------------------------------------------


class _Pooling2D(Layer):
    def __init__(self, pool_size=2, strides=None, padding="valid", input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)
        self.pool_size = check_pair(pool_size, "pool_size", 1)
        self.strides = self.pool_size if strides is None else check_pair(strides, "strides", 1)
        self.padding = _check_padding(padding)
        self._core_args: dict = {}

    def _geometry(self, input_shape):
        """``(output shape, keyword arguments of the core pooling functions)``.

        Keras' ``"same"`` pads ``total = (out - 1) * s + k - n`` cells, the odd one
        after; core pooling pads ``total // 2`` on both sides and, in ceil mode, lets
        the last window hang over the end. The two agree when the core's geometry
        gives Keras' ``ceil(n / s)`` windows, which is checked here.
        """
        if len(input_shape) != 3:
            raise ValueError(
                f"{self._describe_self()} needs inputs of shape (H, W, C), got {input_shape}"
            )
        h, w, c = input_shape
        (kh, kw), (sh, sw) = self.pool_size, self.strides
        same = self.padding == "same"
        padding = (0, 0)
        if same:
            keras_out = (
                _window_output(self, h, kh, sh, 1, "rows"),
                _window_output(self, w, kw, sw, 1, "columns"),
            )
            padding = (
                max((keras_out[0] - 1) * sh + kh - h, 0) // 2,
                max((keras_out[1] - 1) * sw + kw - w, 0) // 2,
            )
        core = {"pool_size": (kh, kw), "stride": (sh, sw), "padding": padding, "ceil_mode": same}
        out_h, out_w = pool_geometry((h, w), **core).output_size
        if same and (out_h, out_w) != keras_out:
            pool = kh if kh == kw else (kh, kw)
            raise ValueError(
                f"{self._describe_self()}: padding='same' with pool size {pool} "
                f"and stride {sh if sh == sw else (sh, sw)} on a {h}x{w} input needs uneven "
                "padding, which cnn_utils.pooling cannot express; use padding='valid', an odd "
                "pool size or a stride above 1"
            )
        return (out_h, out_w, c), core

    def _output_shape(self, input_shape):
        return self._geometry(input_shape)[0]

    def _build(self, input_shape, rng, dtype):
        super()._build(input_shape, rng, dtype)
        self._core_args = self._geometry(input_shape)[1]

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
        At most the input's size.
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
        return max_pool2d(x, **self._core_args)

    def backward(self, dout, need_dx=True):
        if not need_dx:
            return None
        return max_pool2d_backward(dout, self._x, **self._core_args)


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
        return avg_pool2d(x, count_include_pad=False, **self._core_args)

    def backward(self, dout, need_dx=True):
        if not need_dx:
            return None
        return avg_pool2d_backward(dout, self._x, count_include_pad=False, **self._core_args)


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
        return (int(np.prod(input_shape, dtype=object)),)

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
        Number of outputs: 1 to 65,536.
    activation : {"relu", "softmax", "linear"} or None
    input_shape : tuple of int, optional
        ``(features,)``, for the first layer of a model.
    use_bias : bool, default True
    name : str, optional
    trainable : bool, default True

    Attributes
    ----------
    kernel : numpy.ndarray, shape (features, units)
    bias : numpy.ndarray, shape (units,)

    Raises
    ------
    TypeError, ValueError
        As :class:`Conv2D`; ``units`` above 65,536 or a kernel of more than
        2**28 values gives a ValueError saying how much memory it would need.

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
        self.units = check_width(units, "units", "the kernel")
        self.activation = check_activation(activation)
        self.use_bias = check_bool(use_bias, "use_bias")

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

    def _pre_forward(self, x, training, rng):
        self._x = x
        z = x @ self._params["kernel"]
        if self.use_bias:
            z += self._params["bias"]
        return z

    def _pre_backward(self, dz, need_dx):
        self.grads = {"kernel": self._x.T @ dz}
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


class ReLU(_Activated):
    """ReLU as a layer of its own: ``max(0, x)``.

    Examples
    --------
    >>> ReLU().build((3,))(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]], dtype=float32)
    """

    activation = "relu"

    def __init__(self, input_shape=None, name=None):
        super().__init__(name=name, input_shape=input_shape)


class Softmax(_Activated):
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
        self.rate = check_fraction(rate, "rate (the fraction dropped)")

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
    return layer.activation == "softmax" and hasattr(layer, "forward_logits")


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
