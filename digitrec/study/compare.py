"""``python -m digitrec compare``: classical models against CNNs on MNIST, clean and noisy.

The recipe, in order:

1. Split the training set (seeded) into a fit part and a validation part; the test set is
   touched only for final scoring.
2. Put every image — training and test, clean and noisy — through the one preprocessing
   pipeline (``to_mnist``); a test image where it finds no digit counts as a wrong answer.
3. For each classical family, try its settings on the fit part, keep the one best on the
   validation part, refit it on the whole training set.
4. Train the plain baseline CNN (no augmentation), keeping its best epoch on validation;
   load the shipped CNN (trained with Gaussian-noise augmentation) when it exists.
5. Score every model on the test set with white Gaussian noise of each sigma added, and
   write tables, JSON and plots to ``reports/comparison/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from digitrec.data import MnistUnavailable, load_mnist
from digitrec.training import REPO_ROOT
from digitrec.training.noise import NOISE_SIGMAS, add_gaussian_noise, noise_seed

# scikit-learn, tqdm, TensorFlow and matplotlib are imported when the comparison runs, so
# that building the CLI's parser stays cheap for the other commands.

DEFAULT_OUT = REPO_ROOT / "reports" / "comparison"
PREPROCESS_BLOCK = 10_000
POOL_MIN_IMAGES = 2_000
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
# --quick: a few hundred images, for tests and smoke runs (about half a minute).
QUICK = {"train_size": 600, "val_size": 200, "test_size": 300, "search_size": 400,
         "cnn_epochs": 1}  # fmt: skip


@dataclass
class CompareConfig:
    """Everything that decides the numbers; written into the report so they can be redone."""

    out: Path = DEFAULT_OUT
    seed: int = 0
    quick: bool = False
    train_size: int = FULL["train_size"]
    val_size: int = FULL["val_size"]
    test_size: int = FULL["test_size"]
    search_size: int = FULL["search_size"]
    cnn_epochs: int = FULL["cnn_epochs"]
    sigmas: tuple[float, ...] = NOISE_SIGMAS
    models: tuple[str, ...] = MODEL_NAMES
    workers: int = 2
    progress: bool = True
    shipped_model: Path | None = None
    data_dir: Path | None = None
    extra: dict = field(default_factory=dict)

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
        if any(s < 0 for s in self.sigmas):
            raise ValueError(f"expected noise sigmas >= 0, got {self.sigmas}")
        if self.cnn_epochs < 1 or self.search_size < 1 or self.workers < 1:
            raise ValueError("expected cnn-epochs, search-size and workers >= 1")


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m digitrec compare``."""
    parser = argparse.ArgumentParser(
        prog="python -m digitrec compare",
        description="Compare kNN, SVMs, an MLP and CNNs on MNIST (same preprocessing, "
        "hyperparameters chosen on a validation split), clean and with Gaussian noise; "
        "write a report.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small subsample for tests and smoke runs: {_sizes_text(QUICK)}",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="report directory (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    for name, default in FULL.items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(
            flag, type=int, default=None, help=f"{SIZE_HELP[name]} (default: {default})"
        )
    parser.add_argument(
        "--sigmas",
        type=lambda text: tuple(float(s) for s in text.split(",")),
        default=NOISE_SIGMAS,
        help="noise levels on the [0, 1] scale, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--models",
        type=lambda text: tuple(s.strip() for s in text.split(",") if s.strip()),
        default=MODEL_NAMES,
        help=f"comma-separated subset of {','.join(MODEL_NAMES)} (default: all)",
    )
    parser.add_argument("--workers", type=int, default=2, help="preprocessing processes")
    parser.add_argument("--shipped-model", type=Path, default=None, help="shipped .keras file")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and write the report; 0 on success, 1 when MNIST is unavailable,
    2 on bad options."""
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        config.validate()
    except ValueError as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 2
    from digitrec.training.allocator import keep_freed_memory

    keep_freed_memory()  # the CNNs train here too
    try:
        results = run_comparison(config)
        from digitrec.study.report import write_report
    except MnistUnavailable as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(
            f"compare: {exc}; the comparison needs the training requirements: "
            "pip install -r requirements-train.txt",
            file=sys.stderr,
        )
        return 1

    written = write_report(results, config.out)
    print(f"Report written to {config.out} ({len(written)} files)")
    print((config.out / "README.md").read_text().split("## Setup")[0].strip())
    return 0


def config_from_args(args: argparse.Namespace) -> CompareConfig:
    """A :class:`CompareConfig` from parsed options; --quick changes only unset sizes."""
    sizes = QUICK if args.quick else FULL
    chosen = {name: getattr(args, name, None) for name in FULL}
    return CompareConfig(
        out=Path(args.out),
        seed=args.seed,
        quick=args.quick,
        sigmas=tuple(args.sigmas),
        models=tuple(args.models),
        workers=args.workers,
        progress=not args.no_progress,
        shipped_model=args.shipped_model,
        **{name: sizes[name] if value is None else value for name, value in chosen.items()},
    )


def run_comparison(config: CompareConfig) -> dict:
    """Train, select and score every model; return the results as plain data (JSON-ready)."""
    config.validate()
    from digitrec.study.classifiers import FAMILIES

    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    train_images, train_labels = load_mnist("train", path=config.data_dir)
    test_images, test_labels = load_mnist("test", path=config.data_dir)

    # Prepare the data: seeded split of the training set; a seeded test subsample if asked.
    order = rng.permutation(len(train_images))[: config.train_size]
    test_index = np.sort(rng.permutation(len(test_images))[: config.test_size])
    test_images, test_labels = test_images[test_index], test_labels[test_index]

    # All preprocessing first, before TensorFlow is imported.
    prep_start = time.perf_counter()
    train_digits, train_found = preprocess(
        train_images[order], config.workers, "preprocess train", config.progress
    )
    # Rows follow `order`: the validation part first, then the fit part.
    labels_in_order = train_labels[order].astype(np.int64)
    is_val = np.zeros(len(order), bool)
    is_val[: config.val_size] = True
    fit_mask, val_mask = train_found & ~is_val, train_found & is_val
    fit_x, fit_y = train_digits[fit_mask], labels_in_order[fit_mask]
    val_x, val_y = train_digits[val_mask], labels_in_order[val_mask]
    noisy_tests = {}
    for sigma in config.sigmas:
        noisy = add_gaussian_noise(test_images, sigma, noise_seed(config.seed, sigma))
        noisy_tests[sigma] = preprocess(
            noisy, config.workers, f"preprocess test sigma={sigma}", config.progress
        )
    prep_seconds = time.perf_counter() - prep_start

    y_test = test_labels.astype(np.int64)
    models = []
    for name in config.models:
        if name in FAMILIES:
            models.append(
                _run_classical(name, config, fit_x, fit_y, val_x, val_y, noisy_tests, y_test)
            )
        elif name == "cnn_baseline":
            models.append(
                _run_baseline_cnn(config, fit_x, fit_y, val_x, val_y, noisy_tests, y_test)
            )
        elif name == "cnn_shipped":
            models.append(_run_shipped_cnn(config, noisy_tests, y_test))

    return {
        "config": _config_dict(config),
        "data": {
            "train_images": len(order),
            "fit_images": int(fit_mask.sum()),
            "val_images": int(val_mask.sum()),
            "train_no_digit": int((~train_found).sum()),
            "test_images": len(test_index),
            "preprocess_seconds": prep_seconds,
        },
        "models": models,
        "runtime_seconds": time.perf_counter() - started,
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": _cpu_count(),
        },
    }


def preprocess(
    images: np.ndarray, workers: int, desc: str, progress: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``to_mnist`` over many images, in blocks so that a progress bar can follow.

    Returns ``(digits (N, 28, 28) uint8, found (N,) bool)``, blank rows where no digit was
    found. Uses :func:`digitrec.parallel.to_mnist_many`, the helper training uses too.
    """
    from tqdm import tqdm

    from digitrec.parallel import to_mnist_many

    # Below a couple of thousand images, starting worker processes costs more than it saves.
    workers = workers if len(images) >= POOL_MIN_IMAGES else 1
    digits, found = [], []
    with tqdm(total=len(images), desc=desc, unit="img", disable=not progress, leave=False) as bar:
        for start in range(0, len(images), PREPROCESS_BLOCK):
            block_digits, block_found = to_mnist_many(
                images[start : start + PREPROCESS_BLOCK], workers
            )
            digits.append(block_digits)
            found.append(block_found)
            bar.update(len(block_found))
    if not digits:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, bool)
    return np.concatenate(digits), np.concatenate(found)


