"""`python -m eval server-kill`: kill the web SERVER (kill -9) during a batch submitted through the API.

Builds N cases (eval.tasks.batch.build_cases), zips them, creates a user and an API token with the
`jiancha user` CLI, starts `jiancha serve` (127.0.0.1, a free port, a fresh data dir, its own
process group), submits the zip to ``POST /api/v1/batches``, polls ``GET /api/v1/batches/{id}``
until a fraction of the cases is recorded, then SIGKILLs the whole process group (server, forkserver,
pool workers). Restarts the server on the same data dir, polls until the batch is done, and verifies
through the API (``/results``) and directly in the SQLite database: every case recorded exactly once,
none lost or pending, the cases recorded before the kill untouched, findings rows equal to the
findings in the results, and per-case results equal to an uninterrupted in-process reference run
(``models.batch.run_batch`` over the same zip; timings and status excluded).

``scenario()`` is shared with tests/test_server_kill.py (same check at a smaller size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.tasks.batch import _code_stamp, _norm, build_cases

NAME = "server-kill"
HELP = "web server kill -9 during an API batch: restart resumes, no case lost or counted twice"

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
USER, PASSWORD, DEPARTMENT = "batchrunner", "server-kill-password", "第一检察部"
_FINAL = ("done", "cancelled", "failed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--workers", type=int, default=2, help="batch pool processes of the server (JIANCHA_BATCH_WORKERS)")
    p.add_argument("--kill-at", type=float, default=0.4, help="kill when this fraction of cases is recorded")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds for each phase (start, kill point, finish)")
    p.add_argument("--no-write", action="store_true", help="do not update eval/RESULTS.md")
    p.add_argument("--keep", default="", help="keep the work folder (data dir, server logs) here")


# ---------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zip_cases(src: Path, dest: Path) -> Path:
    """Zip the case folders of ``src`` (``case-0000/起诉书.txt`` …) into ``dest``."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(src.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(src).as_posix())
    return dest


