"""Batch screening: evaluate a table of profiles (Arrow, pandas, polars; Parquet or CSV files) at once.

    from rights_engine.batch import evaluate_table
    result = evaluate_table(profiles_df)          # one row per profile, same order, same kind of table

The rules are the same parsed ``Rule.condition`` ASTs that ``evaluate()`` runs, compiled to vectorised polars
expressions (see :mod:`._compile`) once per (work province, period of rules in force). A bad row is reported
in its ``errors`` column (field names and reasons, never the values) and never stops the run.

Needs the ``batch`` extra (``pip install '.[batch]'`` in the project folder); ``evaluate_dask`` also needs Dask.
"""

from __future__ import annotations

from ._dask import evaluate_dask
from ._evaluate import BatchEvaluator, BatchInputError, evaluate_table, shared_evaluator
from ._io import Summary, csv_to_parquet, evaluate_file

__all__ = [
    "BatchEvaluator",
    "BatchInputError",
    "Summary",
    "csv_to_parquet",
    "evaluate_dask",
    "evaluate_file",
    "evaluate_table",
    "shared_evaluator",
]

