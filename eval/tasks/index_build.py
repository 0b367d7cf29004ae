"""`python -m eval index-build --cases 100000` — a from-scratch `jiancha index build` of N cases:
wall time, CPU seconds and peak memory (the build process and its worker processes together).

The N cases are synthetic variants of the real ones (``similar._variants``: numbers scaled, one
sentence dropped, one of another case of the same charge appended), written to a JSON-lines file
and built by the real command, ``python -m models.cli index build --from FILE --rebuild --path DIR``,
in a fresh process with its own data directory: segmentation, the embedder's fit, the legal frame,
Chroma and BM25 are all inside the time (nothing cached from another run). Peak memory is the
largest sum of the resident sizes of the build process and its children, sampled every 0.1 s;
CPU seconds are the process's and its waited-for children's (``RUSAGE_CHILDREN``).
``--before ROOT`` builds the same file with an older source tree (``git archive`` of a commit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from eval.results_md import replace_block

NAME = "index-build"
HELP = "speed: from-scratch jiancha index build of N synthetic cases (wall, CPU, peak RSS with children)"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
OUT = ROOT / "eval" / "out" / "index_build"
TARGET_S, TARGET_MB = 150, 1200  # issue 22


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=100000, help="synthetic cases to build from")
    p.add_argument("--before", type=Path, default=None, help="root of an older source tree to build the same file")
    p.add_argument("--keep", action="store_true", help="keep the built store (default: removed, disk is shared)")
    p.add_argument("--no-write", action="store_true", help="do not rewrite eval/RESULTS.md")


def _cases_file(n: int) -> Path:
    """The N synthetic cases as JSON lines (made once per N; the generator is seeded)."""
    from eval.tasks.similar import _variants

    f = OUT / f"cases_{n}.jsonl.gz"
    if f.exists():
        return f
    OUT.mkdir(parents=True, exist_ok=True)
    _real, recs, _ = _variants(n, with_tokens=False)
    tmp = f.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as g:
        for r in recs:
            g.write(json.dumps({"id": r.id, "fact": r.fact, "charges": r.charges, "articles": r.articles,
                                "term_months": r.term_months, "fine_yuan": r.fine_yuan, "life": r.life,
                                "death": r.death, "source": r.source}, ensure_ascii=False) + "\n")
    os.replace(tmp, f)
    return f


def _tree_mem_kb(pid: int) -> tuple[int, int, int]:
    """(RSS of ``pid``, RSS summed over ``pid`` and its descendants, PSS summed over them) in kB.
    Forked workers share the parent's pages until written, so the RSS sum counts shared pages once
    per process; PSS (proportional set size) divides each shared page among its sharers: the sum is
    the physical memory the build holds."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            st = (d / "stat").read_text()
            kids.setdefault(int(st[st.rindex(")") + 2 :].split()[1]), []).append(int(d.name))
        except (OSError, ValueError):
            continue
    own = rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    v = int(line.split()[1])
                    rss += v
                    own = v if p == pid else own
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return own, rss, pss


def _build(root: Path, cases: Path, store: Path, data: Path, sample: bool = True) -> dict[str, Any]:
    """One build. ``sample``: read the process tree's memory every 0.1 s (walking /proc and the
    workers' smaps costs CPU the 2-core build competes for: the timed run does not sample)."""
    env = {**os.environ, "JIANCHA_DATA_DIR": str(data), "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-m", "models.cli", "index", "build", "--from", str(cases), "--rebuild",
           "--path", str(store)]
    shutil.rmtree(store, ignore_errors=True)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = os.getloadavg()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak_parent = peak_tree = peak_pss = 0
    while sample and proc.poll() is None:
        a, b, c = _tree_mem_kb(proc.pid)
        peak_parent, peak_tree, peak_pss = max(peak_parent, a), max(peak_tree, b), max(peak_pss, c)
        time.sleep(0.1)
    proc.wait()
    wall = time.perf_counter() - t
    out = proc.stdout.read() if proc.stdout else ""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"index build failed ({proc.returncode}): {out[-500:]}")
    info = json.loads(out.strip().splitlines()[-1])
    disk = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    return {"root": str(root), "added": info.get("added"), "count": info.get("count"), "wall_s": round(wall, 1),
            "cpu_s": round(ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime, 1),
            "peak_pss_mb_tree": round(peak_pss / 1024), "peak_rss_mb_tree": round(peak_tree / 1024),
            "peak_rss_mb_build_process": round(peak_parent / 1024),
            "disk_mb": round(disk / 2**20, 1), "load_avg_start": [round(x, 2) for x in load0],
            "load_avg_end": [round(x, 2) for x in os.getloadavg()]}


