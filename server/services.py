"""What the route handlers call: read uploads into documents (with the upload limits), run the
pipeline, store checked cases, decisions and the audit trail, and the dashboard statistics.

Check logic lives in ``models``; this module only moves data between HTTP, the pipeline and storage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from models.errors import BadInput
from models.types import DOC_KIND_NAMES
from server.access import visible_cases
from server.db import AuditLog, CaseFinding, CheckedCase, FindingDecision, User, utcnow
from server.security import mask_ids
from server.timefmt import to_utc_naive

KINDS = ("indictment", "recommendation", "judgment")


class UploadError(BadInput):
    """A rejected upload with its HTTP status (413 too large/too many, 415 wrong type, 400 other)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def status_of(e: BadInput) -> int:
    """HTTP status of a bad-input error (the pipeline's BadInput carries only its message)."""
    if isinstance(e, UploadError):
        return e.status
    msg = str(e)
    if "过大" in msg or "过多" in msg or "过长" in msg:
        return 413
    if "不支持" in msg:
        return 415
    return 400


@dataclass
class Upload:
    name: str
    data: bytes


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}MB" if n >= 1024 * 1024 else f"{n / 1024:.0f}KB"


def check_uploads(files: list[Upload], settings: Any) -> None:
    """Enforce count, type and size limits before anything is parsed."""
    files = [f for f in files if f.name or f.data]
    if not files:
        raise UploadError("没有上传任何文件")
    if len(files) > settings.max_upload_files:
        raise UploadError(f"一次最多上传{settings.max_upload_files}个文件（收到{len(files)}个）", 413)
    total = 0
    for f in files:
        ext = PurePosixPath(f.name).suffix.lower()
        if ext not in settings.upload_types:
            raise UploadError(f"不支持的文件类型：{f.name or '（无文件名）'}；支持 {'、'.join(settings.upload_types)}", 415)
        limit = settings.max_archive_bytes if ext == ".zip" else settings.max_file_bytes
        if len(f.data) > limit:
            raise UploadError(f"文件{f.name}过大（{len(f.data) / 1024 / 1024:.1f}MB），不得超过{_mb(limit)}", 413)
        total += len(f.data)
    if total > settings.max_upload_bytes:
        raise UploadError(f"上传文件总大小超过{_mb(settings.max_upload_bytes)}", 413)
    zips = [f for f in files if f.name.lower().endswith(".zip")]
    if zips and len(files) > 1:
        raise UploadError("压缩包请单独上传（一个压缩包即一个案件）")


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


def safe_name(name: str, i: int) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).lstrip(".") or f"file{i}"
    return base[:120]


def documents_from_uploads(files: list[Upload], settings: Any) -> list:
    """Documents of one case from uploaded files (documents of one case, or one zip)."""
    from models.documents import load_case

    check_uploads(files, settings)
    with tempfile.TemporaryDirectory(prefix="jiancha-up-") as tmp:
        d = Path(tmp) / "case"
        d.mkdir()
        paths = []
        for i, f in enumerate(files):
            p = d / safe_name(f.name, i)
            if p.exists():
                p = d / f"{i}_{p.name}"
            p.write_bytes(f.data)
            paths.append(p)
        if len(paths) == 1 and paths[0].suffix.lower() == ".zip":
            return load_case(paths)
        return load_case([d])


def documents_from_texts(texts: dict[str, str | None]) -> list:
    from models.documents import parse_text, require_legal

    docs = [parse_text(t, source=k, kind=k) for k, t in texts.items() if k in KINDS and t and t.strip()]
    if not docs:
        raise UploadError("请至少提供起诉书、量刑建议书或刑事判决书之一的文本")
    for d in docs:
        require_legal(d.text, DOC_KIND_NAMES[d.kind])
    return docs


def run_check(documents: list, case_id: str = "", charges: list[str] | None = None) -> tuple[Any, Any]:
    """(case, report) of the pipeline for these documents (``charges``: given by the user)."""
    from models.pipeline import build_case, check_case

    if not any(d.kind in KINDS for d in documents):
        raise BadInput("未找到起诉书、量刑建议书或刑事判决书")
    t0 = time.perf_counter()
    case = build_case(documents, case_id, charges)
    t1 = time.perf_counter()
    report = check_case(case)
    report.timings_ms["extract"] = round((t1 - t0) * 1000, 3)
    report.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 3)
    return case, report


def _case_meta(case: Any) -> tuple[str, str, str]:
    charge = court = month = ""
    for kind in ("judgment", "indictment", "recommendation"):
        el = case.elements.get(kind)
        if el is None:
            continue
        charge = charge or (el.charges[0] if el.charges else "")
        court = court or (el.court or "")
        if not month and el.date is not None:
            month = el.date.strftime("%Y-%m")
    return charge, court, month


