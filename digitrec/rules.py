"""Printed rules and boxes in an ink mask: found as straight marks, and erased.

A register's lines, a form's field, a cheque's amount box: printed, straight, and longer
than a stroke. Erasing them leaves the pen's ink where a stroke crosses or leans on them.
Used by the single-digit pipeline (:mod:`digitrec.preprocess`) and the number reader
(:mod:`digitrec.segment`).
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.pieces import pieces_with_stats

# Breaks (pixels) bridged along a line: noise and JPEG leave small gaps in faint lines.
LINE_GAP = 3
# Distance resolution of the line search (pixels): two, so that a line slightly turned from
# the pixel grid still falls into one bin.
LINE_RHO = 2
# Rules lie within this angle of the horizontal (or the vertical): a photo turns the page.
LINE_MAX_ANGLE = 12.0
# A printed box round the writing (a form's field, a cheque's amount box, a row of boxes
# for one digit each) is one mark with a straight side along each side of its bounding
# box: at least FRAME_SIDE_SHARE of that side long, its middle at most FRAME_BAND times the
# box's shorter side from it (a photo turns the box a little), and other ink inside. Its
# sides are shorter than a page's rules: left, they were read as digits (4-digit numbers of
# MNIST training digits in such a box, photographed: 25% read, 92% without the box) or
# outweighed the digit (one digit in a box: 59% read).
FRAME_SIDE_SHARE = 0.5
FRAME_BAND = 0.1
FRAME_MIN_SIDE = 16  # pixels: smaller rings are the loops of digits
# A ring drawn by hand round the writing (an answer circled on a worksheet) is one mark
# with no straight stretch RING_STRAIGHT of its longer side long (a field's printed rules,
# which the writing touches, join into a frame round it) that goes round all the other ink,
# clear of it by at least RING_GAP of the ring's shorter side, on at least RING_SIDES of its
# four sides, with the writing at least RING_CONTENT of the ring's height inside (a 0 round
# a speck is a 0), and more than one straight stroke (a stroke RING_LINE_ASPECT times as
# long as it is wide): a slash or a bar inside a 0 that does not reach it is the same
# picture as a ring round a 1, and stays a 0. Left, the ring was read as a 0 round
# the digit: UNIPEN digits photographed on paper and circled (bench/pen_replay_accuracy.py
# --medium circled, 2,000) 27.40% -> 91.40% read; the 1s 8.7% -> 40.6%.
RING_GAP = 0.02
RING_CONTENT = 0.3
RING_SIDES = 3
RING_LINE_ASPECT = 4.0
RING_STRAIGHT = 0.8


def straight_marks(mask: np.ndarray, min_length: float) -> np.ndarray:
    """Segments (x0, y0, x1, y1) of the straight marks in ``mask`` at least ``min_length`` long.

    The mask is thickened first: a thin line slightly turned from the pixel grid steps
    sideways, and the segment search follows a one-pixel corridor.
    """
    thick = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    found = cv2.HoughLinesP(
        thick,
        LINE_RHO,
        np.pi / 360,
        int(min_length / 4),
        minLineLength=min_length,
        maxLineGap=LINE_GAP,
    )
    return np.empty((0, 4), np.int32) if found is None else found.reshape(-1, 4)


def without_lines(
    mask: np.ndarray, horizontal: bool, min_length: float, reach: float = 0.0
) -> np.ndarray:
    """``mask`` (0/1 uint8) without its straight horizontal (or vertical) lines at least
    ``min_length`` long or running from side to side of the picture, their ends within
    ``reach`` (a share) of its sides; where a stroke crosses or leans on a line, the stroke
    keeps its ink."""
    return _erased(mask, _lines(mask, horizontal, min_length, reach), horizontal)


def _lines(looked_at: np.ndarray, horizontal: bool, min_length: float, reach: float) -> np.ndarray:
    """The segments (x0, y0, x1, y1) of :func:`without_lines`'s lines in ``looked_at``."""
    side = looked_at.shape[1] if horizontal else looked_at.shape[0]
    segments = straight_marks(looked_at, min(min_length, (1 - 2 * reach) * side))
    if len(segments) == 0:
        return segments
    dx = (segments[:, 2] - segments[:, 0]).astype(np.float64)
    dy = (segments[:, 3] - segments[:, 1]).astype(np.float64)
    angle = np.degrees(np.arctan2(np.abs(dy), np.abs(dx)))
    along = segments[:, [0, 2]] if horizontal else segments[:, [1, 3]]
    side_to_side = (along.min(axis=1) <= reach * side) & (
        along.max(axis=1) >= (1 - reach) * side - 1
    )
    long_enough = np.hypot(dx, dy) >= min_length
    wanted = angle <= LINE_MAX_ANGLE if horizontal else angle >= 90 - LINE_MAX_ANGLE
    return segments[wanted & (long_enough | side_to_side)]


