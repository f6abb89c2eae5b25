"""How the models compare: the saved comparison report, shown as it was written.

Everything here is read from ``reports/comparison/`` (or ``$DIGITREC_REPORT_DIR``), written by
``python -m digitrec compare``; a visit never trains or scores a model. The file names are
those of :mod:`digitrec.study.report`, repeated here so the page runs on its own (streamlit run,
st.navigation or AppTest) without the training dependencies.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st

REPORT_ENV = "DIGITREC_REPORT_DIR"
DEFAULT_REPORT_DIR = Path(__file__).resolve().parent.parent / "reports" / "comparison"
SUMMARY_CSV = "summary.csv"
NOISE_CSV = "noise.csv"
PER_CLASS_CSV = "per_class.csv"
RESULTS_JSON = "results.json"
PLOT_NOISE = "accuracy_vs_noise.png"
PLOT_SPEED = "accuracy_vs_prediction_time.png"
PLOT_CONFUSION = "confusion_matrices.png"
PLOT_CONFUSION_NOISY = "confusion_matrices_sigma_0.5.png"
NEEDED = (SUMMARY_CSV, NOISE_CSV, RESULTS_JSON)


def main() -> None:
    st.title("How the models compare")
    folder = report_folder()
    report = load_report(str(folder), _modified(folder))
    if report is None:
        show_no_report(folder)
        return
    show_what_was_run(report)
    show_clean_table(report)
    show_noise(report)
    show_speed(report)
    show_confusion_matrices(report)
    show_per_digit(report)
    show_setup(report)


def report_folder() -> Path:
    """The report directory: ``$DIGITREC_REPORT_DIR`` when set, else reports/comparison."""
    return Path(os.environ.get(REPORT_ENV) or DEFAULT_REPORT_DIR)


@st.cache_data(show_spinner=False)
def load_report(folder: str, modified: float) -> dict | None:
    """Tables and metadata of the report, or None when it is missing or incomplete.

    ``modified`` (newest file time) is part of the cache key, so a new run shows up.
    """
    path = Path(folder)
    if not all((path / name).is_file() for name in NEEDED):
        return None
    per_class = path / PER_CLASS_CSV
    return {
        "folder": folder,
        "summary": pd.read_csv(path / SUMMARY_CSV),
        "noise": pd.read_csv(path / NOISE_CSV),
        "per_class": pd.read_csv(per_class) if per_class.is_file() else None,
        "results": json.loads((path / RESULTS_JSON).read_text()),
        "readme": (path / "README.md").read_text() if (path / "README.md").is_file() else "",
    }


def show_no_report(folder: Path) -> None:
    st.info(
        f"No comparison report yet (looked in `{folder}`). Create one with "
        "`python -m digitrec compare` (5-10 minutes on 2 CPU cores; add `--quick` "
        "for a small smoke run), then reload this page."
    )


def show_what_was_run(report: dict) -> None:
    results = report["results"]
    config = results["config"]
    minutes = results.get("runtime_seconds", 0) / 60
    st.write(
        f"{len(report['summary'])} classifiers on MNIST, every image through the same "
        f"preprocessing, hyperparameters chosen on a validation split of the training set, "
        f"scored on {results['data']['test_images']:,} test images, clean and with Gaussian "
        f"noise. Run took {minutes:.1f} min."
    )
    if config.get("quick"):
        st.warning("This report is from a quick run on a small subsample, not the full study.")
    goal = results.get("goal")
    if goal:
        st.markdown(f"{goal['statement']}\n\n{goal['verdict']}")


def show_clean_table(report: dict) -> None:
    st.header("Clean test set")
    table = report["summary"].rename(columns={"label": "Model", "setting": "Setting"})
    percent = ["accuracy", "macro_sensitivity", "macro_specificity", "macro_precision",
               "macro_f1", "accuracy_sigma_0.5"]  # fmt: skip
    for column in percent:
        table[column] = 100 * table[column]
    table["size_MB"] = table["size_bytes"] / 2**20
    shown = ["Model", "Setting", *percent, "train_seconds", "predict_ms_per_image", "size_MB"]
    st.dataframe(
        table[shown],
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="%.2f%%") for c in percent},
    )
    st.caption(
        "Macro = mean over the ten digits; sensitivity = recall, precision = PPV. "
        "Prediction time is batched, per preprocessed image."
    )


def show_noise(report: dict) -> None:
    st.header("Under Gaussian noise")
    labels = dict(zip(report["summary"]["model"], report["summary"]["label"], strict=False))
    noise = report["noise"].assign(model=lambda t: t["model"].map(labels).fillna(t["model"]))
    table = noise.pivot(index="model", columns="sigma", values="accuracy") * 100
    table.columns = [f"σ={s:g}" for s in table.columns]
    st.dataframe(table, column_config={c: st.column_config.NumberColumn(format="%.2f%%")
                                       for c in table.columns})  # fmt: skip
    st.caption(
        "Accuracy with white Gaussian noise of standard deviation σ (on the 0..1 pixel "
        "scale) added to the test images, clipped, fixed seed. σ=0.5 is the study's setting."
    )
    _image(report, PLOT_NOISE, "Accuracy against noise σ")


def show_speed(report: dict) -> None:
    st.header("Accuracy against speed")
    _image(report, PLOT_SPEED, "Accuracy against prediction time per image")


def show_confusion_matrices(report: dict) -> None:
    st.header("Confusion matrices")
    clean, noisy = st.tabs(["Clean", "σ = 0.5"])
    with clean:
        _image(report, PLOT_CONFUSION, "Clean test set")
    with noisy:
        _image(report, PLOT_CONFUSION_NOISY, "Test set with noise σ=0.5")


def show_per_digit(report: dict) -> None:
    per_class = report["per_class"]
    if per_class is None:
        return
    with st.expander("Per-digit sensitivity, specificity, precision and F1"):
        sigmas = sorted(per_class["sigma"].unique())
        sigma = st.selectbox("Noise σ", sigmas, format_func=lambda s: f"{s:g}")
        st.dataframe(per_class[per_class["sigma"] == sigma], hide_index=True)


def show_setup(report: dict) -> None:
    readme = report["readme"]
    if "## Setup" not in readme:
        return
    setup = readme.split("## Setup", 1)[1].split("\n## ", 1)[0]
    with st.expander("How these numbers were made"):
        st.markdown(setup)


def _image(report: dict, name: str, caption: str) -> None:
    path = Path(report["folder"]) / name
    if path.is_file():
        st.image(str(path), caption=caption)
    else:
        st.caption(f"(plot {name} missing from the report)")


def _modified(folder: Path) -> float:
    times = [p.stat().st_mtime for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    return max(times, default=0.0)


main()
