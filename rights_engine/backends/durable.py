"""The durable-rules backend: the condition AST compiled to durable-rules patterns.

Each rule becomes two durable-rules rules, ``<n>:T`` (the condition is surely true) and ``<n>:F``
(surely false); neither firing means *unknown*. Facts are flattened so that the engine never meets a
missing attribute, a ``None``, a string or a ``NaN``:

- an enum/bool fact becomes one 0/1 flag per domain value ("this value is still possible");
- a number becomes a value (0 when unknown) plus a 0/1 "known" flag.

So ``T(x in V)`` = every value outside V is impossible, ``F(x in V)`` = every value in V is impossible,
``T(and) = and(T)``, ``F(and) = or(F)``, ``T(not a) = F(a)``: exactly the Kleene semantics of
:mod:`rights_engine.backends.python`.

The C extension is driven directly (no ``durable.lang``, no ``engine.Host``): those start dispatcher
threads that steal pending actions. Every ruleset also carries a catch-all rule, so that every fact is
"handled": deleting the session of a fact that no rule matched frees an invalid pointer in
durable-rules 2.0.28 (a crash seen here). Every compiled ruleset has a lock, a fresh session per call and
``delete_state`` after it, so at most one session is ever live and sids can never collide.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ..conditions import And, Compare, Const, Member, Node, Not, Or, Surely
from ..conditions import fields as cond_fields
from ..facts import FactSpec
from ..factset import FactValues, Truth
from ._keys import Reader, number_cuts, reader

JsonPattern = dict[str, Any]

#: durable-rules hangs creating a ruleset of more than ~512 rules, and its alpha-network walk keeps at
#: most 64 pending nodes (error 303). Every alternative path of a rule's pattern (its disjunctive normal
#: form) can be one pending node, so a ruleset holds patterns with at most 60 paths in all.
MAX_PATHS_PER_RULESET = 60
MAX_RULES_PER_RULESET = 200
_CATCH_ALL = "seen"
#: Every durable rule name has this many characters (``r000``…``r199``, and the catch-all), so that the name of
#: an action message ``{"r012":{"m":{...}}}`` is read as ``message[2:6]``, without searching or parsing it.
_NAME_WIDTH = 4
assert len(_CATCH_ALL) == _NAME_WIDTH and MAX_RULES_PER_RULESET <= 10 ** (_NAME_WIDTH - 1)
#: durable-rules evaluates at most 32 expressions in one sequence.
MAX_TERMS = 16
_TYPE = {"t": "p"}
_NEVER: JsonPattern = {"t": "never"}


class BackendUnavailable(RuntimeError):
    """durable-rules cannot be imported on this interpreter (e.g. CPython 3.13)."""


class EngineError(RuntimeError):
    """durable-rules refused a fact or a ruleset (the message carries its error code)."""


def _engine() -> Any:
    try:
        import durable_rules_engine  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the interpreter
        raise BackendUnavailable(f"durable-rules is not available: {exc}") from exc
    return durable_rules_engine


def available() -> bool:
    try:
        _engine()
    except BackendUnavailable:
        return False
    return True


#: How one fact travels: (fact name, its key, whether it is a number, its encoded fragments by possibility set).
_FieldCode = tuple[str, str, bool, dict[frozenset[object], str]]
#: Encoded fragments kept per enum/bool fact (the possibility sets of a domain are few; the bound is a safety net).
_MAX_FRAGMENTS = 4096


@dataclass(frozen=True)
class _Layout:
    """Where each fact lives in the flattened durable fact."""

    specs: Mapping[str, FactSpec]
    keys: Mapping[str, str]
    codes: tuple[_FieldCode, ...] = ()

    @classmethod
    def of(cls, schema: Mapping[str, FactSpec], used: Sequence[str]) -> _Layout:
        """Only the facts the rules read are flattened (durable-rules allows 255 properties per fact)."""
        names = sorted(set(used))
        keys = {name: f"f{i}" for i, name in enumerate(names)}
        codes: tuple[_FieldCode, ...] = tuple((n, keys[n], schema[n].kind == "number", {}) for n in names)
        return cls({n: schema[n] for n in names}, keys, codes)

    def flag(self, name: str, value: object) -> str:
        return f"{self.keys[name]}_{self.specs[name].domain.index(value)}"

    def flatten(self, facts: FactValues) -> dict[str, Any]:
        out: dict[str, Any] = dict(_TYPE)
        for name, spec in self.specs.items():
            key = self.keys[name]
            value = facts[name]
            if spec.kind == "number":
                out[key] = 0 if value is None else _milli(value)  # type: ignore[arg-type]
                out[f"{key}_k"] = 0 if value is None else 1
            else:
                assert isinstance(value, frozenset)
                for i, option in enumerate(spec.domain):
                    out[f"{key}_{i}"] = 1 if option in value else 0
        return out

    def encode(self, facts: FactValues, sid: str) -> str:
        """``json.dumps`` of :meth:`flatten` plus ``sid`` and ``id``, character for character, built from
        fragments: an enum/bool fact's flags are encoded once per possibility set and reused."""
        parts = ['{"t": "p"']
        for name, key, number, fragments in self.codes:
            value = facts[name]
            if number:
                if value is None:
                    parts.append(f', "{key}": 0, "{key}_k": 0')
                else:
                    parts.append(f', "{key}": {_milli(value)}, "{key}_k": 1')  # type: ignore[arg-type]
                continue
            assert isinstance(value, frozenset)
            fragment = fragments.get(value)
            if fragment is None:
                domain = self.specs[name].domain
                fragment = "".join(f', "{key}_{i}": {1 if option in value else 0}' for i, option in enumerate(domain))
                if len(fragments) < _MAX_FRAGMENTS:
                    fragments[value] = fragment
            parts.append(fragment)
        parts.append(f', "sid": "{sid}", "id": "profile"}}')
        return "".join(parts)


