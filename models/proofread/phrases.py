"""Known legal-phrase confusions (phrases.yaml ``confusions``), readable without the sentence
corrector (numpy, the LM): the fast proofreading mode of ``jiancha check`` needs only these."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Any]:
    return load_yaml(Path(__file__).resolve().parent / "phrases.yaml")


def phrase_confusions() -> dict[str, str]:
    """Wrong → right phrases (a fresh dict)."""
    return dict(_phrases().get("confusions") or {})
