"""Command line: ``python -m digitrec predict|evaluate|compare``.

predict prints one result per input (a digit, or with --number a number), in input order,
and keeps going past bad files:
exit status 0 when every file was read, 1 when any file gave an error, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from digitrec.imageio import ImageError
from digitrec.parallel import imap_chunks
from digitrec.preprocess import PreparedDigit

CHUNK = 256  # files per worker task: big enough to amortise the hand-off, small to stream
# What predict reads from a directory given as an argument (other files there are skipped).
IMAGE_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".heic", ".heif", ".avif", ".bmp", ".gif", ".webp", ".tif", ".tiff"
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m digitrec", description="Recognize handwritten digits."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    predict = commands.add_parser("predict", help="read the digit in each image file")
    predict.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="image files (png, jpg, heic, bmp, gif, webp, tiff, ...) or folders of them "
        "(read in name order)",
    )
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument(
        "--number",
        action="store_true",
        help="read a number of several digits in each image (e.g. 2024), not one digit",
    )
    predict.add_argument(
        "--model", type=Path, default=None, help="a .tflite model (default: the shipped one)"
    )
    predict.add_argument(
        "--workers", type=positive_int, default=None, help="decoding processes (default: all cores)"
    )

    evaluate = commands.add_parser("evaluate", help="MNIST test accuracy of the shipped model")
    evaluate.add_argument(
        "--model", type=Path, default=None, help="a .tflite model (default: the shipped one)"
    )
    evaluate.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder with the MNIST .gz files (default: $DIGITREC_DATA or ~/.cache/digitrec/"
        "mnist, downloaded there when missing)",
    )
    evaluate.add_argument(
        "--workers", type=positive_int, default=None, help="preprocessing processes"
    )

    finetune = commands.add_parser(
        "finetune",
        help="learn your handwriting: fit the last layer to your saved corrections (numpy)",
        description="Fine-tune the shipped model's last layer on the samples saved from the "
        "page (mixed with MNIST anchors, with augmentation) and write the personal model and "
        "its card beside the database.",
    )
    finetune.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the feedback database (default: $DIGITREC_FEEDBACK_DB or the user data directory)",
    )
    finetune.add_argument(
        "--features",
        type=Path,
        default=None,
        help="folder with the features model and heads (default: beside the shipped model)",
    )
    finetune.add_argument(
        "--mnist", action="store_true", help="also score the MNIST test set before and after"
    )
    finetune.add_argument("--data", type=Path, default=None, help="folder with the MNIST .gz files")
    finetune.add_argument(
        "--no-guard",
        action="store_true",
        help="let your corrections override how MNIST digits are read, for a style MNIST "
        "reads as another digit (by default your heads are blended in only as far as no MNIST "
        "check digit changes its answer)",
    )
    finetune.add_argument(
        "--full",
        action="store_true",
        help="retrain every layer with TensorFlow (training requirements; minutes) and write a "
        ".tflite beside the database, instead of the last layer in numpy",
    )

    export = commands.add_parser(
        "export-features",
        help="write the features model and heads that finetune needs (training requirements)",
    )
    export.add_argument(
        "--keras", type=Path, default=None, help="default: models/digitrec_cnn.keras"
    )
    export.add_argument("--out", type=Path, default=None, help="default: models/")
    export.add_argument("--data", type=Path, default=None, help="folder with the MNIST .gz files")

    verifier = commands.add_parser(
        "export-verifier",
        help="fit the verifier that reads numbers' digits whole (training requirements)",
    )
    verifier.add_argument(
        "--models", type=Path, default=None, help="folder of the model and features model"
    )
    verifier.add_argument(
        "--numbers", type=positive_int, default=None, help="numbers per medium, length and kind"
    )
    verifier.add_argument("--data", type=Path, default=None, help="folder with the MNIST .gz files")

    # The study has its own parser (digitrec.study.compare), imported only when it runs:
    # serving never imports the study, which needs the training requirements.
    commands.add_parser(
        "compare",
        help="compare KNN, SVM, MLP and CNN classifiers on MNIST (see compare --help)",
        add_help=False,
    )
    return parser


def positive_int(text: str) -> int:
    """An option's value that must be a whole number of at least 1 (processes, sizes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "compare":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "compare":
            from digitrec.study.compare import main as compare

            return compare(rest)
        if args.command == "finetune":
            if args.full:
                return finetune_full(args.db, args.mnist, args.data)
            return finetune(args.db, args.features, args.mnist, args.data, not args.no_guard)
        if args.command == "export-features":
            return export_features(args.keras, args.out, args.data)
        if args.command == "export-verifier":
            return export_verifier(args.models, args.numbers, args.data)
        if args.command == "predict":
            return predict(
                args.files,
                as_json=args.json,
                model=args.model,
                workers=args.workers,
                number=args.number,
            )
        return evaluate(model=args.model, data_dir=args.data, workers=args.workers)
    except (FileNotFoundError, RuntimeError, ValueError) as exc:  # say what to do
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def predict(
    paths: Sequence[str],
    as_json: bool = False,
    model: Path | None = None,
    workers: int | None = None,
    number: bool = False,
) -> int:
    """Print the digit (or with ``number`` the number) read in each image file (folders:
    their image files, by name)."""
    from digitrec.recognizer import Recognizer

    recognizer = Recognizer.load(model)
    files = image_files(paths)
    # Digits are made MNIST-like, numbers segmented, in worker processes; the model reads
    # a whole chunk in one call here.
    read = recognizer.read_segmented if number else recognizer.classify
    show = _print_number if number else _print_result
    failed = False
    start = 0
    for outcomes in _prepared_chunks(files, workers, number):
        names = files[start : start + len(outcomes)]
        start += len(outcomes)
        readable = [i for i, outcome in enumerate(outcomes) if not isinstance(outcome, str)]
        results = iter(read([outcomes[i] for i in readable]))  # one model call
        for name, outcome in zip(names, outcomes):
            if isinstance(outcome, str):
                failed = True
                _print_error(name, outcome, as_json)
            else:
                show(name, next(results), as_json)
    return 1 if failed else 0


