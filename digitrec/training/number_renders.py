"""Handwritten numbers as people write them: test and benchmark inputs for ``read_number``.

Digits are laid side by side the way a hand lays them: each one after the last with a gap
measured between the inks themselves (row by row, so a slanted pair keeps its gap), a
baseline that wobbles, sizes that vary a little, the whole number slanted, and where asked
one pair touching or overlapping. Two sources of digits:

- :func:`mnist_number`: MNIST digits (use the *test* set for figures), redrawn with the
  canvas's round brush or enlarged as pen ink;
- :func:`pen_number`: recorded pen strokes (:mod:`digitrec.training.pen_replay`), all from one
  writing session so that the number is written by one person in one hand, with the
  writer's own proportions between digits, replayed with a round brush.

and three ways to hand them over: :func:`on_canvas` (the page's wide canvas, RGBA),
:func:`on_paper` (a JPEG photo or scan of paper: uneven light, noise, blur, sometimes a
register's printed rules under and around the number, sometimes a trailing dot) and
:func:`on_a_field` (the same cropped close round the number, as a form's field comes).
:func:`cut_from_a_number` photographs one digit cut out of the number by a box round it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digitrec.training import augment
from digitrec.training.renders import _uneven_light, developed
from digitrec.training.strokes import canvas_rgba, render

# The page's canvas for numbers (width, height), in CSS pixels (streamlit_app.NUMBER_CANVAS).
CANVAS = (640, 240)
CANVAS_BRUSH = (12, 28)  # the page's brush, pixels (the slider spans 8-40, default 20)
# Row-by-row gaps between neighbouring digits, in digit heights, when none touch ...
GAP_RANGE = (0.08, 0.45)
# ... and the overlap of the touching pair (0: the inks just meet).
OVERLAP_RANGE = (0.0, 0.03)
SLANT_RANGE = (-0.15, 0.35)  # dx/dy of the whole number; writers lean right more often
WOBBLE = 0.1  # the baseline's wave, in digit heights
SIZE_SPREAD = 0.1  # each digit's height varies this much around the writer's
FIELD_MARGIN = (0.0, 0.03)  # paper round a field's number, digit heights: a few pixels at most
# Paper round one digit's ink where it is cut out of a number (digit heights): a form
# reader's or a person's box round the digit, which takes in bits of the neighbours.
CUT_MARGIN = (0.0, 0.15)
# A cut-out digit has bits of its neighbours when they hold this much ink against its own.
NEIGHBOUR_BITS = 0.02


@dataclass(frozen=True)
class NumberInk:
    """A written number: ink coverage (float32, 0..1), its digits, each digit's own ink."""

    ink: np.ndarray
    label: str
    height: float  # a digit's height in pixels
    touching: bool  # whether some neighbouring pair's inks touch
    parts: tuple[np.ndarray, ...]  # each digit's ink alone, in the same frame as ``ink``

    @property
    def boxes(self) -> tuple[tuple[int, int, int, int], ...]:
        """x, y, w, h of each digit's ink."""
        return tuple(cv2.boundingRect((part > 0.02).astype(np.uint8)) for part in self.parts)

    def alone(self, k: int) -> NumberInk:
        """Digit ``k`` by itself, where it stands in the number's frame (to read it with no
        neighbours to tell apart)."""
        part = self.parts[k]
        return NumberInk(part, self.label[k], self.height, False, (part,))


def mnist_number(
    digits: Sequence[np.ndarray],
    labels: Sequence[int],
    rng: np.random.Generator,
    touching: bool = False,
    height: float = 120.0,
    brush: float | None = None,
) -> NumberInk:
    """MNIST digits (28x28, ink bright) written as one number ``height`` pixels tall.

    With a ``brush`` (pixels) the digits are retraced with a round brush that wide (what a
    finger leaves on the canvas); without, they are enlarged as pen ink (photos of paper).
    """
    diameter = max(3, round(brush)) if brush else 2
    layers = []
    for digit in digits:
        size = height * rng.uniform(1 - SIZE_SPREAD, 1 + SIZE_SPREAD)
        rows = np.flatnonzero(digit.max(axis=1) > 40)
        cols = np.flatnonzero(digit.max(axis=0) > 40)
        crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        scale = size / crop.shape[0]
        width = max(1, round(crop.shape[1] * scale))
        big = cv2.resize(crop, (width, max(1, round(size))), interpolation=cv2.INTER_CUBIC)
        if brush:
            # Smoothed first: the centre line of an enlarged 28 px bitmap is full of spurs.
            smooth = cv2.GaussianBlur(big, (0, 0), size / 40)
            # Padded: a digit that fills its crop (a thin 1) keeps a centre line.
            ink_mask = np.pad((smooth > 110).astype(np.uint8), diameter)
            traced = augment.brush_strokes(ink_mask, diameter)
            ink = cv2.GaussianBlur(traced.astype(np.float32), (3, 3), 0)
        else:  # pen ink saturates, where MNIST's grey edges do not
            ink = np.clip((big.astype(np.float32) / 255.0 - 0.2) / 0.6, 0.0, 1.0)
        layers.append(_tight(np.pad(ink, diameter)))
    return _lay_out(layers, "".join(str(int(v)) for v in labels), height, rng, touching)


