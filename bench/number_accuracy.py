"""How well ``Recognizer.read_number`` reads handwritten numbers of 2 to 8 digits.

    python bench/number_accuracy.py [--count 100] [--count4 500] [--seed 0] [--split test]

Numbers are composed (:mod:`digitrec.training.number_renders`) from

- MNIST digits (the *test* set unless ``--split train``: tune on train, report on test),
- real pen strokes (UNIPEN, a validation set: never trained on), each number from one
  writing session so that one person writes it,

written on the page's wide canvas (round brush, white on black) and on paper (a JPEG photo
or scan: uneven light, noise, blur, half of them on a register's printed rules, a third
with a trailing dot), and, with ``--media boxed``, on paper inside a printed box (a form's
field, a cheque's amount box; 0.15-0.5 digit heights round the number, no ruling); with
``--media field``, on paper cropped close round the number, as registers' and cheques'
fields are cut out of their scans (0-0.03 digit heights of paper left, ruled half the time,
no trailing dot). Digits
vary in size, the baseline wobbles, the number slants; spacing is random. "touching"
numbers have exactly one neighbouring pair whose inks meet or overlap; the others have none.

For each source, input and length: exact-number accuracy (every digit right, nothing
missing or extra), per-digit accuracy (true digits read right, in order: the longest
common subsequence of the truth and the reading, over the truth's length), and "one by
one": the share of numbers whose every digit, written alone where it stands in the number
(same canvas; on paper, photographed by itself), is read right: how well this model reads
these digits with no neighbours to tell apart. It is no ceiling: on paper each digit alone
makes a small photo of its own, and long numbers have read better whole than one by one
(the cause is not yet known).
Also the median time per number (the machine's load is printed first).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

import numpy as np

from digitrec import Recognizer
from digitrec.data import load_mnist
from digitrec.interpreter import DigitClassifier
from digitrec.training import number_renders, pen_replay

LENGTHS = range(2, 9)
BOX_MARGIN = (0.15, 0.5)  # digit heights between a printed box and the number (--media boxed)


def matched(truth: str, read: str | None) -> int:
    """How many of the truth's digits the reading has, in order (longest common subsequence)."""
    read = read or ""
    row = [0] * (len(read) + 1)
    for t in truth:
        previous = row[:]
        for j, r in enumerate(read, start=1):
            row[j] = previous[j - 1] + 1 if t == r else max(previous[j], row[j - 1])
    return row[-1]


class Sources:
    """Numbers of a given length from MNIST digits or from one writer's pen digits."""

    def __init__(self, split: str):
        self.images, self.labels = load_mnist(split)
        sessions = defaultdict(list)
        for digit in pen_replay.load():
            sessions[(digit.org, digit.file)].append(digit)
        self.sessions = [kept for s in sessions.values() if (kept := _plausible(s))]

    def mnist(self, length: int, rng: np.random.Generator):
        picks = rng.choice(len(self.images), length, replace=False)
        return self.images[picks], self.labels[picks]

    def pen(self, length: int, rng: np.random.Generator):
        """``length`` digits of one session (one with enough of them)."""
        big_enough = [s for s in self.sessions if len(s) >= length]
        session = big_enough[int(rng.integers(len(big_enough)))]
        return [session[i] for i in rng.choice(len(session), length, replace=False)]


def _plausible(session: list) -> list:
    """The session's digits of a plausible size beside the others: UNIPEN's segmentation
    left a few strays (a lone dot, a stroke of the next word) under a digit's label."""
    extents = np.array([np.ptp(np.concatenate(d.strokes), axis=0) for d in session])
    typical = float(np.median(extents[:, 1]))
    keep = (extents[:, 1] >= 0.5 * typical) & (extents[:, 1] <= 2 * typical)
    keep &= extents[:, 0] <= 1.5 * typical
    return [digit for digit, kept in zip(session, keep) if kept]


