"""The facts one case contributes to the thematic analyses.

Sentencing recommendation (量刑建议) per defendant with both a recommendation and a judged
sentence: *fixed-term* (确定刑: one penalty and one term, no range) is *adopted* when the court
imposes the same penalty, the same term and the same probation decision, otherwise *adjusted*;
a *range* recommendation (幅度刑) is adopted when the judged term lies in the range. The
recommendation is read from the 量刑建议书 when there is one, else from the judgment's account of
what the prosecution proposed (公诉机关建议…).

诉判不一: the charges of the indictment and of the judgment differ (both documents present).
认罪认罚: a non-negated 认罪认罚 circumstance in any document. Returns/extensions: rounds of
退回补充侦查 and 延长审查起诉期限 on the merged timeline (documents + case-management export).
"""

from __future__ import annotations

from typing import Any

from models.types import Case, SentenceTerm

# name → (SQL type, Chinese label); the storage tables (web: case_facts, batch: batch_facts) have one
# column each
FACT_FIELDS: dict[str, tuple[str, str]] = {
    "case_number": ("str", "案号"),
    "charge": ("str", "罪名（第一个）"),
    "court": ("str", "法院"),
    "month": ("str", "月份"),
    "handler": ("str", "承办人（案管导出）"),
    "rec_fixed": ("int", "确定刑量刑建议（人）"),
    "rec_fixed_adopted": ("int", "确定刑量刑建议被采纳（人）"),
    "rec_range": ("int", "幅度刑量刑建议（人）"),
    "rec_range_adopted": ("int", "幅度刑量刑建议被采纳（人）"),
    "charge_mismatch": ("int", "诉判罪名不一（1/0；缺文书为空）"),
    "plea": ("int", "适用认罪认罚（1/0）"),
    "returns": ("int", "退回补充侦查次数"),
    "extensions": ("int", "延长审查起诉期限次数"),
    "events": ("int", "时间线事件数"),
    "conflicts": ("int", "时间线日期冲突数"),
}


def _fixed(st: SentenceTerm) -> bool:
    return st.penalty is not None and st.term_range_months is None and (
        st.term_months is not None or st.penalty in ("死刑", "无期徒刑", "免予刑事处罚"))


def _adopted(rec: SentenceTerm, judged: SentenceTerm) -> bool:
    if rec.penalty != judged.penalty:
        return False
    if rec.term_range_months is not None:
        lo, hi = rec.term_range_months
        return judged.term_months is not None and lo <= judged.term_months <= hi
    return rec.term_months == judged.term_months and rec.probation == judged.probation


def _recommendations(case: Case) -> list[tuple[SentenceTerm, SentenceTerm]]:
    judgment = case.elements.get("judgment")
    if judgment is None:
        return []
    rec_doc = case.elements.get("recommendation")
    out = []
    for d in judgment.defendants:
        if d.judged is None:
            continue
        rec = None
        if rec_doc is not None:
            r = rec_doc.defendant(d.name) or (rec_doc.defendants[0] if len(rec_doc.defendants) == 1
                                               and len(judgment.defendants) == 1 else None)
            rec = r.recommended if r is not None else None
        rec = rec or d.recommended
        if rec is not None and (rec.penalty is not None or rec.term_range_months is not None):
            out.append((rec, d.judged))
    return out


def _charges(case: Case, kind: str) -> set[str]:
    el = case.elements.get(kind)
    return set(el.charges) if el is not None else set()


def case_facts(case: Case, timeline: Any = None, handler: str = "") -> dict[str, Any]:
    """The analysis facts of an extracted case; ``timeline``: its merged timeline (built when None);
    ``handler``: the 承办人 when the case-management export names none (the web case's owner)."""
    if timeline is None:
        from models.timeline import case_timeline

        timeline = case_timeline(case)
    f: dict[str, Any] = dict.fromkeys(FACT_FIELDS)
    charges: list[str] = []
    for kind in ("judgment", "indictment", "recommendation"):
        el = case.elements.get(kind)
        if el is None:
            continue
        charges += [c for c in el.charges if c not in charges]
        f["court"] = f["court"] or el.court
        f["case_number"] = f["case_number"] or el.case_number
        if f["month"] is None and el.date is not None:
            f["month"] = el.date.strftime("%Y-%m")
    f["charge"] = charges[0] if charges else None
    fixed = [(r, j) for r, j in _recommendations(case) if _fixed(r)]
    ranged = [(r, j) for r, j in _recommendations(case) if r.term_range_months is not None]
    f["rec_fixed"], f["rec_fixed_adopted"] = len(fixed), sum(_adopted(r, j) for r, j in fixed)
    f["rec_range"], f["rec_range_adopted"] = len(ranged), sum(_adopted(r, j) for r, j in ranged)
    ind, jud = _charges(case, "indictment"), _charges(case, "judgment")
    f["charge_mismatch"] = int(ind != jud) if ind and jud else None
    f["plea"] = int(any(c.name == "认罪认罚" and not c.negated
                        for el in case.elements.values() for c in el.circumstances))
    f["returns"] = len({e.date for e in timeline.events if e.key == "return"})
    f["extensions"] = len({e.date for e in timeline.events if e.key == "extension"})
    f["events"], f["conflicts"] = len(timeline.events), len(timeline.conflicts)
    actors = [e.actor for e in timeline.events if e.source.startswith("案管导出") and e.actor]
    f["handler"] = (actors[-1] if actors else handler) or None
    return f
