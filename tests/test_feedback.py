"""The feedback store: saving, reviewing, deleting, exporting and importing corrections, and
staying usable when several sessions write at once, a writer is killed, or the file is bad."""

from __future__ import annotations

import io
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from digitrec import feedback
from digitrec.data import read_idx
from digitrec.feedback import FeedbackError, FeedbackStore
from tests.browser_support import ROOT


def digit(value: int = 0) -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = 255 - value
    return image


@pytest.fixture()
def store(tmp_path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3")


def test_a_sample_reads_back_as_saved(store):
    probabilities = [0.0] * 10
    probabilities[1] = 1.0
    sample_id = store.add(digit(3), 7, 1, probabilities, "canvas", b"\x89PNG...")
    (sample,) = store.samples()
    assert sample.id == sample_id
    assert (sample.label, sample.predicted, sample.source) == (7, 1, "canvas")
    assert sample.corrected
    np.testing.assert_array_equal(sample.processed, digit(3))
    assert sample.probabilities[1] == 1.0
    assert sample.original is None  # only when asked for
    assert store.samples(with_original=True)[0].original == b"\x89PNG..."
    assert store.original(sample_id) == b"\x89PNG..."
    assert sample.created.endswith("+00:00")


def test_counts_delete_one_and_all(store):
    for label in [1, 1, 4, 9]:
        store.add(digit(), label)
    assert store.counts() == [0, 2, 0, 0, 1, 0, 0, 0, 0, 1]
    newest = store.samples()[0]
    assert store.delete(newest.id)
    assert not store.delete(newest.id)
    assert len(store) == 3
    assert store.delete_all() == 3
    assert len(store) == 0 and store.counts() == [0] * 10


def test_delete_all_leaves_no_trace_of_the_images_in_the_files(store):
    secret = b"MY-PRIVATE-DRAWING-" * 50
    store.add(digit(), 5, original=secret)
    store.delete_all()
    for path in store.path.parent.iterdir():  # the database, its WAL and shared memory
        assert secret[:19] not in path.read_bytes(), path.name


@pytest.mark.parametrize("label", [-1, 10, 3.0, "7", True, None])
def test_labels_outside_0_to_9_are_refused(store, label):
    with pytest.raises(ValueError, match="digit 0..9"):
        store.add(digit(), label)
    assert len(store) == 0


def test_the_database_refuses_bad_labels_even_without_the_library(store):
    with (
        sqlite3.connect(store.path) as db,
        pytest.raises(sqlite3.IntegrityError, match="CHECK"),
    ):
        db.execute(
            "INSERT INTO samples (created, source, label, processed) VALUES ('', 'x', 11, ?)",
            (bytes(784),),
        )


def test_a_batch_is_saved_whole_or_not_at_all(store):
    with pytest.raises(ValueError):
        store.add_many([digit(), digit()], [3, 12])
    assert len(store) == 0


def test_wrong_image_shape_and_source_are_refused(store):
    with pytest.raises(ValueError, match="28x28"):
        store.add(np.zeros((28, 27), np.uint8), 1)
    with pytest.raises(ValueError, match="source"):
        store.add(digit(), 1, source="email")


def test_the_database_runs_in_wal_mode(store):
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_path_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(feedback.ENV_VAR, str(tmp_path / "mine.db"))
    assert feedback.feedback_db_path() == tmp_path / "mine.db"
    assert FeedbackStore().path == tmp_path / "mine.db"
    monkeypatch.delenv(feedback.ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert feedback.feedback_db_path() == tmp_path / "data" / "digitrec" / "feedback.sqlite3"


def test_a_corrupt_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(FeedbackError, match="damaged or not a SQLite file") as err:
        FeedbackStore(path)
    assert str(path) in str(err.value)


def test_an_unwritable_place_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(FeedbackError, match="cannot create the folder") as err:
        FeedbackStore(blocker / "sub" / "feedback.sqlite3")
    assert feedback.ENV_VAR in str(err.value)
    with pytest.raises(FeedbackError, match="is a folder"):
        FeedbackStore(tmp_path)


def test_a_read_only_database_gives_a_clear_error_on_save(store):
    store.add(digit(), 1)
    with (
        mock_readonly(store),
        pytest.raises(FeedbackError, match="cannot write the feedback database"),
    ):
        store.add(digit(), 2)
    assert len(store) == 1


class mock_readonly:
    """Open the store's connections read-only (root ignores file permissions)."""

    def __init__(self, store: FeedbackStore):
        self.store = store

    def __enter__(self):
        original = sqlite3.connect

        def connect(path, *args, **kwargs):
            return original(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(feedback.sqlite3, "connect", connect)

    def __exit__(self, *exc):
        self.patch.undo()


def _save_many(args: tuple[str, int, int]) -> list[int]:
    path, label, count = args
    store = FeedbackStore(path)
    return [store.add(digit(i % 200), label) for i in range(count)]


def test_two_sessions_saving_at_once_lose_nothing(store):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        ids = pool.map(_save_many, [(str(store.path), 3, 60), (str(store.path), 8, 60)])
    assert len(set(ids[0]) | set(ids[1])) == 120
    assert store.counts()[3] == 60 and store.counts()[8] == 60


KILLED_WRITER = """
import sys
import numpy as np
from digitrec.feedback import FeedbackStore
store = FeedbackStore(sys.argv[1])
image = np.full((28, 28), 200, np.uint8)
big = bytes(200_000)  # a large original keeps each save busy for a while
while True:
    print(store.add(image, 4, original=big), flush=True)
"""


def test_killing_a_writer_mid_save_keeps_every_committed_sample(store):
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(store.path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    committed = [int(writer.stdout.readline()) for _ in range(25)]
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    reopened = FeedbackStore(store.path)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    saved = {s.id for s in reopened.samples()}
    assert set(committed) <= saved
    reopened.add(digit(), 1)  # and it still takes new samples


def test_export_npz_then_import_round_trips(store, tmp_path):
    store.add(digit(1), 1, 7, [0.1] * 10, "canvas", b"drawing")
    store.add(digit(2), 2, None, None, "upload", None)
    data = store.export_npz()
    other = FeedbackStore(tmp_path / "other" / "feedback.sqlite3")
    assert other.import_npz(data) == 2
    first, second = other.samples(with_original=True)[::-1]
    assert (first.label, first.predicted, first.original) == (1, 7, b"drawing")
    assert (second.label, second.predicted, second.original) == (2, None, None)
    assert second.probabilities is None
    assert {first.source, second.source} == {"import"}
    np.testing.assert_array_equal(other.arrays().images, store.arrays().images)


def test_import_takes_plain_mnist_like_arrays_and_refuses_bad_ones(store, tmp_path):
    def npz(**arrays) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    images = np.stack([digit(i) for i in range(3)])
    assert store.import_npz(npz(images=images, labels=np.array([0, 5, 9]))) == 3
    with pytest.raises(ValueError, match="0..9"):
        store.import_npz(npz(images=images, labels=np.array([0, 5, 10])))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        store.import_npz(npz(images=images[:, :20], labels=np.array([0, 5, 9])))
    with pytest.raises(ValueError, match="no labels"):
        store.import_npz(npz(images=images))
    with pytest.raises(ValueError, match="not an .npz"):
        store.import_npz(b"hello")
    assert len(store) == 3


def test_export_idx_reads_like_mnist(store, tmp_path):
    for label in (4, 2):
        store.add(digit(label), label)
    with zipfile.ZipFile(io.BytesIO(store.export_idx())) as archive:
        archive.extractall(tmp_path)
    images = read_idx(tmp_path / "images-idx3-ubyte.gz")
    labels = read_idx(tmp_path / "labels-idx1-ubyte.gz")
    assert images.shape == (2, 28, 28) and labels.tolist() == [4, 2]
    np.testing.assert_array_equal(images[0], digit(4))


def test_original_bytes_keeps_uploads_and_encodes_drawings():
    assert feedback.original_bytes(b"jpeg") == b"jpeg"
    png = feedback.original_bytes(np.zeros((280, 280, 4), np.uint8))
    assert png.startswith(b"\x89PNG")
    assert feedback.original_bytes(None) is None
