"""What the CLI says about a profile file it cannot take (review 2026-12-01): a key given twice is refused and
named (never a silent choice of one value), and a file that is not JSON gets a reason a person can act on (not a
Python exception name), without repeating what the file says."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from rights_engine.cli import main


def _run(path: Path, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["evaluate", str(path), *extra])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_key_given_twice_is_refused_and_named(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"work_province": "湖南省", "occupation": "courier", "work_province": "云南省"}', "utf-8")
    code, out, err = _run(path, "--lang", lang)
    assert code == 2 and not out
    errors = json.loads(err)["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("work_province", "duplicate_key")]
    assert "湖南" not in err and "云南" not in err


def test_a_key_given_twice_that_may_be_personal_data_is_not_repeated(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"110101199003077777": 1, "110101199003077777": 2}', "utf-8")
    code, _, err = _run(path)
    assert code == 2 and "110101199003077777" not in err and "duplicate_key" in err


@pytest.mark.parametrize(("content", "reason"), [
    ('{"work_province": "湖南省"}'.encode("gbk"), "not UTF-8 text"),
    (b"", "Expecting value at line 1, column 1"),
    (b'{"age": 30} {"secret": 1}', "Extra data at line 1, column 13"),
    (b'{"age": NaN}', "NaN and Infinity are not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_a_file_that_is_not_json_gets_a_reason_a_person_can_act_on(tmp_path: Path, content: bytes,
                                                                   reason: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    code, out, err = _run(path)
    assert code == 2 and not out
    assert err.startswith("error: ") and reason in err and "Error)" not in err and "secret" not in err