def image_files(paths: Sequence[str]) -> list[str]:
    """``paths`` with each folder replaced by its image files, sorted by name.

    A folder without image files stays in the list, so that it gets an error line.
    """
    files = []
    for name in paths:
        folder = Path(name)
        if not folder.is_dir():
            files.append(name)
            continue
        found = sorted(
            str(path)
            for path in folder.iterdir()
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
        )
        files.extend(found or [name])
    return files


def _prepared_chunks(files: Sequence[str], workers: int | None, number: bool = False) -> Iterator:
    """Per chunk of files, in input order: each file prepared for the model (a
    :class:`~digitrec.preprocess.PreparedDigit`, None when blank; or a number's
    :class:`~digitrec.segment.Segmentation`), or the error."""
    chunks = [list(files[i : i + CHUNK]) for i in range(0, len(files), CHUNK)]
    yield from imap_chunks(_segment_chunk if number else _prepare_chunk, chunks, workers)


def _prepare_chunk(files: list[str]) -> list[PreparedDigit | str | None]:
    from digitrec.recognizer import prepare

    return [_or_error(prepare, name) for name in files]


def _segment_chunk(files: list[str]) -> list:
    from digitrec.recognizer import prepare_number

    return [_or_error(prepare_number, name) for name in files]


def _or_error(prepare, name: str):
    """``prepare(name, name)``, or the message that says why the file cannot be read."""
    if Path(name).is_dir():
        return f"no image files ({', '.join(IMAGE_SUFFIXES)}) in the folder {name}"
    try:
        return prepare(name, name)
    except ImageError as exc:
        return str(exc)
    except Exception as exc:  # never a stack trace for one bad file; the rest go on
        return f"cannot process {name}: {type(exc).__name__}: {exc}"


def _print_result(name: str, result, as_json: bool) -> None:
    if as_json:
        record = {
            "file": name,
            "digit": result.digit,
            "confidence": round(result.confidence, 6),
            "probabilities": None
            if result.probabilities is None
            else [round(p, 6) for p in result.probabilities],
        }
        print(json.dumps(record))
    elif result.digit is None:
        print(f"{name}: no digit found")
    else:
        note = ", unsure" if result.unsure else ""
        print(f"{name}: {result.digit} ({result.confidence_text}{note})")


def _print_number(name: str, result, as_json: bool) -> None:
    if as_json:
        record = {
            "file": name,
            "number": result.number,
            "digits": [
                {"digit": d.digit, "confidence": round(d.confidence, 6), "box": list(d.box)}
                for d in result.digits
            ],
            "unsure": result.unsure,
        }
        if result.note:
            record["note"] = result.note
        print(json.dumps(record))
    elif result.number is None:
        print(f"{name}: no number found" + (f" ({result.note})" if result.note else ""))
    else:
        digits = ", ".join(f"{d.digit} {d.confidence_text}" for d in result.digits)
        note = "; unsure" if result.unsure else ""
        print(f"{name}: {result.number} ({digits}{note})")


