"""The one renderer of a numbered grid, the one number formatter, and image bytes.

A small matrix is first turned into a :class:`Grid`: per cell its text (from
:func:`format_number`), its background and text colours (from
:func:`cell_colours`) and its marks. Two painters read a Grid: :func:`grid_html`
writes an HTML table (explorers: crisp at any zoom, numbers selectable) and
:func:`grid_image` draws it with Pillow (the stepper's animation frames).
``cnn_utils.plotting.show_matrix`` uses the same formatter and colours.

Nothing here imports ipywidgets; matplotlib and Pillow load only when an
image is encoded.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from dataclasses import dataclass

import numpy as np

from ..presentation import DIVERGING_STOPS, NEGATIVE_NAME, POSITIVE_NAME, theme

MARKS = ("window", "current", "winner", "pad", "dropped", "hidden", "pending", "off")

# Each mark as inline CSS, so the HTML needs no stylesheet (JupyterLab and exports show it as is).
_MARK_CSS = {
    "window": "outline:{b}px solid {hl};outline-offset:-{b}px;",
    "current": "outline:{b}px solid {ac};outline-offset:-{b}px;font-weight:bold;",
    "winner": "font-weight:bold;text-decoration:underline;",
    "pad": "color:#666666;font-style:italic;",
    "dropped": (
        "background:repeating-linear-gradient(45deg,#dddddd,#dddddd 4px,#ffffff 4px,"
        "#ffffff 8px);color:#666666;"
    ),
    "hidden": "color:transparent;",
    "pending": "color:#999999;",
    "off": "color:#666666;font-style:italic;",
}


# --- numbers and colours -------------------------------------------------------


def format_number(value: float, decimals: int | None = None, trim: bool = True) -> str:
    """The course's one way to write a number in a grid, a caption or a sum.

    Integers have no decimal point; other values get ``decimals`` places
    (default 2) with trailing zeros dropped (keep them with ``trim=False``,
    for a line whose digits should not jump, like a loss while training);
    ``-0`` is written ``0``.

    Examples
    --------
    >>> format_number(3.0), format_number(-0.5), format_number(1 / 3), format_number(-1e-9)
    ('3', '-0.5', '0.33', '0')
    >>> format_number(0.9, 4, trim=False)
    '0.9000'
    """
    value = float(value)
    if not np.isfinite(value):
        return "-inf" if value < 0 else ("inf" if value > 0 else "nan")
    if decimals is None:
        if value.is_integer():
            return str(int(value))
        decimals = 2
    text = f"{value:.{decimals}f}"
    if trim:
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def signed_number(value: float) -> str:
    """A factor in a written-out sum: negatives in brackets with a real minus sign."""
    text = format_number(value)
    return f"(−{text[1:]})" if text.startswith("-") else text


def _stops() -> np.ndarray:
    return np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in DIVERGING_STOPS], float)


def diverging_rgb(fraction) -> np.ndarray:
    """RGB 0..255 for values in ``[-1, 1]`` on the course's purple-white-orange scale.

    The stops are ColorBrewer's PuOr, the map ``theme().diverging_cmap`` names,
    so HTML grids and matplotlib figures agree: negative purple, positive orange.
    """
    stops = _stops()
    fraction = np.clip(np.asarray(fraction, float), -1, 1)
    grid = np.linspace(-1, 1, len(stops))
    return np.stack([np.interp(fraction, grid, stops[:, k]) for k in range(3)], axis=-1)


def text_colour_for(rgb) -> np.ndarray:
    """True where a background is dark enough to need white text."""
    rgb = np.asarray(rgb, float)
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114) / 255 < 0.5


def _hex(rgb) -> str:
    red, green, blue = (int(round(c)) for c in rgb)
    return f"#{red:02x}{green:02x}{blue:02x}"


def cell_colours(values, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Background and text colours (hex strings) for every cell, on ``[-limit, limit]``."""
    arr = np.asarray(values, float)
    safe = np.where(np.isfinite(arr), arr, 0.0)
    fraction = np.round(safe / limit, 3) if limit > 0 else np.zeros_like(safe)
    # grids repeat a few values: colour each distinct one once
    distinct, where = np.unique(fraction, return_inverse=True)
    pairs = [_colour_pair(float(f), theme().text) for f in distinct]
    background = np.array([p[0] for p in pairs], object)[where].reshape(arr.shape)
    foreground = np.array([p[1] for p in pairs], object)[where].reshape(arr.shape)
    return background, foreground


@functools.lru_cache(maxsize=4096)
def _colour_pair(fraction: float, text: str) -> tuple[str, str]:
    rgb = diverging_rgb(fraction)
    return _hex(rgb), ("#ffffff" if text_colour_for(rgb) else text)


