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

ARTIFACT = Path(__file__).resolve().parent / "decider.npz"


def artifact_path() -> Path:
    """The decider trained with the LM in use: ``decider.npz`` beside the LM file when there is one
    (written by ``jiancha lm train``), else the packaged one."""
    from knowledge.lm import model_path

    local = model_path().parent / "decider.npz"
    return local if local.exists() else ARTIFACT


class Trees:
    """A boosted ensemble as padded node arrays (trees × nodes)."""

    def __init__(self, z: Any) -> None:
        self.feature = z["feature"]
        self.threshold = z["threshold"]
        self.left = z["left"]
        self.right = z["right"]
        self.value = z["value"]
        self.init = float(z["init"])
        self.rate = float(z["rate"])
        self.depth = int(z["depth"])
        self.decision = float(z["decision"])
        self.names = [str(x) for x in z["names"]]

    def proba(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros(0)
        t = self.feature.shape[0]
        node = np.zeros((t, x.shape[0]), dtype=np.int64)
        rows = np.arange(t)[:, None]
        cols = np.arange(x.shape[0])[None, :]
        for _ in range(self.depth):  # a leaf points to itself
            f = self.feature[rows, node]
            go_left = x[cols, np.maximum(f, 0)] <= self.threshold[rows, node]
            node = np.where(go_left, self.left[rows, node], self.right[rows, node])
        raw = self.init + self.rate * self.value[rows, node].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))


def export(clf: Any, names: list[str], decision: float, path: Path) -> None:
    """Store a fitted binary sklearn ``HistGradientBoostingClassifier`` or ``GradientBoostingClassifier``
    as padded node arrays (a leaf has feature -1 and points to itself)."""
    if hasattr(clf, "_predictors"):  # HistGradientBoosting: learning rate already in the leaf values
        trees = [pred[0].nodes for pred in clf._predictors]
        cols = [(t["feature_idx"], t["num_threshold"], t["left"], t["right"], t["value"], t["is_leaf"]) for t in trees]
        init = float(np.ravel(clf._baseline_prediction)[0])
        rate = 1.0
    else:
        cols = []
        for e in clf.estimators_:
            t = e[0].tree_
            leaf = t.children_left < 0
            cols.append((t.feature, t.threshold, t.children_left, t.children_right, t.value[:, 0, 0], leaf))
        x0 = np.zeros((1, len(names)), dtype=np.float32)
        init = float(clf._raw_predict_init(x0)[0, 0])
        rate = float(clf.learning_rate)
    m = max(len(c[0]) for c in cols)
    t_n = len(cols)
    feature = np.full((t_n, m), -1, dtype=np.int16)
    threshold = np.zeros((t_n, m), dtype=np.float64)
    left = np.zeros((t_n, m), dtype=np.int32)
    right = np.zeros((t_n, m), dtype=np.int32)
    value = np.zeros((t_n, m), dtype=np.float64)
    depth = 1
    for i, (f, thr, lc, rc, val, leaf) in enumerate(cols):
        k = len(f)
        own = np.arange(k)
        feature[i, :k] = np.where(leaf, -1, f)
        threshold[i, :k] = thr
        left[i, :k] = np.where(leaf, own, lc)
        right[i, :k] = np.where(leaf, own, rc)
        value[i, :k] = val
        d = np.zeros(k, dtype=int)  # node depths (children come after parents in both layouts)
        for j in range(k):
            if not leaf[j]:
                d[lc[j]] = d[rc[j]] = d[j] + 1
        depth = max(depth, int(d.max()) + 1)
    np.savez_compressed(path, feature=feature, threshold=threshold, left=left, right=right, value=value,
                        init=init, rate=rate, depth=depth, decision=decision, names=np.array(names))


@lru_cache(maxsize=1)
def load() -> Trees | None:
    p = artifact_path()
    if not p.exists():
        return None
    with np.load(p, allow_pickle=False) as z:
        return Trees(z)
