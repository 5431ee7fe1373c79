"""Train the notes' MNIST model on the bundled subset and save its weights for notebook 09.

The model is the Keras model of seed 004 (Conv 32 3x3 ReLU, MaxPool 2, Conv 64
3x3 ReLU, MaxPool 2, Conv 64 3x3 ReLU, Flatten, Dense 64 ReLU, Dense 10
softmax; 93,322 parameters), built with ``cnn_utils.nn`` and trained on the
4,000 training digits of ``data/mnist_5k.npz``; the 1,000 test digits are
scored after every epoch but never used to choose anything (the number of
epochs is fixed in advance).

Writes
------
``data/mnist_cnn_weights.npz``
    ``Sequential.save_weights`` output: compressed float32 arrays plus the
    architecture, loaded with ``model.load_weights``.
``data/mnist_cnn_weights.json``
    How the weights were made (epochs, seeds, optimizer, batch size,
    augmentation, library versions), the accuracy reached, the per-epoch
    history and the weights file's sha256.

Run from the repository root::

    .venv/bin/python data/make_trained_weights.py             # the committed weights
    .venv/bin/python data/make_trained_weights.py --compare   # also train without augmentation
    .venv/bin/python data/make_trained_weights.py --check     # retrain, compare, write nothing

With the same numpy and BLAS the run is reproducible bit for bit (one BLAS
thread, seeded weights, shuffling and augmentation); the script says whether
the sha256 it got matches the recorded one. ``--check`` retrains and compares
the weights array by array with the committed file, writing nothing: the way
to confirm that a change to the library left training bit for bit the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

# One BLAS thread: the same sums in the same order on every run (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from cnn_utils.datasets import load_mnist  # noqa: E402
from cnn_utils.nn import (  # noqa: E402
    Adam,
    ImageAugmenter,
    lecture_mnist_model,
)

HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "mnist_cnn_weights.npz"
RECORD = HERE / "mnist_cnn_weights.json"

SETTINGS = {
    "model_seed": 0,
    "fit_seed": 1,
    "epochs": 15,
    "batch_size": 32,
    "optimizer": {"name": "Adam", "learning_rate": 1e-3},
    "augmentation": {"rotation_range": 10.0, "shift_range": 2.0, "zoom_range": 0.1},
}


def train(settings, augmentation, verbose):
    """Train one model; returns (model, history, test loss, test accuracy, (wall s, CPU s))."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = lecture_mnist_model(seed=settings["model_seed"])
    model.compile(
        optimizer=Adam(settings["optimizer"]["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    augment = ImageAugmenter(**augmentation) if augmentation else None
    start, cpu_start = time.perf_counter(), time.process_time()
    history = model.fit(
        x_train,  # uint8 (N, 28, 28): fit adds the channel axis and divides by 255
        y_train,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        validation_data=(x_test, y_test),
        augment=augment,
        seed=settings["fit_seed"],
        verbose=verbose,
    )
    seconds = (time.perf_counter() - start, time.process_time() - cpu_start)
    test_loss, test_accuracy = model.evaluate(x_test, y_test)
    return model, history.history, test_loss, test_accuracy, seconds


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rounded(history):
    return {k: [round(float(v), 6) for v in values] for k, values in history.items()}


def check_against_committed(model) -> int:
    """Compare freshly trained weights with the committed file; 0 if bit for bit equal."""
    committed = lecture_mnist_model()
    committed.load_weights(WEIGHTS)
    worst = 0.0
    for new, old in zip(model.get_weights(), committed.get_weights(), strict=True):
        worst = max(worst, float(np.max(np.abs(new.astype(np.float64) - old))))
    same = all(
        np.array_equal(new, old)
        for new, old in zip(model.get_weights(), committed.get_weights(), strict=True)
    )
    print(f"largest difference from {WEIGHTS.name}: {worst:.3g}; bit for bit the same: {same}")
    return 0 if same else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--compare", action="store_true", help="also train without augmentation and report both"
    )
    parser.add_argument(
        "--check", action="store_true", help="retrain and compare with the committed weights"
    )
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2))
    args = parser.parse_args()
    if args.check:
        model, *_ = train(SETTINGS, SETTINGS["augmentation"], args.verbose)
        return check_against_committed(model)

    results = {}
    variants = [("with augmentation", SETTINGS["augmentation"])]
    if args.compare:
        variants.append(("without augmentation", None))
    for label, augmentation in variants:
        print(f"--- {label} ---", flush=True)
        results[label] = train(SETTINGS, augmentation, args.verbose)

    model, history, test_loss, test_accuracy, seconds = results["with augmentation"]
    previous = json.loads(RECORD.read_text())["weights_sha256"] if RECORD.exists() else None
    model.save_weights(WEIGHTS)
    digest = _sha256(WEIGHTS)
    mnist_record = json.loads((HERE / "mnist_5k.json").read_text())
    record = {
        "file": WEIGHTS.name,
        "weights_sha256": digest,
        "size_bytes": WEIGHTS.stat().st_size,
        "model": "seed 004's Keras MNIST model: Conv2D(32, 3x3, relu) on 28x28x1, "
        "MaxPooling2D(2), Conv2D(64, 3x3, relu), MaxPooling2D(2), Conv2D(64, 3x3, relu), "
        "Flatten, Dense(64, relu), Dense(10, softmax)",
        "parameters": model.count_params(),
        "dtype": "float32",
        "data": {
            "file": "mnist_5k.npz",
            "sha256": mnist_record["sha256"],
            "train": "x_train, y_train (4,000 digits)",
            "test": "x_test, y_test (1,000 digits), scored only, never used to choose",
        },
        "training": {
            **SETTINGS,
            "loss": "sparse_categorical_crossentropy",
            "input_scaling": "uint8 / 255",
        },
        "test_accuracy": round(float(test_accuracy), 4),
        "test_loss": round(float(test_loss), 6),
        "final_train_accuracy": round(float(history["accuracy"][-1]), 4),
        "history": _rounded(history),
        "made_by": "data/make_trained_weights.py",
        "load_with": "model.load_weights('data/mnist_cnn_weights.npz') on the same architecture",
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "platform": platform.machine(),
        },
        "reproducibility": "bit for bit with the same numpy/BLAS build and one BLAS thread; "
        "another BLAS may sum in another order and give slightly different weights",
    }
    if "without augmentation" in results:
        _, hist, loss, acc, _ = results["without augmentation"]
        record["comparison_without_augmentation"] = {
            "test_accuracy": round(float(acc), 4),
            "test_loss": round(float(loss), 6),
            "final_train_accuracy": round(float(hist["accuracy"][-1]), 4),
            "history": _rounded(hist),
        }
    RECORD.write_text(json.dumps(record, indent=1) + "\n")

    print()
    for label, (_, hist, loss, acc, secs) in results.items():
        print(
            f"{label}: test accuracy {acc:.4f} (loss {loss:.4f}) after {SETTINGS['epochs']} "
            f"epochs, final training accuracy {hist['accuracy'][-1]:.4f}, "
            f"wall time {secs[0]:.1f} s (CPU time {secs[1]:.1f} s)"
        )
    print(f"wrote {WEIGHTS.name} ({WEIGHTS.stat().st_size:,} bytes, sha256 {digest[:16]}...)")
    if previous is not None:
        same = "the same as" if previous == digest else "DIFFERENT from"
        print(f"the weights are {same} the previously recorded ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
