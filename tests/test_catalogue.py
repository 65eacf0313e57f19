"""docs/catalogue is generated from rules/ and must not be stale."""

from __future__ import annotations

from pathlib import Path

from rights_engine.catalogue import build, clause_text
from rights_engine.rulebase import RuleBase

DOCS = Path(__file__).resolve().parents[1] / "docs" / "catalogue"


def test_catalogue_is_up_to_date(rulebase: RuleBase) -> None:
    pages = build(rulebase)
    stale = [rel for rel, content in pages.items()
             if not (DOCS / rel).exists() or (DOCS / rel).read_text("utf-8") != content]
    extra = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if str(p.relative_to(DOCS)) not in pages)
    assert not stale and not extra, f"run `make docs` (stale: {stale[:5]}, extra: {extra[:5]})"


def test_every_seed_clause_page_shows_the_clause_text(rulebase: RuleBase) -> None:
    for lang in ("zh", "en"):
        page = build(rulebase)[f"{lang}/yunnan-2021-40.md"]
        assert any(f"> {label}与平台企业建立劳动关系的" in page for label in ("（九）", "(九)"))
        assert "`yunnan-2021-40." in page


def test_clause_text_is_cut_at_the_next_clause() -> None:
    text = "二、任务\n（八）甲乙丙。\n（九）丁戊己。\n（十）庚。"
    assert clause_text("二（九）", text) == "（九）丁戊己。"
