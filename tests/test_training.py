"""The training recipe end to end on a few hundred digits (one short epoch)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitrec import Recognizer
from digitrec.training import augment
from digitrec.training.recipe import FAST, TrainConfig, split_train_validation

REPO = Path(__file__).resolve().parent.parent


def test_split_is_disjoint_and_seeded():
    images, labels = np.arange(100)[:, None], np.arange(100) % 10
    (a_x, _), (b_x, _) = split_train_validation(images, labels, 20, seed=1)
    (c_x, _), _ = split_train_validation(images, labels, 20, seed=1)
    assert len(b_x) == 20 and not set(a_x.ravel()) & set(b_x.ravel())
    assert np.array_equal(a_x, c_x)


def test_augmentations_keep_a_digit(mnist_digits):
    from digitrec.preprocess import to_mnist

    images, labels = mnist_digits
    images, labels = np.tile(images, (5, 1, 1)), np.tile(labels, 5)
    rng = np.random.default_rng(0)
    outputs = [
        to_mnist(augment.augment(image, int(label), rng)) for image, label in zip(images, labels)
    ]
    # The pictures lost are those a strong noise turned to scattered grain (13-14% of 600
    # draws), which the training pools drop.
    assert sum(out is not None for out in outputs) >= 0.8 * len(outputs)
    changed = [
        np.abs(out.astype(int) - image).mean()
        for out, image in zip(outputs, images)
        if out is not None
    ]
    assert np.mean(changed) > 5  # the variants really differ from the originals


def test_stretching_fills_the_square_and_leaves_only_a_one_a_block(mnist_digits):
    """A digit stretched into a coarse scan fills it both ways; part of the way, its box comes
    nearer a square; a block of ink comes out only for a 1."""
    images, labels = mnist_digits
    coarse = partial = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        for image, label in zip(images, labels):
            x, y, w, h = cv2.boundingRect((image > 0).astype(np.uint8))
            out = augment.stretch_to_square(image, int(label), rng)
            ink = (out > 0).astype(np.uint8)
            if out.shape != image.shape:  # the coarse scan
                coarse += 1
                assert out.shape[0] == out.shape[1] and 12 <= out.shape[0] <= 32
                assert cv2.boundingRect(ink) == (0, 0, *out.shape)
                if label != 1:
                    assert ink.mean() <= augment.BLOCK_SHARE
            else:
                partial += 1
                _, _, new_w, new_h = cv2.boundingRect(ink)
                assert abs(np.log(new_w / new_h)) <= abs(np.log(w / h)) + 0.1
    assert coarse > 200 and partial > 200


def test_font_digits_render_from_the_shipped_fonts():
    fonts = augment.training_fonts()
    image = augment.font_digit(4, fonts[0], np.random.default_rng(0))
    assert image.max() == 255 and (image > 128).sum() > 100


@pytest.mark.slow
def test_train_py_fast_on_a_tiny_budget_writes_a_usable_ensemble_and_card(tmp_path, mnist_train):
    # The --fast recipe cut to a few hundred digits and one epoch; two members exercise the
    # averaged ensemble that the default recipe ships.
    tiny = "--limit 600 --test-limit 300 --epochs 1 --epoch-size 600 --workers 1"
    tiny += " --font-digits 40 --pen-digits 20 --finish-epochs 1"
    command = [sys.executable, "train.py", "--fast", *tiny.split(), "--members", "2"]
    subprocess.run([*command, "--out", str(tmp_path)], cwd=REPO, check=True, timeout=600)
    for name in ("digitrec_cnn.keras", "digitrec_cnn.tflite", "model_card.json"):
        assert (tmp_path / name).is_file()
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["members"] == 2 and card["config"]["epochs"] == 1
    assert card["config"]["augmented_copies"] == FAST.augmented_copies
    assert card["mnist_test"]["count"] == 300 and len(card["mnist_test"]["confusion_matrix"]) == 10
    assert (
        card["data"]["train_digits"]["font"] > 0 and card["data"]["train_digits"]["pen-style"] > 0
    )
    assert set(card["data"]["mnist_md5"]) == {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    }
    assert [len(h["loss"]) for h in card["finishing_history"]] == [1, 1]
    result = Recognizer.load(tmp_path / "digitrec_cnn.tflite").recognize(mnist_train[0][0])
    assert result.found and abs(sum(result.probabilities) - 1) < 1e-4

    # The finishing phase alone, on the members just written: they change, the card says
    # which model they came from, and the first training's histories stay on it.
    finished = tmp_path / "finished"
    subprocess.run(
        [*command, "--finish-from", str(tmp_path), "--out", str(finished)],
        cwd=REPO,
        check=True,
        timeout=600,
    )
    again = json.loads((finished / "model_card.json").read_text())
    assert again["finished_from"]["model_sha256"] == card["model_sha256"]
    assert again["members"] == 2 and again["history"] == card["history"]
    assert again["model_sha256"] != card["model_sha256"]


def test_every_knob_is_documented_once_and_offered_by_train_py():
    help_text = subprocess.run(
        [sys.executable, "train.py", "--help"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for field in dataclasses.fields(TrainConfig):
        assert field.metadata.get("help"), f"TrainConfig.{field.name} has no help (use knob())"
        flag = f"--{field.name.replace('_', '-')}"
        assert (flag in help_text) == field.metadata["flag"], flag


def test_fast_recipe_is_a_cut_down_default():
    assert FAST.members == 1 and FAST.epochs < TrainConfig().epochs


def test_pen_styles_draw_every_style_as_a_digit():
    from digitrec.preprocess import to_mnist
    from digitrec.training.pen_styles import STYLES, pen_digit

    rng = np.random.default_rng(0)
    for label in STYLES:
        drawings = [pen_digit(label, rng) for _ in range(5)]
        assert all(to_mnist(d) is not None for d in drawings), label
        assert len({d.tobytes() for d in drawings}) == 5  # every sample differs


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_training_can_keep_freed_memory_on_linux():
    # Run apart: the setting is process-wide. glibc rejects out-of-range values, so this
    # fails if a threshold is set beyond what mallopt accepts.
    code = "from digitrec.training.allocator import keep_freed_memory as k; print(k())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"


def test_restroke_redraws_the_same_digit(mnist_digits, recognizer):
    import cv2

    images, labels = mnist_digits
    rng = np.random.default_rng(1)
    originals = [cv2.resize(image, (56, 56)) for image in images]
    redrawn = [augment.restroke(image, rng) for image in originals]
    assert all(not np.array_equal(a, b) for a, b in zip(originals, redrawn))
    read = [r.digit for r in recognizer.recognize_many(redrawn)]
    assert np.mean(np.array(read) == labels) >= 0.9


def test_finishing_a_folder_without_a_model_says_what_is_missing(tmp_path):
    run = subprocess.run(
        [sys.executable, "train.py", "--finish-from", str(tmp_path), "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "digitrec_cnn.keras not found" in run.stderr
    assert not list(tmp_path.iterdir())  # failed before preparing or writing anything
