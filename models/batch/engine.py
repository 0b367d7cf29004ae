"""Running a batch: each pending case through ``models.pipeline``, in a process pool.

The parent stays flat at any batch size: pending cases are read from the store a page at a time,
sent to the pool in chunks (one task per ``CHUNK`` cases, a bounded number in flight), and results
are recorded in groups, one transaction per group (``BatchStore.record_many``; see ``store`` for
the exactly-once rule: a group is committed whole or, if the process dies first, not at all).
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from models.errors import BadInput

from .discover import CaseSource, discover, load_source
from .store import BatchStore, utcnow

Progress = Callable[[dict[str, Any]], None]
Done = Callable[[dict[str, Any]], None]
# Runs ``check_source`` over the cases, hands each result to ``done`` in this process (the one
# writer), polls ``stop`` and returns True when it stopped early: the process pool (``_run_pool``)
# or another engine (``models.batch.ray_engine.RayExecutor``).
Executor = Callable[[Path, list[CaseSource], Done, Callable[[], bool]], bool]

DEFAULT_WORKERS = 2
CHUNK = 8  # cases per pool task: fewer round trips through the executor's queues
FLUSH_N = 64  # results per recording transaction …
FLUSH_S = 0.5  # … or after this many seconds, whichever comes first


def check_source(root: str | Path, case: CaseSource) -> dict[str, Any]:
    """Check one case of a batch; never raises: a failing case comes back with ``error`` set.

    Result keys: case_id, source, name, documents, expert, experts, charges, court, month,
    case_number, grade, missing_documents, counts {error, warning, info}, findings, facts (the
    thematic-analysis facts, ``models.analysis``), timings_ms, error.
    """
    from models.pipeline import build_case, check_case

    t0 = time.perf_counter()
    out: dict[str, Any] = {
        "case_id": None, "source": case.key, "name": case.name or Path(str(root)).stem, "documents": [],
        "expert": None, "experts": [], "charges": [], "court": None, "month": None, "case_number": None,
        "grade": None, "missing_documents": [], "counts": {"error": 0, "warning": 0, "info": 0},
        "findings": [], "timings_ms": {}, "error": None,
    }
    try:
        docs = load_source(Path(root), case)
        if not any(d.kind in ("indictment", "recommendation", "judgment") for d in docs):
            raise BadInput("未找到起诉书、量刑建议书或刑事判决书")
        t1 = time.perf_counter()
        c = build_case(docs)
        t2 = time.perf_counter()
        report = check_case(c)
        rd = report.to_dict()
        out.update({
            "case_id": report.case_id,
            "documents": rd["documents"],
            "experts": rd["experts"],
            "expert": _main_expert(report.experts),
            "grade": report.grade,
            "missing_documents": rd["missing_documents"],
            "findings": rd["findings"],
        })
        for f in report.findings:
            out["counts"][f.severity] = out["counts"].get(f.severity, 0) + 1
        out.update(_case_facts(c))
        from models.analysis import case_facts

        out["facts"] = case_facts(c)
        out["timings_ms"] = {"load": _ms(t0, t1), "extract": _ms(t1, t2), "check": _ms(t2, time.perf_counter())}
    except BadInput as e:
        out["error"] = f"输入有误：{e}"
    except Exception as e:  # noqa: BLE001 - one broken case never stops the batch
        out["error"] = f"内部错误：{type(e).__name__}: {e}"[:1000]
    out["timings_ms"]["total"] = _ms(t0, time.perf_counter())
    return out


def check_sources(root: str | Path, cases: list[CaseSource]) -> list[dict[str, Any]]:
    """``check_source`` over a chunk of cases (one pool task)."""
    return [check_source(root, cs) for cs in cases]


def _ms(a: float, b: float) -> float:
    return round((b - a) * 1000, 3)


def _main_expert(experts: list[tuple[str, float]]) -> str | None:
    named = [(n, s) for n, s in experts if n != "generic"]
    if named:
        return max(named, key=lambda x: x[1])[0]
    return experts[0][0] if experts else None


def _case_facts(case: Any) -> dict[str, Any]:
    """Charges, court, month (YYYY-MM) and case number, from the judgment first."""
    charges: list[str] = []
    court = number = month = None
    for kind in ("judgment", "indictment", "recommendation"):
        el = case.elements.get(kind)
        if el is None:
            continue
        for ch in el.charges:
            if ch not in charges:
                charges.append(ch)
        court = court or el.court
        number = number or el.case_number
        if month is None and el.date is not None:
            month = el.date.strftime("%Y-%m")
    return {"charges": charges, "court": court, "month": month, "case_number": number}


def _pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from a forkserver that has imported and warmed the pipeline once.

    Not plain fork: the server calls this from a thread, and forking a threaded process can
    deadlock; the forkserver is a fresh single-threaded process. Falls back to spawn where
    forkserver does not exist.
    """
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["models.batch._warm"])
    except ValueError:  # pragma: no cover - platforms without forkserver
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def run_batch(store: BatchStore, batch_id: str, workers: int = DEFAULT_WORKERS,
              progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
              executor: Executor | None = None) -> str:
    """Run the pending cases of a batch; returns the batch's final state.

    ``executor`` runs the cases elsewhere (a Ray cluster); default: ``workers`` local processes.

    ``progress`` gets the store's status-like counters after each recorded case; ``should_stop`` is
    polled between cases (inline) or chunks (pool, executor): when it answers True the run records
    what it has, stops early and the batch keeps its state (the caller decides: cancelled, or left
    running to be resumed).
    """
    row = store.batch_row(batch_id)
    if row is None:
        raise BadInput(f"批次{batch_id}不存在")
    root = Path(row["source"])
    if row["state"] != "running":  # the web worker claims (queued → running) before calling
        store.set_state(batch_id, "running")
    counts = store.counts(batch_id)
    if counts["pending"] and not root.exists():
        store.set_state(batch_id, "failed", error=f"批次的输入{root.name}已不存在")
        return "failed"
    stop = should_stop or (lambda: False)

    def _record(results: list[dict[str, Any]], at: list[Any]) -> None:
        for result, ok in zip(results, store.record_many(batch_id, results, at), strict=True):
            if ok:
                counts["done" if not result.get("error") else "failed"] += 1
                counts["pending"] -= 1
            if progress:
                progress({**counts, "total": row["total"], "last": result})

    if progress:
        progress({**counts, "total": row["total"], "last": None})
    todo = store.iter_pending(batch_id)
    stopped = False
    if executor is not None and counts["pending"]:
        rec = _Recorder(_record)
        try:  # the executor chunks a list; its results are still recorded here, in groups
            stopped = executor(root, list(todo), rec.add, stop)
        finally:
            rec.flush()
    elif workers <= 1 or counts["pending"] <= 1:
        for cs in todo:
            if stop():
                stopped = True
                break
            _record([check_source(root, cs)], [utcnow()])
    else:
        stopped = _run_pool(root, todo, workers, _Recorder(_record), stop)
    if stopped:
        return store.batch_row(batch_id)["state"]
    store.set_state(batch_id, "done", only_from=("running",))
    return store.batch_row(batch_id)["state"]


