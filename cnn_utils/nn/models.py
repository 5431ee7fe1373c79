"""Ready-made architectures from the lecture notes."""

from __future__ import annotations

from .layers import Conv2D, Dense, Flatten, MaxPooling2D
from .model import Sequential


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
