"""The plain-Python backend: each condition becomes a tree of closures (no ``eval``).

This is the reference semantics of the condition language (Kleene three-valued logic over
possibility sets); every other backend must agree with it.
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from .._memo import IdentityMemo
from ..conditions import And, Atom, Compare, Const, Member, Node, Not, Or, Surely
from ..conditions import fields as cond_fields
from ..factset import FactValues, Truth
from ._keys import Reader, number_cuts, reader

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
    #: (rule id, predicate) per rule; empty when memoised (the chunks hold them: no second tuple per rule to keep)
    predicates: tuple[tuple[str, Predicate], ...]
    #: when memoised: the rules in chunks, each with the reader of its memo key and its memo (see PythonBackend)
    chunks: tuple[_Chunk, ...] = ()
    #: the rules' ids in order (those of ``predicates`` when not given)
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ids = self.ids or tuple(rule_id for rule_id, _ in self.predicates)
        self._blank: dict[str, Truth] = dict.fromkeys(ids)

    def run(self, facts: FactValues) -> dict[str, Truth]:
        if not self.chunks:
            return {rule_id: pred(facts) for rule_id, pred in self.predicates}
        result = self._blank.copy()  # the rules' order
        for chunk in self.chunks:
            key = chunk.key(facts)
            memo = chunk.memo
            found = memo.get(key)
            if found is None:
                found = {rule_id: pred(facts) for rule_id, pred in chunk.predicates}
                if len(memo) >= _MAX_MEMO:
                    memo.clear()
                memo[key] = found
            result.update(found)
        return result

    def close(self) -> None:
        return None


@dataclass
class _Chunk:
    """Rules that read few facts: their truths remembered by the values of those facts (numbers by their class)."""

    predicates: tuple[tuple[str, Predicate], ...]
    key: Reader
    memo: dict[object, dict[str, Truth]] = field(default_factory=dict)


#: Truths remembered per chunk before its memo is emptied.
_MAX_MEMO = 1 << 12
#: A chunk reads facts with at most about this many combinations of values (a rule alone may read more).
_MAX_KEYS = 512


def _states(spec: Any) -> int:
    """About how many values one fact takes in a memo key (as ``backends.durable`` counts them)."""
    if spec.kind == "number":
        return 8
    size = len(spec.domain)
    return int(2 ** min(size, 12) - 1) if spec.derived else size + 1


class PythonBackend:
    """``memoise``: the rules are cut into chunks that read few facts, and each chunk remembers its truths by the
    values of those facts (bounded), shared by every rule set compiled with the same rules there; the truths are a
    function of those values, so a chunk's predicates run once per distinct combination. ``groups``: the rules a
    compiled set may hold (an engine passes its classification rules and its entitlement rules), cut once."""

    name = "python"

    def __init__(self, memoise: bool = False, groups: Sequence[Sequence[tuple[str, Node]]] = ()) -> None:
        #: each condition compiled once, whatever rule sets it is part of (conditions live as long as their rules)
        self._predicates: IdentityMemo[Node, Predicate] = IdentityMemo(compile_condition, limit=1 << 14)
        self.memoise = memoise
        self._groups = tuple(tuple(group) for group in groups)
        self._lock = threading.Lock()
        #: rule id -> (its condition, its chunk: (group, chunk)), filled at first use
        self._homes: Optional[dict[str, tuple[Node, tuple[int, int]]]] = None
        self._shared: dict[tuple[str, ...], _Chunk] = {}

    def compile(self, rules: Sequence[tuple[str, Node]], schema: Mapping[str, object]) -> PythonRules:
        if not self.memoise:
            return PythonRules(tuple((rule_id, self._predicates(node)) for rule_id, node in rules))
        with self._lock:
            homes = self._homes_of(schema)
            parts: dict[tuple[int, int], list[tuple[str, Node, Predicate]]] = {}
            for rule_id, node in rules:
                predicate = self._predicates(node)
                home = homes.get(rule_id)
                where = home[1] if home is not None and home[0] is node else (-1, len(parts))  # alone, unshared
                parts.setdefault(where, []).append((rule_id, node, predicate))
            chunks = []
            for where, part in parts.items():
                ids = tuple(rule_id for rule_id, _, _ in part)
                chunk = self._shared.get(ids) if where[0] >= 0 else None
                if chunk is None:
                    chunk = self._chunk(part, schema)
                    if where[0] >= 0:
                        self._shared[ids] = chunk
                chunks.append(chunk)
        return PythonRules((), tuple(chunks), tuple(rule_id for rule_id, _ in rules))

    def _chunk(self, part: Sequence[tuple[str, Node, Predicate]], schema: Mapping[str, Any]) -> _Chunk:
        read = sorted({f for _, node, _ in part for f in cond_fields(node)})
        numbers = [f for f in read if schema[f].kind == "number"]
        cuts = number_cuts((node for _, node, _ in part), numbers)
        return _Chunk(tuple((rule_id, predicate) for rule_id, _, predicate in part), reader(read, cuts))

    def _homes_of(self, schema: Mapping[str, Any]) -> dict[str, tuple[Node, tuple[int, int]]]:
        if self._homes is None:
            homes: dict[str, tuple[Node, tuple[int, int]]] = {}
            for g, group in enumerate(self._groups):
                # rules that read the same facts side by side, cut where the facts read would take too many values
                ordered = sorted(group, key=lambda rule: sorted(cond_fields(rule[1])))
                c, read = 0, set[str]()
                for rule_id, node in ordered:
                    wider = read.union(cond_fields(node))
                    # a rule that reads exactly the chunk's facts stays in it (also when they alone take more values)
                    if read and read != set(cond_fields(node)) and math.prod(_states(schema[f]) for f in wider) > _MAX_KEYS:
                        c, wider = c + 1, set(cond_fields(node))
                    homes[rule_id] = (node, (g, c))
                    read = wider
            self._homes = homes
        return self._homes
