"""Timeline facts for the rule engine (``tl_*`` in ``models/checks/facts.py``).

Periods follow 刑事诉讼法第一百零五条: the day a period starts is not counted (a one-month period
from 3月5日 ends on 4月5日; a ten-day period after receipt on 6月1日 ends on 6月11日). When the
last day is a Saturday or Sunday the period ends on the next Monday; other statutory holidays are
not known to the tool, so a deadline ending in a holiday week may be reported a few days early —
the messages say so. (In custody the law does not extend a period for holidays; the weekend shift
is applied anyway, which can only hide an overrun of one or two days, never invent one.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.sentencing.dates import add_months, period_end
from models.timeline import Timeline, event_kinds

SINGLE = ("filing", "detention", "arrest_request", "arrest", "no_arrest", "bail", "residence", "transfer",
          "notify_rights", "plea_agreement",
          "prosecution", "recommendation", "trial", "judgment", "served", "protest", "appeal", "effective")

TIMELINE_FACTS: dict[str, tuple[str, str]] = {
    "tl_events": ("set", "时间线中的程序事件（中文名）"),
    "tl_has_export": ("bool", "本案有案管系统导出的事件"),
    "tl_n_conflicts": ("int", "文书与案管导出日期不一致的事件数"),
    "tl_n_returns": ("int", "退回补充侦查次数"),
    "tl_n_resubmissions": ("int", "补充侦查后重新移送次数"),
    "tl_n_extensions": ("int", "延长审查起诉期限次数"),
    "tl_n_jurisdiction": ("int", "改变管辖次数"),
    "tl_n_review_segments": ("int", "审查起诉期限计算段数（移送、重新移送、改变管辖各起算一段）"),
    "tl_first_return": ("date", "第一次退回补充侦查日期"),
    "tl_first_extension": ("date", "第一次延长审查起诉期限日期"),
    "tl_last_return": ("date", "最后一次退回补充侦查日期"),
    "tl_days_detention_to_request": ("int", "拘留至提请批捕的天数"),
    "tl_days_request_to_decision": ("int", "提请批捕至批捕/不捕决定的天数"),
    "tl_detained_at_request": ("bool", "提请批捕时已被拘留（拘留日期不晚于提请日期）"),
    "tl_review_days_max": ("int", "最长一段审查起诉的天数"),
    "tl_review_over_month": ("int", "最长一段审查起诉超出一个月期满日的天数（负数为未超）"),
    "tl_review_over_extended": ("int", "最长一段审查起诉超出一个月又十五日期满日的天数"),
    "tl_return_over": ("int", "补充侦查超出一个月期满日的最多天数（以重新移送日计）"),
    "tl_protest_over": ("int", "抗诉日超出判决送达后十日期满日的天数"),
    "tl_appeal_over": ("int", "上诉日超出判决送达后十日期满日的天数"),
    "tl_days_judgment_to_effective": ("int", "判决至生效的天数"),
}
for _k in event_kinds():
    if _k.key in SINGLE:
        TIMELINE_FACTS[f"tl_{_k.key}"] = ("date", f"{_k.name}日期（{'最后' if _k.key == 'judgment' else '最早'}一次）")
    else:
        TIMELINE_FACTS[f"tl_{_k.key}"] = ("date", f"{_k.name}日期（最早一次）")
    # every event kind: its last date, its number of distinct dates and all its dates
    TIMELINE_FACTS[f"tl_{_k.key}_last"] = ("date", f"{_k.name}日期（最后一次）")
    TIMELINE_FACTS[f"tl_n_{_k.key}"] = ("int", f"{_k.name}的次数（不同日期数）")
    TIMELINE_FACTS[f"tl_{_k.key}_dates"] = ("list", f"{_k.name}的全部日期（由早到晚）")


def _days(a: dt.date | None, b: dt.date | None) -> int | None:
    return (b - a).days if a is not None and b is not None else None


def month_deadline(start: dt.date, extra_days: int = 0) -> dt.date:
    return period_end(add_months(start, 1) + dt.timedelta(days=extra_days))


def _segments(tl: Timeline) -> list[tuple[dt.date, dt.date]]:
    """Review periods (审查起诉): opened by 移送审查起诉, 补充侦查后重新移送 or 改变管辖 (which
    restarts the count, 规则第三百五十一条第二款), closed by 退回补充侦查 or 提起公诉."""
    marks: list[tuple[dt.date, int]] = []  # (date, 0 open / 1 close)
    for e in tl.events:
        if e.key in ("transfer", "resubmission", "jurisdiction"):
            marks.append((e.date, 0))
        elif e.key == "return":
            marks.append((e.date, 1))
    # 提起公诉 as the filing date a judgment or the export states; the indictment's own date
    # (its 落款) only when no other gives it
    pros = [e.date for e in tl.events if e.key == "prosecution" and "落款" not in e.source]
    pros = pros or [e.date for e in tl.events if e.key == "prosecution"]
    marks += [(d, 1) for d in pros]
    out: list[tuple[dt.date, dt.date]] = []
    start: dt.date | None = None
    for d, kind in sorted(set(marks)):
        if kind == 0:
            start = d
            continue
        if start is not None:
            out.append((start, d))
            start = None
    return out


def timeline_facts(tl: Timeline) -> dict[str, Any]:
    f: dict[str, Any] = dict.fromkeys(TIMELINE_FACTS)
    f["tl_events"] = {e.name for e in tl.events}
    f["tl_has_export"] = any(e.source.find("案管导出") >= 0 for e in tl.events)
    f["tl_n_conflicts"] = len(tl.conflicts)
    by_key: dict[str, set[dt.date]] = {}
    for e in tl.events:
        by_key.setdefault(e.key, set()).add(e.date)
    for k in event_kinds():
        ds = sorted(by_key.get(k.key, ()))
        f[f"tl_{k.key}"] = ds[0] if ds else None
        f[f"tl_{k.key}_last"] = ds[-1] if ds else None
        f[f"tl_n_{k.key}"] = len(ds)
        f[f"tl_{k.key}_dates"] = ds
    # a remanded case has an earlier judgment in its history: the judgment is the latest one
    f["tl_judgment"] = (tl.dates("judgment") or [None])[-1]
    returns = tl.dates("return")
    resub = tl.dates("resubmission")
    f["tl_n_returns"] = len(returns)
    f["tl_n_resubmissions"] = len(resub)
    f["tl_n_extensions"] = len(tl.dates("extension"))
    f["tl_n_jurisdiction"] = len(tl.dates("jurisdiction"))
    f["tl_first_return"] = returns[0] if returns else None
    f["tl_first_extension"] = tl.first("extension")
    f["tl_last_return"] = returns[-1] if returns else None
    req = f["tl_arrest_request"]
    if req is not None:
        decisions = [d for d in tl.dates("arrest") + tl.dates("no_arrest") if d >= req]
        f["tl_days_request_to_decision"] = _days(req, min(decisions)) if decisions else None
        det = [d for d in tl.dates("detention") if d <= req]
        # with the case-management file at hand, no 拘留 in it means not detained
        f["tl_detained_at_request"] = bool(det) if (tl.dates("detention") or f["tl_has_export"]) else None
        f["tl_days_detention_to_request"] = _days(max(det), req) if det else None
    segs = _segments(tl)
    f["tl_n_review_segments"] = len(segs)
    if segs:
        f["tl_review_days_max"] = max(_days(a, b) for a, b in segs)
        f["tl_review_over_month"] = max(_days(month_deadline(a), b) for a, b in segs)
        f["tl_review_over_extended"] = max(_days(month_deadline(a, 15), b) for a, b in segs)
    overs = []
    for r in returns:
        nxt = [d for d in resub if d >= r]
        if nxt:
            overs.append(_days(month_deadline(r), nxt[0]))
    f["tl_return_over"] = max(overs) if overs else None
    served = f["tl_served"]
    if served is not None:
        deadline = period_end(served + dt.timedelta(days=10))
        f["tl_protest_over"] = _days(deadline, f["tl_protest"])
        f["tl_appeal_over"] = _days(deadline, f["tl_appeal"])
    f["tl_days_judgment_to_effective"] = _days(f["tl_judgment"], f["tl_effective"])
    return f
