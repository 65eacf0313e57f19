"""The rule base as law: verbatim quotes, full coverage, force and claim, jurisdiction and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from rights_engine.engine import Engine
from rights_engine.rulebase import RuleBase, covered_provisions
from rights_engine.textnorm import normalise

ROOT = Path(__file__).resolve().parents[1]
SHARED_SPEC = ROOT.parent / "shared" / "spec"


def test_every_quote_stands_verbatim_in_its_vendored_source(rulebase: RuleBase) -> None:
    """Independent of the loader: read the raw texts again and look for every quote."""
    checked = 0
    for rule in rulebase.rules:
        for c in rule.citations:
            text_id = c.via.id if c.via else c.source.id
            raw = next(p for p in (ROOT / "rules" / "sources" / "texts" / f"{text_id}.txt",
                                   ROOT / "rules" / "sources" / "external" / f"{text_id}.txt") if p.exists())
            assert normalise(c.quote) in normalise(raw.read_text("utf-8")), (rule.id, c.quote)
            checked += 1
    assert checked > 200


def test_normalisation_handles_seed_artefacts() -> None:
    assert normalise("[bookmark: OLE_LINK1]（三）加强**平台**企业\n\n用工") == "（三）加强平台企业用工"


def test_the_seed_texts_are_vendored_whole() -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("../shared is not beside the checkout")
    vendored = "".join(p.read_text("utf-8") for p in (ROOT / "rules" / "sources" / "texts").glob("*.txt"))
    for seed in seeds.glob("*.txt"):
        for paragraph in seed.read_text("utf-8").split("\n\n"):
            assert normalise(paragraph) in normalise(vendored)


def test_the_checklist_contains_the_spec() -> None:
    """rules/coverage.yaml is the spec's checklist, plus national provisions (marked ``scope: national``)."""
    if not (SHARED_SPEC / "coverage.yaml").exists():
        pytest.skip("../shared is not beside the checkout")

    def provisions(path: Path) -> dict[str, list[tuple[object, object, object]]]:
        # Clause, topic and scope of each entry: the spec's copy leaves `grants` unquoted, so YAML splits its commas
        # into stray keys, which our copy (checked strictly at load) quotes.
        data = yaml.safe_load(path.read_text("utf-8"))
        return {sid: [(e.get("clause"), e.get("topic"), e.get("scope")) for e in entries] for sid, entries in data.items()}

    ours, spec = provisions(ROOT / "rules" / "coverage.yaml"), provisions(SHARED_SPEC / "coverage.yaml")
    for sid, entries in spec.items():
        assert ours.get(sid) == entries, sid  # every source of the spec, entry for entry, in the same order
    extra = [entry for sid, entries in ours.items() if sid not in spec for entry in entries]
    assert extra and all(scope == "national" for _, _, scope in extra)


def test_every_provision_of_the_checklist_is_cited(rulebase: RuleBase) -> None:
    table = covered_provisions(rulebase)
    missing = [(sid, entry) for entry, sid, rules in table if not rules]
    assert not missing
    assert len([1 for entry, _, _ in table if entry.get("scope") != "national"]) == 66
    assert len([1 for entry, _, _ in table if entry.get("scope") == "national"]) == 10


def test_source_ids_are_the_canonical_ones(rulebase: RuleBase) -> None:
    if not (SHARED_SPEC / "sources.yaml").exists():
        pytest.skip("../shared is not beside the checkout")
    canonical = {s["id"] for s in yaml.safe_load((SHARED_SPEC / "sources.yaml").read_text("utf-8"))}
    for rule in rulebase.rules:
        for c in rule.citations:
            assert c.source.id in canonical or c.source.outside_seeds, c.source.id


def test_every_entitlement_rule_has_force_words_in_its_quote_and_a_claim(rulebase: RuleBase) -> None:
    for rule in rulebase.rules:
        if rule.spec.kind != "entitlement":
            continue
        assert rule.spec.force and rule.spec.force_words
        assert all(normalise(w) in normalise(rule.spec.quote) for w in rule.spec.force_words), rule.id
        assert rule.spec.claim and (rule.spec.claim.owed_by or rule.spec.claim.channels), rule.id


def test_vague_texts_are_never_promoted(rulebase: RuleBase) -> None:
    for rule in rulebase.rules:
        words = "".join(rule.spec.force_words)
        if "适当" in words or "视情况" in words:
            assert rule.spec.force == "vague", rule.id
        if rule.spec.force == "mandatory":
            assert not {"鼓励", "引导", "支持"} & set(rule.spec.force_words), rule.id


