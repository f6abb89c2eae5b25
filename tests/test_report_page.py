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
from digitrec.study.results import BLUR_SIGMAS, NOISE_SIGMAS, SALT_PEPPER_AMOUNTS, Comparison

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "app_pages" / "model_comparison.py"
COMMITTED_REPORT = ROOT / "reports" / "comparison"
MODELS = (("knn", "k-nearest neighbours", "k=3", 0.05), ("cnn_shipped", "CNN shipped", "", 0.01))


def made_up(quick: bool = False) -> Comparison:
    """A comparison of two models whose answers are right at a known rate, at every level
    of the three corruptions."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 200)
    settings = study.Settings(seed=0, quick=quick, train_size=1000, val_size=200,
                              test_size=200, search_size=500, cnn_epochs=1, sigmas=NOISE_SIGMAS,
                              models=tuple(m[0] for m in MODELS), salt_pepper=SALT_PEPPER_AMOUNTS,
                              blur=BLUR_SIGMAS)  # fmt: skip
    models = []
    for name, label, setting, error in MODELS:
        scores = []
        for kind, strength in settings.levels():
            wrong = rng.random(200) < error * (1 + 4 * strength)
            y_pred = np.where(wrong, (y_true + 1) % 10, y_true)
            metrics = classification_metrics(y_true, y_pred)
            scores.append(study.Scores(corruption=kind, strength=strength, **metrics))
        models.append(
            study.ModelResult(name=name, label=label, features="pixels", setting=setting,
                        params={"k": 3}, train_images=1000, train_seconds=1.5,
                        search_seconds=3.0, search=[study.Trial({"k": 3}, 0.9)], size_bytes=12345,
                        predict_ms_per_image=0.2, scores=scores)
        )  # fmt: skip
    return Comparison(
        settings=settings,
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
    accuracy, cost, noise, specks_and_blur = tables(app)[:4]
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
    assert list(specks_and_blur[0]) == [
        "Model", "5% specks", "15% specks", "30% specks", "Blur 1 px", "Blur 1.5 px", "Blur 2 px"
    ]  # fmt: skip
    assert [row["Model"] for row in specks_and_blur] == ["k-nearest neighbours", "CNN shipped"]
    specked, blurred = shipped.at(0.15, study.SALT_PEPPER), shipped.at(2.0, study.BLUR)
    assert specks_and_blur[1]["15% specks"] == f"{100 * specked.accuracy:.2f}%"
    assert specks_and_blur[1]["Blur 2 px"] == f"{100 * blurred.accuracy:.2f}%"
    assert specked.accuracy != blurred.accuracy != shipped.at(0.5).accuracy
    assert "Specks and blur" in [h.value for h in app.subheader]
    assert "with grain (noise) or specks added, and blurred." in app.markdown[0].value
    assert len(app.get("image")) == 4
    words = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    for internal in ("macro_", "goal", "_seconds", "None", "nan", "salt_pepper", "s&p"):
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


def test_per_digit_figures_of_blurred_pictures(monkeypatch, tmp_path):
    comparison = made_up()
    write_report(comparison, tmp_path)
    app = run_page(monkeypatch, tmp_path)
    levels = comparison.settings.levels()
    assert app.selectbox[1].options[-1] == "Blur 2 px" and len(app.selectbox[1].options) == 11
    app.selectbox[1].select_index(len(levels) - 1).run()
    assert not app.exception
    expected = comparison.models[0].at(2.0, study.BLUR).per_class
    per_digit = tables(app)[-1]
    assert [row["F1"] for row in per_digit] == [f"{100 * f:.2f}%" for f in expected["f1"]]


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


def old_shape(comparison: Comparison) -> dict:
    """``comparison`` as results.json held it before salt and pepper and blur: Gaussian
    noise only, each score's level in ``sigma``."""
    data = comparison.to_dict()
    for name in ("salt_pepper", "blur"):
        del data["settings"][name]
    for model in data["models"]:
        gaussian = [s for s in model["scores"] if s.pop("corruption") == study.GAUSSIAN]
        model["scores"] = [{"sigma": s.pop("strength"), **s} for s in gaussian]
    return data


def test_results_of_the_older_shape_still_load():
    comparison = made_up()
    loaded = Comparison.from_dict(json.loads(json.dumps(old_shape(comparison))))
    assert loaded.settings.salt_pepper == () and loaded.settings.blur == ()
    assert loaded.settings.levels() == [(study.GAUSSIAN, s) for s in NOISE_SIGMAS]
    assert "--salt-pepper none --blur none" in loaded.settings.command_line()
    for old, new in zip(loaded.models, comparison.models):
        assert old.scores == [s for s in new.scores if s.corruption == study.GAUSSIAN]
        assert old.at(0.5) == new.at(0.5) and old.at(0.15, study.SALT_PEPPER) is None


def test_page_shows_a_report_of_the_older_shape_without_specks_and_blur(monkeypatch, tmp_path):
    comparison = made_up()
    write_report(comparison, tmp_path)
    (tmp_path / study.RESULTS_JSON).write_text(json.dumps(old_shape(comparison)))
    app = run_page(monkeypatch, tmp_path)
    assert not app.exception and not app.error
    noise = tables(app)[2]
    assert list(noise[0]) == ["Model", *(f"σ = {s:g}" for s in NOISE_SIGMAS)]
    assert "Specks and blur" not in [h.value for h in app.subheader]
    assert "never seen, clean and with grain (noise) added." in app.markdown[0].value
    assert len(app.selectbox[1].options) == len(NOISE_SIGMAS)


def test_committed_report_loads_on_the_page(monkeypatch):
    committed = Comparison.load(COMMITTED_REPORT)
    assert not committed.settings.quick
    app = run_page(monkeypatch, COMMITTED_REPORT)
    assert not app.exception and not app.error and not app.info and not app.warning
    accuracy = tables(app)[0]
    assert [row["Model"] for row in accuracy] == [m.label for m in committed.scored]
    assert accuracy[0]["Accuracy"] == f"{100 * committed.scored[0].clean.accuracy:.2f}%"
