"""法定刑 tiers of 刑法 articles, from ``penalty_tiers.yaml``.

Each tier carries the statute's own penalty phrase (``quote``, e.g. "处三年以下有期徒刑、拘役或者
管制，并处或者单处罚金"); ``parse_penalty_phrase`` turns such a phrase into numbers, and the tests
check that every tier's numbers equal the parse of its quote and that the quote is in the text.

Month conventions: 有期徒刑 6–180 months (刑法 45) unless the text says otherwise, 拘役 1–6
(刑法 42), 管制 3–24 (刑法 38). ``min_months`` is the lightest allowed term; ``max_months`` is the
upper 有期徒刑 bound (or 6 for a 拘役-only tier, 24 for 管制-only); when 无期徒刑 / 死刑 are allowed
``max_months`` stays 180 and ``life`` / ``death`` are set. A tier with only 无期徒刑/死刑 has
min = max = 180. ``fine`` is the fine *alongside* a term: none | optional (可以并处) | mandatory (并处, 并处或者单处);
a fine as the only penalty (或者单处罚金, "…拘役或者罚金") is the pseudo-type ``单处罚金`` in
``penalties``. ``剥夺政治权利`` appears in ``penalties`` when the text allows it alone;
``confiscation``: none | optional | mandatory | alternative (罚金或者没收财产).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.statutes.cnnum import from_cn
from knowledge.yamlfile import load_yaml

TIERS_FILE = Path(__file__).resolve().parent / "penalty_tiers.yaml"

TERM_MIN, TERM_MAX = 6, 180
DETENTION = (1, 6)  # 拘役
CONTROL = (3, 24)  # 管制


@dataclass(frozen=True)
class Tier:
    label: str
    min_months: int
    max_months: int
    penalties: tuple[str, ...]
    fine: str = "none"
    confiscation: str = "none"
    life: bool = False
    death: bool = False
    clause: int | None = None  # 款 of the article the tier is written in
    quote: str = ""  # the statute's penalty phrase
    article: int = 0  # where the phrase is written (may differ: 贪污 382 → 383)
    sub: int = 0
    items: tuple[int, ...] = field(default_factory=tuple)  # 项 the tier applies to, if any

    def allows(self, penalty: str) -> bool:
        return penalty in self.penalties


_NUM = "一二三四五六七八九十"
_RANGE_RE = re.compile(rf"([{_NUM}]+)年以上([{_NUM}]+)年以下有期徒刑")
_BELOW_RE = re.compile(rf"([{_NUM}]+)年以下有期徒刑")
_ABOVE_RE = re.compile(rf"([{_NUM}]+)年以上有期徒刑")
_FIXED_RE = re.compile(rf"(?<![以上下])([{_NUM}]+)年有期徒刑")


def _n(s: str) -> int:
    return from_cn(s)


def parse_penalty_phrase(phrase: str) -> dict:
    """Numbers of one statutory penalty phrase ("处…"), as a dict of Tier fields.

    >>> parse_penalty_phrase("处三年以下有期徒刑或者拘役，并处罚金")["max_months"]
    36
    """
    p = phrase.strip("，；。 ")
    penalties: list[str] = []
    lo: int | None = None
    hi: int | None = None
    if m := _RANGE_RE.search(p):
        lo, hi = _n(m.group(1)) * 12, _n(m.group(2)) * 12
    elif m := _BELOW_RE.search(p):
        lo, hi = TERM_MIN, _n(m.group(1)) * 12
    elif m := _ABOVE_RE.search(p):
        lo, hi = _n(m.group(1)) * 12, TERM_MAX
    elif m := _FIXED_RE.search(p):
        lo = hi = _n(m.group(1)) * 12
    elif "有期徒刑" in p:
        lo, hi = TERM_MIN, TERM_MAX
    if lo is not None:
        penalties.append("有期徒刑")
    main, _, rest = p.partition("，")  # "处三年以下有期徒刑、拘役或者罚金" | "并处罚金"
    for word in ("拘役", "管制", "无期徒刑", "死刑", "剥夺政治权利"):
        if word in main:
            penalties.append(word)
    fine = "none"
    if "罚金" in main or "单处" in rest:
        penalties.append("单处罚金")  # a fine alone is one of the allowed choices
    if re.search(r"可以并处[^，；。]*罚金", rest):
        fine = "optional"
    elif re.search(r"并处[^，；。]*罚金", rest):
        fine = "mandatory"
    confiscation = "none"
    if "罚金或者没收财产" in p:
        confiscation = "alternative"
    elif "可以并处没收财产" in p:
        confiscation = "optional"
    elif "没收财产" in p:
        confiscation = "mandatory"
    lows = [lo] if lo is not None else []
    if "拘役" in penalties:
        lows.append(DETENTION[0])
    if "管制" in penalties:
        lows.append(CONTROL[0])
    if hi is None:
        # no 有期徒刑: the upper bound is that of 拘役 (or of 管制 when it stands alone)
        hi = DETENTION[1] if "拘役" in penalties else CONTROL[1] if "管制" in penalties else None
    life, death = "无期徒刑" in penalties, "死刑" in penalties
    if not lows and (life or death):
        lows, hi = [TERM_MAX], TERM_MAX
    return {
        "min_months": min(lows) if lows else 0,
        "max_months": hi or 0,
        "penalties": tuple(penalties),
        "fine": fine,
        "confiscation": confiscation,
        "life": life,
        "death": death,
    }


def _key(article: int, sub: int) -> str:
    return f"{article}之{sub}" if sub else str(article)


@lru_cache(maxsize=1)
def _load() -> dict[str, list[Tier]]:
    raw = load_yaml(TIERS_FILE) or {}
    out: dict[str, list[Tier]] = {}
    refs: dict[str, str] = {}
    for key, spec in raw.items():
        key = str(key)
        if isinstance(spec, dict) and "same_as" in spec:
            refs[key] = str(spec["same_as"])
            continue
        art, _, sub = key.partition("之")
        tiers = []
        for t in spec:
            tiers.append(
                Tier(
                    label=t["label"],
                    min_months=int(t["min_months"]),
                    max_months=int(t["max_months"]),
                    penalties=tuple(t["penalties"]),
                    fine=t.get("fine", "none"),
                    confiscation=t.get("confiscation", "none"),
                    life=bool(t.get("life", False)),
                    death=bool(t.get("death", False)),
                    clause=t.get("clause"),
                    quote=t.get("quote", ""),
                    article=int(t.get("article", art)),
                    sub=int(t.get("sub", sub or 0)),
                    items=tuple(t.get("items", ())),
                )
            )
        out[key] = tiers
    for key, target in refs.items():
        out[key] = out[target]
    return out


def penalty_tiers(article: int, sub: int = 0) -> list[Tier]:
    """法定刑 tiers of 刑法 第article条[之sub], lightest first; [] when not curated.

    Articles whose penalties are written elsewhere resolve to that text (贪污 382 and 受贿 385/386
    → 383; 行贿 389 → 390; 转化型抢劫 269 → 263).
    """
    return list(_load().get(_key(article, sub), ()))


def all_tier_articles() -> list[tuple[int, int]]:
    """(article, sub) of every 刑法 article with curated tiers."""
    keys = []
    for k in _load():
        art, _, sub = k.partition("之")
        keys.append((int(art), int(sub or 0)))
    return sorted(keys)
