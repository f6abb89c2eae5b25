"""MNIST loading: IDX parsing, the checksum-verified download path (served from local files),
and a clear message when the data is missing and cannot be fetched."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from digitrec import data
from tests.conftest import missing


def test_reads_both_splits_with_the_documented_shapes(mnist_train, mnist_test):
    (train_x, train_y), (test_x, test_y) = mnist_train, mnist_test
    assert train_x.shape == (60000, 28, 28) and train_y.shape == (60000,)
    assert test_x.shape == (10000, 28, 28) and test_x.dtype == np.uint8
    assert np.bincount(test_y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _source_folder():
    folder = data.data_dir()
    if not all((folder / name).is_file() for name in data.FILES):
        missing(f"MNIST files not in {folder}; set ${data.ENV_VAR} to a folder holding them")
    return folder


def test_download_path_fetches_and_verifies(tmp_path):
    source = _source_folder()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in data.SPLITS["test"]:
        # Re-wrap the content: mirrors' gzip headers differ, checksums are of the content.
        with gzip.open(source / name, "rb") as raw, gzip.open(mirror / name, "wb") as out:
            shutil.copyfileobj(raw, out)
    target = tmp_path / "cache"
    images, labels = data.load_mnist("test", path=target, mirrors=(mirror.as_uri() + "/",))
    assert images.shape == (10000, 28, 28) and (target / "t10k-images-idx3-ubyte.gz").is_file()


def test_download_rejects_a_file_with_the_wrong_content(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with gzip.open(mirror / "t10k-labels-idx1-ubyte.gz", "wb") as out:
        out.write(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes(3))
    with pytest.raises(data.MnistUnavailable, match="checksum mismatch"):
        data.ensure_file(
            tmp_path / "cache", "t10k-labels-idx1-ubyte.gz", mirrors=(mirror.as_uri() + "/",)
        )
    assert not (tmp_path / "cache" / "t10k-labels-idx1-ubyte.gz").exists()
    assert not list((tmp_path / "cache").glob("*.part"))


def test_offline_failure_says_where_to_put_the_files(tmp_path):
    with pytest.raises(data.MnistUnavailable, match="Put the four files") as error:
        data.load_mnist("test", path=tmp_path, mirrors=("http://127.0.0.1:9/",))
    assert str(tmp_path) in str(error.value) and data.ENV_VAR in str(error.value)
    with pytest.raises(data.MnistUnavailable):
        data.load_mnist("test", path=tmp_path, download=False)


def test_read_idx_rejects_other_files(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"not an idx file at all")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(path)


def test_unknown_split():
    with pytest.raises(ValueError, match="expected split"):
        data.load_mnist("validation")
