"""Fuzzing the CLI: ``python -m rights_engine evaluate FILE`` (subprocess) and ``main([...])`` (in-process).

A bad profile exits 2 with the errors on stderr (field errors as JSON, or one ``error:`` line for a file
that is not JSON); a good one exits 0. Never a traceback, never exit 1 (rule base) or 3 (internal).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine.cli import MAX_PROFILE_BYTES, main

from .hostile import hostile_profiles, short_repr, time_limit

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("RIGHTS_ENGINE_FUZZ_EXAMPLES", "250"))
SUBPROCESS_EXAMPLES = max(30, EXAMPLES // 10)
IN_PROCESS_EXAMPLES = max(40, EXAMPLES // 5)
TIMEOUT = 60.0
slow_examples = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def _dump(profile: dict[Any, Any], ascii_only: bool) -> bytes:
    try:
        text = json.dumps(profile, ensure_ascii=ascii_only, default=str, skipkeys=True)
    except RecursionError:  # a deeply nested value: write the nesting by hand
        text = '{"problems": ' + "[" * 200_000 + "]" * 200_000 + "}"
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8 when not escaped


documents: st.SearchStrategy[bytes] = st.one_of(
    st.builds(_dump, hostile_profiles(), st.booleans()),
    st.builds(lambda p, cut: _dump(p, True)[:cut], hostile_profiles(), st.integers(0, 200)),  # truncated
    st.builds(lambda p: b"\xef\xbb\xbf" + _dump(p, False), hostile_profiles()),  # byte-order mark
    st.builds(lambda p: json.dumps(p, default=str).encode("utf-16"), st.just({"age": 30})),
    st.integers(1, 400_000).map(lambda n: ('{"problems": ' + "[" * n + "]" * n + "}").encode()),
    st.integers(1, 400_000).map(lambda n: ('{"a":' * n + "1" + "}" * n).encode()),
    st.integers(1, 20_000).map(lambda n: ('{"age": 1' + "0" * n + "}").encode()),
    st.sampled_from([b"", b" ", b"null", b"[]", b"42", b'"profile"', b"{", b"}", b'{"age": NaN}',
                     b'{"daily_hours": Infinity}', b'{"daily_hours": -Infinity}', b'{"daily_hours": 1e999}',
                     b'{"age": 30, "age": "x"}', b'{"\\ud800": 1}', b'{"work_city": "\\udc00"}', b"\x00",
                     b'{"age": 30}\x00', b'{"as_of": "2024-01-01"} trailing', b"\xff\xfe\x00\x00",
                     ('{"work_city": "' + "长" * (MAX_PROFILE_BYTES // 3 + 1) + '"}').encode()]),
    st.binary(max_size=300),
)


def _parses(raw: bytes) -> Any:
    """What the CLI's JSON reader sees, or a marker when the bytes are not a JSON document it accepts."""
    def reject(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(raw.decode("utf-8-sig"), parse_constant=reject)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return NotImplemented


def _check(raw: bytes, code: int, out: str, err: str, fmt: str) -> None:
    assert "Traceback" not in err and "Traceback" not in out, err[-2000:]
    assert code in (0, 2), f"exit {code}: {err[-500:]}"
    if code == 0:
        if fmt == "json":
            assert "provenance" in json.loads(out)
        else:
            assert out
        return
    if _parses(raw) is NotImplemented or len(raw) > MAX_PROFILE_BYTES:
        assert err.startswith("error: "), err[:300]
        return
    if err.startswith("error: ") and "(nested too deeply)" in err:
        return  # nested close to the recursion limit: whether json parses it depends on the stack depth at the call
    errors = json.loads(err)["errors"]
    assert errors and all(e["field"] and e["code"] and e["message"] for e in errors), errors


def _run(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "rights_engine", *args], input=stdin, capture_output=True,
                          timeout=TIMEOUT, cwd=ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


@settings(max_examples=SUBPROCESS_EXAMPLES, deadline=None, database=None, suppress_health_check=slow_examples)
@given(documents, st.sampled_from(("zh", "en")), st.sampled_from(("json", "text")))
def test_subprocess_on_generated_files(raw: bytes, lang: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        path.write_bytes(raw)
        code, out, err = _run(["evaluate", str(path), "--lang", lang, "--format", fmt])
    _check(raw, code, out, err, fmt)


@settings(max_examples=max(5, SUBPROCESS_EXAMPLES // 3), deadline=None, database=None,
          suppress_health_check=slow_examples)
@given(documents)
def test_subprocess_on_stdin(raw: bytes) -> None:
    code, out, err = _run(["evaluate", "-", "--format", "json"], stdin=raw)
    _check(raw, code, out, err, "json")


def _main(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_limit(TIMEOUT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # pragma: no cover - the failure being hunted
            raise AssertionError(f"main() raised SystemExit({exc.code}) on {short_repr(args)}") from exc
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=IN_PROCESS_EXAMPLES, deadline=None, database=None, suppress_health_check=slow_examples)
@given(documents, st.sampled_from(("zh", "en")), st.sampled_from(("json", "text")), st.booleans())
def test_main_in_process_on_generated_files(raw: bytes, lang: str, fmt: str, explain: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        path.write_bytes(raw)
        code, out, err = _main(["evaluate", str(path), "--lang", lang, "--format", fmt,
                                *(["--explain"] if explain else [])])
    _check(raw, code, out, err, fmt)


_OPTIONS = ["--lang", "--as-of", "--format", "--explain", "--backend", "zh", "en", "fr", "json", "text", "python",
            "durable", "2024-06-01", "0001-01-01", "9999-12-31", "2024-02-30", "yesterday", "--", "-x", "--help=no"]


@settings(max_examples=IN_PROCESS_EXAMPLES, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(_OPTIONS), st.text(max_size=8)), max_size=6))
def test_main_with_arbitrary_arguments(extra: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        path.write_text('{"work_province": "湖南省", "occupation": "courier"}', encoding="utf-8")
        code, _, err = _main(["evaluate", str(path), *extra])
    assert code in (0, 2) and "Traceback" not in err


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_an_endless_file_is_refused_quickly(path: str) -> None:
    if not Path(path).exists():
        pytest.skip(f"no {path}")
    code, _, err = _run(["evaluate", path])
    assert code == 2 and "not a regular file" in err and "Traceback" not in err


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.json"):
        code, _, err = _main(["evaluate", str(path)])
        assert code == 2 and err.startswith("error: cannot read")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"work_province": "湖南省", "age": 30}).encode())
    code, out, err = _main(["evaluate", str(path), "--format", "json"])
    assert code == 0 and json.loads(out)["coverage"]["province"] == "湖南省", err


@pytest.mark.parametrize("content", [b'{"age": true}', b'{"daily_hours": 1e999}', b'{"age": 1' + b"0" * 5000 + b"}",
                                    b'{"as_of": "0001-01-01"}', b'{"work_province": "\\u202e\\u6e56\\u5357\\u7701\\u7701"}'])
def test_known_traps_exit_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    code, _, err = _main(["evaluate", str(path)])
    _check(content, code, "", err, "json")
    assert code == 2
