"""Presenter mode reaches explorers already on screen, and switching off restores them."""

from __future__ import annotations

import pytest
from explorer_support import FACTORIES

import cnn_utils


def sizes(explorer):
    """What a student sees of the explorer's size: control widths and the view's HTML."""
    widths = {name: (c.layout.width, getattr(getattr(c, "style", None), "button_width", None))
              for name, c in explorer.controls.items()}
    return widths, explorer.widget.children[1].value if hasattr(
        explorer.widget.children[1], "value") else None


@pytest.fixture(autouse=True)
def normal_mode():
    cnn_utils.presenter(False)
    yield
    cnn_utils.presenter(False)


@pytest.mark.parametrize("name", FACTORIES)
def test_switching_resizes_an_explorer_on_screen_and_back(name):
    explorer = FACTORIES[name]()
    before = sizes(explorer)
    cnn_utils.presenter(True)
    during = sizes(explorer)
    assert during != before, "presenter mode left the explorer on screen as it was"
    cnn_utils.presenter(False)
    assert sizes(explorer) == before


def test_controls_still_work_after_a_switch():
    explorer = cnn_utils.output_size_explorer(7, 3)
    _ = explorer.widget
    cnn_utils.presenter(True)
    cnn_utils.presenter(False)
    explorer.controls["n"].value = 9
    assert explorer.state.n == 9
    assert explorer.view == type(explorer).view_function(explorer.state)
