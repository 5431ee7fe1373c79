"""Matplotlib figures for the notebooks: small matrices with their numbers, images, curves.

Imported only when a notebook asks for it (``import cnn_utils.plotting``);
the maths never imports this module. Every function draws on an ``Axes`` it
is given or creates, labels rows and columns (row ``i`` runs down, column
``j`` across), titles the panel, and uses a diverging, colour-blind-safe map
with symmetric limits for signed values, so zero is always the middle colour:
negative: purple, zero: white, positive: orange, the colours the explorers use.
``show_matrix`` writes numbers with the explorers' formatter, so a grid reads
the same in a figure and in an explorer.
"""

from __future__ import annotations

import numpy as np

from .presentation import theme


def _axes(ax, size=(3.2, 3.2)):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    scale = theme().figure_scale
    fig, ax = plt.subplots(figsize=(size[0] * scale, size[1] * scale))
    return fig, ax


def show_matrix(
    matrix,
    title: str = "",
    ax=None,
    *,
    numbers: bool = True,
    decimals: int | None = None,
    signed: bool | None = None,
    limit: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    highlight=None,
    cmap: str | None = None,
    row_label: str = "row i",
    col_label: str = "column j",
    colorbar: bool = False,
    fontsize: float | None = None,
):
    """Draw a small matrix as coloured cells with its numbers written in.

    The numbers are written by the explorers' formatter (integers without a
    decimal point) and, for signed data, the colours are the explorers' too:
    negative purple, zero white, positive orange (``theme().diverging_cmap``,
    limits ``[-limit, limit]``, so zero is always the middle colour).
    Non-negative data is shaded blue from 0 to its largest value.

    Parameters
    ----------
    matrix : array_like, 2-D
    title : str
        Say which panel this is: input, kernel, output.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    numbers : bool
        Write each value in its cell (keep for matrices up to about 12x12).
    decimals : int, optional
        Places for non-integer values (default 2, trailing zeros dropped).
    signed : bool, optional
        Diverging colours on ``[-limit, limit]``; default: when any value is negative.
    limit : float, optional
        Colour limit; default: the largest absolute value (signed) or the largest value.
    vmin, vmax : float, optional
        Explicit colour range (e.g. 0 and 255 for a grayscale image); overrides ``limit``.
    highlight : ((row0, row1), (col0, col1)), optional
        Outline the cells ``row0 <= i < row1``, ``col0 <= j < col1`` (a window).
    cmap : str, optional
        Any matplotlib colour map (e.g. ``"gray"`` for pixel values).
    row_label, col_label : str
        Axis labels.
    colorbar : bool
        Add a colour bar.
    fontsize : float, optional
        Size of the numbers (default: smaller for larger matrices).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0]`` is the coloured image (for a colour bar of your own).

    Raises
    ------
    ValueError
        A matrix that is not 2-D.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = show_matrix([[1, -2], [0, 3]], "kernel")
    >>> [t.get_text() for t in ax.texts]
    ['1', '-2', '0', '3']
    """
    from .explorers._render import format_number, text_colour_for

    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"show_matrix needs a 2-D matrix, got shape {m.shape}")
    fig, ax = _axes(ax)
    t = theme()
    finite = m[np.isfinite(m)]
    if signed is None:
        signed = bool(finite.size and finite.min() < 0)
    top = float(np.abs(finite).max()) if finite.size else 1.0
    if signed:
        lim = (limit if limit is not None else top) or 1.0
        low, high, cmap = -lim, lim, cmap or t.diverging_cmap
    else:
        low = 0.0 if not finite.size or finite.min() >= 0 else float(finite.min())
        high = limit if limit is not None else (float(finite.max()) if finite.size else 1.0)
        cmap = cmap or "Blues"
    low = low if vmin is None else vmin
    high = high if vmax is None else vmax
    high = high if high > low else low + 1.0
    image = ax.imshow(m, cmap=cmap, vmin=low, vmax=high)
    if numbers:
        size = fontsize or max(6.0, 11 * t.figure_scale - 0.4 * max(m.shape))
        for (i, j), v in np.ndenumerate(m):
            if np.isfinite(v):
                rgb = np.array(image.cmap(image.norm(v))[:3]) * 255
                colour = "white" if text_colour_for(rgb) else "black"
                text = format_number(v, decimals)
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=size)
    step = 5 if max(m.shape) > 12 else 1
    ax.set_xticks(range(0, m.shape[1], step))
    ax.set_yticks(range(0, m.shape[0], step))
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    if title:
        ax.set_title(title)
    if highlight is not None:
        from matplotlib.patches import Rectangle

        (r0, r1), (c0, c1) = highlight
        outline = Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                            edgecolor=t.highlight, linewidth=2.5 * t.figure_scale)  # fmt: skip
        ax.add_patch(outline)
    if colorbar:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_matrices(
    *panels, numbers: bool = True, decimals: int = 2, shared_limit: bool = False, size=3.0
):
    """Several matrices side by side: ``show_matrices((M1, "input"), (M2, "kernel"), ...)``.

    Each panel is ``(matrix, title)`` or ``(matrix, title, options_dict)`` with
    keyword arguments for :func:`show_matrix`. Returns ``(fig, axes)``.
    """
    import matplotlib.pyplot as plt

    if not panels:
        raise ValueError("show_matrices needs at least one (matrix, title) panel")
    scale = theme().figure_scale
    fig, axes = plt.subplots(1, len(panels), figsize=(size * len(panels) * scale, size * scale))
    axes = np.atleast_1d(axes)
    limit = None
    if shared_limit:
        limit = max(float(np.nanmax(np.abs(np.asarray(p[0], dtype=float)))) for p in panels) or 1.0
    for ax, panel in zip(axes, panels, strict=False):
        options = dict(panel[2]) if len(panel) > 2 else {}
        options.setdefault("numbers", numbers)
        options.setdefault("decimals", decimals)
        if limit is not None:
            options.setdefault("limit", limit)
        show_matrix(panel[0], panel[1], ax=ax, **options)
    fig.tight_layout()
    return fig, axes


