"""knowledge.trees on a hand-made ensemble: the same two trees in the flat and the padded layout."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.trees import Trees, arrays

# tree 0: x0 <= 0.5 ? -1 : (x1 <= 2 ? 3 : 5);  tree 1: a single leaf 0.25
FLAT = {"feat": np.array([0, 0, 1, 0, 0, 0]), "thr": np.array([0.5, -2, 2.0, -2, -2, -2]),
        "left": np.array([1, -1, 3, -1, -1, -1]), "right": np.array([2, -1, 4, -1, -1, -1]),
        "val": np.array([0, -1, 0, 3, 5, 0.25]), "roots": np.array([0, 5])}


@pytest.mark.parametrize("x, leaves", [([0.0, 9.0], -1 + 0.25), ([0.5, 9.0], -1 + 0.25),
                                       ([1.0, 2.0], 3 + 0.25), ([1.0, 2.5], 5 + 0.25)])
def test_flat_and_padded_layouts_score_by_hand(x: list[float], leaves: float) -> None:
    flat = Trees.load(arrays(FLAT, "t_", 0.1, 2.0), "t_")
    assert flat.depth == 2  # computed: the artifact does not store it
    want = 2.0 + 0.1 * leaves
    assert flat.decision(np.array([x]))[0] == pytest.approx(want)
    assert flat.decision(np.array(x))[0] == pytest.approx(want)  # one 1-D row
    # padded trees × nodes: a leaf has feature -1 and points to itself; unused slots are leaves
    padded = Trees.from_padded(
        feature=np.array([[0, -1, 1, -1, -1], [-1, -1, -1, -1, -1]]),
        threshold=np.array([[0.5, 0, 2.0, 0, 0], [0, 0, 0, 0, 0]]),
        left=np.array([[1, 1, 3, 3, 4], [0, 0, 0, 0, 0]]), right=np.array([[2, 1, 4, 3, 4], [0, 0, 0, 0, 0]]),
        value=np.array([[0, -1, 0, 3, 5], [0.25, 0, 0, 0, 0]]), init=2.0, rate=0.1, depth=3)
    assert padded.decision(np.array([x]))[0] == pytest.approx(want)
