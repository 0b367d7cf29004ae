"""`python -m eval batch-ray`: batch review on the process pool and on a two-node Ray cluster.

Starts a Ray cluster on this machine, loopback only, with Ray's own commands: ``ray start --head``
and a second node ``ray start --address`` (one CPU each, by default), in a temp dir with its own
auth token; stops exactly the processes it started at the end. Then, on the same N generated cases
(eval/data/generated_dev, cycled when N exceeds it — distinct folders, same texts):

1. ``jiancha batch --workers W`` (the process pool) — the reference;
2. ``jiancha batch --ray ADDRESS`` — reports compared with the reference (timings excluded);
3. ``jiancha batch --ray ADDRESS`` again, a busy Ray worker process SIGKILLed once K cases are
   recorded — the batch must complete with every case recorded once and equal to the reference.

``--only ray`` skips 1 and 3 (the 10,000-case run). Load average and peak memory are recorded
next to each speed (RSS sampled every 0.2 s: the batch process and its pool children; the Ray
cluster's processes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from eval.results_md import replace_block
from eval.tasks.batch import FILES, _db_check, _norm, _read_jsonl, _recorded

NAME = "batch-ray"
HELP = "batch review: process pool vs a 2-node local Ray cluster; identical reports, worker kill, cases/s, memory"

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
RAY_IP = "127.0.0.2"  # loopback; Ray turns "127.0.0.1" into the machine's outward address in cluster mode


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2, help="pool processes; Ray CPUs in total (split over 2 nodes)")
    p.add_argument("--kill-at", type=float, default=0.4)
    p.add_argument("--only", choices=["all", "ray"], default="all")
    p.add_argument("--no-write", action="store_true")


def build_cases(dest: Path, n: int) -> int:
    from eval.datasets import load_generated

    rows = load_generated("dev", n)
    for i in range(n):
        d = dest / f"case-{i:05d}"
        d.mkdir(parents=True, exist_ok=True)
        for kind, text in rows[i % len(rows)]["documents"].items():
            if text and kind in FILES:
                (d / FILES[kind]).write_text(text, encoding="utf-8")
    return len(rows)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _procs() -> dict[int, tuple[int, str, int]]:
    """pid → (ppid, cmdline, rss kB) of every process."""
    out = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (p / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            rss = int(stat.rsplit(")", 1)[1].split()[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, ValueError, IndexError):
            continue
        out[int(p.name)] = (ppid, cmd, rss)
    return out


def _tree(procs: dict[int, tuple[int, str, int]], roots: set[int]) -> set[int]:
    kids: dict[int, list[int]] = {}
    for pid, (pp, _c, _r) in procs.items():
        kids.setdefault(pp, []).append(pid)
    seen, todo = set(), list(roots)
    while todo:
        x = todo.pop()
        if x in seen or x not in procs:
            continue
        seen.add(x)
        todo.extend(kids.get(x, []))
    return seen


class Cluster:
    """A head and a second node (``ray start``) on loopback, in their own temp dir."""

    def __init__(self, work: Path, cpus: tuple[int, int]) -> None:
        self.dir = work / "ray"
        self.dir.mkdir(parents=True, exist_ok=True)
        token = work / "ray_token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        self.env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1", "RAY_AUTH_MODE": "token",
                    "RAY_AUTH_TOKEN_PATH": str(token), "RAY_USAGE_STATS_ENABLED": "0"}
        self.port = _free_port()
        self.address = f"{RAY_IP}:{self.port}"
        ray = str(Path(sys.executable).parent / "ray")
        self.commands = [
            [ray, "start", "--head", "--node-ip-address", RAY_IP, "--port", str(self.port), "--num-cpus",
             str(cpus[0]), "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(self.dir)],
            [ray, "start", "--address", self.address, "--node-ip-address", RAY_IP, "--num-cpus", str(cpus[1]),
             "--disable-usage-stats"],
        ]
        for c in self.commands:
            subprocess.run(c, check=True, env=self.env, capture_output=True, timeout=180)

    def pids(self, procs: dict[int, tuple[int, str, int]] | None = None) -> set[int]:
        procs = procs if procs is not None else _procs()
        roots = {pid for pid, (_p, cmd, _r) in procs.items() if str(self.dir) in cmd}
        return _tree(procs, roots)

    def busy_workers(self) -> list[int]:
        procs = _procs()
        return [p for p in self.pids(procs) if procs[p][1].startswith("ray::_check_chunk")]

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.pids():
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            time.sleep(3)


class Sampler(threading.Thread):
    """Peak RSS (MB) of the batch process tree and of the cluster's processes."""

    def __init__(self, proc: subprocess.Popen, cluster: Cluster | None) -> None:
        super().__init__(daemon=True)
        self.proc, self.cluster = proc, cluster
        self.peak_batch = self.peak_cluster = self.peak_workers = 0.0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            procs = _procs()
            mine = _tree(procs, {self.proc.pid})
            self.peak_batch = max(self.peak_batch, sum(procs[p][2] for p in mine) / 1024)
            if self.cluster is not None:
                cl = self.cluster.pids(procs)
                self.peak_cluster = max(self.peak_cluster, sum(procs[p][2] for p in cl) / 1024)
                w = [p for p in cl if procs[p][1].startswith(("ray::_check_chunk", "ray::IDLE"))]
                self.peak_workers = max(self.peak_workers, sum(procs[p][2] for p in w) / 1024)
            self.halt.wait(0.2)


