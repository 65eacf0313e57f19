"""Inputs read as they were meant and errors that say how to fix them (issue 14, items 3 and 4).

Province names in a city field, ambiguous and romanised place names, keys that are not text, pandas/numpy
scalars, ``as_of`` as an ISO string, no typed text in any cache, allowed values listed, ``WorkerProfile(...)``
raising ProfileError. No error ever repeats what was typed.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rights_engine import ProfileError, Result, WorkerProfile, evaluate
from rights_engine.places import PlaceError, resolve
from rights_engine.profile import UNRECOGNISED_KEY, allowed_values

BASE = {"occupation": "delivery_rider", "platform_manages_work": True}


def _error(profile: Any, lang: str = "zh", **kwargs: Any) -> ProfileError:
    with pytest.raises(ProfileError) as caught:
        evaluate(profile, lang=lang, **kwargs)
    return caught.value


def _only(exc: ProfileError) -> tuple[str, str, str]:
    assert len(exc.errors) == 1, exc.errors
    e = exc.errors[0]
    return e.field, e.code, e.message


# -- province names in a city field ------------------------------------------------------------------------------


@pytest.mark.parametrize(("city", "province", "wrongly"), [("河南", "河南省", "青海省"), ("河北", "河北省", "天津市"),
                                                          ("海南", "海南省", "青海省")])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_province_name_in_the_city_field_is_reported_as_such(city: str, province: str, wrongly: str,
                                                               lang: str) -> None:
    field, code, text = _only(_error({"work_city": city}, lang))
    assert (field, code) == ("work_city", "province_in_city")
    assert province in text and wrongly not in text
    with pytest.raises(PlaceError):
        resolve(None, city)


@pytest.mark.parametrize(("province", "city", "expected"), [
    ("青海省", "河南", ("青海省", "黄南藏族自治州")),  # with its province, the county's short name is meant
    ("青海", "海南", ("青海省", "海南藏族自治州")),
    (None, "吉林", ("吉林省", "吉林市")),  # the province's own city of that name
    (None, "北京", ("北京市", None)),  # a municipality is a province and a city
    (None, "上海市", ("上海市", None)),
    ("河南省", "河南", ("河南省", None)),
])
def test_names_shared_by_a_province_and_a_place_in_it(province: str | None, city: str,
                                                      expected: tuple[str, str | None]) -> None:
    place = resolve(province, city)
    assert place is not None and (place.province, place.prefecture) == expected


def test_a_province_name_for_a_city_of_another_province() -> None:
    field, code, _ = _only(_error({"work_province": "湖南省", "work_city": "河南"}))
    assert (field, code) == ("work_city", "province_in_city")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_ambiguous_name_lists_the_candidates(lang: str) -> None:
    field, code, text = _only(_error({"work_city": "朝阳区"}, lang))
    assert (field, code) == ("work_city", "ambiguous_city")
    assert "北京市" in text and "吉林省长春市" in text


# -- names typed in pinyin or English ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("field", "typed", "hint"), [
    ("work_province", "Hunan", "湖南省"), ("work_province", "hunan province", "湖南省"),
    ("work_province", "Yunnan Sheng", "云南省"), ("work_province", "Shaanxi", "陕西省"),
    ("work_city", "Changsha", "长沙市"), ("work_city", "Changsha City", "长沙市"), ("work_city", "Wenshan", "文山"),
    ("hukou_province", "Tibet", "西藏自治区"),
])
def test_a_romanised_place_name_gets_the_chinese_name(lang: str, field: str, typed: str, hint: str) -> None:
    name, code, text = _only(_error({field: typed}, lang))
    assert name == field and code in ("unknown_province", "unknown_city")
    assert hint in text and typed not in text


def test_a_romanised_city_in_another_province_is_not_suggested() -> None:
    _, _, text = _only(_error({"work_province": "湖南省", "work_city": "Kunming"}, "en"))
    assert "昆明" not in text


def test_an_unknown_name_gets_no_hint_and_no_echo() -> None:
    _, code, text = _only(_error({"work_province": "Atlantis"}, "en"))
    assert code == "unknown_province" and "did you mean" not in text and "Atlantis" not in text


# -- names copied from a chat, typed in traditional characters, or in the wrong field (review 2026-12-01) ----------


@pytest.mark.parametrize(("province", "city", "expected"), [
    ("湖南省\u200b", "长沙市", ("湖南省", "长沙市")),            # a zero-width space copied from a chat
    ("\ufeff湖南", "长\u200d沙", ("湖南省", "长沙市")),          # a byte-order mark, a zero-width joiner
    ("湖南省", "\u202e长沙\u202c", ("湖南省", "长沙市")),        # bidirectional controls
    ("湖南省", "長沙市", ("湖南省", "长沙市")),                   # traditional characters
    ("雲南省", "臨滄", ("云南省", "临沧市")),
    ("湖北", "武漢", ("湖北省", "武汉市")),
    ("湖南省", "湖南省长沙市", ("湖南省", "长沙市")),             # the province written before the city
    (None, "湖南长沙", ("湖南省", "长沙市")),
    (None, "云南文山", ("云南省", "文山壮族苗族自治州")),
])
def test_names_as_they_are_pasted_resolve(province: str | None, city: str, expected: tuple[str, str]) -> None:
    place = resolve(province, city)
    assert place is not None and (place.province, place.prefecture) == expected


def test_a_city_after_another_province_is_not_read_as_that_city() -> None:
    with pytest.raises(PlaceError):
        resolve("云南省", "湖南长沙")


@pytest.mark.parametrize(("profile", "field", "hint"), [
    ({"work_province": "长沙市"}, "work_province", "湖南省"),         # a city in the province field
    ({"work_province": "湖南省长沙市"}, "work_province", "湖南省"),
    ({"work_province": "湖南省", "work_city": "武汉"}, "work_city", "湖北省武汉市"),  # a city of another province
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chinese_name_in_the_wrong_place_says_where_it_belongs(profile: dict[str, str], field: str, hint: str,
                                                                 lang: str) -> None:
    name, _, text = _only(_error(profile, lang))
    assert name == field and hint in text


# -- keys that are not text --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [110101199003077777, frozenset({"张三"}), b"secret-430102", True, 1.5, ("a", "b")])
def test_a_key_that_is_not_text_is_the_unrecognised_key(key: Any) -> None:
    exc = _error({key: 1, "age": 30})
    assert [(e.field, e.code) for e in exc.errors] == [(UNRECOGNISED_KEY, "extra_forbidden")]
    text = str(exc) + repr(exc.as_dict())
    assert "1101011990" not in text and "张三" not in text and "secret" not in text


# -- pandas and numpy scalars behave like their Python twins -------------------------------------------------------


def _same(numpyish: dict[str, Any], plain: dict[str, Any]) -> None:
    def outcome(profile: dict[str, Any]) -> Any:
        try:
            return evaluate({**BASE, **profile}, as_of=dt.date(2024, 7, 1)).model_dump()
        except ProfileError as exc:
            return [(e.field, e.code) for e in exc.errors]

    assert outcome(numpyish) == outcome(plain)


@pytest.mark.parametrize(("numpyish", "plain"), [
    ({"age": np.True_}, {"age": True}),  # not age 1
    ({"age": np.int64(30)}, {"age": 30}),
    ({"age": np.float64(30.0)}, {"age": 30.0}),
    ({"daily_hours": np.float32(9.5)}, {"daily_hours": 9.5}),
    ({"outdoor_work": np.True_}, {"outdoor_work": True}),
    ({"outdoor_work": np.False_}, {"outdoor_work": False}),
    ({"as_of": pd.NaT}, {"as_of": None}),
    ({"age": pd.NA}, {"age": None}),
    ({"work_province": pd.NA, "outdoor_work": pd.NA}, {}),
    ({"occupation": np.str_("courier")}, {"occupation": "courier"}),
])
def test_numpy_and_pandas_scalars(numpyish: dict[str, Any], plain: dict[str, Any]) -> None:
    _same(numpyish, plain)


def test_np_true_is_not_an_age() -> None:
    field, code, _ = _only(_error({"age": np.True_}))
    assert (field, code) == ("age", "int_type")
    with pytest.raises(ProfileError):
        WorkerProfile(age=np.True_)


# -- as_of ---------------------------------------------------------------------------------------------------------


def test_as_of_accepts_an_iso_date_string() -> None:
    assert evaluate(BASE, as_of="2024-07-01") == evaluate(BASE, as_of=dt.date(2024, 7, 1))


@pytest.mark.parametrize("missing", [None, pd.NaT, pd.NA, np.datetime64("NaT")])
def test_as_of_missing_is_unknown(missing: Any) -> None:
    result = evaluate({**BASE, "as_of": "2023-01-01"}, as_of=missing)
    assert isinstance(result, Result) and result.provenance.as_of == dt.date(2023, 1, 1)
    assert evaluate(BASE, as_of=missing).provenance.as_of == dt.date.today()


def test_as_of_accepts_pandas_timestamps() -> None:
    assert evaluate(BASE, as_of=pd.Timestamp("2024-07-01 13:00")).provenance.as_of == dt.date(2024, 7, 1)


@pytest.mark.parametrize("bad", ["yesterday", "2024-02-30", "1900-01-01", "2024-07-01; drop table"])
def test_as_of_a_bad_string(bad: str) -> None:
    exc = _error(BASE, as_of=bad)
    assert {e.field for e in exc.errors} == {"as_of"} and bad not in str(exc)


# -- no typed text in any cache --------------------------------------------------------------------------------------


def test_resolving_a_place_keeps_nothing_typed() -> None:
    for province, city in (("湖南省", "长沙市"), (None, "文山州"), ("云南", "nowhere")):
        typed = "".join([city, " " * 7])  # a fresh string object, as a request would bring
        before = sys.getrefcount(typed)
        try:
            resolve(province, typed)
        except PlaceError:
            pass
        assert sys.getrefcount(typed) == before, f"{city!r}: something kept the typed text"


# -- errors that say how to fix ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "label"), [("zh", "外卖／网约配送员"), ("en", "food-delivery or instant-delivery rider")])
def test_a_bad_choice_lists_the_allowed_values_with_their_labels(lang: str, label: str) -> None:
    field, code, text = _only(_error({"occupation": "外卖骑手"}, lang))
    assert (field, code) == ("occupation", "literal_error")
    assert all(value in text for value in allowed_values("occupation")) and label in text
    assert "外卖骑手" not in text


def test_a_bad_problem_lists_the_problems() -> None:
    field, _, text = _only(_error({"problems": ["deposit", "aliens"]}, "en"))
    assert field == "problems.1" and "unpaid_wages" in text and "aliens" not in text


@pytest.mark.parametrize(("kwargs", "field"), [({"age": "x"}, "age"), ({"occupation": "astronaut"}, "occupation"),
                                               ({"as_of": "yesterday"}, "as_of"), ({"colour": "blue"}, "colour")])
def test_constructing_a_bad_profile_raises_profile_error(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ProfileError) as caught:
        WorkerProfile(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert [e.field for e in caught.value.errors] == [field]
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # no ValidationError quoting input
    assert "astronaut" not in str(caught.value) and "yesterday" not in str(caught.value)


def test_a_good_profile_still_constructs() -> None:
    assert WorkerProfile(age=30, occupation="courier").age == 30
    assert WorkerProfile.model_validate({"age": 30}).age == 30


def test_the_pinyin_table_is_generated_from_the_place_data() -> None:
    pytest.importorskip("pypinyin")
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("place_pinyin", root / "scripts" / "place_pinyin.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (root / "rights_engine" / "place_pinyin.json").read_text("utf-8") == module.render()


# -- a value out of range says the limit (review 2026-12-01) -----------------------------------------------------


@pytest.mark.parametrize(("field", "value", "zh", "en"), [
    ("age", -1, "数值过小（最小为 0）", "is too small (at least 0)"),
    ("age", 10**30, "数值过大（最大为 130）", "is too large (at most 130)"),
    ("daily_hours", 25, "数值过大（最大为 24）", "is too large (at most 24)"),
    ("weekly_hours", 200.5, "数值过大（最大为 168）", "is too large (at most 168)"),
    ("work_city", "长" * 65, "文字过长（最多 64 个字）", "text is too long (at most 64 characters)"),
    ("problems", ["deposit"] * 17, "列表过长（最多 16 项）", "list is too long (at most 16 items)"),
])
def test_a_value_out_of_range_says_the_limit(field: str, value: Any, zh: str, en: str) -> None:
    for lang, expected in (("zh", zh), ("en", en)):
        name, _, text = _only(_error({field: value}, lang))
        assert name == field and text == expected


@pytest.mark.parametrize(("key", "field"), [("work_provice", "work_province"), ("workProvince", "work_province"),
                                            ("OCCUPATION", "occupation"), ("occupaton", "occupation")])
def test_an_unknown_key_close_to_a_field_names_the_field(key: str, field: str) -> None:
    for lang, hint in (("zh", f"是否指：{field}？"), ("en", f"did you mean: {field}?")):
        name, code, text = _only(_error({key: "x"}, lang))
        assert (name, code) == (key, "extra_forbidden") and text.endswith(hint)


def test_an_unknown_key_far_from_every_field_gets_no_hint() -> None:
    _, _, text = _only(_error({"colour": "blue"}, "en"))
    assert text == "unknown field"
