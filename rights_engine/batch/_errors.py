"""Bad rows diagnosed column by column, with exactly the field names and codes :class:`ProfileError` gives.

:func:`diagnose` gets the rows both fast passes refused. For each field it finds, with polars expressions, the
code the model gives the value (``literal_error``, ``bool_parsing``, ``less_than_equal``, ``date_range``, …;
the forms and codes were read off pydantic's behaviour and are checked against ``evaluate()`` by the
differential tests). A value whose code the vectorised check cannot be sure of (``"31.0"`` as an age,
``"2024/07/15"``, a mixed column of Python objects, a list that only repeats a problem) leaves its row
*undecided*: the caller sends that row through ``parse_profile`` itself.

The order of a row's errors is ``ProfileError``'s: the model's errors in field order (a problem's items in
list order), then the places that do not resolve (work, hukou, residence), skipping a pair whose field the
model already refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional

import polars as pl

from ..profile import FieldError, field_message
from ._normalise import (
    DATE_TEXT,
    FIELDS,
    PLACE_PREFIXES,
    ROW,
    Field,
    PlaceResolver,
    _is_float,
    _is_int,
    _is_string,
    place_flag,
)

#: Errors a place pair can get from the model itself (ordered among the fields); the others come from resolving it.
MODEL_PLACE_CODES = frozenset({"string_too_long", "string_type"})
#: A row's errors sort by this key: the model's errors by field (then item), then the places' by pair.
_ORDER = {name: i for i, name in enumerate(FIELDS)}
_PLACES_AFTER = 100_000
_ITEMS = 1_000
#: The columns of a flat error table: one row per error.
FLAT = {"r": pl.Int64, "key": pl.Int64, "field": pl.String, "code": pl.String, "message": pl.String}
_BIG = 1e15  # a float of an int field beyond this: the model's own overflow handling decides


def _range(x: pl.Expr, f: Field) -> pl.Expr:
    code: pl.Expr = pl.lit(None, dtype=pl.String)
    if f.high is not None:
        code = pl.when(x > f.high).then(pl.lit("less_than_equal")).otherwise(code)
    if f.low is not None:
        code = pl.when(x < f.low).then(pl.lit("greater_than_equal")).otherwise(code)
    return code


def _number_code(f: Field, dtype: pl.DataType) -> Optional[pl.Expr]:
    col = pl.col(f.name)
    whole = f.kind == "int"
    if dtype == pl.Boolean:
        return pl.lit("int_type" if whole else "float_type")
    if _is_int(dtype):
        return _range(col.cast(pl.Float64), f)
    if _is_float(dtype):
        x = col.cast(pl.Float64)
        code = _range(x, f)
        if whole:
            code = pl.when(x.abs() > _BIG).then(None).when(x != x.floor()).then(pl.lit("int_from_float")).otherwise(
                code)
        return pl.when(~x.is_finite()).then(pl.lit("finite_number")).otherwise(code)
    if _is_string(dtype):
        text = col.cast(pl.String).str.strip_chars()
        x = text.cast(pl.Int64 if whole else pl.Float64, strict=False).cast(pl.Float64)
        parsed = pl.when(~x.is_finite()).then(pl.lit("finite_number")).otherwise(_range(x, f))
        # not a number in any spelling the model reads: no digit, or a character no number has
        allowed = r"[^0-9+\-._]" if whole else r"[^0-9+\-._eE]"
        surely_not = text.str.contains(allowed) | ~text.str.contains(r"[0-9]")
        if not whole:
            surely_not = surely_not & ~text.str.to_lowercase().str.contains("inf|nan")
        unparsed = pl.when(surely_not).then(pl.lit("int_parsing" if whole else "float_parsing"))
        return pl.when(x.is_not_null()).then(parsed).otherwise(unparsed)
    return None


def _bool_code(f: Field, dtype: pl.DataType) -> Optional[pl.Expr]:
    col = pl.col(f.name)
    if _is_string(dtype) or _is_int(dtype):
        return pl.lit("bool_parsing")  # a text outside the spellings, an integer other than 0 and 1
    if _is_float(dtype):
        x = col.cast(pl.Float64)
        return (pl.when(x.is_nan() | (x.is_finite() & (x != x.floor()))).then(pl.lit("bool_type"))
                .when(x.is_finite()).then(pl.lit("bool_parsing")))
    return None


def _date_code(f: Field, dtype: pl.DataType) -> Optional[pl.Expr]:
    col = pl.col(f.name)
    if dtype == pl.Date:
        return pl.lit("date_range")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        midnight = col.dt.truncate("1d") == col
        return pl.when(midnight).then(pl.lit("date_range")).otherwise(pl.lit("date_from_datetime_inexact"))
    if _is_string(dtype):
        text = col.cast(pl.String)
        day = pl.when(text.str.contains(DATE_TEXT)).then(text).str.to_date("%Y-%m-%d", strict=False)
        return (pl.when(day.is_not_null()).then(pl.lit("date_range"))
                .when(~text.str.contains(r"[0-9]")).then(pl.lit("date_from_datetime_parsing")))
    return None


def _field_code(f: Field, dtype: pl.DataType) -> Optional[pl.Expr]:
    """The code of a value of ``f`` the fast path refused (null: undecided); None: no value of this column type
    is decided here."""
    if dtype == pl.Object:
        return None
    if f.kind == "enum":
        return pl.lit("literal_error")  # any value outside the domain, of any type
    if f.kind == "bool":
        return _bool_code(f, dtype)
    if f.kind in ("float", "int"):
        return _number_code(f, dtype)
    if f.kind == "date":
        return _date_code(f, dtype)
    return None  # pragma: no cover - places and problems are diagnosed on their own


def refused(raw: pl.DataFrame, canon: pl.DataFrame, f: Field) -> pl.Series:
    """Rows where ``f``'s value is there and the fast path gave no canonical value (it refused the value)."""
    return raw.get_column(f.name).is_not_null() & canon.get_column(_canonical(f)).is_null()


