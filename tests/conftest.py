"""Shared fixtures: MNIST and the UNIPEN validation digits when they are on disk, the
shipped recognizer and a class-balanced handful of MNIST test digits.

Missing data (or model, or browser) skips a test, with the reason, on a developer's machine;
in CI (``CI`` set) it fails it, so that a run without them can never pass green. Every test
that depends on something it may not find goes through :func:`missing`.
"""

from __future__ import annotations

import os
from typing import NoReturn

import numpy as np
import pytest

from digitrec import Recognizer
from digitrec.data import MnistUnavailable, load_mnist
from digitrec.training import pen_replay


def missing(what: str) -> NoReturn:
    """Fail in CI, skip elsewhere: data, the model or a browser the tests need is not on
    this machine. Works in a test and at a module's top (skipping or failing the module)."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must provide it: see .ci/run)", pytrace=False)
    pytest.skip(what, allow_module_level=True)


def _mnist(split):
    try:
        return load_mnist(split, download=False)
    except MnistUnavailable as exc:
        missing(f"MNIST {split} set not available offline: {exc}")


@pytest.fixture(scope="session")
def mnist_test():
    return _mnist("test")


@pytest.fixture(scope="session")
def mnist_train():
    return _mnist("train")


@pytest.fixture(scope="session")
def unipen_digits():
    try:
        return pen_replay.load()
    except pen_replay.UnipenUnavailable as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    return Recognizer.load()


@pytest.fixture()
def mnist_digits(mnist_test):
    """A fixed, class-balanced handful of MNIST test digits: (images, labels)."""
    images, labels = mnist_test
    picks = np.concatenate([np.flatnonzero(labels == d)[:3] for d in range(10)])
    return images[picks], labels[picks]
