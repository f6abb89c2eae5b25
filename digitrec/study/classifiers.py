"""The model zoo of the comparison, and the choice of hyperparameters on a validation split.

Every model here takes the same input — preprocessed 28x28 uint8 digits from
:func:`digitrec.preprocess.to_mnist` — and exposes ``fit(digits, labels)`` and
``predict(digits)``. The classical models are scikit-learn pipelines that start by turning
digits into pixel features; kNN and the RBF SVM then project onto 50 principal components,
which keeps the RBF SVM trainable on all 60,000 images within the time budget (it costs
~0.5 s per 1,000 training images there, against minutes on the 784 raw pixels) and makes
neighbour search faster with no loss of accuracy on MNIST.
"""

from __future__ import annotations

import pickle
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC, LinearSVC
from tqdm import tqdm

from digitrec.study.results import Trial

PCA_COMPONENTS = 50
# A time budget: on 2 shared cores an MLP epoch on 30,000 images costs seconds, and the
# validation score of the capped training is what the choice is made on.
MLP_MAX_EPOCHS = 20


def pixel_features(digits: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N, 784) float32 on the [0, 1] scale."""
    digits = np.asarray(digits)
    return digits.reshape(len(digits), -1).astype(np.float32) / 255.0


def _pixels() -> FunctionTransformer:
    return FunctionTransformer(pixel_features)


def build_knn(params: dict, seed: int) -> Pipeline:
    """k nearest neighbours on 50 principal components."""
    return Pipeline(
        [
            ("pixels", _pixels()),
            ("pca", PCA(PCA_COMPONENTS, random_state=seed)),
            ("knn", KNeighborsClassifier(n_neighbors=params["k"], weights=params["weights"])),
        ]
    )


def build_svm_rbf(params: dict, seed: int) -> Pipeline:
    """RBF-kernel SVM on 50 principal components."""
    return Pipeline(
        [
            ("pixels", _pixels()),
            ("pca", PCA(PCA_COMPONENTS, random_state=seed)),
            ("svm", SVC(kernel="rbf", C=params["C"], gamma=params["gamma"], random_state=seed)),
        ]
    )


def build_svm_linear(params: dict, seed: int) -> Pipeline:
    """Linear SVM (one-vs-rest) on the 784 raw pixels."""
    return Pipeline(
        [
            ("pixels", _pixels()),
            ("svm", LinearSVC(C=params["C"], max_iter=2000, random_state=seed)),
        ]
    )


def build_mlp(params: dict, seed: int) -> Pipeline:
    """Multilayer perceptron (ReLU, Adam) on the 784 raw pixels, early-stopped."""
    return Pipeline(
        [
            ("pixels", _pixels()),
            (
                "mlp",
                MLPClassifier(
                    hidden_layer_sizes=tuple(params["hidden"]),
                    early_stopping=True,
                    max_iter=params.get("max_iter", MLP_MAX_EPOCHS),
                    random_state=seed,
                ),
            ),
        ]
    )


@dataclass(frozen=True)
class Family:
    """One kind of classical model: how to build it and which settings to try.

    ``search_size`` caps the training images used while searching (None: all of the
    fit part); the chosen setting is then refitted on the whole training set.
    """

    name: str
    label: str
    build: Callable[[dict, int], Any]
    grid: tuple[dict, ...]
    features: str
    search_size: int | None = None


FAMILIES: dict[str, Family] = {
    "knn": Family(
        "knn",
        "k-nearest neighbours",
        build_knn,
        tuple({"k": k, "weights": w} for k in (1, 3, 5, 7) for w in ("uniform", "distance")),
        "PCA-50",
    ),
    "svm_rbf": Family(
        "svm_rbf",
        "SVM (RBF kernel)",
        build_svm_rbf,
        tuple({"C": c, "gamma": g} for c in (1.0, 10.0, 100.0) for g in (0.01, 0.02, 0.04)),
        "PCA-50",
        search_size=20_000,
    ),
    "svm_linear": Family(
        "svm_linear",
        "SVM (linear)",
        build_svm_linear,
        tuple({"C": c} for c in (0.01, 0.1, 1.0)),
        "raw pixels",
        search_size=20_000,
    ),
    "mlp": Family(
        "mlp",
        "MLP",
        build_mlp,
        tuple({"hidden": h} for h in ((128,), (256,), (256, 128))),
        "raw pixels",
        search_size=20_000,
    ),
}


@dataclass
class SearchResult:
    """Validation accuracy of every setting tried, and the best one."""

    family: str
    trials: list[Trial] = field(default_factory=list)
    best_params: dict = field(default_factory=dict)
    seconds: float = 0.0


def search_on_validation(
    family: Family,
    fit_digits: np.ndarray,
    fit_labels: np.ndarray,
    val_digits: np.ndarray,
    val_labels: np.ndarray,
    seed: int = 0,
    search_size: int | None = None,
    extra_params: dict | None = None,
    progress: bool = True,
) -> SearchResult:
    """Fit every setting of ``family.grid`` on the fit part, score it on the validation part.

    Parameters
    ----------
    family : the model family and its grid.
    fit_digits, fit_labels : training part of the training set (never the test set).
    val_digits, val_labels : held-out validation part of the training set.
    seed : seed of the models and of the search subsample.
    search_size : cap on fit images (default ``family.search_size``), a seeded subsample.
    extra_params : added to every setting (e.g. fewer MLP iterations in quick mode).

    Returns
    -------
    SearchResult; ties go to the setting listed first.
    """
    if len(fit_digits) != len(fit_labels) or len(val_digits) != len(val_labels):
        raise ValueError("expected as many labels as digits in the fit and validation parts")
    cap = family.search_size if search_size is None else search_size
    if cap is not None and cap < len(fit_digits):
        chosen = np.random.default_rng(seed).choice(len(fit_digits), cap, replace=False)
        fit_digits, fit_labels = fit_digits[chosen], fit_labels[chosen]
    result = SearchResult(family.name)
    start = time.perf_counter()
    best = -1.0
    for params in tqdm(
        family.grid, desc=f"search {family.name}", disable=not progress, leave=False
    ):
        model = fit_quietly(
            family.build({**params, **(extra_params or {})}, seed), fit_digits, fit_labels
        )
        accuracy = float(np.mean(model.predict(val_digits) == val_labels))
        result.trials.append(Trial(dict(params), accuracy))
        if accuracy > best:
            best, result.best_params = accuracy, dict(params)
    result.seconds = time.perf_counter() - start
    return result


def fit_quietly(model: Any, digits: np.ndarray, labels: np.ndarray) -> Any:
    """``model.fit`` without ConvergenceWarning: the MLP's and linear SVM's iteration caps
    are deliberate time budgets, and their cost shows in the validation score anyway."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(digits, labels)


