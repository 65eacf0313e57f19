"""The vectorised batch path equals evaluate(), row by row and field by field (hypothesis differential test)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rights_engine import ProfileError, evaluate  # noqa: E402
from rights_engine import facts as F  # noqa: E402
from rights_engine.batch import BatchEvaluator, BatchInputError, evaluate_file, evaluate_table  # noqa: E402
from rights_engine.batch._normalise import FIELDS, quantise  # noqa: E402
from rights_engine.cli import main  # noqa: E402
from rights_engine.factset import quantise as py_quantise  # noqa: E402
from rights_engine.rulebase import RuleBase  # noqa: E402

from .strategies import PLACES, profiles  # noqa: E402

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])

#: Every profile field, typed as a clean table holds it.
SCHEMA: dict[str, Any] = {
    **{name: pl.String for name, f in FIELDS.items() if f.kind in ("enum", "place")},
    **{name: pl.Boolean for name, f in FIELDS.items() if f.kind == "bool"},
    "daily_hours": pl.Float64, "weekly_hours": pl.Float64, "age": pl.Int64, "as_of": pl.Date,
    "problems": pl.List(pl.String),
}
#: Hours on either side of the rules' thresholds (daily_hours > 4, weekly_hours > 24) to the thousandth.
EDGES = [4.0, 4.0005, 3.9995, 4.00049999, 4.0004, 24.0, 24.0005, 23.9995, 24.0015, 0.0]


@st.composite
def full_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """tests/strategies.py's profiles, plus residence, managed_by and hours right at the thresholds."""
    profile = draw(profiles())
    residence = draw(st.sampled_from(PLACES))
    profile["residence_province"], profile["residence_city"] = residence
    profile["managed_by"] = draw(st.one_of(st.none(), st.sampled_from(F.COUNTERPARTIES)))
    if draw(st.booleans()):
        profile["daily_hours"] = draw(st.sampled_from(EDGES[:5] + [EDGES[-1]]))
    if draw(st.booleans()):
        profile["weekly_hours"] = draw(st.sampled_from(EDGES[5:]))
    return profile


def _table(rows: list[dict[str, Any]]) -> Any:
    return pl.DataFrame([{k: r.get(k) for k in SCHEMA} for r in rows], schema=SCHEMA, orient="row")


def _expected(profile: dict[str, Any], as_of: dt.date | None) -> dict[str, Any]:
    result = evaluate(profile, as_of=as_of)
    c = result.classification
    out: dict[str, Any] = {"category": c.category, "certainty": c.certainty, "employment_mode": c.employment_mode,
                           "employer": c.employer}
    for e in result.entitlements:
        out[e.id] = e.status
        out[f"amount.{e.id}"] = e.amount.value if e.amount else None
    return out


def _actual(row: dict[str, Any], rb: RuleBase) -> dict[str, Any]:
    out = {k: row[k] for k in ("category", "certainty", "employment_mode", "employer")}
    for ent in rb.entitlements:
        assert row[ent] in ("applies", "pending", "not_granted"), (ent, row[ent])
        if row[ent] != "not_granted":
            out[ent] = row[ent]
            out[f"amount.{ent}"] = row.get(f"amount.{ent}")
    return out


def _check_rows(result: Any, rows: list[dict[str, Any]], rb: RuleBase, as_of: dt.date | None) -> None:
    assert result.height == len(rows)
    for profile, row in zip(rows, result.iter_rows(named=True), strict=True):
        assert row["errors"] is None
        assert _actual(row, rb) == _expected(profile, as_of), profile


@SETTINGS
@given(rows=st.lists(full_profiles(), min_size=1, max_size=40),
       as_of=st.one_of(st.none(), st.dates(dt.date(2004, 1, 1), dt.date(2027, 12, 31))),
       kind=st.sampled_from(["polars", "arrow", "pandas"]))
def test_batch_rows_equal_evaluate(rulebase: RuleBase, rows: list[dict[str, Any]], as_of: dt.date | None,
                                   kind: str) -> None:
    table = _table(rows)
    given_table = {"polars": table, "arrow": table.to_arrow(), "pandas": table.to_pandas()}[kind]
    result = evaluate_table(given_table, as_of=as_of)
    if kind == "arrow":
        result = pl.from_arrow(result)
    elif kind == "pandas":
        result = pl.from_pandas(result)
    _check_rows(result, rows, rulebase, as_of)


