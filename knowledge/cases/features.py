"""Case elements for the rerank: amount, drug weight, blood alcohol, injury grade, deaths,
circumstances — read from the facts with small patterns (``features.yaml``), and a similarity
between two cases' elements with the reasons (``why``) in Chinese."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.numerals import to_int
from knowledge.yamlfile import load_yaml

_HERE = Path(__file__).resolve().parent
_NUM = r"(\d+(?:[,，]\d{3})*(?:\.\d+)?)"
_AMOUNT = re.compile(_NUM + r"\s*(万|千)?\s*余?元")
_GRAMS = re.compile(_NUM + r"\s*(千克|公斤|克|kg|g)(?![a-zA-Z])")
_BAC = re.compile(_NUM + r"\s*(?:mg|毫克)\s*/\s*100\s*(?:ml|mL|毫升)")
_DEATHS = re.compile(r"(?:致|造成)[^。；]{0,12}?(\d+|[一二两三四五六七八九十])人死亡")
_DEATH_ANY = re.compile(r"死亡")


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    cfg = load_yaml(_HERE / "features.yaml")
    cfg["_circ"] = {k: re.compile("|".join(v)) for k, v in cfg["circumstances"].items()}
    cfg["_injury"] = re.compile("|".join(sorted(cfg["injury_grades"], key=len, reverse=True)))
    cfg["_drug"] = re.compile("|".join(cfg["drugs"]))
    return cfg


@dataclass
class Elements:
    amount_yuan: float | None = None  # the largest sum of money named
    drug_grams: float | None = None  # the largest weight named near a drug word
    bac: float | None = None  # mg/100ml
    injury: str | None = None  # the most serious grade named
    deaths: int | None = None
    circumstances: list[str] = field(default_factory=list)

    def to_meta(self) -> dict[str, Any]:
        """Flat scalars for Chroma metadata (absent values are left out)."""
        d: dict[str, Any] = {}
        for k in ("amount_yuan", "drug_grams", "bac", "deaths"):
            v = getattr(self, k)
            if v is not None:
                d[k] = float(v)
        if self.injury:
            d["injury"] = self.injury
        d["circumstances"] = "|".join(self.circumstances)
        return d

    @classmethod
    def from_meta(cls, d: dict[str, Any]) -> Elements:
        c = d.get("circumstances") or ""
        deaths = d.get("deaths")
        return cls(
            amount_yuan=d.get("amount_yuan"), drug_grams=d.get("drug_grams"), bac=d.get("bac"),
            injury=d.get("injury"), deaths=int(deaths) if deaths is not None else None,
            circumstances=c.split("|") if c else [],
        )


def _num(s: str) -> float:
    return float(s.replace(",", "").replace("，", ""))


def extract(text: str) -> Elements:
    cfg = _config()
    e = Elements()
    amounts = []
    for m in _AMOUNT.finditer(text):
        v = _num(m.group(1)) * {"万": 10000, "千": 1000}.get(m.group(2) or "", 1)
        amounts.append(v)
    e.amount_yuan = max(amounts) if amounts else None
    if cfg["_drug"].search(text):
        grams = []
        for m in _GRAMS.finditer(text):
            v = _num(m.group(1)) * (1000 if m.group(2) in ("千克", "公斤", "kg") else 1)
            grams.append(v)
        e.drug_grams = sum(grams) if grams else None
    bacs = [_num(m.group(1)) for m in _BAC.finditer(text)]
    e.bac = max(bacs) if bacs else None
    grades = [m.group(0) for m in cfg["_injury"].finditer(text)]
    if grades:
        e.injury = max(grades, key=lambda g: cfg["injury_rank"][g])
    dm = _DEATHS.search(text)
    if dm:
        g = dm.group(1)
        n = to_int(g)
        e.deaths = 1 if n is None else n
    elif e.injury == "死亡" or _DEATH_ANY.search(text):
        e.deaths = 1 if e.injury == "死亡" or "抢救无效" in text else None
    e.circumstances = [k for k, rx in cfg["_circ"].items() if rx.search(text)]
    return e


def _log_close(a: float, b: float, scale: float = 1.0) -> float:
    """1 when equal, falling with the log ratio (a factor e**scale apart → 1/e)."""
    return math.exp(-abs(math.log1p(a) - math.log1p(b)) / scale)


def _fmt_money(v: float) -> str:
    return f"{v / 10000:.4g}万元" if v >= 10000 else f"{v:.0f}元"


def similarity(q: Elements, h: Elements) -> tuple[float, list[str]]:
    """Element similarity in [0, 1] (mean over the components both have; 0.5 when none) and reasons."""
    cfg = _config()
    w = cfg["weights"]
    parts: list[tuple[float, float]] = []
    why: list[str] = []
    if q.amount_yuan and h.amount_yuan:
        s = _log_close(q.amount_yuan, h.amount_yuan)
        parts.append((w["amount"], s))
        if s >= 0.5:
            why.append(f"金额相近（{_fmt_money(q.amount_yuan)}/{_fmt_money(h.amount_yuan)}）")
    if q.drug_grams and h.drug_grams:
        s = _log_close(q.drug_grams, h.drug_grams)
        parts.append((w["drug"], s))
        if s >= 0.5:
            why.append(f"毒品数量相近（{q.drug_grams:.4g}克/{h.drug_grams:.4g}克）")
    if q.bac and h.bac:
        s = max(0.0, 1 - abs(q.bac - h.bac) / 100)
        parts.append((w["bac"], s))
        if s >= 0.7:
            why.append(f"血液酒精含量相近（{q.bac:.0f}/{h.bac:.0f}mg/100ml）")
    if q.injury and h.injury:
        rank = cfg["injury_rank"]
        d = abs(rank[q.injury] - rank[h.injury])
        s = max(0.0, 1 - d / 2)
        parts.append((w["injury"], s))
        if d == 0:
            why.append(f"伤情同为{q.injury}")
    if q.deaths or h.deaths:
        s = 1.0 if (q.deaths or 0) == (h.deaths or 0) else 0.0
        parts.append((w["deaths"], s))
        if s and q.deaths:
            why.append(f"均致{q.deaths}人死亡")
    if q.circumstances or h.circumstances:
        a, b = set(q.circumstances), set(h.circumstances)
        s = len(a & b) / len(a | b)
        parts.append((w["circumstances"], s))
        if a & b:
            why.append("共同情节：" + "、".join(sorted(a & b, key=q.circumstances.index)))
    if not parts:
        return 0.5, why
    return sum(wt * s for wt, s in parts) / sum(wt for wt, _ in parts), why


# --------------------------------------------------------------------------- vectorised (the store)

_NAN = float("nan")


def _lg(v: float | None) -> float:
    return math.log1p(v) if v is not None and v > 0 else _NAN


class ElementTable:
    """The elements of all stored cases as arrays, so that a query is compared with a whole
    charge-set partition at once (no Python loop per case)."""

    def __init__(self, elements: list[Elements]) -> None:
        import numpy as np

        cfg = _config()
        names = list(cfg["circumstances"])
        self.circ_bit = {c: 1 << i for i, c in enumerate(names)}
        rank = cfg["injury_rank"]
        self.amount = np.array([_lg(e.amount_yuan) for e in elements], dtype=np.float32)
        self.drug = np.array([_lg(e.drug_grams) for e in elements], dtype=np.float32)
        self.bac = np.array([e.bac if e.bac else _NAN for e in elements], dtype=np.float32)
        self.injury = np.array([rank.get(e.injury, _NAN) if e.injury else _NAN for e in elements], dtype=np.float32)
        self.deaths = np.array([e.deaths or 0 for e in elements], dtype=np.float32)
        self.circ = np.array([self.mask(e.circumstances) for e in elements], dtype=np.int64)
        self.ncirc = np.array([bin(int(m)).count("1") for m in self.circ], dtype=np.float32)

    def mask(self, circumstances: list[str]) -> int:
        m = 0
        for c in circumstances:
            m |= self.circ_bit.get(c, 0)
        return m


def _popcount(a: Any) -> Any:
    import numpy as np

    a = a.astype(np.uint64)
    out = np.zeros(a.shape, dtype=np.float32)
    while a.any():
        out += (a & np.uint64(1)).astype(np.float32)
        a = a >> np.uint64(1)
    return out


def similarity_rows(q: Elements, t: ElementTable, rows: Any, qty: Any = None, q_qty: float | None = None) -> Any:
    """Element similarity in [0, 1] of the query with the cases ``rows`` of ``t`` (the same
    components and weights as ``similarity``; ``qty``/``q_qty``: the expert's legal quantity of the
    query's charge, log1p-scaled, one array over ``rows``, weighted ``quantity``)."""
    import numpy as np

    cfg = _config()
    w = cfg["weights"]
    num = np.zeros(len(rows), dtype=np.float32)
    den = np.zeros(len(rows), dtype=np.float32)

    def add(weight: float, sim: Any, have: Any) -> None:
        nonlocal num, den
        num += np.where(have, weight * np.nan_to_num(sim), 0.0)
        den += np.where(have, weight, 0.0)

    if qty is not None and q_qty is not None and not math.isnan(q_qty):
        add(w.get("quantity", 1.5), np.exp(-np.abs(qty - q_qty)), ~np.isnan(qty))
    if q.amount_yuan:
        a = t.amount[rows]
        add(w["amount"], np.exp(-np.abs(a - math.log1p(q.amount_yuan))), ~np.isnan(a))
    if q.drug_grams:
        a = t.drug[rows]
        add(w["drug"], np.exp(-np.abs(a - math.log1p(q.drug_grams))), ~np.isnan(a))
    if q.bac:
        a = t.bac[rows]
        add(w["bac"], np.maximum(0.0, 1 - np.abs(a - q.bac) / 100), ~np.isnan(a))
    if q.injury:
        a = t.injury[rows]
        add(w["injury"], np.maximum(0.0, 1 - np.abs(a - cfg["injury_rank"][q.injury]) / 2), ~np.isnan(a))
    d = t.deaths[rows]
    qd = float(q.deaths or 0)
    add(w["deaths"], (d == qd).astype(np.float32), (d > 0) | (qd > 0))
    qm = t.mask(q.circumstances)
    hm = t.circ[rows]
    union = _popcount(hm | qm)
    inter = _popcount(hm & qm)
    add(w["circumstances"], np.where(union > 0, inter / np.maximum(union, 1), 0.0), union > 0)
    return np.where(den > 0, num / np.maximum(den, 1e-9), 0.5).astype(np.float32)