def _milli(value: float) -> int:
    """Numbers travel as integer thousandths: durable-rules' JSON parser rejects exponents (1e-05)."""
    return round(value * 1000)


def _chunked(op: str, patterns: list[JsonPattern]) -> JsonPattern:
    """``$and``/``$or`` of at most 32 terms each (durable-rules' limit), nested when longer."""
    while len(patterns) > MAX_TERMS:
        patterns = [{op: patterns[i:i + MAX_TERMS]} if len(patterns[i:i + MAX_TERMS]) > 1 else patterns[i]
                    for i in range(0, len(patterns), MAX_TERMS)]
    return patterns[0] if len(patterns) == 1 else {op: patterns}


def _all(patterns: list[JsonPattern]) -> JsonPattern:
    if any(p is _NEVER for p in patterns):
        return _NEVER
    patterns = [p for p in patterns if p]
    if not patterns:
        return {}
    return _chunked("$and", patterns)


def _any(patterns: list[JsonPattern]) -> JsonPattern:
    if any(not p for p in patterns):
        return {}
    patterns = [p for p in patterns if p is not _NEVER]
    if not patterns:
        return _NEVER
    return _chunked("$or", patterns)


_NEGATED_OP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def _patterns(node: Node, layout: _Layout) -> tuple[JsonPattern, JsonPattern]:
    """(pattern matching when surely true, pattern matching when surely false); {} = always."""
    if isinstance(node, Const):
        return ({}, _NEVER) if node.value else (_NEVER, {})
    if isinstance(node, Member):
        domain = layout.specs[node.field].domain
        inside = [v for v in domain if v in node.values]
        outside = [v for v in domain if v not in node.values]
        impossible_inside = _all([{layout.flag(node.field, v): 0} for v in inside]) if inside else {}
        impossible_outside = _all([{layout.flag(node.field, v): 0} for v in outside]) if outside else {}
        surely_in, surely_out = impossible_outside, impossible_inside
        return (surely_out, surely_in) if node.negated else (surely_in, surely_out)
    if isinstance(node, Compare):
        key = layout.keys[node.field]
        known = {f"{key}_k": 1}
        true = _all([known, {_DURABLE_OP[node.op]: {key: _milli(node.value)}}])
        false = _all([known, {_DURABLE_OP[_NEGATED_OP[node.op]]: {key: _milli(node.value)}}])
        return true, false
    if isinstance(node, Not):
        true, false = _patterns(node.item, layout)
        return false, true
    if isinstance(node, Surely):  # true when the item is surely true, false otherwise (never unknown)
        return _patterns(node.item, layout)[0], _possibly(node.item, layout, False)
    if isinstance(node, (And, Or)):
        parts = [_patterns(item, layout) for item in node.items]
        trues = [t for t, _ in parts]
        falses = [f for _, f in parts]
        if isinstance(node, And):
            return _all(trues), _any(falses)
        return _any(trues), _all(falses)
    raise TypeError(f"not a condition node: {node!r}")


