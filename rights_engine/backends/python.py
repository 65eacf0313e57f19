"""The plain-Python backend: each condition becomes a tree of closures (no ``eval``).

This is the reference semantics of the condition language (Kleene three-valued logic over
possibility sets); every other backend must agree with it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .._memo import IdentityMemo
from ..conditions import And, Atom, Compare, Const, Member, Node, Not, Or, Surely
from ..factset import FactValues, Truth

Predicate = Callable[[FactValues], Truth]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _member(node: Member) -> Predicate:
    field, values, negated = node.field, node.values, node.negated
    # ``values >= possible`` is ``possible <= values``; the disjointness test runs only when that fails
    within, apart = values.__ge__, values.isdisjoint

    if negated:
        def run_negated(facts: FactValues) -> Truth:
            possible = facts[field]
            assert isinstance(possible, frozenset)
            if within(possible):
                return False
            if apart(possible):
                return True
            return None

        return run_negated

    def run(facts: FactValues) -> Truth:
        possible = facts[field]
        assert isinstance(possible, frozenset)
        if within(possible):
            return True
        if apart(possible):
            return False
        return None

    return run


def _compare(node: Compare) -> Predicate:
    field, op, value = node.field, _OPS[node.op], node.value

    def run(facts: FactValues) -> Truth:
        actual = facts[field]
        if actual is None:
            return None
        assert isinstance(actual, float)
        return op(actual, value)

    return run


def _and(preds: tuple[Predicate, ...]) -> Predicate:
    def run(facts: FactValues) -> Truth:
        result: Truth = True
        for pred in preds:
            truth = pred(facts)
            if truth is False:
                return False
            if truth is None:
                result = None
        return result

    return run


def _or(preds: tuple[Predicate, ...]) -> Predicate:
    def run(facts: FactValues) -> Truth:
        result: Truth = False
        for pred in preds:
            truth = pred(facts)
            if truth is True:
                return True
            if truth is None:
                result = None
        return result

    return run


def _not(pred: Predicate) -> Predicate:
    def run(facts: FactValues) -> Truth:
        truth = pred(facts)
        return None if truth is None else not truth

    return run


def _surely(pred: Predicate) -> Predicate:
    def run(facts: FactValues) -> Truth:
        return pred(facts) is True

    return run


def compile_condition(node: Node) -> Predicate:
    """Compile one AST into a predicate."""
    if isinstance(node, Const):
        value = node.value
        return lambda facts: value
    if isinstance(node, Member):
        return _member(node)
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, Not):
        return _not(compile_condition(node.item))
    if isinstance(node, Surely):
        return _surely(compile_condition(node.item))
    if isinstance(node, And):
        return _and(tuple(compile_condition(item) for item in node.items))
    if isinstance(node, Or):
        return _or(tuple(compile_condition(item) for item in node.items))
    raise TypeError(f"not a condition node: {node!r}")


def evaluate(node: Node, facts: FactValues) -> Truth:
    """Evaluate one condition (uncompiled convenience; same semantics)."""
    return compile_condition(node)(facts)


def _atoms(node: Node) -> tuple[tuple[Atom, Predicate], ...]:
    """Every atom of ``node`` in reading order, with its compiled predicate (not those under ``surely(...)``: that
    part is never unknown, so its atoms never decide a pending rule and are not asked about)."""
    out: list[tuple[Atom, Predicate]] = []

    def walk(n: Node) -> None:
        if isinstance(n, (Member, Compare)):
            out.append((n, compile_condition(n)))
        elif isinstance(n, Not):
            walk(n.item)
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item)

    walk(node)
    return tuple(out)


_compiled_atoms: IdentityMemo[Node, tuple[tuple[Atom, Predicate], ...]] = IdentityMemo(_atoms)


def atom_truths(node: Node, facts: FactValues) -> list[tuple[Atom, Truth]]:
    """Every atom of ``node`` with its own truth, for explanations ("why not", "needs")."""
    return [(atom, predicate(facts)) for atom, predicate in _compiled_atoms(node)]


@dataclass
class PythonRules:
    predicates: tuple[tuple[str, Predicate], ...]

    def run(self, facts: FactValues) -> dict[str, Truth]:
        return {rule_id: pred(facts) for rule_id, pred in self.predicates}

    def close(self) -> None:
        return None


class PythonBackend:
    name = "python"

    def __init__(self) -> None:
        #: each condition compiled once, whatever rule sets it is part of (conditions live as long as their rules)
        self._predicates: IdentityMemo[Node, Predicate] = IdentityMemo(compile_condition, limit=1 << 14)

    def compile(self, rules: Sequence[tuple[str, Node]], schema: Mapping[str, object]) -> PythonRules:
        return PythonRules(tuple((rule_id, self._predicates(node)) for rule_id, node in rules))
