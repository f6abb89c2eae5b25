"""``python -m digitrec compare``: classical models against CNNs on MNIST, clean and corrupted.

The recipe, in order:

1. Split the training set (seeded) into a fit part and a validation part; the test set is
   touched only for final scoring.
2. Put every image — training and test, clean and noisy — through the one preprocessing
   pipeline (``to_mnist``); a test image where it finds no digit counts as a wrong answer.
3. For each classical family, try its settings on the fit part, keep the one best on the
   validation part, refit it on the whole training set.
4. Train the plain baseline CNN (no augmentation), keeping its best epoch on validation;
   load the shipped CNN (trained with Gaussian-noise augmentation) when it exists.
5. Score every model on the test set with white Gaussian noise of each sigma added, then
   with salt-and-pepper noise and with blur at three strengths each; time its predictions
   warm, and write tables, JSON and plots to ``reports/comparison/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from digitrec.data import MnistUnavailable, load_mnist
from digitrec.parallel import PreparedBatch, cpu_count
from digitrec.recognizer import SCATTERED_MIN_CONFIDENCE, confirmed
from digitrec.study.results import (
    BLUR,
    BLUR_SIGMAS,
    GAUSSIAN,
    NOISE_SIGMAS,
    RESULTS_JSON,
    SALT_PEPPER,
    SALT_PEPPER_AMOUNTS,
    Comparison,
    DataSummary,
    Environment,
    ModelResult,
    Scores,
    Settings,
    describe,
    level_name,
    strengths_text,
)
from digitrec.training import REPO_ROOT
from digitrec.training.noise import (
    SALT_PEPPER_STREAM,
    add_gaussian_noise,
    add_salt_and_pepper,
    gaussian_blur,
    noise_seed,
)

# scikit-learn, tqdm, TensorFlow and matplotlib are imported when the comparison runs, so
# that the options and their errors come without the wait.

FULL_OUT = REPO_ROOT / "reports" / "comparison"  # the committed report, shown by the app
QUICK_OUT = REPO_ROOT / "reports" / "comparison-quick"  # not committed (.gitignore)
PREPROCESS_BLOCK = 10_000
POOL_MIN_IMAGES = 2_000
# Prediction time: the median of TIMING_REPEATS batched runs over at most TIMING_IMAGES clean
# test digits, after a warm-up run (Keras traces its graph on the first call).
TIMING_IMAGES = 2_000
TIMING_REPEATS = 5
MODEL_NAMES = ("knn", "svm_rbf", "svm_linear", "mlp", "cnn_baseline", "cnn_shipped")

# Full run: sized to finish within 45 minutes on 2 CPU cores.
FULL = {"train_size": 60_000, "val_size": 10_000, "test_size": 10_000, "search_size": 20_000,
        "cnn_epochs": 5}  # fmt: skip
SIZE_HELP = {
    "train_size": "MNIST training images used, validation part included",
    "val_size": "of which held out to choose hyperparameters",
    "test_size": "MNIST test images scored (a seeded subsample when < 10000)",
    "search_size": "training images per trial when searching the SVMs and the MLP",
    "cnn_epochs": "most epochs of the baseline CNN",
}
# --quick: a few hundred images, for tests and smoke runs (about a minute on 2 cores). It
# keeps every corruption level: at 300 test images each costs well under a second.
QUICK = {"train_size": 600, "val_size": 200, "test_size": 300, "search_size": 400,
         "cnn_epochs": 1}  # fmt: skip


@dataclass(frozen=True)
class CompareConfig(Settings):
    """The settings that decide the numbers, and where and how the run goes."""

    out: Path = FULL_OUT
    workers: int = 2
    progress: bool = True

    def validate(self) -> None:
        if not 0 < self.val_size < self.train_size <= 60_000:
            raise ValueError(
                f"expected 0 < val-size < train-size <= 60000, got {self.val_size} and "
                f"{self.train_size}"
            )
        if not 0 < self.test_size <= 10_000:
            raise ValueError(f"expected 0 < test-size <= 10000, got {self.test_size}")
        unknown = sorted(set(self.models) - set(MODEL_NAMES))
        if unknown:
            raise ValueError(f"expected models among {', '.join(MODEL_NAMES)}, got {unknown}")
        if not self.sigmas or any(not s >= 0 for s in self.sigmas):
            raise ValueError(f"expected noise sigmas >= 0, got {self.sigmas}")
        # Strength 0 of these would be the clean test set again, scored already at σ=0.
        if any(not 0 < s <= 1 for s in self.salt_pepper):
            raise ValueError(f"expected salt-and-pepper shares in (0, 1], got {self.salt_pepper}")
        if any(not (np.isfinite(s) and s > 0) for s in self.blur):
            raise ValueError(f"expected blur sigmas > 0 (pixels), got {self.blur}")
        if self.cnn_epochs < 1 or self.search_size < 1 or self.workers < 1:
            raise ValueError("expected cnn-epochs, search-size and workers >= 1")
        if self.quick and _holds_full_report(self.out):
            raise ValueError(
                f"{self.out} holds a full report: a quick run does not replace it; "
                "choose another --out"
            )

    def settings(self) -> Settings:
        """What the report records: the settings alone, without the output folder."""
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})

    def shipped_path(self) -> Path:
        from digitrec.training.model import KERAS_PATH

        return REPO_ROOT / self.shipped_model if self.shipped_model else KERAS_PATH


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m digitrec compare``."""
    parser = argparse.ArgumentParser(
        prog="python -m digitrec compare",
        description="Compare kNN, SVMs, an MLP and CNNs on MNIST (same preprocessing, "
        "hyperparameters chosen on a validation split), clean, with Gaussian noise, with "
        "salt-and-pepper noise and blurred; write a report.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small subsample for tests and smoke runs: {_sizes_text(QUICK)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"report directory (default: {_shown(FULL_OUT)}, with --quick {_shown(QUICK_OUT)})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    for name, default in FULL.items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(
            flag, type=int, default=None, help=f"{SIZE_HELP[name]} (default: {default})"
        )
    parser.add_argument(
        "--sigmas",
        type=_strengths,
        default=NOISE_SIGMAS,
        help="Gaussian noise levels on the [0, 1] scale, comma-separated "
        f"(default: {strengths_text(NOISE_SIGMAS)})",
    )
    parser.add_argument(
        "--salt-pepper",
        type=_strengths,
        default=SALT_PEPPER_AMOUNTS,
        help="salt-and-pepper noise: shares of the pixels set to black or white, "
        f"comma-separated, or none (default: {strengths_text(SALT_PEPPER_AMOUNTS)})",
    )
    parser.add_argument(
        "--blur",
        type=_strengths,
        default=BLUR_SIGMAS,
        help="Gaussian blur: sigmas in pixels of the 28x28 picture, comma-separated, or none "
        f"(default: {strengths_text(BLUR_SIGMAS)})",
    )
    parser.add_argument(
        "--models",
        type=lambda text: tuple(s.strip() for s in text.split(",") if s.strip()),
        default=MODEL_NAMES,
        help=f"comma-separated subset of {','.join(MODEL_NAMES)} (default: all)",
    )
    parser.add_argument("--workers", type=int, default=2, help="preprocessing processes")
    parser.add_argument(
        "--shipped-model",
        type=Path,
        default=None,
        help="the .keras file scored as the shipped CNN (default: models/digitrec_cnn.keras)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and write the report; 0 on success, 1 when MNIST or the training
    requirements are missing, 2 on bad options."""
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        config.validate()
    except ValueError as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 2
    try:
        from digitrec.study.report import write_report
        from digitrec.training.allocator import keep_freed_memory

        keep_freed_memory()  # the CNNs train here too
        comparison = run_comparison(config)
    except MnistUnavailable as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # scikit-learn, TensorFlow or matplotlib not installed
        print(
            f"compare: {exc}; the comparison needs the training requirements: "
            "pip install -r requirements-train.txt",
            file=sys.stderr,
        )
        return 1
    written = write_report(comparison, config.out)
    print(f"Report written to {_shown(config.out)} ({len(written)} files)")
    print(headline(comparison))
    return 0


def config_from_args(args: argparse.Namespace) -> CompareConfig:
    """A :class:`CompareConfig` from parsed options; --quick changes only unset sizes."""
    sizes = QUICK if args.quick else FULL
    chosen = {name: getattr(args, name, None) for name in FULL}
    shipped = args.shipped_model
    return CompareConfig(
        seed=args.seed,
        quick=args.quick,
        sigmas=tuple(args.sigmas),
        salt_pepper=tuple(args.salt_pepper),
        blur=tuple(args.blur),
        models=tuple(args.models),
        shipped_model=None if shipped is None else _shown(shipped),
        out=args.out or (QUICK_OUT if args.quick else FULL_OUT),
        workers=args.workers,
        progress=not args.no_progress,
        **{name: sizes[name] if value is None else value for name, value in chosen.items()},
    )


def run_comparison(config: CompareConfig) -> Comparison:
    """Train, select and score every model."""
    config.validate()
    from digitrec.study.classifiers import FAMILIES

    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")

    # Prepare the data: seeded split of the training set; a seeded test subsample if asked.
    order = rng.permutation(len(train_images))[: config.train_size]
    test_index = np.sort(rng.permutation(len(test_images))[: config.test_size])
    test_images, test_labels = test_images[test_index], test_labels[test_index]

    # All preprocessing first, before TensorFlow is imported.
    prep_start = time.perf_counter()
    train = preprocess(train_images[order], config.workers, "preprocess train", config.progress)
    # Training digits are what a model-free caller would get: scattered grain left out.
    train_digits, train_found = train.digits, train.digit_for_sure
    # Rows follow `order`: the validation part first, then the fit part.
    labels_in_order = train_labels[order].astype(np.int64)
    is_val = np.zeros(len(order), bool)
    is_val[: config.val_size] = True
    fit_mask, val_mask = train_found & ~is_val, train_found & is_val
    fit = train_digits[fit_mask], labels_in_order[fit_mask]
    val = train_digits[val_mask], labels_in_order[val_mask]
    tests = {
        (kind, strength): preprocess(
            corrupted(test_images, kind, strength, config.seed),
            config.workers,
            f"preprocess test {level_name(kind, strength)}",
            config.progress,
        )
        for kind, strength in config.levels()
    }
    data = DataSummary(
        train_images=len(order),
        fit_images=int(fit_mask.sum()),
        val_images=int(val_mask.sum()),
        train_no_digit=int((~train_found).sum()),
        test_images=len(test_index),
        preprocess_seconds=time.perf_counter() - prep_start,
    )

    y_test = test_labels.astype(np.int64)
    models = []
    for name in config.models:
        if name in FAMILIES:
            models.append(_run_classical(name, config, fit, val, tests, y_test))
        elif name == "cnn_baseline":
            models.append(_run_baseline_cnn(config, fit, val, tests, y_test))
        elif name == "cnn_shipped":
            models.append(_run_shipped_cnn(config, tests, y_test))

    return Comparison(
        settings=config.settings(),
        data=data,
        models=models,
        runtime_seconds=time.perf_counter() - started,
        environment=Environment(
            python=platform.python_version(), machine=platform.machine(), cpus=cpu_count()
        ),
        setup=setup_lines(config, data),
    )


def corrupted(images: np.ndarray, kind: str, strength: float, seed: int) -> np.ndarray:
    """The test ``images`` under one corruption, seeded per (run seed, kind, strength), so
    that every model meets the same corrupted pictures and another level draws anew."""
    if kind == GAUSSIAN:
        return add_gaussian_noise(images, strength, noise_seed(seed, strength))
    if kind == SALT_PEPPER:
        return add_salt_and_pepper(images, strength, noise_seed(seed, strength, SALT_PEPPER_STREAM))
    if kind == BLUR:
        return gaussian_blur(images, strength)
    raise ValueError(f"expected a corruption among {GAUSSIAN}, {SALT_PEPPER}, {BLUR}, got {kind!r}")


def preprocess(images: np.ndarray, workers: int, desc: str, progress: bool = True) -> PreparedBatch:
    """The pipeline over many images, in blocks so that a progress bar can follow.

    Uses :func:`digitrec.parallel.prepare_many`, as the recognizer does: rows where no digit
    was found are blank, and pictures of scattered grain are marked for the model to confirm.
    """
    from tqdm import tqdm

    from digitrec.parallel import prepare_many

    # Below a couple of thousand images, starting worker processes costs more than it saves.
    workers = workers if len(images) >= POOL_MIN_IMAGES else 1
    blocks = []
    with tqdm(total=len(images), desc=desc, unit="img", disable=not progress, leave=False) as bar:
        for start in range(0, len(images), PREPROCESS_BLOCK):
            blocks.append(prepare_many(images[start : start + PREPROCESS_BLOCK], workers))
            bar.update(len(blocks[-1].found))
    if not blocks:
        empty = np.zeros(0, bool)
        return PreparedBatch(np.zeros((0, 28, 28), np.uint8), empty, empty)
    return PreparedBatch(*(np.concatenate(part) for part in zip(*blocks)))


def _run_classical(name, config, fit, val, tests, y_test) -> ModelResult:
    from digitrec.study.classifiers import (
        FAMILIES,
        fit_quietly,
        search_on_validation,
        sklearn_size_bytes,
    )

    family = FAMILIES[name]
    extra = {"max_iter": 15} if (config.quick and name == "mlp") else None
    search = search_on_validation(
        family,
        *fit,
        *val,
        seed=config.seed,
        search_size=None if family.search_size is None else config.search_size,
        extra_params=extra,
        progress=config.progress,
    )
    # Refit the chosen setting on the whole training set (fit + validation parts).
    all_x, all_y = np.concatenate([fit[0], val[0]]), np.concatenate([fit[1], val[1]])
    model = family.build({**search.best_params, **(extra or {})}, config.seed)
    start = time.perf_counter()
    fit_quietly(model, all_x, all_y)
    result = ModelResult(
        name=name,
        label=family.label,
        features=family.features,
        setting=describe(search.best_params),
        params=search.best_params,
        train_images=len(all_x),
        train_seconds=time.perf_counter() - start,
        search_seconds=search.seconds,
        search=search.trials,
        size_bytes=sklearn_size_bytes(model),
    )
    return _scored(result, model, tests, y_test, config.progress)


def _run_baseline_cnn(config, fit, val, tests, y_test) -> ModelResult:
    from digitrec.study.classifiers import baseline_cnn

    model = baseline_cnn(config.seed)
    start = time.perf_counter()
    model.fit(*fit, *val, epochs=config.cnn_epochs, progress=config.progress)
    train_seconds = time.perf_counter() - start
    val_acc = model.history.get("val_accuracy", [])
    best_epoch = int(np.argmax(val_acc)) + 1 if val_acc else config.cnn_epochs
    result = ModelResult(
        name="cnn_baseline",
        label="CNN baseline (no augmentation)",
        features="28x28 pixels",
        setting=f"{best_epoch} epoch{'s' if best_epoch > 1 else ''}",
        params={"epochs": best_epoch},
        train_images=len(fit[0]),
        train_seconds=train_seconds,
        search_seconds=0.0,
        search=model.epoch_trials(),
        size_bytes=model.size_bytes(),
        note=(
            f"build_cnn() trained on the fit part only ({len(fit[0])} images), plain (no "
            f"augmentation, no noise); the epoch best on validation kept (of {config.cnn_epochs})."
        ),
    )
    return _scored(result, model, tests, y_test, config.progress)


def _run_shipped_cnn(config, tests, y_test) -> ModelResult:
    from digitrec.study.classifiers import load_shipped_cnn
    from digitrec.training.recipe import read_card

    path = config.shipped_path()
    result = ModelResult(
        name="cnn_shipped",
        label="CNN shipped (noise-robust)",
        features="28x28 pixels",
        setting="train.py recipe",
        note=(
            "The shipped model, trained by train.py with augmentation including Gaussian "
            "noise; with the denoising step of to_mnist it is the noise-robust variant. Its "
            "training time and MNIST training digits are read from its model card."
        ),
    )
    if not path.is_file():
        result.skipped, result.note = True, f"skipped: no shipped model at {_shown(path)}"
        return result
    card = read_card(path.parent)
    if card.members:
        result.setting = f"train.py recipe, {card.members} averaged"
    model = load_shipped_cnn(path)
    result.train_seconds, result.train_images = card.training_seconds, card.mnist_digits
    result.size_bytes = model.size_bytes()
    return _scored(result, model, tests, y_test, config.progress)


def _scored(result: ModelResult, model, tests: dict, y_test: np.ndarray, progress: bool):
    """``result`` with the model's scores at every test level and its warm prediction time."""
    from tqdm import tqdm

    from digitrec.metrics import NO_DIGIT, classification_metrics
    from digitrec.study.classifiers import predict_seconds_per_image

    for (kind, strength), batch in tqdm(
        tests.items(), desc=f"score {result.name}", disable=not progress, leave=False
    ):
        predictions = np.full(len(y_test), NO_DIGIT, np.int64)
        predictions[batch.found] = model.predict(batch.digits[batch.found])
        predictions[_unconfirmed(model, batch)] = NO_DIGIT
        metrics = classification_metrics(y_test, predictions)
        result.scores.append(Scores(corruption=kind, strength=strength, **metrics))
    batch = tests.get((GAUSSIAN, 0.0), next(iter(tests.values())))
    timed = batch.digits[batch.found][:TIMING_IMAGES]
    seconds = predict_seconds_per_image(model, timed, repeats=TIMING_REPEATS)
    result.predict_ms_per_image = 1000.0 * seconds
    return result


def _unconfirmed(model, batch: PreparedBatch) -> np.ndarray:
    """Rows of scattered grain that the model does not confirm as digits, as the recognizer
    decides (:func:`digitrec.recognizer.confirmed`); all of them for a model without
    probabilities."""
    rows = np.flatnonzero(batch.scattered)
    if not len(rows) or not hasattr(model, "predict_proba"):
        return rows
    return rows[~confirmed(model.predict_proba(batch.digits[rows]), batch.scattered[rows])]


def setup_lines(config: CompareConfig, data: DataSummary) -> list[str]:
    """How the numbers were produced: data, splits, preprocessing, search, timing, sizes."""
    return [
        f"- Data: {data.train_images:,} MNIST training images (seed {config.seed}), split "
        f"into a fit part ({data.fit_images:,}) and a validation part ({data.val_images:,}); "
        f"{data.test_images:,} test images, used only for the final scores.",
        "- Same preprocessing for every model: every image (training and test, clean and "
        f"corrupted) goes through `digitrec.preprocess.prepare_digit`; {data.train_no_digit} "
        "training images gave no digit and were left out; a test image without a digit counts "
        "as a wrong answer. A picture of scattered grain (pure noise looks so, and some very "
        "noisy digits) counts as a digit only where the model gives it at least "
        f"{SCATTERED_MIN_CONFIDENCE:.0%} probability, as the recognizer decides (a model "
        f"without probabilities: never). Preprocessing took {data.preprocess_seconds:.0f} s.",
        "- Hyperparameters were chosen on the validation part, never on the test set; the "
        "chosen classical model was then refitted on fit + validation parts.",
        "- The RBF SVM and kNN work on 50 principal components (PCA fitted on the training "
        "images inside each pipeline): that keeps the RBF SVM trainable on all training "
        "images within the time budget. The searches of the RBF SVM, linear SVM and MLP "
        f"fit on a seeded subsample of {config.search_size:,} images of the fit part.",
        f"- CNN baseline: `build_cnn()` trained for up to {config.cnn_epochs} epochs on the "
        "fit part only, plainly (no augmentation, no noise); the epoch with the best "
        "validation accuracy is kept.",
        f"- Prediction time: the median of {TIMING_REPEATS} batched runs over "
        f"{min(TIMING_IMAGES, data.test_images):,} preprocessed clean test digits, after a "
        "warm-up run; preprocessing (the same for every model) is not included.",
        "- Size: the pickled scikit-learn pipeline; for the CNNs the `.keras` file of their "
        "weights, without the optimizer's state.",
        "- Timings are wall-clock on a shared machine and vary between runs; every other "
        "number is reproducible with the command above.",
    ]


def headline(comparison: Comparison) -> str:
    """A few lines for the terminal: each model's clean and corrupted accuracy."""
    lines = []
    if comparison.settings.quick:
        lines.append(
            f"Quick mode: {comparison.data.test_images} test images (a seeded subsample), "
            "every corruption level; not the full study."
        )
    for model in comparison.models:
        if model.skipped:
            lines.append(f"  {model.label}: {model.note}")
            continue
        cells = [
            f"{100 * s.accuracy:.2f}% at {level_name(s.corruption, s.strength)}"
            for s in model.scores
        ]
        lines.append(f"  {model.label}: " + ", ".join(cells))
    return "\n".join(lines)


def _holds_full_report(folder: Path) -> bool:
    """Does ``folder`` hold a report of a full run (which a quick run must not replace)?"""
    try:
        settings = json.loads((Path(folder) / RESULTS_JSON).read_text())["settings"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return settings.get("quick") is False


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it: reports name no machine."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _strengths(text: str) -> tuple[float, ...]:
    """``0.05,0.15,0.3`` (or ``none``, an empty list) from the command line."""
    if text.strip().lower() == "none":
        return ()
    try:
        return tuple(float(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers or none, got {text!r}"
        ) from None


def _sizes_text(sizes: dict) -> str:
    return ", ".join(f"{k.replace('_', '-')} {v}" for k, v in sizes.items())


if __name__ == "__main__":
    sys.exit(main())
