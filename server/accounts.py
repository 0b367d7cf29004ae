"""Account operations shared by the CLI (``jiancha user …``), the API and the pages: passwords,
enabling/disabling, API tokens with expiry, listing and revoking. Ending sessions is part of each
change that must end them (password, disable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import sessions
from server.db import ApiToken, User, utcnow
from server.security import hash_password, new_token, token_digest

MIN_PASSWORD = 8


class AccountError(ValueError):
    """A refused account change (message in Chinese, for the person)."""


def find(db: Session, username: str) -> User | None:
    return db.scalars(select(User).where(User.username == username)).first()


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")
    if len(password) > 1000:
        raise AccountError("密码过长")


def set_password(db: Session, user: User, password: str, password_hash: str | None = None) -> int:
    """Set a new password and end every session of the account; returns the sessions ended.
    ``password_hash`` may be computed beforehand (outside the database session)."""
    check_password_rules(password)
    user.password_hash = password_hash or hash_password(password)
    return sessions.end_all(db, user.id)


def set_active(db: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions (its tokens stop with it)."""
    user.active = active
    if not active:
        sessions.end_all(db, user.id)


def create_token(db: Session, user: User, name: str, days: int | None) -> tuple[str, ApiToken]:
    """A new API token (shown once); ``days`` None or 0: no expiry."""
    tok = new_token()
    expires = utcnow() + dt.timedelta(days=days) if days else None
    row = ApiToken(user_id=user.id, name=name[:64], token_hash=token_digest(tok), expires_at=expires)
    db.add(row)
    db.flush()
    return tok, row


def token_state(t: ApiToken, now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    if t.revoked_at is not None:
        return "revoked"
    if t.expires_at is not None and t.expires_at <= now:
        return "expired"
    return "active"


TOKEN_STATE = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


def list_tokens(db: Session, user_id: int | None = None) -> list[ApiToken]:
    q = select(ApiToken).order_by(ApiToken.id)
    if user_id is not None:
        q = q.where(ApiToken.user_id == user_id)
    return list(db.scalars(q).all())


def token_info(t: ApiToken) -> dict[str, Any]:
    def iso(d: dt.datetime | None) -> str | None:
        return d.isoformat(timespec="seconds") + "Z" if d else None

    return {"id": t.id, "name": t.name, "created_at": iso(t.created_at), "last_used_at": iso(t.last_used_at),
            "expires_at": iso(t.expires_at), "revoked_at": iso(t.revoked_at), "state": token_state(t)}


def revoke_token(db: Session, token_id: int, user_id: int | None = None) -> ApiToken | None:
    """Revoke one token (of ``user_id`` when given); None when there is no such token."""
    t = db.get(ApiToken, token_id)
    if t is None or (user_id is not None and t.user_id != user_id):
        return None
    if t.revoked_at is None:
        t.revoked_at = utcnow()
    return t
