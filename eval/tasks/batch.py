"""`python -m eval batch`: the batch-review fault test and throughput.

Builds N cases (one folder per case: 起诉书 / 量刑建议书 / 刑事判决书 from eval/data/generated_dev),
runs `jiancha batch` once uninterrupted (the reference), then again from scratch in a subprocess
that is SIGKILLed (the whole process group: parent and pool workers) once K cases are recorded,
restarts the same command until it finishes, and verifies: every case recorded exactly once, no
case lost, findings rows not duplicated, and per-case results equal to the reference run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "batch"
HELP = "batch review: kill -9 mid-run, resume, verify exactly-once and equal results; cases/s"

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"
FILES = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--kill-at", type=float, default=0.4, help="kill when this fraction of cases is recorded")
    p.add_argument("--kills", type=int, default=1, help="how many times to kill before letting it finish")
    p.add_argument("--no-write", action="store_true", help="do not update eval/RESULTS.md")
    p.add_argument("--keep", default="", help="keep the work folder here instead of a temp dir")
    p.add_argument("--reference-only", action="store_true",
                   help="only the uninterrupted run (throughput at scale, e.g. --cases 10000); "
                        "written to its own RESULTS block (batch-timelines)")


def build_cases(dest: Path, n: int, split: str = "dev") -> int:
    """Write ``n`` generated cases (one folder each) under ``dest``; returns how many were written.
    Beyond the split's size (2,453 dev cases) the cases are used again in order (case i = row i mod
    size), so a batch of 10,000 has four copies of most cases."""
    from eval.datasets import load_generated

    dest.mkdir(parents=True, exist_ok=True)
    base = load_generated(split, n)
    rows = [base[i % len(base)] for i in range(n)] if base else []
    for i, row in enumerate(rows):
        write_case(dest / f"case-{i:05d}" if n > 9999 else dest / f"case-{i:04d}", row["documents"])
    return len(rows)


def write_case(d: Path, documents: dict[str, str]) -> None:
    """One case folder: each generated document under its Chinese file name (``FILES``)."""
    d.mkdir(exist_ok=True)
    for kind, text in documents.items():
        if text and kind in FILES:
            (d / FILES[kind]).write_text(text, encoding="utf-8")


def _cmd(src: Path, out: Path, db: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "models.cli", "batch", str(src), "--out", str(out), "--db", str(db),
            "--workers", str(workers), "--quiet"]


def _recorded(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT count(*) FROM batch_items WHERE status != 'pending'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _db_check(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        items = con.execute("SELECT count(*), count(DISTINCT batch_id || '/' || source) FROM batch_items").fetchone()
        status = dict(con.execute("SELECT status, count(*) FROM batch_items GROUP BY status").fetchall())
        batches = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        frows = con.execute("SELECT count(*) FROM batch_findings").fetchone()[0]
        per_item = con.execute("SELECT count(*) FROM (SELECT item_id FROM batch_findings GROUP BY item_id)").fetchone()[0]
        t = con.execute("SELECT started_at, finished_at FROM batches").fetchone()
        first, last = con.execute("SELECT min(finished_at), max(finished_at) FROM batch_items").fetchone()
    finally:
        con.close()
    return {"items": items[0], "distinct": items[1], "status": status, "batches": batches,
            "finding_rows": frows, "items_with_findings": per_item, "started_at": t[0], "finished_at": t[1],
            "first_item": first, "last_item": last}


def _code_stamp() -> str:
    """Fingerprint of the checking code and data: results are only comparable if it is unchanged."""
    import hashlib

    h = hashlib.sha1()
    for top in ("models", "knowledge"):
        for f in sorted((ROOT / top).rglob("*")):
            if f.suffix in (".py", ".yaml", ".yml", ".json") and f.is_file():
                st = f.stat()
                h.update(f"{f.relative_to(ROOT)}:{st.st_mtime_ns}:{st.st_size}".encode())
    return h.hexdigest()


def _norm(line: dict[str, Any]) -> dict[str, Any]:
    d = dict(line)
    d.pop("timings_ms", None)
    return d


def _read_jsonl(p: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def run(args: argparse.Namespace) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="jiancha-batch-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / "cases"
        n = build_cases(src, args.cases)
        stamp = _code_stamp()
        print(f"{n} cases in {src}", file=sys.stderr)

        # 1. reference: uninterrupted
        ref_db, ref_out = work / "ref.sqlite", work / "ref.jsonl"
        for p in (ref_db, ref_out):
            p.unlink(missing_ok=True)
        t0 = time.perf_counter()
        subprocess.run(_cmd(src, ref_out, ref_db, args.workers), check=True, cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL)
        ref_wall = time.perf_counter() - t0
        ref = _db_check(ref_db)
        engine_s = (dt.datetime.fromisoformat(ref["finished_at"]) - dt.datetime.fromisoformat(ref["started_at"]))
        engine_s = engine_s.total_seconds()
        steady_s = (dt.datetime.fromisoformat(ref["last_item"]) - dt.datetime.fromisoformat(ref["first_item"]))
        steady_s = steady_s.total_seconds()
        if args.reference_only:
            return _reference_only(args, n, ref, ref_db, ref_wall, engine_s, steady_s)

        # 2. interrupted: kill -9 the process group when K cases are recorded, then rerun
        db, out = work / "killed.sqlite", work / "killed.jsonl"
        for p in (db, out):
            p.unlink(missing_ok=True)
        kills: list[dict[str, Any]] = []
        runs = 0
        messages: list[str] = []
        t0 = time.perf_counter()
        while True:
            runs += 1
            proc = subprocess.Popen(_cmd(src, out, db, args.workers), cwd=ROOT, env=env, start_new_session=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if len(kills) < args.kills:
                target = int(n * args.kill_at * (len(kills) + 1) / args.kills) if args.kills > 1 else int(n * args.kill_at)
                target = max(1, min(n - 1, target))
                before = _recorded(db)
                while proc.poll() is None and _recorded(db) < target:
                    time.sleep(0.005)
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    after = _recorded(db)
                    kills.append({"target": target, "recorded_before_run": before, "recorded_at_kill": after})
                    print(f"killed at {after}/{n} recorded", file=sys.stderr)
                    continue
            so, se = proc.communicate()
            messages.append(se.strip())
            if proc.returncode != 0:
                print(so, se, file=sys.stderr)
                return 1
            break
        total_wall = time.perf_counter() - t0
        code_changed = _code_stamp() != stamp
        chk = _db_check(db)
        got = _read_jsonl(out)
        want = _read_jsonl(ref_out)
        sources = [r["source"] for r in got]
        dup = len(sources) - len(set(sources))
        ref_by = {r["source"]: _norm(r) for r in want}
        diff = [r["source"] for r in got if ref_by.get(r["source"]) != _norm(r)]
        lost = sorted(set(ref_by) - set(sources))
        exp_findings = sum(len(r.get("findings") or []) for r in got)
        resumed = re.findall(r"待评查 (\d+) 件", "\n".join(messages))
        ok = (chk["items"] == n and chk["distinct"] == n and chk["status"].get("pending", 0) == 0 and dup == 0
              and not lost and not diff and chk["finding_rows"] == exp_findings and chk["batches"] == 1
              and len(kills) == args.kills)
        res = {
            "command": f"python -m eval batch --cases {args.cases} --workers {args.workers} --kill-at {args.kill_at}"
                       + (f" --kills {args.kills}" if args.kills != 1 else ""),
            "date": dt.date.today().isoformat(),
            "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
            "cases": n, "workers": args.workers,
            "reference": {"wall_s": round(ref_wall, 2), "engine_s": round(engine_s, 2),
                          "cases_per_s_engine": round(n / engine_s, 1) if engine_s else None,
                          "cases_per_s_wall": round(n / ref_wall, 1), "status": ref["status"],
                          "steady_s": round(steady_s, 2),
                          "cases_per_s_steady": round((n - 1) / steady_s, 1) if steady_s else None},
            "kills": kills, "runs": runs,
            "resumed_pending": [int(x) for x in resumed],
            "interrupted_total_wall_s": round(total_wall, 2),
            "items": chk["items"], "distinct_items": chk["distinct"], "status": chk["status"],
            "duplicates": dup, "lost": len(lost), "results_differing_from_reference": len(diff),
            "finding_rows": chk["finding_rows"], "findings_in_results": exp_findings,
            "code_changed_during_run": code_changed,
            "ok": ok,
        }
    print(json.dumps(res, ensure_ascii=False, indent=1))
    if diff and code_changed:
        print("note: models/ or knowledge/ changed during the run; rerun for a comparable reference",
              file=sys.stderr)
    if not args.no_write:
        _write(res)
    return 0 if ok else 1


def _write(r: dict[str, Any]) -> None:
    kill = "; ".join(f"SIGKILL of the process group at {k['recorded_at_kill']}/{r['cases']} cases recorded"
                     for k in r["kills"])
    ref = r["reference"]
    body = f"""<!-- batch:start -->
