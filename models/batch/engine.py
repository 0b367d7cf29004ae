"""Running a batch: each pending case through ``models.pipeline``, in a process pool, results
recorded one by one (see ``store`` for the exactly-once rule)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from models.errors import BadInput

from .discover import CaseSource, discover, load_source
from .store import BatchStore

Progress = Callable[[dict[str, Any]], None]
Done = Callable[[dict[str, Any]], None]
# Runs ``check_source`` over the cases, hands each result to ``done`` in this process (the one
# writer), polls ``stop`` and returns True when it stopped early: the process pool (``_run_pool``)
# or another engine (``models.batch.ray_engine.RayExecutor``).
Executor = Callable[[Path, list[CaseSource], Done, Callable[[], bool]], bool]

DEFAULT_WORKERS = 2


def check_source(root: str | Path, case: CaseSource) -> dict[str, Any]:
    """Check one case of a batch; never raises: a failing case comes back with ``error`` set.

    Result keys: case_id, source, name, documents, expert, experts, charges, court, month,
    case_number, grade, missing_documents, counts {error, warning, info}, findings, timings_ms, error.
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
        out["timings_ms"] = {"load": _ms(t0, t1), "extract": _ms(t1, t2), "check": _ms(t2, time.perf_counter())}
    except BadInput as e:
        out["error"] = f"输入有误：{e}"
    except Exception as e:  # noqa: BLE001 - one broken case never stops the batch
        out["error"] = f"内部错误：{type(e).__name__}: {e}"[:1000]
    out["timings_ms"]["total"] = _ms(t0, time.perf_counter())
    return out


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

    ``progress`` gets the store's status-like counters after each case; ``should_stop`` is polled
    between cases: when it answers True the run stops early and the batch keeps its state
    (the caller decides: cancelled, or left running to be resumed).
    """
    row = store.batch_row(batch_id)
    if row is None:
        raise BadInput(f"批次{batch_id}不存在")
    root = Path(row["source"])
    if row["state"] != "running":  # the web worker claims (queued → running) before calling
        store.set_state(batch_id, "running")
    todo = store.pending(batch_id)
    if todo and not root.exists():
        store.set_state(batch_id, "failed", error=f"批次的输入{root.name}已不存在")
        return "failed"
    counts = store.counts(batch_id)
    stop = should_stop or (lambda: False)

    def _done(result: dict[str, Any]) -> None:
        if store.record(batch_id, result):
            counts["done" if not result.get("error") else "failed"] += 1
            counts["pending"] -= 1
        if progress:
            progress({**counts, "total": row["total"], "last": result})

    if progress:
        progress({**counts, "total": row["total"], "last": None})
    stopped = False
    if executor is not None and todo:
        stopped = executor(root, todo, _done, stop)
    elif workers <= 1 or len(todo) <= 1:
        for cs in todo:
            if stop():
                stopped = True
                break
            _done(check_source(root, cs))
    else:
        stopped = _run_pool(root, todo, workers, _done, stop)
    if stopped:
        return store.batch_row(batch_id)["state"]
    store.set_state(batch_id, "done", only_from=("running",))
    return store.batch_row(batch_id)["state"]


def _run_pool(root: Path, todo: list[CaseSource], workers: int, done: Callable[[dict[str, Any]], None],
              stop: Callable[[], bool]) -> bool:
    """Keep at most 2×workers cases in flight (so a stop or a kill loses little work)."""
    ex = _pool(workers)
    it = iter(todo)
    running: dict[Future, CaseSource] = {}
    try:
        while True:
            while len(running) < 2 * workers and not stop():
                cs = next(it, None)
                if cs is None:
                    break
                running[ex.submit(check_source, str(root), cs)] = cs
            if not running:
                return stop()
            finished, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                cs = running.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - a worker process died (OOM, crash)
                    broken = broken or isinstance(e, BrokenProcessPool)
                    res = {"source": cs.key, "name": cs.name, "case_id": None, "grade": None,
                           "counts": {"error": 0, "warning": 0, "info": 0}, "findings": [],
                           "timings_ms": {}, "error": f"内部错误：处理进程异常退出（{type(e).__name__}）"}
                done(res)
            if broken:  # every case in flight was recorded as failed above; start a fresh pool
                for fut, cs in list(running.items()):
                    running.pop(fut)
                    done({"source": cs.key, "name": cs.name, "case_id": None, "grade": None,
                          "counts": {"error": 0, "warning": 0, "info": 0}, "findings": [],
                          "timings_ms": {}, "error": "内部错误：处理进程异常退出（BrokenProcessPool）"})
                ex.shutdown(wait=False, cancel_futures=True)
                ex = _pool(workers)
            if stop() and not running:
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
