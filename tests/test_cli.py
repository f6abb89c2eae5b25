"""python -m digitrec: output format, input order, exit codes, bad files among good ones."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitrec import Recognizer, Result
from digitrec.cli import main
from digitrec.training import renders

from .images import number_photo
from .test_imageio import decompression_bomb


@pytest.fixture(scope="module")
def files(tmp_path_factory, mnist_test):
    images, labels = mnist_test
    folder = tmp_path_factory.mktemp("inputs")
    good = []
    for i in range(4):
        path = folder / f"digit{i}_{labels[i]}.png"
        cv2.imwrite(str(path), 255 - cv2.resize(images[i], (140, 140)))  # dark ink on white
        good.append((str(path), int(labels[i])))
    blank = folder / "blank.png"
    cv2.imwrite(str(blank), np.full((64, 64), 255, np.uint8))
    text = folder / "notes.png"
    text.write_text("a text file with an image's name")
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    truncated = folder / "truncated.png"
    truncated.write_bytes(Path(good[0][0]).read_bytes()[:100])
    executable = folder / "program.bmp"
    executable.write_bytes(Path(sys.executable).read_bytes()[:4096])
    bomb = folder / "bomb.png"
    bomb.write_bytes(decompression_bomb())
    return {
        "good": good,
        "blank": str(blank),
        "bad": [str(text), str(empty), str(truncated), str(executable), str(bomb)],
    }


def run_json(capsys, paths):
    status = main(["predict", "--json", "--workers", "1", *paths])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return status, lines


def test_json_lines_in_input_order_say_what_the_api_says(capsys, files, recognizer):
    paths = [p for p, _ in files["good"]] + [files["blank"]]
    status, lines = run_json(capsys, paths)
    assert status == 0
    assert [line["file"] for line in lines] == paths
    for line, (path, label) in zip(lines, files["good"]):
        assert line["digit"] == label
        # The CLI decodes in worker chunks and batches the model: the same numbers as the API.
        expected = recognizer.recognize(path)
        assert line["probabilities"] == pytest.approx(expected.probabilities, abs=1e-5)
        assert line["confidence"] == pytest.approx(expected.confidence, abs=1e-5)
    assert lines[-1] == {
        "file": files["blank"],
        "digit": None,
        "confidence": 0.0,
        "probabilities": None,
    }


def test_bad_files_give_errors_and_the_rest_still_run(capsys, files):
    good_path, good_label = files["good"][0]
    paths = [*files["bad"], good_path]
    status, lines = run_json(capsys, paths)
    assert status == 1
    assert [line["file"] for line in lines] == paths
    errors = [line["error"] for line in lines[:-1]]
    assert "not an image" in errors[0]
    assert "empty file" in errors[1]
    assert "corrupt" in errors[2] or "cannot" in errors[2]
    assert "not an image" in errors[3]
    assert "too large" in errors[4]
    assert lines[-1]["digit"] == good_label


def test_text_output_and_parallel_workers(capsys, files):
    paths = [p for p, _ in files["good"]] * 100 + [files["blank"], files["bad"][0]]
    status = main(["predict", "--workers", "2", *paths])
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert status == 1
    assert len(out) == len(paths) - 1  # the error goes to stderr
    assert re.fullmatch(
        rf"{re.escape(paths[0])}: {files['good'][0][1]} \((> 99\.9|\d{{1,2}}\.\d)%(, unsure)?\)",
        out[0],
    ), out[0]
    assert out[-1] == f"{files['blank']}: no digit found"
    assert "error: not an image" in captured.err
    assert "Traceback" not in captured.err


def test_usage_errors_exit_2():
    for argv in ([], ["predict"], ["frobnicate"]):
        completed = subprocess.run(
            [sys.executable, "-m", "digitrec", *argv], capture_output=True, text=True
        )
        assert completed.returncode == 2, argv
        assert "usage" in completed.stderr


def test_missing_model_is_an_error_not_a_traceback(capsys, files, tmp_path):
    status = main(["predict", "--model", str(tmp_path / "nope.tflite"), files["blank"]])
    assert status == 1
    err = capsys.readouterr().err
    assert "model not found" in err and "train" not in err  # the user's file, not ours


@pytest.mark.parametrize("value", ["-3", "0", "two"])
def test_workers_must_be_a_positive_whole_number(capsys, value, files):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--workers", value, files["blank"]])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_a_folder_is_read_image_by_image_in_name_order(capsys, files, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    for name, (path, _) in zip(("b.png", "a.PNG", "c.jpg"), files["good"]):
        (folder / name).write_bytes(Path(path).read_bytes())
    iphone_photo = cv2.imread(files["good"][3][0], cv2.IMREAD_GRAYSCALE)
    (folder / "d.HEIC").write_bytes(renders.as_heic(iphone_photo))
    (folder / "notes.txt").write_text("not an image, and not read")
    (tmp_path / "empty").mkdir()
    status, lines = run_json(capsys, [str(folder), str(tmp_path / "empty")])
    names = ["a.PNG", "b.png", "c.jpg", "d.HEIC", "empty"]
    assert [Path(line["file"]).name for line in lines] == names
    labels = [label for _, label in files["good"]]
    assert [line["digit"] for line in lines[:4]] == [labels[1], labels[0], labels[2], labels[3]]
    assert status == 1 and "no image files" in lines[-1]["error"]


def test_a_near_certainty_is_not_printed_as_a_flat_hundred_percent(monkeypatch, capsys, files):
    sure = Result(7, 0.99991, (0.00001,) * 7 + (0.99991,) + (0.00001,) * 2, None)
    monkeypatch.setattr(Recognizer, "classify", lambda self, digits: [sure] * len(digits))
    assert main(["predict", "--workers", "1", files["good"][0][0]]) == 0
    assert capsys.readouterr().out.endswith(": 7 (> 99.9%)\n")


def test_a_plain_predict_prints_nothing_on_stderr(files):
    completed = subprocess.run(
        [sys.executable, "-m", "digitrec", "predict", files["good"][0][0]],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0 and completed.stdout.strip()
    assert completed.stderr == ""  # no INFO line from LiteRT, nothing the user did not ask for


@pytest.mark.slow
def test_evaluate_reports_mnist_accuracy(capsys, mnist_test):
    assert main(["evaluate"]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("MNIST test accuracy: ")[1].split("%")[0]) / 100
    assert accuracy >= 0.992  # the shipped model: 99.36%; see test_recognizer


# --- numbers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def number_files(tmp_path_factory, files):
    """Photos of handwritten numbers (pen strokes on paper, JPEG) beside a blank and a bad file."""
    folder = tmp_path_factory.mktemp("numbers")
    numbers = []
    for seed, digits in enumerate([(2, 0, 2, 4), (7, 1), (3, 8, 5)]):
        path = folder / f"number{seed}.jpg"
        path.write_bytes(number_photo(digits, seed))
        numbers.append((str(path), "".join(map(str, digits))))
    return {"numbers": numbers, "blank": files["blank"], "bad": files["bad"][0]}


def test_number_json_lines(capsys, number_files):
    paths = [p for p, _ in number_files["numbers"]] + [number_files["blank"], number_files["bad"]]
    status = main(["predict", "--number", "--json", "--workers", "1", *paths])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1  # one file was not an image
    assert [line["file"] for line in lines] == paths
    for line, (_, label) in zip(lines, number_files["numbers"]):
        assert set(line) == {"file", "number", "digits", "unsure"}
        assert line["number"] == label
        assert [d["digit"] for d in line["digits"]] == [int(c) for c in label]
        for digit in line["digits"]:
            assert set(digit) == {"digit", "confidence", "box"}
            assert 0.0 < digit["confidence"] <= 1.0
            x, y, w, h = digit["box"]
            assert all(isinstance(v, int) for v in digit["box"]) and w > 0 and h > 0
        lefts = [d["box"][0] for d in line["digits"]]
        assert lefts == sorted(lefts)
    assert lines[-2] == {
        "file": number_files["blank"],
        "number": None,
        "digits": [],
        "unsure": False,
    }
    assert "not an image" in lines[-1]["error"]


def test_number_text_output(capsys, number_files):
    path, label = number_files["numbers"][0]
    status = main(["predict", "--number", path, number_files["blank"]])
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0].startswith(f"{path}: {label} (")
    assert out[0].count("%") == len(label)  # each digit's confidence
    assert out[1] == f"{number_files['blank']}: no number found"
