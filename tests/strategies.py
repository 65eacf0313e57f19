"""Hypothesis strategies for worker profiles (unknowns included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from rights_engine import facts as F

PLACES: list[tuple[str | None, str | None]] = [
    ("湖南省", "长沙市"), ("湖南省", None), ("湖北省", "武汉市"), ("云南省", "文山壮族苗族自治州"),
    ("云南省", "文山市"), ("云南省", "临沧市"), ("云南省", "昆明市"), ("云南省", None), ("北京市", None),
    ("广东省", "深圳市"), (None, None),
]


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    work = draw(st.sampled_from(PLACES))
    hukou = draw(st.sampled_from(PLACES))
    profile: dict[str, Any] = {
        "as_of": draw(_maybe(st.dates(dt.date(2021, 1, 1), dt.date(2027, 12, 31)))),
        "work_province": work[0], "work_city": work[1],
        "hukou_province": hukou[0], "hukou_city": hukou[1],
        "occupation": draw(_maybe(st.sampled_from(F.OCCUPATIONS))),
        "engagement": draw(_maybe(st.sampled_from(F.ENGAGEMENTS))),
        "counterparty": draw(_maybe(st.sampled_from(F.COUNTERPARTIES))),
        "daily_hours": draw(_maybe(st.floats(0, 24, allow_nan=False))),
        "weekly_hours": draw(_maybe(st.floats(0, 168, allow_nan=False))),
        "age": draw(_maybe(st.integers(16, 80))),
        "gender": draw(_maybe(st.sampled_from(F.GENDERS))),
        "pension_enrolled": draw(_maybe(st.sampled_from(F.ENROLMENTS))),
        "medical_enrolled": draw(_maybe(st.sampled_from(F.ENROLMENTS))),
        "problems": draw(_maybe(st.lists(st.sampled_from(F.PROBLEMS), unique=True, max_size=4))),
    }
    for name in F.PROFILE_BOOL_FIELDS:
        profile[name] = draw(_maybe(st.booleans()))
    return {k: v for k, v in profile.items() if v is not None or draw(st.booleans())}
