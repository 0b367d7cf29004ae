"""危险驾驶 (刑法 133之一): blood alcohol, accident, licence; tiers 醉驾 / 追逐竞驶 / 其他."""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert, load_yaml
from models.extract.quantities import extract_bac

_ACCIDENT = re.compile(r"(?:发生|造成)[^，。；]{0,16}(?:事故|碰撞|相撞|追尾|刮擦)|撞(?:上|到|倒|击|坏)|与[^，。；]{1,40}(?:相撞|碰撞|发生碰撞)")
_NO_LICENCE = re.compile(r"无(?:机动车)?驾驶(?:证|资格)|未取得[^，。；]{0,6}驾驶(?:证|资格)|无证驾驶|驾驶证[^，。；]{0,6}(?:吊销|注销|过期)")
_CHASING = re.compile(r"追逐竞驶|飙车")
_OVERLOAD = re.compile(r"超过额定乘员|严重超员|严重超速|超速[^，。；]{0,4}50%")


_PER_ML = re.compile(r"(\d+(?:\.\d+)?)\s*(?:mg|毫克)\s*(?:（乙醇）|\(乙醇\))?\s*[/／]\s*(?:ml|mL|毫升)")


def elements(text: str) -> dict[str, Any]:
    text = text.replace("．", ".")  # 199．4 → 199.4
    if "lOO" in text or "1OO" in text:  # letters typed for digits: 137.22mg/lOOml
        text = text.replace("/lOO", "/100").replace("／lOO", "／100").replace("1OO", "100")
    bacs = [q.value for q in extract_bac(text) if q.value]
    if not bacs:  # 1.11mg/ml (per millilitre) → 111 mg/100ml
        bacs = [float(m.group(1)) * 100 for m in _PER_ML.finditer(text)]
    return {
        "bac": max(bacs) if bacs else None,
        "accident": 1 if _ACCIDENT.search(text) else 0,
        "no_licence": 1 if _NO_LICENCE.search(text) else 0,
        "chasing": bool(_CHASING.search(text)),
        "overload": bool(_OVERLOAD.search(text)),
    }


def assess(text: str, el: dict[str, Any]) -> Assessment:
    bac = el.get("bac")
    drunk = float(load_yaml("dui")["thresholds"]["bac_drunk"])
    if bac is not None and bac >= drunk:
        return Assessment("醉驾", bac, "mg/100ml", el, [f"血液酒精含量{bac:g}mg/100ml，达到醉酒标准（≥{drunk:g}）"])
    if el.get("chasing"):
        return Assessment("追逐竞驶", None, "", el, ["追逐竞驶，情节恶劣"])
    return Assessment("其他", bac, "mg/100ml", el)


EXPERT = Expert.from_yaml("dui", elements_fn=elements, assess_fn=assess)
