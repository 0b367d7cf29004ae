"""Read-only views of batch-review cases for the dashboard and the drill-down: the batch engine
keeps its per-case results in its own tables (``models.batch.store``) in the same database; this
module only reads them, with the same visibility rules as checked cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from server.db import User


def tables() -> tuple[Any, Any, Any] | None:
    """(batches, items, findings) of the batch store, or None when the engine is not installed."""
    try:
        from models.batch.store import batches, findings, items
    except (ImportError, AttributeError):
        return None
    return batches, items, findings


def _visible(user: User, batches: Any) -> Any:
    if user.role == "admin":
        return true()
    if user.role == "head" and user.department:
        return batches.c.department == user.department
    return batches.c.owner == user.username


def _first_charge(raw: str | None) -> str:
    try:
        cs = json.loads(raw or "[]")
    except ValueError:
        return ""
    return cs[0] if cs else ""


def stats(db: Session, user: User) -> dict[str, Any] | None:
    """Counters like ``services.stats`` over the finished batch cases the user may see."""
    t = tables()
    if t is None:
        return None
    batches, items, findings = t
    vis = _visible(user, batches)
    base = (select(func.count(findings.c.id), findings.c.rule_id, findings.c.severity, items.c.charges,
                   items.c.court, items.c.month)
            .join(items, findings.c.item_id == items.c.id).join(batches, items.c.batch_id == batches.c.id)
            .where(vis).group_by(findings.c.rule_id, findings.c.severity, items.c.charges, items.c.court,
                                 items.c.month))
    try:
        rows = db.execute(base).all()
        n_cases = db.scalar(select(func.count(items.c.id)).join(batches, items.c.batch_id == batches.c.id)
                            .where(vis, items.c.status == "done")) or 0
        grades = db.execute(select(items.c.grade, func.count()).join(batches, items.c.batch_id == batches.c.id)
                            .where(vis, items.c.status == "done").group_by(items.c.grade)).all()
    except Exception:  # noqa: BLE001 - tables not created yet (no worker has started)
        return None
    by: dict[str, Counter] = {k: Counter() for k in ("charge", "rule", "severity", "court", "month")}
    for n, rule, sev, charges, court, month in rows:
        by["rule"][rule] += n
        by["severity"][sev] += n
        by["charge"][_first_charge(charges) or "（未识别）"] += n
        by["court"][court or "（未识别）"] += n
        by["month"][month or "（未知）"] += n
    return {"cases": n_cases, "findings": sum(by["severity"].values()), "by": by,
            "grades": Counter({g or "": int(k) for g, k in grades})}


def cases(db: Session, user: User, filters: dict[str, str | None], limit: int = 200) -> list[dict[str, Any]]:
    """Batch cases matching the dashboard filters (charge, rule, severity, court, month, grade)."""
    t = tables()
    if t is None:
        return []
    batches, items, findings = t
    q = (select(items.c.batch_id, items.c.seq, items.c.case_id, items.c.name, items.c.grade, items.c.charges,
                items.c.court, items.c.month, items.c.n_error, items.c.n_warning, items.c.n_info,
                batches.c.name.label("batch_name"), batches.c.owner)
         .join(batches, items.c.batch_id == batches.c.id).where(_visible(user, batches), items.c.status == "done"))
    for col in ("court", "month", "grade"):
        if filters.get(col):
            v = filters[col]
            q = q.where(getattr(items.c, col).is_(None) if v.startswith("（") else getattr(items.c, col) == v)
    if filters.get("charge"):
        q = q.where(items.c.charges.like(f'["{filters["charge"]}"%'))
    if filters.get("rule") or filters.get("severity"):
        conds = [findings.c.item_id == items.c.id]
        if filters.get("rule"):
            conds.append(findings.c.rule_id == filters["rule"])
        if filters.get("severity"):
            conds.append(findings.c.severity == filters["severity"])
        q = q.where(select(findings.c.id).where(and_(*conds)).exists())
    try:
        rows = db.execute(q.order_by(items.c.batch_id, items.c.seq).limit(limit)).mappings().all()
    except Exception:  # noqa: BLE001 - tables not created yet
        return []
    return [{**dict(r), "charge": _first_charge(r["charges"])} for r in rows]


def case(db: Session, user: User, batch_id: str, seq: int) -> dict[str, Any] | None:
    """One batch case with its documents (re-read from the batch's stored input) and findings."""
    t = tables()
    if t is None:
        return None
    batches, items, _findings = t
    try:
        row = db.execute(select(items, batches.c.source.label("root"), batches.c.name.label("batch_name"),
                                batches.c.owner.label("owner"), batches.c.department.label("department"))
                         .join(batches, items.c.batch_id == batches.c.id)
                         .where(items.c.batch_id == batch_id, items.c.seq == seq, _visible(user, batches))
                         ).mappings().first()
    except Exception:  # noqa: BLE001
        return None
    if row is None or not row["result"]:
        return None
    from models.batch import CaseSource, load_source
    from models.errors import BadInput

    result = json.loads(row["result"])
    try:
        members = tuple(json.loads(row["members"] or "[]"))
        docs = load_source(Path(row["root"]), CaseSource(key=row["source"], name=row["name"], members=members))
        texts = {d.kind: {"source": d.source, "text": d.text} for d in docs}
    except (BadInput, OSError, ValueError):
        texts = {}
    return {"row": dict(row), "result": result, "documents": texts}


def seqs(db: Session, batch_id: str) -> dict[str, int]:
    """Case key → sequence number within a batch (for links to the batch-case page)."""
    t = tables()
    if t is None:
        return {}
    _batches, items, _findings = t
    try:
        return {k: int(v) for k, v in db.execute(select(items.c.source, items.c.seq)
                                                  .where(items.c.batch_id == batch_id)).all()}
    except Exception:  # noqa: BLE001
        return {}


def warning_rules(db: Session, batch_id: str) -> list[tuple[str, str, int]]:
    """(rule, worst severity, number of error/warning findings) of a batch, most frequent first."""
    t = tables()
    if t is None:
        return []
    _batches, _items, findings = t
    try:
        rows = db.execute(select(findings.c.rule_id, findings.c.severity, func.count())
                          .where(findings.c.batch_id == batch_id, findings.c.severity.in_(("error", "warning")))
                          .group_by(findings.c.rule_id, findings.c.severity)).all()
    except Exception:  # noqa: BLE001 - tables not created yet
        return []
    by: dict[str, list] = {}
    for rule, sev, n in rows:
        got = by.setdefault(rule, [rule, sev, 0])
        got[1] = "error" if "error" in (got[1], sev) else sev
        got[2] += n
    return sorted((tuple(v) for v in by.values()), key=lambda r: (-r[2], r[0]))  # type: ignore[misc]
