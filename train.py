"""Train the digit CNN on MNIST and write the shipped model to models/.

    python train.py          # the shipped recipe (timings: README, models/model_card.json)
    python train.py --fast   # a quicker recipe (about 10 minutes), for quick retraining
    python train.py --fast --limit 2000 --epochs 1 --out /tmp/model   # a smoke run

Writes digitrec_cnn.keras, digitrec_cnn.tflite (what the app and CLI serve) and
model_card.json (measured figures). MNIST is read from $DIGITREC_DATA or
~/.cache/digitrec/mnist and downloaded there if missing; the handwriting fonts come from
fonts/. The MNIST test set is used only to score the finished model; early stopping watches
a validation split of the training set.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from digitrec.training.model import MODELS_DIR
from digitrec.training.recipe import FAST, TrainConfig, train

HELP = {
    "epochs": "most epochs per model (early stopping may end sooner)",
    "learning_rate": "initial rate, cosine-decayed",
    "patience": "epochs without validation gain before stopping",
    "augmented_copies": "augmented variants of each MNIST digit",
    "font_digits": "digits rendered from the fonts in fonts/",
    "pen_digits": "digits drawn in styles MNIST lacks (digitrec.training.pen_styles)",
    "members": "models trained on successive seeds, served as their average",
    "epoch_size": "samples drawn per epoch",
    "limit": "use only the first N MNIST training images",
    "test_limit": "score on only the first N test images",
    "width": "filters in the first conv block",
    "workers": "preprocessing processes (default: all cores)",
}
# Knobs that stay at the recipe's value (the mix is a tuple; batch size and validation size
# are part of what the recipe's figures were measured with).
FIXED = {"mix", "validation_size", "batch_size"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=MODELS_DIR, help="output folder (default: models/)"
    )
    parser.add_argument(
        "--fast", action="store_true", help=f"the quick recipe: {_differences(FAST)}"
    )
    for field in dataclasses.fields(TrainConfig):
        if field.name in FIXED:
            continue
        default = getattr(TrainConfig(), field.name)
        parser.add_argument(
            f"--{field.name.replace('_', '-')}",
            type=float if isinstance(default, float) else int,
            default=argparse.SUPPRESS,
            help=f"{HELP.get(field.name, '')} (recipe: {default})".strip(),
        )
    return parser.parse_args(argv)


def _differences(config: TrainConfig) -> str:
    default = TrainConfig()
    changed = [
        f"{f.name}={getattr(config, f.name)}"
        for f in dataclasses.fields(config)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return ", ".join(changed)


def main(argv=None) -> int:
    args = vars(parse_args(argv))
    out, fast = args.pop("out"), args.pop("fast")
    config = dataclasses.replace(FAST if fast else TrainConfig(), **args)
    train(config, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
