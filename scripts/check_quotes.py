"""Quick check used while writing rules: every quote of a rule file stands in its source text.

Usage: python scripts/check_quotes.py rules/yunnan/yunnan-2021-40.yaml [...]
(The full validation is `rights-engine rules --check`; this script needs only PyYAML.)
"""

from __future__ import annotations

import pathlib
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from rights_engine.textnorm import quote_stands_in

ROOT = pathlib.Path(__file__).resolve().parents[1]
TEXTS = ROOT / "rules" / "sources" / "texts"


def text_of(source: str, via: str | None) -> str | None:
    path = TEXTS / f"{via or source}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    ext = ROOT / "rules" / "sources" / "external" / f"{source}.txt"
    return ext.read_text(encoding="utf-8") if ext.exists() else None


def main(paths: list[str]) -> int:
    bad = 0
    for p in paths:
        doc = yaml.safe_load(pathlib.Path(p).read_text(encoding="utf-8"))
        for rule in doc.get("rules", []):
            cites = [{"source": doc["source"], "via": rule.get("via", doc.get("via")), "quote": rule.get("quote", "")}]
            cites += rule.get("also_cites", []) or []
            for c in cites:
                text = text_of(c["source"], c.get("via"))
                if text is None or not quote_stands_in(c.get("quote") or "", text):
                    bad += 1
                    print(f"{p}: {rule.get('id')}: quote not found in {c.get('via') or c['source']}: {c.get('quote')!r}")
    print(f"{bad} bad quote(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
