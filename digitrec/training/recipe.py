"""Train the shipped CNN: the whole recipe, in the order it runs.

1. Prepare the data: MNIST train, split into train / validation (the test set is only
   read at the very end, for the model card); every image through the one pipeline.
2. Widen the styles: augmented MNIST copies and font-rendered digits (digitrec.training.augment).
3. Build the model (digitrec.training.model.build_cnn).
4. Train: each epoch draws a fresh mix of clean, augmented and font digits; cosine-decayed
   Adam; early stopping on validation accuracy, best weights restored. Then a short
   finishing phase on a noisier mix at a low rate (``finish_member``).
5. Export to TFLite and score the exported model on MNIST test for the model card.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from digitrec import data
from digitrec.evaluation import score
from digitrec.parallel import cpu_count, map_chunks, to_mnist_many
from digitrec.training import augment


def knob(default, meaning: str, flag: bool = True):
    """A :class:`TrainConfig` field and what it means, the help of its ``train.py`` option;
    ``flag=False`` keeps it at the recipe's value (no option: the recipe's figures were
    measured with it)."""
    return field(default=default, metadata={"help": meaning, "flag": flag})


@dataclass
class TrainConfig:
    """Training knobs; the defaults are the shipped model's recipe (``train.py --help``)."""

    epochs: int = knob(20, "most epochs per model (early stopping may end sooner)")
    batch_size: int = knob(128, "digits per training step", flag=False)
    learning_rate: float = knob(2e-3, "initial rate of Adam, cosine-decayed")
    patience: int = knob(6, "epochs without validation gain before stopping")
    validation_size: int = knob(6000, "MNIST training digits held out", flag=False)
    augmented_copies: int = knob(1, "augmented variants of each MNIST digit, drawn once")
    font_digits: int = knob(20000, "digits rendered from the handwriting fonts in fonts/")
    pen_digits: int = knob(10000, "digits drawn in styles MNIST lacks (pen_styles.py)")
    noisy_copies: int = knob(
        1, "copies of each MNIST digit with Gaussian noise of a random strength"
    )
    noise_sigmas: tuple[float, float] = knob(
        (0.25, 0.7), "range of that noise's strength ([0, 1] pixel scale)", flag=False
    )
    mix: tuple[float, ...] = knob(
        (0.45, 0.3, 0.09, 0.06, 0.1),
        "share of each epoch's samples: clean MNIST, augmented MNIST, font digits, pen styles,"
        " noisy MNIST",
        flag=False,
    )
    # 3, not 2, since the footed 1s and looped 9s joined the pen styles: finishing with them,
    # 3 epochs kept validation at sigma 0.5 (96.78%, against 96.80% before), 2 lost 0.13
    # points (docs/accuracy-experiments.md, eleventh session).
    finish_epochs: int = knob(
        3, "epochs of a noisier finishing phase after each model's training (0: none)"
    )
    finish_learning_rate: float = knob(3e-4, "initial rate of that phase, cosine-decayed")
    # Noisy share 0.25 instead of 0.1 (from the clean and augmented shares): on the trained
    # members, four runs moved validation at sigma 0.5 from 96.57 to 96.80-96.95% and at 0.7
    # from 84.58 to 86.0-86.8%, clean 99.48 -> 99.42-99.45% (docs/accuracy-experiments.md).
    finish_mix: tuple[float, ...] = knob(
        (0.35, 0.25, 0.09, 0.06, 0.25), "the finishing phase's shares, as mix", flag=False
    )
    members: int = knob(3, "models trained on successive seeds, served as their average")
    epoch_size: int = knob(54000, "samples drawn per epoch")
    limit: int | None = knob(None, "use only the first N MNIST training images (smoke runs)")
    test_limit: int | None = knob(None, "score on only the first N test images (smoke runs)")
    width: int = knob(32, "filters in the first conv block")
    depth: int = knob(2, "conv layers in each of the three blocks")
    dropout: float = knob(0.4, "dropout rate before and after the dense layer")
    seed: int = knob(0, "seed of the split, the pools and the first model")
    workers: int | None = knob(None, "preprocessing processes")


