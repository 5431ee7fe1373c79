"""Training explorer: train the lecture's digit classifier with settings you choose.

Five controls (epochs, learning rate, optimiser, augmentation on or off, and
how many training digits) and a Train button. Nothing trains when a control
moves: a run starts only when the button is pressed (or :meth:`TrainingExplorer.train`
is called). Each run builds a fresh network from the same seeded starting
weights, trains it with the live training monitor on screen, and reports its
accuracy on the 1,000 bundled test digits; a small table keeps the last runs
side by side, so that settings can be compared. The same settings give the
same result every time on the same computer.

Layers: :class:`TrainingState` -> :func:`training_view` (pure) ->
:class:`TrainingView`; :func:`train_once` is the training itself (settings in,
:class:`TrainingResult` out, no widgets); :class:`TrainingExplorer`, made by
:func:`training_explorer`, wires the controls.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_bool, check_choice, check_float, check_int
from ..presentation import theme
from ._base import Explorer, button, checkbox, column, slider, toggles, view_html
from ._render import format_number, text_html
from .monitor import MonitorState, TrainingMonitor, monitor_view

EPOCHS_RANGE = (1, 5)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
OPTIMIZERS = ("sgd", "adam", "rmsprop")
TRAIN_SIZES = (200, 500, 1000, 2000, 4000)
"""Training-set sizes offered: the first ``size / 10`` training digits of each class."""
AUGMENTATION = {"rotation_range": 10.0, "shift_range": 2.0, "zoom_range": 0.1}
"""Augmentation when it is on: the settings the shipped weights were trained with."""
MODEL_SEED, FIT_SEED, BATCH_SIZE = 0, 1, 32
"""The seeds of notebook 07's live run (starting weights; order and augmentation)."""
MAX_RUNS = 5
"""Runs kept in the comparison table (the oldest drops out)."""


def _check_learning_rate(value) -> float:
    value = check_float(value, "learning_rate")
    for rate in LEARNING_RATES:
        if math.isclose(value, rate, rel_tol=1e-9):
            return rate
    allowed = ", ".join(f"{r:g}" for r in LEARNING_RATES)
    raise ValueError(f"learning_rate must be one of {allowed}; got {value:g}")


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """What one training run gave.

    Attributes
    ----------
    settings : dict
        ``epochs``, ``learning_rate``, ``optimizer``, ``augment``, ``train_size``.
    history : dict
        Per-epoch lists ``loss``, ``accuracy`` (training) and ``val_loss``,
        ``val_accuracy`` (on the test digits), as ``fit`` returns them.
    curves : MonitorState
        The training monitor's record (per-batch and per-epoch curves).
    test_accuracy, test_loss : float
        On the 1,000 bundled test digits after the last epoch.
    train_accuracy : float
        The last epoch's mean training accuracy.
    """

    settings: dict
    history: dict
    curves: MonitorState
    test_accuracy: float
    test_loss: float
    train_accuracy: float

    def same_settings(self, state: TrainingState) -> bool:
        """Whether this run was made with ``state``'s settings."""
        return self.settings == state.settings()


