"""Throughput of ``python -m digitrec predict`` on many image files, decoding included.

    python bench/predict_throughput.py [--count 10000]

Writes MNIST test digits as PNG files (dark ink on white, 56x56) to a temporary folder,
times the CLI on one file (start-up: imports, model load, worker start) and on all files,
and prints images per second with the start-up subtracted.
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


def timed_predict(files: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "digitrec", "predict", "--json", *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - started
    lines = completed.stdout.count(b"\n")
    if lines != len(files):
        raise SystemExit(f"expected {len(files)} result lines, got {lines}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10000)
    count = parser.parse_args().count
    images, _ = load_mnist("test")
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(count):
            path = Path(folder) / f"{i:05d}.png"
            cv2.imwrite(str(path), 255 - cv2.resize(images[i % len(images)], (56, 56)))
            files.append(str(path))
        startup = min(timed_predict(files[:1]) for _ in range(3))
        total = timed_predict(files)
    print(f"start-up (one file, best of 3): {startup:.2f} s")
    print(
        f"{count} files: {total:.2f} s in all; "
        f"{count / (total - startup):.0f} images/s after start-up "
        f"({count / total:.0f} images/s including it)"
    )


if __name__ == "__main__":
    main()
