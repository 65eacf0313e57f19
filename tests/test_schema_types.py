"""Types and schema for the people who embed the library (issue 14, item 5).

A user's code type-checks without plugins (mypy --strict, and pyright where it runs); the JSON Schema of the
profile and of the result describes every field in zh and en, and the published copies in docs/schema/ are
current.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rights_engine import WorkerProfile
from rights_engine.cli import main
from rights_engine.schema import profile_schema, result_schema, schema_json, undescribed

ROOT = Path(__file__).resolve().parent.parent
EMBED = ROOT / "examples" / "embed.py"
#: A user's mistakes that the types must catch: a language that does not exist, a date of the wrong type.
MISTAKES = '''
from rights_engine import evaluate
evaluate({}, lang="fr")
evaluate({}, as_of=20240701)
'''


def _mypy(tmp_path: Path, target: Path) -> tuple[int, str]:
    pytest.importorskip("mypy")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # a user's setup: no pydantic plugin, nothing of ours
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--config-file", str(config), "--cache-dir",
                           str(tmp_path / "cache"), str(target)], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_embedding_example_is_mypy_strict_clean_without_plugins(tmp_path: Path) -> None:
    code, out = _mypy(tmp_path, EMBED)
    assert code == 0, out


def test_mypy_catches_a_users_mistakes(tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(MISTAKES, encoding="utf-8")
    code, out = _mypy(tmp_path, user)
    assert code == 1
    assert "user.py:3" in out and "user.py:4" in out, out


def _pyright() -> str | None:
    found = shutil.which("pyright") or str(Path(sys.executable).with_name("pyright"))
    return found if Path(found).exists() and shutil.which("node") else None


@pytest.mark.skipif(_pyright() is None, reason="pyright (and node) not installed")
def test_the_embedding_example_is_pyright_strict_clean(tmp_path: Path) -> None:
    user = tmp_path / "embed.py"
    user.write_text("# pyright: strict\n" + EMBED.read_text("utf-8"), encoding="utf-8")
    (tmp_path / "pyrightconfig.json").write_text(json.dumps({"extraPaths": [str(ROOT)]}), encoding="utf-8")
    proc = subprocess.run([str(_pyright()), "--pythonpath", sys.executable, str(user)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=600, check=False)
    assert proc.returncode == 0 and "0 errors" in proc.stdout, proc.stdout[-3000:]


def test_every_profile_field_is_described_in_both_languages() -> None:
    schema = WorkerProfile.model_json_schema()
    assert set(schema["properties"]) == set(WorkerProfile.model_fields)
    assert undescribed(schema) == []
    occupation = schema["properties"]["occupation"]
    assert occupation["x-description"]["zh"] == "你主要做什么工作？"
    assert occupation["x-labels"]["delivery_rider"]["zh"] == "外卖／网约配送员"


def test_every_result_field_is_described_in_both_languages() -> None:
    assert undescribed(result_schema()) == []


@pytest.mark.parametrize("which", ["profile", "result"])
def test_the_published_schema_is_current(which: str) -> None:
    published = ROOT / "docs" / "schema" / f"{which}.schema.json"
    assert published.read_text("utf-8") == schema_json(which), (
        f"regenerate: rights-engine schema {which} --output docs/schema/{which}.schema.json")


@pytest.mark.parametrize("which", ["profile", "result"])
def test_the_schema_command(which: str, tmp_path: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema", which]) == 0
    data = json.loads(out.getvalue())
    assert data == (profile_schema() if which == "profile" else result_schema())
    target = tmp_path / "s.json"
    assert main(["schema", which, "--output", str(target)]) == 0
    assert target.read_text("utf-8") == out.getvalue()


def test_a_valid_profile_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate({"work_province": "湖南省", "occupation": "courier", "age": 30, "problems": ["deposit"]},
                        profile_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"occupation": "astronaut"}, profile_schema())