def _run_classical(name, config, fit_x, fit_y, val_x, val_y, noisy_tests, y_test) -> dict:
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
        fit_x,
        fit_y,
        val_x,
        val_y,
        seed=config.seed,
        search_size=None if family.search_size is None else config.search_size,
        extra_params=extra,
        progress=config.progress,
    )
    # Refit the chosen setting on the whole training set (fit + validation parts).
    all_x, all_y = np.concatenate([fit_x, val_x]), np.concatenate([fit_y, val_y])
    model = family.build({**search.best_params, **(extra or {})}, config.seed)
    start = time.perf_counter()
    fit_quietly(model, all_x, all_y)
    train_seconds = time.perf_counter() - start
    entry = _model_entry(name, family.label, family.features, search.best_params, len(all_x))
    entry.update(
        train_seconds=train_seconds,
        search_seconds=search.seconds,
        search=search.scores,
        size_bytes=sklearn_size_bytes(model),
    )
    entry.update(_score(model, noisy_tests, y_test, name, config.progress))
    return entry


def _run_baseline_cnn(config, fit_x, fit_y, val_x, val_y, noisy_tests, y_test) -> dict:
    from digitrec.study.classifiers import baseline_cnn

    model = baseline_cnn(config.seed)
    start = time.perf_counter()
    model.fit(fit_x, fit_y, val_x, val_y, epochs=config.cnn_epochs, progress=config.progress)
    train_seconds = time.perf_counter() - start
    val_acc = model.history.get("val_accuracy", [])
    best_epoch = int(np.argmax(val_acc)) + 1 if val_acc else config.cnn_epochs
    entry = _model_entry(
        "cnn_baseline",
        "CNN baseline (no augmentation)",
        "28x28 pixels",
        {"epochs": best_epoch},
        len(fit_x),
    )
    entry.update(
        train_seconds=train_seconds,
        search_seconds=0.0,
        search=[{"params": {"epochs": i + 1}, "val_accuracy": a} for i, a in enumerate(val_acc)],
        size_bytes=model.size_bytes(),
        note=(
            f"build_cnn() trained on the fit part only ({len(fit_x)} images), plain (no "
            f"augmentation, no noise); the epoch best on validation kept (of {config.cnn_epochs})."
        ),
    )
    entry.update(_score(model, noisy_tests, y_test, "cnn_baseline", config.progress))
    return entry