def pen_number(
    digits: Sequence,
    rng: np.random.Generator,
    touching: bool = False,
    height: float = 120.0,
    brush: float | None = None,
) -> NumberInk:
    """Recorded pen digits (:class:`digitrec.training.pen_replay.PenDigit`, one writer's) written as
    one number whose median digit is ``height`` pixels tall, with a round ``brush``."""
    raw = [np.concatenate(d.strokes) for d in digits]
    raw_heights = [max(float(np.ptp(points[:, 1])), 1e-6) for points in raw]
    scale = height / float(np.median(raw_heights))
    if brush is None:
        brush = max(2.0, height * rng.uniform(0.07, 0.15))
    layers = []
    for digit, points in zip(digits, raw):
        low = points.min(axis=0)
        traces = [(stroke - low) * scale + brush for stroke in digit.strokes]
        extent = np.ptp(points, axis=0) * scale + 2 * brush
        shape = (int(np.ceil(extent[1])) + 1, int(np.ceil(extent[0])) + 1)
        ink = render(traces, brush, shape).astype(np.float32) / 255.0
        layers.append(_tight(ink))
    return _lay_out(layers, "".join(str(d.label) for d in digits), height, rng, touching)


def pen_for(
    medium: str, length: int, rng: np.random.Generator, mnist_ink: bool = False
) -> tuple[float, float | None]:
    """A digit height and a pen width, pixels, as a person writes ``length`` digits on
    ``medium`` ("canvas" or "paper"). The pen width is None for MNIST's own pen (half the
    time on paper when ``mnist_ink``: MNIST digits enlarged as they are)."""
    if medium == "canvas":
        # People write smaller when the number is long, to fit it on the canvas.
        digit = min(rng.uniform(90, 190), 0.85 * CANVAS[0] / (0.9 * length))
        return digit, float(rng.integers(CANVAS_BRUSH[0], CANVAS_BRUSH[1] + 1))
    digit = rng.uniform(30, 150)
    # A ballpoint or a felt pen.
    brush = max(1.5, digit * rng.uniform(0.04, 0.12))
    if mnist_ink and rng.random() < 0.5:
        brush = None
    return digit, brush


def mnist_digit_on_paper(
    digit: np.ndarray, label: int, rng: np.random.Generator, ruled: bool | None = None
) -> bytes:
    """One MNIST digit (28x28, ink bright) photographed as :func:`on_paper` photographs a
    number of one digit (a height and pen as :func:`pen_for` draws them; no trailing dot)."""
    height, brush = pen_for("paper", 1, rng, mnist_ink=True)
    number = mnist_number(digit[None], np.array([label]), rng, False, height, brush)
    return on_paper(number, rng, ruled=ruled, dot=False)


@dataclass(frozen=True)
class Placement:
    """Where a number's frame lies in the picture it was handed over in: a point (x, y) of
    the frame is at ``origin + scale * (x, y)`` (to tell whose ink is where)."""

    origin: tuple[int, int]
    scale: tuple[float, float] = (1.0, 1.0)


def on_canvas(number: NumberInk, rng: np.random.Generator, transparent: bool = False):
    """The number on the page's wide canvas (RGBA, white strokes), at a random place;
    shrunk to fit when it would not."""
    return placed_on_canvas(number, rng, transparent)[0]


