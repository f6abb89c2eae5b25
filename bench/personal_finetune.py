"""Does learning a user's handwriting help that user? Simulated writers from UNIPEN.

    python bench/personal_finetune.py [--features-dir models/] [--min-digits 40]
        [--counts 1 3 10] [--seed 0] [--mnist] [--style-shift [PER_STYLE]]
        [--writers all|even|odd] [--user-weight W] [--l2-pull L] [--steps S] [--copies C]
        [--full-writers K]

Each UNIPEN recording (its ``file`` field: one writer's session) is one user. Their digits
are replayed on the page's canvas and made MNIST-like; for N in ``--counts``, N digits of
each class (never all of a class: at least one is kept for scoring) are "corrected" and the
last layer is fine-tuned on them (``digitrec.personal.finetune``, as the page does); the
writer's *other* digits are scored before and after. Prints, per N, the mean accuracy
before and after, the mean gain, the share of writers who got worse, the share whose errors
were at least halved, and (``--mnist``) the accuracy on train.py's validation split (what a
recipe is chosen on) and on the MNIST test set (reported) before and after, mean and worst
over the writers' personal models; then the time to fine-tune on 100 samples.
``--full-writers K`` also retrains every layer (``finetune --full``, TensorFlow) for the first
K writers and prints their accuracy and, with ``--mnist``, their worst MNIST figures beside
the last layer's.
UNIPEN is validation data, never trained on by the shipped model; here each writer's own
held-out digits are the test set.

``--style-shift`` simulates generated writers instead (:mod:`digitrec.training.style_writers`:
continental 1 and 7, open 4, one-stroke 9, ..., each writer with one fixed shape per digit,
slant and pen, ``PER_STYLE`` writers per style set, 20 digits of each class). They come from
the same style code as the shipped model's training augmentation, so they show that the loop
learns a consistent style and measure little beyond that.

``--writers even|odd`` keeps every other writer (in name order), so a recipe can be chosen on
one half and checked on the other; ``--user-weight`` and the rest override the recipe's
constants in :mod:`digitrec.personal`. On a busy machine set OPENBLAS_NUM_THREADS=1: numpy's
threads then stop fighting over the cores (measured 1.2 s instead of 9.5 s for 100 samples).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from digitrec.personal import BaseModel, finetune
from digitrec.recognizer import prepare
from digitrec.training import pen_replay
from digitrec.training.style_writers import style_writers

# Generated writers: digits of each class per writer (N = 10 corrected leaves 10 to score).
STYLE_DIGITS_PER_CLASS = 20


def writers(min_digits: int) -> dict[str, list[pen_replay.PenDigit]]:
    """UNIPEN digits grouped by recording, keeping recordings with at least ``min_digits``."""
    groups = defaultdict(list)
    for digit in pen_replay.load():
        groups[digit.file].append(digit)
    return {name: ds for name, ds in sorted(groups.items()) if len(ds) >= min_digits}


def unipen_drawings(min_digits: int, rng: np.random.Generator) -> dict[str, tuple[list, list]]:
    """Each UNIPEN writer's digits replayed on the canvas, and their labels."""
    return {
        name: ([pen_replay.canvas_drawing(d, rng) for d in digits], [d.label for d in digits])
        for name, digits in writers(min_digits).items()
    }


def style_drawings(per_style: int) -> dict[str, tuple[list, list]]:
    """The generated style-shift writers' canvas drawings, and their labels."""
    return {
        writer.name: writer.drawings(STYLE_DIGITS_PER_CLASS) for writer in style_writers(per_style)
    }


