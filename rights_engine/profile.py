"""The worker's profile (api.md's fields plus a few more) and the error raised for bad input.

``None`` / absent always means *unknown*, never *no*. Validation never echoes a value back: errors
name the field and the reason only, so that nothing a worker said ends up in a log or a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic._internal._model_construction import ModelMetaclass  # the metaclass of every pydantic model
from pydantic_core import PydanticCustomError

from .places import Place, PlaceError, resolve

Occupation = Literal[
    "delivery_rider", "ride_hailing_driver", "courier", "truck_driver", "live_streamer", "domestic_worker", "other"
]
Engagement = Literal[
    "labor_contract",
    "part_time_contract",
    "oral_part_time",
    "written_agreement",
    "dispatch",
    "cooperation_agreement",
    "individual_business",
    "none",
]
Counterparty = Literal["platform", "cooperation_enterprise", "dispatch_agency", "none"]
Gender = Literal["female", "male"]
Enrolment = Literal["employee", "resident", "none"]
Problem = Literal[
    "deposit",
    "forced_individual_business",
    "multi_platform_ban",
    "discrimination",
    "unpaid_wages",
    "no_rest",
    "injured_at_work",
    "unfair_rules",
]

#: The languages of messages and results.
Lang = Literal["zh", "en"]
_PlaceName = Optional[str]
MIN_DATE = dt.date(1990, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


class _RaisesProfileError(ModelMetaclass):
    """``WorkerProfile(age="x")`` raises :class:`ProfileError` (English messages) like ``evaluate`` does, never
    pydantic's ValidationError (which quotes the input). Only direct construction passes here; ``model_validate``
    keeps pydantic's behaviour."""

    if not TYPE_CHECKING:  # type checkers keep the typed keyword signature pydantic declares for the fields

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().__call__(*args, **kwargs)
            except ValidationError as exc:
                errors = _field_errors(exc, "en")
            raise ProfileError(errors)  # outside ``except``: the ValidationError quotes the input


