"""Data of the MoE gate (models.gate): parameters, cue words per charge, the fitted learned model.

- ``params.yaml``: n-gram settings, blend weights, multi-charge thresholds (tuned on the CAIL dev part);
- ``cues.yaml``: typical fact vocabulary per charge, part of the statute-text prior;
- ``elements.yaml``: element rules that shift charge scores (models/gate/elements.py: 轻微伤 only is
  not 故意伤害, the acts of 寻衅滋事 / 盗窃 / 诈骗, charges not yet in force at the time of the facts);
- ``learned.npz``: the learned charge classifier (vocabulary, idf, weights), built by
  ``python -m models.gate.build`` from the CAIL train + dev parts (never the test part).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml

HERE = Path(__file__).resolve().parent
LEARNED = HERE / "learned.npz"

__all__ = ["HERE", "LEARNED", "cues", "params"]


@lru_cache(maxsize=1)
def params() -> dict[str, Any]:
    return load_yaml(HERE / "params.yaml")


@lru_cache(maxsize=1)
def cues() -> dict[str, str]:
    """Official charge name → space-separated cue words."""
    return load_yaml(HERE / "cues.yaml") or {}
