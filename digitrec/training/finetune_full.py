"""The full fine-tune, for the command line: every layer of the shipped ensemble retrained on
the user's samples mixed with MNIST (``python -m digitrec finetune --full``).

The page's fine-tune (:mod:`digitrec.personal`) adapts the last layer in numpy; this one
needs TensorFlow and minutes rather than seconds. Batch normalization stays frozen (its
statistics come from MNIST and a few hundred samples of one writer would skew them), the
learning rate is small, and MNIST training digits make up most of every epoch, so that
what MNIST taught is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from digitrec.personal import AUGMENT_COPIES, augment
from digitrec.training.features import anchor_digits
from digitrec.training.model import KERAS_PATH, compile_for_training

MNIST_DIGITS_PER_CLASS = 300
EPOCHS = 2
LEARNING_RATE = 1e-4
BATCH = 64


def finetune_full(
    images: np.ndarray,
    labels: np.ndarray,
    keras_path: Path | None = None,
    epochs: int = EPOCHS,
    learning_rate: float = LEARNING_RATE,
    mnist_per_class: int = MNIST_DIGITS_PER_CLASS,
    data_dir: Path | None = None,
    seed: int = 0,
) -> Any:
    """The shipped ``.keras`` (or ``keras_path``), fine-tuned on ``images`` (N, 28, 28) uint8
    with ``labels`` and augmented copies of them, mixed with MNIST training digits."""
    import keras

    from digitrec.data import load_mnist

    rng = np.random.default_rng(seed)
    model = keras.saving.load_model(keras_path or KERAS_PATH, compile=False)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False  # inference mode: MNIST's statistics are kept
    mnist, mnist_labels = anchor_digits(
        *load_mnist("train", path=data_dir), mnist_per_class, seed=seed + 1
    )
    x = np.concatenate([images, augment(images, AUGMENT_COPIES, rng), mnist])
    y = np.concatenate([labels, np.repeat(labels, AUGMENT_COPIES), mnist_labels])
    keras.utils.set_random_seed(seed)
    compile_for_training(model, learning_rate)
    model.fit(
        x[..., None].astype(np.float32), y, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0
    )
    return model


def finetune_full_to_file(
    images: np.ndarray, labels: np.ndarray, out: Path, data_dir: Path | None = None, **options
) -> Path:
    """:func:`finetune_full`, exported as a ``.tflite`` file that ``Recognizer.load`` serves."""
    from digitrec.training.model import export_tflite

    export_tflite(finetune_full(images, labels, data_dir=data_dir, **options), Path(out))
    return Path(out)
