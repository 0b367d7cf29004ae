"""The LM's hash index (knowledge/lm/keyindex.py) answers exactly what a binary search over the sorted
keys answers, and the LM's log-probabilities equal the ARPA back-off walk written out by hand."""

from __future__ import annotations

import numpy as np

from knowledge.lm import CharLM, get_lm
from knowledge.lm.keyindex import KeyIndex


def _by_search(keys: np.ndarray, q: np.ndarray) -> np.ndarray:
    order = np.argsort(keys)
    srt = keys[order]
    i = np.minimum(np.searchsorted(srt, q), len(srt) - 1)
    return np.where(srt[i] == q, order[i], -1)


def test_index_matches_binary_search() -> None:
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**60, 50_000, dtype=np.uint64))
    rng.shuffle(keys)
    q = np.concatenate([keys[:5000], keys[:5000] + np.uint64(1), rng.integers(0, 2**60, 5000, dtype=np.uint64)])
    ix = KeyIndex(keys)
    assert np.array_equal(ix.lookup(q), _by_search(keys, q))
    # clustered keys (consecutive integers) probe further but stay exact
    dense = np.arange(1000, 9000, dtype=np.uint64)
    assert np.array_equal(KeyIndex(dense).lookup(np.arange(0, 10000, dtype=np.uint64)),
                          _by_search(dense, np.arange(0, 10000, dtype=np.uint64)))


def test_empty_index() -> None:
    ix = KeyIndex(np.zeros(0, dtype=np.uint64))
    assert ix.lookup(np.array([0, 5], dtype=np.uint64)).tolist() == [-1, -1]


def _arpa(lm: CharLM, hist: list[int]) -> float:
    """log10 p(last | previous) by the textbook back-off recursion over the sorted key tables."""
    def find(gram: list[int]) -> int:
        key = 0
        for c in gram:
            key = (key << 12) | c
        tab = lm.keys[len(gram) - 1]
        i = int(np.searchsorted(tab, np.uint64(key)))
        return i if i < len(tab) and int(tab[i]) == key else -1

    ids = [c for c in hist]
    while ids and ids[0] < 0:
        ids = ids[1:]
    bo = 0.0
    for n in range(len(ids), 0, -1):
        gram = ids[-n:]
        i = find(gram)
        if i >= 0:
            return float(lm.probs[n - 1][i]) + bo
        if n > 1:
            j = find(gram[:-1])
            if j >= 0:
                bo += float(lm.bows[n - 2][j])
    return lm.unk + bo


def test_windows_logp_equals_backoff_walk() -> None:
    lm = get_lm()
    assert lm is not None
    text = "被告人张某某于二〇一九年三月在本市盗窃他人财物，数额较大，其行为已构成盗窃罪。"
    ids = lm.encode(text)
    rows = []
    for p in range(1, len(ids)):
        rows.append([ids[p + k] if p + k >= 0 else -1 for k in range(-4, 1)])
    rng = np.random.default_rng(1)
    for _ in range(40):  # unseen combinations back off to shorter grams
        rows.append([-1 if k == 0 and rng.random() < 0.3 else int(rng.integers(3, len(lm.vocab) + 3)) for k in range(5)])
    got = lm.windows_logp(np.array(rows, dtype=np.int64))
    want = [_arpa(lm, r) for r in rows]
    assert np.allclose(got, want, atol=1e-4)
