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
    import cn2an  # lazy: see the module docstring

    try:
        v = cn2an.cn2an(s, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(v)


def to_int(text: str) -> int | None:
    v = to_number(text)
    return None if v is None else int(round(v))


def year_digits(text: str) -> int | None:
    """A year written digit by digit: 二〇一七 / 2017 → 2017."""
    s = text.strip().translate(_FULLWIDTH).translate(_YEAR_DIGITS)
    return int(s) if s.isdigit() and len(s) == 4 else None
