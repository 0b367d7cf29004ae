"""掩饰、隐瞒犯罪所得、犯罪所得收益 (刑法 312): value of the proceeds handled, times."""

from __future__ import annotations

import re
from typing import Any

from models.experts.amounts import read_amounts
from models.experts.base import Assessment, Expert, load_yaml
from models.experts.counts import stated_times


def crime_amount(text: str) -> float | None:
    return read_amounts(text, "concealment").total


_VEHICLE = re.compile(r"机动车|汽车|轿车|货车|客车|摩托车|越野车|面包车")


def elements(text: str) -> dict[str, Any]:
    return {"times": stated_times(text), "vehicle": bool(_VEHICLE.search(text))}


def assess(text: str, el: dict[str, Any]) -> Assessment:
    th = load_yaml("concealment")["thresholds"]
    amount = el.get("amount")
    limit = th["serious_amount_vehicle"] if el.get("vehicle") else th["serious_amount"]
    serious = (amount or 0) >= limit or (el.get("times") or 0) >= th["serious_times"]
    notes = [f"掩饰、隐瞒的犯罪所得价值{amount:g}元"] if amount else []
    return Assessment("情节严重" if serious else "一般", amount, "元", el, notes)


EXPERT = Expert.from_yaml("concealment", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
