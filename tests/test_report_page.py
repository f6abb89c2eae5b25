"""The "How the models compare" page, with and without a saved report (AppTest, no browser).

The report is made with the study's own types and writer, from made-up predictions (no
training), so the page is tested against the one shape the study writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitrec.metrics import classification_metrics
from digitrec.study import results as study
from digitrec.study.report import write_report
from digitrec.study.results import NOISE_SIGMAS, Comparison

PAGE = Path(__file__).resolve().parent.parent / "app_pages" / "model_comparison.py"
MODELS = (("knn", "k-nearest neighbours", "k=3", 0.05), ("cnn_shipped", "CNN shipped", "", 0.01))


def made_up(quick: bool = False) -> Comparison:
    """A comparison of two models whose answers are right at a known rate."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 200)
    models = []
    for name, label, setting, error in MODELS:
        scores = []
        for sigma in NOISE_SIGMAS:
            wrong = rng.random(200) < error * (1 + 4 * sigma)
            y_pred = np.where(wrong, (y_true + 1) % 10, y_true)
            scores.append(study.Scores(sigma=sigma, **classification_metrics(y_true, y_pred)))
        models.append(
            study.ModelResult(name=name, label=label, features="pixels", setting=setting,
                        params={"k": 3}, train_images=1000, train_seconds=1.5,
                        search_seconds=3.0, search=[study.Trial({"k": 3}, 0.9)], size_bytes=12345,
                        predict_ms_per_image=0.2, scores=scores)
        )  # fmt: skip
    return Comparison(
        settings=study.Settings(seed=0, quick=quick, train_size=1000, val_size=200, test_size=200,
                          search_size=500, cnn_epochs=1, sigmas=NOISE_SIGMAS,
                          models=tuple(m[0] for m in MODELS)),
        data=study.DataSummary(train_images=1000, fit_images=800, val_images=200, train_no_digit=0,
                         test_images=200, preprocess_seconds=1.0),
        models=models,
        runtime_seconds=90.0,
        environment=study.Environment(python="3.11", machine="x86_64", cpus=2),
        setup=["- Data: made up for this test."],
    )  # fmt: skip


def run_page(monkeypatch, folder: Path) -> AppTest:
    monkeypatch.setenv("DIGITREC_REPORT_DIR", str(folder))
    app = AppTest.from_file(str(PAGE), default_timeout=30)
    return app.run()


def tables(app: AppTest) -> list[list[dict]]:
    """Each st.table on the page, as rows of {column header: cell text}."""
    out = []
    for table in app.table:
        frame = table.value
        out.append([{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")])
    return out


def test_page_without_a_report_says_how_to_make_one(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path / "nothing-here")
    assert not app.exception
    assert app.title[0].value == "How the models compare"
    assert "No comparison report yet" in app.info[0].value
    assert "python -m digitrec compare" in app.info[0].value
    assert not app.table


def test_page_shows_the_reports_figures_with_readable_headers(monkeypatch, tmp_path):
    comparison = made_up()
    write_report(comparison, tmp_path)
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception and not app.info and not app.warning
    accuracy, cost, noise = tables(app)[:3]
    assert list(accuracy[0]) == [
        "Model", "Setting", "Accuracy", "Sensitivity", "Specificity", "Precision", "F1"
    ]  # fmt: skip
    assert [row["Model"] for row in accuracy] == ["k-nearest neighbours", "CNN shipped"]
    shipped = comparison.models[1]
    assert accuracy[1]["Accuracy"] == f"{100 * shipped.clean.accuracy:.2f}%"
    assert accuracy[1]["Setting"] == "—"  # nothing chosen is shown as such, never "None"
    assert list(cost[0]) == ["Model", "Trained on", "Training time", "Time per digit", "Size"]
    assert cost[0]["Time per digit"] == "0.200 ms" and cost[0]["Trained on"] == "1,000 digits"
    assert list(noise[0]) == ["Model", *(f"σ = {s:g}" for s in NOISE_SIGMAS)]
    assert noise[1]["σ = 0.5"] == f"{100 * shipped.at(0.5).accuracy:.2f}%"
    assert len(app.get("image")) == 4
    words = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    for internal in ("macro_", "goal", "_seconds", "None", "nan"):
        assert internal not in words, internal
    assert "**sensitivity** is the share of the 7s read as 7" in words


def test_per_digit_figures_follow_the_visitors_choice(monkeypatch, tmp_path):
    comparison = made_up()
    write_report(comparison, tmp_path)
    app = run_page(monkeypatch, tmp_path)
    app.selectbox[0].select_index(1).run()  # the shipped CNN
    app.selectbox[1].select_index(3).run()  # sigma 0.5
    assert not app.exception
    per_digit = tables(app)[-1]
    expected = comparison.models[1].at(0.5).per_class
    assert [row["Digit"] for row in per_digit] == [str(d) for d in range(10)]
    for digit, row in enumerate(per_digit):
        assert row["Sensitivity"] == f"{100 * expected['sensitivity'][digit]:.2f}%"
        assert row["Test digits"] == f"{expected['support'][digit]:,}"


def test_quick_report_is_flagged(monkeypatch, tmp_path):
    write_report(made_up(quick=True), tmp_path)
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert "quick run" in app.warning[0].value


def test_incomplete_report_counts_as_missing(monkeypatch, tmp_path):
    write_report(made_up(), tmp_path)
    (tmp_path / "summary.csv").unlink()
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert "No comparison report yet" in app.info[0].value


def test_a_report_of_another_shape_is_explained_not_a_crash(monkeypatch, tmp_path):
    write_report(made_up(), tmp_path)
    (tmp_path / study.RESULTS_JSON).write_text(json.dumps({"config": {}, "models": []}))
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception
    assert "could not be read" in app.error[0].value


@pytest.mark.parametrize("quick", [False, True])
def test_typed_results_survive_json(quick):
    comparison = made_up(quick)
    assert Comparison.from_dict(json.loads(json.dumps(comparison.to_dict()))) == comparison
