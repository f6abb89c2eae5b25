"""Score the recognizer's classifier on labelled, already preprocessed digits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digitrec.metrics import CLASSES, NO_DIGIT, classification_metrics


def score(
    predict_probabilities: Callable[[np.ndarray], np.ndarray],
    digits: np.ndarray,
    labels: np.ndarray,
    found: np.ndarray | None = None,
    batch_size: int = 2048,
) -> dict:
    """Accuracy, per-class recall and confusion matrix of preprocessed ``digits``.

    ``found`` marks the images where preprocessing found a digit; the others count as
    wrong answers, because a user would have got no answer either. The metrics are those
    of :func:`digitrec.metrics.classification_metrics`, which the comparison uses too.
    """
    found = np.ones(len(digits), bool) if found is None else found
    predicted = np.full(len(digits), NO_DIGIT)
    chosen = np.flatnonzero(found)
    for start in range(0, len(chosen), batch_size):
        rows = chosen[start : start + batch_size]
        predicted[rows] = np.argmax(predict_probabilities(digits[rows]), axis=1)
    metrics = classification_metrics(labels, predicted)
    return {
        "count": len(labels),
        "accuracy": metrics["accuracy"],
        "no_digit_found": metrics["no_digit"],
        "per_class_recall": metrics["per_class"]["sensitivity"],
        # Predicted digits only: "no digit found" shows in no_digit_found.
        "confusion_matrix": [row[: len(CLASSES)] for row in metrics["confusion"]],
    }
