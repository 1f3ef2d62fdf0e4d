"""Input checks shared by every route: one place decides what a JSON body, a date or a text may be.

Why here and not per view: a hostile body (50,000 nested brackets, a lone surrogate, NUL, a
year-10000 date, an id past 64 bits) must meet the same 4xx everywhere, never a traceback.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_JSON_DEPTH = 20  # our documents nest 3 levels; 20 leaves room and stays far from the recursion limit
# Text the database cannot hold (PostgreSQL refuses NUL; UTF-8 has no lone surrogates).
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A received date outside these years is a typo or a probe; the deadline arithmetic needs headroom too.
FIRST_DATE = date(1990, 1, 1)
LAST_DATE = date(2100, 12, 31)
# PostgreSQL's integer: ids beyond it cannot exist, so the route does not match (404).
MAX_ID = 2**31 - 1


class InvalidInput(ValueError):
    """The request's data is not acceptable; the message says why, for the 4xx answer."""


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` limited to 0..MAX_ID: a larger number is no id (404), never an OverflowError.

    NotFound rather than werkzeug's ValidationError, which would let the router answer 405.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound("no such id: it is larger than any id can be")
        return number


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not valid JSON")


def load_json(data: bytes | str) -> Any:
    """Parse a JSON body, refusing NaN/Infinity, deep nesting and unstorable text.

    >>> load_json(b'{"q": "hola"}')
    {'q': 'hola'}
    """
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidInput(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput("the body is not valid JSON (UTF-8)") from None
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """Walk a parsed document without recursion: depth and every string (keys included)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise InvalidInput(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def check_text(text: str, name: str = "text") -> str:
    """``text`` unchanged, or InvalidInput when it holds NUL or a lone surrogate."""
    if UNSTORABLE.search(text):
        raise InvalidInput(f"{name} contains a NUL character or an unpaired surrogate")
    return text


def parse_date(raw: Any, name: str) -> date:
    """A calendar date written ``YYYY-MM-DD`` between FIRST_DATE and LAST_DATE.

    >>> parse_date("2026-12-01", "received")
    datetime.date(2026, 12, 1)
    """
    problem = f"'{name}' must be a date written YYYY-MM-DD between {FIRST_DATE} and {LAST_DATE}"
    if not isinstance(raw, str) or not ISO_DATE.fullmatch(raw):
        raise InvalidInput(problem)
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(problem) from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise InvalidInput(problem)
    return value
