"""Output schemas of the LLM tasks (a prompt names its schema; answers are validated against it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class _Out(BaseModel):
    model_config = {"extra": "ignore"}

    confidence: float = Field(0.5, ge=0.0, le=1.0, description="0–1，对本答案的把握")


class JudgedTerm(BaseModel):
    defendant: str = ""
    penalty: str | None = Field(None, description="有期徒刑/拘役/管制/无期徒刑/死刑/免予刑事处罚")
    term_months: int | None = Field(None, ge=0, le=600)
    probation_months: int | None = Field(None, ge=0, le=120)
    fine_yuan: float | None = Field(None, ge=0)


class ElementsOut(_Out):
    """Extraction fallback: what the rules could not read (null when not stated)."""

    charges: list[str] = Field(default_factory=list, description="罪名（不带“罪”字）")
    amount_yuan: float | None = Field(None, ge=0, description="犯罪数额（元）")
    judged: list[JudgedTerm] = Field(default_factory=list, description="判决主文中的刑罚")
    elements: dict[str, Any] = Field(default_factory=dict, description="本罪的构成要素")
    evidence: str = Field("", max_length=200, description="依据的原文片段（简短）")


class ProofVerdict(BaseModel):
    index: int = Field(ge=0)
    verdict: Literal["confirm", "reject", "unsure"]
    confidence: float = Field(0.5, ge=0.0, le=1.0)
    reason: str = Field("", max_length=120)


class ProofReviewOut(BaseModel):
    model_config = {"extra": "ignore"}

    verdicts: list[ProofVerdict] = Field(default_factory=list)


class ExplanationOut(_Out):
    summary: str = Field(min_length=1, max_length=600, description="通俗说明（面向非专业读者）")
    points: list[str] = Field(default_factory=list, max_length=8)


class GateVoteOut(_Out):
    charges: list[str] = Field(default_factory=list, description="从候选罪名中选出的罪名（不带“罪”字）")
    reason: str = Field("", max_length=200)


class SummaryOut(_Out):
    summary: str = Field(min_length=1, max_length=400, description="案情摘要：行为、对象、数额、后果、情节")
    keywords: list[str] = Field(default_factory=list, max_length=12)


class PingOut(BaseModel):
    model_config = {"extra": "ignore"}

    ok: bool


SCHEMAS: dict[str, type[BaseModel]] = {
    c.__name__: c for c in (ElementsOut, ProofReviewOut, ExplanationOut, GateVoteOut, SummaryOut, PingOut)
}


def schema(name: str) -> type[BaseModel]:
    return SCHEMAS[name]
