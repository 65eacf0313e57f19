"""What a worker reads: the handout (relationship, first steps, what is pending) and its appendix, in plain words.

The wording helpers here are shared by the plain-text report (CLI, interview) and the web page, so that both say
the same thing: never an id, a condition or a field name; where a rule comes from in words a worker knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from .i18n import _, format_date
from .result import ChannelRef, Citation, Classification, Entitlement, NotGranted, ProblemReport, Result


def N_(msgid: str) -> str:
    """Mark ``msgid`` for translation (translated where it is shown)."""
    return msgid


_CATEGORY = {
    "labor_relation": "labour relation (full-time, part-time or dispatched)",
    "incomplete_labor_relation": "not fully a labour relation, but the enterprise manages the work",
    "civil_relation": "self-employed platform work or freelancing (civil law)",
    "undetermined": "undetermined: the facts given cannot decide yet",
}
#: The relationship in one sentence, by category.
_RELATION = {
    "labor_relation": N_("On the facts given, you and {employer} are in a labour relation: labour law applies in full."),
    "incomplete_labor_relation": N_("You and {employer} are not fully in a labour relation, but the enterprise manages "
                                 "your work: you are owed the protections for this kind of work."),
    "civil_relation": N_("Your work looks like self-employed platform work or freelancing: civil law applies, plus the "
                      "protections listed below."),
    "undetermined": N_("The facts given cannot yet say whether you are in a labour relation."),
}
#: a worker who draws a pension, before 法释〔2025〕12号 repealed 法释〔2020〕26号 第三十二条第一款 (spc-2020-26.yaml)
_PENSIONER_RULE = "cls.category.pensioner"
_RELATION_PENSIONER = N_("You draw a pension, so a dispute with the company that takes you on is handled as a civil "
                         "(劳务) relation, not as a labour relation, whatever the work is like: civil law applies, plus "
                         "the protections listed below.")
_CERTAINTY = {
    "settled": N_("How sure: settled — on the facts you gave, no unknown fact could change this; if the other side "
                  "disputes it, labour arbitration or a court decides."),
    "likely": N_("How sure: likely — the known facts point to it, but an answer still missing could change it."),
    "open": N_("How sure: open — the known facts favour no answer yet."),
}
_MODE = {"full_time": "full-time", "part_time": "part-time (非全日制)", "dispatched": "dispatched (劳务派遣)"}
_EMPLOYER = {
    "platform": "the platform company",
    "cooperation_enterprise": "the cooperating enterprise (station, franchisee, agent)",
    "dispatch_agency": "the labour-dispatch agency",
}
_KIND = {
    "provincial": N_("provincial government document"),
    "prefectural": N_("city or prefecture government document"),
    "national_law": N_("national law or State Council regulation"),
    "national_policy": N_("national policy document"),
    "court_decision": N_("court decision or judicial interpretation"),
}
_VERIFICATION = {
    "verified": None,
    "republication": N_("text from a public reprint, not checked against the official copy"),
    "unverified": N_("not confirmed"),
}
_DIRECTION = {"toward_labor": "+", "against_labor": "−", "decision": "▶", "note": "•"}
#: The remedies a worker takes first, in this order (entitlement ids: never shown, only used to pick).
_FIRST_REMEDIES = ("remedies.arbitration", "remedies.labour_inspection_complaint", "remedies.legal_aid",
                   "remedies.non_labor_channels", "remedies.mediation")
_CIVIL_REMEDY = "contract.civil_law"
#: Money owed that runs out with time (double pay for each month without a written contract, claimed within the
#: one-year arbitration limit): among the duties owed, it comes first.
_MONEY_FIRST = ("contract.double_pay_no_written_contract",)
#: For a civil relation, the duties worth a first step: money, insurance and the terms on which a platform takes
#: the worker on; the duties on managing work (safety targets, rest, algorithms) concern workers who are managed.
_CIVIL_FIRST_TOPICS = ("pay", "pension", "medical", "injury", "fair_hiring")
#: Forces under which the party named in a claim owes nothing (the text encourages, or sets no duty).
_BINDS_NOBODY = ("encouraged", "vague")
MAX_STEPS = 5


def sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def labels(fields: Iterable[str], lang: str) -> str:
    """Short labels of profile fields (never the field names themselves)."""
    from .intake import field_label

    return sep(lang).join(dict.fromkeys(field_label(f, lang) for f in fields))


def category_text(category: str, lang: str) -> str:
    return _(_CATEGORY[category], lang)


#: a labour relation in which some rights stay pending whatever the worker answers (e.g. a pensioner): not "in full"
_RELATION_UNSETTLED = N_("On the facts given, you and {employer} are in a labour relation, but not every labour-law "
                         "right is promised to you: see the rights not promised below.")


def relationship(c: Classification, lang: str, unsettled: bool = False) -> str:
    """The relationship in one sentence (``unsettled``: some rights are not promised whatever the worker answers)."""
    employer = _(_EMPLOYER[c.employer], lang) if c.employer else _("the company", lang)
    if unsettled and c.category == "labor_relation":
        return _(_RELATION_UNSETTLED, lang, employer=employer)
    if c.category == "civil_relation" and any(r.rule_id == _PENSIONER_RULE for r in c.reasons):
        return _(_RELATION_PENSIONER, lang)  # civil because of the pension, not because the work is self-employed
    return _(_RELATION[c.category], lang, employer=employer)


def certainty(c: Classification, lang: str) -> str:
    return _(_CERTAINTY[c.certainty], lang)


def source_words(c: Citation, lang: str) -> list[str]:
    """Where a citation comes from and how well it was checked, in words (issuer, kind, date, reprint, via)."""
    words = []
    kind = _(_KIND[c.source_kind], lang)
    words.append(f"{c.issuer}：{kind}" if c.issuer and lang == "zh" else f"{kind} ({c.issuer})" if c.issuer else kind)
    if c.date:
        words.append(format_date(c.date, lang))
    checked = _VERIFICATION[c.verification]
    if checked:
        words.append(_(checked, lang))
    if c.via:
        words.append(_("known only through its quotation in {source}", lang, source=f"《{c.via_title or ''}》"))
    return words


def citation_label(c: Citation) -> str:
    parts = [f"《{c.title}》"]
    if c.document_number:
        parts.append(c.document_number)
    if c.clause:
        parts.append(c.clause)
    return " ".join(parts)


def cite(c: Citation, lang: str, attributed: set[str] | None = None) -> str:
    """One citation on one line. With ``attributed`` (the sources whose attribution note was given already), a
    document's note on where its number, issuer and date come from is given on its first citation only."""
    words = source_words(c, lang)
    if c.attribution_note and (attributed is None or c.source_id not in attributed):
        words.append(c.attribution_note)
        if attributed is not None:
            attributed.add(c.source_id)
    return f"{citation_label(c)} ({'; '.join(words)})：「{c.quote}」"


