"""Determinism and provenance.

The JSON result is byte-identical for the same input and rule base: twice in one process, in fresh
engines, and in other processes with other hash seeds; it does not depend on the order of the input's
keys. ``result.provenance`` says which rule base, package and day produced it, and a result asked about
a day more than a year after the newest source warns that policies may have changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import rights_engine
from rights_engine import evaluate
from rights_engine.engine import Engine
from rights_engine.result import Result
from rights_engine.rulebase import RuleBase, default_root, load

from .test_concurrency_memory import _sample

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 6, 1)


def canonical(result: Result) -> str:
    """The byte form the promise is about."""
    return json.dumps(result.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def _jsonable(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in profile.items()}


@pytest.fixture(scope="module")
def cases() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(profile, keyword arguments): sampled profiles in both languages, some with explain, a fixed as_of."""
    out = []
    for i, profile in enumerate(_sample(120, seed=11)):
        out.append((_jsonable(profile), {"lang": ("zh", "en")[i % 2], "explain": i % 3 == 0, "as_of": "2024-06-01"}))
    return out


def _run(cases: list[tuple[dict[str, Any], dict[str, Any]]], engine: Engine) -> list[str]:
    out = []
    for profile, kwargs in cases:
        kw = {**kwargs, "as_of": dt.date.fromisoformat(kwargs["as_of"])}
        out.append(canonical(engine.evaluate(profile, **kw)))
    return out


_CHILD = """
import datetime as dt, json, sys
from rights_engine.engine import Engine
cases = json.load(sys.stdin)
engine = Engine()
for profile, kwargs in cases:
    kwargs["as_of"] = dt.date.fromisoformat(kwargs["as_of"])
    result = engine.evaluate(profile, **kwargs)
    print(json.dumps(result.model_dump(mode="json"), sort_keys=True, ensure_ascii=False))
"""


def test_same_input_same_bytes_in_one_process(cases: list[tuple[dict[str, Any], dict[str, Any]]],
                                              engine: Engine, rulebase: RuleBase) -> None:
    first = _run(cases, engine)
    assert _run(cases, engine) == first
    fresh = Engine(rulebase, backend=engine.backend_name)
    assert _run(list(reversed(cases)), fresh) == list(reversed(first))  # a cold engine, another order
    fresh.close()


@pytest.mark.parametrize("seeds", [("0", "4242")])
def test_same_bytes_across_processes_with_other_hash_seeds(cases: list[tuple[dict[str, Any], dict[str, Any]]],
                                                           engine: Engine, seeds: tuple[str, ...]) -> None:
    expected = _run(cases, engine)
    payload = json.dumps(cases, ensure_ascii=False).encode("utf-8")
    outputs = []
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8",
               "RIGHTS_ENGINE_BACKEND": engine.backend_name}
        proc = subprocess.run([sys.executable, "-c", _CHILD], input=payload, capture_output=True, cwd=ROOT, env=env,
                              timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
        outputs.append(proc.stdout.decode("utf-8").splitlines())
    assert outputs[0] == outputs[1], "two hash seeds gave different bytes"
    assert outputs[0] == expected, "a child process differs from this one"


def test_the_order_of_the_input_does_not_matter(cases: list[tuple[dict[str, Any], dict[str, Any]]],
                                                engine: Engine) -> None:
    rng = random.Random(5)
    for profile, kwargs in cases[:60]:
        items = list(profile.items())
        rng.shuffle(items)
        shuffled = dict(items)
        if isinstance(shuffled.get("problems"), list):
            shuffled["problems"] = list(reversed(shuffled["problems"]))
        assert _run([(shuffled, kwargs)], engine) == _run([(profile, kwargs)], engine)


def test_provenance_fields(rulebase: RuleBase) -> None:
    found = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE)
    version = found.group(1) if found else None
    profile = {"work_province": "湖南省", "occupation": "delivery_rider", "as_of": "2024-03-01"}
    result = evaluate(profile)
    p = result.provenance
    assert p.rulebase_hash == rulebase.digest and len(p.rulebase_hash) == 16 and int(p.rulebase_hash, 16) >= 0
    assert p.package_version == rights_engine.__version__ == version
    assert p.as_of == dt.date(2024, 3, 1)
    assert evaluate(profile, as_of=AS_OF).provenance.as_of == AS_OF  # the argument wins over the profile
    assert evaluate({"work_province": "湖南省"}).provenance.as_of == dt.date.today()
    used = {r.source.id for r in rulebase.rules} | {c.source.id for r in rulebase.rules for c in r.citations}
    assert p.newest_source_date == max(d for s in used if (d := rulebase.sources[s].date) is not None)
    assert p.rules_in_force > 0 and p.backend in ("durable", "python")
    dumped = result.model_dump(mode="json")["provenance"]
    assert set(dumped) >= {"rulebase_hash", "package_version", "as_of", "newest_source_date"}
    assert dumped["as_of"] == "2024-03-01" and dumped["newest_source_date"] == p.newest_source_date.isoformat()


