"""The suite also passes on the machine's pyenv CPython 3.12 and 3.13 (where durable-rules does not import,
so the plain-Python backend of the same AST answers)."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_TESTS = ["tests/test_conditions.py", "tests/test_profile.py", "tests/test_backends.py",
              "tests/test_engine_properties.py", "tests/test_rules_content.py", "tests/test_examples.py",
              "tests/test_published_cases.py", "tests/test_rulebase_errors.py", "tests/test_catalogue.py"]

pytestmark = pytest.mark.skipif(os.environ.get("RIGHTS_ENGINE_INNER_RUN") == "1", reason="already inside a run")


def _interpreter(version: str) -> str | None:
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    return found[-1] if found else None


def _venv(version: str, python: str) -> Path:
    venv = ROOT / f".venv-py{version.replace('.', '')}"
    stamp = venv / ".installed"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return venv
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(ROOT), "pytest>=8", "hypothesis>=6.100"], check=True, cwd=ROOT)
    stamp.touch()
    return venv


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_core_suite_on_other_interpreters(version: str) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no pyenv CPython {version} on this machine")
    venv = _venv(version, python)
    env = {**os.environ, "RIGHTS_ENGINE_INNER_RUN": "1", "PYTHONWARNINGS": "ignore"}
    env.pop("RIGHTS_ENGINE_BACKEND", None)
    probe = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "from rights_engine.engine import default_backend_name as d; print(d())"],
                           capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    expected_backend = "python" if version == "3.13" else "durable"
    assert probe.stdout.strip() == expected_backend
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-x", *CORE_TESTS], capture_output=True, text=True, env=env, cwd=ROOT, timeout=1500)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    print(f"CPython {version}: {run.stdout.strip().splitlines()[-1]}", file=sys.stderr)
