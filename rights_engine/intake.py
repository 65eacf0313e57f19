"""Intake: the profile fields a clinic asks about, their kinds, labels and answers.

Shared by the web form (:mod:`rights_engine.web`) and the terminal interview
(:mod:`rights_engine.interview`). Question texts and choice labels come from ``rules/questions.yaml``;
the short field labels and the words of the forms are gettext messages (:mod:`rights_engine.i18n`).
Every field may be left unknown: an unknown answer is simply left out of the profile.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, Optional, Union

from annotated_types import Ge, Le

from .i18n import _
from .profile import WorkerProfile
from .rulebase import RuleBase

FieldKind = Literal["bool", "choice", "multi", "number", "integer", "place", "date"]
Value = Union[bool, int, float, str, list[str]]


def N_(msgid: str) -> str:
    """Mark ``msgid`` for translation without translating it yet (translated where it is shown)."""
    return msgid


#: Short labels of the profile fields and of the derived facts a rule may wait on (msgids).
FIELD_LABELS: dict[str, str] = {
    "as_of": N_("Date asked about"),
    "work_province": N_("Province of work"),
    "work_city": N_("City of work"),
    "hukou_province": N_("Hukou province"),
    "hukou_city": N_("Hukou city"),
    "residence_province": N_("Province of the residence permit"),
    "residence_city": N_("City of the residence permit"),
    "occupation": N_("Occupation"),
    "engagement": N_("What was signed or agreed"),
    "counterparty": N_("Who signed with the worker"),
    "managed_by": N_("Who actually manages and pays"),
    "platform_manages_work": N_("Managed by the company"),
    "can_refuse_orders": N_("Can refuse orders freely"),
    "sets_own_hours": N_("Sets own working hours"),
    "must_be_online_min_hours": N_("Minimum online or duty time"),
    "subject_to_penalties": N_("Fines or deductions"),
    "platform_sets_price": N_("Company alone sets the price"),
    "work_is_core_business": N_("Work is the company's main business"),
    "long_term_continuous": N_("Long-term, continuous work"),
    "main_income_source": N_("Main source of income"),
    "daily_hours": N_("Hours per day"),
    "weekly_hours": N_("Hours per week"),
    "age": N_("Age"),
    "gender": N_("Sex"),
    "receives_pension": N_("Already draws a basic pension"),
    "outdoor_work": N_("Works outdoors"),
    "high_temperature_work": N_("Works in high heat"),
    "works_statutory_holidays": N_("Works on public holidays"),
    "pension_enrolled": N_("Pension insurance"),
    "medical_enrolled": N_("Medical insurance"),
    "has_children": N_("Children of school age"),
    "problems": N_("Problems met"),
    # derived facts (named in the why-not explanations)
    "category": N_("Employment classification"),
    "employment_mode": N_("Employment mode"),
    "employer": N_("Employer"),
    "work_prefecture": N_("City of work"),
    "hukou_in_work_province": N_("Hukou province"),
    "residence_in_work_province": N_("Province of the residence permit"),
}

#: The form's sections, in order. Fields of ``questions.yaml`` not listed here go to a last section.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Where the worker works and lives"), ("work_province", "work_city", "hukou_province", "hukou_city",
                                                 "residence_province", "residence_city")),
    (N_("The work and who manages it"), (
        "occupation", "engagement", "counterparty", "managed_by", "platform_manages_work", "can_refuse_orders",
        "sets_own_hours", "must_be_online_min_hours", "subject_to_penalties", "platform_sets_price",
        "work_is_core_business", "long_term_continuous", "main_income_source",
    )),
    (N_("Working time and conditions"), (
        "daily_hours", "weekly_hours", "works_statutory_holidays", "outdoor_work", "high_temperature_work",
    )),
    (N_("About the worker"), ("age", "gender", "receives_pension", "has_children")),
    (N_("Social insurance"), ("pension_enrolled", "medical_enrolled")),
    (N_("Problems met"), ("problems",)),
    (N_("Date"), ("as_of",)),
)
OTHER_SECTION = N_("Other questions")

#: Words that mean "I don't know" (compared after NFKC and case folding).
UNKNOWN_WORDS = frozenset({
    "", "?", "不清楚", "不知道", "不确定", "不晓得", "说不清", "unknown", "dontknow", "don'tknow", "idk", "n/a", "na",
    "skip", "跳过",
})
#: Words that end an interview.
STOP_WORDS = frozenset({"q", "quit", "exit", "stop", "end", "退出", "结束", "停止"})
_YES = frozenset({"y", "yes", "true", "是", "对", "有", "是的", "会", "能", "要"})
_NO = frozenset({"n", "no", "false", "否", "不", "不是", "没有", "无", "不会", "不能", "不要"})
_NONE = frozenset({"0", "none", "nothing", "没有", "无", "都没有", "都不是"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class Choice:
    value: str  # the form value: an enum code, or "true"/"false" for a yes-no question
    label: str


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    label: str  # short, for lists of what is still needed
    question: str  # the full question, for the form and the interview
    choices: tuple[Choice, ...] = ()  # the known answers, without "don't know"
    minimum: Optional[float] = None
    maximum: Optional[float] = None

    def choice_value(self, form_value: str) -> Value:
        """The profile value of one of the choices' form values."""
        if self.kind == "bool":
            return form_value == "true"
        return form_value


