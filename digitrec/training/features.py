"""Export the features model and heads that personal fine-tuning needs (``digitrec.personal``).

    python -m digitrec export-features [--keras models/digitrec_cnn.keras] [--out models/]

From the saved ensemble (or a single CNN), writes

- ``digitrec_features.tflite``: pixels (N, 28, 28, 1) on 0..255 -> the penultimate
  activations of every member (the input of its last dense layer), concatenated;
- ``digitrec_heads.npz``: every member's last dense layer (``weights`` (M, F, 10),
  ``biases`` (M, 10)), the features of 300 MNIST training digits per class (the anchors that
  keep a fine-tune from forgetting MNIST, and its guard), the features and labels of the
  1,000 training digits nearest the shipped model's decision boundaries (more targets for
  that distillation, and the guard's second check), and the features file's digest.

Run it again whenever the shipped ``.keras`` changes; it checks that heads on features give
the shipped probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from digitrec.personal import FEATURES_FILE, HEADS_FILE, Heads, file_digest
from digitrec.training.model import KERAS_PATH, MODELS_DIR, export_tflite

# 100 per class let a personal model lose 0.1-0.2 points of MNIST test on average; 300
# halved that (bench/personal_finetune.py --mnist) for 1.5 MB more in the heads file.
ANCHORS_PER_DIGIT = 300
# The boundary digits: the BOUNDARY_DIGITS least confidently read (top-two probability
# margin) of BOUNDARY_POOL training digits outside train.py's validation split. Distilled on
# beside the anchors, they hold the boundaries where MNIST digits flip. Chosen with
# bench/personal_finetune.py --mnist on the validation split (51 UNIPEN writers, the worst
# writer's model at N = 1 / 3 / 10): without them 0.12 / 0.18 / 0.25 points lost, with them
# and personal.GUARD_ANCHOR_CHANGES 0.07 / 0.08 / 0.08 (MNIST test, reported only: 0.15 /
# 0.15 / 0.17 -> 0.03 / 0.04 / 0.07), for 0.8 MB more in the heads file. As guard anchors,
# where no answer may change, they left the personal heads almost no share.
BOUNDARY_DIGITS = 1000
BOUNDARY_POOL = 24000
# Heads on int8-weight features against the float32 Keras graph: a few thousandths.
MAX_PROBABILITY_GAP = 0.02


def members(model: Any) -> list[Any]:
    """The averaged members of an ensemble, or ``[model]`` for a single CNN."""
    import keras

    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested or [model]


def last_dense(member: Any) -> Any:
    """The member's output layer: its last Dense layer, which must end in softmax."""
    import keras

    dense = [layer for layer in member.layers if isinstance(layer, keras.layers.Dense)]
    if not dense or dense[-1].activation is not keras.activations.softmax:
        raise ValueError(f"{member.name}: expected a last Dense layer with softmax")
    return dense[-1]


def features_model(model: Any) -> Any:
    """pixels -> every member's penultimate activations, concatenated (one graph)."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="pixels")
    outputs = []
    for index, member in enumerate(members(model)):
        trunk = keras.Model(member.inputs, last_dense(member).input, name=f"features_{index}")
        outputs.append(trunk(inputs))
    joined = outputs[0] if len(outputs) == 1 else layers.Concatenate(name="features")(outputs)
    return keras.Model(inputs, joined, name="digitrec_features")


def heads(model: Any) -> Heads:
    weights, biases = zip(*(last_dense(member).get_weights() for member in members(model)))
    return Heads(np.stack(weights).astype(np.float32), np.stack(biases).astype(np.float32))


def anchor_digits(
    images: np.ndarray, labels: np.ndarray, per_digit: int = ANCHORS_PER_DIGIT, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, class-balanced draw of the MNIST training digits ``images`` with ``labels``,
    made MNIST-like by ``to_mnist``."""
    from digitrec.parallel import to_mnist_many

    rng = np.random.default_rng(seed)
    picks = np.concatenate(
        [rng.choice(np.flatnonzero(labels == d), per_digit, replace=False) for d in range(10)]
    )
    digits, found = to_mnist_many(images[picks], workers=1)
    return digits[found], labels[picks][found]


def boundary_digits(
    extract: Callable[[np.ndarray], np.ndarray],
    head: Heads,
    images: np.ndarray,
    labels: np.ndarray,
    count: int = BOUNDARY_DIGITS,
    pool: int = BOUNDARY_POOL,
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The features and labels of the ``count`` digits of a random ``pool`` of the MNIST
    training digits ``images`` (never train.py's validation split) that ``head`` reads with
    the least margin between its top two probabilities."""
    from digitrec.parallel import to_mnist_many
    from digitrec.training.recipe import TrainConfig, split_train_validation

    config = TrainConfig()
    (train, train_labels), _ = split_train_validation(
        images, labels, config.validation_size, config.seed
    )
    picks = np.random.default_rng(seed).choice(len(train), min(pool, len(train)), replace=False)
    digits, found = to_mnist_many(train[picks])
    features = extract(digits[found])
    top_two = np.sort(head.probabilities(features), axis=1)[:, -2:]
    least_sure = np.argsort(top_two[:, 1] - top_two[:, 0])[:count]
    return features[least_sure], train_labels[picks][found][least_sure]


def export_features(
    keras_path: Path | None = None,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    per_digit: int = ANCHORS_PER_DIGIT,
    boundary: int = BOUNDARY_DIGITS,
    boundary_pool: int = BOUNDARY_POOL,
) -> tuple[Path, Path]:
    """Write the features model and the heads for ``keras_path`` (default: the shipped
    ``.keras``) into ``out_dir`` (default: ``models/``)."""
    import keras

    from digitrec.data import load_mnist
    from digitrec.interpreter import DigitClassifier

    model = keras.saving.load_model(keras_path or KERAS_PATH, compile=False)
    out_dir = Path(out_dir or MODELS_DIR)
    features_path, heads_path = out_dir / FEATURES_FILE, out_dir / HEADS_FILE
    export_tflite(features_model(model), features_path)
    head = heads(model)
    images, labels = load_mnist("train", path=data_dir)  # read once: anchors, boundary
    digits, anchor_labels = anchor_digits(images, labels, per_digit)
    # The features model has one output, so the generic runner returns the features.
    extract = DigitClassifier(features_path).probabilities
    anchors = extract(digits)
    gap = np.abs(head.probabilities(anchors) - model.predict(digits[..., None], verbose=0)).max()
    if gap > MAX_PROBABILITY_GAP:
        features_path.unlink()
        raise RuntimeError(
            f"heads on exported features differ from the model by {gap:.3f}: nothing written"
        )
    # Only once the features are known to match: picking them reads 24,000 digits.
    near_boundary, near_boundary_labels = boundary_digits(
        extract, head, images, labels, boundary, boundary_pool
    )
    np.savez(
        heads_path,
        weights=head.weights,
        biases=head.biases,
        anchor_features=anchors.astype(np.float16),
        anchor_labels=anchor_labels.astype(np.uint8),
        boundary_features=near_boundary.astype(np.float16),
        boundary_labels=near_boundary_labels.astype(np.uint8),
        features_digest=np.array(file_digest(features_path)),
    )
    return features_path, heads_path
