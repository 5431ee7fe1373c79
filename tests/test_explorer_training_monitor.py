"""Training monitor: the callback records what fit reports and draws it faithfully.

The tests drive the hooks with fake logs (no model, no display) and read the
curves back: from the view's numbers and from the SVG's pixel coordinates,
mapped back to data units through the panel's axes.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils.explorers.monitor import (
    MAX_POINTS,
    MonitorState,
    TrainingMonitor,
    monitor_view,
    training_monitor,
)

EPOCH_LOGS = [
    {"loss": 1.8, "accuracy": 0.42, "val_loss": 1.5, "val_accuracy": 0.55},
    {"loss": 0.9, "accuracy": 0.71, "val_loss": 1.0, "val_accuracy": 0.68},
    {"loss": 0.5, "accuracy": 0.86, "val_loss": 0.8, "val_accuracy": 0.74},
]
STEPS = 4
BATCH_LOSS = [2.3 - 0.15 * k for k in range(3 * STEPS)]  # 2.3, 2.15, ..., 0.65


def shown(explorer) -> str:
    """What the monitor's view widget shows now (its HTML)."""
    (view,) = [w for w in explorer.widget.children if "cnn-explorer-view" in w._dom_classes]
    return view.value


def _run(monitor, epochs=EPOCH_LOGS, steps=STEPS, params=True, finish=True):
    if params:
        monitor.set_params({"epochs": len(epochs), "steps": steps})
    monitor.on_train_begin({})
    k = 0
    for e, logs in enumerate(epochs):
        monitor.on_epoch_begin(e, {})
        for b in range(steps):
            monitor.on_batch_begin(b, {"batch": b, "size": 8})
            monitor.on_batch_end(
                b, {"batch": b, "size": 8, "loss": BATCH_LOSS[k], "accuracy": 0.05 * (k + 1)}
            )
            k += 1
        monitor.on_epoch_end(e, dict(logs))
    if finish:
        monitor.on_train_end(dict(epochs[-1]))
    return monitor


def _polyline(svg: str, name: str) -> list[tuple[float, float]]:
    match = re.search(rf'data-curve="{name}" points="([^"]*)"', svg)
    assert match, f"no curve {name} in the SVG"
    return [tuple(map(float, pair.split(","))) for pair in match.group(1).split()]


# ----------------------------------------------------------------------------- the curves
@pytest.mark.parametrize(
    ("panel", "curve"),
    [
        ("loss", "loss"),
        ("loss", "val_loss"),
        ("accuracy", "accuracy"),
        ("accuracy", "val_accuracy"),
    ],
)
def test_three_epochs_of_logs_become_the_epoch_curves(panel, curve):
    view = _run(TrainingMonitor()).view
    expected = [(float(e + 1), logs[curve]) for e, logs in enumerate(EPOCH_LOGS)]
    assert list(view.panels[panel].curves[curve]) == expected


@pytest.mark.parametrize("curve", ["loss", "val_loss", "batch_loss"])
def test_svg_points_map_back_to_the_logged_numbers(curve):
    view = _run(TrainingMonitor()).view
    panel = view.panels["loss"]
    drawn = [panel.to_data(px, py) for px, py in _polyline(view.svg, curve)]
    if curve == "batch_loss":
        # batch k (counting from 1 over the run) sits at k / STEPS epochs
        expected = [((k + 1) / STEPS, value) for k, value in enumerate(BATCH_LOSS)]
    else:
        expected = [(e + 1.0, logs[curve]) for e, logs in enumerate(EPOCH_LOGS)]
    # coordinates are written to 0.1 px: allow that much in data units
    x_tol = 0.06 * panel.x_max / panel.width
    y_tol = 0.06 * (panel.y_max - panel.y_min) / panel.height
    assert len(drawn) == len(expected)
    for (x, y), (ex, ey) in zip(drawn, expected, strict=True):
        assert x == pytest.approx(ex, abs=x_tol)
        assert y == pytest.approx(ey, abs=y_tol)


def test_axes_cover_the_planned_epochs_and_the_largest_loss():
    view = _run(TrainingMonitor()).view
    loss = view.panels["loss"]
    assert view.x_unit == "epoch"
    assert loss.x_max == 3
    assert loss.y_min == 0
    assert loss.y_max >= max(BATCH_LOSS)  # 2.3, the first batch
    assert view.panels["accuracy"].y_max == 1


