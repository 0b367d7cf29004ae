"""Server-rendered pages (Jinja2, Chinese UI): login, upload and case view with highlighted
findings, decisions, batch review with progress, dashboard (数据驾驶舱), audit log."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.errors import BadInput
from models.types import DOC_KIND_NAMES
from server import batchview, labels, notices, sessions, throttle
from server import services as sv
from server.access import can_batch_folder, can_see_batch
from server.api import get_case
from server.db import AuditLog, User
from server.deps import (
    DB,
    BatchId,
    CasePk,
    FindingIdx,
    PageUser,
    client_ip,
    csrf_token,
    require_admin,
    rotate_login_csrf,
    verify_csrf,
)
from server.security import ROLES, verify_password
from server.timefmt import local, zone_label

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.globals.update(ROLES=ROLES, KIND_NAMES=DOC_KIND_NAMES,
                             SEVERITY=labels.SEVERITY,
                             DECISION={"accept": "已采纳", "dismiss": "已驳回"},
                             STATE={"queued": "排队中", "running": "进行中", "done": "已完成",
                                    "cancelled": "已取消", "failed": "失败"})
templates.env.filters["localtime"] = local
templates.env.filters["rule_title"] = labels.rule_title
templates.env.filters["finding_title"] = labels.finding_title
templates.env.filters["audit_action"] = labels.audit_action
templates.env.globals["NOTICE_STATES"] = notices.STATES


def render(request: Request, name: str, user: User | None = None, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf_token(request),
                                                        "TZ_LABEL": zone_label(), **ctx},
                                      status_code=status_code)


def error_page(request: Request, message: str, status_code: int) -> HTMLResponse:
    return render(request, "error.html", None, status_code=status_code, message=message, code=status_code)


def highlight(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[str, list[int]]]:
    """Split ``text`` at span boundaries: [(segment, finding indices covering it)]."""
    cuts = {0, len(text)}
    for s, e, _ in spans:
        if 0 <= s < e <= len(text):
            cuts.update((s, e))
    pts = sorted(cuts)
    out = []
    for a, b in zip(pts, pts[1:], strict=False):
        cover = sorted({i for s, e, i in spans if s <= a and b <= e and s < e})
        out.append((text[a:b], cover))
    return out


def highlighted_documents(documents: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document (kind → {source, text}) split into segments with the findings covering them."""
    docs = []
    for kind in ("indictment", "recommendation", "judgment"):
        d = documents.get(kind)
        if not d:
            continue
        spans = [(sp["start"], sp["end"], i) for i, f in enumerate(findings) for sp in f.get("spans", [])
                 if sp.get("document") == kind]
        docs.append({"kind": kind, "source": d.get("source", ""), "segments": highlight(d["text"], spans)})
    return docs


# --------------------------------------------------------------------------- login


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html")


def _hash_gate(request: Request) -> asyncio.Semaphore:
    """At most ``login_hash_concurrency`` password hashes at once (one semaphore per event loop):
    waiting logins wait here without holding a thread or a database connection."""
    loop = asyncio.get_running_loop()
    gates = request.app.state.hash_gates
    gate = gates.get(loop)
    if gate is None:
        gate = gates[loop] = asyncio.Semaphore(max(1, request.app.state.settings.login_hash_concurrency))
    return gate


def _login_reserve(request: Request, name: str, ip: str) -> tuple[throttle.Verdict, tuple | None]:
    """Count the attempt (or refuse it) and read the account; the connection goes back at once."""
    with request.app.state.Session() as db:
        verdict = throttle.reserve(db, name, ip, request.app.state.login_policy)
        if not verdict.ok:
            return verdict, None
        u = db.scalars(select(User).where(User.username == name)).first()
        return verdict, ((u.id, u.password_hash) if u is not None and u.active else None)