@dataclass(frozen=True)
class Step:
    """One of the first things to do."""

    title: str
    text: str
    where: str = ""
    until: str = ""


@dataclass(frozen=True)
class Pending:
    """A question still open, and the rights it settles."""

    question: str
    rights: list[str] = field(default_factory=list)


def short_name(name: str) -> str:
    """A party's name without the explanation in brackets at its end: 用人单位（与你建立劳动关系的企业） → 用人单位,
    "the employer (the company in a labour relation with you)" → "the employer"."""
    for opening, closing in (("（", "）"), (" (", ")")):
        if name.endswith(closing) and opening in name[1:]:
            return name[:name.rindex(opening)]
    return name


class PartyNames:
    """Names parties (who owes a right, where to claim it) in full the first time, by the short name after: one
    report explains "the employer (the company in a labour relation with you)" once, not once per right."""

    def __init__(self) -> None:
        self._named: set[str] = set()

    def __call__(self, party: ChannelRef) -> str:
        if party.id in self._named:
            return short_name(party.name)
        self._named.add(party.id)
        return party.name


def _where(e: Entitlement, lang: str, limit: int = 3, name: Callable[[ChannelRef], str] = lambda ch: ch.name) -> str:
    if not e.claim:
        return ""
    where = sep(lang).join(name(ch) for ch in e.claim.channels[:limit])
    if e.claim.place_label:
        where += f"（{e.claim.place_label}）" if lang == "zh" else f" ({e.claim.place_label})"
    return where


