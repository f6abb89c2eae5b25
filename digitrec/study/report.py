"""Write the comparison's results as a report: Markdown summary, CSV and JSON, PNG plots.

Every figure in the Markdown and the plots is also in a CSV file or ``results.json``, so the
numbers can be checked or re-plotted without rerunning the comparison. The app's page reads
``results.json`` and the plots as they are; it never recomputes anything.
"""

from __future__ import annotations

import csv
from pathlib import Path

from digitrec.metrics import CLASSES
from digitrec.study import plots
from digitrec.study.results import (
    BLUR,
    CONFUSION_CSV,
    GAUSSIAN,
    METRIC_NAMES,
    NOISE_CSV,
    PER_CLASS_CSV,
    PLOT_CONFUSION,
    PLOT_CONFUSION_NOISY,
    PLOT_NOISE,
    PLOT_SPEED,
    README,
    RESULTS_JSON,
    SALT_PEPPER,
    SEARCH_CSV,
    STUDY_SIGMA,
    SUMMARY_CSV,
    Comparison,
    ModelResult,
    Scores,
    describe,
    level_name,
)

# Our goal for the noise-robust CNN (a development target: the report states it, the app's
# page, written for visitors, does not).
GOAL_CLEAN, GOAL_NOISY = 0.996, 0.97

SUMMARY_COLUMNS = (
    "model", "label", "setting", "features", "train_images", "accuracy",
    "macro_sensitivity", "macro_specificity", "macro_precision", "macro_f1", "no_digit",
    "accuracy_sigma_0.5", "train_seconds", "search_seconds", "predict_ms_per_image",
    "size_bytes",
)  # fmt: skip
# A test level is a corruption (gaussian, salt_pepper, blur) and its strength (sigma on the
# [0, 1] scale, share of pixels, sigma in pixels); gaussian 0 is the clean test set.
NOISE_COLUMNS = ("model", "corruption", "strength", "accuracy", "macro_f1", "no_digit")
PER_CLASS_COLUMNS = ("model", "corruption", "strength", "digit", *METRIC_NAMES, "support")
CONFUSION_COLUMNS = ("model", "corruption", "strength", "true", "predicted", "count")
SEARCH_COLUMNS = ("model", "setting", "val_accuracy", "chosen")


