"""Who sees what: 承办检察官 (prosecutor) their own cases and batches, 部门负责人 (head) their
department's, 案管 (admin) everything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.db import CheckedCase, User


def visible_cases(user: User) -> Select:
    q = select(CheckedCase)
    if user.role == "admin":
        return q
    if user.role == "head" and user.department:
        return q.where(CheckedCase.department == user.department)
    return q.where(CheckedCase.owner == user.username)


def can_see_case(user: User, row: CheckedCase) -> bool:
    if user.role == "admin":
        return True
    if user.role == "head" and user.department:
        return row.department == user.department
    return row.owner == user.username


def department_of(db: Session, username: str) -> str | None:
    return db.scalar(select(User.department).where(User.username == username))


def can_see_batch(db: Session, user: User, batch: dict[str, Any]) -> bool:
    owner = batch.get("owner") or ""
    if user.role == "admin" or owner == user.username:
        return True
    if user.role == "head" and user.department:
        dept = batch.get("department") or department_of(db, owner)
        return dept == user.department
    return False


def can_batch_folder(user: User) -> bool:
    """Only 案管 may review a folder already on the server."""
    return user.role == "admin"
