"""The classifier against published decisions (tests/data/published_cases.yaml), and the weighing's guarantees.

Scoring, per decision: *agree* (labour where the decision found labour, with the employer it named; not labour
where it found none, in the category it named if it named one), *undetermined* (the engine says so), *opposite*
(labour where the decision found none, or a non-labour category where it found labour), *other* (a different
non-labour category, or another employer). Targets: agreement ≥ 95 % on the development cases (no ``batch``: the
45 decisions the weighing was built on), no opposite answer anywhere, and no opposite answer either when any one
stated fact is dropped (the ablation). The held-out batch (``batch: heldout-2026-11``, found and encoded after
the weighing was fixed) measures how the classifier generalises: no opposite answer, and its agreement (75 %
after the change it prompted, 80 % after the 2026-11-30 one, docs/design.md "Held-out check") must not fall — a
floor, not a target fitted.
``heldout-2026-11b`` was found after that change: no opposite answer. ``heldout-2026-11c`` (15 decisions found and
encoded on 2026-11-30 before the classifier was run on them): no opposite answer. ``heldout-2026-12`` (15 decisions
found and committed on 2026-12-01 before the classifier was run on them): no opposite answer. ``heldout-2026-12b``
(10 decisions found and committed on 2026-12-01, before the classifier was run on them): no opposite answer, and
its agreement (7 / 10 at the first run) must not fall.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rights_engine.engine import Engine

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "published_cases.yaml").read_text("utf-8"))
HELD_OUT = "heldout-2026-11"  # measured before the change it prompted
HELD_OUT_AFTER = "heldout-2026-11b"  # found after that change: measures the changed classifier
HELD_OUT_THIRD = "heldout-2026-11c"  # 15 more, encoded before the classifier was run on them (2026-11-30)
HELD_OUT_FOURTH = "heldout-2026-12"  # 15 more, encoded and committed before the classifier was run on them (2026-12-01)
HELD_OUT_FIFTH = "heldout-2026-12b"  # 10 more, encoded and committed before the classifier was run on them (2026-12-01)
DEVELOPMENT = [c for c in CASES if "batch" not in c]
BATCHES = {"development": DEVELOPMENT,
           **{name: [c for c in CASES if c.get("batch") == name]
              for name in (HELD_OUT, HELD_OUT_AFTER, HELD_OUT_THIRD, HELD_OUT_FOURTH, HELD_OUT_FIFTH)}}


def verdict(engine: Engine, case: dict[str, Any], profile: dict[str, Any]) -> str:
    result = engine.evaluate(profile, lang="en").classification
    decision = case["decision"]
    labour = result.category == "labor_relation"
    if decision.get("respondent_only"):
        # the decision only rejects the respondent platform as employer
        return "opposite" if labour and result.employer == "platform" else "agree"
    if result.category == "undetermined":
        return "undetermined"
    if decision["labor_relation"]:
        if not labour:
            return "opposite"
        return "agree" if not decision.get("employer") or result.employer == decision["employer"] else "other"
    if labour:
        return "opposite"
    return "agree" if not decision.get("category") or result.category == decision["category"] else "other"


def test_the_case_set_is_large_and_goes_both_ways() -> None:
    held = [c["decision"]["labor_relation"] for c in CASES]
    assert len(DEVELOPMENT) >= 45 and held.count(True) >= 15 and held.count(False) >= 15
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {c.get("batch", "development") for c in CASES} == set(BATCHES)
    for case in CASES:
        assert case["source"]["url"].startswith("http") and case["decision"]["key_reasoning"].strip()


def test_the_held_out_batch_is_large_quoted_and_goes_both_ways() -> None:
    batch = BATCHES[HELD_OUT]
    held = [c["decision"]["labor_relation"] for c in batch]
    assert len(batch) >= 20 and held.count(True) >= 8 and held.count(False) >= 8
    later = BATCHES[HELD_OUT_AFTER] + BATCHES[HELD_OUT_THIRD] + BATCHES[HELD_OUT_FOURTH] + BATCHES[HELD_OUT_FIFTH]
    for case in batch + later:  # a verbatim excerpt as read at its url
        assert case["decision"]["quote"].strip() and case["source"]["checked"] in ("official", "reprint")


def agreement(engine: Engine, cases: list[dict[str, Any]]) -> tuple[float, list[str], list[str]]:
    verdicts = {c["id"]: verdict(engine, c, c["profile"]) for c in cases}
    missed = [i for i, v in verdicts.items() if v != "agree"]
    return 1 - len(missed) / len(cases), missed, [i for i, v in verdicts.items() if v == "opposite"]


def test_agreement_with_published_decisions(engine: Engine) -> None:
    share, missed, opposite = agreement(engine, DEVELOPMENT)
    print(f"agreement {share:.1%} on {len(DEVELOPMENT)} development decisions; missed: {missed}")
    assert not opposite
    assert share >= 0.95, missed


def test_agreement_with_held_out_decisions(engine: Engine) -> None:
    share, missed, opposite = agreement(engine, BATCHES[HELD_OUT])
    print(f"agreement {share:.1%} on {len(BATCHES[HELD_OUT])} held-out decisions; missed: {missed}")
    assert not opposite
    assert share >= 0.8, missed  # 75 % before the 2026-11-30 change, 80 % after (docs/design.md "Held-out check")
    later, missed, opposite = agreement(engine, BATCHES[HELD_OUT_AFTER])
    print(f"agreement {later:.1%} on {len(BATCHES[HELD_OUT_AFTER])} decisions found after the change; missed: {missed}")
    assert not opposite
    third, missed, opposite = agreement(engine, BATCHES[HELD_OUT_THIRD])
    print(f"agreement {third:.1%} on {len(BATCHES[HELD_OUT_THIRD])} decisions of the third batch; missed: {missed}")
    assert not opposite, opposite
    assert third >= 0.5, missed  # 7 / 15 before any change, 8 / 15 after, 9 / 15 after the fifth batch's change
    fourth, missed, opposite = agreement(engine, BATCHES[HELD_OUT_FOURTH])
    print(f"agreement {fourth:.1%} on {len(BATCHES[HELD_OUT_FOURTH])} decisions of the fourth batch; missed: {missed}")
    assert not opposite, opposite
    assert fourth >= 0.5, missed  # 8 / 15 before any change and after the 2026-12-01 ones: a floor, not a target
    fifth, missed, opposite = agreement(engine, BATCHES[HELD_OUT_FIFTH])
    print(f"agreement {fifth:.1%} on {len(BATCHES[HELD_OUT_FIFTH])} decisions of the fifth batch; missed: {missed}")
    assert not opposite, opposite
    assert fifth >= 0.7, missed  # 7 / 10 before any change and after it (the misses state no control fact): a floor


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_dropping_one_stated_fact_never_gives_the_opposite(engine: Engine, case: dict[str, Any]) -> None:
    profile = case["profile"]
    for field in profile:
        if field == "as_of":
            continue
        fewer = {k: v for k, v in profile.items() if k != field}
        assert verdict(engine, case, fewer) != "opposite", field


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_decided_case_gives_its_reasons(engine: Engine, case: dict[str, Any]) -> None:
    result = engine.evaluate(case["profile"], lang="zh").classification
    if result.category != "undetermined":
        assert result.reasons and all(r.citations for r in result.reasons)
        assert result.certainty in ("settled", "likely")


def test_labels_never_decide(engine: Engine) -> None:
    """The same facts give the same category whatever the worker signed (except a labour contract)."""
    facts = {"platform_manages_work": True, "can_refuse_orders": False, "sets_own_hours": False,
             "receives_pension": False}
    for label in ("cooperation_agreement", "individual_business", "written_agreement", "none"):
        result = engine.evaluate({**facts, "engagement": label}, lang="en").classification
        assert result.category == "labor_relation"
        assert any(r.rule_id.startswith("cls.reason.facts_over_label") for r in result.reasons)


def test_a_pension_made_a_civil_relation_until_the_repeal(engine: Engine) -> None:
    profile = {"engagement": "labor_contract", "receives_pension": True}
    before = engine.evaluate(profile, as_of=dt.date(2025, 8, 31)).classification
    assert before.category == "civil_relation" and before.certainty == "settled"
    assert before.reasons[0].rule_id == "cls.category.pensioner"


def test_from_september_2025_a_pensioner_is_classified_on_the_facts(engine: Engine) -> None:
    contract = engine.evaluate({"engagement": "labor_contract", "receives_pension": True},
                               as_of=dt.date(2025, 9, 1), lang="zh").classification
    assert contract.category == "labor_relation"
    note = next(r for r in contract.reasons if r.rule_id == "cls.reason.pensioner_on_the_facts")
    assert any(c.document_number == "法释〔2025〕12号" and c.clause == "第二十一条" for c in note.citations)
    managed = {"engagement": "cooperation_agreement", "receives_pension": True, "platform_manages_work": True,
               "sets_own_hours": False, "can_refuse_orders": False}
    assert engine.evaluate(managed, as_of=dt.date(2026, 1, 5)).classification.category == "labor_relation"
    assert engine.evaluate(managed, as_of=dt.date(2025, 8, 1)).classification.category == "civil_relation"


def test_before_the_repeal_an_unknown_pension_is_only_a_caveat(engine: Engine) -> None:
    result = engine.evaluate({"engagement": "labor_contract"}, as_of=dt.date(2024, 6, 1)).classification
    assert result.category == "labor_relation"
    assert "cls.category.pensioner" in [r.rule_id for r in result.caveats]
    later = engine.evaluate({"engagement": "labor_contract"}, as_of=dt.date(2025, 9, 1)).classification
    assert "cls.category.pensioner" not in [r.rule_id for r in later.caveats]


@pytest.mark.parametrize(("hours", "mode"), [({"daily_hours": 4, "weekly_hours": 24}, "part_time"),
                                             ({"daily_hours": 4.5}, "full_time"),
                                             ({"weekly_hours": 30}, "full_time")])
def test_part_time_limits(engine: Engine, hours: dict[str, float], mode: str) -> None:
    result = engine.evaluate({"engagement": "part_time_contract", "receives_pension": False, **hours})
    assert result.classification.employment_mode == mode


def test_missing_facts_are_named_not_guessed(engine: Engine) -> None:
    result = engine.evaluate({"engagement": "cooperation_agreement", "receives_pension": False}).classification
    assert result.category == "undetermined" and result.certainty == "open"
    assert {"platform_manages_work", "can_refuse_orders", "sets_own_hours"} <= set(result.needs)
