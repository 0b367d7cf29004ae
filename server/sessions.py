"""Server-side browser sessions (table ``web_sessions``).

The signed session cookie carries only a random session id (``sid``) and, before login, the login
form's CSRF token. The database keeps the id's SHA-256, the user, the session's own CSRF token and
its expiry, so deleting the row ends the session at once: logout, a password change or a disabled
account (``end_all``). Several web workers share the table.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from server.db import WebSession, utcnow
from server.security import token_digest

TOUCH_EVERY = dt.timedelta(minutes=5)  # last_seen_at is written at most this often


def start(db: Session, user_id: int, max_age: int, ip: str) -> tuple[str, WebSession]:
    """A new session for ``user_id``: (the id for the cookie, the row with its fresh CSRF token)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(id_hash=token_digest(sid), user_id=user_id, csrf=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(seconds=max_age), ip=ip[:64])
    db.add(row)
    return sid, row


def lookup(db: Session, sid: str) -> WebSession | None:
    """The live session of this cookie id, or None (unknown, ended or expired)."""
    row = db.get(WebSession, token_digest(sid))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now:
        db.delete(row)
        db.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    return row


def end(db: Session, sid: str) -> None:
    db.execute(delete(WebSession).where(WebSession.id_hash == token_digest(sid)))


def end_all(db: Session, user_id: int) -> int:
    """End every session of a user (password changed, account disabled); returns how many."""
    return db.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount or 0


def purge_expired(db: Session) -> None:
    db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
