"""Durations of sentences: 一年六个月 / 三年零六个月 / 1年6个月 / 二十个月 / 一年半 → months.

Only years and months are handled; a duration in days (拘役十五日, 二个月十五日) gives None from
``parse_duration_months`` because a whole number of months would be a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.extract.numerals import to_int

# A plain numeral usable for years/months: Chinese (incl. 两/〇/零), Arabic or full-width digits.
_NUM = r"[零〇一二两三四五六七八九十百0-9０-９]{1,4}"

# Regex fragment for a duration in years and/or months (no capture groups; reuse freely).
# Matches 一年六个月, 三年零六个月, 一年又六个月, 1年6个月, 十个月, 二十个月, 一年, 一年半, 半年, 6个月.
DURATION_RE = (
    rf"(?:{_NUM}年(?:[零又]?{_NUM}个?月|半)?|{_NUM}个月|{_NUM}月(?![份底初中末日])|半年)"
)

# A duration followed by days: 二个月十五日 (recognised so that callers can tell it apart).
DURATION_DAYS_RE = rf"(?:{DURATION_RE})?{_NUM}(?:日|天)"

_PARSE = re.compile(
    rf"^(?:(?P<y>{_NUM})年(?:[零又]?(?P<m1>{_NUM})个?月|(?P<half>半))?|(?P<m2>{_NUM})个?月|(?P<hy>半年))$"
)
_DAYS_TAIL = re.compile(rf"{_NUM}(?:日|天)$")


@lru_cache(maxsize=2048)
def parse_duration_months(text: str) -> int | None:
    """Months in a duration written in years/months; None if it is not one (or has days)."""
    s = re.sub(r"\s+", "", text or "")
    if not s or _DAYS_TAIL.search(s):
        return None
    m = _PARSE.match(s)
    if not m:
        return None
    if m.group("hy"):
        return 6
    if m.group("y") is not None:
        years = to_int(m.group("y"))
        if years is None:
            return None
        months = 0
        if m.group("m1"):
            mv = to_int(m.group("m1"))
            if mv is None:
                return None
            months = mv
        elif m.group("half"):
            months = 6
        return years * 12 + months
    mv = to_int(m.group("m2"))
    return mv


__all__ = ["DURATION_RE", "DURATION_DAYS_RE", "parse_duration_months"]