def make(sources: Sources, source: str, medium: str, length: int, touching: bool, rng):
    """One composed number (:class:`NumberInk`) and how to hand it over (ink -> input)."""
    paper = "paper" if medium in ("boxed", "field") else medium
    digit, brush = number_renders.pen_for(paper, length, rng, mnist_ink=source == "mnist")
    if source == "mnist":
        images, labels = sources.mnist(length, rng)
        number = number_renders.mnist_number(images, labels, rng, touching, digit, brush)
    else:
        number = number_renders.pen_number(sources.pen(length, rng), rng, touching, digit, brush)
    if medium == "canvas":
        transparent = bool(rng.random() < 0.5)
        return number, lambda ink: number_renders.on_canvas(ink, rng, transparent)
    if medium == "boxed":
        margin = float(rng.uniform(*BOX_MARGIN))
        return number, lambda ink: number_renders.on_paper(
            number_renders.in_a_box(ink, margin), rng, ruled=False
        )
    if medium == "field":
        return number, lambda ink: number_renders.on_a_field(ink, rng)
    return number, lambda ink: number_renders.on_paper(ink, rng)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100, help="numbers per length and kind")
    parser.add_argument("--count4", type=int, default=500, help="numbers of 4 digits per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=["test", "train"], default="test")
    parser.add_argument("--sources", default="mnist,pen")
    parser.add_argument("--media", default="canvas,paper", help="canvas, paper, boxed, field")
    parser.add_argument("--lengths", default="2-8", help="e.g. 4 or 2-8")
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    parser.add_argument(
        "--without-verifier",
        action="store_true",
        help="read numbers without the verifier of whole digits (to measure what it brings)",
    )
    args = parser.parse_args()
    low, _, high = args.lengths.partition("-")
    lengths = range(int(low), int(high or low) + 1)
    if args.without_verifier:
        recognizer = Recognizer(DigitClassifier(args.model))
    else:
        recognizer = Recognizer.load(args.model)
    sources = Sources(args.split)
    rng = np.random.default_rng(args.seed)
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    print("exact: the number read exactly; digits: true digits read, in order; one by one:")
    print("numbers whose digits all read right when each is written alone, where it stands in")
    print("the number (no neighbours to tell apart)")
    print(
        f"{'source':<6} {'input':<6} {'len':>3} {'pair':<9} {'n':>5} {'exact':>7} {'digits':>7}"
        f" {'one by one':>10} {'ms/number':>9}"
    )
    for source in args.sources.split(","):
        for medium in args.media.split(","):
            for length in lengths:
                for touching in (False, True):
                    count = args.count4 if length == 4 else args.count
                    row = measure(recognizer, sources, source, medium, length, touching, count, rng)
                    kind = "touching" if touching else "apart"
                    print(
                        f"{source:<6} {medium:<6} {length:>3} {kind:<9} {row['n']:>5} "
                        f"{row['exact']:>7.2%} {row['digits']:>7.2%} {row['alone']:>10.2%} "
                        f"{row['ms']:>9.1f}",
                        flush=True,
                    )


def measure(recognizer, sources, source, medium, length, touching, count, rng) -> dict:
    exact = digits = total = alone = n = 0
    seconds = []
    while n < count:
        # Each number draws from its own generator: what the next number is does not depend
        # on how much randomness this one's checks used, so two models meet the same numbers.
        own = np.random.default_rng(rng.integers(2**63))
        number, hand_over = make(sources, source, medium, length, touching, own)
        if number.touching != touching:
            continue  # the pair meant to touch did not (a gap in a row-wise profile)
        image = hand_over(number)
        started = time.perf_counter()
        read = recognizer.read_number(image).number
        seconds.append(time.perf_counter() - started)
        truth = number.label
        n += 1
        exact += read == truth
        digits += matched(truth, read)
        total += len(truth)
        alone += all(
            recognizer.read_number(hand_over(number.alone(k))).number == truth[k]
            for k in range(length)
        )
    return {
        "n": n,
        "exact": exact / n,
        "digits": digits / total,
        "alone": alone / n,
        "ms": 1000 * np.median(seconds),
    }


if __name__ == "__main__":
    main()
