"""JSON Schema of the profile and of the result, every field described in zh and en.

``rights-engine schema profile`` / ``rights-engine schema result`` print them; the published copies are
``docs/schema/profile.schema.json`` and ``docs/schema/result.schema.json`` (a test keeps them current). The
profile's descriptions are its questions (rules/questions.yaml); the result's are below, one per field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from .profile import WorkerProfile
from .result import Result

Which = Literal["profile", "result"]

#: "Model.field" -> (zh, en). Every field of every model of the result has one (a test checks it); a new result
#: field gets its line here, then ``rights-engine schema result --output docs/schema/result.schema.json``.
RESULT_FIELDS: dict[str, tuple[str, str]] = {
    "Result.lang": ("结果文字的语言", "language of the result's text"),
    "Result.classification": ("用工关系的认定", "how the working relationship is classified"),
    "Result.entitlements": ("适用或待定的权益，每项附条文出处", "the rights that apply or are pending, each with its clauses"),
    "Result.coverage": ("规则库对该地区的覆盖情况", "how far the rule base covers the place of work"),
    "Result.problems": ("所报告问题对应的条文和求助渠道", "for each problem reported, the clauses and where to turn"),
    "Result.questions": ("接下来最值得回答的问题", "the questions most worth answering next"),
    "Result.not_granted": ("未给予的权益及原因（explain=True 时）", "entitlements not granted and why (explain=True)"),
    "Result.warnings": ("需要注意的提示", "warnings to heed"),
    "Result.provenance": ("结果的来源：规则库版本、日期", "where the result comes from: rule-base version, dates"),
    "Classification.category": ("用工关系类别", "category of the working relationship"),
    "Classification.employment_mode": ("用工形式：全日制、非全日制、劳务派遣",
                                       "employment mode: full-time, part-time, dispatched"),
    "Classification.employer": ("用工主体", "who the employer is"),
    "Classification.contract_form": ("该类别对应的合同或协议形式", "the contract form the category implies"),
    "Classification.candidates": ("尚未确定时仍可能的类别", "categories still possible when undetermined"),
    "Classification.reasons": ("认定的理由，附条文", "the reasons for the classification, with clauses"),
    "Classification.needs": ("可能改变结论的未知事实", "unknown facts that could change the outcome"),
    "Classification.caveats": ("因未知而推定不存在的例外情形", "exceptions presumed absent because unknown"),
    "Classification.certainty": ("确定程度：settled 已确定、likely 很可能、open 未定",
                                 "certainty: settled, likely or open"),
    "Classification.would_change": ("每个关键未知事实回答后类别会变成什么", "what each decisive unknown fact would change"),
    "WouldChange.field": ("档案字段", "profile field"),
    "WouldChange.value": ("会改变结论的回答", "the answer that changes the outcome"),
    "WouldChange.category": ("那时的类别", "the category it would give"),
    "WouldChange.text": ("说明文字", "explanation in the result's language"),
    "Reason.text": ("理由", "the reason"),
    "Reason.rule_id": ("得出该理由的规则", "the rule that gives it"),
    "Reason.direction": ("倾向：toward_labor 支持劳动关系、against_labor 反对、decision 决定、note 说明",
                         "direction: toward_labor, against_labor, decision or note"),
    "Reason.citations": ("出处条文", "the clauses it rests on"),
    "Entitlement.id": ("权益的稳定编号", "stable id of the entitlement"),
    "Entitlement.topic": ("主题（合同、报酬、养老……）", "topic (contract, pay, pension …)"),
    "Entitlement.title": ("权益名称", "title of the entitlement"),
    "Entitlement.summary": ("内容摘要", "summary"),
    "Entitlement.force": ("效力：mandatory 应当、option 可以、encouraged 鼓励、service 政府服务、vague 未定标准",
                          "force: mandatory, option, encouraged, service or vague"),
    "Entitlement.status": ("applies 适用；pending 取决于未知事实", "applies, or pending on unknown facts"),
    "Entitlement.needs": ("待定时需要知道的字段", "the fields a pending entitlement waits for"),
    "Entitlement.amount": ("金额（如有出处）", "amount, where a source sets one"),
    "Entitlement.claim": ("向谁主张、到哪里求助", "who owes it and where to claim it"),
    "Entitlement.citations": ("出处条文（逐字引用）", "the clauses that grant it, quoted verbatim"),
    "Entitlement.notes": ("说明（条文含糊之处等）", "notes (where a text is vague, …)"),
    "Entitlement.addresses": ("该权益针对的问题", "the problems it addresses"),
    "Entitlement.valid_until": ("限时措施的最后一天", "last day of a time-limited measure"),
    "Entitlement.rule_ids": ("给予该权益的规则", "the rules that grant it"),
    "Amount.value": ("数额", "value"),
    "Amount.unit": ("单位：month 每月、day 每天、hour 每小时、year 每年、once 一次", "unit: month, day, hour, year, once"),
    "Amount.currency": ("币种", "currency"),
    "Amount.months": ("适用的月份", "the months it is paid for"),
    "Amount.display": ("按结果语言排版的金额", "formatted in the result's language"),
    "Amount.verification": ("数额的核实程度（verified：见于所引原文）", "how the figure was checked (verified: in the quote)"),
    "Amount.months_verification": ("月份的核实程度（月份来自所引原文之外时）",
                                   "how the months were checked, when they come from outside the quote"),
    "Entitlement.outside_facts": ("所引原文之外的日期、名单、数额，各附核实程度",
                                  "dates, lists and figures from outside the quoted texts, each with how it was checked"),
    "OutsideFact.what": ("哪一类事实：数额、月份、起止日期、名单、范围、付款方、文件", "what kind of fact: amount, months, "
                         "valid_from, valid_to, date, list, scope, payer, document"),
    "OutsideFact.text": ("该事实的说明", "the fact in words"),
    "OutsideFact.verification": ("核实程度", "how it was checked"),
    "OutsideFact.source_id": ("该事实所依据的来源", "the source it comes from"),
    "Citation.basis": ("地方文件所依据的国家政策（地方条文在前）",
                       "a national policy text that the local citation before it implements"),
    "Citation.via_title": ("转引该文件的来源的标题", "title of the text that quotes this source"),
    "Claim.owed_by": ("义务人", "who owes it"),
    "Claim.channels": ("求助渠道", "where to turn"),
    "Claim.place": ("在何地主张：就业地、户籍地……", "where to claim it: place of work, hukou place, …"),
    "Claim.place_label": ("地点说明", "the place in words"),
    "ChannelRef.id": ("渠道编号", "channel id"),
    "ChannelRef.name": ("渠道名称", "channel name"),
    "Citation.source_id": ("来源文件编号", "id of the source document"),
    "Citation.document_number": ("文号", "document number (文号)"),
    "Citation.title": ("文件标题", "title of the document"),
    "Citation.issuer": ("发文机关", "issuing authority"),
    "Citation.date": ("发文日期", "date of the document"),
    "Citation.clause": ("条款", "clause"),
    "Citation.quote": ("原文逐字引用", "verbatim quote of the text"),
    "Citation.via": ("转引该文件的来源", "the source that quotes this one"),
    "Citation.source_kind": ("来源类别：省级、市州级文件，国家法律，国家政策，法院裁判",
                             "kind of source: provincial, prefectural, national law, national policy, court decision"),
    "Citation.verification": ("核实程度：verified 官方文本、republication 转载、unverified 未核实",
                              "how it was checked: verified, republication, unverified"),
    "Citation.attribution_note": ("文号、机关、日期的出处说明", "where the 文号, issuer and date come from"),
    "Citation.force": ("该条文的效力", "force of this clause"),
    "FailedCondition.condition": ("未满足的条件", "the condition not met"),
    "FailedCondition.field": ("涉及的字段", "the field it reads"),
    "FailedCondition.truth": ("false 不满足；unknown 未知", "false, or unknown"),
    "NotGranted.id": ("权益编号", "entitlement id"),
    "NotGranted.title": ("权益名称", "title"),
    "NotGranted.rule_id": ("规则编号", "rule id"),
    "NotGranted.failed": ("未满足的条件", "the conditions not met"),
    "NotGranted.citations": ("出处条文", "the clauses"),
    "NotGranted.note": ("未给予的原因（该权益的例外情形成立时，如已领取养老金）",
                        "why, when the entitlement's exception holds (e.g. already drawing a pension)"),
    "ProblemReport.problem": ("问题编号", "problem id"),
    "ProblemReport.label": ("问题名称", "the problem in words"),
    "ProblemReport.entitlements": ("针对该问题的权益", "entitlements that address it"),
    "ProblemReport.citations": ("出处条文", "the clauses"),
    "ProblemReport.channels": ("求助渠道", "where to turn"),
    "Question.field": ("档案字段", "profile field"),
    "Question.text": ("问题", "the question"),
    "Question.choices": ("可选答案", "the possible answers"),
    "Question.weight": ("重要程度", "how much the answer matters"),
    "Question.decides": ("答案会影响的内容", "what the answer decides"),
    "Coverage.covered": ("规则库是否覆盖就业地所在省份", "whether the rule base covers the province of work"),
    "Coverage.province": ("就业地省份", "province of work"),
    "Coverage.prefecture": ("就业地市州", "prefecture of work"),
    "Coverage.jurisdictions": ("适用规则所属的地区", "the jurisdictions whose rules apply"),
    "Coverage.message": ("覆盖情况说明", "coverage in words"),
    "Provenance.rulebase_hash": ("规则库指纹", "fingerprint of the rule base"),
    "Provenance.package_version": ("软件版本", "package version"),
    "Provenance.as_of": ("评估所依据的日期", "the day evaluated"),
    "Provenance.newest_source_date": ("规则库中最新来源文件的日期", "date of the newest source the rules know"),
    "Provenance.backend": ("规则引擎", "rule engine used"),
    "Provenance.rules_in_force": ("当日有效的规则数", "number of rules in force that day"),
}


def _describe(prop: dict[str, Any], zh: str, en: str) -> None:
    prop["description"] = f"{zh} / {en}"
    prop["x-description"] = {"zh": zh, "en": en}


def _schema(model: type[WorkerProfile] | type[Result]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _properties(schema: dict[str, Any], top: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """("Model.field", its schema) for every property of the schema (named ``top``) and of its $defs."""
    for model, body in {top: schema, **schema.get("$defs", {})}.items():
        for name, prop in body.get("properties", {}).items():
            yield f"{model}.{name}".lstrip("."), prop


def profile_schema() -> dict[str, Any]:
    return _schema(WorkerProfile)


def result_schema() -> dict[str, Any]:
    schema = _schema(Result)
    for key, prop in _properties(schema, "Result"):
        zh, en = RESULT_FIELDS.get(key, ("", ""))
        if zh and en:
            _describe(prop, zh, en)
    return schema


def undescribed(schema: dict[str, Any]) -> list[str]:
    """The properties of a schema (and of its $defs) without a zh and en description."""
    return [key for key, prop in _properties(schema, "")
            if not (prop.get("x-description", {}).get("zh") and prop.get("x-description", {}).get("en"))]


def schema_json(which: str) -> str:
    """The schema as JSON text (UTF-8, keys sorted, final newline): what docs/schema/ publishes."""
    data = profile_schema() if which == "profile" else result_schema()
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
