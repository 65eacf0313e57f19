"""The engine's memoised python backend: chunks remembered by the values of the facts they read, numbers by their
class (the constants they are compared with), give the reference backend's truths; and the doorkeeper that decides
what the caches keep."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine import conditions as c
from rights_engine._memo import Doorkeeper
from rights_engine.backends._keys import number_cuts, reader
from rights_engine.backends.python import PythonBackend
from rights_engine.factset import quantise
from rights_engine.rulebase import RuleBase


def _near(rulebase: RuleBase) -> dict[str, list[object]]:
    """Per number field: unknown, and the numbers on, just below and just above each constant the rules (and the
    extra conditions below) compare it with, where its class changes."""
    constants: dict[str, set[float]] = {"age": {16.0, 18.0}, "daily_hours": {4.0}, "weekly_hours": {44.0}}
    for rule in rulebase.rules:
        for atom in c.atoms(rule.condition):
            if isinstance(atom, c.Compare):
                constants.setdefault(atom.field, set()).add(atom.value)
    return {name: [None, *sorted({quantise(v + d) for v in values for d in (-0.001, 0.0, 0.001) if v + d >= 0})]
            for name, values in constants.items()}


def _facts(rulebase: RuleBase) -> st.SearchStrategy[dict[str, object]]:
    parts: dict[str, st.SearchStrategy[object]] = {}
    for name, spec in rulebase.schema.items():
        if spec.kind == "number":
            parts[name] = st.one_of(st.none(), st.floats(0, 200, allow_nan=False).map(quantise))
        else:
            parts[name] = st.sets(st.sampled_from(list(spec.domain)), min_size=1).map(frozenset)
    return st.fixed_dictionaries(parts)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_memoised_python_backend_gives_the_reference_truths(rulebase: RuleBase, data: st.DataObject) -> None:
    """Any subset of the rules, on facts drawn at the rules' number thresholds, run twice (the second time from the
    chunks' memory), gives the unmemoised backend's truths in the same order."""
    rules = [(r.id, r.condition) for r in rulebase.rules]
    extra = [("x.mixed", c.parse('not (age < 18 or daily_hours >= 4) and occupation not in ["courier"]')),
             ("x.surely", c.parse("surely(weekly_hours > 44) or age <= 16"))]
    backend = PythonBackend(memoise=True, groups=[rules + extra])
    chosen = data.draw(st.lists(st.sampled_from(rules), unique_by=lambda rule: rule[0], min_size=1, max_size=120))
    chosen += extra
    memoised = backend.compile(chosen, rulebase.schema)
    reference = PythonBackend().compile(chosen, rulebase.schema)
    assert memoised.chunks  # the memo is in use
    facts = data.draw(_facts(rulebase))
    # each number in turn on, just below and just above every constant it is compared with (the other facts kept):
    # a key that confused two of these would answer one with the other's remembered truths
    trials = [facts] + [{**facts, name: value} for name, values in _near(rulebase).items() for value in values]
    for trial in trials + trials[::-1]:  # the second round from memory
        assert list(memoised.run(trial).items()) == list(reference.run(trial).items())


def test_numbers_either_side_of_a_constant_are_never_confused(rulebase: RuleBase) -> None:
    conditions = [("t.ge", c.parse("daily_hours >= 4")), ("t.gt", c.parse("daily_hours > 4")),
                  ("t.le", c.parse("age <= 16 or surely(weekly_hours < 44)")), ("t.lt", c.parse("age < 16"))]
    memoised = PythonBackend(memoise=True, groups=[conditions]).compile(conditions, rulebase.schema)
    reference = PythonBackend().compile(conditions, rulebase.schema)
    base = {name: (None if spec.kind == "number" else frozenset(spec.domain)) for name, spec in rulebase.schema.items()}
    for _ in range(2):  # the second round from memory
        for name, values in (("daily_hours", (3.999, 4.0, 4.001)), ("age", (15.0, 16.0, 17.0)),
                             ("weekly_hours", (43.999, 44.0, 44.001))):
            for value in (*values, None):
                facts = {**base, name: value}
                assert memoised.run(facts) == reference.run(facts), (name, value)


def test_a_number_is_keyed_by_its_class() -> None:
    nodes = [c.parse("age >= 18"), c.parse("age < 60 and daily_hours > 8")]
    cuts = number_cuts(nodes, ["age", "daily_hours"])
    assert cuts == {"age": (18.0, 60.0), "daily_hours": (8.0,)}
    read = reader(["age", "daily_hours", "occupation"], cuts)
    facts: dict[str, Any] = {"occupation": frozenset(["courier"]), "daily_hours": 9.5}
    keys = {age: read({**facts, "age": age}) for age in (17.0, 18.0, 19.0, 59.999, 60.0, None)}
    assert keys[18.0] != keys[17.0] and keys[18.0] != keys[60.0]  # every constant starts a class
    assert keys[19.0] == keys[59.999] and keys[18.0] != keys[19.0]  # equal to a constant is a class of its own
    assert keys[None] not in {keys[a] for a in (17.0, 18.0, 19.0, 60.0)}  # unknown is not a number


def test_a_number_read_otherwise_keeps_its_value() -> None:
    """A number field read by a node this module does not class (here: a membership test) is keyed by its value."""
    member = c.Member("age", frozenset([18.0]))
    assert number_cuts([c.parse("age >= 18"), member], ["age"]) == {}


def test_the_doorkeeper_admits_on_the_second_sighting_and_stays_bounded() -> None:
    door = Doorkeeper(limit=4)
    assert not door.admit(("a", 1))
    assert door.admit(("a", 1))
    assert not door.admit(("b", 2))
    for i in range(10):  # more keys than the limit: it forgets them all, never grows past it
        door.admit(i)
        assert len(door._seen) <= 4
    assert not door.admit(("a", 1))  # forgotten with the rest
