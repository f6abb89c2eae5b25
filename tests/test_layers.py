"""The layout's rule: serving never imports training or the study; the page imports only the
public API and the study's light results module. Checked in the source (every import, also
inside functions) and at run time (what a process has loaded after doing the work)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import digitrec

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digitrec"
PAGES = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
HEAVY = ("tensorflow", "keras", "sklearn", "matplotlib", "tqdm")
# Serving and scoring run on requirements.txt alone; their third-party imports.
RUNTIME_LIBRARIES = {"numpy", "cv2", "PIL", "pillow_heif", "ai_edge_litert"}
# LiteRT has no Windows wheel; there the interpreter comes from TensorFlow instead.
ALLOWED = {("interpreter.py", "tensorflow.lite.python.interpreter")}
# The CLI hands `compare` to the study, importing it only when that command runs.
ALLOWED |= {("cli.py", "digitrec.study.compare")}
# ... and `export-features` and `finetune --full` to training (they need Keras), and
# `export-verifier` (it needs scikit-learn and writes numbers as the training renders do).
ALLOWED |= {("cli.py", "digitrec.training.features")}
ALLOWED |= {("cli.py", "digitrec.training.number_verifier")}
ALLOWED |= {("cli.py", "digitrec.training.finetune_full")}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "digitrec":  # from digitrec import data -> digitrec.data
                names |= {f"digitrec.{alias.name}" for alias in node.names}
    return names


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_serving_and_scoring_import_neither_training_nor_the_study(module):
    stdlib = sys.stdlib_module_names
    for name in imports(module) - {name for file, name in ALLOWED if file == module.name}:
        assert not name.startswith(("digitrec.training", "digitrec.study")), name
        if top(name) not in ("digitrec", "__future__"):
            assert top(name) in stdlib or top(name) in RUNTIME_LIBRARIES, name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_import_only_the_public_api_and_the_results_module(page):
    public = {"digitrec", "digitrec.study.results", *(f"digitrec.{n}" for n in digitrec.__all__)}
    for name in imports(page):
        if top(name) == "digitrec":
            assert name in public, name
        else:
            assert top(name) in (*sys.stdlib_module_names, "streamlit", "streamlit_drawable_canvas")


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


def assert_light(modules: set[str], allowed_study: tuple[str, ...] = ()) -> None:
    heavy = {m for m in modules if top(m) in HEAVY}
    assert not heavy, sorted(heavy)
    ours = {m for m in modules if m.startswith(("digitrec.training", "digitrec.study"))}
    assert ours <= {"digitrec.study", *allowed_study}, sorted(ours)


def test_predict_and_scoring_load_neither_training_the_study_nor_heavy_libraries(
    tmp_path, mnist_digits
):
    import cv2

    images, labels = mnist_digits
    cv2.imwrite(str(tmp_path / "digit.png"), images[0])
    modules = loaded_after(
        "import numpy as np\n"
        "from digitrec.cli import main\n"
        f"assert main(['predict', {str(tmp_path / 'digit.png')!r}]) == 0\n"
        "from digitrec import Recognizer\n"
        "from digitrec.evaluation import score\n"
        "from digitrec.parallel import to_mnist_many\n"
        "from digitrec.data import load_mnist\n"
        "images, labels = load_mnist('test', download=False)\n"
        "digits, found = to_mnist_many(images[:50], workers=1)\n"
        "score(Recognizer.load().probabilities, digits, labels[:50], found)\n"
    )
    assert "digitrec.evaluation" in modules and "ai_edge_litert" in modules
    assert_light(modules)


def test_the_pages_load_only_the_public_api_and_the_results_module():
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        "from tests.browser_support import canvas_state, drawn_digit\n"
        "app = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
        "app.session_state['canvas-0'] = canvas_state(drawn_digit(7))\n"
        "app.run()\n"
        "assert not app.exception and app.metric, 'no answer on the page'\n"
        "page = AppTest.from_file('app_pages/model_comparison.py', default_timeout=60).run()\n"
        "assert not page.exception and page.table, 'no comparison tables'\n"
    )
    assert_light(loaded_after(code), allowed_study=("digitrec.study.results",))


def test_readme_module_table_matches_the_tree():
    """Every module of the package in the README's table under its layer, and no other."""
    section = (ROOT / "README.md").read_text().split("## How it works", 1)[1].split("\n## ")[0]
    listed, folder = set(), None
    for row in section.splitlines():
        first = row.split(" | ")[0]
        if row.startswith("| **"):
            folder = re.search(r"\(`(\w+)/`\)", first)
            folder = folder.group(1) if folder else ""
        elif row.startswith("| `"):
            assert folder is not None, row
            listed |= {f"{folder}/{name}".lstrip("/") for name in re.findall(r"`(\w+\.py)`", first)}
    actual = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    assert listed == actual
