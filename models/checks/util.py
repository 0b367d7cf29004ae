"""Small helpers shared by the checks: spans, and Chinese renderings of terms and sentences."""

from __future__ import annotations

from collections.abc import Iterable

from models.types import Defendant, DocElements, Mention, SentenceTerm, Span


def span(kind: str, m: Mention | Defendant | None) -> list[Span]:
    if m is None:
        return []
    return [Span(kind, m.start, m.end)]


def spans(*pairs: tuple[str, Mention | Defendant | None]) -> list[Span]:
    out: list[Span] = []
    for kind, m in pairs:
        out += span(kind, m)
    return out


def months_text(months: int | None) -> str:
    if months is None:
        return "（未载明）"
    y, m = divmod(int(months), 12)
    if y and m:
        return f"{y}年{m}个月"
    if y:
        return f"{y}年"
    return f"{m}个月"


def yuan_text(yuan: float | None) -> str:
    if yuan is None:
        return "（未载明）"
    return f"人民币{yuan:,.0f}元" if float(yuan).is_integer() else f"人民币{yuan:,.2f}元"


def term_text(st: SentenceTerm | None) -> str:
    """有期徒刑1年6个月 / 有期徒刑1年至1年6个月, without probation and fine."""
    if st is None:
        return "（未载明）"
    if st.penalty in ("死刑", "无期徒刑", "免予刑事处罚"):
        return st.penalty + ("缓期二年执行" if st.suspended_death else "")
    name = st.penalty or "单处罚金"
    if st.term_range_months:
        lo, hi = st.term_range_months
        return f"{name}{months_text(lo)}至{months_text(hi)}"
    if st.term_months is not None:
        return f"{name}{months_text(st.term_months)}"
    return name


def sentence_text(st: SentenceTerm | None) -> str:
    if st is None:
        return "（未载明）"
    parts = [term_text(st)]
    if st.probation:
        parts.append(f"缓刑{months_text(st.probation_months)}" if st.probation_months else "适用缓刑")
    if st.fine_range_yuan:
        parts.append(f"罚金{yuan_text(st.fine_range_yuan[0])}至{yuan_text(st.fine_range_yuan[1])}")
    elif st.fine_yuan:
        parts.append(f"罚金{yuan_text(st.fine_yuan)}")
    return "，".join(parts)


def names_by_kind(elements: dict[str, DocElements]) -> dict[str, dict[str, Defendant]]:
    return {k: {d.name: d for d in e.defendants} for k, e in elements.items()}


def active(circs: Iterable) -> set[str]:
    """Names of the non-negated circumstances."""
    return {c.name for c in circs if not c.negated}