def placed_on_canvas(
    number: NumberInk, rng: np.random.Generator, transparent: bool = False
) -> tuple[np.ndarray, Placement]:
    """:func:`on_canvas` and where the number went."""
    width, height = CANVAS
    ink = number.ink
    fit = min(1.0, 0.95 * width / ink.shape[1], 0.9 * height / ink.shape[0])
    if fit < 1.0:
        size = (max(1, round(ink.shape[1] * fit)), max(1, round(ink.shape[0] * fit)))
        ink = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    top = int(rng.integers(0, height - ink.shape[0] + 1))
    left = int(rng.integers(0, width - ink.shape[1] + 1))
    canvas = np.zeros((height, width), np.uint8)
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = np.round(ink * 255)
    scale = (ink.shape[1] / number.ink.shape[1], ink.shape[0] / number.ink.shape[0])
    return canvas_rgba(canvas, transparent), Placement((left, top), scale)


def in_a_box(number: NumberInk, margin: float) -> NumberInk:
    """The number with a printed box round it (a form's field, a cheque's amount box),
    ``margin`` digit heights from its ink, its line a thirtieth of a digit thick: for
    :func:`on_paper`."""
    pad = round(margin * number.height) + 4
    ink = np.pad(number.ink, pad)
    frame = np.zeros_like(ink)
    height, width = ink.shape
    thickness = max(1, round(number.height / 30))
    cv2.rectangle(frame, (2, 2), (width - 3, height - 3), 1.0, thickness)
    parts = tuple(np.pad(part, pad) for part in number.parts)
    return NumberInk(np.maximum(ink, frame), number.label, number.height, number.touching, parts)


def on_paper(
    number: NumberInk,
    rng: np.random.Generator,
    ruled: bool | None = None,
    dot: bool | None = None,
) -> bytes:
    """A JPEG photo or scan of the number written in pen on paper.

    Uneven light, sensor noise, blur and JPEG; with ``ruled`` (half the time by default) a
    register's printed rules: one the digits stand on or cross, one above, sometimes column
    rules left and right; with ``dot`` (a third of the time) a trailing dot.
    """
    return placed_on_paper(number, rng, ruled, dot)[0]


def on_a_field(number: NumberInk, rng: np.random.Generator, ruled: bool | None = None) -> bytes:
    """The number as a register's or a cheque's field comes: scanned paper (as
    :func:`on_paper`, no trailing dot) cropped close round its ink, FIELD_MARGIN digit
    heights of paper left on each side."""
    window = _ink_window(number.ink)
    parts = tuple(part[window] for part in number.parts)
    cropped = NumberInk(number.ink[window], number.label, number.height, number.touching, parts)
    return placed_on_paper(cropped, rng, ruled, dot=False, margin=FIELD_MARGIN)[0]


def pen_for_a_cut(rng: np.random.Generator, mnist_ink: bool = False) -> tuple[float, float | None]:
    """A digit height and pen (:func:`pen_for`, on paper, three digits) for a number whose
    digit :func:`cut_from_a_number` cuts out; a third of them 2-3 times as large, a larger
    scan or photo (which the pipeline reads on its path for large pictures)."""
    height, brush = pen_for("paper", 3, rng, mnist_ink=mnist_ink)
    if rng.random() < 1 / 3:
        height *= rng.uniform(2, 3)
        brush = None if brush is None else brush * rng.uniform(2, 3)
    return height, brush


def cut_from_a_number(number: NumberInk, k: int, rng: np.random.Generator) -> tuple[bytes, float]:
    """Digit ``k`` of the number photographed on paper (as :func:`on_a_field`) and cut out by
    a box CUT_MARGIN digit heights round its own ink, as digits cut out of a register's or a
    form's numbers come: bits of its neighbours come in at the box's sides. Also returns how
    much ink those bits hold against the digit's own (0: none came in)."""
    own = number.parts[k]
    rows, cols = _ink_window(own)
    pad = int(rng.uniform(*CUT_MARGIN) * number.height)
    window = np.s_[
        max(0, rows.start - pad) : rows.stop + pad, max(0, cols.start - pad) : cols.stop + pad
    ]
    others = [part for i, part in enumerate(number.parts) if i != k]
    bits = np.max(others, axis=0)[window] if others else np.zeros_like(own[window])
    share = float((bits > 0.5).sum()) / max(1.0, float((own[window] > 0.5).sum()))
    ink = number.ink[window]
    cut = NumberInk(ink, number.label[k], number.height, False, (ink,))
    return placed_on_paper(cut, rng, ruled=False, dot=False, margin=FIELD_MARGIN)[0], share


