"""The result of one evaluation, assembled from the rule truths: classification, entitlements with their
citations, coverage, problems, questions, the rules not granted, warnings and provenance (texts in one language).

:class:`Builder` is made per call and holds that call's facts and truths; :class:`TextCache` holds the pieces that
depend only on the rule base and the language (one per engine, bounded, filled lazily: concurrent fills compute the
same value, so a race is harmless).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from operator import itemgetter
from typing import NamedTuple, Optional, TypeVar, Union

from pydantic import BaseModel

from . import __version__
from ._memo import Doorkeeper, IdentityMemo
from .backends._keys import number_cuts, reader
from .backends.python import atom_truths
from .backends.python import evaluate as truth_of
from .classification import Derived, Weighing, evaluate, unknown_fields
from .conditions import Node, render
from .conditions import fields as cond_fields
from .facts import PROBLEMS
from .factset import FactValue, FactValues, Truth
from .i18n import _, format_amount, format_date, place_name, readable_dates
from .intake import field_label
from .profile import Places
from .questions import rank_questions
from .result import (
    Amount,
    ChannelRef,
    Citation,
    Claim,
    Classification,
    Coverage,
    Entitlement,
    FailedCondition,
    NotGranted,
    OutsideFact,
    ProblemReport,
    Provenance,
    Reason,
    Result,
    WouldChange,
)
from .rulebase import FORCE_ORDER, Rule, RuleBase, Selection
from .rulebase import Citation as RuleCitation

_PLACE_LABELS = {
    "work_place": "at the place of work (就业地)",
    "hukou_place": "at the hukou place (户籍地)",
    "residence_place": "at the place of residence registration (居住登记地)",
    "registration_place": "at the place of registration (注册登记地)",
    "flexible_registration_place": "at the place where you registered as a flexible worker (灵活就业登记地)",
    "any": "at the place the text names (see the citation)",
}
_CONTRACT_FORMS = {
    ("labor_relation", "full_time"): "labour contract",
    ("labor_relation", "part_time"): "part-time written labour contract or oral agreement",
    ("labor_relation", "dispatched"): "written labour contract with the dispatch agency",
    ("incomplete_labor_relation", None): "written agreement (书面协议)",
    ("civil_relation", None): "civil-law agreement (rights and duties under civil law)",
}
#: Derived facts are asked about through the profile fields they come from.
_PROBLEM_FACTS = tuple((problem, f"problem_{problem}") for problem in PROBLEMS)
_YES: frozenset[object] = frozenset([True])
_NEEDS_OF_DERIVED = {
    "work_prefecture": ("work_city",),
    "hukou_in_work_province": ("hukou_province", "work_province"),
    "residence_in_work_province": ("residence_province", "work_province"),
}



class TextCache:
    """Result pieces that depend only on the rule base and the language (immutable, so shared).

    Filled lazily; concurrent fills compute the same value, so a race is harmless.
    """

    def __init__(self, rb: RuleBase) -> None:
        self._rb = rb
        #: per selection's stage-2 rules (found by identity: the engine gives selections with the same rules the
        #: same tuples; the tuple is kept alive with its plan, so its id is never another's)
        self._plans: dict[int, tuple[tuple[Rule, ...], _Plan]] = {}
        #: the plans' chunks by the ids of their rules: selections with the same rules there share them (and what they
        #: remember)
        self._chunks: dict[tuple[tuple[str, ...], ...], _Chunk] = {}
        self._groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        self.citations: dict[tuple[str, str], tuple[Citation, ...]] = {}
        self.channels: dict[tuple[str, str], ChannelRef] = {}
        self.claims: dict[tuple[tuple[str, ...], str], Optional[Claim]] = {}
        self.notes: dict[tuple[str, str], tuple[str, ...]] = {}
        #: (entitlement id, contributing rule ids, status, language) -> the entitlement without needs
        self.entitlements: dict[tuple[object, ...], Entitlement] = {}
        self.reasons: dict[tuple[str, Optional[str], str, Optional[tuple[str, ...]]], Reason] = {}
        #: per language: factor rule id -> its reason (as :meth:`Builder.reason` gives it, in the factor's direction)
        self.factor_reasons: dict[str, dict[str, Reason]] = {}
        #: (band id, the weighing's figures, language) -> the reason that tells the weighing
        self.weighings: dict[tuple[object, ...], Reason] = {}
        self.coverage: dict[tuple[object, ...], tuple[Selection, Coverage]] = {}
        #: what :meth:`Builder._shared_coverage` reads -> the coverage (one object per distinct content)
        self.coverages: dict[tuple[object, ...], Coverage] = {}
        #: per claim (by identity, kept alive with its copy): the claim owed by the dispatch agency instead
        self.agency_claims: dict[int, tuple[Claim, Claim]] = {}
        #: per stage-2 rule tuple (by identity, kept alive with its value): prefecture -> the levels of coverage
        self._levels: dict[int, tuple[tuple[Rule, ...], frozenset[tuple[int, str, Optional[str]]],
                                      dict[Optional[str], frozenset[tuple[int, str]]]]] = {}
        self._jurisdictions: dict[str, tuple[int, str, Optional[str]]] = {}
        self.provenances: dict[tuple[dt.date, str, int], Provenance] = {}
        self.admit_provenance = Doorkeeper()
        self.changes: dict[tuple[str, object, str, str, bool], WouldChange] = {}
        #: per rule id: the fields its condition reads
        self.fields: dict[str, tuple[str, ...]] = {}
        #: per rule id: reads the values of those fields (:meth:`reader_of`)
        self.readers: dict[str, Callable[[FactValues], object]] = {}
        #: unknown fields (none of them contextual) -> the profile fields they are asked through
        self.asked: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: (rule id, the values of its fields) -> the fields of its atoms whose truth is unknown, and the profile
        #: fields they are asked through when none of them is contextual (else None)
        self.unknown: dict[tuple[object, ...], tuple[tuple[str, ...], Optional[tuple[str, ...]]]] = {}
        #: per language: rule id (one-rule entitlements) or ids of the contributing rules -> (sort key, entitlement)
        #: of the entitlement that applies
        self.applies: dict[str, dict[Union[str, tuple[str, ...]], _Item]] = {}
        #: per language: (rule id or ids of the contributing rules, needs) -> (sort key, entitlement) of the
        #: entitlement pending on them
        self.pending: dict[str, dict[tuple[Union[str, tuple[str, ...]], tuple[str, ...]], _Item]] = {}

    def plan(self, selection: Selection) -> _Plan:
        """What the builder reads of ``selection`` (its entitlement groups and reason rules, both functions of its
        stage-2 rules)."""
        entry = self._plans.get(id(selection.stage2))
        if entry is not None and entry[0] is selection.stage2:
            return entry[1]
        found = _plan(self._rb, selection, self._chunks, self._groups)
        if len(self._plans) >= 1024:
            self._plans = {}
            self._chunks = {}
            self._groups = {}
        self._plans[id(selection.stage2)] = (selection.stage2, found)
        return found

    def levels(self, rules: tuple[Rule, ...], prefecture: Optional[str]) -> frozenset[tuple[int, str]]:
        """The jurisdictions of ``rules`` that reach a place of work in ``prefecture`` (None: the province alone), as
        (level: 0 national, 1 provincial, 2 prefectural, label); once per rule tuple (found by identity) and
        prefecture."""
        entry = self._levels.get(id(rules))
        if entry is None or entry[0] is not rules:
            if len(self._levels) >= 1024:
                self._levels = {}
            jurisdictions = self._jurisdictions
            places = frozenset(jurisdictions.get(r.id) or self._jurisdiction(r) for r in rules)
            entry = self._levels[id(rules)] = (rules, places, {})
        found = entry[2].get(prefecture)
        if found is None:
            found = entry[2][prefecture] = frozenset(
                (level, label) for level, label, where in entry[1] if where is None or prefecture in (None, where))
        return found

    def _jurisdiction(self, r: Rule) -> tuple[int, str, Optional[str]]:
        """(level, label, prefecture) of the jurisdiction of ``r`` (see :meth:`levels`)."""
        j = r.jurisdiction
        found = self._jurisdictions[r.id] = (0 if j.province is None else 1 if j.prefecture is None else 2, j.label(),
                                             j.prefecture)
        return found

    def fields_of(self, rule: Rule) -> tuple[str, ...]:
        found = self.fields.get(rule.id)
        if found is None:
            found = self.fields[rule.id] = cond_fields(rule.condition)
        return found

    def reader_of(self, rule: Rule) -> Callable[[FactValues], object]:
        """Reads the values of the fields of ``rule`` from a fact set in one C call (a key of the memo of
        :meth:`Builder.needs`: with a fixed number of fields per rule, equal readings mean equal values)."""
        found = self.readers.get(rule.id)
        if found is None:
            fields = self.fields_of(rule)
            found = self.readers[rule.id] = _reader(self._rb, fields, [rule.condition])
        return found


#: Fields asked through profile fields that depend on the classification's needs or on the places given.
_CONTEXTUAL = frozenset(("category", "employment_mode", "employer", "work_prefecture", "hukou_in_work_province",
                         "residence_in_work_province"))
#: The most entries a cache keyed by facts (not only by the rule base and the language) holds before it is emptied.
_LIMIT = 1 << 16


#: (sort key, entitlement)
_Item = tuple[int, Entitlement]
#: the contributing rules of a several-rule entitlement, their ids and its status; or _NONE_LIVE (every rule false)
_Choice = tuple[tuple[Rule, ...], tuple[str, ...], str]
_NONE_LIVE: _Choice = ((), (), "")


def _choose(group: _Group, truths: tuple[Truth, ...]) -> _Choice:
    """The rules that grant a several-rule entitlement: those surely true and verified (it applies), else those not
    false (it is pending); :data:`_NONE_LIVE` when every rule is false."""
    if truths.count(False) == len(truths):  # truths are True, False or None: only False counts
        return _NONE_LIVE
    live = [i for i, truth in enumerate(truths) if truth is not False]
    sure = [i for i in live if truths[i] is True and group.verified[i]]
    chosen = sure or live
    return (tuple(group.rules[i] for i in chosen), tuple(group.ids[i] for i in chosen),
            "applies" if sure else "pending")


class _Group(NamedTuple):
    """One entitlement's rules in a selection, with what the builder reads of them every call."""

    ent_id: str
    rules: tuple[Rule, ...]
    ids: tuple[str, ...]
    verified: tuple[bool, ...]
    order: tuple[int, str]  # (topic rank, id): the result's order, with the status between them
    keys: tuple[int, int]  # its sort key when it applies, when pending (see :func:`_group`)


