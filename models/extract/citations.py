"""Cited articles: 《中华人民共和国刑法》第二百六十六条、第二十三条、第六十七条第三款.

The law named last carries over to the following articles of the same sentence (up to 。) until
another law is named; an article with no law named in its sentence is dropped (it may be "本法"
or a quoted text). One ``Citation`` per 款 when several are listed (第七十三条第二、三款).
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.extract.numerals import to_int
from models.types import Citation

try:  # knowledge.statutes is built by another engineer; keep a fallback for robustness
    from knowledge.statutes import normalize_law_name as _kn_normalize
except ImportError:  # pragma: no cover
    _kn_normalize = None

_N = r"[零〇一二两三四五六七八九十百千\d]+"
_ART = (
    # 第二十五、二十六、二十七条 lists several articles; 第七十二第一款 (条 left out) still cites 72
    rf"第(?P<a>{_N}(?:[、和及与]{_N})*)(?:条|(?=第{_N}款))(?:之(?P<sub>[一二三四五六七八九十]+))?"
    rf"(?P<cls>(?:[、和及与]?第{_N}(?:[、和及与]{_N})*款)*)"
    rf"(?P<items>(?:[、和及与]?第?[（(]{_N}[）)](?:[、和及与][（(]?{_N}[）)]?)*项"
    rf"|[、和及与]?第{_N}(?:[、和及与]{_N})*项)*)"
)
_ART_RE = re.compile(_ART)
_NUM_RE = re.compile(_N)
# a law: 《…》 or a bare well-known name
_LAW_RE = re.compile(r"《(?P<q>[^《》]{2,80})》|(?P<bare>(?:中华人民共和国)?(?:刑事诉讼法|刑法))(?=第)")
_SENT_END = "。"


@lru_cache(maxsize=512)
def normalize_law(name: str) -> str | None:
    """Short law name ("刑法", "刑事诉讼法", or the interpretation's name); None if not a law."""
    if _kn_normalize is not None:
        return _kn_normalize(name)
    s = name.replace("中华人民共和国", "").strip()
    return s or None


def extract_citations(text: str, offset: int = 0) -> list[Citation]:
    """All article citations of ``text`` that follow a law name in the same sentence."""
    out: list[Citation] = []
    law: str | None = None
    pos = 0
    events: list[tuple[int, int, str, re.Match[str]]] = []
    for m in _LAW_RE.finditer(text):
        events.append((m.start(), 0, "law", m))
    for m in _ART_RE.finditer(text):
        events.append((m.start(), 1, "art", m))
    events.sort(key=lambda e: (e[0], e[1]))
    last_end = 0
    for start, _, kind, m in events:
        if start < last_end:
            continue
        # a sentence end between the last law/article and here drops the carried law
        if law is not None and _SENT_END in text[pos:start]:
            law = None
        if kind == "law":
            raw = m.group("q") or m.group("bare")
            law = normalize_law(raw)
            pos = last_end = m.end()
            continue
        if law is None:
            continue
        out.extend(_citations_from(m, law, offset))
        pos = last_end = m.end()
    return out


def _citations_from(m: re.Match[str], law: str, offset: int) -> list[Citation]:
    *listed, last = _NUM_RE.findall(m.group("a"))
    out = [
        Citation(start=offset + m.start(), end=offset + m.end(), text=m.group(0), law=law,
                 article=a, sub=0, clause=None, item=None)
        for a in (to_int(x) for x in listed) if a and a <= 2000
    ]
    art = to_int(last)
    if not art or art > 2000:
        return out
    sub = to_int(m.group("sub")) if m.group("sub") else 0
    clauses: list[int | None] = [to_int(c) for c in _NUM_RE.findall(m.group("cls") or "")] or [None]
    items: list[int | None] = [to_int(i) for i in _NUM_RE.findall(m.group("items") or "")] or [None]
    for ci, c in enumerate(clauses):
        # items belong to the last clause listed
        for it in items if ci == len(clauses) - 1 else [None]:
            out.append(
                Citation(
                    start=offset + m.start(),
                    end=offset + m.end(),
                    text=m.group(0),
                    law=law,
                    article=art,
                    sub=sub or 0,
                    clause=c,
                    item=it,
                )
            )
    return out


def crime_articles(citations: list[Citation]) -> list[int]:
    """Distinct 刑法 article numbers, in order of first citation."""
    seen: list[int] = []
    for c in citations:
        if c.law == "刑法" and c.article not in seen:
            seen.append(c.article)
    return seen
