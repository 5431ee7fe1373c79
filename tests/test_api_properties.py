"""Bad input anywhere in the public API gets the package's own, named error.

The contract (issue 13): every public function, class and ``Sequential`` method
either returns, or raises a ValueError or TypeError

- raised by cnn_utils itself (the last frame of the traceback is a file of the
  cnn_utils package, not numpy's or the standard library's),
- whose type is ValueError, TypeError, or a subclass defined in cnn_utils
  (numpy's AxisError is a ValueError too, and is not allowed),
- and whose message names the argument that was replaced (or a documented word
  for it, ``SYNONYMS``; a message about a mismatch may name the other argument);

never an IndexError, AxisError, OverflowError, MemoryError, ZeroDivisionError,
AttributeError, KeyError or a numpy error, and never a call that runs for more
than ``TIME_LIMIT`` seconds. Numpy integers, floats and 0-d arrays are accepted
wherever Python numbers are, with the same result.

How: ``BASELINES`` holds one valid call for every public callable (discovered
at run time from ``cnn_utils.__all__``, ``cnn_utils.nn.__all__``, the public
functions of ``cnn_utils.datasets`` and the public methods of ``Sequential``;
a callable without an entry fails the coverage test). Each argument in turn is
replaced by each value of ``GARBAGE`` (an exhaustive sweep); then hypothesis
replaces random pairs of arguments, and single arguments by generated values
(integers, floats, text, numpy arrays of any dtype and shape, nested lists).
Every call counts towards a table by kind of garbage, printed with ``pytest -s``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import io
import math
import numbers
import os
import re
import resource
import signal
import sys
import traceback
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cnn_utils as cu
import cnn_utils.datasets as datasets
import cnn_utils.nn as nn

PACKAGE_DIR = Path(cu.__file__).resolve().parent
TIME_LIMIT = 20  # seconds; a call still running then counts as a hang
MEMORY_HEADROOM = 6 * 2**30  # bytes of address space the calls may add
HYPOTHESIS_EXAMPLES = 15  # per public callable; keeps the module near a minute


# ===================================================================== garbage
def _function(*args, **kwargs):
    return None


class _Opaque:
    """An object of a type no function expects."""


def _garbage():
    """(kind, label, value) triples: every kind of wrong input the issue lists."""
    nan, inf = math.nan, math.inf
    rows = [
        ("none", "None", None),
        ("bool", "True", True),
        ("bool", "False", False),
        ("str", "''", ""),
        ("str", "'abc'", "abc"),
        ("str", "'2'", "2"),
        ("str", "'0.2'", "0.2"),
        ("str", "'nan'", "nan"),
        ("str", "'-1'", "-1"),
        ("str", "'x' * 10_000", "x" * 10_000),
        ("str", "'\\x00é'", "\x00é"),
        ("bytes", "b'abc'", b"abc"),
        ("bytes", "b''", b""),
        ("int-negative", "-1", -1),
        ("int-negative", "-2", -2),
        ("int-negative", "-2**31", -(2**31)),
        ("int-negative", "-10**5", -(10**5)),
        ("int-zero", "0", 0),
        ("int-huge", "10**5", 10**5),
        ("int-huge", "10**9", 10**9),
        ("int-huge", "2**31", 2**31),
        ("int-huge", "2**63", 2**63),
        ("int-huge", "2**64", 2**64),
        ("int-huge", "10**30", 10**30),
        ("float", "0.5", 0.5),
        ("float", "2.5", 2.5),
        ("float", "-0.5", -0.5),
        ("float", "2.0", 2.0),
        ("float-special", "nan", nan),
        ("float-special", "inf", inf),
        ("float-special", "-inf", -inf),
        ("float-special", "-0.0", -0.0),
        ("float-special", "1e308", 1e308),
        ("float-special", "-1e308", -1e308),
        ("float-special", "5e-324", 5e-324),
        ("complex", "1j", 1j),
        ("numpy-scalar", "np.int64(-1)", np.int64(-1)),
        ("numpy-scalar", "np.int64(2**62)", np.int64(2**62)),
        ("numpy-scalar", "np.uint64(2**64-1)", np.uint64(2**64 - 1)),
        ("numpy-scalar", "np.int8(-128)", np.int8(-128)),
        ("numpy-scalar", "np.float32(nan)", np.float32(nan)),
        ("numpy-scalar", "np.float64(inf)", np.float64(inf)),
        ("numpy-scalar", "np.float32(0.5)", np.float32(0.5)),
        ("numpy-scalar", "np.bool_(True)", np.bool_(True)),
        ("numpy-scalar", "np.complex128(1j)", np.complex128(1j)),
        ("numpy-scalar", "np.str_('a')", np.str_("a")),
        ("array-0d", "np.array(2)", np.array(2)),
        ("array-0d", "np.array(-1)", np.array(-1)),
        ("array-0d", "np.array(2.5)", np.array(2.5)),
        ("array-0d", "np.array(nan)", np.array(nan)),
        ("array-0d", "np.array(2**63, object)", np.array(2**63, dtype=object)),
        ("array-0d", "np.array('a')", np.array("a")),
        ("array-empty", "np.empty(0)", np.empty(0)),
        ("array-empty", "np.empty((0, 3))", np.empty((0, 3))),
        ("array-empty", "np.empty((0, 6, 6, 2))", np.empty((0, 6, 6, 2))),
        ("array-empty", "np.empty((2, 0, 6, 2))", np.empty((2, 0, 6, 2))),
        ("array-empty", "np.empty((3, 0))", np.empty((3, 0))),
        ("array-ndim", "np.ones(5)", np.ones(5)),
        ("array-ndim", "np.ones((3, 3))", np.ones((3, 3))),
        ("array-ndim", "np.ones((2, 3, 3))", np.ones((2, 3, 3))),
        ("array-ndim", "np.ones((1, 2, 2, 1, 1))", np.ones((1, 2, 2, 1, 1))),
        ("array-ndim", "np.ones((1, 1, 1, 1))", np.ones((1, 1, 1, 1))),
        ("array-ndim", "np.ones((7, 7, 7, 7))", np.ones((7, 7, 7, 7))),
        ("array-dtype", "object array of None", np.array([[None, None], [None, None]])),
        ("array-dtype", "complex (3, 3)", np.ones((3, 3), complex)),
        ("array-dtype", "str (2, 2)", np.array([["a", "b"], ["c", "d"]])),
        ("array-dtype", "bool (3, 3)", np.ones((3, 3), bool)),
        ("array-dtype", "float16 (3, 3)", np.ones((3, 3), np.float16)),
        ("array-dtype", "datetime64 (3,)", np.array(["2020-01-01"] * 3, "datetime64[D]")),
        ("array-values", "nan (3, 3)", np.full((3, 3), nan)),
        ("array-values", "inf (2, 6, 6, 2)", np.full((2, 6, 6, 2), inf)),
        ("array-values", "1e308 (3, 3)", np.full((3, 3), 1e308)),
        ("array-values", "int64 max (3, 3)", np.full((3, 3), np.iinfo(np.int64).max)),
        ("nested-list", "[]", []),
        ("nested-list", "[[]]", [[]]),
        ("nested-list", "[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("nested-list", "[[[1]]]", [[[1]]]),
        ("nested-list", "[None, 'a']", [None, "a"]),
        ("ragged", "[[1, 2], [3]]", [[1, 2], [3]]),
        ("ragged", "[1, [2, 3]]", [1, [2, 3]]),
        ("tuple", "()", ()),
        ("tuple", "(1,)", (1,)),
        ("tuple", "(1, 2, 3)", (1, 2, 3)),
        ("tuple", "(2**64, 1)", (2**64, 1)),
        ("tuple", "(-1, -1)", (-1, -1)),
        ("tuple", "(nan, 1)", (nan, 1)),
        ("tuple", "('a', 'b')", ("a", "b")),
        ("tuple", "(0, 0)", (0, 0)),
        ("dict", "{}", {}),
        ("dict", "{'a': 1}", {"a": 1}),
        ("set", "{1, 2}", {1, 2}),
        ("function", "a function", _function),
        ("function", "print", print),
        ("function", "a lambda raising", lambda *a, **k: 1 / 0),
        ("object", "object()", _Opaque()),
        ("object", "Ellipsis", ...),
        ("object", "a type (int)", int),
    ]
    return rows


GARBAGE = _garbage()


# ===================================================================== baselines
@dataclasses.dataclass
class Entry:
    """One valid call: ``target()`` gives the callable, ``kwargs()`` its arguments.

    ``paths`` names arguments that are file paths (FileNotFoundError, an OSError,
    is the documented answer to a missing file); ``calls`` names arguments the
    function calls (an error raised by the caller's own function is theirs to
    see); ``cleanup`` restores global state a call may change (the presenter
    theme, the progress bar's clock).
    """

    target: object
    kwargs: object
    paths: tuple = ()
    cleanup: object = None
    calls: tuple = ()


def _rng():
    return np.random.default_rng(1234)


def _batch(n=2, h=6, w=6, c=2):
    return _rng().standard_normal((n, h, w, c))


def _weights(kh=3, kw=3, cin=2, cout=3):
    return np.random.default_rng(5).standard_normal((kh, kw, cin, cout))


def _image(h=6, w=6):
    return np.random.default_rng(6).standard_normal((h, w))


def _logits():
    return np.random.default_rng(7).standard_normal((4, 5))


def _model(compiled=True):
    model = nn.Sequential(name="tiny", seed=0)
    model.add(nn.Conv2D(2, (3, 3), activation="relu", input_shape=(6, 6, 1), name="conv"))
    model.add(nn.MaxPooling2D(2, name="pool"))
    model.add(nn.Flatten(name="flat"))
    model.add(nn.Dense(3, activation="softmax", name="out"))
    if compiled:
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def _xy():
    x = np.random.default_rng(8).random((6, 6, 6, 1)).astype(np.float32)
    return x, np.array([0, 1, 2, 0, 1, 2])


def _method(name, compiled=True):
    return lambda: getattr(_model(compiled), name)


_WORK = {}  # a folder for files, set by the module fixture


def _saved_weights():
    path = _WORK["dir"] / "baseline.npz"
    if not path.exists():
        _model().save_weights(path)
    return path


def _pool_kwargs(avg=False, backward=False):
    def kwargs():
        args = {"x": _batch(), "pool_size": 2, "stride": 2, "padding": 0, "ceil_mode": False}
        if avg:
            args["count_include_pad"] = True
        if backward:
            args = {"dout": _rng().standard_normal((2, 3, 3, 2)), **args}
        return args

    return kwargs


def _conv_kwargs(backward=False):
    def kwargs():
        args = {"x": _batch(), "w": _weights(), "stride": 1, "padding": 1, "dilation": 1}
        if backward:
            return {"dout": _rng().standard_normal((2, 6, 6, 3)), **args}
        return {"x": args.pop("x"), "w": args.pop("w"), "b": np.arange(3.0), **args}

    return kwargs


def _conv_backward_kwargs():
    # conv_forward is being added; its documented signature decides this entry.
    out, cache = cu.conv_forward(_batch(), _weights(), np.arange(3.0), stride=1, padding=1)
    return {"dout": np.ones_like(out), "cache": cache, "need_dx": True}


def _fields_of(record):
    """A dataclass instance's fields as keyword arguments (to build another one)."""
    return {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}


_SHOW_TIME = nn.get_show_time()  # the module default, restored after every call


def _set_show_time_back():
    nn.set_show_time(_SHOW_TIME)


def _presenter_off():
    cu.presenter(False)  # the state every test starts in


def _explorer_image():
    return np.random.default_rng(9).random((16, 16))


def _bound(name):
    """A target for a module-level function looked up when called (it may be new)."""
    def target():
        return getattr(cu, name)

    return target


SHAPE_ARGS = {"n": 7, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1,
              "ceil_mode": False}

BASELINES = {
    # ------------------------------------------------------------- core maths
    "output_size": Entry(_bound("output_size"), lambda: dict(SHAPE_ARGS)),
    "explain_output_size": Entry(_bound("explain_output_size"), lambda: dict(SHAPE_ARGS)),
    "conv_params": Entry(_bound("conv_params"), lambda: {
        "kernel_size": (3, 3), "in_channels": 2, "filters": 4, "bias": True}),
    "dense_params": Entry(_bound("dense_params"), lambda: {
        "in_features": 10, "units": 4, "bias": True}),
    "pad2d": Entry(_bound("pad2d"), lambda: {
        "x": _image(5, 5), "padding": 1, "mode": "constant", "value": 0}),
    "correlate2d": Entry(_bound("correlate2d"), lambda: {
        "image": _image(), "kernel": _image(3, 3), "mode": "valid", "stride": 1}),
    "convolve2d": Entry(_bound("convolve2d"), lambda: {
        "image": _image(), "kernel": _image(3, 3), "mode": "valid", "stride": 1}),
    "conv_step": Entry(_bound("conv_step"), lambda: {
        "image": _image(), "kernel": _image(3, 3), "i": 0, "j": 1, "stride": 1, "padding": 0}),
    "conv2d": Entry(_bound("conv2d"), _conv_kwargs()),
    "conv2d_naive": Entry(_bound("conv2d_naive"), _conv_kwargs()),
    "conv2d_backward": Entry(_bound("conv2d_backward"), _conv_kwargs(backward=True)),
    "conv2d_backward_naive": Entry(_bound("conv2d_backward_naive"),
                                   _conv_kwargs(backward=True)),
    "conv_forward": Entry(_bound("conv_forward"), _conv_kwargs()),
    "conv_backward": Entry(_bound("conv_backward"), _conv_backward_kwargs),
    "conv_geometry": Entry(_bound("conv_geometry"), lambda: {
        "x_shape": (2, 6, 6, 2), "w_shape": (3, 3, 2, 3), "stride": 1, "padding": 1,
        "dilation": 1}),
    "ConvGeometry": Entry(_bound("ConvGeometry"), lambda: _fields_of(
        cu.conv_geometry((2, 6, 6, 2), (3, 3, 2, 3), stride=1, padding=1))),
    "ConvCache": Entry(_bound("ConvCache"), lambda: _fields_of(
        cu.conv_forward(_batch(), _weights(), np.arange(3.0), padding=1)[1])),
    "pool_geometry": Entry(_bound("pool_geometry"), lambda: {
        "input_size": (6, 6), "pool_size": 2, "stride": None, "padding": 0,
        "ceil_mode": False}),
    "PoolGeometry": Entry(_bound("PoolGeometry"), lambda: _fields_of(
        cu.pool_geometry((6, 6), 2))),
    "max_pool2d": Entry(_bound("max_pool2d"), _pool_kwargs()),
    "max_pool2d_naive": Entry(_bound("max_pool2d_naive"), _pool_kwargs()),
    "max_pool2d_backward": Entry(_bound("max_pool2d_backward"), _pool_kwargs(backward=True)),
    "avg_pool2d": Entry(_bound("avg_pool2d"), _pool_kwargs(avg=True)),
    "avg_pool2d_naive": Entry(_bound("avg_pool2d_naive"), _pool_kwargs(avg=True)),
    "avg_pool2d_backward": Entry(_bound("avg_pool2d_backward"),
                                 _pool_kwargs(avg=True, backward=True)),
    "flatten": Entry(_bound("flatten"), lambda: {"x": _batch(2, 3, 3, 2), "batch": True}),
    "relu": Entry(_bound("relu"), lambda: {"x": _batch()}),
    "relu_backward": Entry(_bound("relu_backward"), lambda: {"dout": _batch(), "x": _batch()}),
    "softmax": Entry(_bound("softmax"), lambda: {"z": _logits(), "axis": -1}),
    "cross_entropy": Entry(_bound("cross_entropy"), lambda: {
        "scores": _logits(), "labels": np.array([0, 1, 2, 3]), "from_logits": True}),
    "softmax_cross_entropy_backward": Entry(_bound("softmax_cross_entropy_backward"), lambda: {
        "logits": _logits(), "labels": np.array([0, 1, 2, 3])}),
    "numerical_gradient": Entry(_bound("numerical_gradient"), lambda: {
        "f": lambda a: float(np.sum(a**2)), "x": np.array([1.0, -2.0, 0.5]), "eps": 1e-6},
        calls=("f",)),
    "relative_error": Entry(_bound("relative_error"), lambda: {
        "a": np.array([1.0, 2.0]), "b": np.array([1.0, 2.5])}),
    "get_kernel": Entry(_bound("get_kernel"), lambda: {"name": "sobel_x"}),
    "kernel_names": Entry(_bound("kernel_names"), dict),
    "load_example": Entry(_bound("load_example"), lambda: {"name": "filter1"}),
    "example_info": Entry(_bound("example_info"), lambda: {"name": "filter1"}),
    "list_examples": Entry(_bound("list_examples"), lambda: {"kind": "kernel"}),
    "presenter": Entry(_bound("presenter"), lambda: {"on": False}, cleanup=_presenter_off),
    "theme": Entry(_bound("theme"), dict),
    "check": Entry(_bound("check"), lambda: {"exercise_id": "03.1", "answer": 4}),
    "progress": Entry(_bound("progress"), lambda: {"notebook": "03"}),
    # ------------------------------------------------------------- explorers
    "conv_stepper": Entry(_bound("conv_stepper"), lambda: {
        "image": "six_by_six_image", "kernel": "filter1", "stride": 1, "padding": 0,
        "mode": "correlation", "predict": False, "static_animation": False}),
    "output_size_explorer": Entry(_bound("output_size_explorer"), lambda: {
        "n": 7, "f": 3, "p": 0, "s": 1, "d": 1, "ceil_mode": False}),
    "pool_explorer": Entry(_bound("pool_explorer"), lambda: {
        "x": None, "mode": "max", "pool_size": 2, "stride": 2, "padding": 0,
        "ceil_mode": False}),
    "kernel_playground": Entry(_bound("kernel_playground"), lambda: {
        "image": _explorer_image(), "kernel": "sharpen", "border": "reflect",
        "display": "signed", "operation": "correlate", "color": False, "max_side": 64}),
    "channels_explorer": Entry(_bound("channels_explorer"), lambda: {
        "image": None, "filters": "red_minus_blue", "bias": 0.0, "size": 3,
        "num_filters": 1, "seed": 0}),
    "training_monitor": Entry(_bound("training_monitor"), lambda: {
        "update_every": None, "min_seconds": 0.2}),
    "training_explorer": Entry(_bound("training_explorer"), lambda: {
        "epochs": 1, "learning_rate": 1e-3, "optimizer": "adam", "augment": False,
        "train_size": 1000}),
    # ------------------------------------------------------------- datasets
    "datasets.load_mnist": Entry(lambda: datasets.load_mnist, lambda: {
        "which": "subset", "cache_dir": None, "base_url": None, "normalize": False},
        paths=("cache_dir",)),
    "datasets.load_photo": Entry(lambda: datasets.load_photo, lambda: {
        "gray": False, "max_size": 64}),
    # ------------------------------------------------------------- nn: layers
    "nn.Layer": Entry(lambda: nn.Layer, lambda: {
        "name": "layer", "input_shape": None, "trainable": True}),
    "nn.Conv2D": Entry(lambda: nn.Conv2D, lambda: {
        "filters": 2, "kernel_size": (3, 3), "strides": 1, "padding": "valid",
        "activation": "relu", "input_shape": (8, 8, 1), "dilation_rate": 1, "use_bias": True,
        "name": "conv", "trainable": True}),
    "nn.Dense": Entry(lambda: nn.Dense, lambda: {
        "units": 3, "activation": "softmax", "input_shape": (5,), "use_bias": True,
        "name": "dense", "trainable": True}),
    "nn.Dropout": Entry(lambda: nn.Dropout, lambda: {
        "rate": 0.5, "input_shape": (4,), "name": "drop"}),
    "nn.Flatten": Entry(lambda: nn.Flatten, lambda: {"input_shape": (2, 2, 1), "name": "flat"}),
    "nn.MaxPooling2D": Entry(lambda: nn.MaxPooling2D, lambda: {
        "pool_size": 2, "strides": None, "padding": "valid", "input_shape": (4, 4, 1),
        "name": "pool"}),
    "nn.AveragePooling2D": Entry(lambda: nn.AveragePooling2D, lambda: {
        "pool_size": 2, "strides": None, "padding": "valid", "input_shape": (4, 4, 1),
        "name": "pool"}),
    "nn.ReLU": Entry(lambda: nn.ReLU, lambda: {"input_shape": (3,), "name": "relu"}),
    "nn.Softmax": Entry(lambda: nn.Softmax, lambda: {"input_shape": (3,), "name": "softmax"}),
    "nn.LayerSummary": Entry(lambda: nn.LayerSummary, lambda: {
        "name": "dense", "type": "Dense", "output_shape": (None, 3), "params": 12,
        "trainable": True}),
    "nn.ModelSummary": Entry(lambda: nn.ModelSummary, lambda: {
        "name": "m", "layers": (), "total_params": 0, "trainable_params": 0,
        "non_trainable_params": 0}),
    # ------------------------------------------------------------- nn: optimizers
    "nn.Optimizer": Entry(lambda: nn.Optimizer, lambda: {"learning_rate": 0.01}),
    "nn.SGD": Entry(lambda: nn.SGD, lambda: {
        "learning_rate": 0.01, "momentum": 0.9, "nesterov": False}),
    "nn.Adam": Entry(lambda: nn.Adam, lambda: {
        "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    "nn.RMSprop": Entry(lambda: nn.RMSprop, lambda: {
        "learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}),
    "nn.get_optimizer": Entry(lambda: nn.get_optimizer, lambda: {"optimizer": "adam"}),
    # ------------------------------------------------------------- nn: callbacks
    "nn.Callback": Entry(lambda: nn.Callback, dict),
    "nn.History": Entry(lambda: nn.History, dict),
    "nn.EarlyStopping": Entry(lambda: nn.EarlyStopping, lambda: {
        "monitor": "val_loss", "patience": 2, "min_delta": 0.0,
        "restore_best_weights": False}),
    "nn.LambdaCallback": Entry(lambda: nn.LambdaCallback, lambda: {
        "on_epoch_end": lambda epoch, logs=None: None}),
    "nn.ProgbarLogger": Entry(lambda: nn.ProgbarLogger, lambda: {
        "verbose": 1, "show_time": False, "stream": io.StringIO(), "updates_per_epoch": 20}),
    "nn.get_show_time": Entry(lambda: nn.get_show_time, dict),
    "nn.set_show_time": Entry(lambda: nn.set_show_time, lambda: {"show": False},
                              cleanup=_set_show_time_back),
    # ------------------------------------------------------------- nn: augmentation
    "nn.ImageAugmenter": Entry(lambda: nn.ImageAugmenter, lambda: {
        "rotation_range": 10.0, "shift_range": 2.0, "zoom_range": 0.1, "fill_value": 0.0}),
    "nn.augment_images": Entry(lambda: nn.augment_images, lambda: {
        "x": _batch(4, 8, 8, 1), "rotation_range": 10.0, "shift_range": 2.0,
        "zoom_range": 0.1, "fill_value": 0.0, "seed": 0}),
    "nn.affine_transform_images": Entry(lambda: nn.affine_transform_images, lambda: {
        "x": _batch(4, 8, 8, 1), "angles": 5.0, "shifts": 1.0, "zooms": 1.0,
        "fill_value": 0.0}),
    # ------------------------------------------------------------- nn: models
    "nn.Sequential": Entry(lambda: nn.Sequential, lambda: {
        "layers": [nn.Flatten(input_shape=(2, 2, 1)), nn.Dense(2)], "name": "m", "seed": 0,
        "dtype": "float32"}),
    "load_trained_model": Entry(_bound("load_trained_model"), dict),
    "load_training_record": Entry(_bound("load_training_record"), dict),
    "nn.load_trained_model": Entry(lambda: nn.load_trained_model, dict),
    "nn.load_training_record": Entry(lambda: nn.load_training_record, dict),
    "nn.lecture_mnist_model": Entry(lambda: nn.lecture_mnist_model, lambda: {
        "seed": 0, "dtype": "float32"}),
    "Sequential.add": Entry(_method("add", compiled=False), lambda: {
        "layer": nn.Dense(4, name="extra")}),
    "Sequential.build": Entry(lambda: nn.Sequential([nn.Flatten(), nn.Dense(2)], seed=0).build,
                              lambda: {"input_shape": (None, 3, 3, 1)}),
    "Sequential.compile": Entry(_method("compile", compiled=False), lambda: {
        "optimizer": "sgd", "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"]}),
    "Sequential.fit": Entry(_method("fit"), lambda: dict(zip(("x", "y"), _xy(), strict=True), **{
        "epochs": 1, "batch_size": 4, "validation_data": None, "validation_split": 0.0,
        "shuffle": True, "verbose": 0, "callbacks": None, "augment": None, "seed": 0}),
        calls=("augment",)),
    "Sequential.evaluate": Entry(_method("evaluate"), lambda: dict(
        zip(("x", "y"), _xy(), strict=True), **{
        "batch_size": 4, "verbose": 0, "return_dict": False})),
    "Sequential.predict": Entry(_method("predict"), lambda: {
        "x": _xy()[0], "batch_size": 4, "verbose": 0}),
    "Sequential.train_on_batch": Entry(_method("train_on_batch"),
                                       lambda: dict(zip(("x", "y"), _xy(), strict=True))),
    "Sequential.loss_and_gradients": Entry(_method("loss_and_gradients"), lambda: dict(
        zip(("x", "y"), _xy(), strict=True), training=False)),
    "Sequential.activations": Entry(_method("activations"), lambda: {
        "x": _xy()[0], "layers": None}),
    "Sequential.get_layer_output": Entry(_method("get_layer_output"), lambda: {
        "x": _xy()[0], "layer": "conv"}),
    "Sequential.input_gradient": Entry(_method("input_gradient"), lambda: {
        "x": _xy()[0], "layer": "conv", "output_grad": None, "return_output": False}),
    "Sequential.get_layer": Entry(_method("get_layer"), lambda: {"name": "conv", "index": None}),
    "Sequential.count_params": Entry(_method("count_params"), dict),
    "Sequential.get_weights": Entry(_method("get_weights"), dict),
    "Sequential.set_weights": Entry(_method("set_weights"), lambda: {
        "weights": _model().get_weights()}),
    "Sequential.summary": Entry(_method("summary"), lambda: {
        "line_length": 65, "print_fn": _function, "return_data": False}, calls=("print_fn",)),
    "Sequential.summary_data": Entry(_method("summary_data"), dict),
    "Sequential.save_weights": Entry(_method("save_weights"), lambda: {
        "path": _WORK["dir"] / "saved.npz"}, paths=("path",)),
    "Sequential.load_weights": Entry(_method("load_weights"), lambda: {
        "path": _saved_weights()}, paths=("path",)),
}


def public_callables():
    """Every public callable, by the name used in ``BASELINES``."""
    names = set()
    for name in cu.__all__:
        obj = getattr(cu, name)
        if callable(obj) and not (isinstance(obj, type) and issubclass(obj, BaseException)):
            names.add(name)
    for name in nn.__all__:
        obj = getattr(nn, name)
        if callable(obj) and not (isinstance(obj, type) and issubclass(obj, BaseException)):
            names.add(f"nn.{name}")
    for name, obj in vars(datasets).items():
        if (not name.startswith("_") and inspect.isfunction(obj)
                and obj.__module__ == datasets.__name__):
            names.add(f"datasets.{name}")
    for name, obj in vars(nn.Sequential).items():
        if not name.startswith("_") and callable(obj):
            names.add(f"Sequential.{name}")
    return sorted(names)


PUBLIC = public_callables()
COVERED = [name for name in BASELINES if name in PUBLIC]


# ===================================================================== one guarded call
class CallTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _on_alarm(signum, frame):
    raise CallTimeout(f"no result after {TIME_LIMIT} s")


def _in_package(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(PACKAGE_DIR)
    except (OSError, ValueError):
        return False


# Words a clear message may use for an argument instead of its name.
SYNONYMS = {
    "x": ("input", "images", "image"), "image": ("input",), "z": ("input",),
    "w": ("weights", "kernel"), "b": ("bias",), "kernel_size": ("kernel",),
    "pool_size": ("pool", "window"), "dilation_rate": ("dilation",),
    "f": ("kernel",), "n": ("input",), "p": ("padding",), "s": ("stride",), "d": ("dilation",),
    "i": ("position", "row"), "j": ("position", "column"),
}
# A one-letter name counts only where it is used as a name ("x must", "x has", "'x'").
_AS_A_NAME = (r"(?=\s*(=|must|has|have|is|are|should|needs|returned|raised|of shape"
              r"|\(|\[|:|;|,|\)|\.\s|\.?$))")


def _spellings(name):
    words = {name, name.replace("_", " "), *SYNONYMS.get(name, ())}
    words |= {w + "s" for w in words} | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}
    return words


def _names_argument(message: str, replaced, others=()) -> bool:
    """Does the message name a replaced argument (or, for a mismatch, another one)?"""
    for name in (*replaced, *others):
        for word in _spellings(name):
            edge = rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])"
            if len(word) == 1:
                edge = rf"((?<![A-Za-z0-9_'`]){re.escape(word)}{_AS_A_NAME}|['`]{word}['`])"
            if re.search(edge, message):
                return True
    return False