def _canonical(f: Field) -> str:
    """The fast path's column that is null where it refused ``f``."""
    return f"problem_{f.values[0]}" if f.kind == "problems" else f.name


def diagnose(raw: pl.DataFrame, canon: pl.DataFrame, places: PlaceResolver, lang: str
             ) -> tuple[pl.DataFrame, pl.Series]:
    """The errors of the refused rows ``raw`` (with ``ROW``, null spellings already null; ``canon``: the fast path's
    columns for the same rows), as a flat table (:data:`FLAT`: row, sort key, field, code, message; each message
    worded once per field and code, not per row), and which rows are
    undecided (their errors are not in the table). Each column is looked at only in the rows that refused it."""
    rows = raw.get_column(ROW).cast(pl.Int64)
    parts: list[pl.DataFrame] = []
    stuck: list[pl.Series] = []
    looked = [f for f in FIELDS.values()
              if f.kind != "place" and f.name in raw.columns and raw.schema[f.name] != pl.Null]
    # which columns refused a value anywhere, in one pass over all of them
    both = pl.DataFrame([*(raw.get_column(f.name).alias(f"r{i}") for i, f in enumerate(looked)),
                         *(canon.get_column(_canonical(f)).alias(f"c{i}") for i, f in enumerate(looked))])
    anywhere = both.select((pl.col(f"r{i}").is_not_null() & pl.col(f"c{i}").is_null()).any().alias(str(i))
                           for i in range(len(looked))).row(0) if looked else ()
    for f, hit in zip(looked, anywhere, strict=True):
        if not hit:
            continue
        mask = refused(raw, canon, f)
        dtype = raw.schema[f.name]
        bad = raw.select(ROW, f.name).filter(mask)  # only the column looked at: a filter copies what it keeps
        if f.kind == "problems":
            found, undecided = _problems(bad, dtype, lang)
        else:
            found, undecided = _codes(bad, f, dtype, lang)
        if found is not None:
            parts.append(found)
        stuck.append(undecided)
    for prefix in PLACE_PREFIXES:
        mask = canon.get_column(place_flag(prefix))
        if mask.any():
            pair = [c for c in (f"{prefix}_province", f"{prefix}_city") if c in raw.columns]
            found, undecided = _places(raw.select(ROW, *pair).filter(mask), prefix, places, lang)
            if found is not None:
                parts.append(found)
            stuck.append(undecided)
    flat = pl.concat(parts) if parts else pl.DataFrame(schema=FLAT)
    # a refused row with no error found is not understood here: the exact path decides it
    undecided_rows = pl.concat([*stuck, rows.filter(~rows.is_in(flat.get_column("r").unique().implode()))])
    is_stuck = rows.is_in(undecided_rows.implode())
    flat = flat.filter(~pl.col("r").is_in(undecided_rows.implode()))
    return flat, is_stuck.alias("undecided")


def _codes(bad: pl.DataFrame, f: Field, dtype: pl.DataType, lang: str) -> tuple[Optional[pl.DataFrame], pl.Series]:
    """The rows ``bad`` refused ``f``: their (row, key, field, code, message), and the rows whose code is not
    decided. Each distinct code's message is worded once."""
    r = pl.col(ROW).cast(pl.Int64).alias("r")
    code = _field_code(f, dtype)
    if code is None:
        return None, bad.select(r).to_series()
    out = bad.select(r, code.alias("code"))
    decided = out.filter(pl.col("code").is_not_null())
    codes = decided.get_column("code").unique().to_list()
    text = (pl.lit(None, dtype=pl.String) if not codes else pl.lit(field_message(f.name, codes[0], lang)) if len(codes) == 1 else
            pl.col("code").replace_strict({c: field_message(f.name, c, lang) for c in codes}, return_dtype=pl.String))
    decided = decided.select(
        "r", pl.lit(_ORDER[f.name] * _ITEMS, dtype=pl.Int64).alias("key"), pl.lit(f.name).alias("field"), "code",
        text.alias("message"))
    return decided, out.filter(pl.col("code").is_null()).get_column("r")


