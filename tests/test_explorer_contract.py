"""The one contract every explorer keeps, checked on all six, and their honest pictures.

Every explorer made by a factory of ``cnn_utils`` (``conv_stepper``,
``output_size_explorer``, ``pool_explorer``, ``kernel_playground``,
``channels_explorer``, ``training_monitor``) has

* ``.state``: a frozen dataclass (assigning a field raises);
* ``.view``: what its pure view function (``stepper_view``, ``output_size_view``,
  ``pool_view``, ``playground_view``, ``channels_view``, ``monitor_view``, from
  ``cnn_utils.explorers``) returns for that state;
* ``.controls``: a dict, name -> ipywidgets widget;
* ``.update(**changes)``: replaces state fields, recomputes the view and pushes
  it to the widgets; an unknown field raises the package's own ValueError or
  TypeError; observers that call ``update`` again do not loop;
* ``.widget``: a container with the CSS classes ``cnn-explorer`` and
  ``cnn-explorer-<class name lowercased>``;
* ``.static_html()``: the picture as HTML.

Moving a control (setting ``.controls[name].value``) must do what ``update``
does. Every number a view shows is derived here again, independently: numpy
loops written like the lecture notes, ``scipy.signal.correlate2d``, and the
output-size formula by hand. The pictures are checked for honesty: the
playground picks its display by the kind of kernel and says so, one word names
the negative colour everywhere and it is the colour actually drawn, the
channels explorer tints each channel in its own colour and greys a channel
that is off, and max pooling's winners follow the first-maximum rule.
"""

from __future__ import annotations

import colorsys
import dataclasses
import html
import math
import re
import signal
from html.parser import HTMLParser

import numpy as np
import pytest
from scipy import signal as scipy_signal

import cnn_utils
import cnn_utils.explorers as explorers

ipywidgets = pytest.importorskip("ipywidgets")

TIMEOUT_S = 10  # an update that takes longer than this is a hang

# --------------------------------------------------------------------------- inputs

RNG = np.random.default_rng(14)
STEPPER_IMAGE = RNG.integers(-2, 4, (6, 6)).astype(float)
STEPPER_KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, -2.0], [1.0, 0.0, -1.0]])
POOL_MAP = RNG.integers(0, 4, (6, 6)).astype(float)  # small range: ties are common
PHOTO = np.clip(RNG.random((24, 30, 3)) * 0.6 + np.linspace(0, 0.4, 30)[None, :, None], 0, 1)
CHANNEL_IMAGE = RNG.integers(0, 3, (6, 6, 3)).astype(float)
CHANNEL_FILTERS = RNG.integers(-1, 2, (3, 3, 3, 2)).astype(float)
CHANNEL_BIAS = np.array([0.5, -1.0])


@dataclasses.dataclass(frozen=True)
class Spec:
    """How to make one explorer, its view function and a few valid state changes."""

    name: str
    make: object  # () -> explorer
    view_function: str
    changes: tuple  # dicts of valid changes for update()
    # factory keyword arguments equal to state fields: (update changes, factory kwargs)
    same_as_factory: tuple = ()


def _monitor_history(n: int = 3) -> dict:
    losses = tuple(1.0 / (k + 1) for k in range(n))
    return {
        "epoch_x": tuple(10 * (k + 1) for k in range(n)),
        "loss": losses,
        "accuracy": tuple(0.5 + 0.1 * k for k in range(n)),
        "val_loss": tuple(v * 1.2 for v in losses),
        "val_accuracy": tuple(0.45 + 0.1 * k for k in range(n)),
        "steps": 10,
        "epochs": n,
        "epoch": n - 1,
        "status": "done",
    }


SPECS = [
    Spec(
        "stepper",
        lambda: cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL),
        "stepper_view",
        ({"stride": 2}, {"position": 5}, {"mode": "convolution"}, {"padding": 1}),
        (
            ({"stride": 2}, {"stride": 2}),
            ({"padding": 1, "mode": "convolution"}, {"padding": 1, "mode": "convolution"}),
        ),
    ),
    Spec(
        "output_size",
        lambda: cnn_utils.output_size_explorer(7, 3),
        "output_size_view",
        ({"n": 9}, {"s": 2}, {"p": 1, "ceil_mode": True}),
        (({"n": 9, "s": 2}, {"n": 9, "f": 3, "s": 2}),),
    ),
    Spec(
        "pool",
        lambda: cnn_utils.pool_explorer(POOL_MAP),
        "pool_view",
        ({"mode": "average"}, {"position": 3}, {"pool_size": 3, "stride": 3}),
        (({"mode": "average"}, {"mode": "average"}), ({"stride": 1}, {"stride": 1})),
    ),
    Spec(
        "playground",
        lambda: cnn_utils.kernel_playground(PHOTO, "sobel_x"),
        "playground_view",
        ({"border": "wrap"}, {"operation": "convolve"}, {"color": False}),
        (
            ({"border": "constant"}, {"border": "constant"}),
            ({"operation": "convolve"}, {"operation": "convolve"}),
        ),
    ),
    Spec(
        "channels",
        lambda: cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS),
        "channels_view",
        ({"row": 2}, {"col": 3, "selected": 1}, {"channels_on": (True, False, True)}),
    ),
    Spec(
        "monitor",
        lambda: cnn_utils.training_monitor(),
        "monitor_view",
        (_monitor_history(),),
    ),
    Spec(
        "training",
        lambda: cnn_utils.training_explorer(),
        "training_view",
        ({"epochs": 2}, {"optimizer": "sgd"}, {"augment": True, "train_size": 200}),
        (({"epochs": 2, "optimizer": "rmsprop"}, {"epochs": 2, "optimizer": "rmsprop"}),),
    ),
]
IDS = [s.name for s in SPECS]


# --------------------------------------------------------------------------- helpers


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


