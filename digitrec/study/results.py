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

# The corruptions of the test set (digitrec.training.noise), in the order the report shows
# them: Gaussian noise (grain) first, its sigma 0 being the clean test set, then the others.
GAUSSIAN, SALT_PEPPER, BLUR = "gaussian", "salt_pepper", "blur"
CORRUPTIONS = (GAUSSIAN, SALT_PEPPER, BLUR)
# The noise levels of the study (standard deviation on the [0, 1] pixel scale; 0 is the clean
# test set) and its headline setting, which the noisy confusion matrices show.
NOISE_SIGMAS: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5, 0.7)
STUDY_SIGMA = 0.5
# Mild, moderate and severe salt and pepper (share of the pixels hit) and blur (sigma in
# pixels of the 28x28 picture), chosen by measurement: the shipped CNN on 2,000 MNIST test
# digits (99.4% clean) read 99.1%, 98.1%, 88.2% of them at 0.05, 0.15, 0.3 and 98.9%, 97.0%,
# 93.4% at 1, 1.5, 2 px. Blur of 0.5 px changed nothing (MNIST's strokes are soft already),
# so the mild blur is 1 px. The severe levels still leave every digit readable by eye (with
# 30% of the pixels hit the strokes stay unbroken to a person; 2 px is about a stroke's
# width); beyond them (blur 2.5 px) 8s and 5s turn into blobs, no longer a fair test.
SALT_PEPPER_AMOUNTS: tuple[float, ...] = (0.05, 0.15, 0.3)
BLUR_SIGMAS: tuple[float, ...] = (1.0, 1.5, 2.0)
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
    # Empty: not run (reports made before these corruptions joined the study).
    salt_pepper: tuple[float, ...] = ()
    blur: tuple[float, ...] = ()

    def levels(self) -> list[tuple[str, float]]:
        """Every (corruption, strength) the test set is scored at, in the report's order."""
        strengths = {GAUSSIAN: self.sigmas, SALT_PEPPER: self.salt_pepper, BLUR: self.blur}
        return [(kind, float(s)) for kind in CORRUPTIONS for s in strengths[kind]]

    def command_line(self) -> str:
        """The command that reproduces the report."""
        parts = ["python -m digitrec compare", *(["--quick"] if self.quick else [])]
        parts.append(f"--seed {self.seed}")
        for name in ("train_size", "val_size", "test_size", "search_size", "cnn_epochs"):
            parts.append(f"--{name.replace('_', '-')} {getattr(self, name)}")
        for flag, chosen, default in (
            ("--sigmas", self.sigmas, NOISE_SIGMAS),
            ("--salt-pepper", self.salt_pepper, SALT_PEPPER_AMOUNTS),
            ("--blur", self.blur, BLUR_SIGMAS),
        ):
            if tuple(chosen) != default:
                parts.append(f"{flag} {strengths_text(chosen)}")
        if self.shipped_model:
            parts.append(f"--shipped-model {self.shipped_model}")
        return " ".join(parts)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        levels = {name: tuple(data.get(name, ())) for name in ("sigmas", "salt_pepper", "blur")}
        return cls(**{**data, **levels, "models": tuple(data["models"])})


def strengths_text(strengths: tuple[float, ...]) -> str:
    """Strengths as the command line takes them: ``0.05,0.15,0.3``, or ``none``."""
    return ",".join(f"{s:g}" for s in strengths) or "none"


# How the report names a test level; a salt-and-pepper share is shown in percent.
REPORT_WORDS = {GAUSSIAN: "σ={:g}", SALT_PEPPER: "s&p {:g}%", BLUR: "blur {:g} px"}


def level_name(corruption: str, strength: float, words: dict[str, str] = REPORT_WORDS) -> str:
    """A test level in words: ``σ=0.5``, ``s&p 15%``, ``blur 1.5 px`` (or other ``words``,
    a format per corruption, as the page has for visitors)."""
    return words[corruption].format(100 * strength if corruption == SALT_PEPPER else strength)


@dataclass(frozen=True)
class Scores:
    """A model's metrics on the test set under one corruption at one strength (Gaussian
    noise of sigma 0 is the clean test set).

    ``corruption`` is one of :data:`CORRUPTIONS`; ``strength`` its sigma or share. The other
    fields are those of :func:`digitrec.metrics.classification_metrics`: ``per_class``
    maps each of :data:`METRIC_NAMES` (and ``support``) to 10 values, ``macro`` holds their
    unweighted means, ``confusion`` is 10 rows of 11 counts (the last: no digit found).
    """

    corruption: str
    strength: float
    accuracy: float
    no_digit: int
    per_class: dict[str, list[float]]
    macro: dict[str, float]
    confusion: list[list[int]]

    @classmethod
    def from_dict(cls, data: dict) -> Scores:
        """Also reads the older shape, Gaussian noise only, where ``sigma`` was the level."""
        if "sigma" in data:
            rest = {k: v for k, v in data.items() if k != "sigma"}
            data = {**rest, "corruption": GAUSSIAN, "strength": data["sigma"]}
        return cls(**data)


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

    def at(self, strength: float, corruption: str = GAUSSIAN) -> Scores | None:
        """The scores under ``corruption`` (Gaussian noise unless said) at ``strength``, or
        None when that level was not run."""
        return next(
            (
                s
                for s in self.scores
                if s.corruption == corruption and math.isclose(s.strength, strength)
            ),
            None,
        )

    @property
    def clean(self) -> Scores | None:
        return self.at(0.0)

    @classmethod
    def from_dict(cls, data: dict) -> ModelResult:
        return cls(
            **{
                **data,
                "search": [Trial(**trial) for trial in data["search"]],
                "scores": [Scores.from_dict(scores) for scores in data["scores"]],
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
