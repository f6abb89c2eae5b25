"""The user's corrections, kept in a local SQLite database: save, review, delete, export, import.

Each sample is one digit the user labelled on the page ("That's wrong, it is 7" or "That's
right"): the original input, the 28x28 image the model saw, what the model said, the true
label, where it came from and when. Nothing leaves the machine.

The database sits at ``$DIGITREC_FEEDBACK_DB`` or, by default, in the user's data directory
(``$XDG_DATA_HOME/digitrec/feedback.sqlite3``, ``~/.local/share/...``; ``%LOCALAPPDATA%`` on
Windows). It runs in WAL mode and every write is one transaction, so several browser sessions
can save at once and a process killed mid-save leaves every committed sample readable.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import struct
import sys
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from digitrec.recognizer import Result

ENV_VAR = "DIGITREC_FEEDBACK_DB"
DB_NAME = "feedback.sqlite3"
SOURCES = ("canvas", "upload", "camera", "import", "cli")
# A busy writer holds the lock for milliseconds; seconds of patience cover many sessions.
BUSY_TIMEOUT_S = 10.0
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    source TEXT NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    predicted INTEGER CHECK (predicted IS NULL OR predicted BETWEEN 0 AND 9),
    probabilities TEXT,
    processed BLOB NOT NULL CHECK (length(processed) = 784),
    original BLOB
)
"""


class FeedbackError(RuntimeError):
    """The feedback database cannot be used; the message says where and what to do."""


@dataclass(frozen=True)
class Sample:
    """One saved, labelled digit. ``original`` is None unless asked for (it can be large)."""

    id: int
    label: int
    processed: np.ndarray
    predicted: int | None
    probabilities: tuple[float, ...] | None
    source: str
    created: str
    original: bytes | None = None

    @property
    def corrected(self) -> bool:
        """The model had said something else (or nothing)."""
        return self.predicted != self.label


@dataclass(frozen=True)
class SampleSet:
    """Many samples as arrays, the shape training and export want."""

    images: np.ndarray  # (N, 28, 28) uint8, what the model saw
    labels: np.ndarray  # (N,) uint8, 0..9

    def __len__(self) -> int:
        return len(self.labels)


def feedback_db_path() -> Path:
    """``$DIGITREC_FEEDBACK_DB``, else ``feedback.sqlite3`` in the user's data directory."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif os.environ.get("XDG_DATA_HOME"):
        base = Path(os.environ["XDG_DATA_HOME"])
    else:
        base = Path.home() / ".local" / "share"
    return base / "digitrec" / DB_NAME


def check_label(label: object) -> int:
    """``label`` as an int 0..9, or ValueError saying what arrived."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise ValueError(f"a label must be a digit 0..9, got {label!r}")
    return int(label)


def check_digit_image(image: object) -> np.ndarray:
    """``image`` as a 28x28 uint8 array, or ValueError saying what arrived."""
    array = np.asarray(image)
    if array.shape != (28, 28):
        raise ValueError(f"expected a 28x28 processed digit, got shape {array.shape}")
    if array.dtype != np.uint8:
        if array.min() < 0 or array.max() > 255:
            raise ValueError("expected pixel values 0..255")
        array = array.astype(np.uint8)
    return array


