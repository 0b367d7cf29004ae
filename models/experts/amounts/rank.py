"""The learned amount ranker at run time (numpy only): scores every candidate of ``candidates`` with
boosted trees fitted by ``eval.amount_rank_build`` (scikit-learn, at build time only; evaluated by
``knowledge.trees``) and picks the best.

``knowledge/guidelines/amount_ranker.npz`` holds the trees (flattened as the term model's are), the
feature names they were fitted on, the isotonic calibration of the top candidate's share of the
softmax (fitted on out-of-fold predictions of the train/dev labels) and the confidence threshold
chosen on those same predictions. Without the artifact the word rules' amount stands (``pick``
returns None).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.trees import Trees
from models.experts.amounts.candidates import candidates, feature_names

ARTIFACT = Path(__file__).resolve().parents[3] / "knowledge" / "guidelines" / "amount_ranker.npz"


@dataclass
class Pick:
    """The ranker's amount: ``value`` (None: no amount), calibrated ``confidence`` 0..1, and whether it
    is below the shipped threshold (``uncertain``)."""

    value: float | None
    confidence: float
    uncertain: bool


class Ranker:
    def __init__(self, z: Any) -> None:
        self.trees = Trees.load(z, "t_")
        self.names = tuple(str(z["features"]).split("\n"))
        self.iso_x = z["iso_x"].astype(np.float64)
        self.iso_y = z["iso_y"].astype(np.float64)
        self.threshold = float(z["threshold"])
        self.report: dict[str, Any] = json.loads(str(z["report"]))

    def share(self, X: np.ndarray) -> tuple[int, float]:
        """(index of the best row, its share of the softmax over the rows)."""
        d = self.trees.decision(X)
        e = np.exp(d - d.max())
        i = int(np.argmax(d))
        return i, float(e[i] / e.sum())

    def calibrated(self, share: float) -> float:
        return float(np.interp(share, self.iso_x, self.iso_y))


@lru_cache(maxsize=1)
def ranker() -> Ranker | None:
    """The shipped artifact, loaded once; None when absent or fitted on other features."""
    if not ARTIFACT.exists():
        return None
    r = Ranker(np.load(ARTIFACT))
    if r.names != feature_names():
        return None
    return r


def pick(facts: str, experts: list[str], engine_amounts: list[float | None],
         charges: list[str] | tuple[str, ...] = ()) -> Pick | None:
    """The ranker's crime amount of the facts (None when there is no ranker)."""
    r = ranker()
    if r is None:
        return None
    cands, X = candidates(facts, experts, engine_amounts, charges)
    i, share = r.share(X)
    conf = r.calibrated(share)
    return Pick(cands[i].value, round(conf, 4), conf < r.threshold)