def _login_finish(request: Request, name: str, ip: str, user_id: int | None) -> str | None:
    """Record the outcome; on success start a server-side session and return its id."""
    with request.app.state.Session() as db:
        if user_id is None:
            sv.audit(db, name or "-", "login_failed", "", "", ip)
            db.commit()
            return None
        throttle.succeeded(db, name, ip)
        sid, _row = sessions.start(db, user_id, request.app.state.settings.session_max_age, ip)
        sv.audit(db, name, "login", "", "", ip)
        db.commit()
        return sid


@router.post("/login")
async def login(request: Request, username: str = Form("", max_length=200),
                password: str = Form("", max_length=1000)) -> Response:
    await verify_csrf(request)
    rotate_login_csrf(request)
    name, ip = username.strip()[:64], client_ip(request)
    blocked = request.app.state.address_blocks  # address → monotonic time its delay ends (cache of the DB's)
    now = time.monotonic()
    if blocked.get(ip, 0) > now:
        verdict, account = throttle.Verdict(False, wait=max(1, math.ceil(blocked[ip] - now))), None
    else:
        verdict, account = await run_in_threadpool(_login_reserve, request, name, ip)
        if verdict.by_address and verdict.wait:
            if len(blocked) > 10_000:
                blocked.clear()
            blocked[ip] = now + verdict.wait - 0.5
    if not verdict.ok:
        # answer a refused attempt late (the connection waits on the event loop: no thread, no database):
        # a client hammering the login gets few answers per second and costs the server little
        await asyncio.sleep(min(verdict.wait or 1, request.app.state.settings.login_tarpit_max))
        msg = ("该账号因多次密码错误已被锁定，请联系案管解锁" if verdict.locked
               else f"登录尝试过于频繁，请{verdict.wait}秒后再试")
        resp = render(request, "login.html", status_code=429, error=msg)
        if verdict.wait:
            resp.headers["Retry-After"] = str(verdict.wait)
        return resp
    async with _hash_gate(request):  # no database session is open while hashing
        ok = await run_in_threadpool(verify_password, account[1] if account else None, password)
    sid = await run_in_threadpool(_login_finish, request, name, ip, account[0] if ok and account else None)
    if sid is None:
        return render(request, "login.html", status_code=401, error="用户名或密码错误")
    request.session.clear()
    request.session["sid"] = sid
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request, user: PageUser, db: DB) -> Response:
    sid = request.session.get("sid")
    if isinstance(sid, str):
        sessions.end(db, sid)
        db.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# --------------------------------------------------------------------------- check a case


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: PageUser) -> HTMLResponse:
    return render(request, "upload.html", user, limits=request.app.state.settings)


@router.post("/cases")
async def upload_case(request: Request, user: PageUser, db: DB) -> Response:
    from server.api import check_and_store

    settings = request.app.state.settings
    form = await request.form(max_files=1000, max_fields=100)
    uploads = [sv.Upload(v.filename or "", await v.read()) for _k, v in form.multi_items()
               if isinstance(v, UploadFile) and (v.filename or v.size)]
    texts = {k: form.get(k) for k in sv.KINDS if isinstance(form.get(k), str)}
    try:
        docs = []
        if uploads:
            docs += await run_in_threadpool(sv.documents_from_uploads, uploads, settings)
        if any(t and t.strip() for t in texts.values()):
            docs += sv.documents_from_texts(texts)
        if not docs:
            raise sv.UploadError("请选择文书文件或压缩包，或粘贴文书文本")
        kinds = [d.kind for d in docs]
        if len(set(kinds)) < len(kinds):
            raise sv.UploadError("同一案件中有多份同类文书")
        out = await run_in_threadpool(check_and_store, db, user, docs, "", client_ip(request))
    except BadInput as e:
        return render(request, "upload.html", user, status_code=sv.status_of(e), limits=settings, error=str(e))
    return RedirectResponse(f"/cases/{out['record_id']}" + ("?dup=1" if out.get("duplicate") else ""),
                            status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, user: PageUser, db: DB,
              charge: str | None = None, rule: str | None = None, severity: str | None = None,
              court: str | None = None, month: str | None = None, grade: str | None = None,
              q: str | None = None, date_from: str | None = None, date_to: str | None = None,
              page: int = 1) -> HTMLResponse:
    filters = {"charge": charge, "rule": rule, "severity": severity, "court": court, "month": month, "grade": grade,
               "q": q, "date_from": date_from, "date_to": date_to}
    page = max(1, min(page, 100_000))
    total, rows = sv.list_cases(db, user, filters, (page - 1) * 50, 50)
    batch_rows = batchview.cases(db, user, filters) if page == 1 and not (q or date_from or date_to) else []
    return render(request, "cases.html", user, total=total, rows=[sv.case_summary(r) for r in rows],
                  filters={k: v for k, v in filters.items() if v}, page=page, batch_rows=batch_rows)


