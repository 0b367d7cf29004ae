"""Counts of acts stated in the facts (先后三次, 共计12次) for 多次 elements."""

from __future__ import annotations

import re

from knowledge.numerals import to_int


def cn_count(s: str) -> int | None:
    """'三' → 3, '12' → 12, '十一' → 11: a count written in the facts (models.extract.numerals)."""
    return to_int(s)


_TIMES_RE = re.compile(r"(?:先后|共计?|累计|连续|多次|分别)[^，。；]{0,6}?([一二两三四五六七八九十\d]{1,3})次")


def stated_times(text: str) -> int | None:
    """The largest '先后…N次 / 共N次' count stated in the text."""
    best = None
    for m in _TIMES_RE.finditer(text):
        n = cn_count(m.group(1))
        if n and (best is None or n > best):
            best = n
    return best
