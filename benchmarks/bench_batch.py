"""Batch screening on clean and dirty data, side by side: in memory, Parquet -> Parquet and CSV -> Parquet.

    python benchmarks/bench_batch.py [--rows 1000000] [--memory-rows 500000] [--bad 0 0.1 0.5] [--repeat 1]
                                     [--tasks memory parquet csv text] [--lib DIR] [--against DIR] [--workers N]

    # issue #15's CSV target alone (about a minute on an idle machine):
    python benchmarks/bench_batch.py --bad 0 0.1 --repeat 3 --tasks parquet csv

Three synthetic populations (benchmarks/population.py, written once and kept in --dir): clean, 10 % and 50 % bad
rows (an age of 300 or -1, 30 daily hours, an unknown occupation, a made-up city), each as Parquet and as CSV
text. Every figure comes from a fresh process that does only that piece of work, so its peak memory is its own:
the peak resident set of the process's own address space (``VmHWM`` in /proc/self/status), not ``ru_maxrss``,
which a child started from a big parent can inherit.

- **in memory**: ``BatchEvaluator.evaluate_polars`` on a table already read; the three populations in one process,
  taken in turn three times after a warm-up (the median of each), so that their ratios are measured in the same
  conditions;
- **Parquet -> Parquet**, **CSV -> Parquet** and **text Parquet -> Parquet** (the CSV converted once with
  ``csv_to_parquet``: its cells kept as text): ``evaluate_file``, what ``rights-engine batch IN OUT --columns
  worker_id`` does (the allocator setting included), then checked: rows in = rows out, the order kept, every bad row
  ``not_evaluated`` with its errors, and a random sample of rows equal to ``evaluate()``.

Each figure is shown with its ratio to the clean population's in the same run (and a CSV's to clean Parquet's), in
wall time and in CPU time (all threads of the process; less disturbed by other processes on a shared machine, though
a loaded machine inflates a CSV's CPU time more than a Parquet file's). With ``--repeat N`` the file figures are
taken in N interleaved rounds (each figure once per round, so that a change in the machine's load reaches all alike)
and the median shown; the checks run in the first round. The load average is printed at the start and the end:
the pipeline's gain (reading beside evaluating) needs an idle core, so compare figures taken in the same conditions.
Targets (issue #15): 10 % bad in memory >= 0.7x the clean speed, 50 % bad >= 0.5x; CSV -> Parquet with 10 % bad
<= 2x the time of clean Parquet -> Parquet; peak memory < 1 GB. ``--lib DIR`` runs the children on another copy
of ``rights_engine`` (an older commit); ``--against DIR`` runs the file figures on both this checkout and DIR in the
same interleaved rounds and prints both tables, a before/after in the same conditions. A benchmark, not a test:
it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = 200


def peak_rss_gib() -> float:
    """The peak resident set of this process's own address space (VmHWM; not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20  # kB -> GiB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # pragma: no cover - not Linux


def child(task: str, source: Path, target: Path, spoiled: int) -> dict[str, Any]:
    """Runs in its own process: one piece of work, timed, and its checks."""
    from rights_engine._allocator import keep_freed_pages

    keep_freed_pages()  # as `rights-engine batch` does, before polars loads
    import polars as pl

    from rights_engine.batch import evaluate_file, shared_evaluator

    evaluator = shared_evaluator()
    workers = os.environ.get("RIGHTS_ENGINE_BENCH_WORKERS")
    if workers:  # --workers: chunks evaluated at once (a copy from before the pipeline has no such setting)
        from rights_engine.batch import _io

        _io.WORKERS = int(workers)
    out: dict[str, Any] = {"task": task}
    if task == "memory":  # source: the populations' files, joined by "|"
        frames = [pl.read_parquet(path) for path in str(source).split("|")]
        for frame in frames:  # warm-up: places met, plans compiled
            evaluator.evaluate_polars(frame.head(50_000), columns=["worker_id"])
        times: list[list[tuple[float, float]]] = [[] for _ in frames]
        for _ in range(3):
            for i, frame in enumerate(frames):
                t, c = time.perf_counter(), time.process_time()
                evaluator.evaluate_polars(frame, columns=["worker_id"])
                times[i].append((time.perf_counter() - t, time.process_time() - c))
        out["runs"] = [{"rows": frame.height, "seconds": sorted(ts)[1][0], "cpu": sorted(ts)[1][1]}
                       for frame, ts in zip(frames, times, strict=True)]
    else:
        c = time.process_time()
        summary = evaluate_file(source, target, columns=["worker_id"], evaluator=evaluator)
        out.update(rows=summary.rows, seconds=summary.seconds, cpu=time.process_time() - c, errors=summary.errors)
        out["rss_gib"] = peak_rss_gib()
        out["checks"] = _checks(target, out["rows"], spoiled) if spoiled >= 0 else "-"
    out.setdefault("rss_gib", peak_rss_gib())
    return out