def _possibly(node: Node, layout: _Layout, truth: bool) -> JsonPattern:
    """The pattern matching when ``node`` may be ``truth``: it is not surely the other (the complement of one half of
    :func:`_patterns`, which durable-rules cannot negate); only ``surely(...)`` needs it."""
    if isinstance(node, Const):
        return {} if node.value is truth else _NEVER
    if isinstance(node, Member):
        domain = layout.specs[node.field].domain
        inside = (truth is not node.negated)  # which side of the set makes ``node`` come out as ``truth``
        values = [v for v in domain if (v in node.values) is inside]
        return _any([{layout.flag(node.field, v): 1} for v in values])
    if isinstance(node, Compare):
        key = layout.keys[node.field]
        op = node.op if truth else _NEGATED_OP[node.op]
        return _any([{f"{key}_k": 0}, {_DURABLE_OP[op]: {key: _milli(node.value)}}])
    if isinstance(node, Not):
        return _possibly(node.item, layout, not truth)
    if isinstance(node, Surely):
        return _patterns(node.item, layout)[0] if truth else _possibly(node.item, layout, False)
    if isinstance(node, (And, Or)):
        parts = [_possibly(item, layout, truth) for item in node.items]
        return _all(parts) if isinstance(node, And) is truth else _any(parts)
    raise TypeError(f"not a condition node: {node!r}")


def _paths(pattern: JsonPattern) -> int:
    """How many alternative paths durable-rules makes of a pattern (the size of its DNF)."""
    if "$and" in pattern:
        count = 1
        for item in pattern["$and"]:
            count *= _paths(item)
        return count
    if "$or" in pattern:
        return sum(_paths(item) for item in pattern["$or"])
    return 1


def paths_needed(node: Node, schema: Mapping[str, FactSpec]) -> int:
    """How many of a ruleset's :data:`MAX_PATHS_PER_RULESET` pattern paths one rule's condition takes (0: constant).

    The rule loader checks every rule with this, so that a rule this backend would refuse is refused at load.
    """
    layout = _Layout.of(schema, list(cond_fields(node)))
    true, false = _patterns(node, layout)
    if not true or not false:
        return 0
    return sum(_paths(p) for p in (true, false) if p is not _NEVER)


def _name(index: int) -> str:
    return f"r{index:0{_NAME_WIDTH - 1}d}"


def _verdicts(messages: list[str], verdicts: Mapping[str, Optional[tuple[str, bool]]]) -> list[tuple[str, bool]]:
    """(rule id, truth) of each action message, the catch-all left out."""
    try:
        found = [verdicts[message[2:2 + _NAME_WIDTH]] for message in messages]
    except KeyError:  # not the message layout seen so far: read each name properly
        found = [verdicts[_rule_name(message)] for message in messages]
    return [v for v in found if v is not None]


def _rule_name(message: str) -> str:
    """The rule name of an action message ``{"r12": {"m": {...}}}`` without parsing the whole fact."""
    if not message.startswith('{"'):
        return str(next(iter(json.loads(message))))
    return message[2:message.index('"', 2)]


def _rule(pattern: JsonPattern) -> dict[str, Any]:
    return {"all": [{"m": _all([dict(_TYPE), pattern])}]}


