"""The repository and its build: no tracked file is also ignored (.gitignore once listed the tracked
examples/embed.py), no symbolic link, and the rule base reaches the wheel by a copy."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_no_tracked_file_is_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(["git", "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        pytest.skip(f"git ls-files failed: {proc.stderr.strip()[:200]}")
    assert proc.stdout.split() == []


def _git(*args: str) -> str:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        pytest.skip(f"git {args[0]} failed: {proc.stderr.strip()[:200]}")
    return proc.stdout


def test_no_symbolic_link_is_tracked() -> None:
    """A checkout without symlink support (Windows by default) turns a link into a text file: rights_engine/_rules
    was a link to ../rules, and a wheel built from such a checkout carried no rule base."""
    links = [line.split("\t", 1)[1] for line in _git("ls-files", "-s").splitlines() if line.startswith("120000 ")]
    assert links == []


def _setup_module() -> Any:
    spec = importlib.util.spec_from_file_location("rights_engine_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: setup() is not called
    return module


def test_the_build_copies_the_rule_base_into_the_package(tmp_path: Path) -> None:
    dist = pytest.importorskip("setuptools.dist", reason="setuptools (the build backend) is not installed here")

    from rights_engine.rulebase import load

    command = _setup_module().BuildWithRules(dist.Distribution({"name": "rights-engine", "packages": []}))
    command.initialize_options()
    command.build_lib = str(tmp_path)
    command.finalize_options()
    command.run()
    copied = tmp_path / "rights_engine" / "_rules"
    assert not copied.is_symlink()
    wanted = sorted(p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    assert sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file()) == wanted
    assert load(copied).digest == load(ROOT / "rules").digest


def test_the_sdist_manifest_carries_the_rule_base() -> None:
    lines = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split("\n")
    assert "graft rules" in lines and "include setup.py" in lines


@pytest.mark.slow
def test_a_wheel_installs_a_working_package(tmp_path: Path) -> None:
    """`pip wheel .` (isolated build: needs the package index for setuptools), unpacked into an empty folder and
    imported from there by a fresh interpreter started outside the checkout: the rule base is the bundled one."""
    source = tmp_path / "src"  # a copy: the build writes build/ and *.egg-info beside setup.py
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info",
                                                                "__pycache__", ".*_cache", ".hypothesis"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path / "w")],
                           capture_output=True, text=True, timeout=600, check=False)
    if built.returncode != 0 and "No matching distribution" in built.stderr:
        pytest.skip("no package index to build with")
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "w").glob("rights_engine-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(tmp_path / "site")
    code = ("import rights_engine, rights_engine.rulebase as rb, json; r = rights_engine.evaluate("
            "{'work_province': '云南省', 'work_city': '临沧市', 'occupation': 'courier'}); "
            "print(json.dumps([rights_engine.__file__, str(rb.default_root()), r.coverage.jurisdictions]))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path / "site")},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    module, root, jurisdictions = json.loads(done.stdout)
    assert module.startswith(str(tmp_path / "site")) and root == str(tmp_path / "site" / "rights_engine" / "_rules")
    assert len(jurisdictions) >= 3, jurisdictions  # the nation, 云南省 and 临沧市: every layer of rules was found
