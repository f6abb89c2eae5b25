"""Additive white Gaussian noise on the [0, 1] pixel scale: the noise study's test images
and the noisy share of training's augmentation.

Noise levels are a standard deviation on the [0, 1] scale; the product sees 8-bit pictures,
so the noisy image is clipped to [0, 1] and rounded back to uint8 before it goes through the
one preprocessing pipeline like any other input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def add_gaussian_noise(
    images: np.ndarray, sigma: float, seed: int | Sequence[int] | np.random.Generator = 0
) -> np.ndarray:
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
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (0..255), got dtype {images.dtype}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"expected a finite sigma >= 0, got {sigma!r}")
    if sigma == 0:
        return images.copy()
    rng = np.random.default_rng(seed)
    noisy = images.astype(np.float64) / 255.0 + rng.normal(0.0, sigma, size=images.shape)
    return np.rint(np.clip(noisy, 0.0, 1.0) * 255.0).astype(np.uint8)


def noise_seed(seed: int, sigma: float) -> list[int]:
    """Seed for one noise level: fixed per (run seed, sigma), independent of the other levels."""
    return [int(seed), round(float(sigma) * 1000)]
