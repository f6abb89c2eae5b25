"""Run the exported CNN with the LiteRT interpreter: ~0.5 ms per digit (the three-member
ensemble), no TensorFlow import.

``model.predict`` costs ~65 ms of overhead per call and importing TensorFlow ~4 s; the
interpreter avoids both, which is what makes live feedback in the app possible.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # Windows has no LiteRT wheel; TensorFlow ships the same interpreter.
    from tensorflow.lite.python.interpreter import Interpreter

# The shipped model and its card. They live in models/ at the top of the repository; an
# installed package carries them as digitrec/models/ (pyproject.toml maps one onto the other).
MODEL_FILE = "digitrec_cnn.tflite"
CARD_FILE = "model_card.json"
# Digits per interpreter call: the activations of a few digits stay in the core's cache, where
# 256 at a time spill out of it (0.47 against 0.64 ms a digit, measured). A digit's
# probabilities do not depend on the others in its call (int8 activations are quantized per
# digit), so the split changes no output.
INVOKE_BATCH = 8


def shipped_model() -> Path:
    """The shipped ``.tflite`` file: inside the installed package, else in the checkout's
    ``models/`` (a source checkout or an editable install has no ``digitrec/models/``)."""
    packaged = resources.files("digitrec") / "models" / MODEL_FILE
    if packaged.is_file():
        return Path(str(packaged))  # pip installs packages unzipped: a real file
    return Path(__file__).resolve().parent.parent / "models" / MODEL_FILE


class DigitClassifier:
    """Thread-safe batched inference on 28x28 uint8 digits.

    ``path`` is a ``.tflite`` file; None means the shipped model.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = shipped_model() if path is None else Path(path)
        if not self.path.is_file():
            if path is None:
                raise FileNotFoundError(
                    f"the shipped model is missing ({self.path}): reinstall digitrec, or in a "
                    "source checkout train one with `python train.py`"
                )
            problem = "is a directory, not a .tflite file" if self.path.is_dir() else "not found"
            raise FileNotFoundError(f"model {problem}: {self.path}")
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=1)
        pixels = self._interpreter.get_input_details()[0]
        self._input, self._batch = pixels["index"], int(pixels["shape"][0])
        self._output = self._interpreter.get_output_details()[0]["index"]
        with quiet_stderr():
            self._interpreter.allocate_tensors()
        self._lock = threading.Lock()

    def probabilities(self, digits: np.ndarray) -> np.ndarray:
        """(N, 28, 28) uint8 -> (N, 10) float probabilities, INVOKE_BATCH digits per call."""
        digits = np.asarray(digits)
        if digits.ndim != 3 or digits.shape[1:] != (28, 28):
            raise ValueError(f"expected digits of shape (N, 28, 28), got {digits.shape}")
        if len(digits) == 0:
            return np.zeros((0, 10), np.float32)
        pixels = digits.astype(np.float32)[..., np.newaxis]
        with self._lock:
            return np.concatenate(
                [
                    self._invoke(pixels[start : start + INVOKE_BATCH])
                    for start in range(0, len(pixels), INVOKE_BATCH)
                ]
            )

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        """One interpreter call on (n, 28, 28, 1) float pixels; the caller holds the lock."""
        if len(batch) != self._batch:
            self._interpreter.resize_tensor_input(self._input, batch.shape)
            self._interpreter.allocate_tensors()
            self._batch = len(batch)
        self._interpreter.set_tensor(self._input, batch)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output).copy()


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send what native code writes to stderr (file descriptor 2) to the null device.

    LiteRT announces "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." from C++ when
    the first model of a process is allocated, and TensorFlow prints start-up lines when it
    is imported; no setting turns those off (TF_CPP_MIN_LOG_LEVEL does not reach them). Kept
    to those moments: errors raise Python exceptions that carry their own message.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
