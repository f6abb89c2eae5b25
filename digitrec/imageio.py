"""Decode anything a user gives us into one 8-bit grey image, safely.

Accepted: a path, raw bytes, a binary file object, a PIL image, or a numpy array
(grey HxW or HxWx1, RGB HxWx3, RGBA HxWx4; uint8, uint16 (0..65535), bool, float in
[0, 1], or other integers in 0..255).
Every failure is an :class:`ImageError` whose message says what was expected and what
arrived, so callers can show it as is.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ImageSource = (
    str | os.PathLike | bytes | bytearray | memoryview | BinaryIO | Image.Image | np.ndarray
)

# A digit never needs more than this; larger files are refused before their pixels are
# decoded, which is what stops decompression bombs (a 50,000 x 50,000 PNG is a few MB).
MAX_PIXELS = 40_000_000
# Float pixels a rounding error outside [0, 1] are clipped, not refused.
FLOAT_SLACK = 1e-3


class ImageError(ValueError):
    """The input could not be turned into an image; the message is meant for the user."""


def load_grey(source: ImageSource, name: str | None = None) -> np.ndarray:
    """Return ``source`` as a 2-D uint8 grey image (transparency flattened).

    Parameters
    ----------
    source : path, bytes, file object, PIL image or numpy array
    name : how to call the input in error messages (defaults to the path, if any)

    Raises
    ------
    ImageError
        When the input is not a readable image, is empty, or is too large.
    """
    if isinstance(source, np.ndarray):
        return _array_to_grey(source)
    if isinstance(source, Image.Image):
        return _pil_to_grey(source, name or "image")
    label = name or (str(source) if isinstance(source, (str, os.PathLike)) else "upload")
    return _pil_to_grey(_open(source, label), label, ours=True)


def _open(source: Any, label: str) -> Image.Image:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageError(f"empty file: {label} has no bytes")
        stream: Any = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            raise ImageError(f"a folder, not an image file: {label}")
        if not path.is_file():
            raise ImageError(f"no such file: {label}")
        if path.stat().st_size == 0:
            raise ImageError(f"empty file: {label} has no bytes")
        stream = path
    elif hasattr(source, "read"):
        stream = source
    else:
        raise ImageError(
            "expected a path, bytes, a file object, a PIL image or a numpy array, "
            f"got {type(source).__name__}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(stream)
            except UnidentifiedImageError:
                if not _heif_opener_added():
                    raise
                image = Image.open(stream)  # a HEIC / HEIF photo now (Pillow rewinds files)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"image too large: {label}") from None
    except UnidentifiedImageError:
        raise ImageError(f"not an image: cannot decode {label}") from None
    except OSError as exc:
        raise ImageError(f"cannot read {label}: {exc}") from None
    return image


def _heif_opener_added() -> bool:
    """Teach Pillow HEIC / HEIF (an iPhone's photos) on first need; False if it knew them.

    pillow-heif is imported only when Pillow alone cannot identify a file: it takes 20 ms to
    import, and almost every upload is a PNG or a JPEG.
    """
    if "HEIF" in Image.OPEN:  # Pillow's registry of openers: pillow-heif's is there
        return False
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return True


def _pil_to_grey(image: Image.Image, label: str, ours: bool = False) -> np.ndarray:
    """``image`` as grey pixels; ``ours``: opened here, so it may be turned in place (a
    caller's image is copied instead: a tenth of a 300x300 PNG's decoding time)."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"image too large: {label} is {width} x {height} pixels, "
            f"the limit is {MAX_PIXELS // 1_000_000} megapixels"
        )
    if width == 0 or height == 0:
        raise ImageError(f"empty image: {label} has no pixels")
    if image.format == "JPEG" and image.mode == "RGB":
        # Decode the JPEG's brightness plane only: the same grey, without building colour
        # (a 12 MP photo decodes in ~20 ms instead of ~80 ms).
        image.draft("L", image.size)
    try:
        image.seek(0)  # first frame of an animated GIF / multi-page TIFF
        if ours:
            ImageOps.exif_transpose(image, in_place=True)
        else:
            image = ImageOps.exif_transpose(image)
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"corrupt image: cannot decode {label} ({exc})") from None
    return _array_to_grey(_pil_to_array(image))


