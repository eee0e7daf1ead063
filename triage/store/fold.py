"""Text folded for search: case and accents do not matter.

``Müller`` is found by ``muller``, ``Zoë`` by ``zoe``, ``ÅSA`` by ``asa``:
compatibility decomposition (NFKD) splits a letter from its accents, the
combining marks are dropped, then the text is casefolded (``ß`` becomes
``ss``).  The search column is stored folded and the query is folded the
same way, so a LIKE finds one in the other.
"""

from __future__ import annotations

import unicodedata


class _Marks(dict[int, int | None]):
    """A ``str.translate`` table that drops the combining marks: each code
    point is looked up once with ``unicodedata.combining`` and remembered,
    so a fold costs one C-level pass instead of a Python loop per character
    (the same characters are dropped: exactly those ``combining`` says are
    marks)."""

    def __missing__(self, point: int) -> int | None:
        kept = None if unicodedata.combining(chr(point)) else point
        self[point] = kept
        return kept


_MARKS = _Marks()


def strip_marks(text: str) -> str:
    """``text`` without the characters ``unicodedata.combining`` calls marks."""
    return text.translate(_MARKS)


def fold(text: str) -> str:
    """``text`` without case or accents (ASCII text only loses its case)."""
    if text.isascii():
        return text.lower()
    bare = unicodedata.normalize("NFKD", text).translate(_MARKS)
    # Casefolding can bring back a composed form (rare): fold that once more.
    folded = bare.casefold()
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).translate(_MARKS)