# The quick recipe (`train.py --fast`): one model, fewer epochs and synthetic digits, no
# finishing phase.
FAST = TrainConfig(epochs=8, members=1, font_digits=8000, pen_digits=4000, finish_epochs=0)


# ---------------------------------------------------------------- 1. Prepare the data
def split_train_validation(images, labels, size: int, seed: int):
    """A stratified-by-chance random split of the MNIST training set."""
    order = np.random.default_rng(seed).permutation(len(images))
    val, train = order[:size], order[size:]
    return (images[train], labels[train]), (images[val], labels[val])


def preprocessed(images, labels, workers=None):
    """Digits through the pipeline; the rare image where no digit is found is dropped."""
    digits, found = to_mnist_many(images, workers)
    return digits[found], labels[found]


# ---------------------------------------------------------------- 2. Widen the styles
def augmented_pool(images, labels, copies: int, seed: int, workers=None):
    chunks = [
        (images[i : i + 2000], labels[i : i + 2000], (seed, copy, i))
        for copy in range(copies)
        for i in range(0, len(images), 2000)
    ]
    return _collect(map_chunks(_augment_chunk, chunks, workers))


def font_pool(count: int, seed: int, workers=None):
    return _collect(map_chunks(_font_chunk, _counted_chunks(count, seed, 99), workers))


def pen_pool(count: int, seed: int, workers=None):
    return _collect(map_chunks(_pen_chunk, _counted_chunks(count, seed, 98), workers))


def noisy_pool(images, labels, copies: int, sigmas, seed: int, workers=None):
    """MNIST digits with white Gaussian noise of a random strength, through the pipeline.

    They teach the model the pipeline's grey-level reading of noisy pictures.
    """
    chunks = [
        (images[i : i + 2000], labels[i : i + 2000], sigmas, (seed, 97, copy, i))
        for copy in range(copies)
        for i in range(0, len(images), 2000)
    ]
    return _collect(map_chunks(_noisy_chunk, chunks, workers))


def _counted_chunks(count: int, seed: int, stream: int) -> list[tuple[int, tuple[int, ...]]]:
    """Jobs of at most 500 samples, each with its own seed, so workers never share a stream."""
    return [(min(500, count - i), (seed, stream, i)) for i in range(0, count, 500)]


def _augment_chunk(job):
    from digitrec.preprocess import to_mnist

    images, labels, seed = job
    rng = np.random.default_rng(seed)
    return [(to_mnist(augment.augment(d, int(y), rng)), y) for d, y in zip(images, labels)]


def _noisy_chunk(job):
    from digitrec.preprocess import to_mnist
    from digitrec.training.noise import add_gaussian_noise

    images, labels, (low, high), seed = job
    rng = np.random.default_rng(seed)
    out = []
    for digit, label in zip(images, labels):
        sigma = float(rng.uniform(low, high))
        noisy = add_gaussian_noise(digit, sigma, [int(v) for v in rng.integers(2**31, size=2)])
        out.append((to_mnist(noisy), label))
    return out


def _font_chunk(job):
    from digitrec.preprocess import to_mnist

    count, seed = job
    rng = np.random.default_rng(seed)
    fonts = augment.training_fonts()
    out = []
    for _ in range(count):
        label = int(rng.integers(10))
        font = fonts[int(rng.integers(len(fonts)))]
        out.append((to_mnist(augment.font_digit(label, font, rng)), label))
    return out


def _pen_chunk(job):
    from digitrec.preprocess import to_mnist
    from digitrec.training.pen_styles import STYLES, pen_digit

    count, seed = job
    rng = np.random.default_rng(seed)
    labels = sorted(STYLES)
    out = []
    for _ in range(count):
        label = labels[int(rng.integers(len(labels)))]
        out.append((to_mnist(pen_digit(label, rng)), label))
    return out


def _collect(parts):
    pairs = [(d, y) for part in parts for d, y in part if d is not None]
    if not pairs:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    return np.stack([d for d, _ in pairs]), np.array([y for _, y in pairs], np.uint8)


