"""Every message id used in the code (``_("…")`` and ``N_("…")`` calls) is in the gettext catalogs.

The zh_CN catalog must translate each one (non-empty, same ``{placeholders}``); the en catalog must list
it (an empty msgstr there means: the English msgid itself).
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from rights_engine.i18n import _
from rights_engine.intake import FIELD_LABELS, Intake
from rights_engine.profile import WorkerProfile
from rights_engine.rulebase import RuleBase

PACKAGE = Path(__file__).resolve().parent.parent / "rights_engine"
LOCALES = PACKAGE / "i18n" / "locales"


def msgids_in_code() -> dict[str, str]:
    """msgid → where it is first used, for every literal first argument of ``_`` / ``N_``."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    for path in sorted((PACKAGE / "web" / "templates").glob("*.html")):  # Jinja2's own extractor (as babel's)
        with path.open("rb") as handle:
            for lineno, _func, message, _comments in babel_extract(handle, ("_", "gettext", "ngettext"), [], {}):
                if isinstance(message, str):
                    found.setdefault(message, f"{path.relative_to(PACKAGE.parent)}:{lineno}")
    return found


def catalog(locale: str) -> dict[str, str]:
    with (LOCALES / locale / "LC_MESSAGES" / "rights_engine.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale=locale) if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_the_scan_finds_the_messages() -> None:
    found = msgids_in_code()
    assert len(found) > 100
    assert "See the rights" in found and "Employment classification" in found  # web page and report
    assert "Province of work" in found  # N_() marks
    assert "What to do first" in found and "Why this relationship" in found  # templates


def test_every_msgid_is_translated_into_chinese() -> None:
    zh = catalog("zh_CN")
    missing = [f"{where}: {msgid!r}" for msgid, where in msgids_in_code().items() if not zh.get(msgid, "").strip()]
    assert not missing, "not in the zh_CN catalog (or empty):\n" + "\n".join(missing)


def test_every_msgid_is_in_the_english_catalog() -> None:
    en = catalog("en")
    missing = [f"{where}: {msgid!r}" for msgid, where in msgids_in_code().items() if msgid not in en]
    assert not missing, "not in the en catalog:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    for locale in ("zh_CN", "en"):
        for msgid, text in catalog(locale).items():
            if text:
                assert placeholders(text) == placeholders(msgid), (locale, msgid)


def test_every_profile_field_has_a_label() -> None:
    assert set(WorkerProfile.model_fields) <= set(FIELD_LABELS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_form_texts_come_from_the_catalog_or_the_rules(rulebase: RuleBase, lang: str) -> None:
    intake = Intake(rulebase)
    for title, fields in intake.sections(lang):
        assert title
        for f in fields:
            assert f.question and f.label
    if lang == "zh":
        assert _("don't know", "zh") == "不清楚" and _("See the rights", "zh") != "See the rights"
