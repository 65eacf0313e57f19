"""A readable plain-text report of a :class:`~rights_engine.result.Result` (CLI, interview, print)."""

from __future__ import annotations

from collections.abc import Iterable

from .i18n import _, format_date
from .result import Citation, Entitlement, Result

_CATEGORY = {
    "labor_relation": "labour relation (full-time, part-time or dispatched)",
    "incomplete_labor_relation": "not fully a labour relation, but the enterprise manages the work",
    "civil_relation": "self-employed platform work or freelancing (civil law)",
    "undetermined": "undetermined: the facts given cannot decide yet",
}
_MODE = {"full_time": "full-time", "part_time": "part-time (非全日制)", "dispatched": "dispatched (劳务派遣)"}
_EMPLOYER = {
    "platform": "the platform company",
    "cooperation_enterprise": "the cooperating enterprise (station, franchisee, agent)",
    "dispatch_agency": "the labour-dispatch agency",
}
_DIRECTION = {"toward_labor": "+", "against_labor": "−", "decision": "▶", "note": "•"}


def _labels(fields: Iterable[str], lang: str) -> str:
    """Short labels of profile fields (the field name in brackets, for the profile's JSON)."""
    from .intake import field_label

    return ("、" if lang == "zh" else ", ").join(f"{field_label(f, lang)} ({f})" for f in fields)


def cite(c: Citation, lang: str) -> str:
    parts = [f"《{c.title}》"]
    if c.document_number:
        parts.append(c.document_number)
    if c.clause:
        parts.append(c.clause)
    if c.via:
        parts.append(f"({_('via', lang)} {c.via})")
    if c.source_kind in ("national_law", "national_policy", "court_decision"):
        parts.append("[outside the seeds]" if lang == "en" else "［种子文件以外］")
    return " ".join(parts) + f"：「{c.quote}」"


def _lines_for_entitlement(e: Entitlement, lang: str) -> Iterable[str]:
    badge = f"[{_(e.force, lang)}]" + ("" if e.status == "applies" else f" [{_('pending', lang)}]")
    yield f"  • {e.title} {badge}"
    yield f"    {e.summary}"
    if e.amount:
        yield f"    {_('Amount', lang)}: {e.amount.display}"
    if e.needs:
        yield f"    {_('Needs', lang)}: {_labels(e.needs, lang)}"
    if e.claim:
        where = [c.name for c in e.claim.channels]
        head = f"{_('Owed by', lang)}: {e.claim.owed_by.name}; " if e.claim.owed_by else ""
        place = f" ({e.claim.place_label})" if e.claim.place_label else ""
        yield f"    {_('Where to claim', lang)}: {head}{'、'.join(where) if lang == 'zh' else ', '.join(where)}{place}"
    for note in e.notes:
        yield f"    ※ {note}"
    for c in e.citations:
        yield f"    – {cite(c, lang)}"


def render_text(result: Result) -> str:
    lang = result.lang
    c = result.classification
    out = [f"== {_('Employment classification', lang)} =="]
    out.append(f"{_('Category', lang)}: {_(_CATEGORY[c.category], lang)}")
    if c.candidates:
        out.append("  ? " + ", ".join(_(_CATEGORY[x], lang) for x in c.candidates))
    if c.employment_mode:
        out.append(f"{_('Employment mode', lang)}: {_(_MODE[c.employment_mode], lang)}")
    if c.employer:
        out.append(f"{_('Employer', lang)}: {_(_EMPLOYER[c.employer], lang)}")
    if c.contract_form:
        out.append(f"{_('Contract form', lang)}: {c.contract_form}")
    out.append(f"{_('Reasons', lang)}:")
    for r in c.reasons:
        out.append(f"  {_DIRECTION.get(r.direction or 'note', '•')} {r.text}")
        for ci in r.citations:
            out.append(f"      – {cite(ci, lang)}")
    for r in c.caveats:
        out.append(f"  ! {r.text}")
    if c.needs:
        out.append(f"{_('Unknown facts that would change the outcome', lang)}: {_labels(c.needs, lang)}")
    out.append("")
    out.append(f"== {_('Coverage', lang)} ==")
    out.append(result.coverage.message)
    if result.entitlements:
        out.append("")
        out.append(f"== {_('Entitlements', lang)} ==")
        topic = None
        for e in result.entitlements:
            if e.topic != topic:
                topic = e.topic
                out.append(f"[{_(topic, lang)}]")
            out.extend(_lines_for_entitlement(e, lang))
    if result.problems:
        out.append("")
        out.append(f"== {_('Problems you reported', lang)} ==")
        for p in result.problems:
            channels = "、".join(ch.name for ch in p.channels) if lang == "zh" else ", ".join(ch.name for ch in p.channels)
            out.append(f"  • {p.label}: {', '.join(p.entitlements) or '—'}" + (f" → {channels}" if channels else ""))
    if result.not_granted:
        out.append("")
        out.append(f"== {_('Not granted, and why', lang)} ==")
        for n in result.not_granted:
            failed = "; ".join(f"{f.condition} ({f.truth})" for f in n.failed)
            out.append(f"  • {n.title} [{n.rule_id}]: {failed}")
    if result.questions:
        out.append("")
        out.append(f"== {_('Next questions to ask', lang)} ==")
        for q in result.questions[:5]:
            out.append(f"  ? {q.text}")
    if result.warnings:
        out.append("")
        out.append(f"== {_('Warnings', lang)} ==")
        out.extend(f"  ! {w}" for w in result.warnings)
    prov = result.provenance
    out.append("")
    out.append(f"{_('Provenance', lang)}: {_('rule base', lang)} {prov.rulebase_hash} · v{prov.package_version} · "
               f"{_('as of', lang)} {format_date(prov.as_of, lang)} · {prov.backend}")
    return "\n".join(out) + "\n"