class AnswerError(ValueError):
    """An answer that cannot be read (the message is in the language asked for)."""


class Unknown:
    """The answer "don't know"."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


def words(text: str) -> str:
    """``text`` normalised for comparing with answer words (NFKC, case folded, no spaces)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def field_label(name: str, lang: str) -> str:
    if name.startswith("problem_"):
        name = "problems"
    msgid = FIELD_LABELS.get(name)
    return _(msgid, lang) if msgid else name


def unknown_label(lang: str) -> str:
    return _("don't know", lang)


def _optional_args(annotation: object) -> tuple[object, ...]:
    return tuple(a for a in typing.get_args(annotation) if a is not type(None))


@cache
def kind_of(name: str) -> FieldKind:
    """The kind of the profile field ``name`` (from :class:`WorkerProfile`'s annotation)."""
    annotation = WorkerProfile.model_fields[name].annotation
    inner = _optional_args(annotation)
    target = inner[0] if len(inner) == 1 else annotation
    if target is bool:
        return "bool"
    if target is int:
        return "integer"
    if target is float:
        return "number"
    if target is dt.date:
        return "date"
    if typing.get_origin(target) is Literal:
        return "choice"
    if typing.get_origin(target) is list:
        return "multi"
    return "place"


def _literal_values(name: str) -> tuple[str, ...]:
    annotation = WorkerProfile.model_fields[name].annotation
    inner = _optional_args(annotation)
    target = inner[0] if inner else annotation
    if typing.get_origin(target) is list:
        target = typing.get_args(target)[0]
    return tuple(str(v) for v in typing.get_args(target))


def _bounds(name: str) -> tuple[Optional[float], Optional[float]]:
    low = high = None
    for meta in WorkerProfile.model_fields[name].metadata:
        if isinstance(meta, Ge):
            low = float(meta.ge)  # type: ignore[arg-type]
        elif isinstance(meta, Le):
            high = float(meta.le)  # type: ignore[arg-type]
    return low, high


class Intake:
    """The questions of one rule base, in either language."""

    def __init__(self, rulebase: RuleBase) -> None:
        self.rulebase = rulebase

    @property
    def names(self) -> tuple[str, ...]:
        """The fields the intake asks about, in the order of the form."""
        listed = [n for _title, names in SECTIONS for n in names]
        extra = [n for n in self.rulebase.questions if n not in listed and n in WorkerProfile.model_fields]
        return tuple(listed + extra)

    def field(self, name: str, lang: str) -> Field:
        kind = kind_of(name)
        definition = self.rulebase.questions.get(name)
        question = definition.get(lang) if definition else _(FIELD_LABELS.get(name, name), lang)
        if name == "as_of":
            question = _("Which day is the question about? (blank: today)", lang)
        choices: tuple[Choice, ...] = ()
        if kind == "bool":
            choices = (Choice("true", _("yes", lang)), Choice("false", _("no", lang)))
        elif kind in ("choice", "multi"):
            labels = definition.choices if definition and definition.choices else {}
            choices = tuple(Choice(v, labels[v].get(lang) if v in labels else v) for v in _literal_values(name))
        low, high = _bounds(name) if kind in ("number", "integer") else (None, None)
        return Field(name, kind, field_label(name, lang), question, choices, low, high)

    def sections(self, lang: str, order: Sequence[str] = ()) -> list[tuple[str, list[Field]]]:
        """The form's sections. ``order``: fields asked first within their section (e.g. what the classification
        needs, in the order it needs them); the others keep their place after them."""
        rank = {name: i for i, name in enumerate(order)}
        out: list[tuple[str, list[Field]]] = []
        for title, names in SECTIONS:
            head = [n for n in names[:2] if title == SECTIONS[1][0]]  # occupation and engagement stay first
            rest = sorted((n for n in names if n not in head), key=lambda n: (rank.get(n, len(rank)), names.index(n)))
            out.append((_(title, lang), [self.field(n, lang) for n in (*head, *rest) if n in WorkerProfile.model_fields]))
        listed = {n for _title, names in SECTIONS for n in names}
        extra = [self.field(n, lang) for n in self.names if n not in listed]
        if extra:
            out.append((_(OTHER_SECTION, lang), extra))
        return out


# -- the web form: form data <-> profile -------------------------------------------------------------


