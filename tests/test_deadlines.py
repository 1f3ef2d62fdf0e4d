"""Deadlines as EU law counts months (Reg. 1182/71) on Madrid's calendar."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.deadlines import add_months, deadline, is_working_day


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 3, 10), date(2026, 4, 10)),  # a Friday: same date next month
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday -> Monday 2 March
        (date(2025, 1, 31), date(2025, 2, 28)),  # clamped to the month's end, a Friday
        (date(2024, 1, 31), date(2024, 2, 29)),  # leap year
        (date(2026, 11, 8), date(2026, 12, 9)),  # 8 Dec is a holiday (Immaculate Conception) -> 9 Dec
        (date(2026, 4, 1), date(2026, 5, 4)),  # 1 May holiday, 2 May Madrid Day (Sat), 3 May Sunday
        (date(2025, 12, 25), date(2026, 1, 26)),  # 25 Jan 2026 is a Sunday
    ],
)
def test_one_month_deadline(received: date, expected: date):
    assert deadline(received) == expected


def test_extension_adds_two_months():
    assert deadline(date(2026, 3, 10), extended=True) == date(2026, 6, 10)


def test_add_months_across_years():
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_working_days():
    assert is_working_day(date(2026, 3, 10))
    assert not is_working_day(date(2026, 3, 14))  # Saturday
    assert not is_working_day(date(2026, 5, 1))  # Labour Day
