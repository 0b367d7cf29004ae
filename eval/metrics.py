"""Metrics of the three-document comparison eval: recall per injected rule, false findings on clean
cases, timing percentiles."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

SERIOUS = ("error", "warning")  # info findings are ignored when counting false findings


def finding_rule_ids(report: Any, serious_only: bool = False) -> set[str]:
    return {f.rule_id for f in report.findings if not serious_only or f.severity in SERIOUS}


def recall_by_rule(cases: list[dict[str, Any]], reports: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each labelled rule_id: n injected cases, n detected (some finding with that rule_id), recall."""
    n: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for c in cases:
        if c["clean"]:
            continue
        fired = finding_rule_ids(reports[c["id"]])
        for lab in c["labels"]:
            n[lab["rule_id"]] += 1
            hit[lab["rule_id"]] += lab["rule_id"] in fired
    return {r: {"n": n[r], "detected": hit[r], "recall": hit[r] / n[r]} for r in sorted(n)}


def overall_recall(by_rule: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Micro recall (over cases) and macro recall (mean over rule_ids)."""
    n = sum(v["n"] for v in by_rule.values())
    d = sum(v["detected"] for v in by_rule.values())
    return {
        "micro": d / n if n else 0.0,
        "macro": statistics.fmean(v["recall"] for v in by_rule.values()) if by_rule else 0.0,
        "n": n,
        "detected": d,
    }


def false_findings(cases: list[dict[str, Any]], reports: dict[str, Any], examples: int = 10,
                   known: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Errors and warnings reported on clean cases: per 50 cases, by rule_id, a few examples.

    ``known`` holds (judgment id prefix, rule_id) of defects of the real judgments themselves,
    verified by reading (eval/data/real_findings_reviewed.yaml): a clean generated case keeps its
    real judgment, so such a finding is right, and it is counted apart as ``inherited``."""
    known = known or set()
    clean = [c for c in cases if c["clean"]]
    by_rule: Counter[str] = Counter()
    inherited: Counter[str] = Counter()
    ex: list[dict[str, Any]] = []
    cases_with = 0
    for c in clean:
        serious = [f for f in reports[c["id"]].findings if f.severity in SERIOUS]
        # (the generated indictment copies the judgment's articles and facts, so a real defect
        # may show in it too)
        real = [f for f in serious if (c.get("source_id", "")[:8], f.rule_id) in known]
        for f in real:
            inherited[f.rule_id] += 1
        serious = [f for f in serious if f not in real]
        cases_with += bool(serious)
        for f in serious:
            by_rule[f.rule_id] += 1
            if len(ex) < examples:
                ex.append({"case": c["id"], "rule_id": f.rule_id, "severity": f.severity, "message": f.message})
    total = sum(by_rule.values())
    return {
        "clean_cases": len(clean),
        "false_findings": total,
        "per_50_cases": 50 * total / len(clean) if clean else 0.0,
        "clean_cases_with_findings": cases_with,
        "by_rule": dict(by_rule.most_common()),
        "examples": ex,
        "inherited_real_defects": dict(inherited.most_common()),
    }


def extra_findings_on_injected(cases: list[dict[str, Any]], reports: dict[str, Any]) -> dict[str, int]:
    """Serious findings on injected cases other than the labelled rule_id (by rule_id)."""
    c: Counter[str] = Counter()
    for case in cases:
        if case["clean"]:
            continue
        labelled = {lab["rule_id"] for lab in case["labels"]}
        for f in reports[case["id"]].findings:
            if f.severity in SERIOUS and f.rule_id not in labelled:
                c[f.rule_id] += 1
    return dict(c.most_common())


def percentiles(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    if not s:
        return {"n": 0, "median_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return {"n": len(s), "median_ms": statistics.median(s), "p95_ms": p95, "max_ms": s[-1]}


def group_examples(rows: list[dict[str, Any]], key: str, per_key: int = 3) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if len(out[r[key]]) < per_key:
            out[r[key]].append(r)
    return dict(out)
