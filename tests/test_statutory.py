"""The national statutory layer, the forum, campaign windows, nothing beyond the cited text, verification status
and the force/condition fixes of the 2026-11-30 legal review (issue #12). Each fix quotes the clause it rests on."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from rights_engine.engine import Engine
from rights_engine.places import province_names
from rights_engine.result import Entitlement, Result
from rights_engine.rulebase import RuleBase, RuleBaseError, default_root, load
from rights_engine.textnorm import normalise

TODAY = dt.date(2026, 11, 30)
#: mainland law is not the law of the special administrative regions, nor applied to Taiwan by this tool
NOT_MAINLAND = {"香港特别行政区", "澳门特别行政区", "台湾省"}
MAINLAND = [p for p in province_names() if p not in NOT_MAINLAND]
LABOUR_COURIER: dict[str, Any] = {"occupation": "courier", "engagement": "labor_contract", "receives_pension": False}
#: the facts of a worker the classifier places 不完全符合确立劳动关系情形 (managed, free to refuse and set hours)
INCOMPLETE: dict[str, Any] = {
    "occupation": "delivery_rider", "engagement": "cooperation_agreement", "counterparty": "platform",
    "platform_manages_work": True, "can_refuse_orders": True, "sets_own_hours": True,
    "must_be_online_min_hours": False, "subject_to_penalties": True, "platform_sets_price": True,
    "receives_pension": False,
}
#: every covered place, down to the prefectures the rule base names
COVERED_PLACES = [("湖南省", "长沙市"), ("湖北省", "武汉市"), ("云南省", "昆明市"), ("云南省", "临沧市"),
                  ("云南省", "文山壮族苗族自治州")]


def _ent(result: Result, ent_id: str) -> Entitlement:
    found = [e for e in result.entitlements if e.id == ent_id]
    assert found, f"{ent_id} missing: {[e.id for e in result.entitlements]}"
    return found[0]


def _cites(e: Entitlement, source: str, clause: str | None = None) -> bool:
    return any(c.source_id == source and (clause is None or c.clause == clause) for c in e.citations)


def test_there_are_31_mainland_provinces() -> None:
    assert len(MAINLAND) == 31


@pytest.mark.parametrize("province", MAINLAND)
def test_a_labour_relation_courier_gets_the_statutory_floor_everywhere(engine: Engine, province: str) -> None:
    result = engine.evaluate({**LABOUR_COURIER, "work_province": province}, as_of=TODAY)
    assert result.classification.category == "labor_relation"
    expected = {
        "pension.employer_social_insurance": ("social-insurance-law", "第十条"),
        "medical.employee_via_employer": ("social-insurance-law", "第二十三条"),
        "injury.work_injury_insurance": ("social-insurance-law", "第三十三条"),
        "employment_services.unemployment_insurance": ("social-insurance-law", "第四十四条"),
        "medical.maternity_insurance": ("social-insurance-law", "第五十三条"),
        "pay.minimum_wage": ("labor-law", "第四十八条"),
        "pay.full_timely_payment": ("labor-law", "第五十条"),
        "pay.overtime_premium": ("labor-law", "第四十四条"),
        "rest.working_hours_limit": ("labor-law", "第三十六条"),
        "rest.weekly_rest_day": ("labor-law", "第三十八条"),
        "rest.paid_annual_leave": ("annual-leave-regulation", "第二条"),
        "contract.labor_contract": ("labor-contract-law", "第十条"),
    }
    for ent_id, (source, clause) in expected.items():
        e = _ent(result, ent_id)
        assert e.status == "applies" and e.force == "mandatory", ent_id
        assert _cites(e, source, clause), (ent_id, [(c.source_id, c.clause) for c in e.citations])
        assert all(c.source_kind == "national_law" for c in e.citations if c.source_id == source)
    assert _cites(_ent(result, "injury.work_injury_insurance"), "work-injury-regulation", "第二条")
    # a labour contract was signed: no double pay for the want of one
    assert "contract.double_pay_no_written_contract" not in {e.id for e in result.entitlements}


def test_no_minimum_wage_figure_is_invented(engine: Engine) -> None:
    """劳动法 第四十八条: 「最低工资的具体标准由省、自治区、直辖市人民政府规定」 — the rule states the rule, not a figure."""
    for province in ("北京市", "湖南省", "云南省"):
        e = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": province}, as_of=TODAY), "pay.minimum_wage")
        assert e.amount is None
        assert any("人民政府规定" in n for n in e.notes)


@pytest.mark.parametrize("place", sorted(NOT_MAINLAND))
def test_mainland_statutes_do_not_reach_the_special_administrative_regions(engine: Engine, place: str) -> None:
    """Mainland labour law and the ministries' policy are not the law of 香港、澳门 (nor applied to 台湾 here): the
    劳动合同法, 防暑降温措施管理办法 and the 人社部 texts were once selected there."""
    result = engine.evaluate({**LABOUR_COURIER, "work_province": place, "high_temperature_work": True}, as_of=TODAY)
    assert not [(e.id, c.source_id) for e in result.entitlements for c in e.citations
                if c.source_kind in ("national_law", "national_policy")]


@pytest.mark.parametrize("place", sorted(NOT_MAINLAND))
def test_outside_the_mainland_nothing_is_weighed_and_the_worker_is_told_why(engine: Engine, place: str) -> None:
    """Neither the mainland's classification (劳社部发〔2005〕12号, the SPC's texts) nor its pilots reach 香港、澳门、
    台湾: no reason, no question about subordination, no entitlement, and a coverage message that says so (it once
    said "only national law applies here")."""
    for lang in ("zh", "en"):
        result = engine.evaluate({**LABOUR_COURIER, "work_province": place}, as_of=TODAY, lang=lang)
        c = result.classification
        assert c.category == "undetermined" and not c.reasons and not c.would_change
        assert not result.entitlements and not result.coverage.covered
        assert ("中国内地" if lang == "zh" else "Chinese mainland") in result.coverage.message


def test_no_written_contract_gives_double_pay(engine: Engine) -> None:
    """劳动合同法 第八十二条: 「超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资」."""
    profile = {"work_province": "北京市", "occupation": "courier", "engagement": "none", "counterparty": "platform",
               "platform_manages_work": True, "can_refuse_orders": False, "sets_own_hours": False,
               "must_be_online_min_hours": True, "subject_to_penalties": True, "work_is_core_business": True,
               "receives_pension": False}
    result = engine.evaluate(profile, as_of=TODAY)
    if result.classification.category != "labor_relation":
        pytest.skip("the classifier does not find a labour relation on these facts")
    e = _ent(result, "contract.double_pay_no_written_contract")
    assert e.force == "mandatory" and _cites(e, "labor-contract-law", "第八十二条")
    assert "二倍" in e.summary


def test_part_time_has_its_own_floor(engine: Engine) -> None:
    """劳动合同法 第七十二条: 「不得低于…最低小时工资标准」「结算支付周期最长不得超过十五日」;
    工伤保险条例 第二条: 「全部职工」."""
    result = engine.evaluate({"work_province": "北京市", "occupation": "courier", "engagement": "part_time_contract",
                              "daily_hours": 3, "weekly_hours": 18, "receives_pension": False}, as_of=TODAY)
    assert result.classification.employment_mode == "part_time"
    wage = _ent(result, "pay.minimum_wage")
    assert _cites(wage, "labor-contract-law", "第七十二条") and not _cites(wage, "labor-law")
    pay = _ent(result, "pay.full_timely_payment")
    assert any("十五日" in c.quote for c in pay.citations)
    injury = _ent(result, "injury.work_injury_insurance")
    assert injury.force == "mandatory" and _cites(injury, "work-injury-regulation", "第二条")
    # the employer's pension duty is not stated for part-time; the statute opens the individual route instead
    assert "pension.employer_social_insurance" not in {e.id for e in result.entitlements}
    assert _ent(result, "pension.flexible_worker_employee_scheme").force == "option"


@pytest.mark.parametrize(("province", "city"), COVERED_PLACES)
def test_an_incomplete_worker_has_the_arbitration_channel_everywhere(engine: Engine, province: str,
                                                                      city: str) -> None:
    """劳动争议调解仲裁法 第二条: 「（一）因确认劳动关系发生的争议」 — arbitration decides whether there is one."""
    result = engine.evaluate({**INCOMPLETE, "work_province": province, "work_city": city}, as_of=TODAY)
    assert result.classification.category == "incomplete_labor_relation"
    e = _ent(result, "remedies.arbitration")
    assert e.status == "applies"
    assert _cites(e, "labor-dispute-law", "第二条（一）")
    assert any("一年" in c.quote for c in e.citations if c.source_id == "labor-dispute-law")
    assert e.claim and "arbitration" in {ch.id for ch in e.claim.channels}


@pytest.mark.parametrize("profile", [
    {"work_province": "云南省", "work_city": "昆明市", "occupation": "live_streamer", "engagement": "cooperation_agreement",
     "platform_manages_work": False, "can_refuse_orders": True, "sets_own_hours": True, "receives_pension": False},
    {"work_province": "北京市"},
])
def test_civil_and_undetermined_workers_can_also_seek_confirmation(engine: Engine, profile: dict[str, Any]) -> None:
    result = engine.evaluate(profile, as_of=TODAY)
    assert result.classification.category in ("civil_relation", "undetermined")
    assert _cites(_ent(result, "remedies.arbitration"), "labor-dispute-law", "第二条（一）")


_NO_ARBITRATION = re.compile(r"不能申请劳动仲裁|不走劳动仲裁|不得申请仲裁|cannot go to labour arbitration|"
                             r"do not go to labour arbitration|cannot apply for arbitration")


def test_no_text_tells_a_non_labour_worker_arbitration_is_closed(rulebase: RuleBase) -> None:
    texts = [t for d in rulebase.entitlements.values() for t in (d.summary.zh, d.summary.en)]
    texts += [t for r in rulebase.rules if r.spec.note for t in (r.spec.note.zh, r.spec.note.en)]
    assert not [t for t in texts if _NO_ARBITRATION.search(t)]


# -- campaign windows -------------------------------------------------------------------------------
def test_campaign_rules_never_outlive_their_window(rulebase: RuleBase) -> None:
    campaign = [r for r in rulebase.rules if r.campaign_until is not None]
    assert campaign, "the Hunan special action is a campaign"
    for r in campaign:
        assert r.valid_to is not None and r.valid_to <= r.campaign_until, r.id
    assert {r.source.id for r in campaign} >= {"hunan-2021-special-action"}
    assert all(r.campaign_until == dt.date(2022, 2, 28) for r in campaign if r.source.id == "hunan-2021-special-action")


HUNAN_RIDER = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
               "engagement": "labor_contract", "gender": "female", "receives_pension": False}


def test_the_special_action_leaves_the_report_after_february_2022(engine: Engine) -> None:
    """湖南专项行动 三: 「本次专项行动实施时间为2021年8月-2022年2月」."""
    during = engine.evaluate(HUNAN_RIDER, as_of=dt.date(2022, 1, 15))
    cited = [e for e in during.entitlements if _cites(e, "hunan-2021-special-action")]
    assert cited
    for e in cited:
        only_campaign = all(c.source_id == "hunan-2021-special-action" for c in e.citations)
        assert e.valid_until == (dt.date(2022, 2, 28) if only_campaign else None), e.id
    for day in (dt.date(2022, 3, 1), dt.date(2024, 7, 1), TODAY):
        after = engine.evaluate(HUNAN_RIDER, as_of=day)
        assert not [e.id for e in after.entitlements if _cites(e, "hunan-2021-special-action")]
        # what rests on standing law stays, citing the standing law
        assert _cites(_ent(after, "injury.work_injury_insurance"), "work-injury-regulation")


# -- nothing beyond the cited text --------------------------------------------------------------------
_DETAIL = re.compile(r"\d+(?:\.\d+)?%?|百分之[一二三四五六七八九十百]+"
                     r"|[一二三四五六七八九十两]+(?:个月|小时|日|天|年|元|倍|周岁)")
#: references, not details: 文号, decree numbers, ISO dates and years of a document, clause numbers in brackets
_REFERENCE = re.compile(r"〔\d{4}〕\d+号|第\d+号|\d{4}-\d{2}-\d{2}|\d{4}年|[（(]\d+[)）]")
#: specific terms found in one document's text and, before this review, shown under others'
_TERMS = ("创业补贴", "创业担保贷款", "最严算法", "停止作业", "网上办", "掌上办", "按单缴费", "待遇等待期", "押金",
          "保证金", "湘就业", "饮水", "如厕", "充电", "心理疏导", "送清凉", "计件单价", "抽成", "行业工会", "区域工会",
          "交通安全", "岗位推荐", "性别、民族、年龄", "不受户籍限制")
#: reviewed plain-language paraphrases: (text id, detail) -> why it may stand without being in the quote
_ALLOWED: dict[tuple[str, str], str] = {
    ("hunan-2024-reply-0677.injury.occupational_injury_protection", "6"):
        "「截至2024年6月」 is the reply's own date (2024-06-04, in the registry), not a detail of the measure",
}
#: a sentence that says where its detail comes from and how well it was checked states an outside fact openly
_MARKED = ("转载", "未核实", "未能核实", "未见")


def _details(text: str) -> set[str]:
    found: set[str] = set()
    for sentence in re.split(r"[。；]", text):
        if any(mark in sentence for mark in _MARKED):
            continue
        bare = _REFERENCE.sub("", sentence)
        found |= set(_DETAIL.findall(bare)) | {t for t in _TERMS if t in sentence}
    return found


def _quoted(rule: Any) -> str:
    return normalise("".join(c.quote for c in rule.citations))


def test_details_detector_finds_figures_and_terms() -> None:
    assert _details("产假98天，难产的增加15天") == {"98", "15"}
    assert _details("不低于工资的百分之三百；一年内") == {"百分之三百", "一年"}
    assert _details("可以网上办、掌上办（人社部发〔2025〕24号，2025-07-01）") == {"网上办", "掌上办"}
    assert _details("据公开报道（转载），由平台按单缴费。产假98天") == {"98"}


def test_no_summary_or_note_states_a_detail_outside_the_clauses_it_cites(rulebase: RuleBase) -> None:
    by_entitlement: dict[str, list[Any]] = {}
    for r in rulebase.rules:
        if r.spec.kind == "entitlement" and r.spec.entitlement:
            by_entitlement.setdefault(r.spec.entitlement, []).append(r)
    problems = []
    for ent_id, rules in by_entitlement.items():
        # any one rule may be the only one shown: the summary's details must stand in each rule's citations
        for detail in _details(rulebase.entitlements[ent_id].summary.zh):
            for r in rules:
                if normalise(detail) not in _quoted(r) and (ent_id, detail) not in _ALLOWED:
                    problems.append(f"summary of {ent_id}: {detail!r} not in {r.id}")
    for r in rulebase.rules:
        if r.spec.note:
            for detail in _details(r.spec.note.zh):
                if normalise(detail) not in _quoted(r) and (r.id, detail) not in _ALLOWED:
                    problems.append(f"note of {r.id}: {detail!r}")
    assert not problems, "\n".join(problems)


# -- verification status -----------------------------------------------------------------------------
def test_hunan_heat_months_and_start_date_are_marked_unverified(engine: Engine) -> None:
    result = engine.evaluate({**HUNAN_RIDER, "high_temperature_work": True}, as_of=dt.date(2024, 8, 1))
    e = _ent(result, "weather.high_temperature_allowance")
    assert e.amount is not None and e.amount.value == 300
    assert e.amount.verification == "verified" and e.amount.months_verification == "unverified"
    facts = {f.what: f.verification for f in e.outside_facts}
    assert facts.get("valid_from") == "unverified" and facts.get("months") == "unverified"
    dumped = result.model_dump(mode="json")
    heat = next(x for x in dumped["entitlements"] if x["id"] == "weather.high_temperature_allowance")
    assert heat["amount"]["months_verification"] == "unverified"


def test_outside_facts_name_registered_sources(rulebase: RuleBase) -> None:
    for r in rulebase.rules:
        for f in r.spec.outside_facts:
            assert f.source is None or f.source in rulebase.sources, r.id
            assert f.verification != "verified" or f.source, r.id


# -- the force and condition fixes of the review -------------------------------------------------------
def test_hubei_pay_is_urged_not_owed_to_an_incomplete_worker(engine: Engine) -> None:
    """湖北 二（四）: 「督促企业向提供正常劳动的劳动者按时足额支付不低于当地最低工资标准的劳动报酬」."""
    result = engine.evaluate({**INCOMPLETE, "work_province": "湖北省", "work_city": "武汉市"}, as_of=TODAY)
    wage = _ent(result, "pay.minimum_wage")
    assert wage.force == "encouraged"
    assert not (wage.claim and wage.claim.owed_by and wage.claim.owed_by.id == "employer")
    # the agreed pay is owed under the agreement itself (民法典 第五百零九条)
    pay = _ent(result, "pay.full_timely_payment")
    assert pay.force == "mandatory" and _cites(pay, "civil-code", "第五百零九条")
    assert pay.claim and pay.claim.owed_by and pay.claim.owed_by.id != "employer"
    # 「企业应支付高于正常工作时间劳动报酬的合理报酬」: owed by the enterprise, which is no 用人单位 here
    holiday = _ent(engine.evaluate({**INCOMPLETE, "work_province": "湖北省", "work_city": "武汉市",
                                    "works_statutory_holidays": True}, as_of=TODAY), "pay.holiday_premium")
    assert holiday.claim and holiday.claim.owed_by and holiday.claim.owed_by.id != "employer"
    assert not _cites(holiday, "labor-law")


def test_hubei_commercial_insurance_is_not_a_legal_duty(engine: Engine) -> None:
    """湖北 三（七）: 「平台企业要通过购买人身意外、雇主责任等商业保险」 — 要, no statute behind it."""
    result = engine.evaluate({**INCOMPLETE, "work_province": "湖北省", "work_city": "武汉市"}, as_of=TODAY)
    assert _ent(result, "injury.commercial_insurance").force == "encouraged"


@pytest.mark.parametrize("city", ["昆明市", "文山壮族苗族自治州"])
def test_yunnan_agreed_pay_is_owed_by_the_enterprise(engine: Engine, city: str) -> None:
    """云人社发〔2021〕40号 二（六）: 「推动将不完全符合确立劳动关系情形的新就业形态劳动者纳入制度保障范围」 — a push;
    the agreed remuneration is still owed under the written agreement (民法典 第五百零九条 「当事人应当按照约定全面履行」)."""
    result = engine.evaluate({**INCOMPLETE, "work_province": "云南省", "work_city": city}, as_of=TODAY)
    pay = _ent(result, "pay.full_timely_payment")
    assert pay.force == "mandatory" and pay.claim and pay.claim.owed_by
    assert _cites(pay, "civil-code", "第五百零九条") and _cites(pay, "yunnan-2021-40", "二（六）")


def test_holiday_pay_in_a_labour_relation_cites_the_300_percent(engine: Engine) -> None:
    """劳动法 第四十四条（三）: 「法定休假日安排劳动者工作的，支付不低于工资的百分之三百的工资报酬」."""
    for province, city in (("湖北省", "武汉市"), ("云南省", "临沧市"), ("北京市", None)):
        profile = {**LABOUR_COURIER, "work_province": province, "works_statutory_holidays": True}
        if city:
            profile["work_city"] = city
        e = _ent(engine.evaluate(profile, as_of=TODAY), "pay.holiday_premium")
        assert e.force == "mandatory"
        assert any("百分之三百" in c.quote and c.source_id == "labor-law" for c in e.citations)


def test_maternity_leave_and_nursing_time_only_in_a_labour_relation(engine: Engine) -> None:
    """女职工劳动保护特别规定 第二条: 「用人单位及其女职工，适用本规定」; 湖南专项行动 二（五） 「女职工产假、哺乳时间」."""
    woman = {"gender": "female", "work_province": "湖南省", "work_city": "长沙市"}
    employee = engine.evaluate({**LABOUR_COURIER, **woman}, as_of=TODAY)
    assert _ent(employee, "rest.maternity_leave").force == "mandatory"
    assert _ent(employee, "rest.nursing_time").force == "mandatory"
    for day in (dt.date(2022, 1, 15), TODAY):
        incomplete = engine.evaluate({**INCOMPLETE, **woman}, as_of=day)
        ids = {e.id for e in incomplete.entitlements}
        assert not ids & {"rest.maternity_leave", "rest.nursing_time", "remedies.female_worker_protection"}


def test_hunan_2021_24_is_not_applied_before_any_evidenced_date(engine: Engine) -> None:
    """湘人社规〔2021〕24号 is known only through 湘人社提函〔2024〕96号 (2024-06-04); its own date is in no copy."""
    profile = {**INCOMPLETE, "work_province": "湖南省", "work_city": "长沙市"}
    for day in (dt.date(2020, 6, 1), dt.date(2023, 6, 1)):
        early = engine.evaluate(profile, as_of=day)
        assert not any(_cites(e, "hunan-2021-24") for e in early.entitlements)
    later = engine.evaluate(profile, as_of=TODAY)
    pension = _ent(later, "pension.flexible_worker_employee_scheme")
    assert _cites(pension, "hunan-2021-24")
    assert any(f.what == "valid_from" and f.verification == "unverified" for f in pension.outside_facts)


def test_flexible_employment_registration_place_is_not_the_business_registration_place(rulebase: RuleBase) -> None:
    """湘人社规〔2021〕24号: 「在省内灵活就业登记地或居住登记地」 vs 「无雇工的个体工商户…注册登记地」."""
    places = {r.id: r.spec.claim.place for r in rulebase.rules if r.source.id == "hunan-2021-24" and r.spec.claim}
    assert places["hunan-2021-24.pension.flexible_worker_employee_scheme.registration"] == "flexible_registration_place"
    assert places["hunan-2021-24.pension.flexible_worker_employee_scheme.individual_business"] == "registration_place"


# -- the loader checks the new keys --------------------------------------------------------------------
def _broken_copy(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(default_root(), root)
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    return root


def test_a_campaign_window_must_stand_in_the_documents_own_text(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "hunan/hunan-2021-special-action.yaml", "quote: 本次专项行动实施时间为2021年8月-2022年2月",
                        "quote: 本次专项行动实施时间为2021年8月-2023年2月")
    with pytest.raises(RuleBaseError, match="campaign"):
        load(root)


def test_an_outside_fact_must_name_a_registered_source(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "hubei/hubei-2022-measures.yaml", "source: spc-guiding-238", "source: spc-guiding-999")
    with pytest.raises(RuleBaseError, match="outside_facts"):
        load(root)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("    when: receives_pension\n    effect: disputed", "    when: receives_pensions\n    effect: disputed", "unless.when"),
    ("quote: 劳动者开始依法享受基本养老保险待遇的；}", "quote: 劳动者开始享受基本养老保险待遇的；}", "unless.cites"),
    ("    effect: disputed", "    effect: doubtful", "effect"),
])
def test_an_entitlements_exception_is_checked_at_load(tmp_path: Path, old: str, new: str, field: str) -> None:
    """An unless with an unknown fact, a quote not in its source or an unknown effect is refused, naming the entry."""
    root = _broken_copy(tmp_path, "entitlements.yaml", old, new)
    with pytest.raises(RuleBaseError, match=field):
        load(root)


# -- the lawyer's reading of the national layer (2026-11-30) ---------------------------------------------
PART_TIME: dict[str, Any] = {"work_province": "北京市", "occupation": "courier", "engagement": "part_time_contract",
                             "daily_hours": 3, "weekly_hours": 18, "receives_pension": False}
DISPATCHED: dict[str, Any] = {"work_province": "北京市", "occupation": "delivery_rider", "engagement": "dispatch",
                              "counterparty": "dispatch_agency", "receives_pension": False}


def _quotes(e: Entitlement, source: str) -> str:
    return "".join(c.quote for c in e.citations if c.source_id == source)


def test_the_standard_week_is_40_hours_with_the_44_hour_ceiling_beside_it(engine: Engine) -> None:
    """国务院关于职工工作时间的规定 第三条: 「职工每日工作8小时，每周工作40小时」 (in force 1995-05-01, 第九条);
    劳动法 第三十六条 「平均每周工作时间不超过四十四小时」 is the statutory ceiling, not the standard."""
    e = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY), "rest.working_hours_limit")
    assert _cites(e, "work-hours-provisions", "第三条") and _cites(e, "labor-law", "第三十六条")
    assert "40小时" in _quotes(e, "work-hours-provisions") and "三十六小时" in _quotes(e, "labor-law")  # 第四十一条
    assert not any(f.verification == "unverified" for f in e.outside_facts)
    before = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=dt.date(1995, 3, 1)),
                  "rest.working_hours_limit")
    assert not _cites(before, "work-hours-provisions")


def test_arbitration_cites_the_unpaid_pay_exception_whole(engine: Engine) -> None:
    """劳动争议调解仲裁法 第二十七条第四款: the exception AND its own one-year limit after the relation ends."""
    e = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY), "remedies.arbitration")
    quotes = _quotes(e, "labor-dispute-law")
    assert "不受本条第一款规定的仲裁时效期间的限制" in quotes
    assert "劳动关系终止的，应当自劳动关系终止之日起一年内提出" in quotes
    assert "中断" in quotes  # 第二款: a complaint to an authority interrupts the limit
    assert e.claim and "court" in {ch.id for ch in e.claim.channels}
    assert "劳动争议仲裁不收费" in quotes and "十五日内" in quotes  # 第五十三条, 第五十条
    # the forum is free for a worker whose relation is unsettled too
    other = _ent(engine.evaluate({**INCOMPLETE, "work_province": "北京市"}, as_of=TODAY), "remedies.arbitration")
    assert _cites(other, "labor-dispute-law", "第五十三条")


def test_termination_rights_are_for_employees_not_part_time_or_non_labour(engine: Engine) -> None:
    """劳动合同法 第四十六、四十七、八十七条 — and 第七十一条 「终止用工，用人单位不向劳动者支付经济补偿」."""
    full = engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY)
    severance = _ent(full, "contract.severance_pay")
    assert severance.force == "mandatory" and _cites(severance, "labor-contract-law", "第四十七条")
    unlawful = _ent(full, "contract.unlawful_termination")
    assert "二倍" in _quotes(unlawful, "labor-contract-law") and _cites(unlawful, "labor-contract-law", "第八十七条")
    assert _ent(full, "contract.resign_for_employer_fault").force == "option"
    barred = {"contract.severance_pay", "contract.unlawful_termination", "contract.resign_for_employer_fault"}
    for profile in (PART_TIME, {**INCOMPLETE, "work_province": "北京市"}):
        ids = {e.id for e in engine.evaluate(profile, as_of=TODAY).entitlements}
        assert not ids & barred, profile


def test_dispatch_duties_of_the_user_start_with_the_2012_amendment(engine: Engine) -> None:
    """劳动合同法 (2012年修正, 2013-07-01施行) 第六十三条 同工同酬, 第九十二条 「劳务派遣单位与用工单位承担连带赔偿责任」."""
    now = engine.evaluate(DISPATCHED, as_of=TODAY)
    assert now.classification.employment_mode == "dispatched"
    joint = _ent(now, "contract.dispatch_joint_liability")
    assert joint.claim and joint.claim.owed_by and joint.claim.owed_by.id == "dispatch_agency"
    assert _cites(_ent(now, "pay.dispatch_equal_pay"), "labor-contract-law", "第六十二条（三）")
    contract = _ent(now, "contract.dispatch_labor_contract")  # 第五十八条第二款 「二年以上的固定期限劳动合同」
    assert contract.force == "mandatory" and "二年以上" in _quotes(contract, "labor-contract-law")
    assert _cites(joint, "labor-dispute-law", "第二十二条")  # joint parties in arbitration
    before = {e.id for e in engine.evaluate(DISPATCHED, as_of=dt.date(2013, 6, 30)).entitlements}
    assert not before & {"contract.dispatch_joint_liability", "pay.dispatch_equal_pay"}
    assert "pay.dispatch_equal_pay" not in {e.id for e in engine.evaluate(LABOUR_COURIER | {"work_province": "北京市"},
                                                                          as_of=TODAY).entitlements}


def test_work_injury_recognition_time_limits_and_forum(engine: Engine) -> None:
    """工伤保险条例（2010年修订）第十七条: employer 「30日内」, worker 「1年内」 to the 社会保险行政部门."""
    e = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY), "injury.work_injury_recognition")
    quotes = _quotes(e, "work-injury-regulation")
    assert "30日内" in quotes and "1年内" in quotes
    assert e.claim and "social_insurance_administration" in {ch.id for ch in e.claim.channels}
    early = engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=dt.date(2010, 12, 31))
    assert "injury.work_injury_recognition" not in {x.id for x in early.entitlements}
    incomplete = engine.evaluate({**INCOMPLETE, "work_province": "北京市"}, as_of=TODAY)
    assert "injury.work_injury_recognition" not in {x.id for x in incomplete.entitlements}


def test_labour_inspection_complaint_names_its_two_year_window(engine: Engine) -> None:
    """劳动保障监察条例 第九条 「有权向劳动保障行政部门投诉」, 第二十条 「在2年内未被…发现，也未被举报、投诉的…不再查处」."""
    e = _ent(engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY),
             "remedies.labour_inspection_complaint")
    assert e.force == "service" and "2年内" in _quotes(e, "labour-inspection-regulation")


def test_a_civil_worker_is_sent_to_court_not_to_labour_mediation(engine: Engine) -> None:
    """民法典 第四百六十五条, 第一百八十八条 「诉讼时效期间为三年」: the 劳动争议调解组织 handles labour disputes."""
    civil = {"work_province": "广东省", "occupation": "delivery_rider", "engagement": "cooperation_agreement",
             "platform_manages_work": False, "subject_to_penalties": False, "can_refuse_orders": True,
             "sets_own_hours": True, "must_be_online_min_hours": False, "receives_pension": False}
    result = engine.evaluate(civil, as_of=TODAY)
    assert result.classification.category == "civil_relation"
    e = _ent(result, "contract.civil_law")
    assert e.claim and {ch.id for ch in e.claim.channels} == {"court"}
    assert "三年" in _quotes(e, "civil-code")
    pay = _ent(engine.evaluate({**INCOMPLETE, "work_province": "广东省"}, as_of=TODAY), "pay.full_timely_payment")
    assert _cites(pay, "civil-code", "第一百八十八条") and _cites(pay, "labor-dispute-law", "第二十七条")


def test_an_employer_that_did_not_insure_pays_the_injury_benefits(engine: Engine) -> None:
    """社会保险法 第四十一条; 工伤保险条例 第六十二条第二款; 社会保险法 第五十八条 「三十日内」 registration."""
    result = engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=TODAY)
    injury = _ent(result, "injury.work_injury_insurance")
    assert _cites(injury, "social-insurance-law", "第四十一条") and _cites(injury, "work-injury-regulation", "第六十二条")
    assert "三十日内" in _quotes(_ent(result, "pension.employer_social_insurance"), "social-insurance-law")


def test_deposits_rules_and_discrimination_have_a_statutory_floor_for_employees(engine: Engine) -> None:
    """劳动合同法 第九条 「不得要求劳动者提供担保或者以其他名义向劳动者收取财物」, 第四条 (rules settled with the union
    and published); 就业促进法 第二十六条, 第六十二条 「劳动者可以向人民法院提起诉讼」 (amended text, from 2015-04-24)."""
    result = engine.evaluate({**LABOUR_COURIER, "work_province": "北京市",
                              "problems": ["deposit", "discrimination", "unfair_rules"]}, as_of=TODAY)
    deposit = _ent(result, "fair_hiring.no_fees_or_deposit")
    assert deposit.force == "mandatory" and _cites(deposit, "labor-contract-law", "第九条")
    assert _cites(_ent(result, "algorithm.rules_consultation"), "labor-contract-law", "第四条")
    discrimination = _ent(result, "fair_hiring.no_discrimination")
    assert discrimination.claim and "court" in {ch.id for ch in discrimination.claim.channels}
    assert _cites(discrimination, "employment-promotion-law", "第六十二条")
    early = engine.evaluate({**LABOUR_COURIER, "work_province": "北京市"}, as_of=dt.date(2015, 4, 23))
    assert not any(_cites(e, "employment-promotion-law") for e in early.entitlements)
    incomplete = engine.evaluate({**INCOMPLETE, "work_province": "北京市"}, as_of=TODAY)
    assert not any(_cites(e, "labor-contract-law", "第九条") or _cites(e, "employment-promotion-law")
                   for e in incomplete.entitlements)


def test_the_minimum_wage_regulation_is_not_cited_before_it_existed(engine: Engine) -> None:
    """最低工资规定（劳动和社会保障部令第21号）in force 2004-03-01; 劳动法 第四十八条 since 1995-01-01."""
    profile = {**LABOUR_COURIER, "work_province": "北京市"}
    early = _ent(engine.evaluate(profile, as_of=dt.date(2003, 6, 1)), "pay.minimum_wage")
    assert _cites(early, "labor-law", "第四十八条") and not _cites(early, "minimum-wage-provisions")
    now = _ent(engine.evaluate(profile, as_of=TODAY), "pay.minimum_wage")
    assert _cites(now, "labor-law", "第四十八条") and _cites(now, "minimum-wage-provisions", "第三条")


def test_a_judicial_interpretation_is_not_told_as_a_law_nor_a_regulation_as_a_statute(engine: Engine) -> None:
    """法释〔2020〕26号 is a judicial interpretation (shown as "court decision or judicial interpretation"), 工伤保险条例
    a State Council regulation (shown as "national law or State Council regulation"); both were told as 国家法律."""
    from rights_engine.report import render_text

    pensioner = {"work_province": "湖南省", "occupation": "delivery_rider", "engagement": "cooperation_agreement",
                 "receives_pension": True}
    result = engine.evaluate(pensioner, as_of=dt.date(2025, 8, 31), explain=True)
    kinds = {c.source_id: c.source_kind for r in result.classification.reasons for c in r.citations}
    assert kinds.get("spc-2020-26") == "court_decision"
    labour = engine.evaluate(LABOUR_COURIER, as_of=TODAY)
    assert {c.source_kind for e in labour.entitlements for c in e.citations
            if c.source_id == "work-injury-regulation"} == {"national_law"}
    assert "国家法律或行政法规" in render_text(labour)


# -- a worker who already draws a basic pension (legal round 3) ------------------------------------------------
#: a rider the facts place in a labour relation (no written contract), after 法释〔2025〕12号 (2025-09-01)
PENSIONER_FACTS: dict[str, Any] = {
    "work_province": "湖北省", "work_city": "武汉市", "occupation": "delivery_rider", "engagement": "none",
    "counterparty": "platform", "platform_manages_work": True, "can_refuse_orders": False, "sets_own_hours": False,
    "must_be_online_min_hours": True, "subject_to_penalties": True, "platform_sets_price": True,
    "work_is_core_business": True, "long_term_continuous": True, "main_income_source": True, "age": 63,
}
DOUBTFUL_FOR_PENSIONER = ("contract.labor_contract", "contract.double_pay_no_written_contract",
                          "contract.deemed_open_ended", "contract.severance_pay", "contract.unlawful_termination",
                          "contract.resign_for_employer_fault", "pension.employer_social_insurance",
                          "employment_services.unemployment_insurance", "injury.work_injury_insurance",
                          "medical.employee_via_employer", "medical.maternity_insurance")


@pytest.mark.parametrize("backend", ["python", "durable"])
def test_a_known_pensioner_is_promised_no_contract_bound_right(rulebase: RuleBase, backend: str) -> None:
    from rights_engine.backends import durable

    if backend == "durable" and not durable.available():
        pytest.skip("durable-rules does not import here")
    result = Engine(rulebase, backend=backend).evaluate({**PENSIONER_FACTS, "receives_pension": True}, as_of=TODAY)
    assert result.classification.category == "labor_relation"  # classified on the facts since 2025-09-01
    for ent_id in DOUBTFUL_FOR_PENSIONER:
        e = _ent(result, ent_id)
        assert e.status == "pending" and e.needs == [], ent_id  # not a promise, and no fact would settle it
        assert _cites(e, "labor-contract-law", "第四十四条（二）"), ent_id
        assert any("养老金" in note and "不作承诺" in note for note in e.notes), ent_id
    assert _cites(_ent(result, "employment_services.unemployment_insurance"), "social-insurance-law", "第五十一条（四）")
    # a retired member of employees' medical insurance with the required years pays no further contributions
    for ent_id in ("medical.employee_via_employer", "medical.maternity_insurance"):
        assert _cites(_ent(result, ent_id), "social-insurance-law", "第二十七条"), ent_id
    assert _cites(_ent(result, "contract.severance_pay"), "labor-contract-law-regulation", "第二十一条")
    # a pensioner taken on and insured against work injury (e.g. by project) is under the Regulation: 人社部发〔2016〕29号 二
    assert _cites(_ent(result, "injury.work_injury_insurance"), "mohrss-2016-29", "二")


@pytest.mark.parametrize("pension", [None, False])
def test_an_unanswered_or_negative_pension_question_changes_nothing(engine: Engine, pension: Any) -> None:
    profile = {**PENSIONER_FACTS, "receives_pension": pension}
    result = engine.evaluate(profile, as_of=TODAY)
    for ent_id in DOUBTFUL_FOR_PENSIONER:
        e = _ent(result, ent_id)
        assert e.status == "applies", ent_id
        assert not _cites(e, "labor-contract-law", "第四十四条（二）"), ent_id
        assert "receives_pension" not in e.needs


def test_a_pensioner_before_2025_09_01_is_in_a_civil_relation_and_the_exception_adds_nothing(engine: Engine) -> None:
    result = engine.evaluate({**PENSIONER_FACTS, "receives_pension": True}, as_of=dt.date(2025, 8, 31))
    assert result.classification.category == "civil_relation"
    assert not {e.id for e in result.entitlements} & set(DOUBTFUL_FOR_PENSIONER)


@pytest.mark.parametrize("province", ["湖北省", "湖南省", "云南省", "北京市"])
def test_a_pensioner_is_not_offered_pension_enrolment(engine: Engine, province: str) -> None:
    civil = {"work_province": province, "occupation": "delivery_rider", "engagement": "individual_business",
             "platform_manages_work": False, "can_refuse_orders": True, "sets_own_hours": True}
    offered = {e.id for e in engine.evaluate({**civil, "receives_pension": None}, as_of=TODAY).entitlements}
    assert "pension.flexible_worker_employee_scheme" in offered  # the question unanswered: still offered
    result = engine.evaluate({**civil, "receives_pension": True}, as_of=TODAY)
    ids = {e.id for e in result.entitlements}
    assert "pension.flexible_worker_employee_scheme" not in ids and "pension.resident_scheme" not in ids


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_says_why_a_pensioner_is_not_offered_enrolment(engine: Engine, lang: str) -> None:
    """The why-not list names the exception (already drawing a pension), not a condition that would not matter."""
    from rights_engine.report import not_granted_lines

    civil = {"work_province": "湖南省", "occupation": "delivery_rider", "engagement": "individual_business",
             "platform_manages_work": False, "can_refuse_orders": True, "sets_own_hours": True}
    result = engine.evaluate({**civil, "receives_pension": True}, as_of=TODAY, lang=lang, explain=True)
    withdrawn = [n for n in result.not_granted or () if n.id == "pension.flexible_worker_employee_scheme"]
    assert withdrawn and all(n.note and not n.failed for n in withdrawn)
    note = engine.rulebase.entitlements["pension.flexible_worker_employee_scheme"].unless
    assert note is not None and all(n.note == note.note.get(lang) for n in withdrawn)
    title = withdrawn[0].title
    assert [line for line in not_granted_lines(result, lang) if line.startswith(title)] == [f"{title}: {withdrawn[0].note}"]
    unanswered = engine.evaluate({**civil, "receives_pension": None}, as_of=TODAY, lang=lang, explain=True)
    assert not any(n.note for n in unanswered.not_granted or ())  # the exception unknown: it explains nothing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_names_an_entitlement_not_granted_once(engine: Engine, lang: str) -> None:
    """An entitlement two rules could grant, both failing on different facts, is one why-not line with both reasons
    and both rules' citations (it was one line per rule: the same title twice)."""
    from rights_engine.report import failed_text, not_granted_lines, not_granted_once

    employee = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
                "engagement": "labor_contract", "counterparty": "platform", "platform_manages_work": True}
    result = engine.evaluate(employee, as_of=TODAY, lang=lang, explain=True)
    by_id: dict[str, list[set[str]]] = {}
    for n in result.not_granted or ():
        by_id.setdefault(n.id, []).append({f.field for f in n.failed})
    twice = {i: sets for i, sets in by_id.items() if len(sets) > 1 and len(set().union(*sets)) > 1}
    assert twice, "the profile should meet an entitlement two rules fail on different facts"
    lines = not_granted_lines(result, lang)
    titles = [line.split(": ", 1)[0] for line in lines]
    assert len(titles) == len(set(titles))
    for n, failed in not_granted_once(result):
        if n.id in twice:
            fields = {f for f, _ in failed}
            assert fields == set().union(*twice[n.id])
            line = next(x for x in lines if x.startswith(f"{n.title}: "))
            assert all(failed_text(f, t, lang) in line for f, t in failed)
            rules_cites = {c.model_dump_json() for m in result.not_granted or () if m.id == n.id for c in m.citations}
            assert {c.model_dump_json() for c in n.citations} == rules_cites


