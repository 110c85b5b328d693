import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_package_and_a_typed_caller_pass_mypy_strict():
    if shutil.which("mypy") is None and subprocess.run([sys.executable, "-m", "mypy", "--version"]).returncode != 0:
        pytest.skip("mypy is not installed (the test command installs it)")
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_stubs_match_the_native_module():
    """``_dlpjet.pyi`` against the compiled module (mypy's stubtest): every name, class, method
    and signature the module has is in the stub, and the stub claims nothing the module lacks."""
    if subprocess.run([sys.executable, "-m", "mypy.stubtest", "--help"], capture_output=True).returncode != 0:
        pytest.skip("mypy is not installed (the test command installs it)")
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "dlpjet._dlpjet", "--ignore-missing-stub"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
