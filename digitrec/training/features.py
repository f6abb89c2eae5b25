"""Export the features model and heads that personal fine-tuning needs (``digitrec.personal``).

    python -m digitrec export-features [--keras models/digitrec_cnn.keras] [--out models/]

From the saved ensemble (or a single CNN), writes

- ``digitrec_features.tflite``: pixels (N, 28, 28, 1) on 0..255 -> the penultimate
  activations of every member (the input of its last dense layer), concatenated;
- ``digitrec_heads.npz``: every member's last dense layer (``weights`` (M, F, 10),
  ``biases`` (M, 10)), the features of 300 MNIST training digits per class (the anchors that
  keep a fine-tune from forgetting MNIST), and the features file's digest.

Run it again whenever the shipped ``.keras`` changes; it checks that heads on features give
the shipped probabilities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from digitrec.personal import FEATURES_FILE, HEADS_FILE, Heads, file_digest
from digitrec.training.model import KERAS_PATH, MODELS_DIR, export_tflite

# 100 per class let a personal model lose 0.1-0.2 points of MNIST test on average; 300
# halved that (bench/personal_finetune.py --mnist) for 1.5 MB more in the heads file.
ANCHORS_PER_DIGIT = 300
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
    per_digit: int = ANCHORS_PER_DIGIT, data_dir: Path | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, class-balanced draw of MNIST training digits, made MNIST-like by ``to_mnist``."""
    from digitrec.data import load_mnist
    from digitrec.parallel import to_mnist_many

    images, labels = load_mnist("train", path=data_dir)
    rng = np.random.default_rng(seed)
    picks = np.concatenate(
        [rng.choice(np.flatnonzero(labels == d), per_digit, replace=False) for d in range(10)]
    )
    digits, found = to_mnist_many(images[picks], workers=1)
    return digits[found], labels[picks][found]


def export_features(
    keras_path: Path | None = None,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    per_digit: int = ANCHORS_PER_DIGIT,
) -> tuple[Path, Path]:
    """Write the features model and the heads for ``keras_path`` (default: the shipped
    ``.keras``) into ``out_dir`` (default: ``models/``)."""
    import keras

    from digitrec.interpreter import DigitClassifier

    model = keras.saving.load_model(keras_path or KERAS_PATH, compile=False)
    out_dir = Path(out_dir or MODELS_DIR)
    features_path, heads_path = out_dir / FEATURES_FILE, out_dir / HEADS_FILE
    export_tflite(features_model(model), features_path)
    head = heads(model)
    digits, labels = anchor_digits(per_digit, data_dir)
    # The features model has one output, so the generic runner returns the features.
    anchors = DigitClassifier(features_path).probabilities(digits)
    gap = np.abs(head.probabilities(anchors) - model.predict(digits[..., None], verbose=0)).max()
    if gap > MAX_PROBABILITY_GAP:
        features_path.unlink()
        raise RuntimeError(
            f"heads on exported features differ from the model by {gap:.3f}: nothing written"
        )
    np.savez(
        heads_path,
        weights=head.weights,
        biases=head.biases,
        anchor_features=anchors.astype(np.float16),
        anchor_labels=labels.astype(np.uint8),
        features_digest=np.array(file_digest(features_path)),
    )
    return features_path, heads_path
