"""Chinese numerals, terms, dates and money as they are written in the documents (both ways)."""

from __future__ import annotations

import datetime as dt
import re

DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
CN = "零一二三四五六七八九"
NUM = r"[零〇一二两三四五六七八九十百千万\d]"


def cn_to_int(s: str) -> int | None:
    """'二百六十四' → 264, '十二' → 12, '3' → 3, '一万五千' → 15000; None if not a number."""
    s = s.strip().replace(",", "").replace("，", "")
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            section += (digit if digit is not None else 1) * UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def int_to_cn(n: int) -> str:
    """264 → '二百六十四', 10 → '十', 15000 → '一万五千' (the way amounts and articles are written)."""
    if n == 0:
        return "零"
    if n >= 10000:
        hi, lo = divmod(n, 10000)
        rest = int_to_cn(lo) if lo else ""
        if lo and lo < 1000:
            rest = "零" + rest
        return int_to_cn(hi) + "万" + rest
    out = ""
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero:
                out += "零"
                zero = False
            out += CN[d] + name
        elif out:
            zero = True
    if out.startswith("一十"):
        out = out[1:]
    return out


def months_to_cn(m: int, zero_word: bool = False) -> str:
    """18 → '一年六个月' ('一年零六个月' with zero_word), 8 → '八个月', 24 → '二年'."""
    y, mo = divmod(m, 12)
    parts = []
    if y:
        parts.append(int_to_cn(y) + "年")
    if mo:
        parts.append(("零" if y and zero_word else "") + int_to_cn(mo) + "个月")
    return "".join(parts)


TERM_RX = re.compile(rf"(?:({NUM}+)年)?[零又]?(?:({NUM}+)个?月)?")


def term_to_months(s: str) -> int | None:
    """'一年六个月' → 18, '一年又六个月' → 18, '八个月' → 8, '三年' → 36; None when nothing parses."""
    m = re.fullmatch(rf"\s*(?:({NUM}+)年)?[零又]?(?:({NUM}+)个?月)?\s*", s)
    if not m or not (m.group(1) or m.group(2)):
        return None
    y = cn_to_int(m.group(1)) if m.group(1) else 0
    mo = cn_to_int(m.group(2)) if m.group(2) else 0
    if y is None or mo is None:
        return None
    return y * 12 + mo


DATE_RX = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
CN_DATE_RX = re.compile(r"([〇○Ｏ零O一二三四五六七八九]{4})年([十一二三四五六七八九]{1,3})月([十一二三四五六七八九]{1,3})日")


def parse_date(s: str) -> dt.date | None:
    m = DATE_RX.search(s)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = CN_DATE_RX.search(s)
    if m:
        y = int("".join(str(DIGITS[c]) for c in m.group(1)))
        mo, d = cn_to_int(m.group(2)), cn_to_int(m.group(3))
        try:
            return dt.date(y, mo or 0, d or 0)
        except ValueError:
            return None
    return None


def date_str(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def date_cn(d: dt.date) -> str:
    """2017-06-28 → '二〇一七年六月二十八日' (the court's and sometimes the procuratorate's way)."""
    y = "".join("〇一二三四五六七八九"[int(c)] for c in str(d.year))
    return f"{y}年{int_to_cn(d.month)}月{int_to_cn(d.day)}日"


def add_months(d: dt.date, months: int) -> dt.date:
    """Calendar months; the day is clipped to the month's end."""
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise ValueError(d)


MONEY_RX = re.compile(rf"(人民币)?((?:\d[\d,，]*(?:\.\d+)?)|{NUM}+)(万)?元")


def parse_money(s: str) -> float | None:
    """'人民币二千元' → 2000, '3,000元' → 3000, '1.5万元' → 15000."""
    m = MONEY_RX.search(s)
    if not m:
        return None
    num = m.group(2).replace(",", "").replace("，", "")
    try:
        v = float(num)
    except ValueError:
        iv = cn_to_int(num)
        if iv is None:
            return None
        v = float(iv)
    return v * 10000 if m.group(3) else v


def money_text(yuan: float, style: str) -> str:
    """An amount of money written one of the ways the documents write it."""
    n = int(round(yuan))
    if style == "cn":
        return f"人民币{int_to_cn(n)}元"
    if style == "digits_plain":
        return f"{n}元"
    if style == "wan" and n % 10000 == 0 and n >= 10000:
        return f"人民币{n // 10000}万元"
    return f"人民币{n}元"