def valid_until(e: Entitlement, lang: str) -> str:
    if e.valid_until is None:
        return ""
    return _("Time-limited: until {date}.", lang, date=format_date(e.valid_until, lang))


def first_steps(result: Result, lang: str) -> list[Step]:
    """The three to five things to do first: the problems reported, then the way to press a claim (with its time
    limit), then the money and insurance owed."""
    steps: list[Step] = []
    titles = {e.id: e.title for e in result.entitlements}
    sure = {e.id for e in result.entitlements if e.status == "applies"}
    name = PartyNames()
    for p in result.problems[:2]:
        # the rights that apply first; a pending or disputed one is named as not certain, never beside them as if sure
        rights = sep(lang).join(titles[i] for i in p.entitlements if i in sure)
        unsure = sep(lang).join(titles[i] for i in p.entitlements if i in titles and i not in sure)
        where = sep(lang).join(name(ch) for ch in p.channels[:3])
        text = (_("Rights that address it: {rights}.", lang, rights=rights) if rights else
                "" if unsure else
                _("No rule here speaks to this problem directly: see the relationship above and the steps below.",
                  lang))
        if unsure:
            text = (text + " " if text else "") + _("Not certain yet (see below): {rights}.", lang, rights=unsure)
        steps.append(Step(p.label[:1].upper() + p.label[1:], text, where))
    by_id = {e.id: e for e in result.entitlements if e.status == "applies"}
    # a civil relation's own way first: the court and its three years, before arbitration (which can only confirm a
    # labour relation the worker thinks there is)
    remedies = (_CIVIL_REMEDY, *_FIRST_REMEDIES) if result.classification.category == "civil_relation" else \
        _FIRST_REMEDIES
    used: set[str] = set()
    for ident in remedies:
        if len(steps) >= 3:
            break
        e = by_id.get(ident)
        if e is not None:
            used.add(ident)
            text = e.notes[0] if e.notes and ident in ("remedies.arbitration", _CIVIL_REMEDY) else e.summary
            steps.append(Step(e.title, text, _where(e, lang, name=name), valid_until(e, lang)))
    owed = [e for e in result.entitlements if e.status == "applies" and e.force == "mandatory" and e.id not in used]
    if result.classification.category == "civil_relation":  # duties on managing work (safety targets, rest) do
        owed = [e for e in owed if e.topic in _CIVIL_FIRST_TOPICS]  # not concern someone nobody manages
    owed.sort(key=lambda e: (e.amount is None, e.id not in _MONEY_FIRST, e.topic != "injury"))
    for e in owed:
        if len(steps) >= MAX_STEPS:
            break
        who = name(e.claim.owed_by) if e.claim and e.claim.owed_by else ""
        text = e.summary + (f" {_('Amount', lang)}: {e.amount.display}" if e.amount else "")
        if who:
            text = _("Owed by {who}.", lang, who=who) + " " + text
        steps.append(Step(e.title, text, _where(e, lang, name=name), valid_until(e, lang)))
    return steps[:MAX_STEPS]


