"""Training-time variety: make MNIST digits look like the handwriting users actually give us.

MNIST under-represents common styles (a 1 with a flag and a base, a 7 with a crossbar),
thick or thin pens, slanted and squeezed writing, and noisy photos. Each function here
widens one of those; :func:`augment` combines them at rates chosen on the validation split.
Every output is a raw grey image that still goes through :func:`digitrec.preprocess.to_mnist`,
so the model learns from exactly what the pipeline produces.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage.morphology import skeletonize

from digitrec.preprocess import stroke_width
from digitrec.training import REPO_ROOT
from digitrec.training.noise import add_gaussian_noise

HANDWRITING_FONTS = REPO_ROOT / "fonts"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
# Fonts whose digits look nothing like handwriting (symbols, dingbats).
FONT_EXCLUDE = ("Symbol", "Dingbat", "Emoji", "Math")


def augment(digit: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """One random handwriting-like variant of a 28x28 MNIST digit (ink bright, any size)."""
    image = cv2.resize(digit, (56, 56), interpolation=cv2.INTER_LINEAR)
    # Room around the digit for a slash or a flag that reaches past MNIST's 20x20 box.
    image = cv2.copyMakeBorder(image, 14, 14, 14, 14, cv2.BORDER_CONSTANT, value=0)
    image = vary_like_handwriting(add_style(image, label, rng), rng, 0.35, 0.55)
    if rng.random() < STRETCH_RATE.get(label, STRETCH_RATE_OTHERS):
        image = stretch_to_square(image, label, rng)
    if rng.random() < 0.25:
        image = add_noise(cv2.resize(image, (28, 28), interpolation=cv2.INTER_AREA), rng)
    return image


# Share of augmented digits whose ink's box is stretched to a square, as older digit sets
# (Semeion's 16x16 scans) and some form readers keep their cut-outs: an upright 1 so stretched
# is a block of ink, which a model that never saw one read as anything (61.6% of the 1s of
# 2,000 validation digits, where the other digits read 96.5-99.5%). At 8% for every digit
# the finished model read 68.7% of those 1s; the 1s are stretched more often.
STRETCH_RATE = {1: 0.3}
STRETCH_RATE_OTHERS = 0.08
# A stretched scan more inked than this is a block of ink (see stretch_to_square).
BLOCK_SHARE = 0.6


def stretch_to_square(image: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """``image`` with its ink's box stretched toward a square: half the time all the way
    into a coarse black-and-white scan of 12-32 px that the ink fills, as Semeion keeps its
    digits; else part of the way (at least half), kept at the centre of ``image``.

    Only a 1 may come out a block of ink: another digit whose scan is mostly ink has lost
    its loops and gaps to a thick pen (it is stretched part of the way instead)."""
    x, y, w, h = cv2.boundingRect((image > 0).astype(np.uint8))
    if w == 0 or h == 0:
        return image
    crop = image[y : y + h, x : x + w]
    if rng.random() < 0.5:
        side = int(rng.integers(12, 33))
        scan = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
        scan = np.where(scan > rng.uniform(90, 165), 255, 0).astype(np.uint8)
        left, top, width, height = cv2.boundingRect(scan)  # a faint end lost: fill again
        if width and height:
            inked = scan[top : top + height, left : left + width]
            scan = cv2.resize(inked, (side, side), interpolation=cv2.INTER_NEAREST)
            if label == 1 or np.count_nonzero(scan) <= BLOCK_SHARE * scan.size:
                return scan
    side = max(w, h)
    share = rng.uniform(0.5, 1.0)
    size = (round(w + (side - w) * share), round(h + (side - h) * share))
    out = np.zeros_like(image)
    top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = cv2.resize(
        crop, size, interpolation=cv2.INTER_LINEAR
    )
    return out


def vary_like_handwriting(
    image: np.ndarray, rng: np.random.Generator, thinned_below: float, redrawn_below: float
) -> np.ndarray:
    """Slant, size and aspect; an elastic wobble half the time; then another pen: thicker
    for a draw below 0.2, thinner below ``thinned_below``, redrawn with a round brush below
    ``redrawn_below``, unchanged above."""
    image = random_affine(image, rng)
    if rng.random() < 0.5:
        image = elastic(image, rng)
    roll = rng.random()
    if roll < 0.2:
        return cv2.dilate(image, _disk(int(rng.integers(1, 4))))
    if roll < thinned_below:
        return cv2.erode(image, _disk(1))
    if roll < redrawn_below:
        return restroke(image, rng)
    return image


# Share of augmented digits redrawn in a style MNIST rarely has (chosen on the UNIPEN
# validation replay, where slashed zeros and flagged 1s were the commonest misreadings).
STYLE_RATE = {0: 0.35, 1: 0.4, 7: 0.35}


def add_style(image: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """A slashed zero, a flagged 1 or a crossed 7, at :data:`STYLE_RATE`; else unchanged."""
    if rng.random() >= STYLE_RATE.get(label, 0.0):
        return image
    if label == 0:
        return add_slash(image, rng)
    if label == 1:
        return add_flag_and_base(image, rng)
    return add_crossbar(image, rng)


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel centre line of a 0/1 mask (scikit-image's thinning).

    A thinned line stays connected and nearly free of spurs, so a brush drawn along it
    leaves a clean stroke; the morphological skeleton used before was broken and spiky, and
    the brush turned every spur into a bead beside the stroke, which no pen makes.
    """
    return skeletonize(mask > 0).astype(mask.dtype)


