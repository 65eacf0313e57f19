"""Memo keys for compiled rule sets: the values of the facts a set of rules reads, numbers by their class.

A set of rules' truths are a function of the facts it reads. An enum or bool fact is a possibility set (few per
domain), so its value is its own key. A number fact is compared only with a few constants: two numbers that lie
on the same side of each of them (and equal the same ones) give every comparison the same truth, so a number is
keyed by its *class* ``(bisect_left(cuts, x), bisect_right(cuts, x))`` in the sorted constants ``cuts``, not by its
value: a memo of truths then holds a few entries per rule set, not one per number ever seen.

A number fact read by anything but a comparison (a node kind this module does not know) keeps its raw value.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Optional

from ..conditions import And, Compare, Const, Member, Node, Not, Or, Surely
from ..conditions import fields as cond_fields
from ..factset import FactValues

#: A memo key of one fact set: hashable, of a fixed shape per reader.
Key = object
Reader = Callable[[FactValues], Key]


def number_cuts(nodes: Iterable[Node], numbers: Iterable[str], scale: Callable[[float], Any] = float
                ) -> dict[str, tuple[Any, ...]]:
    """For each of the ``numbers`` fields that the ``nodes`` read only through comparisons: the sorted constants
    (through ``scale``, as the backend compares them) it is compared with. Fields read otherwise are left out."""
    cuts: dict[str, set[Any]] = {name: set() for name in numbers}
    raw: set[str] = set()

    def walk(node: Node) -> None:
        if isinstance(node, Compare):
            if node.field in cuts:
                cuts[node.field].add(scale(node.value))
        elif isinstance(node, Member):
            raw.add(node.field)
        elif isinstance(node, (Not, Surely)):  # a function of the item's truth
            walk(node.item)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif not isinstance(node, Const):  # a node kind not known here: every field it reads keeps its value
            raw.update(cond_fields(node))
            raw.update(cuts)

    for node in nodes:
        walk(node)
    return {name: tuple(sorted(found)) for name, found in cuts.items() if name not in raw}


def reader(fields: Sequence[str], cuts: Optional[Mapping[str, tuple[Any, ...]]] = None,
           scale: Callable[[float], Any] = float) -> Reader:
    """Reads the memo key of ``fields`` from a fact set: their values, each number field in ``cuts`` as its class
    (the number through ``scale`` first; ``None``, unknown, stays ``None``)."""
    cuts = cuts or {}
    plain = tuple(f for f in fields if f not in cuts)
    classed = tuple((f, cuts[f]) for f in fields if f in cuts)
    read_plain: Reader = itemgetter(*plain) if plain else _nothing
    if not classed:
        return read_plain

    def read(facts: FactValues) -> Key:
        out: list[object] = [read_plain(facts)]
        for name, at in classed:
            value = facts[name]
            if value is None:
                out.append(None)
            else:
                x = scale(value)  # type: ignore[arg-type]
                out.append((bisect_left(at, x), bisect_right(at, x)))
        return tuple(out)

    return read


def _nothing(facts: FactValues) -> Key:
    return ()