def _similar_for(row: Any) -> dict[str, Any] | None:
    """Similar cases for the case page (only when the store is built: never start a build here)."""
    from knowledge.cases import StoreError, store_ready
    from models.commands.similar import similar_json

    sug = row.report.get("sentence_suggestion", {}).get("similar")
    if sug:
        return sug
    doc = row.documents.get("indictment") or row.documents.get("judgment")
    if not doc or not store_ready():
        return None
    try:
        return similar_json(doc["text"][:5000], 5, None, row.case_id)
    except (StoreError, BadInput, OSError):
        return None


def _timeline_for(request: Request, row: Any) -> tuple[Any, Any]:
    """(timeline, export row) of a checked case, in its own database session (runs in a thread)."""
    from server import casefile

    with request.app.state.Session() as db:
        _events, ex = casefile.export_events(db, row.id)
        try:
            return casefile.timeline(db, row), ex
        except BadInput:
            return None, ex


def _notices_of(db: Any, case_pk: int) -> dict[int, Any]:
    from server.db import ProcessNotice

    return {n.finding_idx: n for n in db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == case_pk))}


async def _case_page(request: Request, user: User, db: Any, row: Any, status_code: int = 200,
                     **extra: Any) -> HTMLResponse:
    findings = row.report.get("findings", [])
    docs = highlighted_documents(row.documents, findings)
    similar = await run_in_threadpool(_similar_for, row)
    tl, ex = await run_in_threadpool(_timeline_for, request, row)
    return render(request, "case.html", user, status_code=status_code, row=row, summary=sv.case_summary(row),
                  docs=docs, findings=findings, decisions=sv.decisions_of(db, row.id),
                  missing=row.report.get("missing_documents") or [],
                  suggestion=row.report.get("sentence_suggestion") or {}, similar=similar,
                  timeline=tl, export=ex, notices=_notices_of(db, row.id),
                  conflict_keys={(c.key, c.defendant) for c in (tl.conflicts if tl else [])}, **extra)


@router.get("/cases/{case_pk}", response_class=HTMLResponse)
async def case_view(case_pk: CasePk, request: Request, user: PageUser,
                    db: DB) -> HTMLResponse:
    row = get_case(db, user, case_pk)
    sv.audit(db, user.username, "view", f"case:{row.id}", row.case_id, client_ip(request))
    db.commit()
    return await _case_page(request, user, db, row)


@router.post("/cases/{case_pk}/export")
async def case_export_upload(case_pk: CasePk, request: Request, user: PageUser, db: DB) -> Response:
    """A case-management export (CSV / xlsx / JSON) for this case: its rows merged into the timeline."""
    from server import casefile

    row = get_case(db, user, case_pk)
    form = await request.form(max_files=1, max_fields=10)
    f = form.get("file")
    try:
        if not isinstance(f, UploadFile) or not f.filename:
            raise sv.UploadError("请选择案管系统导出文件（.csv、.xlsx 或 .json）")
        data = await f.read(casefile.MAX_EXPORT_BYTES + 1)
        n = await run_in_threadpool(casefile.upload_export, db, user, row, data, f.filename)
    except BadInput as e:
        db.rollback()
        return await _case_page(request, user, db, row, status_code=sv.status_of(e), export_error=f"导入失败：{e}")
    sv.audit(db, user.username, "case_export", f"case:{row.id}", f"{f.filename}；{n} 个事件", client_ip(request))
    db.commit()
    return RedirectResponse(f"/cases/{row.id}#timeline", status_code=303)