def _run(src: Path, out: Path, db: Path, args: argparse.Namespace, cluster: Cluster | None,
         kill_at: int | None = None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "models.cli", "batch", str(src), "--out", str(out), "--db", str(db),
           "--workers", str(args.workers), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cluster is not None:
        cmd += ["--ray", cluster.address]
        env.update({k: v for k, v in cluster.env.items() if k.startswith("RAY_")})
    load_before = _loadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc, cluster)
    sampler.start()
    kills: list[dict[str, Any]] = []
    if kill_at is not None and cluster is not None:
        while proc.poll() is None and _recorded(db) < kill_at:
            time.sleep(0.02)
        while proc.poll() is None and not kills:
            busy = cluster.busy_workers()
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                kills.append({"pid": busy[0], "recorded_at_kill": _recorded(db)})
            time.sleep(0.01)
    so, se = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.halt.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"batch failed ({proc.returncode}): {se[-2000:]}")
    chk = _db_check(db)
    eng = (dt.datetime.fromisoformat(chk["finished_at"]) - dt.datetime.fromisoformat(chk["started_at"])).total_seconds()
    steady = (dt.datetime.fromisoformat(chk["last_item"]) - dt.datetime.fromisoformat(chk["first_item"])).total_seconds()
    n = chk["items"]
    return {"wall_s": round(wall, 1), "engine_s": round(eng, 1), "steady_s": round(steady, 1),
            "cases_per_s_wall": round(n / wall, 1), "cases_per_s_engine": round(n / eng, 1) if eng else None,
            "cases_per_s_steady": round((n - 1) / steady, 1) if steady else None,
            "load_before": load_before, "load_after": _loadavg(), "kills": kills, "status": chk["status"],
            "items": n, "distinct": chk["distinct"], "finding_rows": chk["finding_rows"],
            "peak_rss_batch_mb": round(sampler.peak_batch), "peak_rss_cluster_mb": round(sampler.peak_cluster),
            "peak_rss_ray_workers_mb": round(sampler.peak_workers)}


def _compare(ref: list[dict[str, Any]], got: list[dict[str, Any]]) -> dict[str, int]:
    by = {r["source"]: _norm(r) for r in ref}
    src = [r["source"] for r in got]
    return {"lines": len(got), "duplicates": len(src) - len(set(src)), "lost": len(set(by) - set(src)),
            "differing": sum(1 for r in got if by.get(r["source"]) != _norm(r))}


