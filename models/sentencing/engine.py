"""The guideline engine (《关于常见犯罪的量刑指导意见》): 量刑起点 → 增加刑罚量 → 基准刑 →
special circumstances multiplied first → the others 同向相加、逆向相减 → bounded by the statutory
range → 宣告刑, with a fine and a probation suggestion; ``combine`` applies 数罪并罚 (刑法 69).

Data: ``knowledge/guidelines/<expert>.yaml`` and ``circumstances.yaml``; province overrides in
``knowledge/guidelines/provinces/<name>.yaml`` (see the README there). Every step is explained
in Chinese in ``Suggestion.steps``.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.charges import articles_for
from knowledge.statutes.tiers import Tier, penalty_tiers
from knowledge.yamlfile import load_yaml
from models.experts import Expert, clean_charge, for_charge, registry
from models.experts.amounts import read_amounts
from models.experts.base import Assessment
from models.extract.circumstances import extract_circumstances
from models.types import DocElements

GUIDE_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "guidelines"


@dataclass
class Suggestion:
    """A suggested sentence for one charge (or, from ``combine``, for several)."""

    charge: str
    expert: str
    term_months: int | None
    term_range_months: tuple[int, int] | None
    fine_yuan: float | None
    probation: bool | None
    amount_yuan: float | None
    circumstances: list[str] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    penalty: str | None = "有期徒刑"  # 有期徒刑 / 拘役 / 无期徒刑 / 死刑 / None (unknown)
    tier: str = ""
    base_months: float | None = None
    statutory_range_months: tuple[int, int] | None = None
    life: bool = False  # the computed sentence reaches 无期徒刑 or more
    uncertain: bool = False  # guideline data marked uncertain (2024 guideline (二), generic)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("term_range_months", "statutory_range_months"):
            if d[k] is not None:
                d[k] = list(d[k])
        return d


# --------------------------------------------------------------------------- data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


@lru_cache(maxsize=64)
def guideline(expert: str, province: str = "default") -> dict[str, Any]:
    """The guideline data of an expert, with the province's overrides applied."""
    path = GUIDE_DIR / f"{expert}.yaml"
    if not path.exists():
        path = GUIDE_DIR / "generic.yaml"
    data = load_yaml(path) or {}
    if province and province != "default":
        p = GUIDE_DIR / "provinces" / f"{province}.yaml"
        if p.exists():
            over = load_yaml(p) or {}
            if expert in over:
                data = _merge(data, over[expert])
    return data


@lru_cache(maxsize=1)
def circumstance_table() -> dict[str, Any]:
    return load_yaml(GUIDE_DIR / "circumstances.yaml")


# --------------------------------------------------------------------------- helpers


def _fmt(m: float) -> str:
    """Months as Chinese: 14 → 一年二个月 style in digits: '1年2个月'."""
    m = int(round(m))
    y, r = divmod(m, 12)
    if y and r:
        return f"{y}年{r}个月"
    if y:
        return f"{y}年"
    return f"{r}个月"


def _circumstances(facts: str, elements: DocElements | None, defendant: str | None) -> list[str]:
    """Circumstance names that apply (not negated), from extracted elements or the facts text."""
    names: list[str] = []
    if elements is not None:
        src = None
        if defendant:
            d = elements.defendant(defendant)
            src = d.circumstances if d else None
        if src is None:
            src = elements.circumstances
        names = [c.name for c in src if not c.negated]
    else:
        for c, _who in extract_circumstances(facts):
            if not c.negated:
                names.append(c.name)
        for name, pats in _extra_cues():
            if name not in names and any(_cue_holds(p, facts) for p in pats):
                names.append(name)
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


_NEG_BEFORE = re.compile(r"(?:不|未|没有|无|拒不)[^，。；]{0,4}$")


@lru_cache(maxsize=1)
def _extra_cues() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    cues = circumstance_table().get("extra_cues") or {}
    return tuple((n, tuple(re.compile(p) for p in ps)) for n, ps in cues.items())


def _cue_holds(p: re.Pattern[str], text: str) -> bool:
    for m in p.finditer(text):
        if not _NEG_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
            return True
    return False


def _statutory(expert: Expert, charge: str, g: dict[str, Any]) -> tuple[int, int, list[Tier]]:
    art = g.get("article")
    if art:
        a, s = int(art[0]), int(art[1])
    elif expert.articles:
        a, s = expert.articles[0]
    else:
        arts = articles_for(charge)
        if not arts:
            return 0, 0, []
        a, s = arts[0]
    return a, s, penalty_tiers(a, s)