# ---------------------------------------------------------------- 4. Train
def epoch_batches(draw_epoch: Callable[[], tuple[np.ndarray, np.ndarray]], batch_size: int):
    """A Keras dataset of the digits and labels that ``draw_epoch()`` returns, anew each epoch.

    Keras feeds its batches from two threads of its own (``workers=2``). With the default of
    one, it wraps the dataset in tf.data's autotuned prefetching, and tearing that down at
    the end of an epoch waited 10-30 s for a background thread in every other epoch, both
    cores idle (49 s epochs took 84 s). Arrays handed straight to ``fit`` take that path too.
    """
    import keras

    class EpochBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=2)
            self.on_epoch_end()

        def on_epoch_end(self):
            self.x, self.y = draw_epoch()

        def __len__(self):
            return -(-len(self.y) // batch_size)

        def __getitem__(self, index):
            rows = slice(index * batch_size, (index + 1) * batch_size)
            return self.x[rows, ..., None].astype(np.float32), self.y[rows]

    return EpochBatches()


def mixed_epochs(pools, mix, epoch_size: int, batch_size: int, seed: int):
    """A Keras dataset whose every epoch is a fresh draw from the pools in ``mix`` shares."""
    rng = np.random.default_rng(seed)

    def draw():
        xs, ys = [], []
        for (x, y), share in zip(pools, mix):
            if len(x) == 0 or share == 0:
                continue
            pick = rng.integers(0, len(x), round(share * epoch_size))
            xs.append(x[pick])
            ys.append(y[pick])
        order = rng.permutation(sum(len(y) for y in ys))
        return np.concatenate(xs)[order], np.concatenate(ys)[order]

    return epoch_batches(draw, batch_size)


def shuffled_epochs(digits, labels, batch_size: int, seed: int):
    """A Keras dataset of every digit once per epoch, in a fresh seeded order."""
    rng = np.random.default_rng(seed)

    def draw():
        order = rng.permutation(len(labels))
        return digits[order], labels[order]

    return epoch_batches(draw, batch_size)


POOL_NAMES = ("clean", "augmented", "font", "pen-style", "noisy")


@dataclass
class Prepared:
    """Everything a training run draws from: the pools and the validation split."""

    pools: list[tuple[np.ndarray, np.ndarray]]  # one per POOL_NAMES
    val_digits: np.ndarray
    val_found: np.ndarray
    val_labels: np.ndarray
    seconds: float

    def validation_data(self):
        found = self.val_found
        return self.val_digits[found][..., None].astype(np.float32), self.val_labels[found]


def prepare(config: TrainConfig, log=print) -> Prepared:
    """Split MNIST train, preprocess it, and build the augmented, font and pen-style pools."""
    started = time.time()
    images, labels = data.load_mnist("train")
    if config.limit:
        images, labels = images[: config.limit], labels[: config.limit]
    val_size = min(config.validation_size, len(images) // 5)
    (train_x, train_y), (val_x, val_y) = split_train_validation(
        images, labels, val_size, config.seed
    )
    log(f"Preprocessing {len(train_x)} training and {len(val_x)} validation digits ...")
    clean = preprocessed(train_x, train_y, config.workers)
    val_digits, val_found = to_mnist_many(val_x, config.workers)
    log(
        f"Augmenting: {config.augmented_copies} variant(s) per digit, "
        f"{config.font_digits} font digits, {config.pen_digits} pen-style digits ..."
    )
    augmented = augmented_pool(
        train_x, train_y, config.augmented_copies, config.seed, config.workers
    )
    fonts = font_pool(config.font_digits, config.seed, config.workers)
    pens = pen_pool(config.pen_digits, config.seed, config.workers)
    noisy = noisy_pool(
        train_x, train_y, config.noisy_copies, config.noise_sigmas, config.seed, config.workers
    )
    pools = [clean, augmented, fonts, pens, noisy]
    seconds = time.time() - started
    counts = ", ".join(f"{len(y)} {name}" for (_, y), name in zip(pools, POOL_NAMES))
    log(f"Data ready in {seconds:.0f} s: {counts} digits")
    return Prepared(pools, val_digits, val_found, val_y, seconds)


def fit_member(config: TrainConfig, prepared: Prepared, seed: int):
    """Train one CNN on fresh mixed epochs; returns ``(model, history dict)``."""
    from digitrec.training.model import build_cnn, import_keras_quietly

    keras = import_keras_quietly()
    model = build_cnn(width=config.width, dropout=config.dropout, depth=config.depth, seed=seed)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=config.patience, restore_best_weights=True
    )
    return _fit_on_mix(
        model, config, prepared, config.mix, config.epochs, config.learning_rate, seed, seed, [stop]
    )


# The finishing phase draws epochs of its own, not a replay of the training phase's draws.
FINISH_SEED_OFFSET = 100


def finish_member(config: TrainConfig, prepared: Prepared, model, seed: int):
    """A few more epochs of ``model`` on a noisier mix at a low rate, no early stop (each
    epoch moves it little, and the noisy figures it is for are not what stopping watches);
    returns ``(model, history dict)``."""
    return _fit_on_mix(
        model,
        config,
        prepared,
        config.finish_mix,
        config.finish_epochs,
        config.finish_learning_rate,
        seed,
        seed + FINISH_SEED_OFFSET,
    )


def _fit_on_mix(
    model,
    config: TrainConfig,
    prepared: Prepared,
    mix: tuple[float, ...],
    epochs: int,
    learning_rate: float,
    seed: int,
    draw_seed: int,
    callbacks=(),
):
    """Fit ``model`` (the member of ``seed``) for ``epochs`` epochs, each drawn afresh from
    the pools in ``mix`` shares (seeded by ``draw_seed``), Adam's rate cosine-decayed from
    ``learning_rate``; returns the model without its optimizer and the rounded history."""
    from digitrec.training.model import compile_for_training, import_keras_quietly

    keras = import_keras_quietly()
    epoch_size = min(config.epoch_size, len(prepared.pools[0][0]) * 2)
    dataset = mixed_epochs(prepared.pools, mix, epoch_size, config.batch_size, draw_seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * len(dataset))
    compile_for_training(model, schedule)
    history = model.fit(
        dataset,
        validation_data=prepared.validation_data(),
        epochs=epochs,
        callbacks=list(callbacks),
        verbose=2,
    )
    rounded = {k: [round(float(v), 5) for v in values] for k, values in history.history.items()}
    return _without_optimizer(model, config, seed), rounded


def trained_members(folder: Path, config: TrainConfig):
    """The members of the ensemble that :func:`write_model` wrote into ``folder``, each as
    a trainable model, and its model card (the members' training histories)."""
    from digitrec.interpreter import CARD_FILE
    from digitrec.training.model import KERAS_FILE, import_keras_quietly

    for name in (KERAS_FILE, CARD_FILE):
        if not (Path(folder) / name).is_file():
            raise FileNotFoundError(
                f"{Path(folder) / name} not found: a model to finish needs the {KERAS_FILE} "
                f"and {CARD_FILE} that train.py writes"
            )
    keras = import_keras_quietly()
    whole = keras.saving.load_model(Path(folder) / KERAS_FILE, compile=False)
    parts = [layer for layer in whole.layers if layer.name.startswith("member_")] or [whole]
    members = [_without_optimizer(part, config, config.seed + i) for i, part in enumerate(parts)]
    card = json.loads((Path(folder) / CARD_FILE).read_text())
    return members, card


def train(config: TrainConfig, out_dir: Path, log=print, finish_from: Path | None = None) -> dict:
    """Run the whole recipe and write the model, its TFLite form and the model card.

    ``finish_from``: a folder holding a model this recipe trained; its members skip
    training and only go through the finishing phase.
    """
    from digitrec.training.allocator import keep_freed_memory

    started = time.time()
    keep_freed_memory()
    if finish_from is not None:  # before the data, so that a wrong folder fails at once
        members, earlier = trained_members(finish_from, config)
        histories = earlier["history"]
        config = replace(config, members=len(members))
    prepared = prepare(config, log)
    if finish_from is None:
        members, histories = [], []
        for member in range(config.members):
            log(f"Training model {member + 1} of {config.members} ...")
            model, history = fit_member(config, prepared, config.seed + member)
            members.append(model)
            histories.append(history)
    finishing = []
    for index in range(len(members) if config.finish_epochs else 0):
        log(f"Finishing model {index + 1} of {len(members)} ...")
        members[index], history = finish_member(
            config, prepared, members[index], config.seed + index
        )
        finishing.append(history)
    training_seconds = time.time() - started - prepared.seconds
    extra = {"finishing_history": finishing}
    if finish_from is not None:
        training_seconds += earlier.get("training_seconds", 0.0)
        extra["finished_from"] = {
            "model_sha256": earlier.get("model_sha256"),
            "training_seconds": earlier.get("training_seconds"),
        }
    return write_model(members, histories, config, prepared, out_dir, training_seconds, log, extra)


def write_model(
    members,
    histories,
    config: TrainConfig,
    prepared: Prepared,
    out_dir: Path,
    training_seconds: float,
    log=print,
    extra: dict | None = None,
) -> dict:
    """Average the members into one model, export it, score it, and write the model card."""
    from digitrec.interpreter import CARD_FILE, MODEL_FILE, DigitClassifier
    from digitrec.training.model import KERAS_FILE, average_members, export_tflite

    started = time.time()
    model = average_members(members)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keras_path, tflite_path = out_dir / KERAS_FILE, out_dir / MODEL_FILE
    model.save(keras_path)
    tflite_bytes = export_tflite(model, tflite_path)

    log("Scoring the exported model on the validation split and the MNIST test set ...")
    classifier = DigitClassifier(tflite_path)
    validation = score(
        classifier.probabilities, prepared.val_digits, prepared.val_labels, prepared.val_found
    )
    test_x, test_y = data.load_mnist("test")
    test_x, test_y = test_x[: config.test_limit], test_y[: config.test_limit]
    test_digits, test_found = to_mnist_many(test_x, config.workers)
    test = score(classifier.probabilities, test_digits, test_y, test_found)
    card = {
        "model": "digitrec_cnn",
        "files": {
            "keras": keras_path.name,
            "tflite": tflite_path.name,
            "tflite_bytes": tflite_bytes,
        },
        "parameters": int(model.count_params()),
        "members": len(members),
        "config": asdict(config),
        "epochs_run": [len(h["loss"]) for h in histories],
        "best_epoch": [int(np.argmax(h["val_accuracy"])) + 1 for h in histories],
        "history": histories,
        **(extra or {}),
        "data_seconds": round(prepared.seconds, 1),
        "training_seconds": round(training_seconds, 1),
        "data": {
            "train_digits": {name: len(y) for (_, y), name in zip(prepared.pools, POOL_NAMES)},
            "fonts": [
                p.parent.name if p.suffix == ".woff2" else p.name for p in augment.training_fonts()
            ],
            "mnist_md5": {name: data.content_md5(data.data_dir() / name) for name in data.FILES},
        },
        "validation": validation,
        "mnist_test": test,
        "versions": _versions(),
        "machine": f"{platform.machine()}, {cpu_count()} CPU cores",
        "export_seconds": round(time.time() - started, 1),
        "model_sha256": hashlib.sha256(tflite_path.read_bytes()).hexdigest(),
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    log(
        f"MNIST test accuracy {test['accuracy']:.4%} (validation {validation['accuracy']:.4%}). "
        f"Wrote {out_dir}/"
    )
    return card


@dataclass(frozen=True)
class CardFigures:
    """What the comparison reads from a model card (None where the card lacks it)."""

    training_seconds: float | None = None
    mnist_digits: int | None = None  # clean MNIST digits trained on; augmented ones on top
    members: int | None = None


def read_card(folder: Path) -> CardFigures:
    """The figures of the model card that :func:`write_model` wrote into ``folder``."""
    from digitrec.interpreter import CARD_FILE

    try:
        card = json.loads((Path(folder) / CARD_FILE).read_text())
    except (OSError, ValueError):
        return CardFigures()
    return CardFigures(
        training_seconds=card.get("training_seconds"),
        mnist_digits=card.get("data", {}).get("train_digits", {}).get("clean"),
        members=card.get("members"),
    )


def _without_optimizer(model, config: TrainConfig, seed: int):
    """An uncompiled copy holding only the weights: Adam's state would triple the file."""
    from digitrec.training.model import build_cnn

    inference = build_cnn(width=config.width, dropout=config.dropout, depth=config.depth, seed=seed)
    inference.set_weights(model.get_weights())
    return inference


def _versions() -> dict:
    import cv2
    import keras
    import sklearn
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "opencv": cv2.__version__,
        "scikit-learn": sklearn.__version__,
    }
