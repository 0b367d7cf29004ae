"""流程通知书 workflow: a confirmed warning (error or warning finding) becomes a process notice,
tracked through 发出 (issued) → 整改 (replied, with the 承办人's reply) → 销号 (closed).

Who may do what: 案管 (admin) issues and closes; the 承办人 the notice names (``handler_user``) or
the head of the notice's department replies; each sees the notices the access rules give them
(admin all, head the department's, prosecutor those naming them). Every transition (and each
download) is written to the audit log here, with user, time and the caller's IP: the pages and the
JSON API call the same functions.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import CheckedCase, ProcessNotice, User, utcnow
from server.services import UploadError

STATES = {"issued": "已发出（待整改）", "replied": "已整改回复（待销号）", "closed": "已销号"}
CONFIRMABLE = ("error", "warning")


class NoticeError(UploadError):
    """A refused notice operation with its HTTP status (403 role, 404, 400 wrong state)."""


def can_issue(user: User) -> bool:
    return user.role == "admin"


def can_close(user: User) -> bool:
    return user.role == "admin"


def can_reply(user: User, n: ProcessNotice) -> bool:
    if n.handler_user and user.username == n.handler_user:
        return True
    return user.role == "head" and bool(user.department) and user.department == n.department


def visible(user: User) -> Select:
    q = select(ProcessNotice)
    if user.role == "admin":
        return q
    if user.role == "head" and user.department:
        return q.where(ProcessNotice.department == user.department)
    return q.where(ProcessNotice.handler_user == user.username)


def listed(user: User, state: str | None = None, overdue_only: bool = False, batch: str | None = None) -> Select:
    """The notices ``user`` may see, filtered as the list page and the API offer, newest first."""
    q = visible(user)
    if state in STATES:
        q = q.where(ProcessNotice.state == state)
    if batch:
        q = q.where(ProcessNotice.batch_id == batch[:64])
    if overdue_only:
        q = q.where(ProcessNotice.state == "issued", ProcessNotice.deadline < dt.date.today())
    return q.order_by(ProcessNotice.id.desc())


def can_see(user: User, n: ProcessNotice) -> bool:
    if user.role == "admin" or n.handler_user == user.username:
        return True
    return user.role == "head" and bool(user.department) and n.department == user.department


def get_visible(db: Session, user: User, notice_id: int) -> ProcessNotice:
    """The notice, or a 404 NoticeError when it does not exist or ``user`` may not see it."""
    n = db.get(ProcessNotice, notice_id)
    if n is None or not can_see(user, n):
        raise NoticeError("流程通知书不存在或无权查看", 404)
    return n


def overdue(n: ProcessNotice, today: dt.date | None = None) -> bool:
    """Not replied by its deadline (a replied or closed notice is not overdue)."""
    return n.state == "issued" and n.deadline < (today or dt.date.today())


def _layout() -> dict[str, Any]:
    from models.notice import layout

    return layout()


def _number(db: Session, year: int) -> str:
    fmt = _layout()["number_format"]
    n = db.scalar(select(func.count(ProcessNotice.id)).where(
        func.extract("year", ProcessNotice.issued_at) == year)) or 0
    return fmt.format(year=year, seq=n + 1)


def _issue(db: Session, user: User, source_key: str, finding: dict[str, Any], *, case_number: str,
           handler: str, handler_user: str, department: str | None, case_pk: int | None = None,
           batch_id: str | None = None, batch_seq: int | None = None, idx: int = 0) -> tuple[ProcessNotice, bool]:
    """The notice for one finding: (notice, created). An existing one is returned as it is."""
    if not can_issue(user):
        raise NoticeError("仅案管人员可以发出流程通知书", 403)
    if finding.get("severity") not in CONFIRMABLE:
        raise NoticeError("只有错误或警告类核查结果可以发出流程通知书")
    got = db.scalars(select(ProcessNotice).where(ProcessNotice.source_key == source_key)).first()
    if got is not None:
        return got, False
    now = utcnow()
    lay = _layout()
    for _attempt in range(5):  # 文号 is unique: a concurrent issue takes the next number
        n = ProcessNotice(
            number=_number(db, now.year), source_key=source_key, case_pk=case_pk, batch_id=batch_id,
            batch_seq=batch_seq, finding_idx=idx, rule_id=finding.get("rule_id", "")[:80],
            case_number=(case_number or "")[:200], handler=(handler or "")[:64], handler_user=handler_user or "",
            department=department, problem=finding.get("message") or "", basis=finding.get("basis") or "",
            remedy=finding.get("suggestion") or lay["default_remedy"],
            deadline=now.date() + dt.timedelta(days=int(lay["reply_days"])), state="issued",
            issued_at=now, issued_by=user.username, reply="", close_note="")
        try:
            with db.begin_nested():
                db.add(n)
                db.flush()
            return n, True
        except IntegrityError:
            got = db.scalars(select(ProcessNotice).where(ProcessNotice.source_key == source_key)).first()
            if got is not None:
                return got, False
    raise NoticeError("文号分配冲突，请重试", 409)


def issue_for_case(db: Session, user: User, row: CheckedCase, idx: int) -> tuple[ProcessNotice, bool]:
    findings = row.report.get("findings", [])
    if not 0 <= idx < len(findings):
        raise NoticeError("没有这一项核查结果", 404)
    from server.casefile import owner_name

    return _issue(db, user, f"case:{row.id}#{idx}", findings[idx], case_number=row.case_id,
                  handler=owner_name(db, row.owner), handler_user=row.owner, department=row.department,
                  case_pk=row.id, idx=idx)


def issue_for_batch(db: Session, user: User, batch_id: str, rules: list[str]) -> tuple[int, int]:
    """Notices for every error/warning finding of the confirmed ``rules`` in a batch's finished cases;
    (created, already issued). The 承办人 is the batch's owner (the case-management export's handler
    when the case has one)."""
    import json

    from server import batchview

    if not can_issue(user):
        raise NoticeError("仅案管人员可以发出流程通知书", 403)
    t = batchview.tables()
    if t is None:
        raise NoticeError("批量评查功能未启用", 503)
    batches, items, _findings = t
    b = db.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
    if b is None:
        raise NoticeError("批次不存在", 404)
    want = set(rules)
    if not want:
        raise NoticeError("请至少选择一条规则")
    rows = db.execute(select(items.c.seq, items.c.case_id, items.c.result)
                      .where(items.c.batch_id == batch_id, items.c.status == "done").order_by(items.c.seq)).all()
    owner = b["owner"] or ""
    from server.casefile import owner_name

    name = owner_name(db, owner) if owner else ""
    made = old = 0
    for seq, case_id, raw in rows:
        res = json.loads(raw or "{}")
        handler = (res.get("facts") or {}).get("handler") or name
        for i, f in enumerate(res.get("findings") or []):
            if f.get("rule_id") in want and f.get("severity") in CONFIRMABLE:
                _n, created = _issue(db, user, f"batch:{batch_id}#{seq}#{i}", f,
                                     case_number=case_id or res.get("case_number") or res.get("name") or "",
                                     handler=handler, handler_user=owner, department=b["department"],
                                     batch_id=batch_id, batch_seq=seq, idx=i)
                made, old = made + created, old + (not created)
    return made, old


def confirm(db: Session, user: User, row: CheckedCase, idx: int, decision: str, ip: str = "") -> ProcessNotice | None:
    """A warning or error a 案管 accepts (采纳) becomes a 流程通知书 at once (audited)."""
    from server.services import audit

    findings = row.report.get("findings", [])
    if (decision != "accept" or not can_issue(user) or not 0 <= idx < len(findings)
            or findings[idx].get("severity") not in CONFIRMABLE):
        return None
    n, created = issue_for_case(db, user, row, idx)
    if created:
        audit(db, user.username, "notice_issue", f"notice:{n.id}", f"{n.number}；case:{row.id}#{idx}", ip)
    return n


def reply(db: Session, user: User, n: ProcessNotice, text: str, ip: str = "") -> None:
    """整改: the 承办人 (or their head) replies; audited."""
    from server.services import audit

    if not can_reply(user, n):
        raise NoticeError("只有通知书所列承办人或其部门负责人可以回复整改情况", 403)
    if n.state != "issued":
        raise NoticeError(f"通知书当前状态为“{STATES[n.state]}”，不能再回复")
    text = (text or "").strip()
    if not text:
        raise NoticeError("请填写整改情况")
    n.state, n.reply, n.replied_at, n.replied_by = "replied", text[:5000], utcnow(), user.username
    audit(db, user.username, "notice_reply", f"notice:{n.id}", f"{n.number}；{n.reply[:200]}", ip)


def close(db: Session, user: User, n: ProcessNotice, note: str = "", ip: str = "") -> None:
    """销号 by 案管 after the reply; audited."""
    from server.services import audit

    if not can_close(user):
        raise NoticeError("仅案管人员可以对流程通知书销号", 403)
    if n.state != "replied":
        raise NoticeError("承办人尚未回复整改情况，不能销号" if n.state == "issued" else "通知书已销号")
    n.state, n.closed_at, n.closed_by, n.close_note = "closed", utcnow(), user.username, (note or "").strip()[:2000]
    audit(db, user.username, "notice_close", f"notice:{n.id}", f"{n.number}；{n.close_note[:200]}", ip)


def to_model(n: ProcessNotice, issuer: str = "") -> Any:
    from models.notice import ProcessNotice as Model

    return Model(number=n.number, case_number=n.case_number, handler=n.handler, problem=n.problem, basis=n.basis,
                 remedy=n.remedy, deadline=n.deadline, issuer=issuer, recipient=n.department or "",
                 issued=n.issued_at.date())


def docx_bytes(n: ProcessNotice, issuer: str = "") -> bytes:
    from models.notice import write_notice

    buf = io.BytesIO()
    write_notice(to_model(n, issuer), buf)
    return buf.getvalue()


def docx_download(db: Session, user: User, n: ProcessNotice, ip: str = "") -> Any:
    """The notice as a .docx attachment response (文号 in the file name); the download is audited."""
    from urllib.parse import quote

    from starlette.responses import Response

    from server.services import audit

    data = docx_bytes(n)
    audit(db, user.username, "notice_download", f"notice:{n.id}", n.number, ip)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename=notice-{n.id}.docx; "
                                                    f"filename*=UTF-8''{quote(f'流程通知书-{n.number}.docx')}"})
