"""A tiny HTML builder that escapes by default.

Every text child and every attribute value goes through :func:`html.escape` unless it is already
:class:`Markup` (built here). Nothing from a request or a result can reach the page unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Union

VOID = frozenset({"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"})
Child = Union["Markup", str, int, float, None, Iterable["Child"]]
AttrValue = Union[str, int, float, bool, None]


class Markup(str):
    """Text that is already HTML (made by :func:`h`, :func:`join` or :func:`esc`)."""

    __slots__ = ()


def esc(value: object) -> Markup:
    """``value`` as escaped HTML text (unchanged if it is already :class:`Markup`)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def join(children: Iterable[Child]) -> Markup:
    return Markup("".join(_render(c) for c in children))


def _render(child: Child) -> str:
    if child is None:
        return ""
    if isinstance(child, (str, int, float)):
        return esc(child)
    return join(child)


def _attr_name(key: str) -> str:
    return key.rstrip("_").replace("_", "-")


def h(tag: str, *children: Child, **attrs: AttrValue) -> Markup:
    """``<tag attrs>children</tag>``. ``class_`` → ``class``, ``data_x`` → ``data-x``; True → bare, None/False → absent."""
    parts = [tag]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _attr_name(key)
        parts.append(name if value is True else f'{name}="{esc(value)}"')
    start = "<" + " ".join(parts) + ">"
    if tag in VOID:
        return Markup(start)
    return Markup(f"{start}{join(children)}</{tag}>")
