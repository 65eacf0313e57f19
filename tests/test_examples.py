"""The example profiles give the reviewed results in examples/expected (regenerate with examples/regenerate.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROFILES = sorted((ROOT / "examples" / "profiles").glob("*.json"))


def _regenerate() -> Any:
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "examples" / "regenerate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_enough_examples() -> None:
    assert len(PROFILES) >= 6
    categories = {json.loads((ROOT / "examples" / "expected" / p.name).read_text("utf-8"))["classification"]["category"]
                  for p in PROFILES}
    assert {"labor_relation", "incomplete_labor_relation", "civil_relation"} <= categories


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_example_matches_expected(profile: Path) -> None:
    expected = json.loads((ROOT / "examples" / "expected" / profile.name).read_text("utf-8"))
    assert _regenerate().snapshot(profile) == expected


def test_embedding_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("embed", ROOT / "examples" / "embed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    out = capsys.readouterr().out
    assert "classification: incomplete_labor_relation" in out and "bad input" in out
