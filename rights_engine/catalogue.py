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
    "zh": {"number": "文号", "issuer": "发文机关", "date": "日期", "via": "仅见于转引",
           "outside": "外部公开文件（全国性法律政策或公开转载），核实情况见下",
           "attribution": "文号与省份来自公开转载，文件文本本身未载明", "rules": "编码该条款的规则", "text": "条款原文",
           "index": "规则目录", "checked": "核实情况", "url": "读到文本的地址",
           "local": "省级和州市文件", "national": "全国性法律、政策和裁判", "whole": "（条款序号未载明）",
           "clause": "条款", "none": "（未载明）"},
    "en": {"number": "Document number", "issuer": "Issuer", "date": "Date", "via": "known only through its quotation in",
           "outside": "a public document from outside the provincial texts (national law or policy, or a republication); "
                      "how it was checked is below",
           "attribution": "the document number and province come from a public republication; the text itself prints "
                          "neither",
           "rules": "Rules that encode this clause", "text": "Clause text", "index": "Rule catalogue",
           "checked": "Verification", "url": "Where the text was read",
           "local": "Provincial and prefectural documents", "national": "National law, policy and court decisions",
           "whole": "(no clause number printed)", "clause": "Clause", "none": "(not printed)"},
}


_VERIFICATION = {
    "zh": {"verified": "已核实（官方文本）", "republication": "公开转载（未见官方文本）", "unverified": "未核实"},
    "en": {"verified": "verified (official text)", "republication": "republication (no official text seen)",
           "unverified": "unverified"},
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
        lines.append(f"- {h['checked']}: {_VERIFICATION[lang][source.verification]}")
        if source.url:
            lines.append(f"- {h['url']}: <{source.url}>")
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
        for national in (False, True):
            index += [f"## {_HEAD[lang]['national' if national else 'local']}", ""]
            for source in rb.sources.values():
                if (source.jurisdiction.province is None) is not national:
                    continue
                rules = [r for r in rb.rules if any(c.source.id == source.id for c in r.citations)]
                if not rules:
                    continue
                pages[f"{lang}/{source.id}.md"] = _source_page(rb, source, rules, lang)
                index.append(f"- [{source.title}]({source.id}.md) — {source.document_number or ''} ({len(rules)})")
            index.append("")
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
