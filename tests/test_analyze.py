"""`jiancha analyze`: the CLI contract (--json, --jsonl order and ids, exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from models.commands.analyze import analyze_one, run_jsonl

ROOT = Path(__file__).resolve().parents[1]
DUI = "2019年5月1日22时许，被告人李某酒后驾驶小型轿车在道路上行驶，被民警查获，经鉴定其血液中乙醇含量为156mg/100ml。到案后如实供述。"
KEYS = {"id", "expert", "experts", "charges", "charges_current", "charges_source", "articles", "amount_yuan", "term_months", "term_range_months",
        "fine_yuan", "probation", "circumstances", "similar_cases",
        "amount_confidence", "amount_uncertain", "amounts_by_charge"}


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "models.cli", "analyze", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_analyze_facts() -> None:
    r = analyze_one(DUI, "x")
    assert set(r) == KEYS
    assert r["expert"] == "dui" and r["charges"] == ["危险驾驶"]
    assert 133 in r["articles"]
    assert r["similar_cases"] == []


def test_analyze_document_uses_explicit_charge() -> None:
    text = (ROOT / "knowledge/samples/case-001/起诉书.txt").read_text(encoding="utf-8")
    r = analyze_one(text, "case-001")
    assert r["charges"] == ["盗窃"] and r["expert"] == "theft" and 264 in r["articles"]


def test_cli_json_and_jsonl() -> None:
    p = _cli("-", "--json", stdin=DUI)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["charges"] == ["危险驾驶"]
    lines = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                      for i, t in [("a", DUI), ("b", "被告人窃得被害人手机一部，价值人民币2960元。")])
    p = _cli("-", "--jsonl", stdin=lines)
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert out[1]["charges"] == ["盗窃"]


def test_cli_bad_input_exit_2() -> None:
    p = _cli("-", "--jsonl", stdin="not json\n")
    assert p.returncode == 2 and "JSON" in p.stderr
    p = _cli("/nonexistent/file.txt", "--json")
    assert p.returncode == 2


def test_parallel_keeps_order() -> None:
    items = [(str(i), DUI if i % 2 else "被告人窃得被害人手机一部，价值人民币2960元。") for i in range(210)]
    out = list(run_jsonl(items, workers=2))
    assert [o["id"] for o in out] == [str(i) for i in range(210)]
    assert out[1]["expert"] == "dui" and out[2]["expert"] == "theft"


def test_similar_cases_behind_the_option(monkeypatch) -> None:
    import models.similar as sim

    text = "被告人窃得被害人手机一部，价值人民币2960元。"
    assert analyze_one(text)["similar_cases"] == []  # off by default (about 20 ms per item)
    seen: list[tuple[str, list[str], int]] = []

    def fake(facts: str, charges: list[str], k: int = 10) -> list[str]:
        seen.append((facts, charges, k))
        return ["cail-1", "cail-2"]

    monkeypatch.setattr(sim, "similar_case_ids", fake)
    r = analyze_one(text, similar=True)
    assert r["similar_cases"] == ["cail-1", "cail-2"]
    assert seen and seen[0][1] == ["盗窃"] and seen[0][2] == 10


def test_similar_failure_leaves_the_analysis(monkeypatch) -> None:
    import models.similar as sim

    def broken(facts: str, charges: list[str], k: int = 10) -> list[str]:
        raise RuntimeError("store gone")

    monkeypatch.setattr(sim, "similar_case_ids", broken)
    r = analyze_one("被告人窃得被害人手机一部，价值人民币2960元。", similar=True)
    assert r["similar_cases"] == [] and r["charges"] == ["盗窃"]


def test_learned_term_model_and_combination() -> None:
    from models.sentencing import learned

    assert learned.model() is not None, "knowledge/guidelines/learned_term.npz is shipped"
    text = "被告人窃得被害人手机一部，经鉴定价值人民币2960元。到案后如实供述。"
    p = learned.predict_term(text, ["盗窃"])
    assert p is not None and 1 <= p <= 36
    c = learned.combined_term(text, ["盗窃"], None, 6)
    lo, hi = sorted((6, p))
    assert lo - 1 <= c <= hi + 1  # a log-scale mix of the two
    assert learned.combined_term(text, [], None, 6) == 6
    r = analyze_one(text)
    lo, hi = r["term_range_months"]
    assert lo <= r["term_months"] <= hi
