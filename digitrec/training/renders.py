"""Realistic test inputs: digits as users hand them to us, not as MNIST stores them.

Used by the tests and by ``bench/realistic_accuracy.py`` to check the whole recognizer on
inputs it was not trained on:

- :func:`photo_of_paper`: dark ink on unevenly lit paper, sensor noise, blur, JPEG, at a
  random size and position (a phone photo or a scan); :func:`photo_in_pencil`: the same
  in pencil, grey and broken up by the paper's grain;
- :func:`phone_photo`: a 12 MP phone photo of a notebook page (ruled, squared or plain) with
  one small digit somewhere on it, the paper's edge and the table, shadow, noise, a stray dot;
- :func:`chalk_on_board`: a photo of a classroom's board, the digit in chalk, light on a
  dark green or black ground;
- :func:`as_heic`: any picture saved as an iPhone saves its photos (HEIC);
- :func:`canvas_drawing`: the digit redrawn with a thick round brush on a 280x280 RGBA
  canvas, white on black or white on transparent (what the app's canvas returns);
- :func:`small_scan_filled`: a small clean scan (16-64 px) that the digit fills, as older
  digit sets keep them; :func:`stretched_black_and_white_scan`: a 16 px black-and-white
  one that the digit fills both ways, as Semeion's;
- :func:`stroke_drawing`: digits drawn from hand-made pen strokes in several writing styles
  (a 1 with a flag and a base, a 7 with a crossbar, an open 4, ...): no MNIST at all; their
  traces (:func:`stroke_traces`) are what the load test's virtual people draw.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from digitrec.training import augment
from digitrec.training.strokes import canvas_rgba

CANVAS = 280
# A 12-megapixel phone camera's frame (4:3), the size most phone photos arrive in.
PHONE_FRAME = (3024, 4032)
# Pencil's grey on the 0..1 scale, from a soft pencil pressed hard to a hard one pressed
# lightly (pen ink is 0.05-0.3).
PENCIL_GREYS = (0.35, 0.65)
# A classroom board's colour (RGB, 0..1, in full light): green slate and black; chalk.
BOARDS = ((0.12, 0.22, 0.16), (0.1, 0.1, 0.11))
CHALK = (0.85, 0.85, 0.82)
# A photo of a board as a phone passes it on (a messenger's 1600 px), either orientation.
BOARD_PHOTO = (1200, 1600)


def photo_of_paper(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``digit`` (28x28, ink bright) written in dark ink on paper."""
    height = int(rng.integers(40, 260))
    page = (int(height * rng.uniform(1.3, 3.0)), int(height * rng.uniform(1.3, 3.0)))
    return _written_on_paper(digit, height, page, rng)