def tinted_colours(values, limit: float, tint: str) -> tuple[np.ndarray, np.ndarray]:
    """Colours from white (0) to ``tint`` (``|value| = limit``), and a readable text colour."""
    arr = np.asarray(values, float)
    fraction = np.clip(np.abs(np.where(np.isfinite(arr), arr, 0.0)) / (limit or 1.0), 0, 1)
    rgb = 255.0 + (np.array(_rgb(tint), float) - 255.0) * fraction[..., None]
    dark = text_colour_for(rgb)
    background = np.empty(arr.shape, object)
    foreground = np.empty(arr.shape, object)
    for index in np.ndindex(arr.shape):
        background[index] = _hex(rgb[index])
        foreground[index] = "#ffffff" if dark[index] else theme().text
    return background, foreground


def cell_colour(value: float, limit: float) -> tuple[str, str]:
    """Background and text colour of one value on ``[-limit, limit]``."""
    background, foreground = cell_colours(np.array([[value]]), limit)
    return background[0, 0], foreground[0, 0]


# --- the grid model and its two painters ---------------------------------------


@dataclass(frozen=True)
class Grid:
    """A numbered grid ready to paint: text, colours and marks per cell."""

    text: np.ndarray
    background: np.ndarray
    foreground: np.ndarray
    marks: dict
    title: str | None = None
    caption: str | None = None
    row_offset: int = 0
    col_offset: int = 0
    show_indices: bool = True
    cell_px: int = 30
    font_px: int = 14

    @property
    def shape(self) -> tuple[int, int]:
        return self.text.shape