def judge(error: BaseException | None, replaced, paths=(), others=()) -> str | None:
    """None if the outcome keeps the contract, else the kind of violation.

    ``replaced`` maps (or lists) the arguments that got garbage; ``others`` are the
    call's other arguments, which a message about a mismatch may name instead.
    """
    if error is None:
        return None
    if isinstance(error, CallTimeout):
        return "hang"
    replaced = replaced if isinstance(replaced, dict) else dict.fromkeys(replaced)
    kind = type(error)
    allowed = kind in (ValueError, TypeError) or (
        issubclass(kind, (ValueError, TypeError)) and kind.__module__.startswith("cnn_utils"))
    if isinstance(error, FileNotFoundError) and set(replaced) & set(paths):
        allowed = True
    if not allowed:
        return f"raw {kind.__module__}.{kind.__name__}".replace("builtins.", "")
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or not _in_package(frames[-1].filename):
        where = Path(frames[-1].filename).parts[-3:] if frames else ("?",)
        return f"{kind.__name__} raised outside cnn_utils ({'/'.join(where)})"
    named = [str(v) for k, v in replaced.items() if k in paths and v is not None and str(v)]
    if isinstance(error, FileNotFoundError) and any(text in str(error) for text in named):
        return None  # a missing file named by its path
    if not _names_argument(str(error), list(replaced), others):
        return f"{kind.__name__} message does not name the argument"
    return None


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def guarded_call(entry: Entry, kwargs):
    """Call with stdout/stderr captured and an alarm; return (result, error)."""
    sink = io.StringIO()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TIME_LIMIT)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            func = entry.target()
            return func(**kwargs), None
    except BaseException as error:  # noqa: BLE001 (judged by the caller)
        if isinstance(error, KeyboardInterrupt):
            raise
        return None, error
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        if entry.cleanup is not None:
            entry.cleanup()
        _close_figures()


