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