@dataclass
class _Ruleset:
    handle: int
    names: dict[str, str]  # durable rule name -> our rule id (+ ":T"/":F")
    layout: _Layout  # only the facts this ruleset's rules read: small messages, fast matching
    lock: threading.Lock = field(default_factory=threading.Lock)
    sids: itertools.count = field(default_factory=itertools.count)  # type: ignore[type-arg]
    #: durable rule name -> (our rule id, its truth); None for the catch-all
    verdicts: dict[str, Optional[tuple[str, bool]]] = field(init=False)
    #: the facts this ruleset reads, in the layout's order (the key of ``memo``)
    fields: tuple[str, ...] = field(init=False)
    #: the values of ``fields`` -> the verdicts durable-rules gave for them (when the backend memoises; bounded)
    memo: Optional[dict[object, list[tuple[str, bool]]]] = None
    freed: bool = False  # deleted in durable-rules (set under ``lock``): never touch ``handle`` again
    #: reads the key of ``memo`` from a fact set (the values of ``fields``, numbers by their class; see ``_keys``)
    key: Optional[Reader] = None

    def __post_init__(self) -> None:
        self.fields = tuple(code[0] for code in self.layout.codes)
        if self.key is None:
            self.key = reader(self.fields)
        self.verdicts = {_CATCH_ALL: None}
        for name, labelled in self.names.items():
            rule_id, verdict = labelled.rsplit(":", 1)
            self.verdicts[name] = (rule_id, verdict == "T")


#: Every live ruleset, so that a forked child can replace their locks (see _after_fork_in_child).
_LIVE_RULESETS: weakref.WeakValueDictionary[int, _Ruleset] = weakref.WeakValueDictionary()


def _after_fork_in_child() -> None:
    """A lock that another thread held at the fork stays held for ever in the child (that thread is not there):
    the child's only thread gets fresh locks. The interrupted session is left behind, unused; sids never repeat."""
    for ruleset in list(_LIVE_RULESETS.values()):
        ruleset.lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class DurableRules:
    """Rules compiled into one or more durable-rules rulesets (≤ 60 pattern paths and a catch-all each)."""

    rule_ids: tuple[str, ...]
    always: dict[str, Truth]
    rulesets: list[_Ruleset]
    closed: bool = False
    shared: bool = False  # the rulesets belong to the backend (shared with other rule sets): it deletes them

    def __post_init__(self) -> None:
        self._blank: dict[str, Truth] = {rule_id: None for rule_id in self.rule_ids}
        self._blank.update(self.always)

    def run(self, facts: FactValues) -> dict[str, Truth]:
        if self.closed:
            raise RuntimeError("this compiled rule set was closed")
        engine = _engine()
        result = self._blank.copy()
        for ruleset in self.rulesets:
            if ruleset.freed:
                raise RuntimeError("this compiled rule set was closed")
            memo = ruleset.memo
            if memo is not None:
                key = ruleset.key(facts)  # type: ignore[misc]
                known = memo.get(key)
                if known is not None:
                    result.update(known)
                    continue
            handle, verdicts = ruleset.handle, ruleset.verdicts
            with ruleset.lock:
                if self.closed or ruleset.freed:  # closed since the check above: never touch a freed ruleset
                    raise RuntimeError("this compiled rule set was closed")
                sid = str(next(ruleset.sids))
                message = ruleset.layout.encode(facts, sid)
                try:
                    try:
                        status = engine.assert_fact(handle, message)
                    except engine.error as exc:
                        raise EngineError(str(exc)) from None
                    if status[0] != 0:
                        raise EngineError(f"durable-rules did not handle the fact (status {status[0]})")
                    state = status[1]
                    action = engine.start_action_for_state(handle, state)
                    fired = action[1] if action else None
                    messages: list[str] = []
                    while fired:
                        messages.append(fired)
                        fired = engine.complete_and_start_action(handle, state)
                finally:
                    engine.delete_state(handle, sid)
            found = _verdicts(messages, verdicts)
            if memo is not None:
                if len(memo) >= _MAX_MEMO:
                    memo.clear()
                memo[key] = found
            result.update(found)
        return result

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.shared:
            _free(self.rulesets)


