"""Files in, files out: Parquet and CSV, read and written chunk by chunk, with a progress bar and a summary.

A CSV is read as UTF-8 text, streamed block by block (pyarrow's streaming reader: it checks every row's number of
fields and every cell's UTF-8, so a ragged or mis-encoded file is refused, never half read); every cell is a
string, an empty cell or a usual spelling of "unknown" (``NA``, ``null``, ``None``, …) is unknown, and the rest is
validated like JSON text would be. Its ``problems`` cells are ``deposit;no_rest`` or ``["deposit", "no_rest"]``
(an empty list: ``[]``). In a CSV result the ``errors`` column is JSON text.

A file that cannot be read as a whole (a duplicate or missing header, ragged rows, text that is not UTF-8, a
corrupt Parquet file, no profile column at all) raises :class:`BatchInputError` with one line naming the file and
the problem, never a value from it; the ``batch`` command turns it into exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import queue
import sys
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Optional

import polars as pl

from ._evaluate import SLICE, BatchEvaluator, BatchInputError, shared_evaluator, shown_names
from ._normalise import CSV_NULLS, FIELDS, NO_TEXTS, YES_TEXTS

DEFAULT_CHUNK = 1 << 19
PARQUET = (".parquet", ".pq", ".parq")
CSV = (".csv",)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        return "parquet"
    if suffix in CSV:
        return "csv"
    raise BatchInputError(f"{path.name}: expected a .parquet or .csv file")


def _unreadable_parquet(path: Path) -> BatchInputError:
    return BatchInputError(f"{path.name}: not a readable Parquet file (corrupt or truncated)")


def count_rows(path: Path) -> int:
    if _kind(path) == "parquet":  # from the footer (polars: no pyarrow import in the timed path)
        try:
            return int(pl.scan_parquet(path).select(pl.len()).collect().item())
        except pl.exceptions.PolarsError:
            raise _unreadable_parquet(path) from None
    try:
        return int(pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item())
    except pl.exceptions.PolarsError:
        raise BatchInputError(f"{path.name}: not a readable CSV file") from None


def column_names(path: Path) -> list[str]:
    """The file's column names; a CSV header must be UTF-8, without duplicates (nor blank names)."""
    if _kind(path) == "parquet":
        try:
            return list(pl.read_parquet_schema(path))
        except (pl.exceptions.PolarsError, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise _unreadable_parquet(path) from None
    try:
        with path.open("rb") as handle:  # the first line only: the rows are the reader's to check
            line = handle.readline(1 << 20).decode("utf-8-sig")
        header = next(csv.reader([line]), [])
    except UnicodeDecodeError:
        raise BatchInputError(f"{path.name}: the header is not UTF-8 text (save the file as UTF-8)") from None
    except csv.Error:
        raise BatchInputError(f"{path.name}: the header is not a CSV line") from None
    if not header:
        raise BatchInputError(f"{path.name}: empty file (no header line)")
    seen: set[str] = set()
    twice = sorted({name for name in header if name in seen or seen.add(name)})  # type: ignore[func-returns-value]
    if twice:
        raise BatchInputError(f"{path.name}: a column name appears twice in the header: "
                              f"{', '.join(shown_names(twice))}")
    if any(not name.strip() for name in header):
        raise BatchInputError(f"{path.name}: a column without a name in the header")
    return header


def chunk_sizes(rows: int, chunk_size: int) -> list[int]:
    """How a Parquet file's ``rows`` are cut: chunks of ``chunk_size``, the first an eighth of that.

    Nothing else can run while the first chunk is read; a small one starts the evaluation sooner (measured on 1M
    rows: about 0.05 s less end to end; a small last chunk, to shorten the final write, gained nothing)."""
    first = max(1, chunk_size // 8)
    sizes: list[int] = []
    at = 0
    while at < rows:
        sizes.append(min(first if not sizes else chunk_size, rows - at))
        at += sizes[-1]
    return sizes


def read_chunks(path: Path, chunk_size: int = DEFAULT_CHUNK, keep_text: Optional[Collection[str]] = None
                ) -> Generator[pl.DataFrame, None, None]:
    """The rows of a Parquet or CSV file, ``chunk_size`` at a time (a CSV's a quarter as many, as text, or half as
    many while its yes/no columns are read as booleans; a Parquet file whose profile columns are mostly text, as
    ``csv_to_parquet`` writes them, a quarter).

    A CSV's cells are text, except when ``keep_text`` is given: then its yes/no profile columns (those not named
    in ``keep_text``) are read as booleans by the reader itself while every cell of them is one of the exact
    spellings the model reads as yes or no (:data:`YES_TEXTS`, :data:`NO_TEXTS`) or unknown. The first cell that
    is not sends the file back to text from that row on (read again from the start, the rows already read
    skipped): the same values either way, so nothing is lost, only the text conversion saved (measured on 1M
    rows: about 0.2 CPU-s less evaluation, and a bit a cell for those columns instead of a 16-byte text view)."""
    if _kind(path) == "parquet":
        scan = pl.scan_parquet(path)
        column_names(path)  # a file without a readable footer: BatchInputError
        profile = [dtype for name, dtype in input_schema(path).items() if name in FIELDS]
        if 2 * sum(1 for dtype in profile if dtype == pl.String) > len(profile):
            chunk_size = max(1, chunk_size // CSV_SHARE)
        offset = 0
        for size in chunk_sizes(count_rows(path), chunk_size):
            try:
                chunk = scan.slice(offset, size).collect()
            except pl.exceptions.PolarsError:
                raise _unreadable_parquet(path) from None
            yield chunk
            offset += size
        return
    import pyarrow as pa

    header = column_names(path)
    yes_no = [] if keep_text is None else [name for name in header if name in FIELDS and FIELDS[name].kind == "bool"
                                           and name not in keep_text]
    # text cells take several times the memory of typed ones, and a dirty chunk's errors more: a quarter of the rows
    # a chunk when every cell is text (1M rows with 50 % bad: peak 1.13 GiB at 262k rows a chunk, 0.79 GiB at 131k),
    # half when the yes/no columns are booleans (0.85 GiB at 262k rows; 4.6 CPU-s against 6.0 at 131k: each chunk
    # costs its own passes)
    rows = max(1, chunk_size // (CSV_TYPED_SHARE if yes_no else CSV_SHARE))
    pending: list[Any] = []  # Arrow record batches, made into one polars frame per chunk (see _joined)
    size = 0
    wanted = max(1, rows // 8)  # the first chunk small (one block): the evaluation starts sooner
    read = 0  # rows read (yielded or pending)
    skip = 0  # rows to pass over: read before, as yes/no
    while True:
        try:
            for batch in _csv_batches(path, header, yes_no):
                if skip:
                    if batch.num_rows <= skip:
                        skip -= batch.num_rows
                        continue
                    batch, skip = batch.slice(skip), 0
                if pending and batch.schema != pending[0].schema:  # read as text from here on
                    yield _joined(pending)
                    size, wanted = 0, rows
                pending.append(batch)
                size += batch.num_rows
                read += batch.num_rows
                del batch  # held by pending only: see _joined
                if size >= wanted:
                    yield _joined(pending)
                    size, wanted = 0, rows
            break
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            if not yes_no:
                raise csv_error(path, str(exc)) from None
            yes_no, skip = [], read  # a cell that is not yes or no (or a bad row: the text reader says which)
            rows = max(1, chunk_size // CSV_SHARE)
    if pending:
        yield _joined(pending)


def _joined(blocks: list[Any]) -> pl.DataFrame:
    """The blocks (Arrow record batches) of a chunk as one polars frame, side by side, not copied into one (a copy
    of every cell: 0.3-0.4 CPU-s per million rows; the evaluation is as fast on the blocks), handed over in one call
    rather than block by block (the reading thread's Python work, which waits for the GIL while the evaluating
    threads hold it, is per call), and the list emptied: the reading generator, suspended at its yield, then holds
    nothing of the chunk it gave, so the chunk's cells are freed as soon as its evaluation has read them
    (:meth:`BatchEvaluator.evaluate_chunk`)."""
    import pyarrow as pa

    chunk = pl.from_arrow(pa.Table.from_batches(blocks), rechunk=False)
    blocks.clear()
    assert isinstance(chunk, pl.DataFrame)
    return chunk


def _csv_batches(path: Path, header: Sequence[str], yes_no: Sequence[str]) -> Iterator[Any]:
    """The CSV's blocks as Arrow record batches: every cell text (Arrow string views, polars' own string layout),
    the ``yes_no`` columns booleans (a cell not among :data:`YES_TEXTS`, :data:`NO_TEXTS` or the null spellings:
    ``ArrowInvalid``)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from ._arrow import cast

    flags = set(yes_no)
    pool = _arrow_pool()
    reader = pacsv.open_csv(
        path,
        # the reader's own threads (read-ahead): 0.15-0.2 s more before the first block and 0.2 CPU-s more on 1M
        # rows; the pipeline's other threads keep the cores busy
        read_options=pacsv.ReadOptions(block_size=CSV_BLOCK, encoding="utf8", use_threads=False),
        convert_options=pacsv.ConvertOptions(
            # cells as strings (32-bit offsets: a 4 MiB block cannot overflow them), a little cheaper to make than large
            # strings (1M rows: about 0.02 CPU-s), then cast to views
            column_types={name: pa.bool_() if name in flags else pa.string() for name in header},
            strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=list(CSV_NULLS),
            true_values=list(YES_TEXTS), false_values=list(NO_TEXTS)),
        memory_pool=pool,
    )
    # Arrow string views are polars' own string layout: cast in Arrow, the cells are handed over without a copy
    # (measured on 1M rows: 0.15 CPU-s against 0.32 straight from large strings); pyarrow < 16 has no views. The cast
    # is called without importing pyarrow.compute (_arrow.py: 50 ms before the first block otherwise)
    if not hasattr(pa, "string_view"):
        yield from reader
        return

    texts = [name for name in header if name not in flags]
    views = pa.struct([(name, pa.string_view()) for name in texts])

    def as_views(batch: Any) -> Any:
        # the text columns cast in one call, as the fields of one struct (one call releasing and taking back the GIL
        # a block, not one a column)
        cast_texts = cast(pa.StructArray.from_arrays([batch.column(name) for name in texts], names=texts), views,
                          memory_pool=pool).flatten() if texts else []
        by_name = dict(zip(texts, cast_texts, strict=True))
        return pa.RecordBatch.from_arrays([by_name[name] if name in by_name else batch.column(name) for name in header],
                                          names=list(header))

    yield from map(as_views, reader)  # (no block held here between two reads)


def _arrow_pool() -> Any:
    """The memory pool the CSV reader's cells are allocated from: Arrow's jemalloc pool where pyarrow has one
    (its default, mimalloc, cost more: 1M rows with 10 % bad, 3.6-3.7 CPU-s end to end against 3.1-3.2, and a
    higher peak, 0.72-0.78 GiB against 0.64-0.70). Passed to the reader, not made the process's default."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.default_memory_pool()


#: A CSV chunk holds ``chunk_size // CSV_SHARE`` rows (so does a Parquet file of text cells) ...
CSV_SHARE = 4
#: ... or ``chunk_size // CSV_TYPED_SHARE`` while its yes/no columns are read as booleans.
CSV_TYPED_SHARE = 2
#: Bytes of CSV text parsed at a time (the reader's block; chunks are made of whole blocks). Cells are read as Arrow
#: strings (pyarrow's reader makes no string views) and cast to views before polars takes them.
CSV_BLOCK = 1 << 22


def csv_error(path: Path, text: str) -> BatchInputError:
    """The reader's complaint, said in one line without the row's contents (which it quotes)."""
    import re

    counts = re.search(r"Expected (\d+) columns, got (\d+)", text)
    if counts:
        return BatchInputError(f"{path.name}: not a well-formed CSV table: a row with {counts.group(2)} field(s) "
                               f"where the header has {counts.group(1)} (ragged rows; quote cells that hold commas)")
    if "UTF8" in text or "UTF-8" in text or "utf8" in text:
        return BatchInputError(f"{path.name}: text that is not UTF-8 (save the file as UTF-8)")
    return BatchInputError(f"{path.name}: not a readable CSV file")


class _CsvWriter:
    """A CSV result, chunk after chunk (the ``errors`` column as JSON text)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Optional[IO[bytes]] = None

    def write(self, frame: pl.DataFrame) -> None:
        errors = pl.col("errors").list.eval(pl.element().struct.json_encode()).list.join(",")
        text = frame.with_columns(pl.when(pl.col("errors").is_not_null()).then(pl.concat_str(
            pl.lit("["), errors, pl.lit("]"))).alias("errors"))
        if self._file is None:
            self._file = self.path.open("wb")
            text.write_csv(self._file, include_header=True)
        else:
            text.write_csv(self._file, include_header=False)

    def close(self, empty: pl.DataFrame) -> None:
        """Close the file (a header only, from ``empty``'s columns, when no chunk came)."""
        if self._file is None:
            self.write(empty)
        assert self._file is not None
        self._file.close()


@dataclass(frozen=True)
class Counts:
    """What the summary counts in one chunk of results; taken where the chunk was evaluated, merged in order."""

    rows: int
    errors: int
    #: (field, code, rows with it, the first such row: 0 = the chunk's first)
    error_kinds: list[tuple[str, str, int, int]]
    categories: Counter[str]
    provinces: Counter[str]
    applies: Counter[str]
    pending: Counter[str]

    @classmethod
    def of(cls, result: pl.DataFrame, entitlements: Sequence[str]) -> Counts:
        errors = result.get_column("errors")
        bad = int(errors.is_not_null().sum())
        kinds: list[tuple[str, str, int, int]] = []
        if bad:
            table = (pl.DataFrame({"errors": errors}).with_row_index("row").filter(pl.col("errors").is_not_null())
                     .explode("errors").unnest("errors").group_by("field", "code")
                     .agg(pl.len().alias("n"), pl.col("row").min().alias("first")))
            kinds = [(str(name), str(code), int(n), int(first))
                     for name, code, n, first in table.select("field", "code", "n", "first").iter_rows()]
        tallies: list[Counter[str]] = []
        for name in ("category", "province"):
            tallies.append(Counter({"(none)" if value is None else str(value): int(count)  # on the Enum codes
                                    for value, count in result.get_column(name).value_counts().iter_rows()}))
        applies: Counter[str] = Counter()
        pending: Counter[str] = Counter()
        if entitlements and result.height:
            sums = result.select(
                *((pl.col(e) == "applies").sum().alias(f"a:{e}") for e in entitlements),
                *((pl.col(e) == "pending").sum().alias(f"p:{e}") for e in entitlements),
            ).row(0, named=True)
            for e in entitlements:
                applies[e] += int(sums[f"a:{e}"] or 0)
                pending[e] += int(sums[f"p:{e}"] or 0)
        return cls(result.height, bad, kinds, tallies[0], tallies[1], applies, pending)


@dataclass
class Summary:
    """Counts over a whole run: rows read and written, rows with errors and the errors by (field, code) with the
    first row that has each, categories, provinces and entitlement statuses."""

    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    rows_in: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    provinces: Counter[str] = field(default_factory=Counter)
    applies: Counter[str] = field(default_factory=Counter)
    pending: Counter[str] = field(default_factory=Counter)
    #: (field, code) -> how many rows have it
    error_kinds: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (field, code) -> the first data row with it (1 = the first row under the header)
    first_row: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, result: pl.DataFrame, entitlements: Sequence[str], rows_in: Optional[int] = None) -> None:
        self.merge(Counts.of(result, entitlements), rows_in)

    def merge(self, counts: Counts, rows_in: Optional[int] = None) -> None:
        """Add one chunk's counts (chunks merged in file order: the first row with an error is then the first)."""
        offset = self.rows
        self.rows += counts.rows
        self.rows_in += counts.rows if rows_in is None else rows_in
        self.errors += counts.errors
        for name, code, n, first in counts.error_kinds:
            self.error_kinds[(name, code)] += n
            self.first_row.setdefault((name, code), offset + first + 1)
        self.categories.update(counts.categories)
        self.provinces.update(counts.provinces)
        self.applies.update(counts.applies)
        self.pending.update(counts.pending)

    def render(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        lines = [f"{self.rows:,} profiles in {self.seconds:.2f} s ({rate:,.0f} profiles/s); "
                 f"{self.errors:,} with errors (reported in the errors column)",
                 f"rows in {self.rows_in:,} = rows out {self.rows:,}" if self.rows_in == self.rows
                 else f"rows in {self.rows_in:,} but rows out {self.rows:,}: please report this"]

        def pad(text: str, width: int) -> str:
            wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
            return text + " " * max(0, width - len(text) - wide)

        def share(n: int) -> str:
            return f"{n:>12,}  {100 * n / self.rows:5.1f}%" if self.rows else f"{n:>12,}"

        if self.error_kinds:
            shown = self.error_kinds.most_common(TOP_ERRORS)
            lines.append(f"\nerrors by field and code (top {len(shown)} of {len(self.error_kinds)} kinds; row: the "
                         "first row with it, counting data rows from 1):")
            lines += [f"  {name:<28}{code:<28}{n:>12,}  row {self.first_row[(name, code)]:,}"
                      for (name, code), n in shown]
        lines.append("\nby category (none = a row with errors):")
        lines += [f"  {pad(k, 28)}{share(v)}" for k, v in self.categories.most_common()]
        lines.append("\nby work province (none = unknown or a row with errors):")
        lines += [f"  {pad(k, 28)}{share(v)}" for k, v in self.provinces.most_common()]
        lines.append(f"\nby entitlement:{'':<46}{'applies':>12}  {'pending':>12}")
        for e in sorted(set(self.applies) | set(self.pending), key=lambda e: (-self.applies[e], e)):
            if self.applies[e] or self.pending[e]:
                lines.append(f"  {e:<58}{self.applies[e]:>12,}  {self.pending[e]:>12,}")
        return "\n".join(lines) + "\n"


#: How many kinds of error the summary shows.
TOP_ERRORS = 10


def evaluate_file(source: str | Path, target: str | Path, as_of: Optional[dt.date] = None,
                  columns: Sequence[str] = (), lang: str = "zh", chunk_size: int = DEFAULT_CHUNK,
                  progress: bool = False, evaluator: Optional[BatchEvaluator] = None) -> Summary:
    """Evaluate a Parquet/CSV file of profiles into a Parquet/CSV file of results (chunk by chunk)."""
    source, target = Path(source), Path(target)
    _kind(source)
    _kind(target)
    if source.resolve() == target.resolve():
        raise BatchInputError("the result would overwrite the input")
    if not source.is_file():
        raise BatchInputError(f"{source}: no such file")
    evaluator = evaluator or shared_evaluator()
    evaluator.check_columns(column_names(source), columns)  # before the first chunk: a bad header fails at once
    summary = Summary()
    started = time.perf_counter()
    bar: Any = None
    if progress:
        from tqdm import tqdm

        # whole rows (no 10.0/10.0), advanced chunk by chunk; its last state is shown once, by close()
        bar = tqdm(total=count_rows(source), unit=" rows", unit_scale=False, file=sys.stderr, smoothing=0.1,
                   dynamic_ncols=True)

    def counted(counts: Counts, rows: int) -> None:
        summary.merge(counts, rows_in=rows)
        if bar is not None:
            if bar.n + rows >= bar.total:
                bar.n += rows  # the final state: drawn by close(), not here as well
            else:
                bar.update(rows)

    schema = evaluator.result_schema(columns, input_schema(source))
    finished = False
    try:
        if _kind(target) == "parquet":
            _sink_parquet(_results(source, chunk_size, evaluator, as_of, columns, lang, schema, counted), target,
                          schema)
        else:
            writer = _CsvWriter(target)
            try:
                for result in _results(source, chunk_size, evaluator, as_of, columns, lang, schema, counted):
                    writer.write(result)
            finally:
                writer.close(empty=pl.DataFrame(schema=schema))
        finished = True
    finally:
        evaluator.forget_places()
        if bar is not None:
            bar.close()
        if not finished and target.exists():
            target.unlink()  # half a result is no result
    summary.seconds = time.perf_counter() - started
    return summary


def csv_to_parquet(source: str | Path, target: str | Path, chunk_size: int = DEFAULT_CHUNK) -> int:
    """Convert a CSV of profiles to Parquet once, to screen it many times at Parquet speed; the number of rows.

    The file is read as :func:`evaluate_file` reads it (refused as a whole with :class:`BatchInputError` when it is
    ragged, not UTF-8 or has a bad header; the usual spellings of "unknown" become null) and every cell is kept as
    text, so screening the Parquet gives exactly what screening the CSV gives: bad cells are still bad, and still
    reported by field and code. Only the CSV parsing is saved, the larger part of a CSV run (docs/batch.md)."""
    source, target = Path(source), Path(target)
    if _kind(source) != "csv" or _kind(target) != "parquet":
        raise BatchInputError("csv_to_parquet converts a .csv file into a .parquet file")
    if source.resolve() == target.resolve():
        raise BatchInputError("the result would overwrite the input")
    if not source.is_file():
        raise BatchInputError(f"{source}: no such file")
    rows = 0

    def counted() -> Iterator[pl.DataFrame]:
        nonlocal rows
        for chunk in read_chunks(source, chunk_size):
            rows += chunk.height
            yield chunk

    finished = False
    try:
        _sink_parquet(counted(), target, input_schema(source))
        finished = True
    finally:
        if not finished and target.exists():
            target.unlink()
    return rows


def input_schema(path: Path) -> pl.Schema:
    """The column types of a file as the batch reads them (a CSV's cells are text)."""
    if _kind(path) == "parquet":
        return pl.Schema(pl.read_parquet_schema(path))
    return pl.Schema({name: pl.String() for name in column_names(path)})


def _results(source: Path, chunk_size: int, evaluator: BatchEvaluator, as_of: Optional[dt.date],
             columns: Sequence[str], lang: str, schema: pl.Schema, done: Callable[[Counts, int], None]
             ) -> Iterator[pl.DataFrame]:
    """The evaluated chunks of ``source``, in order, from a pipeline: one thread reads the chunks (a CSV's text is
    parsed there) and hands each to one of :data:`WORKERS` evaluating threads, while the chunks evaluated before
    are written. polars and pyarrow release the GIL, so on two cores reading, evaluating and writing overlap.

    Memory stays bounded: at most :data:`WORKERS` chunks are being evaluated or waiting to be written, and the
    reader holds one more. An error anywhere (a ragged row far into a CSV, say) is raised here as itself, once the
    threads are stopped; so is the consumer's own (the writer's), and nothing waits for ever."""
    chunks = read_chunks(source, chunk_size, keep_text=columns)

    entitlements = evaluator.outputs.entitlements

    def evaluated(box: list[pl.DataFrame]) -> tuple[pl.DataFrame, int, Counts]:
        # the chunk handed over in a box that the evaluation empties: nothing else holds it (the reader let it go, and
        # the pool's work item holds only the box), so its cells are freed once they are read, before the rules run
        rows = box[0].height
        if rows > SLICE:  # a chunk bigger than one evaluation pass (a big --chunk-size)
            result = evaluator.evaluate_polars(box.pop(), as_of=as_of, columns=columns, lang=lang)
        else:
            result = evaluator.evaluate_chunk(box, as_of=as_of, columns=columns, lang=lang)
        if result.schema != schema:  # a carried column read with another type in this chunk (all-null, say)
            result = result.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        return result, rows, Counts.of(result, entitlements)  # counted here, merged in order

    handed: queue.Queue[Optional[Future[tuple[pl.DataFrame, int, Counts]]] | BaseException] = queue.Queue()
    room = threading.Semaphore(WORKERS)  # chunks handed over and not yet taken back
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rights-engine-evaluate")

    def read() -> None:
        try:
            for chunk in chunks:
                room.acquire()
                if stop.is_set():
                    return
                handed.put(pool.submit(evaluated, [chunk]))
                del chunk  # the reader keeps no chunk it handed over
            handed.put(None)
        except BaseException as exc:  # raised again by the consumer, as itself
            handed.put(exc)

    reader = threading.Thread(target=read, name="rights-engine-read", daemon=True)
    reader.start()
    try:
        while True:
            item = handed.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            result, rows, counts = item.result()
            room.release()
            done(counts, rows)
            yield result
    finally:
        stop.set()
        room.release()  # a reader waiting for room sees the stop
        reader.join()
        chunks.close()
        pool.shutdown(wait=True, cancel_futures=True)


#: Chunks evaluated at once. Two, for a two-core machine: while one chunk's Python glue holds the GIL, the other's
#: polars work runs, and the reading thread parses beside them (each adds one chunk to the memory held).
WORKERS = 2


def _sink_parquet(results: Iterator[pl.DataFrame], target: Path, schema: pl.Schema) -> None:
    """Write the chunks as they come with polars' Parquet writer (it encodes the columns in parallel)."""
    from polars.io.plugins import register_io_source

    failed: list[BaseException] = []

    def source(with_columns: Any, predicate: Any, n_rows: Any, batch_size: Any) -> Iterator[pl.DataFrame]:
        try:
            yield from results
        except Exception as exc:  # polars would re-raise it as its own error type: kept to be raised as itself
            failed.append(exc)
            raise

    try:
        register_io_source(source, schema=schema).sink_parquet(target, compression=PARQUET_COMPRESSION,
                                                               statistics=False, maintain_order=True)
    except Exception:
        if failed:
            raise failed[0] from None
        raise


#: Snappy: read everywhere (Spark, pandas, DuckDB) and cheap to write.
PARQUET_COMPRESSION: Literal["snappy"] = "snappy"


def run(args: argparse.Namespace) -> int:
    """The ``rights-engine batch`` command. Exit codes: 0 ok (bad rows are reported in the file), 2 bad input."""
    if args.chunk_size < 1:
        print("error: --chunk-size must be positive", file=sys.stderr)
        return 2
    try:
        summary = evaluate_file(args.input, args.output, as_of=args.as_of, columns=args.columns, lang=args.lang,
                                chunk_size=args.chunk_size, progress=not args.quiet)
    except BatchInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or type(exc).__name__}: {exc.filename or ''}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(summary.render(), end="")
    return 0
