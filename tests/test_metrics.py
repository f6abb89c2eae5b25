"""Sensitivity, specificity, precision and F1 against a confusion matrix worked out by hand."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

from digitrec.metrics import (
    NO_DIGIT,
    classification_metrics,
    confusion_with_no_digit,
    specificity_from_confusion,
)

# Nine images of digits 0, 1 and 2; one 1 where preprocessing found no digit.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
Y_PRED = np.array([0, 0, 1, 1, NO_DIGIT, 2, 2, 0, 2])
# By hand, per class (TP, FN, FP, TN):
#   0: TP 2, FN 1 (read as 1), FP 1 (a 2 read as 0), negatives 6 -> TN 5
#   1: TP 1, FN 1 (no digit),  FP 1 (a 0 read as 1), negatives 7 -> TN 6
#   2: TP 3, FN 1 (read as 0), FP 0,                 negatives 5 -> TN 5
#   3..9: no images and never predicted: TN 9, specificity 1
SENSITIVITY = [2 / 3, 1 / 2, 3 / 4] + [0.0] * 7
SPECIFICITY = [5 / 6, 6 / 7, 5 / 5] + [1.0] * 7
PRECISION = [2 / 3, 1 / 2, 3 / 3] + [0.0] * 7


def test_confusion_matrix_has_a_no_digit_column():
    matrix = confusion_with_no_digit(Y_TRUE, Y_PRED)
    assert matrix.shape == (10, 11)
    assert matrix[:3, [0, 1, 2, NO_DIGIT]].tolist() == [[2, 1, 0, 0], [0, 1, 0, 1], [1, 0, 3, 0]]
    assert matrix.sum() == len(Y_TRUE)


def test_per_class_metrics_match_the_hand_computed_values():
    scores = classification_metrics(Y_TRUE, Y_PRED)
    per_class = scores["per_class"]
    assert per_class["sensitivity"] == pytest.approx(SENSITIVITY)
    assert per_class["specificity"] == pytest.approx(SPECIFICITY)
    assert per_class["precision"] == pytest.approx(PRECISION)
    f1 = [
        2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(PRECISION, SENSITIVITY, strict=True)
    ]
    assert per_class["f1"] == pytest.approx(f1)
    assert per_class["support"] == [3, 2, 4] + [0] * 7


def test_accuracy_counts_no_digit_as_wrong_and_macro_is_the_plain_mean():
    scores = classification_metrics(Y_TRUE, Y_PRED)
    assert scores["accuracy"] == pytest.approx(6 / 9)
    assert scores["no_digit"] == 1
    assert scores["macro"]["sensitivity"] == pytest.approx(np.mean(SENSITIVITY))
    assert scores["macro"]["specificity"] == pytest.approx(np.mean(SPECIFICITY))


def test_specificity_agrees_with_sklearn_per_class_counts():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 500)
    y_pred = np.where(rng.random(500) < 0.7, y_true, rng.integers(0, 11, 500))
    counts = multilabel_confusion_matrix(y_true, y_pred, labels=list(range(10)))
    tn, fp = counts[:, 0, 0], counts[:, 0, 1]
    expected = tn / (tn + fp)
    matrix = confusion_with_no_digit(y_true, y_pred)
    assert specificity_from_confusion(matrix) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numpy_metrics_agree_with_scikit_learn(seed):
    # scikit-learn is the oracle; digitrec.metrics computes the same in numpy so that the
    # runtime `evaluate` does without it. Digit 9 is never predicted in one case.
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 10, 400)
    y_pred = np.where(rng.random(400) < 0.6, y_true, rng.integers(0, 11, 400))
    if seed == 2:
        y_pred[y_pred == 9] = NO_DIGIT
    scores = classification_metrics(y_true, y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(10)), zero_division=0
    )
    assert scores["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert scores["per_class"]["precision"] == pytest.approx(precision.tolist())
    assert scores["per_class"]["sensitivity"] == pytest.approx(recall.tolist())
    assert scores["per_class"]["f1"] == pytest.approx(f1.tolist())
    assert scores["per_class"]["support"] == support.tolist()
    expected = confusion_matrix(y_true, y_pred, labels=list(range(11)))[:10]
    assert scores["confusion"] == expected.tolist()
    assert scores["no_digit"] == int(np.sum(y_pred == NO_DIGIT))


def test_metrics_need_no_scikit_learn():
    code = (
        "import sys, numpy as np; from digitrec.metrics import classification_metrics;"
        "classification_metrics(np.arange(10), np.arange(10)); print('sklearn' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_specificity_of_a_square_two_class_matrix():
    # 8 true negatives, 2 false positives for class 1 -> 0.8; class 0 mirrored -> 5 / 6.
    matrix = np.array([[8, 2], [1, 5]])
    assert specificity_from_confusion(matrix) == pytest.approx([5 / 6, 8 / 10])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 1], [0], "as many predictions as labels"),
        ([0, 11], [0, 1], "true labels 0..9"),
        ([0, 1], [0, 12], "predictions 0..9 or 10"),
    ],
)
def test_bad_labels_are_refused(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        classification_metrics(np.array(y_true), np.array(y_pred))


def test_specificity_refuses_a_matrix_with_fewer_columns_than_rows():
    with pytest.raises(ValueError, match=r"\(K, M>=K\)"):
        specificity_from_confusion(np.ones((3, 2)))