def make_grid(
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
    tint: str | None = None,
    scale: float = 1.0,
) -> Grid:
    """Turn a small 2-D matrix into a :class:`Grid` (``nan`` is an empty, white cell).

    Cells are coloured on the purple-white-orange scale ``[-limit, limit]``,
    or, with ``tint`` (a hex colour), from white at 0 to ``tint`` at ``limit``
    (a colour channel's own colour). ``scale`` shrinks cells and numbers
    (0.75: a compact grid for explorers that show many).
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"a numbered grid needs a 2-D matrix, got shape {arr.shape}")
    finite = arr[np.isfinite(arr)]
    if limit is None:
        limit = float(np.abs(finite).max()) if finite.size else 1.0
    if tint is None:
        background, foreground = cell_colours(arr, limit)
    else:
        background, foreground = tinted_colours(arr, limit, tint)
    distinct, where = np.unique(arr, return_inverse=True)  # format each distinct value once
    words = np.array([format_number(v, decimals) for v in distinct] + [""], object)
    text = words[where].reshape(arr.shape)
    empty = np.isnan(arr)
    text[empty], background[empty], foreground[empty] = "", "#ffffff", theme().text
    normalised = {
        key: (names,) if isinstance(names, str) else tuple(names)
        for key, names in (marks or {}).items()
    }
    t = theme()
    return Grid(
        text,
        background,
        foreground,
        normalised,
        title,
        caption,
        row_offset,
        col_offset,
        show_indices,
        round(t.cell_px * scale),
        max(round(t.font_px * scale), 10),
    )


def grid_html(grid: Grid) -> str:
    """The grid as a self-contained HTML table (inline styles only)."""
    t = theme()
    # Text properties are set once on the table and inherited; only the box is per cell.
    cell = f"width:{grid.cell_px}px;height:{grid.cell_px}px;border:1px solid {t.grid};padding:0;"
    index = f"font-size:{t.small_px}px;color:#666666;padding:0 3px;border:none;"
    parts = [
        f'<div style="display:inline-block;vertical-align:top;margin:0 4px 4px 0;color:{t.text};">'
    ]
    if grid.title:
        parts.append(
            f'<div style="font-weight:bold;font-size:{grid.font_px}px;margin-bottom:2px;'
            'line-height:1.3;">'
            f"{html.escape(grid.title)}</div>"
        )
    parts.append(
        # line-height: ipywidgets' HTML widget sets 28 px, which would stretch every cell
        '<table style="border-collapse:collapse;margin:0;text-align:center;line-height:1.1;'
        f'font-size:{grid.font_px}px;font-family:monospace;">'
    )
    rows, cols = grid.shape
    border = max(2, round(t.border_px * grid.cell_px / t.cell_px))  # thinner on compact grids
    if grid.show_indices:
        heads = "".join(f'<td style="{index}">{j + grid.col_offset}</td>' for j in range(cols))
        parts.append(f'<tr><td style="{index}"></td>{heads}</tr>')
    for i in range(rows):
        parts.append("<tr>")
        if grid.show_indices:
            parts.append(f'<td style="{index}">{i + grid.row_offset}</td>')
        for j in range(cols):
            extra = "".join(
                _MARK_CSS[name].format(b=border, hl=t.highlight, ac=t.accent)
                for name in grid.marks.get((i, j), ())
            )
            style = f"{cell}background:{grid.background[i, j]};color:{grid.foreground[i, j]};"
            parts.append(f'<td style="{style}{extra}">{grid.text[i, j]}</td>')
        parts.append("</tr>")
    parts.append("</table>")
    if grid.caption:
        parts.append(
            f'<div style="font-size:{t.small_px}px;margin-top:2px;line-height:1.3;">'
            f"{html.escape(grid.caption)}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def matrix_html(values, **options) -> str:
    """An HTML table for a small 2-D matrix: ``grid_html(make_grid(values, **options))``.

    Parameters
    ----------
    values : array_like, 2-D
        Numbers to show; ``nan`` shows as an empty cell (not computed yet).
    **options
        ``title``, ``marks`` (``{(row, col): name or names}``, names from
        :data:`MARKS`), ``limit`` (colour scale ``[-limit, limit]``),
        ``decimals``, ``show_indices``, ``row_offset``, ``col_offset``,
        ``caption``, ``tint``, ``scale``: see :func:`make_grid`.

    Examples
    --------
    >>> "<table" in matrix_html([[1, -2]], title="kernel")
    True
    """
    return grid_html(make_grid(values, **options))


@functools.lru_cache(maxsize=8)
def _font(size: int, bold: bool = False):
    from pathlib import Path

    import matplotlib
    from PIL import ImageFont

    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


@functools.lru_cache(maxsize=4096)
def _cell_tile(label: str, background: str, foreground: str, border: str, size: int, font_px: int):
    # Animation frames repeat the same few cells: each is drawn once and pasted after.
    from PIL import Image, ImageDraw

    tile = Image.new("RGB", (size + 1, size + 1), _rgb(background))
    draw = ImageDraw.Draw(tile)
    draw.fontmode = "1"  # crisp text keeps each frame to a few exact colours
    draw.rectangle((0, 0, size, size), outline=_rgb(border))
    if label:
        draw.text(
            (size / 2, size / 2), label, font=_font(font_px), fill=_rgb(foreground), anchor="mm"
        )
    return tile


@functools.lru_cache(maxsize=4096)
def _text_image(text: str, font_px: int, bold: bool, colour: str):
    from PIL import Image, ImageDraw

    font = _font(font_px, bold)
    left, top, right, bottom = font.getbbox(text or " ")
    image = Image.new("RGB", (max(right, 1), max(bottom, 1)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    draw.text((0, 0), text, font=font, fill=_rgb(colour))
    return image


def grid_image(grid: Grid):
    """The grid drawn with Pillow as the HTML table looks: title, indices, cells, caption."""
    from PIL import Image, ImageDraw

    t = theme()
    c, small, bold = grid.cell_px, _font(t.small_px), _font(t.font_px, True)
    rows, cols = grid.shape
    index_w = int(small.getlength("0") * len(str(rows + grid.row_offset))) + 10
    line = t.font_px + 6
    top = line + t.small_px + 6
    width = (
        max(
            index_w + cols * c,
            int(bold.getlength(grid.title or "")),
            int(small.getlength(grid.caption or "")),
        )
        + 2
    )
    height = top + rows * c + (line if grid.caption else 0) + 2
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste(_text_image(grid.title or "", t.font_px, True, t.text), (0, 0))
    for j in range(cols):
        label = _text_image(str(j + grid.col_offset), t.small_px, False, "#666666")
        image.paste(label, (index_w + j * c + (c - label.width) // 2, top - label.height - 3))
    for i in range(rows):
        y = top + i * c
        label = _text_image(str(i + grid.row_offset), t.small_px, False, "#666666")
        image.paste(label, (index_w - label.width - 4, y + (c - label.height) // 2))
        for j in range(cols):
            marks = grid.marks.get((i, j), ())
            fg = "#666666" if "pad" in marks else grid.foreground[i, j]
            label = "" if "hidden" in marks else grid.text[i, j]
            tile = _cell_tile(label, grid.background[i, j], fg, t.grid, c, grid.font_px)
            image.paste(tile, (index_w + j * c, y))
    draw = ImageDraw.Draw(image)
    for name, colour in (("window", t.highlight), ("current", t.accent)):
        cells = [ij for ij, names in grid.marks.items() if name in names]
        if cells:  # one frame around the whole window, as the slides draw it
            (i0, j0), (i1, j1) = np.min(cells, axis=0), np.max(cells, axis=0)
            box = (
                index_w + j0 * c + 1,
                top + i0 * c + 1,
                index_w + (j1 + 1) * c - 1,
                top + (i1 + 1) * c - 1,
            )
            draw.rectangle(box, outline=_rgb(colour), width=t.border_px)
    if grid.caption:
        image.paste(_text_image(grid.caption, t.small_px, False, t.text), (0, top + rows * c + 3))
    return image


# --- layout and images -----------------------------------------------------------


def colour_legend() -> str:
    """One line naming the grid colours, in the words every view uses."""
    return text_html(
        f"colours: negative: {NEGATIVE_NAME}, zero: white, positive: {POSITIVE_NAME}", small=True
    )


def row_html(*panels: str, gap_px: int = 8) -> str:
    """Panels side by side, wrapping on narrow screens."""
    style = f"display:flex;flex-wrap:wrap;gap:{gap_px}px;align-items:flex-start;"
    return f'<div style="{style}">{"".join(panels)}</div>'


def text_html(text: str, *, bold: bool = False, mono: bool = False, small: bool = False) -> str:
    """A line of escaped text in the theme's size and colour."""
    t = theme()
    size = t.small_px if small else t.font_px
    style = f"font-size:{size}px;color:{t.text};margin:2px 0;line-height:1.3;"
    style += "font-weight:bold;" if bold else ""
    style += "font-family:monospace;" if mono else ""
    return f'<div style="{style}">{html.escape(text)}</div>'


