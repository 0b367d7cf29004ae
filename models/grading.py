"""Quality grade (优质 / 合格 / 瑕疵 / 材料不全 / 不合格) from a case's findings and the documents it
has, by the rules in grading.yaml."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml
from models.types import DOC_KIND_NAMES, Finding

# the documents a case needs for 三书比对, in their order
CASE_KINDS: tuple[str, ...] = ("indictment", "recommendation", "judgment")


@lru_cache(maxsize=1)
def _grades() -> list[dict[str, Any]]:
    return load_yaml(Path(__file__).parent / "grading.yaml")["grades"]


def missing_documents(kinds: Iterable[str]) -> list[str]:
    """Chinese names of the case documents absent from ``kinds`` (e.g. ["量刑建议书", "刑事判决书"])."""
    have = set(kinds)
    return [DOC_KIND_NAMES[k] for k in CASE_KINDS if k not in have]


def grade(findings: list[Finding], missing: Iterable[str] = ()) -> str:
    """The first grade of grading.yaml whose ``when`` holds; ``missing`` names absent documents."""
    n = Counter(f.severity for f in findings)
    incomplete = bool(list(missing))
    for g in _grades():
        w = g["when"]
        if "missing_documents" in w and bool(w["missing_documents"]) != incomplete:
            continue
        if (n["error"] >= w.get("min_errors", 0) and n["warning"] >= w.get("min_warnings", 0)
                and n["info"] >= w.get("min_infos", 0)):
            return g["grade"]
    return _grades()[-1]["grade"]