@pytest.fixture(autouse=True)
def _no_hang():
    """Each test fails, instead of hanging, when one call takes more than TIMEOUT_S."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S * 6)  # a whole test; single calls are guarded below too
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def within_time(call, seconds: int = TIMEOUT_S):
    previous = signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(previous)


def view_function(spec: Spec):
    return getattr(explorers, spec.view_function)


def same(a, b, path: str = "view") -> list[str]:
    """Differences between two values, recursively (empty when equal)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return [f"{path}: {type(a).__name__} != {type(b).__name__}"]
        out = []
        for f in dataclasses.fields(a):
            out += same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        return out
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        if a_arr.shape != b_arr.shape:
            return [f"{path}: shape {a_arr.shape} != {b_arr.shape}"]
        kind = a_arr.dtype.kind in "fc" and b_arr.dtype.kind in "fc"
        equal = np.array_equal(a_arr, b_arr, equal_nan=kind)
        return [] if equal else [f"{path}: arrays differ"]
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(map(str, a))} != {sorted(map(str, b))}"]
        out = []
        for key in a:
            out += same(a[key], b[key], f"{path}[{key!r}]")
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        out = []
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            out += same(x, y, f"{path}[{k}]")
        return out
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return []
    try:
        equal = a == b
        if isinstance(equal, np.ndarray):
            equal = bool(equal.all())
        return [] if equal else [f"{path}: {a!r:.80} != {b!r:.80}"]
    except Exception as exc:  # objects that cannot be compared are a difference
        return [f"{path}: cannot compare ({exc!r})"]


def descendants(widget):
    """Every widget below ``widget`` (itself included), depth first."""
    out = [widget]
    for child in getattr(widget, "children", ()) or ():
        out += descendants(child)
    return out


def shown(widget, root) -> bool:
    """True when ``widget`` is in ``root``'s tree and neither it nor a parent is display:none."""

    def walk(node, path):
        if node is widget:
            return path + [node]
        for child in getattr(node, "children", ()) or ():
            found = walk(child, path + [node])
            if found:
                return found
        return None

    path = walk(root, [])
    if path is None:
        return False
    for node in path:
        layout = getattr(node, "layout", None)
        if layout is not None and (layout.display == "none" or layout.visibility == "hidden"):
            return False
    return True


_SIMPLE = (str, bytes, int, float, bool, type(None))


def picture(explorer) -> list:
    """What the widget tree shows: every widget's type, value and visibility, in order."""
    out = []
    for w in descendants(explorer.widget):
        value = getattr(w, "value", None)
        if isinstance(value, (tuple, list)):
            value = tuple(v if isinstance(v, _SIMPLE) else repr(type(v)) for v in value)
        elif not isinstance(value, _SIMPLE):
            value = repr(type(value))
        layout = getattr(w, "layout", None)
        display = layout.display if layout is not None else None
        out.append((type(w).__name__, value, display, getattr(w, "disabled", None)))
    return out


def picture_diff(a: list, b: list) -> str:
    if len(a) != len(b):
        return f"{len(a)} widgets != {len(b)} widgets"
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return f"widget {k}: {str(x)[:200]} != {str(y)[:200]}"
    return ""


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(markup: str) -> str:
    """The words an HTML fragment shows (tags dropped, entities decoded, spaces collapsed)."""
    parser = _Text()
    parser.feed(markup)
    return re.sub(r"\s+", " ", html.unescape(" ".join(parser.parts))).strip()


def view_html(view) -> str:
    """The HTML of a view: its ``html`` field or property."""
    markup = getattr(view, "html", None)
    assert isinstance(markup, str), f"{type(view).__name__} has no html string"
    assert markup, f"{type(view).__name__} has an empty html string"
    return markup


def raised_in_cnn_utils(excinfo) -> bool:
    """The innermost frame of the traceback is in a cnn_utils module (our own error)."""
    return "cnn_utils" in str(excinfo.traceback[-1].path)


def _set_control(explorer, name: str, value) -> None:
    explorer.controls[name].value = value


