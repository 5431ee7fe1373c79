"""Notebook 07's training cell gives the same output when an instructor runs it again."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "07_building_and_training_a_cnn.ipynb"
sys.path.insert(0, str(ROOT))
import dev  # noqa: E402  (standard library at import time)


def _text(cell) -> str:
    parts = []
    for output in cell.outputs:
        parts.append("".join(output.get("text", "")))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


@pytest.mark.slow
def test_running_the_training_cell_twice_gives_the_same_output():
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    train = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and "history = model.fit(" in c.source)
    probe = nbformat.v4.new_code_cell("print(repr(history.history))")
    nb.cells.append(probe)
    client = NotebookClient(
        nb, km=dev._current_env_kernel_manager(), timeout=600, record_timing=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    runs = []
    with client.setup_kernel(cleanup_kc=True):
        for index, cell in enumerate(nb.cells[: train + 1]):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        for _ in range(2):
            if runs:
                client.execute_cell(nb.cells[train], train)
            client.execute_cell(probe, len(nb.cells) - 1)
            runs.append((_text(nb.cells[train]), _text(probe)))
    (first_bar, first_history), (second_bar, second_history) = runs
    assert "val_accuracy" in first_history
    assert "Epoch 2/2" in first_bar
    assert second_history == first_history
    assert second_bar == first_bar
