"""Find the digits of a handwritten number: the segmentation behind ``Recognizer.read_number``.

The ink is found as for one digit (:func:`digitrec.preprocess.ink_mask`, and for large
photos :func:`digitrec.preprocess.search_marks` first), at a size where a digit is about
a hundred pixels tall. Ruled lines are taken out of it and specks dropped. What is left is
cut into *atoms*: the connected marks, and wide marks cut again where the ink is thinnest
across the writing's slant (where two digits touch). A digit is then a run of neighbouring
atoms: one mark, a broken digit's pieces (a "5" whose bar came loose, a pen that skipped),
or a piece of a touching pair. Every plausible run is rendered to 28x28 by the same
:func:`digitrec.preprocess.mask_to_mnist` as single digits; the model reads them all in one
call, and :func:`decode` picks the reading, left to right, that costs the least: the
model's doubt about each digit plus what its shape makes unlikely (wider than a digit,
much shorter than its neighbours, pieces far apart, a cut through much ink). Small marks
such as a trailing dot may be left out; digit-sized ones cost dearly to leave out.

This is the classic over-segment-then-recognize scheme for handwritten numbers (as in
cheque and postcode readers), with the shipped CNN as the recognizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digitrec.pieces import pieces_with_stats
from digitrec.preprocess import (
    SEARCH_MIN_SIDE,
    SMALL_DIGIT_SHARE,
    flat_drawing,
    ink_mask,
    large_digit_box,
    mask_to_mnist,
    padded_crop,
    search_copy,
    search_marks,
    stroke_width,
)
from digitrec.rules import without_frames, without_lines

# --- the working size ------------------------------------------------------------------------
# A picture is first looked at with its longer side at most WORK_MAX_SIDE (a long strip or
# a page stays cheap) and its height at least WORK_MIN_HEIGHT; digits found there smaller
# than MIN_DIGIT_HEIGHT or larger than MAX_DIGIT_HEIGHT are looked at again, DIGIT_HEIGHT tall.
WORK_MAX_SIDE = 1024
WORK_MIN_HEIGHT = 112
# Pictures larger than this are first searched for the number at a small size (a phone
# photo of a page); smaller ones (canvases, scans of a field, crops) are read whole, and
# searched too, as ``recognize`` searches them (preprocess.SEARCH_MIN_SIDE and
# SMALL_DIGIT_SHARE), when the writing read whole is small in them and something reaches
# their rim (the table beyond the paper's edge, a shadow): phone photos of one UNIPEN digit
# shrunk to 300-600 px, read as numbers, 75 -> 102 of 150 (the table's edge was read as a
# 1, or nothing was found); 4-digit numbers on paper and canvas, 600, the same but one
# more read.
SEARCH_SIDE = 1600
# A digit this tall keeps its detail through the 20x20 box and its cuts stay cheap; small
# digits are cut out of the original picture again at this height (a 12 MP photo's digit is
# found at 512 px and read at full resolution).
DIGIT_HEIGHT = 112
MAX_DIGIT_HEIGHT = 224
# Digits found shorter than this are cut out again at DIGIT_HEIGHT: from a big picture at
# its full resolution (56 px before), and from a small one (a small photo or scan of a
# number) enlarged, at most MAX_ENLARGE times: a thin pen's touching strokes, 1-3 px apart
# at 40 px, then part along a cut. 4-digit numbers with a touching pair photographed on
# paper (MNIST *training* digits / UNIPEN pen digits, 200 each): 77.5 / 68.0% -> 80.5 /
# 74.5% (digits under 50 px gained most); apart 95.5 / 93.5% -> 94.5 / 93.5%; canvases
# unchanged. Enlarging every digit under 112 px read the same (81.0 / 75.0%), and 4 times
# as 3.
MIN_DIGIT_HEIGHT = 90
MAX_ENLARGE = 3.0
# ... but a stroke this thick (working pixels) already parts cleanly: the canvas's brush
# (12 px and up) is not enlarged, which kept 8 digits on the canvas at 92 ms a number
# instead of 150 ms, reading the same numbers; 8 px read 4 fewer of the 400 above.
THICK_STROKE = 12.0
# Paper kept around the found number when it is cut out, in digit heights.
CROP_PAD = 0.6
# A large drawing on a flat background whose ink is at most this many times as tall as its
# largest mark is one line of writing, cut out by its ink (a number drawn 12 px from the
# top of a 1920 x 1080 screenshot lost its first digit to the search's rim).
FLAT_LINE_HEIGHTS = 1.6

# --- marks ----------------------------------------------------------------------------------
# Ruled lines: straight marks this many times as long as the picture is high (and at least
# this share of its width), within rules.LINE_MAX_ANGLE of the horizontal.
LINE_MIN_HEIGHTS = 1.5
LINE_MIN_WIDTH_SHARE = 0.5
# Lines of writing: a single mark stacked over or under another line's marks, this close
# (a share of the lower one's height) and the two together at most this many digit heights
# tall, is a digit in two pieces, not a line (an 8 of two loops, read as "0" and a note
# that 2 lines were found: 2 of 400 UNIPEN digits drawn on the canvas).
STACK_GAP = 0.35
STACK_HEIGHT = 2.5
# A straight line that runs from side to side of the picture, its ends within this share of
# the sides, is a rule however short: a photo of one or two digits in a register is barely
# wider than high, and its rules, shorter than 1.5 heights, were read as digits or joined
# the column rules into one grid-shaped mark (a "1" beside most single digits on ruled
# paper: 21 of 300 such photos were misread, bench/number_accuracy.py's paper renders).
# Printed rules run on past the picture's edge; a large digit's flat base drawn across the
# canvas stops a few pixels short of it, and at 5% it was taken for a rule (a 2 read as
# "7"): of 400 UNIPEN digits drawn on the canvas and read as numbers, 4 wrong at 5% are
# right at 1%, none the other way; single digits on ruled paper (300 MNIST training
# digits, 300 of pen strokes) read 7 and 7 wrong at 5%, 8 and 6 at 1%.
RULE_REACH = 0.01
# Vertical rules (a register's columns, a box's sides) are longer than this many digits,
# or run along this share of a side of the picture, at its edge.
RULE_MIN_DIGITS = 1.5
EDGE_RULE_SPAN = 0.9
# ... and leave at least half of the picture's other side to the writing.
EDGE_RULE_SHARE = 0.5
# ... and only a mark from edge to edge is, down a side of a picture whose other marks fill
# this share of its height: a field cropped close round the number (a printed box's sides
# leave the digits at most 77% of a field that keeps 0.15 digit heights of paper above and
# below them).
CLOSE_CROP = 0.85
# A mark smaller than this share of a digit's height squared is a speck (dust, JPEG, grain).
SPECK_AREA = 0.002
# In a picture cut round a number found in a larger one, a mark that reaches the rim at
# least this many digit heights from the other marks is from outside the number (the
# paper's edge). 12 MP phone photos of one UNIPEN digit, read as numbers: 14 -> 7 of 200
# wrong, and on 300 others 18 -> 6 (``recognize``: 4); the paper edges were 0.3-0.5
# heights from the digit.
RIM_GAP = 0.2
# ... unless the rim is the picture's own side and the mark stands in the row of the others
# (at least half of it inside the row's height) and counts as a mark (MARK_SHARE): a digit,
# or a piece of one, of a number cropped close. An upright line (no wider than LINE_WIDTH of
# its height) must be a 1 to stay: at least half a digit tall, reaching at most ROW_REACH
# digit heights above or below the row; a register's column rule, broken where the ruling
# was erased, reaches further or leaves a short piece.
LINE_WIDTH = 0.2
ROW_REACH = 0.3
# Marks at least this share of a digit's height count as marks the reader reports; more than
# MAX_MARKS of them is a page of writing, not a number, and is not read digit by digit.
MARK_SHARE = 0.3
MAX_MARKS = 40

# --- cuts -----------------------------------------------------------------------------------
# A mark wider than this many digit heights (along the slant) may be several digits; one
# wider than MAX_TOUCHING is a line or a scribble, not a row of touching digits, and is not
# cut (which also bounds the work on what is not a number).
SPLIT_WIDTH = 0.55
MAX_TOUCHING = 12
# Cuts are tried every CUT_SAMPLE digit heights across a wide mark, from CUT_MARGIN in from
# its ends; at most one cut is made per CUT_SPACING of its width (a 1 is that narrow).
CUT_MARGIN = 0.05
CUT_SAMPLE = 0.04
CUT_SPACING = 0.15
# Every cut tried is a candidate, the thinnest first, so long as it leaves at least SLIVER
# full-height strokes' worth of ink on either side (half a "1": cuts through a tip would
# spend the cuts). On 4-digit numbers of MNIST *training* digits and UNIPEN pen digits
# (canvas and paper, 350 numbers per kind, two seeds), against taking only the valleys of
# the ink crossed: a touching pair's right reading was among the candidates 82.7% -> 88.6%
# of the time and the number was read exactly 59.0% -> 63.5%; numbers apart 91.7% -> 92.2%.
SLIVER = 0.5
# A cut may bend this far (digit heights) from where it was tried to go round a stroke;
# each sideways pixel costs this share of crossing an ink pixel.
CUT_REACH = 0.15
CUT_STEP = 0.1
# Ink at least SEAM pen widths from the paper costs a cut only SEAM_COST of an ink pixel:
# the seam where two strokes written against each other fused (a 1 against a 0's side, a
# 4's arm along a 5's back), which no path across the mark could part for less than two
# strokes' ink, and where strokes cross. A single stroke's middle lies half a width from
# the paper and keeps its full toll. On 4-digit numbers of MNIST *training* digits and UNIPEN
# pen digits (canvas and paper, 150 per kind, two draws), exact with one touching pair
# 73.0% -> 76.8% and 73.8% -> 78.5%, apart 95.3% -> 95.3% and 94.3% -> 94.5%. SEAM 0.5 (a
# stroke's middle too) read touching 79.2% and 81.8%, but cut single strokes lengthwise: a
# touching "76" the verifier used to save was read as one digit again.
SEAM = 0.6
SEAM_COST = 0.1

# --- the reading ----------------------------------------------------------------------------
# At most this many atoms make one digit, at most this wide (digit heights, along the slant).
MAX_ATOMS = 7
MAX_WIDTH = 1.6
# ... and at least this much ink, in full-height strokes (a 1 has about one): specks stacked
# one above the other (the ends of a box's faint side) were read as a "1".
MIN_INK = 0.25
# Each digit's usual core width (ink width less one stroke) in heights, along its slant: the
# median of 30,000 MNIST training digits enlarged to 112 px, thresholded, slant removed by
# their moments.
DIGIT_WIDTH = (0.68, 0.07, 0.72, 0.57, 0.59, 0.64, 0.53, 0.58, 0.5, 0.5)
# Costs, in units of -log(probability), the unit of the model's doubt about a digit. Chosen
# by a random search (2,500 trials) for the most numbers read exactly, averaged over source
# (MNIST *training* digits; pen strokes of UNIPEN's syn, aga, art and pri writers), input
# (canvas, paper) and kind (one digit alone, 2-8 digits apart, one touching pair), keeping
# every number of tests/test_numbers.py read right, with the shipped model of three deeper
# CNNs. Checked on numbers the search never saw (MNIST test digits; UNIPEN's ibm, ced, gmd
# and tos writers), against the costs before: mean exact 80.6% -> 81.6%, pen numbers with a
# touching pair 53% -> 57% (canvas) and 40% -> 44% (paper), the others within +-1 point.
DIGIT_COST = -0.45  # each digit read (a reward: a touching pair is read as two digits)
WIDE = 0.26  # digits wider than their usual width by this many heights ...
WIDTH_WEIGHT = 1.52  # ... cost this much per height beyond it
NARROW = 0.21  # digits narrower than their usual width by this many heights ...
NARROW_WEIGHT = 2.81  # ... cost this much per height beyond it
SHORT = 0.94  # digits shorter than this share of the number's digits ...
HEIGHT_WEIGHT = 1.98  # ... cost this much per height below it
GAP = 0.02  # pieces of one digit farther apart than this many heights ...
GAP_WEIGHT = 9.68  # ... cost this much per height beyond it
CUT_WEIGHT = 0.38  # per stroke crossed by a cut between two digits
SKIP_WEIGHT = 3.55  # leaving a mark out, per full-height stroke's worth of its ink
# Per unit of the verifier's log-odds that a candidate is one whole digit, neither a merged
# pair nor a piece. Chosen on numbers of MNIST training digits and of UNIPEN writers: from
# 0.1 to 0.5 it reads nearly the same numbers; 0.3 read the most of both.
WHOLENESS_WEIGHT = 0.3


@dataclass(frozen=True)
class Candidate:
    """A run of atoms ``start:stop`` that may be one digit, rendered for the model.

    Its shape is measured in digit heights (the height of the number's tall marks): ``width``
    of its centre lines along the writing's slant (its ink's width less one pen stroke),
    ``height``, and ``gap``, the widest space between its pieces (a 5's detached bar or
    a pen that skipped leaves a small one; two digits a larger one).
    """

    start: int
    stop: int
    box: tuple[int, int, int, int]  # x, y, w, h in the input picture's pixels
    processed: np.ndarray  # the 28x28 uint8 image the model reads
    width: float
    height: float
    gap: float


@dataclass(frozen=True)
class Segmentation:
    """The atoms of one picture and the runs of them that may be digits.

    ``ink[i]`` is how much ink atom ``i`` holds, in full-height strokes (what leaving it out
    loses); ``crossings[i]`` how many strokes the cut between atoms ``i - 1`` and ``i`` crosses
    (nil between separate marks). ``marks`` counts the digit-sized marks found; ``note`` says
    why nothing was read when something was seen.
    """

    candidates: tuple[Candidate, ...]
    ink: tuple[float, ...]
    crossings: tuple[float, ...]
    marks: int
    note: str | None = None

    @property
    def atoms(self) -> int:
        return len(self.ink)


EMPTY = Segmentation(candidates=(), ink=(), crossings=(), marks=0)


def segment(grey: np.ndarray) -> Segmentation:
    """Find the candidate digits of the number in ``grey`` (2-D uint8, either polarity).

    Returns a :class:`Segmentation`; :func:`decode` turns the model's reading of its
    candidates into the number.
    """
    writing = find_writing(grey)
    if isinstance(writing, Segmentation):
        return writing
    return _candidates(writing)


@dataclass(frozen=True)
class Writing:
    """The number's marks as found, at the working size ``factor`` of the picture whose
    part from ``offset`` (x, y) was looked at; ``note`` says what was left out."""

    marks: _Marks
    factor: float
    offset: tuple[int, int]
    note: str | None


def find_writing(grey: np.ndarray) -> Writing | Segmentation:
    """The marks of the number in ``grey``, or the :class:`Segmentation` that says nothing
    is to be read (no ink, or a page of writing)."""
    if grey.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {grey.shape}")
    if min(grey.shape) < 3:
        return EMPTY
    offset, shape = (0, 0), grey.shape
    cut = None
    if max(grey.shape) > SEARCH_SIDE:
        found = _searched_for_writing(grey)
        if found is None:
            return EMPTY
    else:
        factor = _working_factor(grey.shape)
        marks = _marks(grey, factor)
        searched = _small_by_the_rim(marks, factor, grey.shape)
        found = _searched_for_writing(grey) if searched else None
    if found is not None:
        grey, offset, factor = found
        if max(grey.shape) < max(shape):
            cut = _cut_sides(offset, grey.shape, shape)
        marks = _marks(grey, factor, cut)
    if marks is not None and marks.count <= MAX_MARKS:
        wanted = min(MAX_ENLARGE, factor * DIGIT_HEIGHT / marks.height)
        enlarged = wanted > 1.0
        if (
            marks.height < MIN_DIGIT_HEIGHT
            and wanted > factor
            and not (enlarged and marks.stroke >= THICK_STROKE)
        ):
            # Small digits: cut the writing out of the original, at a size where a digit
            # has its detail (enlarged when the picture itself is small).
            box = tuple(v / factor for v in marks.box)
            grey, shift = _cut(grey, box, marks.height / factor)
            offset = (offset[0] + shift[0], offset[1] + shift[1])
            factor = wanted
            marks = _marks(grey, factor, _cut_sides(offset, grey.shape, shape))
        elif marks.height > MAX_DIGIT_HEIGHT:
            # Digits filling a big picture: as much detail as the 20x20 box needs, cheaper.
            factor = wanted
            marks = _marks(grey, factor, cut)
    if marks is None:
        return EMPTY
    if marks.count > MAX_MARKS:
        note = (
            f"found {marks.count} separate marks, more than a number of up to {MAX_MARKS} "
            "digits has: is this a page of writing rather than one number?"
        )
        return Segmentation(candidates=(), ink=(), crossings=(), marks=marks.count, note=note)
    lines = _lines(marks)
    note = None
    if len(lines) > 1:
        marks.keep = lines[0]
        note = (
            f"found {len(lines)} lines of writing; read the line with the largest mark "
            "(a number is read from one line)"
        )
    return Writing(marks, factor, offset, note)


def _searched_for_writing(grey: np.ndarray):
    """The number's part of a picture searched as a large photo is: (crop, its (x, y) in
    ``grey``, working factor), or None where nothing is found."""
    small = search_copy(grey)
    return _drawn_line(grey, small) or _large_digit(grey, small) or _locate(grey, small)


def _small_by_the_rim(marks: _Marks | None, factor: float, shape: tuple[int, ...]) -> bool:
    """Should a picture of ``shape`` read whole be searched (see SEARCH_SIDE)? Nothing was
    found in it, or its writing is small in it (not a page of writing) and some mark reaches
    its rim."""
    if max(shape) < SEARCH_MIN_SIDE:
        return False
    if marks is None:
        return True
    if marks.count > MAX_MARKS or marks.height / factor >= SMALL_DIGIT_SHARE * max(shape):
        return False
    return bool(_sides_reached(marks.stats[marks.keep], marks.mask.shape).any())


def decode(segmentation: Segmentation, digits, confidences, wholeness=None) -> list[int]:
    """Indexes of the candidates that make the cheapest reading, left to right.

    ``digits[k]`` is the model's best digit for candidate ``k`` and ``confidences[k]`` its
    probability; ``wholeness[k]``, when given, the log-odds that the candidate is one
    whole digit (:class:`digitrec.verifier.DigitVerifier`). A reading covers every atom
    once, as part of one digit or left out.
    """
    n = segmentation.atoms
    if n == 0:
        return []
    by_start: list[list[int]] = [[] for _ in range(n)]
    for k, candidate in enumerate(segmentation.candidates):
        by_start[candidate.start].append(k)
    cost = np.full(n + 1, np.inf)
    cost[0] = 0.0
    came_from: list[tuple[int, int | None]] = [(0, None)] * (n + 1)
    for i in range(n):
        if not np.isfinite(cost[i]):
            continue
        here = cost[i] + CUT_WEIGHT * segmentation.crossings[i]
        skip = here + SKIP_WEIGHT * segmentation.ink[i]
        if skip < cost[i + 1]:
            cost[i + 1], came_from[i + 1] = skip, (i, None)
        for k in by_start[i]:
            candidate = segmentation.candidates[k]
            doubt = -np.log(max(float(confidences[k]), 1e-6))
            total = here + DIGIT_COST + shape_cost(candidate, digits[k]) + doubt
            if wholeness is not None:
                total -= WHOLENESS_WEIGHT * float(wholeness[k])
            if total < cost[candidate.stop]:
                cost[candidate.stop], came_from[candidate.stop] = total, (i, k)
    chosen = []
    position = n
    while position > 0:
        position, k = came_from[position]
        if k is not None:
            chosen.append(k)
    return chosen[::-1]


def shape_cost(candidate: Candidate, digit: int) -> float:
    """What a candidate's shape makes unlikely for one ``digit``, in units of -log(p)."""
    excess = candidate.width - DIGIT_WIDTH[digit]
    return (
        WIDTH_WEIGHT * max(0.0, excess - WIDE)
        + NARROW_WEIGHT * max(0.0, -excess - NARROW)
        + HEIGHT_WEIGHT * max(0.0, SHORT - candidate.height)
        + GAP_WEIGHT * max(0.0, candidate.gap - GAP)
    )