# ===================================================================== bookkeeping
TALLY = Counter()  # (kind of garbage, outcome) -> calls
VIOLATIONS = defaultdict(list)  # kind of violation -> descriptions


def _record(name, entry, replaced: dict, labels: dict, kinds):
    kwargs = entry.kwargs()
    kwargs.update(replaced)
    _, error = guarded_call(entry, kwargs)
    others = [arg for arg in kwargs if arg not in replaced]
    verdict = judge(error, replaced, entry.paths, others)
    if verdict and any(callable(replaced[arg]) for arg in entry.calls if arg in replaced):
        verdict = None  # the caller's own function failed when called: their error
    outcome = "returned" if error is None else ("clean error" if verdict is None else "violation")
    for kind in kinds:
        TALLY[(kind, outcome)] += 1
    if verdict is None:
        return None
    args = ", ".join(f"{k}={labels[k]}" for k in replaced)
    text = f"{name}({args}): {type(error).__name__}: {str(error)[:160]}"
    VIOLATIONS[verdict].append(text)
    return f"[{verdict}] {text}"


@pytest.fixture(scope="module", autouse=True)
def _sandbox(tmp_path_factory):
    """Run in a scratch folder, with bounded address space; print the tally at the end."""
    work = tmp_path_factory.mktemp("api_properties")
    _WORK["dir"] = work
    here = os.getcwd()
    os.chdir(work)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    limit = in_use + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # A request the package fails to refuse becomes a MemoryError, not a swapping machine.
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        os.chdir(here)
        _print_tally()