class _Plan(NamedTuple):
    """What the builder reads of a selection on every call, computed once per selection."""

    reasons: tuple[Rule, ...]  # the stage-2 rules of kind ``reason``
    chunks: tuple[_Chunk, ...]  # every entitlement, by the facts its rules read


class _Chunk(NamedTuple):
    """Entitlements whose rules read the same facts: what they give is a function of those facts' values (``read``),
    remembered per language, except the profile fields a pending one is asked through when its unknown facts include
    one that depends on the classification's needs or on the places given (found per call)."""

    groups: tuple[_Group, ...]
    read: Callable[[FactValues], object]
    memo: dict[str, dict[object, _Entries]]  # language -> the values read -> entries


#: the result items a chunk gives on some values of its facts (sort key, entitlement, pending key or None), and its
#: pending entitlements whose profile fields depend on the call: (the head of its pending key (the rule id of a
#: one-rule entitlement, else the rules' ids), for each rule that grants it the unknown facts of its atoms and the
#: profile fields they are asked through when that does not depend on the call (else None), and the entitlement
#: without needs with its sort key)
_Later = tuple[Union[str, tuple[str, ...]], tuple[tuple[tuple[str, ...], Optional[tuple[str, ...]]], ...], "_Item"]
_Entries = tuple[tuple["_Ordered", ...], tuple[_Later, ...]]
_Ordered = tuple[int, Entitlement, Optional[Hashable]]


