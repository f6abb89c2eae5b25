"""Train the digit CNN on MNIST and write the shipped model to models/.

    python train.py                 # the shipped recipe (~10 minutes on 2 CPU cores)
    python train.py --limit 2000 --epochs 1 --out /tmp/model   # a smoke run

Writes digitrec_cnn.keras, digitrec_cnn.tflite (what the app and CLI serve) and
model_card.json (measured figures). MNIST is read from $DIGITREC_DATA or
~/.cache/digitrec/mnist and downloaded there if missing. The MNIST test set is used only to
score the finished model; early stopping watches a validation split of the training set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from digitrec.model import MODELS_DIR
from digitrec.training import TrainConfig, train


def parse_args(argv=None) -> argparse.Namespace:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=MODELS_DIR, help="output folder (default: models/)"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=defaults.epochs,
        help="most epochs (early stopping may end sooner)",
    )
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=defaults.learning_rate,
        help="initial rate, cosine-decayed",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=defaults.patience,
        help="epochs without validation gain before stopping",
    )
    parser.add_argument("--augmented-copies", type=int, default=defaults.augmented_copies)
    parser.add_argument("--font-digits", type=int, default=defaults.font_digits)
    parser.add_argument(
        "--epoch-size", type=int, default=defaults.epoch_size, help="samples drawn per epoch"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N MNIST training images"
    )
    parser.add_argument(
        "--test-limit", type=int, default=None, help="score on only the first N test images"
    )
    parser.add_argument(
        "--width", type=int, default=defaults.width, help="filters in the first conv block"
    )
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--workers", type=int, default=None, help="preprocessing processes (default: all cores)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = vars(parse_args(argv))
    out = args.pop("out")
    config = TrainConfig(**{key: value for key, value in args.items()})
    train(config, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
