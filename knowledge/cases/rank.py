"""Ranking within the legal frame and the reasons, for the similar-case store.

Order of a hit: its charge-set class first (exact set of the query's charges, then a superset,
then a case sharing only some of them), then one score in which the tier (数额 / 伤情 / 毒品数量
档次, from the crime expert) and the elements (the expert's quantity on a log scale, weights,
BAC, injury grade, deaths, 多次/入户/扒窃, weapons …) weigh most and the text (dense + BM25) breaks
ties. Reasons are written from the elements; text keywords come last, after the legal stopwords
(``stopwords.txt``) are removed."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cases.features import Elements, _config, _fmt_money

_HERE = Path(__file__).resolve().parent
EXACT, SUPERSET, PARTIAL = 2, 1, 0
# A legal frame of a case: {"t": {charge: tier}, "q": {charge: [quantity, unit]}} (see set_framer)
Frame = dict[str, dict[str, Any]]
Framer = Callable[[str, list[str]], Frame]
_FRAMER: dict[str, Any] = {"fn": None, "version": None}


def set_framer(fn: Framer | None, version: str | None = None) -> None:
    """Install the function that reads a case's legal frame (tier and legal quantity per charge).
    ``knowledge`` imports nothing from ``models``: the crime experts install it (models.similar)."""
    _FRAMER["fn"], _FRAMER["version"] = fn, version


def framer() -> Framer | None:
    return _FRAMER["fn"]


def framer_version() -> str | None:
    return _FRAMER["version"]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The legal stopword list: function words, procedure and boilerplate never given as a reason."""
    lines = (_HERE / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def keyword_ok(word: str) -> bool:
    """A word that may be quoted as a shared keyword: two characters or more, no digit, no
    stopword inside (the store also asks it to be rare: see ``keyword_max_df`` in rerank.yaml)."""
    if len(word) < 2 or any(ch.isdigit() for ch in word):
        return False
    return not any(s in word for s in stopwords())


def charge_class(row_charges: list[str], want: set[str]) -> int:
    s = set(row_charges)
    if s == want:
        return EXACT
    if want <= s:
        return SUPERSET
    return PARTIAL


def charge_reason(row_charges: list[str], want: list[str], cls: int) -> str:
    names = "、".join(f"{c}罪" for c in want)
    if cls == EXACT:
        return f"同为{names}"
    shared = [c for c in want if c in row_charges]
    other = [c for c in row_charges if c not in want]
    if cls == SUPERSET:
        return f"均涉{names}（另有{'、'.join(f'{c}罪' for c in other)}）"
    return f"同涉{'、'.join(f'{c}罪' for c in shared)}" + (f"（另有{'、'.join(f'{c}罪' for c in other)}）" if other else "")


def _fmt_qty(v: float, unit: str) -> str:
    if unit == "元":
        return _fmt_money(v).replace("元", "元") if v >= 10000 else f"{v:,.0f}元"
    if unit in ("克", "g"):
        return f"{v:.4g}克"
    if "mg" in unit:
        return f"{v:.0f}mg/100ml"
    return f"{v:.4g}{unit}"


def tier_reason(charge: str, tier: str, hq: list[Any] | None, qq: list[Any] | None) -> str | None:
    """"数额较大（2,000元／本案2,028元）", "毒品数量…（10克／本案12克）", "同属轻伤档次"; None for a
    tier that says nothing (基本 / 一般)."""
    if not tier or tier in ("基本", "一般", "default"):
        return None
    amount = tier in _config()["amount_tiers"]
    label = f"数额{tier}" if amount else tier
    unit = hq[1] if hq and qq and hq[0] and qq[0] and hq[1] == qq[1] else None
    if unit == "元" or (unit and (unit in ("克", "g") or "mg" in unit)):
        return f"{label}（{_fmt_qty(float(hq[0]), unit)}／本案{_fmt_qty(float(qq[0]), unit)}）"
    return label if amount else f"同属{label}档次"


def element_reasons(q: Elements, h: Elements, charge: str, have_qty: bool) -> list[str]:
    cfg = _config()
    out: list[str] = []
    if not have_qty and q.amount_yuan and h.amount_yuan and abs(math.log1p(q.amount_yuan) - math.log1p(h.amount_yuan)) <= 0.7:
        out.append(f"金额相近（{_fmt_qty(h.amount_yuan, '元')}／本案{_fmt_qty(q.amount_yuan, '元')}）")
    if not have_qty and q.drug_grams and h.drug_grams and abs(math.log1p(q.drug_grams) - math.log1p(h.drug_grams)) <= 0.7:
        out.append(f"毒品数量相近（{h.drug_grams:.4g}克／本案{q.drug_grams:.4g}克）")
    if q.bac and h.bac and abs(q.bac - h.bac) <= 30:
        out.append(f"血液酒精含量相近（{h.bac:.0f}／本案{q.bac:.0f}mg/100ml）")
    if q.injury and h.injury and q.injury == h.injury:
        out.append(f"伤情同为{q.injury}")
    if q.deaths and h.deaths and q.deaths == h.deaths:
        out.append(f"均致{q.deaths}人死亡")
    shared = [c for c in q.circumstances if c in set(h.circumstances)]
    tmpl = cfg["circumstance_reasons"]
    out.extend(tmpl[c].format(charge=charge) for c in shared if c in tmpl)
    return out


def text_score(dense: np.ndarray, bm: np.ndarray | None, w: dict[str, float]) -> np.ndarray:
    b = np.zeros_like(dense) if bm is None else bm / (float(bm.max()) if len(bm) and bm.max() > 0 else 1.0)
    return (w.get("dense", 0.0) * dense + w.get("bm25", 0.0) * b).astype(np.float32)
