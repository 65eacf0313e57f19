"""From the truths of the classification rules to the derived facts and the classification's reasons.

The classification rules (kind ``classify``) form one decision list per derived fact, ordered by
``priority``. Walking a list:

- a rule that is surely true decides, and the walk stops;
- a rule whose truth is unknown adds its outcome to the outcomes still possible, and the walk goes on
  (unless the rule is ``presumed_absent``: a rare exception such as an already-drawn pension, which is
  then only reported as a caveat with the fact that would trigger it);
- a walk that ends without a deciding rule leaves every outcome possible.

``employment_mode`` and ``employer`` only mean something inside a labour relation: when the category
cannot be a labour relation they are ``not_applicable``.

Factor rules (kind ``factor``) never decide; the true ones are the reasons pointing each way, and the
unknown ones are facts worth asking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._memo import IdentityMemo
from .backends.python import atom_truths
from .facts import CLASSIFICATION_FACTS, FactSpec
from .factset import FactValue, FactValues, Truth
from .rulebase import Rule


@dataclass(frozen=True)
class Decision:
    fact: str
    possible: frozenset[object]
    deciding: Rule | None  # the surely-true rule that stopped the walk
    pending: tuple[Rule, ...]  # rules whose truth was unknown and that added an outcome
    caveats: tuple[Rule, ...]  # presumed-absent exceptions whose truth was unknown


@dataclass(frozen=True)
class Derived:
    decisions: Mapping[str, Decision]
    factors_true: tuple[Rule, ...]
    factors_unknown: tuple[Rule, ...]
    needs: tuple[str, ...]

    def values(self) -> dict[str, frozenset[object]]:
        return {fact: d.possible for fact, d in self.decisions.items()}


def unknown_fields(rule: Rule, facts: FactValues) -> list[str]:
    """The fields of the atoms of ``rule`` whose truth is unknown."""
    return list(dict.fromkeys(a.field for a, t in atom_truths(rule.condition, facts) if t is None))


def _walk(fact: str, rules: Sequence[Rule], truths: Mapping[str, Truth], domain: tuple[object, ...]) -> Decision:
    """``rules``: the decision list of ``fact``, in priority order (see :func:`_plan`)."""
    possible: list[object] = []
    pending: list[Rule] = []
    caveats: list[Rule] = []
    deciding: Rule | None = None
    for rule in rules:
        truth = truths.get(rule.id)
        value = (rule.spec.derives or {})[fact]
        if truth is True:
            possible.append(value)
            deciding = rule
            break
        if truth is None:
            if rule.spec.presumed_absent:
                caveats.append(rule)
            else:
                possible.append(value)
                pending.append(rule)
    if deciding is None:
        possible.extend(v for v in domain if v != "not_applicable")
    return Decision(fact, frozenset(possible), deciding, tuple(pending), tuple(caveats))


_Plan = tuple[tuple[tuple[str, tuple[Rule, ...]], ...], tuple[Rule, ...]]


def _plan(rules: Sequence[Rule]) -> _Plan:
    """The decision list of each classification fact (in priority order) and the factor rules."""
    lists = tuple(
        (fact, tuple(sorted((r for r in rules if r.spec.kind == "classify" and fact in (r.spec.derives or {})),
                            key=lambda r: (r.spec.priority or 0, r.id))))
        for fact in CLASSIFICATION_FACTS
    )
    return lists, tuple(r for r in rules if r.spec.kind == "factor")


#: Plans by the identity of the stage-1 rules (a selection's rules are one long-lived, immutable tuple).
_plans: IdentityMemo[Sequence[Rule], _Plan] = IdentityMemo(_plan, limit=256)


def derive(
    rules: Sequence[Rule], truths: Mapping[str, Truth], facts: FactValues, schema: Mapping[str, FactSpec]
) -> Derived:
    """Run the decision lists and collect the factors."""
    lists, factors = _plans(rules) if isinstance(rules, tuple) else _plan(rules)  # a list may change: not memoised
    decisions: dict[str, Decision] = {}
    for fact, listed in lists:
        decisions[fact] = _walk(fact, listed, truths, schema[fact].domain)
    category = decisions["category"].possible
    for fact in ("employment_mode", "employer"):
        d = decisions[fact]
        if "labor_relation" not in category:
            decisions[fact] = Decision(fact, frozenset(["not_applicable"]), None, (), ())
        elif category != frozenset(["labor_relation"]):
            decisions[fact] = Decision(fact, d.possible | {"not_applicable"}, d.deciding, d.pending, d.caveats)
    factors_true = tuple(r for r in factors if truths.get(r.id) is True)
    factors_unknown = tuple(r for r in factors if truths.get(r.id) is None)
    needs: list[str] = []
    for fact in CLASSIFICATION_FACTS:
        d = decisions[fact]
        if len(d.possible) > 1:
            for rule in d.pending:
                needs.extend(unknown_fields(rule, facts))
    return Derived(decisions, factors_true, factors_unknown, tuple(dict.fromkeys(needs)))


def with_derived(facts: FactValues, derived: Derived) -> dict[str, FactValue]:
    """The fact set for the second stage: base facts plus the classification's possibilities."""
    out: dict[str, FactValue] = dict(facts)
    out.update(derived.values())
    return out