def _problems(bad: pl.DataFrame, dtype: pl.DataType, lang: str) -> tuple[Optional[pl.DataFrame], pl.Series]:
    """The rows ``bad`` refused their list of problems: an item not a problem, or too many items."""
    f = FIELDS["problems"]
    r = pl.col(ROW).cast(pl.Int64).alias("r")
    if not (isinstance(dtype, (pl.List, pl.Array)) and (_is_string(dtype.inner) or dtype.inner == pl.Null)):
        return None, bad.select(r).to_series()  # a column of another type: the model's to name
    items = pl.col(f.name).cast(pl.List(pl.String)).cast(pl.List(pl.Enum(list(f.values))), strict=False)
    too_long = pl.col(f.name).list.len() > (f.max_length if f.max_length is not None else 1 << 30)
    frame = bad.select(r, too_long.alias("long"), items.list.eval(pl.element().is_null().arg_true()).alias("wrong"))
    long_rows = frame.filter("long").select(
        "r", pl.lit(_ORDER[f.name] * _ITEMS, dtype=pl.Int64).alias("key"), pl.lit(f.name).alias("field"),
        pl.lit("too_long").alias("code"), pl.lit(field_message(f.name, "too_long", lang)).alias("message"))
    item_rows = frame.filter(~pl.col("long")).select("r", "wrong").explode("wrong").drop_nulls("wrong").select(
        "r", (pl.lit(_ORDER[f.name] * _ITEMS) + pl.col("wrong").cast(pl.Int64) + 1).alias("key"),
        (pl.lit(f"{f.name}.") + pl.col("wrong").cast(pl.String)).alias("field"), pl.lit("literal_error").alias("code"),
        pl.lit(field_message(f.name, "literal_error", lang)).alias("message"))
    # refused for no wrong item and no length (a problem listed twice, which the model accepts): its to read
    undecided = frame.filter(~pl.col("long") & (pl.col("wrong").list.len() == 0)).get_column("r")
    return pl.concat([long_rows, item_rows]), undecided


def _places(bad: pl.DataFrame, prefix: str, places: PlaceResolver, lang: str
            ) -> tuple[Optional[pl.DataFrame], pl.Series]:
    """The rows ``bad`` refused their ``prefix`` place: the errors of each distinct pair of texts, joined."""
    names = (f"{prefix}_province", f"{prefix}_city")
    r = pl.col(ROW).cast(pl.Int64).alias("r")
    texts: list[pl.Expr] = []
    others: list[pl.Expr] = []
    for c, alias in zip(names, ("p", "c"), strict=True):
        dtype = bad.schema[c] if c in bad.columns else pl.Null()
        if c in bad.columns and _is_string(dtype):
            texts.append(pl.col(c).cast(pl.String).alias(alias))
        else:
            texts.append(pl.lit(None, dtype=pl.String).alias(alias))
            if c in bad.columns and dtype != pl.Null:  # a number in a place column: the model's to name
                others.append(pl.col(c).is_not_null())
    pairs = bad.select(r, *texts, (pl.any_horizontal(others) if others else pl.lit(False)).alias("other"))
    undecided = pairs.filter("other").get_column("r")
    pairs = pairs.filter(~pl.col("other"))
    found: list[tuple[Optional[str], Optional[str], str, str, str, int]] = []
    for p, c in pairs.select("p", "c").unique().iter_rows():
        for e in places.errors(prefix, p, c, lang):
            key = (_ORDER[e.field] * _ITEMS if e.code in MODEL_PLACE_CODES
                   else _PLACES_AFTER + PLACE_PREFIXES.index(prefix))
            found.append((p, c, e.field, e.code, e.message, key))
    if not found:
        return None, undecided
    table = pl.DataFrame(found, schema={"p": pl.String, "c": pl.String, "field": pl.String, "code": pl.String,
                                        "message": pl.String, "key": pl.Int64}, orient="row")
    return pairs.join(table, on=["p", "c"], how="inner", nulls_equal=True).select(*FLAT), undecided


def flat_errors(errors: Mapping[int, Sequence[FieldError]]) -> pl.DataFrame:
    """``ProfileError`` lists by row number as a flat table (their own order and messages kept)."""
    rows = sorted(errors)
    return pl.DataFrame(
        {"r": [r for r in rows for _ in errors[r]], "key": [k for r in rows for k in range(len(errors[r]))],
         "field": [e.field for r in rows for e in errors[r]], "code": [e.code for r in rows for e in errors[r]],
         "message": [e.message for r in rows for e in errors[r]]},
        schema=FLAT)


def with_messages(flat: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The flat table with every message filled in ``lang``, as ``ProfileError`` words it: a value outside an
    enum's domain lists the allowed values of its field; other codes have one message each."""
    missing = flat.filter(pl.col("message").is_null()).select("field", "code").unique()
    if not missing.height:
        return flat
    texts = pl.DataFrame(
        [(field, code, field_message(field, code, lang)) for field, code in missing.iter_rows()],
        schema={"field": pl.String, "code": pl.String, "text": pl.String}, orient="row")
    return (flat.join(texts, on=["field", "code"], how="left", maintain_order="left")
            .with_columns(pl.coalesce("message", "text").alias("message")).drop("text"))
