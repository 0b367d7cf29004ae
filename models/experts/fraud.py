"""诈骗 (刑法 266): amount (共计 wins; returned money and shares excluded), telecom fraud."""

from __future__ import annotations

import re
from typing import Any

from models.experts.amounts import read_amounts
from models.experts.base import Assessment, Expert, threshold_tier

_TELECOM = re.compile(r"电信|网络诈骗|微信|QQ|支付宝|短信|电话诈骗|冒充[^，。；]{0,8}(?:客服|公检法|警察)")


def crime_amount(text: str) -> float | None:
    return read_amounts(text, "fraud").total


def elements(text: str) -> dict[str, Any]:
    r = read_amounts(text, "fraud")
    return {"attempted": r.attempted or None, "stated_total": r.stated_total, "telecom": bool(_TELECOM.search(text))}


def amount_tier(amount: float | None, key: str = "default") -> str | None:
    """The tier of an amount with the fraud thresholds (None below 数额较大)."""
    return threshold_tier("fraud", amount, key)

def assess(text: str, el: dict[str, Any]) -> Assessment:
    amount = el.get("amount")
    t = amount_tier(amount) or "较大"
    notes = [f"诈骗数额{amount:g}元" + ("（以共计数额为准）" if el.get("stated_total") else "")] if amount else []
    return Assessment(t, amount, "元", el, notes)


EXPERT = Expert.from_yaml("fraud", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
