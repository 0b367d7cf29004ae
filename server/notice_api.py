"""JSON API of the 流程通知书 workflow: list and read the notices one may see, reply (整改) as the
承办人 or the department head, close (销号) as 案管, download the .docx. The same rules as the pages
(``server.notices``); every change is audited."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from server import notices
from server.api import _json_body
from server.db import ProcessNotice
from server.deps import DB, ApiUser, NoticeId, client_ip
from server.schemas import NoticeCloseIn, NoticeList, NoticeOut, NoticeReplyIn

router = APIRouter(prefix="/api/v1", tags=["流程通知书"])


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat(timespec="seconds") if value is not None else None


def notice_out(n: ProcessNotice) -> NoticeOut:
    return NoticeOut(
        id=n.id, number=n.number, state=n.state, state_name=notices.STATES[n.state], overdue=notices.overdue(n),
        case_pk=n.case_pk, batch_id=n.batch_id, finding_idx=n.finding_idx, rule_id=n.rule_id,
        case_number=n.case_number, handler=n.handler, department=n.department, problem=n.problem,
        basis=n.basis, remedy=n.remedy, deadline=n.deadline.isoformat(), issued_at=_iso(n.issued_at),
        issued_by=n.issued_by, reply=n.reply, replied_at=_iso(n.replied_at), replied_by=n.replied_by,
        closed_at=_iso(n.closed_at), closed_by=n.closed_by, close_note=n.close_note)


@router.get("/notices", response_model=NoticeList)
def list_notices(user: ApiUser, db: DB, state: str | None = Query(None, pattern="^(issued|replied|closed)$"),
                 overdue: bool = False, batch: str | None = Query(None, max_length=64),
                 offset: int = Query(0, ge=0, le=10_000_000),
                 limit: int = Query(50, ge=1, le=500)) -> NoticeList:
    """当前账号可见的流程通知书（案管：全部；部门负责人：本部门；承办人：本人），可按状态、逾期、批次筛选。"""
    q = notices.listed(user, state, overdue, batch)
    total = db.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
    rows = db.scalars(q.offset(offset).limit(limit)).all()
    return NoticeList(total=total, items=[notice_out(n) for n in rows])


@router.get("/notices/{notice_id}", response_model=NoticeOut)
def get_notice(notice_id: NoticeId, user: ApiUser, db: DB) -> NoticeOut:
    return notice_out(notices.get_visible(db, user, notice_id))


@router.post("/notices/{notice_id}/reply", response_model=NoticeOut)
async def reply_notice(notice_id: NoticeId, request: Request, user: ApiUser, db: DB) -> NoticeOut:
    """承办人（或其部门负责人）回复整改情况：已发出 → 已整改回复。"""
    body: NoticeReplyIn = await _json_body(request, NoticeReplyIn)
    n = notices.get_visible(db, user, notice_id)
    notices.reply(db, user, n, body.reply, client_ip(request))
    db.commit()
    return notice_out(n)


@router.post("/notices/{notice_id}/close", response_model=NoticeOut)
async def close_notice(notice_id: NoticeId, request: Request, user: ApiUser, db: DB) -> NoticeOut:
    """案管销号：已整改回复 → 已销号。"""
    body: NoticeCloseIn = await _json_body(request, NoticeCloseIn)
    n = notices.get_visible(db, user, notice_id)
    notices.close(db, user, n, body.note, client_ip(request))
    db.commit()
    return notice_out(n)


@router.get("/notices/{notice_id}/docx", response_class=Response)
def notice_docx(notice_id: NoticeId, request: Request, user: ApiUser, db: DB) -> Response:
    """流程通知书 Word 文件。"""
    response = notices.docx_download(db, user, notices.get_visible(db, user, notice_id), client_ip(request))
    db.commit()
    return response