def sklearn_size_bytes(model: Any) -> int:
    """Size of the pickled model: what it costs to ship it."""
    return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))


class KerasDigits:
    """A Keras CNN behind the same ``fit``/``predict`` shape as the scikit-learn pipelines."""

    def __init__(self, model: Any, batch_size: int = 256, seed: int = 0):
        self.model = model
        self.batch_size = batch_size
        self.seed = seed
        self.history: dict = {}

    def fit(
        self,
        digits: np.ndarray,
        labels: np.ndarray,
        val_digits: np.ndarray,
        val_labels: np.ndarray,
        epochs: int,
        progress: bool = True,
    ) -> KerasDigits:
        """Train with Adam; keep the weights of the epoch best on the validation part."""
        from digitrec.training.model import compile_for_training, import_keras_quietly
        from digitrec.training.recipe import shuffled_epochs

        keras = import_keras_quietly()
        compile_for_training(self.model, 1e-3)
        best = keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=epochs, restore_best_weights=True
        )
        with deterministic_ops():
            fitted = self.model.fit(
                shuffled_epochs(digits, labels, 128, self.seed),
                validation_data=(val_digits[..., np.newaxis], val_labels),
                epochs=epochs,
                callbacks=[best],
                verbose=2 if progress else 0,
            )
        self.history = {k: [float(v) for v in vals] for k, vals in fitted.history.items()}
        return self

    def predict_proba(self, digits: np.ndarray) -> np.ndarray:
        if len(digits) == 0:
            return np.zeros((0, 10), np.float32)
        return self.model.predict(digits[..., np.newaxis], batch_size=self.batch_size, verbose=0)

    def predict(self, digits: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(digits), axis=1)

    def epoch_trials(self) -> list[Trial]:
        """Validation accuracy after each epoch of :meth:`fit`, as settings tried."""
        return [Trial({"epochs": i + 1}, a) for i, a in enumerate(self.history["val_accuracy"])]

    def size_bytes(self) -> int:
        """Size of the ``.keras`` file of the weights alone: the optimizer's state (Adam keeps
        two values per weight) is for training, not for the model, and is left out."""
        import keras

        # Rebuilt from its config: keras.models.clone_model would compile the copy too.
        weights_only = keras.Model.from_config(self.model.get_config())
        weights_only.set_weights(self.model.get_weights())
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            weights_only.save(path)
            return path.stat().st_size


@contextmanager
def deterministic_ops() -> Iterator[None]:
    """TensorFlow's deterministic kernels for one training, then the previous setting back.

    With the seed set by ``build_cnn`` this makes the baseline's numbers repeatable; the
    setting is process-wide, so it is switched off again for whatever runs next (TensorFlow
    offers the switch-off only in its internal module; without it the setting stays on).
    """
    import tensorflow as tf

    try:
        from tensorflow.python.framework import config as tf_config
    except ImportError:
        tf_config = None
    was_on = tf_config.is_op_determinism_enabled() if tf_config else True
    tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if not was_on:
            tf_config.disable_op_determinism()


def baseline_cnn(seed: int = 0) -> KerasDigits:
    """The plain baseline: the shipped architecture, to be trained without any augmentation."""
    from digitrec.training.model import build_cnn, import_keras_quietly

    import_keras_quietly()
    return KerasDigits(build_cnn(seed=seed), seed=seed)


def load_shipped_cnn(path: Path) -> KerasDigits:
    """The shipped model (trained with Gaussian-noise augmentation by train.py)."""
    from digitrec.training.model import import_keras_quietly

    keras = import_keras_quietly()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"shipped model not found: {path}")
    return KerasDigits(keras.models.load_model(path, compile=False))


def predict_seconds_per_image(model: Any, digits: np.ndarray, repeats: int = 5) -> float:
    """Wall-clock seconds per image of ``model.predict(digits)``, measured warm: one untimed
    run first (Keras traces its graph then), then the median of ``repeats`` batched runs."""
    if len(digits) == 0:
        raise ValueError("expected digits to time the predictions on, got none")
    model.predict(digits)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        model.predict(digits)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(digits)
