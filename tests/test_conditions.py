from __future__ import annotations

import pytest
from hypothesis import given, settings
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


# -- surely(x): true only when x is known true, never unknown ------------------------------------------------
def test_surely_parses_renders_and_is_never_unknown() -> None:
    node = c.parse("not surely(receives_pension)")
    assert node == c.Not(c.Surely(c.Member("receives_pension", frozenset([True]))))
    assert c.render(node) == "not surely(receives_pension)"
    assert c.parse(c.render(node)) == node
    assert c.fields(node) == ("receives_pension",)
    spec = FACTS["receives_pension"]
    inner = c.parse("surely(receives_pension)")
    assert evaluate(inner, {"receives_pension": known(spec, True)}) is True
    assert evaluate(inner, {"receives_pension": known(spec, False)}) is False
    assert evaluate(inner, {"receives_pension": unknown(spec)}) is False  # unknown is not "yes"
    assert evaluate(node, {"receives_pension": unknown(spec)}) is True


@pytest.mark.parametrize("text", ["surely receives_pension", "surely()", "surely(age >", "surely(x) y"])
def test_malformed_surely_is_rejected(text: str) -> None:
    with pytest.raises(c.ConditionError):
        c.parse(text)


def test_atoms_under_surely_are_never_asked_about() -> None:
    """A pending rule's needs are the unknown atoms that could decide it; ``surely(...)`` is decided already."""
    from rights_engine.backends.python import atom_truths

    node = c.parse("age >= 18 and not surely(receives_pension)")
    facts = {"age": None, "receives_pension": unknown(FACTS["receives_pension"])}
    assert [a.field for a, truth in atom_truths(node, facts) if truth is None] == ["age"]


_FIELDS = ("receives_pension", "occupation", "age")


@st.composite
def _surely_nodes(draw: st.DrawFn, depth: int = 0) -> c.Node:
    leaves = st.one_of(
        st.just(c.Member("receives_pension", frozenset([True]))),
        st.sets(st.sampled_from(FACTS["occupation"].domain), min_size=1, max_size=3).flatmap(
            lambda vs: st.booleans().map(lambda neg: c.Member("occupation", frozenset(vs), negated=neg))),
        st.sampled_from(["<", "<=", ">", ">="]).flatmap(
            lambda op: st.integers(0, 80).map(lambda v: c.Compare("age", op, float(v)))),
        st.booleans().map(c.Const),
    )
    if depth >= 2:  # small enough for durable-rules' limits on one rule (paths, expressions)
        return draw(leaves)
    kind = draw(st.sampled_from(["leaf", "not", "surely", "and", "or"]))
    if kind == "leaf":
        return draw(leaves)
    if kind in ("not", "surely"):
        item = draw(_surely_nodes(depth + 1))
        return c.Not(item) if kind == "not" else c.Surely(item)
    items = tuple(draw(st.lists(_surely_nodes(depth + 1), min_size=2, max_size=3)))
    return c.And(items) if kind == "and" else c.Or(items)


@st.composite
def _possible_facts(draw: st.DrawFn) -> dict[str, object]:
    return {
        "receives_pension": frozenset(draw(st.sets(st.booleans(), min_size=1))),
        "occupation": frozenset(draw(st.sets(st.sampled_from(FACTS["occupation"].domain), min_size=1))),
        "age": draw(st.one_of(st.none(), st.integers(0, 90).map(float))),
    }


@settings(max_examples=150, deadline=None)
@given(node=_surely_nodes(), facts=_possible_facts())
def test_surely_agrees_on_every_backend(node: c.Node, facts: dict[str, object]) -> None:
    """python (the reference), durable-rules and the polars batch compiler give the same three-valued truth."""
    from rights_engine.backends import durable

    schema = {name: FACTS[name] for name in _FIELDS}
    expected = evaluate(node, facts)  # type: ignore[arg-type]
    if durable.available() and durable.paths_needed(node, schema) <= durable.MAX_PATHS_PER_RULESET:
        compiled = durable.DurableBackend().compile([("x", node)], schema)
        try:
            assert compiled.run(facts)["x"] is expected  # type: ignore[arg-type]
        finally:
            compiled.close()
    pl = pytest.importorskip("polars")
    from rights_engine.batch._compile import Layout, as_expr, compile_node, flag_name

    row: dict[str, object] = {"age": facts["age"]}
    for name in ("receives_pension", "occupation"):
        possible = facts[name]
        assert isinstance(possible, frozenset)
        for i, value in enumerate(FACTS[name].domain):
            row[flag_name(name, i)] = value in possible
    frame = pl.DataFrame([row], schema={k: (pl.Float64 if k == "age" else pl.Boolean) for k in row})
    tri = compile_node(node, Layout(schema))
    t, f = frame.select(as_expr(tri.t).alias("t"), as_expr(tri.f).alias("f")).row(0)
    assert (True if t else False if f else None) is expected