def _another_value(widget):
    """A valid value of ``widget`` other than its current one (None when there is none)."""
    value = widget.value
    if isinstance(value, bool):
        return not value
    options = getattr(widget, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        others = [v for v in values if v != value]
        return others[0] if others else None
    low, high = getattr(widget, "min", None), getattr(widget, "max", None)
    if low is not None and high is not None and isinstance(value, (int, float)):
        step = getattr(widget, "step", 1) or 1
        if value + step <= high:
            return type(value)(value + step)
        if value - step >= low:
            return type(value)(value - step)
    return None


# --------------------------------------------------------------------------- the contract


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_factory_explorer_has_the_public_surface(spec):
    ex = within_time(spec.make)
    for name in ("state", "view", "controls", "update", "widget", "static_html"):
        assert hasattr(ex, name), f"{type(ex).__name__} has no .{name}"
    assert dataclasses.is_dataclass(ex.state)
    assert not isinstance(ex.state, type)
    assert not callable(ex.view), ".view is the view itself, not a method"
    assert isinstance(ex.controls, dict)
    for name, widget in ex.controls.items():
        assert isinstance(name, str)
        assert isinstance(widget, ipywidgets.Widget), f"controls[{name!r}] is {type(widget)}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_state_is_frozen(spec):
    ex = within_time(spec.make)
    first = dataclasses.fields(ex.state)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(ex.state, first, getattr(ex.state, first))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_view_is_the_pure_view_of_the_state(spec):
    ex = within_time(spec.make)
    fn = view_function(spec)
    once, twice = within_time(lambda: fn(ex.state)), within_time(lambda: fn(ex.state))
    assert not same(once, twice), same(once, twice)
    assert not same(ex.view, once), same(ex.view, once)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_widget_carries_the_css_classes(spec):
    ex = within_time(spec.make)
    classes = set(ex.widget._dom_classes)  # ipywidgets' record of add_class()
    assert "cnn-explorer" in classes
    assert f"cnn-explorer-{type(ex).__name__.lower()}" in classes
    inside = descendants(ex.widget)
    if ex.controls:  # (a hidden control may be left out of the tree, so not all of them)
        assert any(w in inside for w in ex.controls.values()), "no control is in the widget"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_update_replaces_state_and_recomputes_view(spec):
    fn = view_function(spec)
    for changes in spec.changes:
        ex = within_time(spec.make)
        _ = ex.widget
        before_state, before_picture = ex.state, picture(ex)
        before_html = ex.static_html()
        within_time(lambda ex=ex, changes=changes: ex.update(**changes))
        assert ex.state is not before_state
        for name, value in changes.items():
            assert not same(getattr(ex.state, name), value), (name, getattr(ex.state, name))
        untouched = [f.name for f in dataclasses.fields(ex.state) if f.name not in changes]
        for name in untouched:
            if name in ("position", "revealed", "message"):
                continue  # may be reset by a change of the settings
            diff = same(getattr(ex.state, name), getattr(before_state, name), name)
            assert not diff, f"update({changes}) changed another field: {diff}"
        assert not same(ex.view, fn(ex.state)), same(ex.view, fn(ex.state))
        assert picture(ex) != before_picture, f"update({changes}) left the widgets as they were"
        assert ex.static_html() != before_html, f"update({changes}) left static_html as it was"
        for name in set(ex.controls) & {f.name for f in dataclasses.fields(ex.state)}:
            if _comparable(getattr(ex.controls[name], "value", None), getattr(ex.state, name)):
                assert not same(ex.controls[name].value, getattr(ex.state, name)), (
                    f"control {name!r} shows {ex.controls[name].value!r}, "
                    f"state says {getattr(ex.state, name)!r}"
                )


@pytest.mark.parametrize("spec", [s for s in SPECS if s.same_as_factory], ids=lambda s: s.name)
def test_updated_widgets_show_what_a_fresh_explorer_shows(spec):
    """update() pushes the whole view: the widgets equal those of an explorer made that way."""
    factories = {
        "stepper": lambda kw: cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL, **kw),
        "output_size": lambda kw: cnn_utils.output_size_explorer(
            kw.get("n", 7), kw.get("f", 3), s=kw.get("s", 1)
        ),
        "pool": lambda kw: cnn_utils.pool_explorer(POOL_MAP, **kw),
        "playground": lambda kw: cnn_utils.kernel_playground(PHOTO, "sobel_x", **kw),
        "training": lambda kw: cnn_utils.training_explorer(**kw),
    }
    for changes, kwargs in spec.same_as_factory:
        updated = within_time(spec.make)
        _ = updated.widget
        within_time(lambda updated=updated, changes=changes: updated.update(**changes))
        fresh = within_time(lambda kwargs=kwargs: factories[spec.name](kwargs))
        assert not same(updated.view, fresh.view), same(updated.view, fresh.view)
        diff = picture_diff(picture(updated), picture(fresh))
        assert not diff, f"after update({changes}): {diff}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_update_with_an_unknown_field_raises_our_error(spec):
    ex = within_time(spec.make)
    with pytest.raises((ValueError, TypeError)) as excinfo:
        ex.update(no_such_field=1)
    assert "no_such_field" in str(excinfo.value)
    assert raised_in_cnn_utils(excinfo), f"raised outside cnn_utils: {excinfo.traceback[-1]}"


def _comparable(control_value, field_value) -> bool:
    """A control can show a field when both are single values (a slider for one
    element of an array field, say one filter's bias, is named after the field
    but shows only a part of it)."""
    single = (str, bool, int, float, np.integer, np.floating)
    return isinstance(control_value, single) and isinstance(field_value, single)


def _field_controls(ex) -> list[str]:
    """Controls named after the state field they set, showing that field's value."""
    fields = {f.name for f in dataclasses.fields(ex.state)}
    return [
        name
        for name, w in ex.controls.items()
        if name in fields
        and hasattr(w, "value")
        and _comparable(w.value, getattr(ex.state, name))
        and _another_value(w) is not None
    ]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name != "monitor"], ids=lambda s: s.name)
def test_moving_a_control_does_what_update_does(spec):
    names = _field_controls(within_time(spec.make))
    assert names, "no control is named after the state field it sets"
    for name in names:
        moved, updated = within_time(spec.make), within_time(spec.make)
        _, _ = moved.widget, updated.widget
        value = _another_value(moved.controls[name])
        within_time(lambda moved=moved, name=name, value=value: _set_control(moved, name, value))
        within_time(lambda updated=updated, name=name, value=value: updated.update(**{name: value}))
        assert not same(getattr(moved.state, name), value), (name, getattr(moved.state, name))
        assert not same(moved.state, updated.state, "state"), same(moved.state, updated.state)
        assert not same(moved.view, updated.view), same(moved.view, updated.view)
        diff = picture_diff(picture(moved), picture(updated))
        assert not diff, f"moving {name!r} to {value!r}: {diff}"


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name != "monitor"], ids=lambda s: s.name)
def test_update_from_a_control_observer_does_not_loop(spec):
    """A user's observer that calls update() again ends, and the widgets agree with the state."""
    ex = within_time(spec.make)
    name = _field_controls(ex)[0]
    widget = ex.controls[name]
    first = _another_value(widget)
    calls = []

    def back_to_start(change, start=widget.value):
        calls.append(change["new"])
        if change["new"] == first:
            ex.update(**{name: start})

    widget.observe(back_to_start, names="value")
    within_time(lambda: _set_control(ex, name, first))
    assert len(calls) <= 4, f"the observer ran {len(calls)} times: {calls[:10]}"
    assert not same(widget.value, getattr(ex.state, name)), (widget.value, getattr(ex.state, name))
    fn = view_function(spec)
    assert not same(ex.view, fn(ex.state)), same(ex.view, fn(ex.state))


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name != "monitor"], ids=lambda s: s.name)
def test_ping_pong_observer_ends_and_leaves_widgets_and_state_agreeing(spec):
    """An observer that answers every change of a control with update() to another value.

    Without a re-entrancy guard the two would call each other until the
    recursion limit; with it, the calls end and the control shows the state.
    """
    ex = within_time(spec.make)
    name = _field_controls(ex)[0]
    widget = ex.controls[name]
    start, other = widget.value, _another_value(widget)
    calls = []

    def ping_pong(change):
        calls.append(change["new"])
        ex.update(**{name: start if change["new"] == other else other})

    widget.observe(ping_pong, names="value")
    within_time(lambda: _set_control(ex, name, other))
    assert len(calls) <= 10, f"the observer ran {len(calls)} times"
    assert not same(widget.value, getattr(ex.state, name)), (widget.value, getattr(ex.state, name))
    fn = view_function(spec)
    assert not same(ex.view, fn(ex.state)), same(ex.view, fn(ex.state))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_static_html_is_html_of_the_current_state(spec):
    ex = within_time(spec.make)
    markup = ex.static_html()
    assert isinstance(markup, str)
    assert "<" in markup
    assert text_of(view_html(ex.view)) in text_of(markup) or view_html(ex.view) in markup


