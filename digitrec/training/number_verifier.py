"""Fit the number verifier (:mod:`digitrec.verifier`) on numbers of MNIST training digits.

Numbers of 1 to 8 MNIST *training* digits are written (:mod:`number_renders`) on the wide
canvas and on paper, apart and with one touching pair, and segmented as ``read_number``
does. Each candidate is labelled by whose ink its atoms hold, known from the digits' own
inks: one whole digit (nearly all its ink from one digit, nearly all of that digit's ink)
or not (a merged pair, a piece); the in-between are left out. A logistic regression over
:func:`digitrec.verifier.verifier_inputs` learns to tell them apart, and is saved with its
standardisation folded into the weights, tied to the features model it saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitrec import segment
from digitrec.data import load_mnist
from digitrec.imageio import load_grey
from digitrec.interpreter import DigitClassifier
from digitrec.personal import FEATURES_FILE, file_digest
from digitrec.training import number_renders
from digitrec.verifier import VERIFIER_FILE, verifier_inputs

# A candidate is one whole digit when at least WHOLE of its ink is one digit's and it holds
# at least WHOLE of that digit's ink; it is not when less than MIXED of its ink is one
# digit's (a merged pair) or it holds less than PIECE of the digit (a piece). A cut between
# touching digits never parts their inks exactly: those in between teach nothing clear.
WHOLE = 0.85
MIXED = 0.7
PIECE = 0.6
# A digit's ink is widened by this many pixels of its frame before atoms are matched to it:
# the picture's ink is blurred, thresholded and sometimes shrunk.
INK_REACH = 2
# Numbers per medium, length (1 to 8) and kind (apart, one touching pair). 50 gave a
# held-out AUC of 0.99 and read as many numbers as 90 did (1,800 other numbers of MNIST
# training digits: 83.3% exact with either; 900 of UNIPEN writers: 81.9% against 81.7%).
NUMBERS = 50
MAX_LENGTH = 8
# Inverse L2 strength of the regression: 0.1 and 1 read the same numbers.
REGULARISATION = 1.0


@dataclass(frozen=True)
class VerifierReport:
    """What the fit saw: candidates kept, of them whole digits, and its held-out AUC."""

    candidates: int
    whole: int
    held_out_auc: float


def candidate_labels(
    number: number_renders.NumberInk, picture, placement: number_renders.Placement
) -> tuple[segment.Segmentation, np.ndarray]:
    """The picture's segmentation and each candidate's label: 1 one whole digit, 0 not,
    -1 in between."""
    writing = segment.find_writing(load_grey(picture))
    if isinstance(writing, segment.Segmentation):
        return writing, np.zeros(0, int)
    found = segment._candidates(writing)
    marks = writing.marks
    _, atom_map, _ = segment._atoms(marks, segment._slant(marks))
    reach = np.ones((2 * INK_REACH + 1, 2 * INK_REACH + 1), np.uint8)
    inks = [cv2.dilate((part > 0.02).astype(np.uint8), reach) for part in number.parts]
    (left, top), (scale_x, scale_y) = placement.origin, placement.scale
    height, width = inks[0].shape
    share = np.zeros((found.atoms, len(inks)))  # each atom's ink, by digit
    for atom in range(found.atoms):
        rows, cols = np.nonzero(atom_map == atom + 1)
        x = (writing.offset[0] + (cols + 0.5) / writing.factor - left) / scale_x
        y = (writing.offset[1] + (rows + 0.5) / writing.factor - top) / scale_y
        x, y = np.round(x).astype(int), np.round(y).astype(int)
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        hits = np.array([ink[y[inside], x[inside]].sum() for ink in inks], np.float64)
        if hits.sum() > 0:
            share[atom] = len(rows) * hits / hits.sum()
    per_digit = share.sum(axis=0)
    labels = []
    for candidate in found.candidates:
        held = share[candidate.start : candidate.stop].sum(axis=0)
        main = int(np.argmax(held))
        purity = held[main] / max(held.sum(), 1e-9)
        cover = held[main] / max(per_digit[main], 1e-9)
        if purity >= WHOLE and cover >= WHOLE:
            labels.append(1)
        elif purity < MIXED or cover < PIECE:
            labels.append(0)
        else:
            labels.append(-1)
    return found, np.array(labels, int)


def training_rows(
    classifier: DigitClassifier,
    features: DigitClassifier,
    numbers: int,
    rng: np.random.Generator,
    data_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Verifier inputs and labels from ``numbers`` numbers per medium, length and kind."""
    images, digit_labels = load_mnist("train", data_dir)
    inputs, labels = [], []
    for medium in ("canvas", "paper"):
        for length in range(1, MAX_LENGTH + 1):
            for touching in (False, True) if length > 1 else (False,):
                made = 0
                while made < numbers:
                    number = _written(images, digit_labels, medium, length, touching, rng)
                    if number.touching != touching:
                        continue  # the pair meant to touch did not
                    made += 1
                    if medium == "canvas":
                        transparent = bool(rng.random() < 0.5)
                        picture, at = number_renders.placed_on_canvas(number, rng, transparent)
                    else:
                        picture, at = number_renders.placed_on_paper(number, rng)
                    found, marked = candidate_labels(number, picture, at)
                    if not found.candidates:
                        continue
                    digits = np.stack([c.processed for c in found.candidates])
                    probabilities = classifier.probabilities(digits).astype(np.float64)
                    probabilities /= probabilities.sum(axis=1, keepdims=True)
                    seen = features.probabilities(digits)
                    inputs.append(verifier_inputs(found.candidates, probabilities, seen))
                    labels.append(marked)
    return np.concatenate(inputs), np.concatenate(labels)


