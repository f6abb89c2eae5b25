"""What the "unsure" threshold (recognizer.LOW_CONFIDENCE) means on held-out digits.

    python bench/low_confidence.py [--model path.tflite]

Scores the 6,000-digit validation split that train.py holds out of MNIST train (seed 0),
and the UNIPEN digits replayed on the canvas: the share of answers at or above the
threshold, how many of those are right, and how many of the rest are.
"""

from __future__ import annotations

import argparse

import numpy as np

from digitrec import Recognizer
from digitrec.data import load_mnist
from digitrec.recognizer import LOW_CONFIDENCE
from digitrec.training import pen_replay
from digitrec.training.recipe import TrainConfig, split_train_validation


def report(name: str, results, labels) -> None:
    confidence = np.array([r.confidence for r in results])
    right = np.array([r.digit == y for r, y in zip(results, labels)])
    sure = confidence >= LOW_CONFIDENCE
    print(
        f"{name}: {sure.mean():.2%} of answers at or above {LOW_CONFIDENCE:.0%}, "
        f"{right[sure].mean():.2%} of them right; "
        f"below it {right[~sure].mean() if (~sure).any() else float('nan'):.0%} right "
        f"({int((~sure).sum())} answers)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    args = parser.parse_args()
    recognizer = Recognizer.load(args.model)
    config = TrainConfig()
    images, labels = load_mnist("train")
    _, (val_x, val_y) = split_train_validation(images, labels, config.validation_size, config.seed)
    report("MNIST validation split", recognizer.recognize_many(list(val_x)), val_y)
    rng = np.random.default_rng(0)
    digits = pen_replay.load()
    drawings = [pen_replay.canvas_drawing(d, rng) for d in digits]
    report("UNIPEN on the canvas", recognizer.recognize_many(drawings), [d.label for d in digits])


if __name__ == "__main__":
    main()
