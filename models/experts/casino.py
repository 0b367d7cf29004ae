"""开设赌场 (刑法 303②): 抽头渔利 (the crime amount), 赌资, participants, online."""

from __future__ import annotations

import re
from typing import Any

from models.experts.amounts import findings_part
from models.experts.base import Assessment, Expert, load_yaml
from models.extract.amounts import extract_amounts
from models.types import Amount

_PROFIT = re.compile(r"(?:抽头|渔利|获利|盈利|牟利|非法所得|违法所得|抽水|抽成|头薪|台费|房租费)[^，。；]{0,12}$")
_STAKES = re.compile(r"赌资[^，。；]{0,12}$")
# a rate, not a sum (每日抽头渔利4至6万元不等, 每场抽水200元)
_RATE = re.compile(r"每(?:日|天|晚|月|场|局|桌|次|人)[^，。；]{0,10}$")
_ONLINE = re.compile(r"网络|网站|APP|app|微信群|网上|线上|代理")
_GAMBLERS = re.compile(r"参赌(?:人员|人数)?[^，。；]{0,6}?(\d+)(?:余)?(?:人|名)")


def _amounts(text: str, pat: re.Pattern[str]) -> list[Amount]:
    """The sums ``pat`` names in the 20 characters before them (抽头渔利…, 赌资…), rates left out."""
    heads = ((a, text[max(0, a.start - 20) : a.start]) for a in extract_amounts(text))
    return [a for a, head in heads if pat.search(head) and not _RATE.search(head)]


# the period an act is dated by: "2016年3月至5月", "2013年10月底至12月1日", "2015年8月"
_PERIOD = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?(?:[初中底旬许左右]{0,2})(?:(?:至|到|—|-)(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?[初中底旬]{0,2})?")


def crime_amount(text: str) -> float | None:
    """抽头渔利: the largest figure (a 共计 total or the same profit restated by the court), except
    that casinos run in different periods add up: when every profit figure is dated in its own sentence
    and the dates name two or more different periods, the largest figure of each period is summed (a
    figure equal to one already counted is a restatement)."""
    text = findings_part(text)
    found = _amounts(text, _PROFIT)
    if not found:
        return None
    by_period: dict[str, float] = {}
    for a in found:
        dates = _PERIOD.findall(text, text.rfind("。", 0, a.start) + 1, a.start)
        if not dates:
            return _by_parts(text, found)
        if a.yuan not in by_period.values():
            by_period[dates[-1]] = max(by_period.get(dates[-1], 0.0), a.yuan)
    return sum(by_period.values()) if len(by_period) > 1 else max(by_period.values())


# an enumerated part of the facts (一、被告人…共同开设赌场非法获利15.5万余元 2016年11月…)
_PART = re.compile(r"(?:^|(?<=[。；\s]))[一二三四五六七八九十]{1,3}、")


def _by_parts(text: str, found: list[Amount]) -> float:
    """Casinos told as enumerated parts (一、… 二、…): the largest figure of each part (its heading and
    its facts restate one profit), summed; the largest figure when it is a total covering the others or
    the facts are not enumerated."""
    starts = [m.start() for m in _PART.finditer(text)]
    best: dict[int, float] = {}
    for a in found:
        part = sum(1 for s in starts if s < a.start)
        best[part] = max(best.get(part, 0.0), a.yuan)
    top = max(best.values())
    rest = sum(best.values()) - top
    if len(best) < 2 or abs(top - rest) <= 0.01 * top:
        return top
    return sum(best.values())


def elements(text: str) -> dict[str, Any]:
    st = [a.yuan for a in _amounts(text, _STAKES)]
    g = [int(m.group(1)) for m in _GAMBLERS.finditer(text)]
    return {"stakes": max(st) if st else None, "gamblers": max(g) if g else None, "online": bool(_ONLINE.search(text))}


def assess(text: str, el: dict[str, Any]) -> Assessment:
    th = load_yaml("casino")["thresholds"]
    serious = ((el.get("amount") or 0) >= th["profit"] or (el.get("stakes") or 0) >= th["stakes"]
               or (el.get("gamblers") or 0) >= th["gamblers"])
    return Assessment("情节严重" if serious else "基本", el.get("amount"), "元", el)


EXPERT = Expert.from_yaml("casino", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