class FeedbackStore:
    """The samples in one SQLite file. Cheap to create; each call opens its own connection,
    so one store may be shared by the page's sessions (threads).

    Raises :class:`FeedbackError` when the file is not a database, or its folder cannot be
    created or written.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = feedback_db_path() if path is None else Path(path).expanduser()
        if self.path.is_dir():
            raise FeedbackError(f"the feedback database path is a folder: {self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise FeedbackError(
                f"cannot create the folder for the feedback database {self.path}: "
                f"{err.strerror or err}; set ${ENV_VAR} to a writable place"
            ) from err
        with self._connect() as db:
            # A file already set up is only read: stores are made often (the review page and
            # the CLI make one per use), and writing the version is a synced write each time.
            if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection, one transaction: committed on success, rolled back on error."""
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)) as db:
                db.execute("PRAGMA synchronous=FULL")
                with db:
                    yield db
        except sqlite3.DatabaseError as err:
            raise FeedbackError(self._explain(err)) from err

    def _explain(self, err: sqlite3.DatabaseError) -> str:
        text = str(err)
        if "not a database" in text or "malformed" in text:
            return (
                f"the feedback database {self.path} is damaged or not a SQLite file ({text}); "
                f"move it away to start a new one, or set ${ENV_VAR} to another file"
            )
        if "readonly" in text or "unable to open" in text:
            return (
                f"cannot write the feedback database {self.path} ({text}); check its "
                f"permissions or set ${ENV_VAR} to a writable place"
            )
        return f"feedback database {self.path}: {text}"

    # -- writing -----------------------------------------------------------------------------

    def add(
        self,
        processed: np.ndarray,
        label: int,
        predicted: int | None = None,
        probabilities: Sequence[float] | None = None,
        source: str = "canvas",
        original: bytes | None = None,
    ) -> int:
        """Save one labelled digit in its own transaction; returns its id."""
        return self.add_many(
            [processed], [label], [predicted], [probabilities], source, [original]
        )[0]

    def add_result(self, result: Result, label: int, source: str, image: object = None) -> int:
        """Save what the recognizer read (``result``) with the true ``label``; ``image`` is
        the user's input, kept as given (bytes) or as PNG (an array such as the canvas)."""
        if result.processed is None:
            raise ValueError("no digit was found in this image: there is nothing to save")
        return self.add(
            result.processed,
            label,
            result.digit,
            result.probabilities,
            source,
            original_bytes(image),
        )

    def add_many(
        self,
        processed: Sequence[np.ndarray] | np.ndarray,
        labels: Sequence[int] | np.ndarray,
        predicted: Sequence[int | None] | None = None,
        probabilities: Sequence[Sequence[float] | None] | None = None,
        source: str = "import",
        originals: Sequence[bytes | None] | None = None,
    ) -> list[int]:
        """Save many labelled digits in one transaction (all or none); returns their ids."""
        count = len(labels)
        if len(processed) != count:
            raise ValueError(f"{len(processed)} images but {count} labels")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        predicted = [None] * count if predicted is None else list(predicted)
        probabilities = [None] * count if probabilities is None else list(probabilities)
        originals = [None] * count if originals is None else list(originals)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = []
        for image, label, guess, probs, original in zip(
            processed, labels, predicted, probabilities, originals
        ):
            rows.append(
                (
                    now,
                    source,
                    check_label(label),
                    None if guess is None else check_label(guess),
                    None if probs is None else json.dumps([round(float(p), 6) for p in probs]),
                    check_digit_image(image).tobytes(),
                    None if original is None else bytes(original),
                )
            )
        with self._connect() as db:
            ids = []
            for row in rows:
                cursor = db.execute(
                    "INSERT INTO samples (created, source, label, predicted, probabilities,"
                    " processed, original) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                ids.append(int(cursor.lastrowid))
        return ids

    def delete(self, sample_id: int) -> bool:
        """Delete one sample; False when there was none with that id."""
        with self._connect() as db:
            return db.execute("DELETE FROM samples WHERE id = ?", (int(sample_id),)).rowcount > 0

    def delete_all(self) -> int:
        """Delete every sample and wipe the freed pages from the file; returns how many."""
        with self._connect() as db:
            count = db.execute("DELETE FROM samples").rowcount
        # VACUUM rewrites the file without the deleted rows' bytes, and the checkpoint empties
        # the write-ahead log, so "delete all" leaves nothing of the images on disk.
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)) as db:
                db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError as err:
            raise FeedbackError(self._explain(err)) from err
        return count

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    def counts(self) -> list[int]:
        """How many samples of each digit, 0..9."""
        counts = [0] * 10
        with self._connect() as db:
            for label, count in db.execute("SELECT label, COUNT(*) FROM samples GROUP BY label"):
                counts[label] = count
        return counts

    def samples(self, with_original: bool = False, limit: int | None = None) -> list[Sample]:
        """Saved samples, newest first."""
        columns = "id, label, processed, predicted, probabilities, source, created"
        if with_original:
            columns += ", original"
        query = f"SELECT {columns} FROM samples ORDER BY id DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._connect() as db:
            rows = db.execute(query).fetchall()
        return [
            Sample(
                id=row[0],
                label=row[1],
                processed=np.frombuffer(row[2], np.uint8).reshape(28, 28),
                predicted=row[3],
                probabilities=None if row[4] is None else tuple(json.loads(row[4])),
                source=row[5],
                created=row[6],
                original=row[7] if with_original else None,
            )
            for row in rows
        ]

    def original(self, sample_id: int) -> bytes | None:
        """The input the user gave for one sample (PNG of the drawing, or the uploaded file)."""
        with self._connect() as db:
            row = db.execute("SELECT original FROM samples WHERE id = ?", (int(sample_id),))
            found = row.fetchone()
        return None if found is None else found[0]

    def arrays(self) -> SampleSet:
        """Every sample's processed image and label, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT processed, label FROM samples ORDER BY id").fetchall()
        images = np.array(
            [np.frombuffer(row[0], np.uint8).reshape(28, 28) for row in rows], np.uint8
        ).reshape(-1, 28, 28)
        return SampleSet(images, np.array([row[1] for row in rows], np.uint8))

    # -- export and import -------------------------------------------------------------------

    def export_npz(self) -> bytes:
        """Every sample as an ``.npz``: ``images`` (N,28,28) uint8, ``labels``, ``predicted``
        (-1: none), ``probabilities`` (N,10; NaN: none), ``source``, ``created``, and the
        originals as one byte string (``originals``) cut at ``original_offsets``."""
        samples = self.samples(with_original=True)[::-1]
        originals = [s.original or b"" for s in samples]
        offsets = np.cumsum([0] + [len(o) for o in originals]).astype(np.int64)
        probabilities = np.full((len(samples), 10), np.nan, np.float32)
        for row, sample in zip(probabilities, samples):
            if sample.probabilities is not None:
                row[:] = sample.probabilities
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            images=np.array([s.processed for s in samples], np.uint8).reshape(-1, 28, 28),
            labels=np.array([s.label for s in samples], np.uint8),
            predicted=np.array([-1 if s.predicted is None else s.predicted for s in samples]),
            probabilities=probabilities,
            source=np.array([s.source for s in samples], dtype=str),
            created=np.array([s.created for s in samples], dtype=str),
            originals=np.frombuffer(b"".join(originals), np.uint8),
            original_offsets=offsets,
        )
        return buffer.getvalue()

    def export_idx(self) -> bytes:
        """Every sample as MNIST's two gzipped IDX files, in a ``.zip``:
        ``images-idx3-ubyte.gz`` and ``labels-idx1-ubyte.gz``."""
        data = self.arrays()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("images-idx3-ubyte.gz", idx_bytes(data.images))
            archive.writestr("labels-idx1-ubyte.gz", idx_bytes(data.labels))
        return buffer.getvalue()

    def import_npz(self, data: bytes | str | os.PathLike) -> int:
        """Add the samples of an ``.npz`` (ours, or any with ``images`` (N,28,28) and
        ``labels``); all or none, checked first. Returns how many were added."""
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        try:
            archive = np.load(source, allow_pickle=False)
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            raise ValueError(f"not an .npz file: {err}") from err
        with archive:
            missing = {"images", "labels"} - set(archive.files)
            if missing:
                raise ValueError(f"the .npz has no {' or '.join(sorted(missing))} array")
            images, labels = archive["images"], archive["labels"]
            if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
                raise ValueError(
                    f"expected images (N, 28, 28) and N labels, got {images.shape} "
                    f"and {labels.shape}"
                )
            bad = [v for v in np.unique(labels).tolist() if not 0 <= v <= 9]
            if bad:
                raise ValueError(f"labels must be digits 0..9, found {bad[:5]}")
            predicted = probabilities = originals = None
            if "predicted" in archive.files:
                predicted = [None if p < 0 else int(p) for p in archive["predicted"]]
            if "probabilities" in archive.files:
                probabilities = [None if np.isnan(p).any() else p for p in archive["probabilities"]]
            if {"originals", "original_offsets"} <= set(archive.files):
                blob, cuts = archive["originals"].tobytes(), archive["original_offsets"]
                originals = [blob[a:b] or None for a, b in pairwise(cuts)]
            ids = self.add_many(
                [check_digit_image(i) for i in images],
                [int(v) for v in labels],
                predicted,
                probabilities,
                "import",
                originals,
            )
        return len(ids)


def original_bytes(image: object) -> bytes | None:
    """What to keep of the user's input: an uploaded file's bytes as they came, an array (the
    canvas's RGBA drawing) as PNG; anything else is not kept."""
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    if isinstance(image, np.ndarray):
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(image, np.uint8)).save(buffer, format="PNG")
        return buffer.getvalue()
    return None


def idx_bytes(array: np.ndarray) -> bytes:
    """A uint8 array as a gzipped IDX file (MNIST's format: magic, sizes, big-endian)."""
    array = np.ascontiguousarray(array, np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)
