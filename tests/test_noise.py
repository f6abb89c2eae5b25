"""The corruptions of the robustness study (Gaussian noise, salt and pepper, blur): their
statistics, their clipping, their reproducibility, their refusals."""

import numpy as np
import pytest

from digitrec.study.results import BLUR_SIGMAS, NOISE_SIGMAS, SALT_PEPPER_AMOUNTS, STUDY_SIGMA
from digitrec.training import augment
from digitrec.training.noise import (
    SALT_PEPPER_STREAM,
    add_gaussian_noise,
    add_salt_and_pepper,
    gaussian_blur,
    noise_seed,
)


def test_added_noise_has_zero_mean_and_the_requested_std():
    grey = np.full((200, 28, 28), 128, np.uint8)  # mid-grey: clipping is ~5 sigma away
    for sigma in (0.05, 0.1):
        added = add_gaussian_noise(grey, sigma, seed=1) / 255.0 - grey / 255.0
        assert abs(added.mean()) < 0.002
        # Quantising to 8 bits adds ~0.001 of spread at most.
        assert added.std() == pytest.approx(sigma, abs=0.003)


def test_noise_is_clipped_to_the_pixel_range_not_wrapped():
    black = np.zeros((100, 28, 28), np.uint8)
    noisy = add_gaussian_noise(black, 0.5, seed=2) / 255.0
    # Half the noise is negative and clipped to 0; the rest is the positive half-normal.
    assert np.mean(noisy == 0) == pytest.approx(0.5, abs=0.01)
    assert noisy.mean() == pytest.approx(0.5 / np.sqrt(2 * np.pi), abs=0.005)
    white = np.full((100, 28, 28), 255, np.uint8)
    assert np.mean(add_gaussian_noise(white, 0.5, seed=2) == 255) == pytest.approx(0.5, abs=0.01)


def test_same_seed_same_noise_other_seed_other_noise():
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    first = add_gaussian_noise(images, 0.3, seed=noise_seed(0, 0.3))
    assert np.array_equal(first, add_gaussian_noise(images, 0.3, seed=noise_seed(0, 0.3)))
    assert not np.array_equal(first, add_gaussian_noise(images, 0.3, seed=noise_seed(1, 0.3)))
    assert noise_seed(0, 0.3) != noise_seed(0, 0.5)


def test_zero_sigma_returns_an_unchanged_copy():
    images = np.arange(28 * 28, dtype=np.uint8).reshape(1, 28, 28)
    clean = add_gaussian_noise(images, 0.0, seed=0)
    assert np.array_equal(clean, images) and clean is not images
    assert clean.dtype == np.uint8 and clean.shape == images.shape


def test_noisy_pixels_are_rounded_not_truncated():
    grey = np.full((50, 28, 28), 128, np.uint8)
    # Noise of a tenth of a grey level never moves a pixel when rounded; truncation would
    # take every pixel with negative noise down to 127.
    assert np.array_equal(add_gaussian_noise(grey, 0.1 / 255, seed=3), grey)


