"""The engine's fast routes give what the plain ones give: selections found by the bits of the rules in force are
``RuleBase.select``'s, and a long-lived engine (its caches warm: memo hits, shared selections, second sightings)
gives each profile the result a fresh engine gives it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine.engine import Engine
from rights_engine.places import province_names
from rights_engine.rulebase import RuleBase, Selection

from .strategies import profiles


def _ids(selection: Selection) -> tuple[object, ...]:
    return (selection.province, selection.covered, [r.id for r in selection.stage1], [r.id for r in selection.stage2],
            [(ent, [r.id for r in rules]) for ent, rules in selection.groups])


def _days(rulebase: RuleBase) -> list[dt.date]:
    """Every validity boundary, the day before it, and days far before and after them all."""
    days = {dt.date(1990, 1, 1), dt.date(2099, 12, 31)}
    for day in rulebase.boundaries():
        days.update((day, day - dt.timedelta(days=1)))
    return sorted(days)


def test_selections_are_those_of_the_rule_base(rulebase: RuleBase) -> None:
    """Every province (those no rule names too), and no province, on every boundary and the day before it: the
    engine's selection (found by bits, its tuples shared) has RuleBase.select's rules, in its order and groups."""
    engine = Engine(rulebase, backend="python")
    provinces: list[Optional[str]] = [None, *sorted(province_names())]
    days = _days(rulebase)
    for province in provinces:
        for day in days:
            assert _ids(engine.selection(province, day)) == _ids(rulebase.select(province, day)), (province, day)
    # the same rules share one tuple per stage (what is compiled and planned per tuple is done once)
    seen: dict[tuple[str, ...], tuple[object, ...]] = {}
    for province in provinces:
        for day in days:
            stage2 = engine.selection(province, day).stage2
            assert seen.setdefault(tuple(r.id for r in stage2), stage2) is stage2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(province=st.sampled_from([None, *sorted(province_names())]), day=st.dates(dt.date(1994, 1, 1), dt.date(2030, 12, 31)))
def test_selection_on_any_day(rulebase: RuleBase, py_engine: Engine, province: Optional[str], day: dt.date) -> None:
    assert _ids(py_engine.selection(province, day)) == _ids(rulebase.select(province, day))


def _json(engine: Engine, profile: dict[str, Any], as_of: Optional[dt.date], lang: str) -> str:
    return json.dumps(engine.evaluate(profile, as_of=as_of, lang=lang, explain=True).model_dump(mode="json"),
                      ensure_ascii=False, sort_keys=True)


_LONG_LIVED: dict[str, Engine] = {}


@pytest.mark.parametrize("backend", ["python", "durable"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=profiles(), as_of=st.one_of(st.none(), st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 31))),
       lang=st.sampled_from(["zh", "en"]))
def test_a_warm_engine_gives_a_fresh_engines_result(rulebase: RuleBase, backend: str, profile: dict[str, Any],
                                                    as_of: Optional[dt.date], lang: str) -> None:
    """One engine kept across examples (first sight, then seen once and twice: the memos answer, second sightings
    are kept) against a fresh engine for each profile: the same JSON."""
    if backend == "durable":
        pytest.importorskip("durable_rules_engine")
    warm = _LONG_LIVED.get(backend)
    if warm is None:
        warm = _LONG_LIVED[backend] = Engine(rulebase, backend=backend)
    fresh = Engine(rulebase, backend=backend)
    try:
        expected = _json(fresh, profile, as_of, lang)
    finally:
        fresh.close()
    for _ in range(3):
        assert _json(warm, profile, as_of, lang) == expected
