"""`python -m eval rule-sources`: fire counts of every catalogue rule on the 501 real judgments
(judgment alone, no case-management export), summed by legal source (the rule's primary source,
``knowledge/rules/sources.py``); the per-rule list goes to eval/rule_sources_fires.md, `--write`
puts the by-source table into eval/RESULTS.md between the ``rule-sources`` markers.

The review of each error/warning firing is the rule's own ``review:`` field (shown in the list).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

NAME = "rule-sources"
HELP = "fire counts per rule and per legal source on the 501 real judgments (judgment alone)"
HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "RESULTS.md"
LIST = HERE.parent / "rule_sources_fires.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="at most this many judgments")
    p.add_argument("--write", action="store_true", help="write the table to eval/RESULTS.md and the list file")


def run(a: argparse.Namespace) -> int:
    from eval.datasets import load_judgments
    from eval.results_md import replace_block
    from knowledge.rules import catalogue
    from knowledge.rules.sources import sources_of
    from models.documents import parse_text
    from models.pipeline import build_case, check_case

    rules, _ = catalogue()
    rows = load_judgments()[: a.limit]
    fires: Counter[str] = Counter()
    cases: dict[str, set[str]] = defaultdict(set)
    t0 = time.perf_counter()
    for row in rows:
        case = build_case([parse_text(row["judgment"], source="judgment", kind="judgment")], row["id"])
        for f in check_case(case).findings:
            fires[f.rule_id] += 1
            cases[f.rule_id].add(row["id"][:8])
    secs = time.perf_counter() - t0
    by_src: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])  # rules, fired rules, findings, error/warning findings
    for r in rules:
        s = by_src[sources_of(r)[0]]
        s[0] += 1
        s[1] += bool(fires[r.id])
        s[2] += fires[r.id]
        s[3] += fires[r.id] if r.severity in ("error", "warning") else 0
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    today = dt.date.today().isoformat()
    table = ["| primary source | rules | rules that fired | findings | of which error/warning |", "|---|---|---|---|---|"]
    for name, (n, nf, k, kw) in sorted(by_src.items(), key=lambda kv: -kv[1][0]):
        table.append(f"| {name} | {n} | {nf} | {k} | {kw} |")
    tot = [sum(v[i] for v in by_src.values()) for i in range(4)]
    table.append(f"| **all** | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} |")
    print("\n".join(table))
    print(f"{len(rows)} judgments in {secs:.1f} s, load average {load}")
    if not a.write:
        return 0
    lines = [f"# Rule fire counts on the {len(rows)} real judgments (judgment alone)", "",
             f"`python -m eval rule-sources --write`, {today}. Every rule of the catalogue, its primary source, "
             "its file, severity, findings, up to five case ids (first 8 characters) and its `review:` note "
             "(the reading of its real firings).", "",
             "| rule | source | file | severity | findings | cases | review |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: (-fires[r.id], r.id)):
        ids = ", ".join(sorted(cases[r.id])[:5])
        note = r.review.replace("|", "/")
        lines.append(f"| {r.id} | {sources_of(r)[0]} | {Path(r.file).name} | {r.severity} | {fires[r.id]} | {ids} | {note} |")
    LIST.write_text("\n".join(lines) + "\n", encoding="utf-8")
    body = "\n".join([
        "<!-- rule-sources:start -->",
        f"## Rule catalogue by source (issue 23; eval/tasks/rule_sources.py) — {today}", "",
        f"`python -m eval rule-sources --write` ({len(rows)} real judgments, judgment alone, no case-management "
        f"export; {secs:.0f} s at load average {load} on 2 shared cores). Per-rule counts with the case ids and "
        "the review of each rule's firings: [eval/rule_sources_fires.md](rule_sources_fires.md).", "",
        *table, "",
        "<!-- rule-sources:end -->"])
    replace_block(RESULTS, "rule-sources", body)
    return 0