def _adjust(names: list[str], base: float, lo: float, hi: float, steps: list[str]) -> tuple[float, float, float, list[int], bool]:
    """Apply the circumstances: returns (point, least, most) months, articles, mitigation allowed."""
    table = circumstance_table()
    special = [n for n in names if n in table and isinstance(table[n], dict) and table[n].get("special")]
    other = [n for n in names if n in table and isinstance(table[n], dict) and not table[n].get("special")]
    if "累犯" in other and "前科" in other:
        other.remove("前科")  # the prior conviction is the 累犯 itself
    if "赔偿" in other and "退赃退赔" in other:
        other.remove("赔偿")
    arts: list[int] = []
    mitig = False
    point = base
    for n in special:
        t = table[n]
        f_at, f_lo, f_hi = 1 + t["at"], 1 + t["ratio"][0], 1 + t["ratio"][1]
        point, lo, hi = point * f_at, lo * f_lo, hi * f_hi
        steps.append(f"{n}：对基准刑先行调节（部分连乘），乘以{f_at:.0%}，得{_fmt(point)}")
        if t.get("article"):
            arts.append(int(t["article"]))
        mitig = mitig or bool(t.get("mitigate"))
    if not other:
        return point, lo, hi, arts, mitig
    at = {n: float(table[n]["at"]) for n in other}
    least = {n: float(table[n]["ratio"][0]) for n in other}
    most = {n: float(table[n]["ratio"][1]) for n in other}
    for pc in table.get("pair_cap", []):
        both = pc["both"]
        if all(b in at for b in both):
            s = sum(at[b] for b in both)
            if s < pc["limit"]:
                at[both[-1]] = pc["limit"] - at[both[0]]
    cc = table.get("combined_cap")
    if cc and cc["with"] in at:
        s = sum(at[n] for n in [cc["with"], *cc["others"]] if n in at)
        if s < cc["limit"]:
            at[cc["with"]] += cc["limit"] - s
    total = sum(at.values())
    tl = table.get("total_limit", [-0.6, 0.5])
    total = min(max(total, tl[0]), tl[1])
    t_least = min(max(sum(least.values()), tl[0]), tl[1])
    t_most = min(max(sum(most.values()), tl[0]), tl[1])
    parts = "、".join(f"{n}{at[n]:+.0%}" for n in other)
    new = point * (1 + total)
    if "累犯" in other:
        floor = point + float(table["累犯"].get("min_months", 0)) + point * (total - at["累犯"])
        if new < floor:
            new = floor
    steps.append(f"其他量刑情节同向相加、逆向相减：{parts}，合计{total:+.0%}，得{_fmt(new)}")
    for n in other:
        if table[n].get("article"):
            arts.append(int(table[n]["article"]))
        mitig = mitig or bool(table[n].get("mitigate"))
    return new, lo * (1 + t_least), hi * (1 + t_most), arts, mitig


# --------------------------------------------------------------------------- the engine


def _base(g: dict[str, Any], a: Assessment, steps: list[str], unit: str) -> tuple[float, float, float, dict]:
    tiers = g.get("tiers", {})
    t = tiers.get(a.tier) or next(iter(tiers.values()))
    start_lo, start_hi = t.get("start", [t.get("start_at", 6)] * 2)
    start = float(t.get("start_at", start_lo))
    steps.append(f"量刑起点：{a.tier}，在{_fmt(start_lo)}至{_fmt(start_hi)}幅度内确定为{_fmt(start)}")
    add = 0.0
    q = a.quantity
    if q is not None and t.get("step"):
        over = max(0.0, q - float(t.get("from", 0)))
        add = over / float(t["step"]) * float(t.get("months", 1))
        if add:
            steps.append(
                f"增加刑罚量：{g.get('quantity_name', '数额')}{q:g}{unit}，超过{float(t.get('from', 0)):g}{unit}部分"
                f"每{float(t['step']):g}{unit}增加{float(t.get('months', 1)):g}个月，增加{add:.1f}个月"
            )
    for key, rule in (g.get("extra") or {}).items():
        v = a.elements.get(key)
        if not v or isinstance(v, bool) and not v:
            continue
        n = float(v) - float(rule.get("after", 0))
        if n <= 0:
            continue
        more = n / float(rule.get("per", 1)) * float(rule.get("months", 1))
        add += more
        steps.append(f"增加刑罚量：{key}={v}，增加{more:.1f}个月")
    cap = float(t.get("cap", 180))
    base = min(start + add, cap)
    lo = min(start_lo + add, cap)
    hi = min(start_hi + add, cap)
    steps.append(f"基准刑：{_fmt(base)}")
    return base, lo, hi, t


def _fine(g: dict[str, Any], term: float, amount: float | None, tier: Tier | None) -> float | None:
    f = g.get("fine") or {}
    if tier is not None and tier.fine == "none":
        return None
    if not f:
        return None
    v = 0.0
    if f.get("ratio") and amount:
        v = float(f["ratio"]) * amount
    if f.get("per_month"):
        v = max(v, float(f["per_month"]) * term)
    v = max(v, float(f.get("min", 1000)))
    # round to a thousand (to 500 below 5000)
    r = 500 if v < 5000 else 1000
    return float(round(v / r) * r)


