"""From a table of raw profiles to canonical fact columns, with every bad row reported in place.

Three steps, each on fewer rows than the one before:

1. the **strict** fast path validates whole columns at once and accepts only values that
   :class:`rights_engine.profile.WorkerProfile` surely accepts, in their commonest spellings (``true``,
   ``31``, ``2024-07-15``), with the value it would give;
2. the rows it refuses go through the **lenient** fast path: the usual spellings of "unknown" (an empty or blank
   text, ``NA``, ``null``, ``None``, ``NaN``, … see :data:`NULL_TEXTS`) become null, and every spelling the model
   accepts in a common form (``YES``, `` 31 ``) is read;
3. the rows still refused are diagnosed column by column (:mod:`._errors`): each bad value gets exactly the field
   name and code :class:`rights_engine.profile.ProfileError` gives it. Only a form the vectorised check cannot
   decide (``"31.0"`` as an age, ``"2024/07/15"``, a column of mixed Python objects) sends its row through
   :func:`rights_engine.profile.parse_profile` itself, one row at a time.

Places are resolved once per distinct (province, city) pair of texts, through ``parse_profile`` (the exact
semantics, its errors kept for the diagnosis); a text column of dates is converted once per distinct text and
gathered back (:func:`_by_distinct`), a text column of numbers read as numbers once (:func:`_number_once`).

Canonical columns (one per profile fact; null = unknown): enums as the validated text (or categorical) as
given, booleans, numbers as quantised floats, one boolean per problem, the place-derived facts ``hukou_in_work_province``,
``residence_in_work_province`` and ``work_prefecture``, and ``__re_province`` (the official name of the
work province).
"""

from __future__ import annotations

import datetime as dt
import threading
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional

import annotated_types
import numpy as np
import polars as pl

from ..facts import PROBLEMS, FactSpec
from ..places import province_names
from ..profile import MAX_DATE, MIN_DATE, FieldError, ProfileError, WorkerProfile, parse_profile

ROW = "__re_row"
PROVINCE = "__re_province"
BAD = "__re_bad"
PLACE_PREFIXES = ("work", "hukou", "residence")

