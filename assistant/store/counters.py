"""Counters shared by every worker (rate limits, failed logins), kept in the database so all
processes see the same counts.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, delete, func, select, text

from .models import (
    RateCounter,
)

_HIT = text(
    "INSERT INTO rate_counters (key, window_end, count) VALUES (:key, :window_end, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_counters.window_end = excluded.window_end THEN rate_counters.count + 1 ELSE 1 END, "
    "window_end = excluded.window_end "
    "RETURNING count"
)


COUNTER_KEEP_SECONDS = 86_400  # finished counter windows are kept a day, so read_recent sees the one before


def window_end(now: float, window: int) -> int:
    """The end of the fixed window that ``now`` falls in (Unix seconds)."""
    return (int(now) // window + 1) * window


def hit_counter(connection: Connection, key: str, *, window: int, now: float) -> int:
    """Count one more event for ``key`` in the current window; returns the count so far. One
    statement (an upsert), so concurrent workers never lose a hit."""
    count = connection.execute(_HIT, {"key": key[:255], "window_end": window_end(now, window)}).scalar_one()
    if secrets.randbelow(100) == 0:  # now and then, forget windows finished a day ago (a login window is shorter)
        connection.execute(delete(RateCounter).where(RateCounter.window_end < int(now) - COUNTER_KEEP_SECONDS))
    return int(count)


def read_counter(connection: Connection, key: str, *, window: int, now: float) -> int:
    """The count for ``key`` in the current window, without counting."""
    value = connection.scalar(
        select(RateCounter.count).where(RateCounter.key == key[:255], RateCounter.window_end == window_end(now, window))
    )
    return int(value or 0)


def read_recent(connection: Connection, key: str, *, window: int, now: float) -> int:
    """The count for ``key`` in the current window and the one before: a fixed window alone would
    forget every failure at its boundary, so five guesses just before it and five just after pass."""
    ends = (window_end(now, window), window_end(now, window) - window)
    value = connection.scalar(
        select(func.sum(RateCounter.count)).where(RateCounter.key == key[:255], RateCounter.window_end.in_(ends))
    )
    return int(value or 0)


def reset_counter(connection: Connection, key: str) -> None:
    connection.execute(delete(RateCounter).where(RateCounter.key == key[:255]))
