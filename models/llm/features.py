"""LLM-assisted features. Each is off unless an endpoint is configured, never raises, and marks its
result ``"source": "llm"`` with a confidence. On failure it returns None (or no verdicts) and
appends a Chinese warning to ``warnings``; the caller keeps the deterministic result.

Functions for the owners of analyze / proofread / gate / similar:
- ``extract_missing(text, missing, expert)`` — extraction fallback when the rules found nothing;
- ``review_proofreading(text, findings)`` — a second opinion (confirm / reject) on candidates;
- ``explain(report)`` — a plain-language explanation of a report;
- ``gate_vote(facts, charges)`` — a vote among the gate's charges when it is undecided;
- ``summarize_facts(facts)`` — a short summary for the similar-case search;
- ``assist_analysis(result, text)`` — the fallback applied to one ``jiancha analyze`` result.
"""

from __future__ import annotations

from typing import Any

from models.llm import enabled, get_client
from models.llm.client import Budget, config

__all__ = ["annotate_proofreading", "assist_analysis", "explain", "extract_missing", "gate_vote", "review_proofreading",
           "summarize_facts", "feature_on"]

KIND_LABEL = {"indictment": "起诉书", "recommendation": "量刑建议书", "judgment": "刑事判决书", "other": "文书"}


def feature_on(name: str) -> bool:
    return enabled() and bool(config().get("features", {}).get(name, False))


def _warn(warnings: list[str] | None, msg: str | None) -> None:
    if warnings is not None and msg and msg not in warnings:
        warnings.append(msg)


def _cut(text: str) -> str:
    n = int(config().get("max_fact_chars", 3000))
    return text if len(text) <= n else text[:n] + "……（以下略）"


def _meta(res: Any) -> dict[str, Any]:
    return {"source": "llm", "model": res.model, "prompt": res.prompt, "repaired": res.repaired}


def _official(names: list[str]) -> list[str]:
    """Official charge names (without 罪); anything not in the catalogue is dropped."""
    from knowledge.charges import normalize_charge

    out: list[str] = []
    for n in names:
        c = normalize_charge(str(n).strip().removesuffix("罪")) if n else None
        if c and c not in out:
            out.append(c)
    return out


# --------------------------------------------------------------------------- extraction fallback


def extract_missing(text: str, missing: list[str], expert: str | None = None, kind: str = "indictment",
                    budget: Budget | None = None, warnings: list[str] | None = None) -> dict[str, Any] | None:
    """Values the rules did not find. ``missing`` ⊆ {"charges", "amount_yuan", "judged"}.
    Returns ``{"values": {field: value}, "elements", "evidence", "confidence", "source": "llm", …}``
    with only the missing fields that the model read, or None."""
    client = get_client()
    if client is None or not missing or not text.strip():
        return None
    res = client.structured("elements", {"missing": missing, "kind": KIND_LABEL.get(kind, kind),
                                         "text": _cut(text)}, expert=expert, budget=budget)
    _warn(warnings, res.warning)
    v = res.value
    if v is None or v.confidence < float(config()["extract_fallback"]["min_confidence"]):
        return None
    values: dict[str, Any] = {}
    if "charges" in missing and (cs := _official(v.charges)):
        values["charges"] = cs
    if "amount_yuan" in missing and v.amount_yuan is not None:
        values["amount_yuan"] = float(v.amount_yuan)
    if "judged" in missing and v.judged:
        values["judged"] = [j.model_dump() for j in v.judged if j.term_months is not None or j.penalty]
    if not values:
        return None
    return {"values": values, "missing": list(missing), "elements": v.elements, "evidence": v.evidence,
            "confidence": round(v.confidence, 3), **_meta(res)}


# --------------------------------------------------------------------------- proofreading


