"""专题分析: thematic analyses over the recorded cases (web-checked: ``case_facts``; batch-reviewed:
``batch_facts``), their findings and the process notices. Every figure is counted here from rows
read with the user's visibility and the page's filters (court, charge, month, department); each
table row carries a drill-down link to the matching cases.

Topics and their texts are data: ``analysis.yaml`` beside this file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.yamlfile import load_yaml
from server import batchview
from server.access import visible_cases
from server.db import CaseFacts, CaseFinding, CheckedCase, ProcessNotice, User

FILTERS = ("court", "charge", "month", "department")
UNKNOWN = "（未识别）"


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return load_yaml(Path(__file__).with_name("analysis.yaml"))


def topics() -> list[dict[str, str]]:
    return list(config()["topics"])


def _clean(filters: dict[str, str | None]) -> dict[str, str]:
    return {k: v.strip()[:200] for k, v in filters.items() if k in FILTERS and isinstance(v, str) and v.strip()}


def fact_rows(db: Session, user: User, filters: dict[str, str | None]) -> list[dict[str, Any]]:
    """The facts of every case the user may see, filtered; each with ``department`` and ``link``."""
    f = _clean(filters)
    vis = visible_cases(user).with_only_columns(CheckedCase.id, CheckedCase.department, CheckedCase.case_id).subquery()
    q = select(CaseFacts, vis.c.department, vis.c.case_id).join(vis, vis.c.id == CaseFacts.case_pk)
    for col in ("court", "charge", "month"):
        if col in f:
            q = q.where(getattr(CaseFacts, col) == f[col])
    if "department" in f:
        q = q.where(vis.c.department == f["department"])
    out = []
    cols = [c.key for c in CaseFacts.__table__.columns]
    for facts, dept, case_id in db.execute(q).all():
        d = {c: getattr(facts, c) for c in cols}
        d.update(department=dept, case_id=case_id, link=f"/cases/{facts.case_pk}", key=f"case:{facts.case_pk}")
        out.append(d)
    return out + _batch_fact_rows(db, user, f)


def _batch_fact_rows(db: Session, user: User, f: dict[str, str]) -> list[dict[str, Any]]:
    t = batchview.tables()
    if t is None:
        return []
    from models.batch.store import facts

    batches, items, _findings = t
    q = (select(facts, items.c.seq, items.c.case_id.label("item_case_id"), batches.c.department.label("dept"))
         .join(items, items.c.id == facts.c.item_id).join(batches, batches.c.id == items.c.batch_id)
         .where(batchview._visible(user, batches)))
    for col in ("court", "charge", "month"):
        if col in f:
            q = q.where(getattr(facts.c, col) == f[col])
    if "department" in f:
        q = q.where(batches.c.department == f["department"])
    try:
        rows = db.execute(q).mappings().all()
    except Exception:  # noqa: BLE001 - the batch tables are made by the first worker start
        return []
    return [{**{k: r[k] for k in facts.c.keys()}, "department": r["dept"], "case_id": r["item_case_id"],
             "link": f"/batches/{r['batch_id']}/cases/{r['seq']}", "key": f"item:{r['item_id']}"} for r in rows]


def _rate(a: int, b: int) -> float | None:
    return round(100 * a / b, 1) if b else None


def _cases_link(**kw: str | None) -> str:
    return "/cases?" + urlencode({k: v for k, v in kw.items() if v and v != UNKNOWN})


# --------------------------------------------------------------------------- topics
# each returns {"columns": [...], "rows": [[...]], "links": [url per row], "chart": {...}, "total": [...]}


def sentencing(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        c = by[r["court"] or UNKNOWN]
        c["fixed"] += r["rec_fixed"] or 0
        c["fixed_adopted"] += r["rec_fixed_adopted"] or 0
        c["range"] += r["rec_range"] or 0
        c["range_adopted"] += r["rec_range_adopted"] or 0
    keys = sorted((k for k in by if by[k]["fixed"] or by[k]["range"]), key=lambda k: (-by[k]["fixed"], k))
    out_rows = []
    for k in keys:
        c = by[k]
        out_rows.append([k, c["fixed"], c["fixed_adopted"], c["fixed"] - c["fixed_adopted"],
                         _rate(c["fixed_adopted"], c["fixed"]), c["range"], c["range_adopted"],
                         _rate(c["range_adopted"], c["range"])])
    tot = Counter()
    for c in by.values():
        tot.update(c)
    total = ["合计", tot["fixed"], tot["fixed_adopted"], tot["fixed"] - tot["fixed_adopted"],
             _rate(tot["fixed_adopted"], tot["fixed"]), tot["range"], tot["range_adopted"],
             _rate(tot["range_adopted"], tot["range"])]
    return {"columns": ["法院", "确定刑建议（人）", "采纳", "调整", "采纳率%", "幅度刑建议（人）", "采纳", "采纳率%"],
            "rows": out_rows, "links": [_cases_link(court=k) for k in keys], "total": total,
            "chart": {"type": "stack", "labels": keys, "series": [
                {"name": "确定刑采纳", "data": [r[2] for r in out_rows]},
                {"name": "确定刑调整", "data": [r[3] for r in out_rows]}]}}


def mismatch(rows: list[dict[str, Any]]) -> dict[str, Any]:
    both: Counter = Counter()
    diff: Counter = Counter()
    for r in rows:
        if r["charge_mismatch"] is None:
            continue
        k = r["charge"] or UNKNOWN
        both[k] += 1
        diff[k] += r["charge_mismatch"]
    keys = sorted(both, key=lambda k: (-diff[k], -both[k], k))
    out_rows = [[k, both[k], diff[k], _rate(diff[k], both[k])] for k in keys]
    total = ["合计", sum(both.values()), sum(diff.values()), _rate(sum(diff.values()), sum(both.values()))]
    return {"columns": ["罪名", "诉判均在案（件）", "诉判不一（件）", "诉判不一率%"], "rows": out_rows,
            "links": [_cases_link(charge=k) for k in keys], "total": total,
            "chart": {"type": "bar", "labels": keys, "series": [{"name": "诉判不一", "data": [diff[k] for k in keys]}]}}


def plea(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n: Counter = Counter()
    p: Counter = Counter()
    for r in rows:
        k = r["charge"] or UNKNOWN
        n[k] += 1
        p[k] += r["plea"] or 0
    keys = sorted(n, key=lambda k: (-n[k], k))
    out_rows = [[k, n[k], p[k], _rate(p[k], n[k])] for k in keys]
    total = ["合计", sum(n.values()), sum(p.values()), _rate(sum(p.values()), sum(n.values()))]
    return {"columns": ["罪名", "案件（件）", "适用认罪认罚（件）", "适用率%"], "rows": out_rows,
            "links": [_cases_link(charge=k) for k in keys], "total": total,
            "chart": {"type": "stack", "labels": keys, "series": [
                {"name": "认罪认罚", "data": [p[k] for k in keys]},
                {"name": "未适用", "data": [n[k] - p[k] for k in keys]}]}}


def returns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        c = by[r["month"] or UNKNOWN]
        c["cases"] += 1
        rounds = r["returns"] or 0
        c["r0" if rounds == 0 else "r1" if rounds == 1 else "r2" if rounds == 2 else "r3"] += 1
        c["returned"] += rounds > 0
        c["extended"] += (r["extensions"] or 0) > 0
    keys = sorted(by)
    out_rows = [[k, by[k]["cases"], by[k]["r1"], by[k]["r2"], by[k]["r3"], _rate(by[k]["returned"], by[k]["cases"]),
                 by[k]["extended"], _rate(by[k]["extended"], by[k]["cases"])] for k in keys]
    tot = Counter()
    for c in by.values():
        tot.update(c)
    total = ["合计", tot["cases"], tot["r1"], tot["r2"], tot["r3"], _rate(tot["returned"], tot["cases"]),
             tot["extended"], _rate(tot["extended"], tot["cases"])]
    return {"columns": ["月份", "案件（件）", "退查一次", "退查两次", "超过两次", "退查率%", "延长审查起诉（件）", "延长率%"],
            "rows": out_rows, "links": [_cases_link(month=k) for k in keys], "total": total,
            "chart": {"type": "stack", "labels": keys, "series": [
                {"name": "退查一次", "data": [by[k]["r1"] for k in keys]},
                {"name": "退查两次", "data": [by[k]["r2"] for k in keys]},
                {"name": "超过两次", "data": [by[k]["r3"] for k in keys]}]}}


def _deadline_findings(db: Session, user: User, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(rule, severity, row key) of the error/warning findings of deadline rules on the given cases."""
    prefixes = tuple(config()["deadline_prefixes"])
    case_pks = [int(r["key"].split(":")[1]) for r in rows if r["key"].startswith("case:")]
    item_ids = [int(r["key"].split(":")[1]) for r in rows if r["key"].startswith("item:")]
    out = []
    for i in range(0, len(case_pks), 500):
        chunk = case_pks[i:i + 500]
        for rule, sev, pk in db.execute(select(CaseFinding.rule_id, CaseFinding.severity, CaseFinding.case_pk)
                                        .where(CaseFinding.case_pk.in_(chunk),
                                               CaseFinding.severity.in_(("error", "warning")))).all():
            if rule.startswith(prefixes):
                out.append((rule, sev, f"case:{pk}"))
    t = batchview.tables()
    if t is not None and item_ids:
        findings = t[2]
        for i in range(0, len(item_ids), 500):
            chunk = item_ids[i:i + 500]
            for rule, sev, item in db.execute(select(findings.c.rule_id, findings.c.severity, findings.c.item_id)
                                              .where(findings.c.item_id.in_(chunk),
                                                     findings.c.severity.in_(("error", "warning")))).all():
                if rule.startswith(prefixes):
                    out.append((rule, sev, f"item:{item}"))
    return out


