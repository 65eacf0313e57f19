"""Dask: the same compiled evaluation mapped over the partitions of a Dask DataFrame.

Each worker process builds one :class:`BatchEvaluator` (the rule base loads once per process, each
(province, period) compiles once per process) and runs it on its pandas partitions. The result keeps the
input's index and divisions. See docs/batch.md for running it on a cluster.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional, cast

from ._evaluate import BatchEvaluator, shared_evaluator

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd

_evaluators: dict[str, BatchEvaluator] = {}
_lock = threading.Lock()


def _evaluator(rules_root: Optional[str]) -> BatchEvaluator:
    if rules_root is None:
        return shared_evaluator()
    with _lock:
        if rules_root not in _evaluators:
            from ..rulebase import load

            _evaluators[rules_root] = BatchEvaluator(load(rules_root))
        return _evaluators[rules_root]


def evaluate_partition(frame: Any, as_of: Optional[dt.date], columns: Sequence[str], lang: str,
                       rules_root: Optional[str]) -> Any:
    """One pandas partition in, its results out (pandas, Arrow-backed columns, the same index)."""
    return _evaluator(rules_root).evaluate(frame, as_of=as_of, columns=columns, lang=lang)


def evaluate_dask(ddf: dd.DataFrame, as_of: Optional[dt.date] = None, columns: Sequence[str] = (),
                  lang: str = "zh", rules_root: Optional[str] = None) -> dd.DataFrame:
    """Evaluate a Dask DataFrame of profiles lazily: ``evaluate_dask(ddf).compute()`` or ``.to_parquet(...)``.

    ``rules_root``: a rule base directory every worker can read (default: the one shipped with the package).
    """
    columns = tuple(columns)
    meta = evaluate_partition(ddf._meta, as_of, columns, lang, rules_root)
    result = ddf.map_partitions(evaluate_partition, as_of, columns, lang, rules_root, meta=meta)  # type: ignore[no-untyped-call]
    return cast("dd.DataFrame", result)
