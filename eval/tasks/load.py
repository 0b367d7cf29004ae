"""`python -m eval load` — load benchmark of the web API (POST /api/v1/check).

Starts the server (`uvicorn server.main:app`) in a second process on 127.0.0.1 with a fresh data
directory, creates an account and an API token with `jiancha user add|token`, then runs N
concurrent clients (default 16, asyncio + httpx, keep-alive) posting the bundled sample case as
JSON texts for --seconds. Reports requests/s, latency p50/p95/p99, errors, and the server's RSS
sampled over time (first/last/max and the slope after warm-up, to show memory is flat).
The issue asks for 10 minutes: `python -m eval load --seconds 600 --write` on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.results_md import replace_block

NAME = "load"
HELP = "load benchmark: concurrent clients against /api/v1/check on a loopback server process"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"
KINDS = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=60.0, help="measured duration (the issue: 600)")
    p.add_argument("--clients", type=int, default=16, help="concurrent clients")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    p.add_argument("--sample", type=float, default=5.0, help="RSS sampling interval (s)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--write", action="store_true", help="write the numbers into eval/RESULTS.md")
    p.add_argument("--postgres", action="store_true",
                   help="the server on a throw-away PostgreSQL started on loopback (eval/pgserver.py)")
    p.add_argument("--database-url", default=None, help="the server on this database (JIANCHA_DATABASE_URL)")
    p.add_argument("--serve", action="store_true",
                   help="start the server with `jiancha serve` (its checks and set-up) instead of uvicorn")
    p.add_argument("--abuse", action="store_true",
                   help="login attack: --attackers wrong-login clients while --clients users work (--think s pauses)")
    p.add_argument("--attackers", type=int, default=40, help="--abuse: concurrent wrong-login clients")
    p.add_argument("--think", type=float, default=1.0, help="--abuse: users' pause between requests (s)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss_mb(pid: int) -> float:
    """RSS of a process and its children (uvicorn workers) in MB, from /proc."""
    total = 0
    pids = [pid]
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids.append(int(child))
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _tree_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by a process and its children, from /proc."""
    if not pid:
        return 0.0
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    ticks = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _pg_size(pg: Any) -> dict[str, Any]:
    """Database size after the run and per stored case (sizing of the database host's disk)."""
    import psycopg

    with psycopg.connect(pg.dsn("load")) as c:
        size = c.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        # the same sample is checked again and again: stored once per user, one audit row per request
        n, payload = c.execute("SELECT count(*), avg(pg_column_size(documents) + pg_column_size(report)) "
                               "FROM checked_cases").fetchone()
        audit = c.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    return {"db_mb": round(size / 1e6, 1), "db_cases": n, "db_audit_rows": audit,
            "db_kb_per_case": round(float(payload) / 1e3, 1) if payload else None}


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def _start_server(data: Path, workers: int, users: int = 1, database_url: str | None = None,
                  serve: bool = False) -> tuple[subprocess.Popen, str, list[str]]:
    env = {**os.environ, "JIANCHA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    if database_url:
        env["JIANCHA_DATABASE_URL"] = database_url
    cli = [sys.executable, "-m", "models.cli"]
    tokens = []
    for i in range(users):
        name = "load" if i == 0 else f"load{i}"
        role = "案管" if i == 0 else "承办检察官"
        subprocess.run([*cli, "user", "add", name, "--role", role, "--department", "第一检察部",
                        "--password", "load-test-password"], env=env, cwd=ROOT, check=True, capture_output=True)
        tokens.append(subprocess.run([*cli, "user", "token", name], env=env, cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout.strip().splitlines()[-1])
    port = _free_port()
    log = open(data / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    # keep-alive longer than any client pause, so a closed idle connection is not counted as an error
    if serve:
        server_cmd = [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    else:
        server_cmd = [sys.executable, "-m", "uvicorn", "server.main:app", "--host", "127.0.0.1", "--port",
                      str(port), "--workers", str(workers), "--log-level", "warning", "--timeout-keep-alive", "60"]
    proc = subprocess.Popen(server_cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return proc, url, tokens
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("server did not start: " + (data / "server.log").read_text(errors="replace")[-2000:])
        time.sleep(0.3)


def _stop_server(proc: subprocess.Popen) -> None:
    """Stop the server the task started: terminate, then kill if it has not exited within 30 s."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


async def _load(url: str, token: str, clients: int, warmup: float, seconds: float, pid: int,
                sample: float, db_pid: int | None = None) -> dict[str, Any]:
    import httpx

    body = {k: (SAMPLE / n).read_text(encoding="utf-8") for k, n in KINDS.items()}
    headers = {"Authorization": f"Bearer {token}"}
    lat: list[float] = []
    errors: dict[str, int] = {}
    details: list[str] = []
    rss: list[tuple[float, float]] = []
    t_start = time.monotonic()
    t_measure = t_start + warmup
    t_end = t_measure + seconds
    done = 0

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal done
        while True:
            t0 = time.monotonic()
            if t0 >= t_end:
                return
            try:
                r = await c.post("/api/v1/check", json=body, headers=headers)
                code = str(r.status_code) if r.status_code != 200 else ""
                if code:
                    details.append(f"{code} {r.text[:200]}")
            except httpx.HTTPError as e:
                code = type(e).__name__
                details.append(f"{code} {e!r}"[:300])
            t1 = time.monotonic()
            if t0 >= t_measure:
                if code:
                    errors[code] = errors.get(code, 0) + 1
                else:
                    lat.append(t1 - t0)
                    done += 1

    async def sampler() -> None:
        while time.monotonic() < t_end:
            rss.append((round(time.monotonic() - t_start, 1), round(_tree_rss_mb(pid), 1)))
            await asyncio.sleep(sample)
        rss.append((round(time.monotonic() - t_start, 1), round(_tree_rss_mb(pid), 1)))

    cpu: dict[str, float] = {}

    async def cpu_meter() -> None:  # CPU of the server (and the database) over the measured window
        await asyncio.sleep(max(0.0, t_measure - time.monotonic()))
        s0, d0 = _tree_cpu_s(pid), _tree_cpu_s(db_pid)
        await asyncio.sleep(max(0.0, t_end - time.monotonic()))
        cpu["server"], cpu["db"] = _tree_cpu_s(pid) - s0, _tree_cpu_s(db_pid) - d0

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
        await asyncio.gather(sampler(), cpu_meter(), *(client(c) for _ in range(clients)))
    lat.sort()

    def pct(q: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else None

    after = [(t, m) for t, m in rss if t >= warmup + 0.1 * seconds]
    slope = None
    if len(after) >= 3:
        ts, ms = [t for t, _ in after], [m for _, m in after]
        mt, mm = statistics.fmean(ts), statistics.fmean(ms)
        den = sum((t - mt) ** 2 for t in ts)
        slope = round(sum((t - mt) * (m - mm) for t, m in zip(ts, ms, strict=True)) / den * 60, 2) if den else None
    return {"requests": done, "errors": errors, "seconds": seconds, "clients": clients,
            "rps": round(done / seconds, 2),
            "server_cpu_ms_per_request": round(cpu["server"] * 1000 / done, 1) if done and cpu else None,
            "db_cpu_ms_per_request": round(cpu["db"] * 1000 / done, 2) if done and cpu and db_pid else None,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "rss_mb": {"first": after[0][1] if after else None, "last": rss[-1][1] if rss else None,
                       "max": max((m for _, m in rss), default=None), "slope_mb_per_min": slope},
            "rss_samples": rss, "error_details": details[:20]}


def _write(res: dict[str, Any], cmd: str, load_before: str, load_after: str) -> None:
    r = res
    block = "load" if r["backend"] == "SQLite" else "load-postgres"
    how = "`jiancha serve`" if r["serve"] else "`uvicorn server.main:app`"
    title = "" if block == "load" else f" on PostgreSQL, {r['workers']} web workers"
    samples = ", ".join(f"{t:.0f}s {m:.0f}" for t, m in r["rss_samples"][:: max(1, len(r["rss_samples"]) // 12)])
    errs = sum(r["errors"].values())
    body = f"""<!-- {block}:start -->
## Web API load{title} (eval/tasks/load.py) — {dt.date.today().isoformat()}

Command: `{cmd}`

Server: {how} ({r['workers']} worker process{'es' if r['workers'] > 1 else ''}) on 127.0.0.1, fresh data dir and
{r['backend']} database; each request
checks the sample case (three documents as JSON texts) and stores it with its findings and an audit row.
Clients: {r['clients']} concurrent keep-alive connections (asyncio + httpx) in a second process on the same machine.

| measured | requests | req/s | p50 ms | p95 ms | p99 ms | errors |
|---:|---:|---:|---:|---:|---:|---:|
| {r['seconds']:.0f} s | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {errs} {json.dumps(r['errors']) if errs else ''} |

Server RSS (MB): after warm-up {r['rss_mb']['first']}, end {r['rss_mb']['last']}, max {r['rss_mb']['max']};
slope after warm-up {r['rss_mb']['slope_mb_per_min']} MB/min. Samples: {samples}.
CPU per request (sizing; load-independent, unlike req/s): server processes {r['server_cpu_ms_per_request']} ms{
    f", PostgreSQL {r['db_cpu_ms_per_request']} ms" if r.get('db_cpu_ms_per_request') is not None else ''}.{
    f" Database after the run: {r['db_mb']} MB ({r['db_audit_rows']} audit rows; the repeated sample is stored"
    f" {r['db_cases']}×), one stored check's documents + report {r['db_kb_per_case']} kB (compressed)."
    if r.get('db_cases') else ''}

Machine load: before `{load_before}`; after `{load_after}` (2 cores shared with other jobs when measured;
rerun idle with `--seconds 600` for the 10-minute memory-flatness number).
<!-- {block}:end -->"""
    replace_block(RESULTS, block, body)


def run(args: argparse.Namespace) -> int:
    if args.abuse:
        return run_abuse(args)
    load_before = _uptime()
    tmp = Path(tempfile.mkdtemp(prefix="jiancha-load-"))
    pg = None
    db_url = args.database_url
    if args.postgres:
        from eval.pgserver import LoopbackPostgres

        pg = LoopbackPostgres().start()
        db_url = pg.create_database("load")
    try:
        proc, url, tokens = _start_server(tmp, args.workers, database_url=db_url, serve=args.serve)
        try:
            res = asyncio.run(_load(url, tokens[0], args.clients, args.warmup, args.seconds, proc.pid,
                                    args.sample, db_pid=pg.pid() if pg else None))
        finally:
            _stop_server(proc)
        if pg is not None:
            res.update(_pg_size(pg))
    finally:
        if pg is not None:
            pg.stop()
    res["backend"] = "SQLite" if not db_url or db_url.startswith("sqlite") else (
        "PostgreSQL (loopback, started by the task)" if pg else "PostgreSQL")
    res["serve"] = args.serve
    if res["errors"]:
        log = (tmp / "server.log").read_text(errors="replace")
        print(f"errors: server log kept in {tmp / 'server.log'}; its end:\n{log[-4000:]}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    res["workers"] = args.workers
    load_after = _uptime()
    cmd = "python -m eval load " + " ".join(
        a for a in (f"--seconds {args.seconds:g}", f"--clients {args.clients}" if args.clients != 16 else "",
                    f"--workers {args.workers}" if args.workers != 1 else "", "--postgres" if args.postgres else "",
                    "--database-url …" if args.database_url else "", "--serve" if args.serve else "",
                    "--write" if args.write else "") if a)
    out = {k: v for k, v in res.items() if k not in ("rss_samples", "error_details")}
    for d in res["error_details"]:
        print("error:", d)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    print("RSS samples (s, MB):", res["rss_samples"])
    print("load:", load_before, "→", load_after)
    if args.write:
        _write(res, cmd, load_before, load_after)
        print(f"written to {RESULTS}")
    errs = sum(res["errors"].values())
    return 0 if errs == 0 and res["requests"] > 0 else 1


def _write_abuse(r: dict[str, Any], cmd: str, load_before: str, load_after: str) -> None:
    ok = (r["users_p95_ms"] is not None and r["users_p95_ms"] < 2000 and not r["server_errors"]
          and r["health"]["max_ms"] is not None and r["health"]["max_ms"] < 100)
    rows = "\n".join(f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |"
                     for k, v in r["by_request"].items())
    h = r["health"]
    body = f"""<!-- load-abuse:start -->
## Web app under a login attack (eval/tasks/_load_abuse.py) — {dt.date.today().isoformat()}

Command: `{cmd}`

{r['attackers']} attackers without an account post wrong logins (fresh form + CSRF token, random user name) as fast as
the server answers, all from 127.0.0.1, for {r['seconds']:.0f} s, while {r['users']} users work with API tokens (check the
sample case, list cases, open the case, dashboard statistics; {r['think_s']:g} s pause between requests); /api/v1/health
asked every 0.5 s. One uvicorn worker, fresh SQLite data dir. Target: users' p95 < 2 s, 0 server errors, /health < 100 ms.

| users' requests | n | p50 ms | p95 ms | max ms |
|---|---:|---:|---:|---:|
{rows}
| **all** | {r['users_requests']} | {r['users_p50_ms']} | **{r['users_p95_ms']}** | {r['users_max_ms']} |
| /api/v1/health | {h['n']} | {h['p50_ms']} | {h['p95_ms']} | {h['max_ms']} |

Server errors (5xx or broken connections, anyone): {sum(r['server_errors'].values())} {json.dumps(r['server_errors']) if r['server_errors'] else ''}.
Attackers' answers by HTTP status: {json.dumps(r['attack_answers'])} (401: a password was hashed; 429: throttled before hashing).
Verdict: {'all three targets met' if ok else 'NOT all targets met (see the numbers)'}.

Machine load: before `{load_before}`; after `{load_after}` (2 cores shared with other jobs when measured).
<!-- load-abuse:end -->"""
    replace_block(RESULTS, "load-abuse", body)


def run_abuse(args: argparse.Namespace) -> int:
    from eval.tasks._load_abuse import abuse

    load_before = _uptime()
    tmp = Path(tempfile.mkdtemp(prefix="jiancha-abuse-"))
    proc, url, tokens = _start_server(tmp, args.workers, users=args.clients)
    try:
        res = asyncio.run(abuse(url, tokens, args.attackers, args.seconds, args.warmup, args.think))
    finally:
        _stop_server(proc)
    if res["server_errors"]:
        print(f"server log kept in {tmp / 'server.log'}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = _uptime()
    cmd = "python -m eval load --abuse " + " ".join(
        a for a in (f"--seconds {args.seconds:g}", f"--clients {args.clients}" if args.clients != 16 else "",
                    f"--attackers {args.attackers}" if args.attackers != 40 else "",
                    f"--think {args.think:g}" if args.think != 1.0 else "", "--write" if args.write else "") if a)
    for d in res["error_details"]:
        print("error:", d)
    print(json.dumps({k: v for k, v in res.items() if k != "error_details"}, ensure_ascii=False, indent=1))
    print("load:", load_before, "→", load_after)
    if args.write:
        _write_abuse(res, cmd, load_before, load_after)
        print(f"written to {RESULTS}")
    ok = (not res["server_errors"] and res["users_p95_ms"] is not None and res["users_p95_ms"] < 2000
          and (res["health"]["max_ms"] or 1e9) < 100)
    return 0 if ok else 1