def test_the_batch_path_agrees_on_a_pensioner(rulebase: RuleBase) -> None:
    pl = pytest.importorskip("polars")
    from rights_engine.batch import evaluate_table

    rows = [{**PENSIONER_FACTS, "receives_pension": value} for value in (True, None, False)]
    table = evaluate_table(pl.DataFrame(rows), as_of=TODAY)
    for profile, row in zip(rows, table.iter_rows(named=True), strict=True):
        expected = {e.id: e.status for e in Engine(rulebase, backend="python").evaluate(profile, as_of=TODAY).entitlements}
        for ent_id in DOUBTFUL_FOR_PENSIONER:
            assert row[ent_id] == expected[ent_id], (profile["receives_pension"], ent_id)
    assert table["contract.severance_pay"].to_list() == ["pending", "applies", "applies"]


# -- 「督促企业……」 binds the government; the statute binds the employer of an employee ------------------------------
@pytest.mark.parametrize("ent_id", ["pay.reasonable_workload", "rest.fatigue_warning_dispatch_pause",
                                    "safety.protective_equipment", "safety.safety_training"])
def test_hubei_urging_clauses_are_encouraged_for_a_worker_not_fully_employed(engine: Engine, ent_id: str) -> None:
    result = engine.evaluate({**INCOMPLETE, "work_province": "湖北省"}, as_of=TODAY)
    assert result.classification.category == "incomplete_labor_relation"
    e = _ent(result, ent_id)
    assert e.force == "encouraged", (ent_id, e.force)
    assert not _cites(e, "work-safety-law")


