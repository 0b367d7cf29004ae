"""Chinese numerals: the one place that turns 二百六十四 / 二〇一七 / 叁万 / 1.5万 into numbers.

Built on cn2an; results are cached because documents repeat the same few numerals. It lives in
``knowledge`` so that both ``knowledge`` (statute article numbers, case features) and ``models``
(``models.extract.numerals`` re-exports it) use it; cn2an is imported on the first non-Arabic
numeral only (its import alone costs ~0.3 s).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Characters that may appear inside a numeral (Chinese, financial, Arabic, 〇/零, 两).
CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
CN_UNITS = "十拾百佰千仟万萬亿億"
NUMERAL_CHARS = CN_DIGITS + CN_UNITS + "0123456789０１２３４５６７８９.．,，"
NUMERAL_RE = f"[{CN_DIGITS}{CN_UNITS}0-9０-９][{CN_DIGITS}{CN_UNITS}0-9０-９.．,]*"

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


@lru_cache(maxsize=4096)
def to_number(text: str) -> float | None:
    """Value of a numeral (Chinese, financial, Arabic or mixed like 1.5万); None if not one."""
    s = text.strip().translate(_FULLWIDTH).replace(",", "")
    if not s:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    s = s.replace("萬", "万").replace("億", "亿")
    small = _small_int(s)
    if small is not None:  # what cn2an gives (tests compare all of them), without importing it
        return float(small)
    import cn2an  # lazy: see the module docstring

    try:
        v = cn2an.cn2an(s, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(v)


_CN = "零一二三四五六七八九"
_DIGIT = {c: i for i, c in enumerate(_CN)} | {"两": 2}
_SMALL_RE = re.compile("(?:([一二两三四五六七八九])千)?(?:零?([一二两三四五六七八九])百)?"
                       "(?:零?([一二三四五六七八九])?(十))?(?:零?([一二三四五六七八九]))?")


def _canonical_small(n: int) -> str:
    """1–9999 written the standard way: 二千零五, 一百一十, 十二 (not 一十二)."""
    out: list[str] = []
    gap = False
    for unit, val in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d, n = divmod(n, val)
        if d:
            out.append(("零" if gap else "") + _CN[d] + unit)
            gap = False
        elif out:
            gap = True
    s = "".join(out)
    return s[1:] if s.startswith("一十") else s


def small_forms(n: int) -> set[str]:
    """The written forms of 1–9999 that ``_small_int`` reads: the standard one, 一十二 for 十二,
    两 for 二 before 千/百."""
    s = _canonical_small(n)
    forms = {s, "一" + s if s.startswith("十") else s}
    forms |= {f.replace("二千", "两千", 1) for f in forms}
    return forms | {f.replace("二百", "两百", 1) for f in forms}


def _small_int(s: str) -> int | None:
    """Value of a standard Chinese numeral 1–9999 (二百六十四, 十五, 两千零三); None for anything else
    (left to cn2an)."""
    m = _SMALL_RE.fullmatch(s)
    if not m or not s:
        return None
    th, hu, te, ten, one = m.groups()
    d = _DIGIT
    n = (d[th] * 1000 if th else 0) + (d[hu] * 100 if hu else 0) + ((d[te] if te else 1) * 10 if ten else 0) + (d[one] if one else 0)
    return n if n and s in small_forms(n) else None


def to_int(text: str) -> int | None:
    v = to_number(text)
    return None if v is None else int(round(v))


def year_digits(text: str) -> int | None:
    """A year written digit by digit: 二〇一七 / 2017 → 2017."""
    s = text.strip().translate(_FULLWIDTH).translate(_YEAR_DIGITS)
    return int(s) if s.isdigit() and len(s) == 4 else None