# --------------------------------------------------------------------------- stepper


def correlate_loop(image, kernel, stride, padding):
    """Cross-correlation as the notes write it; 3-D inputs are summed over the channels."""
    x = image if image.ndim == 3 else image[:, :, None]
    k = kernel if kernel.ndim == 3 else kernel[:, :, None]
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    kh, kw, c = k.shape
    out_h = (x.shape[0] - kh) // stride + 1
    out_w = (x.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for ch in range(c):
                for p in range(kh):
                    for q in range(kw):
                        total += x[i * stride + p, j * stride + q, ch] * k[p, q, ch]
            out[i, j] = total
    return out


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("mode", ["correlation", "convolution"])
def test_stepper_numbers_match_a_loop(stride, padding, mode):
    kernel = STEPPER_KERNEL[::-1, ::-1] if mode == "convolution" else STEPPER_KERNEL
    expected = correlate_loop(STEPPER_IMAGE, kernel, stride, padding)
    ex = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL, stride, padding, mode)
    out_w = expected.shape[1]
    for position in range(expected.size):
        view = explorers.stepper_view(dataclasses.replace(ex.state, position=position))
        row, col = divmod(position, out_w)
        assert view.total == pytest.approx(expected[row, col])
        assert tuple(view.out_shape) == expected.shape
        np.testing.assert_allclose(view.output, expected)
    ex.update(position=expected.size - 1)
    total = expected.ravel()[-1]
    assert re.search(rf"(?<![\d.])[-−]?{abs(total):g}(?![\d.])", text_of(ex.view.html))


def test_stepper_sums_over_channels():
    image = RNG.integers(-2, 3, (5, 5, 2)).astype(float)
    kernel = RNG.integers(-1, 2, (3, 3, 2)).astype(float)
    expected = correlate_loop(image, kernel, 1, 0)
    state = cnn_utils.conv_stepper(image, kernel).state
    for position in range(expected.size):
        view = explorers.stepper_view(dataclasses.replace(state, position=position))
        assert view.total == pytest.approx(expected.ravel()[position])


def _predict_controls(ex) -> list[str]:
    names = [n for n in ex.controls if re.search(r"answer|check|reveal|guess", n)]
    assert names, f"no predict control among {sorted(ex.controls)}"
    return names


def test_stepper_predict_controls_hidden_while_predict_mode_is_off():
    ex = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL)
    root = ex.widget
    assert ex.state.predict is False
    for name in _predict_controls(ex):
        assert not shown(ex.controls[name], root), f"{name!r} is on screen with predict mode off"
    ex.update(predict=True)
    for name in _predict_controls(ex):
        assert shown(ex.controls[name], root), f"{name!r} is hidden in predict mode"
    ex.update(predict=False)
    for name in _predict_controls(ex):
        assert not shown(ex.controls[name], root), f"{name!r} stays on screen after predict off"


def test_stepper_predict_controls_follow_the_predict_control():
    ex = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL)
    root = ex.widget
    ex.controls["predict"].value = True
    assert ex.state.predict is True
    assert all(shown(ex.controls[n], root) for n in _predict_controls(ex))
    ex.controls["predict"].value = False
    assert not any(shown(ex.controls[n], root) for n in _predict_controls(ex))


# --------------------------------------------------------------------------- output size


def formula_by_hand(n, f, p, s, d, ceil_mode):
    """The notes' formula written out, with PyTorch's ceil-mode rule; None when nothing fits.

    floor((n + 2p - d(f-1) - 1) / s) + 1, or in ceil mode the same with s - 1
    added before the division, less one when the last window would start past
    the input and its left padding (PyTorch's ``pooling_output_shape``).
    """
    span = n + 2 * p - d * (f - 1) - 1
    if ceil_mode:
        out = (span + s - 1) // s + 1
        if (out - 1) * s >= n + p:
            out -= 1
    else:
        out = span // s + 1
    return out if out >= 1 else None


def test_output_size_view_agrees_with_the_formula():
    cases = 0
    for n in range(1, 13):
        for f in range(1, 6):
            for p in range(0, 3):
                for s in range(1, 4):
                    for d in (1, 2):
                        for ceil_mode in (False, True):
                            if ceil_mode and p > (d * (f - 1) + 1) // 2:
                                continue  # pooling's own limit; the ceil rule is for pooling
                            state = dataclasses.replace(
                                cnn_utils.output_size_explorer().state,
                                n=n, f=f, p=p, s=s, d=d, ceil_mode=ceil_mode,
                            )  # fmt: skip
                            view = explorers.output_size_view(state)
                            expected = formula_by_hand(n, f, p, s, d, ceil_mode)
                            if expected is None:
                                assert not view.fits
                            else:
                                assert view.result == expected, (n, f, p, s, d, ceil_mode)
                                assert len(view.windows) == expected
                            cases += 1
    assert cases > 1000


def test_output_size_picture_shows_the_result():
    ex = cnn_utils.output_size_explorer(11, 3)
    ex.update(p=1, s=2)
    expected = formula_by_hand(11, 3, 1, 2, 1, False)  # floor(10 / 2) + 1 = 6
    assert expected == 6
    assert re.search(r"=\s*6(?!\d)", text_of(ex.static_html()))


# --------------------------------------------------------------------------- pooling


