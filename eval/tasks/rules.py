"""`python -m eval rules`: how often each rule fires on the real judgments and on the generated
dev cases (clean ones separately: a warning/error there is a false alarm), and the cost of
evaluating the whole catalogue on one case."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

NAME = "rules"
HELP = "rule catalogue: fires per rule on real judgments and generated cases; catalogue benchmark"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--bench", type=int, default=200, help="cases for the catalogue benchmark")
    p.add_argument("--show", default="", help="print the messages of this rule id on real judgments")


def run(args: argparse.Namespace) -> int:
    from eval.datasets import load_generated, load_judgments
    from knowledge.rules import catalogue
    from models.checks.engine import run_checks
    from models.documents import parse_text
    from models.pipeline import build_case

    rules, problems = catalogue(None)
    real: Counter[str] = Counter()
    shown = []
    cases = []
    for row in load_judgments()[: args.limit]:
        case = build_case([parse_text(row["judgment"], source="judgment", kind="judgment")], row["id"])
        for f in run_checks(case, rules):
            real[(f.rule_id, f.severity)] += 1
            if f.rule_id == args.show:
                shown.append((row["id"], f.message))
    gen: Counter = Counter()
    clean: Counter = Counter()
    n_clean = 0
    for row in load_generated("dev", args.limit):
        docs = [parse_text(t, source=k, kind=k) for k, t in row["documents"].items() if t]
        case = build_case(docs, row["id"])
        cases.append(case)
        fs = run_checks(case, rules)
        n_clean += bool(row.get("clean"))
        for f in fs:
            gen[(f.rule_id, f.severity)] += 1
            if row.get("clean"):
                clean[(f.rule_id, f.severity)] += 1
    # benchmark: the whole catalogue (checks + conditions) on already-extracted cases
    bench = cases[: args.bench]
    t0 = time.perf_counter()
    for c in bench:
        run_checks(c, rules)
    ms = (time.perf_counter() - t0) * 1000 / max(1, len(bench))
    cond = [r for r in rules if r.condition]
    t0 = time.perf_counter()
    for c in bench:
        run_checks(c, cond)
    ms_cond = (time.perf_counter() - t0) * 1000 / max(1, len(bench))
    ids = sorted({r.id: r.severity for r in rules}.items())
    table = {rid: {"severity": sev, "real": real[(rid, sev)], "generated": gen[(rid, sev)],
                   "clean": clean[(rid, sev)]} for rid, sev in ids}
    out = {
        "command": "python -m eval rules",
        "rules": len(rules), "condition_rules": len(cond), "problems": [str(p) for p in problems],
        "real_judgments": len(load_judgments()[: args.limit]), "generated_cases": len(cases),
        "clean_cases": n_clean,
        "real_errors_warnings": sum(v for (r, s), v in real.items() if s != "info"),
        "clean_errors_warnings": sum(v for (r, s), v in clean.items() if s != "info"),
        "bench_ms_per_case_all_rules": round(ms, 3), "bench_ms_per_case_condition_rules": round(ms_cond, 3),
        "fires": {k: v for k, v in table.items() if v["real"] or v["generated"]},
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    for cid, msg in shown[:40]:
        print(cid, msg)
    return 0
