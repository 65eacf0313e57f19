"""Properties of evaluate(): jurisdiction, determinism, backend equality."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from rights_engine.engine import Engine
from rights_engine.places import resolve
from rights_engine.rulebase import RuleBase

from .strategies import profiles

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _dump(result: Any) -> str:
    data = result.model_dump(mode="json")
    data["provenance"].pop("backend")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@SETTINGS
@given(profiles())
def test_no_result_cites_a_source_outside_the_province_chain(py_engine: Engine, rulebase: RuleBase,
                                                             profile: dict[str, Any]) -> None:
    result = py_engine.evaluate(profile, explain=True)
    work = resolve(profile.get("work_province"), profile.get("work_city"))
    cited = [c for e in result.entitlements for c in e.citations]
    cited += [c for r in result.classification.reasons for c in r.citations]
    for citation in cited:
        j = rulebase.sources[citation.source_id].jurisdiction
        if j.province is None:
            continue  # national law reaches everyone
        assert work is not None and j.province == work.province, (citation.source_id, work)
        if j.prefecture is not None and work.prefecture is not None:
            assert j.prefecture == work.prefecture
    if work is None or not result.coverage.covered:
        assert all(rulebase.sources[c.source_id].jurisdiction.province is None for c in cited)


@SETTINGS
@given(profiles())
def test_same_input_same_output_and_backends_agree(engine: Engine, py_engine: Engine,
                                                   profile: dict[str, Any]) -> None:
    first = _dump(engine.evaluate(profile, explain=True))
    assert _dump(engine.evaluate(profile, explain=True)) == first
    assert _dump(py_engine.evaluate(profile, explain=True)) == first


@SETTINGS
@given(profiles())
def test_pending_entitlements_say_what_they_need(py_engine: Engine, profile: dict[str, Any]) -> None:
    result = py_engine.evaluate(profile)
    for e in result.entitlements:
        assert e.citations, e.id
        if e.status == "pending":
            # no fact decides it: an unverified date or scope, or a point of law unsettled for this worker (unless)
            assert e.needs or any(mark in n for n in e.notes
                                  for mark in ("Unverified", "未经核实", "This is not a promise", "不作承诺")), e.id
