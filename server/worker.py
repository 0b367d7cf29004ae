"""Background batch worker for the web app: runs queued batch reviews through ``models.batch``.

One thread takes queued batches oldest first and runs each with a process pool. State is in the
``models.batch.store`` tables, so a killed server loses nothing: on SQLite, ``start()`` queues
batches left ``running`` again and they continue with their pending cases (each case recorded
exactly once — see ``models.batch.store``). On PostgreSQL every web worker process runs one of these
threads against the same tables: a batch is claimed with a row lock and held by an advisory lock
(``models.batch.claims``), so exactly one live process runs it, and a batch whose process died is
resumed by the next worker that polls. A cancel is seen between cases, also when it was made by
another process sharing the database.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from models.batch import FORMATS, BatchStore, discover, export, run_batch
from models.batch.claims import Claim, Claims
from models.errors import BadInput

logger = logging.getLogger(__name__)

_FINAL = ("done", "cancelled", "failed")


def _no_paths(message: str, source: str) -> str:
    """A message for people without the server's folder path in it."""
    return message.replace(str(Path(source).parent) + "/", "").replace(str(source), Path(source).name)


class BatchWorker:
    """Queue, run, cancel and report batch reviews (interface agreed in notes/session10.md)."""

    def __init__(self, db_url: str, data_dir: Path, *, workers: int | None = None,
                 poll_seconds: float = 1.0) -> None:
        from knowledge.settings import get_settings

        self.data_dir = Path(data_dir)
        self.store = BatchStore(db_url)
        self.claims = Claims(self.store)
        self.workers = max(1, int(workers if workers is not None else get_settings().batch_workers))
        self.poll_seconds = poll_seconds
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._cancel: set[str] = set()
        self._lock = threading.Lock()
        self.current: str | None = None  # the batch being run now

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the background thread; batches left running by a killed process are resumed."""
        if self._thread is not None and self._thread.is_alive():
            return
        if not self.claims.shared:  # one process owns a SQLite file: whatever is running was ours
            for bid in self.store.batches_in(("running",)):
                self.store.set_state(bid, "queued", only_from=("running",))
                logger.info("resuming batch %s", bid)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="jiancha-batch-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the cases in flight; an unfinished batch stays ``running`` (resumed on start)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                claim = self.claims.claim()
            except Exception:  # noqa: BLE001 - database unreachable for a moment: poll again
                logger.exception("could not claim a batch")
                claim = None
            if claim is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                continue
            bid = claim.batch_id
            try:
                self._run(claim)
            except Exception as e:  # noqa: BLE001 - a batch that breaks never kills the worker
                logger.exception("batch %s failed", bid)
                self.store.set_state(bid, "failed", only_from=("running",), error=f"评查出错，已中止（{type(e).__name__}）；详情见服务器日志")
            finally:
                self.current = None
                self.claims.release(claim)

    def _run(self, claim: Claim) -> None:
        bid = claim.batch_id
        self.current = bid
        last = [0.0]
        cancelled = [False]

        def should_stop() -> bool:
            if self._stop.is_set():
                return True
            with self._lock:
                if bid in self._cancel:
                    cancelled[0] = True
                    return True
            now = time.monotonic()
            if now - last[0] > 1.0:  # a cancel made by another process
                last[0] = now
                row = self.store.batch_row(bid)
                if row is None or row["state"] == "cancelled":
                    cancelled[0] = True
                    return True
                if not self.claims.alive(claim):  # lock lost: another worker may resume it
                    return True
            return False

        row = self.store.batch_row(bid)
        if row is not None and row["origin"] == "web-folder" and not row["total"]:
            try:  # a server folder: find its cases now, in the background
                self.store.add_items(bid, discover(Path(row["source"])))
            except BadInput as e:
                self.store.set_state(bid, "failed", only_from=("running",), error=_no_paths(str(e), row["source"]))
                return
            except OSError as e:
                self.store.set_state(bid, "failed", only_from=("running",),
                                     error=f"无法读取文件夹（{e.strerror or type(e).__name__}）")
                return
        from models.batch.ray_engine import from_settings  # JIANCHA_RAY_ADDRESS: the cases run on Ray

        run_batch(self.store, bid, workers=self.workers, should_stop=should_stop,
                  executor=from_settings(self.workers))
        if cancelled[0]:
            self.store.set_state(bid, "cancelled", only_from=("running", "queued"))
        with self._lock:
            self._cancel.discard(bid)

    # ------------------------------------------------------------------ API

    def submit(self, source: Path, name: str, owner: str, department: str | None) -> str:
        """Queue a batch over a folder or zip of cases; returns its id.

        A folder (on the server, checked by the caller) is read in place: nothing is copied and nothing is read
        now; the worker finds the cases when it starts the batch (symbolic links not followed) and
        reads each case from the folder as it runs. Otherwise (an uploaded zip) the input is copied
        into ``data_dir/batches/<id>/``; a bad or hostile input raises ``BadInput`` (nothing queued).
        """
        source = Path(source)
        if not source.exists():
            raise BadInput("批量评查的输入不存在")
        bid = uuid.uuid4().hex
        if source.is_dir():
            self.store.create_batch(source, [], name=name or source.name, owner=owner, department=department,
                                    origin="web-folder", batch_id=bid, state="queued")
            self._wake.set()
            return bid
        home = self.data_dir / "batches" / bid
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        # the copy is named after the batch (people see this name as the batch's input, not an upload id)
        stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", (name or source.stem)).strip(". ")[:100] or "input"
        target = home / "input" / f"{stem}{source.suffix.lower()}"
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
            cases = discover(target)
        except BadInput:
            shutil.rmtree(home, ignore_errors=True)
            raise
        except OSError as e:
            shutil.rmtree(home, ignore_errors=True)
            raise BadInput(f"无法读取批量评查的输入（{e.strerror or type(e).__name__}）") from e
        self.store.create_batch(target, cases, name=name or source.name, owner=owner, department=department,
                                origin="web", batch_id=bid, state="queued")
        self._wake.set()
        return bid

    def cancel(self, batch_id: str) -> bool:
        """Cancel a queued or running batch; False when it is unknown or already finished."""
        if self.store.set_state(batch_id, "cancelled", only_from=("queued", "running")):
            with self._lock:
                self._cancel.add(batch_id)
            return True
        return False

    def status(self, batch_id: str) -> dict[str, Any]:
        """id, name, owner, department, state, total, done, failed, pending, grades {优质:n,…},
        created_at, started_at, finished_at, error. ``KeyError`` when unknown."""
        st = self.store.status(batch_id)
        if st is None:
            raise KeyError(batch_id)
        return st

    def results(self, batch_id: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Finished cases in order: case_id, source, name, grade, counts, findings, error, status…"""
        if self.store.batch_row(batch_id) is None:
            raise KeyError(batch_id)
        return self.store.results(batch_id, offset=offset, limit=limit)

    def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Status of every batch (of ``owner`` when given), newest first."""
        return self.store.list_batches(owner)

    def export(self, batch_id: str, fmt: Literal["xlsx", "html", "jsonl"]) -> Path:
        """Write the aggregated report (all cases so far) to ``data_dir/batches/<id>/report.<fmt>``."""
        if fmt not in FORMATS:
            raise BadInput(f"不支持的报告格式：{fmt}（可选：xlsx、html、jsonl）")
        st = self.status(batch_id)
        results = lambda: self.store.iter_results(batch_id, with_pending=True)  # noqa: E731 - streamed per pass
        return export(results, self.data_dir / "batches" / batch_id / f"report.{fmt}", st)

    def wait(self, batch_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Block until the batch is finished (for tests and scripts); returns its status."""
        end = time.monotonic() + timeout
        while True:
            st = self.status(batch_id)
            if st["state"] in _FINAL or time.monotonic() > end:
                return st
            time.sleep(0.1)
