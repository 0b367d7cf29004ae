"""Request dependencies: database session, the authenticated user (session cookie or Bearer API
token), CSRF verification for cookie-authenticated unsafe requests, role checks."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import ApiToken, User, utcnow
from server.security import token_digest

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class NeedLogin(Exception):
    """Raised by page dependencies: the app redirects to the login page."""


def get_db(request: Request) -> Iterator[Session]:
    db: Session = request.app.state.Session()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


DB = Annotated[Session, Depends(get_db)]
CasePk = Annotated[int, Path(ge=1, le=2**53, description="已核查案件编号")]
FindingIdx = Annotated[int, Path(ge=0, le=100_000, description="核查结果序号（从 0 起）")]
BatchId = Annotated[str, Path(min_length=1, max_length=64, description="批次编号")]


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    tok = request.session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        request.session["csrf"] = tok
    return tok


async def verify_csrf(request: Request) -> None:
    expected = request.session.get("csrf") or ""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            v = form.get(CSRF_FIELD)
            sent = v if isinstance(v, str) else ""
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "CSRF 校验失败：页面已过期，请刷新后重试")


def _user_from_token(request: Request, db: Session) -> User | None:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return None
    tok = db.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(auth[7:].strip()))).first()
    if tok is None:
        raise HTTPException(401, "API 令牌无效或已被撤销", headers={"WWW-Authenticate": "Bearer"})
    user = db.get(User, tok.user_id)
    if user is None or not user.active:
        raise HTTPException(401, "API 令牌所属账号已停用", headers={"WWW-Authenticate": "Bearer"})
    now = utcnow()
    if tok.last_used_at is None or now - tok.last_used_at > dt.timedelta(minutes=5):
        tok.last_used_at = now
        db.commit()
    return user


def _user_from_session(request: Request, db: Session) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = db.get(User, uid)
    if user is None or not user.active:
        request.session.clear()
        return None
    return user


async def api_user(request: Request, db: DB) -> User:
    user = _user_from_token(request, db)
    if user is not None:
        request.state.auth = "token"
        return user
    user = _user_from_session(request, db)
    if user is None:
        raise HTTPException(401, "请先登录，或在请求头提供 Authorization: Bearer <API令牌>",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.auth = "session"
    if request.method not in SAFE_METHODS:
        await verify_csrf(request)
    return user


async def page_user(request: Request, db: DB) -> User:
    user = _user_from_session(request, db)
    if user is None:
        raise NeedLogin()
    request.state.auth = "session"
    if request.method not in SAFE_METHODS:
        await verify_csrf(request)
    return user


ApiUser = Annotated[User, Depends(api_user)]
PageUser = Annotated[User, Depends(page_user)]


def require_admin(user: User) -> None:
    if user.role != "admin":
        raise HTTPException(403, "仅案管人员可以执行此操作")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
