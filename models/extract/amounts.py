"""Sums of money in yuan: 人民币10万元, 3.5万元, 12000余元, 叁万元, 三万五千元, 1,200元.

Only numbers directly followed by 元 (or 万元/亿元, with 余/多/许 allowed) are taken, so years,
dates, ID and phone numbers never become amounts. Foreign currencies (美元, 港元…) and 元月/元旦
are skipped. "人民币壹万贰仟元（12000元）" gives two amounts; the first is ``written_in_words``.
"""

from __future__ import annotations

import re

from models.extract.numerals import to_number
from models.types import Amount

_CN_DIGITS = "零〇一二两三四五六七八九壹贰贰叁肆伍陆柒捌玖"
_CN_UNITS = "十拾百佰千仟万萬亿億"
# (a group that starts with 0 is never a new number: 2,013183.74 is a mistyped 2,013,183.74)
_ARABIC = r"\d{1,3}(?:,\d{3})*,0\d{2,}(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT_RE = re.compile(
    r"(?=[人\d" + _CN_DIGITS + r"十拾])"
    r"(?P<rmb>人民币\s*)?"
    r"(?:(?P<ar>" + _ARABIC + r")\s*(?P<arunit>[万萬亿億千仟百佰])?(?:(?P<ar2>\d{1,4})(?P<arunit2>[千仟百佰]))?"
    r"|(?P<cn>[" + _CN_DIGITS + r"十拾][" + _CN_DIGITS + _CN_UNITS + r"]*?))"
    r"(?P<approx1>余|多|许)?(?P<unit2>[万萬亿億])?(?P<approx2>余|多|许)?"
    r"(?P<yuan>元)(?![月旦宵素首件])"
)
_FOREIGN_BEFORE = re.compile(r"(?:美|港|日|欧|澳|加|新台币|台币|韩)$|(?:美元|港元|港币|欧元|日元|英镑|卢布|韩元)$")
_PREV_CHAR_BAD = re.compile(r"[\dA-Za-z.．]$")
_PENALTY_BEFORE = re.compile(r"(?:罚金|罚款|罚没)(?:人民币)?\s*$")


def _value(m: re.Match[str]) -> float | None:
    if m.group("ar"):
        v = to_number(m.group("ar").replace(",", ""))
        if v is None:
            return None
        unit = m.group("arunit")
        if unit in ("万", "萬"):
            v *= 10_000
        elif unit in ("亿", "億"):
            v *= 100_000_000
        elif unit:  # 7千元, 3千余元, 5百元
            v *= 1000 if unit in "千仟" else 100
        if m.group("ar2"):  # 2万5千元
            if unit not in ("万", "萬"):
                return None
            v += float(m.group("ar2")) * (1000 if m.group("arunit2") in "千仟" else 100)
        if m.group("unit2"):
            if unit and unit in "万萬亿億":
                return None  # 3万万元: not a real amount
            if m.group("ar2"):
                return None
            v *= 10_000 if m.group("unit2") in ("万", "萬") else 100_000_000
        return v
    cn = m.group("cn")
    if m.group("unit2"):
        cn += m.group("unit2")
    if cn[-1] in "十拾百佰千仟" and m.group("approx1") and m.group("unit2"):
        pass  # 十余万元: 十万 approximately
    return to_number(cn)


def extract_amounts(text: str, offset: int = 0) -> list[Amount]:
    out: list[Amount] = []
    if "元" not in text:
        return out
    for m in _AMOUNT_RE.finditer(text):
        s = m.start("ar") if m.group("ar") else m.start("cn")
        head = text[max(0, s - 4) : s]
        if _FOREIGN_BEFORE.search(head) and not m.group("rmb"):
            continue
        # a digit or letter glued before the number (ID, phone, 2017年…) — but not before 人民币, which
        # already delimits it (被害人王某1人民币5000元: CAIL names carry digits)
        if not m.group("rmb") and _PREV_CHAR_BAD.search(text[max(0, m.start() - 1) : m.start()]):
            continue
        v = _value(m)
        if v is None or v <= 0:
            continue
        start = m.start("rmb") if m.group("rmb") else s
        out.append(
            Amount(
                start=offset + start,
                end=offset + m.end(),
                text=m.group(0).strip(),
                yuan=float(v),
                approx=bool(m.group("approx1") or m.group("approx2")),
                written_in_words=bool(m.group("cn")),
                penalty=bool(_PENALTY_BEFORE.search(text[max(0, start - 8): start])),
            )
        )
    return out


def total(amounts: list[Amount]) -> float | None:
    """Largest stated sum ("共计…" usually comes last and is the largest); None if none."""
    return max((a.yuan for a in amounts), default=None)