def split(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """A mask of ``count`` digits per class to learn from, leaving one or more of each to score."""
    chosen = np.zeros(len(labels), bool)
    for digit in range(10):
        where = rng.permutation(np.flatnonzero(labels == digit))
        chosen[where[: min(count, len(where) - 1)]] = True
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features-dir", default=None, help="default: beside the shipped model")
    parser.add_argument("--min-digits", type=int, default=40)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 3, 10])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mnist", action="store_true", help="also score MNIST validation and test per writer"
    )
    parser.add_argument(
        "--style-shift",
        type=int,
        nargs="?",
        const=6,
        default=0,
        metavar="PER_STYLE",
        help="generated style-shift writers instead of UNIPEN (default 6 per style set)",
    )
    parser.add_argument("--writers", choices=["all", "even", "odd"], default="all")
    parser.add_argument("--user-weight", type=float, default=None)
    parser.add_argument("--l2-pull", type=float, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--copies", type=int, default=None)
    parser.add_argument(
        "--full-writers",
        type=int,
        default=0,
        help="also retrain every layer (finetune --full, TensorFlow) for this many writers",
    )
    args = parser.parse_args()

    base = BaseModel.load(args.features_dir)
    rng = np.random.default_rng(args.seed)
    if args.style_shift:
        drawings = style_drawings(args.style_shift)
        print(
            "Generated style-shift writers: drawn by the same code as the training "
            "augmentation (pen_styles), so they show the loop works and measure little more."
        )
    else:
        drawings = unipen_drawings(args.min_digits, rng)
    names = sorted(drawings)
    if args.writers != "all":
        names = names[args.writers == "odd" :: 2]
    data = {}
    for name in names:
        canvases, labels = drawings[name]
        prepared = [prepare(canvas) for canvas in canvases]
        keep = [i for i, p in enumerate(prepared) if p is not None]
        images = np.stack([prepared[i].image for i in keep])
        data[name] = (images, np.array([labels[i] for i in keep]), base.features(images))
    source = (
        f"style-shift writers ({args.style_shift} per style set)"
        if args.style_shift
        else f"UNIPEN writers (recordings with >= {args.min_digits} digits)"
    )
    print(
        f"{len(data)} {source}, {args.writers} of them, "
        f"{sum(len(v[1]) for v in data.values())} digits"
    )
    recipe = {
        key: value
        for key, value in (
            ("user_weight", args.user_weight),
            ("l2_pull", args.l2_pull),
            ("steps", args.steps),
            ("copies", args.copies),
        )
        if value is not None
    }
    if recipe:
        print(f"recipe overrides: {recipe}")

    mnist = mnist_sets(base) if args.mnist else {}
    mnist_before = {name: mnist_accuracy(base.heads, each) for name, each in mnist.items()}
    for name, before in mnist_before.items():
        print(f"MNIST {name}, shipped heads: {before:.2%}")

    for count in args.counts:
        gains, befores, afters, halved, seconds = [], [], [], [], []
        mnist_after = {name: [] for name in mnist}
        erring = []  # writers with any error before: the others count as halved
        full, full_mnist = [], {name: [] for name in mnist}
        for index, (images, labels, features) in enumerate(data.values()):
            chosen = split(labels, count, rng)
            test = ~chosen
            before = base.heads.probabilities(features[test]).argmax(1) == labels[test]
            heads, report = finetune(base, images[chosen], labels[chosen], seed=args.seed, **recipe)
            after = heads.probabilities(features[test]).argmax(1) == labels[test]
            befores.append(before.mean())
            afters.append(after.mean())
            gains.append(after.mean() - before.mean())
            errors_before, errors_after = (~before).sum(), (~after).sum()
            halved.append(errors_after * 2 <= errors_before if errors_before else True)
            erring.append(errors_before > 0)
            seconds.append(report.seconds)
            for name, each in mnist.items():
                mnist_after[name].append(mnist_accuracy(heads, each))
            if index < args.full_writers:
                scores, on_mnist = full_finetune(images, labels, chosen, before, after, mnist)
                full.append(scores)
                for name, accuracy in on_mnist.items():
                    full_mnist[name].append(accuracy)
        gains = np.array(gains)
        line = (
            f"N={count:>2}: accuracy {np.mean(befores):.2%} -> {np.mean(afters):.2%}, "
            f"mean gain {gains.mean() * 100:+.2f} points, worse {np.mean(gains < 0):.0%} "
            f"({int((gains < 0).sum())}/{len(gains)}), errors halved {np.mean(halved):.0%} "
            f"({sum(h and e for h, e in zip(halved, erring))} of {sum(erring)} with errors), "
            f"fine-tune median {np.median(seconds) * 1000:.0f} ms"
        )
        for name, after in mnist_after.items():
            line += (
                f", MNIST {name} after mean {np.mean(after):.2%} worst {min(after):.2%} "
                f"(drop {(mnist_before[name] - min(after)) * 100:.2f} points)"
            )
        print(line)
        if full:
            before, last, every, seconds = np.mean(full, axis=0)
            print(
                f"  first {len(full)} writers: {before:.2%} -> last layer {last:.2%}, "
                f"every layer {every:.2%} ({seconds:.0f} s each)"
            )
            for name, accuracies in full_mnist.items():
                last_layer = mnist_after[name][: len(full)]
                print(
                    f"  their MNIST {name} worst: last layer {min(last_layer):.2%}, every layer "
                    f"{min(accuracies):.2%} (shipped {mnist_before[name]:.2%})"
                )

    # The timing: 100 samples (10 of each digit) from the largest recording.
    images, labels, _ = max(data.values(), key=lambda v: len(v[1]))
    picks = np.concatenate([np.flatnonzero(labels == d)[:10] for d in range(10)])
    times = []
    for run in range(6):
        started = time.perf_counter()
        finetune(base, images[picks], labels[picks], seed=run)
        times.append(time.perf_counter() - started)
    print(
        f"fine-tune of {len(picks)} samples (augmentation, features, fit): median "
        f"{np.median(times[1:]) * 1000:.0f} ms of 5 after a warm-up"
    )


def full_finetune(
    images, labels, chosen, before, after, mnist: dict[str, MnistSet]
) -> tuple[tuple[float, float, float, float], dict[str, float]]:
    """Accuracy on the writer's other digits: shipped, last layer, every layer; the seconds
    the every-layer fine-tune took; and its accuracy on each MNIST set."""
    from digitrec.training.finetune_full import finetune_full

    started = time.perf_counter()
    model = finetune_full(images[chosen], labels[chosen])
    seconds = time.perf_counter() - started

    def predicted(digits: np.ndarray) -> np.ndarray:
        return model.predict(digits[..., None].astype(np.float32), verbose=0).argmax(1)

    every = predicted(images[~chosen]) == labels[~chosen]
    on_mnist = {
        name: float(((predicted(each.digits) == each.labels) & each.found).mean())
        for name, each in mnist.items()
    }
    return (before.mean(), after.mean(), every.mean(), seconds), on_mnist


@dataclass(frozen=True)
class MnistSet:
    """MNIST digits made MNIST-like by the pipeline, their features, labels and found-mask."""

    digits: np.ndarray
    features: np.ndarray
    labels: np.ndarray
    found: np.ndarray


def mnist_sets(base: BaseModel) -> dict[str, MnistSet]:
    """train.py's validation split (what a recipe is chosen on) and the MNIST test set
    (reported)."""
    from digitrec.data import load_mnist
    from digitrec.parallel import to_mnist_many
    from digitrec.training.recipe import TrainConfig, split_train_validation

    config = TrainConfig()
    images, labels = load_mnist("train")
    _, validation = split_train_validation(images, labels, config.validation_size, config.seed)
    sets = {}
    for name, (images, labels) in (("validation", validation), ("test", load_mnist("test"))):
        digits, found = to_mnist_many(images)
        sets[name] = MnistSet(digits, base.features(digits), labels, found)
    return sets


def mnist_accuracy(heads, mnist: MnistSet) -> float:
    predicted = heads.probabilities(mnist.features).argmax(1)
    return float(((predicted == mnist.labels) & mnist.found).mean())


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s in all)")
