"""Output-size explorer: ``floor((n + 2p - f) / s) + 1``, and what an unfitting stride drops.

Sliders for the input size ``n``, kernel size ``f``, padding ``p`` (each
side), stride ``s`` and dilation ``d`` (and ceil mode, as pooling uses it).
The view writes the formula with the numbers substituted and the result
(from :func:`cnn_utils.explain_output_size`), and draws one axis of the
input as a strip: one row per output position showing the input cells its
window covers (the number is the kernel tap that lands there), the padding
cells, the cells skipped between dilated taps or between windows, and the
cells dropped at the end when the stride does not fit. A kernel that does
not fit gives a message, not an exception.

Layers: :class:`OutputSizeState` -> :func:`output_size_view` (pure) ->
:class:`OutputSizeView`; :class:`OutputSizeExplorer`, made by
:func:`output_size_explorer`, wires the sliders to it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_int
from ..presentation import theme
from ..shapes import OutputSizeExplanation, explain_output_size
from ._base import Explorer, checkbox, column, slider

N_RANGE = (1, 32)
F_RANGE = (1, 11)
P_RANGE = (0, 5)
S_RANGE = (1, 6)
D_RANGE = (1, 4)
_RANGES = {"n": N_RANGE, "f": F_RANGE, "p": P_RANGE, "s": S_RANGE, "d": D_RANGE}
# what a state may hold (the strip has one column per cell, so it stays small)
_LIMITS = {"n": (1, 64), "f": (1, 64), "p": (0, 32), "s": (1, 64), "d": (1, 16)}

# what a strip cell can be (the legend explains each)
COVERED, GAP, PAD, INPUT, DROPPED, SKIPPED, BEYOND = (
    "covered",
    "gap",
    "pad",
    "input",
    "dropped",
    "skipped",
    "beyond",
)


@dataclass(frozen=True)
class OutputSizeState:
    """The explorer's controls along one axis.

    Parameters
    ----------
    n : int
        Input size (at least 1).
    f : int
        Kernel (window) size (at least 1).
    p : int
        Zero padding on each side (at least 0).
    s : int
        Stride (at least 1).
    d : int
        Dilation (at least 1); the kernel covers ``d*(f-1)+1`` cells.
    ceil_mode : bool
        Round the number of steps up (pooling's ceil mode) instead of down.

    Raises
    ------
    TypeError, ValueError
        Non-integer sizes, sizes below their minimum, or above the explorer's
        limits (n and f at most 64, p at most 32, s at most 64, d at most 16).
    """

    n: int = 7
    f: int = 3
    p: int = 0
    s: int = 1
    d: int = 1
    ceil_mode: bool = False

    def __post_init__(self):
        for name, (low, high) in _LIMITS.items():
            value = check_int(getattr(self, name), name, low)
            if value > high:
                raise ValueError(f"{name} must be at most {high} in the explorer, got {value}")
            object.__setattr__(self, name, value)
        if not isinstance(self.ceil_mode, (bool, np.bool_)):
            raise TypeError(f"ceil_mode must be True or False, got {self.ceil_mode!r}")
        object.__setattr__(self, "ceil_mode", bool(self.ceil_mode))


@dataclass(frozen=True)
class OutputSizeView:
    """Numbers and picture for one setting of the sliders.

    Attributes
    ----------
    fits : bool
        False when the (dilated) kernel is larger than the padded input;
        ``message`` then says so and ``result`` is None.
    result : int or None
        The output size.
    explanation : OutputSizeExplanation or None
        From :func:`cnn_utils.explain_output_size`.
    formula_text, latex : str
        The formula with the numbers substituted (plain text with ⌊ ⌋, and
        LaTeX as :meth:`OutputSizeExplanation.latex` writes it).
    latex_chain : str
        The LaTeX with the intermediate steps (``... = ⌊5/2⌋ + 1 = 2 + 1 = 3``),
        as the widget typesets it.
    positions : tuple of int
        The strip's columns: input indices from ``-p`` (padding is negative or
        ``>= n``) to the last cell any window reaches.
    windows : tuple of tuple of int
        For each output position, the input indices its kernel taps land on.
    dropped : tuple of int
        Indices after the last window that no window covers (the stride does not fit).
    skipped : tuple of int
        Indices before that which no tap lands on (a stride larger than the
        window, or dilation gaps that no later window fills).
    beyond : tuple of int
        Indices past the padding that a ceil-mode window hangs over.
    """

    state: OutputSizeState
    fits: bool
    message: str | None
    result: int | None
    explanation: OutputSizeExplanation | None
    formula_text: str
    latex: str
    latex_chain: str
    steps: tuple[str, ...]
    positions: tuple[int, ...]
    windows: tuple[tuple[int, ...], ...]
    dropped: tuple[int, ...]
    skipped: tuple[int, ...]
    beyond: tuple[int, ...]
    formula_html: str = field(repr=False)
    body_html: str = field(repr=False)
    legend_html: str = field(default="", repr=False)

    @property
    def html(self) -> str:
        """Formula (plain text) and the strip: the whole static picture."""
        return self.formula_html + self.body_html + self.legend_html

    @property
    def dropped_input(self) -> tuple[int, ...]:
        """The dropped cells that are real input (not padding)."""
        return tuple(i for i in self.dropped if 0 <= i < self.state.n)


def _symbolic(state: OutputSizeState) -> str:
    kern = "d(f − 1) − 1" if state.d > 1 else "f"
    bracket = ("⌈", "⌉") if state.ceil_mode else ("⌊", "⌋")
    return f"output = {bracket[0]}(n + 2p − {kern}) / s{bracket[1]} + 1"


def _substituted(e: OutputSizeExplanation) -> str:
    p0, p1 = e.padding
    kern = f"{e.dilation}({e.kernel_size} − 1) − 1" if e.dilation > 1 else f"{e.kernel_size}"
    lo, hi = ("⌈", "⌉") if e.ceil_mode else ("⌊", "⌋")
    steps = -(-e.span // e.stride) if e.ceil_mode else e.span // e.stride
    text = (
        f"{lo}({e.n} + {p0} + {p1} − {kern}) / {e.stride}{hi} + 1 = "
        f"{lo}{e.span} / {e.stride}{hi} + 1 = {steps} + 1 = {steps + 1}"
    )
    if e.dropped_window:
        text += f"; the last window would start in the padding, so {e.result}"
    return text


def _latex_chain(e: OutputSizeExplanation) -> str:
    lo, hi = (
        (r"\left\lceil", r"\right\rceil") if e.ceil_mode else (r"\left\lfloor", r"\right\rfloor")
    )
    steps = -(-e.span // e.stride) if e.ceil_mode else e.span // e.stride
    head = e.latex().rsplit("=", 1)[0].rstrip()
    chain = f"{head} = {lo} \\frac{{{e.span}}}{{{e.stride}}} {hi} + 1 = {steps} + 1 = {steps + 1}"
    if e.dropped_window:
        chain += r"\;\to\; " + str(e.result)
    return chain


def _classify(state: OutputSizeState, e: OutputSizeExplanation | None):
    n, p = state.n, state.p
    eff = state.d * (state.f - 1) + 1
    if e is None:
        return tuple(range(-p, n + p)), (), (), (), ()
    windows = tuple(
        tuple(k * state.s - p + t * state.d for t in range(state.f)) for k in range(e.result)
    )
    last_end = (e.result - 1) * state.s - p + eff - 1  # last index any window reaches
    positions = tuple(range(-p, max(n + p, last_end + 1)))
    touched = {i for w in windows for i in w}
    dropped = tuple(i for i in range(last_end + 1, n + p))
    # before the end: cells no tap lands on (between windows, or dilation gaps never filled)
    skipped = tuple(i for i in range(-p, min(last_end + 1, n + p)) if i not in touched)
    beyond = tuple(i for i in positions if i >= n + p)
    return positions, windows, dropped, skipped, beyond


def _strip_html(state: OutputSizeState, view_parts) -> str:
    """One axis of the input: a header, the input row, a row per output position, the unused."""
    positions, windows, dropped, skipped, beyond = view_parts
    t = theme()
    n, p = state.n, state.p
    cell = max(int(round(t.cell_px * 0.7)), 20)
    font = max(t.font_px - 2, 10)
    base = (
        f"width:{cell}px;min-width:{cell}px;height:{cell}px;text-align:center;"
        f"vertical-align:middle;padding:0;font-size:{font}px;font-family:monospace;"
        f"border:1px solid {t.grid};"
    )
    label_style = (
        f"font-size:{font}px;padding:0 6px;text-align:right;white-space:nowrap;border:none;"
    )
    styles = {
        COVERED: f"background:{t.highlight};color:#ffffff;font-weight:bold;",
        GAP: "background:#eeeeee;color:#777777;",
        PAD: "background:#f4f4f4;color:#777777;font-style:italic;",
        INPUT: "background:#ffffff;",
        DROPPED: (
            "background:repeating-linear-gradient(45deg,#dddddd,#dddddd 4px,#ffffff 4px,"
            "#ffffff 8px);color:#111111;font-weight:bold;"
        ),
        SKIPPED: "background:#fff3d6;color:#111111;",
        BEYOND: f"background:#ffffff;border:1px dashed {t.grid};color:#999999;",
        "blank": "border:none;",
    }

    def kind_of(i: int) -> str:
        if i >= n + p:
            return BEYOND
        return PAD if (i < 0 or i >= n) else INPUT

    def td(kind: str, text: str = "", title: str = "") -> str:
        tip = f' title="{html.escape(title)}"' if title else ""
        return f'<td style="{base}{styles[kind]}"{tip}>{html.escape(text)}</td>'

    rows = ['<tr><td style="' + label_style + '">index</td>']
    rows += [f'<td style="{base}border:none;color:#666666;">{i}</td>' for i in positions]
    rows.append("</tr>")
    rows.append(f'<tr><td style="{label_style}">input</td>')
    for i in positions:
        kind = kind_of(i)
        text = {PAD: "0", INPUT: "", BEYOND: "·"}[kind]
        rows.append(td(kind, text, {PAD: "zero padding", INPUT: "input cell"}.get(kind, "")))
    rows.append("</tr>")
    eff = state.d * (state.f - 1) + 1
    for k, taps in enumerate(windows):
        start = taps[0]
        rows.append(f'<tr><td style="{label_style}">output {k}</td>')
        for i in positions:
            if i in taps:
                tap = taps.index(i)
                rows.append(td(COVERED, str(tap), f"kernel tap {tap} on input {i}"))
            elif start <= i < start + eff:
                rows.append(td(GAP, "·", "between dilated taps"))
            else:
                rows.append(td("blank"))
        rows.append("</tr>")
    if dropped or skipped:
        rows.append(f'<tr><td style="{label_style}">never used</td>')
        for i in positions:
            if i in dropped:
                rows.append(td(DROPPED, "✗", "dropped: the stride does not fit"))
            elif i in skipped:
                rows.append(td(SKIPPED, "–", "skipped: no kernel tap lands here"))
            else:
                rows.append(td("blank"))
        rows.append("</tr>")
    table = (
        '<table style="border-collapse:collapse;margin:4px 0;line-height:1.1;">'
        + "".join(rows)
        + "</table>"
    )
    return f'<div style="overflow-x:auto;max-width:100%;">{table}</div>'


def _legend(t) -> str:
    items = [
        "numbers: which kernel tap (0 to f − 1) lands on the cell",
        "0 in grey: zero padding",
        "· : between dilated taps (or past the padding, in ceil mode)",
        "– : skipped, no tap lands there",
        "✗ : dropped at the end, the stride does not fit",
    ]
    return (
        f'<div style="font-size:{max(t.font_px - 2, 10)}px;color:#555555;">'
        + " · ".join(html.escape(i) for i in items)
        + "</div>"
    )


def output_size_view(state: OutputSizeState) -> OutputSizeView:
    """The formula, the result and the coverage strip for one setting.

    Parameters
    ----------
    state : OutputSizeState

    Returns
    -------
    OutputSizeView
        ``fits`` is False (with a ``message``) when the kernel does not fit;
        no exception is raised for any valid state.

    Examples
    --------
    >>> v = output_size_view(OutputSizeState(n=7, f=3, s=2))
    >>> v.result, v.formula_text
    (3, '⌊(7 + 0 + 0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 2 + 1 = 3')
    >>> output_size_view(OutputSizeState(n=8, f=3, s=2)).dropped
    (7,)
    """
    t = theme()
    text_style = f"font-size:{t.font_px}px;color:{t.text};margin:4px 0;line-height:1.3;"
    try:
        e = explain_output_size(state.n, state.f, state.s, state.p, state.d, state.ceil_mode)
    except ValueError as err:
        e, message = None, str(err)
    else:
        message = None
    parts = _classify(state, e)
    positions, windows, dropped, skipped, beyond = parts
    symbolic = _symbolic(state)
    if e is None:
        formula_text = "no output"
        latex = latex_chain = ""
        steps: tuple[str, ...] = ()
        head = (
            f'<div style="{text_style}">{html.escape(symbolic)}</div>'
            f'<div style="{text_style}font-weight:bold;">'
            f"No output: {html.escape(message)}</div>"
        )
        summary = ""
    else:
        formula_text = _substituted(e)
        latex = e.latex()
        latex_chain = _latex_chain(e)
        steps = tuple(e.steps())
        head = (
            f'<div style="{text_style}">{html.escape(symbolic)}</div>'
            f'<div style="{text_style}font-weight:bold;font-family:monospace;">'
            f"{html.escape(formula_text)}</div>"
        )
        lines = [
            f"{e.result} output positions along this axis; in 2-D the same holds along rows "
            f"and columns: {state.n}×{state.n} in, {e.result}×{e.result} out."
        ]
        lost_input = [i for i in dropped if 0 <= i < state.n]
        if dropped:
            which = ", ".join(str(i) for i in dropped)
            if not lost_input:
                real = " (padding only: no input is lost)"
            elif len(lost_input) < len(dropped):
                real = f" ({len(lost_input)} of them real input)"
            else:
                real = " (real input)"
            lines.append(
                f"The stride does not fit: the last {len(dropped)} cell(s), index {which}"
                f"{real}, are never covered."
            )
        else:
            lines.append("No cell is dropped at the end: the windows reach the last cell.")
        if skipped:
            lines.append(
                "Skipped between windows or taps: index " + ", ".join(str(i) for i in skipped) + "."
            )
        if beyond:
            lines.append(
                "Ceil mode: the last window hangs past the padding (index "
                + ", ".join(str(i) for i in beyond)
                + "); pooling ignores those cells."
            )
        summary = "".join(f'<div style="{text_style}">{html.escape(x)}</div>' for x in lines)
    steps_html = ""
    if steps:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in steps)
        steps_html = f'<ul style="{text_style}margin-left:0;">{items}</ul>'
    formula_html = head
    body_html = (
        f'<div class="cnn-output-size" style="color:{t.text};line-height:1.3;">'
        f"{summary}{steps_html}"
        f'<div style="{text_style}font-weight:bold;">which input cells each output position '
        "covers (one axis)</div>" + _strip_html(state, parts) + "</div>"
    )
    return OutputSizeView(
        state=state,
        fits=e is not None,
        message=message,
        result=None if e is None else e.result,
        explanation=e,
        formula_text=formula_text,
        latex=latex,
        latex_chain=latex_chain,
        steps=steps,
        positions=positions,
        windows=windows,
        dropped=dropped,
        skipped=skipped,
        beyond=beyond,
        formula_html=formula_html,
        body_html=body_html,
        legend_html=_legend(t),
    )


class OutputSizeExplorer(Explorer):
    """Sliders ``n``, ``f``, ``p``, ``s``, ``d`` and ``ceil_mode``; the formula and the strip."""

    title = "Output-size explorer"
    view_function = staticmethod(output_size_view)

    def _latex_value(self) -> str:
        if not self.view.fits:
            return self.view.formula_html
        symbolic = html.escape(_symbolic(self.state))
        size = theme().font_px
        return f'<div style="font-size:{size}px;">{symbolic}</div>$${self.view.latex_chain}$$'

    def _build(self):
        import ipywidgets as widgets

        labels = {
            "n": "input size n",
            "f": "kernel size f",
            "p": "padding p",
            "s": "stride s",
            "d": "dilation d",
        }
        for name, (low, high) in _RANGES.items():
            self._bind(
                name, slider(labels[name], getattr(self.state, name), low, high, chars=12), name
            )
        self._bind("ceil_mode", checkbox("ceil mode (pooling)", self.state.ceil_mode), "ceil_mode")
        self._formula = widgets.HTMLMath()
        self._body = widgets.HTML()
        self._legend = widgets.HTML()  # what the strip's marks mean: under the controls
        names = (*_RANGES, "ceil_mode")
        box = column([*(self._controls[name] for name in names), self._legend], chars=30)
        view = widgets.VBox([self._formula, self._body], layout=widgets.Layout(width="auto"))
        return box, view

    def _show(self) -> None:
        self._formula.value = self._latex_value()
        self._body.value = self.view.body_html
        self._legend.value = self.view.legend_html


def output_size_explorer(n=7, f=3, p=0, s=1, d=1, ceil_mode=False) -> OutputSizeExplorer:
    """An output-size explorer starting at the given values (end a notebook cell with it).

    Parameters
    ----------
    n, f, p, s, d : int
        Input size (1-32), kernel size (1-11), padding on each side (0-5),
        stride (1-6), dilation (1-4): the sliders' ranges.
    ceil_mode : bool, default False

    Returns
    -------
    OutputSizeExplorer

    Raises
    ------
    TypeError, ValueError
        Non-integers, or values outside the sliders' ranges.

    Examples
    --------
    >>> e = output_size_explorer(n=7, f=3, s=2)
    >>> e.view.result
    3
    """
    state = OutputSizeState(n, f, p, s, d, ceil_mode)
    for name, (low, high) in _RANGES.items():
        if not low <= getattr(state, name) <= high:
            raise ValueError(f"{name} must be from {low} to {high}, got {getattr(state, name)}")
    return OutputSizeExplorer(state)
