"""Corruptions of 8-bit pictures: the noise study's test images and the noisy share of
training's augmentation.

- additive white Gaussian noise (grain on every pixel), a standard deviation on the [0, 1]
  pixel scale, clipped to [0, 1];
- salt-and-pepper noise (specks: a share of the pixels set to black or white, half each),
  as a scanner's dust or a sensor's dead and hot pixels make it;
- Gaussian blur (an out-of-focus or shaken picture), a standard deviation in pixels.

Every function takes and returns uint8 pictures, so that a corrupted picture goes through
the one preprocessing pipeline like any other input. The random ones take a seed (or a
generator) and give the same corruption for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Seed = int | Sequence[int] | np.random.Generator
# noise_seed's stream for salt-and-pepper noise: its levels (shares) may equal Gaussian sigmas
# (0.1), and the two must not draw from the same seed. Gaussian noise is stream 0, whose
# seeds are those the committed report was made with.
SALT_PEPPER_STREAM = 1


def add_gaussian_noise(images: np.ndarray, sigma: float, seed: Seed = 0) -> np.ndarray:
    """Return ``images`` with white Gaussian noise of standard deviation ``sigma`` added.

    Parameters
    ----------
    images : uint8 array of any shape (typically (N, 28, 28)), pixels 0..255.
    sigma : standard deviation of the noise on the [0, 1] pixel scale; 0 returns a copy.
    seed : seed (or seed sequence) of the generator, the same seed giving the same noise;
        or a generator to draw from (augmentation passes its own).

    Returns
    -------
    uint8 array of the same shape: ``round(255 * clip(images / 255 + N(0, sigma^2), 0, 1))``.
    """
    images = _uint8(images)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"expected a finite sigma >= 0, got {sigma!r}")
    if sigma == 0:
        return images.copy()
    rng = np.random.default_rng(seed)
    noisy = images.astype(np.float64) / 255.0 + rng.normal(0.0, sigma, size=images.shape)
    return np.rint(np.clip(noisy, 0.0, 1.0) * 255.0).astype(np.uint8)


def add_salt_and_pepper(images: np.ndarray, amount: float, seed: Seed = 0) -> np.ndarray:
    """Return ``images`` with a share ``amount`` of their pixels set to black or white.

    Each pixel is hit independently with probability ``amount``; a hit pixel becomes 0
    (pepper) or 255 (salt) with probability one half each, whatever it was before — so on
    MNIST's black background only the salt shows, and on the ink only the pepper.

    Parameters
    ----------
    images : uint8 array of any shape, pixels 0..255.
    amount : share of the pixels hit, in [0, 1]; 0 returns a copy.
    seed : seed (or seed sequence) of the generator, or a generator to draw from.

    Returns
    -------
    uint8 array of the same shape.
    """
    images = _uint8(images)
    if not (np.isfinite(amount) and 0 <= amount <= 1):
        raise ValueError(f"expected a share of pixels in [0, 1], got {amount!r}")
    noisy = images.copy()
    if amount == 0:
        return noisy
    rng = np.random.default_rng(seed)
    hit = rng.random(images.shape) < amount
    salt = rng.random(images.shape) < 0.5
    noisy[hit] = np.where(salt[hit], 255, 0).astype(np.uint8)
    return noisy


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Return ``images`` blurred by a Gaussian of standard deviation ``sigma`` pixels.

    The blur is deterministic, so it takes no seed. Each 2-D picture (the last two axes) is
    blurred on its own; the kernel reaches 4 sigma (OpenCV's choice for float images, where
    what lies beyond weighs < 0.01% of the whole) and mirrors the picture at its edges.

    Parameters
    ----------
    images : uint8 array of shape (..., height, width), e.g. (N, 28, 28); pixels 0..255.
    sigma : standard deviation of the blur in pixels of these pictures; 0 returns a copy.

    Returns
    -------
    uint8 array of the same shape, rounded to the nearest grey level.
    """
    images = _uint8(images)
    if images.ndim < 2:
        raise ValueError(f"expected pictures of shape (..., height, width), got {images.shape}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"expected a finite blur sigma >= 0 (pixels), got {sigma!r}")
    if sigma == 0 or images.size == 0:
        return images.copy()
    flat = images.reshape(-1, *images.shape[-2:]).astype(np.float32)
    blurred = np.stack([cv2.GaussianBlur(picture, (0, 0), sigma) for picture in flat])
    return np.rint(np.clip(blurred, 0, 255)).astype(np.uint8).reshape(images.shape)


def noise_seed(seed: int, level: float, stream: int = 0) -> list[int]:
    """Seed for one noise level: fixed per (run seed, level, stream), independent of the
    other levels; ``stream`` tells kinds of noise apart (:data:`SALT_PEPPER_STREAM`)."""
    key = [int(seed), round(float(level) * 1000)]
    return [*key, int(stream)] if stream else key


def _uint8(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (0..255), got dtype {images.dtype}")
    return images
