"""Element-based adjustment of the gate's charge scores (rules in ``knowledge/gate/elements.yaml``).

A few constitutive elements that facts state outright separate look-alike charges better than the
classifier's word statistics: 故意伤害 needs 轻伤 or worse (facts with only 轻微伤 grades cannot be a
completed 故意伤害; 随意殴打 with 轻微伤 is 寻衅滋事), the acts of the 寻衅滋事 interpretation (随意
殴打, 无故, 拦截, 强拿硬要 …) point to 寻衅滋事, a specific dispute with 轻伤 to 故意伤害, and a charge
cannot apply to acts before the law creating it took effect (帮助信息网络犯罪活动: 2015-11-01).

``shifts(texts, charges)`` gives, per text, the margin shift of each affected charge (units of the
learned model's margins); ``Blend`` adds it to the learned margins and scales the prior's probability
by ``exp(shift × t_learned)``. Injury grades come from the injury expert's reading
(``models.experts.injury.elements``).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge.gate import HERE
from knowledge.yamlfile import load_yaml

__all__ = ["fired", "grade_class", "latest_month", "rules", "shifts"]

_YEAR_MONTH = re.compile(r"(?:(?<![\d])(?P<y>(?:19|20)\d\d|[一二][〇零○九][〇零○一二三四五六七八九]{2})|(?P<rel>同|次|翌))"
                         r"\s*年(?:\s*(?P<m>\d{1,2})\s*月)?")
_HARM = ("light", "serious", "death")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return load_yaml(HERE / "elements.yaml") or {}


def grade_class(text: str) -> str:
    """The gravest harm the facts state, as read by the injury expert: ``death``, ``serious``
    (重伤), ``light`` (轻伤), ``minor_only`` (only 轻微伤 grades) or ``none`` (no grade)."""
    if "伤" not in text and "死" not in text:
        return "none"
    from models.experts.injury import elements

    el = elements(text)
    if el["death"]:
        return "death"
    if el["serious"]:
        return "serious"
    if el["light"]:
        return "light"
    return "minor_only" if el["minor"] else "none"


def latest_month(text: str) -> tuple[int, int] | None:
    """The latest (year, month) the text mentions ("2014年9月", "二〇一三年" counts as its December,
    "同年12月" / "次年" relative to the year before); None without any year. An upper bound of the
    time of the acts (arrest, trial come later)."""
    from models.extract.numerals import year_digits

    best: tuple[int, int] | None = None
    year: int | None = None
    for m in _YEAR_MONTH.finditer(text):
        if m.group("y"):
            year = year_digits(m.group("y"))
        elif year is not None and m.group("rel") in ("次", "翌"):
            year += 1
        if year is None:
            continue
        mo = int(m.group("m")) if m.group("m") and 1 <= int(m.group("m")) <= 12 else 12
        if best is None or (year, mo) > best:
            best = (year, mo)
    return best


def _words(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return list(rules().get("words", {}).get(spec, [spec]))
    return [w for s in spec or [] for w in _words(s)]


def _holds(when: dict[str, Any], text: str, grade: str) -> bool:
    if "grade" in when and grade not in when["grade"]:
        return False
    if "any" in when and not any(w in text for w in _words(when["any"])):
        return False
    return not ("none" in when and any(w in text for w in _words(when["none"])))


def fired(text: str) -> list[tuple[str, dict[str, float]]]:
    """The rules that hold for a (masked) fact text: ``[(name, {charge: shift})…]``."""
    cfg = rules()
    grade = grade_class(text) if any("grade" in r.get("when", {}) for r in cfg.get("rules", [])) else "none"
    out = [(r["name"], dict(r["shift"])) for r in cfg.get("rules", []) if _holds(r.get("when", {}), text, grade)]
    eff = cfg.get("effective") or {}
    if eff:
        last = latest_month(text)
        if last is not None:
            for charge, day in eff.items():
                d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
                if last < (d.year, d.month):
                    out.append((f"before_effective:{charge}", {charge: float(cfg["before_effective_shift"])}))
    return out


def shifts(texts: list[str], charges: list[str]) -> np.ndarray | None:
    """(n_texts, n_charges) margin shifts over ``charges`` (the catalogue's order); None when no
    rule holds for any text."""
    col = {c: i for i, c in enumerate(charges)}
    D = None
    for i, t in enumerate(texts):
        for _, sh in fired(t):
            for c, v in sh.items():
                j = col.get(c)
                if j is None:
                    continue
                if D is None:
                    D = np.zeros((len(texts), len(charges)), dtype=np.float64)
                D[i, j] += float(v)
    return D
