"""`python -m eval sentencing` — the guideline engine alone, per expert, on the real CAIL cases
(charge given): CAIL2018 term score and the share within ±25%. Uses the fixed split of
knowledge/training/cail.jsonl.gz (eval/analyze); dev by default — report test only once, never tune on it."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

NAME = "sentencing"
HELP = "guideline engine per expert: CAIL term score and ±25%% share on the real cases (charge given)"
RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=["train", "dev", "test"], default="dev")
    p.add_argument("--write", action="store_true", help="write the numbers into eval/RESULTS.md")


def cail_score(pred: float, gold: float) -> float:
    v = abs(math.log(pred + 1) - math.log(gold + 1))
    for th, s in ((0.2, 1.0), (0.4, 0.8), (0.6, 0.6), (0.8, 0.4), (1.0, 0.2)):
        if v <= th:
            return s
    return 0.0


def evaluate(split: str) -> dict[str, Any]:
    from eval.analyze import load_cail
    from models.experts import for_charge
    from models.sentencing.engine import suggest_many

    by: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for r in load_cail(split):
        if r["life"] or r["death"] or not r["charges"]:
            continue
        s = suggest_many(r["fact"], r["charges"])
        p = float(s.term_months) if s and s.term_months is not None else 0.0
        g = float(r["prison_months"])
        item = (cail_score(p, g), abs(p - g) <= 0.25 * g)
        if len(r["charges"]) > 1:
            key = "数罪 (several charges)"
        else:
            e = for_charge(r["charges"][0])
            key = e.name if e else "generic"
        by[key].append(item)
        by["ALL single" if len(r["charges"]) == 1 else "ALL several"].append(item)
        by["ALL"].append(item)
    return {k: {"n": len(v), "score": round(100 * sum(x[0] for x in v) / len(v), 1),
                "within25": round(100 * sum(x[1] for x in v) / len(v), 1)} for k, v in sorted(by.items())}


def run(args: argparse.Namespace) -> int:
    res = evaluate(args.split)
    lines = [f"{'expert':24s} {'n':>5s} {'score':>6s} {'±25%':>6s}"]
    for k, v in res.items():
        lines.append(f"{k:24s} {v['n']:5d} {v['score']:6.1f} {v['within25']:6.1f}")
    print("\n".join(lines))
    if args.write:
        _write(args.split, lines)
    return 0


def _write(split: str, lines: list[str]) -> None:
    start, end = "<!-- sentencing:start -->", "<!-- sentencing:end -->"
    body = (f"{start}\n## Guideline engine (charge given), {split} split\n\n"
            f"`python -m eval sentencing --split {split}` ({dt.date.today().isoformat()}); CAIL2018 term score "
            "(|ln(p+1)−ln(g+1)| buckets) and share within ±25%, real CAIL cases without 无期/死刑.\n\n```\n"
            + "\n".join(lines) + f"\n```\n{end}")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: body, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    RESULTS.write_text(text, encoding="utf-8")
