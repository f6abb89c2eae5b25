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
from digitrec.personal import BaseModel
from digitrec.training import REPO_ROOT, pen_replay


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


@pytest.fixture(scope="session")
def features_dir(tmp_path_factory, mnist_train):
    """The features model and heads exported from the shipped .keras (never into models/)."""
    if not (REPO_ROOT / "models" / "digitrec_cnn.keras").is_file():
        pytest.skip("models/digitrec_cnn.keras is missing")
    pytest.importorskip("keras")
    from digitrec.training.features import export_features

    folder = tmp_path_factory.mktemp("features")
    export_features(
        REPO_ROOT / "models" / "digitrec_cnn.keras",
        folder,
        per_digit=30,
        boundary=100,
        boundary_pool=2000,
    )
    return folder


@pytest.fixture(scope="session")
def base(features_dir) -> BaseModel:
    return BaseModel.load(features_dir)


@pytest.fixture(scope="session", autouse=True)
def private_feedback_db(tmp_path_factory):
    """Keep every test's saved corrections (and servers started by tests) out of the
    developer's own data directory."""
    from digitrec import feedback

    saved = os.environ.get(feedback.ENV_VAR)
    path = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    os.environ[feedback.ENV_VAR] = str(path)
    yield path
    if saved is None:
        os.environ.pop(feedback.ENV_VAR, None)
    else:
        os.environ[feedback.ENV_VAR] = saved