class _Recorder:
    """Buffers results and records them ``FLUSH_N`` at a time or every ``FLUSH_S`` seconds."""

    def __init__(self, record: Callable[[list[dict[str, Any]], list[Any]], None]) -> None:
        self._record = record
        self._buf: list[dict[str, Any]] = []
        self._at: list[Any] = []
        self._last = time.monotonic()

    def add(self, result: dict[str, Any]) -> None:
        self._buf.append(result)
        self._at.append(utcnow())
        if len(self._buf) >= FLUSH_N or time.monotonic() - self._last >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        self._last = time.monotonic()
        if self._buf:
            buf, at = self._buf, self._at
            self._buf, self._at = [], []
            self._record(buf, at)


def _failed(cs: CaseSource, why: str) -> dict[str, Any]:
    return {"source": cs.key, "name": cs.name, "case_id": None, "grade": None,
            "counts": {"error": 0, "warning": 0, "info": 0}, "findings": [],
            "timings_ms": {}, "error": f"内部错误：处理进程异常退出（{why}）"}


def _run_pool(root: Path, todo: Iterator[CaseSource], workers: int, rec: _Recorder,
              stop: Callable[[], bool]) -> bool:
    """Keep at most 2×workers chunks in flight (so a stop or a kill loses little work)."""
    ex = _pool(workers)
    running: dict[Future, list[CaseSource]] = {}
    try:
        while True:
            while len(running) < 2 * workers and not stop():
                chunk = list(itertools.islice(todo, CHUNK))
                if not chunk:
                    break
                running[ex.submit(check_sources, str(root), chunk)] = chunk
            if not running:
                rec.flush()
                return stop()
            finished, _ = wait(list(running), timeout=FLUSH_S, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                chunk = running.pop(fut)
                try:
                    results = fut.result()
                except Exception as e:  # noqa: BLE001 - a worker process died (OOM, crash)
                    broken = broken or isinstance(e, BrokenProcessPool)
                    results = [_failed(cs, type(e).__name__) for cs in chunk]
                for res in results:
                    rec.add(res)
            if broken:  # every case in flight is recorded as failed; start a fresh pool
                for fut, chunk in list(running.items()):
                    running.pop(fut)
                    for cs in chunk:
                        rec.add(_failed(cs, "BrokenProcessPool"))
                ex.shutdown(wait=False, cancel_futures=True)
                ex = _pool(workers)
            if not finished:
                rec.flush()  # nothing new for a while: record what is buffered
            if stop() and not running:
                rec.flush()
                return True
    finally:
        ex.shutdown(wait=False, cancel_futures=True)


def open_batch(store: BatchStore, source: Path, *, resume: bool = True, name: str = "",
               origin: str = "cli") -> tuple[str, bool]:
    """The batch for ``source``: the latest one from the same origin when ``resume`` (topped up with
    cases added since), else a new one. Returns (batch id, resumed)."""
    source = Path(source)
    cases = discover(source)
    prev = store.latest_for_source(source, origin=origin) if resume else None
    if prev is not None:
        store.add_items(prev["id"], cases)
        return prev["id"], True
    return store.create_batch(source, cases, name=name, origin=origin), False
