"""Pen strokes drawn the way the page's canvas draws them: a round brush, anti-aliased.

Used to replay recorded handwriting (:mod:`digitrec.training.pen_replay`) and to draw synthetic
handwriting styles for training (:mod:`digitrec.training.augment`), so both look like what a finger
or mouse leaves on the canvas.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Strokes = Sequence[Sequence[Sequence[float]]]

# Drawing at 4x and shrinking gives the anti-aliased edges the browser's canvas draws.
SUPERSAMPLE = 4
# Fixed-point bits for cv2's drawing: sub-pixel precision for the stroke points.
SHIFT = 2


def draw(
    strokes: Strokes,
    height: float,
    brush: float,
    centre: tuple[float, float],
    size: int,
) -> np.ndarray:
    """The strokes drawn white on black with a round brush: a ``size`` x ``size`` uint8 image.

    The strokes' bounding box is scaled to ``height`` pixels (less if it would not fit the
    image's width) and centred at ``centre``; a lone point becomes a dot, as a tap leaves it.
    Stroke coordinates are in any unit, with y growing downwards.
    """
    traces = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    points = np.concatenate(traces)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.maximum(high - low, 1e-6)
    scale = min(height / extent[1], 0.9 * size / extent[0])
    offset = np.asarray(centre) - (low + high) / 2 * scale
    return render([trace * scale + offset for trace in traces], brush, (size, size))


def render(traces: Sequence[np.ndarray], brush: float, shape: tuple[int, int]) -> np.ndarray:
    """Traces given in pixels ((N, 2) arrays of x, y) drawn white on black with a round
    brush, anti-aliased: a uint8 image of ``shape`` (height, width)."""
    height, width = shape
    big = np.zeros((height * SUPERSAMPLE, width * SUPERSAMPLE), np.uint8)
    thickness = max(1, round(brush * SUPERSAMPLE))
    for trace in traces:
        xy = np.round(np.asarray(trace) * SUPERSAMPLE * (1 << SHIFT)).astype(np.int32)
        if len(xy) == 1 or np.ptp(xy, axis=0).max() == 0:
            radius = max(1, thickness // 2) << SHIFT
            cv2.circle(big, tuple(int(v) for v in xy[0]), radius, 255, -1, cv2.LINE_8, SHIFT)
        else:
            cv2.polylines(big, [xy], False, 255, thickness, cv2.LINE_8, SHIFT)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)


def canvas_rgba(ink: np.ndarray, transparent: bool) -> np.ndarray:
    """White strokes ``ink`` (uint8, 0 = none) as the page's canvas returns them: RGBA, on
    transparent pixels or on an opaque black background."""
    white = np.full_like(ink, 255)
    if transparent:
        return np.dstack([white, white, white, ink])
    return np.dstack([ink, ink, ink, white])
