"""Entities out of text before it is kept or learnt from: names, IDs, e-mails, phones, addresses, policy numbers.

Gold messages and chat questions are stored and trained on only in this form (GDPR Art. 5(1)(c),
Art. 25): the model and its vocabulary must not carry a requester's personal data. The pattern
finder (``entities.extract_entities``) misses a name written without an introduction, so the
values the case already knows about the requester are masked wherever they occur, too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .entities import EMAIL_RE, extract_entities

PLACEHOLDER = {
    "names": "[NAME]",
    "id_numbers": "[ID]",
    "policy_numbers": "[POLICY]",
    "claim_numbers": "[CLAIM]",
    "emails": "[EMAIL]",
    "phones": "[PHONE]",
    "addresses": "[ADDRESS]",
}
MIN_KNOWN_WORD = 3  # shorter pieces of a known name ("de", "Li") would mask ordinary words


def mask(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with every entity replaced by its kind; ``known``: values to mask wherever they occur.

    >>> mask("Soy Ana Pérez Gil, DNI 12345678Z, ana@example.com", known=["Ana Pérez"])
    'Soy [NAME], DNI [ID], [EMAIL]'
    """
    spans: list[tuple[int, int, str]] = []
    for kind, items in extract_entities(text).items():
        if kind in PLACEHOLDER:
            spans += [(e.start, e.end, PLACEHOLDER[kind]) for e in items]
    for value in known:
        for piece in _pieces(value or ""):
            spans += [(m.start(), m.end(), "[NAME]") for m in re.finditer(_word(piece), text, re.IGNORECASE)]
    out, cursor = [], 0
    for start, end, placeholder in sorted(spans, key=lambda s: (s[0], -s[1])):  # the longest of those at a place
        if start < cursor:  # overlaps a span already replaced
            continue
        out += [text[cursor:start], placeholder]
        cursor = end
    out.append(text[cursor:])
    return re.sub(r"(\[NAME\])(?:[ \t]+\[NAME\])+", r"\1", "".join(out))


def _pieces(value: str) -> list[str]:
    """A known value and, for a name or an address, its words: "Ana Pérez Gil" -> the three words too."""
    value = value.strip()
    if not value:
        return []
    if EMAIL_RE.fullmatch(value):
        local = value.split("@", 1)[0]
        return [value, *[w for w in re.split(r"[._+-]", local) if len(w) >= MIN_KNOWN_WORD]]
    return [value, *[w for w in re.findall(r"\w+", value) if len(w) >= MIN_KNOWN_WORD]]


def _word(piece: str) -> str:
    return rf"(?<!\w){re.escape(piece)}(?!\w)"
