"""Median latency of one ``Recognizer.recognize()`` call (preprocess + model), after warm-up.

    python bench/recognize_latency.py [--runs 500]

Inputs: a 280x280 RGBA canvas drawing (what the app sends on each stroke), a 28x28 MNIST-
sized array, a JPEG photo of paper and a 12 MP (4032x3024) JPEG phone photo of a ruled page
with a small digit on it, and the same photo as an iPhone saves it, HEIC (decoding
included). Also prints the model alone.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
from PIL import Image

from digitrec import Recognizer
from digitrec.recognizer import prepare
from digitrec.training import renders


def median_ms(function, runs: int, warmup: int = 20) -> float:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=500)
    runs = parser.parse_args().runs

    started = time.perf_counter()
    recognizer = Recognizer.load()
    print(f"Recognizer.load(): {1000 * (time.perf_counter() - started):.0f} ms")

    rng = np.random.default_rng(0)
    strokes = renders.stroke_drawing(7, rng)
    digit = prepare(strokes).image
    inputs = {
        "canvas 280x280 RGBA": strokes,
        "array 28x28 grey": digit,
        "photo JPEG bytes": renders.photo_of_paper(digit, rng),
        "12 MP JPEG photo": renders.phone_photo(digit, rng, "ruled", 0.12),
    }
    # The same photo in an iPhone's format (quality 80: 1-3 MB for 12 MP, as theirs).
    photo = np.asarray(Image.open(io.BytesIO(inputs["12 MP JPEG photo"])).convert("RGB"))
    inputs["12 MP HEIC photo"] = renders.as_heic(photo, quality=80)
    for name, image in inputs.items():
        # A 12 MP photo costs 60-300 ms a call: fewer runs give as steady a median.
        count, warmup = (max(20, runs // 10), 5) if "12 MP" in name else (runs, 20)
        print(
            f"recognize(), {name:>20}: "
            f"median {median_ms(lambda i=image: recognizer.recognize(i), count, warmup):.2f} ms"
        )
    batch = digit[None]
    model_only = median_ms(lambda: recognizer.probabilities(batch), runs)
    print(f"model alone (LiteRT), one 28x28 digit: median {model_only:.3f} ms")


if __name__ == "__main__":
    main()
