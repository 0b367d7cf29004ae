"""寻衅滋事 (刑法 293): kinds of acts, times, injuries, amounts taken or destroyed."""

from __future__ import annotations

import re
from typing import Any

from models.experts.amounts import read_amounts
from models.experts.base import Assessment, Expert
from models.experts.counts import cn_count, stated_times
from models.extract.quantities import extract_injuries

_KINDS = {
    "随意殴打": re.compile(r"殴打|打伤|拳打脚踢|持[^，。；]{0,6}(?:打|砍)"),
    "追逐拦截辱骂恐吓": re.compile(r"追逐|拦截|辱骂|恐吓"),
    "强拿硬要": re.compile(r"强拿硬要|强行(?:索要|拿走|索取)|索要"),
    "任意毁损占用财物": re.compile(r"毁损|砸坏|损毁|打砸|砸毁"),
    "起哄闹事": re.compile(r"起哄闹事|公共场所秩序严重混乱"),
}
_GANG = re.compile(r"纠集[^。；]{0,30}(?:多次|三次|四次|五次)")


def crime_amount(text: str) -> float | None:
    return read_amounts(text, "provocation").total


_PERSONS = re.compile(r"([一二两三四五六七八九十\d]{1,2})(?:人|名被害人|名)(?:受)?$")


_OPINION = re.compile(r"(?:公诉机关|检察院|本院)(?:据此)?认为")
# the victims named before the grade: "被害人李某、席某的损伤程度属于轻微伤", "马某、陈某的伤情均为轻微伤"
_NAME = r"[\u4e00-\u9fff]{1,3}某[甲乙丙丁戊\d]{0,2}"
_NAMED = re.compile(rf"((?:{_NAME}[、和及与])+{_NAME})(?:的)?(?:损伤程度|伤情|伤势|损伤)?(?:均|都|皆|分别)?"
                    r"(?:属于|构成|为|系|属|达到|达|已构成)?$")


def _grades(text: str) -> list[str]:
    """Injury grades, one per injured person ("致二人轻微伤" counts two); the legal reasoning
    (…认为：…致一人轻伤) only restates them."""
    out: list[str] = []
    qs = extract_injuries(text)
    m = _OPINION.search(text)
    if m and any(q.start < m.start() for q in qs):
        qs = [q for q in qs if q.start < m.start()]
    for q in qs:
        m = _PERSONS.search(text[max(0, q.start - 6) : q.start])
        if m:
            out += [q.grade] * (cn_count(m.group(1)) or 1)
            continue
        clause = re.split(r"[，,。；;：:]", text[max(0, q.start - 40) : q.start])[-1]
        named = _NAMED.search(clause)
        out += [q.grade] * (len(re.split(r"[、和及与]", named.group(1))) if named else 1)
    return out


# an incident told by its date: "2015年6月27日晚，被告人肖某伙同…砸烂", "同年7月4日4时许，…砍坏"
_INCIDENT = re.compile(r"(?:\d{4}年)?(?:同年)?\d{1,2}月\d{1,2}日[^。；]{0,120}?"
                       r"(?:殴打|打伤|拳打脚踢|追逐|拦截|辱骂|恐吓|强拿硬要|强行|索要|砸|毁|损坏|砍坏|起哄|闹事)")
_NOT_INCIDENT = re.compile(r"因犯|判处|罪|释放|抓获|归案|鉴定|投案")


def _incidents(text: str) -> int | None:
    """Incidents told one by one, each by its date, when no count is stated (before the reasoning)."""
    m = _OPINION.search(text)
    body = text[: m.start()] if m else text
    n = sum(1 for x in _INCIDENT.finditer(body) if not _NOT_INCIDENT.search(x.group(0)))
    return n if n >= 2 else None


def elements(text: str) -> dict[str, Any]:
    grades = _grades(text)
    times = stated_times(text)
    return {
        "kinds": [k for k, p in _KINDS.items() if p.search(text)],
        "times": times if times is not None else _incidents(text),
        "light_injuries": sum(1 for g in grades if g.startswith("轻伤")),
        "serious_injuries": sum(1 for g in grades if g.startswith("重伤")),
        "minor_injuries": sum(1 for g in grades if g == "轻微伤"),
        "gang": bool(_GANG.search(text)),
    }


def assess(text: str, el: dict[str, Any]) -> Assessment:
    notes = ["、".join(el["kinds"])] if el.get("kinds") else []
    if el.get("gang") and (el.get("times") or 0) >= 3:
        return Assessment("纠集多次", el.get("amount"), "元", el, [*notes, "纠集他人多次实施"])
    return Assessment("基本", el.get("amount"), "元", el, notes)


EXPERT = Expert.from_yaml("provocation", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