# --- finding the marks ------------------------------------------------------------------------


# Whether each side (left, top, right, bottom) of a picture cut round the number was cut
# inside the picture it came from, or is that picture's own side.
Sides = tuple[bool, bool, bool, bool]


@dataclass
class _Marks:
    mask: np.ndarray  # 0/1 ink at the working size, lines and specks removed
    labels: np.ndarray  # connected marks, 1..count_all
    stats: np.ndarray  # cv2 stats per label
    keep: np.ndarray  # label indexes of the marks kept (not specks)
    height: float  # a digit's height at the working size
    stroke: float  # the pen's width at the working size
    box: tuple[int, int, int, int]  # the kept marks' bounding box, working size
    count: int  # digit-sized marks


def _working_factor(shape: tuple[int, ...]) -> float:
    height, width = shape
    return max(min(1.0, WORK_MAX_SIDE / max(height, width)), WORK_MIN_HEIGHT / height)


def _marks(grey: np.ndarray, factor: float, cut: Sides | None = None) -> _Marks | None:
    """The marks of ``grey`` at the working size ``factor``; in a picture ``cut`` round the
    number found in a larger one, not those that reach its rim from outside the number (see
    :func:`_off_the_rim`)."""
    mask = ink_mask(grey, factor, stroke_side=round(min(grey.shape) * factor))
    if mask is None:
        return None
    found = _components(mask)
    if found is None:
        return None
    if _digit_sized(*found[1:]) > MAX_MARKS:
        # A page of writing: said at once (the line search would take long over all of it).
        return _marks_found(mask, *found)
    mask = without_frames(mask, found[:2])
    mask = without_lines(mask, True, _line_length(mask.shape), RULE_REACH)
    found = _components(mask)
    if found is None:
        return None
    labels, stats, marks, height = found
    # Vertical rules are told by their length in digits, so they go once digits are known.
    ruled = without_lines(mask, False, RULE_MIN_DIGITS * height, RULE_REACH)
    if ruled is not mask:
        mask = ruled
        found = _components(mask)
        if found is None:
            return None
        labels, stats, marks, height = found
    if cut is not None:
        inside = _off_the_rim(labels, stats, marks, cut)
        if inside is not None:
            mask = inside
            labels, stats, marks, height = _components(mask)
    return _marks_found(mask, labels, stats, marks, height)


