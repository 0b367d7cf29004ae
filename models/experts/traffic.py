"""交通肇事 (刑法 133): deaths, serious injuries, responsibility, 逃逸 (2000 解释)."""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert
from models.experts.counts import cn_count

_DEATHS = re.compile(r"(?:致|造成)[^，。；]{0,12}?([一二两三四五六七八九十\d]{1,2})(?:人|名[^，。；]{0,6}?)(?:当场)?死亡")
_ONE_DEATH = re.compile(r"死亡|身亡")
_SERIOUS = re.compile(r"([一二两三四五六七八九十\d]{1,2})(?:人|名[^，。；]{0,4}?)重伤")
_RESP = re.compile(r"(全部|主要|同等|次要)责任")
_ESCAPE = re.compile(r"(?<!不构成)(?<!未)(?:逃逸|逃离(?:事故)?现场|驾车逃离|弃车逃离)")
_ESCAPE_DEATH = re.compile(r"因逃逸致[^，。；]{0,6}死亡|逃逸[^。；]{0,30}(?:得不到救助|未得到及时救治)[^。；]{0,10}死亡")


def elements(text: str) -> dict[str, Any]:
    deaths = [cn_count(m.group(1)) or 0 for m in _DEATHS.finditer(text)]
    n_dead = max(deaths) if deaths else (1 if _ONE_DEATH.search(text) else 0)
    ser = [cn_count(m.group(1)) or 0 for m in _SERIOUS.finditer(text)]
    n_ser = max(ser) if ser else (1 if "重伤" in text else 0)
    resp = [m.group(1) for m in _RESP.finditer(text)]
    order = ["全部", "主要", "同等", "次要"]
    r = min(resp, key=order.index) if resp else None
    return {
        "deaths": n_dead,
        "serious_injuries": n_ser,
        "responsibility": r,
        "escape": bool(_ESCAPE.search(text)),
        "escape_death": bool(_ESCAPE_DEATH.search(text)),
    }


def assess(text: str, el: dict[str, Any]) -> Assessment:
    notes = []
    if el.get("deaths"):
        notes.append(f"致{el['deaths']}人死亡")
    if el.get("responsibility"):
        notes.append(f"负事故{el['responsibility']}责任")
    el = dict(el, more_deaths=max(0, (el.get("deaths") or 0) - 1),
              serious_injuries=el.get("serious_injuries") if el.get("deaths") else max(0, (el.get("serious_injuries") or 0) - 3))
    if el.get("escape_death"):
        return Assessment("逃逸致死", el.get("deaths"), "人", el, [*notes, "因逃逸致人死亡"])
    if el.get("escape"):
        return Assessment("逃逸", el.get("deaths"), "人", el, [*notes, "肇事后逃逸"])
    if (el.get("deaths") or 0) >= 2 and el.get("responsibility") in ("全部", "主要"):
        return Assessment("逃逸", el.get("deaths"), "人", el, [*notes, "死亡二人以上，负主要以上责任（特别恶劣情节）"])
    return Assessment("基本", el.get("deaths"), "人", el, notes)


EXPERT = Expert.from_yaml("traffic", elements_fn=elements, assess_fn=assess)