## Batch review: kill -9 and resume (eval/tasks/batch.py) — {r['date']}

Command: `{r['command']}`
Load while measuring: `{r['uptime']}` (2 cores shared with other sessions; rerun on an idle machine).

{r['cases']} generated cases (one folder each: 起诉书, 量刑建议书, 刑事判决书 from `eval/data/generated_dev.jsonl.gz`),
`jiancha batch … --workers {r['workers']}` in a subprocess.

| measure | value |
|---|---|
| kill point | {kill} |
| runs (killed + final) | {r['runs']} |
| pending cases resumed by the rerun | {', '.join(map(str, r['resumed_pending'])) or '—'} |
| items / distinct (batch, source) | {r['items']} / {r['distinct_items']} |
| final status | {json.dumps(r['status'], ensure_ascii=False)} |
| duplicates | **{r['duplicates']}** |
| lost cases | **{r['lost']}** |
| results differing from the uninterrupted run (timings excluded) | **{r['results_differing_from_reference']}** |
| findings rows in the DB / findings in the results | {r['finding_rows']} / {r['findings_in_results']} |
| uninterrupted run: cases/s steady (first to last case recorded) | {ref['cases_per_s_steady']} ({ref['steady_s']} s) |
| uninterrupted run: cases/s (batch start to end, incl. pool start + warm-up) | {ref['cases_per_s_engine']} ({ref['engine_s']} s) |
| uninterrupted run: cases/s (wall, incl. process start) | {ref['cases_per_s_wall']} ({ref['wall_s']} s) |
| verdict | {'PASS' if r['ok'] else 'FAIL'} |
<!-- batch:end -->"""
    from eval.results_md import replace_block

    replace_block(RESULTS, "batch", body)


def _reference_only(args: argparse.Namespace, n: int, ref: dict[str, Any], db: Path, wall: float,
                    engine_s: float, steady_s: float) -> int:
    """The uninterrupted run alone: throughput, exactly-once counts and the analysis-facts rows."""
    from eval.results_md import replace_block

    con = sqlite3.connect(db)
    try:
        facts = con.execute("SELECT count(*) FROM batch_facts").fetchone()[0]
        with_events = con.execute("SELECT count(*) FROM batch_facts WHERE events > 0").fetchone()[0]
    finally:
        con.close()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    res = {"command": f"python -m eval batch --cases {args.cases} --workers {args.workers} --reference-only",
           "date": dt.date.today().isoformat(), "uptime": uptime, "cases": n, "status": ref["status"],
           "items": ref["items"], "distinct": ref["distinct"], "finding_rows": ref["finding_rows"],
           "facts_rows": facts, "facts_with_timeline_events": with_events,
           "cases_per_s_steady": round((n - 1) / steady_s, 1) if steady_s else None, "steady_s": round(steady_s, 1),
           "cases_per_s_engine": round(n / engine_s, 1) if engine_s else None, "engine_s": round(engine_s, 1),
           "cases_per_s_wall": round(n / wall, 1), "wall_s": round(wall, 1)}
    print(json.dumps(res, ensure_ascii=False, indent=1))
    ok = ref["items"] == n and ref["distinct"] == n and ref["status"].get("done", 0) == n and facts == n
    if not args.no_write:
        replace_block(RESULTS, "batch-timelines", f"""<!-- batch-timelines:start -->
## Batch review at scale, with case timelines and analysis facts (eval/tasks/batch.py) — {res['date']}

Command: `{res['command']}` (one uninterrupted `jiancha batch … --workers {args.workers}`; cases beyond the
2,453 generated dev cases are the same cases again). Every case builds its timeline (TL.* rules) and
its thematic-analysis facts (`batch_facts`). Load while measuring: `{uptime}` (2 cores shared with other
sessions: a loaded machine).

| measure | value |
|---|---|
| cases / items / distinct | {n} / {res['items']} / {res['distinct']} |
| final status | {json.dumps(res['status'], ensure_ascii=False)} |
| findings rows | {res['finding_rows']} |
| analysis-facts rows (with timeline events) | {facts} ({with_events}) |
| cases/s steady (first to last case recorded) | {res['cases_per_s_steady']} ({res['steady_s']} s) |
| cases/s (batch start to end) | {res['cases_per_s_engine']} ({res['engine_s']} s) |
| cases/s (wall, incl. process start) | {res['cases_per_s_wall']} ({res['wall_s']} s) |
| verdict | {'PASS' if ok else 'FAIL'} |
<!-- batch-timelines:end -->""")
    return 0 if ok else 1