def _off_the_rim(
    labels: np.ndarray, stats: np.ndarray, marks: np.ndarray, cut: Sides
) -> np.ndarray | None:
    """The mask of ``marks`` less those that reach the rim apart from the others, or None
    if none do.

    A picture cut round the number found in a larger one has paper round the number (a
    CROP_PAD of digit heights), so what reaches its rim, RIM_GAP digit heights or more from
    the other marks, comes from outside: the paper's edge against the table or a shadow's,
    read as a "1" beside the digits. (A digit's stroke that the cut crossed, a 5's bar
    beyond the found box, comes close to the rest of its digit, and stays.) Where the cut
    stopped at the picture's own side (``cut`` is False for that side), there is no paper
    beyond the number to count on: a number cropped close, as registers' and cheques'
    fields are, has its digits there. A mark at such a side stays when it stands in the row
    of the others (see ROW_REACH).
    """
    x, y, w, h = (stats[marks, i] for i in range(4))
    at_side = _sides_reached(stats[marks], labels.shape)
    rim = at_side.any(axis=0)
    if not rim.any() or rim.all():
        return None
    at_cut = at_side[np.array(cut)].any(axis=0)
    inside = np.isin(labels, marks[~rim]).astype(np.uint8)
    distance = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    digit = _digit_height(stats[marks[~rim]])
    row_top, row_bottom = y[~rim].min(), (y[~rim] + h[~rim]).max()
    overlap = np.minimum(y + h, row_bottom) - np.maximum(y, row_top)
    reach = ROW_REACH * digit
    one = (y >= row_top - reach) & (y + h <= row_bottom + reach) & (h >= 0.5 * digit)
    part = (overlap >= 0.5 * h) & (np.maximum(w, h) >= MARK_SHARE * digit)
    in_row = np.where(w <= LINE_WIDTH * h, one, part)
    apart = [
        m
        for m, cut_off, in_the_row in zip(marks[rim], at_cut[rim], in_row[rim])
        if (cut_off or not in_the_row) and distance[labels == m].min() >= RIM_GAP * digit
    ]
    if not apart:
        return None
    return (np.isin(labels, marks) & ~np.isin(labels, apart)).astype(np.uint8)


