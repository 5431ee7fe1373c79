"""A small Keras-like model API on the core maths of ``cnn_utils``.

The names are Keras' so that they carry over::

    from cnn_utils.nn import Sequential, Conv2D, MaxPooling2D, Flatten, Dense

    model = Sequential(seed=0)
    model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(Flatten())
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=32,
                        validation_data=(x_test, y_test))

Layout ``(N, H, W, C)``; convolution kernels ``(kh, kw, C_in, filters)``.
Modules: :mod:`~cnn_utils.nn.layers`, :mod:`~cnn_utils.nn.model`,
:mod:`~cnn_utils.nn.optimizers`, :mod:`~cnn_utils.nn.callbacks` (the callback
protocol, progress bar), :mod:`~cnn_utils.nn.augment` (data augmentation),
:mod:`~cnn_utils.nn.inputs` (how images and labels are checked and scaled),
:mod:`~cnn_utils.nn.weights_file` (the weights file, written atomically) and
:mod:`~cnn_utils.nn.models` (the notes' model and the trained one shipped with
the course: ``load_trained_model()``).
"""

from .augment import ImageAugmenter, affine_transform_images, augment_images
from .callbacks import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ProgbarLogger,
    get_show_time,
    set_show_time,
)
from .layers import (
    ACTIVATIONS,
    AveragePooling2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    MaxPooling2D,
    ReLU,
    Softmax,
)
from .model import Sequential
from .models import lecture_mnist_model, load_trained_model, load_training_record
from .optimizers import OPTIMIZERS, SGD, Adam, Optimizer, RMSprop, get_optimizer
from .summary import LayerSummary, ModelSummary
from .weights_file import WeightsFileError

__all__ = [
    "ACTIVATIONS",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AveragePooling2D",
    "Callback",
    "Conv2D",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "History",
    "ImageAugmenter",
    "LambdaCallback",
    "Layer",
    "LayerSummary",
    "MaxPooling2D",
    "ModelSummary",
    "Optimizer",
    "ProgbarLogger",
    "RMSprop",
    "ReLU",
    "Sequential",
    "lecture_mnist_model",
    "load_trained_model",
    "load_training_record",
    "Softmax",
    "WeightsFileError",
    "affine_transform_images",
    "augment_images",
    "get_optimizer",
    "get_show_time",
    "set_show_time",
]
