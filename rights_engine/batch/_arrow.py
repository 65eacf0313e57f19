"""pyarrow's compute functions, reached without importing :mod:`pyarrow.compute`.

``pyarrow.compute`` builds a Python wrapper, with its docstring, for every one of Arrow's several hundred compute
functions when it is imported: about 50 ms, on the path of a CSV file's first block, when nothing else can run yet.
The batch calls two functions (a cast and a dictionary encoding); ``call_function`` and the options classes come
from the compiled module those wrappers call (``pyarrow._compute``, about 8 ms to import), and ``pyarrow.compute``
is imported only when that module is not there (it re-exports the same ``call_function``)."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def compute() -> Any:
    """The module with ``call_function`` and ``CastOptions``: ``pyarrow._compute`` or, failing that,
    ``pyarrow.compute`` (the same functions, behind its wrappers)."""
    try:
        import pyarrow._compute as module

        module.call_function, module.CastOptions  # noqa: B018 - both needed; else the public module
    except (ImportError, AttributeError):  # pragma: no cover - a pyarrow laid out otherwise
        import pyarrow.compute as module
    return module


def cast(array: Any, to: Any, memory_pool: Any = None) -> Any:
    """``pyarrow.compute.cast(array, to)`` (a safe cast), from ``memory_pool``."""
    c = compute()
    return c.call_function("cast", [array], c.CastOptions.safe(to), memory_pool=memory_pool)


def dictionary_encode(array: Any) -> Any:
    """``pyarrow.compute.dictionary_encode(array)``: the distinct values (nulls left out) and each row's index."""
    return compute().call_function("dictionary_encode", [array])
