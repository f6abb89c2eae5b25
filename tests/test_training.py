"""The training recipe end to end on a few hundred digits (one short epoch)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from digitrec import Recognizer, augment
from digitrec.training import TrainConfig, split_train_validation, train


def test_split_is_disjoint_and_seeded():
    images, labels = np.arange(100)[:, None], np.arange(100) % 10
    (a_x, _), (b_x, _) = split_train_validation(images, labels, 20, seed=1)
    (c_x, _), _ = split_train_validation(images, labels, 20, seed=1)
    assert len(b_x) == 20 and not set(a_x.ravel()) & set(b_x.ravel())
    assert np.array_equal(a_x, c_x)


def test_augmentations_keep_a_digit(mnist_digits):
    from digitrec.preprocess import to_mnist

    images, labels = mnist_digits
    rng = np.random.default_rng(0)
    outputs = [
        to_mnist(augment.augment(image, int(label), rng)) for image, label in zip(images, labels)
    ]
    assert sum(out is not None for out in outputs) >= len(outputs) - 2
    changed = [
        np.abs(out.astype(int) - image).mean()
        for out, image in zip(outputs, images)
        if out is not None
    ]
    assert np.mean(changed) > 5  # the variants really differ from the originals


def test_font_digits_render_when_fonts_exist():
    fonts = augment.system_fonts()
    if not fonts:
        pytest.skip("no TrueType fonts installed (Debian: fonts-dejavu-core)")
    image = augment.font_digit(4, fonts[0], np.random.default_rng(0))
    assert image.max() == 255 and image.mean() > 1


@pytest.mark.slow
def test_tiny_training_run_writes_a_usable_model_and_card(tmp_path, mnist_train):
    config = TrainConfig(
        epochs=1, limit=600, test_limit=300, font_digits=40, epoch_size=600, workers=1
    )
    card = train(config, tmp_path, log=lambda message: None)
    for name in ("digitrec_cnn.keras", "digitrec_cnn.tflite", "model_card.json"):
        assert (tmp_path / name).is_file()
    saved = json.loads((tmp_path / "model_card.json").read_text())
    assert (
        saved["mnist_test"]["count"] == 300 and len(saved["mnist_test"]["confusion_matrix"]) == 10
    )
    assert saved["parameters"] == card["parameters"] > 0
    assert set(saved["data"]["mnist_md5"]) == {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    }
    result = Recognizer.load(tmp_path / "digitrec_cnn.tflite").recognize(mnist_train[0][0])
    assert result.found and len(result.probabilities) == 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_training_can_keep_freed_memory_on_linux():
    # Run apart: the setting is process-wide. glibc rejects out-of-range values, so this
    # fails if a threshold is set beyond what mallopt accepts.
    code = "from digitrec.allocator import keep_freed_memory as k; print(k())"
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
