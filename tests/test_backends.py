"""Every backend compiled from the one AST gives identical truths (hypothesis differential test)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine import conditions as c
from rights_engine.backends import durable
from rights_engine.backends.python import PythonBackend
from rights_engine.factset import quantise
from rights_engine.rulebase import RuleBase

pytestmark = pytest.mark.skipif(not durable.available(), reason="durable-rules does not import here")


def fact_values(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, object]]:
    parts: dict[str, st.SearchStrategy[object]] = {}
    for name, spec in schema.items():
        if spec.kind == "number":
            parts[name] = st.one_of(st.none(), st.integers(0, 200).map(float), st.floats(0, 200, allow_nan=False).map(quantise))
        else:
            parts[name] = st.sets(st.sampled_from(list(spec.domain)), min_size=1).map(frozenset)
    return st.fixed_dictionaries(parts)


@pytest.fixture(scope="module")
def compiled(rulebase: RuleBase) -> Any:
    rules = [(r.id, r.condition) for r in rulebase.rules]
    extra = [
        ("x.const", c.parse("true")),
        ("x.never", c.parse("false")),
        ("x.mixed", c.parse('not (age < 18 or daily_hours >= 4) and occupation not in ["courier"]')),
        ("x.derived", c.parse('category in ["labor_relation", "civil_relation"] or employer == "platform"')),
    ]
    py = PythonBackend().compile(rules + extra, rulebase.schema)
    dr = durable.DurableBackend().compile(rules + extra, rulebase.schema)
    yield py, dr
    dr.close()


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_durable_equals_python(rulebase: RuleBase, compiled: Any, data: st.DataObject) -> None:
    py, dr = compiled
    facts = data.draw(fact_values(dict(rulebase.schema)))
    assert dr.run(facts) == py.run(facts)


def test_durable_splits_large_rule_sets(rulebase: RuleBase) -> None:
    """More rules than one durable ruleset safely holds are split, with the same answers."""
    rules = [(f"r{i}", c.parse(f"age >= {i}")) for i in range(130)]
    dr = durable.DurableBackend().compile(rules, rulebase.schema)
    try:
        assert len(dr.rulesets) >= 2
        facts = {name: (None if spec.kind == "number" else frozenset(spec.domain))
                 for name, spec in rulebase.schema.items()}
        facts["age"] = 200.0
        assert all(v is True for v in dr.run(facts).values())
        facts["age"] = None
        assert all(v is None for v in dr.run(facts).values())
    finally:
        dr.close()


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_fact_encoding_is_the_json_of_the_flattened_fact(rulebase: RuleBase, data: st.DataObject) -> None:
    """The message built from cached fragments is exactly ``json.dumps`` of the flattened fact (twice: cached)."""
    import json

    layout = durable._Layout.of(rulebase.schema, list(rulebase.schema))
    facts = data.draw(fact_values(dict(rulebase.schema)))
    expected = json.dumps({**layout.flatten(facts), "sid": "7", "id": "profile"})
    assert layout.encode(facts, "7") == expected
    assert layout.encode(facts, "7") == expected


def test_action_messages_are_read_by_their_fixed_width_names() -> None:
    verdicts = {"r000": ("a", True), "r012": ("b", False), durable._CATCH_ALL: None}
    messages = ['{"r000":{"m":{"t": "p"}}}', '{"seen":{"m":{"t": "p"}}}', '{"r012":{"m":{"t": "p"}}}']
    assert durable._verdicts(messages, verdicts) == [("a", True), ("b", False)]
    # another layout (spaces, as json.dumps writes it) falls back to reading each name properly
    assert durable._verdicts(['{ "r012": {"m": {}}}', '{"r000":{"m":{}}}'], verdicts) == [("b", False), ("a", True)]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_shared_memoised_rulesets_give_the_same_truths(rulebase: RuleBase, data: st.DataObject) -> None:
    """An engine's durable backend: rule sets cut from fixed chunks share rulesets and remember verdicts; any subset
    of the rules, run twice (the second time from memory), gives the python backend's truths."""
    rules = [(r.id, r.condition) for r in rulebase.rules]
    backend = durable.DurableBackend(memoise=True, groups=[rules])
    chosen = data.draw(st.lists(st.sampled_from(rules), unique_by=lambda rule: rule[0], min_size=1, max_size=80))
    chosen.sort(key=rules.index)
    other = [rule for rule in rules if rule not in chosen][:40] + chosen[:5]
    dr, dr_other = backend.compile(chosen, rulebase.schema), backend.compile(other, rulebase.schema)
    try:
        py = PythonBackend().compile(chosen, rulebase.schema)
        for _ in range(2):
            facts = data.draw(fact_values(dict(rulebase.schema)))
            assert dr.run(facts) == py.run(facts)
            assert dr.run(facts) == py.run(facts)  # remembered
        dr_other.close()  # closing one compiled set leaves the shared rulesets to the others
        assert dr.run(facts) == py.run(facts)
    finally:
        backend.close()
    if dr.rulesets:  # (rules whose condition is constant need none)
        with pytest.raises(RuntimeError):
            dr.run(facts)  # the backend deleted its rulesets
