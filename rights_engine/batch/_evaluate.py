"""The batch evaluator: a table of profiles in, one row of results per profile out."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np
import polars as pl

from ..engine import Engine
from ..i18n import LANGS
from ..places import resolve as resolve_place
from ..profile import Places, ProfileError, WorkerProfile, as_of_argument
from ..rulebase import RuleBase, Selection, load
from ._compile import NOT_EVALUATED, STATUS, Group, Outputs, Plan
from ._errors import diagnose, flat_errors, refused, with_messages
from ._normalise import (
    BAD,
    ERRORS,
    FIELDS,
    PROVINCE,
    PROVINCES,
    ROW,
    PlaceResolver,
    _is_string,
    errors_column,
    fast_path,
    null_spellings,
    problem_lists,
    slow_path,
)

DAY = "__re_day"
GROUP = "__re_group"
#: Result columns before the classification: the work province (official name) and the day evaluated.
LEAD = ("province", "as_of")


#: Rows evaluated in one pass: bigger tables are cut into slices of this size (benchmarks/bench_batch.py measured
#: 3.8M rows in one pass at 0.79M rows/s, in 512k-row slices at about 1.3M rows/s).
SLICE = 1 << 19


class BatchInputError(ValueError):
    """The table or file as a whole cannot be evaluated: an unknown column or none of the profile's, a bad option,
    a file that cannot be read (a duplicate header, ragged rows, text not UTF-8, a corrupt Parquet file). Its
    message is one line naming the problem, never a value from the table. Bad rows never raise it: they are
    reported in their ``errors`` column. The ``batch`` command exits with code 2 on it."""


class BatchEvaluator:
    """Evaluates tables of profiles against one rule base; compiles once per (province, period) and caches.

    Thread-safe; one evaluator may serve many tables (and many Dask partitions in one worker process).
    """

    def __init__(self, rulebase: Optional[RuleBase] = None) -> None:
        self.rulebase = rulebase if rulebase is not None else load()
        self.outputs = Outputs.of(self.rulebase)
        self._facts = Engine(self.rulebase, backend="python")
        prefectures = pl.Enum([str(v) for v in self.rulebase.schema["work_prefecture"].domain])
        self._places = PlaceResolver(self._work_prefecture, prefectures)
        self._boundaries = pl.Series("boundaries", self.rulebase.boundaries(), dtype=pl.Date)
        self._covered = sorted(self.rulebase.provinces)
        #: by a province's Enum code: its covered province's number (0: not covered; unknown provinces give null)
        self._covered_number = pl.Series(
            [self._covered.index(p) + 1 if p in self._covered else 0 for p in PROVINCES.categories], dtype=pl.Int32)
        self._periods = len(self.rulebase.boundaries()) + 1
        self._plans: dict[tuple[int, ...], Plan] = {}
        self._selections: dict[int, Selection] = {}
        self._lock = threading.Lock()

    # -- compiled plans --------------------------------------------------------------------------------
    def forget_places(self) -> None:
        """Forget the place texts met (the compiled plans stay): nothing typed is kept after a table or file."""
        self._places.forget()

    def _work_prefecture(self, places: Places) -> Optional[str]:
        value = self._facts.facts_of(WorkerProfile.model_validate({}), places)["work_prefecture"]
        assert isinstance(value, frozenset)
        return str(next(iter(value))) if len(value) == 1 else None

    def period_day(self, period: int) -> dt.date:
        """A day inside period number ``period`` (the rules in force are the same on every day of it)."""
        days = self.rulebase.boundaries()
        if not days:
            return dt.date(2000, 1, 1)
        return days[period - 1] if period > 0 else days[0] - dt.timedelta(days=1)

    def group(self, code: int) -> Group:
        """Group ``code``: (covered province number, 0 = none) x periods + period number."""
        province, period = divmod(code, self._periods)
        return Group(code, self._covered[province - 1] if province else None, self.period_day(period))

    def all_groups(self) -> list[int]:
        """Every (province, period) group code: each covered province and "not covered", in every period."""
        return list(range((len(self._covered) + 1) * self._periods))

    def prepare(self) -> BatchEvaluator:
        """Compile the plan for every group now (a mixed population then never waits for a compilation)."""
        self.plan(self.all_groups())
        resolve_place("湖南省", "长沙市")  # builds the place index
        return self

    def plan(self, codes: Sequence[int]) -> Plan:
        """The compiled plan for the groups ``codes``: compiled once per set of groups, or a compiled plan for
        more groups when the set has at least half of them (each row is masked by its own group, so a plan for
        more groups gives every row the same result; a plan for far fewer groups folds more constants)."""
        key = tuple(sorted(set(codes)))
        found = self._plans.get(key)
        if found is None:
            wanted = set(key)
            found = next((plan for groups, plan in list(self._plans.items())
                          if 2 * len(key) >= len(groups) and wanted <= set(groups)), None)
            if found is not None:
                self._plans[key] = found  # remembered for this set of groups (not compiled again)
        if found is None:
            with self._lock:
                found = self._plans.get(key)
                if found is None:
                    groups = [self.group(c) for c in key]
                    for g in groups:
                        if g.code not in self._selections:
                            self._selections[g.code] = self.rulebase.select(g.province, g.day)
                    found = Plan.build(self.rulebase, groups, {g.code: self._selections[g.code] for g in groups},
                                       GROUP, self.outputs, keep=(PROVINCE, DAY))
                    self._plans[key] = found
        return found

    @property
    def compiled_plans(self) -> int:
        """How many plans were compiled (one per set of groups met, whatever the number of rows or chunks)."""
        return len({id(plan) for plan in self._plans.values()})

    @property
    def selected_groups(self) -> int:
        """How many (province, period) groups had their rules selected (once each)."""
        return len(self._selections)

    # -- evaluation ------------------------------------------------------------------------------------
    def result_schema(self, columns: Sequence[str] = (), input_schema: Optional[pl.Schema] = None) -> pl.Schema:
        schema: dict[str, pl.DataType] = {}
        for c in columns:
            schema[c] = input_schema[c] if input_schema is not None and c in input_schema else pl.String()
        schema.update({"province": PROVINCES, "as_of": pl.Date()})
        schema.update(self.outputs.dtypes())
        schema["errors"] = ERRORS
        return pl.Schema(schema)

    def check_columns(self, names: Sequence[str], columns: Sequence[str]) -> None:
        missing = [c for c in columns if c not in names]
        if missing:
            raise BatchInputError(f"--columns names columns the table does not have: {', '.join(missing)}")
        clash = [c for c in columns if c in self.result_schema()]
        if clash:
            raise BatchInputError(f"these columns would clash with result columns: {', '.join(clash)}")
        if not any(c in FIELDS for c in names):
            raise BatchInputError("the table has no profile column (occupation, work_province, age, …): "
                                  "check the header and the separator")
        unknown = [c for c in names if c not in FIELDS and c not in columns]
        if unknown:
            raise BatchInputError(
                f"unknown columns (not profile fields): {', '.join(shown_names(unknown))}; pass them with --columns to carry "
                "them into the result")

    def evaluate_polars(self, table: pl.DataFrame, as_of: Optional[dt.date | str] = None, columns: Sequence[str] = (),
                        lang: str = "zh") -> pl.DataFrame:
        """Evaluate a polars table; the result has one row per input row, in the same order."""
        day, columns = self._arguments(table, as_of, columns, lang)
        if table.height > SLICE:  # a big table costs more per row in one piece (its intermediate columns leave the cache)
            parts = [self._evaluate([table.slice(at, SLICE)], day, columns, lang) for at in range(0, table.height, SLICE)]
            return pl.concat(parts, rechunk=False)
        return self._evaluate([table], day, columns, lang)

    def evaluate_chunk(self, box: list[pl.DataFrame], as_of: Optional[dt.date | str] = None,
                       columns: Sequence[str] = (), lang: str = "zh") -> pl.DataFrame:
        """:meth:`evaluate_polars` for the one table in ``box`` (at most :data:`SLICE` rows), taken out of the box:
        when the caller keeps no other reference to it, its cells are freed once they are read, before the rules
        run (the files' pipeline: a CSV chunk's text is the larger part of its memory)."""
        day, columns = self._arguments(box[0], as_of, columns, lang)
        return self._evaluate(box, day, columns, lang)

    def _arguments(self, table: pl.DataFrame, as_of: Optional[dt.date | str], columns: Sequence[str], lang: str
                   ) -> tuple[Optional[dt.date], list[str]]:
        if lang not in LANGS:
            raise BatchInputError("lang must be zh or en")
        try:  # as evaluate() takes it: a date, a datetime's day, an ISO date string, None / NaT / NA
            day = as_of_argument(as_of, lang)
        except ProfileError:
            raise BatchInputError("as_of must be a date (YYYY-MM-DD)") from None
        columns = list(dict.fromkeys(columns))
        self.check_columns(table.columns, columns)
        return day, columns

    def _evaluate(self, box: list[pl.DataFrame], as_of: Optional[dt.date], columns: Sequence[str], lang: str
                  ) -> pl.DataFrame:
        table = box.pop()  # the box's reference gone: the input's cells live as long as raw and carried below
        raw = table.select([c for c in table.columns if c in FIELDS]).with_row_index(ROW)
        carried = table.select(columns) if columns else None
        del table
        bits: Optional[pl.Series] = None
        if "problems" in raw.columns and _is_string(raw.schema["problems"]):
            lists, bits = problem_lists(raw.get_column("problems"))
            raw = raw.with_columns(lists)
        canon = fast_path(raw, self._places, self.rulebase.schema, problem_bits=bits)
        errors: Optional[pl.DataFrame] = None
        if canon.get_column(BAD).any():
            canon, errors = self._refused(raw, canon, lang)
        del raw  # the canonical columns are all the rules read (a CSV's text cells: freed here, when nobody holds them)
        day = pl.lit(as_of, dtype=pl.Date) if as_of is not None else pl.col("as_of").fill_null(dt.date.today())
        canon = canon.with_columns(day.alias(DAY))
        period = self._boundaries.search_sorted(canon.get_column(DAY), side="right").cast(pl.Int32)
        province = pl.lit(self._covered_number).gather(pl.col(PROVINCE).to_physical()).fill_null(0)
        canon = canon.with_columns((province * self._periods + period).alias(GROUP))
        plan = self.plan(canon.get_column(GROUP).unique().to_list())
        result = plan.apply(canon.lazy()).collect()
        if errors is not None:
            bad = canon.get_column(BAD)
            statuses = set(self.outputs.entitlements)
            result = result.with_columns(
                [pl.when(bad).then(pl.lit(NOT_EVALUATED, dtype=STATUS) if c in statuses else None)
                 .otherwise(pl.col(c)).alias(c) for c in result.columns])
            result = result.with_columns(errors_column(errors, canon.height).alias("errors"))
        else:
            result = result.with_columns(pl.lit(None, dtype=ERRORS).alias("errors"))
        result = result.rename({PROVINCE: "province", DAY: "as_of"})
        if carried is not None:
            result = carried.hstack(result.get_columns())
        return result

    def _refused(self, raw: pl.DataFrame, canon: pl.DataFrame, lang: str
                 ) -> tuple[pl.DataFrame, Optional[pl.DataFrame]]:
        """The rows the strict fast path refused: those that may hold another common spelling (a null spelling, a
        text yes/no or number) read again leniently, the rest diagnosed column by column, and only the undecided
        ones validated one by one. Returns the canonical columns with the rows that turned out good put in
        place, and the errors as a flat table (None: no errors)."""
        schema = self.rulebase.schema
        bad = canon.get_column(BAD)
        sub, changed = null_spellings(raw.filter(bad))
        sub_canon = canon.filter(bad)
        retry = changed if changed is not None else pl.repeat(False, sub.height, eager=True)
        for f in FIELDS.values():  # text where a yes/no or a number is wanted: spellings the strict pass skips
            if f.kind in ("bool", "float", "int") and f.name in sub.columns and _is_string(sub.schema[f.name]):
                again = refused(sub, sub_canon, f)
                if f.kind != "bool":  # a number the strict pass read (and refused: out of range) reads the same
                    again = again & _unread_number(sub.get_column(f.name), f.kind)
                retry = retry | again
        if retry.any():
            second = fast_path(sub.filter(retry), self._places, schema, lenient=True)
            good = ~second.get_column(BAD)
            canon = _patch(canon, second.filter(good))
            sub_canon = _replace_rows(sub_canon, second)
            keep = ~sub_canon.get_column(BAD)
            sub, sub_canon = sub.filter(~keep), sub_canon.filter(~keep)
        if not sub.height:
            return canon, None
        flat, undecided = diagnose(sub, sub_canon, self._places, lang)
        parts = [flat]
        if undecided.any():
            clean, errors = slow_path(sub.filter(undecided), lang)
            if clean.height:
                canon = _patch(canon, fast_path(clean, self._places, schema, lenient=True))
            parts.append(flat_errors(errors))
        flat = pl.concat(parts)
        return canon, (with_messages(flat, lang) if flat.height else None)

    def evaluate(self, table: Any, as_of: Optional[dt.date | str] = None, columns: Sequence[str] = (),
                 lang: str = "zh") -> Any:
        """Evaluate an Arrow table, a pandas or a polars DataFrame; the result is of the same kind."""
        frame, kind = to_polars(table)
        result = self.evaluate_polars(frame, as_of=as_of, columns=columns, lang=lang)
        return from_polars(result, kind, table)


def _unread_number(texts: pl.Series, kind: str) -> pl.Series:
    """Texts the strict pass could not read as a number at all (the lenient pass reads them stripped)."""
    return texts.cast(pl.String).cast(pl.Int64 if kind == "int" else pl.Float64, strict=False).is_null()


def _patch(canon: pl.DataFrame, clean: pl.DataFrame) -> pl.DataFrame:
    """Put the validated rows (numbered by ``ROW``, which is their position) back in place."""
    at = clean.get_column(ROW).cast(pl.Int64)
    patched = [canon.get_column(c).scatter(at, clean.get_column(c).cast(canon.schema[c]))
               if c != ROW else canon.get_column(c) for c in canon.columns]
    return pl.DataFrame(patched)


def shown_names(names: Sequence[str]) -> list[str]:
    """Column names as an error may show them: names shaped like a field name in full, others not repeated (a
    header cell of another shape may be data, not a name)."""
    import re

    return [n if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,63}", n) else "(a column name not shaped like a field name)"
            for n in names]


def _replace_rows(frame: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the rows of ``rows`` (matched by ``ROW``; both in ``ROW`` order) replaced."""
    at = frame.get_column(ROW).search_sorted(rows.get_column(ROW)).cast(pl.Int64)
    return pl.DataFrame([frame.get_column(c).scatter(at, rows.get_column(c).cast(frame.schema[c]))
                         if c != ROW else frame.get_column(c) for c in frame.columns])