def profile_from_form(form: Mapping[str, Sequence[str]]) -> dict[str, Value]:
    """The profile a submitted form describes. Blank and ``unknown`` answers are left out (unknown).

    Values are passed on as text where the profile's validation reads them (numbers, dates, places),
    so that a bad value is reported by :class:`~rights_engine.ProfileError` like any other.
    """
    profile: dict[str, Value] = {}
    for name in WorkerProfile.model_fields:
        values = [v.strip() for v in form.get(name, ()) if v.strip() and v.strip() != "unknown"]
        if not values:
            continue
        kind = kind_of(name)
        if kind == "multi":
            chosen = [v for v in values if v != "none"]
            profile[name] = list(dict.fromkeys(chosen))
        elif kind == "bool" and values[-1] in ("true", "false"):
            profile[name] = values[-1] == "true"
        elif kind == "date":
            profile[name] = iso_day(values[-1])
        else:
            profile[name] = values[-1]
    return profile


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def iso_day(text: str) -> str:
    """A day as a person types it — 2024-7-1, 2024/07/01, 2024.7.1, 2024年7月1日, full-width digits — written
    2024-07-01; anything else as typed (the profile's validation then names it). Whether the day exists
    (2023-02-29) is left to that validation too."""
    plain = unicodedata.normalize("NFKC", text).strip()
    found = _DAY.fullmatch(plain)
    if not found:
        return plain
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def form_from_profile(profile: Mapping[str, object]) -> dict[str, list[str]]:
    """The form values that describe ``profile`` (the inverse of :func:`profile_from_form`)."""
    out: dict[str, list[str]] = {}
    for name, value in profile.items():
        if name not in WorkerProfile.model_fields or value is None:
            continue
        if isinstance(value, bool):
            out[name] = ["true" if value else "false"]
        elif isinstance(value, (list, tuple)):
            out[name] = [str(v) for v in value] or ["none"]
        elif isinstance(value, dt.date):
            out[name] = [value.isoformat()]
        elif isinstance(value, float) and value.is_integer():
            out[name] = [str(int(value))]
        else:
            out[name] = [str(value)]
    return out


# -- the interview: typed answers ----------------------------------------------------------------------


def is_stop(text: str) -> bool:
    return words(text) in STOP_WORDS


def parse_answer(field: Field, text: str, lang: str) -> Union[Value, Unknown]:
    """Read a typed answer to ``field``: a choice's number, code, label or a part of one label only; yes/no; a
    number; a place.

    Returns :data:`UNKNOWN` for a blank or "don't know" answer; raises :class:`AnswerError`.
    """
    key = words(text)
    if key in UNKNOWN_WORDS or key == words(unknown_label(lang)):
        return UNKNOWN
    if field.kind in ("bool", "choice"):
        if field.kind == "bool" and key in _YES:
            return True
        if field.kind == "bool" and key in _NO:
            return False
        found = _choice(field, key)
        if isinstance(found, Unknown):
            return UNKNOWN
        if found is None:
            raise AnswerError(_("Please answer with one of the numbers shown.", lang))
        return field.choice_value(found.value)
    if field.kind == "multi":
        if key in _NONE:
            return []
        picked: list[str] = []
        for part in re.split(r"[,，、;；/\s]+", unicodedata.normalize("NFKC", text).strip()):
            if not part:
                continue
            choice = _choice(field, words(part))
            if not isinstance(choice, Choice):
                raise AnswerError(_("Please answer with one or more of the numbers shown, separated by commas.",
                                    lang))
            picked.append(choice.value)
        return list(dict.fromkeys(picked))
    if field.kind in ("number", "integer"):
        match = _NUMBER.match(unicodedata.normalize("NFKC", text).strip())
        if not match:
            raise AnswerError(_("Please answer with a number.", lang))
        number = float(match.group(0))
        if field.kind == "integer":
            if not number.is_integer():
                raise AnswerError(_("Please answer with a whole number.", lang))
            return int(number)
        return number
    if field.kind == "date":
        try:
            return dt.date.fromisoformat(iso_day(text).strip()).isoformat()
        except ValueError:
            raise AnswerError(_("Please answer with a date such as 2024-07-15.", lang)) from None
    return unicodedata.normalize("NFKC", text).strip()


def _choice(field: Field, key: str) -> Union[Choice, Unknown, None]:
    choices = field.choices
    if key.isdigit():
        index = int(key)
        if 1 <= index <= len(choices):
            return choices[index - 1]
        if index == len(choices) + 1 and field.kind != "multi":
            return UNKNOWN
        return None
    for choice in choices:
        if key in (words(choice.value), words(choice.label)):
            return choice
    # a part of one label only: 外卖 for 外卖／网约配送员 (合同 stands in three labels: not guessed)
    partial = [choice for choice in choices if len(key) >= 2 and key in words(choice.label)]
    return partial[0] if len(partial) == 1 else None


def numbered(field: Field, lang: str) -> Iterable[str]:
    """The answers of ``field`` as numbered lines (the last one: don't know); none for typed answers."""
    if field.kind not in ("bool", "choice", "multi"):
        return
    for i, choice in enumerate(field.choices, 1):
        yield f"{i}) {choice.label}"
    if field.kind != "multi":
        yield f"{len(field.choices) + 1}) {unknown_label(lang)}"
