"""Legal deadlines for answering a request, counted as EU law counts months.

GDPR Art. 12(3): one month from receipt, extendable by two further months.
Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c): a period in months ends on the day of the
last month with the same date as the day the event occurred; if that date does not exist in the
last month, on that month's last day. Art. 3(4): a period ending on a Saturday, Sunday or public
holiday ends on the next working day. Public holidays: Madrid (Caser's seat), national and regional.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

RESPONSE_MONTHS = 1  # GDPR Art. 12(3)
EXTENSION_MONTHS = 2  # GDPR Art. 12(3), "by two further months"


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.Spain(subdiv="MD", years=[year, year + 1])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_months(start: date, months: int) -> date:
    """Same date ``months`` later, clamped to the month's last day (Reg. 1182/71 Art. 3(2)(c)).

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@cache  # every message of a day shares its deadline; the holiday lookups are the slow part
def deadline(received: date, *, extended: bool = False) -> date:
    """The last day to answer a request received on ``received``.

    >>> deadline(date(2026, 3, 7))  # 7 April 2026 is a Tuesday
    datetime.date(2026, 4, 7)
    >>> deadline(date(2026, 1, 31))  # 28 Feb 2026 is a Saturday: next working day
    datetime.date(2026, 3, 2)
    """
    months = RESPONSE_MONTHS + (EXTENSION_MONTHS if extended else 0)
    return next_working_day(add_months(received, months))


def days_left(due: date, today: date) -> int:
    return (due - today).days
