"""Normalisation of source texts and quotes before a quote is looked up in its source.

The vendored seeds carry artefacts of their conversion: line and page breaks that split a sentence
(even a word), ``[bookmark: …]`` anchors and ``**`` bold markers. A quote is "verbatim" when it stands in
the source once those artefacts and all white space are removed from both.
"""

from __future__ import annotations

import re

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_WHITESPACE = re.compile(r"[\s\u3000\u00a0\ufeff]+")


def normalise(text: str) -> str:
    """Drop bookmarks, bold markers and every kind of white space."""
    text = _BOOKMARK.sub("", text)
    text = text.replace("**", "")
    return _WHITESPACE.sub("", text)


def quote_stands_in(quote: str, source_text: str) -> bool:
    """True when ``quote`` stands verbatim in ``source_text`` (after normalising both)."""
    needle = normalise(quote)
    return bool(needle) and needle in normalise(source_text)