def test_work_safety_law_binds_the_employer_of_an_employee_not_the_platform_of_the_self_employed(engine: Engine) -> None:
    employee = engine.evaluate({**LABOUR_COURIER, "work_province": "云南省", "work_city": "文山壮族苗族自治州"},
                               as_of=TODAY)
    e = _ent(employee, "safety.protective_equipment")
    assert e.force == "mandatory" and _cites(e, "work-safety-law", "第四十五条")
    assert e.claim is not None and e.claim.owed_by is not None and e.claim.owed_by.id == "employer"
    self_employed = {"work_province": "云南省", "work_city": "文山壮族苗族自治州", "occupation": "delivery_rider",
                     "engagement": "individual_business", "platform_manages_work": False, "can_refuse_orders": True,
                     "sets_own_hours": True, "receives_pension": False}
    result = engine.evaluate(self_employed, as_of=TODAY)
    assert result.classification.category == "civil_relation"
    for ent_id in ("safety.protective_equipment", "safety.safety_training", "safety.safety_responsibility"):
        found = [x for x in result.entitlements if x.id == ent_id]
        for x in found:
            assert not _cites(x, "work-safety-law"), ent_id
            assert x.force == "encouraged", ent_id


def test_dispatch_measures_do_not_reach_streamers(engine: Engine) -> None:
    base = {**INCOMPLETE, "work_province": "湖北省"}
    rider = {e.id for e in engine.evaluate(base, as_of=TODAY).entitlements}
    assert {"rest.fatigue_warning_dispatch_pause", "pay.reasonable_workload"} <= rider
    streamer = {e.id for e in engine.evaluate({**base, "occupation": "live_streamer"}, as_of=TODAY).entitlements}
    assert not {"rest.fatigue_warning_dispatch_pause", "pay.reasonable_workload"} & streamer


