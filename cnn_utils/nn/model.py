"""``Sequential``: a stack of layers with Keras' ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

Inputs
------
``x`` is a batch in the model's input shape, ``(N, 28, 28, 1)`` for the MNIST
model. Two conveniences, both applied the same way by ``fit``, ``evaluate``,
``predict`` and the introspection methods:

* ``(N, 28, 28)`` is accepted when the model expects one channel
  ``(28, 28, 1)``: the channel axis is added;
* ``uint8`` arrays, the way images are stored (``load_mnist`` returns them),
  are pixel values 0-255 and are divided by 255. Any other numeric array is
  used as it is (cast to the model's float type), so scale it yourself.

Labels ``y`` are integer class indices ``0 .. K-1`` (Keras' *sparse*
categorical cross-entropy), one per sample.

Randomness
----------
``Sequential(seed=...)`` seeds the initial weights; ``fit(seed=...)`` seeds
the shuffling, dropout and augmentation of that call (without it they are
drawn from the model's own generator, so a model built with a seed trains
the same way every time too). The same seeds give the same run bit for bit.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._checks import check_int
from ..activations import cross_entropy, softmax_cross_entropy_backward
from .augment import ImageAugmenter
from .callbacks import Callback, CallbackList, History, ProgbarLogger
from .layers import Layer, _check_dtype, _fmt_shape, _snake_case, ends_in_softmax
from .optimizers import get_optimizer

LOSSES = ("sparse_categorical_crossentropy",)
METRICS = ("accuracy",)
_WEIGHTS_FORMAT = "cnn_utils.nn weights v1"


@dataclass(frozen=True)
class LayerSummary:
    """One row of :meth:`Sequential.summary`."""

    name: str
    type: str
    output_shape: tuple
    params: int
    trainable: bool


@dataclass(frozen=True)
class ModelSummary:
    """The numbers of :meth:`Sequential.summary` as data; ``str()`` gives the table."""

    name: str
    layers: tuple[LayerSummary, ...]
    total_params: int
    trainable_params: int
    non_trainable_params: int

    def to_text(self, line_length: int = 65) -> str:
        """The Keras-style table; columns widen to fit long layer names."""
        first = [f"{lay.name} ({lay.type})" for lay in self.layers]
        shapes = [_fmt_shape(lay.output_shape) for lay in self.layers]
        c1 = max([29] + [len(t) + 3 for t in first])
        c2 = c1 + max([26] + [len(t) + 2 for t in shapes])
        line_length = max(line_length, c2 + 10)

        def row(a, b, c):
            return (f" {a}".ljust(c1) + f"{b}".ljust(c2 - c1) + f"{c}").rstrip()

        lines = [
            f'Model: "{self.name}"',
            "_" * line_length,
            row("Layer (type)", "Output Shape", "Param #"),
            "=" * line_length,
        ]
        for i, layer in enumerate(self.layers):
            lines.append(row(first[i], shapes[i], f"{layer.params:,}"))
            lines.append("_" * line_length if i < len(self.layers) - 1 else "=" * line_length)
        if not self.layers:
            lines.append("=" * line_length)
        lines += [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            "_" * line_length,
        ]
        return "\n".join(lines)

    def __str__(self):
        return self.to_text()


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_verbose(verbose):
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    return verbose


class Sequential:
    """A linear stack of layers, trained with mini-batch gradient descent.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with :meth:`add`.
    name : str, default "sequential"
    seed : int, optional
        Seeds the initial weights (and, unless ``fit`` gets its own seed, the
        shuffling, dropout and augmentation). None: different every time.
    dtype : {"float32", "float64"}, default "float32"
        Type of weights and computations (float64 for gradient checks).

    Examples
    --------
    >>> from cnn_utils.nn import Conv2D, MaxPooling2D, Flatten, Dense
    >>> model = Sequential(seed=0)
    >>> model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    >>> model.add(MaxPooling2D((2, 2)))
    >>> model.add(Flatten())
    >>> model.add(Dense(10, activation="softmax"))
    >>> [layer.name for layer in model.layers]
    ['conv2d', 'max_pooling2d', 'flatten', 'dense']
    >>> model.count_params()
    54410
    """

    def __init__(self, layers=None, name=None, seed=None, dtype="float32"):
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        self.name = name or "sequential"
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.dtype = _check_dtype(dtype)
        self.layers: list[Layer] = []
        self._in: tuple[int, ...] | None = None
        self.optimizer = None
        self.loss = None
        self.metrics: list[str] = []
        self.compiled = False
        self.history: History | None = None
        self.stop_training = False
        if layers is not None:
            if isinstance(layers, Layer) or not isinstance(layers, (list, tuple)):
                raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
            for layer in layers:
                self.add(layer)

    # --- building -----------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer; it is named (if unnamed) and built when the input shape is known."""
        if not isinstance(layer, Layer):
            raise TypeError(
                f"can only add layers such as Conv2D(...) or Dense(...), got "
                f"{type(layer).__name__} {layer!r:.40}"
            )
        if any(existing is layer for existing in self.layers):
            raise ValueError(f"layer {layer.name!r} is already in this model")
        if layer.name is None:
            layer.name = self._unique_name(_snake_case(type(layer).__name__))
        elif any(existing.name == layer.name for existing in self.layers):
            raise ValueError(
                f"layer names must be unique; {layer.name!r} is already used in this model"
            )
        self.layers.append(layer)
        if self._in is None and len(self.layers) == 1:
            self._in = layer.declared_input_shape  # None: built later, from the data
        if self._in is not None:
            try:
                self._build_layers()
            except (ValueError, TypeError):
                self.layers.pop()
                if not self.layers:
                    self._in = None
                raise

    def _unique_name(self, base: str) -> str:
        names = {layer.name for layer in self.layers}
        if base not in names:
            return base
        i = 1
        while f"{base}_{i}" in names:
            i += 1
        return f"{base}_{i}"

    def _build_layers(self) -> None:
        shape = self._in
        for layer in self.layers:
            if not layer.built or layer._in != shape or layer.dtype != self.dtype:
                layer._build(shape, self._rng, self.dtype)
            shape = layer._out

    def build(self, input_shape) -> None:
        """Build the model for inputs of ``input_shape`` = ``(None, H, W, C)`` (Keras' form).

        Needed only when the first layer has no ``input_shape``; ``fit`` and
        ``predict`` build such a model from the data they receive.
        """
        shape = tuple(input_shape)
        if not shape or shape[0] is not None:
            raise ValueError(
                "input_shape for build must start with None for the batch, e.g. "
                f"(None, 28, 28, 1), got {input_shape!r}"
            )
        if not self.layers:
            raise ValueError("the model has no layers to build; add some first")
        first = self.layers[0]
        if first.declared_input_shape is not None and first.declared_input_shape != shape[1:]:
            raise ValueError(
                f"the first layer was declared with input_shape={first.declared_input_shape}, "
                f"not {shape[1:]}"
            )
        self._in = tuple(check_int(s, "input_shape entry", 1) for s in shape[1:])
        self._build_layers()

    @property
    def built(self) -> bool:
        return self._in is not None and bool(self.layers) and all(lay.built for lay in self.layers)

    def _require_built(self, what):
        if not self.layers:
            raise ValueError(f"the model has no layers yet, so it has no {what}; add layers first")
        if not self.built:
            raise ValueError(
                f"the model is not built yet, so it has no {what}: give the first layer an "
                "input_shape, e.g. Conv2D(32, 3, input_shape=(28, 28, 1)), or call "
                "model.build((None, 28, 28, 1))"
            )

    @property
    def input_shape(self):
        """``(None, H, W, C)``."""
        self._require_built("input shape")
        return (None, *self._in)

    @property
    def output_shape(self):
        """``(None, classes)`` for a classifier."""
        self._require_built("output shape")
        return self.layers[-1].output_shape

    # --- description -----------------------------------------------------------
    def count_params(self) -> int:
        """Total number of parameters."""
        self._require_built("parameters")
        return sum(layer.count_params() for layer in self.layers)

    def summary_data(self) -> ModelSummary:
        """The summary table's numbers: per layer name, type, output shape, parameters."""
        self._require_built("summary")
        rows = tuple(
            LayerSummary(
                layer.name,
                type(layer).__name__,
                layer.output_shape,
                layer.count_params(),
                layer.trainable,
            )
            for layer in self.layers
        )
        total = sum(r.params for r in rows)
        trainable = sum(r.params for r in rows if r.trainable)
        return ModelSummary(self.name, rows, total, trainable, total - trainable)

    def summary(self, line_length=65, print_fn=None, return_data=False):
        """Print a Keras-style table of layers, output shapes and parameter counts.

        Parameters
        ----------
        line_length : int, default 65
        print_fn : callable, optional
            Receives the whole table as one string (default: ``print``).
        return_data : bool, default False
            Also return the numbers as a :class:`ModelSummary`.
        """
        data = self.summary_data()
        (print_fn or print)(data.to_text(line_length))
        return data if return_data else None

    def get_layer(self, name=None, index=None) -> Layer:
        """A layer by name or by position (negative counts from the end)."""
        if (name is None) == (index is None):
            raise ValueError("give exactly one of name= or index=")
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"name must be a string, got {name!r}")
            return self.layers[self._resolve_layer(name)]
        return self.layers[self._resolve_layer(check_int(index, "index"))]

    def _resolve_layer(self, layer) -> int:
        """Index of a layer given by name, position or the object itself."""
        names = [lay.name for lay in self.layers]
        if isinstance(layer, Layer):
            for i, lay in enumerate(self.layers):
                if lay is layer:
                    return i
            raise ValueError(f"layer {layer.name!r} is not in this model; its layers: {names}")
        if isinstance(layer, str):
            if layer not in names:
                raise ValueError(f"no layer named {layer!r}; the layers are {names}")
            return names.index(layer)
        if isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
            n = len(self.layers)
            if not -n <= layer < n:
                raise ValueError(f"layer index {layer} out of range for {n} layers")
            return int(layer) % n
        raise TypeError(
            f"layer must be a name, an index or a layer object, got {type(layer).__name__}"
        )

    def __repr__(self):
        shape = _fmt_shape(self.input_shape) if self.built else "not built"
        return f"<Sequential {self.name!r}: {len(self.layers)} layers, input {shape}>"

    # --- weights ------------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        """The live parameter arrays of every layer, in order."""
        return [w for layer in self.layers for w in layer.weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter array, in order (kernel, bias, kernel, bias, ...)."""
        self._require_built("weights")
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        """Overwrite every parameter array, in :meth:`get_weights`' order."""
        self._require_built("weights")
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"the model has {expected} weight arrays, got {len(weights)}")
        i = 0
        for layer in self.layers:
            k = len(layer.weights)
            if k:
                layer.set_weights(weights[i : i + k])
            i += k

    def _architecture(self) -> list[dict]:
        return [
            {
                "name": layer.name,
                "class": type(layer).__name__,
                "output_shape": list(layer._out),
                "weights": {k: list(v.shape) for k, v in layer.params().items()},
            }
            for layer in self.layers
        ]

    def save_weights(self, path) -> None:
        """Save every layer's parameters to a compressed ``.npz`` file.

        The file also records the architecture (layer types, output shapes,
        weight shapes) so that :meth:`load_weights` can refuse a mismatch.
        """
        self._require_built("weights")
        path = Path(path)
        if path.suffix != ".npz":
            raise ValueError(f"weights files end in .npz, got {str(path)!r}")
        arrays = {
            f"layer{i:02d}/{pname}": arr
            for i, layer in enumerate(self.layers)
            for pname, arr in layer.params().items()
        }
        header = {
            "format": _WEIGHTS_FORMAT,
            "model": self.name,
            "input_shape": list(self._in),
            "layers": self._architecture(),
        }
        arrays["architecture"] = np.array(json.dumps(header))
        np.savez_compressed(path, **arrays)

    def load_weights(self, path) -> None:
        """Load parameters saved by :meth:`save_weights` into this (built) model.

        Raises
        ------
        FileNotFoundError
            No such file.
        ValueError
            The file is not a weights file, or its architecture differs from
            this model's (the message names the first difference).
        """
        self._require_built("weights to load into")
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no weights file at {str(path)!r}")
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["architecture"]))
                arrays = {k: data[k] for k in data.files if k != "architecture"}
        except (KeyError, ValueError, OSError) as err:
            raise ValueError(
                f"{str(path)!r} is not a weights file written by save_weights ({err})"
            ) from None
        if header.get("format") != _WEIGHTS_FORMAT:
            raise ValueError(f"{str(path)!r} has unknown format {header.get('format')!r}")
        self._check_architecture(header, path)
        for i, layer in enumerate(self.layers):
            names = list(layer.params())
            if names:
                layer.set_weights([arrays[f"layer{i:02d}/{p}"] for p in names])

    def _check_architecture(self, header, path):
        theirs, ours = header["layers"], self._architecture()

        def describe(arch):
            return ", ".join(f"{a['class']}{tuple(a['output_shape'])}" for a in arch)

        prefix = f"the weights in {str(path)!r} do not fit this model"
        if tuple(header["input_shape"]) != self._in:
            raise ValueError(
                f"{prefix}: they were saved for inputs {tuple(header['input_shape'])}, "
                f"this model takes {self._in}"
            )
        if len(theirs) != len(ours):
            raise ValueError(
                f"{prefix}: the file has {len(theirs)} layers ({describe(theirs)}), this model "
                f"has {len(ours)} ({describe(ours)})"
            )
        for i, (a, b) in enumerate(zip(theirs, ours, strict=True)):
            if a["class"] != b["class"] or a["weights"] != b["weights"]:
                raise ValueError(
                    f"{prefix}: layer {i} is {a['class']} with weights {a['weights']} in the "
                    f"file but {b['class']} {b['name']!r} with weights {b['weights']} here"
                )

    # --- data checks ----------------------------------------------------------------
    def _prepare_x(self, x, name="x"):
        """Check ``x`` against the input shape; add a channel axis, scale uint8, cast."""
        if isinstance(x, (str, bytes)) or x is None:
            raise TypeError(f"{name} must be an array of images, got {type(x).__name__}")
        arr = np.asarray(x)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
        ):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        if not self.built:
            if not self.layers:
                raise ValueError("the model has no layers; add layers first")
            if arr.ndim < 2:
                raise ValueError(f"{name} must be a batch (N, ...), got shape {arr.shape}")
            self.build((None, *arr.shape[1:]))
        expected = self._in
        if arr.ndim == len(expected) + 1 and arr.shape[1:] == expected:
            pass
        elif expected[-1] == 1 and arr.ndim == len(expected) and arr.shape[1:] == expected[:-1]:
            arr = arr[..., None]
        else:
            hint = ""
            if arr.shape == expected or (expected[-1] == 1 and arr.shape == expected[:-1]):
                hint = "; this looks like a single sample: pass x[None] for a batch of one"
            one_channel = (
                f" (or (N, {', '.join(map(str, expected[:-1]))}) for one channel)"
                if expected[-1] == 1
                else ""
            )
            raise ValueError(
                f"{name} must be a batch of shape (N, {', '.join(map(str, expected))})"
                f"{one_channel} for this model, got shape {arr.shape}{hint}"
            )
        if arr.shape[0] == 0:
            raise ValueError(f"{name} is empty (shape {arr.shape})")
        if arr.dtype == np.uint8:
            return arr.astype(self.dtype) / self.dtype.type(255)
        return arr.astype(self.dtype, copy=False)

    def _n_classes(self) -> int:
        out = self.layers[-1]._out
        if len(out) != 1:
            raise ValueError(
                f"the model's output has shape {_fmt_shape(self.output_shape)}; a classifier "
                "ends with a flat (N, classes) output, e.g. Flatten() then Dense(10, "
                "activation='softmax')"
            )
        return out[0]

    def _prepare_y(self, y, n, name="y"):
        arr = np.asarray(y)
        k = self._n_classes()
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(
                f"{name} must hold integer class labels 0..{k - 1}, got dtype {arr.dtype}"
                + ("; for one-hot labels use y.argmax(axis=1)" if arr.ndim == 2 else "")
            )
        if arr.ndim == 2 and arr.shape == (n, k):
            raise ValueError(
                f"{name} looks one-hot (shape {arr.shape}); this loss takes integer labels: "
                "pass y.argmax(axis=1)"
            )
        if arr.shape != (n,):
            raise ValueError(
                f"{name} must have shape ({n},), one label per sample, got {arr.shape}"
            )
        if arr.min() < 0 or arr.max() >= k:
            raise ValueError(
                f"{name} must lie in 0..{k - 1} for a model with {k} outputs, got labels from "
                f"{arr.min()} to {arr.max()}"
            )
        return arr.astype(np.intp)

    # --- forward and backward ----------------------------------------------------------
    def _forward(self, x, training=False, rng=None, upto=None):
        stop = len(self.layers) if upto is None else upto + 1
        for layer in self.layers[:stop]:
            x = layer.forward(x, training=training, rng=rng)
        return x

    def _backward(self, dout, start, need_input_grad, from_logits=False):
        """Backpropagate ``dout`` (gradient of layer ``start``'s output) to the input."""
        for i in range(start, -1, -1):
            layer = self.layers[i]
            need_dx = need_input_grad or i > 0
            if from_logits and i == start:
                dout = layer.backward(dout, need_dx=need_dx, from_logits=True)
            else:
                dout = layer.backward(dout, need_dx=need_dx)
        return dout

    def _logits(self):
        # the last layer's output before its softmax, kept by its forward pass
        return self.layers[-1]._logits

    def __call__(self, x, training=False):
        """Run the whole model on a batch (no batching): the output probabilities."""
        return self._forward(self._prepare_x(x), training=training)

    # --- compile ------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=None):
        """Choose the optimizer, the loss and the metrics, as in Keras.

        Parameters
        ----------
        optimizer : str or Optimizer, default "rmsprop"
            ``"sgd"``, ``"adam"``, ``"rmsprop"`` (default settings) or an object
            such as ``SGD(learning_rate=0.01, momentum=0.9)``.
        loss : {"sparse_categorical_crossentropy"}
            Cross-entropy with integer labels. The model must end in a softmax
            (``Dense(10, activation="softmax")`` or a ``Softmax`` layer); it is
            fused with the loss, whose gradient with respect to the logits is
            ``(softmax - one_hot) / N``.
        metrics : list of str, optional
            ``["accuracy"]`` (or ``["acc"]``) to report accuracy.
        """
        self.optimizer = get_optimizer(optimizer)
        if loss not in LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; known losses: {', '.join(repr(x) for x in LOSSES)}"
            )
        self.loss = loss
        names = []
        for m in [] if metrics is None else list(metrics):
            if m in ("accuracy", "acc", "sparse_categorical_accuracy"):
                names.append("accuracy")
            else:
                raise ValueError(
                    f"unknown metric {m!r}; known metrics: {', '.join(repr(x) for x in METRICS)}"
                )
        self.metrics = sorted(set(names))
        self.compiled = True
        if self.layers:
            self._check_output()

    def _check_output(self):
        last = self.layers[-1]
        if not ends_in_softmax(last):
            raise ValueError(
                f"sparse_categorical_crossentropy needs probabilities: the last layer "
                f"({last.name}, {type(last).__name__}) must end in a softmax, e.g. "
                "Dense(10, activation='softmax') or a Softmax() layer"
            )

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"call model.compile(...) before model.{what}(...), e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy'])"
            )
        if self.layers:
            self._check_output()

    # --- training -----------------------------------------------------------------
    def loss_and_gradients(self, x, y, training=False):
        """Loss of a batch and its gradients, without changing the weights.

        Returns
        -------
        loss : float
        weight_grads : list of numpy.ndarray
            ``dL/dw`` for every parameter, in :meth:`get_weights`' order.
        input_grad : numpy.ndarray
            ``dL/dx``, in the prepared input's shape ``(N, H, W, C)``.
        """
        self._require_compiled("loss_and_gradients")
        xb = self._prepare_x(x)
        yb = self._prepare_y(y, len(xb))
        self._forward(xb, training=training, rng=self._rng)
        logits = self._logits()
        loss = cross_entropy(logits, yb)
        dx = self._backward(
            softmax_cross_entropy_backward(logits, yb),
            len(self.layers) - 1,
            need_input_grad=True,
            from_logits=True,
        )
        grads = [layer.grads[p] for layer in self.layers for p in layer.params()]
        return loss, grads, dx

    def _train_step(self, xb, yb, rng):
        self._forward(xb, training=True, rng=rng)
        logits = self._logits()
        loss = cross_entropy(logits, yb)
        self._backward(
            softmax_cross_entropy_backward(logits, yb),
            len(self.layers) - 1,
            need_input_grad=False,
            from_logits=True,
        )
        self.optimizer.apply_gradients(
            (layer.grads[p], arr)
            for layer in self.layers
            if layer.trainable
            for p, arr in layer.params().items()
        )
        correct = int(np.count_nonzero(logits.argmax(axis=1) == yb))
        return loss, correct

    def train_on_batch(self, x, y):
        """One gradient step on one batch; returns ``(loss, accuracy)`` before the step."""
        self._require_compiled("train_on_batch")
        xb = self._prepare_x(x)
        yb = self._prepare_y(y, len(xb))
        loss, correct = self._train_step(xb, yb, self._rng)
        return loss, correct / len(yb)

    def _resolve_augment(self, augment):
        if augment is None or augment is False:
            return None
        if augment is True:
            return ImageAugmenter()
        if callable(augment):
            return augment
        raise TypeError(
            "augment must be None, True (default ImageAugmenter()), an ImageAugmenter or a "
            f"function (batch, rng) -> batch, got {type(augment).__name__}"
        )

    def fit(
        self,
        x,
        y,
        epochs=1,
        batch_size=32,
        validation_data=None,
        validation_split=0.0,
        shuffle=True,
        verbose=1,
        callbacks=None,
        augment=None,
        seed=None,
    ) -> History:
        """Train with mini-batch gradient descent; returns a :class:`History`.

        Parameters
        ----------
        x : array_like
            Training images, ``(N, H, W, C)`` (see the module docstring for
            ``(N, H, W)`` and ``uint8``).
        y : array_like of int, shape (N,)
        epochs : int, default 1
        batch_size : int, default 32
            The last batch of an epoch may be smaller.
        validation_data : (x_val, y_val), optional
            Scored after every epoch (``val_loss``, ``val_accuracy``).
        validation_split : float in [0, 1), default 0.0
            Without ``validation_data``, hold out this fraction of ``(x, y)``,
            the last samples before shuffling (Keras' rule), for validation.
        shuffle : bool, default True
            New order every epoch.
        verbose : {0, 1, 2}, default 1
            0 silent, 1 progress bar, 2 one line per epoch (see
            :class:`~cnn_utils.nn.callbacks.ProgbarLogger`; timings can be hidden
            with :func:`~cnn_utils.nn.set_show_time`).
        callbacks : list of Callback, optional
        augment : None, True, ImageAugmenter or callable, optional
            Transform each training batch (``f(batch, rng) -> batch``) before the step.
        seed : int, optional
            Seeds shuffling, dropout and augmentation for this call.

        Returns
        -------
        History
            ``history.history`` holds per-epoch lists ``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy``.
        """
        self._require_compiled("fit")
        xs = self._prepare_x(x)
        ys = self._prepare_y(y, len(xs))
        epochs = check_int(epochs, "epochs", 0)
        batch_size = check_int(batch_size, "batch_size", 1)
        shuffle = _check_bool(shuffle, "shuffle")
        verbose = _check_verbose(verbose)
        val = None
        if validation_split:
            if isinstance(validation_split, bool) or not 0 <= validation_split < 1:
                raise ValueError(
                    f"validation_split must be a fraction in [0, 1), got {validation_split!r}"
                )
            if validation_data is None:
                # Keras' rule: the last fraction of the samples, taken before shuffling
                n_val = int(len(xs) * validation_split)
                if n_val == 0 or n_val == len(xs):
                    raise ValueError(
                        f"validation_split={validation_split} of {len(xs)} samples leaves "
                        f"{n_val} for validation and {len(xs) - n_val} for training"
                    )
                val = (xs[-n_val:], ys[-n_val:])
                xs, ys = xs[:-n_val], ys[:-n_val]
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val)")
            xv = self._prepare_x(validation_data[0], "validation_data[0]")
            val = (xv, self._prepare_y(validation_data[1], len(xv), "validation_data[1]"))
        augmenter = self._resolve_augment(augment)
        user_callbacks = [] if callbacks is None else list(callbacks)
        for cb in user_callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "callbacks must be Callback objects (subclass cnn_utils.nn.Callback), got "
                    f"{type(cb).__name__}"
                )
        if seed is not None:
            rng = np.random.default_rng(check_int(seed, "seed", 0))
        else:
            rng = np.random.default_rng(self._rng.integers(2**63))

        n = len(xs)
        steps = -(-n // batch_size)
        track_acc = "accuracy" in self.metrics
        keys = ["loss"] + (["accuracy"] if track_acc else [])
        if val is not None:
            keys += [f"val_{k}" for k in keys]
        params = {
            "epochs": epochs,
            "steps": steps,
            "samples": n,
            "batch_size": batch_size,
            "verbose": verbose,
            "do_validation": val is not None,
            "metrics": keys,
        }
        history = History()
        cbs = [history] + ([ProgbarLogger(verbose)] if verbose else []) + user_callbacks
        cblist = CallbackList(cbs, self, params)
        self.history = history
        self.stop_training = False

        cblist.on_train_begin({})
        epoch_logs: dict = {}
        for epoch in range(epochs):
            cblist.on_epoch_begin(epoch, {})
            order = rng.permutation(n) if shuffle else None
            loss_sum, correct_sum, seen = 0.0, 0, 0
            for step in range(steps):
                if order is None:
                    xb = xs[step * batch_size : (step + 1) * batch_size]
                    yb = ys[step * batch_size : (step + 1) * batch_size]
                else:
                    idx = order[step * batch_size : (step + 1) * batch_size]
                    xb, yb = xs[idx], ys[idx]
                size = len(yb)
                cblist.on_batch_begin(step, {"batch": step, "size": size})
                if augmenter is not None:
                    xb = self._augment_batch(augmenter, xb, rng)
                loss, correct = self._train_step(xb, yb, rng)
                loss_sum += loss * size
                correct_sum += correct
                seen += size
                logs = {"batch": step, "size": size, "loss": loss_sum / seen}
                if track_acc:
                    logs["accuracy"] = correct_sum / seen
                logs["batch_loss"] = loss
                if track_acc:
                    logs["batch_accuracy"] = correct / size
                cblist.on_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = {"loss": loss_sum / seen}
            if track_acc:
                epoch_logs["accuracy"] = correct_sum / seen
            if val is not None:
                v_loss, v_acc = self._score(*val, batch_size)
                epoch_logs["val_loss"] = v_loss
                if track_acc:
                    epoch_logs["val_accuracy"] = v_acc
            cblist.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cblist.on_train_end(epoch_logs)
        return history

    def _augment_batch(self, augmenter, xb, rng):
        out = augmenter(xb, rng)
        out = np.asarray(out)
        if out.shape != xb.shape:
            raise ValueError(
                f"augment returned a batch of shape {out.shape} for one of shape {xb.shape}"
            )
        return out.astype(self.dtype, copy=False)

    # --- evaluation -----------------------------------------------------------------
    def _score(self, xs, ys, batch_size):
        loss_sum, correct = 0.0, 0
        for start in range(0, len(xs), batch_size):
            self._forward(xs[start : start + batch_size])
            logits = self._logits()
            yb = ys[start : start + batch_size]
            loss_sum += cross_entropy(logits, yb) * len(yb)
            correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
        return loss_sum / len(xs), correct / len(xs)

    def evaluate(self, x, y, batch_size=32, verbose=0, return_dict=False):
        """Loss and accuracy on ``(x, y)``, in inference mode (no dropout).

        Parameters
        ----------
        x, y : as for :meth:`fit`
        batch_size : int, default 32
        verbose : {0, 1, 2}, default 0
            Non-zero prints the scores on one line, as Keras' last progress line.
        return_dict : bool, default False

        Returns
        -------
        (loss, accuracy) : tuple of float
            Or just the loss when compiled without metrics; a dict with
            ``return_dict=True``.
        """
        self._require_compiled("evaluate")
        xs = self._prepare_x(x)
        ys = self._prepare_y(y, len(xs))
        batch_size = check_int(batch_size, "batch_size", 1)
        _check_verbose(verbose)
        loss, acc = self._score(xs, ys, batch_size)
        result = {"loss": loss}
        if "accuracy" in self.metrics:
            result["accuracy"] = acc
        if verbose:
            steps = -(-len(xs) // batch_size)
            scores = "".join(f" - {k}: {v:.4f}" for k, v in result.items())
            print(f"{steps}/{steps}{scores}")
        if return_dict:
            return result
        return tuple(result.values()) if len(result) > 1 else loss

    def predict(self, x, batch_size=32, verbose=0):
        """Output of the model (class probabilities for a classifier), batch by batch.

        ``verbose`` is accepted for Keras compatibility and prints nothing.

        Returns
        -------
        numpy.ndarray, shape (N, classes), the model's dtype
        """
        xs = self._prepare_x(x)
        batch_size = check_int(batch_size, "batch_size", 1)
        _check_verbose(verbose)
        return np.concatenate(
            [self._forward(xs[s : s + batch_size]) for s in range(0, len(xs), batch_size)]
        )

    # --- introspection --------------------------------------------------------------
    def get_layer_output(self, x, layer):
        """Output of one layer (name, index or object) for a batch ``x``, in inference mode.

        Examples
        --------
        For the MNIST model, ``model.get_layer_output(x[:1], "conv2d")`` is the
        first layer's ``(1, 26, 26, 32)`` feature maps (after ReLU).
        """
        i = self._resolve_layer(layer)
        return self._forward(self._prepare_x(x), upto=i)

    def activations(self, x, layers=None) -> dict[str, np.ndarray]:
        """Outputs of every layer (or of the named ones) for a batch ``x``, by layer name.

        Inference mode; the whole batch at once, so keep ``x`` small.
        """
        wanted = (
            set(range(len(self.layers)))
            if layers is None
            else {self._resolve_layer(lay) for lay in layers}
        )
        out = {}
        a = self._prepare_x(x)
        for i, layer in enumerate(self.layers[: max(wanted) + 1]):
            a = layer.forward(a)
            if i in wanted:
                out[layer.name] = a
        return out

    def input_gradient(self, x, layer, output_grad=None, return_output=False):
        """Gradient with respect to the input ``x`` of ``sum(output_grad * layer_output)``.

        Given ``output_grad`` = ``dL/d(output of layer)``, returns ``dL/dx`` by
        backpropagation (inference mode). This is what activation maximisation
        needs: for the degree of activation of filter ``k``,
        ``a^k = sum_ij a_ij^k``, pass ``output_grad = np.eye(filters)[k]``
        (it broadcasts over the batch and positions) and step ``x`` uphill.

        Parameters
        ----------
        x : array_like
            A batch in the model's input shape.
        layer : str, int or Layer
        output_grad : array_like, optional
            Broadcastable to the layer's output ``(N, ...)``; default all ones
            (the gradient of the sum of the layer's output).
        return_output : bool, default False
            Also return the layer's output: ``(output, grad)``.

        Returns
        -------
        numpy.ndarray
            ``dL/dx``, the shape of ``x`` as given.
        """
        i = self._resolve_layer(layer)
        xs = self._prepare_x(x)
        out = self._forward(xs, upto=i)
        if output_grad is None:
            grad = np.ones_like(out)
        else:
            g = np.asarray(output_grad)
            if not np.issubdtype(g.dtype, np.number):
                raise TypeError(f"output_grad must be numeric, got dtype {g.dtype}")
            try:
                grad = np.broadcast_to(g, out.shape).astype(self.dtype)
            except ValueError:
                raise ValueError(
                    f"output_grad of shape {g.shape} does not broadcast to layer "
                    f"{self.layers[i].name!r}'s output shape {out.shape}"
                ) from None
        dx = self._backward(grad, i, need_input_grad=True)
        dx = dx.reshape(np.shape(x))
        return (out, dx) if _check_bool(return_output, "return_output") else dx


__all__ = ["LayerSummary", "ModelSummary", "Sequential"]
