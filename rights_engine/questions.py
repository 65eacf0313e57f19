"""The next questions to ask: unknown facts ranked by how much they would decide.

A fact's weight is the sum, over the entitlements still pending on it, of the weight of their force
(a mandatory duty counts most), plus a bonus when the employment classification waits on it (every
other right hinges on the classification). Ties follow the order of rules/questions.yaml (what was
signed before who decides the hours), so the order is stable.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Optional

from ._memo import Doorkeeper, IdentityMemo
from .result import Classification, Entitlement, Question
from .rulebase import RuleBase

FORCE_WEIGHT = {"mandatory": 3.0, "option": 2.0, "service": 1.5, "encouraged": 1.0, "vague": 1.0}
CLASSIFICATION_WEIGHT = 5.0
_YES_NO = {"zh": ("是", "否", "不清楚"), "en": ("yes", "no", "don't know")}


def rank_questions(
    rb: RuleBase, lang: str, classification: Classification, entitlements: Sequence[Entitlement],
    work_place_unknown: bool = False, pending_key: Optional[Hashable] = None,
) -> list[Question]:
    """The unknown facts, most deciding first. ``work_place_unknown``: the work province is not known,
    so no provincial rule is in force yet: it is asked first (it decides which rules apply at all).

    The ranking is a function of the language, the classification's needs, the pending entitlements in their
    order (id, force, needs) and ``work_place_unknown``: it is made once per distinct such key (bounded memo of the
    rule base). ``pending_key``: a caller's key that determines the pending entitlements in order as well (the
    result builder's cache keys), cheaper than reading them."""
    known = _known(rb)
    if pending_key is None:
        pending_key = tuple([(e.id, e.force, tuple(e.needs)) for e in entitlements if e.status == "pending"])
    key = (lang, work_place_unknown, tuple(classification.needs), pending_key)
    ranked = known.rankings.get(key)
    if ranked is None:
        ranked = tuple(_rank(rb, known, lang, classification, entitlements, work_place_unknown))
        if known.admit_ranking.admit(key):  # kept on its second sighting (most keys are met once)
            if len(known.rankings) >= _RANKINGS_LIMIT:
                known.rankings.clear()
            known.rankings[key] = ranked
    return list(ranked)


def _rank(
    rb: RuleBase, known: _Known, lang: str, classification: Classification, entitlements: Sequence[Entitlement],
    work_place_unknown: bool,
) -> list[Question]:
    weights: dict[str, float] = {}
    decides: dict[str, list[str]] = {}
    for field in classification.needs:
        weights[field] = weights.get(field, 0.0) + CLASSIFICATION_WEIGHT
        decides.setdefault(field, []).append("classification")
    for ent in entitlements:
        if ent.status != "pending":
            continue
        for field in ent.needs:
            weights[field] = weights.get(field, 0.0) + FORCE_WEIGHT[ent.force]
            decides.setdefault(field, []).append(ent.id)
    if work_place_unknown:
        weights["work_province"] = max(weights.values(), default=0.0) + CLASSIFICATION_WEIGHT
        decides.setdefault("work_province", []).insert(0, "coverage")
    out = []
    order = known.order  # ties: the interview order of questions.yaml

    def rank(item: tuple[str, float]) -> tuple[float, int, str]:
        return (-item[1], order.get(item[0], len(order)), item[0])

    for field, weight in sorted(weights.items(), key=rank):
        key = (field, weight, tuple(dict.fromkeys(decides[field])), lang)
        question = known.questions.get(key)
        if question is None:
            definition = rb.questions.get(field)
            text = definition.get(lang) if definition else field
            question = Question(field=field, text=text, choices=_choices(rb, field, lang), weight=weight,
                                decides=list(key[2]))
            if known.admit.admit(key):
                if len(known.questions) >= 4096:
                    known.questions.clear()
                known.questions[key] = question
        out.append(question)
    return out


class _Known:
    """What ranking reads of one rule base on every call, and the questions already built (immutable, shared)."""

    def __init__(self, rb: RuleBase) -> None:
        self.order = {name: i for i, name in enumerate(rb.questions)}
        self.questions: dict[tuple[str, float, tuple[str, ...], str], Question] = {}
        #: the ranked questions per (lang, work place unknown, classification needs, pending entitlements)
        self.rankings: dict[tuple[str, bool, tuple[str, ...], Hashable], tuple[Question, ...]] = {}
        self.admit = Doorkeeper()
        self.admit_ranking = Doorkeeper()


_RANKINGS_LIMIT = 1 << 14


_known: IdentityMemo[RuleBase, _Known] = IdentityMemo(_Known, limit=64)


def _choices(rb: RuleBase, field: str, lang: str) -> list[dict[str, object]]:
    definition = rb.questions.get(field)
    unknown: dict[str, object] = {"value": None, "label": _YES_NO[lang][2]}
    if definition and definition.choices:
        listed: list[dict[str, object]] = [{"value": k, "label": v.get(lang)} for k, v in definition.choices.items()]
        return [*listed, unknown]
    spec = rb.schema.get(field)
    if spec is not None and spec.kind == "bool":
        yes, no, _ = _YES_NO[lang]
        return [{"value": True, "label": yes}, {"value": False, "label": no}, unknown]
    return [unknown]


#: Asked before anything ranked: where (it decides which rules apply), then what work and what was signed.
FIRST_FIELDS = ("work_province", "work_city", "occupation", "engagement")


def _provinces_with_own_rules(rb: RuleBase) -> frozenset[str]:
    """Provinces whose own (provincial or prefectural) documents are in the rule base, and those with rules of a
    city: there the city can change what applies."""
    own = {r.jurisdiction.province for r in rb.rules if r.jurisdiction.prefecture and r.jurisdiction.province}
    return frozenset(own | set(rb.covered))


_covered: IdentityMemo[RuleBase, frozenset[str]] = IdentityMemo(_provinces_with_own_rules, limit=64)


def ask_order(rb: RuleBase, result_questions: Sequence[Question], known: Mapping[str, object],
              skip: Iterable[str] = (), needs: Sequence[str] = ()) -> list[str]:
    """The fields to ask, in order: the place of work, the city wherever the province has rules of its own (its
    cities may have more), the occupation and what was signed; then what the classification still needs, in the
    order it needs it (``needs``: ``Classification.needs``); then the other ranked questions of the result."""
    skipped = set(skip)
    out: list[str] = []
    province = known.get("work_province")
    for name in FIRST_FIELDS:
        if name in known or name in skipped:
            continue
        if name == "work_city" and not (isinstance(province, str) and _province_covered(rb, province)):
            continue
        out.append(name)
    ranked = [q.field for q in result_questions]
    out += [f for f in needs if f in ranked and f not in known and f not in skipped and f not in out]
    out += [f for f in ranked if f not in known and f not in skipped and f not in out]
    return out


def _province_covered(rb: RuleBase, name: str) -> bool:
    from .places import PlaceError, resolve_province

    try:
        return resolve_province(name) in _covered(rb)
    except PlaceError:
        return False
