"""`python -m eval rules`: how often each rule fires on the 501 real judgments (judgment alone)
and on the generated dev cases (clean ones separately: a warning/error there is a false alarm),
with sample firings to read; `--bench`: the cost of evaluating the whole catalogue on one case.

The review of sampled firings (how many read, how many false alarms, a note) is data in
``eval/tasks/rules_review.yaml``; `--write` puts the table into eval/RESULTS.md between the
``<!-- rules:start -->`` and ``<!-- rules:end -->`` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

NAME = "rules"
HELP = "rule catalogue: fires per rule on real judgments and generated cases; --bench: ms per case"

HERE = Path(__file__).resolve().parent
REVIEW = HERE / "rules_review.yaml"
RESULTS = HERE.parent / "RESULTS.md"
OUT = HERE.parent / "out"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="at most this many real and generated cases")
    p.add_argument("--bench", action="store_true", help="benchmark only: ms per case for the whole catalogue")
    p.add_argument("--n", type=int, default=600, help="benchmark cases (half real judgments, half generated)")
    p.add_argument("--profile", action="store_true", help="with --bench: print the top cProfile entries")
    p.add_argument("--samples", type=int, default=8, help="sample firings per rule written to eval/out")
    p.add_argument("--show", default="", help="print every firing of this rule id")
    p.add_argument("--write", action="store_true", help="write the table into eval/RESULTS.md")


# --------------------------------------------------------------------------- cases


def _real_cases(limit: int | None) -> list:
    from eval.datasets import load_judgments
    from models.documents import parse_text
    from models.pipeline import build_case

    return [build_case([parse_text(row["judgment"], source="judgment", kind="judgment")], row["id"])
            for row in load_judgments()[:limit]]


def _generated_cases(limit: int | None) -> list[tuple[Any, bool]]:
    from eval.datasets import load_generated
    from models.documents import parse_text
    from models.pipeline import build_case

    out = []
    for row in load_generated("dev", limit):
        docs = [parse_text(t, source=k, kind=k) for k, t in row["documents"].items() if t]
        out.append((build_case(docs, row["id"]), bool(row.get("clean"))))
    return out


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --------------------------------------------------------------------------- benchmark


def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Median / p95 of evaluating the whole catalogue (``run_checks``: the facts view, every
    condition rule, every registered Python check, rendering and de-duplication of findings)
    on already-extracted cases. Parsing and extraction are excluded.

    Each measured case is evaluated once, cold: some checks cache per case or per text (the
    experts' amount reading), and in the pipeline the rules component runs before the experts
    component, so a second pass over the same case would flatter them. Compiling the catalogue
    and the statute lookups are warmed on 30 other cases first. The time of each Python check
    is taken inside the same pass (a thin timing wrapper around each registered check)."""
    from knowledge.rules import catalogue
    from models.checks import engine
    from models.checks.engine import registered_checks, run_checks

    half = max(1, args.n // 2)
    warm = 30
    real = _real_cases(half + warm // 2)
    gen = [c for c, _ in _generated_cases(args.n - half + warm // 2)]
    warm_cases = real[:warm // 2] + gen[:warm // 2]
    cases = real[warm // 2:] + gen[warm // 2:]
    rules, _ = catalogue(None)
    cond = tuple(r for r in rules if r.condition)
    for c in warm_cases:  # compiled conditions, statute and charge lookups
        run_checks(c, rules)

    spent: dict[str, float] = defaultdict(float)
    originals = dict(registered_checks())

    def timed_check(name: str, fn: Any) -> Any:
        def run(ctx: Any) -> list:
            c0 = time.process_time()
            try:
                return list(fn(ctx))
            finally:
                spent[name] += time.process_time() - c0
        return run

    def stats(xs: list[float]) -> dict[str, float]:
        xs = sorted(xs)
        return {"median": round(statistics.median(xs), 3), "p95": round(xs[int(0.95 * (len(xs) - 1))], 3),
                "mean": round(statistics.mean(xs), 3)}

    load_before = _load()
    wall: list[float] = []
    cpu: list[float] = []
    engine._REGISTRY.update({k: timed_check(k, fn) for k, fn in originals.items()})
    try:
        for c in cases:
            t0, c0 = time.perf_counter(), time.process_time()
            run_checks(c, rules)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    finally:
        engine._REGISTRY.update(originals)
    cwall: list[float] = []
    for c in cases:
        t0 = time.perf_counter()
        run_checks(c, cond)
        cwall.append((time.perf_counter() - t0) * 1000)
    used = {r.check for r in rules if r.check}
    per_check = {k: round(v * 1000 / len(cases), 4) for k, v in spent.items() if k in used}
    out = {
        "command": f"python -m eval rules --bench --n {args.n}",
        "date": dt.date.today().isoformat(),
        "what": "run_checks(case, whole catalogue): facts view + all condition rules + all registered "
                "Python checks + rendering of findings; extraction excluded; each case evaluated once (cold)",
        "cases": len(cases), "rules": len(rules), "condition_rules": len(cond),
        "load_average_before": load_before, "load_average_after": _load(),
        "ms_per_case_wall": stats(wall), "ms_per_case_cpu": stats(cpu),
        "ms_per_case_condition_rules_only_wall": stats(cwall),
        "ms_per_case_python_checks_cpu": round(sum(per_check.values()), 3),
        "ms_per_case_per_check": dict(sorted(per_check.items(), key=lambda kv: -kv[1])),
    }
    if args.profile:
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        for c in cases:
            run_checks(c, rules)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(30)
    return out


# --------------------------------------------------------------------------- fire counts


def _evidence(case: Any, f: Any, width: int = 70) -> str:
    for sp in f.spans:
        doc = case.document(sp.document)
        if doc is not None:
            s = doc.text[sp.start:sp.end].replace("\n", " ")
            return s if len(s) <= width else s[:width] + "…"
    return ""


def fires(args: argparse.Namespace) -> dict[str, Any]:
    from knowledge.rules import catalogue
    from models.checks.engine import run_checks

    rules, problems = catalogue(None)
    sev = {r.id: r.severity for r in rules}
    src = {r.id: Path(r.file).name for r in rules}
    real: Counter[str] = Counter()
    gen: Counter[str] = Counter()
    clean: Counter[str] = Counter()
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    real_cases = _real_cases(args.limit)
    for case in real_cases:
        for f in run_checks(case, rules):
            real[f.rule_id] += 1
            examples[f.rule_id].append({"set": "real", "case": case.case_id, "defendant": f.defendant,
                                        "message": f.message, "evidence": _evidence(case, f)})
    gen_cases = _generated_cases(args.limit)
    n_clean = 0
    for case, is_clean in gen_cases:
        n_clean += is_clean
        for f in run_checks(case, rules):
            gen[f.rule_id] += 1
            clean[f.rule_id] += is_clean
            examples[f.rule_id].append({"set": "clean" if is_clean else "generated", "case": case.case_id,
                                        "defendant": f.defendant, "message": f.message,
                                        "evidence": _evidence(case, f)})
    # a fixed-seed sample per rule, real judgments and clean cases first (false alarms live there)
    rng = random.Random(5)
    OUT.mkdir(exist_ok=True)
    with open(OUT / "rules_samples.jsonl", "w", encoding="utf-8") as fh:
        for rid in sorted(examples):
            xs = examples[rid]
            pri = [x for x in xs if x["set"] != "generated"]
            rest = [x for x in xs if x["set"] == "generated"]
            pick = rng.sample(pri, min(len(pri), args.samples))
            pick += rng.sample(rest, min(len(rest), max(0, args.samples - len(pick))))
            for x in pick:
                fh.write(json.dumps({"rule": rid, "severity": sev.get(rid), **x}, ensure_ascii=False) + "\n")
    table = {rid: {"severity": sev[rid], "real": real[rid], "generated": gen[rid], "clean": clean[rid]}
             for rid in sorted(sev) if real[rid] or gen[rid]}
    if args.show:
        for x in examples.get(args.show, []):
            print(x["set"], x["case"], x.get("defendant") or "", x["message"], "|", x["evidence"])
    return {
        "command": "python -m eval rules" + (f" --limit {args.limit}" if args.limit else ""),
        "date": dt.date.today().isoformat(),
        "rules": len(rules), "condition_rules": sum(1 for r in rules if r.condition),
        "problems": [str(p) for p in problems],
        "real_judgments": len(real_cases), "generated_cases": len(gen_cases), "clean_cases": n_clean,
        "real_errors_warnings": sum(v for r, v in real.items() if sev.get(r) != "info"),
        "clean_errors_warnings": sum(v for r, v in clean.items() if sev.get(r) != "info"),
        "real_errors_warnings_by_file": dict(Counter(
            {f: sum(v for r, v in real.items() if src.get(r) == f and sev.get(r) != "info")
             for f in set(src.values())}).most_common()),
        "rules_firing": len(table),
        "fires": table,
        "samples_file": str((OUT / "rules_samples.jsonl").relative_to(HERE.parent.parent)),
    }


# --------------------------------------------------------------------------- RESULTS.md


def _review() -> dict[str, Any]:
    if not REVIEW.is_file():
        return {}
    data = yaml.safe_load(REVIEW.read_text(encoding="utf-8")) or {}
    return data


def render_section(res: dict[str, Any], bench_res: dict[str, Any] | None) -> str:
    review = _review()
    reviewed = review.get("rules", {})
    lines = ["<!-- rules:start -->", f"## Rule catalogue (issue 5) — {res['date']}", ""]
    lines += [
        f"Catalogue: {res['rules']} rules ({res['condition_rules']} declarative conditions over the facts view, "
        "the rest decided by registered Python checks); `jiancha rules lint` reports "
        f"{len(res['problems'])} problems. Fire counts: `{res['command']}` on the {res['real_judgments']} real "
        f"judgments (judgment alone) and the {res['generated_cases']} generated dev cases "
        f"({res['clean_cases']} of them clean, i.e. without an injected error). Errors/warnings on the "
        f"real judgments: {res['real_errors_warnings']}; on clean generated cases: {res['clean_errors_warnings']}.",
        "",
    ]
    by_file = {k: v for k, v in (res.get("real_errors_warnings_by_file") or {}).items() if v}
    if by_file:
        lines += ["Errors/warnings on the real judgments by catalogue file: "
                  + ", ".join(f"{k} {v}" for k, v in by_file.items()) + ".", ""]
    lines += [f"- {x}" for x in review.get("summary", [])]
    if review.get("summary"):
        lines.append("")
    if bench_res:
        w, c, cw = (bench_res["ms_per_case_wall"], bench_res["ms_per_case_cpu"],
                    bench_res["ms_per_case_condition_rules_only_wall"])
        top = list(bench_res["ms_per_case_per_check"].items())[:3]
        lines += [
            f"Benchmark (`{bench_res['command']}`, {bench_res['date']}, load average "
            f"{bench_res['load_average_before']} → {bench_res['load_average_after']}, 2 cores shared): "
            f"whole catalogue on {bench_res['cases']} already-extracted cases (half real judgments, half "
            f"generated three-document cases): median {w['median']} ms, p95 {w['p95']} ms wall "
            f"(CPU time median {c['median']} ms, p95 {c['p95']} ms); condition rules alone median "
            f"{cw['median']} ms, p95 {cw['p95']} ms (wall). At a load average above the two cores, wall time is "
            "mostly waiting for a core; CPU time is what a case costs, and the idle rerun gives the wall number. "
            f"Included: {bench_res['what']}. Slowest Python checks "
            f"(CPU ms per case; all Python checks {bench_res.get('ms_per_case_python_checks_cpu')} ms): " + ", ".join(f"{k} {v}" for k, v in top) + ".",
            "",
        ]
    lines += [
        "Fires per rule (rules that never fired are omitted). *real* = the real judgments, *generated* = "
        "all generated dev cases (most carry an injected error, so firings there are mostly intended), "
        "*clean* = the clean generated cases among them. *sampled* = firings read (real and clean first), "
        "*false* = false alarms among them (before the fix named in the note, if any).",
        "",
        "| rule | severity | real | generated | clean | sampled | false | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rid, v in sorted(res["fires"].items(), key=lambda kv: -(kv[1]["real"] + kv[1]["generated"])):
        rv = reviewed.get(rid, {})
        note = str(rv.get("note", "")).replace("|", "/").replace("\n", " ")
        lines.append(f"| {rid} | {v['severity']} | {v['real']} | {v['generated']} | {v['clean']} | "
                     f"{rv.get('sampled', '')} | {rv.get('false_alarms', '')} | {note} |")
    lines += ["<!-- rules:end -->"]
    return "\n".join(lines)


def write_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    a, b = text.index("<!-- rules:start -->"), text.index("<!-- rules:end -->") + len("<!-- rules:end -->")
    RESULTS.write_text(text[:a] + section + text[b:], encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    if args.bench:
        res = bench(args)
        print(json.dumps(res, ensure_ascii=False, indent=1))
        (OUT).mkdir(exist_ok=True)
        (OUT / "rules_bench.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0
    res = fires(args)
    (OUT).mkdir(exist_ok=True)
    (OUT / "rules_fires.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.show:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    if args.write:
        bench_file = OUT / "rules_bench.json"
        bench_res = json.loads(bench_file.read_text(encoding="utf-8")) if bench_file.is_file() else None
        write_results(render_section(res, bench_res))
        print(f"wrote {RESULTS}")
    return 0