def _print_tally():
    if not TALLY:
        return
    outcomes = ("returned", "clean error", "violation")
    print("\n\nBad-input calls by kind of garbage")
    print(f"{'kind':<16}" + "".join(f"{o:>13}" for o in outcomes) + f"{'total':>9}")
    for kind in sorted({k for k, _ in TALLY}):
        counts = [TALLY[(kind, o)] for o in outcomes]
        print(f"{kind:<16}" + "".join(f"{c:>13}" for c in counts) + f"{sum(counts):>9}")
    totals = [sum(v for (_, o), v in TALLY.items() if o == out) for out in outcomes]
    print(f"{'all':<16}" + "".join(f"{c:>13}" for c in totals) + f"{sum(totals):>9}")
    if VIOLATIONS:
        print("\nViolations by kind")
        for verdict, items in sorted(VIOLATIONS.items(), key=lambda kv: -len(kv[1])):
            print(f"{len(items):>6}  {verdict}")
            for text in items[:3]:
                print(f"          e.g. {text}")


def _severity(text):
    order = ("[hang", "[raw", "[ValueError raised", "[TypeError raised")
    return next((i for i, start in enumerate(order) if text.startswith(start)), len(order))


def _report(found):
    found = sorted(found, key=_severity)
    if found:
        shown = "\n".join(found[:15])
        more = f"\n... and {len(found) - 15} more" if len(found) > 15 else ""
        pytest.fail(f"{len(found)} calls broke the bad-input contract:\n{shown}{more}",
                    pytrace=False)