def _print_error(name: str, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": name, "error": message}))
    else:
        print(f"{name}: error: {message}", file=sys.stderr)


def evaluate(
    model: Path | None = None, data_dir: Path | None = None, workers: int | None = None
) -> int:
    """Print the model's accuracy on the MNIST test set, read through the one pipeline."""
    from digitrec import data
    from digitrec.evaluation import score
    from digitrec.parallel import to_mnist_many
    from digitrec.recognizer import Recognizer

    recognizer = Recognizer.load(model)
    images, labels = data.load_mnist("test", path=data_dir)
    digits, found = to_mnist_many(images, workers)
    report = score(recognizer.probabilities, digits, labels, found)
    print(
        f"MNIST test accuracy: {report['accuracy']:.2%} ({report['count']} digits, "
        f"{report['no_digit_found']} without a digit found)"
    )
    print(
        "per-class recall: "
        + ", ".join(f"{d}: {r:.2%}" for d, r in enumerate(report["per_class_recall"]))
    )
    return 0


def finetune(
    db: Path | None,
    features: Path | None,
    with_mnist: bool,
    data_dir: Path | None,
    guard: bool = True,
) -> int:
    """Fit the personal model to the saved samples; print and save the before/after figures."""
    from digitrec import personal
    from digitrec.feedback import FeedbackStore

    store = FeedbackStore(db)
    base = personal.BaseModel.load(features)
    samples = store.arrays()
    heads, report = personal.finetune(base, samples.images, samples.labels, guard=guard)
    if with_mnist:
        from dataclasses import replace

        from digitrec import data
        from digitrec.parallel import to_mnist_many

        images, labels = data.load_mnist("test", path=data_dir)
        digits, found = to_mnist_many(images)
        test = base.features(digits)
        scores = {
            f"mnist_test_{when}": float(
                ((h.probabilities(test).argmax(1) == labels) & found).mean()
            )
            for when, h in (("before", base.heads), ("after", heads))
        }
        report = replace(report, extra=scores)
    path = personal.save(heads, report, personal.personal_path(store))
    print(
        f"learnt from {report.samples} samples (per digit {report.per_digit}; "
        f"{report.trained_on} with augmentation) in {report.seconds:.2f} s"
    )
    print(
        f"on your samples: {report.samples_accuracy_before:.1%} -> "
        f"{report.samples_accuracy_after:.1%}; MNIST anchors: "
        f"{report.anchors_accuracy_before:.2%} -> {report.anchors_accuracy_after:.2%} "
        f"(your heads give {report.personal_share:.0%} of each answer, the shipped ones the rest)"
    )
    if report.extra:
        print(
            f"MNIST test: {report.extra['mnist_test_before']:.2%} -> "
            f"{report.extra['mnist_test_after']:.2%}"
        )
    print(f"personal model: {path} (card: {path.with_suffix('.json')})")
    return 0


def finetune_full(db: Path | None, with_mnist: bool, data_dir: Path | None) -> int:
    """Retrain the whole shipped model on the saved samples; write and score a .tflite."""
    import time

    from digitrec.feedback import FeedbackStore
    from digitrec.interpreter import DigitClassifier
    from digitrec.training.finetune_full import finetune_full_to_file

    store = FeedbackStore(db)
    samples = store.arrays()
    if not len(samples):
        raise ValueError(f"no samples to learn from in {store.path}: save some corrections first")
    out = store.path.with_name(f"{store.path.stem}-model-full.tflite")
    started = time.perf_counter()
    finetune_full_to_file(samples.images, samples.labels, out, data_dir)
    seconds = time.perf_counter() - started
    models = {"before": DigitClassifier(), "after": DigitClassifier(out)}
    own = {
        when: float((m.probabilities(samples.images).argmax(1) == samples.labels).mean())
        for when, m in models.items()
    }
    print(f"learnt from {len(samples)} samples, every layer, in {seconds:.0f} s")
    print(f"on your samples: {own['before']:.1%} -> {own['after']:.1%}")
    if with_mnist:
        from digitrec import data
        from digitrec.parallel import to_mnist_many

        images, labels = data.load_mnist("test", path=data_dir)
        digits, found = to_mnist_many(images)
        scores = {
            when: float(((m.probabilities(digits).argmax(1) == labels) & found).mean())
            for when, m in models.items()
        }
        print(f"MNIST test: {scores['before']:.2%} -> {scores['after']:.2%}")
    print(f"personal model (full): {out}; use it with `predict --model {out}`")
    return 0


def export_features(keras: Path | None, out: Path | None, data_dir: Path | None) -> int:
    """Write the features model and heads for the shipped (or given) .keras model."""
    from digitrec.training.features import export_features as export

    written = export(keras, out, data_dir)
    print("wrote " + " and ".join(str(path) for path in written))
    return 0


def export_verifier(models: Path | None, numbers: int | None, data_dir: Path | None) -> int:
    """Fit and write the number verifier beside the shipped (or given) model."""
    from digitrec.personal import models_dir
    from digitrec.training.number_verifier import NUMBERS, fit_verifier
    from digitrec.verifier import VERIFIER_FILE

    folder = models if models is not None else models_dir()
    report = fit_verifier(folder, numbers or NUMBERS, data_dir=data_dir)
    print(
        f"wrote {folder / VERIFIER_FILE}: {report.candidates} candidates, "
        f"{report.whole} whole digits, held-out AUC {report.held_out_auc:.4f}"
    )
    return 0
