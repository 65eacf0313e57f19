"""Privacy: nothing a worker said ends up in a log record, a warning, or an exception's text.

Sentinel values go into every field, on the success path and on every kind of bad-input path; every
logger is captured at DEBUG; the sentinels must not appear in any record, in ``str()``/``repr()``/``args``
of the raised error or of anything chained to it, in its formatted traceback, or on the CLI's stderr.
An evaluation also opens no file for writing, no socket and no subprocess (audit hook).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rights_engine import ProfileError, evaluate
from rights_engine.cli import main
from rights_engine.engine import Engine

SECRET = "张三身份证430102199001011234"
SECRETS = (SECRET, "430102199001011234", "张三")
#: Valid values distinctive enough to be searched for.
HOURS, WEEKLY = 7.123456789, 41.987654321
VALID_SECRETS = ("7.123456789", "41.987654321")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.name, str(record.msg), repr(record.args), record.getMessage()]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        parts.extend(repr(v) for k, v in vars(record).items() if k not in logging.LogRecord("", 0, "", 0, "", (), None)
                     .__dict__)  # extra= fields
        self.texts.append("\n".join(parts))


@contextlib.contextmanager
def everything_logged() -> Iterator[tuple[_Collect, list[warnings.WarningMessage]]]:
    """Every logger (those that exist now and those created meanwhile) at DEBUG, into one handler."""
    handler = _Collect()
    root = logging.getLogger()
    saved = {name: lg.level for name, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    saved_root, disabled = root.level, logging.root.manager.disable
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.disable(logging.NOTSET)
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield handler, caught
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        logging.disable(disabled)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception shows: its text, args, notes and formatted traceback, and the same for its chain."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out += [str(current), repr(current), repr(current.args), repr(getattr(current, "__notes__", ""))]
        if isinstance(current, ProfileError):
            out.append(json.dumps(current.as_dict(), ensure_ascii=False))
        current = current.__cause__ or current.__context__
    out.append("".join(traceback.format_exception(exc)))
    return out


def _assert_clean(texts: list[str], secrets: tuple[str, ...] = SECRETS) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into: {text[:400]}"


BAD_PROFILES: list[dict[str, Any]] = [
    {"occupation": SECRET},
    {"engagement": SECRET, "counterparty": SECRET, "gender": SECRET},
    {"work_province": SECRET},
    {"work_province": "湖南省", "work_city": SECRET},
    {"hukou_city": SECRET[:10]},
    {"residence_province": SECRET * 10},
    {"as_of": SECRET},
    {"as_of": "2024-13-45" + SECRET},
    {"age": SECRET},
    {"daily_hours": SECRET},
    {"can_refuse_orders": SECRET},
    {"problems": [SECRET]},
    {"problems": SECRET},
    {"notes": SECRET},
    {"nested": {"deeper": [SECRET]}},
    {"work_province": SECRET, "age": SECRET, "occupation": SECRET, "as_of": SECRET, "problems": [SECRET, SECRET]},
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("profile", BAD_PROFILES, ids=lambda p: "+".join(p))
def test_bad_input_never_echoes_the_values(profile: dict[str, Any], lang: str) -> None:
    with everything_logged() as (handler, caught), pytest.raises(ProfileError) as raised:
        evaluate(profile, lang=lang)
    assert raised.value.errors  # and each names a field
    _assert_clean(_exception_texts(raised.value))
    _assert_clean(handler.texts + [str(w.message) for w in caught])


@pytest.mark.parametrize("kwargs", [{"lang": SECRET}, {"as_of": SECRET}, {"lang": "en", "as_of": SECRET}])
def test_bad_arguments_never_echo_the_values(kwargs: dict[str, Any]) -> None:
    with everything_logged() as (handler, caught), pytest.raises(ProfileError) as raised:
        evaluate({"work_province": "湖南省"}, **kwargs)
    _assert_clean(_exception_texts(raised.value) + handler.texts + [str(w.message) for w in caught])


def test_not_a_mapping_is_not_echoed() -> None:
    with pytest.raises(ProfileError) as raised:
        evaluate([SECRET])
    _assert_clean(_exception_texts(raised.value))


def test_a_good_evaluation_logs_nothing_of_the_profile(engine: Engine) -> None:
    profile = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
               "daily_hours": HOURS, "weekly_hours": WEEKLY, "as_of": "2024-06-01", "problems": ["deposit"]}
    with everything_logged() as (handler, caught):
        result = engine.evaluate(profile, lang="en", explain=True)
        evaluate(profile)
    _assert_clean(handler.texts + [str(w.message) for w in caught], VALID_SECRETS)
    assert not [t for t in handler.texts if t.startswith("rights_engine")], "the package itself logs nothing"
    _assert_clean([result.model_dump_json()], VALID_SECRETS)  # the result does not copy the profile back either


def test_the_cli_prints_field_names_only(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(BAD_PROFILES[-1], ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with everything_logged() as (handler, _), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["evaluate", str(path), "--lang", "en"])
    assert code == 2
    fields = {e["field"] for e in json.loads(err.getvalue())["errors"]}
    assert fields == {"work_province", "age", "occupation", "as_of", "problems.0", "problems.1"}
    _assert_clean([out.getvalue(), err.getvalue(), *handler.texts])
    path.write_bytes(b'{"work_city": "' + SECRET.encode() + b'"')  # not even valid JSON
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["evaluate", str(path)]) == 2
    _assert_clean([err.getvalue()])


_WATCHING = False
_EVENTS: list[tuple[str, str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCHING:
        return
    if event == "open":
        mode = args[1] if len(args) > 1 else "r"
        if isinstance(mode, str) and any(m in mode for m in "wax+"):
            _EVENTS.append((event, repr(args[0])))
        elif isinstance(mode, int) and mode & 0o3:  # os.open with O_WRONLY / O_RDWR
            _EVENTS.append((event, repr(args[0])))
    elif event.startswith(("socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn",
                           "urllib.", "http.", "ftplib.", "smtplib.", "sqlite3.", "shutil.", "os.remove",
                           "os.rename", "os.mkdir", "os.fork")):
        _EVENTS.append((event, ""))


def test_an_evaluation_writes_nothing_and_talks_to_no_one(engine: Engine) -> None:
    global _WATCHING
    profiles: list[dict[str, Any]] = [
        {"work_province": "云南省", "work_city": "文山州", "occupation": "courier", "engagement": "labor_contract",
         "as_of": "2024-06-01", "problems": ["unpaid_wages", "injured_at_work"]},
        {"work_province": "湖北省", "daily_hours": 11.5, "age": 55, "gender": "female"},
        {"occupation": SECRET},
    ]
    engine.evaluate(profiles[0])  # warm: the rule sets are compiled before watching
    sys.addaudithook(_audit)  # stays installed for the process, but records only while _WATCHING
    _EVENTS.clear()
    _WATCHING = True
    try:
        for lang in ("zh", "en"):
            for p in profiles:
                with contextlib.suppress(ProfileError):
                    engine.evaluate(p, lang=lang, explain=True, as_of=dt.date(2030, 1, 1))
    finally:
        _WATCHING = False
    assert not _EVENTS, _EVENTS[:10]


def test_the_model_constructor_does_not_quote_the_input_either() -> None:
    from rights_engine import WorkerProfile

    cases: list[dict[str, Any]] = [{"age": SECRET}, {"occupation": SECRET, "as_of": SECRET}, {"work_city": SECRET * 10}]
    for bad in cases:
        with pytest.raises(ProfileError) as raised:  # ProfileError, like evaluate(): never pydantic's ValidationError
            WorkerProfile(**bad)
        _assert_clean([str(raised.value), repr(raised.value), "".join(traceback.format_exception(raised.value))])


def test_an_unknown_key_is_named_only_when_shaped_like_a_field_name() -> None:
    """A typo is named so that it can be fixed; a key of another shape (a name and an ID number typed into a key,
    say) is not repeated back."""
    from rights_engine.profile import UNRECOGNISED_KEY

    with pytest.raises(ProfileError) as caught:
        evaluate({"张三 110101199001011234": "x", "favourite_colour": "blue", "age": 30})
    named = [e.field for e in caught.value.errors]
    assert sorted(named) == sorted([UNRECOGNISED_KEY, "favourite_colour"])
    assert "110101199001011234" not in str(caught.value) + repr(caught.value) + str(caught.value.as_dict())
