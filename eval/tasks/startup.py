"""`python -m eval bench-startup` — wall-clock start-up of one CLI call, as a person sees it.

Times, in fresh processes, ``jiancha check knowledge/samples/case-001``, ``jiancha analyze`` on a
sample facts file (the 查明 paragraph of the sample 起诉书) and ``jiancha similar`` on the same file
(the similar-case store is built once first into a temporary data directory), and reports the
median of --runs calls each. ``--before ROOT`` times a second source tree (e.g. an older commit
unpacked with ``git archive``) interleaved with this one, call by call, so both see the same machine
load. ``--profile`` adds a per-phase breakdown of the first call of each command: the slowest
imports (``python -X importtime``) and the functions with the most own time (cProfile).
Commands run as ``python -m models.cli …`` from the tree's root (what the ``jiancha`` script runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.results_md import replace_block

NAME = "bench-startup"
HELP = "speed: wall-clock of one jiancha check / analyze / similar call (fresh process, median)"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
SAMPLE = "knowledge/samples/case-001"
COMMANDS = ("check", "analyze", "similar")
TARGETS = {"check": 0.5, "analyze": 0.7, "similar": 0.7}  # seconds, issue 22


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=5, help="timed calls per command (median reported)")
    p.add_argument("--before", type=Path, default=None, help="root of an older source tree to time interleaved")
    p.add_argument("--data", type=Path, default=None,
                   help="a data dir with a built store, shared by the trees (default: build one per tree)")
    p.add_argument("--profile", action="store_true", help="per-phase breakdown (importtime, cProfile) of each first call")
    p.add_argument("--write", action="store_true", help="write the numbers into eval/RESULTS.md")


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def _facts(tmp: Path) -> Path:
    """The fact paragraph(s) of the sample 起诉书 (between 查明 and 本院认为) as a facts file."""
    text = (ROOT / SAMPLE / "起诉书.txt").read_text(encoding="utf-8")
    start = text.find("查明：")
    end = text.find("本院认为")
    facts = text[start + 3 : end if end > start else None].strip()
    out = tmp / "facts.txt"
    out.write_text(facts + "\n", encoding="utf-8")
    return out


def _argv(cmd: str, facts: Path) -> list[str]:
    return {"check": ["check", SAMPLE, "--json"], "analyze": ["analyze", str(facts), "--json"],
            "similar": ["similar", str(facts), "--json"]}[cmd]


def _env(data: Path, root: Path) -> dict[str, str]:
    """The caller's environment, with the data dir and tree; .pyc files are written (as an installed
    copy has them) even when this shell sets PYTHONDONTWRITEBYTECODE."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "JIANCHA_DATA_DIR": str(data), "PYTHONPATH": str(root)}


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _call(root: Path, data: Path, args: list[str], pre: list[str] | None = None,
          cpu: list[float] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run one CLI call; wall seconds (and, into ``cpu``, the child's user+sys seconds)."""
    c0, t = _cpu(), time.perf_counter()
    p = subprocess.run([sys.executable, *(pre or []), "-m", "models.cli", *args], cwd=root, env=_env(data, root),
                       capture_output=True, text=True, check=False)
    dt_ = time.perf_counter() - t
    if cpu is not None:
        cpu.append(_cpu() - c0)
    if p.returncode != 0:
        raise RuntimeError(f"{root}: jiancha {' '.join(args)} → exit {p.returncode}: {p.stderr[-2000:]}")
    return dt_, p


def _build(root: Path, data: Path) -> float:
    t = time.perf_counter()
    _call(root, data, ["index", "build"])
    return time.perf_counter() - t


def _importtime(stderr: str, top: int = 12) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time (ms) from ``-X importtime`` output."""
    per: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            cum = float(parts[1])
        except ValueError:
            continue
        name = parts[2]
        stripped = name.strip()
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth == 0:
            per[stripped] = per.get(stripped, 0.0) + cum / 1000
    return sorted(per.items(), key=lambda kv: -kv[1])[:top]


def _profile(root: Path, data: Path, args: list[str], tmp: Path, top: int = 15) -> dict[str, Any]:
    _, p = _call(root, data, args, ["-X", "importtime"])
    prof = tmp / "first.prof"
    wall, _ = _call(root, data, args, ["-m", "cProfile", "-o", str(prof)])
    buf = io.StringIO()
    st = pstats.Stats(str(prof), stream=buf)
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _callers) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        short = file.split("site-packages/")[-1].replace(str(root) + "/", "")
        rows.append({"function": f"{short}:{line}({fn})", "calls": nc, "own_s": round(tt, 3), "cum_s": round(ct, 3)})
    cum = []
    for (file, line, fn), (_cc, nc, _tt, ct, _callers) in sorted(st.stats.items(), key=lambda kv: -kv[1][3]):
        short = file.split("site-packages/")[-1].replace(str(root) + "/", "")
        if str(root) in file and ct >= 0.05:
            cum.append({"function": f"{short}:{line}({fn})", "calls": nc, "cum_s": round(ct, 3)})
    return {"imports_ms": [(n, round(ms, 1)) for n, ms in _importtime(p.stderr)],
            "total_profiled_s": round(st.total_tt, 3), "wall_profiled_s": round(wall, 3),
            "top_own": rows, "top_cum_project": cum[:15]}


def _bench(roots: dict[str, Path], runs: int, facts: Path, datas: dict[str, Path]
           ) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, list[float]]]]:
    """Wall and CPU seconds per call, by tree and command."""
    times: dict[str, dict[str, list[float]]] = {lab: {c: [] for c in COMMANDS} for lab in roots}
    cpus: dict[str, dict[str, list[float]]] = {lab: {c: [] for c in COMMANDS} for lab in roots}
    for lab, root in roots.items():  # one untimed call each: disk cache, jieba cache, .pyc files
        for c in COMMANDS:
            _call(root, datas[lab], _argv(c, facts))
    for _ in range(runs):
        for c in COMMANDS:
            for lab, root in roots.items():
                dt_, _ = _call(root, datas[lab], _argv(c, facts), cpu=cpus[lab][c])
                times[lab][c].append(dt_)
    return times, cpus


def _same_outputs(roots: dict[str, Path], facts: Path, datas: dict[str, Path]) -> dict[str, bool]:
    """Whether both trees print the same JSON for each command (check: minus timings)."""
    out: dict[str, bool] = {}
    for c in COMMANDS:
        res = []
        for lab, root in roots.items():
            _, p = _call(root, datas[lab], _argv(c, facts))
            d = json.loads(p.stdout)
            if isinstance(d, dict):
                d.pop("timings_ms", None)
            res.append(d)
        out[c] = all(r == res[0] for r in res)
    return out


def _write(lines: list[str]) -> None:
    body = "<!-- startup:start -->\n" + "\n".join(lines) + "\n<!-- startup:end -->"
    replace_block(RESULTS, "startup", body)


def run(args: argparse.Namespace) -> int:
    load_before = _uptime()
    print("load:", load_before)
    roots = {"now": ROOT}
    if args.before:
        roots = {"before": args.before.resolve(), "now": ROOT}
    with tempfile.TemporaryDirectory(prefix="jiancha-startup-") as t:
        tmp = Path(t)
        facts = _facts(tmp)
        datas = {lab: args.data.resolve() if args.data else tmp / f"data-{lab}" for lab in roots}
        builds = {}
        for lab, root in roots.items():
            if args.data is None:
                builds[lab] = round(_build(root, datas[lab]), 1)
                print(f"store built for {lab} in {builds[lab]} s")
        profiles = {}
        if args.profile:
            for lab, root in roots.items():
                for c in COMMANDS:
                    profiles[(lab, c)] = _profile(root, datas[lab], _argv(c, facts), tmp)
        times, cpus = _bench(roots, args.runs, facts, datas)
        same = _same_outputs(roots, facts, datas) if len(roots) > 1 else {}
    load_after = _uptime()
    med = {lab: {c: statistics.median(v) for c, v in d.items()} for lab, d in times.items()}
    mcpu = {lab: {c: statistics.median(v) for c, v in d.items()} for lab, d in cpus.items()}
    print(json.dumps({"median_s": med, "median_cpu_s": mcpu, "runs_s": times, "same_output": same}, indent=1))
    for (lab, c), pr in profiles.items():
        print(f"\n== {lab} {c}: first call under cProfile {pr['wall_profiled_s']} s wall, {pr['total_profiled_s']} s profiled")
        print("  imports (ms, cumulative, top-level):", ", ".join(f"{n} {ms:.0f}" for n, ms in pr["imports_ms"]))
        for r in pr["top_own"]:
            print(f"  own {r['own_s']:7.3f}  cum {r['cum_s']:7.3f}  {r['calls']:8d}  {r['function']}")
        print("  project functions by cumulative time:")
        for r in pr["top_cum_project"]:
            print(f"  cum {r['cum_s']:7.3f}  {r['calls']:8d}  {r['function']}")
    print("load:", load_before, "→", load_after)
    if args.write:
        cmd = "python -m eval bench-startup" + (f" --runs {args.runs}" if args.runs != 5 else "") + (
            f" --before {args.before}" if args.before else "") + (" --data DIR" if args.data else "") + (" --profile" if args.profile else "") + " --write"
        labs = list(roots)
        head = ("| command | " + " | ".join(f"{lab} median s" for lab in labs) + " | target s | "
                + " | ".join(f"{lab} CPU s" for lab in labs) + " | wall runs (s) |")
        lines = [f"## Start-up: one CLI call (eval/tasks/startup.py) — {dt.date.today().isoformat()}", "",
                 f"Command: `{cmd}`", "",
                 "Fresh process per call (`python -m models.cli …`, what the `jiancha` script runs), wall clock, "
                 f"median of {args.runs} after one untimed call; commands of the trees interleaved call by call; "
                 "CPU = the child's user+sys seconds (median), less sensitive to the machine's load. "
                 "`similar`/`analyze` read the 查明 paragraph of the sample 起诉书 (no charge named: the gate's "
                 "classifier runs); the store is the default `jiancha index build` (see below).", "",
                 head, "|---|" + "---:|" * (2 * len(labs) + 1) + "---|"]
        for c in COMMANDS:
            runs_txt = "; ".join(f"{lab}: " + ", ".join(f"{x:.2f}" for x in times[lab][c]) for lab in labs)
            lines.append(f"| {' '.join(_argv(c, Path('facts.txt')))} | "
                         + " | ".join(f"**{med[lab][c]:.2f}**" for lab in labs) + f" | {TARGETS[c]} | "
                         + " | ".join(f"{mcpu[lab][c]:.2f}" for lab in labs) + f" | {runs_txt} |")
        if same:
            lines += ["", "Same JSON output before/now (check without timings): "
                      + ", ".join(f"{c} {'yes' if v else 'NO'}" for c, v in same.items()) + "."]
        lines += ["", ("Store build (`jiancha index build`, default cases): " + ", ".join(
            f"{lab} {s} s" for lab, s in builds.items()) + ".") if builds else
            "Store: one data dir built beforehand by `jiancha index build` (default cases), shared by the trees.",
                  "", f"Machine load (2 cores shared with ~7 other jobs): before `{load_before}`; after `{load_after}`."]
        _write(lines)
        print(f"written to {RESULTS}")
    return 0

