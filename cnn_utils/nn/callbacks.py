"""Callbacks: code that ``fit`` runs at fixed points of training, as in Keras.

The protocol
------------
Subclass :class:`Callback` and override any of the hooks; ``fit`` calls them
in this order::

    set_model(model); set_params(params)
    on_train_begin(logs)
    for each epoch:
        on_epoch_begin(epoch, logs)
        for each batch:
            on_batch_begin(batch, logs)
            on_batch_end(batch, logs)
        on_epoch_end(epoch, logs)          # after validation
    on_train_end(logs)

``epoch`` and ``batch`` count from 0; ``batch`` restarts every epoch.

``params`` (also ``callback.params``) holds ``epochs``, ``steps`` (batches per
epoch), ``samples``, ``batch_size``, ``verbose``, ``do_validation`` and
``metrics``: the keys the epoch logs will have, e.g.
``["loss", "accuracy", "val_loss", "val_accuracy"]``.

``logs`` is a dict of plain Python numbers, a fresh one for every call:

* ``on_batch_begin``: ``{"batch", "size"}``;
* ``on_batch_end``: ``{"batch", "size", "loss", "accuracy", "batch_loss",
  "batch_accuracy"}``: ``loss`` and ``accuracy`` are running means over the
  epoch so far (what the progress bar shows); the ``batch_`` ones are this
  batch's alone (noisier). ``accuracy`` keys appear only when the model was
  compiled with ``metrics=["accuracy"]``;
* ``on_epoch_end``: ``{"loss", "accuracy", "val_loss", "val_accuracy"}``
  (the ``val_`` ones with ``validation_data``): the epoch's training means and
  the validation scores after the epoch;
* ``on_train_begin``: ``{}``; ``on_train_end``: the last epoch's logs.

A callback may set ``self.model.stop_training = True``; training stops after
the current batch. ``self.model`` is the model being trained, so a callback
can read its weights or make predictions (e.g. on a fixed batch of images).

Progress display
----------------
``fit(verbose=1)`` adds a :class:`ProgbarLogger`: one line per epoch updated
in place with carriage returns (terminal and notebook alike, no widgets),
then the epoch's summary; ``verbose=2`` prints only the summary line. Call
``set_show_time(False)`` to leave elapsed times and ETAs out of every line so
that a notebook's stored output is the same on every run.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from .._checks import check_bool, check_float, check_int

_SETTINGS = {"show_time": True}


def set_show_time(show: bool) -> None:
    """Show (default) or hide timings (elapsed, ETA, time per step) in progress lines.

    Examples
    --------
    >>> set_show_time(False); get_show_time()
    False
    >>> set_show_time(True)
    """
    _SETTINGS["show_time"] = check_bool(show, "show")


def get_show_time() -> bool:
    """Whether progress lines include timings (see :func:`set_show_time`)."""
    return _SETTINGS["show_time"]


class Callback:
    """Base class for callbacks; every hook does nothing until overridden.

    Attributes
    ----------
    model : Sequential
        The model being trained (set by ``fit`` before ``on_train_begin``).
    params : dict
        Training parameters (see the module docstring).

    Examples
    --------
    >>> class CountBatches(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.count = 0
    ...     def on_batch_end(self, batch, logs=None):
    ...         self.count += 1
    """

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once before the first epoch."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch (or after ``stop_training``)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch, after validation, with the epoch's scores."""

    def on_batch_begin(self, batch, logs=None):
        """Called before each training batch (``batch`` counts from 0 in each epoch)."""

    def on_batch_end(self, batch, logs=None):
        """Called after each training batch, with running and per-batch scores."""


class CallbackList:
    """Calls every callback's hook in order (used by ``fit``)."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def _call(self, hook, *args):
        logs = args[-1]
        for cb in self.callbacks:
            getattr(cb, hook)(*args[:-1], dict(logs))

    def on_train_begin(self, logs):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs):
        self._call("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs):
        self._call("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs):
        self._call("on_batch_end", batch, logs)


class History(Callback):
    """Records the epoch logs; ``fit`` returns it.

    Attributes
    ----------
    history : dict of lists
        ``history["loss"][e]`` is epoch ``e``'s training loss, and likewise
        ``accuracy``, ``val_loss``, ``val_accuracy``.
    epoch : list of int
        The epochs recorded.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _dynamic(stream) -> bool:
    # Carriage-return updates in a terminal or a notebook (whose stdout is
    # ipykernel's OutStream); a plain file or pipe gets only each epoch's final line.
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or type(stream).__module__.startswith("ipykernel")


class ProgbarLogger(Callback):
    """Keras-style progress bar, one line per epoch.

    ``verbose=1``::

        Epoch 1/5
        125/125 [==============================] - 3s 24ms/step - loss: 0.5214 - accuracy: 0.8412

    updated in place while the epoch runs (at fixed batches, about 20 times an
    epoch, so the text written is the same on every run); ``verbose=2`` prints
    ``125/125 - 3s - loss: ...`` once per epoch.

    Parameters
    ----------
    verbose : {1, 2}
    show_time : bool, optional
        Include elapsed time, ETA and time per step; defaults to
        :func:`get_show_time` (module setting, True unless changed).
    stream : file-like, optional
        Where to write; defaults to ``sys.stdout`` at the time of writing
        (so a notebook cell's output receives it).
    updates_per_epoch : int, default 20
    """

    width = 30

    def __init__(self, verbose=1, show_time=None, stream=None, updates_per_epoch=20):
        super().__init__()
        try:
            self.verbose = check_int(verbose, "verbose", 1, 2)
        except (TypeError, ValueError):
            raise ValueError(
                f"verbose must be 1 or 2 for a progress bar, got {verbose!r:.40}"
            ) from None
        self.show_time = None if show_time is None else check_bool(show_time, "show_time")
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(
                f"stream must be a file-like object with a write method, or None; got "
                f"{type(stream).__name__}"
            )
        self.stream = stream
        self.updates_per_epoch = check_int(updates_per_epoch, "updates_per_epoch", 1, 1000)

    @property
    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _timed(self) -> bool:
        return get_show_time() if self.show_time is None else self.show_time

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs", 1)
        self.steps = self.params.get("steps", 1)
        every = self.steps / max(self.updates_per_epoch, 1)
        self._update_at = {
            min(self.steps, max(1, math.ceil(k * every))) for k in range(1, self.updates_per_epoch)
        } - {self.steps}

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last_len = 0
        self._write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def _metrics_text(self, logs) -> str:
        skip = {"batch", "size", "batch_loss", "batch_accuracy"}
        return "".join(
            f" - {k}: {v:.4f}" for k, v in logs.items() if k not in skip and v is not None
        )

    def _bar(self, done: int) -> str:
        steps_w = len(str(self.steps))
        filled = int(self.width * done / self.steps)
        if done < self.steps:
            bar = "=" * max(filled - 1, 0) + ">" + "." * (self.width - max(filled, 1))
        else:
            bar = "=" * self.width
        return f"{done:>{steps_w}}/{self.steps} [{bar}]"

    def on_batch_end(self, batch, logs=None):
        done = batch + 1
        if self.verbose != 1 or done not in self._update_at or not _dynamic(self._out):
            return
        line = self._bar(done)
        if self._timed():
            elapsed = time.perf_counter() - self._start
            line += f" - ETA: {_format_time(elapsed / done * (self.steps - done))}"
        line += self._metrics_text(logs or {})
        self._rewrite(line, end="")

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        if self.verbose == 1:
            line = self._bar(self.steps)
            if self._timed():
                line += f" - {_format_time(elapsed)} {_format_per_step(elapsed / self.steps)}"
        else:
            line = f"{self.steps}/{self.steps}"
            if self._timed():
                line += f" - {_format_time(elapsed)}"
        line += self._metrics_text(logs or {})
        self._rewrite(line, end="\n")

    def _rewrite(self, line, end):
        pad = " " * max(self._last_len - len(line), 0)
        prefix = "\r" if self._last_len else ""
        self._write(prefix + line + pad + end)
        self._last_len = 0 if end == "\n" else len(line)

    def _write(self, text):
        out = self._out
        out.write(text)
        if hasattr(out, "flush"):
            out.flush()


class LambdaCallback(Callback):
    """A callback made of plain functions, as Keras' ``LambdaCallback``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable(epoch, logs), optional
    on_batch_begin, on_batch_end : callable(batch, logs), optional
    on_train_begin, on_train_end : callable(logs), optional

    Examples
    --------
    >>> losses = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    _HOOKS = (
        "on_train_begin",
        "on_train_end",
        "on_epoch_begin",
        "on_epoch_end",
        "on_batch_begin",
        "on_batch_end",
    )

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in self._HOOKS:
                raise ValueError(f"unknown hook {name!r}; known hooks: {', '.join(self._HOOKS)}")
            if not callable(fn):
                raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
            setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stop training when a monitored score has stopped improving.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs; losses must fall, accuracies rise.
    patience : int, default 0
        Epochs without improvement to accept before stopping.
    min_delta : float, default 0.0
        Smallest change that counts as an improvement.
    restore_best_weights : bool, default False
        Put back the weights of the best epoch when training stops.

    Attributes
    ----------
    stopped_epoch : int or None
        The epoch after which training stopped, if it did.
    best_epoch : int or None
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a log key such as 'val_loss', got {monitor!r:.40}")
        self.monitor = monitor
        self.patience = check_int(patience, "patience", 0)
        self.min_delta = abs(check_float(min_delta, "min_delta"))
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self._sign = -1.0 if "acc" in monitor else 1.0  # minimise sign * value

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = np.inf
        self.best_epoch = None
        self.stopped_epoch = None
        self._best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r} but the epoch logs hold "
                f"{sorted(logs)}; pass validation_data to fit for 'val_' scores"
            )
        value = self._sign * logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self._best_weights is not None:
                self.model.set_weights(self._best_weights)


__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ProgbarLogger",
    "get_show_time",
    "set_show_time",
]
