"""Identity checks: the resident ID number (GB 11643 check digit, embedded birth date) and the
defendant's age at the time of the offence (刑法 第十七条、第十七条之一)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from models.checks.engine import CheckContext, Hit, register
from models.checks.util import active, span
from models.sentencing.dates import age_on
from models.sentencing.limits import limits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_birth_date(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


@register("identity.id_number")
def check_id_numbers(ctx: CheckContext) -> Iterator[Hit]:
    for kind in ctx.kinds():
        for d in ctx.elements(kind).defendants:
            n = (d.id_number or "").upper()
            if not n:
                continue
            if len(n) != 18 or not n[:17].isdigit() or n[17] not in "0123456789X":
                yield Hit("ID.CHECK_DIGIT", span(kind, d), {"id": n, "reason": "应为18位（前17位为数字）"},
                          defendant=d.name)
                continue
            expected = id_check_char(n[:17])
            if n[17] != expected:
                yield Hit("ID.CHECK_DIGIT", span(kind, d),
                          {"id": n, "reason": f"校验码应为{expected}，实为{n[17]}"}, defendant=d.name)
                continue
            born = id_birth_date(n)
            if born is None:
                yield Hit("ID.BIRTH_MISMATCH", span(kind, d), {"id": n, "birth": "（无效日期）"},
                          defendant=d.name)
            elif d.birth_date is not None and born != d.birth_date:
                yield Hit("ID.BIRTH_MISMATCH", span(kind, d),
                          {"id": n, "birth": f"{d.birth_date.year}年{d.birth_date.month}月{d.birth_date.day}日"},
                          defendant=d.name)


def _offence_dates(ctx: CheckContext) -> list[dt.date]:
    for kind in ("indictment", "judgment"):
        el = ctx.elements(kind)
        if el is not None:
            got = [m.date for m in el.dates if m.role == "offence"]
            if got:
                return got
    return []


def _mentions_minor(ctx: CheckContext, name: str) -> bool:
    for kind in ctx.kinds():
        el = ctx.elements(kind)
        d = el.defendant(name)
        if d is not None and "未成年" in active(d.circumstances):
            return True
        if "未成年" in active(el.circumstances):
            return True
        doc = ctx.document(kind)
        body = doc.body if doc is not None else ""
        if "不满十八周岁" in body or "未成年" in body:
            return True
    return False


@register("identity.age")
def check_age(ctx: CheckContext) -> Iterator[Hit]:
    offences = _offence_dates(ctx)
    if not offences:
        return
    lim = limits()["age"]
    latest, earliest = max(offences), min(offences)
    for kind in ctx.kinds():
        for d in ctx.elements(kind).defendants:
            if d.birth_date is None or d.birth_date >= earliest:
                continue
            age = age_on(d.birth_date, latest)
            if age < lim["minor_below"] and not _mentions_minor(ctx, d.name):
                yield Hit("CASE.MINOR_AGE", span(kind, d), {"age": age}, defendant=d.name)
            elif age_on(d.birth_date, earliest) >= lim["elderly_from"]:
                text = " ".join(doc.body for doc in ctx.case.documents)
                if "七十五周岁" not in text and "老年" not in text:
                    yield Hit("CASE.ELDERLY_AGE", span(kind, d),
                              {"age": age_on(d.birth_date, earliest)}, defendant=d.name)