def server_env(data: Path, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANCHA_")}
    env.update({"JIANCHA_DATA_DIR": str(data), "JIANCHA_BATCH_WORKERS": str(workers), "PYTHONPATH": str(ROOT)})
    return env


def make_token(env: dict[str, str]) -> str:
    """Create the batch user and an API token through the `jiancha user` CLI; returns the token."""
    cli = [sys.executable, "-m", "models.cli", "user"]
    subprocess.run([*cli, "add", USER, "--role", "承办检察官", "--department", DEPARTMENT, "--password", PASSWORD],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    out = subprocess.run([*cli, "token", USER], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=120).stdout
    return out.strip().splitlines()[-1]


class Server:
    """`jiancha serve` on 127.0.0.1 in its own process group (so a kill reaches the batch pool too)."""

    def __init__(self, env: dict[str, str], data: Path, port: int) -> None:
        self.env, self.data, self.port = env, data, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 180.0) -> float:
        """Start and wait for /api/v1/health; returns the seconds it took."""
        import httpx

        self.starts += 1
        log = self.data / f"server-{self.starts}.log"
        t0 = time.monotonic()
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "models.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            try:
                r = httpx.get(f"{self.url}/api/v1/health", timeout=2)
                if r.status_code == 200 and r.json().get("batch"):
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                self.kill()
                raise RuntimeError(f"server did not start; end of {log}:\n"
                                   + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group (uvicorn, the forkserver and the pool workers)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def group_gone(self, wait: float = 5.0) -> bool:
        """True once no process of the killed group is left (zombies waiting for init excepted)."""
        if self.proc is None:
            return True
        end = time.monotonic() + wait
        while time.monotonic() < end:
            alive = []
            for st in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = st.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == self.proc.pid and fields[0] != "Z":  # pgrp, state
                    alive.append(st.parent.name)
            if not alive:
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Graceful stop (SIGTERM → lifespan shutdown), then SIGKILL of the group if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            self.kill()
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self.kill()


class Api:
    def __init__(self, url: str, token: str) -> None:
        import httpx

        self.c = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def submit(self, zpath: Path, name: str) -> dict[str, Any]:
        with open(zpath, "rb") as fh:
            r = self.c.post("/batches", files={"file": (zpath.name, fh, "application/zip")}, data={"name": name})
        r.raise_for_status()
        return r.json()

    def status(self, bid: str) -> dict[str, Any]:
        r = self.c.get(f"/batches/{bid}")
        r.raise_for_status()
        return r.json()

    def results(self, bid: str, page: int = 200) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            r = self.c.get(f"/batches/{bid}/results", params={"offset": len(out), "limit": page})
            r.raise_for_status()
            rows = r.json()
            out += rows
            if len(rows) < page:
                return out

    def close(self) -> None:
        self.c.close()


def recorded_in_db(db: Path, bid: str) -> dict[str, str]:
    """source → finished_at of the cases of the batch recorded so far (read-only)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute("SELECT source, finished_at FROM batch_items WHERE batch_id = ? AND status != 'pending'",
                           (bid,)).fetchall()
    finally:
        con.close()
    return {s: str(t) for s, t in rows}


def db_check(db: Path, bid: str) -> dict[str, Any]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        items, distinct = con.execute("SELECT count(*), count(DISTINCT source) FROM batch_items WHERE batch_id = ?",
                                      (bid,)).fetchone()
        status = dict(con.execute("SELECT status, count(*) FROM batch_items WHERE batch_id = ? GROUP BY status",
                                  (bid,)).fetchall())
        state, total = con.execute("SELECT state, total FROM batches WHERE id = ?", (bid,)).fetchone()
        frows = con.execute("SELECT count(*) FROM batch_findings WHERE batch_id = ?", (bid,)).fetchone()[0]
        per_source = dict(con.execute(
            "SELECT i.source, count(f.id) FROM batch_items i LEFT JOIN batch_findings f ON f.item_id = i.id "
            "WHERE i.batch_id = ? GROUP BY i.id", (bid,)).fetchall())
        results = {s: json.loads(r) for s, r in con.execute(
            "SELECT source, result FROM batch_items WHERE batch_id = ? AND result IS NOT NULL", (bid,)).fetchall()}
    finally:
        con.close()
    return {"items": items, "distinct": distinct, "status": status, "state": state, "total": total,
            "finding_rows": frows, "findings_per_source": per_source, "results": results}


def reference(zpath: Path, work: Path, workers: int) -> tuple[list[dict[str, Any]], float]:
    """The uninterrupted run, in-process (models.batch) over the same zip; returns (results, seconds)."""
    from models.batch import BatchStore, open_batch, run_batch

    db = work / "reference.sqlite"
    db.unlink(missing_ok=True)
    store = BatchStore(f"sqlite:///{db}")
    try:
        t0 = time.perf_counter()
        bid, _ = open_batch(store, zpath, resume=False)
        state = run_batch(store, bid, workers=workers)
        secs = time.perf_counter() - t0
        if state != "done":
            raise RuntimeError(f"reference batch ended {state}")
        return store.results(bid, limit=None), secs
    finally:
        store.dispose()


def _wait(pred: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


# ---------------------------------------------------------------------------------------- scenario


def scenario(work: Path, n: int, workers: int = 2, kill_at: float = 0.4, timeout: float = 900.0,
             log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> dict[str, Any]:
    """Run the whole fault test in ``work``; returns the measurements, ``ok`` the verdict."""
    work.mkdir(parents=True, exist_ok=True)
    stamp = _code_stamp()
    n = build_cases(work / "cases", n)
    zpath = zip_cases(work / "cases", work / "cases.zip")
    log(f"{n} cases zipped: {zpath} ({zpath.stat().st_size / 1024:.0f} KB)")

    want, ref_s = reference(zpath, work, workers)
    log(f"reference (in-process, uninterrupted): {len(want)} cases in {ref_s:.1f} s")

    data = work / "data"
    data.mkdir(exist_ok=True)
    db = data / "jiancha.db"
    env = server_env(data, workers)
    token = make_token(env)
    server = Server(env, data, free_port())
    target = max(1, min(n - 1, int(n * kill_at)))
    res: dict[str, Any] = {"cases": n, "workers": workers, "kill_at": kill_at, "target": target,
                           "reference_s": round(ref_s, 2)}
    api: Api | None = None
    try:
        res["start_s"] = round(server.start(timeout), 2)
        api = Api(server.url, token)
        t0 = time.monotonic()
        st = api.submit(zpath, "server-kill")
        bid = st["id"]
        res["batch_id"] = bid
        log(f"server pid {server.proc.pid} on {server.url}; batch {bid} submitted ({st['total']} cases)")
        seen: dict[str, Any] = {}

        def reached() -> bool:
            s = api.status(bid)
            seen.update(s)
            if s["state"] in _FINAL:
                raise RuntimeError(f"batch ended ({s['state']}) before the kill point {target}/{n}")
            return s["done"] + s["failed"] >= target

        _wait(reached, timeout, f"{target}/{n} cases recorded", interval=0.05)
        server.kill()
        res["kill_after_submit_s"] = round(time.monotonic() - t0, 2)
        res["api_recorded_before_kill"] = seen["done"] + seen["failed"]
        res["group_gone"] = server.group_gone()
        api.close()
        api = None
        at_kill = recorded_in_db(db, bid)
        res["recorded_at_kill"] = len(at_kill)
        res["state_at_kill"] = db_check(db, bid)["state"]
        log(f"SIGKILL of the server's process group at {len(at_kill)}/{n} recorded "
            f"(state left: {res['state_at_kill']}; group gone: {res['group_gone']})")

        # restart on the same data dir and database
        res["restart_s"] = round(server.start(timeout), 2)
        api = Api(server.url, token)
        t1 = time.monotonic()
        final: dict[str, Any] = {}

        def finished() -> bool:
            final.update(api.status(bid))
            return final["state"] in _FINAL

        _wait(finished, timeout, "the batch to finish after the restart", interval=0.2)
        res["finish_after_restart_s"] = round(time.monotonic() - t1, 2)
        res["api_status"] = {k: final[k] for k in ("state", "total", "done", "failed", "pending")}
        got = api.results(bid)
        log(f"after restart: {res['api_status']}")
    finally:
        if api is not None:
            api.close()
        server.stop()

    chk = db_check(db, bid)
    after = recorded_in_db(db, bid)
    sources = [r["source"] for r in got]
    ref_by = {r["source"]: _norm({k: v for k, v in r.items() if k != "status"}) for r in want}
    got_by = {r["source"]: _norm({k: v for k, v in r.items() if k != "status"}) for r in got}
    diff = sorted(s for s in set(ref_by) & set(got_by) if ref_by[s] != got_by[s])
    db_diff = sorted(s for s, r in chk["results"].items() if ref_by.get(s) != _norm(r))
    lost = sorted(set(ref_by) - set(sources))
    extra = sorted(set(sources) - set(ref_by))
    findings_in_results = sum(len(r.get("findings") or []) for r in got)
    per_source_bad = sorted(s for s, r in got_by.items()
                            if chk["findings_per_source"].get(s) != len(r.get("findings") or []))
    rerun_before_kill = sorted(s for s, t in at_kill.items() if after.get(s) != t)
    res.update({
        "api_results": len(got), "items": chk["items"], "distinct_items": chk["distinct"],
        "status": chk["status"], "state": chk["state"], "total": chk["total"],
        "duplicates": len(sources) - len(set(sources)) + (chk["items"] - chk["distinct"]),
        "lost": len(lost), "unexpected": len(extra),
        "results_differing_from_reference": len(diff), "db_results_differing_from_reference": len(db_diff),
        "finding_rows": chk["finding_rows"], "findings_in_results": findings_in_results,
        "items_with_wrong_finding_rows": len(per_source_bad),
        "recorded_before_kill_changed_after_restart": len(rerun_before_kill),
        "recorded_after_restart": n - len(at_kill),
        "code_changed_during_run": _code_stamp() != stamp,
        "differing_sources": diff[:10],
    })
    res["ok"] = (0 < res["recorded_at_kill"] < n and res["state_at_kill"] == "running"
                 and chk["state"] == "done" and res["api_status"]["state"] == "done"
                 and chk["items"] == chk["distinct"] == chk["total"] == len(got) == n
                 and chk["status"].get("pending", 0) == 0 and res["duplicates"] == 0 and not lost and not extra
                 and not diff and not db_diff and chk["finding_rows"] == findings_in_results
                 and not per_source_bad and not rerun_before_kill)
    return res


def run(args: argparse.Namespace) -> int:
    load_before = _uptime()
    with tempfile.TemporaryDirectory(prefix="jiancha-server-kill-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        res = scenario(work, args.cases, args.workers, args.kill_at, args.timeout)
    res["command"] = (f"python -m eval server-kill --cases {args.cases} --workers {args.workers} "
                      f"--kill-at {args.kill_at}")
    res["date"] = dt.date.today().isoformat()
    res["uptime_before"], res["uptime_after"] = load_before, _uptime()
    print(json.dumps(res, ensure_ascii=False, indent=1))
    if res["results_differing_from_reference"] and res["code_changed_during_run"]:
        print("note: models/ or knowledge/ changed during the run; rerun for a comparable reference", file=sys.stderr)
    if not args.no_write:
        _write(res)
        print(f"written to {RESULTS}", file=sys.stderr)
    return 0 if res["ok"] else 1


def _write(r: dict[str, Any]) -> None:
    st = r["api_status"]
    body = f"""<!-- server-kill:start -->
## Web server kill -9 during an API batch, restart resumes (eval/tasks/server_kill.py) — {r['date']}

Command: `{r['command']}`
Load: before `{r['uptime_before']}`; after `{r['uptime_after']}` (2 cores shared with other sessions).

{r['cases']} generated cases (one folder each: 起诉书, 量刑建议书, 刑事判决书), zipped and submitted as a
承办检察官 with an API token (`jiancha user add` / `jiancha user token`) to `POST /api/v1/batches` of
`jiancha serve` (127.0.0.1, fresh data dir, SQLite, `JIANCHA_BATCH_WORKERS={r['workers']}`, own process group).
Progress polled with `GET /api/v1/batches/{{id}}`; at the kill point the whole process group (uvicorn,
forkserver, pool workers) got SIGKILL; the server was then started again on the same data dir and
the batch polled until done. Checked through `GET /api/v1/batches/{{id}}/results` and directly in
the SQLite database, against an uninterrupted in-process `models.batch.run_batch` over the same zip.

| measure | value |
|---|---|
| kill point | SIGKILL of the server's process group at {r['recorded_at_kill']}/{r['cases']} cases recorded, {r['kill_after_submit_s']} s after submitting (batch left `{r['state_at_kill']}`) |
| server start / restart (to /health) | {r['start_s']} s / {r['restart_s']} s |
| restart: batch finished after | {r['finish_after_restart_s']} s ({r['recorded_after_restart']} cases recorded after the restart) |
| API status after restart | {json.dumps(st, ensure_ascii=False)} |
| items / distinct sources (DB) / API results | {r['items']} / {r['distinct_items']} / {r['api_results']} |
| final item status (DB) | {json.dumps(r['status'], ensure_ascii=False)} |
| duplicates | **{r['duplicates']}** |
| lost cases | **{r['lost']}** |
| results differing from the uninterrupted run (API / DB; timings excluded) | **{r['results_differing_from_reference']}** / **{r['db_results_differing_from_reference']}** |
| cases recorded before the kill changed after the restart | {r['recorded_before_kill_changed_after_restart']} |
| findings rows in the DB / findings in the API results | {r['finding_rows']} / {r['findings_in_results']} (items with wrong rows: {r['items_with_wrong_finding_rows']}) |
| verdict | {'PASS' if r['ok'] else 'FAIL'} |
<!-- server-kill:end -->"""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Evaluation results\n"
    m = re.search(r"<!-- server-kill:start -->.*?<!-- server-kill:end -->", text, flags=re.S)
    text = text[: m.start()] + body + text[m.end():] if m else text.rstrip("\n") + "\n\n" + body + "\n"
    RESULTS.write_text(text, encoding="utf-8")