# -- bad rows ------------------------------------------------------------------------------------------
BAD_VALUES: dict[str, list[Any]] = {
    "occupation": ["astronaut", " courier", 7],
    "engagement": ["contract"],
    "age": [-3, 131, "old", 31.5, "3e1"],
    "daily_hours": [30, -1, "x", math.nan, math.inf, "0x10"],
    "weekly_hours": [200, "many"],
    "can_refuse_orders": ["perhaps", 2, 0.5, " true"],
    "outdoor_work": ["maybe"],
    "as_of": ["yesterday", "1989-12-31", "2024-7-15", 20240715],
    "problems": [["deposit", "aliens"], ["x"], ["deposit"] * 17],
    "work_province": ["火星省", "x" * 65, 5],
    "work_city": ["火星市", "文山州 " * 20],
    "hukou_city": ["火星市"],
    "residence_province": ["不存在省"],
    "gender": ["other"],
}
GOOD_ODD_VALUES: dict[str, list[Any]] = {
    "age": ["31", " 31 ", "31.0", "+31", 31.0, True],
    "daily_hours": ["10", " 4.0005 ", "1e1", "1_0", ".5", 5],
    "can_refuse_orders": ["true", "False", "yes", "N", "on", "1", 0, 1.0],
    "as_of": ["2024-07-15", "2024-07-15T00:00:00", dt.datetime(2024, 7, 15)],
    "work_province": [" 湖南 ", "云南"],
    "work_city": ["文山", "文山市", "临沧"],
}


@st.composite
def mixed_rows(draw: st.DrawFn) -> dict[str, Any]:
    profile = draw(full_profiles())
    for name in draw(st.lists(st.sampled_from(sorted(BAD_VALUES)), max_size=3, unique=True)):
        profile[name] = draw(st.sampled_from(BAD_VALUES[name]))
    for name in draw(st.lists(st.sampled_from(sorted(GOOD_ODD_VALUES)), max_size=2, unique=True)):
        profile[name] = draw(st.sampled_from(GOOD_ODD_VALUES[name]))
    return profile


def _objects(rows: list[dict[str, Any]]) -> Any:
    """A pandas table of whatever the rows hold (mixed columns stay Python objects)."""
    import pandas as pd

    return pd.DataFrame([{k: r.get(k) for k in SCHEMA} for r in rows], dtype=object)


def _fields_of(profile: dict[str, Any], lang: str) -> list[str] | None:
    try:
        evaluate(profile, lang=lang)
    except ProfileError as exc:
        return [e.field for e in exc.errors]
    return None


@SETTINGS
@given(rows=st.lists(mixed_rows(), min_size=1, max_size=25), lang=st.sampled_from(["zh", "en"]))
def test_bad_rows_are_reported_in_place_like_profile_error(rulebase: RuleBase, rows: list[dict[str, Any]],
                                                           lang: str) -> None:
    frame = _objects(rows)
    result = pl.from_pandas(evaluate_table(frame, lang=lang))
    # in a pandas table NaN is the missing value
    clean = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in p.items()} for p in rows]
    _check(result, clean, rulebase, lang)


def _check(result: Any, rows: list[dict[str, Any]], rb: RuleBase, lang: str = "zh") -> None:
    assert result.height == len(rows)
    for profile, row in zip(rows, result.iter_rows(named=True), strict=True):
        try:
            evaluate(profile, lang=lang)
            expected = None
        except ProfileError as exc:
            expected = [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors]
        if expected is None:
            assert row["errors"] is None, (profile, row["errors"])
            assert _actual(row, rb) == _expected(profile, None), profile
        else:
            assert row["errors"] == expected, profile  # the same fields, codes, messages and order
            assert row["category"] is None and all(row[e] == "not_evaluated" for e in rb.entitlements)


def test_typed_bad_values_and_pandas_nan(rulebase: RuleBase) -> None:
    rows: dict[str, list[Any]] = {
        "age": [31, -3, None, 200, 40],
        "daily_hours": [8.0, math.nan, 30.0, None, math.nan],
        "occupation": ["courier", "astronaut", None, "courier", "courier"],
        "as_of": [dt.date(2024, 7, 15), dt.date(1980, 1, 1), None, dt.date(2024, 7, 15), None],
    }
    table = pl.DataFrame(rows)
    result = evaluate_table(table)
    for i in range(table.height):
        profile = {k: v[i] for k, v in rows.items()}
        errors: Any = result.get_column("errors")[i]
        assert (None if errors is None else [e["field"] for e in errors]) == _fields_of(profile, "zh")
    assert result.get_column("errors").is_null().to_list() == [True, False, False, False, False]
    # in pandas, NaN is the missing value: an unknown, not an error
    out = evaluate_table(table.to_pandas())
    assert out["errors"].isna().tolist() == [True, False, False, False, True]


