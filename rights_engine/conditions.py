"""The condition language: one small grammar, parsed once into an immutable AST.

Grammar (see docs/rule-format.md)::

    expr := or ;  or := and ("or" and)* ;  and := not ("and" not)* ;  not := "not" not | atom
    atom := "(" expr ")" | "surely" "(" expr ")" | "true" | "false"
          | FIELD [ OP literal | ["not"] "in" "[" literal, ... "]" ]

``surely(x)`` is true when ``x`` is true on the facts given and false otherwise (an unknown ``x`` counts as
false): it is never unknown. ``not surely(receives_pension)`` keeps a right for everyone except those known to
draw a pension, so an unanswered question never takes a right away or makes it pending.

Nothing here ever calls ``eval``. Backends (``rights_engine.backends``) compile the AST; the schema
check (:func:`check`) makes sure every field exists and every literal lies in its field's domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Union

from ._memo import IdentityMemo
from .facts import FactSpec


class ConditionError(ValueError):
    """A condition that does not parse or does not fit the fact schema."""


Literal_ = Union[str, float, bool]


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Member:
    """``field in values`` (``field == v`` is ``Member(field, {v})``); ``negated`` for ``not in`` / ``!=``."""

    field: str
    values: frozenset[Literal_]
    negated: bool = False


@dataclass(frozen=True)
class Compare:
    """A numeric comparison ``field op number``."""

    field: str
    op: str
    value: float


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Surely:
    """``surely(item)``: true when ``item`` is true, false when it is false or unknown (never unknown)."""

    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Union[Const, Member, Compare, Not, Surely, And, Or]
Atom = Union[Member, Compare]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?)
      | (?P<str>"[^"\\]*"|'[^'\\]*')
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "surely"}
_NUMERIC_OPS = {"<", "<=", ">", ">="}


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"unexpected character at {pos}: {text[pos:pos + 12]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value))
        pos = match.end()
    return tokens


#: How deeply ``(`` and ``not`` may nest in one condition.
MAX_DEPTH = 64


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.pos = 0
        self.depth = 0

    def deeper(self) -> None:
        """One more level of ``(`` or ``not``: refused past MAX_DEPTH (the parser and every walk recurse)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"the condition is nested more than {MAX_DEPTH} levels deep")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            want = value or kind or "more input"
            got = token[1] if token else "end of condition"
            raise ConditionError(f"expected {want}, found {got!r}")
        self.pos += 1
        return token

    def accept(self, kind: str, value: str) -> bool:
        token = self.peek()
        if token == (kind, value):
            self.pos += 1
            return True
        return False

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()[1]!r} after a complete condition")  # type: ignore[index]
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.accept("kw", "or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.accept("kw", "and"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        if self.accept("kw", "not"):
            self.deeper()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.atom()

    def literal(self) -> Literal_:
        kind, value = self.take()
        if kind == "num":
            return float(value)
        if kind == "str":
            return value[1:-1]
        if kind == "kw" and value in ("true", "false"):
            return value == "true"
        raise ConditionError(f"expected a literal, found {value!r}")

    def atom(self) -> Node:
        if self.accept("punct", "("):
            self.deeper()
            node = self.or_()
            self.take("punct", ")")
            self.depth -= 1
            return node
        if self.accept("kw", "surely"):
            self.take("punct", "(")
            self.deeper()
            node = Surely(self.or_())
            self.take("punct", ")")
            self.depth -= 1
            return node
        if self.accept("kw", "true"):
            return Const(True)
        if self.accept("kw", "false"):
            return Const(False)
        _, field = self.take("name")
        token = self.peek()
        if token and token[0] == "op":
            op = self.take()[1]
            value = self.literal()
            if op in _NUMERIC_OPS:
                if isinstance(value, bool) or not isinstance(value, float):
                    raise ConditionError(f"{field} {op} needs a number")
                return Compare(field, op, value)
            return Member(field, frozenset([value]), negated=(op == "!="))
        negated = False
        if token == ("kw", "not"):
            self.take()
            negated = True
            token = self.peek()
        if token == ("kw", "in"):
            self.take()
            self.take("punct", "[")
            values = [self.literal()]
            while self.accept("punct", ","):
                values.append(self.literal())
            self.take("punct", "]")
            return Member(field, frozenset(values), negated=negated)
        if negated:
            raise ConditionError(f"expected 'in' after '{field} not'")
        return Member(field, frozenset([True]))


def parse(text: str) -> Node:
    """Parse a condition; raise :class:`ConditionError` with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("a condition must be a non-empty string")
    return _Parser(text).parse()


def atoms(node: Node) -> Iterator[Atom]:
    """Every comparison in the condition, left to right."""
    if isinstance(node, (Member, Compare)):
        yield node
    elif isinstance(node, (Not, Surely)):
        yield from atoms(node.item)
    elif isinstance(node, (And, Or)):
        for item in node.items:
            yield from atoms(item)


def fields(node: Node) -> tuple[str, ...]:
    """The fields a condition reads, in order of first appearance (found once per condition: nodes are immutable)."""
    return _fields(node)


def _fields_of(node: Node) -> tuple[str, ...]:
    return tuple(dict.fromkeys(atom.field for atom in atoms(node)))


_fields: IdentityMemo[Node, tuple[str, ...]] = IdentityMemo(_fields_of, limit=1 << 14)


def _normalise_literal(spec: FactSpec, value: Literal_) -> Literal_:
    if spec.kind == "number" and isinstance(value, float):
        return value
    return value


def check(node: Node, schema: Mapping[str, FactSpec]) -> None:
    """Raise :class:`ConditionError` unless every field and literal fits ``schema``."""
    for atom in atoms(node):
        spec = schema.get(atom.field)
        if spec is None:
            raise ConditionError(f"unknown fact {atom.field!r}")
        if isinstance(atom, Compare):
            if spec.kind != "number":
                raise ConditionError(f"{atom.field} is not a number; use == or in")
            if round(atom.value, 3) != atom.value:
                raise ConditionError(f"{atom.field}: thresholds have at most three decimals")
            continue
        if spec.kind == "number":
            raise ConditionError(f"{atom.field} is a number; compare it with <, <=, > or >=")
        for value in atom.values:
            if not spec.accepts(_normalise_literal(spec, value)):
                raise ConditionError(f"{value!r} is not a value of {atom.field} ({', '.join(map(str, spec.domain))})")


def render(node: Node) -> str:
    """The condition back as text (canonical form), for explanations and docs."""
    if isinstance(node, Const):
        return "true" if node.value else "false"
    if isinstance(node, Compare):
        return f"{node.field} {node.op} {node.value:g}"
    if isinstance(node, Member):
        values = sorted(node.values, key=repr)
        if values == [True] and not node.negated:
            return node.field
        if len(values) == 1:
            return f"{node.field} {'!=' if node.negated else '=='} {_lit(values[0])}"
        inner = ", ".join(_lit(v) for v in values)
        return f"{node.field} {'not in' if node.negated else 'in'} [{inner}]"
    if isinstance(node, Not):
        return f"not {_wrap(node.item)}"
    if isinstance(node, Surely):
        return f"surely({render(node.item)})"
    joiner = " and " if isinstance(node, And) else " or "
    return joiner.join(_wrap(item) for item in node.items)


def _wrap(node: Node) -> str:
    return f"({render(node)})" if isinstance(node, (And, Or)) else render(node)


def _lit(value: Literal_) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return f'"{value}"'
