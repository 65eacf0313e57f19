"""Allocator settings for a batch process, applied by the ``rights-engine batch`` command before polars loads.

polars allocates with jemalloc and, on import, sets its page decay to 0.5 s / 1 s, adding whatever
``_RJEM_MALLOC_CONF`` already holds after its own defaults (later options win; polars/__init__.py, pola-rs/polars
issue 18088). So freed pages go back to the operating system almost at once. A batch run allocates the same large
buffers chunk after chunk, so each chunk faults its pages in again; keeping freed pages for 30 s removes most of
that (measured on 1M rows, repeated runs: system time 0.11-0.13 -> 0.04-0.06 s, wall time 3-10% less, peak RSS
unchanged at 0.56 GiB). This only sets a default: a value the user set wins, and nothing changes once polars is
loaded (an application that imports polars itself can set ``_RJEM_MALLOC_CONF`` in its own environment).
"""

from __future__ import annotations

import os
import sys

#: jemalloc's options as polars' build reads them (the ``_RJEM_`` prefix of tikv-jemallocator).
VARIABLE = "_RJEM_MALLOC_CONF"
BATCH_SETTING = "dirty_decay_ms:30000,muzzy_decay_ms:30000"


def keep_freed_pages() -> bool:
    """Ask jemalloc to keep freed pages for a while; True when the setting will take effect."""
    if "polars" in sys.modules:
        return False
    os.environ.setdefault(VARIABLE, BATCH_SETTING)
    return os.environ[VARIABLE] == BATCH_SETTING
