"""Loader for limits.yaml (statutory limits of the general part of 刑法)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml


@lru_cache(maxsize=1)
def limits() -> dict[str, Any]:
    return load_yaml(Path(__file__).parent / "limits.yaml")