@dataclass(frozen=True, eq=False)
class TrainingState:
    """The training explorer's settings and the runs made so far.

    Parameters
    ----------
    epochs : int, default 1
        From 1 to 5.
    learning_rate : float, default 0.001
        One of 0.0001, 0.0003, 0.001, 0.003, 0.01.
    optimizer : {"sgd", "adam", "rmsprop"}, default "adam"
    augment : bool, default False
        Train on randomly turned, shifted and zoomed digits (:data:`AUGMENTATION`).
    train_size : int, default 1000
        One of 200, 500, 1000, 2000, 4000 training digits, the same number of each class.
    runs : tuple of TrainingResult, default ()
        The last runs, oldest first (at most :data:`MAX_RUNS`).

    Raises
    ------
    ValueError, TypeError
        A value of the wrong type or not among the choices (the message names
        the field and what is allowed).
    """

    epochs: int = 1
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    augment: bool = False
    train_size: int = 1000
    runs: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "epochs", check_int(self.epochs, "epochs", *EPOCHS_RANGE))
        object.__setattr__(self, "learning_rate", _check_learning_rate(self.learning_rate))
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        object.__setattr__(self, "augment", check_bool(self.augment, "augment"))
        size = check_int(self.train_size, "train_size")
        if size not in TRAIN_SIZES:
            allowed = ", ".join(map(str, TRAIN_SIZES))
            raise ValueError(f"train_size must be one of {allowed}; got {size}")
        object.__setattr__(self, "train_size", size)
        if not isinstance(self.runs, (tuple, list)) or not all(
            isinstance(run, TrainingResult) for run in self.runs
        ):
            raise TypeError(
                f"runs must be a tuple of TrainingResult, got {type(self.runs).__name__}"
            )
        object.__setattr__(self, "runs", tuple(self.runs)[-MAX_RUNS:])

    def settings(self) -> dict:
        """The five training settings as a dict (what :func:`train_once` uses)."""
        return {
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "optimizer": self.optimizer,
            "augment": self.augment,
            "train_size": self.train_size,
        }


def training_subset(x, y, size: int):
    """The first ``size // 10`` digits of each class, in class order (0s first)."""
    per_class = size // 10
    index = np.concatenate([np.flatnonzero(y == digit)[:per_class] for digit in range(10)])
    return x[index], y[index]


def train_once(state: TrainingState, monitor: TrainingMonitor | None = None) -> TrainingResult:
    """Train a fresh, seeded copy of the lecture's model with ``state``'s settings.

    The network is :func:`cnn_utils.nn.lecture_mnist_model` with seed 0
    (the same starting weights every run); ``fit`` shuffles and augments with
    seed 1 in batches of 32, and scores the 1,000 bundled test digits after
    every epoch. ``state.runs`` is ignored.

    Parameters
    ----------
    state : TrainingState
    monitor : TrainingMonitor, optional
        Records the run (and draws it live when it is on screen); default: a
        new one that only records.

    Returns
    -------
    TrainingResult

    Raises
    ------
    TypeError
        ``state`` is not a TrainingState, or ``monitor`` not a TrainingMonitor.

    Examples
    --------
    >>> result = train_once(TrainingState(train_size=200, learning_rate=0.01, optimizer="sgd"))
    >>> result.settings["train_size"], len(result.history["val_accuracy"])
    (200, 1)
    >>> 0.0 <= result.test_accuracy <= 1.0
    True
    """
    from ..datasets import load_mnist
    from ..nn import ImageAugmenter, lecture_mnist_model
    from ..nn.optimizers import SGD, Adam, RMSprop

    if not isinstance(state, TrainingState):
        raise TypeError(f"train_once takes a TrainingState, got {type(state).__name__}")
    if monitor is None:
        monitor = TrainingMonitor()
    elif not isinstance(monitor, TrainingMonitor):
        raise TypeError(f"monitor must be a TrainingMonitor or None, got {type(monitor).__name__}")
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_small, y_small = training_subset(x_train, y_train, state.train_size)
    optimizer = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}[state.optimizer]
    model = lecture_mnist_model(seed=MODEL_SEED)
    model.compile(optimizer=optimizer(learning_rate=state.learning_rate), metrics=["accuracy"])
    history = model.fit(
        x_small,
        y_small,
        epochs=state.epochs,
        batch_size=BATCH_SIZE,
        validation_data=(x_test, y_test),
        augment=ImageAugmenter(**AUGMENTATION) if state.augment else None,
        seed=FIT_SEED,
        verbose=0,
        callbacks=[monitor],
    ).history
    return TrainingResult(
        settings=state.settings(),
        history={key: tuple(float(v) for v in values) for key, values in history.items()},
        curves=monitor.state,
        test_accuracy=float(history["val_accuracy"][-1]),
        test_loss=float(history["val_loss"][-1]),
        train_accuracy=float(history["accuracy"][-1]),
    )


