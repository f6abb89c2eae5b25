"""MNIST: find the four canonical IDX files, download them if missing, read them into numpy.

Where the files are looked for, in order: the ``data_dir`` argument, the ``DIGITREC_DATA``
environment variable, then the per-user cache ``~/.cache/digitrec/mnist``. Downloads go to
that directory and are accepted only when the decompressed content matches the MD5 sums of
the public release, so a changed or truncated mirror file is never used.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

ENV_VAR = "DIGITREC_DATA"
DEFAULT_DIR = Path.home() / ".cache" / "digitrec" / "mnist"
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
# MD5 of the decompressed files, identical to the original release by LeCun et al.
FILES = {
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


class MnistUnavailable(RuntimeError):
    """MNIST is neither on disk nor downloadable; the message says where to put it."""


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The directory MNIST is read from (argument, then $DIGITREC_DATA, then the cache)."""
    if path is not None:
        return Path(path)
    return Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else DEFAULT_DIR


def load_mnist(
    split: str = "train",
    path: str | os.PathLike | None = None,
    download: bool = True,
    mirrors: tuple[str, ...] = MIRRORS,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 arrays of shape (N, 28, 28) and (N,).

    Parameters
    ----------
    split : "train" (60,000 digits) or "test" (10,000 digits)
    path : directory holding the ``.gz`` files; see :func:`data_dir`
    download : fetch missing files from ``mirrors`` (checksum-verified)
    """
    if split not in SPLITS:
        raise ValueError(f"expected split 'train' or 'test', got {split!r}")
    folder = data_dir(path)
    images_name, labels_name = SPLITS[split]
    for name in (images_name, labels_name):
        ensure_file(folder, name, download=download, mirrors=mirrors)
    images = read_idx(folder / images_name)
    labels = read_idx(folder / labels_name)
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def ensure_file(folder: Path, name: str, download: bool = True, mirrors=MIRRORS) -> Path:
    """Make sure ``folder/name`` exists, downloading and verifying it when allowed."""
    target = folder / name
    if target.is_file():
        return target
    if not download:
        raise MnistUnavailable(_where_to_put_it(folder))
    errors = []
    for mirror in mirrors:
        try:
            _download_verified(mirror + name, target, FILES[name])
            return target
        except (OSError, ValueError) as exc:
            errors.append(f"{mirror}: {exc}")
    raise MnistUnavailable(
        _where_to_put_it(folder) + "\nDownload failed:\n  " + "\n  ".join(errors)
    )


def _download_verified(url: str, target: Path, md5: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as part:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                shutil.copyfileobj(response, part)
            part.close()
            actual = content_md5(Path(part.name))
            if actual != md5:
                raise ValueError(f"checksum mismatch for {url}: got {actual}, expected {md5}")
            os.replace(part.name, target)
        finally:
            if os.path.exists(part.name):
                os.unlink(part.name)


def content_md5(path: Path) -> str:
    """MD5 of the decompressed content (gzip wrappers differ between mirrors)."""
    digest = hashlib.md5()
    with gzip.open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_idx(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file (magic 2049 labels, 2051 images)."""
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (2049, 2051):
        raise ValueError(f"{path.name}: not an IDX file (magic {magic})")
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    offset = 4 + 4 * dims
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path.name}: expected {np.prod(shape)} values, found {data.size}")
    return data.reshape(shape)


def _where_to_put_it(folder: Path) -> str:
    names = ", ".join(FILES)
    return (
        f"MNIST not found in {folder}. Put the four files ({names}) there, or point "
        f"${ENV_VAR} at a directory that holds them."
    )
