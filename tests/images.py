"""Test images built the way users make them."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def drawn_digit(label: int, size: int = 280, thickness: int = 22, scale: float = 7.0) -> np.ndarray:
    """A digit drawn in white with a thick round pen on black, like the canvas (grey)."""
    canvas = np.zeros((size, size), np.uint8)
    text = str(label)
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    origin = ((size - width) // 2, (size + height) // 2)
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    return canvas


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG")
    return buffer.getvalue()