def to_rgb_uint8(image, mode: str = "gray", limit: float | None = None) -> np.ndarray:
    """Map an image to displayable uint8 RGB.

    ``mode`` says how values become colours: ``"gray"`` (or ``"clip"``)
    clips ``[0, 1]``; ``"signed"`` maps ``[-limit, limit]`` onto the
    purple-white-orange scale (zero white; a colour image shows the mean of
    its channels); ``"abs"`` shows ``|x|`` scaled by its maximum;
    ``"normalize"`` stretches min..max to 0..1.
    """
    img = np.asarray(image, dtype=np.float64)
    if mode == "signed":
        if limit is None:
            limit = float(np.abs(img).max()) or 1.0
        gray = img if img.ndim == 2 else img.mean(axis=-1)
        return np.round(diverging_rgb(gray / limit)).astype(np.uint8)
    if mode in ("gray", "clip"):
        scaled = np.clip(img, 0.0, 1.0)
    elif mode == "abs":
        top = np.abs(img).max()
        scaled = np.abs(img) / top if top > 0 else np.abs(img)
    elif mode == "normalize":
        lo, hi = img.min(), img.max()
        scaled = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    else:
        raise ValueError(
            f"mode must be one of 'gray', 'clip', 'abs', 'normalize', 'signed'; got {mode!r}"
        )
    out = np.round(scaled * 255).astype(np.uint8)
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    return np.ascontiguousarray(out)


def png_bytes(rgb: np.ndarray, scale: int = 1, width: int | None = None) -> bytes:
    """Encode a uint8 ``(H, W, 3)`` array as PNG.

    ``scale`` enlarges it (nearest neighbour, for small grids); ``width``
    shrinks a larger picture to the width it is shown at, so no pixel is
    stored that the page would not show.
    """
    from PIL import Image

    arr = np.asarray(rgb, dtype=np.uint8)
    if scale > 1:
        arr = arr.repeat(scale, axis=0).repeat(scale, axis=1)
    image = Image.fromarray(arr)
    if width is not None and width < image.width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.BOX)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def photo_bytes(rgb: np.ndarray, width: int | None = None) -> bytes:
    """Encode a photograph-like uint8 ``(H, W, 3)`` array as JPEG (quality 92, no chroma
    subsampling), shrunk to ``width``: a twentieth of the time and a quarter of the bytes of
    PNG for continuous-tone pictures, with no visible loss at that quality."""
    from PIL import Image

    image = Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    if width is not None and width < image.width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.BOX)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=92, subsampling=0)
    return buf.getvalue()


def data_uri(image: bytes) -> str:
    """PNG or JPEG bytes as a ``data:`` URI."""
    kind = "jpeg" if image[:3] == b"\xff\xd8\xff" else "png"
    return f"data:image/{kind};base64," + base64.b64encode(image).decode("ascii")


def png_img_tag(png: bytes, alt: str, width: int | None = None) -> str:
    """An ``<img>`` tag embedding PNG (or JPEG) bytes, for static HTML views."""
    size = f' width="{width}"' if width else ""
    return f'<img src="{data_uri(png)}" alt="{html.escape(alt)}"{size}/>'
