"""Run the preprocessing pipeline over many images on every core.

Preprocessing costs about a millisecond per image in Python; spread over worker processes
(started with "spawn", so it is safe after TensorFlow has started its threads) 60,000
images take tens of seconds rather than a minute.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import cv2
import numpy as np

from digitrec.preprocess import PreparedDigit, prepare_digit

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
    processes = min(workers, len(chunks))
    with multiprocessing.get_context("spawn").Pool(processes, _one_opencv_thread) as pool:
        yield from pool.imap(function, chunks)


def _one_opencv_thread() -> None:
    """Each worker runs OpenCV on one thread: the workers already keep every core busy, and
    OpenCV's own threads would only wait on each other (300x300 files: 2.6 ms of CPU a file
    on two threads, 1.8 ms on one, for the same result)."""
    cv2.setNumThreads(1)


def map_chunks(
    function: Callable[[Any], Any], chunks: Sequence[Any], workers: int | None = None
) -> list:
    """``[function(chunk) for chunk in chunks]``, on worker processes when it pays off."""
    return list(imap_chunks(function, chunks, workers))


class PreparedBatch(NamedTuple):
    """Many pictures made MNIST-like: ``digits`` (N, 28, 28) uint8, blank where ``found``
    is False; ``scattered`` (N,) bool marks found rows that only a model can confirm
    (:class:`digitrec.preprocess.PreparedDigit`)."""

    digits: np.ndarray
    found: np.ndarray
    scattered: np.ndarray

    @property
    def digit_for_sure(self) -> np.ndarray:
        """(N,) bool: the rows that are digits without a model's word (scattered grain
        left out), what :func:`~digitrec.preprocess.to_mnist` returns an image for."""
        return self.found & ~self.scattered


def prepare_many(images: Sequence[np.ndarray], workers: int | None = None) -> PreparedBatch:
    """:func:`digitrec.preprocess.prepare_digit` over many grey images, on every core."""
    chunks = _split(list(images), workers)
    prepared = [p for part in map_chunks(_prepare_chunk, chunks, workers) for p in part]
    found = np.array([p is not None for p in prepared], dtype=bool)
    scattered = np.array([p is not None and p.scattered for p in prepared], dtype=bool)
    digits = (
        np.stack([p.image if p is not None else BLANK for p in prepared])
        if prepared
        else np.zeros((0, 28, 28), np.uint8)
    )
    return PreparedBatch(digits, found, scattered)


def to_mnist_many(
    images: Sequence[np.ndarray], workers: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`prepare_many` for callers without a model, as :func:`~digitrec.preprocess.to_mnist`
    is: ``(digits (N, 28, 28) uint8, found (N,) bool)``, scattered grain not found.

    Where no digit was found the row is blank and ``found`` is False.
    """
    batch = prepare_many(images, workers)
    digits, found = batch.digits, batch.digit_for_sure
    digits[~found] = 0
    return digits, found


def _prepare_chunk(images: list[np.ndarray]) -> list[PreparedDigit | None]:
    return [prepare_digit(image) for image in images]


def _split(items: list, workers: int | None, per_worker: int = 4) -> list[list]:
    workers = cpu_count() if workers is None else workers
    pieces = max(1, min(len(items), workers * per_worker))
    size = -(-len(items) // pieces) if items else 1
    return [items[i : i + size] for i in range(0, len(items), size)]