def test_wenshan_special_inspection_states_its_open_deadline(engine: Engine) -> None:
    result = engine.evaluate({**LABOUR_COURIER, "work_province": "云南省", "work_city": "文山壮族苗族自治州"},
                             as_of=TODAY)
    e = _ent(result, "remedies.labour_inspection_complaint")
    assert any(c.quote.startswith("完成时限:持续推进") for c in e.citations)
    assert any("没有写结束日期" in note and "是否仍在进行" in note for note in e.notes)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_handout_tells_a_pensioner_what_is_not_promised(engine: Engine, lang: str) -> None:
    from rights_engine.report import handout_lines

    heading = {"zh": "不作承诺的权益", "en": "Not promised, whatever you answer"}[lang]
    pensioner = engine.evaluate({**PENSIONER_FACTS, "receives_pension": True}, as_of=TODAY, lang=lang)
    text = "\n".join(handout_lines(pensioner))
    section = text[text.index(heading):]
    assert _ent(pensioner, "contract.severance_pay").title in section
    in_full = {"zh": "劳动法律全面适用", "en": "labour law applies in full"}[lang]
    assert in_full not in text  # the situation in short no longer promises the whole of labour law
    unanswered = engine.evaluate({**PENSIONER_FACTS, "receives_pension": None}, as_of=TODAY, lang=lang)
    assert heading not in "\n".join(handout_lines(unanswered))
    assert in_full in "\n".join(handout_lines(unanswered))


