"""REST API ``/api/v1``. Handlers are thin: they authenticate, call ``server.services`` (which calls
the ``models``/``knowledge`` public functions) and return JSON. Bad input → 4xx with a Chinese
``detail``; every check, view and decision is written to the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from server import accounts
from server import services as sv
from server.access import can_batch_folder, can_see_batch, can_see_case
from server.db import AuditLog, CheckedCase, User
from server.deps import DB, ApiUser, BatchId, CasePk, FindingIdx, TokenId, client_ip, require_admin
from server.schemas import (
    AnalyzeIn,
    BatchFolderIn,
    CaseDetail,
    CaseList,
    CheckTexts,
    DecisionIn,
    Health,
    Me,
    SimilarIn,
    TextIn,
    TokenIn,
    TokenInfo,
    TokenOut,
)
from server.security import ROLES

router = APIRouter(prefix="/api/v1")

_FILES_SCHEMA = {
    "type": "object",
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "一个案件的文书（.txt/.md/.docx，可多份）或一个 .zip"},
        "indictment": {"type": "string", "description": "起诉书文本（可选）"},
        "recommendation": {"type": "string", "description": "量刑建议书文本（可选）"},
        "judgment": {"type": "string", "description": "刑事判决书文本（可选）"},
        "case_id": {"type": "string"},
    },
}
_CHECK_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": CheckTexts.model_json_schema()},
    "multipart/form-data": {"schema": _FILES_SCHEMA},
}}}
_BATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": BatchFolderIn.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary", "description": "案件压缩包 .zip（每个案件一个文件夹）"},
        "name": {"type": "string"}}, "required": ["file"]}},
}}}


def _settings(request: Request) -> Any:
    return request.app.state.settings


def _worker(request: Request) -> Any:
    w = getattr(request.app.state, "worker", None)
    if w is None:
        raise HTTPException(503, "批量评查功能未启用（缺少批量评查引擎）")
    return w


async def _json_body(request: Request, model: type) -> Any:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as e:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())) or "请求体"
        raise HTTPException(422, f"请求参数有误（{where}）：{first.get('msg', 'JSON 格式错误')}") from None


async def read_case_input(request: Request) -> tuple[list, str, list[str]]:
    """Documents of one case from a JSON body of texts or a multipart upload, and the charges given
    (``charges``: official names; BadInput for an unknown name)."""
    from models.commands.analyze import given_charges

    settings = _settings(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        body: CheckTexts = await _json_body(request, CheckTexts)
        texts = {"indictment": body.indictment, "recommendation": body.recommendation, "judgment": body.judgment}
        return await run_in_threadpool(sv.documents_from_texts, texts), body.case_id, given_charges(body.charges)
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1000, max_fields=100)
        uploads: list[sv.Upload] = []
        texts: dict[str, str | None] = {}
        case_id = ""
        charges: list[str] = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploads.append(sv.Upload(value.filename or "", await value.read()))
            elif key in sv.KINDS:
                texts[key] = value
            elif key == "case_id":
                case_id = value[:200]
            elif key == "charges":
                charges += given_charges(value[:2000])
        docs: list = []
        if uploads:
            docs += await run_in_threadpool(sv.documents_from_uploads, uploads, settings)
        if any(t and t.strip() for t in texts.values()):
            docs += sv.documents_from_texts(texts)
        if not docs:
            raise sv.UploadError("没有上传任何文件或文本")
        kinds = [d.kind for d in docs]
        if len(set(kinds)) < len(kinds):
            raise sv.UploadError("同一案件中有多份同类文书")
        return docs, case_id, charges
    raise HTTPException(415, "请求格式不支持：请用 multipart/form-data 上传文件，或用 application/json 提交文本")


def check_and_store(db: Session, user: User, docs: list, case_id: str, ip: str,
                    charges: list[str] | None = None) -> dict[str, Any]:
    case, report = sv.run_check(docs, case_id, charges)
    documents = {d.kind: {"source": d.source, "text": d.text} for d in case.documents}
    same = sv.find_duplicate(db, user, report.case_id or "", documents)
    if same is None:
        try:
            with db.begin_nested():
                row = sv.save_case(db, user, case, report)
        except IntegrityError:  # the identical upload of a concurrent request was stored first
            same = sv.find_duplicate(db, user, report.case_id or "", documents)
            if same is None:
                raise
    if same is not None:  # the same documents uploaded again by the same person: no second row
        sv.audit(db, user.username, "check", f"case:{same.id}", f"{same.case_id}；重复上传", ip)
        db.commit()
        out = report.to_dict()
        out["record_id"], out["duplicate"] = same.id, True
        return out
    sv.audit(db, user.username, "check", f"case:{row.id}", f"{row.case_id}；{report.grade}", ip)
    db.commit()
    out = report.to_dict()
    out["record_id"], out["duplicate"] = row.id, False
    return out


# --------------------------------------------------------------------------- basics


@router.get("/health", response_model=Health, tags=["系统"])
async def health(request: Request) -> Health:
    """服务状态（无需登录）。"""
    from sqlalchemy import text

    # its own one-connection engine, asked on the event loop: no wait for the request pool or a thread
    try:
        with request.app.state.health_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        dbs = "ok"
    except Exception:  # noqa: BLE001 - report, don't fail
        dbs = "error"
    return Health(status="ok" if dbs == "ok" else "degraded", version=request.app.version, database=dbs,
                  batch=getattr(request.app.state, "worker", None) is not None)


@router.get("/me", response_model=Me, tags=["账号"])
def me(user: ApiUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role,
              role_label=ROLES.get(user.role, user.role), department=user.department)


@router.post("/tokens", response_model=TokenOut, tags=["账号"])
async def create_token(request: Request, user: ApiUser, db: DB) -> TokenOut:
    """为当前账号创建 API 令牌（只显示一次）；days：有效天数（默认 90，0 为永久）。"""
    body: TokenIn = await _json_body(request, TokenIn)
    days = _settings(request).token_days if body.days is None else body.days
    tok, row = accounts.create_token(db, user, body.name, days)
    sv.audit(db, user.username, "token", body.name, f"{days or '永久'}天" if days else "永久", client_ip(request))
    db.commit()
    return TokenOut(token=tok, name=body.name, id=row.id, expires_at=accounts.token_info(row)["expires_at"])


@router.get("/tokens", response_model=list[TokenInfo], tags=["账号"])
def list_tokens(user: ApiUser, db: DB) -> list[TokenInfo]:
    """当前账号的 API 令牌（不含令牌本身）：名称、状态、创建、到期、最近使用（UTC）。"""
    return [TokenInfo(**accounts.token_info(t)) for t in accounts.list_tokens(db, user.id)]


@router.delete("/tokens/{token_id}", response_model=TokenInfo, tags=["账号"])
def revoke_token(token_id: TokenId, request: Request, user: ApiUser, db: DB) -> TokenInfo:
    """撤销当前账号的一个 API 令牌（立即失效）。"""
    t = accounts.revoke_token(db, token_id, user.id)
    if t is None:
        raise HTTPException(404, "令牌不存在")
    sv.audit(db, user.username, "token_revoke", f"token:{token_id}", t.name, client_ip(request))
    db.commit()
    return TokenInfo(**accounts.token_info(t))


# --------------------------------------------------------------------------- checks


@router.post("/check", tags=["核查"], openapi_extra=_CHECK_BODY)
async def check(request: Request, user: ApiUser, db: DB) -> dict[str, Any]:
    """核查一个案件：上传文书（multipart：files，或一个 zip）或提交文本（JSON）→ 核查报告。"""
    docs, case_id, charges = await read_case_input(request)
    return await run_in_threadpool(check_and_store, db, user, docs, case_id, client_ip(request), charges)


@router.post("/proofread", tags=["核查"])
async def proofread(body: TextIn, request: Request, user: ApiUser,
                    db: DB) -> dict[str, Any]:
    """文书校对：错别字、漏字、多字、语序、标点等。"""
    from models.proofread import proofread as run

    res = await run_in_threadpool(run, body.text)
    sv.audit(db, user.username, "proofread", body.id or "", f"{len(body.text)}字", client_ip(request))
    db.commit()
    return res.to_dict(body.id)


@router.post("/analyze", tags=["核查"])
async def analyze(body: AnalyzeIn, request: Request, user: ApiUser,
                  db: DB) -> dict[str, Any]:
    """案情分析：罪名、法条、数额、量刑建议（charges：已知罪名，给出后不再预测）。"""
    from models.commands.analyze import analyze_one, given_charges

    res = await run_in_threadpool(analyze_one, body.text, body.id or "", charges=given_charges(body.charges))
    sv.audit(db, user.username, "analyze", body.id or "", f"{len(body.text)}字", client_ip(request))
    db.commit()
    return res


@router.post("/similar", tags=["核查"])
async def similar(body: SimilarIn, request: Request, user: ApiUser,
                  db: DB) -> dict[str, Any]:
    """类案检索与类案量刑参考（需先运行 jiancha index build 建立类案库）。"""
    from knowledge.cases import StoreError, store_ready
    from models.commands.similar import similar_json

    if not store_ready():
        raise HTTPException(503, "类案库尚未建立，请管理员运行 jiancha index build")
    try:
        res = await run_in_threadpool(similar_json, body.text, body.k, body.charges, body.id)
    except StoreError as e:
        raise HTTPException(503, f"类案库不可用：{e}") from None
    sv.audit(db, user.username, "similar", body.id or "", f"{len(body.text)}字", client_ip(request))
    db.commit()
    return res


# --------------------------------------------------------------------------- checked cases


def get_case(db: Session, user: User, case_pk: int) -> CheckedCase:
    row = db.get(CheckedCase, case_pk)
    if row is None or not can_see_case(user, row):
        raise HTTPException(404, "案件不存在或无权查看")  # no difference: don't reveal existence
    return row


@router.get("/cases", response_model=CaseList, tags=["案件"])
def cases(user: ApiUser, db: DB,
          charge: str | None = None, rule: str | None = None, severity: str | None = None,
          court: str | None = None, month: str | None = None, grade: str | None = None,
          offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(50, ge=1, le=500)) -> CaseList:
    """当前账号可见的已核查案件（可按罪名、规则、严重程度、法院、月份、等级筛选）。"""
    filters = {"charge": charge, "rule": rule, "severity": severity, "court": court, "month": month, "grade": grade}
    total, rows = sv.list_cases(db, user, filters, offset, limit)
    return CaseList(total=total, items=[sv.case_summary(r) for r in rows])


@router.get("/cases/{case_pk}", response_model=CaseDetail, tags=["案件"])
def case_detail(case_pk: CasePk, request: Request, user: ApiUser,
                db: DB) -> CaseDetail:
    row = get_case(db, user, case_pk)
    sv.audit(db, user.username, "view", f"case:{row.id}", row.case_id, client_ip(request))
    db.commit()
    return CaseDetail(**sv.case_summary(row), documents=row.documents, report=row.report,
                      decisions=sv.decisions_of(db, row.id))


@router.post("/cases/{case_pk}/findings/{idx}/decision", tags=["案件"])
async def decide(case_pk: CasePk, idx: FindingIdx, request: Request, user: ApiUser,
                 db: DB) -> dict[str, Any]:
    """采纳（accept）、驳回（dismiss）或撤销（clear）一项核查结果。"""
    body: DecisionIn = await _json_body(request, DecisionIn)
    row = get_case(db, user, case_pk)
    sv.decide(db, user, row, idx, body.decision, body.note)
    sv.audit(db, user.username, "decide", f"case:{row.id}#{idx}", body.decision, client_ip(request))
    from server import notices

    notices.confirm(db, user, row, idx, body.decision, client_ip(request))
    db.commit()
    return {"case": row.id, "idx": idx, "decision": sv.decisions_of(db, row.id).get(idx)}


@router.get("/stats", tags=["案件"])
def stats(user: ApiUser, db: DB) -> dict[str, Any]:
    """数据驾驶舱：按罪名、规则、严重程度、法院、月份统计核查结果。"""
    return sv.stats(db, user)


@router.get("/audit", tags=["系统"])
def audit_log(user: ApiUser, db: DB,
              limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    """审计日志（仅案管）。"""
    require_admin(user)
    rows = db.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)).all()
    return [{"at": r.at.isoformat(timespec="seconds"), "user": r.user, "action": r.action, "target": r.target,
             "detail": r.detail, "ip": r.ip} for r in rows]


# --------------------------------------------------------------------------- batches


def _batch(request: Request, db: Session, user: User, batch_id: str) -> dict[str, Any]:
    worker = _worker(request)
    try:
        st = worker.status(batch_id)
    except (KeyError, LookupError, ValueError):
        st = None
    if not st or not can_see_batch(db, user, st):
        raise HTTPException(404, "批次不存在或无权查看")
    return st


@router.post("/batches", tags=["批量评查"], openapi_extra=_BATCH_BODY)
async def create_batch(request: Request, user: ApiUser, db: DB) -> dict[str, Any]:
    """新建批量评查：上传案件压缩包（multipart：file），或（仅案管）指定服务器上的文件夹（JSON：folder）。"""
    worker = _worker(request)
    settings = _settings(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        body: BatchFolderIn = await _json_body(request, BatchFolderIn)
        if not can_batch_folder(user):
            raise HTTPException(403, "仅案管人员可以评查服务器上的文件夹；请上传压缩包")
        source = sv.batch_folder(body.folder, settings)
        name = body.name or source.name
    elif ctype == "multipart/form-data":
        form = await request.form(max_files=10, max_fields=20)
        f = form.get("file")
        if not isinstance(f, UploadFile):
            raise sv.UploadError("请上传案件压缩包（字段 file）")
        data = await f.read()
        source = await run_in_threadpool(sv.save_batch_zip, sv.Upload(f.filename or "", data), settings)
        nm = form.get("name")
        name = (nm if isinstance(nm, str) and nm.strip() else Path(f.filename or "批次").stem)[:200]
    else:
        raise HTTPException(415, "请求格式不支持：请用 multipart/form-data 上传压缩包，或用 JSON 指定文件夹")
    batch_id = await run_in_threadpool(sv.submit_batch, worker, source, name, user, ctype != "application/json")
    sv.audit(db, user.username, "batch", f"batch:{batch_id}", name, client_ip(request))
    db.commit()
    return worker.status(batch_id)


@router.get("/batches", tags=["批量评查"])
def list_batches(request: Request, user: ApiUser, db: DB) -> list[dict[str, Any]]:
    worker = _worker(request)
    items = worker.list(owner=user.username if user.role == "prosecutor" else None)
    return [b for b in items if can_see_batch(db, user, b)]


@router.get("/batches/{batch_id}", tags=["批量评查"])
def batch_status(batch_id: BatchId, request: Request, user: ApiUser,
                 db: DB) -> dict[str, Any]:
    return _batch(request, db, user, batch_id)


@router.get("/batches/{batch_id}/results", tags=["批量评查"])
def batch_results(batch_id: BatchId, request: Request, user: ApiUser, db: DB,
                  offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    _batch(request, db, user, batch_id)
    sv.audit(db, user.username, "view", f"batch:{batch_id}", f"results {offset}+{limit}", client_ip(request))
    db.commit()
    return _worker(request).results(batch_id, offset=offset, limit=limit)


@router.post("/batches/{batch_id}/cancel", tags=["批量评查"])
def batch_cancel(batch_id: BatchId, request: Request, user: ApiUser,
                 db: DB) -> dict[str, Any]:
    st = _batch(request, db, user, batch_id)
    if st.get("owner") != user.username and user.role != "admin":
        raise HTTPException(403, "只能取消自己的批次")
    ok = _worker(request).cancel(batch_id)
    sv.audit(db, user.username, "batch_cancel", f"batch:{batch_id}", str(ok), client_ip(request))
    db.commit()
    return {"cancelled": bool(ok), "status": _worker(request).status(batch_id)}


@router.get("/batches/{batch_id}/export", tags=["批量评查"])
def batch_export(batch_id: BatchId, request: Request, user: ApiUser, db: DB,
                 fmt: str = Query("xlsx", pattern="^(xlsx|html|jsonl)$")) -> FileResponse:
    """导出评查报告：Excel（xlsx）、HTML（含图表）或 JSONL。"""
    _batch(request, db, user, batch_id)
    path = Path(_worker(request).export(batch_id, fmt))
    sv.audit(db, user.username, "export", f"batch:{batch_id}", fmt, client_ip(request))
    db.commit()
    media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "html": "text/html; charset=utf-8", "jsonl": "application/x-ndjson"}[fmt]
    return FileResponse(path, media_type=media, filename=f"评查报告-{batch_id}.{fmt}")