def placed_on_paper(
    number: NumberInk,
    rng: np.random.Generator,
    ruled: bool | None = None,
    dot: bool | None = None,
    margin: tuple[float, float] | None = None,
) -> tuple[bytes, Placement]:
    """:func:`on_paper` and where the number went; ``margin``: the range of paper left on
    each side, in digit heights (by default 0.3-1.0 above and below, 0.3-1.5 beside)."""
    digit = number.height
    if margin is None:
        pad_y = (rng.uniform(0.3, 1.0, 2) * digit).astype(int) + 2
        pad_x = (rng.uniform(0.3, 1.5, 2) * digit).astype(int) + 2
    else:
        pad_y = (rng.uniform(*margin, 2) * digit).astype(int)
        pad_x = (rng.uniform(*margin, 2) * digit).astype(int)
    alpha = np.pad(number.ink, ((pad_y[0], pad_y[1]), (pad_x[0], pad_x[1])))
    shape = alpha.shape
    if dot if dot is not None else rng.random() < 1 / 3:
        x, y, w, h = number.boxes[-1]
        radius = max(2, round(digit * rng.uniform(0.04, 0.07)))
        centre = (int(pad_x[0] + x + w + rng.uniform(0.15, 0.4) * digit), int(pad_y[0] + y + h))
        cv2.circle(alpha, centre, radius, 1.0, -1, cv2.LINE_AA)
        if centre[0] + radius >= shape[1]:
            alpha = np.pad(alpha, ((0, 0), (0, radius * 2)))
            shape = alpha.shape
    rules = np.zeros(shape, np.float32)
    if ruled if ruled is not None else rng.random() < 0.5:
        feet = pad_y[0] + int(np.median([y + h for x, y, w, h in number.boxes]))
        rules = _register_rules(shape, feet, digit, rng)
    paper = rng.uniform(0.78, 0.97) * np.array(
        [1.0, rng.uniform(0.95, 1.0), rng.uniform(0.88, 1.0)]
    )
    rule_colour = rng.choice([[0.55, 0.7, 0.9], [0.55, 0.55, 0.55], [0.75, 0.5, 0.5]])
    pen = rng.choice([[0.1, 0.1, 0.12], [0.12, 0.15, 0.45], [0.2, 0.2, 0.2]]) * rng.uniform(
        0.5, 1.4
    )
    photo = np.empty((*shape, 3), np.float32)
    photo[:] = paper.astype(np.float32)
    for layer, colour in ((rules, rule_colour), (alpha, pen)):
        photo += layer[..., None] * (np.asarray(colour, np.float32) - photo)
    photo *= _uneven_light(shape, rng)[..., None]
    jpeg = developed(photo, rng, noise=0.035, blur=digit / 100, quality=45)
    return jpeg, Placement((int(pad_x[0]), int(pad_y[0])))


def _register_rules(shape: tuple[int, int], feet: int, digit: float, rng: np.random.Generator):
    """A register's printed rules: a line at the digits' feet (a little above or below, so
    that strokes cross it or stand on it), the one above, maybe column rules at the sides."""
    height, width = shape
    rules = np.zeros(shape, np.float32)
    thickness = int(rng.integers(1, 4))
    strength = rng.uniform(0.5, 1.0)
    under = feet + rng.uniform(-0.08, 0.12) * digit
    tilt = rng.uniform(-0.01, 0.01) * width
    for y in (under, under - rng.uniform(1.3, 1.9) * digit):
        y0, y1 = y - tilt / 2, y + tilt / 2
        if 0 < y0 < height and 0 < y1 < height:
            ends = (0, round(y0 * 4)), (round((width - 1) * 4), round(y1 * 4))
            cv2.line(rules, *ends, strength, thickness, cv2.LINE_AA, 2)
    if rng.random() < 0.3:
        for x in (int(rng.integers(0, 3)), width - 1 - int(rng.integers(0, 3))):
            cv2.line(rules, (x, 0), (x, height - 1), strength, thickness, cv2.LINE_AA)
    return rules


def _tight(ink: np.ndarray) -> np.ndarray:
    return ink[_ink_window(ink)]


