"""Review finding: "Rest stations for outdoor workers" was shown as applying to a Kunming streamer whose outdoor work
was unknown. The clauses (云人社发〔2021〕40号 三（十九）, the Wenshan plan 三（十八）, Hubei 四（十一）, Lincang 三)
open the stations to 新就业形态劳动者, and Hunan's reply to 快递、外卖从业人员等: none limits them to outdoor work. So
the entitlement keeps applying, and no longer says it is for outdoor workers. The general rule tested here: a right
whose title speaks of outdoor work applies only when the worker works outdoors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rights_engine import evaluate
from rights_engine.conditions import fields
from rights_engine.rulebase import RuleBase

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "profiles").glob("*.json"))
OUTDOOR = ("户外", "outdoor")


def _speaks_of_outdoor_work(*texts: str) -> bool:
    return any(word in text.lower() for text in texts for word in OUTDOOR)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("outdoor", [None, False])
def test_no_right_for_outdoor_workers_applies_unless_the_worker_works_outdoors(path: Path, outdoor: Any) -> None:
    profile = {**json.loads(path.read_text(encoding="utf-8")), "outdoor_work": outdoor}
    for lang in ("zh", "en"):
        shown = [e.title for e in evaluate(profile, lang=lang).entitlements
                 if e.status == "applies" and _speaks_of_outdoor_work(e.title, e.summary)]
        assert shown == [], (path.stem, lang)


def test_every_rule_of_an_outdoor_right_asks_for_outdoor_work(rulebase: RuleBase) -> None:
    outdoor_rights = {eid for eid, ent in rulebase.entitlements.items()
                      if _speaks_of_outdoor_work(ent.title.zh, ent.title.en, ent.summary.zh, ent.summary.en)}
    assert outdoor_rights, "the check would be empty"
    for rule in rulebase.rules:
        if rule.spec.entitlement in outdoor_rights:
            assert "outdoor_work" in fields(rule.condition), rule.id


def test_the_kunming_streamer_is_still_told_of_the_stations() -> None:
    """The stations are for every new-employment-form worker: they stay, under a title that claims no more."""
    profile = json.loads(next(p for p in EXAMPLES if p.stem == "kunming-streamer-civil").read_text(encoding="utf-8"))
    stations = [e for e in evaluate(profile, lang="zh").entitlements if e.id == "living_services.rest_stations"]
    assert [e.status for e in stations] == ["applies"]
    assert "户外" not in stations[0].title
