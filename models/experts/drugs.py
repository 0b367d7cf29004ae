"""走私、贩卖、运输、制造毒品 (刑法 347): drug weights as a 甲基苯丙胺 equivalent, times, minors.

Weights: a total stated with 共计/合计/总计 wins; otherwise each distinct weight of a sentence is
summed (a weight restated in the same sentence counts once). Gross weights are ignored by extraction.
"""

from __future__ import annotations

import re
from typing import Any

from models.experts.base import Assessment, Expert, load_yaml
from models.experts.counts import stated_times
from models.extract.quantities import extract_drugs

_TOTAL = re.compile(r"(?:共计|合计|总计|累计|总重|共重|总净重)[^，。；]{0,6}$")
_SALE = re.compile(r"(?:贩卖|贩买|出售|卖给|售予|售给|交易)")
_MINOR = re.compile(r"向未成年人|利用[^，。；]{0,4}未成年人|教唆[^，。；]{0,4}未成年人")
_SENT_END = "。；;"
_RESTATE = re.compile(r"缴获|查获|扣押|起获|购买的|上述|所述|该|经鉴定|检验|称量|称重")
_NEGOTIATED = re.compile(r"(?:商议|商量|约定|商定|谈好|协商)[^。；]{0,16}$")


def drug_weights(text: str) -> tuple[float | None, float | None, list[str]]:
    """(grams, 甲基苯丙胺 equivalent grams, substances)."""
    eq = load_yaml("drugs")["equivalents"]
    items: list[tuple[float, float]] = []
    totals: list[tuple[float, float]] = []
    seen: dict[int, set[tuple[str, float]]] = {}
    subs: list[str] = []
    order: list[tuple[str, float]] = []
    for q in extract_drugs(text):
        if q.value is None:
            continue
        f = float(eq.get(q.substance, 1.0))
        if q.substance not in subs:
            subs.append(q.substance)
        pre = text[max(0, q.start - 12) : q.start] + q.text[:4]
        if _NEGOTIATED.search(text[max(0, q.start - 20) : q.start]):
            continue  # the quantity talked about, not the one delivered (商议…交易5克，实际贩卖4.18克)
        if _TOTAL.search(text[max(0, q.start - 10) : q.start]) or q.text.startswith(("共计", "合计", "总计")):
            totals.append((q.value, q.value * f))
            continue
        del pre
        sent = max(text.rfind(c, 0, q.start) for c in _SENT_END)
        key = (q.substance, q.value)
        b = seen.setdefault(sent, set())
        if key in b:
            continue
        if any(key in v for v in seen.values()) and _RESTATE.search(text[max(0, q.start - 24) : q.start]):
            continue  # restated in a later sentence: "从刘某处缴获其购买的0.3克冰毒", "经鉴定，上述毒品…"
        b.add(key)
        items.append((q.value, q.value * f))
        order.append((q.substance, q.value))
    items = [it for i, it in enumerate(items) if not _summarised_later(order, i)]
    if totals and len(subs) <= 1:
        g, e = max(totals)
        return g, e, subs
    if not items and not totals:
        return None, None, subs
    g = sum(x[0] for x in items)
    e = sum(x[1] for x in items)
    if totals:
        tg, te = max(totals)
        if te > e:
            g, e = tg, te
    return round(g, 3), round(e, 3), subs


def _summarised_later(order: list[tuple[str, float]], i: int) -> bool:
    """Whether weight ``i`` is a summary that the following weights itemise: "先后2次贩卖甲基苯丙胺
    25克…具体分述如下：1、…12.5克…2、…12.5克" — a run of two or more later weights of the same
    substance adding up to it exactly."""
    sub, value = order[i]
    for start in range(i + 1, len(order)):
        acc, n = 0.0, 0
        for s2, v2 in order[start:]:
            if s2 != sub:
                break
            acc += v2
            n += 1
            if n >= 2 and abs(acc - value) < 0.005:
                return True
            if acc > value:
                break
    return False


_PRIOR = re.compile(r"因犯|判处|罪")  # a prior conviction, not a sale
_SALE_TIMES = re.compile(r"(?:\d{1,2}月\d{1,2}日|次日|当日|同日)[^。；]{0,80}?(?:贩卖|贩买|出售|卖给|售予|交易)")


def elements(text: str) -> dict[str, Any]:
    g, e, subs = drug_weights(text)
    times = stated_times(text)
    if times is None:
        n = sum(1 for m in _SALE_TIMES.finditer(text) if not _PRIOR.search(m.group(0)))
        times = n or None
    return {"grams": g, "equivalent_grams": e, "substances": subs, "times": times, "minors": bool(_MINOR.search(text)),
            "sale": bool(_SALE.search(text))}


def assess(text: str, el: dict[str, Any]) -> Assessment:
    cfg = load_yaml("drugs")
    e = el.get("equivalent_grams")
    notes = []
    if e is not None:
        subs = "、".join(el.get("substances") or [])
        notes.append(f"毒品{subs}共{el.get('grams'):g}克，折合甲基苯丙胺{e:g}克")
    if e is not None and e >= cfg["thresholds"]["large"]:
        return Assessment("数量大", e, "克", el, notes)
    if e is not None and e >= cfg["thresholds"]["relatively_large"]:
        return Assessment("数量较大", e, "克", el, notes)
    if (el.get("times") or 0) >= cfg["serious_times"] or el.get("minors"):
        notes.append("多次贩卖或向未成年人贩卖（少量毒品，情节严重）")
        return Assessment("情节严重", e, "克", el, notes)
    return Assessment("少量", e, "克", el, notes)


EXPERT = Expert.from_yaml("drugs", elements_fn=elements, assess_fn=assess)