def restroke(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit redrawn along its centre line with a round brush, as the canvas leaves it.

    A finger or mouse gives one uniform width with round ends, and a wide brush can close
    small loops; pen-written MNIST digits rarely look like that.
    """
    ink = (image > 110).astype(np.uint8)
    rows = np.nonzero(ink.any(axis=1))[0]
    if len(rows) < 4:
        return image
    height = int(rows[-1] - rows[0] + 1)
    diameter = int(rng.integers(max(2, height // 13), max(3, height // 5) + 1))
    return cv2.GaussianBlur(brush_strokes(ink, diameter) * 255, (3, 3), 0)


def brush_strokes(ink: np.ndarray, diameter: int) -> np.ndarray:
    """The 0/1 mask ``ink`` traced along its centre line with a round brush."""
    brush = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
    return cv2.dilate(skeleton(ink), brush)


def random_affine(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rotation, shear and an aspect change about the centre, on a padded canvas."""
    pad = image.shape[0] // 2
    image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    size = image.shape[0]
    angle = np.deg2rad(rng.uniform(-15, 15))
    shear = rng.uniform(-0.35, 0.35)
    scale_x, scale_y = rng.uniform(0.75, 1.2), rng.uniform(0.85, 1.15)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([scale_x, scale_y])
    centre = np.array([size / 2, size / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]]).astype(np.float32)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR)


def elastic(image: np.ndarray, rng: np.random.Generator, alpha: float = 2.5) -> np.ndarray:
    """Simard et al. (2003) elastic distortion: a smooth random displacement field."""
    height, width = image.shape
    sigma = width / 7.0
    field = rng.uniform(-1, 1, (2, height, width)).astype(np.float32)
    dx = cv2.GaussianBlur(field[0], (0, 0), sigma) * alpha * sigma
    dy = cv2.GaussianBlur(field[1], (0, 0), sigma) * alpha * sigma
    grid_x, grid_y = np.meshgrid(
        np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    )
    return cv2.remap(image, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR)


def add_noise(image: np.ndarray, rng: np.random.Generator, max_sigma: float = 0.7) -> np.ndarray:
    """The noise study's Gaussian noise at a random level up to ``max_sigma`` (noisy scans
    and photos)."""
    return add_gaussian_noise(image, rng.uniform(0.05, max_sigma), rng)


