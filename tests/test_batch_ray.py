"""Batch review on Ray (models/batch/ray_engine.py): the same results as the inline run, and a Ray
worker killed mid-batch loses and doubles nothing. One local Ray cluster (loopback only, 2 CPUs)
for the module, stopped at its end; a few seconds to start."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.batch import BatchStore, open_batch, run_batch
from models.batch.ray_engine import LOCAL, RayExecutor, connect, disconnect

FILES = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}


def _norm(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "timings_ms"} for r in rows]


@pytest.fixture(scope="module")
def ray_local():
    import importlib.util

    if importlib.util.find_spec("ray") is None:  # ray is in the [test] extra: missing is a failure
        pytest.fail("ray not installed (pip install -e '.[test]' or the extra jiancha[cluster])", pytrace=False)
    ray = connect(LOCAL, num_cpus=2)
    yield ray
    disconnect()


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from eval.datasets import load_generated

    root = tmp_path_factory.mktemp("ray") / "cases"
    for i, row in enumerate(load_generated("dev", 24)):
        d = root / f"c{i:02d}"
        d.mkdir(parents=True)
        for kind, text in row["documents"].items():
            (d / FILES[kind]).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reference(cases: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    store = BatchStore(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.sqlite'}")
    bid, _ = open_batch(store, cases)
    assert run_batch(store, bid, workers=1) == "done"
    return store.results(bid, limit=None)


def test_local_cluster_is_loopback_only(ray_local) -> None:
    nodes = ray_local.nodes()
    assert len(nodes) == 1 and nodes[0]["NodeManagerAddress"] == "127.0.0.1"


def test_ray_run_equals_inline(ray_local, cases: Path, reference: list[dict], tmp_path: Path) -> None:
    store = BatchStore(f"sqlite:///{tmp_path / 'b.sqlite'}")
    bid, _ = open_batch(store, cases)
    ex = RayExecutor(LOCAL, chunk=5, in_flight=2)
    assert run_batch(store, bid, executor=ex) == "done"
    assert ex.stats["chunks"] == 5 and ex.stats["in_flight"] == 2 and ex.stats["failed_chunks"] == 0
    assert _norm(store.results(bid, limit=None)) == _norm(reference)


def _busy_ray_workers(session_dir: str) -> list[int]:
    """Pids of this cluster's worker processes running a chunk now (Ray titles them by the task;
    their parent is this cluster's raylet, whose command line names the session directory)."""
    pids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if not (p / "cmdline").read_bytes().startswith(b"ray::_check_chunk"):
                continue
            ppid = (p / "stat").read_text().rsplit(")", 1)[1].split()[1]
            if session_dir.encode() in Path(f"/proc/{ppid}/cmdline").read_bytes():
                pids.append(int(p.name))
        except (OSError, IndexError):
            continue
    return pids


def test_killed_worker_loses_and_doubles_nothing(ray_local, cases: Path, reference: list[dict],
                                                  tmp_path: Path) -> None:
    session = ray_local._private.worker._global_node.get_session_dir_path()
    store = BatchStore(f"sqlite:///{tmp_path / 'k.sqlite'}")
    bid, _ = open_batch(store, cases)
    killed: list[int] = []
    finished = threading.Event()

    def killer() -> None:  # beside the run (results are recorded in groups): kill one busy worker once
        while not finished.is_set():
            pids = _busy_ray_workers(session)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.005)

    ex = RayExecutor(LOCAL, chunk=3, in_flight=2, max_retries=3)
    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        assert run_batch(store, bid, executor=ex) == "done"
    finally:
        finished.set()
        t.join()
    assert killed, "no Ray worker was busy to kill"
    assert ex.stats["failed_chunks"] == 0  # Ray ran the lost chunk again
    got = store.results(bid, limit=None)
    assert _norm(got) == _norm(reference)
    with sqlite3.connect(tmp_path / "k.sqlite") as con:
        assert con.execute("SELECT count(*), count(DISTINCT source) FROM batch_items").fetchone() == (24, 24)
        assert con.execute("SELECT count(*) FROM batch_findings").fetchone()[0] == sum(len(r["findings"]) for r in got)


def test_cli_ray_option_and_bad_address(ray_local, cases: Path, tmp_path: Path, monkeypatch) -> None:
    from models.cli import app

    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    # connected already (the module's cluster): --ray reuses the connection
    r = CliRunner().invoke(app, ["batch", str(cases), "--out", str(tmp_path / "r.jsonl"), "--db",
                                 str(tmp_path / "c.sqlite"), "--ray", LOCAL, "--quiet"])
    assert r.exit_code == 0, r.output
    assert "已评查 24 件" in r.output and len((tmp_path / "r.jsonl").read_text().splitlines()) == 24


def test_cli_unreachable_cluster_is_a_clear_error(tmp_path: Path, cases: Path) -> None:
    """Run in a subprocess (this process may hold a Ray connection): exit 2, one Chinese line."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    env = {**os.environ, "JIANCHA_DATA_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "models.cli", "batch", str(cases), "--out", str(tmp_path / "x.jsonl"),
                        "--db", str(tmp_path / "x.sqlite"), "--ray", f"127.0.0.1:{port}", "--quiet"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "无法连接 Ray 集群" in r.stderr


def test_web_batch_worker_runs_on_ray_when_configured(ray_local, cases: Path, reference: list[dict],
                                                       tmp_path: Path, monkeypatch) -> None:
    from knowledge.settings import get_settings
    from models.batch import ray_engine
    from server.worker import BatchWorker

    calls: list[int] = []
    real = ray_engine.RayExecutor.__call__

    def spy(self, root, todo, done, stop):  # noqa: ANN001, ANN202 - same signature
        calls.append(len(todo))
        return real(self, root, todo, done, stop)

    monkeypatch.setattr(ray_engine.RayExecutor, "__call__", spy)
    monkeypatch.setenv("JIANCHA_RAY_ADDRESS", LOCAL)
    get_settings.cache_clear()
    w = BatchWorker(f"sqlite:///{tmp_path / 'web.sqlite'}", tmp_path / "data", workers=2, poll_seconds=0.05)
    try:
        w.start()
        bid = w.submit(cases, "集群评查", owner="alice", department=None)
        st = w.wait(bid, timeout=300)
    finally:
        w.stop()
        get_settings.cache_clear()
    assert calls == [24] and st["state"] == "done" and st["done"] == 24
    assert _norm(w.results(bid, limit=None)) == _norm(reference)
