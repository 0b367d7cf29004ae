"""盗窃 (刑法 264): amount (共计 wins, returns and shares excluded), 多次/入户/扒窃/携带凶器."""

from __future__ import annotations

import re
from typing import Any

from models.experts.amounts import read_amounts
from models.experts.base import Assessment, Expert, threshold_tier
from models.experts.counts import stated_times

_BURGLARY = re.compile(r"入户盗窃|(?:进入|潜入|闯入|窜入|溜进|翻窗进入|撬门进入)[^，。；]{0,12}(?:家|住处|住宅|房间|卧室|屋内|室内|宿舍|出租屋)")
_PICKPOCKET = re.compile(r"扒窃|扒取|(?:从|在)[^，。；]{0,12}(?:口袋|衣袋|裤袋|包内|挎包|背包)[^，。；]{0,8}(?:窃取|偷走|盗走|扒)")
_ARMED = re.compile(r"携带凶器盗窃|携带(?:刀|匕首|砍刀|管制刀具|凶器)")
_INCIDENT = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日[^。；]{0,60}?(?:窃|盗|偷)")


def crime_amount(text: str) -> float | None:
    return read_amounts(text, "theft").total


def elements(text: str) -> dict[str, Any]:
    r = read_amounts(text, "theft")
    times = stated_times(text) or len(_INCIDENT.findall(text)) or None
    return {
        "attempted": r.attempted or None,
        "stated_total": r.stated_total,
        "times": times,
        "burglary": bool(_BURGLARY.search(text)),
        "pickpocket": bool(_PICKPOCKET.search(text)),
        "armed": bool(_ARMED.search(text)),
    }


def amount_tier(amount: float | None, key: str = "default") -> str | None:
    """The tier of an amount with the theft thresholds (None below 数额较大)."""
    return threshold_tier("theft", amount, key)

def assess(text: str, el: dict[str, Any]) -> Assessment:
    amount = el.get("amount")
    t = amount_tier(amount)
    notes = []
    if amount is not None:
        notes.append(f"盗窃数额{amount:g}元" + ("（以共计数额为准）" if el.get("stated_total") else ""))
    if t is None or t == "较大":
        many = (el.get("times") or 0) >= 3
        special = [n for n, k in (("多次盗窃", many), ("入户盗窃", el.get("burglary")), ("扒窃", el.get("pickpocket")),
                                  ("携带凶器盗窃", el.get("armed"))) if k]
        if t is None and special:
            notes.append("、".join(special))
            return Assessment("多次入户扒窃", amount, "元", el, notes)
        return Assessment("较大", amount, "元", el, notes)
    return Assessment(t, amount, "元", el, notes)


EXPERT = Expert.from_yaml("theft", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