@dataclass(frozen=True, eq=False)
class TrainingView:
    """The picture of a training state.

    Attributes
    ----------
    state : TrainingState
    latest : TrainingResult or None
        The last run, whose curves are drawn (None before the first run).
    stale : bool
        The settings have changed since the last run (its curves are not theirs).
    text : str
        The status line: what to do, or what the last run scored.
    table : tuple of tuple of str
        One row per run: epochs, learning rate, optimiser, augmentation,
        training digits, training accuracy, test accuracy.
    """

    state: TrainingState
    latest: TrainingResult | None
    stale: bool
    text: str
    table: tuple
    html: str = field(default="", repr=False)


def describe_settings(settings: dict) -> str:
    """The settings in words, e.g. ``'1 epoch, adam, learning rate 0.001, ...'``."""
    epochs = settings["epochs"]
    return (
        f"{epochs} epoch{'s' if epochs != 1 else ''}, {settings['optimizer']}, learning rate "
        f"{settings['learning_rate']:g}, {'with' if settings['augment'] else 'no'} augmentation, "
        f"{settings['train_size']:,} training digits"
    )


def _status(state: TrainingState, latest: TrainingResult | None, stale: bool) -> str:
    if latest is None:
        return f"Press Train to train a fresh network: {describe_settings(state.settings())}."
    scored = (
        f"test accuracy {format_number(latest.test_accuracy, 3, trim=False)} "
        f"(training accuracy {format_number(latest.train_accuracy, 3, trim=False)})"
    )
    if stale:
        return (
            f"Settings changed: press Train to run them. The curves are the last run's, {scored}."
        )
    return f"Last run ({describe_settings(latest.settings)}): {scored}."


def _table_rows(runs) -> tuple:
    rows = []
    for run in runs:
        s = run.settings
        rows.append(
            (
                str(s["epochs"]),
                f"{s['learning_rate']:g}",
                s["optimizer"],
                "on" if s["augment"] else "off",
                f"{s['train_size']:,}",
                format_number(run.train_accuracy, 3, trim=False),
                format_number(run.test_accuracy, 3, trim=False),
            )
        )
    return tuple(rows)


TABLE_HEADER = ("epochs", "rate", "optimiser", "augment", "digits", "train acc", "test acc")


def _table_html(rows) -> str:
    t = theme()
    cell = f"padding:1px 6px;text-align:right;font-size:{t.small_px}px;"
    head = "".join(f'<th style="{cell}">{html.escape(h)}</th>' for h in TABLE_HEADER)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{html.escape(v)}</td>' for v in row) + "</tr>"
        for row in rows
    )
    caption = text_html("Runs so far (newest last):", small=True)
    return (
        f'<div>{caption}<table style="border-collapse:collapse;color:{t.text};">'
        f"<tr>{head}</tr>{body}</table></div>"
    )


def training_view(state: TrainingState) -> TrainingView:
    """The last run's curves, a status line and the table of runs.

    Pure: it never trains. Before the first run the charts are empty.

    Examples
    --------
    >>> view = training_view(TrainingState())
    >>> print(view.text)  # doctest: +NORMALIZE_WHITESPACE
    Press Train to train a fresh network: 1 epoch, adam, learning rate 0.001, no augmentation,
    1,000 training digits.
    >>> view.latest is None, view.table
    (True, ())
    """
    if not isinstance(state, TrainingState):
        raise TypeError(f"training_view takes a TrainingState, got {type(state).__name__}")
    latest = state.runs[-1] if state.runs else None
    stale = latest is not None and not latest.same_settings(state)
    text = _status(state, latest, stale)
    table = _table_rows(state.runs)
    curves = latest.curves if latest is not None else MonitorState()
    body = text_html(text, bold=not stale) + monitor_view(curves).svg
    if table:
        body += _table_html(table)
    page = f'<div class="cnn-training" style="color:{theme().text};">{body}</div>'
    return TrainingView(state=state, latest=latest, stale=stale, text=text, table=table, html=page)