HUNAN_HEAT = {"work_province": "湖南省", "engagement": "labor_contract", "receives_pension": False,
              "high_temperature_work": True, "occupation": "courier"}


@pytest.mark.parametrize(("day", "amount"), [(dt.date(2023, 6, 30), 150), (dt.date(2023, 7, 1), 300),
                                            (dt.date(2025, 8, 1), 300)])
def test_hunan_high_temperature_allowance_follows_as_of(engine: Engine, day: dt.date, amount: int) -> None:
    result = engine.evaluate(HUNAN_HEAT, as_of=day)
    allowance = next(e for e in result.entitlements if e.id == "weather.high_temperature_allowance")
    assert allowance.status == "applies" and allowance.force == "mandatory"
    assert allowance.amount is not None and allowance.amount.value == amount
    assert result.provenance.as_of == day


def test_as_of_comes_from_the_profile_when_not_given(engine: Engine) -> None:
    result = engine.evaluate({**HUNAN_HEAT, "as_of": "2023-06-30"})
    allowance = next(e for e in result.entitlements if e.id == "weather.high_temperature_allowance")
    assert allowance.amount is not None and allowance.amount.value == 150


def test_no_allowance_amount_outside_hunan(engine: Engine) -> None:
    result = engine.evaluate({**HUNAN_HEAT, "work_province": "云南省"}, as_of=dt.date(2024, 7, 1))
    allowance = next(e for e in result.entitlements if e.id == "weather.high_temperature_allowance")
    assert allowance.amount is None  # the statute's duty applies; Yunnan's figure is not in the rule base


def test_severe_weather_subsidy_in_hubei_is_vague_and_says_so(engine: Engine) -> None:
    result = engine.evaluate({"work_province": "湖北省", "outdoor_work": True, "engagement": "labor_contract",
                              "receives_pension": False}, as_of=dt.date(2024, 7, 1), lang="en")
    subsidy = next(e for e in result.entitlements if e.id == "weather.severe_weather_outdoor_subsidy")
    assert subsidy.force == "vague" and subsidy.amount is None
    assert any("amount" in n.lower() for n in subsidy.notes + [subsidy.summary])


def test_hubei_attribution_is_marked_as_from_outside_the_seed(engine: Engine) -> None:
    result = engine.evaluate({"work_province": "湖北省", "engagement": "labor_contract", "receives_pension": False})
    hubei = [c for e in result.entitlements for c in e.citations if c.source_id == "hubei-2022-measures"]
    assert hubei and all(c.attribution_note for c in hubei)
    assert all(c.document_number == "鄂人社发〔2022〕11号" for c in hubei)


def test_jurisdictions_never_mix(engine: Engine) -> None:
    hunan = engine.evaluate({"work_province": "湖南省", "engagement": "labor_contract", "receives_pension": False})
    cited = {c.source_id for e in hunan.entitlements for c in e.citations}
    assert not cited & {"yunnan-2021-40", "wenshan-2022-plan", "lincang-2022-6", "hubei-2022-measures"}
    kunming = engine.evaluate({"work_province": "云南省", "work_city": "昆明市", "engagement": "labor_contract",
                               "receives_pension": False})
    cited = {c.source_id for e in kunming.entitlements for c in e.citations}
    assert "yunnan-2021-40" in cited and not cited & {"wenshan-2022-plan", "lincang-2022-6"}
    wenshan = engine.evaluate({"work_province": "云南省", "work_city": "文山市", "engagement": "labor_contract",
                               "receives_pension": False})
    cited = {c.source_id for e in wenshan.entitlements for c in e.citations}
    assert {"yunnan-2021-40", "wenshan-2022-plan"} <= cited and "lincang-2022-6" not in cited


def test_unknown_city_in_yunnan_leaves_prefecture_rules_pending(engine: Engine) -> None:
    result = engine.evaluate({"work_province": "云南省", "engagement": "labor_contract", "receives_pension": False})
    only_prefecture = [e for e in result.entitlements
                       if all(c.source_id in ("wenshan-2022-plan", "lincang-2022-6") for c in e.citations)]
    assert only_prefecture and all(e.status == "pending" and "work_city" in e.needs for e in only_prefecture)


def test_uncovered_province_gets_a_statement_and_only_national_law(engine: Engine) -> None:
    result = engine.evaluate({"work_province": "北京市", "engagement": "labor_contract", "receives_pension": False},
                             lang="en")
    assert not result.coverage.covered and "北京市" in result.coverage.message
    national = ("national_law", "national_policy", "court_decision")
    assert all(c.source_kind in national for e in result.entitlements for c in e.citations)