def _stored_case(case_id: str) -> dict[str, Any] | None:
    from knowledge.cases import StoreError, get_store, store_ready

    if not store_ready():
        return None
    try:
        return get_store().case(case_id)
    except StoreError:
        return None


@router.get("/similar/{case_id}", response_class=HTMLResponse)
async def similar_case_view(case_id: str, request: Request, user: PageUser) -> HTMLResponse:
    """One case of the similar-case store: charges, sentence, court, date, facts, full judgment."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", case_id):
        return error_page(request, "类案编号格式不对", 404)
    got = await run_in_threadpool(_stored_case, case_id)
    if got is None:
        return error_page(request, f"类案库中没有编号为{case_id}的案件（或类案库尚未建立）", 404)
    return render(request, "similar_case.html", user, c=got)


@router.post("/cases/{case_pk}/findings/{idx}/decision")
async def decide_form(case_pk: CasePk, idx: FindingIdx, request: Request, user: PageUser,
                      db: DB, decision: str = Form(...), note: str = Form("")) -> Response:
    if decision not in ("accept", "dismiss", "clear"):
        raise HTTPException(400, "无效的操作")
    row = get_case(db, user, case_pk)
    sv.decide(db, user, row, idx, decision, note)
    sv.audit(db, user.username, "decide", f"case:{row.id}#{idx}", decision, client_ip(request))
    notices.confirm(db, user, row, idx, decision, client_ip(request))
    db.commit()
    return RedirectResponse(f"/cases/{row.id}#f{idx}", status_code=303)


# --------------------------------------------------------------------------- batches


def _worker_or_none(request: Request) -> Any:
    return getattr(request.app.state, "worker", None)


@router.get("/batches", response_class=HTMLResponse)
def batches(request: Request, user: PageUser, db: DB) -> HTMLResponse:
    worker = _worker_or_none(request)
    items = []
    if worker is not None:
        items = [b for b in worker.list(owner=user.username if user.role == "prosecutor" else None)
                 if can_see_batch(db, user, b)]
    return render(request, "batches.html", user, enabled=worker is not None, items=items,
                  folder_ok=can_batch_folder(user))


@router.post("/batches")
async def create_batch(request: Request, user: PageUser, db: DB) -> Response:
    worker = _worker_or_none(request)
    if worker is None:
        raise HTTPException(503, "批量评查功能未启用（缺少批量评查引擎）")
    settings = request.app.state.settings
    form = await request.form(max_files=10, max_fields=20)
    f, folder = form.get("file"), form.get("folder")
    name = form.get("name") if isinstance(form.get("name"), str) else ""
    try:
        if isinstance(folder, str) and folder.strip():
            if not can_batch_folder(user):
                raise HTTPException(403, "仅案管人员可以评查服务器上的文件夹")
            source, uploaded = sv.batch_folder(folder.strip(), settings), False
        elif isinstance(f, UploadFile) and f.filename:
            uploaded = True
            source = await run_in_threadpool(sv.save_batch_zip, sv.Upload(f.filename, await f.read()), settings)
        else:
            raise sv.UploadError("请选择案件压缩包")
    except BadInput as e:
        items = [b for b in worker.list(owner=user.username if user.role == "prosecutor" else None)
                 if can_see_batch(db, user, b)]
        return render(request, "batches.html", user, status_code=sv.status_of(e), enabled=True, items=items,
                      folder_ok=can_batch_folder(user), error=str(e))
    nm = (name or "").strip() or (Path(f.filename).stem if isinstance(f, UploadFile) and f.filename else source.name)
    try:
        batch_id = await run_in_threadpool(sv.submit_batch, worker, source, nm[:200], user, uploaded)
    except BadInput as e:
        items = [b for b in worker.list(owner=user.username if user.role == "prosecutor" else None)
                 if can_see_batch(db, user, b)]
        return render(request, "batches.html", user, status_code=sv.status_of(e), enabled=True, items=items,
                      folder_ok=can_batch_folder(user), error=str(e))
    sv.audit(db, user.username, "batch", f"batch:{batch_id}", nm, client_ip(request))
    db.commit()
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_view(batch_id: BatchId, request: Request, user: PageUser,
               db: DB) -> HTMLResponse:
    from server.api import _batch

    st = _batch(request, db, user, batch_id)
    results = _worker_or_none(request).results(batch_id, offset=0, limit=500)
    seqs = batchview.seqs(db, batch_id)
    for r in results:
        r["seq"] = seqs.get(r.get("source"))
    sv.audit(db, user.username, "view", f"batch:{batch_id}", st.get("name", ""), client_ip(request))
    db.commit()
    rules = batchview.warning_rules(db, batch_id) if notices.can_issue(user) and st.get("state") == "done" else []
    return render(request, "batch.html", user, b=st, results=results, notice_rules=rules)


@router.get("/batches/{batch_id}/cases/{seq}", response_class=HTMLResponse)
def batch_case_view(batch_id: BatchId, seq: FindingIdx, request: Request, user: PageUser, db: DB) -> HTMLResponse:
    """One batch-reviewed case, read-only: documents re-read from the batch input, findings highlighted."""
    bc = batchview.case(db, user, batch_id, seq)
    if bc is None:
        raise HTTPException(404, "案件不存在或无权查看")
    res, row = bc["result"], bc["row"]
    findings = res.get("findings", [])
    summary = {"id": None, "case_id": res.get("case_id") or row["name"], "grade": res.get("grade"),
               "charge": "、".join(res.get("charges") or []), "court": res.get("court") or "",
               "owner": row["owner"] or "", "created_at": str(row.get("finished_at") or "")[:19],
               "counts": res.get("counts") or {}}
    sv.audit(db, user.username, "view", f"batch:{batch_id}#{seq}", summary["case_id"], client_ip(request))
    db.commit()
    tl = _batch_timeline(bc["documents"])
    return render(request, "case.html", user, row=None, summary=summary,
                  docs=highlighted_documents(bc["documents"], findings), findings=findings, decisions={},
                  missing=res.get("missing_documents") or [],
                  suggestion={}, similar=None, batch={"id": batch_id, "name": row["batch_name"]},
                  timeline=tl, conflict_keys=set())


def _batch_timeline(documents: dict[str, Any]) -> Any:
    """The documents' timeline of a batch case (no export: a batch reads the documents only)."""
    from models.documents import parse_text
    from models.pipeline import build_case
    from models.timeline import case_timeline

    docs = [parse_text(d["text"], source=d.get("source") or k, kind=k)  # type: ignore[arg-type]
            for k, d in documents.items() if d and d.get("text")]
    if not docs:
        return None
    try:
        return case_timeline(build_case(docs))
    except BadInput:
        return None


@router.post("/batches/{batch_id}/cancel")
def batch_cancel(batch_id: BatchId, request: Request, user: PageUser,
                 db: DB) -> Response:
    from server.api import batch_cancel as api_cancel

    api_cancel(batch_id, request, user, db)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


# --------------------------------------------------------------------------- dashboard, audit


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, user: PageUser, db: DB) -> HTMLResponse:
    stats = sv.stats(db, user)
    return render(request, "dashboard.html", user, stats=stats,
                  rule_titles=labels.rule_titles([k for k, _n in stats["by_rule"]]))


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, user: PageUser, db: DB) -> HTMLResponse:
    require_admin(user)
    rows = db.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(300)).all()
    return render(request, "audit.html", user, rows=rows)
