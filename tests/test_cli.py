"""python -m digitrec: output format, input order, exit codes, bad files among good ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitrec.cli import main

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


def test_json_lines_in_input_order(capsys, files):
    paths = [p for p, _ in files["good"]] + [files["blank"]]
    status, lines = run_json(capsys, paths)
    assert status == 0
    assert [line["file"] for line in lines] == paths
    for line, (_, label) in zip(lines, files["good"]):
        assert line["digit"] == label
        assert len(line["probabilities"]) == 10 and abs(sum(line["probabilities"]) - 1) < 1e-4
        assert line["confidence"] == max(line["probabilities"])
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
    assert out[0] == f"{paths[0]}: {files['good'][0][1]} " + out[0].split(" ", 2)[2]
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
    assert "model not found" in capsys.readouterr().err


@pytest.mark.slow
def test_evaluate_reports_mnist_accuracy(capsys, mnist_test):
    assert main(["evaluate"]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("MNIST test accuracy: ")[1].split("%")[0]) / 100
    assert accuracy >= 0.992  # the shipped model: 99.36%; see test_recognizer
