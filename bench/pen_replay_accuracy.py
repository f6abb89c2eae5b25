"""Accuracy on real pen-tablet handwriting: UNIPEN digits replayed as canvas drawings or
written on paper and photographed.

    python bench/pen_replay_accuracy.py [--count N] [--seed 0] [--background transparent|black]
        [--medium canvas|photo|phone|crop|tight|screen|cut|circled] [--model path.tflite]

Each of the 9,835 digits (writers from several institutions, none from MNIST) is drawn
stroke by stroke with a round brush on the page's 280x280 canvas (digit 120-240 px tall,
brush 12-28 px), then read by the recognizer. ``--medium photo`` writes it instead with a
ballpoint-to-felt pen on paper in a JPEG photo (40-260 px tall, uneven light), ``phone``
small in a 12 MP phone photo of a ruled, squared or plain page (5-30% of the frame's
height), as ``bench/realistic_accuracy.py`` does with MNIST digits, ``crop`` large in a
photo cropped close round it (700-2000 px, the digit 40-90% of that), ``tight`` in a photo
cut at the edges of its ink (150-2000 px, the rim on the strokes on one or two sides),
``screen`` drawn in a drawing app and saved whole (a flat 640-1920 px canvas, the digit
10-60% of its height anywhere on it, black on white or white on black), ``cut`` written
between two other digits of the same writer as a number on paper, photographed, and cut
out by a box 0-0.15 digit heights round its own ink, as digits cut out of a register's
numbers come (30-150 px tall, then 2-3 times that for a third of them: bits of the
neighbours come in at the box's sides for about half of the digits), ``circled`` on paper
with a ring drawn round it by hand, as an answer on a worksheet is (40-260 px tall).
Prints the accuracy overall, per digit and per contributor, and the most frequent
confusions. UNIPEN is a validation set: it is used to find what the model misreads and to
choose recipes, never to train the shipped model.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np

from digitrec import Recognizer
from digitrec.training import number_renders, pen_replay, renders


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=None, help="a random subset of N digits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--background", choices=("transparent", "black"), default="transparent")
    media = ("canvas", "photo", "phone", "crop", "tight", "screen", "cut", "circled")
    parser.add_argument("--medium", choices=media, default="canvas")
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    args = parser.parse_args()

    digits = pen_replay.load()
    rng = np.random.default_rng(args.seed)
    if args.count:
        digits = [digits[i] for i in sorted(rng.choice(len(digits), args.count, replace=False))]
    if args.medium == "cut":
        sessions = defaultdict(list)
        for digit in pen_replay.load():
            sessions[(digit.org, digit.file)].append(digit)
        cuts = [cut_from_a_number(d, sessions[(d.org, d.file)], rng) for d in digits]
        drawings = [picture for picture, _ in cuts]
        bits = np.array([share for _, share in cuts]) > number_renders.NEIGHBOUR_BITS
    else:
        drawings = [written(d, args, rng) for d in digits]
    labels = np.array([d.label for d in digits])
    results = Recognizer.load(args.model).recognize_many(drawings)
    predicted = np.array([-1 if r.digit is None else r.digit for r in results])
    right = predicted == labels

    where = f"on the canvas ({args.background})" if args.medium == "canvas" else args.medium
    print(f"UNIPEN replayed {where}: {len(labels)} digits")
    print(f"accuracy {right.mean():.2%}; no digit found: {int((predicted == -1).sum())}")
    if args.medium == "cut":
        print(
            f"with bits of the neighbours in the box: {int(bits.sum())}, "
            f"{right[bits].mean():.2%} read; the others {right[~bits].mean():.2%}"
        )
    print("per digit: " + "  ".join(f"{d}:{right[labels == d].mean():.1%}" for d in range(10)))
    orgs = np.array([d.org for d in digits])
    print(
        "per contributor: "
        + "  ".join(
            f"{o}:{right[orgs == o].mean():.1%}({(orgs == o).sum()})" for o in sorted(set(orgs))
        )
    )
    confusions = Counter(zip(labels[~right].tolist(), predicted[~right].tolist()))
    print(
        "top confusions (true->read: count): "
        + ", ".join(f"{t}->{p}: {n}" for (t, p), n in confusions.most_common(12))
    )


def cut_from_a_number(digit: pen_replay.PenDigit, session: list, rng: np.random.Generator):
    """``digit`` written between two others of its writing session (any others where the
    session has too few), photographed and cut out by a box round its own ink."""
    others = [d for d in session if d is not digit and _beside(d, digit)]
    if len(others) < 2:
        others = [d for d in pen_replay.load() if d is not digit and _beside(d, digit)]
    if len(others) < 2:  # a stray (a dot) that no digit matches: photographed alone
        return renders.photo_of_paper(pen_replay.paper_ink(digit, rng), rng), 0.0
    left, right = (others[i] for i in rng.choice(len(others), 2, replace=False))
    height, brush = number_renders.pen_for_a_cut(rng)
    number = number_renders.pen_number([left, digit, right], rng, False, height, brush)
    return number_renders.cut_from_a_number(number, 1, rng)


def _beside(other: pen_replay.PenDigit, digit: pen_replay.PenDigit) -> bool:
    """Could a hand write ``other`` beside ``digit``: half to twice its size, at most 1.5
    times as wide? UNIPEN's sessions mix digits recorded at different scales (and strays:
    a stroke of the next word under a digit's label); a number of them is a vast picture."""
    width, height = _extent(digit)
    size = max(height, width / 1.5, 1e-6)
    width, height = _extent(other)
    return 0.5 * size <= height <= 2 * size and width <= 1.5 * size


def _extent(digit: pen_replay.PenDigit) -> tuple[float, float]:
    points = np.concatenate(digit.strokes)
    return float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1]))


def written(digit: pen_replay.PenDigit, args: argparse.Namespace, rng: np.random.Generator):
    """The digit as the chosen medium shows it: a canvas (RGBA array) or a photo (JPEG)."""
    if args.medium == "canvas":
        return pen_replay.canvas_drawing(digit, rng, args.background == "transparent")
    if args.medium == "screen":
        return pen_replay.screen_drawing(digit, rng)
    ink = pen_replay.paper_ink(digit, rng)
    write = {
        "photo": renders.photo_of_paper,
        "phone": renders.phone_photo,
        "crop": renders.cropped_photo,
        "tight": renders.cropped_to_the_ink,
        "circled": renders.circled_on_paper,
    }[args.medium]
    return write(ink, rng)


if __name__ == "__main__":
    main()
