"""Fuzzing evaluate(): hostile profiles give a ProfileError naming fields, or a valid Result; never another
exception, never a hang.

``RIGHTS_ENGINE_FUZZ_EXAMPLES`` raises the number of generated profiles (default 250) for a deeper run.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import os
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine import ProfileError, Result, WorkerProfile, evaluate

from .hostile import ODD_CHARS, check_outcome, hostile_profiles, json_values, nested, short_repr, time_limit
from .strategies import profiles

EXAMPLES = int(os.environ.get("RIGHTS_ENGINE_FUZZ_EXAMPLES", "250"))
SECONDS = 20.0  # per example; an evaluation takes milliseconds, so this only catches hangs
fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def outcome(profile: Any, **kwargs: Any) -> Result | ProfileError:
    """evaluate() under a time limit; any exception other than ProfileError fails the test."""
    with time_limit(SECONDS):
        try:
            return evaluate(profile, **kwargs)
        except ProfileError as exc:
            return exc
        except Exception as exc:  # pragma: no cover - this is the failure being hunted
            raise AssertionError(f"{type(exc).__name__} on {short_repr(profile)}") from exc


@fuzz
@given(hostile_profiles(), st.sampled_from(("zh", "en")), st.booleans())
def test_hostile_profiles_give_a_result_or_field_errors(profile: dict[Any, Any], lang: str, explain: bool) -> None:
    check_outcome(profile, outcome(profile, lang=lang, explain=explain))


@fuzz
@given(json_values)
def test_any_json_document(document: Any) -> None:
    result = outcome(document)
    check_outcome(document, result)
    if not isinstance(document, dict):
        assert isinstance(result, ProfileError) and [e.field for e in result.errors] == ["profile"]


@settings(max_examples=max(50, EXAMPLES // 4), deadline=None, database=None)
@given(
    profiles(),
    st.one_of(st.none(), st.dates(dt.date.min, dt.date.max), st.datetimes(), st.text(max_size=12), st.integers(),
              st.floats(), st.dates(dt.date(1980, 1, 1), dt.date(2110, 1, 1)).map(dt.date.isoformat)),
    st.one_of(st.sampled_from(("zh", "en")), st.none(), st.text(max_size=4), st.integers(), st.lists(st.text())),
)
def test_the_keyword_arguments(profile: dict[str, Any], as_of: Any, lang: Any) -> None:
    result = outcome(profile, as_of=as_of, lang=lang)
    if lang not in ("zh", "en"):
        assert isinstance(result, ProfileError) and [e.field for e in result.errors] == ["lang"]
    elif isinstance(as_of, str):  # an ISO date string, read as the profile's as_of is (1990-2100)
        day = _iso_day(as_of)
        if day is None:
            assert isinstance(result, ProfileError) and {e.field for e in result.errors} == {"as_of"}
        else:
            assert isinstance(result, Result) and result.provenance.as_of == day
    elif as_of is not None and not isinstance(as_of, dt.date):
        assert isinstance(result, ProfileError) and [e.field for e in result.errors] == ["as_of"]
    else:
        assert isinstance(result, Result), short_repr(result)
        if as_of is not None:
            wanted = as_of.date() if isinstance(as_of, dt.datetime) else as_of
            assert result.provenance.as_of == wanted


def _iso_day(text: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if len(text.strip()) == 10 and dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31) else None


def _fields(profile: Any, **kwargs: Any) -> set[str]:
    result = outcome(profile, **kwargs)
    check_outcome(profile, result)
    assert isinstance(result, ProfileError), "expected field errors"
    return {e.field for e in result.errors}


@pytest.mark.parametrize(("field", "value"), [("age", True), ("age", False), ("daily_hours", True),
                                              ("weekly_hours", False)])
def test_a_boolean_is_not_a_number(field: str, value: bool) -> None:
    assert _fields({field: value}) == {field}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400, -(10**400), "1e400", "nan", 1e308])
@pytest.mark.parametrize("field", ["daily_hours", "weekly_hours", "age"])
def test_huge_and_non_finite_numbers(field: str, value: Any) -> None:
    assert _fields({field: value}) == {field}


@pytest.mark.parametrize(("field", "depth"), [
    *((f, d) for f in ("problems", "work_city", "age", "as_of", "unknown_field") for d in (1_000, 100_000)),
    ("unknown_field", 1_000_000), ("problems", 1_000_000)])
def test_deep_nesting(field: str, depth: int) -> None:
    for kind in ("list", "dict"):
        expected = "problems.0" if (field, kind) == ("problems", "list") else field  # the list's item is bad
        assert _fields({field: nested(depth, "deposit", kind)}) == {expected}


@pytest.mark.parametrize("size", [65, 10_000, 10_000_000])
@pytest.mark.parametrize("field", ["work_province", "work_city", "hukou_city", "occupation", "as_of", "age"])
def test_huge_strings(field: str, size: int) -> None:
    assert _fields({field: "长" * size}) == {field}


def test_a_huge_list_and_many_unknown_fields() -> None:
    assert _fields({"problems": ["deposit"] * 1_000_000}) == {"problems"}
    many = {f"extra_{i}": i for i in range(100_000)}
    assert len(_fields(many)) == 100_000


@pytest.mark.parametrize("char", ODD_CHARS)
@pytest.mark.parametrize("field", ["work_province", "work_city", "occupation", "as_of", "age", "unknown"])
def test_unicode_oddities(field: str, char: str) -> None:
    base = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "courier", "as_of": "2024-06-01",
            "age": "30"}
    for value in (char, base.get(field, "x")[:1] + char + base.get(field, "x")[1:], char * 64):
        profile = {**base, field: value}
        result = outcome(profile)
        check_outcome(profile, result)
        if isinstance(result, ProfileError):
            assert {e.field for e in result.errors} <= {field, "profile"}


@pytest.mark.parametrize("key", ["\ud800", "age\x00", "\u202eage", "ａｇｅ", "AGE", "age ", 1, None, (1, 2), 1.5, True])
def test_odd_keys_are_unknown_fields(key: Any) -> None:
    fields = _fields({key: 30, "age": 30})
    assert len(fields) == 1 and "age" not in fields


@pytest.mark.parametrize("document", [None, [], [{"age": 30}], "age", b"{}", 42, 1.5, True, {"age"}, object()])
def test_not_an_object(document: Any) -> None:
    assert _fields(document) == {"profile"}


def test_mappings_and_models_are_accepted() -> None:
    plain = {"work_province": "湖南省", "occupation": "courier", "as_of": "2024-06-01"}
    expected = outcome(plain)
    assert isinstance(expected, Result)
    for form in (collections.OrderedDict(plain), types.MappingProxyType(plain), WorkerProfile.model_validate(plain),
                 dict(reversed(list(plain.items())))):
        got = outcome(form)
        assert isinstance(got, Result) and got == expected


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01", "2024-02-30",
                                   "2024-01-01T10:00:00", "２０２４-０１-０１", 0, -1, 10**30, 1e300, math.nan, [], {}])
def test_dates_out_of_range_or_malformed(value: Any) -> None:
    assert _fields({"as_of": value}) == {"as_of"}


@pytest.mark.parametrize("as_of", [dt.date.min, dt.date.max, dt.datetime(2024, 6, 1, 23, 59), dt.date(1990, 1, 1)])
def test_extreme_as_of_arguments_still_evaluate(as_of: dt.date) -> None:
    result = outcome({"work_province": "云南省", "occupation": "delivery_rider"}, as_of=as_of)
    assert isinstance(result, Result)
    assert result.provenance.as_of == (as_of.date() if isinstance(as_of, dt.datetime) else as_of)


def test_bad_places_are_named_along_with_the_other_errors() -> None:
    profile = {"age": -1, "work_province": "火星省", "hukou_city": "朝阳区", "residence_province": 7,
               "residence_city": "长沙市"}
    # 朝阳区 is in Beijing and in Changchun: ambiguous without its province; residence_* waits for its province.
    assert _fields(profile) == {"age", "work_province", "hukou_city", "residence_province"}