def _erased(mask: np.ndarray, segments: np.ndarray, horizontal: bool) -> np.ndarray:
    """``mask`` without the ink of the lines along ``segments``, but for the strokes that
    cross them (``mask`` itself when nothing goes)."""
    if len(segments) == 0:
        return mask
    band = np.zeros_like(mask)
    for x0, y0, x1, y1 in segments:
        cv2.line(band, (int(x0), int(y0)), (int(x1), int(y1)), 1, 3)
    thickness = _line_thickness(mask, band, horizontal)
    band = np.zeros_like(mask)
    for x0, y0, x1, y1 in segments:
        cv2.line(band, (int(x0), int(y0)), (int(x1), int(y1)), 1, thickness + 2)
    # A stroke crossing the line runs on across it: what extends beyond the line's own
    # thickness, across it, is the pen's, and stays.
    across = (thickness + 4, 1) if horizontal else (1, thickness + 4)  # (rows, columns)
    strokes = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones(across, np.uint8))
    line = (band > 0) & (mask > 0) & (strokes == 0)
    if not line.any():
        return mask
    cleaned = mask.copy()
    cleaned[line] = 0
    return cleaned


def ink_near_opposite_sides(mask: np.ndarray, reach: float) -> bool:
    """Whether ink lies within ``reach`` (a share) of two opposite sides of ``mask``: without
    it nothing runs from side to side, and :func:`without_rules_past_the_digit` has nothing
    to do (nearly every picture: the check is all it costs them)."""
    height, width = mask.shape
    columns, rows = mask.any(axis=0), mask.any(axis=1)
    edge_x, edge_y = int(reach * width) + 1, int(reach * height) + 1
    return bool(
        (columns[:edge_x].any() and columns[-edge_x:].any())
        or (rows[:edge_y].any() and rows[-edge_y:].any())
    )