def suggest(
    facts_text: str,
    charge: str,
    elements: DocElements | None = None,
    province: str = "default",
    defendant: str | None = None,
) -> Suggestion:
    """The guideline sentence for ``charge`` on these facts (see the module docstring)."""
    official = clean_charge(charge)
    expert = for_charge(official) or registry()["generic"]
    g = guideline(expert.name, province)
    steps: list[str] = [f"罪名：{official}罪（{expert.label}）"]
    art, sub, stat_tiers = _statutory(expert, official, g)
    el = expert.elements(facts_text)
    a = expert.assess(facts_text, el)
    steps.extend(a.notes)
    amount = el.get("amount")
    unit = g.get("unit", "")
    names = _circumstances(facts_text, elements, defendant)
    t_index = int((g.get("tiers", {}).get(a.tier) or {}).get("statutory", 0))
    tier = stat_tiers[t_index] if 0 <= t_index < len(stat_tiers) else (stat_tiers[0] if stat_tiers else None)

    if expert.name == "generic":
        kinds = (g.get("amount_kinds") or {}).get(official)
        if kinds:  # the first kind of sums the facts state (虚开: the invoices' tax, else the tax deducted)
            amount = next((v for v in (read_amounts(facts_text, k).total for k in kinds) if v is not None), None)
        by_amount = _generic_amount_tier(g, official, amount, stat_tiers)
        if by_amount is not None:
            t_index, frac = by_amount
            tier = stat_tiers[t_index]
            base, lo, hi, tdata = _generic_base(g, tier, steps, frac, amount)
        else:
            base, lo, hi, tdata = _generic_base(g, tier, steps)
    else:
        base, lo, hi, tdata = _base(g, a, steps, unit)
    point, lo, hi, c_arts, mitig = _adjust(names, base, lo, hi, steps)

    # bounded by the statutory range of the tier (减轻 allowed only with a statutory ground)
    tmin, tmax = (tier.min_months, tier.max_months) if tier else (1, 180)
    floor = tmin
    if mitig and t_index > 0 and tier is not None:
        floor = 6 if tier.min_months >= 36 else 1  # 减轻处罚: one tier down (刑法 63)
    life = False
    if tier is not None and tier.min_months == tier.max_months == 180 and (tier.life or tier.death):
        life = point >= 180 and not mitig
    term = min(max(point, floor), tmax)
    lo = min(max(lo, floor), tmax)
    hi = min(max(hi, floor), tmax)
    if term != point:
        steps.append(f"受法定刑幅度（{_fmt(tmin)}至{_fmt(tmax)}）限制，调整为{_fmt(term)}")
    term_i = max(1, int(round(term)))
    penalty = "有期徒刑"
    allows_detention = tier is None or tier.allows("拘役")
    if tier is not None and tier.allows("拘役") and not tier.allows("有期徒刑"):
        penalty = "拘役"
        term_i = min(max(term_i, 1), 6)
    elif term_i < 6:
        if allows_detention:
            penalty = "拘役"
        else:
            term_i = 6
    if life:
        penalty = "无期徒刑"
    steps.append(f"宣告刑：{penalty}{_fmt(term_i)}")

    fine = _fine(g, term_i, amount, tier)
    if fine:
        steps.append(f"罚金：人民币{fine:g}元")
    pmax = float((g.get("probation") or {}).get("max_months", 36))
    good = {"自首", "坦白", "认罪认罚", "谅解", "赔偿", "退赃退赔", "刑事和解", "当庭认罪", "未成年", "从犯"}
    probation = (
        term_i <= pmax and penalty in ("有期徒刑", "拘役") and "累犯" not in names
        and bool(good.intersection(names)) and term_i <= 36
    )
    if probation:
        steps.append("可以考虑适用缓刑（刑法第七十二条：拘役或三年以下有期徒刑、有悔罪表现、无再犯危险）")

    articles = [art] if art else []
    for x in c_arts:
        if x not in articles:
            articles.append(x)
    if "累犯" in names and 65 not in articles:
        articles.append(65)
    if fine and 52 not in articles:
        articles.append(52)
    if probation:
        articles += [72, 73]
    rng = (max(1, int(math.floor(lo))), max(1, int(math.ceil(hi))))
    if rng[0] > term_i:
        rng = (term_i, rng[1])
    if rng[1] < term_i:
        rng = (rng[0], term_i)
    return Suggestion(
        charge=official,
        expert=expert.name,
        term_months=term_i,
        term_range_months=rng,
        fine_yuan=fine,
        probation=probation,
        amount_yuan=amount,
        circumstances=names,
        articles=articles,
        steps=steps,
        penalty=penalty,
        tier=a.tier if expert.name != "generic" else (tier.label if tier else ""),
        base_months=round(base, 1),
        statutory_range_months=(tmin, tmax) if tier else None,
        life=life,
        uncertain=bool(g.get("uncertain")) or expert.name == "generic",
    )