def _sides_reached(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(4, N): whether each mark of ``stats`` reaches the left, top, right and bottom side
    of a picture of ``shape``."""
    height, width = shape
    x, y, w, h = (stats[:, i] for i in range(4))
    return np.stack([x <= 0, y <= 0, x + w >= width, y + h >= height])


def _marks_found(mask, labels, stats, marks, height) -> _Marks | None:
    """The marks that are not specks, with the pen's width and their bounding box."""
    keep = marks[stats[marks, cv2.CC_STAT_AREA] >= SPECK_AREA * height * height]
    if len(keep) == 0:
        return None
    x0 = stats[keep, 0].min()
    y0 = stats[keep, 1].min()
    x1 = (stats[keep, 0] + stats[keep, 2]).max()
    y1 = (stats[keep, 1] + stats[keep, 3]).max()
    stroke = max(1.0, stroke_width(mask))
    return _Marks(
        mask=mask,
        labels=labels,
        stats=stats,
        keep=keep,
        height=height,
        stroke=stroke,
        box=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)),
        count=_digit_sized(stats, keep, height),
    )


def _digit_sized(stats: np.ndarray, marks: np.ndarray, height: float) -> int:
    """How many of ``marks`` are large enough to be a digit or much of one."""
    sizes = np.maximum(stats[marks, cv2.CC_STAT_WIDTH], stats[marks, cv2.CC_STAT_HEIGHT])
    return int(np.sum(sizes >= MARK_SHARE * height))


