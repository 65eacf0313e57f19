"""How often the classifier decides, and whether it agrees with published decisions, in one run.

    python benchmarks/bench_classification.py [--profiles 2000] [--seed 11] [--engagement cooperation_agreement]

Random clinic-style profiles: a delivery rider working in Changsha (湖南省长沙市) whose counterparty is the
platform; k of the nine control facts (facts.INDICATOR_FIELDS) are known, each true or false at random, and
the other facts are unknown (engagement too, unless --engagement is given). For k = 3, 5, 7, 9 it prints the
share of results that are ``settled``, ``likely`` and ``open`` (category ``undetermined``), and the share of
each category. Then the agreement with tests/data/published_cases.yaml (the same scoring as
tests/test_published_cases.py), per batch — the development cases the weighing was built on, and the held-out
decisions encoded afterwards (the honest generalisation figure): agree, undetermined, opposite (labour where the
decision says not, or not labour where it says labour).

A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rights_engine.engine import Engine
from rights_engine.facts import INDICATOR_FIELDS
from tests.test_published_cases import BATCHES, verdict  # the same cases and scoring as the test


def profiles(k: int, n: int, rng: random.Random, engagement: Optional[str]) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        profile: dict[str, Any] = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
                                   "counterparty": "platform"}
        if engagement:
            profile["engagement"] = engagement
        for field in rng.sample(INDICATOR_FIELDS, k):
            profile[field] = rng.random() < 0.5
        out.append(profile)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--engagement", default=None, help="fix the engagement (default: unknown)")
    args = parser.parse_args()
    engine = Engine(backend="python")
    rng = random.Random(args.seed)
    print(f"random profiles: Changsha rider, counterparty platform, engagement {args.engagement or 'unknown'}, "
          f"{args.profiles} per k")
    print(f"{'k':>3} {'settled':>8} {'likely':>8} {'open':>8}   {'labour':>7} {'not fully':>9} {'civil':>7}")
    for k in (3, 5, 7, 9):
        certainty: Counter[str] = Counter()
        category: Counter[str] = Counter()
        for profile in profiles(k, args.profiles, rng, args.engagement):
            c = engine.evaluate(profile, lang="en").classification
            certainty[getattr(c, "certainty", "open") if c.category != "undetermined" else "open"] += 1
            category[c.category] += 1
        def share(counter: Counter[str], key: str, n: int = args.profiles) -> str:
            return f"{100 * counter[key] / n:7.1f}%"

        print(f"{k:>3} {share(certainty, 'settled')} {share(certainty, 'likely')} {share(certainty, 'open')}   "
              f"{share(category, 'labor_relation')} {share(category, 'incomplete_labor_relation'):>9} "
              f"{share(category, 'civil_relation')}")
    for name, cases in BATCHES.items():
        verdicts = Counter(verdict(engine, case, case["profile"]) for case in cases)
        total = len(cases)
        labour = sum(1 for c in cases if c["decision"]["labor_relation"])
        print(f"published decisions, {name}: {total} ({labour} labour, {total - labour} not labour): "
              f"agree {verdicts['agree']} ({100 * verdicts['agree'] / total:.1f}%), "
              f"undetermined {verdicts['undetermined']}, other category/employer {verdicts['other']}, "
              f"opposite {verdicts['opposite']}")


if __name__ == "__main__":
    main()
