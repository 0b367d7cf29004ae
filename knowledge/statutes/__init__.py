"""Statute lookup: articles (条, 之X), paragraphs (款) and items (项) of the laws we carry.

Data: ``statutes.json.gz`` beside this file, built by ``python -m knowledge.statutes.build``
from the Markdown texts (刑法 with all amendments up to 修正案（十二）, 刑事诉讼法 2018,
人民检察院刑事诉讼规则 2019, 最高法 刑诉法解释 2021). Loaded once, lazily.

Laws we do not carry cannot be refuted: ``article_exists`` returns True for them (callers that
want to know whether a check was possible use ``known_law``).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.statutes.cnnum import to_cn
from knowledge.statutes.tiers import Tier, all_tier_articles, penalty_tiers

__all__ = [
    "Article",
    "Tier",
    "all_tier_articles",
    "article_exists",
    "article_label",
    "checkable_on",
    "get_article",
    "is_repealed",
    "known_law",
    "law_title",
    "normalize_law_name",
    "text_in_force_since",
    "penalty_tiers",
]

DATA_FILE = Path(__file__).resolve().parent / "statutes.json.gz"


@dataclass(frozen=True)
class Article:
    """One article in force. ``clauses[i]`` is the text of 款 i+1 (without its items);
    ``items[i]`` the 项 of that 款 (``（一）…`` lines), possibly empty."""

    law: str
    article: int
    sub: int
    clauses: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)
    chapter: str = ""

    @property
    def label(self) -> str:
        return article_label(self.article, self.sub)

    @property
    def text(self) -> str:
        """Full text, one 款 or 项 per line."""
        lines: list[str] = []
        for c, its in zip(self.clauses, self.items, strict=True):
            lines.append(c)
            lines.extend(its)
        return "\n".join(lines)

    def clause_text(self, clause: int) -> str:
        """Text of 款 ``clause`` (1-based) with its items; "" if absent."""
        if not 1 <= clause <= len(self.clauses):
            return ""
        return "\n".join([self.clauses[clause - 1], *self.items[clause - 1]])


# --------------------------------------------------------------------------- law names

# canonical short name → aliases (compared after stripping 《》〈〉, spaces and 中华人民共和国)
_LAW_ALIASES: dict[str, tuple[str, ...]] = {
    "刑法": ("刑法",),
    "刑事诉讼法": ("刑事诉讼法", "刑诉法"),
    "人民检察院刑事诉讼规则": ("人民检察院刑事诉讼规则", "刑事诉讼规则", "高检规则"),
    "刑诉法解释": (
        "最高人民法院关于适用刑事诉讼法的解释",
        "关于适用刑事诉讼法的解释",
        "刑诉法解释",
        "刑事诉讼法解释",
        "高法解释",
    ),
}
_ALIAS_TO_LAW = {a: law for law, aliases in _LAW_ALIASES.items() for a in aliases}
_STRIP_RE = re.compile(r"[《》〈〉<>\s\u3000“”\"]")
_VERSION_RE = re.compile(r"[（(][^（）()]*(?:修正|修订|修改|年)[^（）()]*[）)]$")
_LAW_SUFFIX_RE = re.compile(r"(?:法|条例|规定|解释|决定|规则|意见|办法|纪要|标准|通知)$")


@lru_cache(maxsize=1024)
def normalize_law_name(name: str) -> str | None:
    """Canonical short name of a law: 《中华人民共和国刑法》/刑法/《刑法》 → "刑法".

    Laws we do not carry come back as their short name (without 《》 and 中华人民共和国), e.g.
    《中华人民共和国治安管理处罚法》 → "治安管理处罚法"; text that is not a law name → None.
    """
    s = _STRIP_RE.sub("", name or "")
    s = _VERSION_RE.sub("", s)
    if s.startswith("中华人民共和国"):
        s = s[len("中华人民共和国") :]
    s = s.replace("中华人民共和国", "")
    if not s:
        return None
    if s in _ALIAS_TO_LAW:
        return _ALIAS_TO_LAW[s]
    if len(s) <= 60 and _LAW_SUFFIX_RE.search(s):
        return s
    return None


def known_law(law: str) -> bool:
    """True when we carry the text of ``law`` (a name in any accepted form)."""
    n = normalize_law_name(law)
    return n is not None and n in _laws()


def law_title(law: str) -> str | None:
    n = normalize_law_name(law)
    d = _laws().get(n or "")
    return d["title"] if d else None


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def _laws() -> dict[str, dict]:
    data = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    return data["laws"]


@lru_cache(maxsize=8)
def _index(law: str) -> dict[tuple[int, int], list]:
    d = _laws().get(law)
    if not d:
        return {}
    return {(a[0], a[1]): a for a in d["articles"]}


def _raw(law: str, article: int, sub: int) -> tuple[str | None, list | None]:
    n = normalize_law_name(law)
    if n is None or n not in _laws():
        return n, None
    return n, _index(n).get((article, sub))


@lru_cache(maxsize=4096)
def get_article(law: str, article: int, sub: int = 0) -> Article | None:
    """The article in force, or None (unknown law, no such article, or repealed (删去))."""
    n, raw = _raw(law, article, sub)
    if raw is None or raw[3]:
        return None
    chapters = _laws()[n]["chapters"]
    return Article(
        law=n,  # type: ignore[arg-type]
        article=article,
        sub=sub,
        clauses=[c for c, _ in raw[4]],
        items=[list(its) for _, its in raw[4]],
        chapter=chapters[raw[2]] if 0 <= raw[2] < len(chapters) else "",
    )


def is_repealed(law: str, article: int, sub: int = 0) -> bool:
    """True when the text we carry shows the article as 删去 (e.g. 刑法 第一百九十九条)."""
    _, raw = _raw(law, article, sub)
    return bool(raw and raw[3])


def article_exists(
    law: str, article: int, sub: int = 0, clause: int | None = None, item: int | None = None
) -> bool:
    """Whether 第article条[之sub][第clause款][第item项] exists in the version in force.

    For a law we do not carry this returns True: we cannot refute the citation. An ``item``
    without ``clause`` is accepted if the first 款 has it (the usual "第X条第（二）项" form for
    single-paragraph articles) — or any 款 when the article has items in only one 款.
    """
    n = normalize_law_name(law)
    if n is None or n not in _laws():
        return True
    a = get_article(n, article, sub)
    if a is None:
        return False
    if clause is not None and not 1 <= clause <= len(a.clauses):
        return False
    if item is None:
        return True
    if clause is not None:
        return 1 <= item <= len(a.items[clause - 1])
    with_items = [its for its in a.items if its]
    if len(with_items) == 1:
        return 1 <= item <= len(with_items[0])
    return 1 <= item <= len(a.items[0])


def all_articles(law: str) -> list[tuple[int, int]]:
    """(article, sub) of every article in force of ``law`` (empty for laws we do not carry)."""
    n = normalize_law_name(law)
    if n is None or n not in _laws():
        return []
    return [(a[0], a[1]) for a in _laws()[n]["articles"] if not a[3]]


@lru_cache(maxsize=2048)
def article_label(article: int, sub: int = 0) -> str:
    """第一百三十三条之一 for (133, 1)."""
    s = f"第{to_cn(article)}条"
    if sub:
        s += f"之{to_cn(sub)}"
    return s


@lru_cache(maxsize=1)
def _versions() -> dict:
    from knowledge.yamlfile import load_yaml

    return load_yaml(Path(__file__).resolve().parent / "versions.yaml")


def text_in_force_since(law: str):
    """The date from which our text of ``law`` is the version in force (None: any date)."""
    return _versions().get(law)


def checkable_on(law: str, day) -> bool:
    """Whether a citation of ``law`` in a document dated ``day`` can be checked against our text."""
    if not known_law(law):
        return False
    since = text_in_force_since(law)
    return since is None or day is None or day >= since
