"""UNIPEN pen-tablet digits, replayed stroke by stroke as drawings on the page's canvas.

A validation set of real handwriting (9,835 digits by writers of several institutions, none
from NIST or MNIST): never training data for the shipped model. Each digit's recorded pen
traces are drawn with a round brush on a 280x280 canvas, as a person drawing on the page
leaves them: real stroke order and proportions, no skeleton spurs.

The file is looked for at ``$DIGITREC_UNIPEN``, then beside the repository at
``../shared/data/unipen/unipen-1a-digits.ndjson.gz``; it is never committed.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from digitrec.training import REPO_ROOT
from digitrec.training.strokes import canvas_rgba, draw

ENV_VAR = "DIGITREC_UNIPEN"
FILE_NAME = "unipen-1a-digits.ndjson.gz"
DEFAULT_PATH = REPO_ROOT.parent / "shared/data/unipen" / FILE_NAME
CANVAS = 280
# What issue 10 measured with: digits 120-240 px tall on the 280 px canvas, drawn with a
# 12-28 px brush (the page's slider spans 8-40 px, default 20).
HEIGHT_RANGE = (120, 240)
BRUSH_RANGE = (12, 28)
# Pen on paper, as a share of the digit's height: a fine ballpoint on a 1 cm digit (0.3 mm)
# to a felt pen (1.5 mm).
PAPER_PEN_RANGE = (0.03, 0.15)
# The side of the square ink image that the photo renders enlarge to the digit's size.
INK_SIDE = 112


class UnipenUnavailable(RuntimeError):
    """The UNIPEN file is not on disk; the message says where it was looked for."""


@dataclass(frozen=True)
class PenDigit:
    """One recorded digit: its label, contributor (``org``), session (``file``), strokes."""

    label: int
    org: str
    file: str
    strokes: tuple[np.ndarray, ...]


def data_path(path: str | os.PathLike | None = None) -> Path:
    """Where the UNIPEN file is read from: argument, ``$DIGITREC_UNIPEN``, then shared/."""
    if path is not None:
        return Path(path)
    return Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else DEFAULT_PATH


@lru_cache(maxsize=2)
def load(path: str | os.PathLike | None = None) -> tuple[PenDigit, ...]:
    """Every digit in the file, in file order (y flipped to grow downwards, as on screen)."""
    source = data_path(path)
    if not source.is_file():
        raise UnipenUnavailable(
            f"UNIPEN digits not found at {source}; set ${ENV_VAR} to the .ndjson.gz file"
        )
    digits = []
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            strokes = tuple(
                np.array(stroke, np.float64).reshape(-1, 2) * (1.0, -1.0)
                for stroke in record["strokes"]
                if len(stroke)
            )
            if strokes:
                digits.append(
                    PenDigit(int(record["label"]), record["org"], record["file"], strokes)
                )
    return tuple(digits)


def canvas_drawing(digit: PenDigit, rng: np.random.Generator, transparent: bool = True):
    """``digit`` replayed on the page's 280x280 canvas as RGBA, at a random size and brush."""
    height = rng.uniform(*HEIGHT_RANGE)
    brush = int(rng.integers(BRUSH_RANGE[0], BRUSH_RANGE[1] + 1))
    margin = height / 2 + brush
    centre = tuple(rng.uniform(min(margin, CANVAS / 2), max(CANVAS - margin, CANVAS / 2), 2))
    return canvas_rgba(draw(digit.strokes, height, brush, centre, CANVAS), transparent)


def screen_drawing(digit: PenDigit, rng: np.random.Generator) -> np.ndarray:
    """``digit`` drawn in a drawing app and saved whole: a flat grey canvas 640-1920 px wide
    (as high as 0.5-1 times that), the digit 10-60% of its height anywhere on it, edges
    included, with a brush 1/18 to 1/6 of the digit's height; black on white or white on
    black."""
    width = int(rng.integers(640, 1921))
    height = int(width * rng.uniform(0.5, 1.0))
    size = rng.uniform(0.1, 0.6) * height
    brush = size * rng.uniform(1 / 18, 1 / 6)
    side = int(1.2 * size + 2 * brush) + 1
    ink = draw(digit.strokes, size, brush, (side / 2, side / 2), side)
    rows, cols = np.flatnonzero(ink.max(axis=1)), np.flatnonzero(ink.max(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1][:height, :width]
    canvas = np.zeros((height, width), np.uint8)
    top = int(rng.integers(0, height - ink.shape[0] + 1))
    left = int(rng.integers(0, width - ink.shape[1] + 1))
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return 255 - canvas if rng.random() < 0.5 else canvas


def paper_ink(digit: PenDigit, rng: np.random.Generator) -> np.ndarray:
    """``digit`` written with a pen on paper, as the photo renders of
    :mod:`digitrec.training.renders` take a digit: a square uint8 image, ink bright, the
    digit 80% of its height, the pen a fine ballpoint to a felt pen."""
    height = 0.8 * INK_SIDE
    pen = max(1.0, height * rng.uniform(*PAPER_PEN_RANGE))
    return draw(digit.strokes, height, pen, (INK_SIDE / 2, INK_SIDE / 2), INK_SIDE)
