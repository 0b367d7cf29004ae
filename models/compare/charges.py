"""Charges and the crime articles cited, compared across documents (诉判不一 of charge)."""

from __future__ import annotations

from collections.abc import Iterator

from knowledge import charges as charge_catalogue
from models.checks.engine import CheckContext, Hit, register
from models.checks.util import span
from models.types import DOC_KIND_NAMES, Citation, DocElements

_PAIRS = (("indictment", "judgment"), ("indictment", "recommendation"), ("recommendation", "judgment"))


def defendant_charges(el: DocElements, name: str) -> set[str]:
    """Official charges of one defendant in a document (the document's charges if only one)."""
    d = el.defendant(name)
    got = {c for c in (d.charges if d else []) if c}
    if not got and len(el.defendants) <= 1:
        got = set(el.charges)
    return {charge_catalogue.normalize_charge(c) or c for c in got}


def crime_articles(el: DocElements) -> dict[tuple[int, int], Citation]:
    """Cited 刑法 articles that define a charge (分则 articles with a charge name)."""
    out: dict[tuple[int, int], Citation] = {}
    for c in el.citations:
        if c.law == "刑法" and charge_catalogue.charges_for_article(c.article, c.sub):
            out.setdefault((c.article, c.sub), c)
    return out


@register("compare.charges")
def check_charges(ctx: CheckContext) -> Iterator[Hit]:
    els = ctx.case.elements
    for a, b in _PAIRS:
        ea, eb = els.get(a), els.get(b)
        if ea is None or eb is None:
            continue
        for da in ea.defendants:
            if eb.defendant(da.name) is None and len(eb.defendants) > 1:
                continue
            ca, cb = defendant_charges(ea, da.name), defendant_charges(eb, da.name)
            if ca and cb and ca != cb:
                yield Hit(
                    "COMPARE.CHARGE_MISMATCH",
                    span(a, da) + span(b, eb.defendant(da.name)),
                    {"doc_a": DOC_KIND_NAMES[a], "charges_a": _names(ca),
                     "doc_b": DOC_KIND_NAMES[b], "charges_b": _names(cb)},
                    defendant=da.name,
                )
        arts_a, arts_b = crime_articles(ea), crime_articles(eb)
        if not arts_b:
            continue
        # a document citing only 分则 articles that define no charge (第三百四十六条 单位犯罪,
        # 第二百六十五条 以盗窃罪论处…) where the other cites the crime article
        cited_a, against = (arts_a, arts_b) if arts_a else (special_articles(ea), special_articles(eb))
        if cited_a:
            for key, cit in cited_a.items():
                if key not in against:
                    yield Hit(
                        "COMPARE.ARTICLE_MISMATCH",
                        span(a, cit),
                        {"doc_a": DOC_KIND_NAMES[a], "article": cit.text or cit.key,
                         "doc_b": DOC_KIND_NAMES[b],
                         "articles_b": "、".join(c.key for c in arts_b.values())},
                    )


def special_articles(el: DocElements) -> dict[tuple[int, int], Citation]:
    """Cited 刑法 分则 articles (第一百零二条 to 第四百五十一条), whether or not they name a charge."""
    out: dict[tuple[int, int], Citation] = {}
    for c in el.citations:
        if c.law == "刑法" and 102 <= c.article <= 451:
            out.setdefault((c.article, c.sub), c)
    return out


def _names(charges: set[str]) -> str:
    return "、".join(sorted(c + "罪" for c in charges))
