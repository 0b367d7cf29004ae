"""故意伤害 (刑法 234): injury grades of the victims (轻伤 / 重伤 / 死亡), disability, weapon."""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert
from models.extract.quantities import extract_quantities

_WEAPON = re.compile(r"刀|棍|棒|锤|斧|砖|钢管|铁管|酒瓶|凳子")
_DISAB = {"一": 10, "二": 9, "三": 8, "四": 7, "五": 6, "六": 5, "七": 4, "八": 3, "九": 2, "十": 1}


_OPINION = re.compile(r"公诉机关认为|本院认为|检察院认为")
# a death the quantity extractor misses: "抢救无效于当晚死亡", "致急性失血性休克而死亡"
_DEATH = re.compile(r"(?:抢救无效|救治无效|当场|致其|致被害人)[^，。；]{0,10}死亡|[^未]而死亡")
_SENT_END = "。；;"


def _victim_grades(text: str, qs: list) -> list[str]:
    """Injury grades of distinct victims: one per grade and sentence, none from the legal
    reasoning (公诉机关认为…致人轻伤) where the grade is only restated."""
    m = _OPINION.search(text)
    stop = m.start() if m else len(text)
    seen: set[tuple[int, str]] = set()
    out: list[str] = []
    for q in qs:
        if q.kind != "injury" or q.start >= stop or text[max(0, q.start - 2) : q.start].endswith(("致人", "致")):
            continue
        sent = max(text.rfind(c, 0, q.start) for c in _SENT_END)
        key = (sent, q.grade[:2])
        if key in seen:
            continue
        seen.add(key)
        out.append(q.grade)
    if not out:  # only the reasoning names the grade
        out = [q.grade for q in qs if q.kind == "injury"][:1]
    return out


def elements(text: str) -> dict[str, Any]:
    qs = extract_quantities(text)
    grades = _victim_grades(text, qs)
    raw = [q.grade for q in qs if q.kind == "injury"]
    # one victim's grade is often restated; count the distinct victims' statements by grade
    light = sum(1 for g in grades if g.startswith("轻伤"))
    serious = sum(1 for g in grades if g.startswith("重伤"))
    death = any(q.kind == "death" for q in qs) or bool(_DEATH.search(text))
    dis = [q.grade for q in qs if q.kind == "disability"]
    return {
        "grades": grades,
        "light": light,
        "light_first": any(g == "轻伤一级" for g in raw),
        "serious": serious,
        "serious_first": any(g == "重伤一级" for g in raw),
        "minor": sum(1 for g in grades if g == "轻微伤"),
        "death": death,
        "disability": max((_DISAB.get(d[:1], 0) for d in dis), default=0) or None,
        "weapon": bool(_WEAPON.search(text)),
    }


def assess(text: str, el: dict[str, Any]) -> Assessment:
    if el.get("death"):
        return Assessment("死亡", 1, "人", el, ["致被害人死亡"])
    if el.get("serious"):
        more = max(0, el["serious"] - 1)
        el = dict(el, more_serious=more)
        t = "重伤一级" if el.get("serious_first") else "重伤"
        return Assessment(t, el["serious"], "人", el, [f"致人{t}"])
    if el.get("light"):
        el = dict(el, more_light=max(0, el["light"] - 1))
        t = "轻伤一级" if el.get("light_first") else "轻伤"
        return Assessment(t, el["light"], "人", el, [f"致人{t}"])
    return Assessment("轻伤", None, "", el)


EXPERT = Expert.from_yaml("injury", elements_fn=elements, assess_fn=assess)
