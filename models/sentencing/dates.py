"""Calendar arithmetic for terms: a term of n months served from day A ends on A + n months − 1 day."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus whole months; the day is clamped to the target month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def term_end(start: dt.date, months: int) -> dt.date:
    """Last day of a term of ``months`` that starts (custody first day) on ``start``."""
    return add_months(start, months) - dt.timedelta(days=1)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age on ``day`` (周岁; one is a year older from the day after the birthday)."""
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return years
