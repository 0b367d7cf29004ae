"""Counts of acts stated in the facts (先后三次, 共计12次) for 多次 elements."""

from __future__ import annotations

import re

_CN_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_count(s: str) -> int | None:
    """'三' → 3, '12' → 12, '十一' → 11 (small counts only)."""
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN_COUNT.get(s)
    if len(s) == 2 and s[0] == "十":
        return 10 + (_CN_COUNT.get(s[1]) or 0)
    if len(s) == 2 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10
    if len(s) == 3 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10 + (_CN_COUNT.get(s[2]) or 0)
    return None


_TIMES_RE = re.compile(r"(?:先后|共计?|累计|连续|多次|分别)[^，。；]{0,6}?([一二两三四五六七八九十\d]{1,3})次")


def stated_times(text: str) -> int | None:
    """The largest '先后…N次 / 共N次' count stated in the text."""
    best = None
    for m in _TIMES_RE.finditer(text):
        n = cn_count(m.group(1))
        if n and (best is None or n > best):
            best = n
    return best