def _pil_to_array(image: Image.Image) -> np.ndarray:
    """Turn any PIL mode into uint8 grey, RGB or RGBA, keeping transparency."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        if high <= low:
            return np.zeros(values.shape, np.uint8)
        return np.round((values - low) * (255.0 / (high - low))).astype(np.uint8)
    if mode == "1":
        return np.asarray(image.convert("L"))
    if mode in ("L", "RGB", "RGBA"):
        return np.asarray(image)
    has_alpha = mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
    return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))


def _array_to_grey(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3):
        raise ImageError(f"expected a 2-D or 3-D image array, got {array.ndim} dimensions")
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise ImageError(f"expected an image with 1, 3 or 4 channels, got {array.shape[2]}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageError("empty image: the array has no pixels")
    if array.shape[0] * array.shape[1] > MAX_PIXELS:
        raise ImageError(f"image too large: {array.shape[1]} x {array.shape[0]} pixels")
    if array.dtype == np.uint8 and array.ndim == 3:
        return _uint8_colour_to_grey(array)
    if array.dtype == np.uint8:
        # Already what we return (grey PNGs and scans, most files): a copy of our own, without
        # the float round trip that cost as much as decoding a 300x300 PNG.
        return array.copy()
    pixels = _to_unit_float(array)
    if pixels.ndim == 2:
        return _to_uint8(pixels)
    grey = pixels[:, :, :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    if pixels.shape[2] == 4:
        grey = _flatten_alpha(grey, pixels[:, :, 3])
    return _to_uint8(grey)


def _uint8_colour_to_grey(array: np.ndarray) -> np.ndarray:
    """Fast path for the common case (RGB photos, the canvas's RGBA): OpenCV in 8 bits."""
    if array.shape[2] == 3:
        return cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
    grey = cv2.cvtColor(array, cv2.COLOR_RGBA2GRAY)
    alpha = array[:, :, 3]
    if alpha.min() == 255:
        return grey
    unit = _flatten_alpha(grey.astype(np.float32) / 255.0, alpha.astype(np.float32) / 255.0)
    return _to_uint8(unit)


def _flatten_alpha(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite over a background that contrasts with what is drawn.

    A canvas gives white strokes on transparent pixels whose colour is often black, a logo
    gives dark ink on transparent white: what is opaque is the drawing, so the hidden colour
    of transparent pixels must not count. We put the drawing on black when it is light and
    on white when it is dark.
    """
    if float(alpha.min()) >= 1.0:
        return grey
    weight = float(alpha.sum())
    drawn_level = float((grey * alpha).sum() / weight) if weight > 0 else 1.0
    backdrop = 0.0 if drawn_level >= 0.5 else 1.0
    return grey * alpha + backdrop * (1.0 - alpha)


def _to_unit_float(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    if np.issubdtype(array.dtype, np.integer):
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise ImageError(f"expected {array.dtype} pixel values in 0..255, got {low}..{high}")
        return array.astype(np.float32) / 255.0
    if np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float32)
        if not np.isfinite(values).all():
            raise ImageError("expected finite pixel values, got NaN or infinity")
        low, high = float(values.min()), float(values.max())
        # The scale is never guessed: a dark 0..255 picture would pass for a 0..1 one.
        if low < -FLOAT_SLACK or high > 1.0 + FLOAT_SLACK:
            raise ImageError(
                f"expected float pixel values in [0, 1], got {low:g}..{high:g} "
                "(divide 0..255 values by 255)"
            )
        return np.clip(values, 0.0, 1.0)
    raise ImageError(f"expected numeric pixel values, got dtype {array.dtype}")


def _to_uint8(unit: np.ndarray) -> np.ndarray:
    return np.clip(unit * 255.0 + 0.5, 0, 255).astype(np.uint8)
