"""Accuracy on the validation split with white Gaussian noise: for choosing recipes.

    python bench/noise_validation.py [--model path.tflite] [--sigmas 0 0.3 0.5 0.7]

The 6,000 MNIST training digits that ``train.py`` holds out (seed 0), with noise of each
strength added as the comparison report adds it (clipped to [0, 1]; noise seed 123, the
same for every model), read through the one pipeline and decided as the recognizer decides
(scattered grain only with the model's confirmation). A picture read as "no digit" counts
as wrong. The comparison report (``python -m digitrec compare``) scores the test set; this
is the figure to choose on, since the test set must not choose anything.
"""

from __future__ import annotations

import argparse

import numpy as np

from digitrec.data import load_mnist
from digitrec.interpreter import DigitClassifier
from digitrec.parallel import prepare_many
from digitrec.recognizer import confirmed
from digitrec.training.noise import add_gaussian_noise
from digitrec.training.recipe import TrainConfig, split_train_validation

# Fixed, so that every model meets the same noisy pictures.
NOISE_SEED = 123


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=None, help="a .tflite file (default: the shipped one)")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[0.0, 0.3, 0.5, 0.7])
    parser.add_argument("--workers", type=int, default=2, help="preprocessing processes")
    args = parser.parse_args()
    config = TrainConfig()
    images, labels = load_mnist("train")
    _, (digits, truth) = split_train_validation(images, labels, config.validation_size, config.seed)
    classifier = DigitClassifier(args.model)
    print(f"validation split: {len(truth)} digits; model {classifier.path}")
    for sigma in args.sigmas:
        noisy = add_gaussian_noise(digits, sigma, NOISE_SEED) if sigma else digits
        batch = prepare_many(noisy, args.workers)
        probabilities = classifier.probabilities(batch.digits)
        found = batch.found & confirmed(probabilities, batch.scattered)
        right = float(np.mean(found & (probabilities.argmax(axis=1) == truth)))
        print(f"sigma {sigma:.2f}: {right:.2%}  (no digit found: {int(np.sum(~found))})")


if __name__ == "__main__":
    main()
