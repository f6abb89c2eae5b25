"""Pictures for people: where the digits of a number were found, and how sure the model is.

Used by the page to draw the reading over the user's own picture; any caller that shows a
:class:`~digitrec.recognizer.NumberResult` can use it.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.imageio import ImageSource, load_grey
from digitrec.recognizer import NumberResult

# Boxes of digits read surely, and of guesses (the page's highlight colour), in RGB.
SURE = (46, 160, 67)
UNSURE = (228, 87, 46)
# Pictures are drawn at most this wide: boxes and labels stay legible on any screen, and a
# 12 MP photo is not sent to the browser whole.
MAX_WIDTH = 1000


def draw_number(
    image: ImageSource, result: NumberResult, name: str | None = None, max_width: int = MAX_WIDTH
) -> np.ndarray:
    """The picture (in grey, as RGB uint8) with a box round each digit read and, in a band
    above it, each digit with the model's confidence; guesses in the highlight colour.

    ``image`` is what was read (same orientation: EXIF turns are applied again), ``name``
    how error messages call it.
    """
    grey = load_grey(image, name)
    scale = min(1.0, max_width / grey.shape[1])
    if scale < 1.0:
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    picture = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    if not result.digits:
        return picture
    # Labels are 12-24 px tall whatever the picture's size, in up to two rows, so that the
    # labels of narrow neighbours (a 1 beside a 7) do not overlap.
    font_scale = float(np.clip(grey.shape[0] / 400, 0.55, 0.9))
    line = max(1, round(2 * font_scale))
    (_, text_h), base = cv2.getTextSize("0", cv2.FONT_HERSHEY_SIMPLEX, font_scale, line)
    row_h = text_h + base + 6
    band = np.empty((2 * row_h, picture.shape[1], 3), np.uint8)
    band[:] = np.median(picture.reshape(-1, 3), axis=0)
    picture = np.vstack([band, picture])
    row_end = [-1, -1]
    for digit in result.digits:
        x, y, w, h = (round(v * scale) for v in digit.box)
        colour = UNSURE if digit.unsure else SURE
        top = y + 2 * row_h
        cv2.rectangle(picture, (x, top), (x + w, top + h), colour, max(2, line), cv2.LINE_AA)
        label = f"{digit.digit}: {percent(digit.confidence)}"
        (text_w, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, line)
        row = 0 if x > row_end[0] else 1 if x > row_end[1] else int(row_end[1] < row_end[0])
        row_end[row] = x + text_w + text_h
        origin = (x, row * row_h + text_h + 3)
        cv2.putText(
            picture, label, origin, cv2.FONT_HERSHEY_SIMPLEX, font_scale, colour, line, cv2.LINE_AA
        )
    return picture


def percent(confidence: float) -> str:
    """A whole percentage that never rounds a near-certainty up to "100%"."""
    return ">99%" if confidence > 0.99 else f"{confidence:.0%}"
