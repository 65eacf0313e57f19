"""Plain language: what a person reads never shows an id, a condition, a field name or this project's jargon.

Every example profile is rendered in zh and en as the text report (CLI), the web report page (whose print view is
the same page), the intake form filled with it, and an interview transcript; the text a person sees is scanned
for every entitlement, rule and source id of the rule base, every condition of the why-not explanations, every
profile field name and derived fact name, and the words "seed" / 种子 / outside_seeds.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rights_engine.engine import Engine
from rights_engine.intake import FIELD_LABELS, Intake, form_from_profile
from rights_engine.interview import Interview
from rights_engine.profile import WorkerProfile
from rights_engine.report import render_text
from rights_engine.result import Result
from rights_engine.web import pages
from rights_engine.web.app import ClauseTexts

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "profiles").glob("*.json"))
JARGON = re.compile(r"seed|种子|outside_seeds", re.IGNORECASE)


class _Text(HTMLParser):
    """The text a reader sees: text nodes only (attributes, scripts and hidden inputs are not read)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


@cache
def forbidden(engine: Engine) -> tuple[re.Pattern[str], ...]:
    rb = engine.rulebase
    ids = {x for x in (*rb.entitlements, *(r.id for r in rb.rules), *rb.sources, *rb.channels) if re.search(r"[._\-]", x)}
    names = {n for n in (*WorkerProfile.model_fields, *FIELD_LABELS) if "_" in n}
    token = r"(?<![\w.\-]){}(?![\w\-]|\.\w)"
    return tuple(re.compile(token.format(re.escape(x))) for x in sorted(ids | names, key=len, reverse=True))


def scan(engine: Engine, text: str, result: Result, where: str) -> None:
    found = JARGON.search(text)
    assert found is None, f"{where}: jargon {found.group(0)!r} in …{text[max(0, found.start() - 80):found.end() + 80]}…"
    for pattern in forbidden(engine):
        hit = pattern.search(text)
        assert hit is None, f"{where}: id or field name {hit.group(0)!r} in …{text[max(0, hit.start() - 80):hit.end() + 80]}…"
    for n in result.not_granted or ():
        for f in n.failed:
            assert f.condition not in text, f"{where}: condition {f.condition!r}"
    code = re.search(r"\b[a-z_]+ (==|!=|>=|<=) [\"\d]|\b[a-z]+_[a-z_]+ (in|not in) \[", text)
    assert code is None, f"{where}: condition code {code.group(0)!r}"


