"""Dates with their procedural role: 2017年4月28日15时许, 二〇一七年六月二十八日, 同年5月3日, 次日.

Relative forms (同年×月×日, 同月×日, ×月×日 without a year, 次日/翌日, 当日/同日) are resolved against the
previous date found in the same text; when there is none they are dropped (never guessed).
The role comes from the words right after the date inside its clause (被…刑事拘留, 向本院提起公诉,
公开开庭审理, 出生 after it or 出生于 before it, 自…起至…止), else from the caller's ``default_role`` / ``first_role``.
"""

from __future__ import annotations

import datetime as dt
import re

from models.extract.numerals import to_int, year_digits
from models.types import DateMention

_CN_D = "一二三四五六七八九"
_YEAR = r"(?P<y>\d{4}|[〇零○OＯ一二三四五六七八九]{4})\s*年"
_MONTH = rf"(?P<m>\d{{1,2}}|十[一二]?|[{_CN_D}]|元)\s*月(?:份)?"
_DAY = rf"(?P<d>\d{{1,2}}|[二三]?十[{_CN_D}]?|[{_CN_D}])\s*日"
_CN_TIME = "一二三四五六七八九十零"
_TIME = (
    r"(?:\s*(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚|夜间|深夜|夜里)?"
    rf"(?:\d{{1,2}}|[{_CN_TIME}]{{1,3}})\s*(?:时|点)(?:\s*(?:\d{{1,2}}|[{_CN_TIME}]{{1,3}})分)?(?:许|左右)?"
    r"|\s*(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜间|深夜)(?:许)?)?"
)
DATE_RE = re.compile(
    # the lookahead lets the scan skip most positions cheaply
    r"(?=[同\d〇零○OＯ一二三四五六七八九十元次翌第当])"
    rf"(?:(?:(?P<same>同年)|{_YEAR})?{_MONTH}{_DAY}{_TIME}"
    rf"|(?P<samemonth>同月|当月|本月)(?P<d2>\d{{1,2}}|[二三]?十[{_CN_D}]?|[{_CN_D}])\s*日{_TIME}"
    rf"|(?P<next>次日|翌日|第二天){_TIME}"
    rf"|(?P<sameday>当日|同日|当天){_TIME})"
)

# Role cues looked for right after the date, inside the clause (first cue wins).
_ROLE_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("term_start", re.compile(r"^\s*起")),
    ("term_end", re.compile(r"^\s*止")),
    ("birth", re.compile(r"^\s*(?:出生|生(?![产活效意育前病命气]))")),
    ("bail", re.compile(r"取保候审")),
    ("residence", re.compile(r"监视居住")),
    ("arrest", re.compile(r"逮捕")),
    ("detention", re.compile(r"刑事拘留|刑拘|(?<![行政司法])拘留")),
    ("transfer", re.compile(r"移送[^，,。；;]{0,10}?审查起诉|移送起诉")),
    ("prosecution", re.compile(r"提起公诉")),
    ("trial", re.compile(r"开庭")),
]
_CLAUSE_END = re.compile(r"[。；;，,]")
_HAS_TIME = re.compile(r"[时点]|凌晨|上午|中午|下午|傍晚|晚上|夜间|深夜|早上|早晨")


def _make_date(y: int | None, m: int | None, d: int | None) -> dt.date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _month(s: str) -> int | None:
    return 1 if s == "元" else to_int(s)


_BIRTH_PAREN = re.compile(r"\s*[（(][^（）()]{0,30}[）)]\s*(?:出生|生(?![产活效意育前病命气]))")
# the birth cue before the date: 出生于2004年5月3日, 生于…, 出生日期为…
_BIRTH_BEFORE = re.compile(r"(?:出生于?|生于|出生日期(?:为|是)?|出生年月日?(?:为|是)?|生日(?:为|是)?)[：:]?\s*$")
# a clause that continues into the next one: "经…检察院决定，被变更强制措施为取保候审"
_DECIDED_END = re.compile(r"(?:决定|批准)$")


