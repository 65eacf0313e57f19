from __future__ import annotations

import math

import pytest

from rights_engine import ProfileError, WorkerProfile, evaluate
from rights_engine.places import resolve


def _fields(exc: ProfileError) -> set[str]:
    return {e.field for e in exc.errors}


def test_every_bad_field_is_named() -> None:
    bad = {
        "occupation": "astronaut",
        "age": -3,
        "daily_hours": 30,
        "can_refuse_orders": "perhaps",
        "as_of": "yesterday",
        "favourite_colour": "blue",
        "problems": ["deposit", "aliens"],
    }
    with pytest.raises(ProfileError) as caught:
        evaluate(bad)
    assert _fields(caught.value) >= {"occupation", "age", "daily_hours", "can_refuse_orders", "as_of",
                                     "favourite_colour", "problems.1"}
    assert isinstance(caught.value, ValueError)


def test_errors_never_echo_values() -> None:
    secret = "张三的身份证号 430102199001011234"
    with pytest.raises(ProfileError) as caught:
        evaluate({"work_city": secret, "occupation": secret, "notes": secret})
    text = str(caught.value) + repr(caught.value.as_dict())
    assert "4301021990" not in text and "张三" not in text


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(ProfileError) as caught:
        evaluate({"daily_hours": value})
    assert _fields(caught.value) == {"daily_hours"}


def test_errors_in_english_and_chinese() -> None:
    with pytest.raises(ProfileError) as zh:
        evaluate({"age": "old"}, lang="zh")
    with pytest.raises(ProfileError) as en:
        evaluate({"age": "old"}, lang="en")
    assert zh.value.errors[0].message != en.value.errors[0].message
    assert "整数" in zh.value.errors[0].message


def test_bad_places_name_the_field() -> None:
    with pytest.raises(ProfileError) as caught:
        evaluate({"work_province": "火星省", "hukou_province": "湖南省", "hukou_city": "文山州"})
    assert _fields(caught.value) == {"work_province", "hukou_city"}


def test_not_a_mapping() -> None:
    with pytest.raises(ProfileError) as caught:
        evaluate(["not", "a", "profile"])  # type: ignore[arg-type]
    assert _fields(caught.value) == {"profile"}


def test_bad_language_is_a_profile_error() -> None:
    with pytest.raises(ProfileError):
        evaluate({}, lang="fr")


@pytest.mark.parametrize(
    ("province", "city", "expected"),
    [
        ("湖南", "长沙", ("湖南省", "长沙市")),
        (None, "文山州", ("云南省", "文山壮族苗族自治州")),
        ("云南省", "文山市", ("云南省", "文山壮族苗族自治州")),
        (None, "砚山县", ("云南省", "文山壮族苗族自治州")),
        ("云南", "临沧", ("云南省", "临沧市")),
        ("湖北省", None, ("湖北省", None)),
        ("北京", "朝阳区", ("北京市", None)),
    ],
)
def test_place_short_forms(province: str | None, city: str | None, expected: tuple[str, str | None]) -> None:
    place = resolve(province, city)
    assert place is not None
    assert (place.province, place.prefecture) == expected


def test_profile_model_is_the_api_model() -> None:
    p = WorkerProfile(work_province="湖南省", occupation="courier")
    assert p.engagement is None  # absent = unknown
