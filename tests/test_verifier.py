"""The number verifier: one whole digit told from a merged pair or a piece of one.

Its fit labels each candidate by whose ink it holds; the reading of numbers adds its
log-odds to each candidate's cost, so a pair the model reads as one sure digit is read as two.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from digitrec import Recognizer
from digitrec.cli import main
from digitrec.interpreter import MODEL_FILE
from digitrec.personal import FEATURES_FILE, models_dir
from digitrec.training import number_renders
from digitrec.training.number_verifier import candidate_labels
from digitrec.verifier import VERIFIER_FILE, DigitVerifier, VerifierError
from tests.images import number_canvas as canvas
from tests.images import pen, written


@pytest.mark.parametrize(
    "digits, touching, seed", [((3, 1, 7), False, 1), ((2, 3), True, 0), ((4, 5, 0), False, 3)]
)
def test_whole_digits_score_above_merged_pairs_and_pieces(recognizer, digits, touching, seed):
    number = written([pen(d) for d in digits], seed=seed, touching=touching)
    assert number.touching == touching
    image, placement = number_renders.placed_on_canvas(number, np.random.default_rng(seed))
    found, labels = candidate_labels(number, image, placement)
    # Every digit is offered whole, and some candidates are not digits.
    assert (labels == 1).sum() == len(digits) and (labels == 0).any()
    probabilities = recognizer.probabilities(np.stack([c.processed for c in found.candidates]))
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    scores = DigitVerifier.load().wholeness(found.candidates, probabilities)
    # Every whole digit above every merged pair or piece; most of those below even odds (a
    # digit carrying a sliver of its neighbour may score above them, but not above the digit).
    assert scores[labels == 1].min() > scores[labels == 0].max()
    assert np.mean(scores[labels == 0] < 0) >= 0.9


@pytest.mark.parametrize("seed, label", [(2, "8212"), (42, "0764")])
def test_a_touching_pair_the_model_reads_as_one_digit_is_read_as_two(recognizer, seed, label):
    """Without the verifier these were read one digit short ("822", "064"): the model is
    sure of the merged pair as one digit."""
    labels = np.random.default_rng(seed).integers(0, 10, 4)
    number = written([pen(int(d)) for d in labels], seed=seed, touching=True)
    assert number.touching and number.label == label
    assert recognizer.read_number(canvas(number, seed)).number == label


@pytest.fixture
def model_copy(tmp_path):
    """The shipped model and features model in a folder of their own, with no verifier."""
    for name in (MODEL_FILE, FEATURES_FILE):
        shutil.copy(models_dir() / name, tmp_path / name)
    return tmp_path


def test_export_verifier_fits_one_the_recognizer_uses(model_copy, mnist_train, capsys):
    assert Recognizer.load(model_copy / MODEL_FILE)._verifier is None
    assert main(["export-verifier", "--models", str(model_copy), "--numbers", "1"]) == 0
    assert "held-out AUC" in capsys.readouterr().out
    recognizer = Recognizer.load(model_copy / MODEL_FILE)
    assert isinstance(recognizer._verifier, DigitVerifier)
    number = written([pen(4), pen(2)], seed=4)
    assert recognizer.read_number(canvas(number)).number == "42"


def test_a_verifier_fitted_on_another_features_model_is_refused(model_copy):
    shipped = np.load(models_dir() / VERIFIER_FILE)
    np.savez(model_copy / VERIFIER_FILE, **{**shipped, "features_digest": "0" * 16})
    with pytest.raises(VerifierError, match="export-verifier"):
        DigitVerifier.load(model_copy)
    (model_copy / FEATURES_FILE).unlink()
    with pytest.raises(VerifierError, match="not installed"):
        DigitVerifier.load(model_copy)
