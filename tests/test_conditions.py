from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rights_engine import conditions as c
from rights_engine.backends.python import evaluate
from rights_engine.facts import FACTS
from rights_engine.factset import known, unknown


def test_precedence_and_before_or() -> None:
    node = c.parse('outdoor_work or age > 3 and gender == "female"')
    assert isinstance(node, c.Or)
    assert isinstance(node.items[1], c.And)


def test_bare_boolean_means_true_and_not_in() -> None:
    assert c.parse("outdoor_work") == c.Member("outdoor_work", frozenset([True]))
    node = c.parse('occupation not in ["courier", "other"]')
    assert node == c.Member("occupation", frozenset(["courier", "other"]), negated=True)


@pytest.mark.parametrize(
    "text",
    ["", "age >", "(outdoor_work", "outdoor_work and", "age == ", "age in [1,", "__import__('os')", "a b", "x not y"],
)
def test_malformed_conditions_are_rejected(text: str) -> None:
    with pytest.raises(c.ConditionError):
        c.parse(text)


@pytest.mark.parametrize(
    "text",
    ['nosuchfact == 1', 'occupation == "astronaut"', "occupation > 3", 'age == "old"', "outdoor_work == 3"],
)
def test_schema_check_rejects_unknown_fields_and_values(text: str) -> None:
    with pytest.raises(c.ConditionError):
        c.check(c.parse(text), FACTS)


def _facts(**given_values: object) -> dict[str, object]:
    facts = {name: unknown(spec) for name, spec in FACTS.items()}
    for name, value in given_values.items():
        facts[name] = known(FACTS[name], value)
    return facts


def test_kleene_logic_never_reads_unknown_as_no() -> None:
    f = _facts(outdoor_work=False)
    assert evaluate(c.parse("outdoor_work and age > 3"), f) is False
    assert evaluate(c.parse("has_children and age > 3"), f) is None
    assert evaluate(c.parse("not has_children"), f) is None
    assert evaluate(c.parse("has_children or not outdoor_work"), f) is True
    assert evaluate(c.parse("age >= 18"), _facts(age=18)) is True


def test_possibility_sets_decide_membership() -> None:
    f = _facts()
    f["category"] = frozenset(["labor_relation", "incomplete_labor_relation"])
    assert evaluate(c.parse('category in ["labor_relation", "incomplete_labor_relation"]'), f) is True
    assert evaluate(c.parse('category == "civil_relation"'), f) is False
    assert evaluate(c.parse('category == "labor_relation"'), f) is None


names = st.sampled_from(["outdoor_work", "has_children", "receives_pension"])
atoms = st.one_of(
    names.map(lambda n: c.Member(n, frozenset([True]))),
    st.builds(lambda v: c.Compare("age", ">=", float(v)), st.integers(0, 99)),
    st.builds(lambda vs: c.Member("occupation", frozenset(vs)), st.sets(st.sampled_from(["courier", "other"]), min_size=2)),
)
trees = st.recursive(
    atoms,
    lambda inner: st.one_of(
        inner.map(c.Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: c.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: c.Or(tuple(xs))),
    ),
    max_leaves=8,
)


@given(trees)
def test_render_then_parse_is_the_same_condition(tree: c.Node) -> None:
    again = c.parse(c.render(tree))
    assert c.render(again) == c.render(tree)
