"""HTML grids for small matrices and PNG bytes for images.

Small matrices render as HTML tables: crisp at any zoom on a projector, the
numbers selectable, row and column indices shown. Images become PNG bytes for
an ``ipywidgets.Image``. Nothing here imports ipywidgets; matplotlib and
Pillow are imported only when an image is encoded.
"""

from __future__ import annotations

import base64
import functools
import html
import io

import numpy as np

from ..presentation import theme

# CSS classes a caller may put on cells; each maps to an inline style so the
# HTML needs no stylesheet (JupyterLab and static exports both show it as is).
_MARK_STYLES = {
    "window": "outline: {b}px solid {hl}; outline-offset: -{b}px;",
    "current": "outline: {b}px solid {ac}; outline-offset: -{b}px; font-weight: bold;",
    "winner": "font-weight: bold; text-decoration: underline;",
    "pad": "color: #777777; font-style: italic;",
    "dropped": (
        "background: repeating-linear-gradient(45deg, #dddddd, #dddddd 4px, #ffffff 4px,"
        " #ffffff 8px); color: #777777;"
    ),
    "hidden": "color: transparent;",
    "pending": "color: #999999;",
}


@functools.lru_cache(maxsize=64)
def _rgb_tuple(h: str) -> tuple[float, float, float]:
    h = h.lstrip("#")
    return tuple(float(int(h[i : i + 2], 16)) for i in (0, 2, 4))


def _hex_to_rgb(h: str) -> np.ndarray:
    return np.array(_rgb_tuple(h))


@functools.lru_cache(maxsize=4096)
def _diverging(frac: float, negative: str, zero: str, positive: str, text: str) -> tuple[str, str]:
    end = _rgb_tuple(positive if frac > 0 else negative)
    base = _rgb_tuple(zero)
    rgb = [z * (1 - abs(frac)) + e * abs(frac) for z, e in zip(base, end, strict=True)]
    luminance = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255
    red, green, blue = (int(round(c)) for c in rgb)
    return f"#{red:02x}{green:02x}{blue:02x}", ("#ffffff" if luminance < 0.5 else text)


def cell_colour(value: float, limit: float) -> tuple[str, str]:
    """Background and text colour for ``value`` on a diverging scale ``[-limit, limit]``."""
    t = theme()
    if not np.isfinite(value) or limit <= 0:
        return t.zero, t.text
    # Colours are cached per rounded fraction: explorers redraw the same grids often.
    frac = round(min(max(float(value) / limit, -1.0), 1.0), 3)
    return _diverging(frac, t.negative, t.zero, t.positive, t.text)