def _components(mask: np.ndarray):
    """Connected marks: labels, stats, the labels that are not edge rules, a digit's height."""
    count, labels, stats, _ = pieces_with_stats(mask)
    marks = np.flatnonzero(~_edge_rules(stats, mask.shape))
    marks = marks[marks > 0]
    if len(marks) == 0:
        return None
    return labels, stats, marks, _digit_height(stats[marks])


def _lines(marks: _Marks) -> list[np.ndarray]:
    """The marks grouped into lines of writing, the line with the largest mark first.

    Digit-sized marks whose heights overlap are on one line (chained, so that a wavy
    baseline stays one line); a small mark (a dot, a broken-off bar) belongs to the line
    whose band holds its middle, or to none.
    """
    stats = marks.stats[marks.keep]
    top = stats[:, cv2.CC_STAT_TOP].astype(np.float64)
    bottom = top + stats[:, cv2.CC_STAT_HEIGHT]
    tall = np.flatnonzero(stats[:, cv2.CC_STAT_HEIGHT] >= 0.5 * marks.height)
    line_of = np.full(len(stats), -1)
    bands: list[list[float]] = []
    for i in tall[np.argsort(top[tall])]:
        for k, (low, high) in enumerate(bands):
            overlap = min(high, bottom[i]) - max(low, top[i])
            if overlap >= 0.3 * min(high - low, bottom[i] - top[i]):
                bands[k] = [min(low, top[i]), max(high, bottom[i])]
                line_of[i] = k
                break
        else:
            line_of[i] = len(bands)
            bands.append([top[i], bottom[i]])
    bands, line_of, joined = _stacked_pieces_joined(stats, bands, line_of, marks.height)
    # A digit in two pieces is as tall as both: its pieces' height would cut it into slivers.
    marks.height = max(marks.height, joined)
    if len(bands) <= 1:
        return [marks.keep]
    middle = (top + bottom) / 2
    for i in np.flatnonzero(line_of < 0):
        inside = [k for k, (low, high) in enumerate(bands) if low <= middle[i] <= high]
        line_of[i] = inside[0] if inside else -1
    largest = int(np.argmax(stats[:, cv2.CC_STAT_AREA] * (line_of >= 0)))
    order = sorted(range(len(bands)), key=lambda k: k != line_of[largest])
    return [marks.keep[line_of == k] for k in order]


