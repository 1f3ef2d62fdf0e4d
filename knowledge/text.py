"""Text folding shared by retrieval and classification: one definition of 'the same word'."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _fold_table() -> dict[int, str]:
    """Accented Latin letters to their base letter, one character for one (offsets survive)."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        ch = chr(code).lower()
        if len(ch) != 1:
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch:
            table[ord(ch)] = base
    table[ord("’")] = "'"
    return table


FOLD_TABLE = _fold_table()
NON_ASCII = re.compile(r"[^\x00-\x7f]")  # every key of FOLD_TABLE is outside ASCII


def _fold_char(m: re.Match[str]) -> str:
    ch = m.group()
    return FOLD_TABLE.get(ord(ch), ch)


def fold(text: str) -> str:
    """Lowercase without accents; length-preserving, so offsets into the folded text are
    offsets into the original.

    >>> fold("Supresión DE DATOS")
    'supresion de datos'
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two ("İ"): fold one by one
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    if lowered.isascii():
        return lowered
    # Only the non-ASCII characters are looked up: str.translate looked up every character, and a
    # long letter is folded several times per analysis.
    return NON_ASCII.sub(_fold_char, lowered)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """(folded word, start, end) for each word of ``text``; offsets are into ``text``."""
    for match in WORD.finditer(fold(text)):
        yield match.group(), match.start(), match.end()