def _pool_windows(h, w, k, s, p, ceil_mode):
    out_h, out_w = (
        formula_by_hand(h, k, p, s, 1, ceil_mode),
        formula_by_hand(w, k, p, s, 1, ceil_mode),
    )
    for i in range(out_h):
        for j in range(out_w):
            rows = [r for r in range(i * s - p, i * s - p + k) if 0 <= r < h]
            cols = [c for c in range(j * s - p, j * s - p + k) if 0 <= c < w]
            yield i, j, rows, cols


def max_pool_loop(x, k, s, p, ceil_mode):
    """Max pooling one window at a time: value, first maximum in reading order, and ties."""
    h, w = x.shape
    out_h, out_w = (
        formula_by_hand(h, k, p, s, 1, ceil_mode),
        formula_by_hand(w, k, p, s, 1, ceil_mode),
    )
    out = np.zeros((out_h, out_w))
    first = np.zeros((out_h, out_w, 2), dtype=int)
    ties = {}
    for i, j, rows, cols in _pool_windows(h, w, k, s, p, ceil_mode):
        best = None
        cells = []
        for r in rows:
            for c in cols:
                cells.append((r, c))
                if best is None or x[r, c] > x[best]:
                    best = (r, c)
        out[i, j] = x[best]
        first[i, j] = best
        ties[(i, j)] = {rc for rc in cells if x[rc] == x[best] and rc != best}
    return out, first, ties


POOL_SETTINGS = [
    (k, s, p, ceil)
    for k in (1, 2, 3)
    for s in (1, 2, 3)
    for p in range(0, k // 2 + 1)
    for ceil in (False, True)
]


POOL_MAPS = {
    "ties": POOL_MAP,
    # all negative: a window that reaches into the padding must still pick a map cell
    "negative": RNG.integers(-4, 0, (5, 7)).astype(float),
}


@pytest.mark.parametrize("map_name", list(POOL_MAPS))
@pytest.mark.parametrize(("k", "s", "p", "ceil_mode"), POOL_SETTINGS)
def test_max_pool_winners_follow_the_first_maximum_rule(k, s, p, ceil_mode, map_name):
    x = POOL_MAPS[map_name]
    expected, first, ties = max_pool_loop(x, k, s, p, ceil_mode)
    base = cnn_utils.pool_explorer(x, "max", k, s, p, ceil_mode).state
    view = explorers.pool_view(base)
    np.testing.assert_array_equal(view.output, expected)
    np.testing.assert_array_equal(np.asarray(view.winners), first)
    for position in range(expected.size):
        v = explorers.pool_view(dataclasses.replace(base, position=position))
        i, j = divmod(position, expected.shape[1])
        assert tuple(v.winner) == tuple(first[i, j])
        assert v.value == expected[i, j]
        if hasattr(v, "ties"):
            shown_ties = {tuple(map(int, rc)) for rc in (v.ties or ())}
            assert shown_ties == ties[(i, j)], (i, j, shown_ties, ties[(i, j)])


@pytest.mark.parametrize(("k", "s"), [(2, 2), (3, 1), (3, 3), (2, 1)])
def test_average_pool_matches_a_loop(k, s):
    h, w = POOL_MAP.shape
    out_h, out_w = (h - k) // s + 1, (w - k) // s + 1
    expected = np.array(
        [
            [POOL_MAP[i * s : i * s + k, j * s : j * s + k].mean() for j in range(out_w)]
            for i in range(out_h)
        ]
    )
    view = cnn_utils.pool_explorer(POOL_MAP, "average", k, s).view
    np.testing.assert_allclose(view.output, expected)


# --------------------------------------------------------------------------- playground


@pytest.mark.parametrize("border", ["constant", "wrap"])
@pytest.mark.parametrize("operation", ["correlate", "convolve"])
def test_playground_output_matches_scipy(border, operation):
    kernel = np.array([[0.0, 1.0, 2.0], [-1.0, 0.5, 1.0], [-2.0, -1.0, 0.0]])
    ex = cnn_utils.kernel_playground(PHOTO, kernel, border=border, operation=operation)
    boundary = {"constant": "fill", "wrap": "wrap"}[border]
    sliding = scipy_signal.correlate2d if operation == "correlate" else scipy_signal.convolve2d
    expected = np.stack(
        [sliding(PHOTO[:, :, c], kernel, mode="same", boundary=boundary) for c in range(3)], axis=2
    )
    np.testing.assert_allclose(ex.view.filtered, expected, atol=1e-12)


def _output_picture(view) -> np.ndarray:
    """The playground's output picture as uint8 (H, W, 3)."""
    rgb = getattr(view, "output_rgb", None)
    if rgb is None:
        import io

        from PIL import Image

        rgb = np.asarray(Image.open(io.BytesIO(view.output_png)).convert("RGB"))
    return np.asarray(rgb)


SUM_ONE = ["identity", "box_blur", "gaussian_blur", "sharpen"]
SUM_ZERO = ["sobel_x", "sobel_y", "edge_detect"]


@pytest.mark.parametrize("preset", SUM_ONE)
def test_playground_shows_a_sum_one_kernel_as_a_natural_image(preset):
    ex = cnn_utils.kernel_playground(PHOTO, preset)
    kernel = np.asarray(ex.state.kernel, dtype=float)
    assert kernel.sum() == pytest.approx(1.0)  # the preset is of the kind named
    expected = np.stack(
        [scipy_signal.correlate2d(PHOTO[:, :, c], kernel, mode="same") for c in range(3)], axis=2
    )
    inner = (slice(3, -3), slice(3, -3))  # away from the border rule
    natural = np.round(np.clip(expected, 0, 1) * 255)[inner]
    shown_rgb = _output_picture(ex.view)[inner].astype(float)
    assert np.abs(shown_rgb - natural).max() <= 1.0, "the output is not the filtered image itself"
    words = text_of(ex.view.html).lower()
    assert "natural" in words, f"the view does not say it shows the natural image: {words[-300:]}"


@pytest.mark.parametrize("preset", SUM_ZERO)
def test_playground_shows_a_zero_sum_kernel_signed(preset):
    ex = cnn_utils.kernel_playground(PHOTO, preset)
    kernel = np.asarray(ex.state.kernel, dtype=float)
    assert kernel.sum() == pytest.approx(0.0)
    filtered = np.asarray(ex.view.filtered)
    gray = filtered.mean(axis=2)
    rgb = _output_picture(ex.view).astype(int)
    # a diverging map: the zero response is the light middle colour, the two signs
    # get two different hues
    near_zero = np.abs(gray) < 0.02 * np.abs(gray).max()
    assert near_zero.any()
    assert rgb[near_zero].min() >= 200
    neg, pos = (
        np.unravel_index(gray.argmin(), gray.shape),
        np.unravel_index(gray.argmax(), gray.shape),
    )
    assert _hue(rgb[neg]) is not None
    assert _hue(rgb[pos]) is not None
    assert abs(_hue(rgb[neg]) - _hue(rgb[pos])) > 60
    words = text_of(ex.view.html).lower()
    assert "signed" in words, f"the view does not say it shows signed values: {words[-300:]}"


def test_playground_display_follows_a_kernel_change():
    ex = cnn_utils.kernel_playground(PHOTO, "box_blur")
    assert "natural" in text_of(ex.view.html).lower()
    ex.update(kernel=np.array([[0.0, 0, 0], [1, 0, -1], [0, 0, 0]]))
    assert "signed" in text_of(ex.view.html).lower()


# --------------------------------------------------------------------------- one negative colour

COLOUR_HUES = {  # degrees on the colour wheel a word may name
    "red": [(340, 360), (0, 15)],
    "orange": [(15, 45)],
    "brown": [(15, 45)],
    "yellow": [(45, 70)],
    "green": [(75, 165)],
    "teal": [(165, 195)],
    "cyan": [(165, 195)],
    "blue": [(185, 255)],
    "purple": [(255, 320)],
    "violet": [(255, 320)],
    "magenta": [(290, 345)],
    "pink": [(290, 345)],
}
_COLOURS = "|".join(COLOUR_HUES)
_NEGATIVE_NAMED = [
    re.compile(
        rf"\bnegatives?\b(?:\s+(?:values?|numbers?|weights?|is|are|in|as|shows?|shown))*"
        rf"\s*(?:=|:)?\s*\b({_COLOURS})\b",
        re.I,
    ),
    re.compile(rf"\b({_COLOURS})\b\s*(?:=|:|for|is|means|shows)?\s*(?:the\s+)?negatives?\b", re.I),
    re.compile(rf"\b({_COLOURS})\b\s*\(\s*negative", re.I),
]


def negative_colour_words(text: str) -> set[str]:
    words = set()
    for pattern in _NEGATIVE_NAMED:
        words |= {m.group(1).lower() for m in pattern.finditer(text)}
    return words


def _hue(rgb) -> float | None:
    r, g, b = (float(v) / 255 for v in rgb[:3])
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return None if s < 0.2 else h * 360


def _named_hue(word: str, rgb) -> bool:
    hue = _hue(rgb)
    return hue is not None and any(lo <= hue <= hi for lo, hi in COLOUR_HUES[word])


def _negative_texts() -> dict[str, str]:
    stepper = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL)
    channels = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    playground = cnn_utils.kernel_playground(PHOTO, "sobel_x")
    return {
        "playground": text_of(playground.static_html()),
        "stepper": text_of(stepper.static_html()),
        "channels": text_of(channels.static_html()),
        "plotting": _plotting_text(),
    }