def test_quantise_is_pythons_round() -> None:
    values = [4.0005, 3.9995, 0.0005, 2.6745, 1.0015, 23.9995, 0.1 + 0.2, 167.9995, 1e-9, 12.3456789, None]
    got = quantise(pl.Series(values, dtype=pl.Float64)).to_list()
    assert got == [None if v is None else py_quantise(v) for v in values]


# -- the table as a whole ------------------------------------------------------------------------------
def test_unknown_columns_and_carried_columns() -> None:
    table = pl.DataFrame({"worker_id": ["a", "b"], "occupation": ["courier", None], "work_province": ["湖南", None]})
    with pytest.raises(BatchInputError, match="worker_id"):
        evaluate_table(table)
    result = evaluate_table(table, columns=["worker_id"])
    assert result.columns[:3] == ["worker_id", "province", "as_of"]
    assert result.get_column("worker_id").to_list() == ["a", "b"]
    assert result.get_column("province").to_list() == ["湖南省", None]
    with pytest.raises(BatchInputError):
        evaluate_table(table, columns=["nope"])


def test_empty_and_all_bad_tables() -> None:
    empty = evaluate_table(pl.DataFrame(schema={"occupation": pl.String}))
    assert empty.height == 0 and "errors" in empty.columns and "contract.labor_contract" in empty.columns
    bad = evaluate_table(pl.DataFrame({"age": [-1, -2]}))
    assert bad.height == 2 and bad.get_column("errors").is_not_null().all()
    assert bad.schema == empty.schema


def test_rules_selected_once_per_group_and_compiled_once(rulebase: RuleBase) -> None:
    evaluator = BatchEvaluator(rulebase)
    days = [dt.date(2020, 1, 1), dt.date(2023, 1, 1), dt.date(2025, 1, 1)]
    places = ["湖南省", "云南省", "广东省", "北京市", None]
    rows = [{"work_province": p, "as_of": d, "occupation": "courier", "engagement": "labor_contract"}
            for p in places for d in days for _ in range(3)]
    table = _table(rows)
    first = evaluator.evaluate_polars(table)
    # every province now has rules of its own (the occupational-injury pilot places national rules by province);
    # an unknown province gets the national rules only: 5 province keys x 3 periods
    assert evaluator.selected_groups == 5 * 3 and evaluator.compiled_plans == 1
    second = evaluator.evaluate_polars(pl.concat([table, table]))
    assert evaluator.selected_groups == 15 and evaluator.compiled_plans == 1
    assert second.head(table.height).equals(first)
    evaluator.evaluate_polars(table.head(3))  # only 湖南省 in 2020: a smaller plan, no new selection
    assert evaluator.selected_groups == 15 and evaluator.compiled_plans == 2
    _check_rows(first, rows, rulebase, None)
    for i, day in enumerate(rulebase.boundaries()):
        assert evaluator.period_day(i + 1) == day


def test_a_prepared_plan_serves_tables_with_at_least_half_its_groups(rulebase: RuleBase) -> None:
    prepared = BatchEvaluator(rulebase).prepare()
    assert prepared.compiled_plans == 1
    groups = len(prepared.all_groups())
    days = [dt.date(2020, 1, 1), *rulebase.boundaries()]
    rows = [{"work_province": p, "as_of": d, "occupation": "courier", "engagement": "labor_contract",
             "outdoor_work": True} for p in sorted(rulebase.provinces) for d in days]  # every province has rules
    assert len({(r["work_province"], r["as_of"]) for r in rows}) * 2 >= groups
    mixed = prepared.evaluate_polars(_table(rows))
    assert prepared.compiled_plans == 1  # the prepared plan, masked per row
    one = prepared.evaluate_polars(_table(rows[:1]))
    assert prepared.compiled_plans == 2  # one group: a plan of its own, with the province's constants folded
    assert mixed.equals(BatchEvaluator(rulebase).evaluate_polars(_table(rows)))
    assert one.equals(mixed.head(1))
    _check_rows(mixed, rows, rulebase, None)


