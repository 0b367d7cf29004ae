"""LLM pipeline components (models/pipeline.yaml). Each returns at once when no LLM is configured,
so reports are then exactly the deterministic ones. Results go to ``report.llm`` (each with
``"source": "llm"`` and a confidence); degradation warnings to ``report.llm["warnings"]``.

- ``llm_gate`` (after ``gate``): a vote on the charge when the gate is undecided (no charge named
  in the documents and the best two experts closer than ``gate_vote.margin``); re-scores ``report.experts``.
- ``llm_extract``: the extraction fallback — charges, crime amount, judged sentence the rules missed.
- ``llm_proofread`` (after ``proofread``): a second opinion on the LM proofreading findings; a
  confident rejection lowers the finding's confidence, every verdict is noted in its message.
- ``llm_similar``: a summary of the facts as the similar-case query (ids when the store is built).
- ``llm_explain`` (last): a plain-language explanation of the report.
"""

from __future__ import annotations

import logging
from typing import Any

from models.components import component
from models.llm import budget_for, enabled
from models.types import Case, Report

log = logging.getLogger("jiancha.llm")


def _on(name: str) -> bool:
    if not enabled():
        return False
    from models.llm.features import feature_on

    return feature_on(name)


def _warnings(report: Report) -> list[str]:
    return report.llm.setdefault("warnings", [])


def _done(report: Report) -> None:
    if not report.llm.get("warnings"):
        report.llm.pop("warnings", None)


def _expert(report: Report) -> str | None:
    return report.experts[0][0] if report.experts else None


def _guard(fn):
    """An LLM component never breaks the check."""
    def run(case: Case, report: Report) -> None:
        try:
            fn(case, report)
        except Exception:  # noqa: BLE001
            log.exception("LLM component %s failed", fn.__name__)
            w = _warnings(report)
            if "大模型辅助出错，已返回规则核查结果" not in w:
                w.append("大模型辅助出错，已返回规则核查结果")
        finally:
            _done(report)
    run.__name__ = fn.__name__
    return run


@component("llm_gate")
def llm_gate(case: Case, report: Report) -> None:
    if _on("gate_vote"):
        _guard(_gate)(case, report)


def _gate(case: Case, report: Report) -> None:
    from models.gate import experts_for, facts_of, gate_case
    from models.llm.client import config
    from models.llm.features import gate_vote

    if len(report.experts) < 2 or report.experts[0][1] - report.experts[1][1] >= float(config()["gate_vote"]["margin"]):
        return
    g = gate_case(case)
    if g.explicit:
        return
    vote = gate_vote(facts_of(case), g.charges, budget_for(case), _warnings(report))
    if vote is None:
        return
    report.experts = [(n, round(s, 4)) for n, s in experts_for(vote["charges"])]
    report.llm["gate_vote"] = {**vote, "charges": [[c, s] for c, s in vote["charges"]]}


@component("llm_extract")
def llm_extract(case: Case, report: Report) -> None:
    if _on("extract_fallback"):
        _guard(_extract)(case, report)


def _missing(case: Case, expert: str | None) -> tuple[list[str], str]:
    from models.experts import registry
    from models.gate import facts_of

    facts = facts_of(case)
    missing: list[str] = []
    if not any(el.charges for el in case.elements.values()):
        missing.append("charges")
    e = registry().get(expert or "")
    if e is not None and e.amount_fn is not None and facts and e.crime_amount(facts) is None:
        missing.append("amount_yuan")
    jd = case.elements.get("judgment")
    doc = case.document("judgment")
    verdict = doc.section_text("verdict") if doc is not None else ""
    if jd is not None and verdict and (not jd.defendants or any(d.judged is None for d in jd.defendants)):
        missing.append("judged")
        facts = f"{facts}\n判决主文：{verdict}" if "判决主文" not in facts else facts
    return missing, facts


def _extract(case: Case, report: Report) -> None:
    from models.llm.features import extract_missing

    expert = _expert(report)
    missing, text = _missing(case, expert)
    if not missing:
        return
    got = extract_missing(text, missing, expert, budget=budget_for(case), warnings=_warnings(report))
    if got is not None:
        report.llm["extraction"] = got


@component("llm_proofread")
def llm_proofread(case: Case, report: Report) -> None:
    if _on("proofread_review"):
        _guard(_proofread)(case, report)


def _proofread(case: Case, report: Report) -> None:
    from models.llm.client import config
    from models.llm.features import review_proofreading

    cands = [f for f in report.findings if f.rule_id.startswith("PROOF.") and f.source == "model" and f.spans]
    if not cands:
        return
    by_doc: dict[str, list[Any]] = {}
    for f in cands:
        by_doc.setdefault(f.spans[0].document, []).append(f)
    thr = float(config()["proofread_review"]["reject_confidence"])
    out = []
    for kind, fs in by_doc.items():
        doc = case.document(kind)
        if doc is None:
            continue
        items = [{"start": f.spans[0].start, "end": f.spans[0].end, "suggestion": f.suggestion,
                  "type": f.rule_id.split(".")[-1].lower()} for f in fs]
        for vd in review_proofreading(doc.text, items, _expert(report), budget_for(case), _warnings(report)):
            f = fs[vd["index"]]
            if vd["verdict"] == "reject" and vd["confidence"] >= thr:
                f.confidence = round(min(f.confidence, 1.0 - vd["confidence"]), 3)
                f.message += "（大模型复核：可能误报）"
            elif vd["verdict"] == "confirm":
                f.message += "（大模型复核：确认）"
            out.append({**{k: v for k, v in vd.items() if k != "index"}, "rule_id": f.rule_id, "document": kind,
                        "start": f.spans[0].start, "end": f.spans[0].end})
    if out:
        report.llm["proofread_review"] = out


@component("llm_similar")
def llm_similar(case: Case, report: Report) -> None:
    if _on("similar_summary"):
        _guard(_similar)(case, report)


def _similar(case: Case, report: Report) -> None:
    from models.gate import facts_of
    from models.llm.client import config
    from models.llm.features import summarize_facts

    facts = facts_of(case)
    s = summarize_facts(facts, _expert(report), budget_for(case), _warnings(report))
    if s is None:
        return
    try:
        import models.similar as sim

        find = getattr(sim, "similar_case_ids", None)
        if find is not None:
            charges = list(dict.fromkeys(c for el in case.elements.values() for c in el.charges))
            s["case_ids"] = find(s["summary"], charges, int(config()["similar_summary"]["k"]))
    except Exception:  # noqa: BLE001 - the summary stands without the search
        log.exception("similar-case search with the LLM summary failed")
    report.llm["similar"] = s


@component("llm_explain")
def llm_explain(case: Case, report: Report) -> None:
    if _on("explain"):
        _guard(_explain)(case, report)


def _explain(case: Case, report: Report) -> None:
    from models.grading import grade, missing_documents
    from models.llm.features import explain

    d = report.to_dict()
    # the pipeline grades after the components
    d["grade"] = grade(report.findings, missing_documents(x.kind for x in case.documents))
    e = explain(d, _expert(report), budget_for(case), _warnings(report))
    if e is not None:
        report.llm["explanation"] = e
