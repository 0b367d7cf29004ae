"""Small Chinese-numeral helpers for article numbers (1–9999), without importing cn2an
(whose import alone costs ~0.3 s)."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_VALUE = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def to_cn(n: int) -> str:
    """110 → 一百一十, 10 → 十, 205 → 二百零五 (the style of statute article numbers)."""
    if not 0 < n < 10000:
        raise ValueError(n)
    out = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d:
            if zero:
                out.append("零")
                zero = False
            out.append(_DIGITS[d] + name)
        elif out:
            zero = True
    s = "".join(out)
    return s[1:] if s.startswith("一十") else s


def from_cn(s: str) -> int:
    """一百三十三 → 133, 十五 → 15, 二百零五 → 205; ValueError when not a numeral."""
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _VALUE:
            cur = _VALUE[ch]
        elif ch in _UNITS:
            total += (cur or 1) * _UNITS[ch]
            cur = 0
        else:
            raise ValueError(s)
    return total + cur