# -- files and the command -----------------------------------------------------------------------------
def test_files_and_the_command(tmp_path: Path, rulebase: RuleBase, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider", "engagement": "labor_contract",
         "as_of": dt.date(2024, 7, 15), "problems": ["deposit"], "daily_hours": 9.0},
        {"work_province": "云南省", "work_city": "文山", "occupation": "courier", "age": -4, "problems": None},
        {"work_province": "广东省", "occupation": "truck_driver", "problems": []},
    ]
    table = pl.DataFrame(rows).with_columns(pl.Series("worker_id", [1, 2, 3]))
    src = tmp_path / "in.parquet"
    table.write_parquet(src)
    out = tmp_path / "out.parquet"
    summary = evaluate_file(src, out, columns=["worker_id"], chunk_size=2, as_of=dt.date(2024, 7, 15))
    assert summary.rows == 3 and summary.errors == 1
    written = pl.read_parquet(out)
    direct = evaluate_table(table, columns=["worker_id"], as_of=dt.date(2024, 7, 15))
    assert written.get_column("worker_id").to_list() == [1, 2, 3]
    assert written.drop("errors").cast(pl.String).equals(direct.drop("errors").cast(pl.String))

    csv_in = tmp_path / "in.csv"
    table.with_columns(pl.col("problems").list.join(";")).write_csv(csv_in)
    csv_out = tmp_path / "out.csv"
    code = main(["batch", str(csv_in), str(csv_out), "--as-of", "2024-07-15", "--columns", "worker_id"])
    captured = capsys.readouterr()
    assert code == 0
    assert "3 profiles" in captured.out and "湖南省" in captured.out and "labor_relation" in captured.out
    back = pl.read_csv(csv_out, infer_schema=False)
    assert back.get_column("category").to_list() == [str(v) if v is not None else None
                                                     for v in direct.get_column("category").to_list()]
    errors = json.loads(back.get_column("errors")[1])
    assert [e["field"] for e in errors] == ["age"]

    assert main(["batch", str(csv_in), str(tmp_path / "x.parquet")]) == 2  # worker_id is not a profile field
    assert "worker_id" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "missing.csv"), str(tmp_path / "y.csv")]) == 2


@example(day=dt.date(2024, 6, 4))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(dt.date(2004, 1, 1), dt.date(2026, 12, 31)))
def test_days_on_rule_boundaries(rulebase: RuleBase, day: dt.date) -> None:
    rows = [{"work_province": p, "work_city": c, "occupation": "delivery_rider", "as_of": d}
            for p, c in PLACES for d in (day, day - dt.timedelta(days=1))]
    rows += [{**r, "as_of": b} for b in rulebase.boundaries() for r in rows[:4]]
    result = evaluate_table(_table(rows))
    _check_rows(result, rows, rulebase, None)


# -- Dask ----------------------------------------------------------------------------------------------
def test_dask_on_a_local_cluster_equals_in_process(rulebase: RuleBase) -> None:
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from benchmarks.population import generate
    from rights_engine.batch import evaluate_dask

    population = generate(2000, seed=11).to_pandas()
    expected = evaluate_table(population, columns=["worker_id"])
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ddf = dd.from_pandas(population, npartitions=4)
        lazy: Any = evaluate_dask(ddf, columns=["worker_id"])
        got = lazy.compute()
        assert len(client.scheduler_info()["workers"]) == 2
    assert got.shape == expected.shape
    assert list(got.columns) == list(expected.columns)
    assert pl.from_pandas(got).equals(pl.from_pandas(expected))


