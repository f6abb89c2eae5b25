"""How the models compare: the saved comparison report, shown as it was written.

Everything here is read from ``reports/comparison/`` (or ``$DIGITREC_REPORT_DIR``), written by
``python -m digitrec compare``: its ``results.json`` through :mod:`digitrec.study.results`
(standard library only, no training dependencies) and its plots. A visit never trains or
scores a model.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from digitrec.study.results import (
    BLUR,
    GAUSSIAN,
    PLOT_CONFUSION,
    PLOT_CONFUSION_NOISY,
    PLOT_NOISE,
    PLOT_SPEED,
    REPORT_FILES,
    SALT_PEPPER,
    STUDY_SIGMA,
    Comparison,
    ModelResult,
    level_name,
)

REPORT_ENV = "DIGITREC_REPORT_DIR"
DEFAULT_REPORT_DIR = Path(__file__).resolve().parent.parent / "reports" / "comparison"
MISSING = "—"
# Test levels in a visitor's words: grain, specks, blur.
VISITOR_WORDS = {GAUSSIAN: "σ = {:g}", SALT_PEPPER: "{:g}% specks", BLUR: "Blur {:g} px"}


def main() -> None:
    st.title("How the models compare")
    folder = report_folder()
    try:
        comparison = load_comparison(str(folder), _modified(folder))
    except (OSError, ValueError, TypeError, KeyError):
        st.error(
            f"The report in `{folder}` could not be read (written by another version of "
            "digitrec?). Run `python -m digitrec compare` again, then reload this page."
        )
        return
    if comparison is None:
        show_no_report(folder)
        return
    what_was_compared(comparison)
    accuracy_table(comparison)
    cost_table(comparison)
    noise_table(comparison, folder)
    show_plot(folder, PLOT_SPEED, "Accuracy against the time each model takes per digit")
    confusion_matrices(folder)
    per_digit(comparison)
    how_it_was_made(comparison)


def report_folder() -> Path:
    """The report directory: ``$DIGITREC_REPORT_DIR`` when set, else reports/comparison."""
    return Path(os.environ.get(REPORT_ENV) or DEFAULT_REPORT_DIR)


@st.cache_data(show_spinner=False)
def load_comparison(folder: str, modified: float) -> Comparison | None:
    """The saved results, or None when the folder holds no complete report.

    ``modified`` (newest file time) is part of the cache key, so a new run shows up.
    """
    path = Path(folder)
    if not all((path / name).is_file() for name in REPORT_FILES):
        return None
    return Comparison.load(path)


def show_no_report(folder: Path) -> None:
    st.info(
        f"No comparison report yet (looked in `{folder}`). Create one with "
        "`python -m digitrec compare` (under ten minutes on 2 CPU cores; add `--quick` "
        "for a small smoke run), then reload this page."
    )


def what_was_compared(comparison: Comparison) -> None:
    """What the page shows, in a visitor's words."""
    test_images = comparison.data.test_images
    settings = comparison.settings
    # Reports from before specks and blur joined the study have grain only.
    if settings.salt_pepper or settings.blur:
        conditions = "clean, with grain (noise) or specks added, and blurred"
    else:
        conditions = "clean and with grain (noise) added"
    st.write(
        f"{len(comparison.scored)} ways for a computer to read handwritten digits, from "
        "nearest neighbours to "
        f"neural networks, each trained on the same MNIST digits and then tested on "
        f"{test_images:,} digits it had never seen, {conditions}. "
        "Every picture goes through the same preparation first, as on the recognition page. "
        "The *CNN shipped* is the model this site uses."
    )
    if comparison.settings.quick:
        st.warning("This report is from a quick run on a small subsample, not the full study.")


def accuracy_table(comparison: Comparison) -> None:
    st.header("How often each model is right")
    st.table(
        [
            {
                "Model": m.label,
                "Setting": m.setting or MISSING,
                "Accuracy": _percent(m.clean.accuracy),
                "Sensitivity": _percent(m.clean.macro["sensitivity"]),
                "Specificity": _percent(m.clean.macro["specificity"]),
                "Precision": _percent(m.clean.macro["precision"]),
                "F1": _percent(m.clean.macro["f1"]),
            }
            for m in _clean_scored(comparison)
        ],
        hide_index=True,
    )
    st.caption(
        "**Accuracy**: share of the test digits read correctly. For each digit, say 7: "
        "**sensitivity** is the share of the 7s read as 7, **specificity** the share of the "
        'other digits not read as 7, **precision** the share of the answers "7" that were '
        "right, **F1** the balance of sensitivity and precision; the table gives their mean "
        "over the ten digits. **Setting**: what was tuned on digits set aside from training."
    )