def pending(result: Result, lang: str, limit: int = 4, rights_limit: int = 5) -> list[Pending]:
    """The rights still pending, under the question that settles each (most deciding first)."""
    titles = {e.id: e.title for e in result.entitlements if e.status == "pending"}
    out: list[Pending] = []
    shown: set[str] = set()
    for q in result.questions:
        if len(out) >= limit:
            break
        rights = [titles[d] for d in q.decides if d in titles and d not in shown]
        decides_class = "classification" in q.decides
        if not rights and not decides_class and q.field != "work_province":
            continue
        shown.update(d for d in q.decides if d in titles)
        if decides_class:
            rights.insert(0, _("Employment classification", lang))
        if "coverage" in q.decides:
            rights.insert(0, _("Which rules apply at the place of work", lang))
        if len(rights) > rights_limit:
            rights = [*rights[:rights_limit - 1], _("and {count} more", lang, count=len(rights) - rights_limit + 1)]
        out.append(Pending(q.text, rights))
    return out


def not_promised(result: Result) -> list[str]:
    """The titles of the rights pending on no question: no answer settles them (the law is unsettled for this worker,
    or a date or scope is unverified); the note on each says why."""
    return [e.title for e in result.entitlements if e.status == "pending" and not e.needs]


def rights_lines(result: Result, lang: str) -> list[tuple[str, str]]:
    """Each right that applies: (title, one short line: force, amount, time limit)."""
    out = []
    for e in result.entitlements:
        if e.status != "applies":
            continue
        bits = [_(e.force, lang)]
        if e.amount:
            bits.append(e.amount.display)
        if e.valid_until:
            bits.append(valid_until(e, lang))
        out.append((e.title, " · ".join(bits)))
    return out


def claims(entitlements: Iterable[Entitlement], lang: str,
           name: Optional[PartyNames] = None) -> dict[str, tuple[str, str]]:
    """(who owes it, where to claim it) of each right with a claim, in the order listed: each party is named in full
    the first time only (the text report and the page's appendix)."""
    name = name or PartyNames()
    out: dict[str, tuple[str, str]] = {}
    for e in entitlements:
        if e.claim:
            who = name(e.claim.owed_by) if e.claim.owed_by else ""
            out[e.id] = (who, _where(e, lang, limit=10, name=name))
    return out


def problems(result: Result, lang: str, name: Optional[PartyNames] = None) -> list[tuple[ProblemReport, str, str]]:
    """(problem, the rights that address it, where to turn) of each problem reported."""
    name = name or PartyNames()
    titles = {e.id: e.title for e in result.entitlements}
    return [(p, sep(lang).join(dict.fromkeys(titles[i] for i in p.entitlements if i in titles)),
             sep(lang).join(name(ch) for ch in p.channels)) for p in result.problems]


# -- the plain-text report (CLI, interview) -------------------------------------------------------------


def party_label(e: Entitlement, lang: str) -> str:
    """"Owed by"; "Addressed to" for an encouraged or vague measure, which binds nobody; "Provided by" for a public
    service (an arbitration commission, a union, a training subsidy office is not a debtor of the worker); "Arranged
    with" for an option, which the worker may take up or not."""
    if e.force in _BINDS_NOBODY:
        return _("Addressed to", lang)
    if e.force == "option":  # the worker's choice: the party named is where it is arranged, not a debtor
        return _("Arranged with", lang)
    return _("Provided by", lang) if e.force == "service" else _("Owed by", lang)


def _entitlement_lines(e: Entitlement, lang: str, claim: tuple[str, str] = ("", ""),
                       attributed: set[str] | None = None) -> Iterable[str]:
    badge = f"[{_(e.force, lang)}]" + ("" if e.status == "applies" else f" [{_('pending', lang)}]")
    yield f"  • {e.title} {badge}"
    yield f"    {e.summary}"
    if e.amount:
        yield f"    {_('Amount', lang)}: {e.amount.display}"
    if e.valid_until:
        yield f"    {valid_until(e, lang)}"
    if e.needs and e.status == "pending":
        yield f"    {_('Needs', lang)}: {labels(e.needs, lang)}"
    who, where = claim
    if who:
        yield f"    {party_label(e, lang)}: {who}"
    if where:
        yield f"    {_('Where to claim', lang)}: {where}"
    for note in e.notes:
        yield f"    ※ {note}"
    for fact in e.outside_facts:  # what the quoted text does not say, with how it was checked
        yield f"    ※ {fact.text}"
    for c in e.citations:
        yield f"    – {cite(c, lang, attributed)}"


