"""Score a classifier on labelled digits with scikit-learn's metrics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score


def score(
    predict_probabilities: Callable[[np.ndarray], np.ndarray],
    digits: np.ndarray,
    labels: np.ndarray,
    found: np.ndarray | None = None,
    batch_size: int = 2048,
) -> dict:
    """Accuracy, per-class recall and confusion matrix of preprocessed ``digits``.

    ``found`` marks the images where preprocessing found a digit; the others count as
    wrong answers (predicted label -1), because a user would have got no answer either.
    """
    found = np.ones(len(digits), bool) if found is None else found
    predicted = np.full(len(digits), -1)
    chosen = np.flatnonzero(found)
    for start in range(0, len(chosen), batch_size):
        rows = chosen[start : start + batch_size]
        predicted[rows] = np.argmax(predict_probabilities(digits[rows]), axis=1)
    classes = list(range(10))
    return {
        "count": len(labels),
        "accuracy": float(accuracy_score(labels, predicted)),
        "no_digit_found": int((~found).sum()),
        "per_class_recall": [
            float(r)
            for r in recall_score(labels, predicted, labels=classes, average=None, zero_division=0)
        ],
        "confusion_matrix": confusion_matrix(labels, predicted, labels=classes).tolist(),
    }
