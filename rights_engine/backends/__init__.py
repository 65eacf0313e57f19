"""Backends: each compiles the one condition AST and returns, for every rule, its three-valued truth.

- :mod:`.python` — plain-Python closures (every interpreter, the reference semantics);
- :mod:`.durable` — the durable-rules inference engine (CPython 3.11/3.12 with the C extension);
- the vectorised batch path lives in :mod:`rights_engine.batch`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..conditions import Node
from ..factset import FactValues, Truth


class CompiledRules(Protocol):
    """A compiled set of rules: ``run`` gives every rule's truth for one fact set."""

    def run(self, facts: FactValues) -> dict[str, Truth]: ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    def compile(self, rules: Sequence[tuple[str, Node]], schema: Mapping[str, object]) -> CompiledRules: ...
