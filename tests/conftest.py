"""Shared fixtures: MNIST when it is on disk (skip with the reason when not), the shipped
recognizer and a class-balanced handful of MNIST test digits."""

from __future__ import annotations

import numpy as np
import pytest

from digitrec import Recognizer
from digitrec.data import MnistUnavailable, load_mnist


def _mnist(split):
    try:
        return load_mnist(split, download=False)
    except MnistUnavailable as exc:
        pytest.skip(f"MNIST {split} set not available offline: {exc}")


@pytest.fixture(scope="session")
def mnist_test():
    return _mnist("test")


@pytest.fixture(scope="session")
def mnist_train():
    return _mnist("train")


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    return Recognizer.load()


@pytest.fixture()
def mnist_digits(mnist_test):
    """A fixed, class-balanced handful of MNIST test digits: (images, labels)."""
    images, labels = mnist_test
    picks = np.concatenate([np.flatnonzero(labels == d)[:3] for d in range(10)])
    return images[picks], labels[picks]