# -- a pensioner's labour standards (legal round 4): basic rights plain, contract-bound standards disputed ---------
#: standards of labour law whose reach to a worker who draws a pension is unsettled since 2025-09-01
STANDARDS_DISPUTED = ("pay.minimum_wage", "pay.overtime_premium", "pay.holiday_premium", "rest.paid_annual_leave",
                      "pay.arrears_additional_compensation")
#: the basic rights 国务院关于渐进式延迟法定退休年龄的办法 第六条 secures (pay, rest and leave, safety and health)
BASIC_PLAIN = ("pay.full_timely_payment", "rest.rest_arrangements", "safety.protective_equipment")


@pytest.mark.parametrize("backend", ["python", "durable"])
def test_a_pensioners_labour_standards_are_disputed_and_basic_rights_stay(rulebase: RuleBase, backend: str) -> None:
    from rights_engine.backends import durable

    if backend == "durable" and not durable.available():
        pytest.skip("durable-rules does not import here")
    profile = {**PENSIONER_FACTS, "receives_pension": True, "works_statutory_holidays": True}
    result = Engine(rulebase, backend=backend).evaluate(profile, as_of=TODAY)
    assert result.classification.category == "labor_relation"
    for ent_id in STANDARDS_DISPUTED:
        e = _ent(result, ent_id)
        assert e.status == "pending" and e.needs == [], ent_id
        assert _cites(e, "labor-contract-law", "第四十四条（二）") and _cites(e, "spc-2025-12", "第二十一条"), ent_id
        assert _cites(e, "retirement-age-measures", "第六条"), ent_id
        assert any("不作承诺" in n and "第六条" in n for n in e.notes), ent_id
    for ent_id in BASIC_PLAIN:
        e = _ent(result, ent_id)
        assert e.status == "applies" and e.force == "mandatory", ent_id
        assert _cites(e, "retirement-age-measures", "第六条"), ent_id
    for ent_id in ("rest.weekly_rest_day", "rest.working_hours_limit", "injury.work_injury_recognition"):
        assert _ent(result, ent_id).status == "applies", ent_id  # rest and the right to apply are not in doubt
    assert _cites(_ent(result, "injury.work_injury_insurance"), "retirement-age-measures", "第六条")


