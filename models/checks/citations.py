"""Citations and charge names: the cited article (款, 项) exists in the law in force; the
crime article fits the charge; charge names are official (罪名意见 and its 补充规定)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from knowledge import charges as charge_catalogue
from knowledge import statutes
from models.checks.engine import CheckContext, Hit, register
from models.checks.util import span
from models.compare.charges import crime_articles, defendant_charges
from models.types import Citation, DocElements


def _label(c: Citation) -> str:
    s = f"《{c.law}》{statutes.article_label(c.article, c.sub)}"
    if c.clause:
        s += f"第{c.clause}款"
    if c.item:
        s += f"第（{c.item}）项"
    return s


def document_date(el: DocElements) -> dt.date | None:
    """The document's own date (signature / closing date), if extraction found it."""
    own = getattr(el, "date", None)
    if own is not None:
        return own
    days = [m.date for m in el.dates if m.role == "judgment"]
    return max(days) if days else None


@register("citations.exist")
def check_citations_exist(ctx: CheckContext) -> Iterator[Hit]:
    for kind in ctx.kinds():
        el = ctx.elements(kind)
        day = document_date(el)
        for c in el.citations:
            if not statutes.checkable_on(c.law, day):
                continue
            if statutes.article_exists(c.law, c.article, c.sub, c.clause, c.item):
                continue
            base_ok = statutes.article_exists(c.law, c.article, c.sub)
            yield Hit("CITE.NOT_FOUND", span(kind, c),
                      {"citation": c.text or _label(c),
                       "reason": "该条不存在的款或项" if base_ok else "该条文不存在或已被删除"})


@register("citations.charge_fit")
def check_charge_fit(ctx: CheckContext) -> Iterator[Hit]:
    for kind in ctx.kinds():
        el = ctx.elements(kind)
        arts = crime_articles(el)
        if not arts:
            continue
        names = [d.name for d in el.defendants] or [""]
        for name in names:
            for charge in sorted(defendant_charges(el, name)):
                wanted = charge_catalogue.articles_for(charge)
                if not wanted or any(w in arts for w in wanted):
                    continue
                yield Hit("CITE.CHARGE_FIT", span(kind, next(iter(arts.values()))),
                          {"charge": charge + "罪",
                           "expected": "、".join(statutes.article_label(a, s) for a, s in wanted),
                           "cited": "、".join(statutes.article_label(a, s) for a, s in arts)},
                          defendant=name or None)


@register("charges.official")
def check_charge_names(ctx: CheckContext) -> Iterator[Hit]:
    for kind in ctx.kinds():
        for m in getattr(ctx.elements(kind), "charge_mentions", []):
            if m.official is None:
                near = _punctuation_variant(m.text)
                if near:  # 销售有毒有害食品罪 for 销售有毒、有害食品罪: a wording slip, not another charge
                    yield Hit("CHARGE.NOT_OFFICIAL", span(kind, m), {"written": m.text}, severity="info",
                              suggestion=f"规范罪名为“{near}罪”（注意顿号）。")
                else:
                    yield Hit("CHARGE.NOT_OFFICIAL", span(kind, m), {"written": m.text})


_PUNCT = str.maketrans("", "", "、，, ")


def _punctuation_variant(written: str) -> str | None:
    """The official name a written charge differs from only by punctuation, or None."""
    w = written.removesuffix("罪")
    official = charge_catalogue.normalize_charge(w)
    if not official:
        return None
    bare = w.translate(_PUNCT)
    full = official.translate(_PUNCT)
    if bare == full:
        return official
    # a part of a selective charge (生产、销售有毒、有害食品 → 销售有毒、有害食品)
    if full.endswith(bare) and "、" in official:
        parts = official.split("、")
        for i in range(1, len(parts)):
            tail = "、".join(parts[i:])
            if tail.translate(_PUNCT) == bare:
                return tail
    return None
