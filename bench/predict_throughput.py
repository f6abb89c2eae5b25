"""Throughput of ``python -m digitrec predict`` on many image files, decoding included.

    python bench/predict_throughput.py [--count 10000] [--side 56]

Writes MNIST test digits as PNG files (dark ink on white, --side pixels square: 28 to 300
is the range the CLI is held to) to a temporary folder and
runs the CLI on all of them, reading its output as it streams. Start-up (imports, model
load, worker start, the first chunks) is the time to the first result line; throughput is
the lines that come after the first line's burst over the time from the first line to the
last.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from digitrec.data import load_mnist

# Lines that reach us within this long of the first one were ready by then: start-up's.
SAME_BURST = 0.05


def timed_predict(files: list[str]) -> tuple[float, float, int]:
    """(seconds to the first result line, seconds to the last, lines after start-up)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "digitrec", "predict", "--json", *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    arrivals = [time.perf_counter() - started for _ in process.stdout]
    process.wait()
    last = time.perf_counter() - started
    if len(arrivals) != len(files):
        raise SystemExit(f"expected {len(files)} result lines, got {len(arrivals)}")
    # Results arrive a chunk of files at a time, and several chunks may be done by the first
    # line: whatever comes in the first line's burst counts as start-up, not as throughput.
    first = arrivals[0]
    return first, last, sum(arrival > first + SAME_BURST for arrival in arrivals)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--side", type=int, default=56, help="pixels per side of each file")
    args = parser.parse_args()
    count, side = args.count, args.side
    images, _ = load_mnist("test")
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(count):
            path = Path(folder) / f"{i:05d}.png"
            cv2.imwrite(str(path), 255 - cv2.resize(images[i % len(images)], (side, side)))
            files.append(str(path))
        startup, total, after_first = timed_predict(files)
    print(f"start-up (to the first result line): {startup:.2f} s")
    print(
        f"{count} files of {side}x{side}: {total:.2f} s in all; "
        f"{after_first / (total - startup):.0f} images/s after start-up "
        f"({count / total:.0f} images/s including it)"
    )


if __name__ == "__main__":
    main()
