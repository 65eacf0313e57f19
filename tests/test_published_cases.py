"""The classifier agrees with published decisions (tests/data/published_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rights_engine.engine import Engine

CASES = yaml.safe_load((Path(__file__).parent / "data" / "published_cases.yaml").read_text("utf-8"))


def test_the_case_set_is_large_and_goes_both_ways() -> None:
    held = [c["decision"]["labor_relation"] for c in CASES]
    assert len(CASES) >= 12 and held.count(True) >= 5 and held.count(False) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_classifier_agrees_with_the_decision(engine: Engine, case: dict[str, Any]) -> None:
    result = engine.evaluate(case["profile"], lang="en").classification
    decision = case["decision"]
    if decision.get("category") is None and not decision["labor_relation"] and case.get("hard"):
        # the decision only rejects a labour relation with the respondent platform
        assert not (result.category == "labor_relation" and result.employer == "platform")
        return
    if decision["labor_relation"]:
        assert result.category == "labor_relation"
    else:
        assert result.category in ("incomplete_labor_relation", "civil_relation")
        if decision.get("category"):
            assert result.category == decision["category"]
    if decision.get("employer"):
        assert result.employer == decision["employer"]
    assert result.reasons and all(r.citations for r in result.reasons)


def test_labels_never_decide(engine: Engine) -> None:
    """The same facts give the same category whatever the worker signed (except a labour contract)."""
    facts = {"platform_manages_work": True, "can_refuse_orders": False, "sets_own_hours": False,
             "receives_pension": False}
    for label in ("cooperation_agreement", "individual_business", "written_agreement", "none"):
        result = engine.evaluate({**facts, "engagement": label}, lang="en").classification
        assert result.category == "labor_relation"
        assert any(r.rule_id == "cls.reason.facts_over_label" for r in result.reasons)


def test_pension_makes_a_civil_relation_even_with_a_contract(engine: Engine) -> None:
    result = engine.evaluate({"engagement": "labor_contract", "receives_pension": True}).classification
    assert result.category == "civil_relation"


@pytest.mark.parametrize(("hours", "mode"), [({"daily_hours": 4, "weekly_hours": 24}, "part_time"),
                                             ({"daily_hours": 4.5}, "full_time"),
                                             ({"weekly_hours": 30}, "full_time")])
def test_part_time_limits(engine: Engine, hours: dict[str, float], mode: str) -> None:
    result = engine.evaluate({"engagement": "part_time_contract", "receives_pension": False, **hours})
    assert result.classification.employment_mode == mode


def test_missing_facts_are_named_not_guessed(engine: Engine) -> None:
    result = engine.evaluate({"engagement": "cooperation_agreement", "receives_pension": False}).classification
    assert result.category == "undetermined"
    assert {"platform_manages_work", "can_refuse_orders", "sets_own_hours"} <= set(result.needs)