def _stacked_pieces_joined(stats, bands, line_of, height):
    """Bands that are one digit written in two stacked marks (an 8 of two loops, a 9 whose
    tail came loose) joined into one: one of them a single mark, over or under the other's
    marks, the space between them at most STACK_GAP of the lower band's height, the two
    together at most STACK_HEIGHT digit heights tall. Also returns the tallest joined
    band's height (0 if none)."""
    left = stats[:, cv2.CC_STAT_LEFT].astype(np.float64)
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    order = sorted(range(len(bands)), key=lambda k: bands[k][0])
    joined = 0.0
    k = 0
    while k + 1 < len(order):
        upper, lower = order[k], order[k + 1]
        (top, bottom), (below_top, below_bottom) = bands[upper], bands[lower]
        pieces = [line_of == upper, line_of == lower]
        spans = [(left[p].min(), right[p].max()) for p in pieces]
        overlap = min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0])
        narrower = min(spans[0][1] - spans[0][0], spans[1][1] - spans[1][0])
        if (
            min(p.sum() for p in pieces) == 1
            and overlap >= 0.5 * narrower
            and below_top - bottom <= STACK_GAP * (below_bottom - below_top)
            and below_bottom - top <= STACK_HEIGHT * height
        ):
            line_of[line_of == lower] = upper
            bands[upper] = [top, max(bottom, below_bottom)]
            joined = max(joined, bands[upper][1] - top)
            order.pop(k + 1)
        else:
            k += 1
    kept = sorted(set(order))
    renumber = {old: new for new, old in enumerate(kept)}
    line_of = np.array([renumber.get(int(v), -1) for v in line_of])
    return [bands[k] for k in kept], line_of, joined


def _edge_rules(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Which marks are rules along the picture's edge (a register's column, a box's side,
    the border of a scanned field): thin, and running along a whole side of the picture."""
    height, width = shape
    x, y, w, h = (stats[:, i] for i in range(4))
    down = (h >= EDGE_RULE_SPAN * height) & (w <= 0.3 * h) & ((x <= 1) | (x + w >= width - 1))
    across = (w >= EDGE_RULE_SPAN * width) & (h <= 0.3 * w) & ((y <= 1) | (y + h >= height - 1))
    # A rule leaves the rest of the picture to the writing; a mark as wide (or as tall) as
    # the picture is the writing itself: a 1 in a photo cut at its ink (UNIPEN digits in
    # such crops, read as numbers: 252 -> 264 of 300 over 700 px, 274 -> 279 under 600;
    # single digits on ruled paper the same, 8 and 6 of 300 wrong).
    down &= w < EDGE_RULE_SHARE * width
    across &= h < EDGE_RULE_SHARE * height
    # Where the other marks fill the picture's height, it was cropped close round the
    # writing (a register's or a cheque's field): a mark down its side is a 1, unless it
    # runs from the top edge to the bottom one as a printed rule does.
    others = ~down & ~across & (h >= MARK_SHARE * height)
    others[0] = False  # the paper
    if others.any() and (y + h)[others].max() - y[others].min() >= CLOSE_CROP * height:
        down &= (y <= 1) & (y + h >= height - 1)
    return down | across


def _digit_height(stats: np.ndarray) -> float:
    """A digit's height: the median height of the tall marks (pieces and dots are shorter)."""
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    return float(max(1, np.median(heights[heights >= 0.5 * heights.max()])))


def _line_length(shape: tuple[int, ...]) -> float:
    height, width = shape
    return max(LINE_MIN_HEIGHTS * height, LINE_MIN_WIDTH_SHARE * width)


def _locate(grey: np.ndarray, small: np.ndarray):
    """In a large picture, the number: cut out of the original around its marks (``small``:
    its :func:`digitrec.preprocess.search_copy`).

    Returns (crop, (x, y) of the crop in ``grey``, working factor), or None.
    """
    found = search_marks(grey, small)
    box = None if found is None else _number_box(found[0])
    if box is None:
        return None
    x, y, w, h, digit = (v / found[1] for v in box)
    crop, offset = _cut(grey, (x, y, w, h), digit)
    return crop, offset, min(1.0, DIGIT_HEIGHT / digit)


def _large_digit(grey: np.ndarray, small: np.ndarray):
    """In a photo cropped close round one large digit (as :func:`digitrec.preprocess`
    judges it for ``recognize``), that digit cut out as :func:`_locate` does; None for other
    pictures. The search takes no mark that reaches the rim, and a crop cut at the ink has
    the digit's strokes there: UNIPEN digits in such 700-2000 px crops, 300, read as
    numbers 44.7% -> 88.7% (``recognize``: 95.3%); in photos cropped close round them
    (the digit clear of the rim) 80.7% -> 97.3%; 12 MP phone photos the same (35 of 1,100
    wrong), bar one MNIST test digit beside the table's edge, now taken for the digit's.
    """
    box = large_digit_box(small)
    if box is None:
        return None
    height, width = grey.shape
    x, y, w, h = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    crop, offset = _cut(grey, (x, y, w, h), h)
    return crop, offset, min(1.0, DIGIT_HEIGHT / h)


def _drawn_line(grey: np.ndarray, small: np.ndarray):
    """In a large drawing on a flat background (a screenshot of a drawing app), its one line
    of writing cut out as :func:`_locate` does, found by the ink's difference from the
    background: the search for writing on paper takes no mark near the picture's edge. None
    for other pictures, and for drawings of more than a line (searched instead)."""
    drawn = flat_drawing(grey, small)
    if drawn is None or drawn.box[3] > FLAT_LINE_HEIGHTS * drawn.largest[1]:
        return None
    x, y, w, h = drawn.box
    crop, offset = _cut(grey, (x, y, w, h), drawn.largest[1])
    return crop, offset, min(1.0, DIGIT_HEIGHT / drawn.largest[1])