def _plotting_text() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import cnn_utils.plotting as plotting

    ax = plotting.show_matrix(np.array([[-2.0, 1.0], [0.0, 2.0]]), "kernel", colorbar=True)
    fig = ax.figure
    texts = [plotting.__doc__ or "", plotting.show_matrix.__doc__ or ""]
    for a in fig.axes:
        texts += [a.get_title(), a.get_xlabel(), a.get_ylabel()]
        texts += [t.get_text() for t in a.texts]
    texts += [t.get_text() for t in fig.texts]
    plt.close(fig)
    return "\n".join(texts)


@pytest.fixture(scope="module")
def negative_texts():
    return _negative_texts()


@pytest.mark.parametrize("place", ["playground", "stepper", "channels", "plotting"])
def test_negative_colour_is_named(negative_texts, place):
    words = negative_colour_words(negative_texts[place])
    assert words, f"the {place} does not say which colour shows negative values"


def test_negative_colour_has_one_name_everywhere(negative_texts):
    found = {place: negative_colour_words(text) for place, text in negative_texts.items()}
    names = set().union(*found.values())
    assert len(names) == 1, f"negative values are called {found}"
    import cnn_utils.presentation as presentation
    from cnn_utils.presentation import theme

    palette = theme()
    named = {f.name: getattr(palette, f.name) for f in dataclasses.fields(palette)}
    named |= {k: v for k, v in vars(presentation).items() if k.isupper()}
    for key, value in named.items():
        if "negative" in key.lower() and isinstance(value, str) and value.lower() in COLOUR_HUES:
            assert names == {value.lower()}, f"the palette calls it {value!r}, the texts {names}"


class _Cells(HTMLParser):
    """(background colour, text) of every element whose style sets a background."""

    def __init__(self):
        super().__init__()
        self.stack: list = []
        self.cells: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "hr", "input"):
            return
        style = dict(attrs).get("style") or ""
        m = re.search(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{6}|rgb\([^)]*\))", style)
        self.stack.append([m.group(1) if m else None, ""])

    def handle_endtag(self, tag):
        if tag in ("br", "img", "hr", "input") or not self.stack:
            return
        colour, text = self.stack.pop()
        if colour is not None:
            self.cells.append((colour, text.strip()))
        if self.stack:
            self.stack[-1][1] += text

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][1] += data


def coloured_cells(markup: str) -> list[tuple[tuple[int, int, int], str]]:
    parser = _Cells()
    parser.feed(markup)
    out = []
    for colour, text in parser.cells:
        if colour.startswith("#"):
            rgb = tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
        else:
            rgb = tuple(int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3])
        out.append((rgb, text))
    return out


def _number(text: str) -> float | None:
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


