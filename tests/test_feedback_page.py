"""The page's side of learning the user's handwriting, driven by AppTest: "That's right" and
"That's wrong, it is: N" after a prediction, the page "My handwriting" (counts, gallery,
delete, export, import, learn), a bad database path, and switching to the personal model."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitrec import FeedbackStore, feedback, personal
from tests.browser_support import ROOT, canvas_state, drawn_digit
from tests.test_app import TIMEOUT, assert_no_crash, draw, predicted, start

HANDWRITING = ROOT / "app_pages" / "my_handwriting.py"

pytestmark = pytest.mark.skipif(
    not (ROOT / "models" / "digitrec_cnn.tflite").exists(),
    reason="models/digitrec_cnn.tflite is missing: train it with `python train.py`",
)


@pytest.fixture()
def db(monkeypatch, tmp_path):
    """A fresh feedback database for the page, through the environment variable."""
    path = tmp_path / "data" / "feedback.sqlite3"
    monkeypatch.setenv(feedback.ENV_VAR, str(path))
    return path


def review() -> AppTest:
    return AppTest.from_file(str(HANDWRITING), default_timeout=TIMEOUT).run()


def buttons(at: AppTest) -> dict[str, object]:
    return {b.key: b for b in at.button}


def test_thats_right_saves_the_drawing_with_the_models_answer(db):
    at = draw(start(), drawn_digit(7))
    assert predicted(at) == "7"
    at.button(key="feedback-right").click().run()
    assert_no_crash(at)
    (sample,) = FeedbackStore(db).samples(with_original=True)
    assert (sample.label, sample.predicted, sample.source) == (7, 7, "canvas")
    assert sample.original.startswith(b"\x89PNG")
    assert len(sample.probabilities) == 10
    assert any("Saved as a 7" in s.value for s in at.success)
    assert "feedback-right" not in buttons(at)  # saved once, not twice


def test_thats_wrong_saves_the_true_label(db):
    at = draw(start(), drawn_digit(1))
    at.button(key="feedback-4").click().run()
    assert_no_crash(at)
    (sample,) = FeedbackStore(db).samples()
    assert (sample.label, sample.predicted) == (4, 1)
    at = draw(at, drawn_digit(0))  # a new drawing can be labelled again
    assert "feedback-0" in buttons(at)


def test_no_correction_buttons_before_a_digit_is_read(db):
    at = start()
    assert "feedback-right" not in buttons(at)


def test_a_corrupt_database_leaves_the_page_working(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 1000)
    at = draw(start(), drawn_digit(7))
    assert_no_crash(at)
    assert predicted(at) == "7"
    assert any("cannot be saved" in c.value for c in at.caption)
    page = review()
    assert_no_crash(page)
    assert any("damaged" in e.value for e in page.error)


def test_a_database_deleted_while_the_page_runs_is_set_up_again(db):
    """The page keeps one store per database file; a file removed under it is made anew."""
    at = draw(start(), drawn_digit(7))
    at.button(key="feedback-right").click().run()
    assert len(FeedbackStore(db)) == 1
    for leftover in db.parent.iterdir():  # the database and its WAL files
        leftover.unlink()
    at = draw(at, drawn_digit(1))
    at.button(key="feedback-right").click().run()
    assert_no_crash(at)
    (sample,) = FeedbackStore(db).samples()
    assert (sample.label, sample.predicted) == (1, 1)


def add_samples(db, labels, predicted=None) -> FeedbackStore:
    store = FeedbackStore(db)
    images = [np.full((28, 28), 10 * i, np.uint8) for i in range(len(labels))]
    store.add_many(images, labels, predicted, source="canvas")
    return store


def test_review_shows_the_path_counts_and_gallery(db):
    add_samples(db, [1, 1, 7], [7, 1, 1])
    at = review()
    assert_no_crash(at)
    assert any(str(db) in c.value for c in at.caption)
    counts = {m.label: m.value for m in at.metric}
    assert counts["Digit 1"] == "2" and counts["Digit 7"] == "1" and counts["Digit 0"] == "0"
    captions = [img.proto.imgs[0].caption for img in at.image]
    assert sorted(captions) == ["1 · model said 1", "1 · model said 7", "7 · model said 1"]
    assert {"export-npz", "export-idx"} <= {b.key for b in at.get("download_button")}


def test_delete_one_and_delete_all(db):
    store = add_samples(db, [2, 3, 4])
    newest = store.samples()[0]
    at = review()
    at.button(key=f"delete-{newest.id}").click().run()
    assert_no_crash(at)
    assert len(store) == 2 and newest.id not in {s.id for s in store.samples()}
    assert at.button(key="delete-all").disabled
    at.checkbox(key="confirm-delete-all").check().run()
    at.button(key="delete-all").click().run()
    assert_no_crash(at)
    assert len(store) == 0
    assert any("Deleted 2 samples" in s.value for s in at.success)
    assert not at.image


def test_import_from_the_page(db, tmp_path):
    source = add_samples(tmp_path / "other.sqlite3", [5, 6])
    at = review()
    at.file_uploader(key="import").upload("mine.npz", source.export_npz(), "application/zip").run()
    at.button(key="import-button").click().run()
    assert_no_crash(at)
    assert FeedbackStore(db).counts()[5:7] == [1, 1]


def test_learning_without_the_features_model_explains(db, monkeypatch, tmp_path):
    add_samples(db, [1])
    monkeypatch.setattr(personal, "models_dir", lambda: tmp_path / "empty")
    at = review()
    at.button(key="learn").click().run()
    assert_no_crash(at)
    assert any("export-features" in w.value for w in at.warning)


@pytest.mark.slow
def test_learn_then_switch_the_page_to_the_personal_model(db, monkeypatch, features_dir):
    monkeypatch.setattr(personal, "models_dir", lambda: features_dir)
    at = draw(start(), drawn_digit(1))
    assert predicted(at) == "1"
    assert not at.toggle  # no personal model yet
    for brush in (14, 18, 22, 26, 30):  # this writer's 7s look like the model's 1s
        at.session_state["canvas-0"] = canvas_state(drawn_digit(1, brush))
        at.run()
        at.button(key="feedback-7").click().run()
    assert FeedbackStore(db).counts()[7] == 5
    page = review()
    # MNIST reads these 7s as 1s: only an override lets the corrections win over MNIST.
    page.checkbox(key="override").check().run()
    page.button(key="learn").click().run()
    assert_no_crash(page)
    assert any("Learnt from 5 samples" in s.value for s in page.success)
    at = draw(start(), drawn_digit(1, 20))
    assert predicted(at) == "1"
    at.toggle(key="use-personal").set_value(True).run()
    assert_no_crash(at)
    assert predicted(at) == "7"
    at.toggle(key="use-personal").set_value(False).run()
    assert predicted(at) == "1"
