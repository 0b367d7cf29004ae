"""Claiming batches when several web workers share one PostgreSQL (models/batch/claims.py): row locks
(FOR UPDATE SKIP LOCKED) plus a per-batch advisory lock held while the batch runs. Exactly one live
process runs a batch; a batch whose process died is resumed by another; SQLite keeps its behaviour."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from models.batch import BatchStore, discover
from models.batch.claims import Claims
from server.worker import BatchWorker

ROOT = Path(__file__).resolve().parents[1]


def _cases(dest: Path, n: int) -> Path:
    from eval.tasks.batch import build_cases

    assert build_cases(dest, n) == n
    return dest


def _queue(store: BatchStore, src: Path, k: int) -> list[str]:
    cases = discover(src)
    return [store.create_batch(src, cases, name=f"b{i}", origin="web", state="queued") for i in range(k)]


def test_each_queued_batch_is_claimed_once_by_concurrent_workers(pg_url: str, tmp_path: Path) -> None:
    src = _cases(tmp_path / "in", 1)
    store = BatchStore(pg_url)
    ids = _queue(store, src, 5)
    # 8 "processes" (own engine each) claiming at the same moment, each as often as it can
    claimers = [Claims(BatchStore(pg_url)) for _ in range(8)]
    got: list[tuple[int, str]] = []
    held = []
    start = threading.Barrier(len(claimers))

    def run(i: int, cl: Claims) -> None:
        start.wait()
        while (c := cl.claim()) is not None:
            got.append((i, c.batch_id))
            held.append((cl, c))

    threads = [threading.Thread(target=run, args=(i, cl)) for i, cl in enumerate(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(b for _, b in got) == sorted(ids)  # every batch once, none twice
    assert {store.batch_row(b)["state"] for b in ids} == {"running"}
    # while their holders live, nobody else gets them (running batches with a held lock)
    assert Claims(store).claim() is None
    for cl, c in held:
        cl.release(c)
    # released while running (a stopping worker): resumable at once by another process
    again = Claims(store).claim()
    assert again is not None and again.resumed and again.batch_id in ids


def test_a_dead_holder_frees_its_batch(pg_url: str, tmp_path: Path) -> None:
    """A process holding a batch is killed with SIGKILL: its connection closes, PostgreSQL drops the
    lock, and another worker's next claim resumes the batch."""
    src = _cases(tmp_path / "in", 1)
    store = BatchStore(pg_url)
    (bid,) = _queue(store, src, 1)
    code = textwrap.dedent(f"""
        import sys, time
        from models.batch import BatchStore
        from models.batch.claims import Claims
        c = Claims(BatchStore({pg_url!r})).claim()
        print(c.batch_id, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == bid
        assert store.batch_row(bid)["state"] == "running"
        assert Claims(store).claim() is None  # held by the live process
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 30
    claim = None
    while claim is None and time.monotonic() < deadline:
        claim = Claims(store).claim()
        time.sleep(0.1)
    assert claim is not None and claim.batch_id == bid and claim.resumed


def test_two_workers_one_database_share_the_batches(pg_url: str, tmp_path: Path) -> None:
    """Two BatchWorkers (as in two `serve` processes) on one PostgreSQL: three batches submitted to
    either are all done, every case recorded once; a worker starting later does not take over the
    batch the other is running (SQLite's worker would queue it again on start)."""
    src = _cases(tmp_path / "in", 6)
    big = _cases(tmp_path / "big", 30)
    a = BatchWorker(pg_url, tmp_path / "da", workers=1, poll_seconds=0.05)
    b = BatchWorker(pg_url, tmp_path / "db", workers=1, poll_seconds=0.05)
    seen: dict[str, set[str]] = {}
    stop = threading.Event()

    def watch() -> None:  # which worker was running which batch, sampled
        while not stop.is_set():
            for name, w in (("a", a), ("b", b)):
                if w.current:
                    seen.setdefault(w.current, set()).add(name)
            time.sleep(0.005)

    t = threading.Thread(target=watch)
    t.start()
    try:
        a.start()
        first = a.submit(big, "first", owner="x", department=None)
        end = time.monotonic() + 120
        while a.status(first)["done"] < 1 and time.monotonic() < end:
            time.sleep(0.01)
        b.start()  # must not queue `first` again nor run it
        assert a.status(first)["state"] == "running" and a.status(first)["pending"] > 0
        more = [b.submit(src, f"more{i}", owner="x", department=None) for i in range(2)]
        sts = [w.wait(bid, timeout=300) for w, bid in ((a, first), (b, more[0]), (b, more[1]))]
    finally:
        a.stop()
        b.stop()
        stop.set()
        t.join()
    for st, n in zip(sts, (30, 6, 6), strict=True):
        assert st["state"] == "done" and st["done"] == n and st["pending"] == 0, st
    assert seen[first] == {"a"}
    assert all(len(v) == 1 for v in seen.values()), seen
    store = BatchStore(pg_url)
    for bid, n in zip((first, *more), (30, 6, 6), strict=True):
        res = store.results(bid, limit=None)
        assert len(res) == len({r["source"] for r in res}) == n


def test_sqlite_claims_are_plain_compare_and_set(tmp_path: Path) -> None:
    src = _cases(tmp_path / "in", 1)
    store = BatchStore(f"sqlite:///{tmp_path / 'b.sqlite'}")
    (bid,) = _queue(store, src, 1)
    cl = Claims(store)
    assert not cl.shared
    c = cl.claim()
    assert c is not None and c.batch_id == bid and c.conn is None and not c.resumed
    assert cl.claim() is None  # running: on SQLite only start() queues it again
    assert cl.alive(c)
    cl.release(c)
    assert store.batch_row(bid)["state"] == "running"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_up_down_up(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The Alembic revisions run on both databases, forwards, back to nothing, and forwards again."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from server.db import MIGRATIONS, make_engine, metadata, migrate

    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    migrate(engine)
    web = set(metadata.tables)
    assert web <= set(inspect(engine).get_table_names())
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert not web & set(inspect(engine).get_table_names())
    migrate(engine)
    migrate(engine)  # idempotent
    insp = inspect(engine)
    assert web <= set(insp.get_table_names())
    assert {c["name"] for c in insp.get_columns("api_tokens")} >= {"expires_at", "revoked_at"}
    engine.dispose()