def test_a_pensioners_part_time_contract_is_disputed(engine: Engine) -> None:
    profile = {**PENSIONER_FACTS, "engagement": "part_time_contract", "receives_pension": True}
    result = engine.evaluate(profile, as_of=TODAY)
    assert result.classification.category == "labor_relation"
    e = _ent(result, "contract.part_time_contract")
    assert e.status == "pending" and _cites(e, "labor-contract-law", "第四十四条（二）")
    assert _ent(engine.evaluate({**profile, "receives_pension": False}, as_of=TODAY),
                "contract.part_time_contract").status == "applies"


@pytest.mark.parametrize("pension", [None, False])
def test_without_a_known_pension_the_standards_stay_plain(engine: Engine, pension: Any) -> None:
    profile = {**PENSIONER_FACTS, "receives_pension": pension, "works_statutory_holidays": True}
    result = engine.evaluate(profile, as_of=TODAY)
    for ent_id in STANDARDS_DISPUTED + BASIC_PLAIN:
        e = _ent(result, ent_id)
        assert e.status == "applies", ent_id
        assert not _cites(e, "retirement-age-measures"), ent_id


def test_a_pensioner_not_fully_employed_keeps_the_provincial_minimum_wage(engine: Engine) -> None:
    """The exception reaches only employees: 不完全符合 rights do not rest on a labour contract."""
    result = engine.evaluate({**INCOMPLETE, "work_province": "湖北省", "receives_pension": True}, as_of=TODAY)
    assert result.classification.category == "incomplete_labor_relation"
    assert _ent(result, "pay.minimum_wage").status == "applies"


