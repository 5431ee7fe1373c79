"""Notebook 10's bridge to PyTorch: the notebook's own PyTorch code, run where PyTorch is installed.

The notebook's code cells run in order in one namespace, as Run All would (the
exercises' answer cells are left out: they hold placeholders). Where PyTorch is
installed, the model the notebook builds, loaded with the weights the notebook
moves into PyTorch's layout, must predict what ``cu.load_trained_model()``
predicts, and the notebook's PyTorch training step must be the step cnn_utils
takes. The expected values come from cnn_utils and from this file's own layout
conversion, written differently from the notebook's. Without PyTorch those tests
skip, and the cells must only show their code.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import cnn_utils as cu
from cnn_utils.datasets import load_mnist

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "10_from_cnn_utils_to_frameworks.ipynb"
LOADS_WEIGHTS = "parameter.copy_("     # the cell that puts the trained weights into torch_model
TRAINS_A_STEP = "optimizer.step()"     # the cell that takes one PyTorch training step
MISSING = ("PyTorch is not installed here, so this cell only shows the code; "
           "installing `torch` runs it")


def code_cells() -> list[str]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return [
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "code" and "answer" not in cell["metadata"].get("tags", [])
    ]


class NotebookRun:
    """The notebook's code cells, run in order in one namespace, as far as asked."""

    def __init__(self):
        self.cells = code_cells()
        self.done = 0
        self.namespace: dict = {}
        self.printed = io.StringIO()

    def run_through(self, marker: str) -> None:
        """Run the cells not run yet, up to and including the first one holding `marker`."""
        while self.done < len(self.cells):
            source = self.cells[self.done]
            self.done += 1
            with contextlib.redirect_stdout(self.printed):
                exec(compile(source, f"notebook 10, code cell {self.done}", "exec"), self.namespace)
            if marker in source:
                return
        raise AssertionError(f"no code cell of {NOTEBOOK.name} holds {marker!r}")


def torch_layout(weights: list[np.ndarray]) -> list[np.ndarray]:
    """cnn_utils' weights in PyTorch's layout, worked out index by index (not by transposes)."""
    h, w, c = 3, 3, 64   # the third convolution's output, flattened before the first dense layer
    nhwc_index = np.empty(h * w * c, dtype=int)
    for k in range(h * w * c):          # k counts in NCHW order: channel, row, column
        channel, rest = divmod(k, h * w)
        row, column = divmod(rest, w)
        nhwc_index[k] = (row * w + column) * c + channel
    moved = []
    for array in weights:
        if array.ndim == 4:             # kernel[p, q, i, o] -> weight[o, i, p, q]
            kh, kw, c_in, c_out = array.shape
            weight = np.empty((c_out, c_in, kh, kw), array.dtype)
            for o in range(c_out):
                for i in range(c_in):
                    weight[o, i] = array[:, :, i, o]
            moved.append(weight)
        elif array.ndim == 2:           # kernel[input, output] -> weight[output, input]
            rows = nhwc_index if array.shape[0] == nhwc_index.size else np.arange(array.shape[0])
            moved.append(np.ascontiguousarray(array[rows].T))
        else:
            moved.append(array)
    return moved


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return x_test[:100], y_test[:100]


@pytest.fixture(scope="module")
def loaded():
    """The notebook run through the cell that loads the trained weights into PyTorch."""
    torch = pytest.importorskip("torch")
    run = NotebookRun()
    run.run_through(LOADS_WEIGHTS)
    model = run.namespace["torch_model"]
    before = [p.detach().numpy().copy() for p in model.parameters()]
    return run, torch, before


@pytest.fixture(scope="module")
def stepped(loaded):
    """The same run, continued through the PyTorch training step."""
    run, torch, before = loaded
    run.run_through(TRAINS_A_STEP)
    return run, torch, before


def test_the_pytorch_model_has_the_lecture_models_parameter_count(loaded):
    run, torch, _ = loaded
    model = run.namespace["torch_model"]
    assert isinstance(model, torch.nn.Module)
    count = sum(p.numel() for p in model.parameters())
    assert count == cu.nn.lecture_mnist_model(seed=0).count_params()


def test_the_notebook_loads_the_trained_weights_in_pytorchs_layout(loaded):
    _, _, before = loaded
    expected = torch_layout(cu.load_trained_model().get_weights())
    assert [w.shape for w in before] == [w.shape for w in expected]
    for got, want in zip(before, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_pytorch_predicts_what_cnn_utils_predicts_on_100_test_digits(loaded, digits):
    run, torch, before = loaded
    model = run.namespace["torch_model"]
    x, _ = digits
    with torch.no_grad():
        for parameter, array in zip(model.parameters(), before, strict=True):
            parameter.copy_(torch.from_numpy(array))   # the weights as the notebook loaded them
        logits = model(torch.from_numpy(x[:, None] / 255.0).float()).numpy()
    probabilities = cu.load_trained_model().predict(x)
    np.testing.assert_array_equal(logits.argmax(axis=1), probabilities.argmax(axis=1))
    np.testing.assert_allclose(cu.softmax(logits), probabilities, atol=1e-4)


def test_without_reordering_the_flattened_features_pytorch_predicts_otherwise(loaded, digits):
    # The notebook's trap: the first Linear layer loaded with a plain transpose.
    run, torch, before = loaded
    model = run.namespace["torch_model"]
    x, _ = digits
    weights = cu.load_trained_model().get_weights()
    naive = torch_layout(weights)
    naive[6] = np.ascontiguousarray(weights[6].T)   # rows left in NHWC order
    with torch.no_grad():
        for parameter, array in zip(model.parameters(), naive, strict=True):
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(array)))
        logits = model(torch.from_numpy(x[:, None] / 255.0).float()).numpy()
        for parameter, array in zip(model.parameters(), before, strict=True):
            parameter.copy_(torch.from_numpy(array))
    probabilities = cu.load_trained_model().predict(x)
    assert not np.allclose(cu.softmax(logits), probabilities, atol=1e-2)
    assert np.mean(logits.argmax(axis=1) == probabilities.argmax(axis=1)) < 0.9


def test_the_pytorch_training_step_is_the_step_cnn_utils_takes(stepped):
    run, _, _ = stepped
    model, xb, yb = run.namespace["torch_model"], run.namespace["xb"], run.namespace["yb"]
    trained = cu.load_trained_model()
    loss, grads, _ = trained.loss_and_gradients(xb, yb)
    after = [w - 0.01 * g for w, g in zip(trained.get_weights(), grads, strict=True)]
    assert run.namespace["torch_loss"].item() == pytest.approx(loss, rel=1e-3, abs=1e-7)
    for got, want in zip(model.parameters(), torch_layout(after), strict=True):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-4, atol=1e-6)


def test_without_pytorch_the_cells_only_show_their_code(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # as if PyTorch were not installed
    run = NotebookRun()
    run.run_through(LOADS_WEIGHTS)
    lines = run.printed.getvalue().splitlines()
    assert lines.count(MISSING) == 2       # the model's cell and the weights' cell
    assert "torch_model" not in run.namespace
    assert "same predicted digit for all 100 test digits: True" in lines   # the numpy check
