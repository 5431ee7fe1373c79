"""Closing an explorer frees its widgets; a presenter switch neither leaks nor closes what shows.

ipywidgets keeps every widget in a module-level registry
(``ipywidgets.widgets.widget._instances``) until ``close()`` is called on it, so a
widget that is never closed lives as long as the kernel. These tests read that
registry directly:

* ``Explorer.close()`` closes everything the explorer shows (the outer box, every
  control, every nested box, their layouts and styles); ``state``, ``view`` and
  ``static_html()`` still work, ``widget`` builds a new working widget, and closing
  twice, or before the widget was ever built, is harmless;
* a closed explorer is left alone by presenter switches and can be garbage-collected;
* switching presenter mode on and off again and again, with an explorer on screen,
  keeps the number of live widgets level (the old controls are closed), and never
  closes a widget the explorer still shows.

Counts are compared within one test, never as absolute numbers: other explorers of
the session may still be alive.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import weakref
from collections import Counter
from types import SimpleNamespace

import ipywidgets
import numpy as np
import pytest
from explorer_support import FACTORIES

import cnn_utils
from cnn_utils.explorers._base import Explorer, column, slider, view_html

# A control each explorer binds to the state field of the same name, and a new value
# for it that differs from the factory's default. The training monitor has no controls.
MOVES = {
    "stepper": ("stride", 2),
    "output_size": ("n", 9),
    "pool": ("mode", "average"),
    "playground": ("border", "wrap"),
    "channels": ("row", 2),
    "monitor": None,
    "training": ("epochs", 3),
}

ROUND_TRIPS = 3


# ============================================================== helpers
def registry() -> dict:
    """ipywidgets' registry of open widgets: model id -> widget."""
    return ipywidgets.widgets.widget._instances


def live() -> int:
    """How many widgets are open in the kernel."""
    return len(registry())


def parts(widget, found=None) -> dict:
    """``widget`` and everything it shows: children (recursively), layouts and styles."""
    found = {} if found is None else found
    if isinstance(widget, ipywidgets.Widget) and id(widget) not in found:
        found[id(widget)] = widget
        for part in (
            *getattr(widget, "children", ()),
            getattr(widget, "layout", None),
            getattr(widget, "style", None),
        ):
            parts(part, found)
    return found


def explorer_parts(explorer) -> dict:
    """Every widget an explorer on screen shows: its outer box and every control."""
    found = parts(explorer.widget)
    for control in explorer.controls.values():
        parts(control, found)
    return found


def still_open(widgets: dict) -> list[str]:
    """The type names of those of ``widgets`` still in the registry."""
    open_ids = {id(w) for w in registry().values()}
    return sorted(type(w).__name__ for key, w in widgets.items() if key in open_ids)


def closed(widgets: dict) -> list[str]:
    """The type names of those of ``widgets`` no longer in the registry."""
    open_ids = {id(w) for w in registry().values()}
    return sorted(type(w).__name__ for key, w in widgets.items() if key not in open_ids)


def differences(a, b, path: str = "view") -> list[str]:
    """Where two values differ, field by field (a view dataclass compares by identity)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return [f"{path}: {type(a).__name__} != {type(b).__name__}"]
        return [
            d
            for f in dataclasses.fields(a)
            for d in differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        ]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        nan = a.dtype.kind in "fc" and b.dtype.kind in "fc"
        return [] if np.array_equal(a, b, equal_nan=nan) else [f"{path}: arrays differ"]
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys differ"]
        return [d for key in a for d in differences(a[key], b[key], f"{path}[{key!r}]")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d
            for k, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{k}]")
        ]
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return []
    return [] if a == b else [f"{path}: {a!r:.60} != {b!r:.60}"]


def assert_view_of_state(explorer) -> None:
    """The explorer's view is what its view function makes of its state."""
    diff = differences(explorer.view, type(explorer).view_function(explorer.state))
    assert not diff, diff


