"""How sure we are that a candidate of a number is one whole digit: not a merged pair, not a piece.

The CNN answers "which digit?" with confidence even when shown two touching digits ("31"
read as a sure 3) or half of one (a 4's stem read as a 1), so the segmentation's
:func:`digitrec.segment.decode` could not tell a reading one digit short, or one too
many, from the right one. The verifier is a logistic regression over what the shipped
features model sees in the candidate (its penultimate activations), the model's
probabilities and the candidate's shape; ``decode`` adds its log-odds to each candidate's
cost. It is fitted on numbers written with MNIST *training* digits, each candidate labelled
by whose ink it holds (``python -m digitrec export-verifier``, training requirements).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitrec.interpreter import DigitClassifier
from digitrec.personal import fitted_on_features, models_dir
from digitrec.segment import Candidate

VERIFIER_FILE = "digitrec_verifier.npz"
# Probabilities are floored here before their logarithm: the model's outputs reach 1e-30,
# and the verifier only needs to know they are negligible.
PROBABILITY_FLOOR = 1e-6


class VerifierError(RuntimeError):
    """The verifier or the features model it was fitted on is missing or does not match."""


def verifier_inputs(
    candidates: Sequence[Candidate], probabilities: np.ndarray, features: np.ndarray
) -> np.ndarray:
    """(N, 5 + 10 + F) inputs: each candidate's shape (width, height, widest gap, in digit
    heights), the log of the model's top probability and its entropy, the log of all ten
    probabilities, and the features model's activations."""
    p = np.asarray(probabilities, np.float64)
    logs = np.log(np.maximum(p, PROBABILITY_FLOOR))
    shape = np.array([(c.width, c.height, c.gap) for c in candidates], np.float64)
    top = logs.max(axis=1, keepdims=True)
    entropy = -(p * logs).sum(axis=1, keepdims=True)
    return np.hstack([shape.reshape(len(p), 3), top, entropy, logs, features]).astype(np.float32)


@dataclass(frozen=True)
class DigitVerifier:
    """The features model and the regression's weights (standardisation folded in)."""

    extractor: DigitClassifier
    weights: np.ndarray
    bias: float

    @classmethod
    def load(cls, folder: str | os.PathLike | None = None) -> DigitVerifier:
        """The verifier beside the shipped model (or in ``folder``)."""
        folder = models_dir() if folder is None else Path(folder)
        features, saved = fitted_on_features(
            folder, VERIFIER_FILE, "the number verifier", "export-verifier", VerifierError
        )
        weights, bias = saved["weights"].astype(np.float32), float(saved["bias"])
        return cls(DigitClassifier(features), weights, bias)

    @classmethod
    def in_folder(cls, folder: str | os.PathLike) -> DigitVerifier | None:
        """The verifier fitted in ``folder`` (a custom model's), if one was."""
        return cls.load(folder) if (Path(folder) / VERIFIER_FILE).is_file() else None

    def wholeness(self, candidates: Sequence[Candidate], probabilities: np.ndarray) -> np.ndarray:
        """(N,) log-odds that each candidate is one whole digit, in one features-model call."""
        if len(candidates) == 0:
            return np.zeros(0, np.float32)
        features = self.extractor.probabilities(np.stack([c.processed for c in candidates]))
        return verifier_inputs(candidates, probabilities, features) @ self.weights + self.bias