def no_rule_applies(result: Result) -> bool:
    """Nothing in the rule base reaches the place of work (香港, 澳门, 台湾: mainland law does not apply there): no
    classification was weighed and no right found, so the mainland's categories are not "still possible" answers."""
    c = result.classification
    return (not result.coverage.covered and not result.entitlements and not c.reasons and not c.caveats
            and result.coverage.province is not None)


def handout_lines(result: Result) -> list[str]:
    """The handout: relationship, first steps, what is pending — what the worker takes home."""
    lang = result.lang
    c = result.classification
    out = [f"== {_('Your situation in short', lang)} =="]
    if no_rule_applies(result):  # no mainland category to weigh: say only where to ask
        return [*out, result.coverage.message]
    out += [relationship(c, lang, bool(not_promised(result))), certainty(c, lang)]
    for w in c.would_change:
        out.append(f"  ? {w.text}")
    if c.needs and not c.would_change:
        out.append(f"  ? {_('Still to find out', lang)}: {labels(c.needs, lang)}")
    out.append(result.coverage.message)
    _section(out, _("What to do first", lang), _step_lines(first_steps(result, lang), lang))
    _section(out, _("Still pending, and the question that settles it", lang), _pending_lines(result, lang))
    _section(out, _("Not promised, whatever you answer (the note on each right says why)", lang),
             (f"  ? {title}" for title in not_promised(result)))
    lines = rights_lines(result, lang)
    _section(out, f"{_('Rights that apply', lang)} ({len(lines)})", (f"  • {title} — {line}" for title, line in lines))
    return out


def _step_lines(steps: Sequence[Step], lang: str) -> Iterable[str]:
    for i, step in enumerate(steps, 1):
        yield f"{i}. {step.title}"
        if step.text:
            yield f"   {step.text}"
        if step.where:
            yield f"   {_('Where to go', lang)}: {step.where}"
        if step.until:
            yield f"   {step.until}"


def _section(out: list[str], title: str, lines: Iterable[str]) -> None:
    """A titled section of the text report after a blank line; nothing at all when it has no lines."""
    body = list(lines)
    if body:
        out.extend(["", f"== {title} ==", *body])


def _pending_lines(result: Result, lang: str) -> Iterable[str]:
    for p in pending(result, lang):
        yield f"  ? {p.question}"
        if p.rights:
            yield f"    → {sep(lang).join(p.rights)}"


def _entitlements_lines(result: Result, lang: str, attributed: set[str], name: PartyNames) -> Iterable[str]:
    topic = None
    named = claims(result.entitlements, lang, name)
    for e in result.entitlements:
        if e.topic != topic:
            topic = e.topic
            yield f"[{_(topic, lang)}]"
        yield from _entitlement_lines(e, lang, named.get(e.id, ("", "")), attributed)


def _problem_lines(result: Result, lang: str, name: PartyNames) -> Iterable[str]:
    for p, rights, where in problems(result, lang, name):
        yield f"  • {p.label}: {rights or '—'}" + (f" → {where}" if where else "")


