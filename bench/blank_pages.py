"""How often a photo of a page with no digit on it is read as a digit.

    python bench/blank_pages.py [--count 60] [--seed 0]

Each blank page is a 12 MP phone photo as ``bench/realistic_accuracy.py`` takes them (ruled,
squared or plain paper, slightly turned, often the table beyond the sheet's edge, the
lamp's gradient and a soft shadow, JPEG), without a digit: half of them with a stray dot of
ink, which alone is no digit either. Each is read at 12 MP, shrunk to 1,000 px (a messenger's
size) and shrunk to 300-600 px (a thumbnail). The right answer is always "no digit"; the
script prints how many pages gave a digit instead, and which digits, per size.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from digitrec import Recognizer
from digitrec.training import renders


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=60, help="blank pages")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng([args.seed, 700])
    blank = np.zeros((28, 28), np.uint8)
    photos = [renders.phone_photo(blank, rng, dot=page % 2 == 0) for page in range(args.count)]
    sides = rng.integers(300, 601, args.count)
    sizes = {
        "12 MP": photos,
        "1,000 px": [renders.shrunk_photo(photo, 1000) for photo in photos],
        "300-600 px": [renders.shrunk_photo(p, int(s)) for p, s in zip(photos, sides)],
    }
    recognizer = Recognizer.load()
    print(f"{'size':<12} {'pages':>5} {'read as a digit':>16}  digits read")
    for name, pictures in sizes.items():
        results = recognizer.recognize_many(pictures)
        read = [r.digit for r in results if r.digit is not None]
        # Pages with a stray dot (the even ones) among those read as a digit.
        dots = sum(r.digit is not None for r in results[::2])
        counts = ", ".join(f"{d}: {n}" for d, n in sorted(Counter(read).items()))
        print(f"{name:<12} {len(pictures):>5} {len(read):>16}  {counts or '-'} ({dots} with a dot)")


if __name__ == "__main__":
    main()