def write_report(comparison: Comparison, out_dir: Path) -> list[Path]:
    """Write every file of the report (:data:`~digitrec.study.results.REPORT_FILES`) into
    ``out_dir``, created when missing; existing report files are replaced. Returns the paths.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scored = comparison.scored
    written = [
        comparison.save(out_dir),
        _write_csv(out_dir / SUMMARY_CSV, SUMMARY_COLUMNS, summary_rows(scored)),
        _write_csv(out_dir / NOISE_CSV, NOISE_COLUMNS, noise_rows(scored)),
        _write_csv(out_dir / PER_CLASS_CSV, PER_CLASS_COLUMNS, per_class_rows(scored)),
        _write_csv(out_dir / CONFUSION_CSV, CONFUSION_COLUMNS, confusion_rows(scored)),
        _write_csv(out_dir / SEARCH_CSV, SEARCH_COLUMNS, search_rows(comparison.models)),
        plots.plot_confusion_matrices(scored, 0.0, out_dir / PLOT_CONFUSION),
        plots.plot_confusion_matrices(scored, STUDY_SIGMA, out_dir / PLOT_CONFUSION_NOISY),
        plots.plot_accuracy_vs_time(scored, out_dir / PLOT_SPEED),
        plots.plot_accuracy_vs_noise(scored, out_dir / PLOT_NOISE),
    ]
    (out_dir / README).write_text(markdown_summary(comparison))
    return [*written, out_dir / README]


# ----------------------------------------------------------------------------- tables


def summary_rows(models: list[ModelResult]) -> list[dict]:
    """One row per scored model: clean-test metrics, cost, and accuracy at sigma 0.5."""
    rows = []
    for m in models:
        clean, noisy = m.clean or m.scores[0], m.at(STUDY_SIGMA)
        rows.append(
            {
                "model": m.name,
                "label": m.label,
                "setting": m.setting,
                "features": m.features,
                "train_images": m.train_images,
                "accuracy": clean.accuracy,
                **{f"macro_{k}": clean.macro[k] for k in METRIC_NAMES},
                "no_digit": clean.no_digit,
                "accuracy_sigma_0.5": noisy.accuracy if noisy else None,
                "train_seconds": m.train_seconds,
                "search_seconds": m.search_seconds,
                "predict_ms_per_image": m.predict_ms_per_image,
                "size_bytes": m.size_bytes,
            }
        )
    return rows


def noise_rows(models: list[ModelResult]) -> list[dict]:
    """Accuracy, macro F1 and "no digit" count per model and test level."""
    return [
        {"model": m.name, **_level(s), "accuracy": s.accuracy, "macro_f1": s.macro["f1"],
         "no_digit": s.no_digit}
        for m in models
        for s in m.scores
    ]  # fmt: skip


def per_class_rows(models: list[ModelResult]) -> list[dict]:
    """Per-digit sensitivity, specificity, precision and F1, per model and test level."""
    return [
        {"model": m.name, **_level(s), "digit": digit,
         **{name: s.per_class[name][digit] for name in (*METRIC_NAMES, "support")}}
        for m in models
        for s in m.scores
        for digit in CLASSES
    ]  # fmt: skip


def confusion_rows(models: list[ModelResult]) -> list[dict]:
    """Confusion matrices in long form; ``predicted`` is "none" where no digit was found."""
    return [
        {"model": m.name, **_level(s), "true": true,
         "predicted": predicted if predicted < len(CLASSES) else "none", "count": count}
        for m in models
        for s in m.scores
        for true, counts in enumerate(s.confusion)
        for predicted, count in enumerate(counts)
    ]  # fmt: skip


def _level(scores: Scores) -> dict:
    return {"corruption": scores.corruption, "strength": scores.strength}


def search_rows(models: list[ModelResult]) -> list[dict]:
    """Every setting tried on the validation split, and which one was kept."""
    return [
        {"model": m.name, "setting": describe(trial.params), "val_accuracy": trial.val_accuracy,
         "chosen": trial.params == m.params}
        for m in models
        for trial in m.search
    ]  # fmt: skip


# ----------------------------------------------------------------------------- markdown


def markdown_summary(comparison: Comparison) -> str:
    """The report's README: what was run, the tables, the goal check, the setup, the plots."""
    settings, scored = comparison.settings, comparison.scored
    lines = [
        "# How the models compare",
        "",
        f"Produced by `{settings.command_line()}` in {comparison.runtime_seconds / 60:.1f} min "
        f"on {comparison.environment.cpus} CPU cores."
        + (" **Quick mode: a small subsample, not the full study.**" if settings.quick else ""),
        "",
        "## Clean MNIST test set",
        "",
        "Macro = unweighted mean over the ten digits. Sensitivity = recall, precision = PPV. "
        "How prediction time and size were measured: see Setup.",
        "",
    ]
    header = ["Model", "Setting", "Accuracy", "Sensitivity", "Specificity", "Precision", "F1",
              f"Acc. σ={STUDY_SIGMA:g}", "Train (s)", "Predict (ms/img)", "Size"]  # fmt: skip
    rows = [
        [
            row["label"],
            row["setting"] or "—",
            *(_pct(row[k]) for k in ("accuracy", *(f"macro_{k}" for k in METRIC_NAMES))),
            _pct(row["accuracy_sigma_0.5"]),
            _num(row["train_seconds"], 1),
            _num(row["predict_ms_per_image"], 3),
            _bytes(row["size_bytes"]),
        ]
        for row in summary_rows(scored)
    ]
    lines += _markdown_table(header, rows)
    lines += ["", "## Accuracy under additive Gaussian noise", ""]
    lines += [
        "White Gaussian noise of standard deviation σ on the [0, 1] pixel scale, clipped, "
        f"fixed seed, added to the raw test images before preprocessing. σ={STUDY_SIGMA:g} is "
        "the study's setting. In brackets: images read as no digit, because preprocessing "
        "found none or the model did not confirm scattered grain (counted as wrong).",
        "",
    ]
    lines += level_table(scored, [(GAUSSIAN, s) for s in settings.sigmas])
    others = [level for level in settings.levels() if level[0] != GAUSSIAN]
    if others:
        lines += ["", "## Accuracy under salt-and-pepper noise and blur", ""]
        lines += [
            "Salt and pepper (s&p): that share of the pixels, drawn at random with a fixed "
            "seed, set to black or white (half each). Blur: a Gaussian of that standard "
            "deviation in pixels of the 28x28 test image. Both are applied to the raw test "
            "images before preprocessing; each has a mild, a moderate and a severe strength, "
            "the severe one still readable by eye. In brackets: no digit found.",
            "",
        ]
        lines += level_table(scored, others)
    lines += ["", *goal_check(scored), "", "## Setup", "", *comparison.setup, ""]
    lines += [f"- {m.label}: {m.note}" for m in scored if m.note]
    lines += ["", "Settings tried (validation accuracy):", ""]
    for m in comparison.models:
        if m.search:
            tried = "; ".join(f"{describe(t.params)} {_pct(t.val_accuracy)}" for t in m.search)
            lines.append(f"- {m.label} — chosen `{m.setting}` — {tried}")
    skipped = [m for m in comparison.models if m.skipped]
    if skipped:
        lines += ["", "Not scored in this run:", ""]
        lines += [f"- {m.label}: {m.note}" for m in skipped]
    lines += [
        "",
        "## Plots",
        "",
        f"![Accuracy against noise, salt and pepper, and blur]({PLOT_NOISE})",
        "",
        f"![Accuracy against prediction time]({PLOT_SPEED})",
        "",
        f"![Confusion matrices, clean test set]({PLOT_CONFUSION})",
        "",
        f"![Confusion matrices at sigma {STUDY_SIGMA:g}]({PLOT_CONFUSION_NOISY})",
        "",
        "## Files",
        "",
        f"- `{SUMMARY_CSV}`: the clean-test table; `{NOISE_CSV}`: accuracy per test level",
        f"  (corruption `{GAUSSIAN}`, `{SALT_PEPPER}` or `{BLUR}`, and its strength);",
        f"  `{PER_CLASS_CSV}`: per-digit metrics at every level; `{CONFUSION_CSV}`: all",
        f"  confusion matrices; `{SEARCH_CSV}`: every setting tried on the validation split;",
        f"  `{RESULTS_JSON}`: everything above, the settings and the setup.",
        "",
    ]
    return "\n".join(lines)


