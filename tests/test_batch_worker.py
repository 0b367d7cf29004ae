"""server/worker.py BatchWorker (the interface the web app calls) and the kill -9 fault test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from models.batch import BatchStore, discover
from models.errors import BadInput
from server.worker import BatchWorker

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"
FILES = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}


def _make_cases(dest: Path, n: int) -> Path:
    from eval.tasks.batch import build_cases

    assert build_cases(dest, n) == n
    return dest


@pytest.fixture()
def worker(tmp_path: Path):
    w = BatchWorker(f"sqlite:///{tmp_path / 'web.sqlite'}", tmp_path / "data", workers=1, poll_seconds=0.05)
    yield w
    w.stop()


def test_submit_run_status_results_export(worker: BatchWorker, tmp_path: Path) -> None:
    src = _make_cases(tmp_path / "in", 5)
    zpath = tmp_path / "upload.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in sorted(src.rglob("*.txt")):
            zf.write(f, f.relative_to(src).as_posix())
    worker.start()
    bid = worker.submit(zpath, "五月评查", owner="alice", department="一部")
    zpath.unlink()  # the worker keeps its own copy
    st = worker.wait(bid, timeout=120)
    assert st["state"] == "done" and st["total"] == 5 and st["done"] == 5 and st["failed"] == 0
    assert set(st["grades"]) == {"优质", "合格", "瑕疵", "材料不全", "不合格"} and sum(st["grades"].values()) == 5
    assert st["owner"] == "alice" and st["name"] == "五月评查" and st["created_at"] and st["finished_at"]
    res = worker.results(bid, offset=1, limit=2)
    assert [r["source"] for r in res] == ["case-0001", "case-0002"]
    for r in res:
        assert set(r) >= {"case_id", "source", "grade", "counts", "findings", "error"}
    for fmt in ("xlsx", "html", "jsonl"):
        p = worker.export(bid, fmt)
        assert p.exists() and p.suffix == f".{fmt}"
    assert len((tmp_path / "data" / "batches" / bid / "report.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    assert [b["id"] for b in worker.list("alice")] == [bid] and worker.list("bob") == []
    with pytest.raises(KeyError):
        worker.status("nope")
    assert worker.cancel(bid) is False  # already done


def test_cancel_queued_and_hostile_submit(worker: BatchWorker, tmp_path: Path) -> None:
    src = _make_cases(tmp_path / "in", 2)
    bid = worker.submit(src, "b", owner="alice", department=None)  # worker not started: stays queued
    assert worker.status(bid)["state"] == "queued"
    assert worker.cancel(bid) is True
    assert worker.status(bid)["state"] == "cancelled"
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../etc/x.txt", "被告人")
    with pytest.raises(BadInput, match="越级路径"):
        worker.submit(evil, "evil", owner="alice", department=None)
    assert len(worker.list()) == 1


def test_cancel_running(tmp_path: Path) -> None:
    src = _make_cases(tmp_path / "in", 40)
    w = BatchWorker(f"sqlite:///{tmp_path / 'w.sqlite'}", tmp_path / "data", workers=1, poll_seconds=0.05)
    try:
        w.start()
        bid = w.submit(src, "big", owner="a", department=None)
        end = time.monotonic() + 120
        while w.status(bid)["done"] < 1 and time.monotonic() < end:
            time.sleep(0.02)
        assert w.cancel(bid)
        w.wait(bid, timeout=60)
        w.stop()  # joins the worker: the case in flight at the cancel is finished, nothing else runs
        st = w.status(bid)
        assert st["state"] == "cancelled" and st["done"] < 40 and st["pending"] > 0
    finally:
        w.stop()


def test_start_resumes_batch_left_running(tmp_path: Path) -> None:
    """A batch the killed server left `running` with cases pending is finished on start."""
    src = _make_cases(tmp_path / "in", 4)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    store = BatchStore(url)
    bid = store.create_batch(src, discover(src), name="left", origin="web", state="running")
    from models.batch import check_source

    first = store.pending(bid)[0]
    assert store.record(bid, check_source(src, first))
    store.dispose()
    w = BatchWorker(url, tmp_path / "data", workers=1, poll_seconds=0.05)
    try:
        w.start()
        st = w.wait(bid, timeout=120)
    finally:
        w.stop()
    assert st["state"] == "done" and st["done"] == 4 and st["pending"] == 0
    with sqlite3.connect(tmp_path / "w.sqlite") as con:
        assert con.execute("SELECT count(*), count(DISTINCT source) FROM batch_items").fetchone() == (4, 4)


def _recorded(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute("SELECT count(*) FROM batch_items WHERE status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_batch_then_resume(tmp_path: Path) -> None:
    """`jiancha batch` killed with SIGKILL (whole process group) mid-run; the rerun finishes the
    batch: every case exactly once, results equal to an uninterrupted run."""
    n = 30
    src = _make_cases(tmp_path / "cases", n)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cmd(out: Path, db: Path) -> list[str]:
        return [sys.executable, "-m", "models.cli", "batch", str(src), "--out", str(out), "--db", str(db),
                "--workers", "1", "--quiet"]

    db, out = tmp_path / "k.sqlite", tmp_path / "k.jsonl"
    proc = subprocess.Popen(cmd(out, db), cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 120
    while proc.poll() is None and _recorded(db) < 10 and time.monotonic() < end:
        time.sleep(0.005)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _recorded(db)
    assert 10 <= at_kill < n
    r = subprocess.run(cmd(out, db), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"待评查 {n - at_kill} 件" in r.stderr
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(got) == n and len({g["source"] for g in got}) == n
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT source) FROM batch_items").fetchone() == (n, n)
        assert con.execute("SELECT count(*) FROM batch_items WHERE status='pending'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM batch_findings").fetchone()[0] == sum(len(g["findings"]) for g in got)
    # the uninterrupted reference, in-process
    ref_src = tmp_path / "ref"
    shutil.copytree(src, ref_src)
    from models.batch import open_batch, run_batch

    store = BatchStore(f"sqlite:///{tmp_path / 'ref.sqlite'}")
    bid, _ = open_batch(store, ref_src)
    run_batch(store, bid, workers=1)
    want = store.results(bid, limit=None)

    def norm(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in ("timings_ms", "status")} for r in rows]

    assert norm(got) == norm(want)
