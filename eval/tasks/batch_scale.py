"""`python -m eval batch-scale`: the batch parent at scale — time, the parent's peak memory, and
reports identical to those of an older commit's report code.

Builds (once, reused) a folder of N cases, one folder each, cycling the generated dev cases
(eval/data/generated_dev.jsonl.gz: 起诉书 / 量刑建议书 / 刑事判决书 made from real judgments),
runs `jiancha batch DIR --out r.xlsx --out r.html --out r.jsonl --workers W` in a subprocess and
polls the parent process's peak RSS (VmHWM in /proc/<pid>/status: the parent alone, not the pool
workers). With ``--compare REF``, the same batch database is exported again by the report code
of git commit REF (in this process, the old in-memory way) and the reports are compared: JSONL
and HTML byte for byte, the workbook cell by cell (value, type, bold, size, fill, wrap) and its
sheet properties (frozen panes, filters, column widths, charts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from eval.results_md import replace_block
from eval.tasks.batch import write_case

NAME = "batch-scale"
HELP = "batch parent at scale: cases/s, parent peak RSS, reports identical to an older commit's"

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "RESULTS.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=10000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work", default="", help="work folder (default eval/out/batch-scale-N; the cases are reused)")
    p.add_argument("--compare", default="", metavar="REF", help="compare the reports with those of commit REF")
    p.add_argument("--tree", default="", help="run `jiancha batch` from this source tree (e.g. an older commit's "
                   "`git archive`) instead of this one")
    p.add_argument("--fill-by-cycle", action="store_true",
                   help="before running, record every pending case of an interrupted earlier run of the same folder "
                        "by copying the recorded result of the case it was cycled from (see fill_by_cycle)")
    p.add_argument("--no-write", action="store_true", help="do not update eval/RESULTS.md")


def build_cases(dest: Path, n: int) -> int:
    """``n`` case folders under ``dest`` (skipped when a complete set is already there)."""
    from eval.datasets import load_generated

    mark = dest / ".complete"
    if mark.exists() and mark.read_text() == str(n):
        return n
    rows = load_generated("dev")
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_case(dest / f"case-{i:06d}", rows[i % len(rows)]["documents"])
    mark.write_text(str(n))
    return n


def _kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    """user + system CPU seconds of one process (not its children)."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def fill_by_cycle(db: Path, n_rows: int) -> dict[str, Any]:
    """Complete an interrupted run without running the remaining cases: case i of the folder is a
    copy of generated case ``i % n_rows`` (``build_cases``), and the check is deterministic, so its
    result is the recorded result of case ``i % n_rows`` with its own source and name. Checked on
    the cases the interrupted run did compute (every one with i ≥ n_rows must equal its copy, timings
    aside); the pending ones are then recorded through ``BatchStore.record_many``, the product's
    own path. Used only to measure the parent's memory when exporting 100k results on a machine
    too loaded to check 100k cases in the time available: say so next to the figure."""
    from models.batch import BatchStore

    store = BatchStore(f"sqlite:///{db}")
    bid = store.batches_in(("running", "done", "queued", "cancelled", "failed"))[0]
    base: dict[int, dict[str, Any]] = {}
    checked = differ = 0
    for i, r in enumerate(store.iter_results(bid, with_pending=True)):
        if r["status"] == "pending":
            continue
        r = {k: v for k, v in r.items() if k not in ("status", "timings_ms")}
        if i < n_rows:
            base[i] = r
        elif i % n_rows in base:
            checked += 1
            want = dict(base[i % n_rows], source=r["source"], name=r["name"])
            differ += want != r
    filled = 0
    buf: list[dict[str, Any]] = []
    for i, r in enumerate(store.iter_results(bid, with_pending=True)):
        if r["status"] != "pending":
            continue
        src = base[i % n_rows]
        buf.append(dict(src, source=r["source"], name=r["name"], timings_ms={"total": 0.0}))
        if len(buf) >= 500:
            filled += sum(store.record_many(bid, buf))
            buf = []
    filled += sum(store.record_many(bid, buf))
    store.dispose()
    return {"computed_copies_checked": checked, "computed_copies_differing": differ, "filled": filled}