def _recipe_digest(root: Path) -> str:
    """The digest as documented: sha256 over (relative POSIX path, bytes) of every .yaml and .txt, in path order."""
    h = hashlib.sha256()
    files = sorted({*root.rglob("*.yaml"), *root.rglob("*.txt")}, key=lambda p: p.relative_to(root).parts)
    for path in files:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def test_the_rule_base_hash_follows_the_files_not_their_location(tmp_path: Path, rulebase: RuleBase) -> None:
    assert rulebase.digest == _recipe_digest(default_root())
    copy = tmp_path / "elsewhere" / "rules"
    shutil.copytree(default_root(), copy)
    assert load(copy).digest == rulebase.digest
    text = next((copy / "sources" / "texts").glob("*.txt"))
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load(copy).digest != rulebase.digest


def _policy_warnings(result: Result) -> list[str]:
    return [w for w in result.warnings if "政策可能已有变化" in w or "Policies may have changed" in w]


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: a year later is 28 February
        return day.replace(year=day.year + 1, day=28)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warning_on_both_sides_of_the_one_year_boundary(engine: Engine, lang: str) -> None:
    newest = engine.rulebase.newest_source_date
    assert newest is not None
    limit = _one_year_after(newest)
    profile = {"work_province": "云南省", "occupation": "courier"}
    for day in (newest, limit - dt.timedelta(days=1), limit):
        assert not _policy_warnings(engine.evaluate(profile, as_of=day, lang=lang)), day
    for day in (limit + dt.timedelta(days=1), limit + dt.timedelta(days=400)):
        found = _policy_warnings(engine.evaluate(profile, as_of=day, lang=lang))
        assert len(found) == 1, day
    assert _policy_warnings(engine.evaluate({**profile, "as_of": (limit + dt.timedelta(days=1)).isoformat()}, lang=lang))


def _with_newest(rb: RuleBase, newest: dt.date) -> RuleBase:
    """The rule base with every source dated after ``newest`` moved back to it."""
    sources = {sid: s.model_copy(update={"date": newest}) if s.date and s.date > newest else s
               for sid, s in rb.sources.items()}
    return dataclasses.replace(rb, sources=sources)


@pytest.mark.parametrize(("newest", "last_quiet_day"), [
    (dt.date(2023, 6, 15), dt.date(2024, 6, 15)),  # the year holds 29 February 2024: 366 days
    (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
    (dt.date(2022, 6, 15), dt.date(2023, 6, 15)),  # 365 days
])
def test_the_boundary_is_a_calendar_year(rulebase: RuleBase, newest: dt.date, last_quiet_day: dt.date) -> None:
    engine = Engine(_with_newest(rulebase, newest), backend="python")
    assert engine.rulebase.newest_source_date == newest
    profile = {"work_province": "湖北省"}
    assert not _policy_warnings(engine.evaluate(profile, as_of=last_quiet_day))
    assert _policy_warnings(engine.evaluate(profile, as_of=last_quiet_day + dt.timedelta(days=1)))