def upload_key(case_id: str, documents: dict[str, Any]) -> str:
    """Digest of a case as uploaded: its 案号 and each kind's text (the source file names do not count)."""
    texts = {k: (v or {}).get("text") for k, v in documents.items()}
    blob = json.dumps([case_id[:200], sorted(texts.items())], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def save_case(db: Session, user: User, case: Any, report: Any) -> CheckedCase:
    """Add the checked case and its findings; raises IntegrityError (from the flush) when the same
    person's identical upload was stored meanwhile (unique owner + upload_key)."""
    charge, court, month = _case_meta(case)
    rep = report.to_dict()
    documents = {d.kind: {"source": d.source, "text": d.text} for d in case.documents}
    case_id = (report.case_id or "")[:200]
    row = CheckedCase(case_id=case_id, owner=user.username, department=user.department,
                      grade=report.grade, charge=charge, court=court[:128], month=month,
                      documents=documents, report=rep, upload_key=upload_key(case_id, documents))
    db.add(row)
    db.flush()
    for i, f in enumerate(rep["findings"]):
        db.add(CaseFinding(case_pk=row.id, idx=i, rule_id=f["rule_id"], severity=f["severity"]))
    from models.timeline import case_timeline
    from server.casefile import save_facts

    save_facts(db, row, case, case_timeline(case), user.display_name or user.username)
    return row


def find_duplicate(db: Session, user: User, case_id: str, documents: dict[str, Any]) -> CheckedCase | None:
    """A case this user already checked with exactly these documents (same 案号, same texts)."""
    same = db.scalars(select(CheckedCase).where(CheckedCase.owner == user.username,
                                                CheckedCase.upload_key == upload_key(case_id, documents))).first()
    if same is not None:
        return same
    # rows stored before upload keys existed (migration 0004) are compared text by text
    rows = db.scalars(select(CheckedCase).where(CheckedCase.owner == user.username,
                                                CheckedCase.case_id == case_id[:200],
                                                CheckedCase.upload_key.is_(None))
                      .order_by(CheckedCase.id.desc()).limit(20)).all()
    want = {k: v["text"] for k, v in documents.items()}
    for r in rows:
        if {k: (v or {}).get("text") for k, v in (r.documents or {}).items()} == want:
            return r
    return None


def audit(db: Session, user: str, action: str, target: str = "", detail: str = "", ip: str = "") -> None:
    db.add(AuditLog(user=user, action=action, target=mask_ids(target)[:200], detail=mask_ids(detail), ip=ip))


def decisions_of(db: Session, case_pk: int) -> dict[int, dict[str, Any]]:
    rows = db.scalars(select(FindingDecision).where(FindingDecision.case_pk == case_pk)).all()
    return {r.idx: {"decision": r.decision, "user": r.user, "note": r.note,
                    "decided_at": r.decided_at.isoformat(timespec="seconds")} for r in rows}


def decide(db: Session, user: User, row: CheckedCase, idx: int, decision: str, note: str = "") -> None:
    findings = row.report.get("findings", [])
    if not 0 <= idx < len(findings):
        raise UploadError("没有这一项核查结果", 404)
    existing = db.scalars(select(FindingDecision).where(FindingDecision.case_pk == row.id,
                                                        FindingDecision.idx == idx)).first()
    if decision == "clear":
        if existing is not None:
            db.delete(existing)
        return
    if existing is None:
        existing = FindingDecision(case_pk=row.id, idx=idx, rule_id=findings[idx]["rule_id"])
        db.add(existing)
    existing.decision, existing.user, existing.note = decision, user.username, note[:1000]
    existing.decided_at = utcnow()


def case_summary(row: CheckedCase) -> dict[str, Any]:
    sev = Counter(f["severity"] for f in row.report.get("findings", []))
    return {"id": row.id, "case_id": row.case_id, "owner": row.owner, "department": row.department,
            "created_at": row.created_at.isoformat(timespec="seconds"), "grade": row.grade,
            "charge": row.charge, "court": row.court, "month": row.month,
            "counts": {"error": sev["error"], "warning": sev["warning"], "info": sev["info"]}}


def list_cases(db: Session, user: User, filters: dict[str, str | None], offset: int = 0,
               limit: int = 50) -> tuple[int, list[CheckedCase]]:
    q = visible_cases(user)
    for col in ("charge", "court", "month", "grade"):
        if filters.get(col):
            q = q.where(getattr(CheckedCase, col) == filters[col])
    if filters.get("q"):  # 案号, 罪名, 法院, 承办人, or a name in the documents (被告人)
        like = "%" + filters["q"].strip()[:100].replace("\\", "").replace("%", "").replace("_", "") + "%"
        # ilike: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; ILIKE answers the same on both
        q = q.where(CheckedCase.case_id.ilike(like) | CheckedCase.charge.ilike(like) | CheckedCase.court.ilike(like)
                    | CheckedCase.owner.ilike(like) | cast(CheckedCase.documents, Text).ilike(like))
    for key, op in (("date_from", "ge"), ("date_to", "le")):
        v = filters.get(key)
        if v:
            try:
                d = dt.date.fromisoformat(v)
            except ValueError:
                raise UploadError(f"日期格式应为 2024-01-31：{v[:20]}") from None
            bound = to_utc_naive(d)  # the local day's start (JIANCHA_TIMEZONE) as stored UTC
            if op == "ge":
                q = q.where(CheckedCase.created_at >= bound)
            else:
                q = q.where(CheckedCase.created_at < bound + dt.timedelta(days=1))
    if filters.get("rule") or filters.get("severity"):
        sub = select(CaseFinding.case_pk)
        if filters.get("rule"):
            sub = sub.where(CaseFinding.rule_id == filters["rule"])
        if filters.get("severity"):
            sub = sub.where(CaseFinding.severity == filters["severity"])
        q = q.where(CheckedCase.id.in_(sub))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(CheckedCase.id.desc()).offset(offset).limit(limit)).all()
    return total, list(rows)


