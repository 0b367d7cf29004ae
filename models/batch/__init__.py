"""Batch review of closed cases (案件评查 / 每案必检): discover the cases of a folder or zip, run
each through ``models.pipeline``, keep resumable state in SQL tables, export Excel/HTML/JSONL.

No server imports: ``jiancha batch`` and the web's ``server.worker.BatchWorker`` both use this.
"""

from .discover import CaseSource, discover, load_source
from .engine import DEFAULT_WORKERS, check_source, open_batch, run_batch
from .report import FORMATS, export, summarize, write_html, write_jsonl, write_xlsx
from .store import GRADES, STATES, BatchStore, default_db_url, metadata

__all__ = [
    "DEFAULT_WORKERS",
    "FORMATS",
    "GRADES",
    "STATES",
    "BatchStore",
    "CaseSource",
    "check_source",
    "default_db_url",
    "discover",
    "export",
    "load_source",
    "metadata",
    "open_batch",
    "run_batch",
    "summarize",
    "write_html",
    "write_jsonl",
    "write_xlsx",
]