def _number_box(marks: np.ndarray) -> tuple[float, float, float, float, float] | None:
    """The row of marks around the tallest one: (x, y, w, h, a digit's height)."""
    count, _, stats, _ = pieces_with_stats(marks)
    if count <= 1:
        return None
    stats = stats[1:]
    x, y, w, h = (stats[:, i].astype(np.float64) for i in range(4))
    row = {int(np.argmax(h * np.sqrt(stats[:, cv2.CC_STAT_AREA])))}
    grew = True
    while grew:
        grew = False
        members = sorted(row)
        digit = float(np.median(h[members]))
        top, bottom = (y[members]).min(), (y[members] + h[members]).max()
        left, right = (x[members]).min(), (x[members] + w[members]).max()
        for i in range(len(stats)):
            if i in row:
                continue
            overlap = min(bottom, y[i] + h[i]) - max(top, y[i])
            gap = max(left - (x[i] + w[i]), x[i] - right, 0)
            if overlap > 0.3 * min(h[i], digit) and gap <= 1.2 * digit:
                row.add(i)
                grew = True
    members = sorted(row)
    left, top = x[members].min(), y[members].min()
    right, bottom = (x[members] + w[members]).max(), (y[members] + h[members]).max()
    digit = float(np.median(h[members]))
    return left, top, right - left, bottom - top, digit


def _cut(grey: np.ndarray, box, digit: float) -> tuple[np.ndarray, tuple[int, int]]:
    """``box`` (x, y, w, h) of ``grey`` with paper around it; the crop and its origin."""
    return padded_crop(grey, box, CROP_PAD * digit + 2)


def _cut_sides(offset: tuple[int, int], crop: tuple[int, ...], picture: tuple[int, ...]) -> Sides:
    """Which sides (left, top, right, bottom) of a crop at ``offset`` (x, y), of shape
    ``crop``, were cut inside the ``picture``'s shape rather than lying on its own sides."""
    x, y = offset
    return (x > 0, y > 0, x + crop[1] < picture[1], y + crop[0] < picture[0])


# --- atoms and candidates ----------------------------------------------------------------------


def _candidates(writing: Writing) -> Segmentation:
    marks, factor, offset = writing.marks, writing.factor, writing.offset
    height, stroke = marks.height, marks.stroke
    slant = _slant(marks)
    atoms, atom_labels, cut_after = _atoms(marks, slant)
    n = len(atoms)
    ink = tuple(a.area / (stroke * height) for a in atoms)
    crossings = (0.0, *cut_after[: n - 1])
    candidates = []
    for start in range(n):
        for stop in range(start + 1, min(n, start + MAX_ATOMS) + 1):
            group = atoms[start:stop]
            low = min(a.low for a in group)
            high = max(a.high for a in group)
            if high - low > MAX_WIDTH * height:
                break
            if sum(ink[start:stop]) < MIN_INK:
                continue
            x0 = min(a.box[0] for a in group)
            y0 = min(a.box[1] for a in group)
            x1 = max(a.box[2] for a in group)
            y1 = max(a.box[3] for a in group)
            window = atom_labels[y0:y1, x0:x1]
            digit = ((window > start) & (window <= stop)).astype(np.uint8)
            box = (
                offset[0] + int(x0 / factor),
                offset[1] + int(y0 / factor),
                max(1, round((x1 - x0) / factor)),
                max(1, round((y1 - y0) / factor)),
            )
            candidates.append(
                Candidate(
                    start,
                    stop,
                    box,
                    mask_to_mnist(digit),
                    width=max(0.0, high - low + 1 - stroke) / height,
                    height=(y1 - y0) / height,
                    gap=_widest_gap(group) / height,
                )
            )
    return Segmentation(
        candidates=tuple(candidates),
        ink=ink,
        crossings=crossings,
        marks=marks.count,
        note=writing.note,
    )


def _widest_gap(group) -> float:
    """The widest space, along the slant, between the pieces of a group (left to right)."""
    widest, reach = 0.0, group[0].high
    for atom in group[1:]:
        widest = max(widest, atom.low - reach)
        reach = max(reach, atom.high)
    return widest


@dataclass
class _Atom:
    mark: int  # the connected mark it comes from
    low: float  # extent along the slant-corrected x axis
    high: float
    centre: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 at the working size
    area: int


def _slant(marks: _Marks) -> float:
    """The writing's slant, dx/dy, from the second moments of its tall marks."""
    mu11 = mu02 = 0.0
    for k in marks.keep:
        x, y, w, h = marks.stats[k, :4]
        if h < 0.5 * marks.height:
            continue
        moments = cv2.moments((marks.labels[y : y + h, x : x + w] == k).astype(np.uint8), True)
        mu11 += moments["mu11"]
        mu02 += moments["mu02"]
    return float(np.clip(mu11 / mu02, -1.0, 1.0)) if mu02 > 0 else 0.0


def _atoms(marks: _Marks, slant: float):
    """The atoms in reading order, a label image of them (atom i has label i + 1), and for
    each atom the number of strokes a cut after it crosses (0 after a mark's last atom)."""
    pieces = []  # (centre, mark, low, high, ys, xs, strokes cut after)
    for k in marks.keep:
        x, y, w, h = marks.stats[k, :4]
        ys, xs = np.nonzero(marks.labels[y : y + h, x : x + w] == k)
        # Along the slant: each row shifted as a whole, so the mark stays in one piece.
        shift = np.round(slant * (np.arange(h) - h / 2)).astype(np.int64)
        columns = xs - shift[ys]
        columns -= columns.min()
        sheared = np.zeros((h, int(columns.max()) + 1), np.uint8)
        sheared[ys, columns] = 1
        paths, crossed = _cuts(sheared, marks.height, marks.stroke)
        piece_of = np.zeros(len(ys), np.int64)
        for path in paths:
            piece_of += columns >= path[ys]
        order = np.argsort(piece_of, kind="stable")
        ends = np.searchsorted(piece_of[order], np.arange(len(paths) + 2))
        for i in range(len(paths) + 1):
            inside = order[ends[i] : ends[i + 1]]
            if len(inside) == 0:
                continue
            along = columns[inside].astype(np.float64)
            pieces.append(
                (
                    float(along.mean()) + x - shift.mean(),
                    int(k),
                    float(along.min()) + x,
                    float(along.max()) + x,
                    ys[inside] + y,
                    xs[inside] + x,
                    crossed[i] if i < len(paths) else 0.0,
                )
            )
    pieces.sort(key=lambda piece: piece[0])
    labels = np.zeros(marks.mask.shape, np.int32)
    atoms, cut_after = [], []
    for i, (centre, mark, low, high, ys, xs, crossed) in enumerate(pieces):
        labels[ys, xs] = i + 1
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        atoms.append(_Atom(mark, low, high, centre, box, len(ys)))
        following = pieces[i + 1][1] if i + 1 < len(pieces) else None
        cut_after.append(crossed if following == mark else 0.0)
    return atoms, labels, cut_after