def _checks(target: Path, rows: int, spoiled: int) -> str:
    """Nothing lost: rows in = rows out, order kept, the spoiled rows not_evaluated with errors, samples = evaluate()."""
    import polars as pl

    from benchmarks.population import generate
    from rights_engine import ProfileError, evaluate

    result = pl.read_parquet(target)
    problems = []
    if result.height != rows:
        problems.append(f"{result.height} rows out of {rows}")
    ids = result.get_column("worker_id").cast(pl.Int64)
    if not ids.is_sorted() or ids.n_unique() != rows:
        problems.append("order not kept")
    bad = result.get_column("errors").is_not_null()
    if int(bad.sum()) != spoiled:
        problems.append(f"{int(bad.sum())} rows with errors, {spoiled} spoiled")
    statuses = [c for c, t in result.schema.items() if str(t).startswith("Enum") and "not_evaluated" in str(t)]
    if not result.filter(bad).select(pl.all_horizontal(pl.col(c) == "not_evaluated" for c in statuses)).to_series().all():
        problems.append("a bad row with a status")
    name = target.name.split("-")
    seed, share = int(name[-2]), float(name[-3])
    population = generate(rows, seed=seed, bad=share)
    import random

    rng = random.Random(seed)
    for i in rng.sample(range(rows), min(SAMPLE, rows)):
        profile = {k: v for k, v in population.row(i, named=True).items() if k != "worker_id"}
        row = result.row(i, named=True)
        try:
            r = evaluate(profile)
        except ProfileError as exc:
            if [e["field"] for e in row["errors"] or []] != [e.field for e in exc.errors]:
                problems.append(f"row {i}: other errors")
            continue
        got = {e.id: e.status for e in r.entitlements}
        if row["category"] != r.classification.category or any(row[k] != v for k, v in got.items()):
            problems.append(f"row {i} differs from evaluate()")
    return "ok" if not problems else "; ".join(problems[:3])


def converted(csv: Path) -> Path:
    """The CSV converted once to a Parquet file of text cells (``csv_to_parquet``, written once and kept)."""
    from rights_engine.batch import csv_to_parquet

    path = csv.with_name(csv.name.replace("-file.csv", "-text.parquet"))
    if not path.exists():
        csv_to_parquet(csv, path)
    return path


def population(n: int, share: float, seed: int, folder: Path, suffix: str) -> tuple[Path, int]:
    """The population file (written once), and how many rows were spoiled."""
    from benchmarks.population import generate, write

    path = folder / f"population-{n}-{share}-{seed}-{suffix}"
    count = folder / f"{path.name}.spoiled"
    if not path.exists() or not count.exists():
        t = time.perf_counter()
        frame = write(n, path, seed=seed, bad=share)
        import polars as pl

        clean = generate(n, seed=seed, bad=0.0)  # the same rows before they were spoiled
        changed = pl.any_horizontal(pl.col(c).ne_missing(clean.get_column(c)) for c in frame.columns)
        count.write_text(str(int(frame.select(changed).to_series().sum())))
        print(f"  (wrote {path.name}: {path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t:.1f} s)")
    return path, int(count.read_text())


