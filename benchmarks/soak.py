"""Soak test: many evaluations in one process; prints RSS at every checkpoint and the throughput.

    .venv/bin/python benchmarks/soak.py                      # 1,000,000 evaluations, RSS every 100,000
    .venv/bin/python benchmarks/soak.py -n 50000 --every 10000 --backend python

The profiles are a fixed, seeded mix (``--distinct`` of them, cycled): valid profiles over every place
and date the rule base knows, unknown facts included, and about 1 in 20 bad profiles whose
:class:`~rights_engine.ProfileError` exercises the error path. The figures go to stdout; a JSON summary
is the last line (``--json`` prints only that line at the end).

A leak shows as RSS rising checkpoint after checkpoint once the compiled rule sets are warm; the
durable-rules backend is also checked for sessions left behind in its C state.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rights_engine import ProfileError, __version__
from rights_engine import facts as F
from rights_engine.engine import Engine, default_backend_name

PLACES: list[tuple[str | None, str | None]] = [
    ("湖南省", "长沙市"), ("湖南省", None), ("湖南省", "株洲市"), ("湖北省", "武汉市"), ("湖北省", None),
    ("云南省", "文山壮族苗族自治州"), ("云南省", "临沧市"), ("云南省", "昆明市"), ("云南省", None),
    ("北京市", None), ("广东省", "深圳市"), (None, None),
]
#: Bad values that a real client could send, each paired with the field it is sent in.
BAD: list[tuple[str, Any]] = [
    ("age", -1), ("age", True), ("daily_hours", 30), ("occupation", "astronaut"), ("as_of", "yesterday"),
    ("work_province", "火星省"), ("problems", ["aliens"]), ("can_refuse_orders", "perhaps"), ("notes", "x"),
]


def make_profile(rng: random.Random) -> dict[str, Any]:
    """One profile: every field known, unknown (null) or absent at random; sometimes one bad field."""

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.3 else value

    work, hukou = rng.choice(PLACES), rng.choice(PLACES)
    profile: dict[str, Any] = {
        "as_of": maybe((dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(7 * 365))).isoformat()),
        "work_province": work[0], "work_city": work[1], "hukou_province": hukou[0], "hukou_city": hukou[1],
        "occupation": maybe(rng.choice(F.OCCUPATIONS)),
        "engagement": maybe(rng.choice(F.ENGAGEMENTS)),
        "counterparty": maybe(rng.choice(F.COUNTERPARTIES)),
        "daily_hours": maybe(round(rng.uniform(0, 14), 1)),
        "weekly_hours": maybe(round(rng.uniform(0, 80), 1)),
        "age": maybe(rng.randint(16, 75)),
        "gender": maybe(rng.choice(F.GENDERS)),
        "pension_enrolled": maybe(rng.choice(F.ENROLMENTS)),
        "medical_enrolled": maybe(rng.choice(F.ENROLMENTS)),
        "problems": maybe(rng.sample(F.PROBLEMS, rng.randint(0, 3))),
    }
    for name in F.PROFILE_BOOL_FIELDS:
        profile[name] = maybe(rng.random() < 0.5)
    profile = {k: v for k, v in profile.items() if v is not None or rng.random() < 0.5}
    if rng.random() < 0.05:
        field, value = rng.choice(BAD)
        profile[field] = value
    return profile


def rss_kib() -> int:
    """Resident set size now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize() // 1024
    except OSError:  # pragma: no cover - not Linux
        return peak_kib()


def peak_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def durable_sessions_left(engine: Engine) -> int:
    """How many of the durable-rules sessions the engine opened are still in the C state (should be 0)."""
    if engine.backend_name != "durable":
        return 0
    import durable_rules_engine  # type: ignore[import-not-found,import-untyped,unused-ignore]

    left = 0
    for compiled in engine._compiled.values():
        for ruleset in compiled.rulesets:
            last = next(ruleset.sids) - 1
            for sid in range(max(0, last - 100), last + 1):  # the most recent hundred sessions of each set
                try:
                    durable_rules_engine.get_state(ruleset.handle, str(sid))
                    left += 1
                except durable_rules_engine.error:
                    pass
    return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--evaluations", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000, help="print RSS every so many evaluations")
    parser.add_argument("--distinct", type=int, default=2_000, help="how many distinct profiles to cycle through")
    parser.add_argument("--backend", choices=("durable", "python"), default=None)
    parser.add_argument("--seed", type=int, default=20240607)
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    rng = random.Random(args.seed)
    profiles = [make_profile(rng) for _ in range(args.distinct)]
    engine = Engine(backend=args.backend or default_backend_name())
    say(f"rights-engine {__version__}, backend {engine.backend_name}, rule base {engine.rulebase.digest}, "
        f"Python {sys.version.split()[0]}, pid {os.getpid()}")
    start_rss = rss_kib()
    t0 = time.perf_counter()
    for p in profiles:  # warm up: every rule set this mix needs gets compiled once
        try:
            engine.evaluate(p)
        except ProfileError:
            pass
    gc.collect()
    warm_rss = rss_kib()
    say(f"RSS at start {start_rss / 1024:.1f} MiB; after warming {len(profiles)} profiles "
        f"({time.perf_counter() - t0:.1f} s, {len(engine._compiled)} compiled rule sets): {warm_rss / 1024:.1f} MiB")

    checkpoints: list[dict[str, Any]] = []
    ok = bad = 0
    begin = last_t = time.perf_counter()
    n = len(profiles)
    for i in range(1, args.evaluations + 1):
        try:
            engine.evaluate(profiles[i % n])
            ok += 1
        except ProfileError:
            bad += 1
        if i % args.every == 0 or i == args.evaluations:
            now = time.perf_counter()
            done_since = i - (checkpoints[-1]["evaluations"] if checkpoints else 0)
            point = {"evaluations": i, "rss_mib": round(rss_kib() / 1024, 1),
                     "per_second": round(done_since / (now - last_t), 1), "elapsed_s": round(now - begin, 1)}
            checkpoints.append(point)
            last_t = now
            say(f"{i:>9,} evaluations  RSS {point['rss_mib']:7.1f} MiB  {point['per_second']:8.1f}/s  "
                f"({point['elapsed_s']:.0f} s)")
    elapsed = time.perf_counter() - begin
    gc.collect()
    end_rss = rss_kib()
    summary = {
        "backend": engine.backend_name, "rulebase": engine.rulebase.digest, "evaluations": args.evaluations,
        "results": ok, "profile_errors": bad, "distinct_profiles": n, "seconds": round(elapsed, 1),
        "per_second": round(args.evaluations / elapsed, 1), "rss_start_mib": round(start_rss / 1024, 1),
        "rss_warm_mib": round(warm_rss / 1024, 1), "rss_end_mib": round(end_rss / 1024, 1),
        "rss_peak_mib": round(peak_kib() / 1024, 1),
        "rss_growth_after_first_checkpoint_mib": round(end_rss / 1024 - checkpoints[0]["rss_mib"], 1),
        "compiled_rule_sets": len(engine._compiled), "durable_sessions_left": durable_sessions_left(engine),
        "checkpoints": checkpoints,
    }
    say(f"done: {args.evaluations:,} evaluations ({ok:,} results, {bad:,} profile errors) in {elapsed:.0f} s = "
        f"{summary['per_second']:.0f}/s; RSS warm {warm_rss / 1024:.1f} → end {end_rss / 1024:.1f} MiB "
        f"(peak {summary['rss_peak_mib']} MiB); durable sessions left: {summary['durable_sessions_left']}")
    print(json.dumps(summary, ensure_ascii=False))
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
