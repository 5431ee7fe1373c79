"""The Keras-like model API: shapes, gradients, training, saving, errors, callbacks.

Oracles: parameter counts and output sizes derived by hand from the formulas;
finite differences (cnn_utils.numerical_gradient) for every gradient; the core
functions and plain numpy for layer outputs; PyTorch (when installed) for the
whole MNIST model's forward pass and gradients; update rules written out by
hand for the optimizers.
"""

from __future__ import annotations

import inspect
import io
import json
import math

import numpy as np
import pytest

from cnn_utils import conv2d_naive, max_pool2d_naive, numerical_gradient
from cnn_utils.nn import (
    SGD,
    Adam,
    AveragePooling2D,
    Callback,
    Conv2D,
    Dense,
    Dropout,
    EarlyStopping,
    Flatten,
    LambdaCallback,
    MaxPooling2D,
    ProgbarLogger,
    ReLU,
    RMSprop,
    Sequential,
    Softmax,
    get_show_time,
    set_show_time,
)

# --- models used by several tests --------------------------------------------------


def notes_model(seed=0, dtype="float32"):
    """The Keras MNIST model of seed 004, written as the notes write it."""
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


def small_model(seed=0, dtype="float32", classes=3, shape=(8, 8, 1)):
    return Sequential(
        [
            Conv2D(4, 3, activation="relu", input_shape=shape),
            MaxPooling2D(2),
            Flatten(),
            Dense(classes, activation="softmax"),
        ],
        seed=seed,
        dtype=dtype,
    )


def toy_data(n=24, shape=(8, 8, 1), classes=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape)).astype(np.float32), rng.integers(0, classes, n)


# --- summary: the notes' numbers, derived by hand ------------------------------------


def test_summary_of_the_notes_model_matches_hand_derived_numbers():
    model = notes_model()
    data = model.summary_data()
    # output sizes: valid 3x3 convolution n - 3 + 1, 2x2 pooling floor(n / 2)
    s1 = 28 - 3 + 1
    p1 = s1 // 2
    s2 = p1 - 3 + 1
    p2 = s2 // 2
    s3 = p2 - 3 + 1
    expected = [
        ("conv2d", "Conv2D", (None, s1, s1, 32), (3 * 3 * 1 + 1) * 32),
        ("max_pooling2d", "MaxPooling2D", (None, p1, p1, 32), 0),
        ("conv2d_1", "Conv2D", (None, s2, s2, 64), (3 * 3 * 32 + 1) * 64),
        ("max_pooling2d_1", "MaxPooling2D", (None, p2, p2, 64), 0),
        ("conv2d_2", "Conv2D", (None, s3, s3, 64), (3 * 3 * 64 + 1) * 64),
        ("flatten", "Flatten", (None, s3 * s3 * 64), 0),
        ("dense", "Dense", (None, 64), (s3 * s3 * 64 + 1) * 64),
        ("dense_1", "Dense", (None, 10), (64 + 1) * 10),
    ]
    got = [(r.name, r.type, r.output_shape, r.params) for r in data.layers]
    assert got == expected
    # the numbers printed in the notes
    assert [r.output_shape for r in data.layers][:6] == [
        (None, 26, 26, 32),
        (None, 13, 13, 32),
        (None, 11, 11, 64),
        (None, 5, 5, 64),
        (None, 3, 3, 64),
        (None, 576),
    ]
    assert [r.params for r in data.layers] == [320, 0, 18496, 0, 36928, 0, 36928, 650]
    total = sum(e[3] for e in expected)
    assert total == 93322
    assert (data.total_params, data.trainable_params, data.non_trainable_params) == (
        total,
        total,
        0,
    )
    assert model.count_params() == total


def test_summary_prints_a_keras_style_table():
    lines = []
    data = notes_model().summary(print_fn=lines.append, return_data=True)
    text = lines[0]
    assert text.splitlines()[0] == 'Model: "sequential"'
    assert "Layer (type)" in text
    assert "Output Shape" in text
    assert "Param #" in text
    row = next(line for line in text.splitlines() if line.startswith(" conv2d_1 "))
    assert row.split() == ["conv2d_1", "(Conv2D)", "(None,", "11,", "11,", "64)", "18,496"]
    assert "Total params: 93,322" in text
    assert "Trainable params: 93,322" in text
    assert "Non-trainable params: 0" in text
    assert str(data) == text


def test_frozen_layer_counts_as_non_trainable_and_is_not_updated():
    model = small_model()
    frozen = model.layers[0]
    frozen.trainable = False
    data = model.summary_data()
    assert data.non_trainable_params == (3 * 3 * 1 + 1) * 4
    model.compile("sgd")
    before = frozen.kernel.copy()
    model.fit(*toy_data(), epochs=1, verbose=0, seed=0)
    np.testing.assert_array_equal(frozen.kernel, before)


# --- gradients: the whole network against finite differences --------------------------