# ===================================================================== coverage of the table
def test_every_public_callable_has_a_baseline():
    missing = [name for name in PUBLIC if name not in BASELINES]
    assert not missing, (
        f"public callables without a baseline call in BASELINES: {missing}; add one")


def test_every_baseline_names_a_public_callable():
    stale = [name for name in BASELINES if name not in PUBLIC]
    assert not stale, f"BASELINES entries for names that are not public (renamed?): {stale}"


@pytest.mark.parametrize("name", COVERED)
def test_baseline_call_fits_the_signature_and_succeeds(name):
    entry = BASELINES[name]
    func = entry.target()
    kwargs = entry.kwargs()
    inspect.signature(func).bind(**kwargs)  # a renamed argument fails here, by name
    result, error = guarded_call(entry, kwargs)
    assert error is None, f"the baseline call of {name} failed: {error!r}"


def test_the_judge_can_tell_a_clean_error_from_a_raw_one():
    # The contract's checks, on errors whose origin is known: a test that cannot fail
    # is a defect, so the judge must reject what the issue forbids.
    def raise_from_numpy():
        np.zeros(3).reshape(5)

    def raise_index():
        [][1]

    for func, expected in ((raise_from_numpy, "raised outside"), (raise_index, "raw IndexError")):
        with pytest.raises(Exception) as caught:  # noqa: PT011 (any error; the judge decides)
            func()
        assert expected in judge(caught.value, ["x"])
    with pytest.raises(ValueError) as caught:  # noqa: PT011 (the judge reads the message)
        cu.output_size(7, 3, stride=0)
    assert judge(caught.value, ["stride"]) is None  # cnn_utils' own message, naming stride
    assert judge(caught.value, ["dilation"]) == "ValueError message does not name the argument"
    assert judge(getattr(np, "exceptions", np).AxisError(2, 1), ["axis"]).startswith("raw numpy")
    assert judge(CallTimeout(), ["x"]) == "hang"
    # A one-letter name counts only where it is used as a name.
    assert not _names_argument("setting an array element with a sequence", ["a"])
    assert _names_argument("x must be a 4-D batch (N, H, W, C)", ["x"])
    assert _names_argument("a kernel of size 5 does not fit", ["kernel_size"])
    assert not _names_argument("tuple index out of range", ["kernel_size", "stride"])


