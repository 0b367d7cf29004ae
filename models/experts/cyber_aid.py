"""帮助信息网络犯罪活动 (刑法 287之二): 支付结算金额, cards supplied, 违法所得 (2019 解释 第十二条)."""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert
from models.experts.counts import cn_count
from models.extract.amounts import extract_amounts

_SETTLE = re.compile(r"(?:支付结算|流水|转入|流入|资金往来|交易)[^，。；]{0,14}$")
_GAIN = re.compile(r"(?:获利|违法所得|非法获利|好处费|报酬|获取|赚取)[^，。；]{0,10}$")
_CARDS = re.compile(
    r"([一二两三四五六七八九十\d]{1,3})(?:张|套)[^，。；]{0,8}(?:银行卡|电话卡|手机卡|U盾|网银)"
    r"|(?:银行卡|电话卡|手机卡|U盾)([一二两三四五六七八九十\d]{1,3})(?:张|套)"
)


def _amounts(text: str, pat: re.Pattern[str]) -> list[float]:
    return [a.yuan for a in extract_amounts(text) if pat.search(text[max(0, a.start - 20) : a.start])]


def crime_amount(text: str) -> float | None:
    """The payment settlement amount (the largest stated)."""
    v = _amounts(text, _SETTLE)
    return max(v) if v else None


def elements(text: str) -> dict[str, Any]:
    gain = _amounts(text, _GAIN)
    cards = [cn_count(m.group(1) or m.group(2)) or 0 for m in _CARDS.finditer(text)]
    return {"illegal_gain": max(gain) if gain else None, "cards": sum(cards) or None}


def assess(text: str, el: dict[str, Any]) -> Assessment:
    return Assessment("情节严重", el.get("amount"), "元", el)


EXPERT = Expert.from_yaml("cyber_aid", amount_fn=crime_amount, elements_fn=elements, assess_fn=assess)