def _cuts(sheared: np.ndarray, height: float, stroke: float):
    """Where to cut a mark (0/1, slant removed) that may be several digits touching.

    Returns the cuts left to right, each a column per row (pixels at or right of it lie
    beyond the cut), and the strokes each one crosses. Cuts are tried from columns across
    the mark; each follows the path over the mark that meets the least ink, bending round
    strokes (a 7's bar over the next digit, a loop's tail) or down the seam of two fused
    ones (see ``SEAM``), and the cheapest ones, kept apart, are made: where digits touch, a
    cut crosses about one stroke.
    """
    rows, width = sheared.shape
    if not SPLIT_WIDTH * height < width <= MAX_TOUCHING * height:
        return [], []
    margin = max(1, int(CUT_MARGIN * height))
    starts = np.arange(margin, width - margin, max(1, int(CUT_SAMPLE * height)))
    if len(starts) == 0:
        return [], []
    toll = sheared.astype(np.float32)  # what crossing each pixel costs a cut
    toll[_from_the_paper(sheared) >= SEAM * stroke] = SEAM_COST
    paths = _cut_paths(toll, starts, max(2, int(CUT_REACH * height)))
    ink = toll[np.arange(rows), paths].sum(axis=1).astype(np.float64)
    chosen: list[int] = []
    for i in _dividing(sheared, paths, ink, SLIVER * stroke * height):
        # Two cuts along much the same path would leave a sliver between them.
        if all(np.mean(np.abs(paths[i] - paths[j])) >= stroke for j in chosen):
            chosen.append(int(i))
    chosen = sorted(
        chosen[: max(1, round(width / (CUT_SPACING * height)))], key=lambda i: starts[i]
    )
    cuts, crossed = [], []
    for i in chosen:
        path = paths[i] if not cuts else np.maximum(paths[i], cuts[-1])  # cuts never cross
        cuts.append(path)
        crossed.append(float(ink[i]) / stroke)
    return cuts, crossed


def _from_the_paper(mask: np.ndarray) -> np.ndarray:
    """Each pixel's distance from the nearest paper (0 on it); ink at the border has paper
    beyond it."""
    return cv2.distanceTransform(np.pad(mask, 1), cv2.DIST_L2, 5)[1:-1, 1:-1]


def _dividing(sheared: np.ndarray, paths: np.ndarray, ink: np.ndarray, least: float) -> np.ndarray:
    """The tries that leave at least ``least`` ink on either side of their path, thinnest
    first. Not only the valleys of the ink crossed (tries crossing less than the tries on
    either side): where digits meet along a seam (a 5's belly against a 0, a "1" leaning on
    an "8"), the tries along the seam cross as much ink as their neighbours, or more than a
    tip of the mark does, and the seam, no valley, went uncut."""
    rows = np.arange(sheared.shape[0])
    before = np.cumsum(np.pad(sheared, ((0, 0), (1, 0))), axis=1, dtype=np.int64)
    left = before[rows, paths].sum(axis=1)  # ink left of each path (the path's own is beyond)
    side = np.minimum(left, int(sheared.sum()) - left)
    tries = np.argsort(ink, kind="stable")
    return tries[side[tries] >= least]


def _cut_paths(toll: np.ndarray, starts: np.ndarray, reach: int) -> np.ndarray:
    """For each column in ``starts``, the top-to-bottom path within ``reach`` of it whose
    pixels' ``toll`` (float32, what crossing each costs) is least; each sideways step costs a
    little, so it runs straight where it can. Returns an array (len(starts), rows) of
    columns."""
    rows = toll.shape[0]
    padded = np.pad(toll, ((0, 0), (reach, reach)))
    span = 2 * reach + 1
    window = starts[:, None] + np.arange(span)[None, :]  # columns of ``padded``
    drift = CUT_STEP * np.abs(np.arange(span) - reach).astype(np.float32)
    steps = np.zeros((rows, len(starts), span), np.int8)
    cost = padded[0][window] + drift
    edge = np.full((len(starts), 1), np.inf, np.float32)
    for row in range(1, rows):
        options = np.stack(
            [
                np.concatenate([edge, cost[:, :-1]], axis=1) + CUT_STEP,
                cost,
                np.concatenate([cost[:, 1:], edge], axis=1) + CUT_STEP,
            ]
        )
        best = np.argmin(options, axis=0)
        cost = np.take_along_axis(options, best[None], axis=0)[0] + padded[row][window]
        steps[row] = best - 1
    position = np.argmin(cost + drift, axis=1)
    every = np.arange(len(starts))
    paths = np.empty((len(starts), rows), np.int64)
    paths[:, -1] = position
    for row in range(rows - 1, 0, -1):
        position = position + steps[row, every, position]
        paths[:, row - 1] = position
    return np.clip(paths + starts[:, None] - reach, 0, toll.shape[1] - 1)