def render_text(result: Result) -> str:
    lang = result.lang
    c = result.classification
    out = handout_lines(result)
    out.append("")
    out.append(f"==== {_('Appendix: reasons and sources', lang)} ====")
    out.append("")
    out.append(f"== {_('Employment classification', lang)} ==")
    if no_rule_applies(result):
        out.append(_("Not assessed: no rule in the rule base applies at your place of work.", lang))
        out.append("")
        out.append(provenance(result, lang))
        return "\n".join(out) + "\n"
    facts = [(N_("Category"), category_text(c.category, lang)),
             (N_("Still possible"), sep(lang).join(category_text(x, lang) for x in c.candidates)),
             (N_("Employment mode"), _(_MODE[c.employment_mode], lang) if c.employment_mode else ""),
             (N_("Employer"), _(_EMPLOYER[c.employer], lang) if c.employer else ""),
             (N_("Contract form"), c.contract_form or "")]
    out.extend(f"{_(label, lang)}: {value}" for label, value in facts if value)
    if c.reasons or c.caveats:
        out.append(f"{_('Reasons', lang)}:")
    attributed: set[str] = set()
    for r in c.reasons:
        out.append(f"  {_DIRECTION.get(r.direction or 'note', '•')} {r.text}")
        for ci in r.citations:
            out.append(f"      – {cite(ci, lang, attributed)}")
    for r in c.caveats:
        out.append(f"  ! {r.text}")
    if c.needs:
        out.append(f"{_('Unknown facts that would change the outcome', lang)}: {labels(c.needs, lang)}")
    name = PartyNames()
    _section(out, _("Entitlements", lang), _entitlements_lines(result, lang, attributed, name))
    _section(out, _("Problems you reported", lang), _problem_lines(result, lang, name))
    _section(out, _("Not granted, and why", lang), (f"  • {line}" for line in not_granted_lines(result, lang)))
    _section(out, _("Warnings", lang), (f"  ! {w}" for w in result.warnings))
    out.append("")
    out.append(provenance(result, lang))
    return "\n".join(out) + "\n"


def failed_text(field_name: str, truth: str, lang: str) -> str:
    from .intake import field_label

    state = _("does not hold", lang) if truth == "false" else _("not known", lang)
    return f"{field_label(field_name, lang)}: {state}"


def not_granted_once(result: Result) -> list[tuple[NotGranted, tuple[tuple[str, str], ...]]]:
    """Each entitlement not granted, once, with the (field, truth) pairs that failed.

    An entitlement two rules could grant (say a provincial clause and a national one) is not granted when both fail:
    it is shown once, with the failures of both and the citations of both, not once per rule."""
    same_title: dict[str, list[NotGranted]] = {}
    for n in result.not_granted or ():
        same_title.setdefault(n.title, []).append(n)
    out: list[tuple[NotGranted, tuple[tuple[str, str], ...]]] = []
    for same in same_title.values():
        n = same[0]
        if len(same) > 1:  # a note says why when no condition failed (the exception withdrew it)
            n = n.model_copy(update={
                "citations": list({c.model_dump_json(): c for m in same for c in m.citations}.values()),
                "note": " ".join(dict.fromkeys(m.note for m in same if m.note and not m.failed)) or None})
        out.append((n, tuple(dict.fromkeys((f.field, str(f.truth)) for m in same for f in m.failed))))
    return out


def not_granted_reasons(n: NotGranted, failed: tuple[tuple[str, str], ...], lang: str) -> list[str]:
    """Why ``n`` was not granted, in words: each failed condition, or the exception that withdrew it."""
    return [failed_text(f, t, lang) for f, t in failed] + ([n.note] if n.note else [])


def not_granted_lines(result: Result, lang: str) -> list[str]:
    sep = "；" if lang.startswith("zh") else "; "
    return [f"{n.title}: " + sep.join(not_granted_reasons(n, failed, lang))
            for n, failed in not_granted_once(result)]


def provenance(result: Result, lang: str) -> str:
    p = result.provenance
    bits = [f"{_('rule base', lang)} {p.rulebase_hash}", f"v{p.package_version}",
            f"{_('as of', lang)} {format_date(p.as_of, lang)}"]
    if p.newest_source_date:
        bits.append(f"{_('newest source', lang)} {format_date(p.newest_source_date, lang)}")
    return f"{_('Provenance', lang)}: " + " · ".join(bits)


__all__: Sequence[str] = ("citation_label", "cite", "first_steps", "pending", "relationship", "render_text")