def _run_shipped_cnn(config, noisy_tests, y_test) -> dict:
    from digitrec.interpreter import CARD_FILE
    from digitrec.study.classifiers import load_shipped_cnn
    from digitrec.training.model import KERAS_PATH

    path = Path(config.shipped_model or KERAS_PATH)
    entry = _model_entry(
        "cnn_shipped",
        "CNN shipped (noise-robust)",
        "28x28 pixels",
        {},
        None,
    )
    entry["note"] = (
        "The shipped model, trained by train.py with augmentation including Gaussian noise; "
        "with the denoising step of to_mnist it is the noise-robust variant. Its training "
        "time and MNIST training digits are read from its model card."
    )
    if not path.is_file():
        entry.update(skipped=True, note=f"skipped: no shipped model at {path}")
        return entry
    model = load_shipped_cnn(path)
    card = _model_card(path.parent / CARD_FILE)
    entry.update(
        train_seconds=card.get("training_seconds"),
        train_images=card.get("train_images"),
        search_seconds=None,
        search=[],
        size_bytes=path.stat().st_size,
        model_path=str(path),
    )
    entry.update(_score(model, noisy_tests, y_test, "cnn_shipped", config.progress))
    return entry


def _model_card(path: Path) -> dict:
    """Training time and training set size from the shipped model's card, when it has them."""
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    digits = card.get("data", {}).get("train_digits", {})
    return {
        "training_seconds": card.get("training_seconds"),
        "train_images": digits.get("clean"),  # MNIST digits; augmented copies come on top
    }


def _model_entry(name, label, features, params, train_images) -> dict:
    from digitrec.study.classifiers import describe

    return {
        "name": name,
        "label": label,
        "features": features,
        "params": params,
        "params_text": describe(params),
        "train_images": train_images,
        "skipped": False,
        "note": "",
    }


def _score(model, noisy_tests: dict, y_test: np.ndarray, name: str, progress: bool) -> dict:
    """Metrics at every noise level, and the batched prediction time per clean image."""
    from tqdm import tqdm

    from digitrec.metrics import NO_DIGIT, classification_metrics
    from digitrec.study.classifiers import timed_predict

    by_sigma, seconds_per_image = {}, {}
    for sigma, (digits, found) in tqdm(
        noisy_tests.items(), desc=f"score {name}", disable=not progress, leave=False
    ):
        predictions = np.full(len(y_test), NO_DIGIT, np.int64)
        predictions[found], seconds_per_image[sigma] = timed_predict(model, digits[found])
        by_sigma[_sigma_key(sigma)] = classification_metrics(y_test, predictions)
    clean = seconds_per_image.get(0.0, next(iter(seconds_per_image.values())))
    return {"predict_ms_per_image": 1000.0 * clean, "by_sigma": by_sigma}


def _sigma_key(sigma: float) -> str:
    return f"{float(sigma):g}"


def _config_dict(config: CompareConfig) -> dict:
    data = asdict(config)
    data["out"] = str(config.out)
    data["shipped_model"] = str(config.shipped_model) if config.shipped_model else None
    data["data_dir"] = str(config.data_dir) if config.data_dir else None
    data["sigmas"] = list(config.sigmas)
    data["models"] = list(config.models)
    return data


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _sizes_text(sizes: dict) -> str:
    return ", ".join(f"{k.replace('_', '-')} {v}" for k, v in sizes.items())


if __name__ == "__main__":
    sys.exit(main())