def cropped_photo(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A photo cropped close round ``digit`` before it is sent, as people crop a phone photo:
    700-2000 px on its longer side, the digit 40-90% of that, dark ink on unevenly lit
    paper, noise, blur and JPEG as in :func:`photo_of_paper`."""
    side = int(rng.integers(700, 2001))
    height = int(side * rng.uniform(0.4, 0.9))
    other = max(height, int(side * rng.uniform(0.7, 1.0)))
    page = (side, other) if rng.random() < 0.5 else (other, side)
    return _written_on_paper(digit, height, page, rng)


def cropped_to_the_ink(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A photo cut at the edges of ``digit``'s ink, as a crop tool dragged round it (or a
    scanned form's digit box) leaves it: 150-2000 px on its longer side (log-uniform), the
    rim on the ink on one or two sides and at most 6% of paper beyond it on the others,
    where the cut may also bite up to 1% into the strokes."""
    ink_side = float(np.exp(rng.uniform(np.log(150), np.log(2000))))
    # The 28x28 box's ink spans about 20 of its pixels: the box is drawn that much larger.
    box = int(ink_side * 28 / 20)
    ink = _pen_ink(digit, box)
    ys, xs = np.nonzero(ink > 0.5)
    size = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    margins = rng.uniform(-0.01, 0.06, 4) * size  # left, top, right, bottom
    margins[rng.choice(4, size=int(rng.integers(1, 3)), replace=False)] = 0.0
    left, top = int(xs.min() - margins[0]), int(ys.min() - margins[1])
    right, bottom = int(xs.max() + 1 + margins[2]), int(ys.max() + 1 + margins[3])
    pad = max(0, -left, -top, right - ink.shape[1], bottom - ink.shape[0])
    ink = np.pad(ink, pad)
    alpha = np.ascontiguousarray(ink[top + pad : bottom + pad, left + pad : right + pad])
    return _photographed(alpha, box, rng)


def small_scan_filled(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A small clean scan that ``digit`` (28x28, ink bright) fills, as older digit sets keep
    them (USPS's 16x16, Semeion's, a form reader's cut-outs): its ink's box scaled until
    the longer side spans the whole picture, 16-64 px (log-uniform), grey levels kept, flat
    paper, dark ink on white or (a third) light on black, PNG."""
    side = round(float(np.exp(rng.uniform(np.log(16), np.log(64)))))
    x, y, w, h = cv2.boundingRect((digit > 0).astype(np.uint8))
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    ink = cv2.resize(digit[y : y + h, x : x + w], size, interpolation=cv2.INTER_AREA)
    scan = np.zeros((side, side), np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    scan[top : top + size[1], left : left + size[0]] = ink
    buffer = io.BytesIO()
    Image.fromarray(scan if rng.random() < 1 / 3 else 255 - scan).save(buffer, "PNG")
    return buffer.getvalue()


def stretched_black_and_white_scan(digit: np.ndarray) -> bytes:
    """A 16x16 black-and-white scan that ``digit`` (any size, ink bright) fills both ways, its
    ink's box stretched to the square, black ink on white, PNG: as Semeion keeps its digits."""
    x, y, w, h = cv2.boundingRect((digit > 0).astype(np.uint8))
    square = cv2.resize(digit[y : y + h, x : x + w], (16, 16), interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(np.where(square > 127, 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def uci_digits(blown_up: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
    """scikit-learn's 1,797 UCI digits (43 writers, not MNIST; 8x8 counts 0..16, each digit
    filling its frame) as pictures the recognizer takes, and their labels: ``blown_up``,
    each pixel an 8x8 block, ink bright in 0..1; else 8x8 uint8 pictures. Needs
    scikit-learn."""
    from sklearn.datasets import load_digits

    uci = load_digits()
    if not blown_up:
        return [np.round(x * (255 / 16)).astype(np.uint8) for x in uci.images], uci.target
    return [np.kron(x, np.ones((8, 8))) / 16.0 for x in uci.images], uci.target


def circled_on_paper(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``digit`` (ink bright) circled by hand, as an answer on a worksheet
    is: an oval round its ink, clear of it (1-1.25 times the half-diagonal of its box
    further out), begun anywhere and closed short of its start or past it (0.92-1.08
    turns), wobbling a little, in the digit's pen (2-5% of its height); photographed as
    :func:`photo_of_paper` photographs a digit."""
    height = int(rng.integers(40, 260))
    ink = _pen_ink(digit, height)
    ys, xs = np.nonzero(ink > 0.5)
    pen = max(1, round(rng.uniform(0.02, 0.05) * height))
    reach = rng.uniform(1.0, 1.25) * np.sqrt(2.0)
    rx = (xs.max() - xs.min()) / 2 * reach + 2 * pen
    ry = (ys.max() - ys.min()) / 2 * reach * rng.uniform(0.9, 1.0) + 2 * pen
    pad = int(max(rx, ry)) + height // 4
    alpha = np.pad(ink, pad)
    cx, cy = pad + (xs.min() + xs.max()) / 2, pad + (ys.min() + ys.max()) / 2
    start = rng.uniform(0.0, 2 * np.pi)
    turn = start + np.linspace(0.0, 2 * np.pi * rng.uniform(0.92, 1.08), 90)
    wobble = 1 + 0.03 * np.sin(2 * turn + start)
    points = np.column_stack([cx + rx * np.cos(turn) * wobble, cy + ry * np.sin(turn)])
    ring = np.zeros_like(alpha)
    cv2.polylines(ring, [np.round(points * 4).astype(np.int32)], False, 1.0, pen, cv2.LINE_AA, 2)
    return _photographed(np.maximum(alpha, ring), height, rng)


def photo_in_a_box(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``digit`` (28x28, ink bright) written in a printed box, as a form's
    one-digit field holds it: the box 0.15-0.5 digit heights from the ink, its line 1.5-4%
    of the digit's height thick and paler than the pen or as dark, some paper round it."""
    height = int(rng.integers(40, 260))
    ink = _pen_ink(digit, height)
    ys, xs = np.nonzero(ink > 0.5)
    size = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    margin = int(rng.uniform(0.15, 0.5) * size)
    paper = int(rng.uniform(0.1, 0.6) * size) + 2
    x0, y0 = xs.min() - margin, ys.min() - margin
    x1, y1 = xs.max() + margin, ys.max() + margin
    pad = max(0, -x0, -y0, x1 - ink.shape[1] + 1, y1 - ink.shape[0] + 1) + paper
    alpha = np.pad(ink, pad)
    box = np.zeros_like(alpha)
    thickness = max(1, round(rng.uniform(0.015, 0.04) * size))
    cv2.rectangle(box, (x0 + pad, y0 + pad), (x1 + pad, y1 + pad), 1.0, thickness)
    alpha = np.maximum(alpha, rng.uniform(0.5, 1.0) * box)
    top, left = y0 + pad - paper, x0 + pad - paper
    alpha = alpha[top : y1 + pad + paper + 1, left : x1 + pad + paper + 1]
    return _photographed(np.ascontiguousarray(alpha), height, rng)


def chalk_on_board(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``digit`` (28x28, ink bright) in chalk on a board: 25-60% of the
    frame's height anywhere on it, strokes broken up by the chalk's grain, a haze of erased
    chalk, the lamp's gradient and sensor noise (see BOARDS, BOARD_PHOTO)."""
    shape = BOARD_PHOTO if rng.random() < 0.5 else BOARD_PHOTO[::-1]
    height, width = shape
    board = np.array(BOARDS[int(rng.integers(len(BOARDS)))]) * rng.uniform(0.8, 1.3)
    haze = cv2.GaussianBlur(rng.random((height // 8, width // 8)).astype(np.float32), (0, 0), 4)
    ground = board + cv2.resize(haze, (width, height))[..., None] * rng.uniform(0.05, 0.15)
    side = int(min(shape) * rng.uniform(0.25, 0.6))
    grain = cv2.GaussianBlur(rng.random((side, side)).astype(np.float32), (0, 0), 1.0)
    ink = _pen_ink(digit, side) * np.clip(0.2 + 1.2 * grain, 0.0, 1.0)
    top, left = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
    alpha = np.zeros(shape, np.float32)
    alpha[top : top + side, left : left + side] = ink
    photo = ground * (1 - alpha[..., None]) + np.array(CHALK) * alpha[..., None]
    light = cv2.resize(_uneven_light((height // 16, width // 16), rng), (width, height))
    return developed(photo * light[..., None], rng, noise=0.02, blur=1.0, quality=70)


def as_heic(picture: np.ndarray, quality: int = 90, **options) -> bytes:
    """``picture`` (uint8 grey or RGB) as an iPhone saves a photo: HEIC, at ``quality``
    (``options``: e.g. ``exif``)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write one; digitrec reads them without being told
    buffer = io.BytesIO()
    Image.fromarray(picture).convert("RGB").save(buffer, "HEIF", quality=quality, **options)
    return buffer.getvalue()


def photo_in_pencil(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG photo of ``digit`` (28x28, ink bright) written in pencil (PENCIL_GREYS), its
    strokes broken up by the paper's tooth; the digit 40-240 px tall on a page 1.3-4 times
    its size, lit and photographed as :func:`photo_of_paper`."""
    height = int(rng.integers(40, 240))
    page = (int(height * rng.uniform(1.3, 4.0)), int(height * rng.uniform(1.3, 4.0)))
    return _written_on_paper(digit, height, page, rng, pencil=True)


def _written_on_paper(
    digit: np.ndarray,
    height: int,
    page: tuple[int, int],
    rng: np.random.Generator,
    pencil: bool = False,
) -> bytes:
    """``digit`` (ink bright) ``height`` px tall somewhere on a page of ``page`` (h, w) px,
    in pen or ``pencil``."""
    ink = _pen_ink(digit, height)
    if pencil:
        ink *= _paper_tooth(ink.shape, rng)
    page_h, page_w = page
    top = int(rng.integers(0, page_h - height + 1))
    left = int(rng.integers(0, page_w - height + 1))
    alpha = np.zeros((page_h, page_w), np.float32)
    alpha[top : top + height, left : left + height] = ink
    return _photographed(alpha, height, rng, pencil)


def _paper_tooth(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """How much of a pencil stroke the paper's grain takes, pixel by pixel: 0.35..1, 0.85 on
    average (graphite only marks the grain's peaks)."""
    grain = cv2.GaussianBlur(rng.uniform(0.0, 1.0, shape).astype(np.float32), (0, 0), 0.7)
    return np.clip(0.35 + grain, 0.0, 1.0)


def _photographed(
    alpha: np.ndarray, height: int, rng: np.random.Generator, pencil: bool = False
) -> bytes:
    """Ink coverage ``alpha`` (0..1) in dark ink, or graphite if ``pencil``, on unevenly lit
    paper, photographed as a JPEG; ``height``, the digit's size in pixels, sets the blur."""
    page_h, page_w = alpha.shape
    paper = rng.uniform(0.75, 0.97) * np.array(
        [1.0, rng.uniform(0.95, 1.0), rng.uniform(0.88, 1.0)]
    )
    if pencil:
        ink_colour = np.full(3, rng.uniform(*PENCIL_GREYS))
    else:
        ink_colour = rng.choice(
            [[0.1, 0.1, 0.12], [0.12, 0.15, 0.45], [0.2, 0.2, 0.2]]
        ) * rng.uniform(0.5, 1.5)
    light = _uneven_light((page_h, page_w), rng)
    photo = (paper * (1 - alpha[..., None]) + ink_colour * alpha[..., None]) * light[..., None]
    return developed(photo, rng, noise=0.04, blur=1.2 * height / 100, quality=40)


def developed(
    photo: np.ndarray, rng: np.random.Generator, noise: float, blur: float, quality: int
) -> bytes:
    """``photo`` (RGB floats, 0..1) as a camera or scanner hands it over: sensor noise of up
    to ``noise``, a blur of up to ``blur`` pixels, JPEG of ``quality`` to 91."""
    photo += rng.normal(0.0, rng.uniform(0.005, noise), photo.shape)
    sigma = rng.uniform(0.0, 1.0) * blur
    if sigma > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    image = Image.fromarray(np.clip(photo * 255, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(quality, 92)))
    return buffer.getvalue()


def phone_photo(
    digit: np.ndarray,
    rng: np.random.Generator,
    paper: str | None = None,
    height: float | None = None,
    dot: bool | None = None,
    pencil: bool = False,
) -> bytes:
    """A 12 MP JPEG phone photo of a page with ``digit`` (28x28, ink bright) written on it.

    The digit is 5-30% of the frame's height (or ``height``), anywhere on the page; the page
    is ``paper`` ("ruled", "squared" or "plain"; random by default), slightly turned, and
    sometimes shows its edge and the darker table; the lamp leaves a gradient and often a
    soft shadow; sensor noise, a stray dot of ink (``dot``; often, by default) and JPEG
    finish it. Either orientation. In pen, or in ``pencil`` as :func:`photo_in_pencil`.
    """
    shape = PHONE_FRAME if rng.random() < 0.5 else PHONE_FRAME[::-1]
    frame_h, frame_w = shape
    table = rng.uniform(0.15, 0.55) * np.array([1.0, rng.uniform(0.8, 1.0), rng.uniform(0.6, 1.0)])
    paper_colour = rng.uniform(0.8, 0.97) * np.array(
        [1.0, rng.uniform(0.96, 1.0), rng.uniform(0.9, 1.0)]
    )
    sheet = _sheet_mask(shape, rng)
    layers = [(sheet, paper_colour)]
    kind = paper or str(rng.choice(["ruled", "squared", "plain"]))
    if kind != "plain":
        lines, colour = _ruling(shape, kind, rng)
        layers.append((lines * sheet, colour))
    digit_h = int(frame_h * (height if height is not None else rng.uniform(0.05, 0.30)))
    with_dot = rng.random() < 0.7 if dot is None else dot
    layers += _ink_layers(digit, digit_h, shape, sheet, rng, with_dot, pencil)
    photo = np.empty((frame_h, frame_w, 3), np.float32)
    photo[:] = table.astype(np.float32)
    for alpha, colour in layers:
        for c in range(3):  # cv2 blends one plane at a time without full-size temporaries
            plane = photo[:, :, c]
            plane += alpha * np.float32(colour[c]) - alpha * plane
    light = _uneven_light((frame_h // 16, frame_w // 16), rng)
    if rng.random() < 0.5:
        light *= _soft_shadow(light.shape, rng)
    light = cv2.resize(light, (frame_w, frame_h), interpolation=cv2.INTER_LINEAR)
    photo *= light[..., None]
    blur = rng.uniform(0.0, 2.0)
    if blur > 0.5:
        photo = cv2.GaussianBlur(photo, (0, 0), blur)
    image = np.clip(photo * 255.0, 0, 255).astype(np.uint8)
    # Sensor noise, drawn once on a tile and laid at random offsets: the same look as fresh
    # noise everywhere at a fraction of a 36-million-sample draw.
    tile = rng.normal(0.0, rng.uniform(1.0, 8.0), (512, 512, 3)).astype(np.float32)
    reps = (-(-frame_h // 512) + 1, -(-frame_w // 512) + 1, 1)
    top, left = int(rng.integers(512)), int(rng.integers(512))
    noise = np.tile(tile, reps)[top : top + frame_h, left : left + frame_w]
    image = cv2.add(image, noise, dtype=cv2.CV_8U)
    buffer = io.BytesIO()
    Image.fromarray(image, "RGB").save(buffer, "JPEG", quality=int(rng.integers(70, 95)))
    return buffer.getvalue()


def shrunk_photo(photo: bytes, longer_side: int) -> bytes:
    """``photo`` (JPEG bytes) as a messenger or a thumbnail passes it on: shrunk to
    ``longer_side`` pixels on its longer side and saved again as a JPEG."""
    image = Image.open(io.BytesIO(photo))
    factor = longer_side / max(image.size)
    image = image.resize(
        (round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _sheet_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Where the paper is: the whole frame, or a slightly turned sheet whose edge shows."""
    frame_h, frame_w = shape
    mask = np.zeros(shape, np.float32)
    if rng.random() < 0.5:
        mask[:] = 1.0
        return mask
    # The sheet covers most of the frame; one or two of its edges fall inside the picture.
    angle = np.deg2rad(rng.uniform(-6, 6))
    inset = rng.uniform(0.0, 0.15, 4) * np.array([frame_w, frame_h, frame_w, frame_h])
    inset[rng.choice(4, int(rng.integers(2, 4)), replace=False)] = -0.2 * max(shape)
    corners = np.array(
        [
            [inset[0], inset[1]],
            [frame_w - inset[2], inset[1]],
            [frame_w - inset[2], frame_h - inset[3]],
            [inset[0], frame_h - inset[3]],
        ]
    )
    centre = corners.mean(axis=0)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = (corners - centre) @ turn.T + centre
    cv2.fillConvexPoly(mask, np.round(corners * 16).astype(np.int32), 1.0, cv2.LINE_AA, 4)
    return mask


def _ruling(
    shape: tuple[int, int], kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Printed lines of a ruled (every 6-10 mm) or squared (5 mm) page, slightly turned."""
    frame_h, frame_w = shape
    side = max(shape)
    # A page photographed whole spans ~250 mm over the longer side.
    per_mm = side / rng.uniform(180, 300)
    spacing = per_mm * (rng.uniform(6, 10) if kind == "ruled" else 5.0)
    width = max(1, round(per_mm * rng.uniform(0.15, 0.4)))
    angle = np.deg2rad(rng.uniform(-4, 4))
    lines = np.zeros(shape, np.uint8)
    centre = np.array([frame_w / 2, frame_h / 2])
    directions = [np.array([np.cos(angle), np.sin(angle)])]
    if kind == "squared":
        directions.append(np.array([-np.sin(angle), np.cos(angle)]))
    offset = rng.uniform(0, spacing)
    for along in directions:
        across = np.array([-along[1], along[0]])
        for k in np.arange(-side, side, spacing):
            middle = centre + (k + offset) * across
            ends = np.round(np.array([middle - side * along, middle + side * along]) * 16)
            cv2.line(lines, *[tuple(int(v) for v in p) for p in ends], 255, width, cv2.LINE_AA, 4)
    colour = rng.choice([[0.55, 0.7, 0.9], [0.6, 0.6, 0.6], [0.45, 0.55, 0.8]])
    return lines.astype(np.float32) * np.float32(rng.uniform(0.5, 1.0) / 255.0), colour


def _ink_layers(
    digit: np.ndarray,
    digit_h: int,
    shape: tuple[int, int],
    sheet: np.ndarray,
    rng: np.random.Generator,
    dot: bool,
    pencil: bool = False,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The digit in pen ink (or ``pencil``) at a random place on the sheet, and a stray dot
    of the same ink."""
    frame_h, frame_w = shape
    ink = _pen_ink(digit, digit_h)
    colour = rng.choice([[0.1, 0.1, 0.12], [0.12, 0.15, 0.45], [0.2, 0.2, 0.2]]) * rng.uniform(
        0.5, 1.3
    )
    if pencil:
        ink *= _paper_tooth(ink.shape, rng)
        colour = np.full(3, rng.uniform(*PENCIL_GREYS))
    alpha = np.zeros(shape, np.float32)
    margin = digit_h // 4
    for _ in range(50):  # a place whose corners all lie on the paper
        top = int(rng.integers(margin, frame_h - digit_h - margin))
        left = int(rng.integers(margin, frame_w - digit_h - margin))
        corners = sheet[[top, top, top + digit_h, top + digit_h], [left, left + digit_h] * 2]
        if corners.min() > 0.99:
            break
    alpha[top : top + digit_h, left : left + digit_h] = ink
    if dot:
        # A dot a few pen widths across, well away from the digit.
        radius = int(digit_h * rng.uniform(0.03, 0.06)) + 2
        while True:
            y, x = int(rng.integers(frame_h)), int(rng.integers(frame_w))
            if abs(y - top - digit_h / 2) > digit_h and abs(x - left - digit_h / 2) > digit_h:
                break
        cv2.circle(alpha, (x, y), radius, 1.0, -1, cv2.LINE_AA)
    return [(alpha, colour)]


def _soft_shadow(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The shadow of the phone or a hand: a darker half-plane with a soft edge."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    across = np.cos(angle) * (cols / shape[1] - rng.uniform(0.2, 0.8)) + np.sin(angle) * (
        rows / shape[0] - rng.uniform(0.2, 0.8)
    )
    edge = 1.0 / (1.0 + np.exp(-across / rng.uniform(0.02, 0.08)))
    return (1.0 - rng.uniform(0.2, 0.45) * edge).astype(np.float32)


def _pen_ink(digit: np.ndarray, side: int) -> np.ndarray:
    """``digit`` enlarged to ``side`` pixels as pen ink coverage, 0..1: pen ink saturates,
    where MNIST's grey edges do not."""
    ink = cv2.resize(digit, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return np.clip((ink / 255.0 - 0.2) / 0.6, 0.0, 1.0)


def _uneven_light(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A lamp off to one side: a linear gradient times a soft spot, 0.45..1."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * cols / shape[1] + np.sin(angle) * rows / shape[0]) * rng.uniform(
        0.1, 0.4
    )
    cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
    spot = np.exp(
        -(((rows - cy) / shape[0]) ** 2 + ((cols - cx) / shape[1]) ** 2) * rng.uniform(0.5, 2.0)
    )
    light = 1.0 - ramp - 0.25 * (1 - spot)
    return np.clip(light / light.max(), 0.45, 1.0)


def canvas_drawing(
    digit: np.ndarray, rng: np.random.Generator, transparent: bool = False
) -> np.ndarray:
    """``digit`` redrawn with a round brush on a 280x280 RGBA canvas, white strokes.

    The digit's centre line is traced and stamped with a disc of 1/18 to 1/7 of its height,
    at a random size and position, as a person drawing with a finger or mouse leaves it.
    """
    size = int(rng.integers(90, 250))
    big = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC)
    brush = int(rng.integers(max(6, size // 18), max(8, size // 7) + 1))
    strokes = augment.brush_strokes((big > 110).astype(np.uint8), brush)
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    room = CANVAS - size
    top, left = int(rng.integers(0, room + 1)), int(rng.integers(0, room + 1))
    canvas[top : top + size, left : left + size] = strokes * 255
    canvas = cv2.GaussianBlur(canvas, (3, 3), 0)  # the canvas anti-aliases its strokes
    return canvas_rgba(canvas, transparent)


def stroke_drawing(label: int, rng: np.random.Generator, transparent: bool = False) -> np.ndarray:
    """A 280x280 RGBA canvas with ``label`` drawn from one of its hand-made stroke styles."""
    traces, brush = stroke_traces(label, rng)
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    for trace in traces:
        cv2.polylines(canvas, [np.round(trace).astype(np.int32)], False, 255, brush, cv2.LINE_AA)
    return canvas_rgba(canvas, transparent)


def stroke_traces(label: int, rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    """One of ``label``'s hand-made styles placed on the 280x280 canvas at a random size,
    slant and position, with a little tremor: the pen's traces ((N, 2) arrays of x, y in
    canvas pixels) and the brush width in pixels. The load test draws them stroke by stroke."""
    styles = STROKES[label]
    strokes = styles[int(rng.integers(len(styles)))]
    angle = np.deg2rad(rng.uniform(-12, 12))
    shear = rng.uniform(-0.25, 0.25)
    scale = rng.uniform(120, 230) * np.array([rng.uniform(0.7, 1.1), 1.0])
    linear = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array(
        [[1, shear], [0, 1]]
    )
    centre = rng.uniform(110, 170, 2)
    brush = int(rng.integers(10, 30))
    traces = []
    for stroke in strokes:
        points = (np.array(stroke, np.float64) - 0.5) * scale
        traces.append(points @ linear.T + centre + rng.normal(0, 2.5, (len(stroke), 2)))
    return traces, brush


def _arc(cx, cy, rx, ry, start, end, n=12):
    angles = np.deg2rad(np.linspace(start, end, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Pen strokes in a unit box (x right, y down), several common styles per digit.
STROKES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_arc(0.5, 0.5, 0.3, 0.45, -90, 275)], [_arc(0.5, 0.5, 0.35, 0.45, 0, 365)]],
    1: [
        [[(0.5, 0.05), (0.5, 0.95)]],
        [[(0.3, 0.25), (0.55, 0.05), (0.55, 0.95)]],
        [[(0.3, 0.25), (0.55, 0.05), (0.55, 0.95)], [(0.3, 0.95), (0.8, 0.95)]],
    ],
    2: [
        [_arc(0.5, 0.3, 0.3, 0.25, 200, 360) + [(0.75, 0.45), (0.2, 0.95), (0.85, 0.95)]],
        [_arc(0.5, 0.3, 0.3, 0.25, 190, 380) + [(0.2, 0.95), (0.55, 0.85), (0.85, 0.95)]],
    ],
    3: [
        [_arc(0.48, 0.28, 0.28, 0.23, 200, 450) + _arc(0.48, 0.72, 0.32, 0.23, -90, 160)],
        [[(0.2, 0.05), (0.8, 0.05), (0.45, 0.45)] + _arc(0.48, 0.7, 0.32, 0.25, -90, 160)],
    ],
    4: [
        [[(0.6, 0.05), (0.15, 0.65), (0.85, 0.65)], [(0.6, 0.3), (0.6, 0.95)]],
        [[(0.25, 0.05), (0.2, 0.55), (0.8, 0.55)], [(0.7, 0.05), (0.7, 0.95)]],
    ],
    5: [
        [[(0.8, 0.05), (0.3, 0.05), (0.25, 0.45)] + _arc(0.5, 0.68, 0.32, 0.27, -120, 150)],
        [
            [(0.3, 0.05), (0.25, 0.45)] + _arc(0.5, 0.68, 0.32, 0.27, -120, 150),
            [(0.3, 0.05), (0.8, 0.05)],
        ],
    ],
    6: [
        [_arc(0.75, 0.55, 0.55, 0.5, 235, 180, 6) + _arc(0.5, 0.7, 0.28, 0.25, 180, 540)],
        [[(0.65, 0.05), (0.25, 0.6)] + _arc(0.5, 0.72, 0.27, 0.23, 180, 540)],
    ],
    7: [
        [[(0.15, 0.05), (0.85, 0.05), (0.4, 0.95)]],
        [[(0.15, 0.05), (0.85, 0.05), (0.4, 0.95)], [(0.4, 0.5), (0.85, 0.5)]],
        [[(0.15, 0.2), (0.15, 0.05), (0.85, 0.05), (0.5, 0.95)]],
    ],
    8: [
        [_arc(0.5, 0.27, 0.25, 0.22, 90, 450) + _arc(0.5, 0.72, 0.3, 0.23, -90, 270)],
        [_arc(0.5, 0.27, 0.22, 0.22, 0, 360), _arc(0.5, 0.72, 0.3, 0.23, 0, 360)],
    ],
    9: [
        [_arc(0.45, 0.3, 0.28, 0.25, 0, 365) + [(0.73, 0.95)]],
        [_arc(0.45, 0.3, 0.28, 0.25, 0, 365) + [(0.7, 0.7), (0.45, 0.95)]],
    ],
}
