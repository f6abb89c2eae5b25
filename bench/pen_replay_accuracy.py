"""Accuracy on real pen-tablet handwriting: UNIPEN digits replayed as canvas drawings.

    python bench/pen_replay_accuracy.py [--count N] [--seed 0] [--background transparent|black]
        [--model path.tflite]

Each of the 9,835 digits (writers from several institutions, none from MNIST) is drawn
stroke by stroke with a round brush on the page's 280x280 canvas (digit 120-240 px tall,
brush 12-28 px), then read by the recognizer. Prints the accuracy overall, per digit and
per contributor, and the most frequent confusions. UNIPEN is a validation set: it is used
to find what the model misreads and to choose recipes, never to train the shipped model.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from digitrec import Recognizer
from digitrec.training import pen_replay


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=None, help="a random subset of N digits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--background", choices=("transparent", "black"), default="transparent")
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    args = parser.parse_args()

    digits = pen_replay.load()
    rng = np.random.default_rng(args.seed)
    if args.count:
        digits = [digits[i] for i in sorted(rng.choice(len(digits), args.count, replace=False))]
    transparent = args.background == "transparent"
    drawings = [pen_replay.canvas_drawing(d, rng, transparent) for d in digits]
    labels = np.array([d.label for d in digits])
    results = Recognizer.load(args.model).recognize_many(drawings)
    predicted = np.array([-1 if r.digit is None else r.digit for r in results])
    right = predicted == labels

    print(f"UNIPEN replayed on the canvas ({args.background}): {len(labels)} digits")
    print(f"accuracy {right.mean():.2%}; no digit found: {int((predicted == -1).sum())}")
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


if __name__ == "__main__":
    main()
