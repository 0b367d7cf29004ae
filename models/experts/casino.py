"""开设赌场 (刑法 303②): 抽头渔利 (the crime amount), 赌资, participants, online."""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert, load_yaml
from models.extract.amounts import extract_amounts

_PROFIT = re.compile(r"(?:抽头|渔利|获利|盈利|牟利|非法所得|违法所得|抽水|抽成|头薪|台费|房租费)[^，。；]{0,12}$")
_STAKES = re.compile(r"赌资[^，。；]{0,12}$")
_ONLINE = re.compile(r"网络|网站|APP|app|微信群|网上|线上|代理")
_GAMBLERS = re.compile(r"参赌(?:人员|人数)?[^，。；]{0,6}?(\d+)(?:余)?(?:人|名)")


def _amounts(text: str, pat: re.Pattern[str]) -> list[float]:
    return [a.yuan for a in extract_amounts(text) if pat.search(text[max(0, a.start - 20) : a.start])]


def crime_amount(text: str) -> float | None:
    v = _amounts(text, _PROFIT)
    return max(v) if v else None


def elements(text: str) -> dict[str, Any]:
    st = _amounts(text, _STAKES)
    g = [int(m.group(1)) for m in _GAMBLERS.finditer(text)]
    return {"stakes": max(st) if st else None, "gamblers": max(g) if g else None, "online": bool(_ONLINE.search(text))}


def assess(text: str, el: dict[str, Any]) -> Assessment:
    th = load_yaml("casino")["thresholds"]
    serious = ((el.get("amount") or 0) >= th["profit"] or (el.get("stakes") or 0) >= th["stakes"]
               or (el.get("gamblers") or 0) >= th["gamblers"])
    return Assessment("情节严重" if serious else "基本", el.get("amount"), "元", el)


EXPERT = Expert.from_yaml("casino", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