def assert_gradients_agree(analytic, numeric):
    """Relative error of whole arrays, ||a - n|| / (||a|| + ||n||), below 1e-6.

    Element by element would be too strict: central differences carry about
    1e-10 of round-off, so an element of size 1e-6 agrees only to about 1e-4.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    assert a.shape == n.shape
    err = np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300)
    assert err < 1e-6, f"relative error {err:.2e}"
    # and no element is off by more than round-off allows
    assert np.abs(a - n).max() < 1e-8


def _loss_from_predictions(model, x, y):
    p = model.predict(x).astype(np.float64)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


GRADCHECK_MODELS = {
    "conv-relu-maxpool-dense-softmax, separate layers": lambda: Sequential(
        [
            Conv2D(3, 3, input_shape=(7, 7, 2)),
            ReLU(),
            MaxPooling2D(2),
            Flatten(),
            Dense(4),
            Softmax(),
        ],
        seed=3,
        dtype="float64",
    ),
    "fused activations, stride 2, same padding, average pooling": lambda: Sequential(
        [
            Conv2D(3, (3, 2), strides=2, padding="same", activation="relu", input_shape=(7, 6, 2)),
            AveragePooling2D(2, padding="same"),
            Conv2D(2, 2, activation="relu"),
            Flatten(),
            Dense(5, activation="relu"),
            Dense(4, activation="softmax"),
        ],
        seed=4,
        dtype="float64",
    ),
}


@pytest.mark.parametrize("which", list(GRADCHECK_MODELS))
def test_network_gradients_match_finite_differences(which):
    model = GRADCHECK_MODELS[which]()
    model.compile("sgd")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, *model.input_shape[1:]))
    y = np.array([0, 3, 1])
    # keep every ReLU input away from its kink so finite differences are exact enough
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias[...] = rng.uniform(0.05, 0.2, layer.bias.shape)
    loss, grads, dx = model.loss_and_gradients(x, y)
    assert loss == pytest.approx(_loss_from_predictions(model, x, y), rel=1e-12)

    for param, grad in zip(model.weights, grads, strict=True):
        original = param.copy()

        def f(values, param=param):
            param[...] = values
            return _loss_from_predictions(model, x, y)

        numeric = numerical_gradient(f, original)
        param[...] = original
        assert_gradients_agree(grad, numeric)
    numeric_dx = numerical_gradient(lambda v: _loss_from_predictions(model, v, y), x)
    assert_gradients_agree(dx, numeric_dx)


@pytest.mark.parametrize("layer", ["max_pooling2d", -1, 0])
def test_input_gradient_of_a_layer_output_matches_finite_differences(layer):
    model = GRADCHECK_MODELS["conv-relu-maxpool-dense-softmax, separate layers"]()
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 7, 7, 2))
    out = model.get_layer_output(x, layer)
    weights = rng.normal(size=out.shape)

    def objective(v):
        return float(np.sum(weights * model.get_layer_output(v, layer)))

    got_out, dx = model.input_gradient(x, layer, weights, return_output=True)
    np.testing.assert_array_equal(got_out, out)
    assert_gradients_agree(dx, numerical_gradient(objective, x))


def test_input_gradient_broadcasts_a_one_hot_filter_choice():
    # a^k = sum over positions of filter k's output (seed 003): output_grad = e_k
    model = GRADCHECK_MODELS["conv-relu-maxpool-dense-softmax, separate layers"]()
    x = np.random.default_rng(7).normal(size=(1, 7, 7, 2))
    k = 2
    dx = model.input_gradient(x, "re_lu", np.eye(3)[k])
    numeric = numerical_gradient(
        lambda v: float(model.get_layer_output(v, "re_lu")[..., k].sum()), x
    )
    assert_gradients_agree(dx, numeric)


# --- layers against the core functions ----------------------------------------------------


def test_conv2d_layer_is_core_convolution_plus_bias_then_relu():
    layer = Conv2D(5, (3, 2), strides=(1, 2), activation="relu").build((6, 7, 3), seed=0)
    layer.bias[...] = np.linspace(-0.5, 0.5, 5)
    x = np.random.default_rng(0).normal(size=(2, 6, 7, 3)).astype(np.float32)
    expected = np.maximum(
        conv2d_naive(
            x.astype(np.float64), layer.kernel.astype(np.float64), layer.bias, stride=(1, 2)
        ),
        0,
    )
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert layer(x).dtype == np.float32


def test_dense_layer_is_matrix_product_plus_bias():
    layer = Dense(4).build((6,), seed=0)
    layer.bias[...] = [1, 2, 3, 4]
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    expected = [
        [sum(x[n, i] * layer.kernel[i, j] for i in range(6)) + layer.bias[j] for j in range(4)]
        for n in range(2)
    ]
    np.testing.assert_allclose(layer(x), expected, rtol=1e-6)


def test_max_pooling_layer_same_padding_gives_ceil_sizes_and_ignores_padding():
    x = -np.random.default_rng(1).random((1, 5, 5, 2)).astype(np.float32) - 1  # all negative
    layer = MaxPooling2D(2, padding="same").build((5, 5, 2))
    out = layer(x)
    assert out.shape == (1, math.ceil(5 / 2), math.ceil(5 / 2), 2)
    # bottom-right window holds only x[4, 4]: padding never wins, even over negatives
    np.testing.assert_array_equal(out[0, 2, 2], x[0, 4, 4])
    np.testing.assert_array_equal(out[0, :2, :2], max_pool2d_naive(x, 2)[0])


def test_average_pooling_same_padding_averages_real_cells_only():
    x = np.arange(25, dtype=np.float64).reshape(1, 5, 5, 1)
    out = AveragePooling2D(2, padding="same").build((5, 5, 1))(x)
    assert out.dtype == np.float32
    for i in range(3):
        for j in range(3):
            cells = x[0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2, 0]
            assert out[0, i, j, 0] == pytest.approx(cells.mean())


def test_pooling_same_padding_it_cannot_express_is_refused_clearly():
    with pytest.raises(ValueError, match="padding='same' with pool size 2 and stride 1"):
        Sequential([MaxPooling2D(2, strides=1, padding="same", input_shape=(5, 5, 1))])


def test_dropout_drops_about_rate_scales_survivors_and_backpropagates_the_same_mask():
    layer = Dropout(0.25).build((1000,))
    x = np.ones((4, 1000), dtype=np.float32)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    out = layer.forward(x, training=True, rng=np.random.default_rng(0))
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    dout = np.full_like(x, 2.0)
    np.testing.assert_allclose(layer.backward(dout), 2.0 * out)


def test_initial_weights_follow_he_for_relu_and_glorot_otherwise():
    relu_layer = Dense(300, activation="relu").build((400,), seed=0)
    soft_layer = Dense(300, activation="softmax").build((400,), seed=0)
    conv = Conv2D(64, 3).build((9, 9, 32), seed=0)
    he, glorot = np.sqrt(6 / 400), np.sqrt(6 / (400 + 300))
    conv_glorot = np.sqrt(6 / (3 * 3 * 32 + 3 * 3 * 64))
    for w, limit in (
        (relu_layer.kernel, he),
        (soft_layer.kernel, glorot),
        (conv.kernel, conv_glorot),
    ):
        assert np.abs(w).max() <= limit
        # uniform on [-limit, limit] has standard deviation limit / sqrt(3)
        assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    np.testing.assert_array_equal(relu_layer.bias, 0)


def test_layers_are_named_like_keras_and_names_stay_unique():
    model = Sequential(
        [Dense(3, input_shape=(4,)), ReLU(), Dropout(0.1), Dense(2, name="head"), Softmax()]
    )
    assert [layer.name for layer in model.layers] == [
        "dense",
        "re_lu",
        "dropout",
        "head",
        "softmax",
    ]
    model.add(Dense(2))
    assert model.layers[-1].name == "dense_1"
    with pytest.raises(ValueError, match="'head' is already used"):
        model.add(Dense(2, name="head"))


# --- model behaviour ------------------------------------------------------------------


def test_uint8_images_without_channel_axis_are_scaled_like_the_float_version():
    model = notes_model()
    x = np.random.default_rng(2).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    by_hand = model.predict(x[..., None].astype(np.float32) / 255)
    np.testing.assert_array_equal(model.predict(x), by_hand)
    np.testing.assert_allclose(by_hand.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint64])
def test_every_integer_dtype_of_pixels_gives_what_uint8_gives(dtype):
    model = notes_model()
    model.compile("adam", metrics=["accuracy"])
    x = np.random.default_rng(2).integers(0, 128 if dtype == np.int8 else 256, (3, 28, 28))
    y = np.array([0, 1, 2])
    as_uint8, as_other = x.astype(np.uint8), x.astype(dtype)
    np.testing.assert_array_equal(model.predict(as_other), model.predict(as_uint8))
    assert model.evaluate(as_other, y) == model.evaluate(as_uint8, y)


def test_integer_images_outside_0_to_255_are_refused_with_the_reason():
    model = notes_model()
    x = np.zeros((2, 28, 28), dtype=np.int64)
    x[1, 3, 4] = 256
    with pytest.raises(ValueError, match=r"integer \(int64\) array with values from 0 to 256"):
        model.predict(x)
    with pytest.raises(ValueError, match="values from -1 to -1"):
        model.predict(-np.ones((1, 28, 28), dtype=np.int16))


def test_non_finite_float_images_are_refused():
    model = notes_model()
    x = np.zeros((2, 28, 28, 1), dtype=np.float32)
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite value"):
        model.predict(x)


def test_evaluate_matches_the_loss_and_accuracy_computed_from_predict():
    model = small_model()
    model.compile("adam", metrics=["accuracy"])
    x, y = toy_data(n=37)
    p = model.predict(x, batch_size=5).astype(np.float64)
    loss, acc = model.evaluate(x, y, batch_size=8)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(37), y])), rel=1e-5)
    assert acc == np.mean(p.argmax(axis=1) == y)
    assert model.evaluate(x, y, return_dict=True) == pytest.approx({"loss": loss, "accuracy": acc})


def test_activations_and_layer_outputs_are_the_chain_of_core_operations():
    model = notes_model()
    x = np.random.default_rng(3).random((2, 28, 28, 1)).astype(np.float32)
    acts = model.activations(x)
    assert list(acts) == [layer.name for layer in model.layers]
    conv = model.get_layer("conv2d")
    first = np.maximum(conv2d_naive(x, conv.kernel, conv.bias), 0)
    np.testing.assert_allclose(acts["conv2d"], first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acts["max_pooling2d"], max_pool2d_naive(acts["conv2d"], 2))
    np.testing.assert_array_equal(acts["dense_1"], model.predict(x))
    np.testing.assert_array_equal(model.get_layer_output(x, 2), acts["conv2d_1"])
    assert list(model.activations(x, layers=["flatten", 0])) == ["conv2d", "flatten"]


def test_same_seed_gives_the_same_run_bit_for_bit_and_another_seed_does_not():
    x, y = toy_data(n=40)

    def run(model_seed, fit_seed):
        model = Sequential(
            [
                Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                MaxPooling2D(2),
                Flatten(),
                Dropout(0.2),
                Dense(3, activation="softmax"),
            ],
            seed=model_seed,
        )
        model.compile(Adam(0.01), metrics=["accuracy"])
        history = model.fit(
            x,
            y,
            epochs=2,
            batch_size=8,
            verbose=0,
            seed=fit_seed,
            augment=True,
            validation_data=(x, y),
        )
        return history.history, model.get_weights()

    h1, w1 = run(0, None)
    h2, w2 = run(0, None)
    assert h1 == h2
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)
    h3, _ = run(0, 1)
    assert h3 != h1
    h4, _ = run(1, None)
    assert h4 != h1


def test_a_small_network_overfits_twenty_digits():
    from cnn_utils.datasets import load_mnist

    (x, y), _ = load_mnist()
    x, y = x[:20], y[:20]
    model = Sequential(
        [
            Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
            MaxPooling2D(2),
            Flatten(),
            Dense(10, activation="softmax"),
        ],
        seed=0,
    )
    model.compile(Adam(0.01), metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=10, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 10
    assert model.evaluate(x, y)[1] == 1.0


def test_history_holds_per_epoch_lists_like_keras():
    model = small_model()
    model.compile("sgd", metrics=["accuracy"])
    x, y = toy_data()
    history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), seed=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    # the last validation scores are those of evaluate on the final weights
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x, y)[0], rel=1e-6)


def test_train_on_batch_takes_one_plain_gradient_step():
    model = small_model(dtype="float64")
    model.compile(SGD(learning_rate=0.1))
    x, y = toy_data(n=6)
    before = model.get_weights()
    loss, grads, _ = model.loss_and_gradients(x, y)
    step_loss, _ = model.train_on_batch(x, y)
    assert step_loss == pytest.approx(loss)
    for w0, g, w1 in zip(before, grads, model.get_weights(), strict=True):
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=1e-12, atol=1e-15)


# --- save and load ------------------------------------------------------------------


def test_save_then_load_gives_identical_predictions(tmp_path):
    trained = notes_model(seed=1)
    path = tmp_path / "weights.npz"
    trained.save_weights(path)
    fresh = notes_model(seed=2)
    x = np.random.default_rng(4).random((4, 28, 28, 1)).astype(np.float32)
    assert not np.array_equal(fresh.predict(x), trained.predict(x))
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(x), trained.predict(x))
    with np.load(path) as data:
        assert all(data[k].dtype == np.float32 for k in data.files if k != "architecture")
        assert json.loads(str(data["architecture"]))["layers"][2]["class"] == "Conv2D"


def test_loading_weights_into_another_architecture_names_the_difference(tmp_path):
    path = tmp_path / "w.npz"
    notes_model().save_weights(path)
    other = notes_model()
    other.layers.pop()  # same front, different end is caught by the layer count
    other.add(Dense(5, activation="softmax"))
    with pytest.raises(ValueError, match=r"layer 7 is Dense with weights .*'kernel': \[64, 10\]"):
        other.load_weights(path)
    shorter = small_model(shape=(28, 28, 1))
    with pytest.raises(ValueError, match="the file has 8 layers .* this model has 4"):
        shorter.load_weights(path)
    with pytest.raises(FileNotFoundError, match="no weights file"):
        shorter.load_weights(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="end in .npz"):
        shorter.save_weights(tmp_path / "w.h5")


# --- optimizers against update rules written out by hand ----------------------------------


def _quadratic_steps(optimizer, steps=3):
    w = np.array([1.0, -2.0])
    trace = []
    for _ in range(steps):
        optimizer.apply_gradients([(2 * w, w)])  # gradient of sum(w^2)
        trace.append(w.copy())
    return trace


def test_sgd_with_and_without_momentum_follows_the_textbook_rule():
    w = np.array([1.0, -2.0])
    plain = _quadratic_steps(SGD(0.1), 2)
    np.testing.assert_allclose(plain[0], w - 0.1 * 2 * w)
    np.testing.assert_allclose(plain[1], plain[0] - 0.1 * 2 * plain[0])
    mom = _quadratic_steps(SGD(0.1, momentum=0.9), 2)
    v1 = -0.1 * 2 * w
    w1 = w + v1
    v2 = 0.9 * v1 - 0.1 * 2 * w1
    np.testing.assert_allclose(mom[1], w1 + v2)
    nest = _quadratic_steps(SGD(0.1, momentum=0.9, nesterov=True), 1)
    np.testing.assert_allclose(nest[0], w + 0.9 * v1 - 0.1 * 2 * w)


def test_adam_and_rmsprop_follow_keras_update_rules():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    w = np.array([1.0, -2.0])
    m = v = np.zeros(2)
    expected = []
    for t in (1, 2, 3):
        g = 2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        expected.append(w)
    np.testing.assert_allclose(_quadratic_steps(Adam(lr)), expected, rtol=1e-12)

    w = np.array([1.0, -2.0])
    s = np.zeros(2)
    expected = []
    for _ in range(3):
        g = 2 * w
        s = 0.9 * s + 0.1 * g * g
        w = w - 0.01 * g / (np.sqrt(s) + 1e-7)
        expected.append(w)
    np.testing.assert_allclose(_quadratic_steps(RMSprop(0.01)), expected, rtol=1e-12)


def test_float32_training_stays_float32():
    model = small_model()
    model.compile("adam")
    model.fit(*toy_data(), epochs=1, verbose=0, seed=0)
    assert all(w.dtype == np.float32 for w in model.weights)


# --- clear errors -----------------------------------------------------------------------


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(
        ValueError,
        match=r"unknown activation 'sigmoid'; known activations: 'relu', 'softmax', 'linear'",
    ):
        Dense(3, activation="sigmoid")


def test_unknown_optimizer_lists_the_known_ones():
    model = small_model()
    with pytest.raises(
        ValueError, match=r"unknown optimizer 'adagrad'; known optimizers: 'sgd', 'adam', 'rmsprop'"
    ):
        model.compile("adagrad")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        model.compile(0.01)


def test_unknown_loss_and_metric_are_refused():
    model = small_model()
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        model.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match="unknown metric 'precision'"):
        model.compile("sgd", metrics=["precision"])


def test_missing_input_shape_is_explained_and_the_model_builds_from_data():
    model = Sequential([Conv2D(2, 3), Flatten(), Dense(3, activation="softmax")])
    with pytest.raises(ValueError, match=r"give the first layer an input_shape"):
        model.summary()
    model.compile("sgd")
    model.fit(*toy_data(n=4), verbose=0)
    assert model.input_shape == (None, 8, 8, 1)


def test_inconsistent_input_shapes_are_refused():
    model = Sequential([Conv2D(2, 3, input_shape=(8, 8, 1))])
    with pytest.raises(
        ValueError,
        match=r"declared with input_shape=\(5, 5, 2\) but receives inputs of shape \(6, 6, 2\)",
    ):
        model.add(Conv2D(2, 3, input_shape=(5, 5, 2)))
    with pytest.raises(
        ValueError,
        match=r"needs flat inputs \(features,\), got \(6, 6, 2\); put Flatten\(\) before it",
    ):
        model.add(Dense(3))
    assert len(model.layers) == 1  # refused layers are not kept
    with pytest.raises(ValueError, match=r"kernel 9x9 does not fit in a 6x6 input"):
        model.add(Conv2D(1, 9))
    with pytest.raises(ValueError, match=r"needs inputs of shape \(H, W, C\), got \(28, 28\)"):
        Sequential([Conv2D(2, 3, input_shape=(28, 28))])


def test_labels_out_of_range_or_of_the_wrong_kind_are_refused():
    model = small_model()
    model.compile("sgd")
    x, y = toy_data(n=4)
    with pytest.raises(
        ValueError, match=r"y must lie in 0..2 for a model with 3 outputs, got labels from 0 to 7"
    ):
        model.fit(x, np.array([0, 1, 2, 7]), verbose=0)
    with pytest.raises(
        ValueError, match=r"y must have shape \(4,\), one label per sample, got \(3,\)"
    ):
        model.fit(x, y[:3], verbose=0)
    with pytest.raises(TypeError, match="integer class labels 0..2, got dtype float64"):
        model.fit(x, y.astype(float), verbose=0)
    with pytest.raises(ValueError, match=r"looks one-hot .* pass y.argmax\(axis=1\)"):
        model.fit(x, np.eye(3, dtype=int)[y], verbose=0)


def test_a_batch_of_the_wrong_shape_is_refused():
    model = notes_model()
    with pytest.raises(
        ValueError,
        match=r"x must be a batch of shape \(N, 28, 28, 1\) \(or \(N, 28, 28\) for one "
        r"channel\) for this model, got shape \(2, 28, 28, 3\)",
    ):
        model.predict(np.zeros((2, 28, 28, 3)))
    with pytest.raises(ValueError, match=r"looks like a single sample: pass x\[None\]"):
        model.predict(np.zeros((28, 28, 1)))
    with pytest.raises(TypeError, match="numeric"):
        model.predict(np.array([["a"]]))
    layer = model.layers[0]
    with pytest.raises(
        ValueError,
        match=r"expects a batch of shape \(None, 28, 28, 1\), got an array of shape "
        r"\(1, 27, 28, 1\)",
    ):
        layer(np.zeros((1, 27, 28, 1)))


def test_fit_before_compile_says_what_to_do():
    model = small_model()
    with pytest.raises(RuntimeError, match=r"call model.compile\(...\) before model.fit\(...\)"):
        model.fit(*toy_data(), verbose=0)
    with pytest.raises(RuntimeError, match="before model.evaluate"):
        model.evaluate(*toy_data())


def test_a_model_without_softmax_output_cannot_use_the_loss():
    model = Sequential([Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="must end in a softmax"):
        model.compile("sgd")


def test_bad_fit_arguments_are_refused():
    model = small_model()
    model.compile("sgd")
    x, y = toy_data(n=4)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2, got 3"):
        model.fit(x, y, verbose=3)
    with pytest.raises(TypeError, match="callbacks must be Callback objects"):
        model.fit(x, y, verbose=0, callbacks=[print])
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        model.fit(x, y, verbose=0, validation_data=x)
    with pytest.raises(TypeError, match="augment must be None, True"):
        model.fit(x, y, verbose=0, augment="yes")


# --- callbacks and progress --------------------------------------------------------------


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", None, logs))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch, logs))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch, logs))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, logs))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, logs))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", None, logs))


def test_callbacks_are_called_in_order_with_the_documented_logs():
    model = small_model()
    model.compile("sgd", metrics=["accuracy"])
    x, y = toy_data(n=10)
    rec = Recorder()
    history = model.fit(
        x, y, epochs=2, batch_size=4, verbose=0, callbacks=[rec], validation_data=(x, y)
    )
    per_epoch = ["epoch_begin"] + ["batch_begin", "batch_end"] * 3 + ["epoch_end"]
    assert [c[0] for c in rec.calls] == ["train_begin"] + per_epoch * 2 + ["train_end"]
    assert [c[1] for c in rec.calls if c[0] == "batch_end"] == [0, 1, 2, 0, 1, 2]
    assert rec.model is model
    assert rec.params["steps"] == 3
    assert rec.params["epochs"] == 2
    assert rec.params["samples"] == 10
    assert rec.params["metrics"] == ["loss", "accuracy", "val_loss", "val_accuracy"]
    batch_logs = [c[2] for c in rec.calls if c[0] == "batch_end"][:3]
    assert [b["size"] for b in batch_logs] == [4, 4, 2]
    # running mean over the epoch = size-weighted mean of the batch losses
    weighted = sum(b["batch_loss"] * b["size"] for b in batch_logs) / 10
    assert batch_logs[-1]["loss"] == pytest.approx(weighted)
    epoch_logs = [c[2] for c in rec.calls if c[0] == "epoch_end"]
    assert epoch_logs[0]["loss"] == pytest.approx(weighted)
    assert [e["val_loss"] for e in epoch_logs] == history.history["val_loss"]
    assert rec.calls[-1][2] == epoch_logs[-1]


def test_stop_training_from_a_callback_ends_after_that_batch():
    model = small_model()
    model.compile("sgd")

    def stop(batch, logs):
        model.stop_training = batch == 1

    rec = Recorder()
    history = model.fit(
        *toy_data(n=20),
        epochs=5,
        batch_size=4,
        verbose=0,
        callbacks=[LambdaCallback(on_batch_end=stop), rec],
    )
    assert [c[0] for c in rec.calls].count("batch_end") == 2
    assert history.epoch == [0]


def test_early_stopping_restores_the_best_weights():
    model = small_model()
    model.compile(SGD(5.0))  # far too large: the loss soon stops improving
    x, y = toy_data()
    stopper = EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    saved = {}

    def remember(epoch, logs):
        saved[epoch] = model.get_weights()

    history = model.fit(
        x,
        y,
        epochs=30,
        verbose=0,
        seed=0,
        callbacks=[LambdaCallback(on_epoch_end=remember), stopper],
    )
    assert stopper.stopped_epoch is not None
    assert len(history.epoch) < 30
    best = int(np.argmin(history.history["loss"]))
    assert stopper.best_epoch == best
    for a, b in zip(model.get_weights(), saved[best], strict=True):
        np.testing.assert_array_equal(a, b)


class _Tty(io.StringIO):
    def isatty(self):
        return True


def _progress_output(verbose, show_time, stream_cls=_Tty, epochs=2):
    model = small_model()
    model.compile("sgd", metrics=["accuracy"])
    stream = stream_cls()
    bar = ProgbarLogger(verbose=verbose, show_time=show_time, stream=stream)
    model.fit(*toy_data(n=40), epochs=epochs, batch_size=4, verbose=0, callbacks=[bar], seed=0)
    return stream.getvalue()


def test_progress_bar_updates_one_line_in_place_then_prints_the_epoch_summary():
    text = _progress_output(1, show_time=False)
    lines = text.split("\n")
    assert lines[0] == "Epoch 1/2"
    assert lines[2] == "Epoch 2/2"
    updates = lines[1].split("\r")
    assert len(updates) > 3  # carriage-return updates of one line
    assert updates[0].startswith(" 1/10 [")
    final = updates[-1].rstrip()
    assert final.startswith("10/10 [" + "=" * 30 + "] - loss: ")
    assert " - accuracy: " in final
    # no timings at all: the text is the same on every run
    assert "ETA" not in text
    assert "/step" not in text
    assert text == _progress_output(1, show_time=False)


def test_progress_bar_shows_timings_when_asked_and_plain_files_get_only_final_lines():
    timed = _progress_output(1, show_time=True)
    assert "ETA: " in timed
    assert "/step - loss:" in timed
    plain = _progress_output(1, show_time=False, stream_cls=io.StringIO)
    assert "\r" not in plain
    assert plain.count("\n") == 4


def test_verbose_2_prints_one_line_per_epoch_and_verbose_0_nothing(capsys):
    text = _progress_output(2, show_time=False)
    assert text.splitlines()[1].startswith("10/10 - loss: ")
    assert "\r" not in text
    assert len(text.splitlines()) == 4
    model = small_model()
    model.compile("sgd")
    model.fit(*toy_data(), verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(*toy_data(), verbose=2)
    assert capsys.readouterr().out.startswith("Epoch 1/1\n")


def test_show_time_module_setting_is_the_default_for_progress_bars():
    assert get_show_time() is True
    try:
        set_show_time(False)
        assert "ETA" not in _progress_output(1, show_time=None, epochs=1)
    finally:
        set_show_time(True)
    with pytest.raises(TypeError, match="show must be True or False"):
        set_show_time("no")


# --- an independent implementation: PyTorch ------------------------------------------------


def test_notes_model_agrees_with_pytorch_on_outputs_and_gradients():
    torch = pytest.importorskip("torch")
    from torch import nn

    model = notes_model(seed=5, dtype="float64")
    model.compile("sgd")
    rng = np.random.default_rng(8)
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias[...] = rng.normal(0, 0.1, layer.bias.shape)
    x = rng.random((3, 28, 28, 1))
    y = np.array([3, 1, 4])

    def conv(layer):
        m = nn.Conv2d(layer.kernel.shape[2], layer.filters, 3).double()
        m.weight.data = torch.tensor(layer.kernel.transpose(3, 2, 0, 1).copy())
        m.bias.data = torch.tensor(layer.bias.copy())
        return m

    def dense(layer):
        m = nn.Linear(*layer.kernel.shape).double()
        m.weight.data = torch.tensor(layer.kernel.T.copy())
        m.bias.data = torch.tensor(layer.bias.copy())
        return m

    c1, c2, c3 = (conv(model.layers[i]) for i in (0, 2, 4))
    d1, d2 = dense(model.layers[6]), dense(model.layers[7])
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    h = torch.max_pool2d(torch.relu(c1(xt)), 2)
    h = torch.max_pool2d(torch.relu(c2(h)), 2)
    h = torch.relu(c3(h)).permute(0, 2, 3, 1).flatten(1)  # Keras flattens (H, W, C)
    logits = d2(torch.relu(d1(h)))
    loss_t = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss_t.backward()

    np.testing.assert_allclose(
        model.predict(x), torch.softmax(logits, 1).detach().numpy(), rtol=1e-10
    )
    loss, grads, dx = model.loss_and_gradients(x, y)
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    torch_grads = []
    for m in (c1, c2, c3):
        torch_grads += [m.weight.grad.numpy().transpose(2, 3, 1, 0), m.bias.grad.numpy()]
    for m in (d1, d2):
        torch_grads += [m.weight.grad.numpy().T, m.bias.grad.numpy()]
    for ours, theirs in zip(grads, torch_grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-14)


def test_shuffle_draws_a_new_order_every_epoch_and_false_keeps_the_order():
    x, y = toy_data(n=12)
    x[:, 0, 0, 0] = np.arange(12)  # tag each sample
    model = small_model()
    model.compile("sgd")

    def batches(shuffle):
        seen = []

        def spy(batch, rng):
            seen.append(batch[:, 0, 0, 0].astype(int).tolist())
            return batch

        model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=shuffle, augment=spy, seed=0)
        return seen

    plain = batches(False)
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] * 2
    shuffled = batches(True)
    first, second = sum(shuffled[:3], []), sum(shuffled[3:], [])
    assert sorted(first) == sorted(second) == list(range(12))
    assert first != list(range(12))
    assert first != second


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x, y = toy_data(n=20)
    model = small_model()
    model.compile("sgd", metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, seed=0)
    # the held-out quarter is x[15:], scored with the final weights
    assert history.history["val_loss"] == [pytest.approx(model.evaluate(x[15:], y[15:])[0])]
    with pytest.raises(ValueError, match=r"validation_split must be a fraction in \[0, 1\)"):
        model.fit(x, y, verbose=0, validation_split=1.5)


def test_evaluate_verbose_prints_one_line_of_scores(capsys):
    model = small_model()
    model.compile("sgd", metrics=["accuracy"])
    x, y = toy_data(n=40)
    loss, acc = model.evaluate(x, y, verbose=1)
    assert capsys.readouterr().out == f"2/2 - loss: {loss:.4f} - accuracy: {acc:.4f}\n"


# --- the model owns the loss; one protocol for every layer ----------------------------


LAYER_CLASSES = [Conv2D, Dense, MaxPooling2D, AveragePooling2D, Flatten, ReLU, Softmax, Dropout]


@pytest.mark.parametrize("cls", LAYER_CLASSES, ids=lambda c: c.__name__)
def test_every_layer_has_the_same_forward_and_backward_signature(cls):
    forward = inspect.signature(cls.forward)
    backward = inspect.signature(cls.backward)
    assert list(forward.parameters) == ["self", "x", "training", "rng"]
    assert list(backward.parameters) == ["self", "dout", "need_dx"]


def test_forward_logits_skips_the_softmax_and_backward_then_takes_dlogits():
    layer = Dense(3, activation="softmax").build((4,), seed=0, dtype="float64")
    x = np.random.default_rng(1).normal(size=(5, 4))
    logits = layer.forward_logits(x)
    np.testing.assert_allclose(logits, x @ layer.kernel + layer.bias)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.forward(x), softmax)
    layer.forward_logits(x)
    g = np.random.default_rng(2).normal(size=(5, 3))
    dx = layer.backward(g)  # the cache says no softmax was applied: g is dL/dlogits
    np.testing.assert_allclose(layer.grads["kernel"], x.T @ g)
    np.testing.assert_allclose(dx, g @ layer.kernel.T)


def test_a_softmax_layer_after_a_linear_dense_trains_like_dense_with_softmax():
    x, y = toy_data(n=10)

    def model(split):
        head = [Dense(3), Softmax()] if split else [Dense(3, activation="softmax")]
        m = Sequential([Conv2D(2, 3, input_shape=(8, 8, 1)), Flatten(), *head], seed=3,
                       dtype="float64")
        m.compile(SGD(0.1))
        return m

    fused_in_dense, separate = model(False), model(True)
    loss_a, grads_a, dx_a = fused_in_dense.loss_and_gradients(x, y)
    loss_b, grads_b, dx_b = separate.loss_and_gradients(x, y)
    assert loss_a == pytest.approx(loss_b, rel=1e-12)
    for a, b in zip(grads_a, grads_b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dx_a, dx_b, rtol=1e-10, atol=1e-14)


def test_the_shipped_trained_model_scores_what_its_record_says():
    from cnn_utils.datasets import load_mnist
    from cnn_utils.nn import load_trained_model, load_training_record

    model = load_trained_model()
    record = load_training_record()
    _, (x_test, y_test) = load_mnist()
    loss, accuracy = model.evaluate(x_test, y_test)
    assert model.count_params() == record["parameters"] == 93_322
    assert round(accuracy, 3) == pytest.approx(record["test_accuracy"], abs=0.002)
    assert accuracy > 0.95


# --- limits and argument checks of the model API ---------------------------------------


def test_huge_layers_say_how_much_memory_they_would_need():
    with pytest.raises(ValueError, match=r"filters=2,147,483,648 is above the limit .* GiB"):
        Conv2D(filters=2**31, kernel_size=3)
    with pytest.raises(ValueError, match=r"units=1,000,000,000,000 is above the limit .* TiB"):
        Dense(units=10**12)
    with pytest.raises(ValueError, match=r"kernel of Dense would need a 10000x65536 array .*GiB"):
        Dense(65_536).build((10_000,))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m, x, y: m.fit(x, y, validation_split="0.2", verbose=0), TypeError,
         "validation_split"),
        (lambda m, x, y: m.fit(x, y, epochs=10**9, verbose=0), ValueError, "epochs must be at"),
        (lambda m, x, y: m.fit(x, y, seed=-1, verbose=0), ValueError, "seed"),
        (lambda m, x, y: m.evaluate(x, y, return_dict="yes"), TypeError, "return_dict"),
        (lambda m, x, y: m.get_layer(name="nope"), ValueError, "name='nope': no layer"),
        (lambda m, x, y: m.save_weights(3), TypeError, "path must be a file name"),
        (lambda m, x, y: m.compile(metrics="accuracy"), TypeError, "metrics must be a list"),
    ],
)
def test_bad_model_arguments_get_our_errors(call, error, message):
    model = small_model()
    model.compile("adam", metrics=["accuracy"])
    x, y = toy_data(n=8)
    with pytest.raises(error, match=message):
        call(model, x, y)


def test_numpy_numbers_and_0d_arrays_configure_layers_like_python_numbers():
    plain = Conv2D(4, 3, strides=1, activation="relu").build((8, 8, 1), seed=0)
    numpy = Conv2D(np.int64(4), np.array(3), strides=np.int32(1), activation="relu")
    numpy.build((np.int64(8), 8, np.array(1)), seed=np.int64(0))
    assert numpy.get_config() == plain.get_config()
    np.testing.assert_array_equal(numpy.kernel, plain.kernel)
    assert Dropout(np.float32(0.5)).rate == 0.5


def test_augment_images_refuses_a_negative_seed_with_our_error():
    from cnn_utils.nn import augment_images

    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        augment_images(np.zeros((1, 4, 4)), seed=-1)
