"""The learned decider: gradient-boosted trees over ``models.proofread.features`` → probability that a
candidate edit is a real correction. Fitted with scikit-learn by ``models.proofread.train_decider``
and stored as plain arrays (``decider.npz`` beside this file, or beside the retrained LM after
``jiancha lm train``); prediction here needs numpy only.

The artifact also holds ``threshold``: the probability an edit must reach, chosen on out-of-fold
predictions of the training sentences so that at most the configured share of clean sentences is
changed (false alarms) while sentence-level correction F1 is highest.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.trees import Trees as BoostedTrees
from knowledge.trees import arrays, flatten

ARTIFACT = Path(__file__).resolve().parent / "decider.npz"


def artifact_path() -> Path:
    """The decider trained with the LM in use: ``decider.npz`` beside the LM file when there is one
    (written by ``jiancha lm train``), else the packaged one."""
    from knowledge.lm import model_path

    local = model_path().parent / "decider.npz"
    return local if local.exists() else ARTIFACT


class Trees:
    """The decider: a boosted ensemble (``knowledge.trees``), the feature names and the probability
    threshold. Reads the flat layout written by ``export`` and the padded trees × nodes arrays of
    artifacts written before it (a leaf: feature -1, children pointing to itself)."""

    def __init__(self, z: Any) -> None:
        if "t_feat" in z:
            self.trees = BoostedTrees.load(z, "t_")
        else:
            self.trees = BoostedTrees.from_padded(z["feature"], z["threshold"], z["left"], z["right"], z["value"],
                                                  float(z["init"]), float(z["rate"]), int(z["depth"]))
        self.decision = float(z["decision"])
        self.names = [str(x) for x in z["names"]]

    def proba(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-self.trees.decision(x)))


def export(clf: Any, names: list[str], decision: float, path: Path) -> None:
    """Store a fitted binary sklearn ``HistGradientBoostingClassifier`` or ``GradientBoostingClassifier``
    in the flat layout of ``knowledge.trees`` (leaf values kept as float64)."""
    if hasattr(clf, "_predictors"):  # HistGradientBoosting: learning rate already in the leaf values
        flat = flatten((pred[0] for pred in clf._predictors), np.float64)
        init = float(np.ravel(clf._baseline_prediction)[0])
        rate = 1.0
    else:
        flat = flatten(clf.estimators_[:, 0], np.float64)
        x0 = np.zeros((1, len(names)), dtype=np.float32)
        init = float(clf._raw_predict_init(x0)[0, 0])
        rate = float(clf.learning_rate)
    np.savez_compressed(path, **arrays(flat, "t_", rate, init), decision=decision, names=np.array(names))


@lru_cache(maxsize=1)
def load() -> Trees | None:
    p = artifact_path()
    if not p.exists():
        return None
    with np.load(p, allow_pickle=False) as z:
        trees = Trees(z)
    from models.proofread.sentence import config

    # a floor on the cross-validated threshold (config.yaml: decider.min_decision)
    trees.decision = max(trees.decision, float(config()["decider"].get("min_decision", 0.0)))
    return trees