def test_occupational_injury_pilot_is_never_a_promise(engine: Engine) -> None:
    for province in ("湖南省", "云南省"):  # not in the 2022 pilot or the 2025 expansion (Hubei is: test_national.py)
        result = engine.evaluate({"work_province": province, "occupation": "delivery_rider",
                                  "engagement": "cooperation_agreement", "platform_manages_work": True,
                                  "can_refuse_orders": True, "sets_own_hours": True,
                                  "must_be_online_min_hours": False, "receives_pension": False},
                                 as_of=dt.date(2025, 9, 1))
        pilot = [e for e in result.entitlements if e.id == "injury.occupational_injury_protection"]
        assert pilot and pilot[0].status == "pending", province


def test_work_injury_insurance_needs_a_labour_relation(engine: Engine) -> None:
    base = {"work_province": "湖北省", "occupation": "courier", "receives_pension": False}
    labour = engine.evaluate({**base, "engagement": "labor_contract"})
    civil = engine.evaluate({**base, "engagement": "cooperation_agreement", "platform_manages_work": False,
                             "subject_to_penalties": False, "can_refuse_orders": True, "sets_own_hours": True,
                             "must_be_online_min_hours": False})
    assert any(e.id == "injury.work_injury_insurance" and e.status == "applies" for e in labour.entitlements)
    assert not any(e.id == "injury.work_injury_insurance" for e in civil.entitlements)
    assert civil.classification.category == "civil_relation"


def test_problems_point_to_clauses_and_channels(engine: Engine) -> None:
    result = engine.evaluate({"work_province": "云南省", "work_city": "临沧市", "engagement": "labor_contract",
                              "receives_pension": False, "problems": ["deposit", "unpaid_wages"]})
    reports = {p.problem: p for p in result.problems}
    assert set(reports) == {"deposit", "unpaid_wages"}
    assert reports["deposit"].citations and reports["deposit"].channels
    assert any(ch.id == "hotline_12333" for ch in reports["unpaid_wages"].channels)


def _reaches_beyond_a_labour_relation(rulebase: RuleBase, rule: object) -> bool:
    """Whether the rule's condition can hold for a worker known not to be in a labour relation."""
    from rights_engine.backends.python import evaluate
    from rights_engine.factset import known, unknown

    facts = {name: unknown(spec) for name, spec in rulebase.schema.items()}
    facts["category"] = frozenset(["incomplete_labor_relation", "civil_relation"])
    facts["receives_pension"] = known(rulebase.schema["receives_pension"], False)
    return evaluate(rule.condition, facts) is not False  # type: ignore[attr-defined]


def test_an_urging_clause_beyond_a_labour_relation_binds_nobody(rulebase: RuleBase) -> None:
    """「督促企业……」 is the government's duty to urge; where it reaches workers outside a labour relation it is neither
    mandatory nor a basis for the statute that binds an employer (docs/rule-format.md, Force)."""
    bad = [r.id for r in rulebase.rules
           if r.spec.kind == "entitlement" and normalise(r.spec.quote).startswith(normalise("督促"))
           and r.spec.force == "mandatory" and _reaches_beyond_a_labour_relation(rulebase, r)]
    assert not bad, bad


def test_the_work_safety_law_is_cited_only_where_it_binds_an_employer(rulebase: RuleBase) -> None:
    """安全生产法 binds a 生产经营单位 towards its 从业人员; a platform is not the business operator of a self-employed
    person, so no rule that reaches beyond a labour relation cites it."""
    bad = [r.id for r in rulebase.rules if r.spec.kind == "entitlement"
           and any(c.source.id == "work-safety-law" for c in r.citations)
           and _reaches_beyond_a_labour_relation(rulebase, r)]
    assert not bad, bad


def test_an_unless_twin_is_pending_and_cites_why(rulebase: RuleBase) -> None:
    from rights_engine.rulebase import UNLESS_SUFFIX

    twins = [r for r in rulebase.rules if r.id.endswith(UNLESS_SUFFIX)]
    assert twins
    for twin in twins:
        original = next(r for r in rulebase.rules if r.id == twin.id[: -len(UNLESS_SUFFIX)])
        exception = rulebase.entitlements[twin.spec.entitlement or ""].unless
        assert exception is not None and exception.effect == "disputed"
        assert twin.spec.certainty == "disputed"
        assert twin.citations[: len(original.citations)] == original.citations
        assert len(twin.citations) > len(original.citations)
        assert twin.exception_note == exception.note and twin.spec.note == original.spec.note
