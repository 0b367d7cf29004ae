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


def period_end(d: dt.date) -> dt.date:
    """A period's last day moved past a weekend (刑事诉讼法第一百零五条第四款: 期间的最后一日为节假日的，
    以节假日后的第一日为期满日期). Other statutory holidays are not known to the tool."""
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def term_end(start: dt.date, months: int) -> dt.date:
    """Last day of a term of ``months`` that starts (custody first day) on ``start``."""
    return add_months(start, months) - dt.timedelta(days=1)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age (周岁) on ``day``.

    周岁 are counted by the Gregorian calendar "from the day after the birthday" (最高人民法院《关于
    审理未成年人刑事案件具体应用法律若干问题的解释》法释〔2006〕1号 第二条): on the 18th birthday one
    is still 17 and 已满十八周岁 only from the next day. The same count serves every age line the
    checks use (12, 14, 16, 18, 75). Someone born on 29 February has no birthday in a common year;
    there the birthday is taken as 28 February, so the new year of age starts on 1 March.
    0 on the day of birth and on any day before it (callers compare only later days).
    """
    birthday_not_yet_passed = (day.month, day.day) <= (birth.month, birth.day)
    return max(0, day.year - birth.year - birthday_not_yet_passed)


_OUT = ("bail", "residence")  # out of custody: 取保候审, 监视居住
_IN = ("detention", "arrest")  # back in custody: 刑事拘留, 逮捕


def days_out_of_custody(measures: list, start: dt.date, until: dt.date | None = None) -> int | None:
    """Most days the defendant can have spent out of custody after ``start`` (the first day of the
    term as stated): each 取保候审 / 监视居住 on or after ``start`` up to the last 拘留 / 逮捕 before the
    next release ("同年12月7日被取保候审，2017年6月27日经本院决定逮捕" → 202 days). None when a
    release is followed by no later custody (the end of the term cannot be bounded). A release on
    or after ``until`` (the day the term ends without interruption) interrupts nothing: the term was
    served by then ("2018年1月23日经本院决定被取保候审" at the end of a term served in custody).

    ``measures`` are the defendant's DateMention objects with roles (models.extract.people)."""
    events = sorted((m.date, m.role) for m in measures if m.role in _OUT + _IN)
    total = 0
    i = 0
    while i < len(events):
        day, role = events[i]
        if role not in _OUT or day < start or (until is not None and day >= until):
            i += 1
            continue
        j = i + 1
        back = None
        while j < len(events) and events[j][1] in _IN + _OUT:
            if events[j][1] in _IN:
                back = events[j][0]
            elif back is not None:
                break  # released again after a return to custody: a new interval
            j += 1
        if back is None:
            return None
        total += (back - day).days
        i = j
    return total