def to_polars(table: Any) -> tuple[pl.DataFrame, str]:
    """A polars frame for a polars, pandas or Arrow table, and which of them it was."""
    if isinstance(table, pl.DataFrame):
        return table, "polars"
    if isinstance(table, pl.LazyFrame):
        return table.collect(), "polars"
    module = type(table).__module__
    if module.startswith("pyarrow"):
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame, "arrow"
    if module.startswith("pandas"):
        return _from_pandas(table), "pandas"
    raise BatchInputError(f"not a table: {type(table).__name__} (polars, pandas or pyarrow)")


def _from_pandas(table: Any) -> pl.DataFrame:
    """pandas' missing values (NaN, None, NA, NaT) are unknowns. A column of Python objects is typed by what it
    holds: one kind of value gives a typed column; a mix keeps the objects, which then go through the exact
    row-by-row validation (no silent conversion of, say, an integer into a date)."""
    import pandas as pd

    columns: list[pl.Series] = []
    for name in table.columns:
        column = table[name]
        if column.dtype != object:
            typed = pl.from_pandas(column)
            assert isinstance(typed, pl.Series)
            columns.append(typed.alias(str(name)))
            continue
        values = [None if _missing(pd, v) else v for v in column.tolist()]
        kinds = {type(v) for v in values if v is not None}
        dtype = _OBJECT_TYPES.get(kinds.pop()) if len(kinds) == 1 else (pl.Null() if not kinds else None)
        if isinstance(dtype, pl.List):
            values = [list(v) if v is not None else None for v in values]
            if any(not isinstance(x, str) for v in values if v is not None for x in v):
                dtype = None
        try:
            series = pl.Series(str(name), values, dtype=dtype if dtype is not None else pl.Object(), strict=True)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            series = pl.Series(str(name), values, dtype=pl.Object())
        columns.append(series)
    return pl.DataFrame(columns) if columns else pl.DataFrame(height=len(table))


