"""Batch review on a Ray cluster: the same ``check_source`` as the process pool, as Ray tasks over
chunks of cases (optional extra ``jiancha[cluster]``).

Only the running of cases moves to the cluster. The results come back to the calling process,
which records each one through ``BatchStore.record`` (one writer, the store's exactly-once rule),
so a worker or node that dies mid-task loses and doubles nothing: Ray runs a lost task again
(``max_retries``) and a case is recorded once, when its first result arrives; a chunk that fails
even after the retries is recorded as failed, as the pool does with a crashed process.

Back-pressure: at most ``in_flight`` chunks are submitted at a time (default twice the cluster's
CPUs), the next one is submitted as one comes back (``ray.wait``). Scheduling, placement and
retries are Ray's own.

Every node must have jiancha installed (the same version) and see the batch's input at the same
path (a shared folder); ``JIANCHA_*`` settings of the calling process are passed to the tasks.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.errors import BadInput

from .discover import CaseSource
from .engine import Done, check_source

LOCAL = "local"  # --ray local: start a one-machine cluster for this run
_STARTED_HERE = False  # this process started (or connected to) Ray through ``connect``


def _check_chunk(root: str, cases: list[CaseSource]) -> list[dict[str, Any]]:
    """The Ray task: one chunk of cases, in order (``check_source`` never raises)."""
    return [check_source(root, cs) for cs in cases]


def _failed(cs: CaseSource, e: BaseException) -> dict[str, Any]:
    return {"source": cs.key, "name": cs.name, "case_id": None, "grade": None,
            "counts": {"error": 0, "warning": 0, "info": 0}, "findings": [], "timings_ms": {},
            "error": f"内部错误：集群任务失败（{type(e).__name__}）"}


def _settings_env() -> dict[str, str]:
    """The caller's ``JIANCHA_*`` settings, for the tasks (a node's own environment may differ)."""
    return {k: v for k, v in os.environ.items() if k.startswith("JIANCHA_") and k != "JIANCHA_RAY_ADDRESS"}


def connect(address: str, *, num_cpus: int | None = None) -> Any:
    """Connect this process to the Ray cluster at ``address`` (``local``: start one on this machine
    with ``num_cpus`` CPUs); reuses a connection already made. Returns the ``ray`` module."""
    global _STARTED_HERE
    if address == LOCAL:  # a one-run cluster binds loopback only (Ray's single-node mode; read on import)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError as e:
        raise BadInput("未安装 Ray，无法在集群上评查；请安装 pip install 'jiancha[cluster]'") from e
    if ray.is_initialized():
        return ray
    _reachable(address)
    if address == LOCAL and os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0":
        try:  # ray was imported before the variable was set: same switch, read at call time
            from ray._private import ray_constants

            ray_constants.ENABLE_RAY_CLUSTER = False
        except (ImportError, AttributeError):  # pragma: no cover - another Ray layout
            pass
    kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING,
                          "runtime_env": {"env_vars": _settings_env()}}
    try:
        if address == LOCAL:
            ray.init(num_cpus=num_cpus, **kw)
        else:
            ray.init(address=address, **kw)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as e:
        raise BadInput(f"无法连接 Ray 集群{address}（{type(e).__name__}: {str(e)[:160]}）") from e
    _STARTED_HERE = True
    return ray


def _reachable(address: str) -> None:
    """Fail fast on a ``host:port`` nobody answers on (Ray itself keeps retrying for a minute)."""
    import socket
    from urllib.parse import urlsplit

    if address in (LOCAL, "auto"):
        return
    u = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = u.hostname, u.port
    except ValueError:
        raise BadInput(f"Ray 集群地址{address}格式有误（应为 主机:端口）") from None
    if not host or not port:
        raise BadInput(f"Ray 集群地址{address}格式有误（应为 主机:端口）")
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as e:
        raise BadInput(f"无法连接 Ray 集群{address}（{e.strerror or type(e).__name__}）") from None


def disconnect() -> None:
    """Leave the cluster (a ``local`` one stops) if ``connect`` joined it."""
    global _STARTED_HERE
    if _STARTED_HERE:
        import ray

        ray.shutdown()
        _STARTED_HERE = False


class RayExecutor:
    """An ``engine.Executor`` that runs the cases as Ray tasks (see the module docstring)."""

    def __init__(self, address: str, *, num_cpus: int | None = None, chunk: int = 0, in_flight: int = 0,
                 max_retries: int = 3) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.chunk = chunk  # 0: about four chunks per CPU, at most 16 cases each
        self.in_flight = in_flight  # 0: twice the cluster's CPUs
        self.max_retries = max_retries
        self.stats: dict[str, Any] = {}

    def __call__(self, root: Path, todo: list[CaseSource], done: Done, stop: Callable[[], bool]) -> bool:
        ray = connect(self.address, num_cpus=self.num_cpus)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        size = self.chunk or max(1, min(16, math.ceil(len(todo) / (4 * cpus))))
        limit = self.in_flight or 2 * cpus
        task = ray.remote(num_cpus=1, max_retries=self.max_retries)(_check_chunk)
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        self.stats = {"cpus": cpus, "chunk": size, "chunks": len(chunks), "in_flight": limit, "failed_chunks": 0}
        running: dict[Any, list[CaseSource]] = {}
        it = iter(chunks)
        while True:
            while len(running) < limit and not stop():
                ch = next(it, None)
                if ch is None:
                    break
                running[task.remote(str(root), ch)] = ch
            if not running:
                return stop()
            ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
            for ref in ready:
                ch = running.pop(ref)
                try:
                    results = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - lost even after Ray's retries (node gone, OOM)
                    self.stats["failed_chunks"] += 1
                    results = [_failed(cs, e) for cs in ch]
                for r in results:
                    done(r)
            if stop() and not running:
                return True


def from_settings(workers: int | None = None) -> RayExecutor | None:
    """A ``RayExecutor`` when ``JIANCHA_RAY_ADDRESS`` (settings ``ray_address``) is set, else None."""
    from knowledge.settings import get_settings

    s = get_settings()
    if not s.ray_address:
        return None
    return RayExecutor(s.ray_address, num_cpus=workers, chunk=s.ray_chunk, max_retries=s.ray_max_retries)