def test_augmentation_adds_the_same_noise_as_the_study():
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    augmented = augment.add_noise(image, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    assert np.array_equal(augmented, add_gaussian_noise(image, rng.uniform(0.05, 0.7), rng))


def test_study_levels_start_clean_and_include_the_study_setting():
    # The report's clean columns read sigma 0, its noisy confusion matrices STUDY_SIGMA.
    assert NOISE_SIGMAS[0] == 0.0 and STUDY_SIGMA in NOISE_SIGMAS
    assert list(NOISE_SIGMAS) == sorted(set(NOISE_SIGMAS))


@pytest.mark.parametrize(
    ("images", "sigma", "message"),
    [
        (np.zeros((2, 28, 28), np.float32), 0.1, "expected uint8"),
        (np.zeros((2, 28, 28), np.uint8), -0.1, "sigma >= 0"),
        (np.zeros((2, 28, 28), np.uint8), float("nan"), "sigma >= 0"),
    ],
)
def test_bad_inputs_are_refused_with_a_message(images, sigma, message):
    with pytest.raises(ValueError, match=message):
        add_gaussian_noise(images, sigma, seed=0)


# ----------------------------------------------------------------------------- salt and pepper


def test_salt_and_pepper_hits_the_requested_share_half_black_half_white():
    grey = np.full((200, 28, 28), 128, np.uint8)  # neither black nor white: every hit shows
    for amount in (0.05, 0.3):
        specked = add_salt_and_pepper(grey, amount, seed=1)
        salt, pepper = np.mean(specked == 255), np.mean(specked == 0)
        # 156,800 pixels: the shares' standard errors are ~0.001.
        assert salt + pepper == pytest.approx(amount, abs=0.005)
        assert salt == pytest.approx(pepper, abs=0.005)
        # Every other pixel is left exactly as it was.
        assert np.all((specked == grey) | (specked == 0) | (specked == 255))
        assert specked.dtype == np.uint8 and specked.shape == grey.shape


def test_salt_and_pepper_shows_as_white_on_black_and_black_on_ink():
    black = np.zeros((100, 28, 28), np.uint8)
    assert np.mean(add_salt_and_pepper(black, 0.2, seed=2) == 255) == pytest.approx(0.1, abs=0.005)
    white = np.full((100, 28, 28), 255, np.uint8)
    assert np.mean(add_salt_and_pepper(white, 0.2, seed=2) == 0) == pytest.approx(0.1, abs=0.005)


def test_salt_and_pepper_same_seed_same_specks_and_its_own_stream():
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    seed = noise_seed(0, 0.1, SALT_PEPPER_STREAM)
    first = add_salt_and_pepper(images, 0.1, seed)
    assert np.array_equal(first, add_salt_and_pepper(images, 0.1, seed))
    other = add_salt_and_pepper(images, 0.1, noise_seed(1, 0.1, SALT_PEPPER_STREAM))
    assert not np.array_equal(first, other)
    # A share equal to a Gaussian sigma draws from another seed; Gaussian seeds are unchanged.
    assert seed != noise_seed(0, 0.1) and noise_seed(0, 0.1) == [0, 100]


def test_salt_and_pepper_extremes():
    images = np.arange(28 * 28, dtype=np.uint8).reshape(1, 28, 28)
    none = add_salt_and_pepper(images, 0.0, seed=0)
    assert np.array_equal(none, images) and none is not images
    assert set(np.unique(add_salt_and_pepper(images, 1.0, seed=0))) == {0, 255}


# ----------------------------------------------------------------------------- blur


def test_blur_spreads_a_line_as_a_gaussian_of_the_requested_sigma():
    line = np.zeros((1, 29, 29), np.uint8)
    line[0, :, 14] = 255  # a vertical stroke, one pixel wide
    offsets = np.arange(29) - 14
    for sigma in (1.0, 2.0):
        profile = gaussian_blur(line, sigma)[0, 14].astype(np.float64)
        # The ink is kept, up to the rounding of the faint tail to 0 ...
        assert profile.sum() == pytest.approx(255, abs=3)
        # ... and spread across the stroke with the requested sigma, symmetrically.
        spread = np.sqrt((profile * offsets**2).sum() / profile.sum())
        assert spread == pytest.approx(sigma, rel=0.05)
        assert profile[14] == profile.max() < 255
        assert np.array_equal(profile, profile[::-1])
    dot = np.zeros((1, 29, 29), np.uint8)
    dot[0, 14, 14] = 255
    blurred = gaussian_blur(dot, 1.0)[0]
    assert np.array_equal(blurred, blurred.T)  # round, not stretched along an axis


def test_blur_keeps_flat_pictures_and_the_pixel_range():
    grey = np.full((3, 28, 28), 77, np.uint8)
    assert np.array_equal(gaussian_blur(grey, 1.5), grey)  # rounded, not truncated to 76
    edge = np.zeros((2, 28, 28), np.uint8)
    edge[:, :, 14:] = 255
    blurred = gaussian_blur(edge, 2.0)
    assert blurred.dtype == np.uint8 and blurred.min() == 0 and blurred.max() == 255
    assert 0 < blurred[0, 10, 14] < 255  # the edge itself is softened


def test_blur_treats_each_picture_alone_and_any_batch_shape():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 3, 28, 28), dtype=np.uint8)
    batch = gaussian_blur(images, 1.0)
    assert batch.shape == images.shape
    assert np.array_equal(batch[1, 2], gaussian_blur(images[1, 2], 1.0))
    assert np.array_equal(gaussian_blur(images, 0.0), images)


def test_blur_and_specks_leave_a_digit_readable(mnist_digits, recognizer):
    # The severe levels are chosen to stay fair: a person reads them, and so should we
    # (the study measures how often; here a handful must still mostly be right).
    images, labels = mnist_digits
    for corrupted in (
        add_salt_and_pepper(images, max(SALT_PEPPER_AMOUNTS), seed=0),
        gaussian_blur(images, max(BLUR_SIGMAS)),
    ):
        digits = [r.digit for r in recognizer.recognize_many(list(corrupted))]
        assert np.mean(np.array(digits) == labels) >= 0.8


@pytest.mark.parametrize("index", [15, 126, 268, 311])
def test_a_blurred_light_digit_on_a_dark_ground_is_read_the_right_way_round(
    mnist_test, recognizer, index
):
    # A 5, a 0, an 8 and a 0 blurred by 2 px spread over half their picture, whose black
    # ground is then no longer flat: the ground was taken for the ink (a 5 read 3, the 8
    # no digit at all).
    images, labels = mnist_test
    result = recognizer.recognize(gaussian_blur(images[index], 2.0))
    assert result.digit == labels[index] and result.confidence > 0.9


def test_study_strengths_are_three_increasing_levels():
    for levels in (SALT_PEPPER_AMOUNTS, BLUR_SIGMAS):
        assert len(levels) == 3 and list(levels) == sorted(set(levels)) and levels[0] > 0
    assert max(SALT_PEPPER_AMOUNTS) <= 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: add_salt_and_pepper(np.zeros((2, 28, 28), np.float32), 0.1), "expected uint8"),
        (lambda: add_salt_and_pepper(np.zeros((2, 28, 28), np.uint8), 1.5), r"in \[0, 1\]"),
        (lambda: add_salt_and_pepper(np.zeros((2, 28, 28), np.uint8), -0.1), r"in \[0, 1\]"),
        (lambda: add_salt_and_pepper(np.zeros(4, np.uint8), float("nan")), r"in \[0, 1\]"),
        (lambda: gaussian_blur(np.zeros((2, 28, 28), np.int64), 1.0), "expected uint8"),
        (lambda: gaussian_blur(np.zeros((2, 28, 28), np.uint8), -1.0), "sigma >= 0"),
        (lambda: gaussian_blur(np.zeros((2, 28, 28), np.uint8), float("inf")), "sigma >= 0"),
        (lambda: gaussian_blur(np.zeros(28, np.uint8), 1.0), "height, width"),
    ],
)
def test_bad_corruption_arguments_are_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