def review_proofreading(text: str, findings: list[dict[str, Any]], expert: str | None = None,
                        budget: Budget | None = None, warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """Verdicts on proofreading candidates (dicts with start, end, original, suggestion, type):
    ``[{"index": i into findings, "verdict": confirm|reject|unsure, "confidence", "reason",
    "source": "llm"}]``; [] when off or failed."""
    client = get_client()
    if client is None or not findings:
        return []
    cfg = config()["proofread_review"]
    w = int(cfg["context_chars"])
    idx = list(range(len(findings)))[: int(cfg["max_candidates"])]
    cands = [{"context": text[max(0, findings[i]["start"] - w): findings[i]["end"] + w],
              "original": findings[i].get("original") or text[findings[i]["start"]: findings[i]["end"]],
              "suggestion": findings[i].get("suggestion") or "", "type": findings[i].get("type", "")}
             for i in idx]
    res = client.structured("proofread_review", {"candidates": cands}, expert=expert, budget=budget)
    _warn(warnings, res.warning)
    if res.value is None:
        return []
    out = []
    seen: set[int] = set()
    for vd in res.value.verdicts:
        if 0 <= vd.index < len(idx) and vd.index not in seen:
            seen.add(vd.index)
            out.append({"index": idx[vd.index], "verdict": vd.verdict, "confidence": round(vd.confidence, 3),
                        "reason": vd.reason, **_meta(res)})
    return out


_MODEL_PROOF = ("PROOF.TYPO", "PROOF.MISSING", "PROOF.REDUNDANT", "PROOF.ORDER")


def annotate_proofreading(text: str, findings: list[dict[str, Any]],
                          warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """``jiancha proofread`` findings with the second opinion: each reviewed model candidate gets
    ``"llm": {"verdict", "confidence", "reason", "source": "llm"}``; a confident rejection lowers its
    confidence (so ``--min-confidence`` filters it). Unchanged when off."""
    if not feature_on("proofread_review"):
        return findings
    idx = [i for i, f in enumerate(findings) if f.get("rule_id") in _MODEL_PROOF]
    thr = float(config()["proofread_review"]["reject_confidence"])
    for vd in review_proofreading(text, [findings[i] for i in idx], warnings=warnings):
        f = findings[idx[vd["index"]]]
        f["llm"] = {k: vd[k] for k in ("verdict", "confidence", "reason", "source", "model")}
        if vd["verdict"] == "reject" and vd["confidence"] >= thr:
            f["confidence"] = round(min(f["confidence"], 1.0 - vd["confidence"]), 3)
    return findings


# --------------------------------------------------------------------------- explanation


def explain(report: dict[str, Any], expert: str | None = None, budget: Budget | None = None,
            warnings: list[str] | None = None) -> dict[str, Any] | None:
    """A plain-language explanation of a report dict (``Report.to_dict()`` shape)."""
    client = get_client()
    if client is None:
        return None
    n = int(config()["explain"]["max_findings"])
    findings = [{"severity": f["severity"], "rule_id": f["rule_id"], "message": f["message"]}
                for f in report.get("findings", [])[:n]]
    sug = report.get("sentence_suggestion") or {}
    charges: list[str] = []
    for d in sug.get("defendants", []):
        charges += [c for c in d.get("charges", []) if c not in charges]
    res = client.structured("review", {"case_id": report.get("case_id", ""), "charges": charges,
                                       "grade": report.get("grade") or "", "findings": findings,
                                       "steps": list(sug.get("steps", []))[:12]}, expert=expert, budget=budget)
    _warn(warnings, res.warning)
    if res.value is None:
        return None
    return {"summary": res.value.summary, "points": list(res.value.points),
            "confidence": round(res.value.confidence, 3), **_meta(res)}


# --------------------------------------------------------------------------- gate vote


def gate_vote(facts: str, charges: list[tuple[str, float]], budget: Budget | None = None,
              warnings: list[str] | None = None) -> dict[str, Any] | None:
    """A vote among the gate's candidate charges. Returns ``{"chosen", "charges": [(charge, new
    score)…] best first, "confidence", "reason", "source": "llm"}`` or None. New score =
    (1 − w)·gate + w·confidence for a chosen charge, (1 − w)·gate otherwise (``config.yaml``)."""
    client = get_client()
    if client is None or len(charges) < 2 or not facts.strip():
        return None
    cfg = config()["gate_vote"]
    cands = [c for c, _ in charges[: int(cfg["candidates"])]]
    res = client.structured("gate_vote", {"candidates": cands, "facts": _cut(facts)}, budget=budget)
    _warn(warnings, res.warning)
    if res.value is None:
        return None
    chosen = [c for c in _official(res.value.charges) if c in cands]
    if not chosen:
        return None
    w, conf = float(cfg["weight"]), float(res.value.confidence)
    rescored = [(c, round((1 - w) * s + (w * conf if c in chosen else 0.0), 4)) for c, s in charges]
    rescored.sort(key=lambda kv: -kv[1])
    return {"chosen": chosen, "charges": rescored, "confidence": round(conf, 3), "reason": res.value.reason,
            **_meta(res)}


# --------------------------------------------------------------------------- similar-case summary


def summarize_facts(facts: str, expert: str | None = None, budget: Budget | None = None,
                    warnings: list[str] | None = None) -> dict[str, Any] | None:
    """``{"summary", "keywords", "confidence", "source": "llm"}`` or None."""
    client = get_client()
    if client is None or not facts.strip():
        return None
    res = client.structured("summarize_facts", {"facts": _cut(facts)}, expert=expert, budget=budget)
    _warn(warnings, res.warning)
    if res.value is None:
        return None
    return {"summary": res.value.summary, "keywords": list(res.value.keywords),
            "confidence": round(res.value.confidence, 3), **_meta(res)}


# --------------------------------------------------------------------------- analyze


def assist_analysis(result: dict[str, Any], text: str) -> dict[str, Any]:
    """One ``jiancha analyze`` result with the extraction fallback: when the rules found no charge,
    or no amount for an expert whose crime has one, the LLM's reading fills the field and
    ``result["llm"]`` says so (``filled``, source, confidence, warnings). Unchanged when off."""
    if not feature_on("extract_fallback"):
        return result
    from models.experts import registry

    missing = []
    if not result.get("charges"):
        missing.append("charges")
    e = registry().get(result.get("expert") or "")
    if result.get("amount_yuan") is None and e is not None and e.amount_fn is not None:
        missing.append("amount_yuan")
    if not missing:
        return result
    warnings: list[str] = []
    got = extract_missing(text, missing, result.get("expert"), budget=Budget(_budget_tokens()), warnings=warnings)
    info: dict[str, Any] = {}
    if got is not None:
        for k, v in got["values"].items():
            if k in ("charges", "amount_yuan") and not result.get(k):
                result[k] = v
        info["extraction"] = got
        info["filled"] = sorted(got["values"])
    if warnings:
        info["warnings"] = warnings
    if info:
        result["llm"] = info
    return result


def _budget_tokens() -> int:
    from knowledge.settings import get_settings

    return get_settings().llm_token_budget