def level_table(models: list[ModelResult], levels: list[tuple[str, float]]) -> list[str]:
    """A Markdown table of each model's accuracy at each (corruption, strength), with the
    images where no digit was found in brackets."""
    rows = []
    for m in models:
        cells = [m.label]
        for kind, strength in levels:
            scores = m.at(strength, kind)
            missing = f" ({scores.no_digit})" if scores and scores.no_digit else ""
            cells.append(_pct(scores.accuracy) + missing if scores else "—")
        rows.append(cells)
    return _markdown_table(["Model", *(level_name(*level) for level in levels)], rows)


def goal_check(models: list[ModelResult]) -> list[str]:
    """Our goal for the noise-robust (shipped) CNN, and whether it is met: two paragraphs."""
    statement = (
        f"Goal for the noise-robust CNN: ≥ {_pct(GOAL_NOISY)} at σ={STUDY_SIGMA:g} with "
        f"≥ {_pct(GOAL_CLEAN)} clean. The shipped CNN is the noise-robust variant: it is trained "
        "with Gaussian-noise augmentation and `to_mnist` denoises its input; the baseline CNN "
        "has the same architecture, trained plainly, without noise augmentation."
    )
    shipped = next((m for m in models if m.name == "cnn_shipped"), None)
    if shipped is None:
        return [statement, "", "The shipped CNN was not scored in this run: goal not checked."]
    clean, noisy = shipped.clean, shipped.at(STUDY_SIGMA)
    if clean is None or noisy is None:
        verdict = f"The run did not include σ=0 and σ={STUDY_SIGMA:g}: goal not checked."
    else:
        met = clean.accuracy >= GOAL_CLEAN and noisy.accuracy >= GOAL_NOISY
        verdict = (
            f"Shipped CNN: {_pct(clean.accuracy)} clean, {_pct(noisy.accuracy)} at "
            f"σ={STUDY_SIGMA:g}: goal {'**met**' if met else '**not met**'}."
        )
    return [statement, "", verdict]


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _pct(value) -> str:
    return "—" if value is None else f"{100.0 * value:.2f}%"


def _num(value, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _bytes(size) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size:.0f} B"
    for unit in ("KB", "MB"):
        size /= 1024.0
        if size < 1024:
            return f"{size:.1f} {unit}"
    return f"{size / 1024.0:.1f} GB"


def _write_csv(path: Path, columns, rows: list[dict]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path
