"""Output-size explorer: formula, result and coverage strip, checked against a plain loop.

The loop slides a window along one padded axis the way the notes draw it:
start at the first padded cell, step by the stride while the (dilated) kernel
still fits, and record which cells each window's taps land on.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_utils.explorers.output_size import (
    D_RANGE,
    F_RANGE,
    N_RANGE,
    P_RANGE,
    S_RANGE,
    OutputSizeState,
    output_size_explorer,
    output_size_view,
)


def shown(e) -> tuple:
    """The view widget's two parts: the typeset formula and the strip below it."""
    (view,) = [w for w in e.widget.children if "cnn-explorer-view" in w._dom_classes]
    formula, body = view.children
    return formula, body


def loop_windows(n, f, p, s, d=1):
    """Windows (as lists of input indices, padding negative or >= n) that fit in n + 2p."""
    eff = d * (f - 1) + 1
    windows = []
    start = -p
    while start + eff <= n + p:
        windows.append([start + t * d for t in range(f)])
        start += s
    return windows


def text_of(html_string):
    return re.sub(r"<[^>]+>", " ", html_string)


# --- the pure view -----------------------------------------------------------------------


def test_n7_f3_s2_shows_substituted_formula_and_result_3():
    expected = len(loop_windows(7, 3, 0, 2))
    assert expected == 3
    view = output_size_view(OutputSizeState(n=7, f=3, s=2))
    assert view.result == expected
    text = text_of(view.html)
    assert "⌊(7 + 0 + 0 − 3) / 2⌋ + 1" in text
    assert f"= {expected}" in view.formula_text
    assert r"\frac{7 + 0 + 0 - 3}{2}" in view.latex
    assert view.latex.endswith(f"= {expected}")
    assert view.dropped == ()


def test_n8_f3_s2_drops_the_last_input_cell():
    windows = loop_windows(8, 3, 0, 2)
    covered = {i for w in windows for i in w}
    expected_dropped = tuple(i for i in range(8) if i > max(covered))
    assert expected_dropped == (7,)
    view = output_size_view(OutputSizeState(n=8, f=3, s=2))
    assert view.result == len(windows) == 3
    assert view.dropped == expected_dropped
    assert view.dropped_input == expected_dropped
    text = text_of(view.html)
    assert "never covered" in text
    assert "index 7" in text
    assert "✗" in view.body_html
    assert "never used" in view.body_html


def test_windows_of_the_notes_7x7_examples():
    # seed 004: a 7x7 input and a 3x3 kernel give 5x5 at stride 1 and 3x3 at stride 2
    for s, size in ((1, 5), (2, 3)):
        view = output_size_view(OutputSizeState(n=7, f=3, s=s))
        assert view.result == size
        assert [list(w) for w in view.windows] == loop_windows(7, 3, 0, s)


def test_same_padding_keeps_the_size_and_marks_padding():
    view = output_size_view(OutputSizeState(n=5, f=3, p=1))
    assert view.result == 5
    assert view.positions == tuple(range(-1, 6))
    assert "zero padding" in view.body_html


def test_stride_larger_than_kernel_skips_cells_between_windows():
    windows = loop_windows(10, 2, 0, 3)
    covered = {i for w in windows for i in w}
    last = max(covered)
    view = output_size_view(OutputSizeState(n=10, f=2, s=3))
    assert view.skipped == tuple(i for i in range(last) if i not in covered) == (2, 5)
    assert view.dropped == tuple(range(last + 1, 10)) == (8, 9)


def test_dilation_with_stride_2_never_uses_the_even_inputs():
    windows = loop_windows(7, 3, 1, 2, d=2)
    covered = {i for w in windows for i in w}
    view = output_size_view(OutputSizeState(n=7, f=3, p=1, s=2, d=2))
    assert [list(w) for w in view.windows] == windows
    assert view.skipped == tuple(i for i in range(-1, 8) if i not in covered)
    assert view.skipped == (0, 2, 4, 6)
    assert "2(3 − 1) − 1" in view.formula_text


def test_ceil_mode_keeps_a_partial_window_and_shows_the_overhang():
    floor = output_size_view(OutputSizeState(n=5, f=2, s=2))
    ceil = output_size_view(OutputSizeState(n=5, f=2, s=2, ceil_mode=True))
    assert floor.result == 2
    assert floor.dropped == (4,)
    assert ceil.result == math.ceil((5 - 2) / 2) + 1 == 3
    assert ceil.beyond == (5,)
    assert ceil.dropped == ()
    assert "⌈" in ceil.formula_text
    assert "hangs past the padding" in ceil.body_html


@pytest.mark.parametrize(("n", "f", "p", "d"), [(5, 9, 0, 1), (5, 3, 0, 3), (1, 4, 1, 1)])
def test_kernel_that_does_not_fit_gives_a_message(n, f, p, d):
    view = output_size_view(OutputSizeState(n=n, f=f, p=p, d=d))
    assert not view.fits
    assert view.result is None
    assert "does not fit" in view.message
    assert "No output" in view.html
    assert view.windows == ()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n": 0}, ValueError),
        ({"f": 1.5}, TypeError),
        ({"p": -1}, ValueError),
        ({"s": 0}, ValueError),
        ({"d": True}, TypeError),
        ({"ceil_mode": "yes"}, TypeError),
    ],
)
def test_bad_state_raises(kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=name):
        OutputSizeState(**kwargs)


