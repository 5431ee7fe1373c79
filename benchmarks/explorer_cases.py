"""Realistic control changes for each explorer, for bench_explorers.py (not used by the package).

``CASES[name](rng)`` returns ``(explorer, changes)``: an explorer built as a
notebook builds it, with its widget made (so ``update`` pushes to real
ipywidgets, as in JupyterLab), and a list of ``update(**changes)`` keyword
dicts spread over the controls' ranges.
"""

from __future__ import annotations

import numpy as np

import cnn_utils as cu
from cnn_utils.explorers import channels, playground, pool, stepper, training


def _pick(rng, values):
    return values[int(rng.integers(len(values)))]


def stepper_case(rng):
    explorer = cu.conv_stepper("seven_by_seven_image", "feature_detector")
    _ = explorer.widget
    changes = []
    for _k in range(60):
        change = {
            "stride": int(rng.integers(stepper.STRIDE_RANGE[0], stepper.STRIDE_RANGE[1] + 1)),
            "padding": int(rng.integers(stepper.PADDING_RANGE[0], stepper.PADDING_RANGE[1] + 1)),
            "mode": _pick(rng, stepper.MODES),
            "predict": bool(rng.integers(2)),
        }
        changes.append(_pick(rng, [change, {"position": int(rng.integers(0, 25))}]))
    return explorer, changes


def output_size_case(rng):
    explorer = cu.output_size_explorer(n=7, f=3, p=0, s=2)
    _ = explorer.widget
    ranges = {"n": (1, 32), "f": (1, 11), "p": (0, 5), "s": (1, 6), "d": (1, 4)}
    changes = [
        {name: int(rng.integers(lo, hi + 1)) for name, (lo, hi) in ranges.items()}
        | {"ceil_mode": bool(rng.integers(2))}
        for _ in range(60)
    ]
    return explorer, changes


def pool_case(rng):
    explorer = cu.pool_explorer(rng.integers(-5, 6, (8, 8)).astype(float))
    _ = explorer.widget
    changes = []
    for _k in range(60):
        size = int(rng.integers(pool.POOL_RANGE[0], pool.POOL_RANGE[1] + 1))
        change = {
            "mode": _pick(rng, pool.MODES),
            "pool_size": size,
            "stride": int(rng.integers(pool.STRIDE_RANGE[0], pool.STRIDE_RANGE[1] + 1)),
            "padding": int(rng.integers(0, min(pool.PADDING_RANGE[1], size // 2) + 1)),
            "ceil_mode": bool(rng.integers(2)),
        }
        changes.append(_pick(rng, [change, {"position": int(rng.integers(0, 16))}]))
    return explorer, changes


def playground_case(rng):
    explorer = cu.kernel_playground()
    _ = explorer.widget
    changes = []
    for _k in range(40):
        change = {
            "border": _pick(rng, list(playground.BORDER_LABELS)),
            "display": _pick(rng, list(playground.DISPLAY_LABELS)),
            "operation": _pick(rng, playground.OPERATIONS),
            "color": bool(rng.integers(2)),
        }
        if rng.integers(2):
            change["preset"] = _pick(rng, list(playground.PRESETS))
        else:
            size = _pick(rng, [3, 5])
            change["kernel"] = rng.normal(size=(size, size))
        changes.append(change)
    return explorer, changes


def channels_case(rng):
    explorer = cu.channels_explorer()
    _ = explorer.widget
    changes = []
    for _k in range(60):
        size, count = _pick(rng, [3, 5]), int(rng.integers(1, channels.MAX_FILTERS + 1))
        bank = {"preset": _pick(rng, list(channels.FILTER_PRESETS)), "size": size,
                "num_filters": count, "seed": int(rng.integers(100))}  # fmt: skip
        out = 8 - size + 1
        look = {"row": int(rng.integers(out)), "col": int(rng.integers(out)),
                "channels_on": tuple(bool(v) for v in rng.integers(2, size=3))}  # fmt: skip
        changes += [bank, look]
    return explorer, changes


def monitor_case(rng):
    """Redraws in the middle of runs of 1 to 20 epochs of 125 batches (notebook 07's sizes)."""
    explorer = cu.training_monitor()
    _ = explorer.widget
    changes = []
    for _k in range(30):
        steps, epochs = 125, int(rng.integers(1, 21))
        seen = int(rng.integers(1, epochs * steps + 1))
        loss = 2.3 * 0.995 ** np.arange(1, seen + 1) + 0.01 * rng.random(seen)
        done = seen // steps
        changes.append({
            "batch_x": tuple(range(1, seen + 1)), "batch_loss": tuple(loss),
            "batch_accuracy": tuple(1 - loss / 2.5),
            "epoch_x": tuple(steps * (e + 1) for e in range(done)),
            "loss": tuple(loss[steps * (e + 1) - 1] for e in range(done)),
            "accuracy": tuple(1 - loss[steps * (e + 1) - 1] / 2.5 for e in range(done)),
            "val_loss": tuple(1.1 * loss[steps * (e + 1) - 1] for e in range(done)),
            "val_accuracy": (float("nan"),) * done, "steps": steps, "epochs": epochs,
            "epoch": min(done, epochs - 1), "batch": seen % steps, "status": "training",
        })  # fmt: skip
    return explorer, changes


def training_case(rng):
    """Control changes after one small run (moving a control redraws; it never trains)."""
    explorer = cu.training_explorer(train_size=200)
    _ = explorer.widget
    explorer.train()
    changes = [
        {
            "epochs": int(rng.integers(training.EPOCHS_RANGE[0], training.EPOCHS_RANGE[1] + 1)),
            "learning_rate": _pick(rng, training.LEARNING_RATES),
            "optimizer": _pick(rng, training.OPTIMIZERS),
            "augment": bool(rng.integers(2)),
            "train_size": _pick(rng, training.TRAIN_SIZES),
        }
        for _ in range(60)
    ]
    return explorer, changes


CASES = {
    "stepper": stepper_case,
    "output_size": output_size_case,
    "pool": pool_case,
    "playground": playground_case,
    "channels": channels_case,
    "monitor": monitor_case,
    "training": training_case,
}