class WorkerProfile(BaseModel, metaclass=_RaisesProfileError):
    """What is known about one worker. Every field is optional; ``None`` means unknown."""

    # hide_input_in_errors: a ValidationError from WorkerProfile(...) itself must not quote the worker either.
    # json_schema_extra: every field's JSON Schema carries its question in zh and en (rules/questions.yaml).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, hide_input_in_errors=True,
                              json_schema_extra=lambda schema, cls: describe_profile_schema(schema))

    as_of: Optional[dt.date] = Field(default=None, description="the day the question is asked about")
    work_province: _PlaceName = Field(default=None, max_length=64, description="就业地 province")
    work_city: _PlaceName = Field(default=None, max_length=64, description="就业地 city / prefecture")
    hukou_province: _PlaceName = Field(default=None, max_length=64, description="户籍地 province")
    hukou_city: _PlaceName = Field(default=None, max_length=64, description="户籍地 city / prefecture")
    residence_province: _PlaceName = Field(default=None, max_length=64, description="居住登记地 province")
    residence_city: _PlaceName = Field(default=None, max_length=64, description="居住登记地 city / prefecture")
    occupation: Optional[Occupation] = None
    engagement: Optional[Engagement] = Field(default=None, description="what was signed or agreed")
    counterparty: Optional[Counterparty] = None
    managed_by: Optional[Counterparty] = Field(
        default=None, description="the company that actually manages and pays the worker, when not the one that signed"
    )
    platform_manages_work: Optional[bool] = None
    can_refuse_orders: Optional[bool] = None
    sets_own_hours: Optional[bool] = None
    must_be_online_min_hours: Optional[bool] = None
    subject_to_penalties: Optional[bool] = None
    platform_sets_price: Optional[bool] = None
    work_is_core_business: Optional[bool] = None
    long_term_continuous: Optional[bool] = None
    main_income_source: Optional[bool] = None
    daily_hours: Optional[float] = Field(default=None, ge=0, le=24, allow_inf_nan=False)
    weekly_hours: Optional[float] = Field(default=None, ge=0, le=168, allow_inf_nan=False)
    age: Optional[int] = Field(default=None, ge=0, le=130)
    gender: Optional[Gender] = None
    receives_pension: Optional[bool] = None
    outdoor_work: Optional[bool] = None
    high_temperature_work: Optional[bool] = None
    works_statutory_holidays: Optional[bool] = None
    pension_enrolled: Optional[Enrolment] = None
    medical_enrolled: Optional[Enrolment] = None
    has_children: Optional[bool] = Field(default=None, description="has children of school age")
    problems: Optional[list[Problem]] = Field(
        default=None, max_length=16, description="problems met; [] = none, null = not asked"
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_scalars(cls, data: Any) -> Any:
        # pandas and numpy scalars behave like their Python twins: np.True_ is a bool (not age 1), np.int64 an
        # int, pd.NaT / pd.NA / None-like missing values are unknown.
        if isinstance(data, Mapping):
            return {key: plain_scalar(value) for key, value in data.items()}
        return data

    @field_validator("age", "daily_hours", "weekly_hours", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic's lax mode reads true/false as 1/0; a yes/no answer in a number field is a mistake.
        if isinstance(value, bool):
            raise PydanticCustomError("int_type" if info.field_name == "age" else "float_type", "not a number")
        return value

    @field_validator("as_of")
    @classmethod
    def _date_in_range(cls, value: Optional[dt.date]) -> Optional[dt.date]:
        if value is not None and not (MIN_DATE <= value <= MAX_DATE):
            raise ValueError("date_range")
        return value

    @field_validator("daily_hours", "weekly_hours")
    @classmethod
    def _finite(cls, value: Optional[float]) -> Optional[float]:
        if value is not None and not math.isfinite(value):
            raise ValueError("finite_number")
        return value


#: Types that are never a pandas or numpy scalar (exact types: a subclass takes the long way).
_PLAIN_TYPES = frozenset((str, int, float, bool, type(None), list, tuple, dict, dt.date, dt.datetime))


def plain_scalar(value: Any) -> Any:
    """A pandas/numpy scalar as its Python twin (``np.True_`` → True, ``np.int64(3)`` → 3, ``pd.NaT`` /
    ``pd.NA`` → None); anything else unchanged. Neither library is imported here."""
    kind = type(value)
    if kind in _PLAIN_TYPES:  # the common case, without reading the type's module
        return value
    module = kind.__module__ or ""
    if module.startswith("pandas"):
        if kind.__name__ in ("NaTType", "NAType"):
            return None
        return value
    if module.startswith("numpy") and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        try:
            item = value.item()
        except (ValueError, TypeError, OverflowError):  # pragma: no cover - an exotic numpy scalar
            return value
        if isinstance(item, float) and math.isnan(item) and kind.__name__.startswith("datetime"):
            return None
        return item
    return value


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class ProfileError(ValueError):
    """Bad input: ``errors`` names every bad field and why (in the language asked for)."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    def as_dict(self) -> dict[str, Any]:
        return {"errors": [{"field": e.field, "code": e.code, "message": e.message} for e in self.errors]}

    def __reduce__(self) -> tuple[type[ProfileError], tuple[list[FieldError]]]:
        # Pickled by its errors, not by its message (multiprocessing sends a worker's exception back this way).
        return (type(self), (self.errors,))


_MESSAGES: dict[str, tuple[str, str]] = {
    "extra_forbidden": ("未知字段", "unknown field"),
    "bool_type": ("应为 true、false 或 null（不清楚）", "must be true, false or null (unknown)"),
    "bool_parsing": ("应为 true、false 或 null（不清楚）", "must be true, false or null (unknown)"),
    "literal_error": ("不是允许的取值", "is not one of the allowed values"),
    "enum": ("不是允许的取值", "is not one of the allowed values"),
    "string_type": ("应为文字", "must be text"),
    "string_too_long": ("文字过长", "text is too long"),
    "float_type": ("应为数字", "must be a number"),
    "float_parsing": ("应为数字", "must be a number"),
    "finite_number": ("应为有限数字", "must be a finite number"),
    "int_type": ("应为整数", "must be a whole number"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "greater_than_equal": ("数值过小", "is too small"),
    "less_than_equal": ("数值过大", "is too large"),
    "date_type": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_range": ("日期超出范围（1990–2100）", "date out of range (1990–2100)"),
    "list_type": ("应为列表", "must be a list"),
    "too_long": ("列表过长", "list is too long"),
    "not_object": ("档案应为 JSON 对象", "the profile must be a JSON object"),
    "unknown_province": ("未知的省份名称（请用中文，如“湖南省”）", "unknown province name (write it in Chinese, e.g. 湖南省)"),
    "unknown_city": ("未知的城市名称，或不在所填省份内（请用中文，如“长沙市”）",
                     "unknown city name, or not in the province given (write it in Chinese, e.g. 长沙市)"),
    "ambiguous_city": ("城市名称不唯一，请同时填写省份", "the city name is ambiguous; give the province too"),
    "province_in_city": ("这是省级名称，请填在省份一栏", "this is a province name: give it as the province"),
    "invalid": ("取值无效", "invalid value"),
    "duplicate_key": ("同一项填写了两次（只能填一次）", "given twice (give each field once)"),
    "bad_lang": ("语言应为 zh 或 en", "language must be zh or en"),
}


#: The shape of every field name (and of a typo of one): an unknown key of another shape is not repeated back.
_KEY_SHAPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
#: How an unknown key that is not shaped like a field name is named in an error.
UNRECOGNISED_KEY = "(unrecognised key)"


def message(code: str, lang: str) -> str:
    zh, en = _MESSAGES.get(code, _MESSAGES["invalid"])
    return zh if lang == "zh" else en


@functools.lru_cache(maxsize=1)
def _questions() -> dict[str, Any]:
    """rules/questions.yaml as plain data (the question and choice labels the intake uses); {} if unreadable."""
    import yaml

    from .rulebase import default_root

    try:
        data = yaml.safe_load((default_root() / "questions.yaml").read_text(encoding="utf-8"))
    except Exception:  # pragma: no cover - the labels are a courtesy; the values are listed anyway
        return {}
    return data if isinstance(data, dict) else {}


#: The fields that have no question of their own (the intake asks them with another field).
_OWN_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "as_of": ("问题针对的日期（YYYY-MM-DD；不填：今天）", "the day the question is asked about (YYYY-MM-DD; absent: today)"),
    "hukou_city": ("你的户口（户籍）在哪个城市？", "In which city is your household registration (hukou)?"),
    "residence_city": ("你的居住登记（居住证）在哪个城市？", "In which city is your residence registered?"),
}


def field_description(name: str) -> tuple[str, str]:
    """(zh, en) description of a profile field: its question in rules/questions.yaml."""
    question = _questions().get(name)
    if isinstance(question, dict) and question.get("zh") and question.get("en"):
        return str(question["zh"]), str(question["en"])
    return _OWN_DESCRIPTIONS.get(name, ("", ""))


def describe_profile_schema(schema: dict[str, Any]) -> None:
    """Fill a WorkerProfile JSON Schema in place: every property described in zh and en (``description`` is
    "zh / en"; ``x-description`` has both), enum values with their labels (``x-labels``), ``null`` = unknown."""
    schema["description"] = ("一名劳动者的已知情况。每一项都可不填；null 或不填表示不清楚，绝不表示“否”。 / What is known "
                             "about one worker. Every field is optional; null or absent means unknown, never no.")
    labels = _choice_labels()
    for name, prop in schema.get("properties", {}).items():
        zh, en = field_description(name)
        if not (zh and en):
            continue
        prop["description"] = f"{zh} / {en}"
        prop["x-description"] = {"zh": zh, "en": en}
        if name in labels:
            prop["x-labels"] = {value: {"zh": z, "en": e} for value, (z, e) in labels[name].items()}


@functools.lru_cache(maxsize=1)
def _choice_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """field -> value -> (zh, en) label, from the questions of rules/questions.yaml (the words the intake uses)."""
    labels: dict[str, dict[str, tuple[str, str]]] = {}
    for name, question in _questions().items():
        choices = question.get("choices") if isinstance(question, dict) else None
        if isinstance(choices, dict):
            labels[name] = {str(v): (str(t.get("zh", "")), str(t.get("en", ""))) for v, t in choices.items()
                            if isinstance(t, dict)}
    return labels


def allowed_values(field: str) -> tuple[str, ...]:
    """The values an enum field (or the items of ``problems``) may take, in the model's order."""
    info = WorkerProfile.model_fields.get(field)
    if info is None:
        return ()
    pending: list[Any] = [info.annotation]
    while pending:
        kind = pending.pop(0)
        if typing.get_origin(kind) is Literal:
            return tuple(str(v) for v in typing.get_args(kind))
        pending += list(typing.get_args(kind))
    return ()


def allowed_message(field: str, lang: str) -> str:
    """"not one of the allowed values" with the values and their labels: ``delivery_rider（外卖／网约配送员）``."""
    values = allowed_values(field)
    base = message("literal_error", lang)
    if not values:
        return base
    labels = _choice_labels().get(field, {})
    if lang == "zh":
        listed = "、".join(f"{v}（{labels[v][0]}）" if v in labels else v for v in values)
        return f"{base}；可选：{listed}"
    listed = ", ".join(f"{v} ({labels[v][1]})" if v in labels and labels[v][1] != v else v for v in values)
    return f"{base}: {listed}"


def place_message(exc: PlaceError, lang: str) -> str:
    """The message of a place error, with the candidates of an ambiguous name or the Chinese name of a name in
    pinyin or English. Every name shown comes from the place data, none from what was typed."""
    text = message(exc.code, lang)
    sep, comma = ("；", "、") if lang == "zh" else ("; ", ", ")
    if exc.code == "ambiguous_city" and exc.candidates:
        shown = list(exc.candidates[:8]) + (["…"] if len(exc.candidates) > 8 else [])
        text += sep + ("可能是：" if lang == "zh" else "it may be: ") + comma.join(shown)
    elif exc.code == "province_in_city" and exc.candidates:
        text += sep + ("即" if lang == "zh" else "that is ") + exc.candidates[0]
    if exc.suggestions:
        text += sep + ("是否指：" if lang == "zh" else "did you mean: ") + comma.join(exc.suggestions) + (
            "？" if lang == "zh" else "?")
    return text


def _field_name(loc: tuple[Any, ...]) -> str:
    if loc and loc[0] not in WorkerProfile.model_fields:
        # not a field: a key of another type ({110101199003077777: 1}, bytes, a frozenset) or of another shape may
        # be personal data, not a typo, and is never repeated back
        first = loc[0]
        if not (isinstance(first, str) and (first == "" or _KEY_SHAPE.fullmatch(first))):
            return UNRECOGNISED_KEY
    return ".".join(str(part) for part in loc) or "profile"


def no_duplicate_keys(lang: str = "zh") -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An ``object_pairs_hook`` for ``json.loads`` that refuses a key given twice (``{"work_province": "湖南省",
    "work_province": "云南省"}``): JSON parsers disagree on which one wins, so neither is guessed. Raises
    :class:`ProfileError` naming the key (when it is shaped like a field name; never its values)."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) != len(pairs):
            keys = [k for k, _ in pairs]
            twice = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
            raise ProfileError([FieldError(_field_name((k,)), "duplicate_key", message("duplicate_key", lang))
                                for k in twice])
        return data

    return hook


def _field_errors(exc: ValidationError, lang: str) -> list[FieldError]:
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = tuple(err.get("loc", ()))
        code = _code(err)
        name = _field_name(loc)
        if name == UNRECOGNISED_KEY:
            code = "extra_forbidden"
        text = field_message(str(loc[0]), code, lang) if loc else message(code, lang)
        if code == "extra_forbidden" and name != UNRECOGNISED_KEY and len(loc) == 1:
            text += _field_hint(name, lang)
        errors.append(FieldError(name, code, text))
    return errors


#: The limit of a value that is too small, too large or too long, from the model's field (never from the input):
#: code -> (the constraint's attribute, zh, en).
_BOUNDS = {
    "greater_than_equal": ("ge", "（最小为 {}）", " (at least {})"),
    "less_than_equal": ("le", "（最大为 {}）", " (at most {})"),
    "string_too_long": ("max_length", "（最多 {} 个字）", " (at most {} characters)"),
    "too_long": ("max_length", "（最多 {} 项）", " (at most {} items)"),
}


def field_message(field: str, code: str, lang: str) -> str:
    """The message of ``code`` in ``field`` (``problems.0``: an item of ``problems``): a value outside an enum's
    domain lists the allowed values; a value out of range or too long says the limit (``is too large (at most
    24)``); other codes have one message each. ``ProfileError`` and the batch's errors word them here."""
    name = field.split(".")[0]
    if code in ("literal_error", "enum"):
        return allowed_message(name, lang)
    text = message(code, lang)
    attribute, zh, en = _BOUNDS.get(code, ("", "", ""))
    info = WorkerProfile.model_fields.get(name)
    if attribute and info is not None:
        for constraint in info.metadata:
            limit = getattr(constraint, attribute, None)
            if isinstance(limit, (int, float)) and not isinstance(limit, bool):
                return text + (zh if lang == "zh" else en).format(f"{limit:g}")
    return text


def _field_hint(key: str, lang: str) -> str:
    """"; did you mean: work_province?" for a key close to a field name (a typo, another case, camelCase); the
    name shown is the field's, from the model."""
    import difflib

    fields = list(WorkerProfile.model_fields)
    folded = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower().replace("-", "_").replace(" ", "_")
    close = [folded] if folded in fields else difflib.get_close_matches(folded, fields, n=1, cutoff=0.8)
    if not close:
        return ""
    return f"；是否指：{close[0]}？" if lang == "zh" else f"; did you mean: {close[0]}?"


def _code(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", "invalid"))
    if kind == "value_error":
        text = str(error.get("msg", ""))
        for custom in ("date_range", "finite_number"):
            if custom in text:
                return custom
        return "invalid"
    return kind if kind in _MESSAGES else "invalid"


@dataclass(frozen=True)
class Places:
    work: Optional[Place]
    hukou: Optional[Place]
    residence: Optional[Place]


def parse_profile(data: object, lang: str = "zh") -> tuple[WorkerProfile, Places]:
    """Validate a profile (model, dict or JSON-like mapping) and resolve its places.

    Raises :class:`ProfileError` naming every bad field.
    """
    if isinstance(data, WorkerProfile):
        profile = data
    elif isinstance(data, Mapping):
        invalid: list[FieldError] = []
        raw = {key: plain_scalar(value) for key, value in data.items()}
        try:
            profile = WorkerProfile.model_validate(raw)
        except ValidationError as exc:
            invalid = _field_errors(exc, lang)
        if invalid:
            # The places too, so that every bad field is named at once (pairs with a field already reported are
            # skipped). Raised outside the ``except`` block: the ValidationError (whose text quotes the input)
            # must not ride along as ``__context__``, where traceback formatters and error reporters find it.
            bad = {e.field for e in invalid}
            invalid += _resolve_places(lambda name: _text(raw.get(name)), lang, skip=bad)[1]
            raise ProfileError(invalid)
    else:
        raise ProfileError([FieldError("profile", "not_object", message("not_object", lang))])
    resolved, errors = _resolve_places(lambda name: getattr(profile, name), lang)
    if errors:
        raise ProfileError(errors)
    return profile, Places(resolved["work"], resolved["hukou"], resolved["residence"])


def _resolve_places(get: Callable[[str], Optional[str]], lang: str, skip: Collection[str] = ()
                    ) -> tuple[dict[str, Optional[Place]], list[FieldError]]:
    errors = []
    resolved: dict[str, Optional[Place]] = {}
    for prefix in ("work", "hukou", "residence"):
        province_field, city_field = f"{prefix}_province", f"{prefix}_city"
        if province_field in skip or city_field in skip:
            continue
        try:
            resolved[prefix] = resolve(get(province_field), get(city_field))
        except PlaceError as exc:
            bad_field = province_field if exc.code == "unknown_province" else city_field
            errors.append(FieldError(bad_field, exc.code, place_message(exc, lang)))
    return resolved, errors


def as_of_argument(value: object, lang: str = "zh") -> Optional[dt.date]:
    """The ``as_of`` argument of ``evaluate``: a date, a datetime (its day), an ISO date string ("2024-07-01", read
    as the profile's ``as_of`` is), or None / pd.NaT / pd.NA (unknown: the profile's, else today)."""
    value = plain_scalar(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # a date subclass that does not compare with dates
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return WorkerProfile.model_validate({"as_of": value}).as_of
        except ValidationError as exc:
            raise ProfileError([FieldError("as_of", e.code, e.message) for e in _field_errors(exc, lang)]) from None
    raise ProfileError([FieldError("as_of", "date_type", message("date_type", lang))])


def _text(value: object) -> Optional[str]:
    """A raw place value as the model would hold it (stripped; blank = unknown)."""
    return (value.strip() or None) if isinstance(value, str) else None
