"""How the batch path's cost grows with the number of rules: x1, x4, x16 (and with rows at x1).

    python benchmarks/bench_scaling.py [--rows 500000] [--factors 1 4 16]

Synthetic rule bases re-use the real rules' conditions with new ids: copy j of a rule keeps its kind, jurisdiction,
dates, entitlement and priority. Two kinds of copies:

- ``distinct``: the copy's condition is the real one AND ``age >= -j`` (true for every known age; unknown when the
  age is): each copy is a condition of its own that the compiler cannot share, the honest measure of cost per rule;
- ``identical``: the real condition unchanged; the compiler computes a condition shared by many rules once, so these
  cost less (what a rule base full of ``true`` conditions gets).

Evaluation is timed in memory (the I/O does not depend on the rule count; see bench_batch.py for it), on the same
synthetic population for every factor. A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.population import generate
from rights_engine.batch import BatchEvaluator
from rights_engine.conditions import And, Compare
from rights_engine.rulebase import Rule, RuleBase, load


def scaled(rb: RuleBase, factor: int, distinct: bool) -> RuleBase:
    """``rb`` with every classify/factor/entitlement rule present ``factor`` times (new ids)."""
    rules: list[Rule] = list(rb.rules)
    for j in range(1, factor):
        for r in rb.rules:
            if r.spec.kind == "reason":
                continue
            condition = And((r.condition, Compare("age", ">=", -float(j)))) if distinct else r.condition
            spec = r.spec.model_copy(update={"id": f"{r.id}~{j}"})
            rules.append(dataclasses.replace(r, spec=spec, condition=condition))
    return dataclasses.replace(rb, rules=tuple(rules))


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(evaluator: BatchEvaluator, frame: Any, repeat: int = 2) -> tuple[float, float, float]:
    """(compile + first run seconds, best wall seconds, best CPU seconds) of evaluating ``frame`` in memory."""
    t = time.perf_counter()
    evaluator.evaluate_polars(frame.head(1000), columns=["worker_id"])
    compile_s = time.perf_counter() - t
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), cpu()
        evaluator.evaluate_polars(frame, columns=["worker_id"])
        best_wall = min(best_wall, time.perf_counter() - t)
        best_cpu = min(best_cpu, cpu() - c)
    return compile_s, best_wall, best_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args(argv)
    rb = load()
    frame = generate(args.rows, seed=args.seed)
    print(f"{args.rows:,} profiles in memory; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'rules':>8} {'copies':>10} {'compile s':>10} {'wall s':>8} {'CPU s':>8} {'profiles/s':>12} "
          f"{'CPU vs x1':>10} {'CPU per rule vs x1':>19}")
    for distinct in (True, False):
        base_cpu = base_rules = 0.0
        for factor in args.factors:
            rules = scaled(rb, factor, distinct)
            evaluator = BatchEvaluator(rules)
            compile_s, wall, used = measure(evaluator, frame)
            count = sum(1 for r in rules.rules if r.spec.kind != "reason")
            if factor == args.factors[0]:
                base_cpu, base_rules = used, float(count)
            print(f"{count:>8} {'distinct' if distinct else 'identical':>10} {compile_s:>10.2f} {wall:>8.2f} "
                  f"{used:>8.2f} {args.rows / wall:>12,.0f} {used / base_cpu:>9.2f}x "
                  f"{(used / count) / (base_cpu / base_rules):>18.2f}x")
    print("\nrows at x1 (the real rule base):")
    evaluator = BatchEvaluator(rb)
    base = 0.0
    for n in (args.rows // 4, args.rows // 2, args.rows):
        _, wall, used = measure(evaluator, frame.head(n))
        base = base or used / n
        print(f"  {n:>10,} rows: wall {wall:.2f} s, CPU {used:.2f} s, CPU per row {used / n / base:.2f}x the smallest")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
