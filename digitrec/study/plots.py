"""The comparison's figures, drawn from its typed results (:mod:`digitrec.study.results`).

Matplotlib draws on ``Figure`` objects (Agg canvas, no pyplot state), so writing a report
never needs a display.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitrec.metrics import CLASSES
from digitrec.study.results import (
    BLUR,
    CORRUPTIONS,
    GAUSSIAN,
    SALT_PEPPER,
    STUDY_SIGMA,
    ModelResult,
)

TITLES = {
    GAUSSIAN: "Additive Gaussian noise",
    SALT_PEPPER: "Salt and pepper",
    BLUR: "Blur",
}
AXIS_LABELS = {
    GAUSSIAN: "noise σ (on the [0, 1] pixel scale)",
    SALT_PEPPER: "share of pixels set to black or white",
    BLUR: "blur σ (pixels of the 28x28 image)",
}


def plot_confusion_matrices(models: list[ModelResult], sigma: float, path: Path) -> Path:
    """One row-normalised confusion matrix per model (counts written in the cells)."""
    shown = [(m, m.at(sigma)) for m in models if m.at(sigma) is not None]
    columns = min(3, max(1, len(shown)))
    rows = max(1, int(np.ceil(len(shown) / columns)))
    figure = _figure(4.6 * columns, 4.3 * rows)
    ticks = [*(str(c) for c in CLASSES), "∅"]
    for index, (model, scores) in enumerate(shown):
        axes = figure.add_subplot(rows, columns, index + 1)
        counts = np.asarray(scores.confusion, dtype=float)
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for (i, j), count in np.ndenumerate(counts):
            if count:
                colour = "white" if share[i, j] > 0.5 else "black"
                axes.text(j, i, f"{count:.0f}", ha="center", va="center", fontsize=5, color=colour)
        axes.set_title(f"{model.label}\naccuracy {100 * scores.accuracy:.2f}%", fontsize=8)
        axes.set_xticks(range(len(ticks)), ticks, fontsize=6)
        axes.set_yticks(range(len(CLASSES)), [str(c) for c in CLASSES], fontsize=6)
        axes.set_xlabel("predicted (∅: no digit found)", fontsize=7)
        axes.set_ylabel("true", fontsize=7)
    figure.suptitle(f"Confusion matrices, MNIST test, noise σ={sigma:g}", fontsize=10)
    return _saved(figure, path)


def plot_accuracy_vs_time(models: list[ModelResult], path: Path) -> Path:
    """Clean accuracy against batched prediction time per image (log scale)."""
    figure = _figure(6.4, 4.4)
    axes = figure.add_subplot()
    for index, model in enumerate(models):
        clean = model.clean or model.scores[0]
        point = (model.predict_ms_per_image, 100 * clean.accuracy)
        axes.scatter(*point, s=40)
        # Alternate labels above and below: the accurate models sit close together.
        offset = (5, 5) if index % 2 == 0 else (5, -10)
        axes.annotate(model.label, point, textcoords="offset points", xytext=offset, fontsize=7)
    axes.set_xscale("log")
    axes.set_xlabel("prediction time per image, batched (ms, log scale)")
    axes.set_ylabel("accuracy on clean test set (%)")
    axes.grid(True, alpha=0.3)
    axes.set_title("Accuracy against prediction time")
    return _saved(figure, path)


def plot_accuracy_vs_noise(models: list[ModelResult], path: Path) -> Path:
    """Accuracy against the strength of each corruption the run scored (Gaussian noise,
    salt and pepper, blur), one panel per corruption, one line per model."""
    kinds = [k for k in CORRUPTIONS if any(s.corruption == k for m in models for s in m.scores)]
    figure = _figure(4.6 * len(kinds) if len(kinds) > 1 else 6.4, 4.4)
    for index, kind in enumerate(kinds):
        axes = figure.add_subplot(1, len(kinds), index + 1)
        for model in models:
            scores = sorted((s for s in model.scores if s.corruption == kind),
                            key=lambda s: s.strength)  # fmt: skip
            axes.plot([s.strength for s in scores], [100 * s.accuracy for s in scores],
                      marker="o", label=model.label)  # fmt: skip
        if kind == GAUSSIAN:
            axes.axvline(STUDY_SIGMA, color="grey", linestyle=":", linewidth=1)
        axes.set_xlabel(AXIS_LABELS[kind])
        axes.set_ylim(0, 100)
        axes.grid(True, alpha=0.3)
        axes.set_title(TITLES[kind])
        if index == 0:
            axes.set_ylabel("accuracy (%)")
            axes.legend(fontsize=7)
    figure.suptitle("Accuracy on corrupted MNIST test images", fontsize=10)
    return _saved(figure, path)


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    return figure


def _saved(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path)
    return path