def test_places_past_the_known_texts_limit_are_joined(rulebase: RuleBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct place texts (beyond what the evaluator remembers) take the join path: same results."""
    from rights_engine.batch import _normalise

    rows = [{"work_province": p, "work_city": c, "hukou_province": h, "residence_province": r, "occupation": "courier",
             "engagement": "labor_contract"}
            for (p, c), (h, _), (r, _) in zip(PLACES, reversed(PLACES), PLACES[1:] + PLACES[:1], strict=True)]
    rows.append({"work_province": "火星省", "work_city": "火星市"})
    expected = BatchEvaluator(rulebase).evaluate_polars(_table(rows))
    monkeypatch.setattr(_normalise, "MAX_KNOWN_TEXTS", 1)
    joined = BatchEvaluator(rulebase).evaluate_polars(_table(rows))
    assert joined.equals(expected)
    assert joined.get_column("errors").is_not_null().to_list() == [False] * (len(rows) - 1) + [True]
    _check_rows(joined.head(len(rows) - 1), rows[:-1], rulebase, None)


def test_one_evaluator_shared_by_threads_meeting_new_places(rulebase: RuleBase) -> None:
    """Threads that meet new place texts at the same time grow the evaluator's place tables without a mix-up."""
    from concurrent.futures import ThreadPoolExecutor

    tables = [_table([{"work_province": p, "work_city": c, "hukou_province": hp, "occupation": "delivery_rider"}
                      for (p, c) in PLACES[i::4] for (hp, _) in PLACES[::3]]) for i in range(4)]
    serial = [BatchEvaluator(rulebase).evaluate_polars(t) for t in tables]
    shared = BatchEvaluator(rulebase)
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(shared.evaluate_polars, tables * 3))
    for i, got in enumerate(parallel):
        assert got.equals(serial[i % 4])


def test_a_thread_growing_its_place_table_keeps_the_texts_it_met_when_another_stored_an_older_one(
        rulebase: RuleBase) -> None:
    """The interleaving behind a rare failure of the test above, forced: thread A has met 湖南省 and 云南省; thread B,
    holding an older table (湖南省 only), stores it while resolving; A then meets 湖北省 and grows from the stored
    table. A's 云南省 rows must still resolve to 云南省, not read as "no place given"."""
    evaluator = BatchEvaluator(rulebase)
    resolver = evaluator._places
    older = pl.Series(["湖南省"])
    newer = pl.Series(["湖南省", "云南省"])
    resolver._by_codes("hukou", older, None, 1)
    stale = resolver._known["hukou"]
    resolver._by_codes("hukou", newer, None, 2)
    assert resolver._known["hukou"].provinces == ("湖南省", "云南省")
    mine = resolver._known["hukou"]  # A's table
    resolver._known["hukou"] = stale  # what B's _resolved stores, built from its older table
    grown = resolver._grown("hukou", mine, ["湖北省"], [])  # A met 湖北省: its table grows from the stored one
    assert set(grown.provinces) == {"湖南省", "云南省", "湖北省"}
    found = resolver._by_codes("hukou", pl.Series(["云南省", "湖北省", "湖南省"]), None, 3)
    assert found is not None and found.get_column("province").cast(pl.String).to_list() == ["云南省", "湖北省", "湖南省"]


