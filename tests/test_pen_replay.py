"""UNIPEN pen digits replayed on the canvas: the reader, the drawing, and the accuracy guard."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from digitrec.training import pen_replay


def _write(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")


def test_reader_flips_y_to_grow_downwards_and_skips_empty_strokes(tmp_path):
    path = tmp_path / "digits.ndjson.gz"
    strokes = [[[0, 10], [0, 0]], [], [[5, 5]]]
    _write(path, [{"label": 1, "org": "abc", "file": "s1", "strokes": strokes}])
    (digit,) = pen_replay.load(path)
    assert (digit.label, digit.org, digit.file) == (1, "abc", "s1")
    assert len(digit.strokes) == 2
    assert digit.strokes[0][:, 1].tolist() == [-10, 0]  # drawn from the top down


def test_missing_file_says_where_it_was_looked_for(tmp_path):
    with pytest.raises(pen_replay.UnipenUnavailable, match="nowhere.ndjson.gz"):
        pen_replay.load(tmp_path / "nowhere.ndjson.gz")


def test_replay_is_a_canvas_image_of_the_requested_size(unipen_digits):
    rng = np.random.default_rng(0)
    for digit in unipen_digits[:50]:
        drawing = pen_replay.canvas_drawing(digit, rng, transparent=True)
        assert drawing.shape == (280, 280, 4) and drawing.dtype == np.uint8
        rows = np.flatnonzero(drawing[:, :, 3].max(axis=1) > 128)
        low, high = pen_replay.HEIGHT_RANGE
        # Stroke ends stick out by up to half the brush above and below the traced points.
        assert low - 2 <= rows[-1] - rows[0] + 1 <= high + pen_replay.BRUSH_RANGE[1] + 2


@pytest.mark.slow
def test_real_pen_digits_drawn_on_the_canvas_are_read(unipen_digits, recognizer):
    # A regression guard on the validation set (the figure in README comes from
    # bench/pen_replay_accuracy.py over all 9,835 digits); a few labels in it are wrong.
    rng = np.random.default_rng(0)
    picks = rng.choice(len(unipen_digits), 2000, replace=False)
    digits = [unipen_digits[i] for i in picks]
    results = recognizer.recognize_many([pen_replay.canvas_drawing(d, rng) for d in digits])
    right = np.array([r.digit == d.label for r, d in zip(results, digits)])
    assert right.mean() >= 0.975
