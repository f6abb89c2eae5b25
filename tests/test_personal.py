"""Personal fine-tuning: the features model and heads exported from the shipped .keras, the
numpy last-layer fine-tune, saving and loading a personal model, and the CLI commands."""

from __future__ import annotations

import dataclasses
import re
import shutil

import numpy as np
import pytest

from digitrec import FeedbackStore, PersonalModelError, Recognizer, personal
from digitrec.cli import main as cli
from digitrec.personal import BaseModel, Heads, finetune, fit_heads
from tests.browser_support import drawn_digit


@pytest.mark.slow
def test_heads_on_features_give_the_shipped_probabilities(base, recognizer, mnist_digits):
    images, labels = mnist_digits
    digits = np.stack([r.processed for r in recognizer.recognize_many(list(images))])
    shipped = np.array([r.probabilities for r in recognizer.classify(list(digits))])
    ours = base.heads.probabilities(base.features(digits))
    np.testing.assert_allclose(ours, shipped, atol=0.02)
    assert (ours.argmax(1) == labels).mean() >= 0.95
    assert base.anchor_features.shape == (300, base.heads.weights.shape[0] * 128)


@pytest.mark.slow
def test_the_boundary_digits_are_the_ones_the_shipped_heads_read_least_surely(base):
    def margins(features: np.ndarray) -> np.ndarray:
        top_two = np.sort(base.heads.probabilities(features), axis=1)[:, -2:]
        return top_two[:, 1] - top_two[:, 0]

    assert base.boundary_features.shape == (100, base.anchor_features.shape[1])
    # The least sure 5% of a pool of 2,000 training digits; the anchors are a random draw from
    # the same digits, so a random pick of boundary digits would reach the anchors' top margins.
    boundary, anchors = margins(base.boundary_features), margins(base.anchor_features)
    assert boundary.max() < np.percentile(anchors, 20)
    assert len(base.distilled_features) == len(base.anchor_features) + 100


def style_shift(recognizer: Recognizer) -> tuple[np.ndarray, np.ndarray]:
    """A writer whose 7s are the model's 1s: drawn 1s, all labelled 7 (a consistent style the
    shipped model cannot know), and drawn 0s labelled 0 to keep."""
    ones = [drawn_digit(1, brush) for brush in (14, 16, 18, 20, 22, 24, 26, 28)]
    zeros = [drawn_digit(0, brush) for brush in (14, 20, 26)]
    digits = np.stack([r.processed for r in recognizer.recognize_many(ones + zeros)])
    return digits, np.array([7] * len(ones) + [0] * len(zeros))


@pytest.mark.slow
def test_finetune_learns_a_style_against_mnist_only_unguarded(base, recognizer):
    digits, labels = style_shift(recognizer)
    guarded, report = finetune(base, digits[::2], labels[::2])
    # By default the writer's 7s, MNIST's 1s, may change at most one MNIST anchor's answer.
    assert guarded.share < 1.0 and report.personal_share == guarded.share
    anchors = base.anchor_features
    kept = guarded.probabilities(anchors).argmax(1) == base.heads.probabilities(anchors).argmax(1)
    assert (~kept).sum() <= personal.GUARD_ANCHOR_CHANGES
    heads, report = finetune(base, digits[::2], labels[::2], guard=False)
    assert heads.share == 1.0
    held_out = base.features(digits[1::2])
    assert (heads.probabilities(held_out).argmax(1) == labels[1::2]).mean() == 1.0
    assert report.samples_accuracy_after == 1.0 > report.samples_accuracy_before
    assert report.anchors_accuracy_after >= report.anchors_accuracy_before - 0.02
    assert report.per_digit[7] == 4 and report.trained_on == 6 * 9


def test_fit_heads_moves_towards_the_labels_and_stays_near_the_start():
    rng = np.random.default_rng(0)
    start = Heads(rng.normal(0, 0.1, (2, 8, 10)).astype(np.float32), np.zeros((2, 10), np.float32))
    features = rng.random((40, 16)).astype(np.float32)
    labels = np.full(40, 3)
    anchors = rng.random((20, 16)).astype(np.float32)
    seen = []
    heads = fit_heads(start, features, labels, anchors, progress=seen.append)
    assert (heads.probabilities(features).argmax(1) == 3).all()
    assert seen[-1] == 1.0
    tight = fit_heads(start, features, labels, anchors, l2_pull=10.0)
    assert np.abs(tight.weights - start.weights).max() < np.abs(heads.weights - start.weights).max()


def test_guarded_share_keeps_the_anchors_answers_and_the_boundary_digits_accuracy():
    rng = np.random.default_rng(1)
    shipped = Heads(rng.normal(0, 1, (1, 8, 10)).astype(np.float32), np.zeros((1, 10), np.float32))
    anchors, boundary = rng.random((50, 8)).astype(np.float32), rng.random((30, 8))
    expected = shipped.probabilities(anchors).argmax(1)
    # Boundary digits labelled as the shipped heads read them, but for three read wrongly.
    labels = shipped.probabilities(boundary).argmax(1)
    labels[:3] = (labels[:3] + 1) % 10

    def guard(fitted: Heads, labels: np.ndarray = labels) -> float:
        return personal.guarded_share(shipped, fitted, anchors, boundary, labels)

    def changed(fitted: Heads, share: float) -> int:
        blended = personal.PersonalHeads(fitted, shipped, share)
        return int((blended.probabilities(anchors).argmax(1) != expected).sum())

    # Heads that answer 3 for everything, more surely as the bias grows.
    for bias in (0.5, 2.0, 50.0):
        fitted = Heads(shipped.weights, np.eye(10, dtype=np.float32)[[3]] * bias)
        share = guard(fitted, np.full(30, 3))  # every boundary digit a 3: they would allow all
        assert changed(fitted, share) <= personal.GUARD_ANCHOR_CHANGES, bias
        if share < 1.0:  # the next larger share would have changed more anchors' answers
            larger = min(s for s in personal.GUARD_SHARES if s > share)
            assert changed(fitted, larger) > personal.GUARD_ANCHOR_CHANGES
    assert share < 1.0  # heads that answer 3 at any cost are held back
    assert guard(shipped) == 1.0


