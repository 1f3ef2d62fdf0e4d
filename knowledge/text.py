"""Text folding shared by retrieval and classification: one definition of 'the same word'."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lowercase without accents; length-preserving for the Latin scripts we handle, so
    offsets into the folded text are offsets into the original."""
    out = []
    for ch in text.lower():
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """(folded word, start, end) for each word of ``text``; offsets are into ``text``."""
    folded = fold(text)
    for match in WORD.finditer(folded):
        yield match.group(), match.start(), match.end()
