"""The noise of the robustness study: its statistics, its clipping, its reproducibility."""

import numpy as np
import pytest

from digitrec.study.results import NOISE_SIGMAS, STUDY_SIGMA
from digitrec.training import augment
from digitrec.training.noise import add_gaussian_noise, noise_seed


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
