"""Per-class and macro classification metrics, with "no digit found" counted as wrong.

Everything is read from the confusion matrix, in numpy: the runtime ``evaluate`` command
needs no scikit-learn (whose metrics are the oracle of the tests). When preprocessing finds
no digit the prediction is :data:`NO_DIGIT`, an eleventh column of the confusion matrix: a
miss for the true class, never a false positive for another.
"""

from __future__ import annotations

import numpy as np

CLASSES: tuple[int, ...] = tuple(range(10))
# Prediction recorded when to_mnist found no digit in the image.
NO_DIGIT = 10


def confusion_with_no_digit(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """10x11 confusion matrix: rows true digit 0..9, columns predicted 0..9 then "no digit".

    Parameters
    ----------
    y_true : (N,) true digits 0..9.
    y_pred : (N,) predicted digits 0..9, or :data:`NO_DIGIT`.
    """
    y_true, y_pred = _validated(y_true, y_pred)
    columns = len(CLASSES) + 1
    counts = np.bincount(y_true * columns + y_pred, minlength=len(CLASSES) * columns)
    return counts.reshape(len(CLASSES), columns)


def specificity_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """Per-class specificity TN / (TN + FP) from a confusion matrix (rows true, columns predicted).

    Columns beyond the rows (such as "no digit") count as predictions of none of the classes.

    Parameters
    ----------
    matrix : (K, M) counts with M >= K; entry [i, j] = images of class i predicted as j.

    Returns
    -------
    (K,) float array; NaN for a class without negatives.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[1] < matrix.shape[0]:
        raise ValueError(f"expected a (K, M>=K) confusion matrix, got shape {matrix.shape}")
    classes = matrix.shape[0]
    true_positive = np.diag(matrix[:, :classes])
    false_positive = matrix[:, :classes].sum(axis=0) - true_positive
    negatives = matrix.sum() - matrix.sum(axis=1)
    true_negative = negatives - false_positive
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(negatives > 0, true_negative / negatives, np.nan)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Accuracy, per-class and macro sensitivity, specificity, precision and F1.

    Parameters
    ----------
    y_true : (N,) true digits 0..9.
    y_pred : (N,) predicted digits 0..9, or :data:`NO_DIGIT` when no digit was found.

    Returns
    -------
    dict with ``accuracy``, ``no_digit`` (count), ``per_class`` (lists of 10 floats for
    ``sensitivity``, ``specificity``, ``precision``, ``f1``, and ``support``), ``macro``
    (the unweighted means over the classes) and ``confusion`` (10x11 nested list).
    """
    matrix = confusion_with_no_digit(y_true, y_pred)
    true_positive = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    predicted = matrix[:, : len(CLASSES)].sum(axis=0)
    # A class never predicted (or never present) scores 0, as scikit-learn's zero_division=0.
    recall = _ratio(true_positive, support)
    precision = _ratio(true_positive, predicted)
    f1 = _ratio(2 * precision * recall, precision + recall)
    specificity = specificity_from_confusion(matrix)
    per_class = {
        "sensitivity": recall.tolist(),
        "specificity": specificity.tolist(),
        "precision": precision.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
    }
    macro = {name: float(np.nanmean(per_class[name])) for name in per_class if name != "support"}
    total = int(matrix.sum())
    return {
        "accuracy": float(true_positive.sum() / total) if total else 0.0,
        "no_digit": int(matrix[:, NO_DIGIT].sum()),
        "per_class": per_class,
        "macro": macro,
        "confusion": matrix.tolist(),
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros(len(numerator), np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _validated(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"expected as many predictions as labels, got {y_pred.size} and {y_true.size}"
        )
    if y_true.size and (y_true.min() < 0 or y_true.max() > 9):
        raise ValueError(f"expected true labels 0..9, got range {y_true.min()}..{y_true.max()}")
    if y_pred.size and (y_pred.min() < 0 or y_pred.max() > NO_DIGIT):
        raise ValueError(
            f"expected predictions 0..9 or {NO_DIGIT} (no digit), got range "
            f"{y_pred.min()}..{y_pred.max()}"
        )
    return y_true, y_pred