def test_before_2025_09_01_a_managed_pensioner_still_has_the_basic_rights_from_2025(engine: Engine) -> None:
    """法释〔2020〕26号 第三十二条 made it a civil relation, but from 2025-01-01 the employer still owes pay, rest and safety."""
    profile = {**PENSIONER_FACTS, "receives_pension": True}
    during = engine.evaluate(profile, as_of=dt.date(2025, 8, 31))
    assert during.classification.category == "civil_relation"
    for ent_id in BASIC_PLAIN:
        assert _cites(_ent(during, ent_id), "retirement-age-measures", "第六条"), ent_id
    assert not {e.id for e in during.entitlements} & set(STANDARDS_DISPUTED)
    before = engine.evaluate(profile, as_of=dt.date(2024, 12, 31))
    assert not any(_cites(e, "retirement-age-measures") for e in before.entitlements)
    own_business = {"work_province": "湖北省", "occupation": "delivery_rider", "engagement": "individual_business",
                    "platform_manages_work": False, "can_refuse_orders": True, "sets_own_hours": True,
                    "receives_pension": True}
    # the worker's own business: never owed by an employer (at most pending while the classification hesitates)
    assert all(e.status == "pending" for e in engine.evaluate(own_business, as_of=TODAY).entitlements
               if _cites(e, "retirement-age-measures"))