def _profile(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_rendering_speaks_plainly(engine: Engine, path: Path, lang: str) -> None:
    profile = _profile(path)
    result = engine.evaluate(profile, lang=lang, explain=True)
    scan(engine, render_text(result), result, "text report")

    intake = Intake(engine.rulebase)
    state = pages.State(lang, form_from_profile(profile))
    page = pages.report_page(intake, state, result, ClauseTexts(engine)(result), dt.date(2025, 7, 15))
    scan(engine, visible(page), result, "report page")
    handout = page[page.index('id="handout"'):page.index('id="next"')]
    scan(engine, visible(handout), result, "print view")
    scan(engine, visible(pages.intake_page(intake, state)), result, "form")

    out = io.StringIO()
    interview = Interview(engine, lang, io.StringIO("\n" * 60), out, echo=True)
    final = interview.run({k: v for k, v in profile.items() if k != "as_of"})
    out.write(render_text(final))
    scan(engine, out.getvalue(), result, "interview")


def test_the_scan_catches_what_it_looks_for(engine: Engine) -> None:
    """The scan itself: an id, a field name, a condition and the jargon are each found."""
    result = engine.evaluate({"work_province": "湖南省", "gender": "male"}, lang="en", explain=True)
    some_id = next(iter(engine.rulebase.entitlements))
    condition = next(f.condition for n in result.not_granted or () for f in n.failed)
    for bad in (f"see {some_id} here", "the work_province field", f"({condition})", "outside the seeds", "种子文件"):
        with pytest.raises(AssertionError):
            scan(engine, bad, result, "probe")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_certainty_what_would_change_it_and_a_campaign_end_are_shown(engine: Engine, lang: str) -> None:
    from rights_engine.result import WouldChange

    base = engine.evaluate(_profile(EXAMPLES[0].parent / "hunan-rider-station.json"), lang=lang)
    what = "如果你可以自由拒单：不完全符合确立劳动关系情形" if lang == "zh" else "If you can refuse orders freely: not fully"
    c = base.classification.model_copy(update={"certainty": "likely", "would_change": [
        WouldChange(field="can_refuse_orders", value=True, category="incomplete_labor_relation", text=what)]})
    ents = [e.model_copy(update={"valid_until": dt.date(2025, 12, 31)}) if e.status == "applies" else e
            for e in base.entitlements]
    result = base.model_copy(update={"classification": c, "entitlements": ents})
    until = "2025年12月31日" if lang == "zh" else "December 31, 2025"
    likely = "较可能" if lang == "zh" else "likely"
    text = render_text(result)
    head = text.split("==", 3)[2]  # the handout's first section
    assert likely in head and what in head
    assert until in text
    intake = Intake(engine.rulebase)
    page = visible(pages.report_page(intake, pages.State(lang), result, {}, dt.date(2025, 7, 15)))
    handout = page.split("Appendix" if lang == "en" else "附录", 1)[0]
    assert likely in handout and what in handout and until in handout
    scan(engine, text, result, "text report")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_who_owes_a_right_is_explained_once_not_once_per_right(engine: Engine, path: Path, lang: str) -> None:
    """Review: the report repeated "Owed by: the employer (the company in a labour relation with you)" for each of
    17 rights. A party's bracketed explanation is given the first time it is named, in the handout's steps and in
    the appendix (rights, then problems reported) of the text report and of the page; after that, its short name."""
    from rights_engine.i18n import _
    from rights_engine.report import first_steps, short_name

    result = engine.evaluate(_profile(path), lang=lang, explain=True)
    text = render_text(result)
    problems = text.split(f"== {_('Problems you reported', lang)} ==\n", 1)[1:]
    claim_lines = [line for line in text.splitlines()
                   if line.startswith((f"    {_('Owed by', lang)}: ", f"    {_('Addressed to', lang)}: ",
                                       f"    {_('Provided by', lang)}: ", f"    {_('Where to claim', lang)}: "))]
    claim_lines += problems[0].split("\n\n", 1)[0].splitlines() if problems else []
    intake = Intake(engine.rulebase)
    page = pages.report_page(intake, pages.State(lang), result, {}, dt.date(2025, 7, 15))
    page_claims = visible("".join(re.findall(r'<div class="claim">.*?</div>|<ul class="problems">.*?</ul>', page,
                                             flags=re.S)))
    steps = " ".join(f"{s.text} {s.where}" for s in first_steps(result, lang))
    parties = {ch.id: ch.name for e in result.entitlements if e.claim
               for ch in (*([e.claim.owed_by] if e.claim.owed_by else []), *e.claim.channels)}
    explained = [name for name in parties.values() if short_name(name) != name]
    for name in explained:
        assert "\n".join(claim_lines).count(name) <= 1, name
        assert page_claims.count(name) <= 1, name
        assert steps.count(name) <= 1, name
    for name in parties.values():  # every party that owes or hears a claim is still named
        assert short_name(name) in "\n".join(claim_lines) and short_name(name) in page_claims
    assert short_name("用人单位（与你建立劳动关系的企业）") == "用人单位"
    assert short_name("the employer (the company in a labour relation with you)") == "the employer"
    assert short_name("（注）") == "（注）" and short_name("12333 热线") == "12333 热线"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_where_a_documents_number_and_date_come_from_is_said_once(engine: Engine, lang: str) -> None:
    """Review: near-duplicate notes. Hubei's measures print no province, number, issuer or date; that was repeated
    at the end of 16 notes of one report ("省份、文号、日期来自公开转载。"). It is the citation's attribution note,
    given once in the text report (at the document's first citation) and in each folded citation of the page."""
    result = engine.evaluate(_profile(EXAMPLES[0].parent / "hubei-ride-hailing-crowd.json"), lang=lang, explain=True)
    notes = [n for e in result.entitlements for n in e.notes]
    assert notes and not [n for n in notes if "公开转载" in n or "republication" in n]
    attribution = {c.attribution_note for e in result.entitlements for c in e.citations if c.attribution_note}
    assert len(attribution) == 1
    (said,) = attribution
    assert render_text(result).count(said) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_a_quoted_text_does_not_say_is_printed_with_the_right(engine: Engine, lang: str) -> None:
    """The Hunan allowance's months, start date and payer are not in the reply that quotes the notice: the note
    points to the unverified items, so both the text report and the page must print them (they were only in the
    JSON)."""
    profile = _profile(EXAMPLES[0].parent / "hunan-rider-station.json")
    result = engine.evaluate(profile, lang=lang)
    allowance = next(e for e in result.entitlements if e.amount is not None and e.outside_facts)
    months = next(f.text for f in allowance.outside_facts if f.what == "months")
    assert months in render_text(result)
    page = pages.report_page(Intake(engine.rulebase), pages.State(lang, form_from_profile(profile)), result, {},
                             dt.date(2025, 7, 15))
    assert months in visible(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_problem_no_rule_addresses_is_not_an_empty_step(engine: Engine, lang: str) -> None:
    """Hunan's ban on restricting work on several platforms ended with its special action (2022-02-28): in 2024 the
    problem has no right of its own (labour law has no such ban for an employee), and the step says so instead of
    standing empty. (Forced 个体工商户 registration, the earlier example, is now answered by arbitration on the
    facts.)"""
    profile = {**_profile(EXAMPLES[0].parent / "hunan-rider-station.json"), "problems": ["multi_platform_ban"]}
    result = engine.evaluate(profile, lang=lang)
    problem = next(p for p in result.problems if not p.entitlements)
    text = render_text(result)
    title_line = next(i for i, line in enumerate(text.splitlines()) if line.endswith(problem.label[1:]))
    follow = text.splitlines()[title_line + 1]
    assert follow.startswith("   ") and follow.strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_civil_relation_is_sent_to_court_first_and_no_step_repeats(engine: Engine, lang: str) -> None:
    """A pensioner before 2025-09-01 is in a civil relation (法释〔2020〕26号 第三十二条第一款): the court and the
    civil three years (民法典 第一百八十八条) lead, ahead of the arbitration that can only confirm a labour relation;
    and no right is listed twice among the first steps."""
    from rights_engine.report import first_steps

    profile = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
               "engagement": "cooperation_agreement", "platform_manages_work": True, "age": 62,
               "receives_pension": True}
    result = engine.evaluate(profile, as_of=dt.date(2025, 8, 31), lang=lang)
    assert result.classification.category == "civil_relation"
    steps = first_steps(result, lang)
    civil = next(e for e in result.entitlements if e.id == "contract.civil_law")
    assert steps[0].title == civil.title
    assert len({s.title for s in steps}) == len(steps)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_encouraged_measure_names_whom_it_addresses_not_who_owes_it(engine: Engine, lang: str) -> None:
    """"Encouraged (nobody owes it)" next to "Owed by: the platform" contradicted itself; and where a statute and a
    provincial text grant the same right to an employee, the statute's duty-holder (the employer) is named."""
    from rights_engine.i18n import _

    result = engine.evaluate(_profile(EXAMPLES[0].parent / "lincang-courier-contract.json"), lang=lang)
    text = render_text(result).split("\n")
    for e in result.entitlements:
        if not (e.claim and e.claim.owed_by):
            continue
        at = next(i for i, line in enumerate(text) if line.startswith(f"  • {e.title} ["))
        block = text[at:at + 12]
        label = (_("Addressed to", lang) if e.force in ("encouraged", "vague") else
                 _("Provided by", lang) if e.force == "service" else
                 _("Arranged with", lang) if e.force == "option" else _("Owed by", lang))
        assert any(line.startswith(f"    {label}: ") for line in block), (e.id, block)
    statutory = [e for e in result.entitlements if e.claim and e.claim.owed_by
                 and any(c.source_kind == "national_law" for c in e.citations)
                 and any(c.source_kind in ("provincial", "prefectural") for c in e.citations)]
    assert statutory and all(e.claim is not None and e.claim.owed_by is not None and e.claim.owed_by.id == "employer"
                             for e in statutory if result.classification.category == "labor_relation"
                             and e.id.startswith(("pay.", "rest."))), [(e.id, e.claim) for e in statutory]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_outside_the_mainland_the_report_weighs_no_mainland_category(engine: Engine, lang: str) -> None:
    """A 香港 rider's report once listed the three mainland categories as "still possible" under an empty "Reasons:"
    and an empty "What to do first": mainland law is not weighed there, so the report says where to ask, and only
    that; the page shows no empty steps and no "still possible" either."""
    from rights_engine.i18n import _

    profile = {"work_province": "香港特别行政区", "occupation": "delivery_rider", "engagement": "cooperation_agreement",
               "counterparty": "platform"}
    result = engine.evaluate(profile, as_of=dt.date(2024, 7, 15), lang=lang)
    text = render_text(result)
    assert result.coverage.message in text
    for absent in ("Still possible", "What to do first", "Rights that apply"):
        assert _(absent, lang) not in text, absent
    assert f"{_('Reasons', lang)}:" not in text.splitlines()
    assert _("Not assessed: no rule in the rule base applies at your place of work.", lang) in text
    page = visible(pages.report_page(Intake(engine.rulebase), pages.State(lang), result, {}, dt.date(2024, 7, 15)))
    assert _("What to do first", lang) not in page and _("Still possible", lang) not in page
    # on the mainland, with nothing known, the categories still open are still shown
    beijing = engine.evaluate({"work_province": "北京市", "occupation": "delivery_rider"}, as_of=dt.date(2024, 7, 15),
                              lang=lang)
    assert _("Still possible", lang) in render_text(beijing)


def _assert_party_line(result: Result, force: str, label: str, never: str) -> None:
    """Every right of ``force`` that names a party says ``label:`` in its block of the text report, never ``never:``."""
    text = render_text(result).split("\n")
    named = [e for e in result.entitlements if e.force == force and e.claim and e.claim.owed_by]
    assert named
    for e in named:
        at = next(i for i, line in enumerate(text) if line.startswith(f"  • {e.title} ["))
        end = next(i for i in range(at + 1, len(text)) if not text[i].startswith("    "))
        block = text[at:end]
        assert any(line.startswith(f"    {label}: ") for line in block), (e.id, block)
        assert not any(line.startswith(f"    {never}: ") for line in block), (e.id, block)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_public_service_names_who_provides_it(engine: Engine, lang: str) -> None:
    """"Owed by: the arbitration commission" read as if the commission owed the worker something: a public service
    says who provides it."""
    from rights_engine.i18n import _

    result = engine.evaluate(_profile(EXAMPLES[0].parent / "lincang-courier-contract.json"), lang=lang)
    _assert_party_line(result, "service", _("Provided by", lang), _("Owed by", lang))


def test_double_pay_for_no_written_contract_is_among_the_first_steps(engine: Engine) -> None:
    """A Wenshan driver made to register as an individual business, found an employee on the facts: the double pay
    of 劳动合同法 第八十二条 runs month by month and is lost after the one-year limit, so the handout names it among
    the first things to do (it once gave two work-injury steps to a worker who reported no injury instead)."""
    from rights_engine.report import first_steps

    profile = {"work_province": "云南省", "work_city": "文山州", "occupation": "ride_hailing_driver",
               "engagement": "individual_business", "counterparty": "platform", "platform_manages_work": True,
               "can_refuse_orders": False, "sets_own_hours": False, "must_be_online_min_hours": True,
               "subject_to_penalties": True, "platform_sets_price": True, "work_is_core_business": True,
               "receives_pension": False, "problems": ["forced_individual_business"]}
    result = engine.evaluate(profile, as_of=dt.date(2022, 6, 25))
    double_pay = next(e for e in result.entitlements if e.id == "contract.double_pay_no_written_contract")
    assert double_pay.title in [s.title for s in first_steps(result, "zh")]


def _clinic_cases() -> list[tuple[str, dict[str, object], dt.date]]:
    from rights_engine.cases import load_cases

    folder = EXAMPLES[0].parent.parent / "cases"
    paths = [folder / "clinic-scenarios.yaml", folder / "clinic-scenarios-2.yaml"]
    return [(c.name, dict(c.profile), c.as_of or dt.date(2026, 11, 30)) for p in paths for c in load_cases(p).cases]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_clinic_scenario_reads_plainly(engine: Engine, lang: str) -> None:
    """The clinic's scenarios (every province, date, occupation and relation) rendered as the text report and the
    report page, with the why-not list: no id, condition, field name or project word anywhere."""
    intake = Intake(engine.rulebase)
    for name, profile, day in _clinic_cases():
        result = engine.evaluate(profile, as_of=day, lang=lang, explain=True)
        text = render_text(result)
        scan(engine, text, result, f"text report of {name}")
        page = visible(pages.report_page(intake, pages.State(lang, form_from_profile(profile)), result, {}, day))
        scan(engine, page, result, f"report page of {name}")
        # dates as people write them: a note's "2025-07-01" is shown as 2025年7月1日 / July 1, 2025
        for where, shown in (("text report", text), ("report page", page)):
            assert not ISO_DAY.search(shown), (where, name, ISO_DAY.findall(shown))


ISO_DAY = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")


def test_a_note_s_iso_day_is_written_out_and_a_quote_is_left_verbatim() -> None:
    from rights_engine.i18n import readable_dates

    assert readable_dates("浙江省自2025-07-01起为试点", "zh") == "浙江省自2025年7月1日起为试点"
    assert readable_dates("a pilot area since 2025-07-01.", "en") == "a pilot area since July 1, 2025."
    # not a day, or part of a longer number: left as written
    assert readable_dates("2022-06-31; 12333-2025-07-01; 2025-07-011", "zh") == "2022-06-31; 12333-2025-07-01; 2025-07-011"


CIVIL_XIANGTAN = {"work_province": "湖南省", "work_city": "湘潭市", "occupation": "ride_hailing_driver",
                  "engagement": "cooperation_agreement", "counterparty": "platform", "platform_manages_work": False,
                  "can_refuse_orders": True, "sets_own_hours": True, "must_be_online_min_hours": False,
                  "subject_to_penalties": False, "platform_sets_price": False, "main_income_source": False,
                  "receives_pension": False}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_option_names_where_it_is_arranged_not_a_debtor(engine: Engine, lang: str) -> None:
    """Enrolling as a flexible worker is the worker's choice: the agency is where it is arranged, not who owes it."""
    from rights_engine.i18n import _

    result = engine.evaluate(CIVIL_XIANGTAN, lang=lang, as_of=dt.date(2024, 7, 1))
    _assert_party_line(result, "option", _("Arranged with", lang), _("Owed by", lang))


def test_a_civil_workers_first_steps_leave_out_duties_on_managed_work(engine: Engine) -> None:
    """Nobody manages a self-employed driver's work: a duty about managing it (no unsafe performance targets) is not
    among the first things to do, while the civil-law remedy is, and the right itself still applies."""
    from rights_engine.report import first_steps

    result = engine.evaluate(CIVIL_XIANGTAN, lang="zh", as_of=dt.date(2024, 7, 1))
    assert result.classification.category == "civil_relation"
    titles = {e.id: e.title for e in result.entitlements}
    steps = [s.title for s in first_steps(result, "zh")]
    assert "safety.no_unsafe_targets" in titles and titles["safety.no_unsafe_targets"] not in steps
    assert titles["contract.civil_law"] in steps
