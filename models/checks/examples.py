"""Run each rule's own examples: a ``fires: true`` example must produce a finding with the
rule's id, a ``fires: false`` one must not. These are the rules' tests (CI and `jiancha rules test`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from knowledge.rules import Rule


@dataclass
class ExampleResult:
    rule_id: str
    index: int
    fires: bool
    ok: bool
    detail: str = ""


def _events(rows: list[dict[str, str]]) -> list:
    """An example's export rows as timeline events (read like an export file)."""
    if not rows:
        return []
    from models.timeline.export import read_export

    data = json.dumps([{"案号": "示例", **r} for r in rows], ensure_ascii=False).encode()
    return read_export(data, "example.json").get("示例", [])


def run_examples(rules: list[Rule] | tuple[Rule, ...]) -> list[ExampleResult]:
    from models.pipeline import check_texts  # late import: pipeline imports the engine

    results: list[ExampleResult] = []
    for rule in rules:
        for i, ex in enumerate(rule.examples):
            try:
                report = check_texts(ex.texts(), case_id=f"{rule.id}#{i}", events=_events(ex.events))
            except Exception as e:  # an example that cannot run is a failing example
                results.append(ExampleResult(rule.id, i, ex.fires, False, f"{type(e).__name__}: {e}"))
                continue
            hits = [f for f in report.findings if f.rule_id == rule.id]
            ok = bool(hits) == ex.fires
            detail = "; ".join(f.message for f in hits) if hits else "（未触发）"
            results.append(ExampleResult(rule.id, i, ex.fires, ok, detail))
    return results