def without_rules_past_the_digit(
    mask: np.ndarray, reach: float, beyond: float, near: float
) -> np.ndarray:
    """``mask`` (0/1 uint8, one digit's picture) without the printed rules that cross it
    from side to side (ends within ``reach`` of the sides) and run on past the rest of the
    ink: at one end by at least ``beyond`` times that ink's extent across them, at the other
    by at least ``near`` pixels (a digit written near the picture's edge).

    A rule under or through a digit photographed on ruled paper runs on past the digit; the
    digit's own straight strokes in a picture cut close round it (a 7's bar, a 2's base, a
    4's bar, a whole 1) end where the rest of the digit does, at one end at least, and stay.
    Rules across and rules along (a register's columns) are each looked for in the runs of
    ink along them (a grid's crossing rules would break them up), and judged against the ink
    that neither leaves.
    """
    height, width = mask.shape
    runs_across = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, width // 4 + 1), np.uint8))
    runs_along = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((height // 4 + 1, 1), np.uint8))
    lines_along = _lines(runs_along, False, np.inf, reach)
    across = _erased(mask, _lines(runs_across, True, np.inf, reach), True)
    along = _erased(mask, lines_along, False)
    if across is mask and along is mask:
        return mask
    rest = _erased(across, lines_along, False)
    if not rest.any():
        return mask
    erased = []
    for ruled, axis in ((across, 0), (along, 1)):
        if ruled is mask:
            erased.append(False)
            continue
        kept = np.flatnonzero(rest.any(axis=axis))  # where the rest lies along the rules
        gone = np.flatnonzero((mask & (1 - ruled)).any(axis=axis))
        span = np.flatnonzero(rest.any(axis=1 - axis))  # the rest's extent across them
        ends = sorted((kept[0] - gone[0], gone[-1] - kept[-1]))
        erased.append(bool(ends[1] >= beyond * (span[-1] - span[0] + 1) and ends[0] >= near))
    if all(erased):
        return rest  # where the rules cross, neither keeps the other's ink as a stroke
    return across if erased[0] else along if erased[1] else mask


def _line_thickness(mask: np.ndarray, centre: np.ndarray, horizontal: bool) -> int:
    """The lines' thickness: ink runs across the lines through their centre pixels."""
    axis = 0 if horizontal else 1
    spread = cv2.dilate(centre, np.ones((15, 1) if horizontal else (1, 15), np.uint8))
    runs = ((mask > 0) & (spread > 0)).sum(axis=axis)
    crossed = runs[runs > 0]
    return int(np.median(crossed)) if len(crossed) else 1


def without_frames(
    mask: np.ndarray, components: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """``mask`` (0/1 uint8) without the printed boxes drawn round the writing (see
    ``FRAME_SIDE_SHARE``), strokes written across a box's side keeping their ink, and
    without a ring drawn round it (see ``RING_GAP``).
    ``components``: the mask's 8-connected labels and stats, when the caller has them."""
    if components is None:
        _, labels, stats, _ = pieces_with_stats(mask)
    else:
        labels, stats = components
    cleaned = mask
    for k in range(1, len(stats)):
        x, y, w, h = (int(v) for v in stats[k, :4])
        if min(w, h) < FRAME_MIN_SIDE:
            continue
        band = max(2, round(FRAME_BAND * min(w, h)))
        inside = (slice(y + band, y + h - band), slice(x + band, x + w - band))
        if not ((mask[inside] > 0) & (labels[inside] != k)).any():
            continue  # nothing inside: a digit's loop, not a box
        frame = (labels == k).astype(np.uint8)
        found = straight_marks(frame, FRAME_SIDE_SHARE * min(w, h))
        if _four_sides(found, (x, y, w, h), band):
            sides = without_lines(frame, horizontal=True, min_length=FRAME_SIDE_SHARE * w)
            sides = without_lines(sides, horizontal=False, min_length=FRAME_SIDE_SHARE * h)
            erased = (frame > 0) & (sides == 0)  # strokes across a side keep their ink
        elif _goes_round(mask, frame, (x, y, w, h)):
            erased = frame > 0
        else:
            continue
        if cleaned is mask:
            cleaned = mask.copy()
        cleaned[erased] = 0
    return cleaned


def _goes_round(mask: np.ndarray, ring: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Is ``ring`` (0/1, one mark of ``mask``, its bounding ``box``) a ring drawn round all
    the other ink (see ``RING_GAP``)?"""
    x, y, w, h = box
    gap = max(1, round(RING_GAP * min(w, h)))
    others = (mask > 0) & (ring == 0)
    inside = np.zeros_like(others)
    inside[y + gap : y + h - gap, x + gap : x + w - gap] = True
    if not others.any() or (others & ~inside).any():
        return False
    rows, cols = np.flatnonzero(others.any(axis=1)), np.flatnonzero(others.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if bottom - top < RING_CONTENT * h:
        return False
    points = np.column_stack(np.nonzero(others)[::-1]).astype(np.float32)
    long_side, short_side = sorted(cv2.minAreaRect(points)[1], reverse=True)
    if long_side >= RING_LINE_ASPECT * max(short_side, 1.0):
        return False  # one straight stroke inside: a 0 with its slash or bar, not circled
    reach = cv2.dilate(others.astype(np.uint8), np.ones((2 * gap + 1, 2 * gap + 1), np.uint8))
    if (reach & ring).any():  # the ring comes close to the writing: a 0 round a slash, say
        return False
    sides = (
        ring[top:bottom, :left].any(),
        ring[top:bottom, right:].any(),
        ring[:top, left:right].any(),
        ring[bottom:, left:right].any(),
    )
    if sum(sides) < RING_SIDES:
        return False
    # Last, as the dearest: printed rules, joined into a frame by the writing touching them.
    return not len(straight_marks(ring, RING_STRAIGHT * max(w, h)))


def _four_sides(segments: np.ndarray, box: tuple[int, int, int, int], band: int) -> bool:
    """Whether ``segments`` (x0, y0, x1, y1) hold a straight side along each side of
    ``box`` (x, y, w, h), within ``band`` pixels of it."""
    x, y, w, h = box
    x0, y0, x1, y1 = (segments[:, i].astype(np.float64) for i in range(4))
    angle = np.degrees(np.arctan2(np.abs(y1 - y0), np.abs(x1 - x0)))
    length = np.hypot(x1 - x0, y1 - y0)
    across = (angle <= LINE_MAX_ANGLE) & (length >= FRAME_SIDE_SHARE * w)
    down = (angle >= 90 - LINE_MAX_ANGLE) & (length >= FRAME_SIDE_SHARE * h)
    row, column = (y0 + y1) / 2, (x0 + x1) / 2
    return bool(
        (across & (np.abs(row - y) <= band)).any()
        and (across & (np.abs(row - (y + h - 1)) <= band)).any()
        and (down & (np.abs(column - x) <= band)).any()
        and (down & (np.abs(column - (x + w - 1)) <= band)).any()
    )