def format_number(value: float, decimals: int | None = None) -> str:
    """Integers without a decimal point; others with ``decimals`` places (default 2)."""
    if not np.isfinite(value):
        return "-inf" if value < 0 else ("inf" if value > 0 else "nan")
    if decimals is None:
        if float(value).is_integer():
            return str(int(value))
        decimals = 2
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def matrix_html(
    values,
    *,
    title: str | None = None,
    marks: dict | None = None,
    limit: float | None = None,
    decimals: int | None = None,
    show_indices: bool = True,
    row_offset: int = 0,
    col_offset: int = 0,
    caption: str | None = None,
) -> str:
    """An HTML table for a small 2-D matrix.

    Parameters
    ----------
    values : array_like, 2-D
        Numbers to show; ``nan`` shows as an empty cell (not computed yet).
    title : str, optional
        Heading above the grid (say which panel it is: input, kernel, output).
    marks : dict, optional
        ``{(row, col): "window" | "current" | "winner" | "pad" | "dropped" |
        "hidden" | "pending"}`` or a list of those names per cell.
    limit : float, optional
        Colour scale ``[-limit, limit]``; default: the largest absolute value.
    decimals : int, optional
        Decimal places for non-integers (default 2).
    show_indices : bool
        Show row indices down the left and column indices across the top.
    row_offset, col_offset : int
        Where index numbering starts (e.g. -1 for a padded border).
    caption : str, optional
        A line under the grid.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"matrix_html needs a 2-D matrix, got shape {arr.shape}")
    t = theme()
    marks = marks or {}
    finite = arr[np.isfinite(arr)]
    if limit is None:
        limit = float(np.abs(finite).max()) if finite.size else 1.0
    cell = (
        f"width:{t.cell_px}px;height:{t.cell_px}px;min-width:{t.cell_px}px;text-align:center;"
        f"vertical-align:middle;border:1px solid {t.grid};padding:0;"
        f"font-size:{t.font_px}px;font-family:monospace;"
    )
    index_style = (
        f"font-size:{max(t.font_px - 4, 10)}px;color:#666666;text-align:center;"
        "padding:0 4px;border:none;"
    )
    parts = [
        f'<div style="display:inline-block;vertical-align:top;margin:0 12px 8px 0;color:{t.text};">'
    ]
    if title:
        parts.append(f'<div style="font-weight:bold;font-size:{t.font_px}px;margin-bottom:4px;">')
        parts.append(f"{html.escape(title)}</div>")
    parts.append('<table style="border-collapse:collapse;margin:0;">')
    if show_indices:
        parts.append(f'<tr><td style="{index_style}"></td>')
        for j in range(arr.shape[1]):
            parts.append(f'<td style="{index_style}">{j + col_offset}</td>')
        parts.append("</tr>")
    for i in range(arr.shape[0]):
        parts.append("<tr>")
        if show_indices:
            parts.append(f'<td style="{index_style}">{i + row_offset}</td>')
        for j in range(arr.shape[1]):
            v = arr[i, j]
            names = marks.get((i, j), ())
            if isinstance(names, str):
                names = (names,)
            if np.isnan(v):
                bg, fg, text = "#ffffff", t.text, ""
            else:
                bg, fg = cell_colour(v, limit)
                text = format_number(v, decimals)
            extra = "".join(
                _MARK_STYLES[n].format(b=t.border_px, hl=t.highlight, ac=t.accent) for n in names
            )
            parts.append(f'<td style="{cell}background:{bg};color:{fg};{extra}">{text}</td>')
        parts.append("</tr>")
    parts.append("</table>")
    if caption:
        parts.append(f'<div style="font-size:{max(t.font_px - 2, 10)}px;margin-top:4px;">')
        parts.append(f"{html.escape(caption)}</div>")
    parts.append("</div>")
    return "".join(parts)


def row_html(*panels: str, gap_px: int = 16) -> str:
    """Panels side by side, wrapping on narrow screens."""
    inner = "".join(panels)
    style = f"display:flex;flex-wrap:wrap;gap:{gap_px}px;align-items:flex-start;"
    return f'<div style="{style}">{inner}</div>'


def to_rgb_uint8(
    image, mode: str = "gray", limit: float | None = None, cmap: str | None = None
) -> np.ndarray:
    """Map an image to displayable uint8 RGB.

    ``mode`` says how values become brightness: ``"gray"`` clips ``[0, 1]``;
    ``"signed"`` maps ``[-limit, limit]`` through a diverging colour map
    (zero in the middle); ``"clip"`` clips to ``[0, 1]``; ``"abs"`` shows
    ``|x|`` scaled by its maximum; ``"normalize"`` stretches min..max to 0..1.
    """
    img = np.asarray(image, dtype=np.float64)
    if mode in ("gray", "clip"):
        scaled = np.clip(img, 0.0, 1.0)
    elif mode == "abs":
        a = np.abs(img)
        top = a.max()
        scaled = a / top if top > 0 else a
    elif mode == "normalize":
        lo, hi = img.min(), img.max()
        scaled = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    elif mode == "signed":
        if limit is None:
            limit = float(np.abs(img).max()) or 1.0
        import matplotlib

        colormap = matplotlib.colormaps[cmap or theme().diverging_cmap]
        gray = img if img.ndim == 2 else img.mean(axis=-1)
        rgba = colormap(np.clip(gray / (2 * limit) + 0.5, 0.0, 1.0), bytes=True)
        return np.ascontiguousarray(rgba[..., :3])
    else:
        raise ValueError(
            f"mode must be one of 'gray', 'clip', 'abs', 'normalize', 'signed'; got {mode!r}"
        )
    out = np.round(scaled * 255).astype(np.uint8)
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    return np.ascontiguousarray(out)


def png_bytes(rgb: np.ndarray, scale: int = 1) -> bytes:
    """Encode a uint8 ``(H, W, 3)`` array as PNG (nearest-neighbour upscaled by ``scale``)."""
    from PIL import Image

    arr = np.asarray(rgb, dtype=np.uint8)
    if scale > 1:
        arr = arr.repeat(scale, axis=0).repeat(scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def png_img_tag(png: bytes, alt: str, width: int | None = None) -> str:
    """An ``<img>`` tag embedding PNG bytes, for static HTML views."""
    size = f' width="{width}"' if width else ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"{size}/>'