Kind = Literal["enum", "bool", "float", "int", "date", "place", "problems"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    values: tuple[str, ...] = ()
    low: Optional[float] = None
    high: Optional[float] = None
    max_length: Optional[int] = None


def _fields() -> dict[str, Field]:
    """The profile's fields, read off :class:`WorkerProfile` (its types and constraints, not a copy)."""
    out: dict[str, Field] = {}
    for name, info in WorkerProfile.model_fields.items():
        inner = next(a for a in typing.get_args(info.annotation) if a is not type(None))
        low = next((float(typing.cast(float, m.ge)) for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
        high = next((float(typing.cast(float, m.le)) for m in info.metadata if isinstance(m, annotated_types.Le)),
                    None)
        max_length = next((int(m.max_length) for m in info.metadata if isinstance(m, annotated_types.MaxLen)), None)
        origin = typing.get_origin(inner)
        kind: Kind
        values: tuple[str, ...] = ()
        if origin is Literal:
            kind, values = "enum", tuple(typing.get_args(inner))
        elif origin is list:
            kind, values = "problems", tuple(typing.get_args(typing.get_args(inner)[0]))
        elif inner is bool:
            kind = "bool"
        elif inner is float:
            kind = "float"
        elif inner is int:
            kind = "int"
        elif inner is dt.date:
            kind = "date"
        elif inner is str:
            kind = "place"
        else:  # pragma: no cover - a new kind of field needs a fast path
            raise TypeError(f"no batch conversion for profile field {name}: {inner!r}")
        out[name] = Field(name, kind, values, low, high, max_length)
    return out


FIELDS: Mapping[str, Field] = _fields()
assert FIELDS["problems"].values == PROBLEMS

_STRINGS = (pl.String, pl.Categorical, pl.Enum)
_TRUE = ("1", "on", "t", "true", "y", "yes")
_FALSE = ("0", "off", "f", "false", "n", "no")
#: Exact cells a CSV reader may read as yes/no straight away (the model reads each so, as tests check): the spellings
#: above as written, in capitals and capitalised. A cell with anything else in it (a blank around it, ``Yes!``) is
#: not one of them: the column is then read as text and validated like any other.
YES_TEXTS = tuple(dict.fromkeys(s for t in _TRUE for s in (t, t.upper(), t.capitalize())))
NO_TEXTS = tuple(dict.fromkeys(s for t in _FALSE for s in (t, t.upper(), t.capitalize())))
#: The usual spellings of "unknown" in exported tables (compared stripped and lower-cased): read as null, except
#: where the text is a value of the field itself (``none`` is an engagement, a counterparty and an enrolment).
NULL_TEXTS = ("", "na", "n/a", "#n/a", "null", "none", "nan", "<na>", "nil")
DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"
#: The same as a CSV reader's exact null values (a blank cell is caught later, stripped).
CSV_NULLS = ("", "NA", "na", "N/A", "n/a", "#N/A", "NULL", "null", "Null", "None", "NaN", "nan", "<NA>", "nil")


def _is_string(dtype: object) -> bool:
    return isinstance(dtype, _STRINGS) or dtype in (pl.String, pl.Categorical)


def _is_int(dtype: pl.DataType) -> bool:
    return dtype.is_integer()


def _is_float(dtype: pl.DataType) -> bool:
    return dtype.is_float()


def quantise(values: pl.Series) -> pl.Series:
    """``round(x, 3)`` exactly as Python does it (``factset.quantise``), vectorised."""
    frame = pl.DataFrame({"x": values.cast(pl.Float64)})
    value, tie = _quantised(pl.col("x"))
    out = frame.select(value.alias("v"), tie.alias("t"))
    return _fix_ties(out.get_column("v"), out.get_column("t"), values).alias(values.name)


def _quantised(x: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(x rounded to the thousandth, "x is within a hair of a tie" — those are redone by Python's ``round``)."""
    scaled = x * 1000.0
    return (scaled.round(0) / 1000.0), ((scaled - scaled.floor()) - 0.5).abs() < 1e-6


def _fix_ties(value: pl.Series, tie: pl.Series, original: pl.Series) -> pl.Series:
    tie = tie.fill_null(False)
    if not tie.any():
        return value
    idx = tie.arg_true()
    exact = [None if v is None else round(float(v), 3) for v in original.cast(pl.Float64).gather(idx).to_list()]
    return value.scatter(idx, pl.Series(exact, dtype=pl.Float64))


@dataclass(frozen=True)
class Converter:
    """A field's canonical value as an expression: null where unknown, or where the fast path refuses the value."""

    value: pl.Expr
    tie: Optional[pl.Expr] = None  # numbers: near a rounding tie
    number: Optional[pl.Expr] = None  # numbers: the unrounded value
    ok: Optional[pl.Expr] = None  # when given: the value is accepted (else: the canonical value is not null)


def _refused(name: str, dtype: pl.DataType) -> Converter:
    return Converter(pl.lit(None, dtype=dtype))


def _enum(name: str, dtype: pl.DataType, f: Field, lenient: bool = False) -> Converter:
    """Enum values become a polars Enum of the field's domain (a flag is then a comparison of small integer codes);
    text outside the domain becomes null there, so the row is refused."""
    kind = pl.Enum(list(f.values))
    if not _is_string(dtype):
        return _refused(name, kind)
    return Converter(pl.col(name).cast(kind, strict=False))


def _bool(name: str, dtype: pl.DataType, f: Field, lenient: bool = False) -> Converter:
    col = pl.col(name)
    if dtype == pl.Boolean:
        return Converter(col)
    if _is_string(dtype):
        text = col.cast(pl.String)
        if lenient:
            mapping: dict[str, bool] = {**{t: True for t in _TRUE}, **{t: False for t in _FALSE}}
            value = text.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.Boolean)
        else:  # two comparisons of short texts: the cheapest way to the commonest spellings
            value = pl.when((text == "true") | (text == "True")).then(True).when(
                (text == "false") | (text == "False")).then(False)
    elif _is_int(dtype) or _is_float(dtype):
        value = pl.when(col == 1).then(True).when(col == 0).then(False).otherwise(None).cast(pl.Boolean)
    else:
        return _refused(name, pl.Boolean())
    return Converter(value)


def _number(name: str, dtype: pl.DataType, f: Field, lenient: bool = False) -> Converter:
    col = pl.col(name)
    if _is_string(dtype):
        # polars reads a number from exactly the texts the model reads one from (signs, exponents, inf and nan,
        # which are then refused as not finite), less underscores and surrounding blanks (stripped when lenient)
        text = col.cast(pl.String)
        if lenient:
            text = text.str.strip_chars()
        number = text.cast(pl.Int64 if f.kind == "int" else pl.Float64, strict=False).cast(pl.Float64)
    elif _is_int(dtype) or _is_float(dtype):
        number = col.cast(pl.Float64)
    else:
        return _refused(name, pl.Float64())
    ok = number.is_finite()
    if f.kind == "int":
        ok = ok & (number == number.floor())
    if f.low is not None:
        ok = ok & (number >= f.low)
    if f.high is not None:
        ok = ok & (number <= f.high)
    ok = ok.fill_null(False)
    value, tie = _quantised(number)
    return Converter(pl.when(ok).then(value), pl.when(ok).then(tie), number)


def _date(name: str, dtype: pl.DataType, f: Field, lenient: bool = False) -> Converter:
    col = pl.col(name)
    if dtype == pl.Date:
        day = col
    elif isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        day = pl.when(col.dt.truncate("1d") == col).then(col.dt.date())
    elif _is_string(dtype):
        # the parser alone also reads 2024-7-15 and blanks inside, which the model refuses
        text = col.cast(pl.String)
        day = pl.when(text.str.contains(DATE_TEXT)).then(text).str.to_date("%Y-%m-%d", strict=False)
    else:
        return _refused(name, pl.Date())
    ok = ((day >= MIN_DATE) & (day <= MAX_DATE)).fill_null(False)
    return Converter(pl.when(ok).then(day))


def decode_problems(col: pl.Series) -> pl.Series:
    """A text column of problems (CSV): a JSON-style array ``["deposit", "no_rest"]`` or ``deposit;no_rest``
    (``;``, ``,``, ``|`` or spaces between ids); ``[]`` is no problem, a null cell or a spelling of "unknown" (an
    empty text, ``NA``, … :data:`NULL_TEXTS`) is unknown. (Dask's default string conversion turns a list column
    into such text: it is read back the same way.)

    The commonest forms, ids between semicolons and ``[]``, are split at once; a cell with anything else in it
    (an item that is not a problem id) is decoded in full. A big column of few distinct texts is decoded once per
    distinct text and gathered back (measured on 1M CSV rows: 0.038 CPU-s against 0.068)."""
    return problem_lists(col)[0]


def problem_lists(col: pl.Series) -> tuple[pl.Series, Optional[pl.Series]]:
    """:func:`decode_problems`, and, when the column was decoded once per distinct text, each row's :data:`BITS`:
    the fast path's sum of its problems' bits (null: unknown, or a list it refuses), computed per distinct text
    too and gathered back as one small integer a row, so that :func:`fast_path` (given it) need not look at the
    rows' lists again (measured on a 272k-row CSV chunk: 12 ms for the lists, 1 ms for the gather). None when the
    lists were decoded row by row."""
    text = col.cast(pl.String)
    found = _distinct_codes(text)
    if found is not None and found[0].len() < text.len():
        distinct, codes = found
        lists = decode_problems(distinct).alias(col.name)
        first, second, _ = _problems(col.name, lists.dtype, FIELDS["problems"])
        bits = lists.to_frame().select(first).select(second).get_column(BITS)
        return lists.gather(codes), bits.gather(codes)
    return _decode_problems_rows(text).alias(col.name), None


def _decode_problems_rows(text: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"t": text})
    none = pl.lit(pl.Series([[]], dtype=pl.List(pl.String))).first()
    quick = frame.select(pl.when(pl.col("t") == "[]").then(none).otherwise(pl.col("t").str.split(";")).alias("items"))
    kind = pl.Enum(list(FIELDS["problems"].values))
    odd = quick.select(pl.col("items").cast(pl.List(kind), strict=False).list.eval(pl.element().is_null())
                       .list.any().fill_null(False)).to_series()
    if not odd.any():
        return quick.get_column("items")
    full = _decode_problems_fully(text.filter(odd))
    # each odd row's place among the odd ones (lists cannot be scattered into place)
    position = (odd.cast(pl.Int64).cum_sum() - 1).clip(lower_bound=0)
    return pl.select(pl.when(pl.lit(odd)).then(pl.lit(full).gather(pl.lit(position)))
                     .otherwise(pl.lit(quick.get_column("items")))).to_series()


def _decode_problems_fully(text: pl.Series) -> pl.Series:
    stripped = text.str.strip_chars()
    known = pl.when(~stripped.str.to_lowercase().is_in(NULL_TEXTS)).then(stripped)
    body = known.str.strip_prefix("[").str.strip_suffix("]")
    items = body.str.replace_all(r"[\"']", "").str.replace_all(r"[;,|\s]+", "\x1f").str.split("\x1f")
    cleaned = pl.select(items.list.eval(pl.element().str.strip_chars().filter(pl.element().str.len_bytes() > 0)))
    return cleaned.to_series()


def null_spellings(raw: pl.DataFrame) -> tuple[pl.DataFrame, Optional[pl.Series]]:
    """``raw`` with the spellings of "unknown" in its text columns (:data:`NULL_TEXTS`, stripped and lower-cased)
    made null, and which rows changed (None: none did). Each column's distinct texts are looked at once."""
    texts = [c for c in raw.columns if c in FIELDS and _is_string(raw.schema[c])]
    if not texts or not raw.height:
        return raw, None
    changes: list[pl.Expr] = []
    found: list[pl.Expr] = []
    distinct = raw.select(pl.col(c).cast(pl.String).unique().drop_nulls().implode() for c in texts).row(0)
    for c, seen in zip(texts, distinct, strict=True):
        values = set(FIELDS[c].values)
        hits = [t for t in seen if t.strip().lower() in NULL_TEXTS and t not in values]
        if hits:
            text = pl.col(c).cast(pl.String)
            changes.append(pl.when(text.is_in(hits)).then(None).otherwise(text).alias(c))
            found.append(text.is_in(hits))
    if not changes:
        return raw, None
    return raw.with_columns(changes), raw.select(pl.any_horizontal(found)).to_series()


ITEMS = "__re_items"
BITS = "__re_bits"


def _problems(name: str, dtype: pl.DataType, f: Field) -> list[list[pl.Expr]]:
    """One boolean per problem (all null = the list is unknown, or refused: an unknown item, a problem listed
    twice, a list too long; those go the slow way), in three steps: the items as enum codes; the sum of their
    bits (as many bits set as items exactly when no item is listed twice); the booleans."""
    kind = pl.Enum(list(f.values))
    if isinstance(dtype, (pl.List, pl.Array)) and (_is_string(dtype.inner) or dtype.inner == pl.Null):
        items = pl.col(ITEMS)
        bits = items.list.eval(pl.lit(2, dtype=pl.UInt32).pow(pl.element().to_physical())).list.sum().cast(pl.UInt32)
        ok = ~items.list.eval(pl.element().is_null()).list.any() & (bits.bitwise_count_ones() == items.list.len())
        if f.max_length is not None:
            ok = ok & (items.list.len() <= f.max_length)
        return [
            [pl.col(name).cast(pl.List(pl.String)).cast(pl.List(kind), strict=False).alias(ITEMS)],
            [pl.when(ok.fill_null(False)).then(bits).alias(BITS)],
            [pl.when(pl.col(BITS).is_not_null()).then((pl.col(BITS) & (1 << i)) != 0).alias(f"problem_{p}")
             for i, p in enumerate(f.values)],
        ]
    return [[], [], [pl.lit(None, dtype=pl.Boolean).alias(f"problem_{p}") for p in f.values]]


@dataclass(frozen=True)
class PlaceInfo:
    province: Optional[str]  # official name; None: no place given
    work_prefecture: Optional[str]  # the work_prefecture fact when known (work places only)


#: Official names of the province-level divisions: the type of the ``province`` column.
PROVINCES = pl.Enum(province_names())


def _pair_table(infos: Sequence[Optional[PlaceInfo]], prefecture: pl.DataType) -> pl.DataFrame:
    """One row per resolved (province, city) pair: ok (valid), province, work_prefecture."""
    return pl.DataFrame(
        {"ok": [i is not None for i in infos], "province": [i.province if i else None for i in infos],
         "work_prefecture": [i.work_prefecture if i else None for i in infos]},
        schema={"ok": pl.Boolean, "province": PROVINCES, "work_prefecture": prefecture})


@dataclass(frozen=True)
class _Known:
    """The place texts met so far for one kind of place, and the pairs of them resolved so far.

    A row's pair is found by arithmetic: each text is cast to an Enum of the texts met (0 = none, else code + 1),
    ``key = province code * (len(cities) + 1) + city code``, and ``slots[key]`` is the pair's row in ``table``
    (-1: not resolved yet)."""

    provinces: tuple[str, ...]
    cities: tuple[str, ...]
    slots: np.ndarray
    table: pl.DataFrame

    def codes(self, texts: Optional[pl.Series], known: tuple[str, ...], n: int) -> np.ndarray:
        """Each row's code among ``known`` (0: no text, or a text not known yet); zeros when there is no column."""
        if texts is None or not known:
            return np.zeros(n, dtype=np.int64)
        return (texts.cast(pl.Enum(list(known)), strict=False).to_physical().cast(pl.Int64) + 1).fill_null(
            0).to_numpy()

    def key(self, provinces: Optional[pl.Series], cities: Optional[pl.Series], n: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Province codes, city codes and the pair's key (its index in ``slots``), per row."""
        p = self.codes(provinces, self.provinces, n)
        c = self.codes(cities, self.cities, n)
        return p, c, p * (len(self.cities) + 1) + c


#: Beyond these many distinct texts (garbage input, say), places are matched by a join on the texts instead.
MAX_KNOWN_TEXTS = 4096
MAX_SLOTS = 1 << 22


class PlaceResolver:
    """Resolves each distinct (province, city) pair once, through ``parse_profile`` (the exact semantics)."""

    def __init__(self, work_prefecture_of: Any, prefecture: pl.DataType) -> None:
        self._cache: dict[tuple[str, Optional[str], Optional[str]], Optional[PlaceInfo]] = {}
        self._work_prefecture_of = work_prefecture_of
        self._prefecture = prefecture
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop every place text met so far (called when a table or file is done: no typed text outlives it).
        A thread still evaluating keeps the tables it holds; it only resolves its new pairs again."""
        with self._lock:
            self._cache = {}
            self._known = {}

    def info(self, prefix: str, province: Optional[str], city: Optional[str]) -> Optional[PlaceInfo]:
        key = (prefix, province, city)
        if key not in self._cache:
            self._cache[key] = self._resolve(prefix, province, city)
        return self._cache[key]

    @staticmethod
    def errors(prefix: str, province: Optional[str], city: Optional[str], lang: str) -> list[FieldError]:
        """The errors ``parse_profile`` gives the pair, with its messages in ``lang`` (none when it resolves).
        Asked again each time (for the distinct bad pairs of a chunk): nothing typed is kept for it."""
        try:
            parse_profile({f"{prefix}_province": province, f"{prefix}_city": city}, lang)
        except ProfileError as exc:
            return exc.errors
        return []

    def _resolve(self, prefix: str, province: Optional[str], city: Optional[str]) -> Optional[PlaceInfo]:
        try:
            _, places = parse_profile({f"{prefix}_province": province, f"{prefix}_city": city})
        except ProfileError:
            return None
        place = getattr(places, prefix)
        if place is None:
            return PlaceInfo(None, None)
        wp = self._work_prefecture_of(places) if prefix == "work" else None
        return PlaceInfo(place.province, wp)

    def columns(self, raw: pl.DataFrame, prefix: str) -> tuple[pl.DataFrame, pl.Series]:
        """Per row: province (official name, null when no place is given) and work_prefecture; and the rows to
        send the slow way (a place that does not resolve, or a place column that is not text)."""
        names = (f"{prefix}_province", f"{prefix}_city")
        texts: list[Optional[pl.Series]] = []
        refused: list[pl.Expr] = []
        for c in names:
            dtype = raw.schema[c] if c in raw.columns else pl.Null()
            if c in raw.columns and _is_string(dtype):
                texts.append(raw.get_column(c).cast(pl.String))
            else:
                texts.append(None)
                if c in raw.columns and dtype != pl.Null:
                    refused.append(pl.col(c).is_not_null())
        found = self._by_codes(prefix, texts[0], texts[1], raw.height)
        if found is None:
            found = self._by_join(prefix, texts[0], texts[1], raw.height)
        bad = ~found.get_column("ok")
        if refused:
            bad = bad | raw.select(pl.any_horizontal(refused)).to_series()
        return found.drop("ok"), bad

    def _by_codes(self, prefix: str, provinces: Optional[pl.Series], cities: Optional[pl.Series], n: int
                  ) -> Optional[pl.DataFrame]:
        known = self._known.get(prefix) or self._grown(prefix, None, [], [])
        p, c, key = known.key(provinces, cities, n)
        new_p = _unmatched(provinces, p)
        new_c = _unmatched(cities, c)
        if new_p or new_c:
            if len(known.provinces) + len(new_p) > MAX_KNOWN_TEXTS or len(known.cities) + len(new_c) > MAX_KNOWN_TEXTS:
                return None
            known = self._grown(prefix, known, new_p, new_c)
            _, _, key = known.key(provinces, cities, n)
        width = len(known.cities) + 1
        slots = known.slots[key]
        if (slots < 0).any():
            keys = np.unique(key[slots < 0])
            pairs = [(known.provinces[k // width - 1] if k // width else None,
                      known.cities[k % width - 1] if k % width else None) for k in keys.tolist()]
            known = self._resolved(prefix, known, keys, pairs)
            slots = known.slots[key]
        return known.table[pl.Series(slots)]

    def _grown(self, prefix: str, known: Optional[_Known], provinces: list[str], cities: list[str]) -> _Known:
        """``known`` with new texts (and its resolved pairs moved to their new keys)."""
        with self._lock:
            current = self._known.get(prefix)
            base = current if current is not None else known
            if known is not None and base is not known:
                # another thread stored its own table meanwhile, which may lack texts this one already met (a table
                # stored by _resolved from an older one): keep them, or their rows would read as "no place given"
                provinces = [*known.provinces, *provinces]
                cities = [*known.cities, *cities]
            p = _extended(base.provinces if base else (), provinces)
            c = _extended(base.cities if base else (), cities)
            slots = np.full((len(p) + 1) * (len(c) + 1), -1, dtype=np.int32)
            table = base.table if base else _pair_table([], self._prefecture)
            if base is not None:
                old_width = len(base.cities) + 1
                filled = np.flatnonzero(base.slots >= 0)
                # texts keep their codes when the lists grow: only the row width changes
                slots[(filled // old_width) * (len(c) + 1) + filled % old_width] = base.slots[filled]
            grown = _Known(p, c, slots, table)
            if len(slots) <= MAX_SLOTS:
                self._known[prefix] = grown
            return grown

    def _resolved(self, prefix: str, known: _Known, keys: np.ndarray,
                  pairs: list[tuple[Optional[str], Optional[str]]]) -> _Known:
        infos = [self.info(prefix, p, c) for p, c in pairs]
        with self._lock:
            current = self._known.get(prefix)
            if current is not None and current.provinces == known.provinces and current.cities == known.cities:
                known = current  # another thread may have resolved pairs meanwhile: keep them
            slots = known.slots.copy()
            todo = slots[keys] < 0
            slots[keys[todo]] = np.arange(known.table.height, known.table.height + int(todo.sum()), dtype=np.int32)
            added = _pair_table([i for i, t in zip(infos, todo.tolist(), strict=True) if t], self._prefecture)
            result = _Known(known.provinces, known.cities, slots, pl.concat([known.table, added]))
            if len(slots) <= MAX_SLOTS:
                self._known[prefix] = result
            return result

    def _by_join(self, prefix: str, provinces: Optional[pl.Series], cities: Optional[pl.Series], n: int
                 ) -> pl.DataFrame:
        """Many distinct texts: the distinct pairs of this chunk are resolved and joined (nothing is kept)."""
        names = ["p", "c"]
        texts = pl.DataFrame([provinces.alias("p") if provinces is not None else pl.Series("p", [None] * n,
                                                                                            dtype=pl.String),
                              cities.alias("c") if cities is not None else pl.Series("c", [None] * n,
                                                                                     dtype=pl.String)])
        pairs = texts.unique()
        table = pairs.hstack(_pair_table([self.info(prefix, p, c) for p, c in pairs.iter_rows()],
                                         self._prefecture).get_columns())
        return texts.join(table, on=names, how="left", nulls_equal=True, maintain_order="left").drop(names)


def _extended(texts: tuple[str, ...], more: Iterable[str]) -> tuple[str, ...]:
    """``texts`` and then each text of ``more`` not among them, once, in order."""
    old = set(texts)
    return (*texts, *[t for t in dict.fromkeys(more) if t not in old])


def _unmatched(texts: Optional[pl.Series], codes: np.ndarray) -> list[str]:
    """The texts (given, not null) that have no code yet."""
    if texts is None:
        return []
    missing = texts.is_not_null().to_numpy() & (codes == 0)
    if not missing.any():
        return []
    return sorted(texts.filter(pl.Series(missing)).unique().to_list())


#: A text column of dates is converted once per distinct text (and gathered back) when it has at most one distinct
#: text in this many rows: a date matched, parsed and range-checked per row costs several times the gather
#: (measured on 1M CSV rows in 262k-row chunks: 0.20 CPU-s row by row, 0.03 per distinct text).
DISTINCT_SHARE = 8
#: Fewer rows than this: converted row by row (the encoding would cost more than it saves).
DISTINCT_MIN_ROWS = 4096


def _by_distinct(texts: pl.Series, conv: Converter, extra: list[pl.Series]) -> Converter:
    """``conv`` computed on the distinct texts of ``texts`` and gathered back to every row (the same values, row
    by row, as ``conv`` itself gives): the columns are appended to ``extra`` and the converter returned reads them.

    The distinct texts and each row's place among them come from one pass of Arrow's dictionary encoding (a null
    text: a null place, so a null value): cheaper than polars' unique() and a cast to an Enum of them, two passes
    (measured on 1M CSV rows: 0.031 CPU-s a column against 0.047)."""
    found = _distinct_codes(texts)
    if found is None:
        return conv
    distinct, codes = found
    name = texts.name
    parts = {"value": conv.value, "tie": conv.tie, "number": conv.number, "ok": conv.ok}
    columns = {part: f"__re_{part}:{name}" for part, expr in parts.items() if expr is not None}
    table = distinct.to_frame().select(*(expr.alias(columns[part]) for part, expr in parts.items() if expr is not None))
    extra += [table.get_column(c).gather(codes) for c in columns.values()]
    read = {part: pl.col(column) for part, column in columns.items()}
    return Converter(read["value"], read.get("tie"), read.get("number"), read.get("ok"))


def _distinct_codes(texts: pl.Series) -> Optional[tuple[pl.Series, pl.Series]]:
    """The distinct texts of a text column (null left out) and each row's place among them (null for a null), when
    the column has at least :data:`DISTINCT_MIN_ROWS` rows and one distinct text in :data:`DISTINCT_SHARE` rows or
    fewer (else None); one pass of Arrow's dictionary encoding."""
    if texts.len() < DISTINCT_MIN_ROWS:
        return None
    import pyarrow as pa

    from ._arrow import dictionary_encode

    encoded = dictionary_encode(texts.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.newest()))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    if len(encoded.dictionary) * DISTINCT_SHARE > texts.len():
        return None
    distinct = pl.Series(texts.name, pl.from_arrow(encoded.dictionary), dtype=pl.String)
    return distinct, pl.Series(pl.from_arrow(encoded.indices)).cast(pl.UInt32)


def _number_once(raw: pl.DataFrame, f: Field, lenient: bool, extra: list[pl.Series]) -> Converter:
    """A text column of numbers: the text read as a number once (appended to ``extra``), and the number checked and
    rounded from there, exactly as :func:`_number` does from the text itself. (Within one eager ``select`` the
    reading would be done again for every expression that uses it: the value, its tie and the number; measured on
    1M CSV rows: 0.024 CPU-s a column against 0.055 per distinct text and 0.10-0.14 row by row.)"""
    conv = _number(f.name, raw.schema[f.name], f, lenient)
    assert conv.number is not None
    column = f"__re_read:{f.name}"
    extra.append(raw.select(conv.number.alias(column)).to_series())
    return _number(column, pl.Float64(), f)


def place_flag(prefix: str) -> str:
    """The fast path's column "this row's ``prefix`` place is refused" (it does not resolve, or is not text)."""
    return f"__re_place:{prefix}"


CONVERTERS: dict[str, Callable[[str, pl.DataType, Field, bool], Converter]] = {
    "enum": _enum, "bool": _bool, "float": _number, "int": _number, "date": _date}


def fast_path(raw: pl.DataFrame, places: PlaceResolver, schema: Mapping[str, FactSpec], lenient: bool = False,
              problem_bits: Optional[pl.Series] = None) -> pl.DataFrame:
    """Canonical columns for every row of ``raw`` (which has ``ROW``), and ``BAD``: the rows refused.

    A value is refused exactly when it is there (not null) and its canonical value is not. ``lenient``: read every
    common spelling (for the rows the strict pass refused). ``problem_bits``: each row's sum of its problems' bits,
    already computed from the ``problems`` column of ``raw`` (:func:`problem_lists`).
    """
    exprs: list[pl.Expr] = [pl.col(ROW)]
    extra: list[pl.Series] = []  # columns computed once per distinct text (see _by_distinct)
    later: list[list[pl.Expr]] = [[], []]  # steps that read the columns of the step before
    checks: list[pl.Expr] = []
    numbers: list[str] = []
    for f in FIELDS.values():
        if f.kind == "place":
            continue
        dtype = raw.schema[f.name] if f.name in raw.columns else pl.Null()
        present = f.name in raw.columns and dtype != pl.Null
        canonical = f"problem_{f.values[0]}" if f.kind == "problems" else f.name
        if f.kind == "problems":
            if present:
                exprs.append(pl.col(f.name).is_not_null().alias(f"__re_given:{f.name}"))
                checks.append(pl.col(f"__re_given:{f.name}") & pl.col(canonical).is_null())
            first, second, third = _problems(f.name, dtype if present else pl.Null(), f)
            if present and problem_bits is not None:  # the same sums, computed per distinct text
                extra.append(problem_bits.alias(BITS))
                exprs.append(pl.col(BITS))
            else:
                exprs += first
                later[0] += second
            later[1] += third
            continue
        if not present:
            exprs.append(pl.lit(None, dtype=_CANONICAL[f.kind](f)).alias(f.name))
            continue
        conv = CONVERTERS[f.kind](f.name, dtype, f, lenient)
        if f.kind == "date" and _is_string(dtype):
            conv = _by_distinct(raw.get_column(f.name), conv, extra)
        elif f.kind in ("float", "int") and _is_string(dtype):
            conv = _number_once(raw, f, lenient, extra)
        exprs.append(conv.value.alias(f.name))
        given = pl.col(f"__re_given:{f.name}")
        if conv.ok is not None:
            exprs.append((pl.col(f.name).is_not_null() & ~conv.ok.fill_null(False)).alias(f"__re_given:{f.name}"))
            checks.append(given)
        else:
            exprs.append(pl.col(f.name).is_not_null().alias(f"__re_given:{f.name}"))
            checks.append(given & pl.col(canonical).is_null())
        if conv.tie is not None and conv.number is not None:
            numbers.append(f.name)
            exprs += [conv.tie.alias(f"__re_tie:{f.name}"), conv.number.alias(f"__re_num:{f.name}")]
    out = raw.hstack(extra).select(exprs) if extra else raw.select(exprs)
    for step in later:
        if step:
            out = out.with_columns(step)
    out = out.with_columns((pl.any_horizontal(checks) if checks else pl.lit(False)).fill_null(True).alias(BAD))
    fixes = [_fix_ties(out.get_column(n), out.get_column(f"__re_tie:{n}"), out.get_column(f"__re_num:{n}")).alias(n)
             for n in numbers]
    temporary = [c for c in out.columns if c.startswith(("__re_tie:", "__re_num:", "__re_given:")) or c in (ITEMS, BITS)]
    out = out.with_columns(fixes).drop(*temporary)
    resolved: dict[str, pl.DataFrame] = {}
    wrong_places: list[pl.Series] = []
    bad = out.get_column(BAD)
    for prefix in PLACE_PREFIXES:
        resolved[prefix], wrong = places.columns(raw, prefix)
        bad = bad | wrong
        wrong_places.append(wrong.alias(place_flag(prefix)))
    work = resolved["work"]
    derived: list[pl.Series] = []
    for prefix in ("hukou", "residence"):  # null unless both places are given
        same = work.get_column("province") == resolved[prefix].get_column("province")
        derived.append(same.alias(f"{prefix}_in_work_province"))
    derived += [
        work.get_column("work_prefecture").alias("work_prefecture"),
        work.get_column("province").alias(PROVINCE),
        bad.alias(BAD),
        *wrong_places,
    ]
    return out.with_columns(derived)


_CANONICAL: dict[str, Any] = {
    "enum": lambda f: pl.Enum(list(f.values)),
    "bool": lambda f: pl.Boolean(),
    "float": lambda f: pl.Float64(),
    "int": lambda f: pl.Float64(),
    "date": lambda f: pl.Date(),
}


def _clean_schema() -> dict[str, pl.DataType]:
    """The column types of validated profiles (``WorkerProfile.model_dump()``)."""
    types: dict[Kind, pl.DataType] = {
        "enum": pl.String(), "bool": pl.Boolean(), "float": pl.Float64(), "int": pl.Int64(), "date": pl.Date(),
        "place": pl.String(), "problems": pl.List(pl.String()),
    }
    return {name: types[f.kind] for name, f in FIELDS.items()}


def _python_value(value: Any) -> Any:
    if isinstance(value, pl.Series):
        return value.to_list()
    return value


def slow_path(raw: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, dict[int, list[FieldError]]]:
    """Validate the rows of ``raw`` one by one with ``parse_profile``: the accepted ones in validated form, and
    the errors of the others by row number."""
    clean: list[dict[str, Any]] = []
    errors: dict[int, list[FieldError]] = {}
    names = [c for c in raw.columns if c in FIELDS]
    for row in raw.select(ROW, *names).iter_rows(named=True):
        number = int(row.pop(ROW))
        try:
            profile, _ = parse_profile({k: _python_value(v) for k, v in row.items()}, lang)
        except ProfileError as exc:
            errors[number] = exc.errors
            continue
        data = profile.model_dump()
        if data["problems"] is not None:  # a problem listed twice is the same fact
            data["problems"] = list(dict.fromkeys(data["problems"]))
        data[ROW] = number
        clean.append(data)
    schema = {ROW: raw.schema[ROW], **_clean_schema()}
    return pl.DataFrame(clean, schema=schema, orient="row") if clean else pl.DataFrame(schema=schema), errors


def errors_column(flat: pl.DataFrame, n: int) -> pl.Series:
    """The ``errors`` column of ``n`` rows from a flat table of errors (row ``r``, sort ``key``, field, code,
    message): row ``r``'s errors in key order, null for a row without errors. Grouped and gathered into place,
    not built row by row."""
    lists = flat.sort("r", "key").group_by("r", maintain_order=True).agg(
        pl.struct("field", "code", "message").alias("errors"))
    position = np.full(n, -1, dtype=np.int64)
    position[lists.get_column("r").to_numpy()] = np.arange(lists.height)
    index = pl.select(pl.when(pl.lit(position) >= 0).then(pl.lit(position))).to_series()
    return lists.get_column("errors").cast(ERRORS).gather(index).alias("errors")


ERRORS = pl.List(pl.Struct({"field": pl.String, "code": pl.String, "message": pl.String}))
