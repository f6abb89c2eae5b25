"""The comparison's results, typed: what ``compare`` measures, the report writes and the page shows.

One shape, kept in ``results.json`` beside the report's other files, and the one list of
those files. This module needs nothing beyond the standard library, so the app's comparison
page reads a report without scikit-learn, TensorFlow or matplotlib.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

README = "README.md"
RESULTS_JSON = "results.json"
SUMMARY_CSV = "summary.csv"
NOISE_CSV = "noise.csv"
PER_CLASS_CSV = "per_class.csv"
CONFUSION_CSV = "confusion_matrices.csv"
SEARCH_CSV = "validation_search.csv"
PLOT_CONFUSION = "confusion_matrices.png"
PLOT_CONFUSION_NOISY = "confusion_matrices_sigma_0.5.png"
PLOT_SPEED = "accuracy_vs_prediction_time.png"
PLOT_NOISE = "accuracy_vs_noise.png"
PLOTS = (PLOT_NOISE, PLOT_SPEED, PLOT_CONFUSION, PLOT_CONFUSION_NOISY)
TABLES = (SUMMARY_CSV, NOISE_CSV, PER_CLASS_CSV, CONFUSION_CSV, SEARCH_CSV)
# Every file of a report; a folder missing any of them holds no complete report.
REPORT_FILES = (README, RESULTS_JSON, *TABLES, *PLOTS)

# The noise levels of the study (standard deviation on the [0, 1] pixel scale; 0 is the clean
# test set) and its headline setting, which the noisy confusion matrices show.
NOISE_SIGMAS: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5, 0.7)
STUDY_SIGMA = 0.5
METRIC_NAMES = ("sensitivity", "specificity", "precision", "f1")


def describe(params: dict[str, Any]) -> str:
    """A setting in words, for tables: ``k=3, weights=distance``, ``hidden=(256,128)``."""
    return ", ".join(f"{key}={_short(value)}" for key, value in params.items())


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ",".join(str(v) for v in value) + ")"
    return str(value)


@dataclass(frozen=True)
class Settings:
    """Everything that decides the numbers: with these, ``compare`` gives them again.

    ``shipped_model`` is the ``.keras`` file scored as the shipped CNN, relative to the
    repository when it lies inside it; None means the repository's ``models/``.
    """

    seed: int
    quick: bool
    train_size: int
    val_size: int
    test_size: int
    search_size: int
    cnn_epochs: int
    sigmas: tuple[float, ...]
    models: tuple[str, ...]
    shipped_model: str | None = None

    def command_line(self) -> str:
        """The command that reproduces the report."""
        parts = ["python -m digitrec compare", *(["--quick"] if self.quick else [])]
        parts.append(f"--seed {self.seed}")
        for name in ("train_size", "val_size", "test_size", "search_size", "cnn_epochs"):
            parts.append(f"--{name.replace('_', '-')} {getattr(self, name)}")
        if tuple(self.sigmas) != NOISE_SIGMAS:
            parts.append("--sigmas " + ",".join(f"{s:g}" for s in self.sigmas))
        if self.shipped_model:
            parts.append(f"--shipped-model {self.shipped_model}")
        return " ".join(parts)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        return cls(**{**data, "sigmas": tuple(data["sigmas"]), "models": tuple(data["models"])})


@dataclass(frozen=True)
class Scores:
    """A model's metrics on the test set at one noise level.

    The fields are those of :func:`digitrec.metrics.classification_metrics`: ``per_class``
    maps each of :data:`METRIC_NAMES` (and ``support``) to 10 values, ``macro`` holds their
    unweighted means, ``confusion`` is 10 rows of 11 counts (the last: no digit found).
    """

    sigma: float
    accuracy: float
    no_digit: int
    per_class: dict[str, list[float]]
    macro: dict[str, float]
    confusion: list[list[int]]


@dataclass(frozen=True)
class Trial:
    """One setting tried on the validation split."""

    params: dict[str, Any]
    val_accuracy: float


@dataclass
class ModelResult:
    """One model of the comparison: what it is, what it cost, how it scored.

    ``setting`` is what was chosen for it, in words (``k=3, weights=distance``). A model
    that could not be scored has ``skipped`` set and says why in ``note``.
    """

    name: str
    label: str
    features: str
    setting: str
    params: dict[str, Any] = field(default_factory=dict)
    train_images: int | None = None
    note: str = ""
    skipped: bool = False
    train_seconds: float | None = None
    search_seconds: float | None = None
    search: list[Trial] = field(default_factory=list)
    size_bytes: int | None = None
    predict_ms_per_image: float | None = None
    scores: list[Scores] = field(default_factory=list)

    def at(self, sigma: float) -> Scores | None:
        """The scores at noise ``sigma``, or None when that level was not run."""
        return next((s for s in self.scores if math.isclose(s.sigma, sigma)), None)

    @property
    def clean(self) -> Scores | None:
        return self.at(0.0)

    @classmethod
    def from_dict(cls, data: dict) -> ModelResult:
        return cls(
            **{
                **data,
                "search": [Trial(**trial) for trial in data["search"]],
                "scores": [Scores(**scores) for scores in data["scores"]],
            }
        )


@dataclass(frozen=True)
class DataSummary:
    """How many images went where: the training split, the test set, the preprocessing."""

    train_images: int
    fit_images: int
    val_images: int
    train_no_digit: int
    test_images: int
    preprocess_seconds: float


@dataclass(frozen=True)
class Environment:
    python: str
    machine: str
    cpus: int


@dataclass
class Comparison:
    """A whole run: its settings, data, every model, and how it was made (``setup``,
    Markdown bullet lines that the report and the page show as they are)."""

    settings: Settings
    data: DataSummary
    models: list[ModelResult]
    runtime_seconds: float
    environment: Environment
    setup: list[str] = field(default_factory=list)

    @property
    def scored(self) -> list[ModelResult]:
        """The models that were scored (not skipped)."""
        return [m for m in self.models if not m.skipped]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        expected = {f.name for f in fields(cls)}
        if not expected <= set(data):
            raise ValueError(
                f"expected comparison results with {sorted(expected)}, got {sorted(data)}"
            )
        return cls(
            settings=Settings.from_dict(data["settings"]),
            data=DataSummary(**data["data"]),
            models=[ModelResult.from_dict(m) for m in data["models"]],
            runtime_seconds=data["runtime_seconds"],
            environment=Environment(**data["environment"]),
            setup=list(data["setup"]),
        )

    def save(self, folder: Path) -> Path:
        """Write ``results.json`` into ``folder``; returns its path."""
        path = Path(folder) / RESULTS_JSON
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, folder: Path) -> Comparison:
        """Read ``results.json`` from ``folder`` (OSError when absent, ValueError when not
        results of this shape)."""
        return cls.from_dict(json.loads((Path(folder) / RESULTS_JSON).read_text()))