def add_crossbar(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The continental 7: a short bar across the stem, a little below the middle."""
    rows = np.nonzero(image.max(axis=1) > 128)[0]
    if len(rows) < 4:
        return image
    row = int(rows[0] + (rows[-1] - rows[0]) * rng.uniform(0.5, 0.65))
    cols = np.nonzero(image[row] > 128)[0]
    if len(cols) == 0:
        return image
    centre = int(cols.mean())
    half = int(image.shape[1] * rng.uniform(0.12, 0.2))
    out = image.copy()
    cv2.line(out, (centre - half, row), (centre + half, row), 255, _stroke(image), cv2.LINE_AA)
    return out


def add_flag_and_base(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The continental 1: a flag down-left from the top, up to two thirds of its height
    (read as a 7 by an MNIST-only model), and often a base line."""
    ys, xs = np.nonzero(image > 128)
    if len(ys) < 4:
        return image
    top, bottom = int(ys.min()), int(ys.max())
    top_x, bottom_x = int(xs[ys == top].mean()), int(xs[ys == bottom].mean())
    length = (bottom - top) * rng.uniform(0.2, 0.65)
    angle = np.deg2rad(rng.uniform(15, 70))
    flag_end = (int(top_x - length * np.cos(angle)), int(top + length * np.sin(angle)))
    out = image.copy()
    thickness = _stroke(image)
    cv2.line(out, (top_x, top), flag_end, 255, thickness, cv2.LINE_AA)
    if rng.random() < 0.4:
        half = int((bottom - top) * rng.uniform(0.15, 0.3))
        cv2.line(
            out, (bottom_x - half, bottom), (bottom_x + half, bottom), 255, thickness, cv2.LINE_AA
        )
    return out


def add_slash(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The slashed zero: a stroke through the oval from lower left to upper right, reaching
    past it; now and then a bar across the middle instead."""
    ys, xs = np.nonzero(image > 128)
    if len(ys) < 4:
        return image
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    height = ys.max() - ys.min()
    if rng.random() < 0.2:
        angle = np.deg2rad(rng.uniform(-12, 12))
        half = (xs.max() - xs.min()) / 2 * rng.uniform(0.8, 1.3)
    else:
        angle = np.deg2rad(rng.uniform(45, 80))
        half = height / 2 * rng.uniform(0.9, 1.6) / np.sin(angle)
    dx, dy = half * np.cos(angle), half * np.sin(angle)
    out = image.copy()
    start, end = (int(cx - dx), int(cy + dy)), (int(cx + dx), int(cy - dy))
    cv2.line(out, start, end, 255, _stroke(image), cv2.LINE_AA)
    return out


def font_digit(label: int, font_path: Path, rng: np.random.Generator) -> np.ndarray:
    """A digit rendered from a font (most of them handwriting), then varied like handwriting:
    the styles of :func:`add_style`, slant and size, elastic wobble, pen width."""
    font = _font(str(font_path), 64)
    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((64, 64), str(label), fill=255, font=font, anchor="mm")
    # Font strokes are clean and even: never thinned, redrawn with a round brush more often.
    return vary_like_handwriting(add_style(np.array(canvas), label, rng), rng, 0.2, 0.5)


def training_fonts() -> tuple[Path, ...]:
    """The vendored handwriting fonts (``fonts/``), then the system's TrueType fonts."""
    return handwriting_fonts() + system_fonts()


@lru_cache(maxsize=1)
def handwriting_fonts() -> tuple[Path, ...]:
    """The open-licensed handwriting fonts shipped in ``fonts/`` (see its README)."""
    return tuple(sorted(HANDWRITING_FONTS.glob("*/*.woff2")))


@lru_cache(maxsize=1)
def system_fonts() -> tuple[Path, ...]:
    """TrueType fonts installed on this machine (Debian: fonts-dejavu, fonts-liberation)."""
    found = []
    for folder in FONT_DIRS:
        if folder.is_dir():
            found.extend(folder.rglob("*.ttf"))
    return tuple(sorted(p for p in found if not any(word in p.name for word in FONT_EXCLUDE)))


def _stroke(image: np.ndarray) -> int:
    """The typical stroke width of the digit in ``image``, in pixels (at least 2)."""
    return max(2, round(stroke_width(image > 128)))


@lru_cache(maxsize=256)  # every font once, at the one size used
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8)
def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