def cost_table(comparison: Comparison) -> None:
    st.header("What each model costs")
    st.table(
        [
            {
                "Model": m.label,
                "Trained on": _count(m.train_images, "digits"),
                "Training time": _duration(m.train_seconds),
                "Time per digit": _milliseconds(m.predict_ms_per_image),
                "Size": _megabytes(m.size_bytes),
            }
            for m in comparison.scored
        ],
        hide_index=True,
    )
    st.caption(
        "Time per digit: the model alone, reading digits in batches on a 2-core computer "
        "(preparing the picture, the same for all, comes on top). Size: what has to be "
        "stored to use the model. The shipped CNN also learned from variants of the "
        "digits (slanted, thickened, noisy, other handwriting styles), not counted here."
    )


def noise_table(comparison: Comparison, folder: Path) -> None:
    st.header("Reading grainy pictures")
    levels = comparison.settings.levels()
    level_table(comparison, [level for level in levels if level[0] == GAUSSIAN])
    st.caption(
        "Accuracy when random grain of strength σ is added to every pixel of the test "
        "pictures (σ on a scale where black is 0 and white is 1: at σ = 0.5 the grain is "
        "about as strong as the ink)."
    )
    others = [level for level in levels if level[0] != GAUSSIAN]
    if others:
        st.subheader("Specks and blur")
        level_table(comparison, others)
        st.caption(
            "Accuracy when that share of the pixels, picked at random, turn black or white "
            "(like dust on a scan), and when the pictures are blurred like a photo out of "
            "focus (by that many pixels of the 28 × 28 picture; a pen stroke is about 2 "
            "pixels wide). Even the strongest of these still reads easily to a person."
        )
    show_plot(folder, PLOT_NOISE, "Accuracy as the pictures get worse")


def level_table(comparison: Comparison, levels: list[tuple[str, float]]) -> None:
    """Each model's accuracy on the test pictures at each of ``levels``."""
    st.table(
        [
            {"Model": m.label, **{_level(*lv): _percent(_accuracy(m, *lv)) for lv in levels}}
            for m in comparison.scored
        ],
        hide_index=True,
    )


def confusion_matrices(folder: Path) -> None:
    st.header("Which digits get mixed up")
    clean, noisy = st.tabs(["Clean", f"σ = {STUDY_SIGMA:g}"])
    with clean:
        show_plot(folder, PLOT_CONFUSION, "Rows: the true digit; columns: the answer")
    with noisy:
        show_plot(folder, PLOT_CONFUSION_NOISY, f"The same with grain of σ = {STUDY_SIGMA:g}")


def per_digit(comparison: Comparison) -> None:
    """Per-digit figures of one model at one noise level, chosen by the visitor."""
    models = comparison.scored
    with st.expander("Digit by digit"):
        model = st.selectbox("Model", models, format_func=lambda m: m.label)
        level = st.selectbox(
            "Test pictures", comparison.settings.levels(), format_func=lambda lv: _level(*lv)
        )
        scores = model.at(level[1], level[0])
        if scores is None:
            return
        per_class = scores.per_class
        columns = {"Sensitivity": "sensitivity", "Specificity": "specificity",
                   "Precision": "precision", "F1": "f1"}  # fmt: skip
        st.table(
            [
                {
                    "Digit": str(digit),
                    "Test digits": f"{int(per_class['support'][digit]):,}",
                    **{title: _percent(per_class[key][digit]) for title, key in columns.items()},
                }
                for digit in range(10)
            ],
            hide_index=True,
        )


def how_it_was_made(comparison: Comparison) -> None:
    with st.expander("How these numbers were made"):
        st.markdown(
            f"Made by `{comparison.settings.command_line()}` in "
            f"{comparison.runtime_seconds / 60:.1f} min on {comparison.environment.cpus} CPU "
            "cores.\n\n" + "\n".join(comparison.setup)
        )


def show_plot(folder: Path, name: str, caption: str) -> None:
    st.image(str(folder / name), caption=caption)


def _clean_scored(comparison: Comparison) -> list[ModelResult]:
    return [m for m in comparison.scored if m.clean is not None]


def _accuracy(model: ModelResult, corruption: str, strength: float) -> float | None:
    scores = model.at(strength, corruption)
    return None if scores is None else scores.accuracy


def _level(corruption: str, strength: float) -> str:
    return level_name(corruption, strength, VISITOR_WORDS)


def _percent(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.2f}%"


def _count(value: int | None, unit: str) -> str:
    return MISSING if value is None else f"{value:,} {unit}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return MISSING
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _milliseconds(value: float | None) -> str:
    return MISSING if value is None else f"{value:.3f} ms"


def _megabytes(size: int | None) -> str:
    return MISSING if size is None else f"{size / 2**20:.1f} MB"


def _modified(folder: Path) -> float:
    times = [p.stat().st_mtime for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    return max(times, default=0.0)


main()