def kinds(keys) -> dict[str, int]:
    """How many widgets of each type the registry holds under ``keys``."""
    return dict(Counter(type(registry()[key]).__name__ for key in keys if key in registry()))


def round_trip() -> None:
    cnn_utils.presenter(True)
    cnn_utils.presenter(False)


def assert_works(explorer, name: str) -> None:
    """A moved control changes the state, and the view is the view of that state."""
    move = MOVES[name]
    if move is not None:
        control, value = move
        assert getattr(explorer.state, control) != value
        explorer.controls[control].value = value
        assert getattr(explorer.state, control) == value
    assert_view_of_state(explorer)


# ============================================================== fixtures
@pytest.fixture(scope="module", autouse=True)
def no_earlier_explorers():
    """Explorers of earlier modules that nothing holds any more stop following the theme."""
    gc.collect()


@pytest.fixture(autouse=True)
def normal_mode():
    """Normal mode before and after; widgets this test left open are closed after it."""
    cnn_utils.presenter(False)
    before = set(registry())
    yield
    cnn_utils.presenter(False)
    for key in set(registry()) - before:
        widget = registry().get(key)
        if widget is not None:
            widget.close()


@pytest.fixture
def make():
    """``make(name)`` makes an explorer; every explorer made is closed after the test."""
    made = []

    def _make(name: str):
        explorer = FACTORIES[name]()
        made.append(explorer)
        return explorer

    yield _make
    for explorer in made:
        explorer.close()


names = pytest.mark.parametrize("name", FACTORIES)


# ============================================================== close()
@names
def test_close_closes_the_box_every_control_nested_box_layout_and_style(make, name):
    explorer = make(name)
    shown = explorer_parts(explorer)
    assert not closed(shown), "the explorer shows widgets that were closed before close()"
    explorer.close()
    assert not still_open(shown), f"close() left these open: {still_open(shown)}"


@names
def test_close_lets_go_of_every_widget_the_explorer_made(make, name):
    explorer = make(name)
    before = set(registry())
    _ = explorer.widget
    assert live() > len(before)
    explorer.close()
    left = kinds(set(registry()) - before)
    assert not left, f"close() left widgets the explorer made open: {left}"


@names
def test_state_view_and_picture_survive_close(make, name):
    explorer = make(name)
    _ = explorer.widget
    state, view, picture = explorer.state, explorer.view, explorer.static_html()
    explorer.close()
    assert not differences(explorer.state, state, "state")
    assert explorer.view is view
    assert explorer.static_html() == picture
    move = MOVES[name]
    if move is not None:  # a closed explorer still computes, and opens no widget for it
        count = live()
        field, value = move
        assert explorer.update(**{field: value}) is explorer.view
        assert getattr(explorer.state, field) == value
        assert_view_of_state(explorer)
        assert explorer.static_html() != picture
        assert live() == count


@names
def test_widget_after_close_is_a_new_working_widget(make, name):
    explorer = make(name)
    old_box, old_controls = explorer.widget, dict(explorer.controls)
    explorer.close()
    new = explorer.widget
    assert new is not old_box
    assert set(explorer.controls) == set(old_controls)
    assert all(explorer.controls[key] is not old_controls[key] for key in old_controls)
    shown = explorer_parts(explorer)
    assert not closed(shown), f"the new widget shows closed widgets: {closed(shown)}"
    assert_works(explorer, name)


@names
def test_close_before_the_widget_is_built_and_twice_is_harmless(make, name):
    explorer = make(name)
    state, view, picture, count = explorer.state, explorer.view, explorer.static_html(), live()
    explorer.close()  # never built: nothing to close, and nothing is built to close it
    assert live() == count
    assert not differences(explorer.state, state, "state")
    assert explorer.view is view
    assert explorer.static_html() == picture
    _ = explorer.widget
    explorer.close()
    after_first = live()
    explorer.close()
    assert live() == after_first
    assert not differences(explorer.state, state, "state")
    assert explorer.static_html() == picture
    _ = explorer.widget
    assert_works(explorer, name)


