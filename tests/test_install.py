"""A non-editable install of the wheel in a fresh virtual environment, used from elsewhere.

The wheel is built from a copy of the sources and installed with pip into a venv without
system site-packages. Its runtime dependencies — those the wheel declares, which is what
``pip install -r requirements.txt`` installs, and theirs — are linked in from this
interpreter's site-packages instead of downloaded, so the test runs offline in seconds;
nothing else is, so TensorFlow, scikit-learn and Streamlit are out of reach. Then, from
another directory, ``predict`` and ``evaluate`` must work with the model inside the package.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import cv2
import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "digitrec", "models")

pytestmark = pytest.mark.slow


# A PYTHONPATH pointing into a checkout would let pip and the venv's python see the checkout's
# own digitrec (pip then "finds it installed" and leaves the venv empty): the venv must see
# only what was installed into it.
ISOLATED = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", ISOLATED)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh venv holding the wheel and its declared dependencies only."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp, source])
    (wheel,) = tmp.glob("digitrec-*.whl")
    venv.create(tmp / "venv", with_pip=False, system_site_packages=False)
    python = tmp / "venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel])
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())  # fmt: skip
    declared = importlib.metadata.PathDistribution(next(site.glob("digitrec-*.dist-info")))
    linked = tmp / "dependencies"
    linked.mkdir()
    for distribution in dependency_closure(declared.requires or []):
        link(distribution, linked)
    (site / "dependencies.pth").write_text(f"{linked}\n")
    return python


def dependency_closure(requirements: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that ``requirements`` (without extras) pull in."""
    found, pending = {}, list(requirements)
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = importlib.metadata.distribution(requirement.name)
            pending.extend(found[name].requires or [])
    return list(found.values())


def link(distribution: importlib.metadata.Distribution, target: Path) -> None:
    """Symlink the distribution's files into ``target``: whole packages, modules and
    metadata folders; namespace folders (google/) are made and only its parts linked."""
    site = Path(distribution.locate_file(""))
    for file in distribution.files or []:
        parts = Path(file).parts
        if parts[0] in ("..", "__pycache__") or parts[0].endswith(".pth"):
            continue
        depth = 1
        while depth < len(parts) and is_namespace(site.joinpath(*parts[:depth])):
            (target.joinpath(*parts[:depth])).mkdir(exist_ok=True)
            depth += 1
        destination = target.joinpath(*parts[:depth])
        if not destination.exists():
            destination.symlink_to(site.joinpath(*parts[:depth]))


def is_namespace(folder: Path) -> bool:
    return folder.is_dir() and "." not in folder.name and not (folder / "__init__.py").exists()


def write_idx(path: Path, array: np.ndarray) -> None:
    """A gzip-compressed IDX file, as MNIST ships them (magic 2051 images, 2049 labels)."""
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_requirements_files_install_the_project_as_pyproject_declares_it():
    for name, extras in [("requirements.txt", "[app]"), ("requirements-train.txt", "[app,train]"),
                         ("requirements-dev.txt", "[dev]")]:  # fmt: skip
        lines = [
            line.strip()
            for line in (ROOT / name).read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert lines == [f"-e .{extras}"], name  # the dependencies live in pyproject.toml


def test_the_installed_package_carries_its_model_and_needs_no_training_libraries(installed):
    code = (
        "import importlib.util, json, digitrec\n"
        "from digitrec.interpreter import shipped_model\n"
        "print(json.dumps([digitrec.__file__, str(shipped_model()),\n"
        "    [importlib.util.find_spec(m) is None for m in ('sklearn', 'tensorflow', 'keras',\n"
        "     'streamlit')]]))\n"
    )
    package, model, missing = json.loads(run([installed, "-c", code], cwd=installed.parent).stdout)
    venv_root = installed.parent.parent
    assert Path(package).is_relative_to(venv_root) and Path(model).is_relative_to(venv_root)
    assert Path(model).parent.name == "models" and Path(model).is_file()
    assert all(missing)


def test_predict_and_evaluate_work_from_another_directory(installed, tmp_path, mnist_test):
    images, labels = mnist_test
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cv2.imwrite(str(elsewhere / "digit.png"), 255 - cv2.resize(images[0], (120, 120)))
    predicted = run([installed, "-m", "digitrec", "predict", "--json", "digit.png"], cwd=elsewhere)
    assert json.loads(predicted.stdout)["digit"] == labels[0]
    assert predicted.stderr == ""  # no line the user did not ask for
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    write_idx(mnist / "t10k-images-idx3-ubyte.gz", images[:300])
    write_idx(mnist / "t10k-labels-idx1-ubyte.gz", labels[:300])
    evaluated = run(
        [installed, "-m", "digitrec", "evaluate", "--data", mnist, "--workers", "1"],
        cwd=elsewhere,
    )
    accuracy = float(evaluated.stdout.split("MNIST test accuracy: ")[1].split("%")[0])
    assert accuracy >= 97.0 and "(300 digits" in evaluated.stdout
    assert evaluated.stderr == ""