def _run(task: str, source: Path, target: Path, spoiled: int, lib: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if lib is not None:
        env["RIGHTS_ENGINE_BENCH_LIB"] = str(lib)
    out = subprocess.run([sys.executable, __file__, "--child", task, str(source), str(target), str(spoiled)],
                         check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the file runs")
    parser.add_argument("--memory-rows", type=int, default=500_000, help="rows of the in-memory runs")
    parser.add_argument("--bad", type=float, nargs="+", default=[0.0, 0.1, 0.5], help="shares of bad rows")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rights-engine-bench"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per figure (the median is shown)")
    parser.add_argument("--lib", type=Path, default=None, help="run the children on this copy of rights_engine")
    parser.add_argument("--against", type=Path, default=None,
                        help="also run the file figures on this copy of rights_engine (an older commit), in the same "
                             "interleaved rounds, and print both: a before/after in the same conditions")
    parser.add_argument("--workers", type=int, default=None,
                        help="chunks evaluated at once in the file runs (default: the library's, 2)")
    parser.add_argument("--tasks", nargs="+", choices=("memory", "parquet", "csv", "text"),
                        default=["memory", "parquet", "csv", "text"],
                        help="which figures to take (the CSV ratios need parquet and csv)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers:
        os.environ["RIGHTS_ENGINE_BENCH_WORKERS"] = str(args.workers)
    if args.child:
        task, source, target, spoiled = args.child
        print(json.dumps(child(task, Path(source), Path(target), int(spoiled))))
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"batch on clean and dirty data; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          f"(other processes' load slows every figure){'; library ' + str(args.lib) if args.lib else ''}")
    table: dict[tuple[str, float], dict[str, Any]] = {}
    files: dict[float, tuple[Path, Path, Path, int, Path]] = {}
    for share in args.bad:
        memory, _ = population(args.memory_rows, share, args.seed, args.dir, "mem.parquet")
        parquet, spoiled = population(args.rows, share, args.seed, args.dir, "file.parquet")
        csv, _ = population(args.rows, share, args.seed, args.dir, "file.csv")
        files[share] = (memory, parquet, csv, spoiled, converted(csv))
    if "memory" in args.tasks:
        joined = Path("|".join(str(files[share][0]) for share in args.bad))
        runs = sorted((_run("memory", joined, args.dir / "unused", 0, args.lib) for _ in range(max(1, args.repeat))),
                      key=lambda r: float(r["runs"][0]["seconds"]))
        memory_run = runs[len(runs) // 2]
        for share, figures in zip(args.bad, memory_run["runs"], strict=True):
            table[("memory", share)] = {**figures, "rss_gib": memory_run["rss_gib"]}
    tasks = [task for task in ("parquet", "csv", "text") if task in args.tasks]
    # the rounds interleaved (each figure once per round), so that a change in the machine's load reaches all alike;
    # the checks run in the first round only (they regenerate the population: slow, and not timed)
    libraries: list[Path | None] = [args.lib] + ([args.against] if args.against else [])
    runs_of: dict[tuple[int, str, float], list[dict[str, Any]]] = {}
    for round_ in range(max(1, args.repeat)):
        for task in tasks:
            for share in args.bad:
                for which, lib in enumerate(libraries):
                    source = {"parquet": files[share][1], "csv": files[share][2], "text": files[share][4]}[task]
                    target = args.dir / f"result-{args.rows}-{share}-{args.seed}-{task}.parquet"
                    spoiled = files[share][3] if round_ == 0 else -1
                    runs_of.setdefault((which, task, share), []).append(_run(task, source, target, spoiled, lib))
    tables = [dict(table)] + [{} for _ in libraries[1:]]  # the in-memory figures: this checkout only
    for (which, task, share), runs in runs_of.items():
        runs.sort(key=lambda r: float(r["seconds"]))
        checked = [r["checks"] for r in runs if r.get("checks") not in (None, "-")]
        tables[which][(task, share)] = {**runs[len(runs) // 2], "checks": checked[0] if checked else "-",
                                        "cpu": sorted(float(r["cpu"]) for r in runs)[len(runs) // 2]}
    for which, lib in enumerate(libraries):
        if len(libraries) > 1:
            print(f"\n=== {'this checkout' if lib is None else lib}{' (the before)' if which else ''}")
        _report(tables[which], args, tasks)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


def _report(table: dict[tuple[str, float], dict[str, Any]], args: argparse.Namespace, tasks: list[str]) -> None:
    names = {"memory": f"in memory, {args.memory_rows:,} rows", "parquet": f"Parquet -> Parquet, {args.rows:,} rows",
             "csv": f"CSV -> Parquet, {args.rows:,} rows", "text": "CSV converted once: text Parquet -> Parquet"}
    print(f"\n{'':<44}{'bad':>5}  {'seconds':>8}  {'rows/s':>10}  {'x clean':>8}  {'CPU s':>6}  {'x clean':>8}  "
          f"{'peak GiB':>8}  checks")
    for task in [t for t in ("memory", *tasks) if (t, args.bad[0]) in table]:
        clean = table[(task, args.bad[0])]
        for share in args.bad:
            r = table[(task, share)]
            rate = r["rows"] / r["seconds"]
            speed = rate / (clean["rows"] / clean["seconds"])
            cpu_speed = (r["rows"] / r["cpu"]) / (clean["rows"] / clean["cpu"])
            print(f"{names[task]:<44}{share:>5.0%}  {r['seconds']:>8.2f}  {rate:>10,.0f}  {speed:>7.2f}x  "
                  f"{r['cpu']:>6.2f}  {cpu_speed:>7.2f}x  {r['rss_gib']:>8.2f}  {r.get('checks', '-')}")
    if ("parquet", args.bad[0]) not in table:
        return
    base = table[("parquet", args.bad[0])]
    print(f"\nagainst clean Parquet -> Parquet ({base['seconds']:.2f} s, {base['cpu']:.2f} CPU-s; median of "
          f"{max(1, args.repeat)} fresh processes; wall = the time, CPU = all threads):")
    for task in [t for t in ("csv", "text") if t in tasks]:
        for share in args.bad:
            r = table[(task, share)]
            print(f"  {'CSV' if task == 'csv' else 'text Parquet'} -> Parquet, {share:>3.0%} bad: "
                  f"{r['seconds']:.2f} s = {r['seconds'] / base['seconds']:.2f}x the time, "
                  f"{r['cpu']:.2f} CPU-s = {r['cpu'] / base['cpu']:.2f}x the CPU, peak {r['rss_gib']:.2f} GiB"
                  f"{'   [target <= 2x the time at 10 %, peak < 1 GB]' if task == 'csv' else ''}")


if __name__ == "__main__":
    _lib = os.environ.get("RIGHTS_ENGINE_BENCH_LIB")
    if _lib and "--child" in sys.argv:
        sys.path.insert(0, _lib)
    raise SystemExit(main())