def _local_first(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules of one entitlement with the provincial and prefectural texts first (in their order), then the
    national ones: the local text leads and the national policy reads as its basis."""
    return tuple(sorted(rules, key=_is_national_source))


def _is_national_source(rule: Rule) -> bool:
    return rule.source.jurisdiction.province is None


def _group(rb: RuleBase, ent_id: str, rules: Sequence[Rule], shared: dict[tuple[str, tuple[str, ...]], _Group]
           ) -> _Group:
    """The group of ``rules`` (a function of them: selections with the same rules share it)."""
    key = (ent_id, tuple(r.id for r in rules))
    found = shared.get(key)
    if found is None:
        ordered = _local_first(tuple(rules))
        rank = _TOPIC_RANK.get(rb.entitlements[ent_id].topic, len(_TOPICS))
        # the result's order (topic rank, applies before pending, id) as one integer per entitlement and status:
        # integers sort fast, and each is one entitlement's, so items never compare further
        position, width = _positions(rb)[ent_id], len(rb.entitlements)
        found = shared[key] = _Group(ent_id, ordered, tuple(r.id for r in ordered),
                                     tuple(r.spec.certainty == "verified" for r in ordered), (rank, ent_id),
                                     ((2 * rank) * width + position, (2 * rank + 1) * width + position))
    return found


def _positions_of(rb: RuleBase) -> dict[str, int]:
    """Each entitlement's position among the rule base's entitlement ids, sorted."""
    return {ent_id: i for i, ent_id in enumerate(sorted(rb.entitlements))}


_positions: IdentityMemo[RuleBase, dict[str, int]] = IdentityMemo(_positions_of, limit=64)


def _plan(rb: RuleBase, selection: Selection, shared: dict[tuple[tuple[str, ...], ...], _Chunk],
          shared_groups: dict[tuple[str, tuple[str, ...]], _Group]) -> _Plan:
    groups = [_group(rb, ent_id, rules, shared_groups) for ent_id, rules in selection.groups]
    by_fields: dict[tuple[str, ...], list[_Group]] = {}
    for g in groups:
        by_fields.setdefault(tuple(sorted({f for r in g.rules for f in cond_fields(r.condition)})), []).append(g)
    chunks = []
    for fields, gs in by_fields.items():
        ids = tuple(g.ids for g in gs)
        chunk = shared.get(ids)
        if chunk is None:
            chunk = shared[ids] = _Chunk(tuple(gs), _reader(rb, fields, [r.condition for g in gs for r in g.rules]), {})
        chunks.append(chunk)
    return _Plan(tuple(r for r in selection.stage2 if r.spec.kind == "reason"), tuple(chunks))


class Builder:
    """Turns rule truths into the result (texts in one language)."""

    def __init__(self, rb: RuleBase, lang: str, day: dt.date, places: Places, selection: Selection,
                 facts: FactValues, derived: Derived, truths1: Mapping[str, Truth],
                 truths2: Mapping[str, Truth], backend: str, texts: TextCache, keep: bool = False) -> None:
        """``keep``: the profile's facts were met before (see :func:`classification.derive_seen`), so what is made
        for them alone is kept for the next time (else it is made and not kept)."""
        self.rb, self.lang, self.day, self.places = rb, lang, day, places
        self.selection, self.facts, self.derived = selection, facts, derived
        self.truths1, self.truths2, self.backend = truths1, truths2, backend
        self.texts = texts
        self.keep = keep
        #: unknown fields -> the profile fields they are asked through, in this call
        self._asked: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: the pending entitlements' cache keys in the result's order (set by :meth:`entitlements`)
        self.pending_key: Optional[tuple[Hashable, ...]] = None

    # -- pieces --------------------------------------------------------------------------------
    def citation(self, c: RuleCitation, force: Optional[str] = None) -> Citation:
        s = c.source
        note = None
        if s.attribution == "republication":
            note = _("The document number and the province of this document come from a public reprint; the text "
                     "itself prints neither.", self.lang)
        return Citation(
            source_id=s.id, document_number=s.document_number, title=s.title, issuer=s.issuer, date=s.date,
            clause=c.clause, quote=c.quote, via=c.via.id if c.via else None,
            via_title=c.via.title if c.via else None, source_kind=s.kind,
            verification=s.verification, attribution_note=note, force=force,  # type: ignore[arg-type]
        )

    def rule_citations(self, r: Rule) -> tuple[Citation, ...]:
        key = (r.id, self.lang)
        found = self.texts.citations.get(key)
        if found is None:
            found = self.texts.citations[key] = tuple(self.citation(c, r.spec.force) for c in r.citations)
        return found

    def citations(self, rules: Sequence[Rule]) -> list[Citation]:
        out: list[Citation] = []
        seen: set[tuple[str, Optional[str], str]] = set()
        for r in rules:
            for c in self.rule_citations(r):
                key = (c.source_id, c.clause, c.quote)
                if key not in seen:
                    seen.add(key)
                    out.append(c)
        return out

    def needs(self, rule: Rule) -> tuple[str, ...]:
        """The profile fields whose answer could decide ``rule``: the fields of its atoms whose truth is unknown
        (memoised by the values of the facts it reads), each as the profile fields it is asked through."""
        names, found = self._unknown_names(rule)
        return found if found is not None else self._asked_in_call(names)

    def _asked_in_call(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The profile fields ``names`` are asked through in this call (some depend on the classification's needs or
        on the places given), once per distinct ``names``."""
        found = self._asked.get(names)
        if found is None:
            found = self._asked[names] = self._asked_through(names)
        return found

    def _unknown_names(self, rule: Rule) -> tuple[tuple[str, ...], Optional[tuple[str, ...]]]:
        """The fields of the atoms of ``rule`` whose truth is unknown (memoised by the values of the facts it reads),
        and the profile fields they are asked through when none of them is contextual (else None)."""
        texts = self.texts
        read = texts.readers.get(rule.id)
        if read is None:
            read = texts.reader_of(rule)
        try:
            key: tuple[object, ...] = (rule.id, read(self.facts))
        except KeyError:  # a field absent from the facts (unknown): read as None, under a key of its own shape
            key = (rule.id, None, tuple(map(self.facts.get, texts.fields_of(rule))))
        entry = texts.unknown.get(key)
        if entry is None:
            names = tuple(unknown_fields(rule, self.facts))
            # a function of the names alone (so of the key) unless one of them depends on the classification's
            # needs or on the places given: then it is found in this call (below), not kept with the key
            shared = self._asked_shared(names) if _CONTEXTUAL.isdisjoint(names) else None
            entry = (names, shared)
            if len(texts.unknown) >= _LIMIT:
                texts.unknown.clear()
            texts.unknown[key] = entry
        return entry

    def _asked_shared(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The profile fields ``names`` (none contextual) are asked through, one tuple per distinct ``names``."""
        if not names:
            return names
        asked = self.texts.asked
        found = asked.get(names)
        if found is None:
            found = self._asked_through(names)
            if len(asked) >= _LIMIT:
                asked.clear()
            asked[names] = found
        return found

    def _asked_through(self, names: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for name in names:
            if name in ("category", "employment_mode", "employer"):
                out.extend(self.derived.needs or ("engagement", "platform_manages_work"))
            elif name.startswith("problem_"):
                out.append("problems")
            elif name in _NEEDS_OF_DERIVED:
                # only the source fields still unknown: a known work province is never asked again
                sources = [f for f in _NEEDS_OF_DERIVED[name] if not self._place_known(f)]
                out.extend(sources or _NEEDS_OF_DERIVED[name])
            else:
                out.append(name)
        return tuple(dict.fromkeys(out))

    def _place_known(self, field: str) -> bool:
        """Whether the province field ``field`` (work_/hukou_/residence_province) was given."""
        places = {"work_province": self.places.work, "hukou_province": self.places.hukou,
                  "residence_province": self.places.residence}
        return places.get(field) is not None

    def channel(self, cid: str) -> ChannelRef:
        key = (cid, self.lang)
        found = self.texts.channels.get(key)
        if found is None:
            found = self.texts.channels[key] = ChannelRef(id=cid, name=self.rb.channels[cid].get(self.lang))
        return found

    def rule_notes(self, r: Rule) -> tuple[str, ...]:
        key = (r.id, self.lang)
        found = self.texts.notes.get(key)
        if found is None:
            found = self.texts.notes[key] = tuple(self._rule_notes(r))
        return found

    def _rule_notes(self, r: Rule) -> list[str]:
        notes = []
        if r.exception_note is not None:  # the disputed twin of an ``unless``: the exception first, once per rule
            notes.append(readable_dates(r.exception_note.get(self.lang), self.lang))
        if r.spec.note:  # an ISO day in a note is written as people write it (2025年7月1日 / July 1, 2025)
            notes.append(readable_dates(r.spec.note.get(self.lang), self.lang))
        if r.spec.certainty == "unverified":
            notes.append(_("Unverified: the start date or scope is not verified; this is not a promise.", self.lang))
        # where each citation comes from (national law, a reprint, not confirmed) is told with the citation itself
        return notes

    # -- classification --------------------------------------------------------------------------
    def classification(self) -> Classification:
        d = self.derived
        cat_possible = d.decisions["category"].possible
        category = d.best or "undetermined"
        raw = d.raw or d.decisions
        mode = _single(raw["employment_mode"].possible) if category == "labor_relation" else None
        employer = _single(raw["employer"].possible) if category == "labor_relation" else None
        reasons: list[Reason] = []
        deciding = d.decisions["category"].deciding
        if deciding is not None and d.best is not None:
            reasons.append(self.reason(deciding, "decision"))
            if d.weighing is not None:
                reasons.append(self.weighing_reason(deciding, d.weighing))
        for fact in ("employment_mode", "employer"):
            rule = raw[fact].deciding
            if rule is not None and category == "labor_relation":
                reasons.append(self.reason(rule, "decision"))
        best_facts: Optional[dict[str, FactValue]] = None
        for r in self.texts.plan(self.selection).reasons:
            truth = self.truths2.get(r.id)
            if truth is None and d.best is not None:  # read on the best-supported category, as the result shows it
                if best_facts is None:
                    best_facts = {**self.facts, "category": frozenset([d.best])}
                truth = evaluate(r.condition, best_facts)
            if truth is True:
                reasons.append(self.reason(r, "note"))
        factor_reasons = self.texts.factor_reasons.get(self.lang)
        if factor_reasons is None:
            factor_reasons = self.texts.factor_reasons.setdefault(self.lang, {})
        for r in d.factors_true:  # a factor's reason: a function of the rule and the language
            found = factor_reasons.get(r.id)
            if found is None:
                found = factor_reasons[r.id] = self.reason(r, r.spec.direction)
            reasons.append(found)
        caveats = [self.reason(r, "note", caveat=True) for fact in ("category", "employment_mode", "employer")
                   for r in d.decisions[fact].caveats]
        form_key = (category, mode if category == "labor_relation" else None)
        form = _CONTRACT_FORMS.get(form_key)
        # every piece is a validated model (or a list of them) or a plain value of the field's type: nothing to
        # validate again
        return _construct(
            Classification,
            category=category,
            employment_mode=mode,
            employer=employer,
            contract_form=_(form, self.lang) if form else None,
            candidates=sorted(str(c) for c in cat_possible) if category == "undetermined" else [],
            reasons=reasons,
            needs=list(d.needs),
            caveats=caveats,
            certainty=d.certainty,
            would_change=[self.would_change(c.field, c.value, c.category, c.shift >= 100) for c in d.would_change],
        )

    def weighing_reason(self, band: Rule, w: Weighing) -> Reason:
        """How the score was reached, with the band that holds (its citations)."""
        key = (band.id, w.toward, w.against, w.score, w.low, w.high, self.lang)  # small integers: few keys
        weighings = self.texts.weighings
        found = weighings.get(key)
        if found is None:
            found = self._weighing_reason(band, w)
            if len(weighings) >= _LIMIT:
                weighings.clear()
            weighings[key] = found
        return found

    def _weighing_reason(self, band: Rule, w: Weighing) -> Reason:
        lo, hi = band.spec.score_min, band.spec.score_max
        if lo is not None and hi is not None:
            bounds = f"{lo}…{hi}"
        elif lo is not None:
            bounds = f"≥ {lo}"
        else:
            bounds = f"≤ {hi}"
        text = _("Weighing: the stated facts count {toward} toward a labour relation and {against} against it "
                 "(score {score}; this category's band: {bounds}); facts nobody stated count for neither side, "
                 "and could move the score between {low} and {high}.", self.lang, toward=w.toward,
                 against=w.against, score=w.score, bounds=bounds, low=w.low, high=w.high)
        return Reason(text=text, rule_id=band.id, direction="note", citations=self.citations([band]))

    def would_change(self, field: str, value: object, category: str, decides: bool = True) -> WouldChange:
        """``decides``: the answer settles the category (a gate); else it only tips the weighing of factors."""
        key = (field, value, category, self.lang, decides)
        found = self.texts.changes.get(key)
        if found is None:
            template = ("If {condition}: {category}" if decides else
                        "If {condition}: this leans towards {category}; one factor alone does not decide")
            found = self.texts.changes[key] = WouldChange(
                field=field, value=value, category=category,  # type: ignore[arg-type]
                text=readable_dates(_(template, self.lang, condition=self._condition_text(field, value),
                                      category=_(_CATEGORY_SHORT[category], self.lang)), self.lang))
        return found

    def _condition_text(self, field: str, value: object) -> str:
        """The answer in words: the reason of the factor it makes true, else the question and the choice."""
        facts = {field: frozenset([value])}
        for r in self.rb.rules:  # every factor, whatever the day: the text is cached across days
            if r.spec.kind != "factor":
                continue
            if r.spec.reason and set(cond_fields(r.condition)) == {field} and evaluate(r.condition, facts) is True:
                return r.spec.reason.get(self.lang)
        question = self.rb.questions.get(field)
        label = field_label(field, self.lang)
        choice = question.choices.get(str(value)) if question and question.choices else None
        if choice is not None:
            answer = choice.get(self.lang)
        elif isinstance(value, bool):
            answer = _("yes", self.lang) if value else _("no", self.lang)
        else:
            answer = str(value)
        return _("“{question}” is “{answer}”", self.lang, question=label, answer=answer)

    def reason(self, r: Rule, direction: Optional[str], caveat: bool = False) -> Reason:
        needs = self.needs(r) if caveat else None  # a caveat names the unknown facts behind it
        key = (r.id, direction, self.lang, needs)
        found = self.texts.reasons.get(key)
        if found is None:
            found = self.texts.reasons[key] = self._reason(r, direction, needs)
        return found

    def _reason(self, r: Rule, direction: Optional[str], needs: Optional[tuple[str, ...]]) -> Reason:
        text = r.spec.reason.get(self.lang) if r.spec.reason else ""
        if r.spec.kind == "factor":  # a factor's reason is a clause ("you cannot refuse orders"): make a sentence
            sign = "+" if r.spec.direction == "toward_labor" else "−"
            text = _("{fact} (weight {sign}{weight}).", self.lang, fact=_sentence(text, self.lang), sign=sign,
                     weight=r.spec.weight)
        if needs is not None:
            labels = [field_label(n, self.lang) for n in needs]
            facts = "、".join(labels) if self.lang == "zh" else ", ".join(labels)
            text = _("Not known ({facts}); if it holds: {text}", self.lang, facts=facts, text=text)
        return Reason(text=readable_dates(text, self.lang), rule_id=r.id, direction=direction,  # type: ignore[arg-type]
                      citations=self.citations([r]))

    # -- entitlements ------------------------------------------------------------------------------
    def entitlements(self) -> list[Entitlement]:
        """The entitlements granted or pending, in the result's order (topic, applies before pending, id)."""
        plan = self.texts.plan(self.selection)
        # each with its pending cache key (None when it applies): the keys determine the pending entitlements
        out: list[_Ordered] = []
        texts = self.texts
        lang = self.lang
        applies = texts.applies.get(lang)
        if applies is None:
            applies = texts.applies.setdefault(lang, {})
        pending = texts.pending.get(lang)
        if pending is None:
            pending = texts.pending.setdefault(lang, {})
        facts = self.facts
        keep = self.keep
        for chunk in plan.chunks:  # the entitlements, a chunk of them at a time
            memo = chunk.memo.get(lang)
            if memo is None:
                memo = chunk.memo.setdefault(lang, {})
            try:
                key = chunk.read(facts)
            except KeyError:  # a field absent from the facts (unknown): computed, not remembered
                entries = self._chunk_entries(chunk, applies, pending)
            else:
                found = memo.get(key)
                if found is None:
                    found = self._chunk_entries(chunk, applies, pending)
                    if len(memo) >= _LIMIT:
                        memo.clear()
                    memo[key] = found
                entries = found
            out += entries[0]
            for head, parts, template in entries[1]:  # pending, asked through fields that depend on this call
                if len(parts) == 1:  # one rule grants it (most)
                    names, needs = parts[0]
                    if needs is None:
                        needs = self._asked_in_call(names)
                else:
                    needs = tuple(dict.fromkeys(
                        n for names, shared in parts
                        for n in (shared if shared is not None else self._asked_in_call(names))))
                several: tuple[Union[str, tuple[str, ...]], tuple[str, ...]] = (head, needs)
                if not keep:  # these needs come from the classification's, which vary from profile to profile: a
                    # copy kept for a profile met once is never asked for again (and the garbage collector walks it)
                    out.append((template[0], _replaced(template[1], "needs", list(needs)) if needs else template[1], several))
                    continue
                item = pending.get(several)
                if item is None:
                    item = (template[0], _replaced(template[1], "needs", list(needs))) if needs else template
                    if len(pending) >= _LIMIT:
                        pending.clear()
                    pending[several] = item
                out.append((item[0], item[1], several))
        out.sort()  # by the sort keys alone: one per entitlement, so never equal
        self.pending_key = tuple([k for _, _, k in out if k is not None])
        return [e for _, e, _ in out]

    def _chunk_entries(self, chunk: _Chunk, applies: dict[Union[str, tuple[str, ...]], _Item],
                       pending: dict[tuple[Union[str, tuple[str, ...]], tuple[str, ...]], _Item]) -> _Entries:
        """What the entitlements of ``chunk`` give on this call's facts (see :class:`_Chunk`)."""
        get = self.truths2.get
        done: list[_Ordered] = []
        later: list[_Later] = []
        for group in chunk.groups:
            head: Union[str, tuple[str, ...]]
            rules: tuple[Rule, ...]
            if len(group.rules) == 1:
                rule_id = group.ids[0]
                truth = get(rule_id)
                if truth is False:
                    continue
                if truth is True and group.verified[0]:  # applies: a function of the rule and the language
                    item = applies.get(rule_id)
                    if item is None:
                        item = applies[rule_id] = self._entitlement_of(group, group.rules, group.ids, "applies")
                    done.append((item[0], item[1], None))
                    continue
                # pending: a function of the rule, its needs and the language
                rules, ids, head = group.rules, group.ids, rule_id
                names, needs = self._unknown_names(group.rules[0])
                if needs is None:
                    later.append((head, ((names, None),), self._entitlement_of(group, rules, ids, "pending")))
                    continue
            else:
                rules, ids, status = _choose(group, tuple(map(get, group.ids)))
                if status == "":  # every rule false
                    continue
                if status == "applies":  # a function of the rules and the language
                    item = applies.get(ids)
                    if item is None:
                        item = applies[ids] = self._entitlement_of(group, rules, ids, status)
                    done.append((item[0], item[1], None))
                    continue
                head = ids
                parts = tuple(self._unknown_names(r) for r in rules)
                if any(shared is None for _, shared in parts):
                    later.append((head, parts, self._entitlement_of(group, rules, ids, "pending")))
                    continue
                needs = tuple(dict.fromkeys(n for _, shared in parts for n in shared or ()))
            key = (head, needs)
            item = pending.get(key)
            if item is None:
                item = self._entitlement_of(group, rules, ids, "pending", needs)
                if len(pending) >= _LIMIT:
                    pending.clear()
                pending[key] = item
            done.append((item[0], item[1], key))
        return tuple(done), tuple(later)

    def _entitlement_of(self, group: _Group, contributing: tuple[Rule, ...], ids: tuple[str, ...],
                        status: str, known_needs: Optional[tuple[str, ...]] = None,
                        ) -> tuple[int, Entitlement]:
        """The entitlement of ``group`` from its ``contributing`` rules, with its sort key (``known_needs``: the
        needs of a pending one when the caller has them already, as computed below)."""
        needs: tuple[str, ...] = ()
        if known_needs is not None:
            needs = known_needs
        elif status == "pending":
            if len(contributing) == 1:
                needs = self.needs(contributing[0])  # without repeats already
            else:
                needs = tuple(dict.fromkeys(n for r in contributing for n in self.needs(r)))
        # the entitlement without needs, made once (a function of the rules, the status and the language); with
        # needs, a copy with only them replaced (not kept here: the caller keeps the item when it is asked for again)
        key = (group.ent_id, ids, status, self.lang)
        cache = self.texts.entitlements
        found = cache.get(key)
        if found is None:
            found = self.entitlement(group.ent_id, contributing, status, ())
            if len(cache) >= _LIMIT:
                cache.clear()
            cache[key] = found
        if needs:
            found = _replaced(found, "needs", list(needs))
        return group.keys[status != "applies"], found

    def entitlement(self, ent_id: str, contributing: Sequence[Rule], status: str,
                    needs: Sequence[str]) -> Entitlement:
        definition = self.rb.entitlements[ent_id]
        force = min((r.spec.force for r in contributing if r.spec.force), key=FORCE_ORDER.index)
        amount_rule = next((r for r in contributing if r.spec.amount), None)
        amount = None
        if amount_rule and amount_rule.spec.amount:
            a = amount_rule.spec.amount
            display = format_amount(a.value, a.unit, self.lang, a.months)
            if a.months and a.months_verification == "unverified":  # the months read as firm otherwise
                display += _(" (the months are not confirmed)", self.lang)
            amount = Amount(value=a.value, unit=a.unit, currency=a.currency, months=a.months, display=display,
                            verification=a.verification, months_verification=a.months_verification)
        notes = [n for r in contributing for n in self.rule_notes(r)]
        # a campaign measure ends with its campaign, unless a standing rule grants the same thing
        ends = [r.campaign_until for r in contributing]
        valid_until = None if any(end is None for end in ends) else max(e for e in ends if e is not None)
        outside = [OutsideFact(what=f.what, text=readable_dates(f.text.get(self.lang), self.lang),
                               verification=f.verification,
                               source_id=f.source)
                   for r in contributing for f in r.spec.outside_facts]
        return Entitlement(
            id=ent_id, topic=definition.topic, title=definition.title.get(self.lang),
            summary=readable_dates(definition.summary.get(self.lang), self.lang), force=force,
            status=status,  # type: ignore[arg-type]
            needs=list(needs), amount=amount, claim=self.claim(contributing),
            citations=_mark_basis(self.citations(contributing)), notes=_distinct_notes(notes),
            addresses=list(dict.fromkeys(p for r in contributing for p in r.spec.addresses)),
            valid_until=valid_until, outside_facts=list({(f.what, f.text): f for f in outside}.values()),
            rule_ids=[r.id for r in contributing],
        )


    def claim(self, rules: Sequence[Rule]) -> Optional[Claim]:
        key = (tuple(r.id for r in rules), self.lang)
        if key not in self.texts.claims:
            self.texts.claims[key] = self._claim(rules)
        return self.texts.claims[key]

    def _claim(self, rules: Sequence[Rule]) -> Optional[Claim]:
        owners = [r for r in rules if r.spec.claim and r.spec.claim.owed_by]
        # a statute's duty-holder before a policy's: where the labour law applies, the 用人单位 owes it, even when a
        # provincial text beside it speaks to platforms (local rules otherwise lead)
        owner = next((r for r in owners if r.source.kind == "national_law"), owners[0] if owners else None)
        owed_by = owner.spec.claim.owed_by if owner is not None and owner.spec.claim else None
        channels = list(dict.fromkeys(ch for r in rules if r.spec.claim for ch in r.spec.claim.channels))
        place = next((r.spec.claim.place for r in rules if r.spec.claim and r.spec.claim.place), None)
        if not owed_by and not channels and not place:
            return None
        return Claim(owed_by=self.channel(owed_by) if owed_by else None,
                     channels=[self.channel(c) for c in channels], place=place,
                     place_label=_(_PLACE_LABELS[place], self.lang) if place else None)

    def not_granted(self, granted: set[str]) -> list[NotGranted]:
        out = []
        for r in self.selection.stage2:
            if r.spec.kind != "entitlement" or self.truths2.get(r.id) is not False:
                continue
            if r.spec.entitlement in granted:
                continue
            failed = [FailedCondition(condition=render(atom), field=atom.field,
                                      truth="false" if truth is False else "unknown")
                      for atom, truth in atom_truths(r.condition, self.facts) if truth is not True]
            definition = self.rb.entitlements[r.spec.entitlement or ""]
            note = None
            if definition.unless and r.withdrawn_when is not None and truth_of(r.withdrawn_when, self.facts):
                # the entitlement's exception (a known pensioner, say) withdrew it, whatever else the rule reads
                note, failed = readable_dates(definition.unless.note.get(self.lang), self.lang), []
            out.append(NotGranted(id=r.spec.entitlement or "", title=definition.title.get(self.lang), rule_id=r.id,
                                  failed=failed, citations=self.citations([r]), note=note))
        return out

    def problems(self, entitlements: Sequence[Entitlement]) -> list[ProblemReport]:
        out = []
        for problem, key in _PROBLEM_FACTS:
            if self.facts.get(key) != _YES:
                continue
            matching = [e for e in entitlements if key in e.addresses]
            channels: dict[str, ChannelRef] = {}
            for e in matching:
                if e.claim:
                    for ch in ([e.claim.owed_by] if e.claim.owed_by else []) + e.claim.channels:
                        channels.setdefault(ch.id, ch)
            # every piece is a plain string or a validated model, in lists made here: nothing to validate again
            out.append(_construct(
                ProblemReport, problem=problem, label=_problem_label(self.rb, problem, self.lang),
                entitlements=[e.id for e in matching], citations=[c for e in matching for c in e.citations],
                channels=list(channels.values()),
            ))
        return out

    def coverage(self) -> Coverage:
        work = self.places.work
        key = (work.province if work else None, work.prefecture if work else None, id(self.selection), self.lang)
        cached = self.texts.coverage.get(key)  # selections live as long as their engine
        if cached is None or cached[0] is not self.selection:
            if len(self.texts.coverage) >= _LIMIT:
                self.texts.coverage.clear()
            cached = self.texts.coverage[key] = (self.selection, self._shared_coverage())
        return cached[1]

    def _shared_coverage(self) -> Coverage:
        """The coverage, one object per distinct content (many selections, on other days, give the same): a function
        of the place, the language, the levels of the rules in force there, whether the province is covered, whether
        a national rule reaches it, and when only national rules are in force, when its own texts start."""
        work = self.places.work
        if work is None:
            key: tuple[object, ...] = (self.lang,)
            national, start = False, None
        else:
            levels = self.texts.levels(self.selection.stage2, work.prefecture)
            covered = self.selection.covered
            national = covered or any(r.jurisdiction.province is None
                                      for r in (*self.selection.stage1, *self.selection.stage2))
            start = (self._local_start(work.province, work.prefecture)
                     if covered and all(level == 0 for level, _label in levels) else None)
            key = (self.lang, work.province, work.prefecture, levels, covered, national, start)
        shared = self.texts.coverages
        found = shared.get(key)
        if found is None:
            if len(shared) >= _LIMIT:
                shared.clear()
            found = shared[key] = self._coverage(national, start)
        return found

    def _coverage(self, national: bool, start: Optional[dt.date]) -> Coverage:
        """``national``: some national rule is in force at the place; ``start``: see :meth:`_local_start`."""
        work = self.places.work
        if work is None:
            return Coverage(covered=False, message=_(
                "Your place of work (province) is unknown: say where you work to see the rules that apply.",
                self.lang))
        levels = self.texts.levels(self.selection.stage2, work.prefecture)
        chain = [label for _, label in sorted(levels)]
        place = place_name(work.province, work.prefecture, self.lang)  # "Changsha, Hunan (湖南省长沙市)" in en
        names = [place_name(work.province, label, self.lang, short=True) if level == 2 else
                 place_name(label, None, self.lang) for level, label in sorted(levels)]
        if not self.selection.covered and not national:
            # no national rule reaches the place either (香港, 澳门, 台湾: mainland law excludes them)
            return Coverage(covered=False, province=work.province, prefecture=work.prefecture, jurisdictions=[],
                            message=_("The rules hold the law and policies of the Chinese mainland only: {place} has "
                                      "its own labour law, which they do not cover. Ask the labour authority or a "
                                      "legal-aid service there.", self.lang, place=place))
        if not self.selection.covered:
            return Coverage(covered=False, province=work.province, prefecture=work.prefecture, jurisdictions=[],
                            message=_("No provincial rules for {place} are in the rule base yet: only national law "
                                      "applies here (the classification and statutory duties). Rules of other "
                                      "provinces never apply to you.",
                                      self.lang, place=place))
        if all(level == 0 for level, _label in levels):  # the province's own texts are not in force on the day
            return Coverage(covered=True, province=work.province, prefecture=work.prefecture, jurisdictions=chain,
                            message=self._before_local_texts(place, start))
        return Coverage(covered=True, province=work.province, prefecture=work.prefecture, jurisdictions=chain,
                        message=_("The rule base covers {place}: rules of {jurisdictions} apply.", self.lang,
                                  place=place, jurisdictions="、".join(names) if self.lang == "zh" else "; ".join(names)))

    def _local_start(self, province: str, prefecture: Optional[str]) -> Optional[dt.date]:
        """The first day after the day asked about on which a text of the province (reaching the prefecture) starts;
        None when none does. The same on every day of a selection (its rules start and stop on validity boundaries
        only)."""
        starts = [r.valid_from for r in self.rb.rules
                  if r.jurisdiction.province == province and r.valid_from is not None and r.valid_from > self.day
                  and (r.jurisdiction.prefecture is None or prefecture in (None, r.jurisdiction.prefecture))]
        return min(starts) if starts else None

    def _before_local_texts(self, place: str, start: Optional[dt.date]) -> str:
        """Only national rules on the day: say so, and when the province's own text starts (if one does later): no
        day asked about in the text."""
        if start is not None:
            return _("On the day asked about no text of {place} in the rule base is in force yet: only national rules "
                     "apply (the classification and statutory duties). The local rules apply from {start}.", self.lang,
                     place=place, start=format_date(start, self.lang))
        return _("On the day asked about no text of {place} in the rule base is in force: only national rules apply "
                 "(the classification and statutory duties).", self.lang, place=place)

    def warnings(self, entitlements: Sequence[Entitlement]) -> list[str]:
        out = []
        newest = self.rb.newest_source_date
        if newest and self.day > _one_year_after(newest):  # a calendar year: 366 days when it holds 29 February
            out.append(_("Policies may have changed: the newest source the rules know is dated {date}, more than a "
                         "year before {as_of}.", self.lang, date=format_date(newest, self.lang),
                         as_of=format_date(self.day, self.lang)))
        return out

    def build(self, explain: bool) -> Result:
        classification = self.classification()
        entitlements = self.entitlements()
        if classification.employer == "dispatch_agency":
            entitlements = self.agency_is_the_employer(entitlements)
        rb = self.rb
        # every piece is a validated model (or a fresh list of them) made above: nothing to validate again
        return _construct(
            Result,
            lang=self.lang,
            classification=classification,
            entitlements=entitlements,
            coverage=self.coverage(),
            problems=self.problems(entitlements),
            questions=rank_questions(rb, self.lang, classification, entitlements, self.places.work is None,
                                     pending_key=self.pending_key),
            not_granted=self.not_granted({e.id for e in entitlements}) if explain else None,
            warnings=self.warnings(entitlements),
            provenance=self.provenance(),
        )

    def agency_is_the_employer(self, entitlements: list[Entitlement]) -> list[Entitlement]:
        """A dispatched worker's employer is the dispatch agency (劳动合同法 第五十八条「劳务派遣单位是本法所称用人单位，
        应当履行用人单位对劳动者的义务」): a duty the rules give to "the employer" names the agency, so the worker is not
        left to guess between the agency and the platform that uses their work. The user unit's own duties and its joint
        liability keep the party their rules name, and so do the labour standards the user unit carries out (第六十二条:
        working conditions and protection, overtime pay, training): those stay "the employer"."""
        agency = self.channel("dispatch_agency")
        claims = self.texts.agency_claims
        out = []
        for e in entitlements:
            claim = e.claim
            if (claim is not None and claim.owed_by is not None and claim.owed_by.id == "employer"
                    and (e.id in _AGENCY_DUTIES or e.id.startswith(_AGENCY_TOPICS))):
                # the claims are the cached ones of their rules (few): each copied once, kept alive with its copy
                entry = claims.get(id(claim))
                if entry is None or entry[0] is not claim:
                    if len(claims) >= 4096:
                        claims.clear()
                    entry = claims[id(claim)] = (claim, _replaced(claim, "owed_by", agency))
                e = _replaced(e, "claim", entry[1])
            out.append(e)
        return out

    def provenance(self) -> Provenance:
        rules_in_force = len(self.selection.stage1) + len(self.selection.stage2)
        key = (self.day, self.backend, rules_in_force)
        found = self.texts.provenances.get(key)
        if found is None:
            rb = self.rb
            found = Provenance(rulebase_hash=rb.digest, package_version=__version__, as_of=self.day,
                               newest_source_date=rb.newest_source_date, backend=self.backend,
                               rules_in_force=rules_in_force)
            if self.texts.admit_provenance.admit(key):  # one per day asked about: kept when asked again
                if len(self.texts.provenances) >= 4096:  # bounded
                    self.texts.provenances.clear()
                self.texts.provenances[key] = found
        return found


def _no_fields(facts: FactValues) -> object:
    return ()


def _reader(rb: RuleBase, fields: Sequence[str], conditions: Sequence[Node]) -> Callable[[FactValues], object]:
    """Reads the values of ``fields`` from a fact set in one call, a number compared only with constants by its class
    among them (``backends._keys``: every comparison of ``conditions`` has the same truth on numbers of one class), so
    that a memo keyed by the reading holds a few entries per number field, not one per number met. A fixed shape per
    reader: equal readings mean equal values (or classes)."""
    if not fields:
        return _no_fields
    numbers = [f for f in fields if rb.schema[f].kind == "number"]
    if not numbers:
        return itemgetter(*fields)
    return reader(fields, number_cuts(conditions, numbers))


_LOCAL_KINDS = frozenset(("provincial", "prefectural"))
# what a dispatch agency owes as the employer (劳动合同法 第五十八条: the contract, monthly pay and the minimum wage;
# social insurance, work-injury recognition): contracts and insurance by topic, pay by id
_AGENCY_TOPICS = ("contract.", "pension.", "medical.", "injury.")
_AGENCY_DUTIES = frozenset(("pay.full_timely_payment", "pay.minimum_wage", "pay.arrears_additional_compensation",
                            "employment_services.unemployment_insurance"))
_new_object = object.__new__
_set = object.__setattr__


_M = TypeVar("_M", bound=BaseModel)


def _construct(model: type[_M], **values: object) -> _M:
    """``model.model_construct(**values)`` for ``values`` that name every field of ``model`` in its order (validated
    pieces): the same model (its ``__dict__``, fields set, no extra, no private attributes), without pydantic's
    generic field-by-field walk. Anything else takes ``model_construct`` itself."""
    if tuple(values) != tuple(model.model_fields):
        return model.model_construct(**values)  # type: ignore[arg-type]
    made = _new_object(model)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", set(values))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def _replaced(model: _M, name: str, value: object) -> _M:
    """``model.model_copy(update={name: value})`` (a shallow copy of an already-validated model with one field
    replaced, that field counted as set), without pydantic's generic copy machinery."""
    copied = _new_object(type(model))
    values = model.__dict__.copy()
    values[name] = value
    _set(copied, "__dict__", values)
    fields_set = model.__pydantic_fields_set__
    # the model's own set when it names the field already (a frozen model's set is never changed in place: a copy
    # made by pydantic gets its own), else a new one
    _set(copied, "__pydantic_fields_set__", fields_set if name in fields_set else fields_set | {name})
    _set(copied, "__pydantic_extra__", model.__pydantic_extra__)
    _set(copied, "__pydantic_private__", model.__pydantic_private__)
    return copied


def _distinct_notes(notes: Sequence[str]) -> list[str]:
    """Each note once, in order; a note that another note of the same right already says in full is dropped (two
    rules granting one right, one note repeating the other's last sentence)."""
    unique = list(dict.fromkeys(notes))
    if len(unique) < 2:
        return unique
    return [n for n in unique if not any(n != m and n in m for m in unique)]


def _mark_basis(citations: list[Citation]) -> list[Citation]:
    """Where a provincial or prefectural text grants the entitlement, it leads (its citations first, in their order)
    and the national policy citations after it are its basis (``basis=True``): one entitlement, the local text
    first — also when the local text is cited beside a national rule (a province's notice dating a national pilot)."""
    local = [c for c in citations if c.source_kind in _LOCAL_KINDS]
    if not local:
        return citations
    rest = [c.model_copy(update={"basis": True}) if c.source_kind == "national_policy" else c
            for c in citations if c.source_kind not in _LOCAL_KINDS]
    return local + rest


def _one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (29 February → 28 February); ``date.max`` when that is past the calendar."""
    if day.year >= dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


_CATEGORY_SHORT = {
    "labor_relation": "labour relation",
    "incomplete_labor_relation": "not fully a labour relation, but the enterprise manages the work",
    "civil_relation": "civil relation (self-employed or freelance)",
}


def _sentence(text: str, lang: str) -> str:
    text = text.strip().rstrip("。.")
    return text[:1].upper() + text[1:] if lang == "en" else text


def _single(possible: frozenset[object]) -> Optional[str]:
    if len(possible) == 1:
        value = next(iter(possible))
        return None if value == "not_applicable" else str(value)
    return None


_TOPICS = ("contract", "fair_hiring", "pay", "rest", "safety", "weather", "pension", "medical", "injury",
           "training", "union", "employment_services", "living_services", "algorithm", "remedies")


_TOPIC_RANK = {topic: i for i, topic in enumerate(_TOPICS)}


def _problem_label(rb: RuleBase, problem: str, lang: str) -> str:
    question = rb.questions.get("problems")
    label = question.choices.get(problem) if question and question.choices else None
    return label.get(lang) if label else problem
