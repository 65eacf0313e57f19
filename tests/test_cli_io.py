"""The command line never crashes on I/O: closed pipes, full disks, narrow encodings, bad ports, special and
malformed input files all end with a documented exit code (0, 1 or 2) and at most one clear line."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rights_engine import __version__
from rights_engine.cli import _parser, main

ROOT = Path(__file__).resolve().parent.parent
PROFILE = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider", "age": 30}


def _run(args: list[str], env: dict[str, str] | None = None, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "rights_engine", *args], capture_output=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}, input=stdin, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _one_clear_line(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err


# -- the output side ---------------------------------------------------------------------------------------------


def test_a_reader_that_goes_away_is_not_an_error() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "rights_engine", "rules"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # `rights-engine rules | head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 0 and not err, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_disk_exits_2_with_one_line() -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "rights_engine", "rules"], stdout=full, stderr=subprocess.PIPE,
                              cwd=ROOT, timeout=120, check=False)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2
    _one_clear_line(err)
    assert "cannot write the output" in err


@pytest.mark.parametrize("command", [["rules"], ["evaluate", "-"], ["evaluate", "-", "--explain", "--lang", "en"]])
def test_an_encoding_that_cannot_show_chinese(command: list[str]) -> None:
    code, out, err = _run(command, env={"PYTHONIOENCODING": "ascii"}, stdin=json.dumps(PROFILE).encode())
    assert code == 0 and out and not err, err


# -- options -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "eighty"])
def test_a_port_out_of_range_is_bad_input(port: str) -> None:
    code, _, err = _main("serve", "--port", port)
    assert code == 2 and "0-65535" in err and "internal error" not in err


def test_version() -> None:
    code, out, _ = _main("--version")
    assert code == 0 and out.strip() == f"rights-engine {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def test_every_option_has_help_and_the_help_has_no_markup() -> None:
    parser = _parser()
    commands = _subparsers(parser)
    assert {"evaluate", "rules", "coverage", "serve", "interview", "batch", "schema", "test"} <= set(commands)
    for name, sub in [("", parser), *commands.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help.strip(), f"{name} {action.option_strings or action.dest}: no help"
        text = sub.format_help()
        assert "``" not in text and ":class:" not in text, name
        assert text.endswith("\n")


def test_every_printed_help_ends_with_one_newline() -> None:
    """Review: `interview -h` lacked its final newline. What each command prints for -h, as printed: one final
    newline, and no blank line before it."""
    for name in ["", *_subparsers(_parser())]:
        code, out, err = _main(*([name] if name else []), "-h")
        assert code == 0 and err == "" and out.startswith("usage:"), name
        assert out.endswith("\n") and not out.endswith("\n\n"), f"{name or 'rights-engine'} -h: {out[-40:]!r}"


def test_help_exits_0_and_documents_the_exit_codes() -> None:
    for args in (["--help"], ["evaluate", "--help"], ["batch", "-h"]):
        code, out, _ = _main(*args)
        assert code == 0 and out.startswith("usage:")
    assert "Exit codes: 0 ok" in " ".join(_main("--help")[1].split())


# -- input files -------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("command", [["evaluate", "{}"], ["interview", "--profile", "{}"], ["batch", "{}", "out.csv"],
                                     ["test", "{}"]])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / ("p.csv" if command[0] == "batch" else "p.json")
    os.mkfifo(fifo)
    args = [str(fifo) if a == "{}" else str(tmp_path / a) if a == "out.csv" else a for a in command]
    code, _, err = _run(args)  # a blocking open would hit the subprocess timeout
    assert code == 2
    _one_clear_line(err)
    assert "not a regular file" in err


@pytest.mark.parametrize("command", [["evaluate", "{}"], ["interview", "--profile", "{}"], ["batch", "{}", "o.csv"],
                                     ["test", "{}"]])
def test_a_directory_is_refused(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "d.csv"
    folder.mkdir()
    args = [str(folder) if a == "{}" else str(tmp_path / a) if a == "o.csv" else a for a in command]
    code, _, err = _main(*args)
    assert code == 2
    _one_clear_line(err)
    assert "a directory" in err


BAD_TABLES = [
    ("dup.csv", b"age,age\n30,31\n", "appears twice"),
    ("ragged.csv", b"age,occupation\n30\n31,courier,extra\n", "well-formed"),
    ("gbk.csv", "work_province,age\n湖南省,30\n".encode("gb18030"), "UTF-8"),
    ("bad.parquet", b"PAR1 not really a parquet file PAR1", "Parquet"),
    ("nocols.csv", b"foo,bar\n1,2\n", "no profile columns"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_TABLES, ids=[t[0] for t in BAD_TABLES])
def test_a_malformed_table_is_bad_input(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    pytest.importorskip("polars")
    path = tmp_path / name
    path.write_bytes(content)
    extra = ["--columns", "foo", "bar"] if name == "nocols.csv" else []
    code, _, err = _main("batch", str(path), str(tmp_path / "out.csv"), "--quiet", *extra)
    assert code == 2, err
    _one_clear_line(err)
    assert expected in err
    assert "31" not in err and "湖南" not in err  # never a cell of the table


def test_a_good_table_still_runs(tmp_path: Path) -> None:
    pytest.importorskip("polars")
    path = tmp_path / "ok.csv"
    path.write_text("work_province,occupation,age\n湖南省,courier,30\n", encoding="utf-8")
    code, _, err = _main("batch", str(path), str(tmp_path / "out.csv"), "--quiet")
    assert code == 0, err
    assert (tmp_path / "out.csv").read_text("utf-8").count("\n") == 2