# ===================================================================== the fuzz
def _fuzzable(name):
    return list(BASELINES[name].kwargs())


@pytest.mark.parametrize("name", COVERED)
def test_each_argument_replaced_by_each_garbage_value(name):
    entry = BASELINES[name]
    found = []
    for arg in _fuzzable(name):
        for kind, label, value in GARBAGE:
            problem = _record(name, entry, {arg: copy.deepcopy(value)}, {arg: label}, [kind])
            if problem:
                found.append(problem)
    _report(found)


_scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.booleans(),
    st.none(),
)


@st.composite
def _generated(draw):
    """(kind, label, value) for a value hypothesis builds rather than picks from GARBAGE."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        value = draw(_scalars)
        kind = {"NoneType": "none", "str": "text"}.get(type(value).__name__, type(value).__name__)
        return (f"gen-{kind}", repr(value)[:40], value)
    if choice == 1:
        dtype = draw(st.sampled_from([np.int8, np.uint8, np.int64, np.float16, np.float32,
                                      np.float64, np.complex64, np.bool_]))
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4))
        value = draw(hnp.arrays(dtype, shape))
        return ("gen-array", f"array {np.dtype(dtype).name} {shape}", value)
    if choice == 2:
        value = draw(st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3),
                                  max_leaves=6))
        return ("gen-nested", repr(value)[:40], value)
    value = draw(st.tuples(*[st.integers(-(2**65), 2**65)] * draw(st.integers(0, 3))))
    return ("gen-tuple", repr(value)[:40], value)


_fixed = st.sampled_from(GARBAGE)


@pytest.mark.parametrize("name", COVERED)
def test_random_pairs_and_generated_garbage(name):
    entry = BASELINES[name]
    args = _fuzzable(name)
    if not args:
        pytest.skip(f"{name} takes no arguments")
    found = []

    @settings(max_examples=HYPOTHESIS_EXAMPLES, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        chosen = data.draw(st.lists(st.sampled_from(args), min_size=1, max_size=min(2, len(args)),
                                    unique=True), label="arguments")
        replaced, labels, kinds = {}, {}, []
        for arg in chosen:
            kind, label, value = data.draw(st.one_of(_fixed, _generated()), label=arg)
            replaced[arg], labels[arg] = copy.deepcopy(value), label
            kinds.append(kind)
        if len(chosen) == 2:
            kinds = ["pair (two arguments)"]
        problem = _record(name, entry, replaced, labels, kinds)
        if problem:
            found.append(problem)

    run()
    _report(found)


# ===================================================================== numpy numbers
def _numpy_variants(value):
    """Numpy spellings of a Python number (or of a tuple of them) meaning the same."""
    if isinstance(value, bool) or not isinstance(value, (int, float, tuple)):
        return []
    if isinstance(value, tuple):
        if not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return []
        return [("np.int64 items", tuple(np.int64(v) for v in value)),
                ("0-d array items", tuple(np.array(v) for v in value))]
    if isinstance(value, int):
        variants = [("np.int64", np.int64(value)), ("np.array", np.array(value))]
        if -(2**31) <= value < 2**31:
            variants.append(("np.int32", np.int32(value)))
        return variants
    variants = [("np.float64", np.float64(value)), ("np.array", np.array(value))]
    if float(np.float32(value)) == value:
        variants.append(("np.float32", np.float32(value)))
    if value == int(value) and abs(value) < 2**31:
        variants.append(("np.array(int)", np.array(int(value))))
    return variants


def _same(a, b) -> bool:
    """Equal results: arrays and numbers by value, containers item by item."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return bool(a == b or (a != a and b != b))  # a numpy scalar may stand for a number
    if isinstance(a, (str, bytes, type(None))):
        return a == b
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return _same(dataclasses.asdict(a), dataclasses.asdict(b))
    for probe in ("get_config", "get_weights"):
        if hasattr(a, probe):
            return _same(getattr(a, probe)(), getattr(b, probe)())
    if hasattr(a, "history") and isinstance(a.history, dict):
        return _same(a.history, b.history)
    return True


NUMERIC_CASES = [
    (name, arg, label)
    for name in COVERED
    if not BASELINES[name].paths  # path entries need the module's scratch folder
    for arg, value in BASELINES[name].kwargs().items()
    for label, _ in _numpy_variants(value)
]


@pytest.mark.parametrize(("name", "arg", "variant"), NUMERIC_CASES)
def test_numpy_numbers_and_0d_arrays_work_like_python_numbers(name, arg, variant):
    entry = BASELINES[name]
    expected, error = guarded_call(entry, entry.kwargs())
    assert error is None, f"the baseline call of {name} failed: {error!r}"
    kwargs = entry.kwargs()
    kwargs[arg] = dict(_numpy_variants(kwargs[arg]))[variant]
    result, error = guarded_call(entry, kwargs)
    assert error is None, f"{name}({arg}={variant} of {entry.kwargs()[arg]!r}) raised {error!r}"
    assert _same(expected, result), (
        f"{name}({arg}={variant}) gives a different result than the Python number")
