"""Train the shipped CNN: the whole recipe, in the order it runs.

1. Prepare the data: MNIST train, split into train / validation (the test set is only
   read at the very end, for the model card); every image through the one pipeline.
2. Widen the styles: augmented MNIST copies and font-rendered digits (digitrec.augment).
3. Build the model (digitrec.model.build_cnn).
4. Train: each epoch draws a fresh mix of clean, augmented and font digits; cosine-decayed
   Adam; early stopping on validation accuracy, best weights restored.
5. Export to TFLite and score the exported model on MNIST test for the model card.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from digitrec import augment, data
from digitrec.evaluation import score
from digitrec.parallel import map_chunks, to_mnist_many


@dataclass
class TrainConfig:
    """Training knobs; the defaults are the shipped model's recipe."""

    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 2e-3
    patience: int = 4
    validation_size: int = 6000
    augmented_copies: int = 1  # augmented variants per training digit, drawn once
    font_digits: int = 4000  # font-rendered digits in the pool
    # Share of each epoch's samples: clean MNIST, augmented MNIST, font digits.
    mix: tuple[float, float, float] = (0.5, 0.45, 0.05)
    epoch_size: int = 54000
    limit: int | None = None  # use only the first N training images (tests, smoke runs)
    test_limit: int | None = None  # score on only the first N test images (tests, smoke runs)
    width: int = 32
    dropout: float = 0.4
    seed: int = 0
    workers: int | None = None


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
    fonts = augment.system_fonts()
    if count == 0 or not fonts:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    chunks = [(min(500, count - i), (seed, 99, i)) for i in range(0, count, 500)]
    return _collect(map_chunks(_font_chunk, chunks, workers))


def _augment_chunk(job):
    from digitrec.preprocess import to_mnist

    images, labels, seed = job
    rng = np.random.default_rng(seed)
    return [(to_mnist(augment.augment(d, int(y), rng)), y) for d, y in zip(images, labels)]


def _font_chunk(job):
    from digitrec.preprocess import to_mnist

    count, seed = job
    rng = np.random.default_rng(seed)
    fonts = augment.system_fonts()
    out = []
    for _ in range(count):
        label = int(rng.integers(10))
        font = fonts[int(rng.integers(len(fonts)))]
        out.append((to_mnist(augment.font_digit(label, font, rng)), label))
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


def train(config: TrainConfig, out_dir: Path, log=print) -> dict:
    """Run the whole recipe and write the model, its TFLite form and the model card."""
    import keras

    from digitrec.allocator import keep_freed_memory
    from digitrec.interpreter import DigitClassifier
    from digitrec.model import build_cnn, compile_for_training, export_tflite

    started = time.time()
    keep_freed_memory()
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
        f"{config.font_digits} font digits ..."
    )
    augmented = augmented_pool(
        train_x, train_y, config.augmented_copies, config.seed, config.workers
    )
    fonts = font_pool(config.font_digits, config.seed, config.workers)
    prepared_at = time.time()
    log(
        f"Data ready in {prepared_at - started:.0f} s: {len(clean[0])} clean, "
        f"{len(augmented[0])} augmented, {len(fonts[0])} font digits"
    )

    model = build_cnn(width=config.width, dropout=config.dropout, seed=config.seed)
    epoch_size = min(config.epoch_size, len(clean[0]) * 2)
    dataset = mixed_epochs(
        [clean, augmented, fonts], config.mix, epoch_size, config.batch_size, config.seed
    )
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate, config.epochs * len(dataset)
    )
    compile_for_training(model, schedule)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=config.patience, restore_best_weights=True
    )
    history = model.fit(
        dataset,
        validation_data=(val_digits[val_found][..., None].astype(np.float32), val_y[val_found]),
        epochs=config.epochs,
        callbacks=[stop],
        verbose=2,
    )
    trained_at = time.time()

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keras_path, tflite_path = out_dir / "digitrec_cnn.keras", out_dir / "digitrec_cnn.tflite"
    _without_optimizer(model, config).save(keras_path)
    tflite_bytes = export_tflite(model, tflite_path)

    log("Scoring the exported model on the validation split and the MNIST test set ...")
    classifier = DigitClassifier(tflite_path)
    validation = score(classifier.probabilities, val_digits, val_y, val_found)
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
        "config": asdict(config),
        "epochs_run": len(history.history["loss"]),
        "best_epoch": int(np.argmax(history.history["val_accuracy"])) + 1,
        "history": {k: [round(float(v), 5) for v in vs] for k, vs in history.history.items()},
        "training_seconds": round(trained_at - prepared_at, 1),
        "total_seconds": round(time.time() - started, 1),
        "data": {
            "train_digits": {
                "clean": len(clean[0]),
                "augmented": len(augmented[0]),
                "fonts": len(fonts[0]),
            },
            "fonts": [p.name for p in augment.system_fonts()],
            "mnist_md5": {name: data.content_md5(data.data_dir() / name) for name in data.FILES},
        },
        "validation": validation,
        "mnist_test": test,
        "versions": _versions(),
        "machine": f"{platform.machine()}, {_cpu_count()} CPU cores",
        "model_sha256": hashlib.sha256(tflite_path.read_bytes()).hexdigest(),
    }
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    log(
        f"MNIST test accuracy {test['accuracy']:.4%} (validation {validation['accuracy']:.4%}); "
        f"{card['total_seconds']:.0f} s in all. Wrote {out_dir}/"
    )
    return card


def _without_optimizer(model, config: TrainConfig):
    """An uncompiled copy holding only the weights: Adam's state would triple the file."""
    from digitrec.model import build_cnn

    inference = build_cnn(width=config.width, dropout=config.dropout, seed=config.seed)
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


def _cpu_count() -> int:
    from digitrec.parallel import default_workers

    return default_workers()
