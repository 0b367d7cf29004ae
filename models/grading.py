"""Quality grade (优质 / 合格 / 瑕疵 / 不合格) from a case's findings, by the rules in grading.yaml."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml
from models.types import Finding


@lru_cache(maxsize=1)
def _grades() -> list[dict[str, Any]]:
    return load_yaml(Path(__file__).parent / "grading.yaml")["grades"]


def grade(findings: list[Finding]) -> str:
    n = Counter(f.severity for f in findings)
    for g in _grades():
        w = g["when"]
        if (n["error"] >= w.get("min_errors", 0) and n["warning"] >= w.get("min_warnings", 0)
                and n["info"] >= w.get("min_infos", 0)):
            return g["grade"]
    return _grades()[-1]["grade"]
