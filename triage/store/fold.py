"""Text folded for search: case and accents do not matter.

``Müller`` is found by ``muller``, ``Zoë`` by ``zoe``, ``ÅSA`` by ``asa``:
compatibility decomposition (NFKD) splits a letter from its accents, the
combining marks are dropped, then the text is casefolded (``ß`` becomes
``ss``).  The search column is stored folded and the query is folded the
same way, so a LIKE finds one in the other.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` without case or accents (ASCII text only loses its case)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join([ch for ch in decomposed if not unicodedata.combining(ch)])
    # Casefolding can bring back a composed form (rare): fold that once more.
    folded = bare.casefold()
    if folded.isascii():
        return folded
    again = unicodedata.normalize("NFKD", folded)
    return "".join([ch for ch in again if not unicodedata.combining(ch)])
