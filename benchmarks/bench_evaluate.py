"""evaluate() one profile at a time, single thread: profiles/s and p50/p99 latency, per backend, against the rule
engines driven directly with the same facts.

    python benchmarks/bench_evaluate.py [--profiles 2000] [--seed 3] [--lib DIR]

``--lib DIR`` measures the copy of ``rights_engine`` in DIR instead (e.g. an older commit unpacked with
``git archive``), so that before and after can be run back to back in the same conditions.

Four figures, measured in the same run on the same profiles:

- ``evaluate(durable)``: ``Engine(backend="durable").evaluate(profile)`` (validation, places, both stages, the
  result with citations);
- ``evaluate(python)``: the same with the plain-Python backend;
- ``raw durable-rules``: the compiled durable-rules rule sets (``backends.durable``) ``.run`` on the same facts
  (stage 1, then stage 2 on the facts with the classification), nothing else;
- ``raw python predicates``: a plain loop over the compiled closures of ``backends.python`` on the same facts.

Each figure also in profiles per CPU-second of this process (steadier than wall time when the machine is shared).

The ``evaluate`` figures are on profiles the engine has not seen (the first pass over them, after a warm-up on the
first 50); ``seen once`` and ``seen twice`` are the second and third passes over the same profiles on the same engine
(some of its caches keep a value only on its second sighting: the second pass computes those again).

A benchmark, not a test: it prints figures and ratios and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "--lib" in sys.argv[:-1]:  # before the library is imported
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--lib") + 1]).resolve()))

import rights_engine
from benchmarks.population import generate
from rights_engine.backends import durable
from rights_engine.backends.python import PythonBackend
from rights_engine.classification import derive, with_derived
from rights_engine.engine import Engine
from rights_engine.profile import ProfileError, parse_profile
from rights_engine.rulebase import RuleBase, load


def sample(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` valid profiles from the synthetic population (bad rows skipped), as evaluate() takes them."""
    frame = generate(n * 2, seed=seed).drop("worker_id")
    out: list[dict[str, Any]] = []
    for row in frame.iter_rows(named=True):
        profile = {k: v for k, v in row.items() if v is not None}
        try:
            parse_profile(profile)
        except ProfileError:
            continue
        out.append(profile)
        if len(out) == n:
            break
    return out


def timed(label: str, items: Sequence[Any], run: Callable[[Any], object], warm: bool = True) -> dict[str, float]:
    """``warm``: first run ``run`` on the first 50 items (compilation, caches)."""
    for item in items[: min(50, len(items))] if warm else ():
        run(item)
    latencies: list[float] = []
    clock = time.perf_counter
    cpu_started = time.process_time()
    started = clock()
    for item in items:
        t = clock()
        run(item)
        latencies.append(clock() - t)
    total = clock() - started
    cpu = time.process_time() - cpu_started
    latencies.sort()
    figures = {
        "per_s": len(items) / total,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "per_cpu_s": len(items) / cpu if cpu > 0 else float("nan"),
    }
    print(f"{label:<28}{figures['per_s']:>12,.0f}{figures['p50_ms']:>12.3f}{figures['p99_ms']:>12.3f}"
          f"{figures['per_cpu_s']:>16,.0f}")
    return figures


def prepared(rb: RuleBase, profiles: Sequence[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """For each profile: its selection and the facts of both stages, computed outside the timed loops."""
    engine = Engine(rb, backend="python")
    out = []
    import datetime as dt

    for profile in profiles:
        worker, places = parse_profile(profile)
        day = worker.as_of or dt.date.today()
        selection = rb.select(places.work.province if places.work else None, day)
        facts = engine.facts_of(worker, places)
        truths1 = engine.run_rules(selection.stage1, facts)
        facts2 = with_derived(facts, derive(selection.stage1, truths1, facts, rb.schema))
        out.append((selection.stage1, facts, selection.stage2, facts2))
    return out


class Raw:
    """Compiled rule sets per set of rules in force, driven directly: ``run(facts)`` and nothing else."""

    def __init__(self, rb: RuleBase, backend: Any) -> None:
        self.rb, self.backend = rb, backend
        self.compiled: dict[tuple[str, ...], Any] = {}

    def rules(self, rules: Sequence[Any]) -> Any:
        key = tuple(r.id for r in rules)
        if key not in self.compiled:
            self.compiled[key] = self.backend.compile([(r.id, r.condition) for r in rules], self.rb.schema)
        return self.compiled[key]

    def run(self, item: tuple[Any, Any, Any, Any]) -> None:
        stage1, facts, stage2, facts2 = item
        self.rules(stage1).run(facts)
        self.rules(stage2).run(facts2)

    def close(self) -> None:
        for compiled in self.compiled.values():
            compiled.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--lib", type=Path, default=None, help="measure the rights_engine in this directory")
    args = parser.parse_args(argv)
    rb = load()
    profiles = sample(args.profiles, args.seed)
    items = prepared(rb, profiles)
    print(f"{len(profiles):,} profiles, {len(rb.rules)} rules, one thread; load average at start "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; library {Path(rights_engine.__file__).parent}")
    print(f"{'':<28}{'profiles/s':>12}{'p50 ms':>12}{'p99 ms':>12}{'per CPU-second':>16}")
    results: dict[str, dict[str, float]] = {}
    raws: list[Raw] = []
    if durable.available():
        engine = Engine(rb, backend="durable")
        results["evaluate(durable)"] = timed("evaluate(durable)", profiles, engine.evaluate)
        results["evaluate(durable), seen once"] = timed("  seen once", profiles, engine.evaluate, warm=False)
        results["evaluate(durable), seen twice"] = timed("  seen twice", profiles, engine.evaluate, warm=False)
        engine.close()
        raw = Raw(rb, durable.DurableBackend())
        raws.append(raw)
        results["raw durable-rules"] = timed("raw durable-rules", items, raw.run)
    else:
        print("durable-rules does not import here: its figures are left out")
    engine = Engine(rb, backend="python")
    results["evaluate(python)"] = timed("evaluate(python)", profiles, engine.evaluate)
    results["evaluate(python), seen once"] = timed("  seen once", profiles, engine.evaluate, warm=False)
    results["evaluate(python), seen twice"] = timed("  seen twice", profiles, engine.evaluate, warm=False)
    raw_py = Raw(rb, PythonBackend())
    raws.append(raw_py)
    results["raw python predicates"] = timed("raw python predicates", items, raw_py.run)
    for r in raws:
        r.close()
    print("\nratios (same run):")
    pairs = [("evaluate(durable)", "raw durable-rules"), ("evaluate(python)", "raw python predicates"),
             ("evaluate(python)", "evaluate(durable)"), ("raw python predicates", "raw durable-rules")]
    for a, b in pairs:
        if a in results and b in results:
            print(f"  {a} / {b}: {results[a]['per_s'] / results[b]['per_s']:.2f}x the throughput")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
