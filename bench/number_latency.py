"""Time of one ``Recognizer.read_number()`` call (decoding, segmentation, the model): the
first call, and the median of ``--runs`` after warm-up.

    python bench/number_latency.py [--runs 30]

Inputs: 4 and 8 digits written on the page's wide canvas (RGBA, as the page sends it), a
JPEG photo of 4 digits on ruled paper, a 12 MP (4032x3024) JPEG photo of a page with a
3-digit number on it, and pages of writing that are not a number: a scanned page of print
(hundreds of marks: the reader must say so within a second, not try every split) and three
lines of print in a strip.

Prints the machine's load average beside the figures: on a shared machine, say it.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from digitrec import Recognizer
from digitrec.training import number_renders

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from recognize_latency import median_ms  # noqa: E402

from tests.images import number_canvas, page_of_writing, pen, written  # noqa: E402


def phone_photo_of_a_number() -> bytes:
    """A 12 MP photo of a page, lit from one side, with a 3-digit number 5% of its height."""
    number = written([pen(8), pen(0), pen(5)], seed=7, height=150, brush=12)
    page = np.full((3024, 4032), 225, np.float32)
    for y in range(300, 3024, 220):  # the page's ruled lines, under the ink
        cv2.line(page, (0, y), (4031, y + 30), 170, 5)
    page *= np.linspace(0.7, 1.0, 4032)[None, :]  # lit from one side
    top, left = 1500, 1200
    window = page[top : top + number.ink.shape[0], left : left + number.ink.shape[1]]
    window *= 1 - 0.85 * number.ink
    grey = np.clip(page + np.random.default_rng(0).normal(0, 4, page.shape), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(grey.astype(np.uint8)).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def strip_of_print() -> np.ndarray:
    strip = np.full((300, 800), 250, np.uint8)
    for row, text in enumerate(
        ["the quick brown fox", "jumps over a lazy", "dog while cats watch"]
    ):
        cv2.putText(strip, text, (20, 80 + 90 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 20, 3)
    return strip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    recognizer = Recognizer.load()
    rng = np.random.default_rng(0)
    four = written([pen(d) for d in (2, 0, 2, 4)], seed=0)
    eight = written([pen(d) for d in (3, 1, 4, 1, 5, 9, 2, 6)], seed=1, height=70, brush=12)
    paper = written([pen(d) for d in (7, 3, 1, 9)], seed=2, height=70, brush=6)
    inputs = {
        "4 digits on the canvas": number_canvas(four),
        "8 digits on the canvas": number_canvas(eight),
        "4 digits, JPEG photo of ruled paper": number_renders.on_paper(paper, rng, ruled=True),
        "3 digits in a 12 MP JPEG photo": phone_photo_of_a_number(),
        "page of print, 1200x1600": page_of_writing(),
        "3 lines of print, 800x300": strip_of_print(),
    }
    print(
        f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
        f"({os.cpu_count()} cores)"
    )
    print(f"{'input':<38} {'read':<10} {'marks':>5} {'first ms':>9} {'median ms':>10}")
    for name, image in inputs.items():
        started = time.perf_counter()
        result = recognizer.read_number(image)
        first = 1000 * (time.perf_counter() - started)
        median = median_ms(lambda image=image: recognizer.read_number(image), runs, warmup=3)
        print(
            f"{name:<38} {result.number or '-':<10} {result.marks:>5} {first:>9.1f} {median:>10.1f}"
        )
        if result.note:
            print(f"    note: {result.note}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
