"""The "How the models compare" page, with and without a saved report (AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitrec.metrics import classification_metrics
from digitrec.study.report import write_report

PAGE = Path(__file__).resolve().parent.parent / "app_pages" / "model_comparison.py"


def fake_results(quick: bool = False) -> dict:
    """Results shaped like run_comparison's, from made-up predictions (no training)."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 200)
    models = []
    made_up = (("knn", "k-nearest neighbours", 0.05), ("cnn_shipped", "CNN shipped", 0.01))
    for name, label, error in made_up:
        by_sigma = {}
        for sigma in ("0", "0.1", "0.3", "0.5", "0.7"):
            wrong = rng.random(200) < error * (1 + 4 * float(sigma))
            y_pred = np.where(wrong, (y_true + 1) % 10, y_true)
            by_sigma[sigma] = classification_metrics(y_true, y_pred)
        models.append(
            {"name": name, "label": label, "features": "pixels", "params": {"k": 3},
             "params_text": "k=3", "train_images": 1000, "skipped": False, "note": "",
             "train_seconds": 1.5, "search_seconds": 3.0, "predict_ms_per_image": 0.2,
             "size_bytes": 12345, "search": [{"params": {"k": 3}, "val_accuracy": 0.9}],
             "by_sigma": by_sigma}
        )  # fmt: skip
    return {
        "config": {"quick": quick, "seed": 0, "sigmas": [0, 0.1, 0.3, 0.5, 0.7],
                   "train_size": 1000, "val_size": 200, "test_size": 200, "search_size": 500,
                   "cnn_epochs": 1},
        "data": {"train_images": 1000, "fit_images": 800, "val_images": 200,
                 "train_no_digit": 0, "test_images": 200, "preprocess_seconds": 1.0},
        "models": models,
        "runtime_seconds": 90.0,
        "environment": {"cpus": 2},
    }  # fmt: skip


def run_page(monkeypatch, folder: Path) -> AppTest:
    monkeypatch.setenv("DIGITREC_REPORT_DIR", str(folder))
    app = AppTest.from_file(str(PAGE), default_timeout=30)
    return app.run()


def test_page_without_a_report_says_how_to_make_one(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path / "nothing-here")
    assert not app.exception
    assert app.title[0].value == "How the models compare"
    assert "No comparison report yet" in app.info[0].value
    assert "python -m digitrec compare" in app.info[0].value
    assert len(app.dataframe) == 0


def test_page_with_a_report_shows_its_tables_and_plots(monkeypatch, tmp_path):
    write_report(fake_results(), tmp_path)
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert not app.info
    summary, noise = app.dataframe[0].value, app.dataframe[1].value
    assert list(summary["Model"]) == ["k-nearest neighbours", "CNN shipped"]
    assert summary["accuracy"].between(0, 100).all()
    assert list(noise.columns) == ["σ=0", "σ=0.1", "σ=0.3", "σ=0.5", "σ=0.7"]
    # The page shows what the files say: the noise table matches noise.csv exactly.
    assert noise.loc["CNN shipped", "σ=0.5"] == pytest.approx(
        100 * fake_results()["models"][1]["by_sigma"]["0.5"]["accuracy"]
    )
    images = app.get("image")
    assert len(images) == 4
    markdown = " ".join(m.value for m in app.markdown)
    assert "goal" in markdown and "Shipped CNN" in markdown
    assert not app.warning


def test_quick_report_is_flagged(monkeypatch, tmp_path):
    write_report(fake_results(quick=True), tmp_path)
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert "quick run" in app.warning[0].value


def test_incomplete_report_counts_as_missing(monkeypatch, tmp_path):
    write_report(fake_results(), tmp_path)
    (tmp_path / "summary.csv").unlink()
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert "No comparison report yet" in app.info[0].value