def fit_verifier(
    models: str | Path,
    numbers: int = NUMBERS,
    seed: int = 0,
    data_dir: str | Path | None = None,
) -> VerifierReport:
    """Fit the verifier for the model and features model in the folder ``models``, and
    write it there beside them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    from digitrec.interpreter import MODEL_FILE

    models = Path(models)
    rng = np.random.default_rng(seed)
    classifier = DigitClassifier(models / MODEL_FILE)
    features = DigitClassifier(models / FEATURES_FILE)
    inputs, labels = training_rows(classifier, features, numbers, rng, data_dir)
    clear = labels >= 0
    inputs, labels = inputs[clear], labels[clear]
    held_out = rng.random(len(labels)) < 0.2
    scaler = StandardScaler().fit(inputs[~held_out])
    check = LogisticRegression(C=REGULARISATION, max_iter=5000)
    check.fit(scaler.transform(inputs[~held_out]), labels[~held_out])
    scores = check.decision_function(scaler.transform(inputs[held_out]))
    auc = float(roc_auc_score(labels[held_out], scores))
    scaler = StandardScaler().fit(inputs)
    regression = LogisticRegression(C=REGULARISATION, max_iter=5000)
    regression.fit(scaler.transform(inputs), labels)
    weights = regression.coef_[0] / scaler.scale_
    bias = float(regression.intercept_[0] - np.dot(weights, scaler.mean_))
    np.savez(
        models / VERIFIER_FILE,
        weights=weights.astype(np.float32),
        bias=np.float32(bias),
        features_digest=file_digest(models / FEATURES_FILE),
    )
    return VerifierReport(len(labels), int(labels.sum()), auc)


def _written(images, digit_labels, medium, length, touching, rng) -> number_renders.NumberInk:
    """A number of ``length`` random MNIST digits as a person writes it on ``medium``."""
    height, brush = number_renders.pen_for(medium, max(length, 2), rng, mnist_ink=True)
    picks = rng.choice(len(images), max(length, 2), replace=False)
    number = number_renders.mnist_number(
        images[picks], digit_labels[picks], rng, touching, height, brush
    )
    return number.alone(0) if length == 1 else number
