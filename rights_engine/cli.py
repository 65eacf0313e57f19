"""The rights-engine command: evaluate a profile, list and check the rules, report coverage, run YAML test cases.

Exit codes (the only ones, whatever goes wrong):

- 0 ok (also when the reader of the output went away, e.g. ``rights-engine rules | head -1``);
- 1 the rule base is broken, or a YAML test case failed, or a provision of coverage.yaml is not cited;
- 2 bad input: a bad option, a file that cannot be read or is not a regular file, bad JSON, field errors
  (printed as JSON), a port out of range, an address that cannot be used, or output that cannot be written
  (a full disk);
- 3 an internal error (a bug: please report it). Never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import io
import json
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from . import __version__
from ._allocator import keep_freed_pages
from .profile import ProfileError, no_duplicate_keys

EXIT_OK, EXIT_RULEBASE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
MAX_PROFILE_BYTES = 1_000_000
DESCRIPTION = ("Which labour and social-insurance rights apply to a Chinese gig worker, and which policy clause "
               "grants each one.")


EPILOG = ("Exit codes: 0 ok (also when the reader of the output goes away); 1 a broken rule base, a failed test case "
          "or an uncited provision; 2 bad input, or output that cannot be written; 3 an internal error (please "
          "report it).")


class InputError(Exception):
    """Bad command-line input (file, JSON, date)."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD") from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a port number 0-65535") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("expected a port number 0-65535")
    return port


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a positive whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive whole number")
    return value


def open_regular_file(path: str) -> io.BufferedReader:
    """Open ``path`` for reading only if it is a regular file: a FIFO would block for ever, a device may never end,
    a directory is no profile. The check is made on the opened file (no race with a swapped path)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise InputError(f"cannot read {path}: {kind}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_profile(path: str, lang: str = "zh") -> Any:
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
        else:  # never more than the limit: the file may be huge
            with open_regular_file(path) as handle:
                raw = handle.read(MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise InputError(f"{path}: the profile is larger than {MAX_PROFILE_BYTES} bytes")
    try:  # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (save the profile as UTF-8)") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=no_duplicate_keys(lang))
    except ProfileError:
        raise  # a key given twice: named like every other field error
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({_json_problem(exc)})") from None


def _json_problem(exc: BaseException) -> str:
    """Where and what, never the text: the position of a syntax error, else what was refused."""
    if isinstance(exc, json.JSONDecodeError):  # its msg is the parser's own words ("Expecting value"), no input
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, _ConstantError):
        return "NaN and Infinity are not JSON"
    return "a number too long"


class _ConstantError(ValueError):
    """NaN, Infinity or -Infinity in a profile."""


def _reject_constant(name: str) -> Any:
    raise _ConstantError(f"{name} is not allowed")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rights-engine", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"rights-engine {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lang_help = "language of the output: zh (default) or en"
    ev = sub.add_parser("evaluate", help="evaluate a worker profile (JSON file, or - for stdin)",
                        description="Evaluate one worker profile and print the rights that apply.")
    ev.add_argument("profile", help="the profile: a JSON file (a regular file), or - to read standard input")
    ev.add_argument("--lang", choices=("zh", "en"), default="zh", help=lang_help)
    ev.add_argument("--as-of", type=_date, default=None, help="the day to evaluate (default: the profile's, else today)")
    ev.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or the result as JSON")
    ev.add_argument("--explain", action="store_true", help="also list the entitlements not granted, and why")
    ev.add_argument("--backend", choices=("durable", "python"), default=None,
                    help="the rule engine (default: durable where it is installed, else python; same results)")
    rules = sub.add_parser("rules", help="list the rule base (or --check it)",
                           description="List the rules, or check the whole rule base as the loader does.")
    rules.add_argument("--check", action="store_true",
                       help="only validate the rule base (everything evaluation would refuse is refused here)")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")
    rules.add_argument("--root", default=None, help="a rule base directory (default: the shipped one)")
    cov = sub.add_parser("coverage", help="print covered and uncovered provisions of coverage.yaml",
                         description="Print which provisions of coverage.yaml the rules cite (exit 1 if any is not).")
    cov.add_argument("--root", default=None, help="a rule base directory (default: the shipped one)")
    srv = sub.add_parser("serve", help="serve the clinic's local web page and JSON API (stores nothing)",
                         description="Serve the clinic's local web page and JSON API until Ctrl+C. Stores nothing.")
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this computer only)")
    srv.add_argument("--port", type=_port, default=8000, help="port 0-65535 (default: 8000; 0: any free port)")
    itv = sub.add_parser("interview", help="ask the next question until nothing is left to ask, then report",
                         description="Ask the questions that matter one by one, then print the report.")
    itv.add_argument("--lang", choices=("zh", "en"), default="zh", help=lang_help)
    itv.add_argument("--profile", default=None, help="start from the answers in this profile (JSON file)")
    itv.add_argument("--as-of", type=_date, default=None, help="the day to evaluate (default: today)")
    itv.add_argument("--explain", action="store_true", help="also list the entitlements not granted, and why")
    bat = sub.add_parser("batch", help="evaluate a Parquet/CSV table of profiles into a table of results",
                         description="Evaluate a Parquet or CSV table of profiles into a table of results.")
    bat.add_argument("input", help="profiles: .parquet or .csv, one profile a row, profile fields as columns")
    bat.add_argument("output", help="results: .parquet or .csv, one row per input row (bad rows: errors column)")
    bat.add_argument("--as-of", type=_date, default=None, help="evaluate every row on this day (default: each row's)")
    bat.add_argument("--columns", nargs="+", action="extend", default=[], metavar="COLUMN",
                     help="input columns (an id, …) to carry into the result unchanged")
    bat.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the error messages")
    bat.add_argument("--chunk-size", type=_positive, default=1 << 19, help="rows per chunk (default: 524288)")
    bat.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    sch = sub.add_parser("schema", help="print the JSON Schema of the profile or of the result",
                         description="Print the JSON Schema of the profile or of the result (every field described "
                                     "in zh and en).")
    sch.add_argument("which", nargs="?", choices=("profile", "result"), default="profile",
                     help="profile (default) or result")
    sch.add_argument("--output", default=None, help="write to this file instead of standard output")
    tst = sub.add_parser("test", help="run YAML test cases (profile, expected category, entitlements, citations)",
                         description="Run YAML test cases: each gives a profile and what the result must show. "
                                     "Exit 1 with a readable difference when a case fails.")
    tst.add_argument("files", nargs="+", metavar="FILE", help="YAML files of test cases")
    tst.add_argument("--backend", choices=("durable", "python"), default=None,
                     help="the rule engine (default: durable where it is installed, else python)")
    tst.add_argument("--root", default=None, help="a rule base directory (default: the shipped one)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line. Returns the exit code; never raises, never prints a traceback."""
    _tolerant_streams()
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the guard: a closed pipe or a full disk is met here, not at interpreter exit
        return code
    except BrokenPipeError:  # the reader went away (| head): nothing more is wanted
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:  # the output cannot be written (a full disk)
        _silence_stdout()
        _say(f"error: cannot write the output: {exc.strerror or type(exc).__name__}")
        return EXIT_INPUT


