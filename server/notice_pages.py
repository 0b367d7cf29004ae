"""Pages of the 流程通知书 workflow: the list, one notice with its history, issue (from a case's
finding or in bulk from a batch), reply (整改), close (销号) and the .docx download."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from server import notices
from server import services as sv
from server.api import get_case
from server.db import AuditLog
from server.deps import DB, BatchId, CasePk, FindingIdx, NoticeId, PageUser, client_ip
from server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/notices", response_class=HTMLResponse)
def notice_list(request: Request, user: PageUser, db: DB, state: str | None = None, overdue: int = 0,
                batch: str | None = None) -> HTMLResponse:
    rows = db.scalars(notices.listed(user, state, bool(overdue), batch).limit(500)).all()
    return render(request, "notices.html", user, rows=rows, state=state, overdue=overdue, batch=batch,
                  is_overdue=notices.overdue)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_view(notice_id: NoticeId, request: Request, user: PageUser, db: DB) -> HTMLResponse:
    n = notices.get_visible(db, user, notice_id)
    history = db.scalars(select(AuditLog).where(AuditLog.target == f"notice:{n.id}").order_by(AuditLog.id)).all()
    return render(request, "notice.html", user, n=n, history=history, overdue=notices.overdue(n),
                  may_reply=notices.can_reply(user, n) and n.state == "issued",
                  may_close=notices.can_close(user) and n.state == "replied")


@router.post("/cases/{case_pk}/findings/{idx}/notice")
def notice_issue(case_pk: CasePk, idx: FindingIdx, request: Request, user: PageUser, db: DB) -> Response:
    """案管 confirms a warning: the finding is accepted (采纳) and its notice issued."""
    row = get_case(db, user, case_pk)
    if not notices.can_issue(user):
        raise HTTPException(403, "仅案管人员可以发出流程通知书")
    sv.decide(db, user, row, idx, "accept", "")
    sv.audit(db, user.username, "decide", f"case:{row.id}#{idx}", "accept", client_ip(request))
    n = notices.confirm(db, user, row, idx, "accept", client_ip(request))
    if n is None:
        raise HTTPException(400, "只有错误或警告类核查结果可以发出流程通知书")
    db.commit()
    return RedirectResponse(f"/notices/{n.id}", status_code=303)


@router.post("/batches/{batch_id}/notices")
async def notice_batch(batch_id: BatchId, request: Request, user: PageUser, db: DB) -> Response:
    """Bulk issue: a notice for every error/warning finding of the rules the 案管 confirmed."""
    from server.access import can_see_batch
    from server.api import _batch

    if not notices.can_issue(user):
        raise HTTPException(403, "仅案管人员可以发出流程通知书")
    st = _batch(request, db, user, batch_id)
    if not can_see_batch(db, user, st):
        raise HTTPException(404, "批次不存在或无权查看")
    form = await request.form(max_fields=2000)
    rules = [v for v in form.getlist("rule") if isinstance(v, str)][:1000]
    made, old = notices.issue_for_batch(db, user, batch_id, rules)
    sv.audit(db, user.username, "notice_issue", f"batch:{batch_id}",
             f"批量发出 {made} 份（已有 {old} 份）；规则：{'、'.join(rules)[:500]}", client_ip(request))
    db.commit()
    return RedirectResponse(f"/notices?batch={batch_id}", status_code=303)


@router.post("/notices/{notice_id}/reply")
def notice_reply(notice_id: NoticeId, request: Request, user: PageUser, db: DB,
                 reply: str = Form("", max_length=5000)) -> Response:
    n = notices.get_visible(db, user, notice_id)
    notices.reply(db, user, n, reply, client_ip(request))
    db.commit()
    return RedirectResponse(f"/notices/{n.id}", status_code=303)


@router.post("/notices/{notice_id}/close")
def notice_close(notice_id: NoticeId, request: Request, user: PageUser, db: DB,
                 note: str = Form("", max_length=2000)) -> Response:
    n = notices.get_visible(db, user, notice_id)
    notices.close(db, user, n, note, client_ip(request))
    db.commit()
    return RedirectResponse(f"/notices/{n.id}", status_code=303)


@router.get("/notices/{notice_id}/docx")
def notice_docx(notice_id: NoticeId, request: Request, user: PageUser, db: DB) -> Response:
    response = notices.docx_download(db, user, notices.get_visible(db, user, notice_id), client_ip(request))
    db.commit()
    return response
