"""A synthetic population of new-employment-form workers: seeded, reproducible, written as Parquet.

    python benchmarks/population.py 1000000 /tmp/pop-1m.parquet --seed 1

The mix is plausible, not measured: occupations weighted toward riders and ride-hailing drivers; work places in
the covered provinces (湖南省, 湖北省, 云南省 with 文山, 临沧 and 昆明, under their official and short names) and in
uncovered ones; engagements that depend on the occupation; indicator facts that lean with the engagement; about
20% of every field unknown (null); and a small share of bad rows (a negative age, an unknown occupation, a city
that does not exist) that the batch reports in its ``errors`` column. Same seed, same rows.

``--bad 0.1`` spoils a tenth of the rows instead (``BAD_KINDS``: an age of 300 or -1, 30 daily hours, an unknown
occupation, a made-up city); a ``.csv`` output is written as text, as an export would be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from rights_engine import facts as F

#: (province, city, weight): a work place; city None = only the province is known.
PLACES: list[tuple[str | None, str | None, float]] = [
    ("湖南省", "长沙市", 7.0), ("湖南省", "株洲市", 2.0), ("湖南", "邵阳", 1.5), ("湖南省", None, 1.5),
    ("湖北省", "武汉市", 8.0), ("湖北省", "宜昌市", 1.5), ("湖北", None, 1.0),
    ("云南省", "昆明市", 5.0), ("云南省", "文山壮族苗族自治州", 1.5), ("云南", "文山州", 0.8), ("云南省", "文山市", 0.5),
    ("云南省", "临沧市", 1.2), ("云南省", None, 0.8), ("云南省", "大理白族自治州", 1.0),
    ("广东省", "深圳市", 10.0), ("广东省", "广州市", 9.0), ("北京市", None, 8.0), ("上海市", None, 8.0),
    ("浙江省", "杭州市", 7.0), ("四川省", "成都市", 6.0), ("江苏省", "南京市", 5.0), ("河南省", "郑州市", 4.0),
    ("重庆市", None, 4.0), ("陕西省", "西安市", 3.0), (None, "深圳市", 1.0), (None, None, 3.0),
]
#: hukou provinces of workers who came from elsewhere
HOMES = ["湖南省", "湖北省", "云南省", "河南省", "四川省", "安徽省", "江西省", "广西壮族自治区", "贵州省", "甘肃省"]
OCCUPATION_WEIGHTS = {"delivery_rider": 35, "ride_hailing_driver": 25, "courier": 12, "truck_driver": 8,
                      "live_streamer": 8, "domestic_worker": 5, "other": 7}
#: engagement weights by occupation (in F.ENGAGEMENTS order)
ENGAGEMENT_WEIGHTS = {
    # labor_contract, part_time_contract, oral_part_time, written_agreement, dispatch, cooperation_agreement,
    # individual_business, none
    "delivery_rider": [8, 4, 6, 10, 5, 25, 22, 20],
    "ride_hailing_driver": [3, 2, 2, 15, 2, 40, 10, 26],
    "courier": [35, 5, 3, 10, 15, 15, 7, 10],
    "truck_driver": [10, 2, 2, 10, 3, 30, 23, 20],
    "live_streamer": [5, 3, 3, 20, 2, 40, 12, 15],
    "domestic_worker": [10, 10, 25, 10, 10, 10, 5, 20],
    "other": [20, 10, 10, 10, 10, 15, 10, 15],
}
UNKNOWN = 0.2
BAD_ROWS = 0.001
FIRST_DAY, LAST_DAY = dt.date(2019, 1, 1), dt.date(2026, 6, 30)


def _choice(rng: np.random.Generator, values: Sequence[object], weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(values), size=n, p=p / p.sum())


def _text(name: str, values: np.ndarray) -> pl.Series:
    """A text column from an object array that may hold None anywhere (polars cannot cast an Object array)."""
    return pl.Series(name, values.tolist(), dtype=pl.String)


def _hide(rng: np.random.Generator, series: pl.Series, rate: float = UNKNOWN) -> pl.Series:
    """Null out about ``rate`` of the values: what the worker did not say."""
    mask = pl.Series(rng.random(len(series)) < rate)
    return pl.select(pl.when(~mask).then(series)).to_series().alias(series.name)


def generate(n: int, seed: int = 0, unknown: float = UNKNOWN, bad: float = BAD_ROWS) -> pl.DataFrame:
    """``n`` profiles (and a ``worker_id`` column), the same for the same seed."""
    rng = np.random.default_rng(seed)
    place = _choice(rng, list(range(len(PLACES))), [w for *_, w in PLACES], n)
    provinces = np.array([p for p, _, _ in PLACES], dtype=object)[place]
    cities = np.array([c for _, c, _ in PLACES], dtype=object)[place]
    occupations = list(OCCUPATION_WEIGHTS)
    occ = _choice(rng, occupations, list(OCCUPATION_WEIGHTS.values()), n)
    eng = np.empty(n, dtype=np.int64)
    for i, name in enumerate(occupations):
        rows = np.flatnonzero(occ == i)
        eng[rows] = _choice(rng, list(F.ENGAGEMENTS), ENGAGEMENT_WEIGHTS[name], len(rows))
    engagement = np.array(F.ENGAGEMENTS, dtype=object)[eng]
    employee_like = np.isin(eng, [0, 1, 2, 4])  # signed something an employee signs
    platform_work = np.isin(occ, [0, 1, 2, 3])

    # counterparty: dispatch -> agency; cooperation agreements mostly with a cooperation enterprise
    cp = _choice(rng, list(F.COUNTERPARTIES), [40, 35, 10, 15], n)
    cp = np.where(eng == 4, 2, cp)
    cp = np.where((eng == 5) & (rng.random(n) < 0.7), 1, cp)
    counterparty = np.array(F.COUNTERPARTIES, dtype=object)[cp]
    managed = np.where(rng.random(n) < 0.6, cp, _choice(rng, list(F.COUNTERPARTIES), [50, 30, 10, 10], n))
    managed_by = np.array(F.COUNTERPARTIES, dtype=object)[managed]

    def lean(base: float, toward: np.ndarray, shift: float) -> np.ndarray:
        return rng.random(n) < np.clip(base + shift * toward, 0.02, 0.98)

    control = employee_like.astype(float) + 0.5 * platform_work
    indicators = {
        "platform_manages_work": lean(0.45, control, 0.3),
        "can_refuse_orders": lean(0.55, control, -0.35),
        "sets_own_hours": lean(0.5, control, -0.3),
        "must_be_online_min_hours": lean(0.3, control, 0.3),
        "subject_to_penalties": lean(0.4, control, 0.3),
        "platform_sets_price": lean(0.6, platform_work.astype(float), 0.3),
        "work_is_core_business": lean(0.6, platform_work.astype(float), 0.25),
        "long_term_continuous": lean(0.5, control, 0.2),
        "main_income_source": lean(0.6, control, 0.15),
    }
    age = np.clip(rng.normal(34, 9, n).round(), 16, 75).astype(np.int64)
    daily = np.clip(rng.normal(9.0, 2.2, n), 1, 16).round(1)
    weekly = np.clip(daily * rng.choice([5, 6, 6, 7], n) + rng.normal(0, 3, n), 2, 110).round(1)
    outdoor = np.isin(occ, [0, 2, 3]) | (rng.random(n) < 0.1)
    home = np.array(HOMES, dtype=object)[rng.integers(0, len(HOMES), n)]
    local = rng.random(n) < 0.45
    hukou = np.where(local & (provinces != None), provinces, home)  # noqa: E711 - numpy elementwise
    resident = rng.random(n) < 0.7
    residence = np.where(resident & (provinces != None), provinces, hukou)  # noqa: E711
    span = (LAST_DAY - FIRST_DAY).days
    days = np.datetime64(FIRST_DAY) + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    problem_rates = {"deposit": 0.08, "forced_individual_business": 0.1, "multi_platform_ban": 0.05,
                     "discrimination": 0.03, "unpaid_wages": 0.06, "no_rest": 0.12, "injured_at_work": 0.04,
                     "unfair_rules": 0.09}

    columns: list[pl.Series] = [
        pl.Series("as_of", days.astype("datetime64[D]"), dtype=pl.Date),
        _text("work_province", provinces),
        _text("work_city", cities),
        _text("hukou_province", hukou),
        _text("residence_province", residence),
        _text("occupation", np.array(occupations, dtype=object)[occ]),
        _text("engagement", engagement),
        _text("counterparty", counterparty),
        _text("managed_by", managed_by),
        *(pl.Series(name, values) for name, values in indicators.items()),
        pl.Series("daily_hours", daily),
        pl.Series("weekly_hours", weekly),
        pl.Series("age", age),
        _text("gender", np.where(rng.random(n) < 0.8, "male", "female")),
        pl.Series("receives_pension", (age >= 60) & (rng.random(n) < 0.6)),
        pl.Series("outdoor_work", outdoor),
        pl.Series("high_temperature_work", outdoor & (rng.random(n) < 0.6)),
        pl.Series("works_statutory_holidays", rng.random(n) < 0.7),
        _text("pension_enrolled", np.array(F.ENROLMENTS, dtype=object)[_choice(rng, list(F.ENROLMENTS), [25, 30, 45], n)]),
        _text("medical_enrolled", np.array(F.ENROLMENTS, dtype=object)[_choice(rng, list(F.ENROLMENTS), [25, 55, 20], n)]),
        pl.Series("has_children", rng.random(n) < 0.45),
    ]
    frame = pl.DataFrame([_hide(rng, c, unknown) if c.name not in ("work_province", "as_of") else c for c in columns])
    frame = frame.with_columns(_hide(rng, frame.get_column("as_of"), unknown / 4))
    flags = pl.DataFrame({p: rng.random(n) < r for p, r in problem_rates.items()})
    problems = flags.select(pl.concat_list([pl.when(pl.col(p)).then(pl.lit(p)) for p in problem_rates])
                            .list.drop_nulls().alias("problems")).to_series()
    frame = frame.with_columns(_hide(rng, problems, unknown), pl.Series("worker_id", np.arange(n, dtype=np.int64)))
    if bad > 0:
        frame = _spoil(rng, frame, bad)
    return frame.select("worker_id", *[c for c in frame.columns if c != "worker_id"])


#: The kinds of bad value :func:`_spoil` writes: (column, value). One kind per spoiled row, chosen evenly.
BAD_KINDS: list[tuple[str, object]] = [
    ("age", 300), ("age", -1), ("daily_hours", 30.0), ("occupation", "astronaut"), ("work_city", "火星市"),
]


def _spoil(rng: np.random.Generator, frame: pl.DataFrame, rate: float) -> pl.DataFrame:
    """Bad values in about ``rate`` of the rows, of the kinds a real extract has (one per spoiled row)."""
    n = frame.height
    hit = rng.random(n) < rate
    kind = rng.integers(0, len(BAD_KINDS), n)
    columns: dict[str, pl.Expr] = {}
    for k, (name, value) in enumerate(BAD_KINDS):
        mask = pl.Series(hit & (kind == k))
        base = columns.get(name, pl.col(name))
        columns[name] = pl.when(mask).then(pl.lit(value, dtype=frame.schema[name])).otherwise(base)
    return frame.with_columns(expr.alias(name) for name, expr in columns.items())


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The population as a CSV export holds it: problems as ``deposit;no_rest`` (``[]``: none), dates ISO."""
    problems = pl.when(pl.col("problems").list.len() == 0).then(pl.lit("[]")).otherwise(
        pl.col("problems").list.join(";"))
    return frame.with_columns(problems.alias("problems"))


def write(n: int, path: Path, seed: int = 0, row_group: int = 1 << 20, bad: float = BAD_ROWS) -> pl.DataFrame:
    """Write ``generate(n, seed, bad=bad)`` as Parquet, or as CSV text when ``path`` ends in ``.csv``."""
    frame = generate(n, seed, bad=bad)
    if path.suffix.lower() == ".csv":
        as_text(frame).write_csv(path)
    else:
        frame.write_parquet(path, row_group_size=row_group, compression="snappy")
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("rows", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bad", type=float, default=BAD_ROWS, help=f"share of bad rows (default {BAD_ROWS})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frame = write(args.rows, args.output, args.seed, bad=args.bad)
    print(f"{frame.height:,} profiles -> {args.output} ({args.output.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