def test_markers_carry_the_numbers_as_tooltips():
    svg = _run(TrainingMonitor()).view.svg
    assert "<title>val_loss after epoch 2: 1.0000</title>" in svg
    assert "<title>accuracy after epoch 3: 0.8600</title>" in svg


def test_status_line_while_training_and_after():
    monitor = _run(TrainingMonitor(), finish=False)
    monitor.on_epoch_begin(3, {})
    monitor.on_batch_end(1, {"loss": 0.4321, "accuracy": 0.9})
    assert monitor.view.text == "epoch 4/3 · batch 2/4 · loss 0.4321 · accuracy 0.9000"
    done = _run(TrainingMonitor())
    assert done.view.text == (
        "training finished after 3 epochs · loss 0.5000 · accuracy 0.8600 · "
        "val_loss 0.8000 · val_accuracy 0.7400"
    )


def test_without_params_the_epoch_length_is_learnt_from_the_first_epoch():
    monitor = TrainingMonitor()
    monitor.on_train_begin({})
    monitor.on_epoch_begin(0, {})
    for b in range(3):
        monitor.on_batch_end(b, {"loss": 1.0})
    assert monitor.view.x_unit == "batch"  # nothing says how long an epoch is yet
    monitor.on_epoch_end(0, {"loss": 1.0})
    view = monitor.view
    assert view.x_unit == "epoch"
    assert view.panels["loss"].curves["batch_loss"][-1] == (1.0, 1.0)


def test_missing_accuracy_and_validation_draw_nothing_for_them():
    monitor = TrainingMonitor()
    monitor.on_train_begin({})
    monitor.on_epoch_begin(0, {})
    monitor.on_batch_end(0, {"loss": 0.7})
    monitor.on_epoch_end(0, {"loss": 0.7})
    view = monitor.view
    assert 'data-curve="accuracy"' not in view.svg
    assert 'data-curve="val_loss"' not in view.svg
    assert 'data-curve="loss"' in view.svg
    assert math.isnan(monitor.snapshot().val_loss[0])


def test_long_runs_are_thinned_for_drawing_but_fully_recorded():
    monitor = TrainingMonitor()
    monitor.set_params({"epochs": 2, "steps": 1000})
    monitor.on_train_begin({})
    for e in range(2):
        monitor.on_epoch_begin(e, {})
        for b in range(1000):
            monitor.on_batch_end(b, {"loss": 1.0 / (1 + e * 1000 + b)})
        monitor.on_epoch_end(e, {"loss": 0.1})
    assert len(monitor.snapshot().batch_x) == 2000
    drawn = monitor.view.panels["loss"].curves["batch_loss"]
    assert len(drawn) <= MAX_POINTS
    assert drawn[0] == (0.001, 1.0)
    assert drawn[-1] == (2.0, 1.0 / 2000)


def test_from_history_matches_fit_history():
    state = MonitorState.from_history({k: [logs[k] for logs in EPOCH_LOGS] for k in EPOCH_LOGS[0]})
    view = monitor_view(state)
    assert view.panels["accuracy"].curves["val_accuracy"] == ((1.0, 0.55), (2.0, 0.68), (3.0, 0.74))
    assert state.status == "done"


# ----------------------------------------------------------------------------- live drawing
def test_redraws_at_most_every_n_batches_and_at_every_epoch_end():
    monitor = TrainingMonitor(update_every=5, min_seconds=0)
    monitor.widget  # noqa: B018 - on screen
    start = monitor.redraws  # the first picture
    monitor.set_params({"epochs": 1, "steps": 23})
    monitor.on_train_begin({})
    monitor.on_epoch_begin(0, {})
    for b in range(23):
        monitor.on_batch_end(b, {"loss": 1.0, "accuracy": 0.5})
    during = monitor.redraws - start - 1  # minus on_train_begin's
    assert during == 23 // 5
    monitor.on_epoch_end(0, {"loss": 1.0})
    monitor.on_train_end({})
    assert monitor.redraws - start == 1 + during + 2


def test_min_seconds_holds_back_batch_redraws_but_not_epoch_ends():
    monitor = TrainingMonitor(update_every=1, min_seconds=1e9)
    monitor.widget  # noqa: B018
    monitor.on_train_begin({})
    before = monitor.redraws
    monitor.on_epoch_begin(0, {})
    for b in range(10):
        monitor.on_batch_end(b, {"loss": 1.0})
    assert monitor.redraws == before
    monitor.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.2})
    assert monitor.redraws == before + 1
    assert "val_loss after epoch 1: 1.2000" in shown(monitor)


