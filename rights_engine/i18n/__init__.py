"""User-facing text: gettext catalogs (zh_CN, en) read with babel, and locale-aware amounts and dates.

Message ids are English; ``locales/<locale>/LC_MESSAGES/rights_engine.po`` translate them. Rule texts
(entitlement titles, summaries, notes, questions) live beside the rules in ``rules/``, not here.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

# babel is imported where it is first used (about 50 ms): a command that translates nothing (rules, schema, batch)
# does not load it.

LANGS = ("zh", "en")
LOCALES = {"zh": "zh_CN", "en": "en"}
_DIR = Path(__file__).resolve().parent / "locales"


@cache
def _locale(lang: str) -> Locale:
    """The babel locale of ``lang``, parsed once (babel parses a locale name again on every call)."""
    from babel import Locale

    return Locale.parse(LOCALES[lang])


@cache
def _catalog(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    path = _DIR / LOCALES[lang] / "LC_MESSAGES" / "rights_engine.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[lang])
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def _(msgid: str, lang: str, **params: object) -> str:
    """Translate ``msgid`` into ``lang`` and fill ``{params}``."""
    text = _catalog(lang).get(msgid, msgid)
    return text.format(**params) if params else text


def readable_dates(text: str, lang: str) -> str:
    """A rule's note as a person reads it: every ISO day in it (``2025-07-01``) written as babel writes that day
    (``2025年7月1日`` / ``July 1, 2025``). For notes, reasons and summaries only, never a verbatim quote: applied
    once, where the result is assembled, so the report and the page show the result's texts as they are."""
    if "-" not in text:
        return text
    return _readable_dates(text, lang)


@lru_cache(maxsize=4096)
def _readable_dates(text: str, lang: str) -> str:
    import re

    def day(match: re.Match[str]) -> str:
        try:
            return format_date(dt.date(*map(int, match.groups())), lang)
        except ValueError:  # not a calendar day: left as written
            return match.group(0)

    return re.sub(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])", day, text)


def format_amount(value: float, unit: str, lang: str, months: list[int] | None = None) -> str:
    """``300 CNY per month`` as ``¥300.00／月`` / ``CN¥300.00 per month`` (babel), with months if given."""
    return _format_amount(value, unit, lang, tuple(months) if months else None)


@lru_cache(maxsize=1024)
def _format_amount(value: float, unit: str, lang: str, months: tuple[int, ...] | None) -> str:
    from babel.dates import format_date as _babel_date
    from babel.numbers import format_currency

    money = format_currency(value, "CNY", locale=_locale(lang))
    per = {"month": "per month", "day": "per day", "hour": "per hour", "year": "per year", "once": "once"}[unit]
    text = f"{money} {_(per, lang)}" if lang == "en" else f"{money}／{_(per, lang).removeprefix('每')}"
    if months:
        if lang == "zh":
            text += "（" + "、".join(f"{m}月" for m in months) + "）"
        else:
            names = [_babel_date(dt.date(2000, m, 1), "MMMM", locale=_locale("en")) for m in months]
            text += " (" + ", ".join(names) + ")"
    return text


@lru_cache(maxsize=4096)
def format_date(day: dt.date, lang: str) -> str:
    from babel.dates import format_date as _babel_date

    return _babel_date(day, format="long", locale=_locale(lang))


#: English names the pinyin table cannot give (or gives badly); the rest are the table's pinyin, capitalised
_ENGLISH_PLACES = {"中国": "China", "北京市": "Beijing", "香港特别行政区": "Hong Kong", "澳门特别行政区": "Macao",
                   "台湾省": "Taiwan", "内蒙古自治区": "Inner Mongolia"}


@cache
def _pinyin_names() -> dict[tuple[str, str], str]:
    """(province, prefecture or "") → its pinyin name: the shortest key naming only that place in place_pinyin.json."""
    import json

    path = Path(__file__).resolve().parent.parent / "place_pinyin.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pragma: no cover - the file ships with the package
        return {}
    best: dict[tuple[str, str], tuple[bool, int, str]] = {}
    for key, places in data.items():
        for province, prefecture in places:
            rank = (len(places) > 1, len(key), key)
            if (province, prefecture) not in best or rank < best[(province, prefecture)]:
                best[(province, prefecture)] = rank
    return {place: rank[2].capitalize() for place, rank in best.items()}


def _english_place(province: str, prefecture: str | None) -> str | None:
    name = prefecture or province
    return _ENGLISH_PLACES.get(name) or _pinyin_names().get((province, prefecture or ""))


def place_name(province: str | None, prefecture: str | None, lang: str, *, short: bool = False) -> str:
    """A place as the reader sees it: the Chinese name in zh; in en "Changsha, Hunan (湖南省长沙市)".

    ``short``: a prefecture without its province ("Wenshan (文山壮族苗族自治州)"). ``province`` alone may also be the
    country ("中国" → "China"). A name without an English form stays Chinese.
    """
    chinese = prefecture if short and prefecture else (province or "") + (prefecture or "")
    if lang == "zh" or not province:
        return chinese
    if province == "中国" and prefecture is None:
        return _ENGLISH_PLACES[province]
    parts = ([_english_place(province, prefecture)] if prefecture else [])
    if not (short and prefecture):
        parts.append(_english_place(province, None))
    if any(p is None for p in parts):
        return chinese
    return f"{', '.join(p for p in parts if p)} ({chinese})"
