"""Real cases the shipped models are fit on (``python -m models.gate.build``,
``python -m models.sentencing.learned``), kept in the product so that building a model never reads
/work/shared nor imports the evaluation package.

``cail.jsonl.gz``: the CAIL2018 exercise cases with official charge names, one JSON object a line:
``{"id": "cail-NNNN", "split", "fact", "charges", "articles", "prison_months", "fine_yuan", "life",
"death"}``. The split is fixed by ``sha1(id)[:8] % 100``: < 60 ``train``, < 70 ``dev`` (choices),
else ``test`` (reported by the evaluation, never used to fit or choose).

``judgments.jsonl.gz``: the single-defendant real judgments with a fixed term (有期徒刑/拘役/管制):
``{"id", "split", "fact", "charges", "prison_months", "penalty", "life", "death"}``, the judgments'
own fixed split (``dev`` may be fit on, ``test`` is held out); copied by
``eval.analyze.copy_judgment_terms``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["CAIL", "JUDGMENTS", "cail_split", "load_cail", "load_judgments"]

HERE = Path(__file__).resolve().parent
CAIL = HERE / "cail.jsonl.gz"
JUDGMENTS = HERE / "judgments.jsonl.gz"


def cail_split(case_id: str) -> str:
    h = int(hashlib.sha1(case_id.encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 60 else "dev" if h < 70 else "test"


@lru_cache(maxsize=1)
def _cail() -> tuple[dict[str, Any], ...]:
    with gzip.open(CAIL, "rt", encoding="utf-8") as f:
        return tuple(json.loads(x) for x in f if x.strip())


def load_cail(*splits: str) -> list[dict[str, Any]]:
    """CAIL cases of the given splits (all when none given)."""
    return [r for r in _cail() if not splits or r["split"] in splits]


@lru_cache(maxsize=1)
def _judgments() -> tuple[dict[str, Any], ...]:
    if not JUDGMENTS.exists():
        return ()
    with gzip.open(JUDGMENTS, "rt", encoding="utf-8") as f:
        return tuple(json.loads(x) for x in f if x.strip())


def load_judgments(*splits: str) -> list[dict[str, Any]]:
    """Judgment cases (term model rows) of the given splits (all when none given)."""
    return [r for r in _judgments() if not splits or r["split"] in splits]
