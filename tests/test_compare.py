"""``compare --quick`` end to end: every file, every metric, every model, reproducible."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from digitrec.cli import main
from digitrec.study import compare, report
from digitrec.training.model import KERAS_PATH
from digitrec.training.noise import NOISE_SIGMAS

METRICS = ("accuracy", "macro_sensitivity", "macro_specificity", "macro_precision", "macro_f1")
CLASSICAL = ("knn", "svm_rbf", "svm_linear", "mlp")
REPORT_FILES = (
    report.README, report.RESULTS_JSON, report.SUMMARY_CSV, report.NOISE_CSV,
    report.PER_CLASS_CSV, report.CONFUSION_CSV, report.SEARCH_CSV, report.PLOT_CONFUSION,
    report.PLOT_CONFUSION_NOISY, report.PLOT_SPEED, report.PLOT_NOISE,
)  # fmt: skip


def run_cli(*argv: str) -> int:
    return main(["compare", *argv])


def read_csv(path):
    with path.open() as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory, mnist_train, mnist_test):
    out = tmp_path_factory.mktemp("comparison")
    assert run_cli("--quick", "--out", str(out), "--no-progress") == 0
    return out


@pytest.fixture(scope="module")
def expected_models():
    # The shipped CNN lands with train.py; before that its row is skipped with a note.
    return (*CLASSICAL, "cnn_baseline", *(("cnn_shipped",) if KERAS_PATH.is_file() else ()))


def test_quick_run_writes_every_file(quick_report):
    for name in REPORT_FILES:
        path = quick_report / name
        assert path.is_file() and path.stat().st_size > 0, name
    for plot in (report.PLOT_CONFUSION, report.PLOT_SPEED, report.PLOT_NOISE):
        assert (quick_report / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_has_every_model_and_every_metric(quick_report, expected_models):
    rows = {row["model"]: row for row in read_csv(quick_report / report.SUMMARY_CSV)}
    assert tuple(rows) == expected_models
    for name, row in rows.items():
        for metric in (*METRICS, "accuracy_sigma_0.5"):
            assert 0.0 <= float(row[metric]) <= 1.0, (name, metric)
        assert float(row["predict_ms_per_image"]) > 0
        assert int(row["size_bytes"]) > 0
        if name != "cnn_shipped":
            assert float(row["train_seconds"]) > 0
            assert int(row["train_images"]) > 0
    # The quick subsample is small, but every classical model still beats chance by far.
    for name in CLASSICAL:
        assert float(rows[name]["accuracy"]) > 0.6, name


def test_noise_and_per_class_tables_cover_every_model_sigma_and_digit(
    quick_report, expected_models
):
    noise = read_csv(quick_report / report.NOISE_CSV)
    assert {(r["model"], float(r["sigma"])) for r in noise} == {
        (m, s) for m in expected_models for s in NOISE_SIGMAS
    }
    per_class = read_csv(quick_report / report.PER_CLASS_CSV)
    assert len(per_class) == len(expected_models) * len(NOISE_SIGMAS) * 10
    for row in per_class:
        for metric in ("sensitivity", "specificity", "precision", "f1"):
            assert not math.isnan(float(row[metric])), row


def test_confusion_matrices_count_every_test_image(quick_report, expected_models):
    results = json.loads((quick_report / report.RESULTS_JSON).read_text())
    test_images = results["data"]["test_images"]
    assert test_images == compare.QUICK["test_size"]
    for model in results["models"]:
        if model["skipped"]:
            continue
        for sigma, scores in model["by_sigma"].items():
            matrix = scores["confusion"]
            assert len(matrix) == 10 and all(len(row) == 11 for row in matrix)
            assert sum(map(sum, matrix)) == test_images, (model["name"], sigma)
            correct = sum(matrix[i][i] for i in range(10))
            assert correct / test_images == pytest.approx(scores["accuracy"])


def test_hyperparameters_were_chosen_on_validation(quick_report):
    results = json.loads((quick_report / report.RESULTS_JSON).read_text())
    data = results["data"]
    assert data["fit_images"] + data["val_images"] + data["train_no_digit"] == data["train_images"]
    search = read_csv(quick_report / report.SEARCH_CSV)
    for name in CLASSICAL:
        trials = [row for row in search if row["model"] == name]
        assert len(trials) >= 2, name
        chosen = [row for row in trials if row["chosen"] == "True"]
        assert len(chosen) == 1, name
        best = max(float(row["val_accuracy"]) for row in trials)
        assert float(chosen[0]["val_accuracy"]) == best


def test_readme_has_the_tables_and_the_setup(quick_report, expected_models):
    text = (quick_report / report.README).read_text()
    assert "compare --quick --seed 0" in text
    assert "| Model |" in text and "σ=0.5" in text and "## Setup" in text
    assert "Quick mode" in text
    assert "Gaussian-noise augmentation" in text
    for plot in (report.PLOT_NOISE, report.PLOT_SPEED, report.PLOT_CONFUSION):
        assert f"]({plot})" in text


def test_missing_shipped_model_is_skipped_and_numbers_are_reproducible(
    tmp_path, quick_report, mnist_train, mnist_test
):
    missing = tmp_path / "absent.keras"
    out = tmp_path / "report"
    argv = ["--quick", "--out", str(out), "--no-progress", "--models", "knn,cnn_shipped"]
    assert run_cli(*argv, "--shipped-model", str(missing)) == 0
    rows = read_csv(out / report.SUMMARY_CSV)
    assert [row["model"] for row in rows] == ["knn"]
    text = (out / report.README).read_text()
    assert f"skipped: no shipped model at {missing}" in text
    assert "goal is not checked" in text
    # Same seed and sizes as the full quick run: the same split, noise, choice and scores.
    again = json.loads((out / report.RESULTS_JSON).read_text())["models"][0]
    first = json.loads((quick_report / report.RESULTS_JSON).read_text())["models"][0]
    assert first["name"] == again["name"] == "knn"
    assert again["params"] == first["params"]
    assert again["search"] == first["search"]
    assert again["by_sigma"] == first["by_sigma"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--models", "knn,forest"], "expected models among"),
        (["--train-size", "100", "--val-size", "200"], "val-size < train-size"),
        (["--test-size", "0"], "test-size"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys):
    assert run_cli("--quick", *argv) == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli("--help")
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--quick", "--out", "--seed", "--train-size", "--sigmas", "--models"):
        assert option in text


def test_preprocess_in_blocks_keeps_order_and_marks_missing_digits(monkeypatch, mnist_test):
    images = mnist_test[0][:300].copy()
    images[5] = 0  # a blank image: no digit
    alone, found_alone = compare.preprocess(images, workers=1, desc="", progress=False)
    monkeypatch.setattr(compare, "PREPROCESS_BLOCK", 70)  # blocks of uneven size
    blocks, found_blocks = compare.preprocess(images, workers=1, desc="", progress=False)
    assert np.array_equal(alone, blocks) and np.array_equal(found_alone, found_blocks)
    assert not found_alone[5] and found_alone.sum() == 299
    assert not alone[5].any() and alone.shape == (300, 28, 28)