def deadlines(db: Session, user: User, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from server.labels import rule_title

    handler = {r["key"]: r["handler"] or UNKNOWN for r in rows}
    found = _deadline_findings(db, user, rows)
    by_rule: dict[str, Counter] = defaultdict(Counter)
    by_handler: dict[str, Counter] = defaultdict(Counter)
    for rule, sev, key in found:
        by_rule[rule][sev] += 1
        by_handler[handler[key]][sev] += 1
    cases_rule = {rule: len({k for r2, _s, k in found if r2 == rule}) for rule in by_rule}
    rules = sorted(by_rule, key=lambda k: (-(by_rule[k]["error"] + by_rule[k]["warning"]), k))
    handlers = sorted(by_handler, key=lambda k: (-(by_handler[k]["error"] + by_handler[k]["warning"]), k))
    return {"columns": ["规则", "错误", "警告", "涉及案件"],
            "rows": [[f"{rule_title(k)}（{k}）", by_rule[k]["error"], by_rule[k]["warning"], cases_rule[k]] for k in rules],
            "links": [_cases_link(rule=k) for k in rules],
            "total": ["合计", sum(c["error"] for c in by_rule.values()), sum(c["warning"] for c in by_rule.values()),
                      len({k for _r, _s, k in found})],
            "second": {"title": "按承办人", "columns": ["承办人", "错误", "警告"],
                       "rows": [[h, by_handler[h]["error"], by_handler[h]["warning"]] for h in handlers]},
            "chart": {"type": "hbar", "labels": [rule_title(k) for k in rules], "series": [
                {"name": "错误", "data": [by_rule[k]["error"] for k in rules]},
                {"name": "警告", "data": [by_rule[k]["warning"] for k in rules]}]}}


def notices(db: Session, user: User, filters: dict[str, str | None], today: dt.date | None = None) -> dict[str, Any]:
    from server import notices as nt

    f = _clean(filters)
    today = today or dt.date.today()
    q = nt.visible(user)
    if "department" in f:
        q = q.where(ProcessNotice.department == f["department"])
    by: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for n in db.scalars(q).all():
        month = n.issued_at.strftime("%Y-%m")
        if "month" in f and month != f["month"]:
            continue
        c = by[(n.department or UNKNOWN, month)]
        c["issued"] += 1
        c["replied"] += n.state in ("replied", "closed")
        c["closed"] += n.state == "closed"
        c["overdue"] += nt.overdue(n, today)
    keys = sorted(by)
    out_rows = [[d, m, by[(d, m)]["issued"], by[(d, m)]["replied"], by[(d, m)]["closed"], by[(d, m)]["overdue"],
                 _rate(by[(d, m)]["closed"], by[(d, m)]["issued"])] for d, m in keys]
    tot = Counter()
    for c in by.values():
        tot.update(c)
    total = ["合计", "", tot["issued"], tot["replied"], tot["closed"], tot["overdue"], _rate(tot["closed"], tot["issued"])]
    labels = [f"{d} {m}" for d, m in keys]
    return {"columns": ["部门", "月份", "发出", "已回复", "已销号", "逾期未回复", "销号率%"], "rows": out_rows,
            "links": ["/notices" for _k in keys], "total": total,
            "chart": {"type": "bar", "labels": labels, "series": [
                {"name": "发出", "data": [r[2] for r in out_rows]}, {"name": "已销号", "data": [r[4] for r in out_rows]},
                {"name": "逾期未回复", "data": [r[5] for r in out_rows]}]}}


def compute(db: Session, user: User, key: str, filters: dict[str, str | None]) -> dict[str, Any]:
    if key == "notices":
        return notices(db, user, filters)
    rows = fact_rows(db, user, filters)
    if key == "deadlines":
        out = deadlines(db, user, rows)
    else:
        out = {"sentencing": sentencing, "mismatch": mismatch, "plea": plea, "returns": returns}[key](rows)
    out["n_cases"] = len(rows)
    return out


def filter_options(db: Session, user: User) -> dict[str, list[str]]:
    """The values each filter can take among the cases the user may see."""
    rows = fact_rows(db, user, {})
    return {k: sorted({r[k] for r in rows if r.get(k)}) for k in FILTERS}
