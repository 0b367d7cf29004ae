"""The store's BM25 index, written (``index``) and read back (``read``) with numpy. ``index`` builds
from word-id arrays the arrays ``bm25s.BM25().index`` makes (its default Lucene variant, k1 1.5, b 0.75, float32 weights) and the files its ``save``
writes, without its three Python passes over every case (a list and a ``Counter`` per case).

bm25s's index is a words × cases CSC matrix: column t holds, for each case d containing word t
(rows ascending), ``idf(t) · tf / (k1 · (1 − b + b · len(d) / avg len) + tf)`` with
``idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))``, computed in float64 and stored as float32. Here
the (word, case) pairs are counted a block of cases at a time and written straight into their
place in the CSC arrays, so memory stays at the output's size (bm25s held four arrays of every
posting at once, plus a sort of them). ``tests/test_index_build.py`` checks the arrays equal
bm25s's own, byte for byte.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np

from knowledge.csr import Csr

K1, B = 1.5, 0.75  # bm25s.BM25's defaults
BLOCK = 200_000  # words per block of cases (≈ 800 cases): temporaries stay a few MB


def _blocks(offsets: np.ndarray) -> list[tuple[int, int]]:
    out, d0, n = [], 0, len(offsets) - 1
    while d0 < n:
        d1 = int(np.searchsorted(offsets, offsets[d0] + BLOCK, side="right")) - 1
        d1 = min(max(d1, d0 + 1), n)
        out.append((d0, d1))
        d0 = d1
    return out


def _pairs(ids: np.ndarray, offsets: np.ndarray, d0: int, d1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word, case, count) of the distinct pairs of cases d0..d1, ordered by word then case."""
    seg = ids[offsets[d0] : offsets[d1]].astype(np.int64)
    doc = np.repeat(np.arange(d0, d1, dtype=np.int64), np.diff(offsets[d0 : d1 + 1]))
    key, tf = np.unique((seg << 32) | doc, return_counts=True)
    return key >> 32, key & 0xFFFFFFFF, tf


def arrays(ids: np.ndarray, offsets: np.ndarray, n_vocab: int) -> dict[str, np.ndarray | int]:
    """bm25s's ``scores`` (data, indices, indptr, num_docs) for cases whose word ids are
    ``ids[offsets[d]:offsets[d + 1]]``."""
    n = len(offsets) - 1
    lens = np.diff(offsets).astype(np.int64)
    blocks = _blocks(offsets)
    df = np.zeros(n_vocab, dtype=np.int64)
    for d0, d1 in blocks:
        w, _d, _tf = _pairs(ids, offsets, d0, d1)
        df += np.bincount(w, minlength=n_vocab)
    idf = np.zeros(n_vocab, dtype=np.float32)
    for v in np.unique(df[df > 0]).tolist():  # math.log, as bm25s (few distinct values)
        idf[df == v] = math.log(1 + (n - v + 0.5) / (v + 0.5))
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    nnz = int(indptr[-1])
    data = np.empty(nnz, dtype=np.float32)
    indices = np.empty(nnz, dtype=np.int32)
    nxt = indptr[:-1].copy()  # next free slot of each word's column
    if n:
        l_avg = lens.mean()
        den = K1 * ((1 - B) + B * lens / l_avg)  # per case, float64 as bm25s's scalar
    for d0, d1 in blocks:  # cases in order: within a column, rows ascend
        w, d, tf = _pairs(ids, offsets, d0, d1)
        if not len(w):
            continue
        tf = tf.astype(np.float32).astype(np.float64)
        score = (idf[w].astype(np.float64) * (tf / (den[d] + tf))).astype(np.float32)
        cnt = np.bincount(w, minlength=n_vocab)
        first = np.cumsum(cnt) - cnt  # each word's first position in this block's (sorted) pairs
        pos = nxt[w] + (np.arange(len(w)) - first[w])
        data[pos] = score
        indices[pos] = d
        nxt += cnt
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n}


def index(path: Path, ids: np.ndarray, offsets: np.ndarray, vocab: list[str]) -> None:
    """Write the BM25 index of the cases to ``path`` in bm25s's format (``bm25s.BM25.load`` reads it)."""
    import bm25s

    model = bm25s.BM25()
    model.scores = arrays(ids, offsets, len(vocab))
    vd = {t: i for i, t in enumerate(vocab)}
    if "" not in vd:  # bm25s's empty token, appended after indexing
        vd[""] = max(vd.values(), default=-1) + 1
    model.vocab_dict = vd
    model.unique_token_ids_set = set(vd.values())
    model.nonoccurrence_array = None
    if path.exists():
        shutil.rmtree(path)
    model.save(str(path), show_progress=False)


def read(path: Path) -> Csr:
    """The BM25 weights of a saved index (``bm25s.BM25.save``'s eager score matrix as
    ``data``/``indices``/``indptr.csc.index.npy``, words × cases, and ``num_docs`` in
    ``params.index.json``), memory-mapped, without importing bm25s (≈ 0.15 s with scipy and tqdm):
    a query reads only its words' postings. ``bm25s.BM25.load`` reads the same arrays (a test)."""
    params = json.loads((path / "params.index.json").read_text(encoding="utf-8"))
    arrays = [np.load(path / f"{name}.csc.index.npy", mmap_mode="r", allow_pickle=False)
              for name in ("data", "indices", "indptr")]
    data, indices, indptr = arrays
    n_docs = int(params["num_docs"])
    if data.ndim != 1 or indices.shape != data.shape or indptr.ndim != 1 or len(indptr) < 1 or int(indptr[-1]) != len(data):
        raise ValueError("inconsistent bm25 arrays")
    return Csr(data, indices, indptr, (len(indptr) - 1, n_docs))