def show_image(
    image, title: str = "", ax=None, *, signed: bool = False, limit: float | None = None
):
    """Show an image: grayscale ``(H, W)`` in [0, 1], colour ``(H, W, 3)``, or signed data.

    Signed data (a filter response) uses the diverging map with symmetric
    limits and a colour bar, so negative values are shown, not clipped.
    """
    img = np.asarray(image, dtype=float)
    fig, ax = _axes(ax, size=(4.0, 4.0))
    t = theme()
    if signed:
        lim = limit if limit is not None else (float(np.abs(img).max()) or 1.0)
        shown = ax.imshow(img, cmap=t.diverging_cmap, vmin=-lim, vmax=lim)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    elif img.ndim == 2:
        ax.imshow(img, cmap=t.sequential_cmap, vmin=0, vmax=limit if limit is not None else 1)
    else:
        ax.imshow(np.clip(img, 0, 1))
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    if title:
        ax.set_title(title)
    return ax


def plot_history(history, ax=None, metrics=("loss", "accuracy")):
    """Loss and accuracy per epoch from a ``History`` (or its ``.history`` dict).

    Returns the axes (one per metric), training and validation curves on each.
    """
    import matplotlib.pyplot as plt

    data = getattr(history, "history", history)
    present = [m for m in metrics if m in data]
    if not present:
        raise ValueError(f"history has none of {metrics}; it has {sorted(data)}")
    if ax is None:
        scale = theme().figure_scale
        _, axes = plt.subplots(1, len(present), figsize=(4.5 * len(present) * scale, 3.2 * scale))
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(ax)
    for a, metric in zip(axes, present, strict=False):
        epochs = np.arange(1, len(data[metric]) + 1)
        a.plot(epochs, data[metric], marker="o", label=f"training {metric}")
        if f"val_{metric}" in data:
            a.plot(
                epochs,
                data[f"val_{metric}"],
                marker="s",
                linestyle="--",
                label=f"validation {metric}",
            )
        a.set_xlabel("epoch")
        a.set_ylabel(metric)
        a.set_title(f"{metric} per epoch")
        a.legend()
    return axes


COLUMN_PX = 1000
"""About the width of JupyterLab's notebook column on a laptop; a figure drawn wider is
scaled down by the browser anyway, so its extra pixels only make the notebook heavier."""


def fit_to_column(fig, width_px: int = COLUMN_PX):
    """Lower ``fig``'s resolution so it is at most ``width_px`` pixels wide; returns ``fig``.

    A grid of photographs drawn with a wide ``figsize`` (17 inches at 100 dpi is
    1,700 pixels) is shown at the notebook column's width: its stored PNG holds
    three times the pixels anyone sees. This keeps what is seen and drops the
    rest. Text stays the same size relative to the figure. Presenter mode keeps
    its larger figures (the width is scaled by ``theme().figure_scale``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = fit_to_column(plt.figure(figsize=(17, 8), dpi=100))
    >>> round(fig.get_figwidth() * fig.dpi)
    1000
    """
    if isinstance(width_px, bool) or not isinstance(width_px, int) or width_px < 100:
        raise ValueError(f"width_px must be an int of at least 100 pixels, got {width_px!r}")
    limit = width_px * theme().figure_scale
    if fig.get_figwidth() * fig.dpi > limit:
        fig.set_dpi(limit / fig.get_figwidth())
    return fig