def test_guarded_share_keeps_the_boundary_digits_read_as_well_as_before():
    # Anchors lie along the first feature, boundary digits along the second; the fitted heads
    # keep the anchors' 0 but give the boundary digits, the shipped heads' 1s, 30% 1 and 70% 2.
    weights = np.zeros((1, 2, 10), np.float32)
    weights[0, 0, 0] = weights[0, 1, 1] = 20.0
    shipped = Heads(weights, np.zeros((1, 10), np.float32))
    fitted_weights = weights.copy()
    fitted_weights[0, 1, 2] = 20.0 + np.log(0.7 / 0.3)
    fitted = Heads(fitted_weights, np.zeros((1, 10), np.float32))
    anchors, boundary = np.tile([[1.0, 0.0]], (20, 1)), np.tile([[0.0, 1.0]], (5, 1))
    # The blend reads them as 1 while 0.3 s + (1 - s) > 0.7 s, that is for shares under 0.71.
    share = personal.guarded_share(shipped, fitted, anchors, boundary, np.full(5, 1))
    assert share == max(s for s in personal.GUARD_SHARES if s < 0.71)
    # Labelled 2, the same digits let the fitted heads answer alone.
    assert personal.guarded_share(shipped, fitted, anchors, boundary, np.full(5, 2)) == 1.0


def test_finetune_refuses_no_samples_and_bad_labels(tmp_path):
    fake = BaseModel.__new__(BaseModel)
    with pytest.raises(ValueError, match="no samples"):
        finetune(fake, np.zeros((0, 28, 28), np.uint8), np.zeros(0))
    with pytest.raises(ValueError, match="0..9"):
        finetune(fake, np.zeros((1, 28, 28), np.uint8), np.array([12]))


def test_without_the_features_model_the_error_says_what_to_run(tmp_path):
    with pytest.raises(PersonalModelError, match="export-features"):
        BaseModel.load(tmp_path)


@pytest.mark.slow
def test_heads_without_boundary_digits_are_refused_with_what_to_run(features_dir, tmp_path):
    shutil.copy(features_dir / personal.FEATURES_FILE, tmp_path)
    with np.load(features_dir / personal.HEADS_FILE) as saved:
        older = {k: saved[k] for k in saved.files if not k.startswith("boundary_")}
    np.savez(tmp_path / personal.HEADS_FILE, **older)
    with pytest.raises(PersonalModelError, match="predates the boundary digits.*export-features"):
        BaseModel.load(tmp_path)


@pytest.mark.slow
def test_learn_save_load_and_recognize_with_the_personal_model(base, recognizer, tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    digits, labels = style_shift(recognizer)
    store.add_many(list(digits), list(labels), source="canvas")
    report = personal.learn_handwriting(store, base, guard=False)
    path = personal.personal_path(store)
    assert path.is_file() and personal.personal_card(store)["samples"] == len(labels)
    assert report.samples_accuracy_after == 1.0
    mine = personal.load(path, base)
    assert (
        mine.heads.share == report.personal_share == personal.personal_card(store)["personal_share"]
    )
    mine = Recognizer(mine)
    assert mine.recognize(drawn_digit(1, 21)).digit == 7
    assert recognizer.recognize(drawn_digit(1, 21)).digit == 1
    assert personal.forget_personal_model(store) and not path.exists()


@pytest.mark.slow
def test_a_personal_model_for_another_features_model_is_refused(base, tmp_path):
    heads, report = finetune(base, np.full((1, 28, 28), 255, np.uint8), np.array([1]))
    path = personal.save(heads, report, tmp_path / "mine.npz")
    stale = dataclasses.replace(base, digest="0")
    with pytest.raises(PersonalModelError, match="fine-tune again"):
        personal.load(path, stale)


@pytest.mark.slow
def test_cli_finetune_writes_the_model_and_its_card(base, features_dir, tmp_path, capsys):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    assert cli(["finetune", "--db", str(store.path), "--features", str(features_dir)]) == 1
    assert "no samples" in capsys.readouterr().err
    digits, labels = style_shift(Recognizer.load())
    store.add_many(list(digits), list(labels))
    code = cli(["finetune", "--db", str(store.path), "--features", str(features_dir)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "11 samples" in out and str(personal.personal_path(store)) in out
    assert personal.personal_path(store).is_file()


@pytest.mark.slow
def test_cli_full_finetune_writes_a_servable_model(tmp_path, capsys, mnist_train):
    pytest.importorskip("keras")
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    digits, labels = style_shift(Recognizer.load())
    store.add_many(list(digits), list(labels))
    assert cli(["finetune", "--full", "--db", str(store.path)]) == 0
    out = capsys.readouterr().out
    model = tmp_path / "feedback-model-full.tflite"
    assert "every layer" in out and str(model) in out
    before, after = (float(x) for x in re.findall(r"([\d.]+)%", out.split("samples: ")[1])[:2])
    assert after >= before
    assert Recognizer.load(model).recognize(drawn_digit(0)).digit == 0