def test_the_batch_path_agrees_on_a_pensioners_standards(rulebase: RuleBase) -> None:
    pl = pytest.importorskip("polars")
    from rights_engine.batch import evaluate_table

    rows = [{**PENSIONER_FACTS, "receives_pension": value, "works_statutory_holidays": True}
            for value in (True, None, False)]
    for day in (TODAY, dt.date(2025, 8, 31)):
        table = evaluate_table(pl.DataFrame(rows), as_of=day)
        for profile, row in zip(rows, table.iter_rows(named=True), strict=True):
            expected = {e.id: e.status for e in Engine(rulebase, backend="python").evaluate(profile, as_of=day).entitlements}
            for ent_id in STANDARDS_DISPUTED + BASIC_PLAIN:
                assert row[ent_id] == expected.get(ent_id, "not_granted"), (day, profile["receives_pension"], ent_id)


# -- a dispatched worker's work injury and legal aid (legal round 4) -----------------------------------------------
DISPATCHED: dict[str, Any] = {"work_province": "湖南省", "occupation": "delivery_rider", "engagement": "dispatch",
                              "counterparty": "dispatch_agency", "managed_by": "platform",
                              "platform_manages_work": True, "receives_pension": False}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_dispatched_workers_injury_names_the_dispatch_agency(engine: Engine, lang: str) -> None:
    """劳务派遣暂行规定 第十条: the agency applies for recognition and bears the insurance liability; the user assists."""
    result = engine.evaluate(DISPATCHED, as_of=TODAY, lang=lang)
    assert result.classification.employment_mode == "dispatched"
    for ent_id in ("injury.work_injury_recognition", "injury.work_injury_insurance"):
        e = _ent(result, ent_id)
        assert e.status == "applies"
        assert e.claim is not None and e.claim.owed_by is not None and e.claim.owed_by.id == "dispatch_agency", ent_id
        assert _cites(e, "labor-dispatch-provisions", "第十条") and _cites(e, "labor-contract-law", "第五十八条"), ent_id
    recognition = _ent(result, "injury.work_injury_recognition")
    assert _cites(recognition, "work-injury-regulation", "第十七条")  # if the agency does not apply: the worker may
    before = engine.evaluate(DISPATCHED, as_of=dt.date(2014, 2, 28))  # before the Provisions took effect
    assert not any(_cites(e, "labor-dispatch-provisions") for e in before.entitlements)


def test_a_directly_employed_workers_injury_still_names_the_employer(engine: Engine) -> None:
    result = engine.evaluate({**LABOUR_COURIER, "work_province": "湖南省"}, as_of=TODAY)
    e = _ent(result, "injury.work_injury_recognition")
    assert e.claim is not None and e.claim.owed_by is not None and e.claim.owed_by.id == "employer"
    assert not _cites(e, "labor-dispatch-provisions")


@pytest.mark.parametrize("profile", [LABOUR_COURIER, INCOMPLETE,
                                     {"occupation": "delivery_rider", "engagement": "individual_business",
                                      "platform_manages_work": False, "can_refuse_orders": True,
                                      "sets_own_hours": True, "receives_pension": False}])
def test_legal_aid_states_who_qualifies_for_every_worker_from_2022(engine: Engine, profile: dict[str, Any]) -> None:
    """法律援助法 第三十一条（五）: confirming a labour relation or claiming pay — whatever the relation (Hunan has no
    standing provincial text on legal aid)."""
    hunan = {**profile, "work_province": "湖南省"}
    e = _ent(engine.evaluate(hunan, as_of=TODAY), "remedies.legal_aid")
    assert e.status == "applies" and e.force == "option"
    assert _cites(e, "legal-aid-law", "第三十一条（五）") and _cites(e, "legal-aid-law", "第四十二条（三）")
    assert any("经济困难" in n and "进城务工人员" in n for n in e.notes)
    assert all(c.verification == "verified" for c in e.citations if c.source_id == "legal-aid-law")
    before = engine.evaluate(hunan, as_of=dt.date(2021, 12, 31))
    assert not any(_cites(x, "legal-aid-law") for x in before.entitlements)
    hong_kong = engine.evaluate({**profile, "work_province": "香港特别行政区"}, as_of=TODAY)
    assert not any(_cites(x, "legal-aid-law") for x in hong_kong.entitlements)


def test_a_disputed_right_says_its_exception_once_beside_each_rules_own_note(engine: Engine, rulebase: RuleBase) -> None:
    """Two rules grant the minimum wage to an employee (劳动法 第四十八条 and the 最低工资规定): for a known pensioner each
    becomes a disputed twin, and the exception's note is shown once, not glued to each rule's own note."""
    result = engine.evaluate({"work_province": "湖南省", "work_city": "长沙市", **LABOUR_COURIER,
                              "platform_manages_work": True, "can_refuse_orders": False, "sets_own_hours": False,
                              "age": 63, "receives_pension": True}, as_of=TODAY)
    wage = _ent(result, "pay.minimum_wage")
    exception = rulebase.entitlements["pay.minimum_wage"].unless
    assert exception is not None and wage.status == "pending"
    from rights_engine.i18n import readable_dates

    said = readable_dates(exception.note.get("zh"), "zh")
    assert sum(said in n for n in wage.notes) == 1 and said in wage.notes
    twins = [r for r in rulebase.rules if r.spec.entitlement == "pay.minimum_wage" and r.exception_note is not None]
    assert len(twins) >= 2  # more than one rule grants it, so the note could repeat


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("place", [("湖南省", "长沙市"), ("云南省", "临沧市"), ("湖北省", "武汉市"), ("广东省", "深圳市")])
def test_the_result_itself_writes_days_as_people_do(engine: Engine, lang: str, place: tuple[str, str]) -> None:
    """Not only the report and the page: an app showing ``evaluate()``'s texts gets 2026年7月1日 / July 1, 2026, never
    an ISO day, in summaries, notes, what the quoted text does not say, reasons, what-ifs and why-not lines."""
    iso = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
    for profile in ({"occupation": "delivery_rider", "engagement": "cooperation_agreement"},
                    {**LABOUR_COURIER, "age": 63, "receives_pension": True, "platform_manages_work": True}):
        result = engine.evaluate({"work_province": place[0], "work_city": place[1], **profile},
                                 as_of=dt.date(2026, 11, 30), lang=lang, explain=True)
        c = result.classification
        texts = [t for e in result.entitlements for t in (e.summary, *e.notes, *(f.text for f in e.outside_facts))]
        texts += [r.text for r in (*c.reasons, *c.caveats)] + [w.text for w in c.would_change]
        texts += [n.note for n in result.not_granted or [] if n.note]
        assert texts and not [t for t in texts if iso.search(t)]
