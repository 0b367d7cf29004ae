"""A checked case's management file (案件管理档案): its timeline (the documents' procedural events
merged with an uploaded case-management export) and its thematic-analysis facts (``case_facts``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from models.errors import BadInput
from models.timeline import Event, Timeline
from server.db import CaseExport, CaseFacts, CheckedCase, User, utcnow

MAX_EXPORT_BYTES = 20 * 1024 * 1024


def _event_dict(e: Event) -> dict[str, Any]:
    return {"key": e.key, "date": e.date.isoformat(), "source": e.source, "actor": e.actor,
            "department": e.department, "defendant": e.defendant, "text": e.text}


def _event(d: dict[str, Any]) -> Event:
    return Event(d["key"], dt.date.fromisoformat(d["date"]), d.get("source") or "案管导出", d.get("actor", ""),
                 d.get("department", ""), d.get("defendant", ""), d.get("text", ""))


def rebuild_case(row: CheckedCase) -> Any:
    """The extracted case of a stored row (its documents parsed again)."""
    from models.documents import parse_text
    from models.pipeline import build_case

    docs = [parse_text(d["text"], source=d.get("source") or k, kind=k)  # type: ignore[arg-type]
            for k, d in (row.documents or {}).items() if d and d.get("text")]
    return build_case(docs, row.case_id)


def export_events(db: Session, case_pk: int) -> tuple[list[Event], CaseExport | None]:
    ex = db.get(CaseExport, case_pk)
    return ([_event(d) for d in ex.events] if ex is not None else []), ex


def timeline(db: Session, row: CheckedCase, case: Any = None) -> Timeline:
    from models.timeline import case_timeline

    events, _ex = export_events(db, row.id)
    return case_timeline(case if case is not None else rebuild_case(row), events)


def case_numbers(case: Any) -> list[str]:
    nums = [el.case_number for el in case.elements.values() if el.case_number]
    nums += [el.indictment_ref for el in case.elements.values() if el.indictment_ref]
    return nums


def save_facts(db: Session, row: CheckedCase, case: Any, tl: Timeline, handler: str = "") -> CaseFacts:
    """Write (or rewrite) the case's analysis facts."""
    from models.analysis import FACT_FIELDS, case_facts

    f = case_facts(case, tl, handler)
    got = db.get(CaseFacts, row.id) or CaseFacts(case_pk=row.id)
    for k, v in f.items():
        if isinstance(v, str):
            v = v[:200]
        elif v is None and FACT_FIELDS[k][0] == "int" and k != "charge_mismatch":
            v = 0
        setattr(got, k, v)
    db.add(got)
    return got


def owner_name(db: Session, username: str) -> str:
    from sqlalchemy import select

    return db.scalar(select(User.display_name).where(User.username == username)) or username


def upload_export(db: Session, user: User, row: CheckedCase, data: bytes, filename: str) -> int:
    """Read an export, keep the rows of this case, store them and refresh the facts; the number of
    events kept. Bad files and files without this case raise ``BadInput`` (shown as HTTP 400)."""
    from models.timeline import case_timeline
    from models.timeline.export import events_for_case, read_export

    if len(data) > MAX_EXPORT_BYTES:
        raise BadInput(f"案管导出文件过大（超过 {MAX_EXPORT_BYTES // 1024 // 1024} MB）")
    rows = read_export(data, filename or "export")
    case = rebuild_case(row)
    numbers = case_numbers(case)
    events = events_for_case(rows, numbers)
    if not events:
        raise BadInput(f"案管导出中没有本案（{'、'.join(numbers) or '案号未识别'}）的事件")
    ex = db.get(CaseExport, row.id) or CaseExport(case_pk=row.id)
    ex.filename, ex.events = (filename or "")[:200], [_event_dict(e) for e in events]
    ex.uploaded_by, ex.uploaded_at = user.username, utcnow()
    db.add(ex)
    case.events = list(events)
    recheck(db, row, case)
    save_facts(db, row, case, case_timeline(case, events), owner_name(db, row.owner))
    return len(events)


def recheck(db: Session, row: CheckedCase, case: Any) -> None:
    """Run the checks again on the case with its export events (the timeline rules read them) and
    replace its findings; decisions and notices follow their finding to its new position (matched
    by rule and message); a decision whose finding is gone is dropped, a notice stays as issued."""
    from sqlalchemy import delete, select

    from models.pipeline import check_case
    from server.db import CaseFinding, FindingDecision, ProcessNotice

    report = check_case(case)
    new = report.to_dict()
    old = row.report.get("findings", [])
    free: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(new["findings"]):
        free.setdefault((f["rule_id"], f.get("message", "")), []).append(i)
    moved: dict[int, int] = {}
    for i, f in enumerate(old):
        slot = free.get((f["rule_id"], f.get("message", "")))
        if slot:
            moved[i] = slot.pop(0)
    decisions = db.scalars(select(FindingDecision).where(FindingDecision.case_pk == row.id)).all()
    for d in decisions:  # two steps: the (case, idx) pair is unique
        d.idx = -1 - d.idx
    db.flush()
    for d in decisions:
        target = moved.get(-1 - d.idx)
        if target is None:
            db.delete(d)
        else:
            d.idx = target
    notices = db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == row.id)).all()
    for n in notices:  # source_key is unique too: release the old keys first
        n.source_key = f"case:{row.id}#moving-{n.id}"
    db.flush()
    for n in notices:
        if n.finding_idx in moved:
            n.finding_idx = moved[n.finding_idx]
            n.source_key = f"case:{row.id}#{n.finding_idx}"
        else:  # its finding is gone: the notice stays as issued, no longer tied to a finding
            n.source_key = f"case:{row.id}#gone-{n.id}"
    db.execute(delete(CaseFinding).where(CaseFinding.case_pk == row.id))
    for i, f in enumerate(new["findings"]):
        db.add(CaseFinding(case_pk=row.id, idx=i, rule_id=f["rule_id"], severity=f["severity"]))
    row.report = new
    row.grade = report.grade
