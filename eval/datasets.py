"""Dataset loaders for the eval: the real judgments (copied into eval/data), the fixed split, and
the generated three-document cases."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
JUDGMENTS = DATA / "judgments.jsonl.gz"
SOURCE = Path("/work/shared/data/cases/judgments_judge.jsonl")  # development only


def _read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def copy_judgments(src: Path = SOURCE, dst: Path = JUDGMENTS) -> int:
    """Copy id, articles and judgment text of the real judgments into eval/data (deterministic gzip)."""
    rows = [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for r in rows:
            out = {"id": r["id"], "articles": r.get("articles", []), "judgment": r["judgment"]}
            gz.write((json.dumps(out, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(rows)


@lru_cache(maxsize=1)
def load_judgments() -> list[dict[str, Any]]:
    """The 501 real judgments: ``{"id", "articles", "judgment"}``."""
    return list(_read_jsonl_gz(JUDGMENTS))


@lru_cache(maxsize=1)
def load_split() -> dict[str, str]:
    """judgment id → "dev" | "test" (fixed; see eval/data/split.json)."""
    return json.loads((DATA / "split.json").read_text(encoding="utf-8"))["split"]


def load_generated(split: str = "dev", limit: int | None = None) -> list[dict[str, Any]]:
    """Generated cases ``{"id", "source_id", "documents", "labels", "clean"}`` of a split."""
    if split not in ("dev", "test"):
        raise ValueError(f"unknown split: {split}")
    out: list[dict[str, Any]] = []
    for row in _read_jsonl_gz(DATA / f"generated_{split}.jsonl.gz"):
        out.append(row)
        if limit is not None and len(out) >= limit:
            break
    return out
