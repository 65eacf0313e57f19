"""Concurrency: threads, and forked and spawned process pools, give exactly the in-process serial results.

The big thread test (8 threads × 10,000 evaluations, about a minute on two cores) is marked ``slow``:
``pytest -m "not slow"`` leaves it out. ``RIGHTS_ENGINE_THREAD_EVALS`` changes the evaluations per thread.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import pickle
import random
import threading
import time
from typing import Any

import pytest

import rights_engine
from rights_engine import ProfileError
from rights_engine.engine import Engine

from .test_concurrency_memory import _sample

AS_OF = "2024-06-01"
THREADS = 8
PER_THREAD = int(os.environ.get("RIGHTS_ENGINE_THREAD_EVALS", "10000"))
WATCHDOG = 300.0  # seconds: a deadlock fails the test instead of hanging the run
BAD: list[dict[str, Any]] = [
    {"age": -1}, {"age": True}, {"occupation": "astronaut"}, {"work_province": "火星省"}, {"as_of": "2101-01-01"},
    {"problems": ["aliens"]}, {"favourite_colour": "blue"}, {"work_province": "湖南省", "work_city": "昆明市"},
]
Case = tuple[dict[str, Any], str, bool]


def _cases(n: int = 400) -> list[Case]:
    """Mixed work: sampled profiles (a fixed day unless the profile has one), both languages, some explained,
    and about 2% bad profiles."""
    profiles = [{"as_of": AS_OF, **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in p.items()}}
                for p in _sample(n, seed=3)]
    profiles += BAD
    random.Random(1).shuffle(profiles)
    return [(p, ("zh", "en")[i % 2], i % 5 == 0) for i, p in enumerate(profiles)]


def outcome(case: Case, engine: Engine | None = None) -> str:
    """One evaluation as text: the result's JSON, or the field errors (module-level: pools pickle it)."""
    profile, lang, explain = case
    try:
        if engine is None:
            result = rights_engine.evaluate(profile, lang=lang, explain=explain)
        else:
            result = engine.evaluate(profile, lang=lang, explain=explain)
    except ProfileError as exc:
        return "error " + json.dumps(exc.as_dict(), ensure_ascii=False)
    return result.model_dump_json()


def raise_for(profile: dict[str, Any]) -> str:
    """Evaluate and let a ProfileError travel back to the parent process."""
    return rights_engine.evaluate(profile).model_dump_json()


def busy_outcomes(cases: list[Case]) -> list[str]:
    """Evaluate while another thread of this process evaluates too."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            outcome(cases[0])

    helper = threading.Thread(target=spin, daemon=True)
    helper.start()
    try:
        return [outcome(c) for c in cases]
    finally:
        stop.set()
        helper.join()


@pytest.mark.slow
def test_eight_threads_times_10000_evaluations_equal_the_serial_results(engine: Engine) -> None:
    cases = _cases()
    serial = [outcome(c, engine) for c in cases]
    assert sum(s.startswith("error ") for s in serial) == len(BAD)
    counts = [0] * THREADS
    mismatches: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        rng = random.Random(worker)
        try:
            start.wait()
            for _ in range(PER_THREAD):
                index = rng.randrange(len(cases))
                if outcome(cases[index], engine) != serial[index]:
                    mismatches.append((worker, index))
                counts[worker] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, WATCHDOG - (time.perf_counter() - began)))
    elapsed = time.perf_counter() - began
    assert not any(t.is_alive() for t in threads), f"threads still running after {WATCHDOG} s: deadlock?"
    assert not errors, errors[:3]
    assert not mismatches, f"{len(mismatches)} results differ from the serial ones, e.g. {mismatches[:5]}"
    assert sum(counts) == THREADS * PER_THREAD
    print(f"\n{THREADS} threads × {PER_THREAD:,} evaluations on the {engine.backend_name} backend: {elapsed:.1f} s, "
          f"{THREADS * PER_THREAD / elapsed:,.0f}/s")


def test_a_profile_error_survives_pickling() -> None:
    with pytest.raises(ProfileError) as caught:
        rights_engine.evaluate({"age": -1, "occupation": "astronaut"}, lang="en")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, ProfileError) and copy.errors == caught.value.errors and str(copy) == str(caught.value)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_process_pool_gives_the_in_process_results(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    cases = _cases(150)
    expected = [outcome(c) for c in cases]  # also warms this process's default engine before a fork
    context = multiprocessing.get_context(method)
    with context.Pool(2) as pool:
        got = pool.map_async(outcome, cases, chunksize=8).get(timeout=WATCHDOG)
        with pytest.raises(ProfileError) as caught:
            pool.apply_async(raise_for, ({"age": True, "notes": "x"},)).get(timeout=WATCHDOG)
    assert got == expected
    assert {e.field for e in caught.value.errors} == {"age", "notes"}


def test_a_fork_while_other_threads_evaluate() -> None:
    """A worker forked while a thread of the parent is inside an evaluation still evaluates (no inherited lock)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    cases = _cases(60)
    expected = [outcome(c) for c in cases]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            for c in cases:
                outcome(c)

    spinners = [threading.Thread(target=spin, daemon=True) for _ in range(3)]
    for t in spinners:
        t.start()
    try:
        context = multiprocessing.get_context("fork")
        for _ in range(3):
            with context.Pool(2) as pool:
                got = pool.map_async(busy_outcomes, [cases[i::4] for i in range(4)]).get(timeout=WATCHDOG)
            assert [r for chunk in got for r in chunk] == [r for i in range(4) for r in expected[i::4]]
    finally:
        stop.set()
        for t in spinners:
            t.join()


_COLD: Engine | None = None


def cold_outcome(case: Case) -> str:
    """In a forked child: evaluate with an engine that has compiled nothing yet, and rebuild the default engine."""
    assert _COLD is not None
    rights_engine._default = None  # this child only: the default engine is built again, under its lock
    return outcome(case, _COLD) + "\n" + outcome(case)


def test_a_fork_while_the_engine_locks_are_held(rulebase: Any) -> None:
    """As if another thread were compiling rules, or building the default engine, at the moment of the fork."""
    global _COLD
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    case = _cases(1)[0]
    _COLD = Engine(rulebase)
    try:
        expected = outcome(case, Engine(rulebase)) + "\n" + outcome(case)
        context = multiprocessing.get_context("fork")
        with _COLD._lock, rights_engine._default_lock:
            pool = context.Pool(1)  # the worker is forked now, both locks held
        with pool:
            assert pool.apply_async(cold_outcome, (case,)).get(timeout=120) == expected
    finally:
        _COLD = None


def test_closing_an_engine_while_threads_use_it(rulebase: Any) -> None:
    """Callers racing close() get a result or RuntimeError('closed'), never a call into a freed durable ruleset;
    afterwards the engine compiles again and answers as before."""
    engine = Engine(rulebase)
    cases = _cases(40)
    expected = [outcome(c, engine) for c in cases]
    stop = threading.Event()
    unexpected: list[str] = []

    def work() -> None:
        while not stop.is_set():
            for c in cases:
                try:
                    outcome(c, engine)
                except RuntimeError as exc:
                    if "closed" not in str(exc):
                        unexpected.append(repr(exc))
                except Exception as exc:  # the failure being hunted
                    unexpected.append(repr(exc))

    threads = [threading.Thread(target=work, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(20):
            time.sleep(0.02)
            engine.close()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=WATCHDOG)
    assert not unexpected, unexpected[:5]
    assert [outcome(c, engine) for c in cases] == expected
    engine.close()
