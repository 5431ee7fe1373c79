"""Training explorer: trains only on the button, the same settings give the same run.

Written from the explorer contract (ARCHITECTURE.md) and issue 16 point 5, not
from the implementation: epochs, learning rate, optimiser, augmentation and
training-set size are settings; a run trains briefly and reports the accuracy on
the bundled test digits; re-running the same settings gives the same result;
moving a control trains nothing. Every training here uses the smallest settings
(200 digits, 1 epoch); tests that need more than one extra run are marked slow.
"""

from __future__ import annotations

import dataclasses
import signal
from contextlib import contextmanager

import numpy as np
import pytest

from cnn_utils.datasets import load_mnist
from cnn_utils.explorers.training import (
    TrainingState,
    TrainingView,
    train_once,
    training_explorer,
    training_view,
)

ipywidgets = pytest.importorskip("ipywidgets")

TIMEOUT_S = 10  # an argument check or a control move that takes longer is a hang (or a training)
TINY = {"epochs": 1, "learning_rate": 1e-3, "optimizer": "adam", "augment": False,
        "train_size": 200}
SETTINGS = ("epochs", "learning_rate", "optimizer", "augment", "train_size")


@contextmanager
def deadline(seconds=TIMEOUT_S):
    """Fail instead of hanging: SIGALRM interrupts anything slower than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def history_of(result) -> dict:
    return {key: [float(v) for v in values] for key, values in result.history.items()}


@pytest.fixture(scope="module")
def tiny_run():
    """One run with the smallest settings, shared by the tests that only read it."""
    return train_once(TrainingState(**TINY))


@pytest.fixture(scope="module")
def chance_level():
    """Accuracy of always answering the most common test digit (derived from the labels)."""
    _, (_, y_test) = load_mnist()
    counts = np.bincount(np.asarray(y_test, dtype=int))
    return counts.max() / counts.sum(), len(y_test)


# ------------------------------------------------------------------ the contract


def test_the_state_is_frozen():
    explorer = training_explorer(**TINY)
    assert dataclasses.is_dataclass(explorer.state)
    with pytest.raises(dataclasses.FrozenInstanceError):
        explorer.state.epochs = 3


def test_the_factory_keeps_every_setting():
    chosen = {"epochs": 2, "learning_rate": 3e-3, "optimizer": "sgd", "augment": True,
              "train_size": 500}
    state = training_explorer(**chosen).state
    assert {name: getattr(state, name) for name in SETTINGS} == chosen


def test_the_view_is_the_pure_view_of_the_state():
    explorer = training_explorer(**TINY)
    again = training_view(explorer.state)
    assert isinstance(explorer.view, TrainingView)
    assert explorer.view.text == again.text
    assert explorer.view.html == again.html
    assert explorer.view.latest is None  # nothing trained yet


def test_there_is_a_control_for_every_setting_and_a_button():
    controls = training_explorer(**TINY).controls
    assert isinstance(controls, dict)
    assert set(SETTINGS) | {"train"} <= set(controls)
    assert isinstance(controls["train"], ipywidgets.Button)


def test_the_widget_carries_the_explorer_classes():
    explorer = training_explorer(**TINY)
    classes = explorer.widget._dom_classes
    assert "cnn-explorer" in classes
    assert f"cnn-explorer-{type(explorer).__name__.lower()}" in classes


def test_the_static_picture_is_html_that_asks_for_a_press():
    html = training_explorer(**TINY).static_html()
    assert isinstance(html, str)
    assert html.strip().startswith("<")
    assert "train" in html.lower()


def test_update_returns_the_new_view_and_keeps_the_other_settings():
    explorer = training_explorer(**TINY)
    with deadline():
        view = explorer.update(optimizer="sgd")
    assert view is explorer.view
    assert explorer.state.optimizer == "sgd"
    assert explorer.state.train_size == TINY["train_size"]


def test_an_unknown_field_is_refused_by_name():
    explorer = training_explorer(**TINY)
    with deadline(), pytest.raises((TypeError, ValueError), match="batch_size"):
        explorer.update(batch_size=64)


# ------------------------------------------------------------------ arguments

BAD_ARGUMENTS = [
    ("epochs", 0), ("epochs", 6), ("epochs", 1.5), ("epochs", "2"), ("epochs", None),
    ("learning_rate", 0.5), ("learning_rate", -1e-3), ("learning_rate", "0.001"),
    ("learning_rate", None), ("learning_rate", float("nan")),
    ("optimizer", "sgdd"), ("optimizer", 3), ("optimizer", None),
    ("augment", "yes"), ("augment", None),
    ("train_size", 300), ("train_size", 0), ("train_size", -200), ("train_size", "200"),
    ("train_size", 10**12),
]


@pytest.mark.parametrize(("name", "value"), BAD_ARGUMENTS,
                         ids=[f"{n}={v!r}" for n, v in BAD_ARGUMENTS])
def test_a_bad_argument_is_refused_quickly_by_name(name, value):
    with deadline(), pytest.raises((ValueError, TypeError), match=name):
        training_explorer(**{**TINY, name: value})


@pytest.mark.parametrize(("name", "value"), BAD_ARGUMENTS[::3],
                         ids=[f"{n}={v!r}" for n, v in BAD_ARGUMENTS[::3]])
def test_a_bad_update_changes_nothing(name, value):
    explorer = training_explorer(**TINY)
    before = explorer.state
    with deadline(), pytest.raises((ValueError, TypeError), match=name):
        explorer.update(**{name: value})
    assert explorer.state is before


# ------------------------------------------------------------------ training only on the button


@pytest.mark.parametrize(("name", "value"), [("epochs", 2), ("learning_rate", 1e-2),
                                             ("optimizer", "sgd"), ("augment", True),
                                             ("train_size", 500)])
def test_moving_a_control_trains_nothing(name, value):
    explorer = training_explorer(**TINY)
    with deadline():
        explorer.controls[name].value = value
    assert getattr(explorer.state, name) == value  # the control did reach the state
    assert explorer.state.runs == ()
    assert explorer.view.latest is None


def test_the_button_trains_once_and_reports_the_pure_run(tiny_run):
    explorer = training_explorer(**TINY)
    explorer.controls["train"].click()
    assert len(explorer.state.runs) == 1
    latest = explorer.view.latest
    assert latest is not None
    assert latest.settings == TINY
    # the same settings through the button and through the pure function: the same run
    assert latest.test_accuracy == tiny_run.test_accuracy
    assert history_of(latest) == history_of(tiny_run)
    # and the picture reports the accuracy it got
    shown = explorer.view.text + " " + " ".join(" ".join(row) for row in explorer.view.table)
    percent = f"{100 * latest.test_accuracy:.1f}"
    assert percent in shown or f"{latest.test_accuracy:.3f}" in shown, shown


# ------------------------------------------------------------------ the runs themselves


def test_a_run_reports_one_history_entry_per_epoch(tiny_run):
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(tiny_run.history[key]) == TINY["epochs"], key


def test_the_test_accuracy_counts_whole_test_digits(tiny_run, chance_level):
    _, n_test = chance_level
    correct = tiny_run.test_accuracy * n_test
    assert 0.0 <= tiny_run.test_accuracy <= 1.0
    assert abs(correct - round(correct)) < 1e-6  # a fraction of the test digits
    assert np.isclose(tiny_run.test_accuracy, tiny_run.history["val_accuracy"][-1])


def test_the_smallest_run_learns_something(tiny_run, chance_level):
    chance, n_test = chance_level
    # guessing scores chance with a binomial spread; five standard deviations above it is learning
    spread = np.sqrt(chance * (1 - chance) / n_test)
    assert tiny_run.test_accuracy > chance + 5 * spread, (tiny_run.test_accuracy, chance)
    assert tiny_run.history["loss"][-1] < np.log(10)  # below the loss of a uniform guess


def test_the_same_settings_give_the_same_run(tiny_run):
    # runs kept in the state must not change the training either
    again = train_once(TrainingState(**TINY, runs=(tiny_run,)))
    assert again.test_accuracy == tiny_run.test_accuracy
    assert again.test_loss == tiny_run.test_loss
    assert history_of(again) == history_of(tiny_run)


def test_a_different_learning_rate_changes_the_run(tiny_run):
    other = train_once(TrainingState(**{**TINY, "learning_rate": 1e-2}))
    assert history_of(other) != history_of(tiny_run)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "value"), [("optimizer", "sgd"), ("augment", True),
                                             ("train_size", 500), ("epochs", 2)])
def test_each_setting_changes_the_run(tiny_run, name, value):
    other = train_once(TrainingState(**{**TINY, name: value}))
    assert other.settings[name] == value
    assert history_of(other) != history_of(tiny_run)
    if name == "epochs":
        assert len(other.history["loss"]) == 2
        # the first epoch of a longer run is the one-epoch run
        assert history_of(other)["loss"][0] == history_of(tiny_run)["loss"][0]


@pytest.mark.slow
def test_the_button_adds_runs_in_order_and_settings_are_kept_per_run():
    explorer = training_explorer(**TINY)
    explorer.controls["train"].click()
    explorer.update(learning_rate=1e-2)
    assert len(explorer.state.runs) == 1  # changing a setting did not train
    explorer.controls["train"].click()
    runs = explorer.state.runs
    assert [run.settings["learning_rate"] for run in runs] == [1e-3, 1e-2]
    assert explorer.view.latest is runs[-1]
    assert len(explorer.view.table) == 2


def test_the_settings_are_described_in_words():
    text = training_explorer(**TINY).view.text
    for word in ("adam", "200"):
        assert word in text, text
