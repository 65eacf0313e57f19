"""The clinic's pages, built on the server with :mod:`rights_engine.web.html` (escaped by default).

The worker's answers travel only inside the page (form fields, hidden fields posted back); the server
keeps nothing between requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from ..i18n import _, format_date
from ..intake import Field, Intake, field_label, unknown_label
from ..places import province_names
from ..profile import WorkerProfile
from ..report import _CATEGORY, _EMPLOYER, _MODE
from ..result import Citation, Entitlement, NotGranted, Question, Reason, Result
from .html import Child, Markup, h, join

HTML_LANG = {"zh": "zh-CN", "en": "en"}
OTHER_LANG = {"zh": ("en", "English"), "en": ("zh", "中文")}
_DIRECTION_MARK = {"toward_labor": "+", "against_labor": "−", "decision": "▶", "note": "•"}
#: Questions shown after the next one.
MORE_QUESTIONS = 4


@dataclass
class State:
    """What the page knows: the language, the answers as form values, and the questions answered "don't know"."""

    lang: str = "zh"
    values: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    @classmethod
    def from_form(cls, form: Mapping[str, Sequence[str]], lang: str) -> State:
        values = {k: [v for v in form[k] if v.strip()] for k in WorkerProfile.model_fields if k in form}
        values = {k: v for k, v in values.items() if v and v != ["unknown"]}
        asked = [a for v in form.get("asked", ()) for a in v.split(",") if a in WorkerProfile.model_fields]
        answered = [a for a in form.get("answer_field", ()) if a in WorkerProfile.model_fields]
        for name in answered:  # the next question, answered "don't know": ask the one after it
            if name not in values:
                asked.append(name)
        return cls(lang, values, list(dict.fromkeys(a for a in asked if a not in values)))

    def hidden(self, skip: Optional[str] = None) -> Markup:
        """The state as hidden fields (without the language, and without the field ``skip``)."""
        out: list[Child] = []
        for name, values in self.values.items():
            if name != skip:
                out.extend(h("input", type="hidden", name=name, value=v) for v in values)
        asked = [a for a in self.asked if a != skip]
        if asked:
            out.append(h("input", type="hidden", name="asked", value=",".join(asked)))
        return join(out)


def page(lang: str, title: str, body: Child, *, switch: Optional[Markup] = None, first: Child = None) -> Markup:
    """A whole page: the stylesheet and the script are files served by the same server.

    ``first`` goes before everything else in the body (the intake form's default button)."""
    header = h("header",
               h("div", h("a", _("Rights check for platform workers", lang), href=f"/?lang={lang}", class_="brand"),
                 class_="brand-line"),
               switch if switch is not None else h("nav", _lang_link(lang), class_="lang", aria_label="language"),
               class_="top no-print")
    html = h("html",
             h("head", h("meta", charset="utf-8"),
               h("meta", name="viewport", content="width=device-width, initial-scale=1"),
               h("meta", name="referrer", content="no-referrer"),
               h("title", title),
               h("link", rel="stylesheet", href="/static/app.css"),
               h("script", src="/static/app.js", defer=True)),
             h("body", first, header, h("main", body, id="main"), _footer(lang)),
             lang=HTML_LANG[lang])
    return Markup("<!doctype html>\n" + html)


def _lang_link(lang: str) -> Markup:
    other, name = OTHER_LANG[lang]
    return h("a", name, href=f"/?lang={other}", hreflang=HTML_LANG[other], lang=HTML_LANG[other], id="switch-lang")


def _lang_button(lang: str, *, form: Optional[str] = None, action: str = "/") -> Markup:
    other, name = OTHER_LANG[lang]
    return h("button", name, type="submit", name="switch_lang", value=other, formaction=action, form=form,
             formnovalidate=True, lang=HTML_LANG[other], id="switch-lang", class_="link")


def _footer(lang: str) -> Markup:
    return h("footer",
             h("p", _("This page explains published policy texts; it is not legal advice. For a dispute, contact a "
                      "legal-aid station or the channels named.", lang)),
             h("p", _("Nothing entered here is stored: the answers stay in this page and are forgotten when it is "
                      "closed.", lang), class_="no-print"))


# -- the intake form ---------------------------------------------------------------------------------


def intake_page(intake: Intake, state: State, errors: Optional[Sequence[tuple[str, str]]] = None) -> Markup:
    lang = state.lang
    bad: dict[str, list[str]] = {}
    for name, text in errors or ():
        bad.setdefault(name.split(".")[0], []).append(text)
    intro = h("section",
              h("h1", _("Rights check for platform workers", lang)),
              h("p", _("For legal-aid clinics: ask the worker the questions below. Every question may be answered "
                       "“don't know”; the report then says which rights depend on what is still unknown.", lang)),
              class_="intro")
    summary: Child = None
    if errors:
        summary = h("div",
                    h("h2", _("Please check the answers marked below.", lang)),
                    h("ul", [h("li", h("a", f"{field_label(n.split('.')[0], lang)}: {t}", href=f"#q-{n.split('.')[0]}"))
                             for n, t in errors]),
                    class_="errors", role="alert", id="errors")
    sections = []
    for title, fields in intake.sections(lang):
        sections.append(h("fieldset", h("legend", title),
                          [_question(f, state.values.get(f.name, []), lang, bad.get(f.name)) for f in fields],
                          class_="section"))
    form = h("form",
             h("input", type="hidden", name="lang", value=lang),
             h("input", type="hidden", name="asked", value=",".join(state.asked)) if state.asked else None,
             sections,
             h("datalist", [h("option", value=p) for p in province_names()], id="provinces"),
             h("div", h("button", _("See the rights", lang), type="submit", class_="primary", id="submit"),
               h("a", _("Start over", lang), href=f"/?lang={lang}", class_="button"),
               class_="actions"),
             method="post", action="/report", id="intake", accept_charset="utf-8")
    switch = h("nav", _lang_button(lang, form="intake"), class_="lang", aria_label="language")
    # Enter presses the form's first submit button in document order: make it the report's, placed
    # before the language switch in the header (which belongs to the form too)
    default = h("button", _("See the rights", lang), type="submit", form="intake", class_="sr-only", tabindex="-1",
                aria_hidden="true")
    return page(lang, _("Rights check for platform workers", lang), [intro, summary, form], switch=switch,
                first=default)


def _question(f: Field, values: Sequence[str], lang: str, errors: Optional[list[str]] = None) -> Markup:
    """One question with its answers; "don't know" is always one of them (or a blank field)."""
    ident = f"q-{f.name}"
    error: Child = [h("p", e, class_="field-error") for e in errors] if errors else None
    if f.kind in ("bool", "choice"):
        current = values[-1] if values else ""
        options = [*((c.value, c.label) for c in f.choices), ("", unknown_label(lang))]
        radios = [h("label",
                    h("input", type="radio", name=f.name, value=value, checked=(value == current),
                      id=f"{ident}-{value or 'unknown'}"),
                    " ", label, class_="choice")
                  for value, label in options]
        return h("fieldset", h("legend", f.question), error, h("div", radios, class_="choices"),
                 class_="question" + (" invalid" if errors else ""), id=ident, data_field=f.name)
    if f.kind == "multi":
        boxes = [h("label", h("input", type="checkbox", name=f.name, value=c.value, checked=c.value in values,
                              id=f"{ident}-{c.value}"), " ", c.label, class_="choice")
                 for c in f.choices]
        boxes.append(h("label", h("input", type="checkbox", name=f.name, value="none", checked="none" in values,
                                  id=f"{ident}-none"), " ", _("none of these", lang), class_="choice"))
        hint = h("p", _("Tick all that apply. Leave all unticked if not known.", lang), class_="hint")
        return h("fieldset", h("legend", f.question), hint, error, h("div", boxes, class_="choices"),
                 class_="question" + (" invalid" if errors else ""), id=ident, data_field=f.name)
    value = values[-1] if values else ""
    attrs: dict[str, str | int | float | bool | None] = {"type": "text", "maxlength": 64, "autocomplete": "off"}
    if f.kind in ("number", "integer"):
        attrs = {"type": "number", "min": _num(f.minimum), "max": _num(f.maximum),
                 "step": "1" if f.kind == "integer" else "any", "inputmode": "decimal"}
    elif f.kind == "date":
        attrs = {"type": "date", "min": "1990-01-01", "max": "2100-12-31"}
    elif f.name.endswith("_province"):
        attrs["list"] = "provinces"
    control = h("input", name=f.name, value=value, id=f"{ident}-input", aria_invalid="true" if errors else None,
                aria_describedby=f"{ident}-hint", **attrs)
    blank = _("Leave blank for today.", lang) if f.kind == "date" else _("Leave blank if not known (don't know).", lang)
    hint = h("span", blank, class_="hint", id=f"{ident}-hint")
    return h("div", h("label", f.question, for_=f"{ident}-input"), error, h("div", control, " ", hint, class_="text"),
             class_="question" + (" invalid" if errors else ""), id=ident, data_field=f.name)


def _num(value: Optional[float]) -> Optional[str]:
    if value is None:
        return None
    return str(int(value)) if value.is_integer() else str(value)


# -- the report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseText:
    text: str  # the clause's text, containing the quote
    start: int  # where the quote starts in it
    end: int


def report_page(intake: Intake, state: State, result: Result,
                clause_text: Mapping[tuple[str, Optional[str], str], ClauseText], today: dt.date) -> Markup:
    lang = state.lang
    titles = {e.id: e.title for e in result.entitlements}
    applies = sum(e.status == "applies" for e in result.entitlements)
    pending = len(result.entitlements) - applies
    head = h("section",
             h("h1", _("Rights check for platform workers", lang)),
             h("p", _("Report prepared on {date}.", lang, date=format_date(today, lang)), class_="print-only"),
             h("p", _("{applies} rights apply; {pending} depend on facts not yet known.", lang, applies=applies,
                      pending=pending), class_="counts", id="counts"),
             h("div",
               h("form", state.hidden(), h("input", type="hidden", name="lang", value=lang),
                 h("button", _("Edit all answers", lang), type="submit", id="edit"),
                 method="post", action="/", accept_charset="utf-8"),
               h("a", _("Start over", lang), href=f"/?lang={lang}", class_="button"),
               h("button", _("Print for the worker", lang), type="button", id="print", hidden=True),
               class_="actions no-print"),
             class_="intro")
    switch = h("nav",
               h("form", state.hidden(), h("input", type="hidden", name="lang", value=lang),
                 _lang_button(lang, action="/report"), method="post", action="/report", accept_charset="utf-8"),
               class_="lang", aria_label="language")
    body = [
        head,
        _next_questions(intake, state, result),
        _classification(result, lang, clause_text),
        _coverage(result, lang),
        _entitlements(result, lang, clause_text),
        _problems(result, lang, titles),
        _not_granted(result.not_granted or [], lang, clause_text),
        _provenance(result, lang),
    ]
    return page(lang, _("Rights check for platform workers", lang), body, switch=switch)


def next_question(result: Result, asked: Iterable[str]) -> Optional[Question]:
    """The first question of the result not yet answered "don't know"."""
    skip = set(asked)
    return next((q for q in result.questions if q.field not in skip and q.field in WorkerProfile.model_fields), None)


def _next_questions(intake: Intake, state: State, result: Result) -> Markup:
    lang = state.lang
    skip = set(state.asked)
    remaining = [q for q in result.questions if q.field not in skip and q.field in WorkerProfile.model_fields]
    if not remaining:
        return h("section", h("h2", _("Next questions to ask", lang)),
                 h("p", _("No more questions: nothing pending depends on a question not yet asked.", lang)),
                 class_="next no-print", id="next")
    first = remaining[0]
    f = intake.field(first.field, lang)
    form = h("form", state.hidden(skip=f.name),
             h("input", type="hidden", name="lang", value=lang),
             h("input", type="hidden", name="answer_field", value=f.name),
             _question(f, [], lang),
             h("p", _("Decides: {what}.", lang, what=_decides(first, result, lang)), class_="hint"),
             h("button", _("Answer", lang), type="submit", class_="primary", id="answer"),
             method="post", action="/report", accept_charset="utf-8", id="next-form")
    later: Child = None
    if len(remaining) > 1:
        later = h("div", h("h3", _("After that", lang)),
                  h("ol", [h("li", q.text, data_field=q.field) for q in remaining[1:1 + MORE_QUESTIONS]]),
                  class_="later")
    return h("section", h("h2", _("Next question to ask", lang)), form, later, class_="next", id="next")


def _decides(q: Question, result: Result, lang: str, limit: int = 6) -> str:
    titles = {e.id: e.title for e in result.entitlements}
    titles["classification"] = _("Employment classification", lang)
    titles["coverage"] = _("Which rules apply at the place of work", lang)
    names = [titles.get(d, d) for d in q.decides]
    sep = "、" if lang == "zh" else "; "
    return sep.join(names[:limit]) + ("…" if len(names) > limit else "")


def _needs(names: Sequence[str], lang: str) -> Markup:
    return h("ul", [h("li", field_label(n, lang), data_field=n) for n in names], class_="needs")


def _classification(result: Result, lang: str, clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> Markup:
    c = result.classification
    rows: list[Child] = [_row(_("Category", lang), h("strong", _(_CATEGORY[c.category], lang)), ident="category")]
    if c.candidates:
        rows.append(_row(_("Still possible", lang), "；".join(_(_CATEGORY[x], lang) for x in c.candidates)
                         if lang == "zh" else "; ".join(_(_CATEGORY[x], lang) for x in c.candidates)))
    if c.employment_mode:
        rows.append(_row(_("Employment mode", lang), _(_MODE[c.employment_mode], lang)))
    if c.employer:
        rows.append(_row(_("Employer", lang), _(_EMPLOYER[c.employer], lang)))
    if c.contract_form:
        rows.append(_row(_("Contract form", lang), c.contract_form))
    needs: Child = None
    if c.needs:
        needs = h("div", h("h3", _("Unknown facts that would change the outcome", lang)), _needs(c.needs, lang),
                  class_="pending-box")
    reasons: Child = None
    if c.reasons or c.caveats:
        count = len(c.reasons) + len(c.caveats)
        reasons = h("details", h("summary", h("h3", _("Reasons", lang), f" ({count})")),
                    h("ul", [_reason(r, lang, clauses) for r in c.reasons],
                      [_reason(r, lang, clauses, caveat=True) for r in c.caveats], class_="reasons"),
                    class_="reasons-box", id="reasons")
    return h("section", h("h2", _("Employment classification", lang)), h("dl", rows, class_="facts"), needs, reasons,
             class_="classification", id="classification", data_category=c.category)


def _row(term: str, value: Child, ident: Optional[str] = None) -> Markup:
    return h("div", h("dt", term), h("dd", value), id=ident)


def _reason(r: Reason, lang: str, clauses: Mapping[tuple[str, Optional[str], str], ClauseText],
            caveat: bool = False) -> Markup:
    mark = "!" if caveat else _DIRECTION_MARK.get(r.direction or "note", "•")
    return h("li", h("span", mark, class_="mark", aria_hidden="true"), " ", r.text, _citations(r.citations, lang, clauses),
             class_="caveat" if caveat else (r.direction or "note"))


def _coverage(result: Result, lang: str) -> Markup:
    warnings: Child = None
    if result.warnings:
        warnings = h("ul", [h("li", w) for w in result.warnings], class_="warnings")
    return h("section", h("h2", _("Coverage", lang)), h("p", result.coverage.message), warnings,
             class_="coverage" + ("" if result.coverage.covered else " uncovered"), id="coverage")


def _entitlements(result: Result, lang: str, clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> Markup:
    groups: dict[str, list[Entitlement]] = {}
    for e in result.entitlements:
        groups.setdefault(e.topic, []).append(e)
    if not groups:
        return h("section", h("h2", _("Entitlements", lang)), h("p", _("No entitlements found.", lang)),
                 id="entitlements")
    topics = [h("section", h("h3", _(topic, lang)), [_entitlement(e, lang, clauses) for e in items],
                class_="topic", id=f"topic-{topic}") for topic, items in groups.items()]
    legend = h("p", h("span", _("applies", lang), class_="badge status applies"), " ",
               _("the facts given are enough.", lang), " ",
               h("span", _("pending", lang), class_="badge status pending"), " ",
               _("depends on facts not yet known.", lang), class_="legend")
    return h("section", h("h2", _("Entitlements", lang)), legend, topics, id="entitlements")


def _entitlement(e: Entitlement, lang: str, clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> Markup:
    badges = h("span", h("span", _(e.force, lang), class_=f"badge force {e.force}", title=_("Force", lang)), " ",
               h("span", _(e.status, lang), class_=f"badge status {e.status}", title=_("Status", lang)),
               class_="badges")
    parts: list[Child] = [h("h4", h("span", e.title, class_="title"), " ", badges), h("p", e.summary, class_="summary")]
    if e.amount:
        parts.append(h("p", h("span", _("Amount", lang) + ": ", class_="label"), h("strong", e.amount.display),
                       class_="amount"))
    if e.status == "pending" and e.needs:
        parts.append(h("div", h("span", _("Needs", lang) + ": ", class_="label"), _needs(e.needs, lang),
                       class_="needs-line"))
    if e.claim:
        sep = "、" if lang == "zh" else ", "
        where = sep.join(ch.name for ch in e.claim.channels)
        bits: list[Child] = []
        if e.claim.owed_by:
            bits.append(h("p", h("span", _("Owed by", lang) + ": ", class_="label"), e.claim.owed_by.name))
        if where or e.claim.place_label:
            bits.append(h("p", h("span", _("Where to claim", lang) + ": ", class_="label"), where,
                          f" ({e.claim.place_label})" if e.claim.place_label else None))
        parts.append(h("div", bits, class_="claim"))
    if e.notes:
        parts.append(h("ul", [h("li", n) for n in e.notes], class_="notes"))
    parts.append(_citations(e.citations, lang, clauses))
    return h("article", parts, class_=f"entitlement {e.status} {e.force}", id=f"ent-{e.id}", data_id=e.id,
             data_status=e.status)


def _citations(citations: Sequence[Citation], lang: str,
               clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> Child:
    if not citations:
        return None
    return h("div", [_citation(c, lang, clauses.get((c.source_id, c.clause, c.quote))) for c in citations],
             class_="citations")


def citation_label(c: Citation) -> str:
    parts = [f"《{c.title}》"]
    if c.document_number:
        parts.append(c.document_number)
    if c.clause:
        parts.append(c.clause)
    return " ".join(parts)


def _citation(c: Citation, lang: str, clause: Optional[ClauseText]) -> Markup:
    if clause is not None:
        text = h("blockquote", clause.text[:clause.start], h("mark", clause.text[clause.start:clause.end]),
                 clause.text[clause.end:], class_="clause")
        caption: Child = h("p", _("Clause text; the words quoted by the rule are highlighted.", lang), class_="hint")
    else:
        text = h("blockquote", c.quote, class_="clause")
        caption = h("p", _("The words quoted by the rule.", lang), class_="hint")
    meta: list[str] = []
    if c.issuer:
        meta.append(c.issuer)
    if c.date:
        meta.append(format_date(c.date, lang))
    if c.via:
        meta.append(_("known only through its quotation in {source}", lang, source=c.via))
    if c.source_kind in ("national_law", "national_policy", "court_decision"):
        meta.append(_("from outside the seed documents", lang))
    if c.attribution_note:
        meta.append(c.attribution_note)
    return h("details",
             h("summary", h("span", _("Citation", lang) + " ", class_="sr-only"), citation_label(c)),
             text, caption, h("p", " · ".join(meta), class_="meta") if meta else None,
             class_="citation")


def _problems(result: Result, lang: str, titles: Mapping[str, str]) -> Child:
    if not result.problems:
        return None
    sep = "、" if lang == "zh" else ", "
    items = []
    for p in result.problems:
        rights = sep.join(titles.get(i, i) for i in p.entitlements) or "—"
        channels = sep.join(ch.name for ch in p.channels)
        items.append(h("li", h("strong", p.label), h("br"), h("span", _("Rights that address it", lang) + ": "),
                       rights, [h("br"), h("span", _("Where to turn", lang) + ": "), channels] if channels else None))
    return h("section", h("h2", _("Problems you reported", lang)), h("ul", items, class_="problems"), id="problems")


def _not_granted(items: Sequence[NotGranted], lang: str,
                 clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> Child:
    if not items:
        return None
    seen: set[tuple[str, tuple[tuple[str, str, str], ...]]] = set()
    rows = []
    for n in items:
        key = (n.id, tuple((f.field, f.condition, f.truth) for f in n.failed))
        if key in seen:
            continue
        seen.add(key)
        failed = [h("li", field_label(f.field, lang), ": ",
                    _("does not hold", lang) if f.truth == "false" else _("not known", lang),
                    " ", h("code", f.condition)) for f in n.failed]
        rows.append(h("li", h("strong", n.title), h("ul", failed), _citations(n.citations, lang, clauses)))
    return h("section",
             h("details", h("summary", h("h2", _("Not granted, and why", lang), " (", len(rows), ")")),
               h("p", _("Rules that could apply in this place but whose conditions are not met.", lang),
                 class_="hint"),
               h("ul", rows, class_="why-not"), id="why-not-details"),
             id="why-not", class_="why-not-section")


def _provenance(result: Result, lang: str) -> Markup:
    p = result.provenance
    bits = [f"{_('rule base', lang)} {p.rulebase_hash}", f"v{p.package_version}",
            f"{_('as of', lang)} {format_date(p.as_of, lang)}"]
    if p.newest_source_date:
        bits.append(f"{_('newest source', lang)} {format_date(p.newest_source_date, lang)}")
    return h("section", h("p", _("Provenance", lang), ": ", " · ".join(bits), class_="provenance"), id="provenance")


# -- other pages ---------------------------------------------------------------------------------------


def message_page(lang: str, title: str, text: str) -> Markup:
    return page(lang, title, h("section", h("h1", title), h("p", text),
                               h("p", h("a", _("Back to the form", lang), href=f"/?lang={lang}"))))