# a clause that says what was done to the defendant on the date of the clause before
_MEASURE_CLAUSE = re.compile(r"\s*(?:因涉嫌|因本案|因犯|经|由|被(?!告人|害人))(?![^，,。；;]*期间)")


def _role_after(text: str, end: int, limit: int, start: int | None = None, chain: bool = False) -> str | None:
    """Role from the clause that follows a date (up to the clause end or the next date). With
    ``chain`` (a parties section) a date alone in its clause, or a clause ending in 决定/批准, takes
    the role of the next clause when that says what was done ("2018年3月17日，因涉嫌…被取保候审")."""
    if _BIRTH_PAREN.match(text, end, min(len(text), end + 40)):
        return "birth"  # 1990年10月9日（户籍登记为1989年11月29日）出生
    if start is not None and _BIRTH_BEFORE.search(text, max(0, start - 8), start):
        return "birth"
    stop = min(len(text), end + 40, limit)
    window = text[end:stop]
    # "2018年3月17日，因涉嫌…被取保候审" (the date alone in its clause) and "…经…决定，被…取保候审":
    # the next clause says what happened that day (at most two more clauses)
    cut, hops = 0, 0
    while (ce := _CLAUSE_END.search(window, cut)) is not None:
        head = window[cut : ce.start()]
        if (chain and hops < 2 and (head.strip() == "" or _DECIDED_END.search(head))
                and _MEASURE_CLAUSE.match(window, ce.end())):
            cut, hops = ce.end(), hops + 1
            continue
        window = window[: ce.start()]
        break
    best: tuple[int, str] | None = None
    for name, pat in _ROLE_CUES:
        m = pat.search(window)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def extract_dates(
    text: str,
    offset: int = 0,
    default_role: str = "other",
    first_role: str | None = None,
    prev: dt.date | None = None,
    timed_role: str | None = None,
    chain: bool = False,
) -> list[DateMention]:
    """Every full date in ``text`` (spans absolute: ``offset`` + index).

    ``first_role`` is given to the first date that has no role cue (e.g. ``offence`` for the
    first date of the facts); ``timed_role`` to later cue-less dates that carry a time of day
    (2017年4月28日15时许); ``default_role`` to the others. ``prev`` seeds relative dates.
    ``chain``: read a role across clauses as in a parties section (see ``_role_after``).
    """
    out: list[DateMention] = []
    if "日" not in text and "天" not in text:
        return out
    matches = list(DATE_RE.finditer(text))
    for i, m in enumerate(matches):
        date: dt.date | None = None
        if m.group("next"):
            date = prev + dt.timedelta(days=1) if prev else None
        elif m.group("sameday"):
            date = prev
        elif m.group("samemonth"):
            date = _make_date(prev.year, prev.month, to_int(m.group("d2"))) if prev else None
        else:
            if m.group("y"):
                y = year_digits(m.group("y").replace("○", "〇").replace("O", "〇").replace("Ｏ", "〇"))
            elif prev is not None:
                y = prev.year  # 同年 or a month-day without year
            else:
                y = None
            date = _make_date(y, _month(m.group("m")), to_int(m.group("d")))
            # a year-less date right after the year of prev would be plausible; a bare
            # "5月3日" with no prior date is dropped (y is None)
        if date is None:
            continue
        nxt = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        role = _role_after(text, m.end(), nxt, m.start(), chain)
        if role is None:
            if first_role is not None:
                role, first_role = first_role, None
            elif timed_role is not None and _HAS_TIME.search(m.group(0), m.start("d") - m.start() if m.group("d") else 0):
                role = timed_role
            else:
                role = default_role
        out.append(DateMention(offset + m.start(), offset + m.end(), m.group(0), date=date, role=role))
        prev = date
    return out


def first_date(text: str) -> dt.date | None:
    """The first absolute date in ``text`` (used for birth dates)."""
    for d in extract_dates(text):
        return d.date
    return None
