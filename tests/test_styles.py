"""Writing styles MNIST hardly has, drawn on the page's canvas, are read correctly.

Each digit is drawn here as a person draws it on the 280x280 canvas (white brush strokes
on black, as the page returns them), from coordinates written out in this file, not from
the training code's style generators.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitrec.training.strokes import canvas_rgba, draw


def _oval(cx, cy, rx, ry, start=-90.0, turn=360.0, points=24):
    angles = np.deg2rad(np.linspace(start, start + turn, points))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


STYLES = {
    "slashed zero": (0, [_oval(0.5, 0.5, 0.3, 0.4), [(0.0, 1.0), (1.0, 0.0)]]),
    "slashed zero, long steep slash": (
        0,
        [_oval(0.5, 0.5, 0.28, 0.42), [(0.1, 1.05), (0.9, -0.05)]],
    ),
    "zero with a bar": (0, [_oval(0.5, 0.5, 0.3, 0.45), [(0.18, 0.5), (0.82, 0.5)]]),
    # A stroke inside a 0 that does not reach it: no ring drawn round a digit (a ring is
    # taken off the writing only round more than one straight stroke).
    "zero with a short slash inside": (
        0,
        [_oval(0.5, 0.5, 0.3, 0.45), [(0.38, 0.72), (0.62, 0.28)]],
    ),
    "zero with a short bar down its middle": (
        0,
        [_oval(0.5, 0.5, 0.3, 0.45), [(0.5, 0.25), (0.5, 0.75)]],
    ),
    "one with a long flag": (1, [[(0.15, 0.5), (0.65, 0.0), (0.45, 1.0)]]),
    "one with flag and base": (
        1,
        [[(0.3, 0.3), (0.55, 0.0), (0.55, 1.0)], [(0.3, 1.0), (0.8, 1.0)]],
    ),
    "one with a foot flicked up, as a cursive l": (
        1,
        [[(0.45, 0.0), (0.42, 0.8), (0.43, 0.95), (0.5, 1.0), (0.62, 0.95), (0.75, 0.82)]],
    ),
    "crossed seven": (7, [[(0.1, 0.0), (0.9, 0.0), (0.45, 1.0)], [(0.4, 0.5), (0.9, 0.5)]]),
    "hooked and crossed seven": (
        7,
        [[(0.1, 0.2), (0.1, 0.0), (0.9, 0.0), (0.45, 1.0)], [(0.35, 0.5), (0.85, 0.5)]],
    ),
    "one-stroke nine": (
        9,
        [[*_oval(0.45, 0.12, 0.12, 0.12, start=0.0, turn=-360.0), (0.57, 0.2), (0.35, 1.0)]],
    ),
    "nine with a wide looped head and a swung tail": (
        9,
        [
            [
                *_oval(0.45, 0.16, 0.35, 0.15, start=185.0, turn=345.0),
                (0.5, 0.4),
                (0.62, 0.6),
                (0.58, 0.82),
                (0.42, 1.0),
            ]
        ],
    ),
    "open four": (
        4,
        [[(0.25, 0.0), (0.2, 0.3), (0.3, 0.45), (0.75, 0.4)], [(0.85, 0.0), (0.55, 1.0)]],
    ),
    "looped two": (
        2,
        [
            [
                *_oval(0.5, 0.25, 0.3, 0.22, start=190.0, turn=190.0),
                (0.2, 0.85),
                *_oval(0.25, 0.85, 0.1, 0.1, start=180.0, turn=-330.0),
                (0.95, 0.92),
            ]
        ],
    ),
}
# Sizes and brushes a person uses on the 280 px canvas: (digit height, brush, centre).
DRAWINGS = [(200, 20, (140, 140)), (140, 12, (110, 150)), (230, 28, (140, 140))]


def canvas(strokes, height=200, brush=20, centre=(140, 140)) -> np.ndarray:
    """The page's canvas image: RGBA, white strokes on an opaque black background."""
    return canvas_rgba(draw(strokes, height, brush, centre, 280), transparent=False)


@pytest.mark.parametrize("name", list(STYLES))
def test_style_is_read_on_the_canvas_with_confidence(recognizer, name):
    label, strokes = STYLES[name]
    readings = [recognizer.recognize(canvas(strokes, *drawing)) for drawing in DRAWINGS]
    assert [r.digit for r in readings] == [label] * len(DRAWINGS), name
    assert not any(r.unsure for r in readings), [round(r.confidence, 2) for r in readings]
