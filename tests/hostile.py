"""Hostile input for the fuzz tests: arbitrary JSON, odd unicode, huge and deep values, and a time limit.

Everything here is data a client could send (or, for in-process callers, a plain Python dict could
hold); the tests check that each one gives a :class:`~rights_engine.ProfileError` naming fields, or a
valid result, and nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import strategies as st

from rights_engine import ProfileError, Result, WorkerProfile
from rights_engine.profile import _MESSAGES, UNRECOGNISED_KEY

from .strategies import profiles

FIELDS: tuple[str, ...] = tuple(WorkerProfile.model_fields)
LIST_FIELDS = frozenset({"problems"})

#: Characters that have broken parsers, normalisers and terminals before.
ODD_CHARS: tuple[str, ...] = (
    "\x00", "\x1b[31m", "\r\n", "\t", "\ud800", "\udfff", "\udc80", "\u202e", "\u202d", "\u200f", "\u200e",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u2028", "\u2029", "\u00a0", "\u3000", "\ufffd",
    "\U0001f600", "\U0010ffff", "\u0301", "\u0e47", "０", "１９", "２０２４", "－", "：", "ｈｕｎａｎ", "Ⅻ", "٣",
    "ﾃｽﾄ", "長沙", "湖南", "省", "市", "州", "自治州", "⾧", "\\", '"', "'", "{", "}", "%s", "{0}", "${x}",
)
#: Plausible place names and their near misses (resolution goes through NFKC and whitespace removal).
PLACE_WORDS: tuple[str, ...] = (
    "湖南省", "湖南", "长沙市", "长沙", "湖北省", "武汉市", "云南省", "文山州", "文山壮族苗族自治州", "文山市", "北京市",
    "北京", "朝阳区", "吉林", "吉林市", "鼓楼区", "广东省", "深圳市", "火星省", "湖 南 省", "湖南省\u200b", "\u202e湖南省",
)
DATE_TEXTS: tuple[str, ...] = (
    "0001-01-01", "0000-01-01", "1989-12-31", "1990-01-01", "2100-12-31", "2101-01-01", "9999-12-31", "2024-02-29",
    "2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "20240101", "2024-1-1", "2024-01-01T00:00:00",
    "2024-01-01T10:30:00", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+08:00", "+002024-01-01", "-2024-01-01",
    "２０２４-０１-０１", "2024\u201301\u201301", "2024年1月1日", "today", "", " ", "1e10", "NaN", "null",
)
NUMBERS: tuple[Any, ...] = (
    0, -1, 1, 24, 25, 168, 169, 130, 131, -0.0, 0.1, 1e-320, 5e-324, 1.7976931348623157e308, -1e308, math.nan,
    math.inf, -math.inf, 10**18, 2**63, 2**64 + 1, -(2**63) - 1, 10**400, -(10**400), 10**4000,
    "30", "3.5", " 8 ", "1e3", "0x10", "1_000", "nan", "inf", "-Infinity", "３０", "٣٠", "三十",
)

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**600), max_value=10**600),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NUMBERS),
    st.text(max_size=30),
    st.text(st.characters(exclude_categories=()), max_size=12),  # surrogates included
    st.lists(st.sampled_from(ODD_CHARS + PLACE_WORDS), max_size=6).map("".join),
    st.sampled_from(DATE_TEXTS),
    st.dates(dt.date.min, dt.date.max).map(dt.date.isoformat),
    st.dates(dt.date.min, dt.date.max),
    st.datetimes().map(dt.datetime.isoformat),
    st.integers(min_value=60, max_value=3_000_000).map(lambda n: "长" * n),  # long and huge strings
)


def nested(depth: int, leaf: Any = 1, kind: str = "list") -> Any:
    """A value nested ``depth`` levels deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


deep: st.SearchStrategy[Any] = st.builds(
    nested, st.integers(min_value=1, max_value=200_000), scalars, st.sampled_from(("list", "dict"))
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)

