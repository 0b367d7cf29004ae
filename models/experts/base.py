"""The ``Expert`` object and the helpers experts share (amounts, counting, YAML loading).

An expert is declarative: its YAML (beside its module) names the charges, the LLM adapter, the
prompts, the elements it reads, its severity tiers with thresholds and its extra checks. The
module only adds the few functions that read its elements from the facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from models.extract.amounts import extract_amounts
from models.types import Amount

HERE = Path(__file__).resolve().parent

ElementsFn = Callable[[str], dict[str, Any]]
AmountFn = Callable[[str], "float | None"]


@cache
def load_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def threshold_tier(expert: str, amount: float | None, key: str = "default") -> str | None:
    """The amount tier (特别巨大 / 巨大 / 较大) of ``amount`` by the expert's YAML thresholds;
    ``key`` is "default", or "low"/"high" for the ends of the provincial range. None below 较大."""
    th = load_yaml(expert)["thresholds"]
    if amount is None:
        return None
    for t in ("特别巨大", "巨大", "较大"):
        if amount >= (th[t][key] if key == "default" else th[t]["range"][0 if key == "low" else 1]):
            return t
    return None


def amount_words() -> dict[str, Any]:
    return load_yaml("amount_context")


@dataclass
class Assessment:
    """What an expert reads from the facts: the severity tier and the quantity behind it."""

    tier: str  # key of a tier in the expert's guideline ("较大", "轻伤", "醉驾" …)
    quantity: float | None = None  # amount in yuan, grams, BAC, persons … (``unit``)
    unit: str = ""
    elements: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Chinese, for the reasoning steps


@dataclass
class Expert:
    """One crime pipeline. ``name``: English id (also the default vLLM LoRA adapter name)."""

    name: str
    label: str
    charges: tuple[str, ...]
    articles: tuple[tuple[int, int], ...] = ()
    adapter: str = ""
    prompts: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    amount_fn: AmountFn | None = None
    elements_fn: ElementsFn | None = None
    assess_fn: Callable[[str, dict[str, Any]], Assessment] | None = None

    @classmethod
    def from_yaml(cls, name: str, **fns: Any) -> Expert:
        d = load_yaml(name)
        return cls(
            name=d["name"],
            label=d["label"],
            charges=tuple(d.get("charges", ())),
            articles=tuple(tuple(a) for a in d.get("articles", ())),  # type: ignore[misc]
            adapter=d.get("adapter", d["name"]),
            prompts=tuple(d.get("prompts", ())),
            checks=tuple(d.get("checks", ())),
            data=d,
            **fns,
        )

    def crime_amount(self, text: str) -> float | None:
        """The amount of the crime in yuan (None when the crime has none or it is not stated)."""
        if self.amount_fn is None:
            return None
        return self.amount_fn(text)

    def elements(self, text: str) -> dict[str, Any]:
        """The crime's elements read from the facts (keys are the YAML's ``elements``)."""
        out: dict[str, Any] = {}
        if self.amount_fn is not None:
            out["amount"] = self.crime_amount(text)
        if self.elements_fn is not None:
            out.update(self.elements_fn(text))
        return out

    def assess(self, text: str, elements: dict[str, Any] | None = None) -> Assessment:
        """The guideline tier of the facts (the expert's lowest tier when nothing is known)."""
        el = self.elements(text) if elements is None else elements
        if self.assess_fn is not None:
            return self.assess_fn(text, el)
        return Assessment(tier=self.data.get("default_tier", "基本"), elements=el)


# --------------------------------------------------------------------------- amounts

_CLAUSE_END = "，,。；;：:（）()"
_SENT_END = "。；;"


def _clause(text: str, a: Amount, before: int = 40, after: int = 12) -> tuple[str, str]:
    """The text of the clause before and after an amount (bounded windows)."""
    s = a.start
    lo = max(text.rfind(c, max(0, s - before), s) for c in _CLAUSE_END)
    lo = max(lo + 1, s - before, 0)
    pre = text[lo:s]
    e = a.end
    his = [i for i in (text.find(c, e, e + after) for c in _CLAUSE_END) if i >= 0]
    post = text[e : (min(his) if his else e + after)]
    return pre, post


@dataclass
class AmountRead:
    """Crime amounts found in a text: the total (共计 wins), the attempted part, excluded sums."""

    total: float | None
    attempted: float = 0.0
    items: list[float] = field(default_factory=list)
    stated_total: bool = False
    excluded: list[float] = field(default_factory=list)


def _re(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(words))


@cache
def _amount_patterns(kind: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    cfg = amount_words()
    spec = cfg.get(kind, {})
    excl = list(cfg["exclude_before"]) + list(spec.get("exclude_before", []))
    total = list(cfg["total_before"])
    attempt = list(cfg["attempt"])
    excl_after = list(cfg["exclude_after"]) + list(spec.get("exclude_after", []))
    return _re(excl), _re(total), _re(attempt), _re(excl_after)


_FW_GROUP = re.compile(r"(?<=\d)[，,](?=\d{3}(?!\d))")
_FW_POINT = re.compile(r"(?<=\d)．(?=\d)")
_MASKED_YUAN = re.compile(r"(?<=[\d万千百])万某")  # CAIL masking: "4万某" was "4万元"


def normalize_digits(text: str) -> str:
    """38，150元 → 38,150元 and 199．4 → 199.4 (same length, so offsets are kept)."""
    if "，" in text or "．" in text:
        text = _FW_GROUP.sub(",", text)
        text = _FW_POINT.sub(".", text)
    if "万某" in text:
        text = _MASKED_YUAN.sub("万元", text)
    return text


def read_amounts(text: str, kind: str = "default") -> AmountRead:
    """Crime amounts of a facts text.

    - sums that are compensation, shares of the loot (分得), returned / recovered property, fines,
      bail or rewards are not the crime amount (``amount_context.yaml``);
    - a total stated with 共计/合计/总计/累计 wins over summing the incidents (the largest such total);
    - otherwise the incidents are summed, counting an amount restated in the same sentence
      (价值5000元…经鉴定价值5000元) once;
    - amounts in a clause marked 未遂/未得逞 are reported as ``attempted`` (included in the total).
    """
    excl_re, total_re, attempt_re, excl_after_re = _amount_patterns(kind)
    items: list[float] = []
    totals: list[float] = []
    excluded: list[float] = []
    attempted = 0.0
    seen_in_sent: dict[int, set[float]] = {}
    item_pos: list[tuple[int, float]] = []
    total_sent = -2
    for a in extract_amounts(normalize_digits(text)):
        pre, post = _clause(text, a)
        if excl_re.search(pre) or excl_after_re.search(post):
            excluded.append(a.yuan)
            continue
        sent = max(text.rfind(c, 0, a.start) for c in _SENT_END)
        if total_re.search(pre[-14:]):
            totals.append(a.yuan)
            total_sent = max(total_sent, sent)
            continue
        bucket = seen_in_sent.setdefault(sent, set())
        if a.yuan in bucket:
            continue
        bucket.add(a.yuan)
        items.append(a.yuan)
        item_pos.append((sent, a.yuan))
        s_end = min([i for i in (text.find(c, a.end) for c in _SENT_END) if i >= 0] or [len(text)])
        if attempt_re.search(pre + post) or attempt_re.search(text[a.end : s_end]):
            attempted += a.yuan
    if totals:
        # a total covers what is stated before it; incidents told after its sentence are added
        # (共计骗得9800元。后又…骗取7000元、20000元), unless they restate an earlier sum
        before = {v for s, v in item_pos if s <= total_sent} | set(totals)
        later = [v for s, v in item_pos if s > total_sent and v not in before]
        return AmountRead(max(totals) + sum(later), attempted, items, True, excluded)
    if not items:
        return AmountRead(None, 0.0, items, False, excluded)
    return AmountRead(float(sum(items)), attempted, items, False, excluded)


_CN_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_count(s: str) -> int | None:
    """'三' → 3, '12' → 12, '十一' → 11 (small counts only)."""
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN_COUNT.get(s)
    if len(s) == 2 and s[0] == "十":
        return 10 + (_CN_COUNT.get(s[1]) or 0)
    if len(s) == 2 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10
    if len(s) == 3 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10 + (_CN_COUNT.get(s[2]) or 0)
    return None


_TIMES_RE = re.compile(r"(?:先后|共计?|累计|连续|多次|分别)[^，。；]{0,6}?([一二两三四五六七八九十\d]{1,3})次")


def stated_times(text: str) -> int | None:
    """The largest '先后…N次 / 共N次' count stated in the text."""
    best = None
    for m in _TIMES_RE.finditer(text):
        n = cn_count(m.group(1))
        if n and (best is None or n > best):
            best = n
    return best
