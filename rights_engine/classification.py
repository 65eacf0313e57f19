"""From the truths of the classification rules to the derived facts, how sure they are, and what would change them.

The classification rules (kind ``classify``) form one decision list per derived fact, ordered by
``priority``. Walking a list:

- a rule that is surely true decides, and the walk stops;
- a rule whose truth is unknown adds its outcome to the outcomes still possible, and the walk goes on
  (unless the rule is ``presumed_absent``: a rare exception such as a dispatch arrangement, which is
  then only reported as a caveat with the fact that would trigger it);
- a walk that ends without a deciding rule leaves every outcome possible.

The category's list has two parts. Its *gates* (rules without a score band: a signed labour contract, the
pensioner rule up to 2025-08-31) are walked first. When no gate decides, the category is **weighed**:

- every factor rule (kind ``factor``) carries a ``direction`` and a ``weight``; the *score* is the sum of the
  weights of the factors the stated facts make true (toward a labour relation +, against −). A factor whose
  truth is unknown counts for neither side: it only widens the range ``[low, high]`` the score could reach
  once every unknown fact is answered;
- the *weighed* classify rules (with ``score_min`` / ``score_max``) are the bands: a band's category holds
  where its condition is true and the score lies in its band; bands are tried in priority order;
- the **best-supported** category is the first band that holds at the score of the known facts; none: open;
- the categories still **possible** are those some answer to the unknown facts could reach (computed per
  segment of the score line between the bands' bounds, so exactly the same in the batch path); a segment
  where no band surely holds leaves every category possible.

``certainty`` is ``settled`` when one category is possible, ``likely`` when the known facts support one but
others are possible, ``open`` when the known facts support none. ``would_change`` lists each unknown fact
whose answer alone would make another category the best-supported one, most decisive first.

``employment_mode`` and ``employer`` only mean something inside a labour relation: when the category
cannot be a labour relation they are ``not_applicable``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Optional

from ._memo import Doorkeeper, IdentityMemo
from .backends.python import Predicate, atom_truths, compile_condition
from .conditions import Node
from .conditions import fields as cond_fields
from .facts import CLASSIFICATION_FACTS, FactSpec
from .factset import FactValue, FactValues, Truth
from .rulebase import Rule

#: A segment of the score line: (first score, last score) with ``None`` for −∞ / +∞, and the positions (in
#: priority order) of the weighed rules whose band contains it.
Segment = tuple[Optional[int], Optional[int], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Decision:
    fact: str
    possible: frozenset[object]
    deciding: Rule | None  # the surely-true rule that stopped the walk (for the category: a gate or a band)
    pending: tuple[Rule, ...]  # rules whose truth was unknown and that added an outcome
    caveats: tuple[Rule, ...]  # presumed-absent exceptions whose truth was unknown


@dataclass(frozen=True, slots=True)
class Weighing:
    """The score of the known facts, its range over every answer to the unknown ones, and the bands it meets."""

    score: int
    low: int
    high: int
    toward: int  # the weights of the true factors toward a labour relation
    against: int  # … and against it
    best: Rule | None  # the first band that holds at ``score``
    possible: frozenset[object]
    gap: bool  # some answer to the unknown facts meets no band that surely holds


@dataclass(frozen=True, slots=True)
class Change:
    """One unknown fact whose answer alone makes ``category`` the best-supported category."""

    field: str
    value: object
    category: str
    shift: int  # how far the answer moves the score (a gate's answer: 100)


@dataclass(frozen=True, slots=True)
class Derived:
    decisions: Mapping[str, Decision]
    factors_true: tuple[Rule, ...]
    factors_unknown: tuple[Rule, ...]
    needs: tuple[str, ...]
    best: Optional[str] = None  # the best-supported category (None: open)
    certainty: str = "open"
    weighing: Optional[Weighing] = None  # None when a gate decided
    would_change: tuple[Change, ...] = ()
    raw: Optional[Mapping[str, Decision]] = None  # employment_mode/employer before the category's adjustment

    def values(self) -> dict[str, frozenset[object]]:
        return {fact: d.possible for fact, d in self.decisions.items()}


#: Compiled predicates by the identity of a rule's condition (conditions live as long as their rule base).
_predicates: IdentityMemo[Node, Predicate] = IdentityMemo(compile_condition, limit=4096)


def evaluate(node: Node, facts: FactValues) -> Truth:
    """The three-valued truth of one condition (the python backend's semantics, compiled once per condition)."""
    return _predicates(node)(facts)


def unknown_fields(rule: Rule, facts: FactValues) -> list[str]:
    """The fields of the atoms of ``rule`` whose truth is unknown."""
    return list(dict.fromkeys(a.field for a, t in atom_truths(rule.condition, facts) if t is None))


def is_weighed(rule: Rule) -> bool:
    return rule.spec.score_min is not None or rule.spec.score_max is not None


def signed_weight(rule: Rule) -> int:
    return (rule.spec.weight or 0) * (1 if rule.spec.direction == "toward_labor" else -1)


def segments(bands: Sequence[Rule]) -> tuple[Segment, ...]:
    """The score line cut at every band bound, with the bands (positions in ``bands``) containing each piece."""
    cuts = sorted({r.spec.score_min for r in bands if r.spec.score_min is not None}
                  | {r.spec.score_max + 1 for r in bands if r.spec.score_max is not None})
    pieces: list[tuple[Optional[int], Optional[int]]] = []
    start: Optional[int] = None
    for cut in cuts:
        pieces.append((start, cut - 1))
        start = cut
    pieces.append((start, None))
    out: list[Segment] = []
    for a, b in pieces:
        inside = tuple(i for i, r in enumerate(bands)
                       if (r.spec.score_min is None or (a is not None and a >= r.spec.score_min))
                       and (r.spec.score_max is None or (b is not None and b <= r.spec.score_max)))
        out.append((a, b, inside))
    return tuple(out)


#: One rule of a decision list as the walk reads it: (rule, its id, the value it derives, presumed absent).
Step = tuple[Rule, str, object, bool]


def _steps(fact: str, rules: Sequence[Rule]) -> tuple[Step, ...]:
    return tuple((r, r.id, (r.spec.derives or {})[fact], bool(r.spec.presumed_absent)) for r in rules)


def _walk(fact: str, steps: Sequence[Step], truths: Mapping[str, Truth], domain: tuple[object, ...],
          fill: bool = True) -> Decision:
    """``steps``: the decision list of ``fact``, in priority order (see :func:`_plan`)."""
    possible: list[object] = []
    pending: list[Rule] = []
    caveats: list[Rule] = []
    deciding: Rule | None = None
    get = truths.get
    for rule, rule_id, value, absent in steps:
        truth = get(rule_id)
        if truth is True:
            possible.append(value)
            deciding = rule
            break
        if truth is None:
            if absent:
                caveats.append(rule)
            else:
                possible.append(value)
                pending.append(rule)
    if deciding is None and fill:
        possible.extend(v for v in domain if v != "not_applicable")
    return Decision(fact, frozenset(possible), deciding, tuple(pending), tuple(caveats))


#: One field the what-if tries: (its position among the readers, the field, the gates, bands and factors that read
#: it, each as (id, predicate, signed weight or None when not a factor), whether a gate reads it).
_Trial = tuple[int, str, tuple[tuple[str, Predicate, Optional[int]], ...], bool]


@dataclass(frozen=True)
class Plan:
    """What derive() reads of a selection's stage-1 rules, computed once per selection."""

    lists: tuple[tuple[str, tuple[Rule, ...]], ...]  # decision lists (the category's: its gates only)
    bands: tuple[Rule, ...]  # the category's weighed rules, in priority order
    segments: tuple[Segment, ...]
    factors: tuple[Rule, ...]
    weights: tuple[int, ...]  # signed, as factors
    readers: Mapping[str, tuple[Rule, ...]]  # field -> the category's gates (not presumed absent), bands and
    #                                          factors that read it
    fields: tuple[str, ...]  # every field a stage-1 rule reads (the key of the derive cache)
    cache: dict[object, Derived]
    read: Callable[[FactValues], object]  # their values in one C call (itemgetter; a fixed shape per plan)
    steps: tuple[tuple[str, tuple[Step, ...]], ...]  # ``lists`` as the walk reads them
    factor_ids: tuple[str, ...]
    band_segments: tuple[tuple[Optional[int], Optional[int], tuple[tuple[str, str], ...]], ...]  # ``segments``
    #                                          with each band as (id, category)
    gate_categories: tuple[tuple[str, str], ...]  # the category's gates as (id, category), in order
    trials: tuple[_Trial, ...]  # ``readers`` as the what-if reads them
    open_order: tuple[str, ...]  # the fields of ``readers``, the weightiest first (ties in their order)
    admit: Doorkeeper = field(default_factory=Doorkeeper)  # what ``cache`` keeps (on a key's second sighting)


def _plan(rules: Sequence[Rule]) -> Plan:
    """The decision list of each classification fact (in priority order), the bands and the factor rules."""
    def listed(fact: str) -> tuple[Rule, ...]:
        return tuple(sorted((r for r in rules if r.spec.kind == "classify" and fact in (r.spec.derives or {})),
                            key=lambda r: (r.spec.priority or 0, r.id)))
    lists = tuple((fact, tuple(r for r in listed(fact) if not is_weighed(r))) for fact in CLASSIFICATION_FACTS)
    bands = tuple(r for r in listed("category") if is_weighed(r))
    factors = tuple(r for r in rules if r.spec.kind == "factor")
    readers: dict[str, list[Rule]] = {}
    for r in (*(g for g in lists[0][1] if not g.spec.presumed_absent), *bands, *factors):
        for f in cond_fields(r.condition):
            readers.setdefault(f, []).append(r)
    used = sorted({f for r in rules for f in cond_fields(r.condition)})
    weights = tuple(signed_weight(r) for r in factors)
    cuts = segments(bands)
    weight_of = dict(zip((r.id for r in factors), weights, strict=True))
    gate_ids = {r.id for r in lists[0][1]}
    trials = tuple((order, f, tuple((r.id, _predicates(r.condition), weight_of.get(r.id)) for r in rs),
                    any(r.id in gate_ids for r in rs))
                   for order, (f, rs) in enumerate(readers.items()))
    weight = {f: max((abs(signed_weight(r)) if r.spec.kind == "factor" else 1) for r in rs) for f, rs in readers.items()}
    return Plan(lists, bands, cuts, factors, weights,
                {f: tuple(rs) for f, rs in readers.items()}, tuple(used), {},
                itemgetter(*used) if used else _no_fields,
                tuple((fact, _steps(fact, rules)) for fact, rules in lists), tuple(r.id for r in factors),
                tuple((a, b, tuple((bands[i].id, _category_of(bands[i])) for i in inside)) for a, b, inside in cuts),
                tuple((r.id, _category_of(r)) for r in lists[0][1]), trials,
                tuple(sorted(weight, key=lambda f: -weight[f])))


def _category_of(rule: Rule) -> str:
    return str((rule.spec.derives or {})["category"])


def _no_fields(facts: FactValues) -> object:
    return ()


#: Plans by the identity of the stage-1 rules (a selection's rules are one long-lived, immutable tuple).
_plans: IdentityMemo[Sequence[Rule], Plan] = IdentityMemo(_plan, limit=256)


def plan_of(rules: Sequence[Rule]) -> Plan:
    return _plans(rules) if isinstance(rules, tuple) else _plan(rules)  # a list may change: not memoised


def weigh(plan: Plan, truths: Mapping[str, Truth]) -> Weighing:
    score = low = high = toward = against = 0
    for t, w in zip(map(truths.get, plan.factor_ids), plan.weights, strict=True):
        if t is True:
            score += w
            if w > 0:
                toward += w
            else:
                against -= w
        elif t is None:
            if w > 0:
                high += w
            else:
                low += w
    low += score
    high += score
    possible: set[object] = set()
    gap = False
    best: Rule | None = None
    for a, b, inside in plan.segments:
        if not ((a is None or high >= a) and (b is None or low <= b)):
            continue
        here = (a is None or score >= a) and (b is None or score <= b)
        covered = False
        for i in inside:
            rule = plan.bands[i]
            t = truths.get(rule.id)
            if t is False:
                continue
            possible.add((rule.spec.derives or {})["category"])
            if t is True:
                covered = True
                if here:
                    best = rule
                break
        gap = gap or not covered
    return Weighing(score, low, high, toward, against, best, frozenset(possible), gap)


def _category(plan: Plan, truths: Mapping[str, Truth], domain: tuple[object, ...]
              ) -> tuple[Decision, Optional[str], Optional[Weighing]]:
    """The category's decision (possible values, deciding rule), its best-supported value and the weighing."""
    d = _walk("category", plan.steps[0][1], truths, domain, fill=False)
    if d.deciding is not None:
        return d, str((d.deciding.spec.derives or {})["category"]), None
    w = weigh(plan, truths)
    possible = set(d.possible) | w.possible
    if w.gap or not possible:
        possible.update(domain)
    best = str((w.best.spec.derives or {})["category"]) if w.best else None
    return Decision("category", frozenset(possible), w.best, d.pending, d.caveats), best, w


def derive(
    rules: Sequence[Rule], truths: Mapping[str, Truth], facts: FactValues, schema: Mapping[str, FactSpec]
) -> Derived:
    """Run the decision lists and the weighing, and collect the factors."""
    return derive_seen(rules, truths, facts, schema)[0]


def derive_seen(
    rules: Sequence[Rule], truths: Mapping[str, Truth], facts: FactValues, schema: Mapping[str, FactSpec]
) -> tuple[Derived, bool]:
    """:func:`derive`, and whether these facts (those the rules read) were met before: a caller's caches may then keep
    what it makes of them (most profiles are met once, and what is kept for them is never asked for again)."""
    plan = plan_of(rules)
    try:
        key = plan.read(facts)
    except KeyError:  # a field absent from the facts (unknown): read as None, under a key of its own shape
        key = (None, tuple(facts.get(f) for f in plan.fields))
    found = plan.cache.get(key)
    if found is not None:
        return found, True
    found = _derive(plan, truths, facts, schema)
    seen = plan.admit.admit(key)
    if seen:  # kept on its second sighting: most keys (the stage-1 facts) are met once
        if len(plan.cache) >= 8192:
            plan.cache.clear()
        plan.cache[key] = found
    return found, seen


def _derive(plan: Plan, truths: Mapping[str, Truth], facts: FactValues, schema: Mapping[str, FactSpec]) -> Derived:
    decisions: dict[str, Decision] = {}
    domain = schema["category"].domain
    category_decision, best, weighing = _category(plan, truths, domain)
    decisions["category"] = category_decision
    for fact, steps in plan.steps[1:]:
        decisions[fact] = _walk(fact, steps, truths, schema[fact].domain)
    raw = {fact: decisions[fact] for fact in ("employment_mode", "employer")}
    category = category_decision.possible
    for fact in ("employment_mode", "employer"):
        d = decisions[fact]
        if "labor_relation" not in category:
            decisions[fact] = _NOT_APPLICABLE[fact]
        elif category != _LABOR_RELATION:
            decisions[fact] = Decision(fact, d.possible | _NA, d.deciding, d.pending, d.caveats)
    if best is None:
        certainty = "open"
    elif len(category) == 1 and best in category:
        certainty = "settled"
    else:
        certainty = "likely"
    factor_truths = tuple(map(truths.get, plan.factor_ids))
    factors_true = tuple([r for r, t in zip(plan.factors, factor_truths, strict=True) if t is True])
    factors_unknown = tuple([r for r, t in zip(plan.factors, factor_truths, strict=True) if t is None])
    changes: tuple[Change, ...] = ()
    needs: list[str] = []
    if certainty != "settled":
        changes = _what_if(plan, truths, facts, schema, best, weighing)
        needs.extend(c.field for c in changes)
        needs.extend(_open_fields(plan, category_decision, facts, schema))
    for fact in ("employment_mode", "employer"):
        d = decisions[fact]
        if len(d.possible) > 1:
            for rule in d.pending:
                needs.extend(unknown_fields(rule, facts))
    return Derived(decisions, factors_true, factors_unknown, tuple(dict.fromkeys(needs)), best, certainty,
                   weighing, changes, raw)


_LABOR_RELATION: frozenset[object] = frozenset(["labor_relation"])
_NA: frozenset[object] = frozenset(["not_applicable"])
#: employment_mode and employer outside a labour relation (immutable, so shared)
_NOT_APPLICABLE = {fact: Decision(fact, _NA, None, (), ()) for fact in ("employment_mode", "employer")}


def _unknown(value: FactValue, spec: FactSpec) -> bool:
    if spec.kind == "number":
        return value is None
    return not isinstance(value, frozenset) or len(value) != 1


def _open_fields(plan: Plan, decision: Decision, facts: FactValues, schema: Mapping[str, FactSpec]) -> list[str]:
    """The unknown facts the category still waits on, most weighty first: the pending gates' facts, then the
    facts of the bands and factors (by the largest weight they carry)."""
    out: list[str] = []
    for rule in decision.pending:
        out.extend(unknown_fields(rule, facts))
    out.extend(f for f in plan.open_order if f in schema and _unknown(facts.get(f), schema[f]))
    return out


def _best_at(plan: Plan, truths: Mapping[str, Truth], score: int) -> Optional[str]:
    """The category of the first band that surely holds at ``score`` (as :func:`weigh` picks ``best``)."""
    for a, b, inside in plan.band_segments:
        if (a is None or score >= a) and (b is None or score <= b):
            for rule_id, category in inside:
                if truths.get(rule_id) is True:
                    return category
            return None
    return None


def _what_if(plan: Plan, truths: Mapping[str, Truth], facts: FactValues, schema: Mapping[str, FactSpec],
             best: Optional[str], weighing: Optional[Weighing]) -> tuple[Change, ...]:
    """Each unknown fact whose answer alone would change the best-supported category (to a category).

    Only the rules that read the fact are evaluated again; the score moves by the weights of the factors the
    answer makes true (they were unknown, so they counted for nothing).
    """
    gates = plan.gate_categories
    out: list[tuple[int, int, Change]] = []
    changed = dict(facts)  # one copy: each field is set back after its answers are tried
    new_truths = dict(truths)  # one copy: each field's readers are set back after its answers are tried
    for order, f, readers, reads_gates in plan.trials:
        spec = schema.get(f)
        if spec is None or spec.kind == "number" or not _unknown(facts.get(f), spec):
            continue
        seen: set[str] = set()
        for value in spec.domain:
            changed[f] = frozenset([value])
            shift = 0
            for rule_id, predicate, weight in readers:
                truth = predicate(changed)
                new_truths[rule_id] = truth
                if truth is True and weight is not None and truths.get(rule_id) is not True:
                    shift += weight
            new_best: Optional[str] = None
            decided = False
            if reads_gates or weighing is None:
                for gate_id, category in gates:  # the first gate surely true decides (as _walk)
                    if new_truths.get(gate_id) is True:
                        new_best, decided = category, True
                        break
            if not decided and weighing is not None:
                new_best = _best_at(plan, new_truths, weighing.score + shift)
            elif not decided:  # a gate decided before; the answer did not open the weighing
                continue
            if new_best is None or new_best == best or new_best in seen:
                continue
            seen.add(new_best)
            move = 100 if decided else abs(shift)
            out.append((-move, order, Change(f, value, new_best, move)))
        if f in facts:
            changed[f] = facts[f]
        else:
            del changed[f]
        for rule_id, _predicate, _weight in readers:  # absent and None read alike (``.get(...) is True``)
            new_truths[rule_id] = truths.get(rule_id)
    out.sort(key=_by_move)
    return tuple(c for _s, _o, c in out)


_by_move = itemgetter(0, 1)


def with_derived(facts: FactValues, derived: Derived) -> dict[str, FactValue]:
    """The fact set for the second stage: base facts plus the classification's possibilities."""
    out: dict[str, FactValue] = dict(facts)
    out.update(derived.values())
    return out
