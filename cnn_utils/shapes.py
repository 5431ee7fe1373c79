"""Output sizes and parameter counts: the arithmetic of a convolution layer.

The output size along one axis of a convolution or pooling window is

.. math::

    n_{out} = \\left\\lfloor
    \\frac{n + p_{before} + p_{after} - d(f - 1) - 1}{s}
    \\right\\rfloor + 1

where ``p`` is the padding on each side (per side, as PyTorch and Keras count
it: ``padding=1`` adds one row at the top *and* one at the bottom), ``f`` the
kernel size, ``d`` the dilation and ``s`` the stride. Some books write the
total padding instead, ``(n + P - f) / s + 1`` with ``P = 2p``.

Every size (``n``, kernel size, stride, padding, dilation, channels, filters,
units) is an integer of at most ``MAX_SIZE`` (2**20); ``in_features`` of a
dense layer at most ``MAX_ELEMENTS`` (2**28). Numpy integers and 0-d integer
arrays are accepted wherever an int is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import MAX_ELEMENTS, check_bool, check_int, check_size


def _axis_padding(padding) -> tuple[int, int]:
    if isinstance(padding, np.ndarray) and padding.ndim == 0:
        padding = padding[()]
    if isinstance(padding, (tuple, list, np.ndarray)):
        if len(padding) != 2:
            got = repr(padding) if not isinstance(padding, np.ndarray) else f"shape {padding.shape}"
            raise ValueError(f"padding must be an int or a pair (before, after), got {got:.60}")
        return (check_size(padding[0], "padding[0]", 0), check_size(padding[1], "padding[1]", 0))
    p = check_size(padding, "padding", 0)
    return (p, p)


@dataclass(frozen=True)
class OutputSizeExplanation:
    """Every number in the output-size computation along one axis.

    Attributes hold the inputs and the intermediate values; ``str()`` gives
    the computation in words and numbers, ``latex()`` the formula with the
    numbers substituted.
    """

    n: int
    kernel_size: int
    stride: int
    padding: tuple[int, int]
    dilation: int
    ceil_mode: bool
    effective_kernel: int
    padded: int
    span: int
    result: int
    last_covered: int
    dropped: int
    dropped_window: bool

    def steps(self) -> list[str]:
        p0, p1 = self.padding
        lines = [f"input n = {self.n}, padded with {p0} before and {p1} after: {self.padded}"]
        if self.dilation > 1:
            lines.append(
                f"dilated kernel covers d*(f-1)+1 = {self.dilation}*({self.kernel_size}-1)+1 = "
                f"{self.effective_kernel}"
            )
        rounding = "ceil" if self.ceil_mode else "floor"
        steps = (math.ceil if self.ceil_mode else math.floor)(self.span / self.stride)
        lines.append(
            f"room to slide: {self.padded} - {self.effective_kernel} = {self.span}; "
            f"steps of {self.stride}: {rounding}({self.span}/{self.stride}) = {steps}"
        )
        if self.span < 0:
            lines.append(
                f"the window hangs {-self.span} past the end; ceil mode still keeps that one window"
            )
        if self.dropped_window:
            lines.append(f"output = that + 1 = {steps + 1}")
            lines.append(
                "ceil mode: the last window would start inside the padding, so it is dropped: "
                f"{steps + 1} - 1 = {self.result}"
            )
        else:
            lines.append(f"output = that + 1 = {self.result}")
        if self.dropped:
            lines.append(
                f"the last {self.dropped} position(s) of the padded input are never covered by a "
                "window"
            )
        return lines

    def __str__(self) -> str:
        return "\n".join(self.steps())

    def latex(self) -> str:
        """The formula with the numbers substituted, as LaTeX."""
        p0, p1 = self.padding
        bracket = (
            (r"\left\lceil", r"\right\rceil")
            if self.ceil_mode
            else (r"\left\lfloor", r"\right\rfloor")
        )
        pad = f"{p0} + {p1}"
        kern = (
            f"{self.dilation}({self.kernel_size} - 1) - 1"
            if self.dilation > 1
            else f"{self.kernel_size}"
        )
        frac = f"\\frac{{{self.n} + {pad} - {kern}}}{{{self.stride}}}"
        drop = " - 1" if self.dropped_window else ""
        return f"{bracket[0]} {frac} {bracket[1]} + 1{drop} = {self.result}"

    def _repr_markdown_(self) -> str:
        return f"$${self.latex()}$$\n\n" + "\n".join(f"- {line}" for line in self.steps())


def explain_output_size(
    n, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False
) -> OutputSizeExplanation:
    """Explain the output size along one axis, step by step.

    Same arguments as :func:`output_size`; returns an
    :class:`OutputSizeExplanation` whose ``result`` is the size and whose
    ``str()`` spells out the computation.

    Raises
    ------
    ValueError, TypeError
        As :func:`output_size`.

    Examples
    --------
    >>> e = explain_output_size(7, 3, stride=2)
    >>> e.result, e.dropped
    (3, 0)
    >>> explain_output_size(8, 3, stride=2).dropped
    1
    """
    n = check_size(n, "n")
    f = check_size(kernel_size, "kernel_size")
    s = check_size(stride, "stride")
    d = check_size(dilation, "dilation")
    p0, p1 = _axis_padding(padding)
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    eff = d * (f - 1) + 1
    padded = n + p0 + p1
    # Ceil mode (pooling) keeps one window that overhangs the end by up to
    # stride - 1 cells, as PyTorch does; otherwise the kernel must fit.
    slack = s - 1 if ceil_mode else 0
    if eff > padded + slack:
        what = f"kernel of size {f}" + (f" with dilation {d} (covering {eff})" if d > 1 else "")
        raise ValueError(
            f"a {what} does not fit in an input of size {n} with padding ({p0}, {p1}) "
            f"(padded size {padded}); the output would be empty. Use a smaller kernel or more "
            "padding."
        )
    span = padded - eff
    dropped_window = False
    out = span // s + 1
    if ceil_mode:
        floor_out, out = out, -(-span // s) + 1
        # PyTorch's rule: a window that ceil mode adds is dropped when it would
        # start in the right padding (a window floor mode keeps always stays).
        if out > floor_out and (out - 1) * s >= n + p0:
            out -= 1
            dropped_window = True
    last_covered = (out - 1) * s + eff - 1
    dropped = max(0, padded - 1 - last_covered)
    return OutputSizeExplanation(
        n=n,
        kernel_size=f,
        stride=s,
        padding=(p0, p1),
        dilation=d,
        ceil_mode=ceil_mode,
        effective_kernel=eff,
        padded=padded,
        span=span,
        result=out,
        last_covered=last_covered,
        dropped=dropped,
        dropped_window=dropped_window,
    )


def output_size(n, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False) -> int:
    """Size of a convolution or pooling output along one axis.

    Parameters
    ----------
    n : int
        Input size along the axis (at least 1).
    kernel_size : int
        Kernel (window) size ``f``.
    stride : int, default 1
        Step ``s`` between windows.
    padding : int or (int, int), default 0
        Padding on *each* side, or ``(before, after)``.
    dilation : int, default 1
        Spacing between kernel taps; the kernel covers ``d*(f-1)+1`` inputs.
    ceil_mode : bool, default False
        Round the number of steps up instead of down (pooling). As in
        PyTorch, a last window that would start in the right padding is dropped.

    Returns
    -------
    int
        ``floor((n + 2p - d(f-1) - 1) / s) + 1`` (or with ceil).

    Raises
    ------
    TypeError
        If a size is not an integer.
    ValueError
        If a size is out of range or the kernel does not fit in the padded input.

    Examples
    --------
    >>> output_size(6, 3)
    4
    >>> output_size(7, 3, stride=2)
    3
    >>> output_size(256, 3, padding=1)
    256
    >>> output_size(5, 2, stride=2), output_size(5, 2, stride=2, ceil_mode=True)
    (2, 3)
    """
    return explain_output_size(n, kernel_size, stride, padding, dilation, ceil_mode).result


def conv_params(kernel_size, in_channels, filters, bias=True) -> int:
    """Number of trainable parameters of a convolution layer.

    Each of the ``filters`` filters spans the full input depth:
    ``(kh * kw * in_channels + bias) * filters``.

    Raises
    ------
    TypeError
        A size that is not an integer, or a ``bias`` that is not a bool.
    ValueError
        A size below 1 or above ``MAX_SIZE``, or a kernel size that is not an int or a pair.

    Examples
    --------
    >>> conv_params(3, 3, 64)          # seed 001's question
    1792
    >>> conv_params((3, 3), 32, 64)    # second conv layer of the Keras MNIST model
    18496
    """
    if isinstance(kernel_size, np.ndarray) and kernel_size.ndim == 0:
        kernel_size = kernel_size[()]
    if isinstance(kernel_size, (tuple, list, np.ndarray)):
        if len(kernel_size) != 2:
            raise ValueError(
                f"kernel_size must be an int or a pair (kh, kw), got {kernel_size!r:.60}"
            )
        kh, kw = (check_size(k, "kernel_size") for k in kernel_size)
    else:
        kh = kw = check_size(kernel_size, "kernel_size")
    c = check_size(in_channels, "in_channels")
    f = check_size(filters, "filters")
    bias = check_bool(bias, "bias")
    return (kh * kw * c + int(bias)) * f


def dense_params(in_features, units, bias=True) -> int:
    """Number of trainable parameters of a fully connected layer: ``(in + bias) * units``.

    Raises
    ------
    TypeError
        A size that is not an integer, or a ``bias`` that is not a bool.
    ValueError
        ``in_features`` outside ``1 .. MAX_ELEMENTS`` or ``units`` outside ``1 .. MAX_SIZE``.

    Examples
    --------
    >>> dense_params(576, 64)
    36928
    >>> dense_params(256 * 256 * 3, 1)   # one neuron looking at a whole 256x256 RGB image
    196609
    """
    i = check_int(in_features, "in_features", 1, MAX_ELEMENTS)
    u = check_size(units, "units")
    bias = check_bool(bias, "bias")
    return (i + int(bias)) * u
