"""Matplotlib figures for the notebooks: small matrices with their numbers, images, curves.

Imported only when a notebook asks for it (``import cnn_utils.plotting``);
the maths never imports this module. Every function draws on an ``Axes`` it
is given or creates, labels rows and columns (row ``i`` runs down, column
``j`` across), titles the panel, and uses a diverging, colour-blind-safe map
with symmetric limits for signed values, so zero is always the middle colour.
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


def _fmt(value: float, decimals: int) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def show_matrix(
    matrix,
    title: str = "",
    ax=None,
    *,
    numbers: bool = True,
    decimals: int = 2,
    signed: bool | None = None,
    limit: float | None = None,
    highlight=None,
    cmap: str | None = None,
    row_label: str = "row i",
    col_label: str = "column j",
    colorbar: bool = False,
):
    """Draw a small matrix as coloured cells with its numbers written in.

    Parameters
    ----------
    matrix : array_like, 2-D
    title : str
        Say which panel this is: input, kernel, output.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    numbers : bool
        Write each value in its cell (keep for matrices up to about 12x12).
    decimals : int
        Places for non-integer values.
    signed : bool, optional
        Diverging map with limits ``[-limit, limit]``; default: when any value is negative.
    limit : float, optional
        Colour limit; default: the largest absolute value.
    highlight : ((row0, row1), (col0, col1)), optional
        Outline the cells ``row0 <= i < row1``, ``col0 <= j < col1`` (a window).
    cmap : str, optional
        Colour map name; defaults from the presenter theme.
    row_label, col_label : str
        Axis labels.
    colorbar : bool
        Add a colour bar.

    Returns
    -------
    matplotlib.axes.Axes
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"show_matrix needs a 2-D matrix, got shape {m.shape}")
    fig, ax = _axes(ax)
    t = theme()
    finite = m[np.isfinite(m)]
    if signed is None:
        signed = bool(finite.size and finite.min() < 0)
    if signed:
        lim = limit if limit is not None else (float(np.abs(finite).max()) if finite.size else 1.0)
        lim = lim or 1.0
        vmin, vmax, cmap = -lim, lim, cmap or t.diverging_cmap
    else:
        vmin = 0.0 if not finite.size or finite.min() >= 0 else float(finite.min())
        vmax = limit if limit is not None else (float(finite.max()) if finite.size else 1.0)
        vmax = vmax if vmax > vmin else vmin + 1.0
        cmap = cmap or "Blues"
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax)
    if numbers:
        import matplotlib

        colormap = matplotlib.colormaps[cmap]
        for (i, j), v in np.ndenumerate(m):
            if not np.isfinite(v):
                continue
            r, g, b, _ = colormap((v - vmin) / (vmax - vmin))
            colour = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
            ax.text(
                j,
                i,
                _fmt(v, decimals),
                ha="center",
                va="center",
                color=colour,
                fontsize=max(6.0, 11 * t.figure_scale - 0.4 * max(m.shape)),
            )
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(m.shape[0]))
    if max(m.shape) > 12:
        ax.set_xticks(range(0, m.shape[1], 5))
        ax.set_yticks(range(0, m.shape[0], 5))
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    if title:
        ax.set_title(title)
    if highlight is not None:
        from matplotlib.patches import Rectangle

        (r0, r1), (c0, c1) = highlight
        ax.add_patch(
            Rectangle(
                (c0 - 0.5, r0 - 0.5),
                c1 - c0,
                r1 - r0,
                fill=False,
                edgecolor=t.highlight,
                linewidth=2.5 * t.figure_scale,
            )
        )
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