def _choice_slider(description: str, options: list, value):
    """A slider over ``(label, value)`` options; its label is 8 characters wide."""
    import ipywidgets as widgets

    return widgets.SelectionSlider(
        options=options,
        value=value,
        description=description,
        style={"description_width": theme().width(8)},
        layout=widgets.Layout(width=theme().width(24)),
    )


class TrainingExplorer(Explorer):
    """The training explorer as a widget (use :func:`training_explorer` to make one).

    Controls: ``epochs``, ``learning_rate``, ``optimizer``, ``augment``,
    ``train_size`` (bound to the state's fields; moving them trains nothing)
    and ``train`` (the button that calls :meth:`train`).
    """

    title = "Training explorer"
    view_function = staticmethod(training_view)

    def train(self) -> TrainingResult:
        """Train once with the current settings, live on screen; add the run to the table."""
        monitor = TrainingMonitor()
        if self._widget is not None:
            self._controls["train"].disabled = True
            self._view_widget.children = [monitor.widget]
        try:
            result = train_once(self.state, monitor)
        finally:
            if self._widget is not None:
                self._controls["train"].disabled = False
                self._view_widget.children = [self._html]
        self.update(runs=(*self.state.runs, result))
        return result

    def _build(self):
        import ipywidgets as widgets

        s = self.state
        self._bind("epochs", slider("epochs", s.epochs, *EPOCHS_RANGE, chars=8), "epochs")
        rates = _choice_slider("learn. rate", [(f"{r:g}", r) for r in LEARNING_RATES],
                               s.learning_rate)
        self._bind("learning_rate", rates, "learning_rate")
        self._bind("optimizer", toggles(list(OPTIMIZERS), s.optimizer, chars=6), "optimizer")
        self._bind("augment", checkbox("augmentation", s.augment), "augment")
        sizes = _choice_slider("digits", [(f"{n:,}", n) for n in TRAIN_SIZES], s.train_size)
        self._bind("train_size", sizes, "train_size")
        train = self._bind("train", button("Train", "train a fresh network with these settings"))
        train.on_click(lambda _button: self.train())
        hint = widgets.HTML(text_html("Moving a control trains nothing: press Train.", small=True))
        c = self._controls
        names = ("epochs", "learning_rate", "optimizer", "augment", "train_size", "train")
        box = column([*(c[name] for name in names), hint], chars=26)
        self._html = view_html()
        return box, widgets.VBox([self._html])

    def _show(self) -> None:
        self._html.value = self.view.html


def training_explorer(
    epochs=1, learning_rate=1e-3, optimizer="adam", augment=False, train_size=1000
):
    """A training explorer (end a notebook cell with it); it trains only when asked.

    Parameters
    ----------
    epochs : int, default 1
        From 1 to 5.
    learning_rate : float, default 0.001
        One of 0.0001, 0.0003, 0.001, 0.003, 0.01.
    optimizer : {"sgd", "adam", "rmsprop"}, default "adam"
    augment : bool, default False
    train_size : int, default 1000
        One of 200, 500, 1000, 2000, 4000.

    Returns
    -------
    TrainingExplorer

    Raises
    ------
    ValueError, TypeError
        As :class:`TrainingState`.

    Examples
    --------
    >>> e = training_explorer(epochs=2, optimizer="sgd")
    >>> e.view.latest is None
    True
    >>> e.update(train_size=200).text.endswith("200 training digits.")
    True
    """
    return TrainingExplorer(TrainingState(epochs, learning_rate, optimizer, augment, train_size))


__all__ = [
    "AUGMENTATION",
    "EPOCHS_RANGE",
    "LEARNING_RATES",
    "OPTIMIZERS",
    "TRAIN_SIZES",
    "TrainingExplorer",
    "TrainingResult",
    "TrainingState",
    "TrainingView",
    "describe_settings",
    "train_once",
    "training_explorer",
    "training_subset",
    "training_view",
]
