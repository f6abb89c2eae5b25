"""The tests' own rule: what a test needs and cannot find (MNIST, the UNIPEN digits, the
model, the browser) skips it with the reason on a developer's machine and fails it in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDS_MNIST = "tests/test_data.py::test_reads_both_splits_with_the_documented_shapes"


def run_without_mnist(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["DIGITREC_DATA"] = str(tmp_path)  # an empty folder: no MNIST, and no download
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", NEEDS_MNIST]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_missing_mnist_skips_with_the_reason_outside_ci(tmp_path):
    run = run_without_mnist(tmp_path, ci=False)
    assert run.returncode == 0, run.stdout
    assert "1 skipped" in run.stdout and "MNIST train set not available offline" in run.stdout


def test_missing_mnist_fails_in_ci(tmp_path):
    run = run_without_mnist(tmp_path, ci=True)
    assert run.returncode == 1, run.stdout
    assert "1 error" in run.stdout or "1 failed" in run.stdout
    assert "CI must provide it" in run.stdout
