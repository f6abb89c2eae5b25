"""Make any grey image of one digit look the way MNIST digits were made.

MNIST's recipe (LeCun et al., 1998): binary ink, fitted into a 20x20 box keeping the aspect
ratio (anti-aliasing gives the grey edges), then placed in a 28x28 field so that the centre
of mass sits at the centre. Real inputs add what MNIST never had: dark ink on light paper,
uneven lighting, sensor noise, specks, huge or tiny pictures, very thin or very thick
strokes. Each step below removes one of those differences. Every input (canvas, upload,
CLI, training, evaluation) goes through :func:`prepare_digit` (or :func:`to_mnist`, which
is the same for callers without a model), so the model always sees the same kind of picture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from digitrec.pieces import pieces_with_stats
from digitrec.rules import (
    ink_near_opposite_sides,
    straight_marks,
    without_frames,
    without_rules_past_the_digit,
)

SIZE = 28
BOX = 20
# Mean centre of mass of MNIST training digits, in pixel-index coordinates (row, column):
# measured on the 60,000 training images rather than assumed to be the geometric centre.
MNIST_CENTRE = (14.0, 14.0)

# Work at a resolution where a stroke is several pixels wide but big photos stay cheap:
# the digit ends up 20 pixels tall, so 192 leaves a wide margin of detail. (256 cost ~30%
# more time per image and read no more of the realistic checks correctly.)
WORK_MAX_SIDE = 192
WORK_MIN_SIDE = 112
# A picture smaller than MNIST's 28 px (an 8x8 or 16x16 scan, as older digit sets keep them)
# is enlarged more than MNIST's 4x: cubic interpolation, and no more smoothing than a 28 px
# picture gets. Smoothing in proportion to the enlargement ran a thin stroke of such a scan
# into its neighbours: UCI's 8x8 digits given at their own size read 77.3% -> 97.6%, 1,000
# validation digits in a 12 / 16 px grey scan 95.8 / 98.3% -> 98.2 / 98.9% (and with noise
# 90.9 -> 94.8% at 16 px). MNIST-sized and larger pictures are not affected.
TINY_ENLARGEMENT = WORK_MIN_SIDE / SIZE
# Pictures up to this size go through the pipeline whole: canvases (280 px), MNIST-sized and
# training images (28-256 px) keep exactly the outputs a model was trained on. Larger ones
# are searched: a small digit in a 1000 px photo (a phone picture sent through a messenger)
# was read 33% of the time whole and 99% searched, while photos of paper of 600-800 px that
# the digit fills lost 1 digit in 600 to the search (validation renders).
DIRECT_MAX_SIDE = 600
# A picture up to DIRECT_MAX_SIDE (and at least SEARCH_MIN_SIDE: smaller ones are the digit)
# is searched too when what the whole-picture pipeline found is not a digit it can read
# there: nothing, ink under SMALL_DIGIT_SHARE of the picture's longer side (a digit about
# 38 px tall at the working size), or ink reaching the rim that is no digit cut by a crop
# (the table beyond a sheet's edge, a shadow). A phone photo sent shrunk to 300-600 px, the
# digit 5-30% of its height: 400 validation digits read 41.3% -> 99.8%; digits 20-40 px tall
# on a 300-600 px page 28.0 -> 96.3% (800); UNIPEN digits 20-40 px tall on the 280 px
# canvas 89.9 -> 97.9% (1,500). Digits that fill such a picture, canvases drawn at the usual
# size and MNIST-sized pictures keep their outputs (400 renders of each medium identical,
# but 2 felt-pen digits cut at their ink; 39 of 9,835 UNIPEN canvas drawings reaching the
# canvas's edge changed a little, and the same 98.24% are read).
SEARCH_MIN_SIDE = WORK_MIN_SIDE
SMALL_DIGIT_SHARE = 0.2
# Where neither the whole picture reads a digit nor the search finds one, ink along a side
# of the picture over this share of its length is the table beyond the paper's edge or a
# ruled line, not a digit: blank phone photos shrunk to 400 px were read as a "1" or a "7"
# in 13 of 30 (the strip, 5-25 px deep at the working size, against the rim); now in 5. A
# digit cut at its ink spans its picture too, but fills it across: a strip is at most
# RIM_STRIP_DEPTH of the picture deep (without that limit a 1 cut at its ink, 1 of 400
# such validation photos, was no digit).
RIM_STRIP_SPAN = 0.9
RIM_STRIP_DEPTH = 0.25
# Searched so, a photo of one digit shows a few marks (at most 3 in 300 phone photos, 2 in
# 200 small digits on 300-600 px pages); grain shows more (Gaussian noise of sigma 0.1-0.2
# alone on a 280 px picture: mostly dozens to hundreds). Past this many marks the search
# finds no digit there: of 60 such pictures of sigma 0.2, 3 passed for a digit with 8, none
# with 5.
FALLBACK_MAX_MARKS = 5
# A mark no thicker than this on average (its area over its length) is a sliver of a ruled
# or squared line that the line search left, not handwriting or grain, and is not counted
# against FALLBACK_MAX_MARKS. Counted, the slivers of squared paper (1.0 thick; a pencil
# digit's mark, 8) made a pencil digit on a phone photo shrunk to 450 px no digit, and the
# table's edge was read instead. Nor do slivers seed or join the digit's cluster where other
# marks are found: a ruling as dark as the pencil leaves slivers all over the page, which
# chained the cluster across it, so that the whole photo was read and the table's edge
# taken for a "1" (240 pencil digits in 12 MP phone photos: 88.3 -> 90.0%; 160 in pen:
# 100% before and after).
SLIVER_THICKNESS = 1.5
# Where the search of a large photo finds only slivers, or more marks than
# FALLBACK_MAX_MARKS, it looks again with the ink opened by this kernel: a ruling as dark as
# pencil is a pixel wide at the search's size, a digit's strokes (a tenth of its height) are
# wider. Pencil digits a quarter of a 12 MP frame tall on squared paper: 21 -> 28 of 30 read
# (the mesh had been taken for the digit, or the table's edge read instead); 240 pencil
# digits in 12 MP photos 90.0 -> 92.9%; 160 in pen, and what blank pages give, unchanged.
THIN_LINE_KERNEL = np.ones((2, 2), np.uint8)
# A mark that a ring round it (CORNER_RING_SHARE of its size out) finds at least as dark as
# itself over this share of the ring is the corner or edge of a sheet against a darker
# table, not a stroke, which has paper all round. Sheet corners inside the frame measure
# 0.69-0.95 and were read as a 7 or an L-shaped 1, at up to 100%, on 5 of 30 blank 12 MP
# pages; pencil digits at most 0.33 (80, on ruled and squared paper, in shadows). Only the
# CORNER_TESTED largest marks are looked at. The sheet goes on beyond its edge's mark, so
# at least CORNER_BRIGHT_RING of a corner's ring is as bright as the mark (0.26-0.34); a
# chalk digit has the dark board all round (0.0-0.007) and is no corner.
CORNER_DARK_RING = 0.5
CORNER_BRIGHT_RING = 0.1
# A mark darker than this share of the paper beside it (the ring's 90th percentile) is as
# dark as a table, not pencil (graphite 0.51-0.82 of its paper at the search's size), and
# its ring counts as dark where it is nearer the mark's grey than the paper's: the table's
# darkest strip along a sheet's edge varies, and 26-37% of its ring was darker than its
# median (a "7" on 3 of 80 blank 12 MP pages), where 56-62% is nearer its grey; pencil
# digits 0-32%. Faint pencil in a dim photo keeps the plain test: a lighting gradient across
# its ring puts half of it nearer the pencil's grey.
CORNER_TABLE_LEVEL = 0.45
CORNER_RING_SHARE = 0.15
CORNER_TESTED = 3
# A mark about as wide as it is tall (DOT_ASPECT) whose strokes are most of its extent
# (DOT_STROKE_SHARE: the width its strokes measure, see stroke_width, over its longer side)
# is a dot of ink or a blot, not handwriting: the search leaves it out. At the search's
# size a filled dot measures 0.75-0.91, pen digits in 12 MP photos at most 0.32 and pencil
# ones 0.36 (a short pencil 1, 4x9 px there, 0.59: but not as wide as tall). Left in, a
# stray dot on a blank page was read as a "0" at 100% (12 of 30 blank 12 MP photos).
DOT_ASPECT = 0.7
DOT_STROKE_SHARE = 0.65
# Larger pictures are searched for the digit at this size: a digit 5% of a 12 MP frame's
# height is still ~20 pixels tall there, and the search costs a few milliseconds.
LOCATE_SIDE = 512
# The paper around a pixel is the median of a window this share of the longer side: more
# than twice the widest pen stroke (a digit 30% of the frame's height, written with a felt
# pen, has strokes ~1/25 of the longer side). In the crop, where the digit fills most of
# the picture, the window is half the crop.
LOCATE_WINDOW_SHARE = 8
# Light marks must be this much stronger than dark ones to be taken for the ink.
LIGHT_INK_MARGIN = 1.5
# Ink is what stands out at least this much compared with the strongest mark (pen ink is
# darker than printed ruling, which is often faint) ...
INK_SHARE_OF_PEAK = 0.5
# ... and clearly more than the paper's grain ...
LOCATE_SEPARATION = 4.0
# ... and darker than the paper by this share of the paper's brightness: pen and pencil
# are; the faint printed ruling of a blank page, a fold or the grain are not.
LOCATE_MIN_CONTRAST = 0.25
# Where no mark inside the picture is that dark, pencil is looked for: marks at least this
# dark where they are darkest, the strongest of them (not the table's edge or a ruled line)
# setting the share of the peak, and believed only where the page shows few other marks
# (FALLBACK_MAX_MARKS). Light pencil (graphite 0.5-0.65 on paper 0.8-0.97) stands out by
# 0.21-0.24 in a 12 MP photo. 250 validation digits in pencil (graphite 0.35-0.65) in 12 MP
# phone photos: 81.6 -> 85.2%, shrunk to 300-600 px 73.6 -> 86.4% (with SLIVER_THICKNESS).
# Blank phone photos without a stray dot, squared ones included, give no more digits (30
# each at 400 px, 1,000 px and 12 MP); without the marks limit 2 of 30 squared pages did.
FAINT_LOCATE_MIN_CONTRAST = 0.15
# The picture's rim, as a share of its longer side, where the search takes no mark for the
# digit: the paper's median window is lopsided there, and the table's edge and the
# paper's corners show up as ink.
EDGE_SHARE = 1 / 64
# A mark shorter than this share of the longer side is a dot or a speck, not the digit nor
# a piece of it (the smallest digit read, 5% of the frame's height, is four times as tall).
MIN_DIGIT_SHARE = 0.0125
# A straight mark longer than this share of the picture is a ruled line, not a stroke: a
# digit is at most ~30% of a frame's height, a page's lines cross most of it.
LINE_SHARE = 0.45
# Width, in searched pixels, painted over a found line (its thickness plus Hough's jitter).
LINE_WIDTH = 3
# In the crop, ruled lines are told by their faintness too: any mark a fifth as strong as the
# pen counts, so the whole of a line is found.
CROP_INK_SHARE_OF_PEAK = 0.2
# In the crop a line crosses from border to border: both its ends lie within this share of
# the shorter side from a border, while the digit keeps CROP_MARGIN (~19% of the crop) away.
LINE_END_SHARE = 0.08
# Width of the band lightened along a line found in the crop, as a share of the crop: a
# thick printed line in a crop that was not shrunk. Paper in the band is not changed (its
# ink response is nil), pen ink is lightened by the line's depth at most.
LINE_BAND_SHARE = 1 / 40
# A digit at least this share of the picture's longer side keeps enough detail in the whole
# picture's pipeline (~70 px at its working size), which reads such photos better than a crop.
WHOLE_PICTURE_SHARE = 0.35
# Strokes are at most this wide for the digit's size (a felt pen's are ~15% of its height);
# the table beyond a sheet's edge, a filled region, is wider.
STROKE_SHARE_OF_DIGIT = 0.25
# A digit that touches the picture's rim is read whole when the crop was made round it: its
# marks that reach the rim span this share of the picture both ways, meet each side of the
# rim over at most this many strokes' widths, and stand out from the paper by this much
# (0..1). UNIPEN digits in 700-2000 px crops cut at the ink: 1.6 strokes at the median, at
# most 4 for 88% of them; the table or the paper's edge spanning half of a 12 MP phone photo
# (400 of them), 6 and more; ink 0.24 and more above the paper, a shadow's border 0.09.
CROPPED_SPAN = 0.5
CROPPED_RIM_STROKES = 4.0
CROPPED_CONTRAST = 0.15
# A digit in one piece may meet one side over this many strokes' widths (the crop cut along
# a stroke): UNIPEN crops cut at the ink 93.50 -> 95.67% (600), phone photos unchanged.
CROPPED_ALONG_STROKES = 8.0
# A crop this many times as long as it is wide is cut round a single stroke (a 1 cropped to
# its ink: 3-8 times), which runs along the crop's long sides.
CROPPED_STROKE_ASPECT = 2.5
# A large picture whose background is one flat value is a drawing (a drawing app's canvas, a
# screenshot, the page's own canvas saved larger): at least FLAT_SHARE of its pixels lie
# within FLAT_TOLERANCE grey levels of its median, which no photo or scan with paper grain
# does. Its ink is cut out by its difference from that value (FLAT_INK of the strongest
# difference), not searched as on paper: the search's median window broke thick strokes
# up and its rim took no mark near an edge (one MNIST test digit alone on the 640 x 240
# number canvas, 400 of them: 58% read; UNIPEN digits on 640-1920 px canvases: 95.0%).
FLAT_SHARE = 0.6
FLAT_TOLERANCE = 2
FLAT_INK = 0.3
# The flat path is for one digit: its marks (at LOCATE_SIDE) stay within this many times the
# largest one's extent of it (a detached bar, a dot); spread wider, it is a page or a form,
# and is searched.
FLAT_SPREAD = 2.5
# A noiseless picture whose palest FLAT_PAPER_SHARE (the paper, in any digit) is one grey
# level has no lighting to subtract. Estimating it anyway took a thick digit that fills its
# picture, reaching the rim, for part of the background, and ate it: 1,000 validation digits
# scaled to fill a 16 / 64 px scan read 93.5 / 97.3%, a 7's bar and a 9's head gone; UCI's
# 8x8 digits, which fill their frame, 76.5%. Judged on about FLAT_SAMPLE of its pixels.
FLAT_PAPER_SHARE = 0.25
FLAT_SAMPLE = 40_000
# Paper kept around the digit's box on each side, as a share of the box's longer side.
CROP_MARGIN = 0.3
# The crop is shrunk to at most this size: the pipeline's working size, with room to spare.
CROP_SIDE = 2 * WORK_MAX_SIDE
# Below this separation between ink and paper (on a 0..1 scale) there is nothing to read.
MIN_CONTRAST = 0.08
# Printed rules across a photo of one digit on ruled paper: straight lines whose ends lie
# within RULE_REACH of the picture's sides and that run on past the rest of the ink, at one
# end by RULE_BEYOND of its extent across them, at the other by RULE_NEAR_STROKES pen
# widths (see rules.without_rules_past_the_digit). Left in, a rule joined the digit it
# touched or outweighed it: 1,000 MNIST validation digits photographed small on a
# register's page, half of them ruled, read 90.6% ruled and 99.2% plain; 96.2% ruled now
# (0.1 and 1 stroke the same, 0.5 and 3 strokes 95.8%); UNIPEN digits on the canvas, in
# photos and in photos cut at their ink read the same digits as before.
RULE_REACH = 0.01
RULE_BEYOND = 0.25
RULE_NEAR_STROKES = 2.0
# Ink and background must be told apart by more than the background's own noise.
MIN_SEPARATION = 3.0
# Fainter ink than MIN_CONTRAST is ink still when it stands out from the paper's grain far
# more than anything on a blank page does: light pencil (grey 0.5-0.65 on paper 0.75-0.97,
# the graphite broken by the paper's tooth), photographed, separates from the paper by 8-24
# times the paper's spread, where blank photographed paper of 150-600 px separates its
# lighting's leftovers by 7 at most (150 pages, contrast up to 0.06). 300 validation digits
# in light pencil filling a photo / 4 times smaller than it: 96.0 / 85.7% -> 98.3 / 92.7%;
# blank pages, blank phone photos and noise give no more digits than before.
FAINT_MIN_CONTRAST = 0.04
FAINT_SEPARATION = 10.0
# Otsu on pure noise marks about half the picture; a digit never covers that much ...
MAX_INK_FRACTION = 0.45
# ... unless the picture is cut at the edges of a thick digit's ink: a felt pen's digit
# cropped to its ink covers up to about half of it (MNIST test digits so cut: 35 of 600 gave
# no digit with the cap above, 11 with 0.55), more once its polarity is right (EVEN_SPLIT:
# 600 validation digits so cut, 97.8% with 0.55, 98.2% with this). Only in a picture too
# clean to be read in grey levels (below NOISY_LEVEL) whose ink is in one piece but for this
# share of it: a texture of blobs covering half of a picture is many pieces (19 of 100 were
# taken for a digit under the cap above; 100 without this condition).
CLEAN_MAX_INK_FRACTION = 0.65
ONE_PIECE_SHARE = 0.9
# A clean picture CROPPED_STROKE_ASPECT times as long as it is wide is one stroke cut at its
# ink (a felt pen's 1), which is nearly all ink.
STROKE_CROP_MAX_INK_FRACTION = 0.95
# Polarity is judged by area (ink is the smaller part), which fails when ink and paper each
# cover at least EVEN_SPLIT of a picture: a felt-pen digit cut at its ink, where the paper
# between the strokes was read as the digit. There a clean picture's ink is taken as dark
# unless its dark part is a flat ground. 600 validation digits photographed and cut at
# their ink: 95.8 -> 97.8%; 600 UNIPEN digits so cut (bench/pen_replay_accuracy.py --medium
# tight) 96.2 -> 96.8%.
EVEN_SPLIT = 0.3
# The opening that estimates the lighting is at least this many strokes wide: a felt-pen
# digit cut at its ink has strokes a quarter of the picture wide, which an opening a quarter
# of the picture wide left in the background, and so took a loop or a bar off the digit (a 6
# read 1 at 99%). 1,500 validation digits photographed and cut at their ink: 97.67 -> 98.80%.
# Only in a picture read as one digit, without grain (GRAINY_LEVEL: 200 pictures of pure
# noise, 13 -> 19 taken for digits), and where the ink that the narrower opening shows
# spans OPENING_FILL of the picture both ways, as a digit cut at its ink does: before the
# lighting is known, a large shadow passes for a thick stroke, and a wide opening then took
# it for ink (1,000 12 MP photos: 2 more misread; a number in a shrunk photo was lost).
OPENING_STROKES = 2.0
OPENING_FILL = 0.85
# ... and so is a light digit on a dark ground whose dark part takes this share of the
# picture's rim, where the picture has no grain at all (a digital one, not a photo): a
# blurred digit spreads over half its picture, and its ground is no longer flat. Blurred
# MNIST test digits (sigma 2 px) so split: 0.94-1.0 of their rim dark; felt-pen digits cut
# at their ink at most 0.47, photos of paper 0.57, small scans 0.29.
RIM_GROUND_SHARE = 0.9
# A component smaller than this share of the largest one is a speck, not part of the digit.
SPECK_SHARE = 0.06
# A digit cut out of a written number by a box round it takes in bits of its neighbours at
# the box's left and right sides: kept, they joined the digit or were read instead of it
# (UNIPEN digits so cut, --medium cut of bench/pen_replay_accuracy.py, 2,000: 94.50% read,
# 91.32% of the 1,095 with bits in the box). A piece that reaches within NEIGHBOUR_RIM of
# the picture's width of a side, beside the digit (left or right of its ink in the rows it
# shares, or overlapping at most NEIGHBOUR_OVERLAP of its width where it shares none), is
# such a bit when it holds less ink than NEIGHBOUR_SHARE of the digit's largest piece clear
# of both sides; where no piece is clear of them (the box cut the digit itself), less than
# SMALL_BIT_SHARE of the largest piece, at a side that piece does not reach. 96.55% read
# then (95.07% with bits), the other UNIPEN media the same; a share of 1.0 read two digits
# more of 400 but turned 8 of 300 open 4s cut at their ink, whose bar stops short of the
# stem, into 1s.
NEIGHBOUR_RIM = 0.03
NEIGHBOUR_OVERLAP = 0.25
NEIGHBOUR_SHARE = 0.5
SMALL_BIT_SHARE = 0.25
# Above this estimated pixel noise (0..1 scale) the picture is read in grey levels instead of
# as a binary mask: thresholding a very noisy picture throws away the grey evidence a CNN can
# use (MNIST with sigma 0.3 noise added measures 0.05-0.11, sigma 0.1 0.02-0.035; photos
# of paper and canvases 0-0.02, so they keep the binary path).
NOISY_LEVEL = 0.045
# In a picture with visible grain (above this noise level; photos of paper measure up to
# 0.017, canvases 0), ink whose largest piece is less than SCATTERED_INK_SHARE of all of it
# is "scattered": what pure noise gives (96% of 28x28 pictures of sigma 0.5 noise), but also
# 1.3% of 28x28 MNIST digits with sigma 0.5 noise added, whose strokes the threshold broke
# up. Such a picture is only a digit if the model reads it with confidence
# (:data:`digitrec.recognizer.SCATTERED_MIN_CONFIDENCE`). (Of 1,500 pen-drawn digits on a
# clean canvas, one would be scattered.)
GRAINY_LEVEL = 0.02
SCATTERED_INK_SHARE = 0.5
# Stroke widths, in pixels of the 20x20 box, outside which a stroke is thickened or thinned
# to the nearer end. Narrower than MNIST's own as this pipeline measures it (1st-99th
# percentile 2.9-6.0, median 3.7): also thinning MNIST's thicker half read realistic inputs
# 0.2% better at the same MNIST accuracy (docs/accuracy-experiments.md).
STROKE_RANGE = (1.8, 3.6)
# For a stroke of width w the distance to its edge averages w / 4 over its pixels.
WIDTH_PER_DISTANCE = 4.0


@dataclass(frozen=True)
class PreparedDigit:
    """A picture made MNIST-like: the 28x28 uint8 ``image`` (0 background, 255 ink).

    ``scattered`` marks a grainy picture whose ink lies in many small pieces, as pure noise
    does: it may be a noisy digit or nothing, and only a model can tell (pure noise reads as
    no digit in particular).
    """

    image: np.ndarray
    scattered: bool = False


def prepare_digit(grey: np.ndarray) -> PreparedDigit | None:
    """The MNIST-style picture of the digit in ``grey``, or None when it holds no digit.

    A large picture (a phone photo of a page) is first searched for the digit at a small
    size; the digit is then cut out of the full-resolution picture, ruled lines removed,
    and only that crop is made MNIST-like (ink that reaches the crop's rim from outside
    the digit, such as the table beyond the paper's edge, left out), so that a digit a
    tenth of the frame tall keeps its detail. Pictures up to ``DIRECT_MAX_SIDE`` go
    straight through the pipeline, and are searched so too when what it finds there is no
    digit it reads there (a small digit in a shrunk photo: see SEARCH_MIN_SIDE).

    Parameters
    ----------
    grey : 2-D uint8 array (0..255), any size, either polarity. Anything else is refused
        with a ValueError: a float image in [0, 1] would otherwise read as blank.

    Returns
    -------
    The 28x28 picture, marked ``scattered`` when only a model can say whether it is a digit
    (see :class:`PreparedDigit`); None when the image holds no digit (blank, uniform, noise
    without a blob of ink).
    """
    if not isinstance(grey, np.ndarray) or grey.ndim != 2 or grey.dtype != np.uint8:
        got = (
            f"shape {grey.shape}, dtype {grey.dtype}"
            if isinstance(grey, np.ndarray)
            else type(grey).__name__
        )
        raise ValueError(
            f"expected a 2-D uint8 grey image (pixels 0..255), got {got}; "
            "digitrec.imageio.load_grey makes one from any image"
        )
    if max(grey.shape) > DIRECT_MAX_SIDE:
        return _searched(grey)
    own = _at_own_resolution(grey)
    found = _digit_mask(own)
    if (
        max(own.shape) >= SEARCH_MIN_SIDE
        and (found is None or not _read_whole(found))
        and _noise_level(grey) < NOISY_LEVEL  # a grainy picture's grain is not searched
    ):

        def read_whole() -> PreparedDigit | None:  # what the search reads whole, read already
            return None if found is None else _as_mnist(found)

        searched = _searched(grey, FALLBACK_MAX_MARKS, read_whole)
        if searched is not None:
            return searched
        if found is not None and _no_digit_where_unsearched(found.mask):
            return None
    return None if found is None else _as_mnist(found)


def _no_digit_where_unsearched(mask: np.ndarray) -> bool:
    """Is the ink of ``mask``, which the whole-picture pipeline found where the search for a
    digit found none, no digit? It is none where it is a strip along a side of the picture
    (the table beyond the paper's edge, a ruled line); where it runs along two sides that
    meet, for more than CROPPED_RIM_STROKES of its strokes on one and half that on the
    other (the table's edge or a shadow's border round a corner of the picture: a digit
    meets the rim where its strokes end, over 1.5 strokes at most, or along one side where
    the crop cut along a stroke; a picture CROPPED_STROKE_ASPECT times as long as wide, cut
    round a 1, has it along its long sides); or where it is a dot or a blot
    (DOT_STROKE_SHARE: a bold felt-pen 1 cut at its ink measures 0.25).

    Blank pages photographed at 12 MP and shrunk to 300-695 px: 17 of 80 were read as a
    digit, 13 of them this way, at up to 100%; 10 of the 13 ran round a corner, 4-20
    strokes along each side. Digits that meet the rim still read: 25 MNIST test digits in
    photos cut through the digit, 1,500 validation digits cut at their ink, UNIPEN digits
    cut out of numbers (up to 6 strokes along one side) and cut at their ink (a 2's base
    along the bottom, 10.8 strokes, and its top stroke, 5.3, along the opposite side).
    """
    if _strip_along_the_rim(mask):
        return True
    x, y, w, h = cv2.boundingRect(mask)
    stroke = stroke_width(mask[y : y + h, x : x + w])
    if stroke > DOT_STROKE_SHARE * max(w, h):
        return True
    height, width = mask.shape
    if max(height, width) >= CROPPED_STROKE_ASPECT * min(height, width):
        return False
    top, bottom, left, right = (
        _longest_run(side) / stroke for side in (mask[0], mask[-1], mask[:, 0], mask[:, -1])
    )
    return any(
        max(across, down) > CROPPED_RIM_STROKES and min(across, down) > CROPPED_RIM_STROKES / 2
        for across in (top, bottom)
        for down in (left, right)
    )


def _strip_along_the_rim(mask: np.ndarray) -> bool:
    """Does the ink of ``mask`` lie in a strip along a side of the picture, touching it,
    over RIM_STRIP_SPAN of its length and at most RIM_STRIP_DEPTH of the picture deep (the
    table beyond the paper's edge, a ruled line)?"""
    x, y, w, h = cv2.boundingRect(mask)
    height, width = mask.shape
    along_top_or_bottom = (
        (y == 0 or y + h == height)
        and w >= RIM_STRIP_SPAN * width
        and h <= RIM_STRIP_DEPTH * height
    )
    along_left_or_right = (
        (x == 0 or x + w == width) and h >= RIM_STRIP_SPAN * height and w <= RIM_STRIP_DEPTH * width
    )
    return along_top_or_bottom or along_left_or_right


def _searched(
    grey: np.ndarray,
    max_marks: int | None = None,
    read_whole: Callable[[], PreparedDigit | None] | None = None,
) -> PreparedDigit | None:
    """The digit of a picture searched as a large photo is: a drawing on a flat background
    cut out by its ink, else the digit found in a small copy and cut from the original
    (None past ``max_marks`` marks: see FALLBACK_MAX_MARKS). Where the digit fills the
    picture, ``read_whole()``: the caller's reading of the whole picture, when it has one
    (else it is read here)."""
    small = search_copy(grey)
    drawn = _drawn_on_flat_background(grey, small)
    if drawn is not None:
        return _digit_to_mnist(drawn)
    cut = _cut_out_digit(grey, small, max_marks)
    if cut is None:
        return None
    crop, box = cut
    if box is None:
        return _read_whole_picture(grey) if read_whole is None else read_whole()
    return _digit_to_mnist(crop, box)


def _read_whole_picture(grey: np.ndarray) -> PreparedDigit | None:
    """The digit of a large picture that the search says fills it, read whole; None where
    what is found there is a strip along its rim (the table beyond the paper's edge, which
    the search leaves out but reading the whole picture does not)."""
    found = _digit_mask(grey)
    if found is None or _strip_along_the_rim(found.mask):
        return None
    return _as_mnist(found)


def _read_whole(found: _DigitMask) -> bool:
    """Is what the whole-picture pipeline ``found`` a digit that it reads there: at least
    SMALL_DIGIT_SHARE of the picture, and clear of the rim, or a digit that a crop round it
    cuts at the rim (as :func:`large_digit_box` judges a large picture)?"""
    digit = found.mask
    x, y, w, h = cv2.boundingRect(digit)
    height, width = digit.shape
    if max(w, h) < SMALL_DIGIT_SHARE * max(height, width):
        return False
    if x > 0 and y > 0 and x + w < width and y + h < height:
        return True
    stroke = stroke_width(digit[y : y + h, x : x + w])
    if stroke > STROKE_SHARE_OF_DIGIT * max(w, h):
        return False
    return _cropped_to_the_ink(digit, found.flat, digit, stroke)


def _at_own_resolution(grey: np.ndarray) -> np.ndarray:
    """``grey`` at its own resolution when it is a picture smaller than MNIST's (see
    TINY_ENLARGEMENT) enlarged by repeating each pixel k times each way, as a small scan is
    shown or saved blown up: the blocks add only corners, which smoothing turns into
    strokes. (UCI's 8x8 digits blown up to 64 px: 90.3% read -> 97.6%.)"""
    middle = grey.shape[0] // 2
    if 0 < middle < grey.shape[0] - 1 and all(
        np.any(grey[row] != grey[row + 1]) for row in (middle - 1, middle)
    ):
        return grey  # two neighbouring rows change: the rows come in no blocks (a quick answer)
    step = 0
    for axis in (0, 1):
        # Where the picture changes along this axis: only between blocks, if it has them.
        changes = np.flatnonzero(np.any(np.diff(grey, axis=axis) != 0, axis=1 - axis)) + 1
        step = int(np.gcd.reduce(changes, initial=step)) if changes.size else step
        if step == 1:
            return grey
    if step < 2 or -(-max(grey.shape) // step) >= SIZE:  # step 0: a picture of one level
        return grey
    small = grey[::step, ::step]
    blown_up = np.repeat(np.repeat(small, step, axis=0), step, axis=1)
    return small if np.array_equal(blown_up[: grey.shape[0], : grey.shape[1]], grey) else grey


def to_mnist(grey: np.ndarray) -> np.ndarray | None:
    """:func:`prepare_digit` for callers without a model (training, the study): the 28x28
    uint8 image, or None when there is no digit or only scattered grain."""
    prepared = prepare_digit(grey)
    return None if prepared is None or prepared.scattered else prepared.image


def _digit_to_mnist(
    grey: np.ndarray, digit_box: tuple[int, int, int, int] | None = None
) -> PreparedDigit | None:
    """The pipeline proper, for a picture in which the digit is the main thing (see
    :func:`_digit_mask`)."""
    found = _digit_mask(grey, digit_box)
    return None if found is None else _as_mnist(found)


class _DigitMask(NamedTuple):
    """The digit the pipeline found in a picture, at its working size: the 0/1 ``mask``,
    the ``flat`` picture it was cut from (ink bright, lighting taken off), the picture's
    ``noise`` level and whether its ink is ``scattered`` (see :class:`PreparedDigit`)."""

    mask: np.ndarray
    flat: np.ndarray
    noise: float
    scattered: bool


def _as_mnist(found: _DigitMask) -> PreparedDigit:
    """The digit ``found`` drawn as MNIST draws one: a noisy picture in its grey levels."""
    if found.noise >= NOISY_LEVEL:
        return PreparedDigit(_render_grey_like_mnist(found.flat, found.mask), found.scattered)
    return PreparedDigit(mask_to_mnist(found.mask), found.scattered)


def _digit_mask(
    grey: np.ndarray, digit_box: tuple[int, int, int, int] | None = None
) -> _DigitMask | None:
    """The digit in ``grey``: its ink found, frames and printed rules taken off, specks and
    stray marks dropped; None when there is none.

    ``digit_box`` (x, y, w, h), where the digit was found in a crop cut from a larger picture:
    ink that reaches the crop's rim without reaching into that box is the table, the paper's
    edge or a shadow, not the digit (see :func:`_off_the_rim`).
    """
    if min(grey.shape) < 3:
        return None
    factor = _working_factor(max(grey.shape))
    found = _find_ink(grey, factor, thick_strokes=True)
    if found is None:
        return None
    mask, flat, noise = found
    if digit_box is not None:
        mask = _off_the_rim(mask, tuple(round(v * factor) for v in digit_box))
    components = _pieces(mask)
    unframed = without_frames(mask, components)  # a box round the digit is no part of it
    if ink_near_opposite_sides(unframed, RULE_REACH):
        near = RULE_NEAR_STROKES * stroke_width(unframed)
        unframed = without_rules_past_the_digit(unframed, RULE_REACH, RULE_BEYOND, near)
    if unframed is not mask:
        mask, components = unframed, _pieces(unframed)
    if not mask.any():
        return None
    scattered = noise >= GRAINY_LEVEL and _largest_piece_share(components[1]) < SCATTERED_INK_SHARE
    mask = _keep_digit_components(mask, components)
    if mask is None:
        return None
    mask = _without_neighbours_bits(mask)
    return _DigitMask(mask, flat, noise, scattered)


def _without_neighbours_bits(mask: np.ndarray) -> np.ndarray:
    """``mask`` (the digit's kept pieces) without the pieces that come in at its left or
    right side beside the digit: bits of the neighbouring digits where the picture was cut
    out of a number. The digit is the largest piece clear of both sides (a crop made with
    paper beside the digit), and bits smaller than it go; where the crop cut the digit
    itself at a side, only small bits at the other side go (an open 4 cut at its ink has
    its two strokes at the two sides)."""
    count, labels, stats, _ = pieces_with_stats(mask)
    if count <= 2:
        return mask
    width = mask.shape[1]
    x, w, area = stats[:, 0], stats[:, 2], stats[:, 4]
    rim = max(1, round(NEIGHBOUR_RIM * width))
    at_left, at_right = x < rim, x + w > width - rim
    at_left[0] = at_right[0] = False
    inside = np.flatnonzero(~(at_left | at_right)[1:]) + 1
    if len(inside):
        main = int(inside[np.argmax(area[inside])])
        most_ink = NEIGHBOUR_SHARE * area[main]
    else:
        main = 1 + int(np.argmax(area[1:]))
        most_ink = SMALL_BIT_SHARE * area[main]
        at_left &= ~at_left[main]
        at_right &= ~at_right[main]
    digit = labels == main
    drop = np.zeros(count, bool)
    for k in np.flatnonzero((at_left | at_right) & (area < most_ink)):
        y0, y1 = stats[k, 1], stats[k, 1] + stats[k, 3]
        shared = np.flatnonzero(digit[y0:y1].any(axis=0))  # the digit's columns in k's rows
        columns = shared if len(shared) else np.flatnonzero(digit.any(axis=0))
        reach = NEIGHBOUR_OVERLAP * w[k] if len(shared) == 0 else 0
        if at_left[k]:
            drop[k] = x[k] + w[k] - 1 < columns.min() + reach
        else:
            drop[k] = x[k] > columns.max() - reach
    if not drop.any():
        return mask
    return np.where(drop[labels], 0, mask).astype(mask.dtype)


def ink_mask(grey: np.ndarray, factor: float, stroke_side: int | None = None) -> np.ndarray | None:
    """The ink of ``grey`` as a 0/1 uint8 mask, at ``factor`` times its size.

    Polarity, noise, smoothing, uneven lighting and Otsu's threshold are handled as for
    single digits. ``stroke_side`` is the working size's side that the digit spans (its
    longer side by default; a number's height), which sets the smoothing. None when ink and
    paper cannot be told apart (blank, uniform, pure noise).
    """
    found = _find_ink(grey, factor, stroke_side)
    return None if found is None else found[0]


def _find_ink(
    grey: np.ndarray, factor: float, stroke_side: int | None = None, thick_strokes: bool = False
):
    """(ink mask, flattened picture, noise level) at ``factor`` times the size of ``grey``,
    or None: see :func:`ink_mask`. ``thick_strokes``: the picture is read as one digit, which
    may be cut at its ink (see OPENING_STROKES)."""
    work = _scaled_copy(grey, factor)
    noise = _noise_level(grey if factor > 1 else work)
    side = max(work.shape) if stroke_side is None else stroke_side
    smooth = cv2.GaussianBlur(work, (0, 0), _blur_sigma(side, factor, noise))
    small = _resize(smooth, 0.25, cv2.INTER_AREA) if max(smooth.shape) >= 64 else smooth
    flat = _flat_paper(grey) if noise == 0 else None
    dark = _ink_is_dark(grey, small, factor, noise, flat)
    if dark:
        smooth, small = np.subtract(1.0, smooth, out=smooth), 1.0 - small
    flat_paper = flat is not None and flat[dark]
    thick = thick_strokes and noise < GRAINY_LEVEL  # grain makes "ink" all over a picture
    background = None if flat_paper else _background(small, smooth.shape, thick)
    mask = _ink_mask(_without_background(smooth, background), clean=noise < NOISY_LEVEL)
    if mask is None:
        return None
    if noise >= NOISY_LEVEL:
        # The model reads a noisy picture in grey levels: smoothed only as a clean one is,
        # so that it keeps the detail the mask's stronger smoothing gives up (the model
        # trained on it does its own denoising).
        lightly = cv2.GaussianBlur(work, (0, 0), _blur_sigma(side, factor, 0.0))
        if dark:
            np.subtract(1.0, lightly, out=lightly)
        return mask, _without_background(lightly, background), noise
    return mask, smooth, noise


def padded_crop(grey: np.ndarray, box, pad: float) -> tuple[np.ndarray, tuple[int, int]]:
    """``box`` (x, y, w, h) of ``grey`` with ``pad`` pixels round it, clipped to the
    picture: the crop and its origin (x, y)."""
    x, y, w, h = box
    x0, y0 = max(0, int(x - pad)), max(0, int(y - pad))
    x1 = min(grey.shape[1], int(x + w + pad) + 1)
    y1 = min(grey.shape[0], int(y + h + pad) + 1)
    return grey[y0:y1, x0:x1], (x0, y0)


@dataclass(frozen=True)
class FlatDrawing:
    """Where the ink of a drawing on a flat background lies, in the picture's pixels: the
    box (x, y, w, h) of all its marks, and the size (w, h) of the largest one."""

    box: tuple[int, int, int, int]
    largest: tuple[int, int]


def flat_drawing(grey: np.ndarray, small: np.ndarray | None = None) -> FlatDrawing | None:
    """Where the ink lies when ``grey`` is a drawing on a flat background (see FLAT_SHARE),
    else None; ``small``: its copy at LOCATE_SIDE, when the caller has made it."""
    counts = _grey_counts(grey, 250_000)
    background = int(np.searchsorted(np.cumsum(counts), counts.sum() / 2))
    near = counts[max(0, background - FLAT_TOLERANCE) : background + FLAT_TOLERANCE + 1]
    if near.sum() < FLAT_SHARE * counts.sum():
        return None
    if small is None:
        small = search_copy(grey)
    difference = cv2.absdiff(small, np.full_like(small, background))
    strongest = float(difference.max())
    if strongest < 255 * MIN_CONTRAST:
        return None
    ink = (difference >= FLAT_INK * strongest).astype(np.uint8)
    _, _, stats, _ = pieces_with_stats(ink)
    marks = stats[1:][np.maximum(stats[1:, 2], stats[1:, 3]) >= MIN_DIGIT_SHARE * max(ink.shape)]
    if len(marks) == 0:
        return None
    x0, y0 = marks[:, 0].min(), marks[:, 1].min()
    x1, y1 = (marks[:, 0] + marks[:, 2]).max(), (marks[:, 1] + marks[:, 3]).max()
    largest = marks[np.argmax(marks[:, 4])]
    scale = grey.shape[1] / small.shape[1]
    box = tuple(round(float(v) * scale) for v in (x0, y0, x1 - x0, y1 - y0))
    return FlatDrawing(box, (round(float(largest[2]) * scale), round(float(largest[3]) * scale)))


def _drawn_on_flat_background(grey: np.ndarray, small: np.ndarray) -> np.ndarray | None:
    """The part of a large drawing on a flat background that holds one digit, with paper
    round it, or None when the picture is no such drawing of one digit."""
    drawn = flat_drawing(grey, small)
    if drawn is None:
        return None
    _, _, w, h = drawn.box
    if max(w, h) > FLAT_SPREAD * max(drawn.largest):
        return None
    return padded_crop(grey, drawn.box, CROP_MARGIN * max(w, h) + 2)[0]


def _cut_out_digit(
    grey: np.ndarray, small: np.ndarray, max_marks: int | None = None
) -> tuple[np.ndarray, tuple[int, int, int, int] | None] | None:
    """Find the digit in a small copy of a large picture; return it cut from the original.

    Returns ``(crop, box)``: the crop at a size the pipeline works at, with ruled lines
    painted over, and the digit's box (x, y, w, h) in it. A digit that fills much of the
    picture is returned as the whole picture (box None), and None when the picture holds
    nothing that looks like a digit.
    """
    if large_digit_box(small, one_digit=True) is not None:
        return grey, None
    factor = LOCATE_SIDE / max(grey.shape)
    ink = _search_ink(small)
    marks, limit = _marks_in(ink, max_marks)
    if marks is None:
        return None
    pieces = _pieces(marks)
    if max_marks is None and len(pieces[1]) > 1 and not _few_marks(pieces[1]):
        # Slivers or a mesh of a ruling as dark as the digit (pencil on squared paper): the
        # ruling is thinner than the digit's strokes at this size, and an opening clears it.
        # Not where marks are limited (a picture of the direct size, whose grain the opening
        # would thin out to a few blobs).
        thick_marks, thick_limit = _marks_in(
            cv2.morphologyEx(ink, cv2.MORPH_OPEN, THIN_LINE_KERNEL), max_marks
        )
        if thick_marks is not None:
            thick_pieces = _pieces(thick_marks)
            if _few_marks(thick_pieces[1]):
                marks, pieces, limit = thick_marks, thick_pieces, thick_limit
    max_marks = limit
    marks, pieces = _without_sheet_corners(small, marks, pieces)
    count = _mark_count(pieces[1])
    if count == 0 and len(pieces[1]) > 2:
        # Only slivers, several: of a ruling, or of a sheet's edge; no handwriting. One sliver
        # alone may be a thin 1 (a ballpoint's, 22x7 px at the search's size, 1.2 thick).
        return None
    if max_marks is not None and count > max_marks:
        return None
    box = _digit_box(marks, pieces)
    if box is None:
        return None
    if max(box[2], box[3]) >= WHOLE_PICTURE_SHARE * max(marks.shape):
        return grey, None
    x, y, w, h = (v / factor for v in box)
    # Context around the digit: enough paper for the background estimate and the margin.
    crop, (x0, y0) = padded_crop(grey, (x, y, w, h), CROP_MARGIN * max(w, h) + 2.0 / factor)
    shrink = min(1.0, CROP_SIDE / max(crop.shape))
    if shrink < 1.0:
        crop = _resize(crop, shrink, cv2.INTER_AREA)
    digit = tuple(round(v * shrink) for v in (x - x0, y - y0, w, h))
    return _paint_over_lines(crop, digit), digit


def _marks_in(ink: np.ndarray, max_marks: int | None) -> tuple[np.ndarray | None, int | None]:
    """The marks of the search's ``ink`` (:func:`_search_ink`) that may be the digit, dots
    left out: as dark as pen ink, else faint ones (pencil), which are believed only with at
    most FALLBACK_MAX_MARKS marks on the page; and that limit (``max_marks``, the caller's,
    for pen ink)."""
    # Dots are left out before asking whether any pen ink was found: a dot alone is none,
    # and the page may hold a pencil digit. Nor is the faint rim that blur and JPEG leave
    # round a dot: looked for as pencil, a crescent of it was read as a "0" (90 blank 12 MP
    # pages with a stray dot: 16 read as a digit, 5 once the rim is left out).
    strong = _strong_marks(ink)
    marks = _without_dots(strong)
    if marks is None or not marks.any():  # nothing as dark as pen ink: pencil, maybe
        faint = _without_dots(_faint_marks(ink))
        if strong is not None and strong.any() and faint is not None:
            faint = _apart_from(faint, strong)  # strong: the dots alone, here
        return faint, FALLBACK_MAX_MARKS
    return marks, max_marks


def _apart_from(marks: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``marks`` (0/1) less its marks that touch ``other`` (0/1)."""
    labels, stats = _pieces(marks)
    touching = np.zeros(len(stats), bool)
    touching[np.unique(labels[cv2.dilate(other, np.ones((3, 3), np.uint8)) > 0])] = True
    touching[0] = False
    return np.where(touching[labels], 0, marks).astype(np.uint8)


def _without_sheet_corners(
    small: np.ndarray, marks: np.ndarray, pieces: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """``marks`` (in place) and their ``pieces`` (:func:`_pieces`) less those of its
    CORNER_TESTED largest marks that are the corner or edge of a sheet against a darker
    table (see CORNER_DARK_RING)."""
    dropped = False
    for mark, ring in _largest_marks_with_rings(marks, pieces):
        if ring.any() and _sheet_corner(small[ring], np.median(small[mark > 0])):
            marks[mark > 0] = 0
            dropped = True
    return marks, (_pieces(marks) if dropped else pieces)


def _largest_marks_with_rings(
    marks: np.ndarray, pieces: tuple[np.ndarray, np.ndarray]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The CORNER_TESTED largest of ``marks`` (0/1; ``pieces`` as :func:`_pieces` gives
    them), each with the ring round it, CORNER_RING_SHARE of its size out, clear of the
    marks (as they are when the ring is drawn: a caller may clear marks between)."""
    labels, stats = pieces
    for label in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:CORNER_TESTED] + 1:
        mark = (labels == label).astype(np.uint8)
        reach = max(3, round(CORNER_RING_SHARE * max(stats[label, 2], stats[label, 3]))) | 1
        ring = (cv2.dilate(mark, np.ones((reach, reach), np.uint8)) > 0) & (
            cv2.dilate(mark, np.ones((3, 3), np.uint8)) == 0
        )
        ring &= marks == 0
        yield mark, ring


def _sheet_corner(ring: np.ndarray, mark_level: float) -> bool:
    """Is a mark whose median grey is ``mark_level`` and whose ring has the grey levels
    ``ring`` the corner or edge of a sheet (see CORNER_DARK_RING and CORNER_TABLE_LEVEL)?"""
    paper = float(np.percentile(ring, 90))
    dark = (mark_level + paper) / 2 if mark_level < CORNER_TABLE_LEVEL * paper else mark_level
    return _share(ring <= dark) >= CORNER_DARK_RING and _sheet_goes_on(ring, mark_level)


def _sheet_goes_on(ring: np.ndarray, mark_level: float) -> bool:
    """Does the sheet go on beyond a mark whose median grey is ``mark_level``: at least
    CORNER_BRIGHT_RING of its ``ring`` (grey levels) as bright as the mark, where a chalk
    stroke has the dark board all round?"""
    return _share(ring >= mark_level) >= CORNER_BRIGHT_RING


def _few_marks(stats: np.ndarray) -> bool:
    """Do the marks of ``stats`` (:func:`_pieces`) count one to FALLBACK_MAX_MARKS that
    are not slivers of a ruling?"""
    return 0 < _mark_count(stats) <= FALLBACK_MAX_MARKS


def _without_dots(marks: np.ndarray | None) -> np.ndarray | None:
    """``marks`` (0/1) less its dots and blots (see DOT_STROKE_SHARE)."""
    if marks is None or not marks.any():
        return marks
    count, labels, stats, _ = pieces_with_stats(marks)
    distance = cv2.distanceTransform(marks, cv2.DIST_L2, 3)
    # Each mark's stroke width as stroke_width measures it (the marks lie clear of the
    # picture's rim, so no padding is needed).
    total = np.bincount(labels.ravel(), weights=distance.ravel(), minlength=count)
    stroke = WIDTH_PER_DISTANCE * total / np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    extent = np.maximum(width, height)
    round_marks = np.minimum(width, height) >= DOT_ASPECT * extent
    dots = round_marks & (stroke >= DOT_STROKE_SHARE * extent)
    dots[0] = False
    if not dots.any():
        return marks
    return (~dots)[labels].astype(np.uint8) & marks


def _mark_count(stats: np.ndarray) -> int:
    """How many of the marks (``stats`` as :func:`_pieces` gives them, row 0 the paper) are
    handwriting or grain, not slivers of a ruled line (see SLIVER_THICKNESS)."""
    return int(np.count_nonzero(~_slivers(stats)[1:]))


def _slivers(stats: np.ndarray) -> np.ndarray:
    """Which of the marks (``stats`` as :func:`_pieces` gives them; row 0, the paper, is
    none) are slivers of a ruled or squared line: no thicker than SLIVER_THICKNESS."""
    slivers = stats[:, 4] <= SLIVER_THICKNESS * np.maximum(stats[:, 2], stats[:, 3])
    slivers[0] = False
    return slivers


def _off_the_rim(mask: np.ndarray, digit: tuple[int, int, int, int]) -> np.ndarray:
    """``mask`` without the marks that touch its rim but not the ``digit`` box (x, y, w, h).

    The crop keeps paper all round the digit it was cut for, so what reaches the rim from
    outside the digit's box is the table beyond the paper's edge, a shadow's border or a
    neighbour's stroke: kept, it would join the digit as a bar beside or above it.
    """
    count, labels, stats, _ = pieces_with_stats(mask)
    height, width = mask.shape
    x, y, w, h = (stats[:, i] for i in range(4))
    rim = (x == 0) | (y == 0) | (x + w == width) | (y + h == height)
    dx, dy, dw, dh = digit
    apart = (x >= dx + dw) | (x + w <= dx) | (y >= dy + dh) | (y + h <= dy)
    drop = rim & apart
    drop[0] = False
    if not drop.any():
        return mask
    return np.where(drop[labels], 0, mask).astype(mask.dtype)


def search_copy(grey: np.ndarray) -> np.ndarray:
    """The copy of a large picture at LOCATE_SIDE that the search for the digit looks at."""
    return _resize(grey, LOCATE_SIDE / max(grey.shape), cv2.INTER_AREA)


def large_digit_box(
    small: np.ndarray, *, one_digit: bool = False
) -> tuple[float, float, float, float] | None:
    """Is the large picture whose :func:`search_copy` is ``small`` a photo cropped close
    round one large digit, to be read whole rather than searched? Returns where the digit
    is, as shares of the picture (x, y, w, h in 0..1), if so, else None. With ``one_digit``
    (a picture of one digit, as ``recognize`` reads it), pieces that come in at its sides
    beside the digit are bits of its neighbours (:func:`_without_neighbours_bits`), not the
    digits of a number cut close.

    The search for a small digit takes a large one's long strokes for ruled lines and its
    thick ones for a shadow, and cuts out a piece of it (UNIPEN digits 40-90% of a 700-2000
    px crop: 60% read). The whole-picture pipeline finds such a digit as one cluster of
    strokes spanning much of the picture, clear of its rim; the table beyond a sheet's edge,
    a ruled line or the paper's edge reach the rim. A digit that a crop made round it cuts
    at the rim is read whole too (:func:`_cropped_to_the_ink`).
    """
    found = _find_ink(small, WORK_MAX_SIDE / max(small.shape))
    digit = None if found is None else _keep_digit_components(found[0])
    if digit is None:
        return None
    if one_digit:
        digit = _without_neighbours_bits(digit)
    x, y, w, h = cv2.boundingRect(digit)
    height, width = digit.shape
    stroke = stroke_width(digit[y : y + h, x : x + w])
    if max(w, h) < WHOLE_PICTURE_SHARE * max(height, width):
        return None
    if stroke > STROKE_SHARE_OF_DIGIT * max(w, h):
        return None
    inside = x > 0 and y > 0 and x + w < width and y + h < height
    if inside or _cropped_to_the_ink(digit, found[1], found[0], stroke):
        return x / width, y / height, w / width, h / height
    return None


def _cropped_to_the_ink(
    digit: np.ndarray, flat: np.ndarray, ink: np.ndarray, stroke: float
) -> bool:
    """Is ``digit`` (0/1 cluster of the whole picture's ``ink`` mask; ``flat``, the picture
    with its lighting taken off) a digit that the crop cuts at its rim, as a crop made to the
    ink's edges does? Its marks that reach the rim span much of the picture both ways (a
    strip of table along one side, joined to a small digit, does not), meet the rim only
    where a few strokes end (the table beyond a sheet, a ruled line or the paper's edge run
    along it), and are as dark as ink (a shadow's soft border is not)."""
    count, labels = cv2.connectedComponents(digit, connectivity=8)  # count: with the paper
    height, width = digit.shape
    touching = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    at_rim = np.isin(labels, touching[touching > 0]).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(at_rim)
    if min(w / width, h / height) < CROPPED_SPAN:
        return False
    rim = [digit[0], digit[-1], digit[:, 0], digit[:, -1]]
    if max(height, width) >= CROPPED_STROKE_ASPECT * min(height, width):
        # A crop round one long stroke (a 1) has that stroke along its long sides.
        rim = rim[:2] if height > width else rim[2:]
    runs = sorted((_longest_run(side) for side in rim), reverse=True)
    # One mark may run along one side further: a 7's bar or a 0's flank that the crop cuts
    # along. The table beyond a sheet joins a digit as another mark, and its corner runs
    # along two sides.
    one_mark = count == 2
    longest = CROPPED_ALONG_STROKES if one_mark else CROPPED_RIM_STROKES
    if runs[0] > longest * stroke or runs[1] > CROPPED_RIM_STROKES * stroke:
        return False
    contrast = cv2.mean(flat, at_rim)[0] - cv2.mean(flat, 1 - ink)[0]
    return contrast >= CROPPED_CONTRAST


def _longest_run(line: np.ndarray) -> int:
    """The longest run of ink (nonzero) along a row or column of a 0/1 mask."""
    edges = np.diff(np.concatenate(([0], line.astype(np.int8), [0])))
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max(initial=0))


def search_marks(
    grey: np.ndarray, small: np.ndarray | None = None
) -> tuple[np.ndarray, float] | None:
    """The handwriting's marks in a small copy of a large picture, and that copy's scale.

    A 0/1 mask ``LOCATE_SIDE`` pixels on its longer side: strong marks, clear of the
    picture's rim, ruled lines removed, neither dots nor larger than a digit can be. None
    when nothing on the picture stands out as ink. ``small``: that copy, when the caller
    has made it.
    """
    factor = LOCATE_SIDE / max(grey.shape)
    if small is None:
        small = _resize(grey, factor, cv2.INTER_AREA)
    marks = _strong_marks(_search_ink(small))
    return None if marks is None else (marks, factor)


def _search_ink(small: np.ndarray) -> np.ndarray:
    """How much each pixel of the search's copy stands out as ink from the paper round it,
    relative to the paper's brightness (see :func:`_ink_response`)."""
    return _ink_response(small, (max(small.shape) // LOCATE_WINDOW_SHARE) | 1, relative=True)[0]


def _strong_marks(ink: np.ndarray) -> np.ndarray | None:
    """The marks of ``ink`` (:func:`_ink_response`) at least INK_SHARE_OF_PEAK as strong as
    the strongest anywhere (:func:`search_marks`)."""
    mask = _strong_ink(ink, INK_SHARE_OF_PEAK, LOCATE_MIN_CONTRAST)
    return None if mask is None else _marks_inside(_without_lines(mask))


def _faint_marks(ink: np.ndarray) -> np.ndarray | None:
    """The marks of faint ink: those at least INK_SHARE_OF_PEAK as strong as the strongest
    mark that may be handwriting, which must stand out by FAINT_LOCATE_MIN_CONTRAST (the
    table's edge and ruled lines, stronger than pencil, set no bar)."""
    floor = 255 * FAINT_LOCATE_MIN_CONTRAST
    candidates = _marks_inside(_without_lines((ink >= INK_SHARE_OF_PEAK * floor).astype(np.uint8)))
    if not candidates.any():
        return None
    peak = float(cv2.GaussianBlur(ink, (3, 3), 0)[candidates > 0].max())
    if peak < floor:
        return None
    return _marks_inside(candidates & (ink > INK_SHARE_OF_PEAK * peak))


def _without_lines(mask: np.ndarray) -> np.ndarray:
    """``mask`` (0/1, at LOCATE_SIDE) with its long straight marks (ruled lines) cleared, in
    place."""
    lines = _draw(straight_marks(mask, LINE_SHARE * max(mask.shape)), mask.shape, LINE_WIDTH)
    mask[lines > 0] = 0
    return mask


def _ink_response(
    grey: np.ndarray, kernel_side: int, relative: bool = False
) -> tuple[np.ndarray, bool]:
    """How much each pixel stands out, as ink, from the paper around it (uint8, 0 = paper),
    and whether the ink is dark.

    The paper is the median of a window wider than any stroke: it follows the lamp's
    gradient, a shadow, and the straight edges of the paper and the table, so that what
    differs from it is strokes, lines and dots. Ink is taken to be dark unless light marks
    are clearly the stronger (chalk, a light-on-dark canvas): near the paper's corners
    both polarities show up, and a whole-picture test is fooled when a shadow or the table
    covers half of it, so it only breaks the tie where the two measures of ``relative``
    disagree.
    """
    paper = cv2.medianBlur(grey, kernel_side)
    dark_marks, light_marks = cv2.subtract(paper, grey), cv2.subtract(grey, paper)
    measured_dark = dark_marks
    if relative:
        # Dark ink against the paper's own brightness: light multiplies, so the same pen in
        # a shadow that halves the light stands out as much as in full light (else a stray
        # dot in the light outweighs the digit in the shadow).
        dark_marks = cv2.divide(dark_marks, cv2.max(paper, 1), scale=255)
    light_peak = _peak(light_marks)
    if light_peak > LIGHT_INK_MARGIN * _peak(dark_marks) and not (
        relative
        and _lit_sheet_corner(grey, light_marks, light_peak)
        and _darker_tail_is_ink(_as_unit_float(grey))
    ):
        # Unless the strong light marks are a sheet's lit corner against a dark table,
        # beside which a pencil digit is weaker, and the picture's darker tail is the ink.
        return light_marks, False
    if relative and _light_ink_on_dark_ground(
        grey, measured_dark, light_marks, light_peak, kernel_side
    ):
        return light_marks, False
    return dark_marks, True


def _lit_sheet_corner(grey: np.ndarray, light_marks: np.ndarray, light_peak: float) -> bool:
    """Is one of the strong light marks (``light_marks`` of ``grey``, at least
    INK_SHARE_OF_PEAK of ``light_peak``) the lit corner or edge of a sheet against a darker
    table? The sheet goes on beyond it (:func:`_sheet_goes_on`: 29-33% of the ring round the
    corners that hid two pencil digits), where a chalk stroke has the dark board all round
    (0%)."""
    strong = (light_marks > INK_SHARE_OF_PEAK * light_peak).astype(np.uint8)
    return any(
        ring.any() and _sheet_goes_on(grey[ring], np.median(grey[mark > 0]))
        for mark, ring in _largest_marks_with_rings(strong, _pieces(strong))
    )


def _light_ink_on_dark_ground(
    grey: np.ndarray,
    dark_marks: np.ndarray,
    light_marks: np.ndarray,
    light_peak: float,
    kernel_side: int,
) -> bool:
    """Are light marks the ink where they are the stronger only as measured (``dark_marks``
    not against the ground's brightness), and only away from them? Chalk on a dark board,
    whose board looks dark beside thick strokes (the window's median is raised by them), or
    faint pencil beside a sheet's lit edge: the picture's tails tell which."""
    if light_peak <= _peak(dark_marks):
        return False
    strong = (light_marks > INK_SHARE_OF_PEAK * light_peak).astype(np.uint8)
    near = cv2.dilate(strong, np.ones((kernel_side, kernel_side), np.uint8))
    away = np.where(near > 0, np.uint8(0), dark_marks)
    return light_peak > LIGHT_INK_MARGIN * _peak(away) and not _darker_tail_is_ink(
        _as_unit_float(grey)
    )


def _peak(ink: np.ndarray) -> float:
    """The strongest mark away from the borders, blurred so that one noisy pixel cannot
    set it (at the borders the median window is lopsided)."""
    border = max(1, min(ink.shape) // 16)
    return float(cv2.GaussianBlur(ink[border:-border, border:-border], (3, 3), 0).max())


def _strong_ink(
    ink: np.ndarray, share_of_peak: float, min_contrast: float = MIN_CONTRAST
) -> np.ndarray | None:
    """Pixels that stand out as strongly as the strongest mark does, or None if none do."""
    peak = _peak(ink)
    paper = float(np.median(ink))
    spread = 1.4826 * float(np.median(np.abs(ink.astype(np.float32) - paper)))
    if peak - paper < 255 * min_contrast or peak - paper < LOCATE_SEPARATION * spread:
        return None
    return (ink > max(share_of_peak * peak, paper + LOCATE_SEPARATION * spread)).astype(np.uint8)


def _draw(segments: np.ndarray, shape: tuple[int, ...], width: int) -> np.ndarray:
    lines = np.zeros(shape, np.uint8)
    for x0, y0, x1, y1 in segments:
        cv2.line(lines, (int(x0), int(y0)), (int(x1), int(y1)), 1, width)
    return lines


def _marks_inside(mask: np.ndarray) -> np.ndarray:
    """The marks that may be handwriting: not those reaching the picture's rim (the table's
    edge, the paper's corner, a cut-off shadow: where the paper's median window is
    lopsided), nor dots and specks, nor marks larger than a digit can be (what is left of a
    grid whose lines are broken)."""
    count, labels, stats, _ = pieces_with_stats(mask)
    height, width = mask.shape
    x, y, w, h = (stats[:, i] for i in range(4))
    edge = EDGE_SHARE * max(mask.shape)
    inside = (x > edge) & (y > edge) & (x + w < width - edge) & (y + h < height - edge)
    inside &= np.maximum(w, h) < LINE_SHARE * max(mask.shape)
    inside &= np.maximum(w, h) >= MIN_DIGIT_SHARE * max(mask.shape)
    inside[0] = False
    return inside[labels].astype(np.uint8)


def _digit_box(
    marks: np.ndarray, pieces: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the digit: the largest mark and the pieces close to it
    (``pieces``: the marks' :func:`_pieces`, when the caller has them)."""
    if not marks.any():
        return None
    labels, stats = _pieces(marks) if pieces is None else pieces
    slivers = _slivers(stats)
    if slivers.any() and not slivers[1:].all():
        # Slivers of a ruling neither seed the digit nor join it (see SLIVER_THICKNESS).
        keep = ~slivers
        keep[0] = False
        marks = keep.astype(np.uint8)[labels]
        labels, stats = _pieces(marks)
    digit = _keep_digit_components(marks, (labels, stats))
    return None if digit is None else cv2.boundingRect(digit)


def _paint_over_lines(crop: np.ndarray, digit: tuple[int, int, int, int]) -> np.ndarray:
    """Lighten the ruled lines that cross the crop back to paper, keeping the pen's ink.

    In the crop a line runs from border to border, which no stroke of the digit (kept a
    margin away from the borders) does. Each pixel near a line is raised by the line's own
    depth at most: line pixels become paper, where the pen crossed a line its darker ink is
    left. ``digit`` is the digit's box (x, y, w, h) in the crop.
    """
    ink, dark = _ink_response(crop, (max(crop.shape) // 2) | 1)
    mask = _strong_ink(ink, CROP_INK_SHARE_OF_PEAK)
    if mask is None:
        return crop
    height, width = crop.shape
    edge = LINE_END_SHARE * min(crop.shape) + 2
    segments = straight_marks(mask, 0.5 * min(crop.shape))
    x0, y0, x1, y1 = (segments[:, i] for i in range(4))
    near_x0 = np.minimum.reduce([x0, y0, width - 1 - x0, height - 1 - y0]) <= edge
    near_x1 = np.minimum.reduce([x1, y1, width - 1 - x1, height - 1 - y1]) <= edge
    crossing = segments[near_x0 & near_x1]
    if len(crossing) == 0:
        return crop
    band = _draw(crossing, crop.shape, max(3, round(max(crop.shape) * LINE_BAND_SHARE)))
    # The lines' depth is read in the margin around the digit only: where a line crosses a
    # thick stroke, the pen's ink would pass for a deep line and be lightened away.
    lines = (band > 0) & (mask > 0) & _margin(crop.shape, digit)
    depth = np.uint8(np.percentile(ink[lines], 75)) if lines.any() else np.uint8(0)
    lift = np.minimum(ink, depth) * band
    return cv2.add(crop, lift) if dark else cv2.subtract(crop, lift)


def _margin(shape: tuple[int, ...], box: tuple[int, int, int, int]) -> np.ndarray:
    """True outside ``box`` (x, y, w, h), False inside it."""
    outside = np.ones(shape, bool)
    x, y, w, h = box
    outside[max(0, y) : y + h, max(0, x) : x + w] = False
    return outside


def _working_factor(side: int) -> float:
    """Scale factor that brings a digit picture's longer side into the working range."""
    if side > WORK_MAX_SIDE:
        return WORK_MAX_SIDE / side
    if side < WORK_MIN_SIDE:
        return WORK_MIN_SIDE / side
    return 1.0


def _scaled_copy(grey: np.ndarray, factor: float) -> np.ndarray:
    """``grey`` (uint8) at ``factor`` times its size, as float32 in 0..1."""
    if factor < 1:
        # Area averaging only pays off for real reductions; it is slow for slight ones.
        interpolation = cv2.INTER_AREA if factor < 0.6 else cv2.INTER_LINEAR
        # Shrinking the 8-bit image first keeps the large input out of float arithmetic.
        return _as_unit_float(_resize(grey, factor, interpolation))
    if factor > TINY_ENLARGEMENT:
        enlarged = _resize(_as_unit_float(grey), factor, cv2.INTER_CUBIC)
        return np.clip(enlarged, 0.0, 1.0, out=enlarged)  # cubic overshoots at edges
    if factor > 1:
        return _resize(_as_unit_float(grey), factor, cv2.INTER_LINEAR)
    return _as_unit_float(grey)


def _as_unit_float(grey: np.ndarray) -> np.ndarray:
    return np.multiply(grey, np.float32(1.0 / 255.0), dtype=np.float32)


def _resize(image: np.ndarray, factor: float, interpolation: int) -> np.ndarray:
    height, width = image.shape
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=interpolation)


def _noise_level(image: np.ndarray) -> float:
    """Robust estimate of pixel noise (0..1 scale): median deviation from a 3x3 median.

    Clean drawings and scans give ~0; grainy photos and noisy scans give 0.05-0.2.
    """
    # Noise is spread over the whole picture, so a central patch is a fair, cheap sample.
    height, width = image.shape
    top, left = max(0, height // 2 - 64), max(0, width // 2 - 64)
    patch = image[top : top + 128, left : left + 128]
    if patch.dtype != np.uint8:
        patch = np.clip(patch * 255.0 + 0.5, 0, 255).astype(np.uint8)
    deviation = cv2.absdiff(patch, cv2.medianBlur(patch, 3))
    return 1.4826 * _median_level(deviation) / 255.0


def _median_level(levels: np.ndarray) -> float:
    """``np.median`` of a uint8 array, from its histogram: the same value in half the time."""
    cumulative = np.cumsum(cv2.calcHist([levels], [0], None, [256], [0, 256]).ravel())
    middle = [(levels.size - 1) // 2 + 1, levels.size // 2 + 1]  # how many lie at or below
    low, high = np.searchsorted(cumulative, middle)
    return (int(low) + int(high)) / 2.0


def _blur_sigma(side: int, scale_up: float, noise: float) -> float:
    # Enough to smooth strokes at the working size (``side``: what the digit spans); for an
    # enlarged MNIST-sized image, about 0.7 of its original pixels, which is where its noise
    # lives; an image smaller still as much as a 28 px one (see TINY_ENLARGEMENT).
    # Noisier images are smoothed more (noise 0.12, MNIST with sigma 0.5 added, gives ~1.7x).
    enlarged = 0.7 * min(scale_up, TINY_ENLARGEMENT) if scale_up > 1 else 0.0
    base = max(1.0, side / 160.0, enlarged)
    return base * (1.0 + 6.0 * noise)


def _ink_is_dark(
    grey: np.ndarray,
    small: np.ndarray,
    factor: float,
    noise: float,
    flat: tuple[bool, bool] | None = None,
) -> bool:
    """Is ``grey`` dark ink on light paper (MNIST wants bright ink)? ``small``: its smoothed
    working copy at a quarter size, ``factor``, ``noise`` and ``flat`` (:func:`_flat_paper`,
    found here if None) as :func:`_find_ink` has them.

    Enlarging smooths thick strokes over the paper between them until ink may be most of
    the picture, so a noiseless small picture is judged as given. Where ink and paper split
    a clean picture about evenly (EVEN_SPLIT), area cannot tell them apart, and a photo's
    ink is dark: light ink is believed there only on a flat dark ground (a canvas), and
    where the light ground is flat as well (a black-and-white scan), only when the light
    part holds together better than the dark one.
    """
    image = _as_unit_float(grey) if factor > 1 and noise == 0 else small
    if _darker_tail_is_ink(image):
        return True
    if noise >= NOISY_LEVEL or not _split_evenly(small):
        return False
    flat_for_light_ink, flat_for_dark_ink = _flat_paper(grey) if flat is None else flat
    if not flat_for_light_ink:
        # A digital picture (no grain at all) whose dark part runs all round its rim: a
        # soft or blurred light digit on a dark ground.
        return not (noise == 0 and _dark_all_round(image))
    # Both grounds flat: a two-level picture (a black-and-white scan that the digit fills,
    # as Semeion's). The digit holds together; the paper is cut up by it.
    return flat_for_dark_ink and _dark_part_holds_together(small)


def _dark_all_round(image: np.ndarray) -> bool:
    """Does the dark part of ``image`` (split by Otsu's threshold) take RIM_GROUND_SHARE of
    its rim?"""
    rim = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return _share(rim <= _otsu(image)) >= RIM_GROUND_SHARE


def _dark_part_holds_together(image: np.ndarray) -> bool:
    """Is the dark part of ``image`` (split by Otsu's threshold) more in one piece than
    the bright part?"""
    dark = (image <= _otsu(image)).astype(np.uint8)
    shares = [_largest_piece_share(_pieces(part)[1]) for part in (dark, 1 - dark)]
    return shares[0] > shares[1]


def _darker_tail_is_ink(image: np.ndarray) -> bool:
    """Does the picture's darker tail lie farther from its bulk than its brighter one?

    The background is the bulk of the picture (the median); ink is the tail that lies
    farther from it, whichever side that is. The lamp's gradient is taken off first (a
    plane fitted to the whole picture): across a steeply lit sheet the paper's bright end
    lies farther from the median than a thin pen's ink, and the digit was looked for in
    negative (6 of 1,500 UNIPEN digits written on paper and photographed gave no digit).
    """
    values = (image - _fit_plane(image)).ravel()
    last = values.size - 1
    ranks = [round(0.005 * last), last // 2, round(0.995 * last)]
    # np.partition finds the three order statistics at a quarter of np.percentile's cost.
    low, median, high = np.partition(values, ranks)[ranks]
    return bool((median - low) > (high - median))


def _without_background(ink: np.ndarray, background: np.ndarray | None) -> np.ndarray:
    """``ink`` less the ``background`` (:func:`_background`), clipped to 0..1, in place."""
    if background is None:
        return ink
    # In place: every full-size temporary costs fresh pages from the allocator.
    np.subtract(ink, background, out=ink)
    return np.clip(ink, 0.0, 1.0, out=ink)


def _background(
    small: np.ndarray, shape: tuple[int, ...], thick_strokes: bool = False
) -> np.ndarray:
    """The slowly varying lighting of ``small`` (the picture at a quarter size), estimated
    twice, at the full ``shape``.

    First an opening with a kernel wider than any stroke (a quarter of the picture, or with
    ``thick_strokes`` OPENING_STROKES strokes where the ink fills it) gives a rough
    background; then it is estimated again from the pixels that are not ink only, so that
    dark strokes do not pull the estimate (on unevenly lit paper that second pass matters
    most).
    """
    kernel_side = max(3, (max(small.shape) // 4) | 1)
    rough, paper = _rough_background(small, kernel_side)
    if thick_strokes and _fills_the_picture(paper == 0):
        wide = int(OPENING_STROKES * _stroke_width_under_a_plane(small)) | 1
        if wide > kernel_side:
            rough, paper = _rough_background(small, min(wide, max(small.shape) | 1))
    # A plane fitted to the paper takes the lamp's gradient; blurring what is left over takes
    # the rest. (Blurring the gradient itself would bend it at the borders into fake ink.)
    plane = _fit_plane(small, paper > 0)
    sigma = max(2.0, max(small.shape) / 8.0)
    weight = cv2.GaussianBlur(paper, (0, 0), sigma)
    remainder = cv2.GaussianBlur((small - plane) * paper, (0, 0), sigma) / np.maximum(weight, 1e-3)
    background = plane + np.where(weight > 0.05, remainder, rough - plane)
    return cv2.resize(background, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _rough_background(small: np.ndarray, kernel_side: int) -> tuple[np.ndarray, np.ndarray]:
    """An opening of ``small`` by a square ``kernel_side`` wide, and the pixels (1.0) that
    stand above it by less than Otsu's threshold: the paper."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_side, kernel_side))
    rough = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    residual = small - rough
    return rough, (residual <= _otsu(residual)).astype(np.float32)


def _stroke_width_under_a_plane(small: np.ndarray) -> float:
    """The width of the strokes of ``small`` (ink bright) as Otsu's threshold shows them once
    a plane fitted to the whole picture is taken off: a first look, before the lighting is
    known (a large shadow passes for a thick stroke here: see OPENING_FILL)."""
    level = small - _fit_plane(small)
    level -= level.min()
    return stroke_width((level > _otsu(level)).astype(np.uint8))


def _fills_the_picture(ink: np.ndarray) -> bool:
    """Does the box round ``ink`` (bool) span OPENING_FILL of the picture both ways?"""
    x, y, w, h = cv2.boundingRect(ink.astype(np.uint8))
    return w >= OPENING_FILL * ink.shape[1] and h >= OPENING_FILL * ink.shape[0]


def _split_evenly(image: np.ndarray) -> bool:
    """Does Otsu's threshold split ``image`` into two parts, each at least EVEN_SPLIT of it?"""
    bright = _share(image > _otsu(image))
    return min(bright, 1.0 - bright) >= EVEN_SPLIT


def _flat_paper(grey: np.ndarray) -> tuple[bool, bool]:
    """Is ``grey`` (uint8) on flat paper, for light ink and for dark ink (indexed by "ink is
    dark"): do FLAT_PAPER_SHARE of its pixels lie within one grey level of its darkest, or
    of its brightest, one? Both from one sample of about FLAT_SAMPLE pixels.

    Judged on the picture as given: smoothing or enlarging it would shade the paper between
    thick strokes. A canvas, a digital image or a scan cleaned to one paper level has no
    lighting to subtract, which also saves a third of a canvas's time.
    """
    step = max(1, int(np.sqrt(grey.size / FLAT_SAMPLE)))
    sample = grey[::step, ::step]
    enough = FLAT_PAPER_SHARE * sample.size
    darkest, brightest = (int(level) for level in cv2.minMaxLoc(sample)[:2])
    # Counted by comparison: half a histogram's time, and all that is asked of one.
    near_darkest = np.count_nonzero(sample <= darkest + 1)
    near_brightest = np.count_nonzero(sample >= brightest - 1)
    return bool(near_darkest >= enough), bool(near_brightest >= enough)


def _grey_counts(grey: np.ndarray, pixels: int) -> np.ndarray:
    """How many of about ``pixels`` evenly spread pixels of ``grey`` (uint8) have each grey
    level (every pixel's own grain: a shrunk copy would smooth it away)."""
    step = max(1, int(np.sqrt(grey.size / pixels)))
    sample = np.ascontiguousarray(grey[::step, ::step])
    # OpenCV's histogram: a quarter of np.bincount's time on a 300x300 picture, the same counts.
    return cv2.calcHist([sample], [0], None, [256], [0, 256]).ravel().astype(np.int64)


def _fit_plane(image: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Least-squares plane a + b*x + c*y through ``image`` at the pixels ``where`` (None:
    all of them).

    Solved from row and column sums, without a per-pixel design matrix (a 75x75 picture:
    0.03 ms for all pixels, 0.05 ms with a mask, against 0.07 and 0.09 ms building one).
    """
    height, width = image.shape
    if (image.size if where is None else np.count_nonzero(where)) < 3:
        return np.full_like(image, float(image.mean()))
    rows = np.arange(height, dtype=np.float64)
    cols = np.arange(width, dtype=np.float64)
    if where is None:
        # Over the whole grid, centred coordinates are orthogonal: each slope on its own.
        rows -= rows.mean()
        cols -= cols.mean()
        a = float(image.mean(dtype=np.float64))
        b = float(image.sum(axis=0, dtype=np.float64) @ cols) / max(height * (cols @ cols), 1e-9)
        c = float(image.sum(axis=1, dtype=np.float64) @ rows) / max(width * (rows @ rows), 1e-9)
    else:
        weights = where.astype(np.float32)
        weighted = weights * image
        per_col = weights.sum(axis=0, dtype=np.float64)
        per_row = weights.sum(axis=1, dtype=np.float64)
        sx, sy = per_col @ cols, per_row @ rows
        sxy = float(rows @ (weights @ cols.astype(np.float32)))
        gram = np.array(
            [[per_col.sum(), sx, sy], [sx, per_col @ cols**2, sxy], [sy, sxy, per_row @ rows**2]]
        )
        moments = np.array(
            [
                float(weighted.sum(dtype=np.float64)),
                weighted.sum(axis=0, dtype=np.float64) @ cols,
                weighted.sum(axis=1, dtype=np.float64) @ rows,
            ]
        )
        a, b, c = np.linalg.solve(gram + 1e-6 * np.eye(3), moments)
    plane = np.float32(a) + np.float32(c) * rows.astype(np.float32)[:, np.newaxis]
    return plane + np.float32(b) * cols.astype(np.float32)


def _otsu(image: np.ndarray) -> float:
    top = float(image.max())
    if top <= 0:
        return 0.0
    scaled = cv2.convertScaleAbs(image, alpha=255.0 / top)  # rounds to 8 bits in one pass
    level, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return level * top / 255.0


def _ink_mask(flat: np.ndarray, clean: bool = False) -> np.ndarray | None:
    """Otsu's threshold, or None when ink and paper cannot be told apart, or when the "ink"
    covers more of the picture than a digit does (a ``clean`` picture may be cut at the
    edges of a thick digit: see CLEAN_MAX_INK_FRACTION)."""
    threshold = _otsu(flat)
    mask = flat > threshold
    share = _share(mask)
    cap = CLEAN_MAX_INK_FRACTION if clean else MAX_INK_FRACTION
    if clean and max(flat.shape) >= CROPPED_STROKE_ASPECT * min(flat.shape):
        cap = STROKE_CROP_MAX_INK_FRACTION
    if share == 0.0 or share > cap:
        return None
    mask = mask.astype(np.uint8)
    if share > MAX_INK_FRACTION and _largest_piece_share(_pieces(mask)[1]) < ONE_PIECE_SHARE:
        return None
    ink_level = cv2.mean(flat, mask)[0]
    paper_level, paper_spread = (float(v) for v in np.ravel(cv2.meanStdDev(flat, mask=1 - mask)))
    contrast = ink_level - paper_level
    clear = contrast >= MIN_CONTRAST and contrast >= MIN_SEPARATION * paper_spread
    faint_but_clear = contrast >= FAINT_MIN_CONTRAST and contrast >= FAINT_SEPARATION * paper_spread
    if not (clear or faint_but_clear):
        return None
    return mask


def _pieces(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 8-connected pieces of ink in ``mask``: their labels and stats, as OpenCV gives
    them (row 0 of the stats is the paper)."""
    _, labels, stats, _ = pieces_with_stats(mask)
    return labels, stats


def _largest_piece_share(stats: np.ndarray) -> float:
    """The largest piece's share of the ink (``stats`` of :func:`_pieces`, some ink)."""
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(areas.max()) / float(areas.sum())


def _keep_digit_components(
    mask: np.ndarray, components: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray | None:
    """Drop specks and stray marks: keep the largest stroke and the pieces close to it.
    ``components``: the mask's :func:`_pieces`, when the caller has them.

    How much of the picture ink may cover is :func:`_ink_mask`'s to judge, before this."""
    labels, stats = _pieces(mask) if components is None else components
    count = len(stats)
    if count <= 1:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = int(np.argmax(areas))
    candidates = [i for i in range(len(areas)) if areas[i] >= SPECK_SHARE * areas[largest]]
    boxes = stats[1:, :4].astype(np.int64)  # x, y, w, h
    cluster = list(boxes[largest])
    kept = {largest}
    grew = True
    while grew:
        grew = False
        margin = 0.5 * max(cluster[2], cluster[3])
        for i in candidates:
            if i not in kept and _near(boxes[i], cluster, margin):
                kept.add(i)
                cluster = _union(cluster, boxes[i])
                grew = True
    if len(kept) == 1:
        digit = (labels == largest + 1).astype(np.uint8)
    else:
        keep_labels = np.zeros(count, np.uint8)
        keep_labels[[i + 1 for i in kept]] = 1
        digit = keep_labels[labels]
    return digit


def _near(box, cluster, margin: float) -> bool:
    x, y, w, h = box
    cx, cy, cw, ch = cluster
    gap_x = max(cx - (x + w), x - (cx + cw), 0)
    gap_y = max(cy - (y + h), y - (cy + ch), 0)
    return gap_x <= margin and gap_y <= margin


def _union(a, b) -> list[int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return [x0, y0, x1 - x0, y1 - y0]


def mask_to_mnist(mask: np.ndarray) -> np.ndarray:
    """One digit's 0/1 ink mask, any size, as MNIST draws it: stroke width in MNIST's range,
    longer side 20 px, centre of mass at the centre of a 28x28 uint8 image."""
    crop = _normalise_stroke_width(_crop_to_ink(mask))
    crop = _crop_to_ink(crop).astype(np.float32)
    factor = BOX / max(crop.shape)
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    digit = _resize(crop, factor, interpolation)
    return _centre_by_mass(digit)


def _render_grey_like_mnist(flat: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The noisy picture's smoothed grey levels, placed as MNIST places a digit.

    The mask only measures the digit (its box sets the scale, its centre of mass the
    place); what the model sees is the grey picture around it, so that a faint stroke the
    threshold missed is still there. Paper is set to black and the mask's typical ink
    level to white; the stroke width is left alone (the grey edges are evidence).
    """
    x, y, w, h = cv2.boundingRect(mask)
    paper = float(np.median(flat[mask == 0]))
    ink = float(np.median(flat[mask > 0]))
    grey = np.clip((flat - paper) / max(ink - paper, 1e-3), 0.0, 1.0)
    factor = BOX / max(w, h)
    small = _resize(grey, factor, cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    rows, cols = np.nonzero(mask)
    # The resized picture's pixel centres sit at (i + 0.5) / factor - 0.5 in the original.
    centre_row = (float(rows.mean()) + 0.5) * factor - 0.5
    centre_col = (float(cols.mean()) + 0.5) * factor - 0.5
    return _place(small, centre_row, centre_col)


def _crop_to_ink(mask: np.ndarray) -> np.ndarray:
    x, y, w, h = cv2.boundingRect(mask)
    return mask[y : y + h, x : x + w]


def _normalise_stroke_width(crop: np.ndarray) -> np.ndarray:
    """Thicken hairlines and thin marker strokes into MNIST's range of stroke widths."""
    pixels_per_box_pixel = max(crop.shape) / BOX
    width = stroke_width(crop) / pixels_per_box_pixel
    low, high = STROKE_RANGE
    if low <= width <= high:
        return crop
    target = low if width < low else high
    radius = round(abs(target - width) * pixels_per_box_pixel / 2.0)
    if radius < 1:
        return crop
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    if width < low:
        return cv2.dilate(_padded(crop, radius), kernel)
    thinner = cv2.erode(crop, kernel)
    # Never erase the digit: a stroke thinner than the kernel somewhere would vanish.
    return thinner if thinner.sum() > 0.25 * crop.sum() else crop


def stroke_width(ink: np.ndarray) -> float:
    """The mean width, in pixels, of the strokes in the 0/1 mask ``ink`` (0 without ink).

    Four times the mean distance to the edge (WIDTH_PER_DISTANCE); the mask is padded so
    that ink touching the border has an edge there too.
    """
    if not ink.any():
        return 0.0
    distance = cv2.distanceTransform(_padded(ink.astype(np.uint8, copy=False), 1), cv2.DIST_L2, 3)
    return WIDTH_PER_DISTANCE * float(distance[1:-1, 1:-1][ink > 0].mean())


def _share(mask: np.ndarray) -> float:
    """The share of ``mask``'s pixels that are set: ``mask.mean()``, without its float copy."""
    return np.count_nonzero(mask) / mask.size


def _padded(image: np.ndarray, border: int) -> np.ndarray:
    """``np.pad(image, border)`` (zeros all round) by OpenCV, at a fifth of the time."""
    return cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_CONSTANT, value=0)


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    # numpy, not cv2.moments: OpenCV reads a one-pixel-wide array as a point list.
    total = float(digit.sum())
    centre_row = float(digit.sum(axis=1) @ np.arange(digit.shape[0])) / total
    centre_col = float(digit.sum(axis=0) @ np.arange(digit.shape[1])) / total
    return _place(digit, centre_row, centre_col)


def _place(digit: np.ndarray, centre_row: float, centre_col: float) -> np.ndarray:
    """The 0..1 ``digit`` in the 28x28 field, its point (centre_row, centre_col) at MNIST's
    centre, as uint8."""
    shift = np.float32([[1, 0, MNIST_CENTRE[1] - centre_col], [0, 1, MNIST_CENTRE[0] - centre_row]])
    placed = cv2.warpAffine(digit, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR)
    return np.clip(placed * 255.0 + 0.5, 0, 255).astype(np.uint8)
