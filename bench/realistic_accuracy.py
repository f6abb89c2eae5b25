"""Accuracy of the shipped recognizer on realistic inputs it never trained on.

    python bench/realistic_accuracy.py [--count 1000] [--seed 0]

- photos: MNIST *test* digits written in dark ink on unevenly lit paper, noise, blur, JPEG,
  random size and position (decoded from the JPEG bytes, as an upload would be);
- canvas on black / canvas on transparent: MNIST test digits redrawn with a thick round
  brush on a 280x280 RGBA canvas, as the app's canvas returns them;
- small digit in 12 MP photo: MNIST test digits 5-30% of the frame's height in a 4032x3024
  JPEG phone photo of a ruled, squared or plain page (paper edge, table, shadow, noise, a
  stray dot); also prints the cost per photo (decode + recognize, median);
- the same photo shrunk to 300-600 px: each 12 MP photo above as a messenger or a thumbnail
  passes it on (its longer side 300-600 px, JPEG again), where the digit is 15-180 px tall;
- photo cut at the ink: MNIST test digits in a photo cropped to the edges of their ink, as a
  crop tool dragged round the digit leaves it (150-2000 px, the rim on the strokes on one or
  two sides);
- photo of a digit in a box: MNIST test digits written in a printed box, as a form's
  one-digit field holds them (the box 0.15-0.5 digit heights from the ink, some paper round);
- photo on a register's ruled paper: MNIST test digits 30-150 px tall in a ballpoint, felt
  pen or MNIST's own ink, photographed small on a register's page (a rule at the digit's
  feet, crossed or stood on, one above, sometimes column rules at the sides), as
  ``digitrec.training.number_renders.mnist_digit_on_paper`` writes it;
- small scan the digit fills: MNIST test digits scaled until they fill a clean 16-64 px
  scan, as older digit sets keep them (USPS, Semeion, a form reader's cut-outs);
- stroke drawings: digits drawn from 22 hand-made pen-stroke templates in several writing
  styles (flagged 1s, crossed 7s, open 4s, ...), no MNIST involved. The templates also
  guided the style work, so this check measures little: bench/pen_replay_accuracy.py, real
  pen strokes of UNIPEN writers, is the one to trust;
- 16 px black-and-white scan, stretched: MNIST test digits whose ink's box is stretched to
  fill a 16x16 black-and-white picture, as Semeion keeps its digits;
- photo in pencil: MNIST test digits written in pencil (graphite grey 0.35-0.65, where pen
  ink is 0.05-0.3, broken up by the paper's grain) on a page 1.3-4 times their size,
  photographed as the photos above;
- pencil in 12 MP photo, and shrunk to 300-600 px: a quarter of the digits (``--count`` /
  4; 12 MP renders are slow) in pencil in the 12 MP phone photos above, and shrunk so;
- chalk on a board: the same quarter in chalk, light on a dark green or black board, 25-60%
  of a 1600 px photo's height (``renders.chalk_on_board``);
- cut out of a written number: each digit written between two other MNIST test digits as a
  number on paper (30-150 px tall, 2-3 times that for a third of them), photographed and cut
  out by a box 0-0.15 digit heights round its own ink, as digits cut out of a register's or
  a form's numbers come: bits of the neighbours come in at the box's sides for about half
  of them (``number_renders.cut_from_a_number``); the accuracy on those is printed too;
- UCI digits: scikit-learn's 1,797 handwritten digits (43 writers, not MNIST; 8x8 pixels,
  so very coarse), blown up to 64 px (each pixel a block), and at their own size.
The MNIST test set is only used here for reporting, never for training or model choice.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from digitrec import Recognizer
from digitrec.data import load_mnist
from digitrec.training import number_renders, renders


def accuracy(recognizer: Recognizer, inputs, labels) -> tuple[float, int]:
    results = recognizer.recognize_many(inputs)
    predicted = np.array([-1 if r.digit is None else r.digit for r in results])
    return float(np.mean(predicted == np.asarray(labels))), int(np.sum(predicted == -1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000, help="digits per check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    args = parser.parse_args()
    recognizer = Recognizer.load(args.model)
    images, labels = load_mnist("test")
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(images), args.count, replace=False)
    digits, truth = images[picks], labels[picks]

    checks = {
        "photos of paper (JPEG)": [renders.photo_of_paper(d, rng) for d in digits],
        "canvas, white on black": [renders.canvas_drawing(d, rng) for d in digits],
        "canvas, white on transparent": [
            renders.canvas_drawing(d, rng, transparent=True) for d in digits
        ],
    }
    truths = {name: truth for name in checks}
    stroke_labels = np.arange(args.count) % 10
    checks["stroke drawings (22 templates that guided the styles)"] = [
        renders.stroke_drawing(int(y), rng, bool(i % 2)) for i, y in enumerate(stroke_labels)
    ]
    truths["stroke drawings (22 templates that guided the styles)"] = stroke_labels
    try:
        uci = renders.uci_digits()
        checks["UCI digits 8x8 (not MNIST)"], truths["UCI digits 8x8 (not MNIST)"] = uci
        own = "UCI digits at their own 8x8 size"
        checks[own], truths[own] = renders.uci_digits(blown_up=False)
    except ImportError:
        pass

    print(f"{'check':<32} {'n':>5} {'accuracy':>9} {'no digit':>9}")
    combined = []
    for name, inputs in checks.items():
        score, missing = accuracy(recognizer, inputs, truths[name])
        print(f"{name:<32} {len(inputs):>5} {score:>9.2%} {missing:>9}")
        if "UCI" not in name:
            combined.append(score)
    print(f"{'mean of the four realistic checks':<32} {'':>5} {np.mean(combined):>9.2%}")
    small_in_frame(recognizer, digits, truth, rng)
    # Last, one after the other, so that every check meets the same pictures as before the
    # next one was added.
    later = {
        "photo cut at the ink": lambda d, y: renders.cropped_to_the_ink(d, rng),
        "photo of a digit in a box": lambda d, y: renders.photo_in_a_box(d, rng),
        "photo on a register ruled page": lambda d, y: number_renders.mnist_digit_on_paper(
            d, y, rng, ruled=True
        ),
        "small scan the digit fills": lambda d, y: renders.small_scan_filled(d, rng),
        "16 px black-and-white scan, stretched": lambda d, y: (
            renders.stretched_black_and_white_scan(d)
        ),
        "photo in pencil": lambda d, y: renders.photo_in_pencil(d, rng),
    }
    for name, render in later.items():
        pictures = [render(d, y) for d, y in zip(digits, truth)]
        score, missing = accuracy(recognizer, pictures, truth)
        print(f"{name:<32} {len(pictures):>5} {score:>9.2%} {missing:>9}")
    quarter = slice(0, max(1, args.count // 4))
    sides = np.random.default_rng([args.count, 601]).integers(300, 601, args.count)[quarter]
    photos = [renders.phone_photo(d, rng, pencil=True) for d in digits[quarter]]
    shrunk = [renders.shrunk_photo(photo, int(side)) for photo, side in zip(photos, sides)]
    for name, pictures in (
        ("pencil in 12 MP photo", photos),
        ("the same shrunk to 300-600", shrunk),
    ):
        score, missing = accuracy(recognizer, pictures, truth[quarter])
        print(f"{name:<32} {len(pictures):>5} {score:>9.2%} {missing:>9}")
    chalk = [renders.chalk_on_board(d, rng) for d in digits[quarter]]
    score, missing = accuracy(recognizer, chalk, truth[quarter])
    print(f"{'chalk on a board (1600 px)':<32} {len(chalk):>5} {score:>9.2%} {missing:>9}")
    cut_from_numbers(recognizer, images, labels, picks, np.random.default_rng([args.seed, 23]))


def cut_from_numbers(recognizer: Recognizer, images, labels, picks, rng) -> None:
    """Each digit written between two other MNIST test digits as a number on paper, and cut
    out by a box round its own ink (its own generator: the checks above draw as before)."""
    pictures, bits = [], []
    for pick in picks:
        sides = rng.choice(len(images), 2, replace=False)
        three = [sides[0], pick, sides[1]]
        height, brush = number_renders.pen_for_a_cut(rng, mnist_ink=True)
        number = number_renders.mnist_number(
            images[three], labels[three], rng, False, height, brush
        )
        picture, share = number_renders.cut_from_a_number(number, 1, rng)
        pictures.append(picture)
        bits.append(share > number_renders.NEIGHBOUR_BITS)
    results = recognizer.recognize_many(pictures)
    right = np.array([r.digit for r in results]) == labels[picks]
    bits = np.array(bits)
    name = "cut out of a written number"
    missing = sum(not r.found for r in results)
    print(f"{name:<32} {len(pictures):>5} {right.mean():>9.2%} {missing:>9}")
    print(f"{'  with bits of the neighbours':<32} {int(bits.sum()):>5} {right[bits].mean():>9.2%}")


def small_in_frame(recognizer: Recognizer, digits, truth, rng: np.random.Generator) -> None:
    """The 12 MP photo check, one photo at a time so that each one's cost can be timed, and
    the same photos shrunk (their sizes drawn apart, so that ``rng`` draws as before)."""
    sides = np.random.default_rng([len(digits), 600]).integers(300, 601, len(digits))
    right, missing, seconds = 0, 0, []
    shrunk_right, shrunk_missing = 0, 0
    for digit, label, side in zip(digits, truth, sides):
        photo = renders.phone_photo(digit, rng)
        started = time.perf_counter()
        result = recognizer.recognize(photo)
        seconds.append(time.perf_counter() - started)
        right += result.digit == label
        missing += result.digit is None
        shrunk = recognizer.recognize(renders.shrunk_photo(photo, int(side)))
        shrunk_right += shrunk.digit == label
        shrunk_missing += shrunk.digit is None
    count = len(digits)
    print(f"{'small digit in 12 MP photo':<32} {count:>5} {right / count:>9.2%} {missing:>9}")
    print(f"cost per 12 MP photo (decode + recognize): median {1000 * np.median(seconds):.0f} ms")
    name = "the same photo shrunk to 300-600"
    print(f"{name:<32} {count:>5} {shrunk_right / count:>9.2%} {shrunk_missing:>9}")


if __name__ == "__main__":
    main()
