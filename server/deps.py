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

from server import sessions
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
ROW_ID_MAX = 2**31 - 1  # the Integer primary keys (32-bit on PostgreSQL): a larger id is a 422, not a 500
CasePk = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="已核查案件编号")]
FindingIdx = Annotated[int, Path(ge=0, le=100_000, description="核查结果序号（从 0 起）")]
TokenId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="令牌编号")]
NoticeId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="流程通知书编号")]
BatchId = Annotated[str, Path(min_length=1, max_length=64, description="批次编号")]


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session: the server-side session's own token once logged in,
    else the login form's token kept in the signed cookie (created on first use)."""
    ws = getattr(request.state, "session_csrf", None)
    if ws is not None:
        return ws
    tok = request.session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        request.session["csrf"] = tok
    return tok


def rotate_login_csrf(request: Request) -> None:
    """A login form's token serves one attempt: the next form gets a new one."""
    request.session["csrf"] = secrets.token_urlsafe(32)


async def verify_csrf(request: Request) -> None:
    expected = getattr(request.state, "session_csrf", None) or request.session.get("csrf") or ""
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
    now = utcnow()
    if tok is None or tok.revoked_at is not None:
        raise HTTPException(401, "API 令牌无效或已被撤销", headers={"WWW-Authenticate": "Bearer"})
    if tok.expires_at is not None and tok.expires_at <= now:
        raise HTTPException(401, "API 令牌已过期，请重新创建", headers={"WWW-Authenticate": "Bearer"})
    user = db.get(User, tok.user_id)
    if user is None or not user.active:
        raise HTTPException(401, "API 令牌所属账号已停用", headers={"WWW-Authenticate": "Bearer"})
    if tok.last_used_at is None or now - tok.last_used_at > dt.timedelta(minutes=5):
        tok.last_used_at = now
    db.commit()  # give the connection back to the pool: a request holds none while it works
    return user


def _user_from_session(request: Request, db: Session) -> User | None:
    sid = request.session.get("sid")
    if not isinstance(sid, str) or not sid:
        return None
    ws = sessions.lookup(db, sid)
    user = db.get(User, ws.user_id) if ws is not None else None
    if ws is None or user is None or not user.active:
        request.session.pop("sid", None)
        db.commit()
        return None
    request.state.session_csrf = ws.csrf
    db.commit()
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
