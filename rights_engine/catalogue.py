"""The rule catalogue: one Markdown page per source and language, clause by clause, with the clause's
text and the rules that encode it — from the law to the code and back.

    python -m rights_engine.catalogue docs/catalogue        # writes docs/catalogue/{zh,en}/<source>.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from .conditions import render
from .rulebase import Rule, RuleBase, Source, load
from .textnorm import normalise

_NUM = "[一二三四五六七八九十]"
_LABEL = re.compile(rf"[（(]{_NUM}+[）)]|{_NUM}+、|{_NUM}是|第[一二三四五六七八九十百]+条")
_HEAD = {
    "zh": {"number": "文号", "issuer": "发文机关", "date": "日期", "via": "仅见于转引", "outside": "种子文件以外的文件",
           "attribution": "文号与省份来自公开转载，种子文本未载明", "rules": "编码该条款的规则", "text": "条款原文",
           "index": "规则目录", "whole": "（全文）", "clause": "条款", "none": "（未载明）"},
    "en": {"number": "Document number", "issuer": "Issuer", "date": "Date", "via": "known only through its quotation in",
           "outside": "a document from outside the seeds",
           "attribution": "the document number and province come from a public republication, not the seed text",
           "rules": "Rules that encode this clause", "text": "Clause text", "index": "Rule catalogue",
           "whole": "(whole text)", "clause": "Clause", "none": "(not printed)"},
}


def clause_text(clause: Optional[str], text: str) -> Optional[str]:
    """The text of ``clause`` in the normalised ``text``: from its label to the next label."""
    if not clause:
        return None
    norm = normalise(text)
    section, _, sub = clause.partition("（") if "（" in clause else (clause, "", "")
    start = 0
    if sub:
        head = norm.find(f"{section}、")
        start = head if head >= 0 else 0
        labels = [f"（{sub}", f"({sub.rstrip('）')})"]
    else:
        labels = [clause if clause.endswith(("是", "条")) else f"{clause}、"]
    positions = [p for p in (norm.find(label, start) for label in labels) if p >= 0]
    if not positions:
        return None
    begin = min(positions)
    first = _LABEL.match(norm, begin)
    after = first.end() if first else begin + 1
    nxt = _LABEL.search(norm, after)
    return norm[begin:nxt.start() if nxt else len(norm)]


def _source_page(rb: RuleBase, source: Source, rules: Sequence[Rule], lang: str) -> str:
    h = _HEAD[lang]
    lines = [f"# 《{source.title}》", ""]
    lines.append(f"- {h['number']}: {source.document_number or h['none']}")
    lines.append(f"- {h['issuer']}: {source.issuer or h['none']}")
    lines.append(f"- {h['date']}: {source.date.isoformat() if source.date else h['none']}")
    if source.quoted_in:
        lines.append(f"- {h['via']} `{source.quoted_in}`")
    if source.outside_seeds:
        lines.append(f"- {h['outside']}")
    if source.attribution == "republication":
        lines.append(f"- {h['attribution']}")
    lines.append("")
    clauses: dict[Optional[str], list[Rule]] = {}
    for r in rules:
        for c in r.citations:
            if c.source.id == source.id:
                clauses.setdefault(c.clause, []).append(r)
    text = rb.raw_texts.get(source.quoted_in or source.id, "")
    for clause, encoded in clauses.items():
        lines.append(f"## {h['clause']} {clause or h['whole']}")
        lines.append("")
        body = clause_text(clause, text) if not source.quoted_in else None
        if body:
            lines.append(f"> {body}")
            lines.append("")
        lines.append(f"{h['rules']}:")
        lines.append("")
        unique = {r.id: r for r in encoded}
        for r in unique.values():
            quote = next(c.quote for c in r.citations if c.source.id == source.id)
            target = r.spec.entitlement or (next(iter(r.spec.derives.items())) if r.spec.derives else r.spec.kind)
            title = rb.entitlements[r.spec.entitlement].title.get(lang) if r.spec.entitlement else ""
            lines.append(f"- `{r.id}` ({r.file}) → `{target}` {title} — {r.spec.force or r.spec.kind}")
            lines.append(f"  - when: `{render(r.condition)}`")
            lines.append(f"  - 「{quote}」")
        lines.append("")
    return "\n".join(lines)


def build(rb: RuleBase) -> dict[str, str]:
    """Relative path -> page content, for both languages."""
    pages: dict[str, str] = {}
    for lang in ("zh", "en"):
        index = [f"# {_HEAD[lang]['index']}", ""]
        for source in rb.sources.values():
            rules = [r for r in rb.rules if any(c.source.id == source.id for c in r.citations)]
            if not rules:
                continue
            pages[f"{lang}/{source.id}.md"] = _source_page(rb, source, rules, lang)
            index.append(f"- [{source.title}]({source.id}.md) — {source.document_number or ''} ({len(rules)})")
        pages[f"{lang}/README.md"] = "\n".join(index) + "\n"
    return pages


def write(rb: RuleBase, out: Path) -> list[Path]:
    written = []
    for rel, content in build(rb).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs/catalogue")
    paths = write(load(), out)
    print(f"wrote {len(paths)} pages to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
