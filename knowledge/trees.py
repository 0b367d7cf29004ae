"""Gradient-boosted trees as flat node arrays: ``flatten`` at build time, ``Trees`` at run time.

The learned term model (``models.sentencing.learned``), the amount ranker
(``models.experts.amounts.rank``) and the proofreading decider (``models.proofread.decider``) fit
their trees with scikit-learn at build time and evaluate them here with numpy only. ``flatten``
imports nothing from scikit-learn: it reads the fitted trees' node arrays (``est.tree_`` of a
``DecisionTreeRegressor``, or the ``nodes`` record array of a ``HistGradientBoosting`` predictor).

Layout: all trees' nodes one after another; ``roots`` holds each tree's first node; a leaf has
``left == right == -1`` (and feature 0); ``depth`` is the largest number of splits from a root to a
leaf. The raw score of a row is ``init + lr · Σ leaf values``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

KEYS = ("feat", "thr", "left", "right", "val", "roots")


def _columns(est: Any) -> tuple[np.ndarray, ...]:
    """(feature, threshold, left, right, value, is_leaf) of one fitted tree."""
    if hasattr(est, "tree_"):  # DecisionTreeRegressor (GradientBoosting*)
        t = est.tree_
        left = np.asarray(t.children_left)
        return (t.feature, t.threshold, left, t.children_right, t.value[:, 0, 0], left < 0)
    n = est.nodes if hasattr(est, "nodes") else est  # HistGradientBoosting predictor or its nodes
    return (n["feature_idx"], n["num_threshold"], n["left"], n["right"], n["value"], n["is_leaf"].astype(bool))


def flatten(estimators: Iterable[Any], value_dtype: Any = np.float32) -> dict[str, np.ndarray]:
    """Node arrays of ``estimators`` (fitted regression trees, one per boosting stage), keyed by
    ``KEYS`` and ``depth``. Leaf values are stored as ``value_dtype``."""
    feat: list[int] = []
    thr: list[float] = []
    left: list[int] = []
    right: list[int] = []
    val: list[float] = []
    roots: list[int] = []
    depth = 0
    for est in estimators:
        f, t, lc, rc, v, leaf = _columns(est)
        off = len(feat)
        roots.append(off)
        feat += [0 if is_leaf else max(0, int(x)) for x, is_leaf in zip(f, leaf, strict=True)]
        thr += [float(x) for x in t]
        left += [-1 if is_leaf else int(x) + off for x, is_leaf in zip(lc, leaf, strict=True)]
        right += [-1 if is_leaf else int(x) + off for x, is_leaf in zip(rc, leaf, strict=True)]
        val += [float(x) for x in v]
        d = [0] * len(f)  # children come after their parent in both layouts
        for j, is_leaf in enumerate(leaf):
            if not is_leaf:
                d[int(lc[j])] = d[int(rc[j])] = d[j] + 1
        depth = max(depth, max(d))
    return {"feat": np.array(feat, dtype=np.int16), "thr": np.array(thr, dtype=np.float64),
            "left": np.array(left, dtype=np.int32), "right": np.array(right, dtype=np.int32),
            "val": np.array(val, dtype=value_dtype), "roots": np.array(roots, dtype=np.int32),
            "depth": np.array(depth)}


def arrays(flat: Mapping[str, np.ndarray], prefix: str, lr: float, init: float) -> dict[str, np.ndarray]:
    """``flat`` with the learning rate and the initial score, keys prefixed (for ``np.savez``)."""
    return {**{prefix + k: v for k, v in flat.items()}, prefix + "lr": np.array(lr), prefix + "init": np.array(init)}


def _depth(left: np.ndarray, right: np.ndarray, roots: np.ndarray) -> int:
    """The largest number of splits from a root to a leaf (for artifacts stored without it)."""
    best = 0
    for r in roots:
        stack = [(int(r), 0)]
        while stack:
            n, d = stack.pop()
            if left[n] < 0:
                best = max(best, d)
            else:
                stack += [(int(left[n]), d + 1), (int(right[n]), d + 1)]
    return best


class Trees:
    """A boosted ensemble of binary trees in the flat layout; all rows and trees descend at once
    (one numpy step per level). ``sum_dtype``: the dtype the leaf values are summed in."""

    def __init__(self, feat: np.ndarray, thr: np.ndarray, left: np.ndarray, right: np.ndarray,
                 val: np.ndarray, roots: np.ndarray, lr: float, init: float, depth: int | None = None,
                 sum_dtype: Any = np.float64) -> None:
        self.feat = np.asarray(feat).astype(np.int64)
        self.thr = np.asarray(thr).astype(np.float64)
        self.left = np.asarray(left).astype(np.int64)
        self.right = np.asarray(right).astype(np.int64)
        self.val = np.asarray(val).astype(sum_dtype)
        self.roots = np.asarray(roots).astype(np.int64)
        self.lr = float(lr)
        self.init = float(init)
        self.depth = _depth(self.left, self.right, self.roots) if depth is None else int(depth)

    @classmethod
    def load(cls, z: Mapping[str, Any], prefix: str = "t_", sum_dtype: Any = np.float64) -> Trees:
        """The ensemble stored by ``arrays`` under ``prefix`` (``depth`` computed when absent)."""
        depth = int(z[prefix + "depth"]) if prefix + "depth" in z else None
        return cls(*(z[prefix + k] for k in KEYS), float(z[prefix + "lr"]), float(z[prefix + "init"]), depth,
                   sum_dtype)

    @classmethod
    def from_padded(cls, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                    value: np.ndarray, init: float, rate: float, depth: int) -> Trees:
        """Trees stored as padded trees × nodes arrays (a leaf: feature -1, children pointing to itself)."""
        t, m = feature.shape
        off = (np.arange(t) * m)[:, None]
        leaf = feature < 0
        return cls(np.maximum(feature, 0).ravel(), threshold.ravel(),
                   np.where(leaf, -1, left + off).ravel(), np.where(leaf, -1, right + off).ravel(),
                   value.ravel(), off.ravel(), rate, init, depth)

    def decision(self, X: np.ndarray) -> np.ndarray:
        """The raw score of each row of ``X`` (a 1-D ``X`` is one row)."""
        X = np.asarray(X, dtype=np.float32)
        X2 = X[None, :] if X.ndim == 1 else X
        nodes = np.broadcast_to(self.roots, (len(X2), len(self.roots))).copy()
        rows = np.arange(len(X2))[:, None]
        for _ in range(self.depth):
            go_left = X2[rows, self.feat[nodes]] <= self.thr[nodes]
            nxt = np.where(go_left, self.left[nodes], self.right[nodes])
            nodes = np.where(nxt >= 0, nxt, nodes)  # leaves stay
        s = self.val[nodes].sum(axis=1).astype(np.float64)
        return self.init + self.lr * s
