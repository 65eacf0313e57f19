"""A memo keyed by identity, for values derived from long-lived immutable objects (rules, conditions, selections).

Hashing a condition tree or a tuple of rules costs as much as the work saved; their identity costs nothing. The
memo keeps each key object alive with its value, so an id is never reused for another object while cached; it is
emptied when full (callers may pass fresh objects every time), so it never grows without bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class IdentityMemo(Generic[K, V]):
    def __init__(self, compute: Callable[[K], V], limit: int = 4096) -> None:
        self._compute = compute
        self._limit = limit
        self._found: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        entry = self._found.get(id(key))
        if entry is not None and entry[0] is key:
            return entry[1]
        value = self._compute(key)
        if len(self._found) >= self._limit:
            self._found = {}
        self._found[id(key)] = (key, value)
        return value

    def clear(self) -> None:
        self._found = {}


class Doorkeeper:
    """Admits a key to a cache on its second sighting, so that values asked for once are never kept.

    A cache keyed by what profiles say fills, on profiles never seen before, with values nobody asks for again; each
    kept value is objects the garbage collector walks at every full collection, which costs more than the cache
    saves. The doorkeeper remembers only the hashes of keys seen once (integers, which the collector does not walk),
    up to ``limit`` of them (then forgets them all). A hash shared by two keys only admits the second one early.
    Thread-safe: each step is one set operation.
    """

    def __init__(self, limit: int = 1 << 15) -> None:
        self._limit = limit
        self._seen: set[int] = set()

    def admit(self, key: object) -> bool:
        """Whether ``key`` was seen before (remembering it when not)."""
        code = hash(key)
        seen = self._seen
        if code in seen:
            return True
        if len(seen) >= self._limit:
            seen.clear()
        seen.add(code)
        return False

    def clear(self) -> None:
        self._seen.clear()
