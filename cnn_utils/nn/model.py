"""``Sequential``: a stack of layers with Keras' ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

Inputs
------
``x`` is a batch in the model's input shape, ``(N, 28, 28, 1)`` for the MNIST
model; ``(N, 28, 28)`` is accepted for one channel. Integer pixel arrays of
any integer dtype (``uint8``, ``int64``, ...) must hold values 0..255 and are
divided by 255; float arrays are used as they are. Labels ``y`` are integer
class indices ``0 .. K-1``. :mod:`cnn_utils.nn.inputs` holds the details.

Loss
----
The model owns its loss: the last layer must end in a softmax, and the model
asks it for its logits (:meth:`~cnn_utils.nn.layers.Dense.forward_logits`)
to compute the softmax and the cross-entropy together, whose gradient with
respect to the logits is ``(softmax - one_hot) / N``.

Randomness
----------
``Sequential(seed=...)`` seeds the initial weights; ``fit(seed=...)`` seeds
the shuffling, dropout and augmentation of that call (without it they are
drawn from the model's own generator, so a model built with a seed trains
the same way every time too). The same seeds give the same run bit for bit.
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager

import numpy as np

from .._checks import check_bool, check_int, check_seed
from ..activations import cross_entropy, softmax_cross_entropy_backward
from ._args import MAX_EPOCHS, check_fraction
from .augment import ImageAugmenter
from .callbacks import Callback, CallbackList, History, ProgbarLogger
from .inputs import as_numeric_array, prepare_images, prepare_labels
from .layers import Layer, _check_dtype, _fmt_shape, _snake_case, _weight_list, ends_in_softmax
from .optimizers import get_optimizer
from .summary import LayerSummary, ModelSummary
from .weights_file import (
    WEIGHTS_FORMAT,
    WeightsFileError,
    check_arrays,
    read_weights,
    write_weights,
)

LOSSES = ("sparse_categorical_crossentropy",)
METRICS = ("accuracy",)


@contextmanager
def _blame(argname: str, function, what: str):
    """Errors the caller's ``function`` raises in the block, as one TypeError or ValueError.

    The message reads ``argname=function failed on what: ...``; the original error is its cause.
    """
    try:
        yield
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as err:
        kind = TypeError if isinstance(err, TypeError) else ValueError
        raise kind(
            f"{argname}={function!r:.60} failed on {what}: {type(err).__name__}: {err}"
        ) from err


def _check_verbose(verbose):
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    try:
        return check_int(verbose, "verbose", 0, 2)
    except (TypeError, ValueError):
        raise ValueError(
            f"verbose must be 0, 1 or 2, got {verbose!r:.40} ('auto' means 1)"
        ) from None


def _check_augment(augment):
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


def _check_callbacks(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"callbacks must be a list of Callback objects, got {type(callbacks).__name__}"
        )
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                "callbacks must be Callback objects (subclass cnn_utils.nn.Callback), got "
                f"{type(cb).__name__}"
            )
    return list(callbacks)


def _batches(xs, ys, batch_size, order):
    """Consecutive batches of ``(x, y)``, in ``order`` (an index permutation) if given."""
    for start in range(0, len(xs), batch_size):
        if order is None:
            yield xs[start : start + batch_size], ys[start : start + batch_size]
        else:
            idx = order[start : start + batch_size]
            yield xs[idx], ys[idx]


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
            raise TypeError(f"name must be a non-empty string, got {name!r:.60}")
        self.name = name or "sequential"
        self.seed = check_seed(seed)
        self._rng = np.random.default_rng(self.seed)
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
            if not layer.built or layer.input_shape[1:] != shape or layer.dtype != self.dtype:
                layer.build(shape, seed=self._rng, dtype=self.dtype)
            shape = layer.output_shape[1:]

    def build(self, input_shape) -> None:
        """Build the model for inputs of ``input_shape`` = ``(None, H, W, C)`` (Keras' form).

        Needed only when the first layer has no ``input_shape``; ``fit`` and
        ``predict`` build such a model from the data they receive.
        """
        if not isinstance(input_shape, (tuple, list)):
            raise TypeError(
                f"input_shape must be a tuple such as (None, 28, 28, 1), got "
                f"{type(input_shape).__name__} {input_shape!r:.60}"
            )
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
        line_length = check_int(line_length, "line_length", 1, 1000)
        if print_fn is not None and not callable(print_fn):
            raise TypeError(f"print_fn must be a function or None, got {type(print_fn).__name__}")
        return_data = check_bool(return_data, "return_data")
        data = self.summary_data()
        text = data.to_text(line_length)
        if print_fn is None:
            print(text)
        else:
            with _blame("print_fn", print_fn, "the summary text"):
                print_fn(text)
        return data if return_data else None

    def get_layer(self, name=None, index=None) -> Layer:
        """A layer by name or by position (negative counts from the end)."""
        if (name is None) == (index is None):
            raise ValueError("give exactly one of name= or index=")
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"name must be a string, got {name!r}")
            return self.layers[self._resolve_layer(name, "name")]
        return self.layers[self._resolve_layer(check_int(index, "index"), "index")]

    def _resolve_layer(self, layer, argname="layer") -> int:
        """Index of a layer given by name, position or the object itself."""
        names = [lay.name for lay in self.layers]
        if isinstance(layer, Layer):
            for i, lay in enumerate(self.layers):
                if lay is layer:
                    return i
            raise ValueError(
                f"{argname}: layer {layer.name!r} is not in this model; its layers: {names}"
            )
        if isinstance(layer, str):
            if layer not in names:
                raise ValueError(
                    f"{argname}={str(layer)!r:.60}: no layer of that name; the layers are {names}"
                )
            return names.index(layer)
        if isinstance(layer, np.ndarray) and layer.ndim == 0:
            layer = layer[()]
        if isinstance(layer, numbers.Integral) and not isinstance(layer, (bool, np.bool_)):
            n = len(self.layers)
            if not -n <= layer < n:
                raise ValueError(f"{argname}={layer}: layer index out of range for {n} layers")
            return int(layer) % n
        raise TypeError(
            f"{argname} must be a layer name, an index or a layer object, got "
            f"{type(layer).__name__} {layer!r:.40}"
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
        weights = _weight_list(weights)
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
                "output_shape": list(layer.output_shape[1:]),
                "weights": {k: list(v.shape) for k, v in layer.params().items()},
            }
            for layer in self.layers
        ]

    def _weight_names(self) -> dict[str, tuple]:
        """File names of the parameter arrays (``layer03/kernel``) and their shapes, in order."""
        return {
            f"layer{i:02d}/{pname}": arr.shape
            for i, layer in enumerate(self.layers)
            for pname, arr in layer.params().items()
        }

    def save_weights(self, path) -> None:
        """Save every layer's parameters to a compressed ``.npz`` file, atomically.

        The file also records the architecture (layer types, output shapes,
        weight shapes) so that :meth:`load_weights` can refuse a mismatch. It is
        written to a temporary file in the same folder that then replaces
        ``path`` in one step, so an error or an interruption never leaves a
        half-written weights file (see :mod:`cnn_utils.nn.weights_file`).

        Raises
        ------
        TypeError
            ``path`` is not a str or path-like.
        ValueError
            ``path`` does not end in ``.npz`` or its folder does not exist.
        """
        self._require_built("weights")
        arrays = dict(zip(self._weight_names(), self.weights, strict=True))
        header = {
            "format": WEIGHTS_FORMAT,
            "model": self.name,
            "input_shape": list(self._in),
            "layers": self._architecture(),
        }
        write_weights(path, header, arrays)

    def load_weights(self, path) -> None:
        """Load parameters saved by :meth:`save_weights` into this (built) model.

        Nothing is changed unless the whole file passes every check.

        Raises
        ------
        WeightsFileError
            (a ValueError) The file is missing (then also a ``FileNotFoundError``),
            damaged, truncated, not a weights file, made for another architecture
            (the message names the first difference), or holds NaN or infinite
            weights. The message names the file.
        """
        self._require_built("weights to load into")
        header, arrays = read_weights(path)
        self._check_architecture(header, path)
        self.set_weights(check_arrays(arrays, self._weight_names(), path))

    def _check_architecture(self, header, path):
        theirs, ours = header["layers"], self._architecture()

        def describe(arch):
            return ", ".join(f"{a['class']}{tuple(a.get('output_shape', ()))}" for a in arch)

        prefix = f"the weights in {str(path)!r} do not fit this model"
        if tuple(header["input_shape"]) != self._in:
            raise WeightsFileError(
                f"{prefix}: they were saved for inputs {tuple(header['input_shape'])}, "
                f"this model takes {self._in}"
            )
        if len(theirs) != len(ours):
            raise WeightsFileError(
                f"{prefix}: the file has {len(theirs)} layers ({describe(theirs)}), this model "
                f"has {len(ours)} ({describe(ours)})"
            )
        for i, (a, b) in enumerate(zip(theirs, ours, strict=True)):
            if a["class"] != b["class"] or a["weights"] != b["weights"]:
                raise WeightsFileError(
                    f"{prefix}: layer {i} is {a['class']} with weights {a['weights']} in the "
                    f"file but {b['class']} {b['name']!r} with weights {b['weights']} here"
                )

    # --- data checks ----------------------------------------------------------------
    def _prepare_x(self, x, name="x"):
        """Check ``x`` (see :mod:`cnn_utils.nn.inputs`); build the model from it if needed."""
        arr = as_numeric_array(x, name)
        if not self.built:
            if not self.layers:
                raise ValueError("the model has no layers; add layers first")
            if arr.ndim < 2:
                raise ValueError(f"{name} must be a batch (N, ...), got shape {arr.shape}")
            self.build((None, *arr.shape[1:]))
        return prepare_images(arr, self._in, self.dtype, name)

    def _n_classes(self) -> int:
        out = self.layers[-1].output_shape[1:]
        if len(out) != 1:
            raise ValueError(
                f"the model's output has shape {_fmt_shape(self.output_shape)}; a classifier "
                "ends with a flat (N, classes) output, e.g. Flatten() then Dense(10, "
                "activation='softmax')"
            )
        return out[0]

    def _prepare_y(self, y, n, name="y"):
        return prepare_labels(y, n, self._n_classes(), name)

    # --- forward and backward ----------------------------------------------------------
    def _forward(self, x, training=False, rng=None, upto=None):
        stop = len(self.layers) if upto is None else upto + 1
        for layer in self.layers[:stop]:
            x = layer.forward(x, training=training, rng=rng)
        return x

    def _forward_logits(self, x, training=False, rng=None):
        """Forward pass that stops before the final softmax: the logits."""
        for layer in self.layers[:-1]:
            x = layer.forward(x, training=training, rng=rng)
        return self.layers[-1].forward_logits(x, training=training, rng=rng)

    def _backward(self, dout, start, need_input_grad):
        """Backpropagate ``dout`` (gradient of layer ``start``'s output) to the input."""
        for i in range(start, -1, -1):
            dout = self.layers[i].backward(dout, need_dx=need_input_grad or i > 0)
        return dout

    def _loss_backward(self, x, y, training, rng, need_input_grad):
        """Forward to the logits, the fused softmax-cross-entropy, and backward.

        Returns ``(loss, logits, dL/dx or None)``; the gradients are left in each
        layer's ``grads``.
        """
        logits = self._forward_logits(x, training=training, rng=rng)
        loss = cross_entropy(logits, y)
        dx = self._backward(
            softmax_cross_entropy_backward(logits, y), len(self.layers) - 1, need_input_grad
        )
        return loss, logits, dx

    def __call__(self, x, training=False):
        """Run the whole model on a batch (no batching): the output probabilities."""
        training = check_bool(training, "training")
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
        optimizer = get_optimizer(optimizer)
        if not isinstance(loss, str) or loss not in LOSSES:
            raise ValueError(
                f"unknown loss {loss!r:.40}; known losses: {', '.join(repr(x) for x in LOSSES)}"
            )
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"metrics must be a list such as ['accuracy'] or None, got "
                f"{type(metrics).__name__} {metrics!r:.40}"
            )
        names = []
        for m in metrics or []:
            if isinstance(m, str) and m in ("accuracy", "acc", "sparse_categorical_accuracy"):
                names.append("accuracy")
            else:
                raise ValueError(
                    f"unknown metric {m!r:.40}; known metrics: "
                    f"{', '.join(repr(x) for x in METRICS)}"
                )
        self.optimizer, self.loss, self.metrics = optimizer, loss, sorted(set(names))
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
        training = check_bool(training, "training")
        xb = self._prepare_x(x)
        yb = self._prepare_y(y, len(xb))
        loss, _, dx = self._loss_backward(xb, yb, training, self._rng, need_input_grad=True)
        grads = [layer.grads[p] for layer in self.layers for p in layer.params()]
        return loss, grads, dx

    def _train_step(self, xb, yb, rng):
        loss, logits, _ = self._loss_backward(xb, yb, True, rng, need_input_grad=False)
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
            ``(N, H, W)`` and integer pixels).
        y : array_like of int, shape (N,)
        epochs : int, default 1
            At most 10,000.
        batch_size : int, default 32
            The last batch of an epoch may be smaller.
        validation_data : (x_val, y_val), optional
            Scored after every epoch (``val_loss``, ``val_accuracy``).
        validation_split : float in [0, 1), default 0.0
            Without ``validation_data``, hold out this fraction of ``(x, y)``,
            the last samples before shuffling (Keras' rule), for validation.
        shuffle : bool, default True
            New order every epoch.
        verbose : {0, 1, 2, "auto"}, default 1
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

        Raises
        ------
        TypeError, ValueError
            For any argument of the wrong type or out of range, before training starts.
        """
        self._require_compiled("fit")
        xs = self._prepare_x(x)
        ys = self._prepare_y(y, len(xs))
        epochs = check_int(epochs, "epochs", 0, MAX_EPOCHS)
        batch_size = check_int(batch_size, "batch_size", 1)
        shuffle = check_bool(shuffle, "shuffle")
        verbose = _check_verbose(verbose)
        xs, ys, val = self._validation_set(xs, ys, validation_data, validation_split)
        augmenter = _check_augment(augment)
        user_callbacks = _check_callbacks(callbacks)
        if seed is not None:
            rng = np.random.default_rng(check_seed(seed))
        else:
            rng = np.random.default_rng(self._rng.integers(2**63))
        history = History()
        self.history, self.stop_training = history, False
        params = self._fit_params(epochs, -(-len(xs) // batch_size), len(xs), batch_size,
                                  verbose, val is not None)
        progress = [ProgbarLogger(verbose)] if verbose else []
        cblist = CallbackList([history, *progress, *user_callbacks], self, params)

        cblist.on_train_begin({})
        logs: dict = {}
        for epoch in range(epochs):
            cblist.on_epoch_begin(epoch, {})
            order = rng.permutation(len(xs)) if shuffle else None
            logs = self._train_epoch(_batches(xs, ys, batch_size, order), augmenter, rng, cblist)
            if val is not None:
                logs.update(self._validation_logs(*val, batch_size))
            cblist.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cblist.on_train_end(logs)
        return history

    def _validation_set(self, xs, ys, validation_data, validation_split):
        """``(x_train, y_train, (x_val, y_val) or None)`` from fit's two ways of asking."""
        split = check_fraction(validation_split, "validation_split")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError(
                    "validation_data must be a pair (x_val, y_val), got "
                    f"{type(validation_data).__name__} {validation_data!r:.40}"
                )
            xv = self._prepare_x(validation_data[0], "validation_data[0]")
            return xs, ys, (xv, self._prepare_y(validation_data[1], len(xv), "validation_data[1]"))
        if split == 0:
            return xs, ys, None
        # Keras' rule: the last fraction of the samples, taken before shuffling
        n_val = int(len(xs) * split)
        if n_val == 0 or n_val == len(xs):
            raise ValueError(
                f"validation_split={split} of {len(xs)} samples leaves {n_val} for "
                f"validation and {len(xs) - n_val} for training"
            )
        return xs[:-n_val], ys[:-n_val], (xs[-n_val:], ys[-n_val:])

    def _fit_params(self, epochs, steps, samples, batch_size, verbose, do_validation) -> dict:
        """The ``params`` every callback receives (see :mod:`cnn_utils.nn.callbacks`)."""
        keys = ["loss"] + (["accuracy"] if "accuracy" in self.metrics else [])
        if do_validation:
            keys += [f"val_{k}" for k in keys]
        return {
            "epochs": epochs,
            "steps": steps,
            "samples": samples,
            "batch_size": batch_size,
            "verbose": verbose,
            "do_validation": do_validation,
            "metrics": keys,
        }

    def _train_epoch(self, batches, augmenter, rng, cblist) -> dict:
        """One pass over ``batches``, calling the batch hooks; returns the epoch's logs."""
        track_acc = "accuracy" in self.metrics
        loss_sum, correct_sum, seen = 0.0, 0, 0
        for step, (xb, yb) in enumerate(batches):
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
        return epoch_logs

    def _validation_logs(self, xv, yv, batch_size) -> dict:
        v_loss, v_acc = self._score(xv, yv, batch_size)
        logs = {"val_loss": v_loss}
        if "accuracy" in self.metrics:
            logs["val_accuracy"] = v_acc
        return logs

    def _augment_batch(self, augmenter, xb, rng):
        with _blame("augment", augmenter, f"a batch of shape {xb.shape}"):
            out = np.asarray(augmenter(xb, rng))
        if out.shape != xb.shape:
            raise ValueError(
                f"augment returned a batch of shape {out.shape} for one of shape {xb.shape}"
            )
        if not (np.issubdtype(out.dtype, np.floating) or np.issubdtype(out.dtype, np.integer)):
            raise TypeError(f"augment returned an array of dtype {out.dtype}, not numbers")
        return out.astype(self.dtype, copy=False)

    # --- evaluation -----------------------------------------------------------------
    def _score(self, xs, ys, batch_size):
        loss_sum, correct = 0.0, 0
        for xb, yb in _batches(xs, ys, batch_size, None):
            logits = self._forward_logits(xb)
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
        verbose = _check_verbose(verbose)
        return_dict = check_bool(return_dict, "return_dict")
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
        if layers is None:
            wanted = set(range(len(self.layers)))
        else:
            if isinstance(layers, (str, Layer, numbers.Integral)):
                layers = [layers]
            if not isinstance(layers, (list, tuple)) or not layers:
                raise TypeError(
                    "layers must be a non-empty list of layer names, indices or layers, or None; "
                    f"got {type(layers).__name__} {layers!r:.40}"
                )
            wanted = {self._resolve_layer(lay, "layers") for lay in layers}
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
        return_output = check_bool(return_output, "return_output")
        g = None if output_grad is None else as_numeric_array(output_grad, "output_grad")
        xs = self._prepare_x(x)
        out = self._forward(xs, upto=i)
        if g is None:
            grad = np.ones_like(out)
        else:
            try:
                grad = np.broadcast_to(g, out.shape).astype(self.dtype)
            except ValueError:
                raise ValueError(
                    f"output_grad of shape {g.shape} does not broadcast to layer "
                    f"{self.layers[i].name!r}'s output shape {out.shape}"
                ) from None
        dx = self._backward(grad, i, need_input_grad=True)
        dx = dx.reshape(np.shape(x))
        return (out, dx) if return_output else dx


__all__ = ["LayerSummary", "ModelSummary", "Sequential", "WeightsFileError"]
