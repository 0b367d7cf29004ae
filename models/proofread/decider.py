"""The learned decider: gradient-boosted trees over ``models.proofread.features`` → probability that a
candidate edit is a real correction. Fitted with scikit-learn by ``models.proofread.train_decider``
and stored as plain arrays (``decider.npz`` beside this file, or ``<data_dir>/lm/decider.npz`` after
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
    try:
        from knowledge.settings import get_settings

        local = Path(get_settings().data_dir) / "lm" / "decider.npz"
        if local.exists():
            return local
    except Exception:  # noqa: BLE001 - settings problems fall back to the packaged model
        pass
    return ARTIFACT


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
        for _ in range(self.depth):
            f = self.feature[rows, node]
            leaf = f < 0
            go_left = x[cols, np.maximum(f, 0)] <= self.threshold[rows, node]
            nxt = np.where(go_left, self.left[rows, node], self.right[rows, node])
            node = np.where(leaf, node, nxt)
        raw = self.init + self.rate * self.value[rows, node].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))


def export(clf: Any, names: list[str], decision: float, path: Path) -> None:
    """Store a fitted sklearn ``GradientBoostingClassifier`` (binary) as arrays."""
    trees = [e[0].tree_ for e in clf.estimators_]
    m = max(t.node_count for t in trees)
    t_n = len(trees)
    feature = np.full((t_n, m), -2, dtype=np.int16)
    threshold = np.zeros((t_n, m), dtype=np.float32)
    left = np.zeros((t_n, m), dtype=np.int16)
    right = np.zeros((t_n, m), dtype=np.int16)
    value = np.zeros((t_n, m), dtype=np.float32)
    for i, t in enumerate(trees):
        k = t.node_count
        feature[i, :k] = t.feature
        threshold[i, :k] = t.threshold
        left[i, :k] = np.maximum(t.children_left, 0)
        right[i, :k] = np.maximum(t.children_right, 0)
        value[i, :k] = t.value[:, 0, 0]
    x0 = np.zeros((1, len(names)), dtype=np.float32)
    init = float(clf._raw_predict_init(x0)[0, 0])
    np.savez_compressed(path, feature=feature, threshold=threshold, left=left, right=right, value=value,
                        init=init, rate=clf.learning_rate, depth=clf.max_depth + 1, decision=decision,
                        names=np.array(names))


@lru_cache(maxsize=1)
def load() -> Trees | None:
    p = artifact_path()
    if not p.exists():
        return None
    with np.load(p, allow_pickle=False) as z:
        return Trees(z)