def _free(rulesets: Sequence[_Ruleset]) -> None:
    engine = _engine()
    for ruleset in rulesets:
        with ruleset.lock:
            if not ruleset.freed:
                ruleset.freed = True
                engine.delete_ruleset(ruleset.handle)


#: Verdicts remembered per ruleset (by the values of the facts it reads) before the memo is emptied.
_MAX_MEMO = 1 << 14


class DurableBackend:
    """``memoise``: each ruleset remembers its verdicts by the values of the few facts it reads, so that durable-rules
    runs once per distinct combination (the truths are a function of those values: every run is a fresh session).

    ``groups``: every rule a compiled set may hold, in groups (an engine passes the rule base's classification rules
    and its entitlement rules). Each group is cut once into chunks, as :meth:`compile` cuts a rule list; a rule set
    made of these rules then gets, for each chunk, the ruleset of its rules in that chunk, made once and shared by
    every rule set with the same rules there (the rules in force on two days differ in a few chunks; the others, with
    what they remember, are shared). The backend owns those rulesets: :meth:`close` deletes them.
    """

    name = "durable"

    def __init__(self, memoise: bool = False, groups: Sequence[Sequence[tuple[str, Node]]] = ()) -> None:
        self.memoise = memoise
        self._groups = tuple(tuple(group) for group in groups)
        self._lock = threading.Lock()
        #: rule id -> (its condition, its place: (group, chunk, position) or its constant truth), filled at first use
        self._homes: Optional[dict[str, tuple[Node, Union[tuple[int, int, int], bool]]]] = None
        self._shared: dict[tuple[str, ...], _Ruleset] = {}

    def compile(self, rules: Sequence[tuple[str, Node]], schema: Mapping[str, Any]) -> DurableRules:
        if self._groups:
            with self._lock:
                homes = self._homes_of(schema)
                if all(homes.get(rule_id, (None,))[0] is node for rule_id, node in rules):
                    return self._compile_shared(rules, schema, homes)
        always: dict[str, Truth] = {}
        chunks = _cut(rules, schema, always)
        rulesets = [self._ruleset(chunk, schema) for chunk in chunks if chunk]
        return DurableRules(tuple(rule_id for rule_id, _ in rules), always, rulesets)

    def close(self) -> None:
        """Delete the shared rulesets (a rule set compiled from them cannot run any more; compiling again makes new
        ones)."""
        with self._lock:
            shared, self._shared = list(self._shared.values()), {}
        _free(shared)

    def _homes_of(self, schema: Mapping[str, Any]) -> dict[str, tuple[Node, Union[tuple[int, int, int], bool]]]:
        if self._homes is None:
            homes: dict[str, tuple[Node, Union[tuple[int, int, int], bool]]] = {}
            for g, group in enumerate(self._groups):
                always: dict[str, Truth] = {}
                # rules that read the same facts side by side: each chunk reads few facts, so its verdicts are
                # remembered under few distinct keys
                ordered = sorted(group, key=lambda rule: sorted(cond_fields(rule[1])))
                for c, chunk in enumerate(_cut(ordered, schema, always, max_keys=_MAX_KEYS)):
                    for i, (rule_id, node, _) in enumerate(chunk):
                        homes[rule_id] = (node, (g, c, i))
                for rule_id, node in group:
                    if rule_id in always:
                        homes[rule_id] = (node, bool(always[rule_id]))
            self._homes = homes
        return self._homes

    def _compile_shared(self, rules: Sequence[tuple[str, Node]], schema: Mapping[str, Any],
                        homes: Mapping[str, tuple[Node, Union[tuple[int, int, int], bool]]]) -> DurableRules:
        always: dict[str, Truth] = {}
        parts: dict[tuple[int, int], list[tuple[int, str, Node]]] = {}
        for rule_id, node in rules:
            home = homes[rule_id][1]
            if isinstance(home, bool):
                always[rule_id] = home
            else:
                parts.setdefault(home[:2], []).append((home[2], rule_id, node))
        rulesets: list[_Ruleset] = []
        for where in sorted(parts):
            chunk = [(rule_id, node, 0) for _, rule_id, node in sorted(parts[where], key=_position)]
            key = tuple(rule_id for rule_id, _, _ in chunk)
            ruleset = self._shared.get(key)
            if ruleset is None:
                ruleset = self._shared[key] = self._ruleset(chunk, schema)
            rulesets.append(ruleset)
        return DurableRules(tuple(rule_id for rule_id, _ in rules), always, rulesets, shared=True)

    def _ruleset(self, chunk: Sequence[tuple[str, Node, int]], schema: Mapping[str, Any]) -> _Ruleset:
        import uuid  # here: not every command compiles rules (about 10 ms)

        engine = _engine()
        local = _Layout.of(schema, [f for _, node, _ in chunk for f in cond_fields(node)])
        definitions: list[tuple[str, JsonPattern]] = []
        for rule_id, node, _ in chunk:
            true, false = _patterns(node, local)
            for verdict, pattern in (("T", true), ("F", false)):
                if pattern is not _NEVER:
                    definitions.append((f"{rule_id}:{verdict}", pattern))
        names = {_name(i): name for i, (name, _) in enumerate(definitions)}
        body = {_name(i): _rule(pattern) for i, (_, pattern) in enumerate(definitions)}
        body[_CATCH_ALL] = _rule({})
        try:
            handle = engine.create_ruleset(f"re_{uuid.uuid4().hex}", json.dumps(body))
        except engine.error as exc:
            raise EngineError(str(exc)) from None
        # durable-rules compares numbers as integer thousandths: so are they classed
        numbers = [name for name, _, number, _ in local.codes if number]
        key = reader([code[0] for code in local.codes], number_cuts((node for _, node, _ in chunk), numbers, _milli),
                     _milli)
        ruleset = _Ruleset(handle, names, local, memo={} if self.memoise else None, key=key)
        _LIVE_RULESETS[handle] = ruleset
        return ruleset