def test_a_big_table_is_evaluated_in_slices_with_the_same_result(rulebase: RuleBase,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from rights_engine.batch import _evaluate

    rows = [{"work_province": p, "work_city": c, "occupation": "courier", "age": age, "weekly_hours": 30.0}
            for (p, c) in PLACES for age in (17, 30, -1, 65)]
    whole = BatchEvaluator(rulebase).evaluate_polars(_table(rows), columns=[])
    monkeypatch.setattr(_evaluate, "SLICE", 7)
    sliced = BatchEvaluator(rulebase).evaluate_polars(_table(rows))
    assert sliced.equals(whole)
    assert sliced.get_column("errors").is_not_null().sum() == len(PLACES)  # the negative ages, each in its own row


def test_the_batch_command_keeps_freed_pages_unless_told_otherwise() -> None:
    """`rights-engine batch` sets jemalloc's decay before polars loads; a user's own setting wins."""
    import os
    import subprocess
    import sys

    code = ("import os, sys; from rights_engine._allocator import keep_freed_pages, VARIABLE; "
            "took = keep_freed_pages(); import polars; late = keep_freed_pages(); "
            "print(took, late, os.environ.get(VARIABLE))")
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    fresh = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    took, late, setting = fresh.stdout.split()
    # polars puts its own defaults first and the environment's after them: later options win in jemalloc
    assert (took, late) == ("True", "False") and setting.endswith(",dirty_decay_ms:30000,muzzy_decay_ms:30000")
    mine = subprocess.run([sys.executable, "-c", code], env={**env, "_RJEM_MALLOC_CONF": "narenas:1"},
                          capture_output=True, text=True, check=True)
    took, late, setting = mine.stdout.split()
    assert (took, late) == ("False", "False") and setting.endswith(",narenas:1") and "30000" not in setting


@pytest.mark.parametrize(("rows", "chunk", "expected"), [
    (0, 8, []), (1, 8, [1]), (5, 8, [1, 4]), (20, 8, [1, 8, 8, 3]), (3, 1, [1, 1, 1]), (17, 16, [2, 15])])
def test_chunk_sizes_cover_every_row_once(rows: int, chunk: int, expected: list[int]) -> None:
    from rights_engine.batch._io import chunk_sizes

    assert chunk_sizes(rows, chunk) == expected


def test_many_chunks_come_out_in_order(tmp_path: Path) -> None:
    """The streaming writer gets the chunks as they are evaluated: the rows must stay in input order."""
    places = [p for p in PLACES if p[0] is not None]
    table = pl.DataFrame({
        "worker_id": list(range(3000)),
        "work_province": [places[i % len(places)][0] for i in range(3000)],
        "work_city": [places[i % len(places)][1] for i in range(3000)],
        "age": [(i * 7) % 90 - 5 for i in range(3000)],  # some negative: bad rows among good ones
        "occupation": [["courier", "delivery_rider", None][i % 3] for i in range(3000)],
    })
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    table.write_parquet(src)
    summary = evaluate_file(src, out, columns=["worker_id"], chunk_size=96)
    written = pl.read_parquet(out)
    assert written.get_column("worker_id").to_list() == list(range(3000))
    assert summary.errors == sum(1 for i in range(3000) if (i * 7) % 90 - 5 < 0)
    assert written.equals(evaluate_table(table, columns=["worker_id"]))


def test_the_batch_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/batch/profiles.csv, as docs/batch.md runs it: Hunan's allowance changes with each row's as_of."""
    source = Path(__file__).resolve().parent.parent / "examples" / "batch" / "profiles.csv"
    out = tmp_path / "results.csv"
    assert main(["batch", str(source), str(out), "--columns", "worker_id", "--quiet"]) == 0
    rows = {r["worker_id"]: r for r in pl.read_csv(out, infer_schema=False).iter_rows(named=True)}
    assert len(rows) == 10
    amount = "amount.weather.high_temperature_allowance"
    assert (rows["r-004"][amount], rows["r-005"][amount]) == ("150.0", "300.0")  # 2023-06-30 / 2023-07-01
    assert rows["r-002"]["province"] == "湖南省" and rows["r-003"]["province"] == "云南省"  # short names resolved
    bad = [w for w, r in rows.items() if r["errors"] is not None]
    assert bad == ["r-009"]
    assert sorted(e["field"] for e in json.loads(rows["r-009"]["errors"])) == ["age", "work_province"]
    assert rows["r-009"]["union.membership"] == "not_evaluated" and rows["r-009"]["category"] is None
    assert rows["r-008"]["category"] == "civil_relation"
    assert capsys.readouterr().out == ""


def _holds_text(root: object, text: str) -> bool:
    """Whether ``text`` is reachable from ``root`` through attributes, mappings and sequences (polars frames and
    numpy arrays are searched for it as values too)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if obj == text:
                return True
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, pl.DataFrame):
            stack.extend(v for col in obj.get_columns() if col.dtype == pl.String for v in col.to_list())
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("rights_engine"):
            stack.extend(vars(obj).values())
        elif hasattr(obj, "__slots__") and type(obj).__module__.startswith("rights_engine"):
            stack.extend(getattr(obj, name) for name in obj.__slots__ if hasattr(obj, name))
    return False


def test_no_typed_place_text_outlives_a_table_or_file(rulebase: RuleBase, tmp_path: Path) -> None:
    """The evaluator resolves each distinct place text once per table, and forgets them all when the table or file is
    done (privacy: no cache keeps what a user typed). The compiled plans stay."""
    marker = "某某不存在的市"
    rows = [{"work_province": "湖南省", "work_city": "长沙市", "occupation": "courier"},
            {"work_province": "湖南省", "work_city": marker, "occupation": "courier"}]
    evaluator = BatchEvaluator(rulebase)
    out = evaluate_table(_table(rows), evaluator=evaluator)
    assert out.get_column("errors").is_not_null().to_list() == [False, True]
    assert not _holds_text(evaluator, marker)
    assert not _holds_text(evaluator, "长沙市")
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    _table(rows).write_parquet(source)
    evaluate_file(source, target, evaluator=evaluator)
    assert not _holds_text(evaluator, marker)