def _ink_window(ink: np.ndarray) -> tuple[slice, slice]:
    """The rows and columns of ``ink`` (coverage 0..1) that hold any."""
    rows = np.flatnonzero(ink.max(axis=1) > 0.02)
    cols = np.flatnonzero(ink.max(axis=0) > 0.02)
    return np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _lay_out(
    layers: list[np.ndarray], label: str, height: float, rng: np.random.Generator, touching: bool
) -> NumberInk:
    """The digits' inks side by side, as one hand writes them (see the module's notes)."""
    n = len(layers)
    pair = int(rng.integers(n - 1)) if touching and n > 1 else -1
    phase, cycles = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.2)
    wave = rng.uniform(0, WOBBLE) * height
    margin = int(height)
    tallest = max(layer.shape[0] for layer in layers)
    baseline = margin + tallest
    tops, lefts = [], []
    for k, layer in enumerate(layers):
        drift = wave * np.sin(phase + 2 * np.pi * cycles * k / max(n, 2))
        drift += rng.normal(0, 0.03 * height)
        tops.append(round(baseline + drift - layer.shape[0]))
        if k == 0:
            lefts.append(margin)
            continue
        if k - 1 == pair:
            gap = -rng.uniform(*OVERLAP_RANGE) * height
        else:
            gap = max(3.0, rng.uniform(*GAP_RANGE) * height)
        step = _offset(layers[k - 1], tops[k - 1], layer, tops[k], gap)
        lefts.append(lefts[-1] + max(step, layers[k - 1].shape[1] // 4))
    width = max(left + layer.shape[1] for left, layer in zip(lefts, layers)) + margin
    depth = max(top + layer.shape[0] for top, layer in zip(tops, layers)) + margin
    slant = rng.uniform(*SLANT_RANGE)
    frames = []
    for layer, top, left in zip(layers, tops, lefts):
        frame = np.zeros((depth, width), np.float32)
        frame[top : top + layer.shape[0], left : left + layer.shape[1]] = layer
        frames.append(_slanted(frame, baseline, slant))
    ink = np.max(frames, axis=0)
    x, y, w, h = cv2.boundingRect((ink > 0.02).astype(np.uint8))
    x0, y0 = max(0, x - 2), max(0, y - 2)
    window = (slice(y0, y + h + 2), slice(x0, x + w + 2))
    touches = pair >= 0 and _touch(layers, tops, lefts, pair)
    parts = tuple(frame[window] for frame in frames)
    return NumberInk(ink[window], label, height, touches, parts)


def _offset(left: np.ndarray, left_top: int, right: np.ndarray, right_top: int, gap: float):
    """How far right of ``left``'s origin ``right`` goes so that, on the rows both inks
    share, the narrowest space between them is ``gap`` pixels (negative: overlap)."""
    rows = np.arange(
        max(left_top, right_top), min(left_top + left.shape[0], right_top + right.shape[0])
    )
    ink_l = left[rows - left_top] > 0.5 if len(rows) else None
    ink_r = right[rows - right_top] > 0.5 if len(rows) else None
    if ink_l is None or not (ink_l.any(axis=1) & ink_r.any(axis=1)).any():
        return left.shape[1] + gap
    both = ink_l.any(axis=1) & ink_r.any(axis=1)
    right_edge = left.shape[1] - 1 - np.argmax(ink_l[both][:, ::-1], axis=1)
    left_edge = np.argmax(ink_r[both], axis=1)
    return round(float(np.max(right_edge - left_edge)) + 1 + gap)


def _touch(layers, tops, lefts, pair: int) -> bool:
    """Whether the inks of digits ``pair`` and ``pair + 1`` meet (8-connected, above half)."""
    a, b = pair, pair + 1
    x0, y0 = min(lefts[a], lefts[b]), min(tops[a], tops[b])
    x1 = max(lefts[a] + layers[a].shape[1], lefts[b] + layers[b].shape[1])
    y1 = max(tops[a] + layers[a].shape[0], tops[b] + layers[b].shape[0])
    masks = []
    for k in (a, b):
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        top, left = tops[k] - y0, lefts[k] - x0
        mask[top : top + layers[k].shape[0], left : left + layers[k].shape[1]] = layers[k] > 0.5
        masks.append(mask)
    return bool((cv2.dilate(masks[0], np.ones((3, 3), np.uint8)) & masks[1]).any())


def _slanted(ink: np.ndarray, baseline: float, slant: float) -> np.ndarray:
    """``ink`` leant by ``slant`` (dx/dy) about its baseline, widened to keep it all."""

    def shift(y: float) -> float:  # how far row y moves right
        return slant * (baseline - y)

    extra = -min(0.0, shift(0), shift(ink.shape[0]))
    size = (ink.shape[1] + int(np.ceil(abs(slant) * ink.shape[0])) + 1, ink.shape[0])
    matrix = np.float32([[1, -slant, slant * baseline + extra], [0, 1, 0]])
    return cv2.warpAffine(ink, matrix, size, flags=cv2.INTER_LINEAR)