# ============================================================== presenter mode, once closed
@names
def test_presenter_switches_leave_a_closed_explorer_alone(make, name):
    explorer = make(name)
    _ = explorer.widget
    explorer.close()
    view, count = explorer.view, live()
    for _round in range(ROUND_TRIPS):
        round_trip()
        assert live() == count, "a presenter switch made widgets for a closed explorer"
    assert explorer.view is view, "a presenter switch redrew a closed explorer"


@names
@pytest.mark.parametrize("how", ["widget.close()", "Widget.close_all()"])
def test_an_explorer_closed_by_ipywidgets_is_left_alone_too(make, name, how):
    # what a user or a test harness does without knowing about Explorer.close()
    explorer = make(name)
    keep_open = ipywidgets.HTML("another widget")
    if how == "widget.close()":
        explorer.widget.close()
    else:
        _ = explorer.widget
        ipywidgets.Widget.close_all()
        keep_open = ipywidgets.HTML("opened after close_all")
    view, count = explorer.view, live()
    round_trip()
    assert live() <= count, "a presenter switch made widgets for an explorer ipywidgets closed"
    assert explorer.view is view, "a presenter switch redrew an explorer ipywidgets closed"
    assert keep_open.comm is not None


def _show_switch_and_close(name: str) -> weakref.ref:
    """Show an explorer, let it follow one presenter round trip, close it; a weak reference."""
    explorer = FACTORIES[name]()
    _ = explorer.widget
    round_trip()
    explorer.close()
    return weakref.ref(explorer)


@names
def test_a_closed_explorer_can_be_garbage_collected(name):
    gone = _show_switch_and_close(name)
    gc.collect()
    assert gone() is None, "something still holds the closed explorer"
    round_trip()  # the theme's list of explorers copes with one that is gone


# ============================================================== presenter mode, on screen
@names
def test_presenter_switches_do_not_leak_widgets(make, name):
    explorer = make(name)
    _ = explorer.widget
    round_trip()
    count, after_one = live(), set(registry())
    for _round in range(ROUND_TRIPS):
        round_trip()
    assert live() == count, (
        f"{ROUND_TRIPS} more presenter round trips left {live() - count} more widgets open; "
        f"the new ones: {kinds(set(registry()) - after_one)}"
    )
    assert_works(explorer, name)


@names
def test_widgets_shown_after_a_switch_stay_open(make, name):
    explorer = make(name)
    box = explorer.widget
    for on in (True, False, True):
        cnn_utils.presenter(on)
        assert explorer.widget is box, "a switch redraws inside the same outer box"
        shown = explorer_parts(explorer)
        assert not closed(shown), f"presenter({on}) closed widgets still shown: {closed(shown)}"
    assert_works(explorer, name)


# ============================================================== a widget kept across redraws
@dataclasses.dataclass(frozen=True)
class CountState:
    n: int = 1


def count_view(state: CountState):
    return SimpleNamespace(html=f"<b>n = {state.n}</b>")


class KeepsItsView(Explorer):
    """A small explorer that draws every redraw into one view widget, made once."""

    title = "keeps its view"
    view_function = staticmethod(count_view)

    def _build(self):
        if not hasattr(self, "kept"):
            self.kept = view_html()
        n = self._bind("n", slider("n", self.state.n, 1, 9), "n")
        return column([n]), self.kept


def test_a_widget_kept_from_one_redraw_to_the_next_stays_open():
    explorer = KeepsItsView(CountState())
    kept = explorer.widget.children[1]
    assert kept is explorer.kept
    try:
        round_trip()
        assert explorer.widget.children[1] is kept
        shown = explorer_parts(explorer)
        assert not closed(shown), f"a switch closed widgets still shown: {closed(shown)}"
        explorer.controls["n"].value = 4
        assert explorer.state.n == 4
        assert kept.value == "<b>n = 4</b>"
    finally:
        explorer.close()
