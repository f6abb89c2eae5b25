"""The CNN: its architecture, and its export to the LiteRT (TFLite) form the app serves.

Keras is imported inside the functions: only training and comparison need it, while the
recognizer runs on the light LiteRT interpreter (see :mod:`digitrec.interpreter`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from digitrec.interpreter import quiet_stderr
from digitrec.training import REPO_ROOT

MODELS_DIR = REPO_ROOT / "models"
KERAS_FILE = "digitrec_cnn.keras"  # beside interpreter.MODEL_FILE, the .tflite that is served
KERAS_PATH = MODELS_DIR / KERAS_FILE


def import_keras_quietly() -> Any:
    """Keras, with TensorFlow imported first without its start-up lines on stderr.

    TensorFlow prints oneDNN and CPU-feature notices when it is imported, before its own log
    level applies. TF_CPP_MIN_LOG_LEVEL=3 (unless set otherwise) keeps its C++ log quiet
    after that too: it logs a harmless version mismatch at ERROR level ("NodeDef mentions
    attribute use_unbounded_threadpool ...") when Keras predicts. Failures still raise
    Python exceptions that carry their message.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with quiet_stderr():
            import tensorflow  # noqa: F401
    import keras

    return keras


def build_cnn(
    width: int = 32, dense: int = 128, dropout: float = 0.4, depth: int = 1, seed: int = 0
) -> Any:
    """A small VGG-style CNN with batch normalization and dropout.

    Three conv blocks (width, 2x, 4x filters) of ``depth`` conv layers each, each block
    followed by max-pooling, then one dense layer. Input: (28, 28, 1) pixels on the 0..255
    scale; output: 10 softmax probabilities. The recipe uses depth 2 (99.43% on validation
    for one model against 99.25% at depth 1, for four times the arithmetic: about 38 s an
    epoch on a 2-core CPU).
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)

    def conv_block(x, filters):
        for _ in range(depth):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
        return x

    inputs = keras.Input((28, 28, 1), name="pixels")
    x = layers.Rescaling(1.0 / 255.0)(inputs)
    x = conv_block(x, width)
    x = layers.MaxPooling2D()(x)
    x = conv_block(x, 2 * width)
    x = layers.MaxPooling2D()(x)
    x = conv_block(x, 4 * width)
    x = layers.MaxPooling2D(padding="same")(x)  # 4x4 maps keep the dense layer (and file) small
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(dense, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitrec_cnn")


def compile_for_training(model: Any, learning_rate: Any) -> None:
    """Adam on the cross-entropy of integer labels, reporting accuracy.

    XLA stays off: it ran these small convolutions 2.5x slower on a 2-core CPU (measured).
    ``learning_rate`` is a number or a Keras schedule.
    """
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )


def export_tflite(model: Any, path: Path) -> int:
    """Write ``model`` as a TFLite flatbuffer with int8 weights; returns its size in bytes.

    Dynamic-range quantization: weights stored as int8, activations quantized on the fly by
    LiteRT's XNNPACK kernels. On the three deep CNNs it read validation, noisy validation and
    the 9,835 UNIPEN digits the same as float16 weights (to 0.01%), in half the file
    (1.7 MB) and a third of the time per digit (docs/accuracy-experiments.md).
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    flatbuffer = converter.convert()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(flatbuffer)
    return len(flatbuffer)


def average_members(members: list[Any]) -> Any:
    """One model whose output is the mean of the members' probabilities (one member: itself).

    Served as one TFLite graph, so the ensemble costs one interpreter call per batch.
    """
    if len(members) == 1:
        return members[0]
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="pixels")
    outputs = []
    for index, member in enumerate(members):
        member.name = f"member_{index}"
        outputs.append(member(inputs))
    averaged = layers.Average(name="probabilities")(outputs)
    return keras.Model(inputs, averaged, name="digitrec_cnn_ensemble")
