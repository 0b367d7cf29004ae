"""The ``experts`` pipeline component and the experts' checks.

The component fills ``report.sentence_suggestion`` with the guideline sentence of every defendant
(``models.sentencing.engine``). The checks (rules in ``knowledge/rules/experts.yaml``) compare the
crime's elements read from the facts with the charge and the sentence recommended or judged. They
are deliberately conservative: they fire only when the facts leave no doubt (a single, clearly
read quantity well outside the statutory band); guideline-range findings are ``info``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from knowledge.settings import get_settings
from models.checks.engine import CheckContext, Hit, register
from models.checks.util import months_text, span, term_text
from models.components import component
from models.experts import for_charge
from models.experts.amounts import read_amounts
from models.extract.quantities import extract_bac, extract_injuries
from models.sentencing.engine import Suggestion, suggest_many
from models.types import Case, Defendant, DocElements, Report, SentenceTerm, Span

_FACT_SECTIONS = {"indictment": ("facts",), "judgment": ("findings", "accusation")}
_MITIGATION = ("未遂", "从犯", "胁从犯", "未成年", "自首", "立功", "减轻处罚", "限制刑事责任能力", "中止", "预备",
               "防卫过当", "避险过当", "老年")


@dataclass
class _Facts:
    kind: str
    text: str
    start: int  # offset of the facts in the document


def _facts(case: Case) -> _Facts | None:
    """The facts of the case: the indictment's 经审查查明, else the judgment's findings/accusation."""
    for kind in ("indictment", "judgment"):
        doc = case.document(kind)
        if doc is None:
            continue
        for name in _FACT_SECTIONS[kind]:
            s = doc.section(name)
            if s is not None and s.end - s.start > 20:
                return _Facts(kind, doc.text[s.start : s.end], s.start)
    return None


def _main_elements(case: Case) -> DocElements | None:
    for kind in ("judgment", "indictment", "recommendation"):
        if kind in case.elements:
            return case.elements[kind]
    return None


def _charges_of(case: Case, d: Defendant) -> list[str]:
    if case.given_charges:  # the user's statement of the charge outranks the documents'
        return list(case.given_charges)
    for kind in ("judgment", "indictment", "recommendation"):
        el = case.elements.get(kind)
        if el is None:
            continue
        dd = el.defendant(d.name)
        if dd is not None and dd.charges:
            return list(dd.charges)
    el = _main_elements(case)
    return list(el.charges) if el else []


def suggestions(case: Case) -> dict[str, tuple[list[str], Suggestion | None]]:
    """Per defendant: (charges, guideline suggestion). Cached on the case (checks and component share it)."""
    cached = getattr(case, "_expert_suggestions", None)
    if cached is not None:
        return cached
    out: dict[str, tuple[list[str], Suggestion | None]] = {}
    el = _main_elements(case)
    facts = _facts(case)
    province = get_settings().province
    if el is not None:
        for d in el.defendants:
            charges = _charges_of(case, d)
            if not charges:
                continue
            try:
                s = suggest_many(facts.text if facts else "", charges, el, province, d.name)
            except Exception:  # noqa: BLE001 - a suggestion must never break the check
                s = None
            out[d.name] = (charges, s)
    case._expert_suggestions = out  # type: ignore[attr-defined]
    return out


@component("experts")
def experts_component(case: Case, report: Report) -> None:
    rows: list[dict[str, Any]] = []
    for name, (charges, s) in suggestions(case).items():
        if s is None:
            continue
        d = s.to_dict()
        d["defendant"] = name
        d["charges"] = charges
        rows.append(d)
    if rows:
        first = rows[0]
        report.sentence_suggestion = {
            "term_months": first["term_months"],
            "term_range_months": first["term_range_months"],
            "fine_yuan": first["fine_yuan"],
            "probation": first["probation"],
            "penalty": first["penalty"],
            "steps": first["steps"],
            "charges": first["charges"],
            "charges_source": "given" if case.given_charges else "documents",
            "defendants": rows,
        }


# --------------------------------------------------------------------------- checks


def _sentences(case: Case, d: Defendant) -> Iterator[tuple[str, SentenceTerm]]:
    """The recommended and judged sentences of a defendant (final ones; single-charge cases only)."""
    for kind in ("recommendation", "indictment", "judgment"):
        el = case.elements.get(kind)
        dd = el.defendant(d.name) if el else None
        if dd is None:
            continue
        if dd.recommended is not None and kind != "judgment":
            yield kind, dd.recommended
        if kind == "judgment":
            if dd.recommended is not None:
                yield kind, dd.recommended
            if dd.judged is not None:
                yield kind, dd.judged


def _circ_names(case: Case, name: str) -> set[str]:
    out: set[str] = set()
    for el in case.elements.values():
        dd = el.defendant(name)
        for c in (dd.circumstances if dd else []) + list(el.circumstances):
            if not c.negated:
                out.add(c.name)
    return out


def _terms(st: SentenceTerm) -> list[int]:
    if st.term_months is not None:
        return [st.term_months]
    return list(st.term_range_months or [])


def _single(case: Case, expert: str) -> Iterator[tuple[Defendant, list[str]]]:
    """Defendants charged with exactly one charge, of this expert."""
    el = _main_elements(case)
    if el is None:
        return
    if any(len(set(e.charges)) > 1 for e in case.elements.values()):
        return  # several charges in the case: a sentence may cover more than this crime
    for d in el.defendants:
        charges = _charges_of(case, d)
        if len(charges) == 1:
            e = for_charge(charges[0])
            if e is not None and e.name == expert:
                yield d, charges


def _facts_span(f: _Facts, start: int, end: int) -> list[Span]:
    return [Span(f.kind, f.start + start, f.start + end)]


_DRUNK = re.compile(r"醉酒")
_OTHER_DUI = re.compile(r"追逐竞驶|超过额定乘员|超员|超速|危险化学品|校车|旅客运输")


@register("experts.dui")
def check_dui(ctx: CheckContext) -> Iterator[Hit]:
    """醉驾 charged but the only blood alcohol stated is below 80 mg/100ml."""
    f = _facts(ctx.case)
    if f is None:
        return
    for d, _ in _single(ctx.case, "dui"):
        bacs = extract_bac(f.text.replace("．", "."))  # same length: offsets kept
        doc = ctx.document(f.kind)
        if not bacs or _OTHER_DUI.search(f.text) or not _DRUNK.search(doc.text if doc else f.text):
            continue
        # a value right after a full-width point (199．4 read as 4) is a reading error: skip the case
        if any(f.text[max(0, q.start - 1) : q.start] in ("．", ".", "。") or f.text[max(0, q.start - 1) : q.start].isdigit()
               for q in bacs):
            continue
        vals = {q.value for q in bacs if q.value is not None}
        if len(vals) == 1 and (v := vals.pop()) < 80:
            b = bacs[0]
            yield Hit("EXPERT.DUI.BAC_BELOW_THRESHOLD", _facts_span(f, b.start, b.end),
                      {"bac": f"{v:g}"}, defendant=d.name)


def _amount_band_hits(ctx: CheckContext, expert: str, rule: str, bands: dict[str, Any]) -> Iterator[Hit]:
    """Amount clearly in the first band (below the lowest 巨大 threshold of any province) while the
    sentence is in the 3–10 year tier or above, or clearly 特别巨大 while the sentence is below 3 years."""
    f = _facts(ctx.case)
    if f is None:
        return
    r = read_amounts(f.text, expert)
    if r.total is None or r.attempted or len(r.items) + (1 if r.stated_total else 0) == 0:
        return
    big_lo = float(bands["巨大"]["range"][0])
    huge_hi = float(bands["特别巨大"]["range"][1])
    for d, charges in _single(ctx.case, expert):
        circ = _circ_names(ctx.case, d.name)
        for kind, st in _sentences(ctx.case, d):
            terms = _terms(st)
            if not terms or st.penalty not in ("有期徒刑", "拘役", "管制"):
                continue
            if r.total < big_lo * 0.5 and min(terms) > 36 and "累犯" not in circ:
                yield Hit(rule, span(kind, st), {"amount": f"{r.total:g}", "sentence": term_text(st),
                                                 "tier": "数额较大（三年以下）", "charge": charges[0]}, defendant=d.name)
            elif r.total >= huge_hi * 2 and max(terms) < 36 and not circ.intersection(_MITIGATION):
                yield Hit(rule, span(kind, st), {"amount": f"{r.total:g}", "sentence": term_text(st),
                                                 "tier": "数额特别巨大（十年以上）", "charge": charges[0]},
                          defendant=d.name)


@register("experts.theft")
def check_theft(ctx: CheckContext) -> Iterator[Hit]:
    from models.experts.base import load_yaml

    yield from _amount_band_hits(ctx, "theft", "EXPERT.THEFT.TIER_MISMATCH", load_yaml("theft")["thresholds"])


@register("experts.fraud")
def check_fraud(ctx: CheckContext) -> Iterator[Hit]:
    from models.experts.base import load_yaml

    yield from _amount_band_hits(ctx, "fraud", "EXPERT.FRAUD.TIER_MISMATCH", load_yaml("fraud")["thresholds"])


_KILL = re.compile(r"死亡|身亡|重伤|残疾|伤残|特别残忍")


@register("experts.injury")
def check_injury(ctx: CheckContext) -> Iterator[Hit]:
    """Only 轻伤/轻微伤 stated, yet a term above the 3-year ceiling of 第二百三十四条第一款."""
    f = _facts(ctx.case)
    if f is None:
        return
    grades = [q for q in extract_injuries(f.text) if q.grade]
    if not grades or _KILL.search(f.text) or any(not q.grade.startswith(("轻伤", "轻微伤")) for q in grades):
        return
    for d, _ in _single(ctx.case, "injury"):
        if "累犯" in _circ_names(ctx.case, d.name):
            continue
        for kind, st in _sentences(ctx.case, d):
            terms = _terms(st)
            if terms and st.penalty == "有期徒刑" and min(terms) > 36:
                g = grades[0]
                yield Hit("EXPERT.INJURY.GRADE_TIER_MISMATCH", span(kind, st) + _facts_span(f, g.start, g.end),
                          {"grade": g.grade, "sentence": term_text(st)}, defendant=d.name)


_RESP_ALL = re.compile(r"(全部|主要|同等|次要|无)责任")


@register("experts.traffic")
def check_traffic(ctx: CheckContext) -> Iterator[Hit]:
    """交通肇事 with only 次要/无 responsibility stated: the crime is not made out (2000 解释 第二条)."""
    f = _facts(ctx.case)
    if f is None:
        return
    resp = [m for m in _RESP_ALL.finditer(f.text)]
    if not resp or any(m.group(1) in ("全部", "主要", "同等") for m in resp):
        return
    for d, _ in _single(ctx.case, "traffic"):
        m = resp[0]
        yield Hit("EXPERT.TRAFFIC.RESPONSIBILITY_LOW", _facts_span(f, m.start(), m.end()),
                  {"responsibility": m.group(1)}, defendant=d.name)


@register("sentencing.guideline_range")
def check_guideline_range(ctx: CheckContext) -> Iterator[Hit]:
    """A recommended term entirely outside the range the guideline computes (info: a judgement call)."""
    sugg = suggestions(ctx.case)
    for name, (charges, s) in sugg.items():
        if s is None or s.term_range_months is None or s.expert == "generic" or "generic" in s.expert:
            continue
        if s.uncertain or len(charges) != 1:
            continue
        lo, hi = s.term_range_months
        for kind in ("recommendation", "indictment"):
            el = ctx.elements(kind)
            dd = el.defendant(name) if el else None
            st = dd.recommended if dd else None
            if st is None or st.penalty not in ("有期徒刑", "拘役"):
                continue
            terms = _terms(st)
            if not terms:
                continue
            # only within the same statutory tier (a tier disagreement is more likely a reading
            # problem of the facts than a sentencing error) and clearly outside the range
            tr = s.statutory_range_months
            if tr is None or min(terms) < tr[0] or max(terms) > tr[1]:
                continue
            if max(terms) < lo / 1.5 or min(terms) > hi * 1.5:
                yield Hit("SENT.GUIDELINE_RANGE", span(kind, st),
                          {"sentence": term_text(st), "range": f"{months_text(lo)}至{months_text(hi)}",
                           "point": months_text(s.term_months), "charge": s.charge}, defendant=name,
                          confidence=0.5)
            break