def test_the_named_negative_colour_is_the_drawn_one(negative_texts):
    names = set().union(*(negative_colour_words(t) for t in negative_texts.values()))
    assert names, "no text names the negative colour"
    drawn = {}
    stepper = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL)
    low = float(STEPPER_KERNEL.min())
    cells = [rgb for rgb, text in coloured_cells(stepper.view.html) if _number(text) == low]
    assert cells, "the stepper draws no cell for the kernel's most negative weight"
    drawn["stepper grid"] = cells[0]
    playground = cnn_utils.kernel_playground(PHOTO, "sobel_x")
    gray = np.asarray(playground.view.filtered).mean(axis=2)
    drawn["playground picture"] = _output_picture(playground.view)[
        np.unravel_index(gray.argmin(), gray.shape)
    ]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import cnn_utils.plotting as plotting

    ax = plotting.show_matrix(np.array([[-2.0, 1.0], [0.0, 2.0]]), "kernel")
    image = ax.images[0]
    drawn["plotting figure"] = tuple(int(round(255 * v)) for v in image.cmap(image.norm(-2.0))[:3])
    plt.close(ax.figure)
    for word in names:
        wrong = {where: rgb for where, rgb in drawn.items() if not _named_hue(word, rgb)}
        assert not wrong, (
            f"called {word!r}, but drawn as {wrong} (hues {[_hue(c) for c in wrong.values()]})"
        )


# --------------------------------------------------------------------------- channels


def _channel_colours(image, on=(True, True, True)) -> set:
    filters = np.ones((3, 3, 3, 1))  # all weights positive: no negative colour anywhere
    ex = cnn_utils.channels_explorer(image, filters, 0.0)
    ex.update(channels_on=tuple(on))
    return {rgb for rgb, _ in coloured_cells(ex.view.html)}


def _one_channel_image(c: int) -> np.ndarray:
    image = np.zeros((6, 6, 3))
    image[:, :, c] = np.arange(1, 37).reshape(6, 6) / 36
    return image


def test_channel_grids_are_tinted_each_in_its_own_colour():
    colours = [_channel_colours(_one_channel_image(c)) for c in range(3)]
    ranges = {0: [(330, 360), (0, 40)], 1: [(70, 170)], 2: [(180, 260)]}
    names = ("red", "green", "blue")
    for c in range(3):
        own = colours[c] - colours[(c + 1) % 3] - colours[(c + 2) % 3]
        hues = [_hue(rgb) for rgb in own if _hue(rgb) is not None]
        assert hues, f"the {names[c]} channel's grid has no colour of its own"
        share = np.mean([any(lo <= h <= hi for lo, hi in ranges[c]) for h in hues])
        assert share >= 0.8, f"the {names[c]} channel is tinted with hues {sorted(hues)[:8]}"


def test_switched_off_channel_is_greyed():
    on = _channel_colours(_one_channel_image(1), (True, True, True))
    off = _channel_colours(_one_channel_image(1), (True, False, True))
    green = [rgb for rgb in off if (h := _hue(rgb)) is not None and 70 <= h <= 170]
    assert not green, f"the green channel is off but still tinted: {green[:5]}"
    greys = [
        rgb
        for rgb in off - on
        if _hue(rgb) is None and max(rgb) - min(rgb) <= 12 and max(rgb) < 235
    ]
    assert len(greys) >= 5, f"no grey cells appear when the channel is off: {sorted(off - on)[:8]}"


def test_channels_numbers_match_scipy():
    ex = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    for f in range(CHANNEL_FILTERS.shape[3]):
        for row, col in [(0, 0), (2, 3), (3, 1)]:
            ex.update(selected=f, row=row, col=col)
            parts = [
                scipy_signal.correlate2d(
                    CHANNEL_IMAGE[:, :, c], CHANNEL_FILTERS[:, :, c, f], "valid"
                )
                for c in range(3)
            ]
            np.testing.assert_allclose(ex.view.contributions, np.stack(parts))
            activation = sum(parts) + CHANNEL_BIAS[f]
            np.testing.assert_allclose(ex.view.activation, activation)
            np.testing.assert_allclose(ex.view.stack[:, :, f], activation)
            assert ex.view.value == pytest.approx(activation[row, col])
            assert tuple(ex.view.terms) == pytest.approx([p[row, col] for p in parts])


def test_channels_off_channel_contributes_nothing():
    ex = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    ex.update(channels_on=(True, False, True), row=1, col=1)
    parts = [
        scipy_signal.correlate2d(CHANNEL_IMAGE[:, :, c], CHANNEL_FILTERS[:, :, c, 0], "valid")
        for c in (0, 2)
    ]
    assert ex.view.value == pytest.approx((sum(parts) + CHANNEL_BIAS[0])[1, 1])


# --------------------------------------------------------------------------- monitor


def test_monitor_view_shows_the_fed_numbers():
    ex = cnn_utils.training_monitor()
    history = _monitor_history(4)
    ex.update(**history)
    words = text_of(ex.view.html)
    assert "4 epochs" in words or "epoch 4" in words, words
    numbers = [float(v) for v in re.findall(r"\d+\.\d+", words)]
    assert any(abs(v - history["loss"][-1]) < 1e-3 for v in numbers), words
    assert any(abs(v - history["val_loss"][-1]) < 1e-3 for v in numbers), words


# ------------------------------------------------------ controls not named after a field


def _control(ex, *words):
    """The control whose name contains one of ``words`` (first match)."""
    for word in words:
        for name, widget in ex.controls.items():
            if word in name:
                return widget
    pytest.fail(f"no control named like {words} among {sorted(ex.controls)}")


def test_stepper_step_buttons_move_the_position():
    ex = cnn_utils.conv_stepper(STEPPER_IMAGE, STEPPER_KERNEL)
    forward, back = _control(ex, "forward", "next", "step"), _control(ex, "back", "prev")
    within_time(forward.click)
    within_time(forward.click)
    assert ex.state.position == 2
    within_time(back.click)
    assert ex.state.position == 1
    expected = correlate_loop(STEPPER_IMAGE, STEPPER_KERNEL, 1, 0)
    assert ex.view.total == pytest.approx(expected[0, 1])


