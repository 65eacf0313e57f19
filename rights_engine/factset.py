"""Facts as the backends see them: possibility sets and numbers, with three-valued truth.

``FactValues`` maps each fact to the frozenset of its still-possible values (enum and bool facts;
the whole domain when unknown) or to a float / ``None`` (number facts). ``Truth`` is ``True``,
``False`` or ``None`` (unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Union

from .facts import FactSpec

Truth = Optional[bool]
FactValue = Union[frozenset[object], float, None]
FactValues = Mapping[str, FactValue]


def unknown(spec: FactSpec) -> FactValue:
    """The value of a fact nobody knows."""
    return None if spec.kind == "number" else frozenset(spec.domain)


def quantise(value: float) -> float:
    """Numbers are facts to the thousandth (every backend sees the same value)."""
    return round(float(value), 3)


def known(spec: FactSpec, value: object) -> FactValue:
    """The value of a fact known to be ``value``."""
    if spec.kind == "number":
        return quantise(value)  # type: ignore[arg-type]
    return frozenset([value])


def is_known(value: FactValue) -> bool:
    if isinstance(value, frozenset):
        return len(value) == 1
    return value is not None