def _old_report(ref: str, tmp: Path) -> Any:
    """models/batch/report.py (+ its template) as of commit ``ref``, importable from ``tmp``."""
    pkg = tmp / f"report_{ref[:12]}"
    pkg.mkdir(parents=True, exist_ok=True)
    for name in ("report.py", "report.html.j2"):
        text = subprocess.run(["git", "show", f"{ref}:models/batch/{name}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        if name == "report.py":
            text = text.replace("from .store import GRADES", "from models.batch.store import GRADES")
        (pkg / name).write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"old_report_{ref[:12]}", pkg / "report.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def _xlsx_cells(path: Path) -> dict[str, dict[tuple[int, int], tuple[Any, ...]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    out: dict[str, dict[tuple[int, int], tuple[Any, ...]]] = {}
    for ws in wb.worksheets:
        cells: dict[tuple[int, int], tuple[Any, ...]] = {}
        for row in ws.iter_rows():
            for c in row:
                if getattr(c, "value", None) is None and not getattr(c, "has_style", False):
                    continue
                sig = (c.value, c.data_type, bool(c.font.b), c.font.sz, c.fill.fgColor.rgb if c.fill else None,
                       bool(c.alignment.wrap_text), c.alignment.vertical)
                cells[(c.row, c.column)] = sig
        out[ws.title] = cells
    wb.close()
    return out


def _xlsx_props(path: Path) -> dict[str, Any]:
    """Sheet-level properties from the package XML: panes, filters, column widths, charts."""
    out: dict[str, Any] = {}
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        out["charts"] = sorted(n for n in names if n.startswith("xl/charts/"))
        for n in sorted(x for x in names if re.match(r"xl/worksheets/sheet\d+\.xml$", x)):
            xml = z.read(n).decode("utf-8")
            out[n] = {
                "pane": re.findall(r"<pane [^>]*>", xml),
                "autoFilter": re.findall(r'<autoFilter ref="([^"]+)"', xml),
                "cols": [tuple(re.findall(r'(min|max|width)="([^"]+)"', c))
                         for c in re.findall(r"<col [^>]*>", xml)],
                "drawing": len(re.findall(r"<drawing ", xml)),
            }
        out["chart_xml"] = [z.read(n) for n in out["charts"] if n.endswith(".xml")]
    return out


def compare_reports(new: dict[str, Path], old: dict[str, Path]) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for fmt in ("jsonl", "html"):
        res[fmt] = "identical bytes" if new[fmt].read_bytes() == old[fmt].read_bytes() else "DIFFERENT"
    a, b = _xlsx_cells(new["xlsx"]), _xlsx_cells(old["xlsx"])
    diffs = [(sheet, k) for sheet in set(a) | set(b) for k in set(a.get(sheet, {})) | set(b.get(sheet, {}))
             if a.get(sheet, {}).get(k) != b.get(sheet, {}).get(k)]
    pa, pb = _xlsx_props(new["xlsx"]), _xlsx_props(old["xlsx"])
    prop_diff = sorted(k for k in set(pa) | set(pb) if pa.get(k) != pb.get(k))
    ncells = sum(len(v) for v in b.values())
    res["xlsx"] = (f"identical cells ({ncells}: value, type, bold, size, fill, wrap) and sheet properties"
                   if not diffs and not prop_diff and list(a) == list(b)
                   else f"DIFFERENT: {len(diffs)} cells {sorted(diffs)[:5]}, properties {prop_diff}, sheets {list(a)} / {list(b)}")
    res["ok"] = all(not v.startswith("DIFFERENT") for v in res.values())
    return res


def run(args: argparse.Namespace) -> int:
    work = Path(args.work).resolve() if args.work else ROOT / "eval" / "out" / f"batch-scale-{args.cases}"
    src = work / "cases"
    t0 = time.perf_counter()
    n = build_cases(src, args.cases)
    print(f"{n} cases in {src} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    outs = {fmt: work / f"report.{fmt}" for fmt in ("xlsx", "html", "jsonl")}
    db = work / "batch.sqlite"
    fill = None
    if args.fill_by_cycle:
        from eval.datasets import load_generated

        fill = fill_by_cycle(db, len(load_generated("dev")))
        print(json.dumps(fill), file=sys.stderr)
    else:
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
    for p in outs.values():
        p.unlink(missing_ok=True)
    tree = Path(args.tree).resolve() if args.tree else ROOT
    cmd = [sys.executable, "-m", "models.cli", "batch", str(src), "--db", str(db), "--workers", str(args.workers),
           "--quiet"]
    for p in outs.values():
        cmd += ["--out", str(p)]
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    cpu = 0.0
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        hwm = _kib(proc.pid, "VmHWM")
        peak = max(peak, hwm)
        cpu = max(cpu, _cpu_s(proc.pid))
        samples.append((round(time.perf_counter() - t0, 1), _kib(proc.pid, "VmRSS")))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    ended = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    so, se = proc.communicate()
    if proc.returncode != 0:
        print(so, se, file=sys.stderr)
        return 1
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    import sqlite3

    con = sqlite3.connect(db)
    started, finished = con.execute("SELECT started_at, finished_at FROM batches").fetchone()
    status = dict(con.execute("SELECT status, count(*) FROM batch_items GROUP BY status").fetchall())
    con.close()
    engine_s = (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).total_seconds()
    report_s = (ended - dt.datetime.fromisoformat(finished)).total_seconds()
    res: dict[str, Any] = {
        "command": f"python -m eval batch-scale --cases {args.cases} --workers {args.workers}"
                   + (f" --compare {args.compare}" if args.compare else "")
                   + (f" --tree {args.tree}" if args.tree else "") + (" --fill-by-cycle" if args.fill_by_cycle else ""),
        "date": dt.date.today().isoformat(), "cases": n, "workers": args.workers, "status": status,
        "wall_s": round(wall, 1), "engine_s": round(engine_s, 1), "reports_s": round(report_s, 1),
        "cases_per_s_engine": round(n / engine_s, 1) if engine_s else None,
        "parent_peak_rss_mib": round(peak / 1024, 1), "parent_cpu_s": round(cpu, 1),
        "tree": str(tree) if args.tree else "", "fill_by_cycle": fill,
        "parent_rss_mib_samples": [(t, round(k / 1024)) for t, k in samples[:: max(1, len(samples) // 12)]],
        "load_before": " ".join(load_before), "load_after": " ".join(load_after),
        "report_mib": {k: round(p.stat().st_size / 2**20, 1) for k, p in outs.items()},
    }
    if args.compare:
        from models.batch import BatchStore

        ref = subprocess.run(["git", "rev-parse", "--short", args.compare], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
        with tempfile.TemporaryDirectory(prefix="jiancha-oldreport-") as tmp:
            old = _old_report(args.compare, Path(tmp))
            store = BatchStore(f"sqlite:///{db}")
            bid = store.batches_in(("done",))[0]
            st = store.status(bid)
            results = store.results(bid, limit=None, with_pending=True)
            olds = {fmt: Path(tmp) / f"old.{fmt}" for fmt in outs}
            t1 = time.perf_counter()
            for p in olds.values():
                old.export(results, p, st)
            res["old_code_export_s"] = round(time.perf_counter() - t1, 1)
            del results
            store.dispose()
            res["compare"] = {"ref": ref, **compare_reports(outs, olds)}
    print(json.dumps(res, ensure_ascii=False, indent=1))
    if not args.no_write:
        _write(res)
    ok = status.get("pending", 0) == 0 and (not args.compare or res["compare"]["ok"])
    return 0 if ok else 1


def _write(r: dict[str, Any]) -> None:
    """One row per case count in a table kept between the task's markers."""
    state_re = re.compile(r"<!-- batch-scale-state (.*?) -->", re.S)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    m = state_re.search(text)
    state: dict[str, Any] = json.loads(m.group(1)) if m else {}
    state[f"{r['cases']}{' ' + r['tree'] if r.get('tree') else ''}{' fill' if r.get('fill_by_cycle') else ''}"] = r
    rows = []
    for key in sorted(state, key=lambda k: (int(k.split()[0]), k)):
        x = state[key]
        cmp = x.get("compare")
        same = (f"{cmp['ref']}: JSONL {cmp['jsonl']}, HTML {cmp['html']}, Excel {cmp['xlsx']}" if cmp else "—")
        how = (f" (code: {x['tree']})" if x.get("tree") else "") + (" (filled by cycle, see below)" if x.get("fill_by_cycle") else "")
        rows.append(f"| {x['cases']}{how} | {x['workers']} | {x['cases_per_s_engine']} ({x['engine_s']} s) | {x['reports_s']} s "
                    f"| {x['wall_s']} s | **{x['parent_peak_rss_mib']} MiB** | {x.get('parent_cpu_s', '—')} s | {x['load_before']} → {x['load_after']} "
                    f"| {x['date']} | {same} |")
    slim = {k: {kk: vv for kk, vv in v.items() if kk != "parent_rss_mib_samples"} for k, v in state.items()}
    body = f"""<!-- batch-scale:start -->
## Batch parent at scale (eval/tasks/batch_scale.py)

Command: `python -m eval batch-scale --cases N --workers 2 [--compare REF]` (the N-case folder is
built once under eval/out/ from the generated dev cases, cycled). `jiancha batch DIR --out r.xlsx
--out r.html --out r.jsonl`; the parent's peak RSS is VmHWM of the parent process alone (the pool
workers are separate processes). The machine has 2 cores shared by ~8 sessions: the load average
is given; the speed figures want an idle re-run.

| cases | workers | cases/s (batch start → end) | reports (3 formats) | wall | parent peak RSS | parent CPU | load (1/5/15 min) before → after | date | reports vs. commit |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
<!-- batch-scale-state {json.dumps(slim, ensure_ascii=False)} -->
<!-- batch-scale:end -->"""
    replace_block(RESULTS, "batch-scale", body)