def test_channel_switch_controls_set_channels_on():
    moved = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    updated = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    _, _ = moved.widget, updated.widget
    switch = _control(moved, "green", "channel_1", "G")
    within_time(lambda: setattr(switch, "value", not switch.value))
    within_time(lambda: updated.update(channels_on=(True, False, True)))
    assert tuple(moved.state.channels_on) == (True, False, True)
    assert not same(moved.view, updated.view), same(moved.view, updated.view)
    diff = picture_diff(picture(moved), picture(updated))
    assert not diff, diff


def test_bias_control_sets_the_selected_filters_bias():
    ex = cnn_utils.channels_explorer(CHANNEL_IMAGE, CHANNEL_FILTERS, CHANNEL_BIAS)
    ex.update(selected=1)
    bias = _control(ex, "bias")
    within_time(lambda: setattr(bias, "value", 2.0))
    np.testing.assert_allclose(ex.state.bias, [CHANNEL_BIAS[0], 2.0])
    parts = [
        scipy_signal.correlate2d(CHANNEL_IMAGE[:, :, c], CHANNEL_FILTERS[:, :, c, 1], "valid")
        for c in range(3)
    ]
    np.testing.assert_allclose(ex.view.activation, sum(parts) + 2.0)


def test_number_of_filters_control_resizes_filters_and_bias_together():
    ex = cnn_utils.channels_explorer()
    count = _control(ex, "num_filters", "filters")
    within_time(lambda: setattr(count, "value", 3))
    assert ex.state.filters.shape[3] == 3
    assert np.asarray(ex.state.bias).shape == (3,)
    assert ex.view.stack.shape[2] == 3


class _Tables(HTMLParser):
    """Every <table> as rows of (style, text) cells."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[tuple[str, str]]]] = []
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = [dict(attrs).get("style") or "", ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append((self._cell[0], self._cell[1].strip()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data


def underlined_cells(markup: str) -> set[tuple[int, int]]:
    """(row, column) labels of the underlined cells of the largest numbered grid."""
    parser = _Tables()
    parser.feed(markup)
    grid = max(parser.tables, key=lambda t: sum(len(r) for r in t))
    columns = [_number(text) for _, text in grid[0][1:]]
    marked = set()
    for row in grid[1:]:
        label = _number(row[0][1])
        for (style, _), col in zip(row[1:], columns, strict=False):
            if "underline" in style.replace(" ", ""):
                marked.add((int(label), int(col)))
    return marked


@pytest.mark.parametrize("map_name", list(POOL_MAPS))
@pytest.mark.parametrize(("k", "s", "p", "ceil_mode"), [(2, 2, 0, False), (3, 1, 1, True)])
def test_pool_picture_underlines_the_winners_and_no_other_tie(k, s, p, ceil_mode, map_name):
    x = POOL_MAPS[map_name]
    _, first, ties = max_pool_loop(x, k, s, p, ceil_mode)
    winners = {tuple(int(v) for v in rc) for rc in first.reshape(-1, 2)}
    losing_ties = set().union(*ties.values()) - winners
    view = cnn_utils.pool_explorer(x, "max", k, s, p, ceil_mode).view
    marked = underlined_cells(view.html)
    assert marked == winners, f"underlined {sorted(marked)}, winners {sorted(winners)}"
    assert not marked & losing_ties
    if map_name == "ties" and (k, s, p) == (2, 2, 0):
        assert losing_ties, "the test map must hold a tie that loses, or this proves less"


# --------------------------------------------------------------------------- whole-word labels


ENDINGS = {"s", "es", "d", "ed", "n", "en", "er", "ers", "ing", "ly", "y"}  # box/boxes, show/shown


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text or "")}


def _label_texts(widget) -> list[str]:
    texts = [getattr(widget, "description", "") or ""]
    labels = getattr(widget, "_options_labels", None) or ()  # ipywidgets' option labels
    return texts + [str(label) for label in labels]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_control_labels_are_not_cut_short_in_the_code(spec):
    """A label shortened to fit ("operati" for "operation") is a cut-off label too.

    A word of a label is cut short when it is not a word of the explorer's own
    documentation or view, while a longer word there starts with it.
    """
    import inspect

    ex = within_time(spec.make)
    module = inspect.getmodule(type(ex))
    docs = [
        module.__doc__,
        type(ex).__doc__,
        type(ex.state).__doc__,
        view_function(spec).__doc__,
        text_of(view_html(ex.view)),
        " ".join(f.name.replace("_", " ") for f in dataclasses.fields(ex.state)),
        " ".join(name.replace("_", " ") for name in ex.controls),
    ]
    vocabulary = set().union(*(_words(d) for d in docs if d))
    short = []
    for name, widget in ex.controls.items():
        for text in _label_texts(widget):
            for word in _words(text) - vocabulary:
                longer = sorted(
                    v
                    for v in vocabulary
                    if len(v) > len(word) and v.startswith(word) and v[len(word) :] not in ENDINGS
                )
                if len(word) >= 3 and longer:
                    short.append(f"{name}: {text!r} ({word!r}, cut from {longer[0]!r}?)")
    assert not short, "labels cut short: " + "; ".join(short)


# --------------------------------------------------------------------------- presenter mode


def _font_sizes(markup: str) -> list[float]:
    return [float(v) for v in re.findall(r"font-size:\s*([\d.]+)px", markup)]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_presenter_mode_enlarges_the_text(spec):
    """Fitting the screen must not undo presenter mode: its text stays larger than normal."""
    from cnn_utils.presentation import presenter

    try:
        presenter(False)
        normal = _font_sizes(within_time(spec.make).static_html())
        presenter(True)
        large = _font_sizes(within_time(spec.make).static_html())
    finally:
        presenter(False)
    assert normal, "the picture sets no font size"
    assert large, "the picture sets no font size in presenter mode"
    assert min(large) > min(normal), (sorted(set(normal)), sorted(set(large)))
    assert np.median(large) > np.median(normal), (sorted(set(normal)), sorted(set(large)))
