"""Ready-made architectures from the lecture notes, and the trained model the course ships."""

from __future__ import annotations

import json

from .._paths import data_dir
from .layers import Conv2D, Dense, Flatten, MaxPooling2D
from .model import Sequential

TRAINED_WEIGHTS = "mnist_cnn_weights.npz"
"""The shipped weights of :func:`lecture_mnist_model`, in the course's data folder."""

TRAINING_RECORD = "mnist_cnn_weights.json"
"""How those weights were made, in the same folder."""


def lecture_mnist_model(seed=None, dtype="float32") -> Sequential:
    """Seed 004's Keras MNIST model, built but not compiled.

    Conv2D 32 3x3 relu on 28x28x1, MaxPooling2D 2, Conv2D 64 3x3 relu,
    MaxPooling2D 2, Conv2D 64 3x3 relu, Flatten, Dense 64 relu, Dense 10
    softmax: 93,322 parameters. Notebook 07 builds it layer by layer; scripts
    and benchmarks take it from here so that they train the same network.

    Examples
    --------
    >>> lecture_mnist_model(seed=0).count_params()
    93322
    """
    model = Sequential(seed=seed, dtype=dtype)
    model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(Flatten())
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def load_trained_model() -> Sequential:
    """The notes' MNIST model with the weights shipped with the course, compiled.

    The weights were trained for 15 epochs on the 4,000 training digits of
    :func:`~cnn_utils.datasets.load_mnist` (``data/make_trained_weights.py``);
    :func:`load_training_record` says how, and what they scored. The model is
    compiled with Adam and accuracy, ready for ``evaluate``, ``predict`` or more
    training.

    Raises
    ------
    WeightsFileError
        The shipped file is missing or damaged (the message names it).

    Examples
    --------
    >>> from cnn_utils.datasets import load_mnist
    >>> model = load_trained_model()
    >>> _, (x_test, y_test) = load_mnist()
    >>> loss, accuracy = model.evaluate(x_test, y_test)
    >>> accuracy > 0.95
    True
    """
    model = lecture_mnist_model()
    model.load_weights(data_dir() / TRAINED_WEIGHTS)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def load_training_record() -> dict:
    """The record of how the shipped weights were made: settings, history, scores.

    Keys include ``training`` (epochs, batch size, optimizer, seeds,
    augmentation), ``history`` (per-epoch ``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy``), ``test_accuracy`` and ``test_loss``.

    Raises
    ------
    ValueError
        The record file is not valid JSON (the message names it).
    FileNotFoundError
        The record file is missing.

    Examples
    --------
    >>> record = load_training_record()
    >>> record["training"]["epochs"], record["parameters"]
    (15, 93322)
    """
    path = data_dir() / TRAINING_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{path} is not valid JSON ({error}); restore it from the repository"
        ) from None
    if not isinstance(record, dict):
        raise ValueError(f"{path} holds a JSON {type(record).__name__}, not the training record")
    return record
