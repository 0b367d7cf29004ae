"""Article numbers (1–9999) written the statute's way (``to_cn``) and read back (``from_cn``,
through ``knowledge.numerals``)."""

from __future__ import annotations

from knowledge.numerals import to_number

_DIGITS = "零一二三四五六七八九"


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
    """一百三十三 → 133, 十五 → 15, 二百零五 → 205; ValueError when not a numeral
    (parsed by ``knowledge.numerals``, the one numeral parser)."""
    v = to_number(s)
    if v is None or v != int(v):
        raise ValueError(s)
    return int(v)