def test_widget_shows_the_status_line_and_the_curves():
    monitor = TrainingMonitor(update_every=1, min_seconds=0)
    widget = monitor.widget
    assert "waiting for training" in shown(monitor)
    _run(monitor, finish=False)
    assert "epoch 3/3 done" in shown(monitor)
    assert 'data-curve="val_accuracy"' in shown(monitor)
    assert monitor.widget is widget


def test_a_plain_monitor_does_not_draw():
    monitor = _run(TrainingMonitor(update_every=1, min_seconds=0))
    assert monitor.redraws == 0


def test_static_html_after_training_shows_the_final_curves():
    monitor = _run(TrainingMonitor())
    page = monitor.static_html()
    assert "training finished after 3 epochs" in page
    assert "<title>val_accuracy after epoch 3: 0.7400</title>" in page
    assert monitor.summary()._repr_html_() == page
    assert repr(monitor.summary()).startswith("training finished")


def test_training_starts_afresh_on_a_second_fit():
    monitor = _run(TrainingMonitor())
    _run(monitor, epochs=EPOCH_LOGS[:1])
    assert monitor.snapshot().loss == (1.8,)


def test_two_monitors_are_independent():
    a, b = training_monitor(update_every=1, min_seconds=0), training_monitor()
    wa, wb = a.widget, b.widget
    assert wa is not wb
    _run(a)
    assert b.snapshot().status == "waiting"
    assert "waiting" in shown(b)


def test_mimebundle_has_widget_static_html_and_short_text():
    first, second = training_monitor()._repr_mimebundle_(), training_monitor()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in first
    assert first["text/html"] == second["text/html"]
    assert "<svg" in first["text/html"]
    assert len(first["text/plain"]) < 100


def test_fit_accepts_the_monitor_and_it_records_the_history():
    from cnn_utils import nn

    model = nn.Sequential(seed=0)
    model.add(nn.Flatten(input_shape=(4, 4, 1)))
    model.add(nn.Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 4, 4, 1)), rng.integers(0, 3, 40)
    monitor = TrainingMonitor()
    assert isinstance(monitor, nn.Callback)
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        validation_data=(x[:10], y[:10]),
        callbacks=[monitor],
        verbose=0,
    )
    state = monitor.snapshot()
    assert state.loss == tuple(history.history["loss"])
    assert state.val_accuracy == tuple(history.history["val_accuracy"])
    assert state.steps == 5
    assert state.epoch_x == (5, 10, 15)
    assert state.status == "done"


# ----------------------------------------------------------------------------- properties
LOG_VALUES = st.one_of(
    st.floats(-1e6, 1e6),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.none(),
    st.just("n/a"),
)
LOGS = st.dictionaries(
    st.sampled_from(["loss", "accuracy", "val_loss", "val_accuracy", "batch", "size"]),
    LOG_VALUES,
)


@given(
    events=st.lists(st.tuples(st.sampled_from(["batch", "epoch", "begin"]), LOGS), max_size=40),
    steps=st.one_of(st.none(), st.integers(1, 50)),
    epochs=st.one_of(st.none(), st.integers(1, 20)),
    presenter=st.booleans(),
)
def test_any_sequence_of_hooks_renders(events, steps, epochs, presenter):
    from cnn_utils.presentation import presenter as set_presenter

    monitor = TrainingMonitor(update_every=1, min_seconds=0)
    params = {k: v for k, v in (("steps", steps), ("epochs", epochs)) if v is not None}
    monitor.set_params(params)
    monitor.on_train_begin({})
    epoch, batch = 0, 0
    for kind, logs in events:
        if kind == "batch":
            monitor.on_batch_end(batch, logs)
            batch += 1
        elif kind == "epoch":
            monitor.on_epoch_end(epoch, logs)
            epoch, batch = epoch + 1, 0
        else:
            monitor.on_epoch_begin(epoch, logs)
    set_presenter(presenter)
    try:
        view = monitor.view
    finally:
        set_presenter(False)
    assert view.svg.startswith("<svg")
    assert view.svg.endswith("</svg>")
    assert "nan" not in view.svg
    assert "inf" not in view.svg.replace("font-", "")


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"update_every": 0}, "update_every.*0"), ({"min_seconds": -1}, "min_seconds.*-1")],
)
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingMonitor(**kwargs)


def test_bad_state_is_refused():
    with pytest.raises(ValueError, match="'running'"):
        MonitorState(status="running")
    with pytest.raises(ValueError, match="batch_loss has 0 values but batch_x has 1"):
        MonitorState(batch_x=(1,))
