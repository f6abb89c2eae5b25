"""The public API on realistic inputs: canvas drawings, photos of paper, blanks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitrec import ImageError, Recognizer, interpreter
from digitrec.imageio import load_grey
from digitrec.preprocess import prepare_digit, to_mnist
from digitrec.training import renders
from digitrec.training.noise import add_gaussian_noise, noise_seed

from .images import png_bytes


def test_result_shape_and_probabilities(recognizer: Recognizer, mnist_digits):
    images, labels = mnist_digits
    result = recognizer.recognize(images[0])
    assert 0 <= result.digit <= 9
    assert len(result.probabilities) == 10
    assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-5)
    assert result.processed.shape == (28, 28) and result.processed.dtype == np.uint8
    assert np.array_equal(result.processed, to_mnist(images[0]))  # what the pipeline makes
    ranked = result.ranked()
    assert ranked[0] == (result.digit, result.confidence)
    assert [p for _, p in ranked] == sorted(result.probabilities, reverse=True)


def test_mnist_digits_are_recognized(recognizer, mnist_digits):
    images, labels = mnist_digits
    predicted = [r.digit for r in recognizer.recognize_many(list(images))]
    assert np.mean(np.array(predicted) == labels) >= 0.95


@pytest.mark.parametrize("sigma, bar", [(0.3, 0.985), (0.5, 0.92)])
def test_noisy_mnist_digits_are_read(recognizer, mnist_test, sigma, bar):
    """White Gaussian noise as in the comparison study. The shipped model reads these 600
    at 99.3% (sigma 0.3) and 94.8% (0.5; 97.1% of all 10,000, the first model and pipeline
    91.9%): the bars catch a regression, with room for sampling error."""
    images, labels = mnist_test
    noisy = add_gaussian_noise(images[:600], sigma, noise_seed(0, sigma))
    predicted = [r.digit for r in recognizer.recognize_many(list(noisy))]
    assert np.mean(np.array(predicted) == labels[:600]) >= bar


def test_noisy_digits_whose_ink_breaks_up_are_read_and_pure_noise_is_not(recognizer, mnist_test):
    """At sigma 0.5 the threshold breaks some digits into as many pieces as pure noise makes
    ("scattered"); the model's confidence tells them apart. Of these 1,500 noisy digits 21
    are scattered and 16 of them read right (refusing every scattered picture read none);
    of pure noise about 4% passes for a digit (here 10 and 13 of 200; 86 of 2,000 others)."""
    images, labels = mnist_test
    noisy = add_gaussian_noise(images[:1500], 0.5, noise_seed(0, 0.5))
    scattered = [
        i for i, image in enumerate(noisy) if getattr(prepare_digit(image), "scattered", 0)
    ]
    assert len(scattered) >= 10
    results = recognizer.recognize_many([noisy[i] for i in scattered])
    assert sum(r.digit == labels[i] for r, i in zip(results, scattered)) >= 0.5 * len(scattered)
    for paper in (0, 255):
        pure = add_gaussian_noise(np.full((200, 28, 28), paper, np.uint8), 0.5, paper)
        assert sum(r.found for r in recognizer.recognize_many(list(pure))) <= 15


def test_canvas_on_transparent_and_on_black(recognizer, mnist_digits):
    images, labels = mnist_digits
    rng = np.random.default_rng(7)
    for transparent in (True, False):
        canvases = [renders.canvas_drawing(image, rng, transparent) for image in images]
        predicted = np.array([r.digit for r in recognizer.recognize_many(canvases)])
        assert np.mean(predicted == labels) >= 0.9, (
            f"transparent={transparent}: {predicted} vs {labels}"
        )


def test_photos_of_dark_ink_on_paper(recognizer, mnist_digits):
    images, labels = mnist_digits
    rng = np.random.default_rng(3)
    photos = [renders.photo_of_paper(image, rng) for image in images]  # JPEG bytes
    predicted = np.array([r.digit for r in recognizer.recognize_many(photos)])
    assert np.mean(predicted == labels) >= 0.9, f"{predicted} vs {labels}"


def test_hand_drawn_strokes_in_several_styles(recognizer):
    rng = np.random.default_rng(11)
    labels = np.repeat(np.arange(10), 3)
    drawings = [renders.stroke_drawing(int(label), rng) for label in labels]
    predicted = np.array([r.digit for r in recognizer.recognize_many(drawings)])
    assert np.mean(predicted == labels) >= 0.85, f"{predicted} vs {labels}"


def _bold_seven_and_nine(side: int) -> list[np.ndarray]:
    """A thick 7 and 9 that fill a ``side`` px scan, black on white: the 7's bar and the 9's
    head run along the top edge."""
    scale = side / 16
    seven, nine = np.full((2, side, side), 255, np.uint8)
    width = round(3 * scale)
    cv2.line(seven, (round(2 * scale), round(scale)), (round(14 * scale), round(scale)), 0, width)
    cv2.line(seven, (round(14 * scale), round(scale)), (round(7 * scale), side), 0, width)
    cv2.circle(nine, (round(8 * scale), round(5 * scale)), round(4 * scale), 0, width)
    cv2.line(nine, (round(12 * scale), round(5 * scale)), (round(11 * scale), side), 0, width)
    return [seven, nine]


@pytest.mark.parametrize("side", [20, 32, 64])
def test_a_thick_digit_that_fills_a_clean_scan_keeps_its_edges(recognizer, side):
    """No lighting is taken off flat paper: estimated anyway, it ate the ink along the rim
    and these read 1 and 4."""
    predicted = [r.digit for r in recognizer.recognize_many(_bold_seven_and_nine(side))]
    assert predicted == [7, 9]


@pytest.mark.parametrize("blown_up", [True, False])
def test_uci_digits_that_fill_their_frame_are_read(recognizer, blown_up):
    """scikit-learn's UCI digits: 43 writers who are not in MNIST, 8x8 pixels, each digit
    filling its frame, blown up to 64 px (each pixel a block) or at their own size. Their
    first 500 read 98.0% both ways; 89.6% and 79.4% before tiny pictures were enlarged
    with less smoothing and blocks were undone (72.8% blown up before flat paper was left
    alone)."""
    pictures, labels = renders.uci_digits(blown_up)
    predicted = np.array([r.digit for r in recognizer.recognize_many(pictures[:500])])
    assert np.mean(predicted == labels[:500]) >= 0.95


@pytest.mark.parametrize("pen", [5, 6])
def test_a_thick_one_that_is_half_its_black_and_white_scan_is_read(recognizer, pen):
    """A 16 px black-and-white scan that the digit fills, as Semeion's: both grounds are
    flat, so the part that holds together is the ink (before, the paper was: no digit)."""
    scan = np.full((16, 16), 255, np.uint8)
    cv2.line(scan, (13, 0), (2, 15), 0, pen)
    assert np.mean(scan == 0) > 0.5
    result = recognizer.recognize(scan)
    assert result.digit == 1


@pytest.mark.parametrize(("lean", "pen"), [(2, 5), (2, 9), (3, 7)])
def test_a_one_stretched_into_a_block_of_its_scan_is_read(recognizer, lean, pen):
    """Semeion stretches each digit's box to its 16x16 square, so an upright 1 comes out a
    block of ink with ragged sides; the model learnt such 1s from stretched training digits
    (the model before read these three as 0)."""
    one = np.zeros((90, 30), np.uint8)
    cv2.line(one, (15 + lean, 3), (15 - lean, 86), 255, pen)
    scan = renders.stretched_black_and_white_scan(one)
    assert np.mean(load_grey(scan) == 0) > 0.6  # more ink than paper
    assert recognizer.recognize(scan).digit == 1


@pytest.mark.parametrize(
    "blank",
    [
        np.zeros((280, 280, 4), np.uint8),  # the empty canvas: all transparent
        np.dstack([np.zeros((280, 280, 3), np.uint8), np.full((280, 280), 255, np.uint8)]),
        np.full((600, 800, 3), 255, np.uint8),
        np.full((10, 10), 90, np.uint8),
    ],
)
def test_blank_input_gives_no_digit_and_no_guess(recognizer, blank):
    result = recognizer.recognize(blank)
    assert result.digit is None and not result.found
    assert result.confidence == 0.0 and result.probabilities is None and result.ranked() == []


def test_recognize_many_matches_recognize_one_by_one(recognizer, mnist_digits):
    images, _ = mnist_digits
    inputs = [*list(images[:5]), np.zeros((50, 50), np.uint8), png_bytes(images[5])]
    batched = recognizer.recognize_many(inputs)
    for image, together in zip(inputs, batched):
        alone = recognizer.recognize(image)
        assert alone.digit == together.digit
        if alone.found:
            assert np.allclose(alone.probabilities, together.probabilities, atol=1e-5)


def test_a_large_batch_is_read_as_each_digit_alone(recognizer, mnist_digits):
    # The interpreter reads a large batch a few digits per call: no digit may be lost,
    # reordered or read differently for the company it keeps.
    images, _ = mnist_digits
    digits = np.concatenate([images, images[::-1], images[:7]])  # not a multiple of a call
    assert len(digits) % interpreter.INVOKE_BATCH != 0
    together = recognizer.probabilities(digits)
    alone = np.concatenate([recognizer.probabilities(digit[np.newaxis]) for digit in digits])
    assert together.shape == (len(digits), 10)
    np.testing.assert_array_equal(together, alone)


def test_bad_input_raises_a_clear_error(recognizer):
    with pytest.raises(ImageError, match="not an image"):
        recognizer.recognize(b"definitely not a picture")


def test_a_missing_model_file_is_named_without_advice_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="model not found: .*none.tflite") as error:
        Recognizer.load(tmp_path / "none.tflite")
    assert "train" not in str(error.value)  # the user named a file: training is not the fix
    with pytest.raises(FileNotFoundError, match="is a directory"):
        Recognizer.load(tmp_path)


def test_a_missing_shipped_model_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setattr(interpreter, "shipped_model", lambda: tmp_path / "digitrec_cnn.tflite")
    with pytest.raises(FileNotFoundError, match="reinstall digitrec.*python train.py"):
        Recognizer.load()


@pytest.mark.slow
def test_shipped_model_accuracy_on_the_mnist_test_set(recognizer, mnist_test):
    from digitrec.evaluation import score
    from digitrec.parallel import to_mnist_many

    images, labels = mnist_test
    digits, found = to_mnist_many(images)
    report = score(recognizer.probabilities, digits, labels, found)
    # The shipped model scores 99.33% (models/model_card.json); the 99.6% target is not met
    # (docs/accuracy-experiments.md). This guards the pipeline and the model file: losing
    # more than 16 of the 10,000 digits fails.
    assert report["accuracy"] >= 0.992, report["accuracy"]