def stats(db: Session, user: User) -> dict[str, Any]:
    """Findings of the visible cases — checked here and batch-reviewed — by crime, rule, severity,
    court and month (数据驾驶舱)."""
    from server import batchview

    cases = visible_cases(user).subquery()
    joined = select(func.count(CaseFinding.id)).join(cases, CaseFinding.case_pk == cases.c.id)
    by: dict[str, Counter] = {}
    for key, col in (("charge", cases.c.charge), ("rule", CaseFinding.rule_id), ("severity", CaseFinding.severity),
                     ("court", cases.c.court), ("month", cases.c.month)):
        label = "（未知）" if key == "month" else "（未识别）"
        by[key] = Counter({k or label: int(n) for n, k in db.execute(joined.add_columns(col).group_by(col)).all()})
    n_cases = db.scalar(select(func.count()).select_from(cases)) or 0
    grades = Counter({g or "": int(n) for g, n in
                      db.execute(select(cases.c.grade, func.count()).group_by(cases.c.grade)).all()})
    dismissed = db.scalar(select(func.count()).select_from(FindingDecision).join(
        cases, FindingDecision.case_pk == cases.c.id).where(FindingDecision.decision == "dismiss")) or 0
    batch = batchview.stats(db, user)
    if batch is not None:
        for k, c in batch["by"].items():
            by[k].update(c)
        grades.update(batch["grades"])

    def top(c: Counter, n: int = 30) -> list[list[Any]]:
        return [[k, v] for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    return {"cases": n_cases + (batch["cases"] if batch else 0), "checked_cases": n_cases,
            "batch_cases": batch["cases"] if batch else 0, "findings": sum(by["severity"].values()),
            "dismissed": dismissed, "grades": top(grades), "by_charge": top(by["charge"]),
            "by_rule": top(by["rule"]), "by_severity": top(by["severity"]), "by_court": top(by["court"]),
            "by_month": [[k, v] for k, v in sorted(by["month"].items())]}


# --------------------------------------------------------------------------- batches


def batch_folder(folder: str, settings: Any) -> Path:
    """A server-side folder for batch review (案管 only): it must lie under one of the configured
    ``batch_roots`` (JIANCHA_BATCH_ROOTS; none configured: refused) and no part of the path may be a
    symbolic link. Messages never repeat the server path."""
    roots = [Path(r).resolve() for r in settings.batch_roots]
    if not roots:
        raise UploadError("本服务未配置允许批量评查的服务器目录（JIANCHA_BATCH_ROOTS），请上传压缩包", 403)
    p = Path(folder)
    if not p.is_absolute() or ".." in p.parts:
        raise UploadError("请填写服务器上文件夹的绝对路径（不含“..”）")
    if not any(p == r or r in p.parents for r in roots):
        raise UploadError("该文件夹不在允许批量评查的目录内", 403)
    root = next(r for r in roots if p == r or r in p.parents)
    rel = p.relative_to(root).parts
    for i in range(len(rel)):
        if root.joinpath(*rel[:i + 1]).is_symlink():
            raise UploadError("该文件夹的路径中含有符号链接，已拒绝", 403)
    if not p.is_dir():
        raise UploadError("服务器上没有这个文件夹")
    return p


def save_batch_zip(upload: Upload, settings: Any) -> Path:
    """Store an uploaded batch archive under the data directory for the batch worker."""
    import uuid
    import zipfile

    if not upload.name.lower().endswith(".zip"):
        raise UploadError(f"批量评查请上传 .zip 压缩包（收到：{upload.name or '无文件名'}）", 415)
    if len(upload.data) > settings.max_upload_bytes:
        raise UploadError(f"压缩包过大，不得超过{_mb(settings.max_upload_bytes)}", 413)
    import io

    if not zipfile.is_zipfile(io.BytesIO(upload.data)):
        raise UploadError("压缩包已损坏，无法打开")
    d = Path(settings.data_dir) / "uploads"
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    p = d / f"{uuid.uuid4().hex}.zip"
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(upload.data)
    return p


def submit_batch(worker: Any, source: Path, name: str, user: User, uploaded: bool = False) -> str:
    """Queue a batch; an uploaded archive is removed once the worker has copied it; a server folder
    is read in place by the worker (found and checked in the background, not in the request)."""
    try:
        return worker.submit(source, name, user.username, user.department)
    finally:
        if uploaded:
            source.unlink(missing_ok=True)
