"""Test images built the way users make them."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from digitrec.training import number_renders
from digitrec.training.pen_replay import PenDigit
from digitrec.training.renders import STROKES


def drawn_digit(label: int, size: int = 280, thickness: int = 22, scale: float = 7.0) -> np.ndarray:
    """A digit drawn in white with a thick round pen on black, like the canvas (grey)."""
    canvas = np.zeros((size, size), np.uint8)
    text = str(label)
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    origin = ((size - width) // 2, (size + height) // 2)
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    return canvas


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG")
    return buffer.getvalue()


def pen(label: int, strokes=None, style: int = 0) -> PenDigit:
    """A digit written in pen strokes (unit box, y down): the hand-made styles by default."""
    strokes = STROKES[label][style] if strokes is None else strokes
    return PenDigit(label, "test", "test", tuple(np.asarray(s, np.float64) for s in strokes))


def written(digits, seed=0, touching=False, height=120.0, brush=14.0):
    """The digits written as one number (slant, wobbling baseline, random spacing)."""
    return number_renders.pen_number(
        digits, np.random.default_rng(seed), touching=touching, height=height, brush=brush
    )


def number_canvas(number, seed=0) -> np.ndarray:
    """The number on the page's wide canvas: RGBA, white strokes on opaque black."""
    return number_renders.on_canvas(number, np.random.default_rng(seed))


def number_photo(digits, seed=0, ruled=False) -> bytes:
    """A JPEG photo of the digits written in pen on paper (no trailing dot)."""
    number = written([pen(d) for d in digits], seed=seed, height=70, brush=6)
    return number_renders.on_paper(number, np.random.default_rng(seed), ruled=ruled, dot=False)


def circled(number, pad: int, reach, clear: int, arc, pen: int, centred_on_mass: bool = False):
    """``number`` (NumberInk) padded by ``pad`` pixels with a ring drawn round its ink by
    hand, as an answer is circled on a worksheet: an ellipse ``reach`` (x, y) times the ink's
    span plus ``clear`` pixels each way, round the middle of the ink's box (or its centre of
    mass), drawn from ``arc[0]`` to ``arc[1]`` degrees in a pen ``pen`` pixels wide."""
    ink = np.pad(number.ink, pad)
    rows, cols = np.nonzero(ink > 0.5)
    if centred_on_mass:
        centre = (int(cols.mean()), int(rows.mean()))
    else:
        centre = (int((cols.min() + cols.max()) / 2), int((rows.min() + rows.max()) / 2))
    axes = (int(reach[0] * np.ptp(cols)) + clear, int(reach[1] * np.ptp(rows)) + clear)
    ring = np.zeros_like(ink)
    cv2.ellipse(ring, centre, axes, 0, *arc, 1.0, pen, cv2.LINE_AA)
    return number_renders.NumberInk(
        np.maximum(ink, ring), number.label, number.height, False, (ink,)
    )


def cut_out_of_a_number(digits, seed=0, height=70.0, brush=6.0):
    """The middle one of three pen digits written as a number, photographed and cut out by
    a box round its ink, bits of its neighbours coming in at the sides; and how much ink the
    bits hold against the digit's own."""
    number = written([pen(d) for d in digits], seed=seed, height=height, brush=brush)
    return number_renders.cut_from_a_number(number, 1, np.random.default_rng(seed))


def page_of_writing(lines: int = 40) -> np.ndarray:
    """A scanned page of printed text: hundreds of separate marks, none a number."""
    page = np.full((1600, 1200), 250, np.uint8)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while"]
    rng = np.random.default_rng(0)
    for row in range(lines):
        x = 30
        while x < 1050:
            word = words[int(rng.integers(len(words)))]
            y = 60 + 38 * row
            cv2.putText(page, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2, cv2.LINE_AA)
            x += cv2.getTextSize(word, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)[0][0] + 25
    return page