def _position(item: tuple[int, str, Node]) -> int:
    return item[0]


#: When an engine's rules are cut into shared rulesets (``groups``), a ruleset reads facts with at most about this
#: many combinations of values (see :func:`_states`), so that its memo fills with few keys and then always answers.
_MAX_KEYS = 512


def _states(spec: FactSpec) -> int:
    """About how many values one fact takes in a memo key: a number by its class (a few), a fact the profile gives
    known or unknown, a derived fact any set of its domain."""
    if spec.kind == "number":
        return 8
    size = len(spec.domain)
    return 2 ** min(size, 12) - 1 if spec.derived else size + 1


def _cut(rules: Sequence[tuple[str, Node]], schema: Mapping[str, Any], always: dict[str, Truth],
         max_keys: Optional[int] = None) -> list[list[tuple[str, Node, int]]]:
    """``rules`` in chunks of at most :data:`MAX_PATHS_PER_RULESET` pattern paths and :data:`MAX_RULES_PER_RULESET`
    durable rules, in order; a rule whose condition is constant goes to ``always`` instead. ``max_keys``: a chunk
    also reads facts of at most that many combinations of values (a rule alone may read more)."""
    layout = _Layout.of(schema, [f for _, node in rules for f in cond_fields(node)])
    chunks: list[list[tuple[str, Node, int]]] = [[]]
    load = 0
    read: set[str] = set()
    for rule_id, node in rules:
        true, false = _patterns(node, layout)
        if not true or not false:
            always[rule_id] = not true
            continue
        paths = sum(_paths(p) for p in (true, false) if p is not _NEVER)
        if paths > MAX_PATHS_PER_RULESET:
            raise EngineError(f"{rule_id}: condition too complex for durable-rules ({paths} paths)")
        wider = read.union(cond_fields(node))
        if (load + paths > MAX_PATHS_PER_RULESET or 2 * (len(chunks[-1]) + 1) > MAX_RULES_PER_RULESET
                or (max_keys is not None and chunks[-1] and read != set(cond_fields(node))
                    and math.prod(_states(schema[f]) for f in wider) > max_keys)):
            chunks.append([])
            load = 0
            wider = set(cond_fields(node))
        chunks[-1].append((rule_id, node, paths))
        load += paths
        read = wider
    return chunks
