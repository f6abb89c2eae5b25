"""Run the preprocessing pipeline over many images on every core.

Preprocessing costs about a millisecond per image in Python; spread over worker processes
(started with "spawn", so it is safe after TensorFlow has started its threads) 60,000
images take tens of seconds rather than a minute.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from digitrec.preprocess import to_mnist

BLANK = np.zeros((28, 28), np.uint8)


def cpu_count() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def imap_chunks(
    function: Callable[[Any], Any], chunks: Sequence[Any], workers: int | None = None
) -> Iterator:
    """``function(chunk)`` for each chunk, in order and as soon as it is ready, on worker
    processes when it pays off (``workers`` defaults to every core; 1 runs here)."""
    workers = cpu_count() if workers is None else workers
    if workers <= 1 or len(chunks) <= 1:
        yield from map(function, chunks)
        return
    with multiprocessing.get_context("spawn").Pool(min(workers, len(chunks))) as pool:
        yield from pool.imap(function, chunks)


def map_chunks(
    function: Callable[[Any], Any], chunks: Sequence[Any], workers: int | None = None
) -> list:
    """``[function(chunk) for chunk in chunks]``, on worker processes when it pays off."""
    return list(imap_chunks(function, chunks, workers))


def to_mnist_many(
    images: Sequence[np.ndarray], workers: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Preprocess many grey images; returns ``(digits (N, 28, 28) uint8, found (N,) bool)``.

    Where no digit was found the row is blank and ``found`` is False.
    """
    chunks = _split(list(images), workers)
    parts = map_chunks(_to_mnist_chunk, chunks, workers)
    digits = [d for part in parts for d in part]
    found = np.array([d is not None for d in digits], dtype=bool)
    stacked = (
        np.stack([d if d is not None else BLANK for d in digits])
        if digits
        else np.zeros((0, 28, 28), np.uint8)
    )
    return stacked, found


def _to_mnist_chunk(images: list[np.ndarray]) -> list[np.ndarray | None]:
    return [to_mnist(image) for image in images]


def _split(items: list, workers: int | None, per_worker: int = 4) -> list[list]:
    workers = cpu_count() if workers is None else workers
    pieces = max(1, min(len(items), workers * per_worker))
    size = -(-len(items) // pieces) if items else 1
    return [items[i : i + size] for i in range(0, len(items), size)]