def _tolerant_streams() -> None:
    """An encoding that cannot show Chinese (PYTHONIOENCODING=ascii, a legacy console) escapes it, never fails."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if isinstance(stream, io.TextIOWrapper) and encoding not in ("utf-8", "utf8", "utf-16", "utf-32"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot be reconfigured
                pass


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the flush at interpreter exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _say(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _main(argv: Optional[Sequence[str]]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error (or --help, --version)
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "coverage":
            return _coverage(args)
        if args.command == "batch":
            return _batch(args)
        if args.command == "serve":
            from .web import serve

            try:
                return serve(args.host, args.port)
            except (OverflowError, ValueError, UnicodeError) as exc:  # a host name the resolver refuses
                raise InputError(f"cannot listen on {args.host}:{args.port} ({type(exc).__name__})") from None
        if args.command == "interview":
            return _interview(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "test":
            return _test(args)
    except InputError as exc:
        _say(f"error: {exc}")
        return EXIT_INPUT
    except ProfileError as exc:
        _say(json.dumps(exc.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_INPUT
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE, errno.EDQUOT if hasattr(errno, "EDQUOT") else -1):
            raise  # writing the output failed: main() says so
        _say(f"error: {exc.strerror or type(exc).__name__}{': ' + str(exc.filename) if exc.filename else ''}")
        return EXIT_INPUT
    except Exception as exc:
        from .rulebase import RuleBaseError

        if isinstance(exc, RuleBaseError):
            _say(f"rule base error: {exc}")
            return EXIT_RULEBASE
        _say(f"internal error ({type(exc).__name__}); please report it")
        return EXIT_INTERNAL
    return EXIT_INPUT


def _batch(args: argparse.Namespace) -> int:
    keep_freed_pages()  # before polars loads
    try:
        from .batch import _io
    except ImportError as exc:
        raise InputError(f"batch needs the batch extra: pip install '.[batch]' in the rights-engine folder "
                         f"(missing: {exc.name})") from None
    source = Path(args.input)
    open_regular_file(args.input).close()  # a FIFO, a directory, a device: refused before polars meets it
    try:
        _check_profile_columns(_io.column_names(source), args.columns)
        return int(_io.run(args))
    except InputError:
        raise
    except _batch_input_error() as exc:  # the batch's own one-line account of a file it cannot read
        raise InputError(str(exc)) from None
    except Exception as exc:
        why = _table_problem(exc, source)
        if why is None:
            raise
        raise InputError(f"cannot read {args.input}: {why}") from None


def _batch_input_error() -> type[Exception]:
    from .batch import BatchInputError

    return BatchInputError


def _check_profile_columns(names: Sequence[str], carried: Sequence[str]) -> None:
    from .profile import WorkerProfile

    if not any(name in WorkerProfile.model_fields for name in names if name not in carried):
        raise InputError("the table has no profile columns (work_province, occupation, …; see "
                         "`rights-engine schema profile`)")


def _table_problem(exc: BaseException, source: Path) -> Optional[str]:
    """One clear line for a table that cannot be read (never the library's message: it may quote a cell)."""
    name = type(exc).__name__
    parquet = source.suffix.lower() in (".parquet", ".pq", ".parq")
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text (save the CSV as UTF-8)"
    if name == "DuplicateError":
        return "a column name appears twice in the header"
    if name in ("ArrowInvalid", "ShapeError") and not parquet:
        return "not a well-formed CSV table (a row with more or fewer cells than the header?)"
    module = type(exc).__module__ or ""
    if module.startswith(("polars", "pyarrow")) or name in ("ArrowInvalid", "ArrowException"):
        return "not a readable Parquet file" if parquet else f"not a readable CSV table ({name})"
    return None


def _evaluate(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .report import render_text

    data = _read_profile(args.profile, args.lang)
    engine = Engine(backend=args.backend)
    result = engine.evaluate(data, as_of=args.as_of, lang=args.lang, explain=args.explain)
    if args.format == "json":
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(render_text(result), end="")
    return EXIT_OK


def _interview(args: argparse.Namespace) -> int:
    from . import interview
    from .engine import Engine

    start = _read_profile(args.profile, args.lang) if args.profile else None
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    return interview.main(Engine(), args.lang, sys.stdin, sys.stdout, start=start, as_of=args.as_of,
                          explain=args.explain)


def _rules(args: argparse.Namespace) -> int:
    from .conditions import render
    from .rulebase import load

    rb = load(args.root)
    if args.check:
        print(f"ok: {len(rb.rules)} rules, {len(rb.entitlements)} entitlements, {len(rb.sources)} sources "
              f"(rule base {rb.digest})")
        return EXIT_OK
    rows = [{"id": r.id, "file": r.file, "source": r.source.id, "clause": r.spec.clause, "kind": r.spec.kind,
             "entitlement": r.spec.entitlement, "force": r.spec.force, "jurisdiction": r.jurisdiction.label(),
             "valid_from": r.valid_from.isoformat() if r.valid_from else None,
             "valid_to": r.valid_to.isoformat() if r.valid_to else None, "when": render(r.condition)}
            for r in rb.rules]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(f"{row['id']}  [{row['jurisdiction']} {row['clause'] or '-'}] {row['kind']}"
                  f"{' → ' + str(row['entitlement']) if row['entitlement'] else ''}"
                  f"{' (' + str(row['force']) + ')' if row['force'] else ''}  when {row['when']}")
        print(f"{len(rows)} rules")
    return EXIT_OK


def _coverage(args: argparse.Namespace) -> int:
    from .rulebase import covered_provisions, load

    rb = load(args.root)
    table = covered_provisions(rb)
    missing = 0
    parts = (("Provincial and prefectural documents", False), ("National policy documents", True))
    for heading, national in parts:
        rows = [row for row in table if (row[0].get("scope") == "national") is national]
        print(f"== {heading} ==")
        for entry, source, rule_ids in rows:
            mark = "✓" if rule_ids else "✗"
            missing += not rule_ids
            clause = entry.get("clause") or "(no clause number)"
            print(f"{mark} {source} {clause} [{entry.get('topic')}]: {', '.join(rule_ids) or 'NOT CITED'}")
        print(f"{sum(1 for row in rows if row[2])}/{len(rows)} provisions cited")
    print(f"{len(table) - missing}/{len(table)} provisions cited in all")
    return EXIT_OK if not missing else EXIT_RULEBASE


def _schema(args: argparse.Namespace) -> int:
    from .schema import schema_json

    text = schema_json(args.which)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from .cases import CaseFileError, run_files

    for name in args.files:  # a FIFO would block, a directory is no case file
        open_regular_file(name).close()
    try:
        return EXIT_OK if run_files(args.files, sys.stdout, backend=args.backend, root=args.root) else EXIT_RULEBASE
    except CaseFileError as exc:
        raise InputError(str(exc)) from None


if __name__ == "__main__":
    raise SystemExit(main())