def _generic_amount_tier(
    g: dict[str, Any], charge: str, amount: float | None, tiers: list[Tier]
) -> tuple[int, float] | None:
    """(statutory tier index, position in the tier 0..1) for amount-based charges without an expert."""
    ths = (g.get("amount_tiers") or {}).get(charge)
    if not ths or not amount or not tiers:
        return None
    i = sum(1 for t in ths if amount >= t) - 1
    if i < 0:
        return 0, 0.0
    i = min(i, len(tiers) - 1)
    nxt = ths[i + 1] if i + 1 < len(ths) else ths[i] * 10
    f = min(1.0, max(0.0, math.log(amount / ths[i]) / math.log(nxt / ths[i])))
    return i, float(g.get("amount_start_fraction", 0.1)) + float(g.get("amount_span_fraction", 0.5)) * f


def _generic_base(
    g: dict[str, Any], tier: Tier | None, steps: list[str], frac: float | None = None, amount: float | None = None
) -> tuple[float, float, float, dict]:
    t = (g.get("tiers") or {}).get("基本", {})
    if tier is None:
        steps.append("未找到法定刑，按一般情形")
        return 12.0, 6.0, 36.0, t
    if amount is not None and frac is not None:
        steps.append(f"涉案数额{amount:g}元，对应法定刑档次：{tier.label}")
    if frac is None:
        frac = float(t.get("start_fraction", 0.3))
    base = tier.min_months + frac * (tier.max_months - tier.min_months)
    steps.append(
        f"无专门量刑指导意见：在法定刑{_fmt(tier.min_months)}至{_fmt(tier.max_months)}幅度内"
        f"按{frac:.0%}位置确定基准刑{_fmt(base)}"
    )
    return base, float(tier.min_months), float(tier.max_months), t


def combine(parts: list[Suggestion]) -> Suggestion | None:
    """数罪并罚 (刑法 69): the total lies between the highest term and the sum, at most 20 years
    (25 when the sum is 35 years or more); 有期徒刑 absorbs 拘役. The point taken is the highest
    term plus half of the others."""
    parts = [p for p in parts if p.term_months is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    fixed = [p for p in parts if p.penalty == "有期徒刑"]
    pool = fixed or parts
    terms = sorted((p.term_months or 0 for p in pool), reverse=True)
    top, total = terms[0], sum(terms)
    cap = 300 if total >= 420 else 240
    if not fixed:
        cap = 12  # 拘役 ≤ 1 year
    point = min(top + 0.5 * (total - top), cap)
    steps = [f"数罪并罚（刑法第六十九条）：最高刑{_fmt(top)}，总和刑{_fmt(total)}，"
             f"在{_fmt(top)}以上{_fmt(min(total, cap))}以下决定执行{_fmt(point)}"]
    if fixed and len(fixed) < len(parts):
        steps.append("有期徒刑和拘役并罚的，执行有期徒刑（刑法第六十九条第二款）")
    fines = [p.fine_yuan for p in parts if p.fine_yuan]
    arts: list[int] = []
    for p in parts:
        for a in p.articles:
            if a not in arts and a not in (72, 73):
                arts.append(a)
    arts.append(69)
    term = int(round(point))
    probation = term <= 36 and all(p.probation for p in parts)
    names: list[str] = []
    for p in parts:
        names += [n for n in p.circumstances if n not in names]
    return Suggestion(
        charge="、".join(p.charge for p in parts),
        expert="+".join(p.expert for p in parts),
        term_months=term,
        term_range_months=(top, min(total, cap)),
        fine_yuan=float(sum(fines)) if fines else None,
        probation=probation,
        amount_yuan=next((p.amount_yuan for p in parts if p.amount_yuan is not None), None),
        circumstances=names,
        articles=arts,
        steps=[s for p in parts for s in p.steps] + steps,
        penalty="有期徒刑" if fixed else parts[0].penalty,
        tier="数罪并罚",
        base_months=None,
        statutory_range_months=None,
        life=any(p.life for p in parts),
        uncertain=any(p.uncertain for p in parts),
    )


def suggest_many(
    facts_text: str,
    charges: list[str],
    elements: DocElements | None = None,
    province: str = "default",
    defendant: str | None = None,
) -> Suggestion | None:
    """One suggestion per charge, combined by 数罪并罚 when there are several."""
    parts = [suggest(facts_text, c, elements, province, defendant) for c in charges]
    return combine(parts)
