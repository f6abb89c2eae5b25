"""Train the digit CNN on MNIST and write the shipped model to models/.

    python train.py          # the shipped recipe (timings: README, models/model_card.json)
    python train.py --fast   # one model, 8 epochs (about 7 minutes on 2 cores)
    python train.py --fast --limit 2000 --epochs 1 --out /tmp/model   # a smoke run
    python train.py --finish-from models/ --out /tmp/model   # only the finishing phase

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
    parser.add_argument(
        "--finish-from",
        type=Path,
        default=None,
        help="a folder with a model this recipe trained: run only the finishing phase on it",
    )
    # One option per knob of TrainConfig, its help kept beside the field.
    for field in dataclasses.fields(TrainConfig):
        if not field.metadata.get("flag", True):
            continue
        parser.add_argument(
            f"--{field.name.replace('_', '-')}",
            type=float if isinstance(field.default, float) else int,
            default=argparse.SUPPRESS,
            help=f"{field.metadata.get('help', '')} (recipe: {_shown(field.default)})".strip(),
        )
    return parser.parse_args(argv)


def _shown(default) -> str:
    return "all" if default is None else str(default)  # None: every image, every core


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
    out, fast, finish_from = args.pop("out"), args.pop("fast"), args.pop("finish_from")
    config = dataclasses.replace(FAST if fast else TrainConfig(), **args)
    try:
        train(config, out, finish_from=finish_from)
    except FileNotFoundError as exc:
        print(f"train.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
