"""Many threads give exactly the serial results; memory and durable-rules state do not grow."""

from __future__ import annotations

import gc
import json
import random
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine.engine import Engine

from .strategies import profiles


def _sample(n: int, seed: int = 7) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(profiles(), st.randoms())
    def collect(profile: dict[str, Any], _: random.Random) -> None:
        found.append(profile)

    collect()
    random.Random(seed).shuffle(found)
    return found


def _key(result: Any) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def test_eight_threads_give_exactly_the_serial_results(engine: Engine) -> None:
    sample = _sample(200)
    serial = [_key(engine.evaluate(p)) for p in sample]
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(worker, len(sample) * 4, 8):
                index = i % len(sample)
                key = _key(engine.evaluate(sample[index]))
                if results.setdefault(index, key) != key:
                    raise AssertionError(f"profile {index} gave two results")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [results[i] for i in range(len(sample))] == serial


def _rss_kb() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import resource

    return pages * resource.getpagesize() // 1024


def test_memory_and_engine_state_stay_flat_over_10000_evaluations(durable_engine: Engine) -> None:
    sample = _sample(100)
    for p in sample:  # warm up: compile every rule set this sample needs
        durable_engine.evaluate(p)
    gc.collect()
    before = _rss_kb()
    for i in range(10_000):
        durable_engine.evaluate(sample[i % len(sample)])
    gc.collect()
    after = _rss_kb()
    assert after - before < 8 * 1024, f"RSS grew by {after - before} kB"
    import durable_rules_engine

    for compiled in durable_engine._compiled.values():
        for ruleset in compiled.rulesets:
            last = str(next(ruleset.sids) - 1)
            with pytest.raises(durable_rules_engine.error):
                durable_rules_engine.get_state(ruleset.handle, last)  # every session was deleted


def test_two_rule_bases_in_one_process_do_not_share_state(rulebase: Any) -> None:
    a = Engine(rulebase)
    b = Engine(rulebase)
    profile = {"work_province": "湖南省", "occupation": "delivery_rider", "engagement": "labor_contract"}
    ra = _key(a.evaluate(profile))
    b.close()  # closing one engine must not disturb the other
    assert _key(a.evaluate(profile)) == ra
    a.close()
