"""Request and response schemas of the API (separate from the storage models in server.db)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class CheckTexts(BaseModel):
    """A case given as document texts (at least one)."""

    indictment: str | None = Field(None, description="起诉书全文", max_length=2_000_000)
    recommendation: str | None = Field(None, description="量刑建议书全文", max_length=2_000_000)
    judgment: str | None = Field(None, description="刑事判决书全文", max_length=2_000_000)
    case_id: str = Field("", description="案件编号（可空：取文书中的案号）", max_length=200)
    charges: list[str] | str | None = Field(None, description="已知罪名（量刑建议按此罪名计算）", max_length=20)


class TextIn(BaseModel):
    text: str = Field(..., description="文本", min_length=1, max_length=2_000_000)
    id: str | None = Field(None, max_length=200)


class AnalyzeIn(TextIn):
    charges: list[str] | str | None = Field(
        None, description="已知罪名（给出后不再预测；新旧罪名、CAIL 简称均可）", max_length=20)


class SimilarIn(TextIn):
    k: int = Field(10, ge=1, le=100)
    charges: list[str] | None = Field(None, description="只在这些罪名中检索；默认取文中罪名", max_length=20)


class DecisionIn(BaseModel):
    decision: Literal["accept", "dismiss", "clear"]
    note: str = Field("", max_length=1000)


class BatchFolderIn(BaseModel):
    folder: str = Field(..., description="服务器上的案件文件夹（仅案管）", min_length=1, max_length=1000)
    name: str = Field("", max_length=200)


class TokenIn(BaseModel):
    name: str = Field("", max_length=64)
    days: int | None = Field(None, ge=0, le=3650, description="有效天数（默认 90；0 为永久）")


class TokenOut(BaseModel):
    token: str
    name: str
    id: int
    expires_at: str | None = Field(None, description="到期时间（UTC），null 为永久")


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: str | None
    last_used_at: str | None
    expires_at: str | None
    revoked_at: str | None
    state: Literal["active", "expired", "revoked"]


class Health(BaseModel):
    status: str
    version: str
    database: str
    batch: bool


class CaseSummary(BaseModel):
    id: int
    case_id: str
    owner: str
    department: str | None
    created_at: str
    grade: str | None
    charge: str
    court: str
    month: str
    counts: dict[str, int]


class CaseList(BaseModel):
    total: int
    items: list[CaseSummary]


class CaseDetail(CaseSummary):
    documents: dict[str, Any]
    report: dict[str, Any]
    decisions: dict[int, Any]


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    role_label: str
    department: str | None


class NoticeReplyIn(BaseModel):
    reply: str = Field(..., description="整改情况", min_length=1, max_length=5000)


class NoticeCloseIn(BaseModel):
    note: str = Field("", description="销号意见", max_length=2000)


class NoticeOut(BaseModel):
    """A 流程通知书 and where it stands (issued 待整改 → replied 待销号 → closed 已销号)."""

    id: int
    number: str = Field(..., description="文号")
    state: Literal["issued", "replied", "closed"]
    state_name: str
    overdue: bool = Field(..., description="已过整改期限而未回复")
    case_pk: int | None = None
    batch_id: str | None = None
    finding_idx: int
    rule_id: str
    case_number: str = Field(..., description="案号")
    handler: str = Field(..., description="承办人")
    department: str | None = None
    problem: str
    basis: str
    remedy: str
    deadline: str
    issued_at: str
    issued_by: str
    reply: str
    replied_at: str | None = None
    replied_by: str | None = None
    closed_at: str | None = None
    closed_by: str | None = None
    close_note: str


class NoticeList(BaseModel):
    total: int
    items: list[NoticeOut]