_OBJECT_TYPES: dict[type, pl.DataType] = {
    str: pl.String(), bool: pl.Boolean(), int: pl.Int64(), float: pl.Float64(), dt.date: pl.Date(),
    list: pl.List(pl.String()), tuple: pl.List(pl.String()), np.ndarray: pl.List(pl.String()),
}


def _missing(pd: Any, value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def from_polars(result: pl.DataFrame, kind: str, original: Any) -> Any:
    if kind == "polars":
        return result
    if kind == "arrow":
        return result.to_arrow()
    frame = result.to_pandas(use_pyarrow_extension_array=True)
    index = getattr(original, "index", None)
    if index is not None and len(index) == len(frame):
        frame.index = index
    return frame


_shared: Optional[BatchEvaluator] = None
_shared_lock = threading.Lock()


def shared_evaluator() -> BatchEvaluator:
    """One evaluator of the shipped rule base per process (compiled plans are shared)."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = BatchEvaluator().prepare()
    return _shared


def evaluate_table(table: Any, as_of: Optional[dt.date | str] = None, columns: Sequence[str] = (), lang: str = "zh",
                   evaluator: Optional[BatchEvaluator] = None) -> Any:
    """Evaluate a table of profiles (Arrow, pandas or polars): one result row per input row, same kind of table.

    Result columns: the ``columns`` carried over from the input, ``province`` (official name of the work
    province), ``as_of`` (the day evaluated), ``category``, ``employment_mode``, ``employer``, one column per
    entitlement id (``applies`` / ``pending`` / ``not_granted``; ``not_evaluated`` in a row with errors),
    ``amount.<entitlement>`` for the entitlements that have amounts, and ``errors`` (null, or the bad fields with
    their codes and messages; a bad row's other results are null).
    """
    used = evaluator or shared_evaluator()
    try:
        return used.evaluate(table, as_of=as_of, columns=columns, lang=lang)
    finally:
        used.forget_places()