def run(args: argparse.Namespace) -> int:
    res: dict[str, Any] = {"date": dt.date.today().isoformat(), "cases": args.cases, "workers": args.workers,
                           "command": f"python -m eval batch-ray --cases {args.cases} --workers {args.workers}"
                                      + (f" --only {args.only}" if args.only != "all" else ""),
                           "nproc": os.cpu_count()}
    ok = True
    with tempfile.TemporaryDirectory(prefix="jiancha-batch-ray-") as tmp:
        work = Path(tmp)
        src = work / "cases"
        res["distinct_texts"] = build_cases(src, args.cases)
        print(f"{args.cases} cases in {src}", file=sys.stderr)
        head = max(1, args.workers // 2)
        t0 = time.perf_counter()
        cluster = Cluster(work, (head, max(1, args.workers - head)))
        res["cluster_start_s"] = round(time.perf_counter() - t0, 1)
        res["cluster"] = {"address": cluster.address, "cpus": [head, max(1, args.workers - head)],
                          "commands": [" ".join(c[1:]) for c in cluster.commands]}
        try:
            if args.only == "all":
                res["pool"] = _run(src, work / "pool.jsonl", work / "pool.sqlite", args, None)
                print("pool", json.dumps(res["pool"]), file=sys.stderr)
            res["ray"] = _run(src, work / "ray.jsonl", work / "ray.sqlite", args, cluster)
            print("ray", json.dumps(res["ray"]), file=sys.stderr)
            if args.only == "all":
                ref = _read_jsonl(work / "pool.jsonl")
                res["ray_vs_pool"] = _compare(ref, _read_jsonl(work / "ray.jsonl"))
                k = max(1, int(args.cases * args.kill_at))
                res["kill"] = _run(src, work / "kill.jsonl", work / "kill.sqlite", args, cluster, kill_at=k)
                got = _read_jsonl(work / "kill.jsonl")
                res["kill_vs_pool"] = _compare(ref, got)
                exp_f = sum(len(r.get("findings") or []) for r in got)
                res["kill_vs_pool"]["finding_rows_ok"] = res["kill"]["finding_rows"] == exp_f
                ok = (res["ray_vs_pool"] == {"lines": args.cases, "duplicates": 0, "lost": 0, "differing": 0}
                      and res["kill_vs_pool"]["differing"] == 0 and res["kill_vs_pool"]["lost"] == 0
                      and res["kill_vs_pool"]["duplicates"] == 0 and res["kill"]["items"] == args.cases
                      and res["kill"]["distinct"] == args.cases and bool(res["kill"]["kills"])
                      and res["kill_vs_pool"]["finding_rows_ok"]
                      and res["kill"]["status"].get("pending", 0) == 0)
            else:
                ok = res["ray"]["items"] == args.cases and res["ray"]["status"].get("pending", 0) == 0
        finally:
            cluster.stop()
    res["ok"] = ok
    print(json.dumps(res, ensure_ascii=False, indent=1))
    if not args.no_write:
        _write(res)
    return 0 if ok else 1


def _row(name: str, r: dict[str, Any]) -> str:
    return (f"| {name} | {r['cases_per_s_steady']} | {r['cases_per_s_engine']} ({r['engine_s']} s) | "
            f"{r['cases_per_s_wall']} ({r['wall_s']} s) | {r['peak_rss_batch_mb']} | {r['peak_rss_cluster_mb'] or '—'} | "
            f"{r['load_before']} → {r['load_after']} |")


def _write(r: dict[str, Any]) -> None:
    name = "batch-ray" if r.get("pool") else "batch-ray-big"
    head = ("| run | cases/s steady (first→last case recorded) | cases/s batch start→end | cases/s wall (incl. "
            "process start, Ray connect) | peak RSS batch process tree MB | peak RSS Ray cluster MB | "
            "load avg (1/5/15 min) before → after |\n|---|---|---|---|---|---|---|")
    rows = []
    if r.get("pool"):
        rows.append(_row(f"process pool, --workers {r['workers']}", r["pool"]))
    rows.append(_row(f"Ray, 2 nodes × {r['cluster']['cpus']} CPU", r["ray"]))
    if r.get("kill"):
        rows.append(_row("Ray, one busy worker SIGKILLed", r["kill"]))
    parts = [f"<!-- {name}:start -->",
             f"## Batch review on Ray (eval/tasks/batch_ray.py) — {r['cases']} cases, {r['date']}", "",
             f"Command: `{r['command']}`  ",
             f"Cluster: `ray start {r['cluster']['commands'][0].split(' ', 1)[1]}` and "
             f"`ray start {r['cluster']['commands'][1].split(' ', 1)[1]}` (loopback {RAY_IP}, started in "
             f"{r['cluster_start_s']} s). Machine: {r['nproc']} cores shared with other sessions — "
             "speeds are on a loaded machine (load averages in the table).", "",
             f"{r['cases']} generated cases ({r['distinct_texts']} distinct dev cases, cycled).", "", head, *rows, ""]
    if r.get("ray_vs_pool"):
        a, k = r["ray_vs_pool"], r["kill_vs_pool"]
        kill = r["kill"]["kills"][0] if r["kill"]["kills"] else {}
        parts += ["| check | value |", "|---|---|",
                  f"| Ray report lines / duplicates / lost / differing from the pool's (timings excluded) | "
                  f"{a['lines']} / {a['duplicates']} / {a['lost']} / **{a['differing']}** |",
                  f"| kill: Ray worker pid {kill.get('pid')} SIGKILLed at {kill.get('recorded_at_kill')} cases recorded | "
                  f"final {json.dumps(r['kill']['status'])}, items {r['kill']['items']} / distinct {r['kill']['distinct']} |",
                  f"| kill run: duplicates / lost / differing from the pool's | {k['duplicates']} / {k['lost']} / "
                  f"**{k['differing']}**; findings rows match: {k['finding_rows_ok']} |",
                  f"| verdict | {'PASS' if r['ok'] else 'FAIL'} |", ""]
    else:
        ray = r["ray"]
        per_cpu = ray["cases_per_s_steady"] / max(1, sum(r["cluster"]["cpus"])) if ray["cases_per_s_steady"] else 0
        parts += [f"Per CPU (steady): {per_cpu:.1f} cases/s ⇒ a node with 16 CPUs ≈ {16 * per_cpu:.0f} cases/s "
                  f"≈ {16 * per_cpu * 3600:,.0f} cases/hour (linear extrapolation from this loaded 2-core machine; "
                  "one writer records every result — see docs/DEPLOY-ray-chroma.md for its limit).", ""]
    parts.append(f"<!-- {name}:end -->")
    replace_block(RESULTS, name, "\n".join(parts))