def render(res: dict[str, Any]) -> str:
    rows = []
    for lab, r in res["runs"].items():
        rows.append(f"| {lab} | {r['count']:,} | {r['wall_s']} | {r['cpu_s']} | {round(r['count'] / r['wall_s'])} | "
                    f"{r.get('wall_s_sampled', '')} | "
                    f"{r['peak_pss_mb_tree']} | {r['peak_rss_mb_tree']} | {r['peak_rss_mb_build_process']} | {r['disk_mb']} | "
                    f"{'/'.join(map(str, r['load_avg_start']))} → {'/'.join(map(str, r['load_avg_end']))} |")
    return "\n".join([
        "<!-- index-build:start -->",
        f"## Index build from scratch — {res['date']}",
        "",
        f"Command: `{res['command']}` (eval/out/index_build/build_{res['cases']}.json). The real command "
        "`jiancha index build --from FILE --rebuild` in a fresh process on N synthetic variants of the real "
        "cases (similar._variants; nothing pre-tokenised or cached): segmentation, the embedder's fit (on at most "
        "`fit_max_cases` of them), legal frames, Chroma and BM25 all timed. Each tree builds twice from scratch: "
        "a timed build nobody observes (wall, CPU), then a build whose memory is sampled every 0.1 s over the build "
        "process and its worker processes (its wall time beside: walking /proc and the workers' smaps competes "
        "for the 2 cores): peak memory = the largest sum of their PSS (shared pages divided among "
        "the forked workers that share them: the physical memory held); the RSS sum counts a shared page once per "
        "process. CPU s = user + system of "
        f"the process and its workers. {os.cpu_count()} CPUs; load average (1/5/15 min) at start → end beside "
        f"each run: on a shared machine wall time is pessimistic. Target (issue 22): ≤ {TARGET_S} s, ≤ "
        f"{TARGET_MB} MB.",
        "",
        "| tree | cases | wall s | CPU s | cases/s | wall s, memory sampled | peak memory MB (PSS, all processes) | "
        "peak RSS sum MB | peak RSS MB build process | disk MB | load avg start → end |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "<!-- index-build:end -->",
    ])


def run(args: argparse.Namespace) -> int:
    cases = _cases_file(args.cases)
    res: dict[str, Any] = {"date": dt.date.today().isoformat(), "cases": args.cases,
                           "command": f"python -m eval index-build --cases {args.cases}"
                           + (" --before ROOT" if args.before else ""), "runs": {}}
    work = OUT / f"work_{args.cases}"
    roots = {"now": ROOT} if not args.before else {"before": args.before.resolve(), "now": ROOT}
    for lab, root in roots.items():
        # two builds from scratch: the timed one unobserved, then one whose memory is sampled
        timed = _build(root, cases, work / f"store-{lab}", work / f"data-{lab}", sample=False)
        mem = _build(root, cases, work / f"store-{lab}", work / f"data-{lab}-mem")
        r = {**mem, "wall_s": timed["wall_s"], "cpu_s": timed["cpu_s"], "load_avg_start": timed["load_avg_start"],
             "wall_s_sampled": mem["wall_s"], "cpu_s_sampled": mem["cpu_s"]}
        res["runs"][lab] = r
        print(lab, json.dumps(r, ensure_ascii=False), flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"build_{args.cases}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.no_write:
        replace_block(RESULTS, NAME, render(res))
    return 0
