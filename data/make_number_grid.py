"""Write data/examples/number_grid_20x20.json: a handwritten-style "3" as 20 x 20 pixel numbers.

Notebook 01 opens with "what we see" next to "what computers see": a small picture
printed as the table of numbers a computer stores. The grid is drawn here from a few
lines of geometry, so the course owns it outright (MIT, like the rest of the code) and
anyone can redraw it: no randomness, numpy only, the same bytes on every machine.

The digit is drawn the way MNIST stores its digits: a bright stroke on a black
background, with soft edges where the pen only partly covers a pixel. Values run from
0 to 99 so that every one prints with two digits (``f"{v:02d}"``), as on the slide;
they are stored as uint8, like the pixels of an image file.

    python data/make_number_grid.py          # rewrite the JSON file
    python data/make_number_grid.py --check  # exit 1 if the file differs from a fresh drawing
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

SIZE = 20
BRIGHTEST = 99  # two printed digits per pixel
PEN_RADIUS = 1.05  # pixels
SUPERSAMPLE = 5  # points per pixel side used to measure how much of a pixel the pen covers
OUT = Path(__file__).resolve().parent / "examples" / "number_grid_20x20.json"


def _arc(cx, cy, radius, start_deg, stop_deg, points=200):
    """Points along a circular arc; angles in degrees, y pointing down as in an image."""
    angles = np.deg2rad(np.linspace(start_deg, stop_deg, points))
    return np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])


def stroke_points() -> np.ndarray:
    """The pen's path for a "3": an upper and a lower bowl meeting in the middle."""
    upper = _arc(9.6, 5.9, 3.7, -165, 100)
    lower = _arc(9.6, 13.2, 4.0, -100, 165)
    return np.vstack([upper, lower])


def draw(points: np.ndarray) -> np.ndarray:
    """Ink coverage of each pixel (0..1) for a round pen of PEN_RADIUS along ``points``."""
    offsets = (np.arange(SUPERSAMPLE) + 0.5) / SUPERSAMPLE
    fine = (np.arange(SIZE)[:, None] + offsets[None, :]).ravel()  # sample positions
    ys, xs = np.meshgrid(fine, fine, indexing="ij")
    samples = np.column_stack([xs.ravel(), ys.ravel()])
    # distance from every sample to the nearest point of the path, in chunks
    nearest = np.full(len(samples), np.inf)
    for chunk in np.array_split(points, 8):
        gaps = np.linalg.norm(samples[:, None, :] - chunk[None, :, :], axis=2)
        nearest = np.minimum(nearest, gaps.min(axis=1))
    inked = (nearest <= PEN_RADIUS).reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE)
    return inked.mean(axis=(1, 3))


def number_grid() -> np.ndarray:
    """The 20 x 20 uint8 grid, values 0..99, brightest where the pen covers a whole pixel."""
    coverage = draw(stroke_points() + 0.5)  # path in pixel units, centres at k + 0.5
    return np.rint(coverage * BRIGHTEST).astype(np.uint8)


def record(grid: np.ndarray) -> dict:
    return {
        "name": "number_grid_20x20",
        "kind": "input",
        "description": "A handwritten-style digit 3 as 20 x 20 pixel numbers: "
        "'What Computers See'.",
        "dtype": "uint8",
        "shape": list(grid.shape),
        "source": {
            "seed": "004",
            "file": "004_de03cef06f263a38.txt",
            "lecture": "Convolutional Neural Network (Kuan-Ting Lai, 2020/6/6)",
            "heading": "Digital Images ('What We See' / 'What Computers See')",
        },
        "course_choice": True,
        "notes": [
            "Stored as uint8 (it stands for pixel values); convert to float before "
            "subtracting or convolving with negative weights.",
            "The course's choice: the slide prints a 20 x 20 grid of two-digit numbers that "
            "is not a picture (it appears to be the number grid of Project Euler problem 11, "
            "which is licensed for non-commercial use only). This grid plays the same role "
            "with a real picture: a digit 3, bright stroke on black as in MNIST, drawn by "
            "data/make_number_grid.py.",
            "Values run from 0 (black) to 99 (full ink) so that each prints with two digits, "
            "as on the slide; partly inked pixels at the stroke's edge get values in between.",
        ],
        "data": grid.tolist(),
    }


def render(grid: np.ndarray) -> str:
    """The JSON text, one grid row per line, as the other example files are laid out."""
    text = json.dumps(record(grid), indent=2)
    rows = ",\n".join("    " + json.dumps(row).replace(",", ", ") for row in grid.tolist())
    head, _ = text.split('"data": [', 1)
    return head + '"data": [\n' + rows.replace(",  ", ", ") + "\n  ]\n}\n"


def main(argv: list[str]) -> int:
    text = render(number_grid())
    if argv == ["--check"]:
        same = OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.name}: {'matches' if same else 'DIFFERS from'} a fresh drawing")
        return 0 if same else 1
    if argv:
        print(__doc__)
        return 2
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