def test_explorer_rejects_values_outside_the_sliders():
    with pytest.raises(ValueError, match="n must be from 1 to 32, got 40"):
        output_size_explorer(n=40)


@given(
    n=st.integers(*N_RANGE),
    f=st.integers(*F_RANGE),
    p=st.integers(*P_RANGE),
    s=st.integers(*S_RANGE),
    d=st.integers(*D_RANGE),
)
def test_floor_mode_agrees_with_the_loop_everywhere(n, f, p, s, d):
    view = output_size_view(OutputSizeState(n, f, p, s, d))
    windows = loop_windows(n, f, p, s, d)
    if not windows:
        assert not view.fits
        return
    assert view.result == len(windows)
    assert [list(w) for w in view.windows] == windows
    covered = {i for w in windows for i in w}
    last = (len(windows) - 1) * s - p + d * (f - 1)
    assert view.dropped == tuple(range(last + 1, n + p))
    # every cell of the padded axis is covered, skipped or dropped, exactly once
    groups = [covered, set(view.skipped), set(view.dropped)]
    assert sorted(i for g in groups for i in g) == list(range(-p, n + p))


@given(
    n=st.integers(*N_RANGE),
    f=st.integers(*F_RANGE),
    p=st.integers(*P_RANGE),
    s=st.integers(*S_RANGE),
    d=st.integers(*D_RANGE),
)
def test_ceil_mode_follows_the_pytorch_rule(n, f, p, s, d):
    eff = d * (f - 1) + 1
    view = output_size_view(OutputSizeState(n, f, p, s, d, ceil_mode=True))
    # PyTorch's pooling_output_shape: ceil mode adds stride - 1 before dividing, so one
    # window may overhang the padded input by up to stride - 1 cells
    if eff > n + 2 * p + s - 1:
        assert not view.fits
        return
    starts = [k * s for k in range(math.ceil((n + 2 * p - eff) / s) + 1)]
    floor_count = (n + 2 * p - eff) // s + 1 if eff <= n + 2 * p else 0
    # ...then drops the last window if it would start in the right padding. Within
    # PyTorch's own limit (padding <= half the kernel) that window is always one that
    # ceil mode added; for larger paddings cnn_utils keeps that reading, so ceil mode
    # never gives fewer windows than floor mode.
    if len(starts) > floor_count and starts[-1] >= n + p:
        starts.pop()
    assert view.result == len(starts)
    assert all(i >= n + p for i in view.beyond)


# --- widget ---------------------------------------------------------------------------------


def test_sliders_update_formula_and_strip():
    e = output_size_explorer(n=7, f=3)
    c = e.controls
    c["s"].value = 2
    assert r"\frac{7 + 0 + 0 - 3}{2}" in shown(e)[0].value
    assert shown(e)[0].value.rstrip("$").endswith("= 3")
    body_before = shown(e)[1].value
    c["n"].value = 8
    assert shown(e)[1].value != body_before
    assert "✗" in shown(e)[1].value
    c["ceil_mode"].value = True
    assert r"\left\lceil" in shown(e)[0].value
    c["d"].value = 4  # covers 9 > 8: ceil mode keeps one window overhanging by 1 < s
    assert e.view.fits
    assert e.view.result == 1
    c["s"].value = 1  # no overhang allowed at stride 1: no output
    assert "No output" in shown(e)[0].value
    assert not e.view.fits
    c["p"].value = 1
    assert e.view.fits


@given(
    n=st.integers(*N_RANGE),
    f=st.integers(*F_RANGE),
    p=st.integers(*P_RANGE),
    s=st.integers(*S_RANGE),
    d=st.integers(*D_RANGE),
    ceil=st.booleans(),
)
def test_any_slider_combination_renders(n, f, p, s, d, ceil):
    e = output_size_explorer()
    c = e.controls
    for name, value in (("n", n), ("f", f), ("p", p), ("s", s), ("d", d), ("ceil_mode", ceil)):
        c[name].value = value
    assert shown(e)[1].value == output_size_view(OutputSizeState(n, f, p, s, d, ceil)).body_html


def test_two_explorers_are_independent_and_callbacks_do_not_stack():
    a, b = output_size_explorer(), output_size_explorer()
    before = shown(b)[1].value
    a.controls["s"].value = 3
    assert shown(b)[1].value == before
    _ = a.widget  # asking again builds nothing new: the state follows the control once
    a.controls["n"].value = 9
    assert a.state.n == 9
    assert b.state.n == 7


def test_mimebundle_has_widget_deterministic_html_and_short_text():
    a, b = output_size_explorer(n=8, f=3, s=2), output_size_explorer(n=8, f=3, s=2)
    bundle = a._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == b._repr_mimebundle_()["text/html"]
    assert "⌊(8 + 0 + 0 − 3) / 2⌋ + 1" in bundle["text/html"]
    assert len(bundle["text/plain"]) < 100


def test_widget_formula_typesets_the_intermediate_steps():
    e = output_size_explorer(n=8, f=3, s=2)
    value = shown(e)[0].value
    assert "output = ⌊(n + 2p − f) / s⌋ + 1" in value
    span = 8 - 3
    assert rf"\frac{{{span}}}{{2}}" in value
    assert value.endswith(f"= {span // 2} + 1 = {span // 2 + 1}$$")