hostile_values: st.SearchStrategy[Any] = st.one_of(json_values, deep, st.lists(st.sampled_from(
    ("deposit", "no_rest", "aliens", "", None, 1, True, "DEPOSIT", "deposit\x00", "ｄｅｐｏｓｉｔ"))), st.just(
    ["deposit"] * 100_000))

odd_keys: st.SearchStrategy[Any] = st.one_of(
    st.text(max_size=20),
    st.lists(st.sampled_from(ODD_CHARS), min_size=1, max_size=4).map("".join),
    st.sampled_from([f.upper() for f in FIELDS] + [f + " " for f in FIELDS] + [f + "\x00" for f in FIELDS]
                    + ["__class__", "__dict__", "model_config", "__proto__", "constructor", "$where", "profile", ""]),
    st.integers(min_value=1, max_value=400).map(lambda n: "k" * n),
)


@st.composite
def hostile_profiles(draw: st.DrawFn) -> dict[Any, Any]:
    """A plausible profile with some fields replaced by hostile values and some unknown keys added."""
    profile: dict[Any, Any] = draw(st.one_of(profiles(), st.just({})))
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=4)):
        profile[name] = draw(hostile_values)
    for name in draw(st.lists(st.sampled_from(("work_province", "work_city", "hukou_city", "residence_city")),
                              unique=True, max_size=2)):
        profile[name] = draw(st.lists(st.sampled_from(ODD_CHARS + PLACE_WORDS), max_size=3).map("".join))
    if draw(st.integers(0, 4)) == 0:
        for key in draw(st.lists(odd_keys, max_size=3)):
            profile[key] = draw(json_values)
    return profile


def is_text(value: object) -> bool:
    """A str that UTF-8 can carry (no lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_outcome(profile: Any, outcome: Result | ProfileError) -> None:
    """The contract on one outcome: a result that serialises, or field errors that name the bad fields."""
    if isinstance(outcome, Result):
        text = outcome.model_dump_json()
        text.encode("utf-8")  # a result never carries a lone surrogate from the input
        return
    assert isinstance(outcome, ProfileError) and isinstance(outcome, ValueError)
    assert outcome.errors, "a ProfileError names at least one field"
    keys = {str(k) for k in profile} if isinstance(profile, Mapping) else set()
    roots = keys | {"profile", "lang", "as_of", UNRECOGNISED_KEY}
    for error in outcome.errors:
        assert isinstance(error.field, str) and error.field, error
        # a key that is not text (an int, bytes, a frozenset) is never echoed: it is the unrecognised key
        assert error.field in roots or any(error.field.startswith(r + ".") for r in roots), error.field
        assert error.code in _MESSAGES, error.code
        # the message, possibly followed by how to fix it (the allowed values, the candidates of a place name)
        assert error.message and any(error.message.startswith(m) for m in _MESSAGES[error.code]), error.message
    if isinstance(profile, Mapping) and all(is_text(k) for k in profile):
        named = {e.field for e in outcome.errors}
        for key, value in profile.items():
            if key not in FIELDS:  # an empty key is reported as the profile itself
                shaped = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", key or "profile")
                # a key not shaped like a field name may hold personal data: it is not repeated back
                assert ((key or "profile") if shaped else UNRECOGNISED_KEY) in named, f"unknown field {key!r} not named"
                assert shaped or key not in named
            elif key not in LIST_FIELDS and isinstance(value, (list, dict)):
                assert key in named, f"{key} holds a {type(value).__name__} but is not named"
    str(outcome), repr(outcome), outcome.as_dict()


class Hang(BaseException):
    """Raised by :func:`time_limit` (a BaseException, so that no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM in the main thread (the usual case under pytest)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def short_repr(value: object, limit: int = 300) -> str:
    """repr that survives huge and deeply nested values (for failure messages)."""
    try:
        text = repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deep to repr>"
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


__all__ = ["FIELDS", "Hang", "check_outcome", "hostile_profiles", "hostile_values", "json_values", "nested",
           "short_repr", "time_limit"]
