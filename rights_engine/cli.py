"""The ``rights-engine`` command: evaluate a profile, list the rules, report coverage.

Exit codes: 0 ok; 2 bad input (the field errors are printed); 1 a broken rule base. Never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ._allocator import keep_freed_pages
from .profile import ProfileError

EXIT_OK, EXIT_RULEBASE, EXIT_INPUT = 0, 1, 2
MAX_PROFILE_BYTES = 1_000_000


class InputError(Exception):
    """Bad command-line input (file, JSON, date)."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD") from None


def _read_profile(path: str) -> Any:
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
        else:  # never more than the limit: the path may be huge, or endless (/dev/zero)
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise InputError(f"{path}: the profile is larger than {MAX_PROFILE_BYTES} bytes")
    try:  # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark
        return json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({type(exc).__name__})") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rights-engine", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate a worker profile (JSON file, or - for stdin)")
    ev.add_argument("profile")
    ev.add_argument("--lang", choices=("zh", "en"), default="zh")
    ev.add_argument("--as-of", type=_date, default=None, help="the day to evaluate (default: the profile's, else today)")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--explain", action="store_true", help="also list the entitlements not granted, and why")
    ev.add_argument("--backend", choices=("durable", "python"), default=None)
    rules = sub.add_parser("rules", help="list the rule base (or --check it)")
    rules.add_argument("--check", action="store_true", help="only validate the rule base")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--root", default=None, help="a rule base directory (default: the shipped one)")
    cov = sub.add_parser("coverage", help="print covered and uncovered provisions of coverage.yaml")
    cov.add_argument("--root", default=None)
    srv = sub.add_parser("serve", help="serve the clinic's local web page and JSON API (stores nothing)")
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this computer only)")
    srv.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free port)")
    itv = sub.add_parser("interview", help="ask the next question until nothing is left to ask, then report")
    itv.add_argument("--lang", choices=("zh", "en"), default="zh")
    itv.add_argument("--profile", default=None, help="start from the answers in this profile (JSON file)")
    itv.add_argument("--as-of", type=_date, default=None, help="the day to evaluate (default: today)")
    itv.add_argument("--explain", action="store_true", help="also list the entitlements not granted, and why")
    bat = sub.add_parser("batch", help="evaluate a Parquet/CSV table of profiles into a table of results")
    bat.add_argument("input", help="profiles: .parquet or .csv, one profile a row, profile fields as columns")
    bat.add_argument("output", help="results: .parquet or .csv, one row per input row (bad rows: errors column)")
    bat.add_argument("--as-of", type=_date, default=None, help="evaluate every row on this day (default: each row's)")
    bat.add_argument("--columns", nargs="+", action="extend", default=[], metavar="COLUMN",
                     help="input columns (an id, …) to carry into the result unchanged")
    bat.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the error messages")
    bat.add_argument("--chunk-size", type=int, default=1 << 19, help="rows per chunk (default: 524288)")
    bat.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "coverage":
            return _coverage(args)
        if args.command == "batch":
            keep_freed_pages()  # before polars loads
            try:
                from .batch._io import run as run_batch
            except ImportError as exc:
                raise InputError(f"batch needs the batch extra: pip install 'rights-engine[batch]' ({exc.name})") from None
            return run_batch(args)
        if args.command == "serve":
            from .web import serve

            return serve(args.host, args.port)
        if args.command == "interview":
            return _interview(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ProfileError as exc:
        print(json.dumps(exc.as_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:
        from .rulebase import RuleBaseError

        if isinstance(exc, RuleBaseError):
            print(f"rule base error: {exc}", file=sys.stderr)
            return EXIT_RULEBASE
        print(f"internal error ({type(exc).__name__}); please report it", file=sys.stderr)
        return 3
    return EXIT_INPUT


def _evaluate(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .report import render_text

    data = _read_profile(args.profile)
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

    start = _read_profile(args.profile) if args.profile else None
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


if __name__ == "__main__":
    raise SystemExit(main())
