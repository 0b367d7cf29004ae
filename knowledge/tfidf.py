"""Sublinear-tf TF-IDF, written once: smoothed idf ``ln((1 + n) / (1 + df)) + 1`` and rows
``(1 + ln tf) · idf``, L2-normalised — the numbers of scikit-learn's
``TfidfVectorizer(sublinear_tf=True)`` without importing scikit-learn at run time.

Used by the gate's char n-gram vectoriser (``models.gate.model.CharTfidf``, also the learned term
model's) and by the similar-case embeddings (``knowledge.cases.embeddings``), which differ only in
what they count (char n-grams vs words + char bigrams) and how they choose the vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def smooth_idf(dfs: Iterable[int], n_docs: int) -> np.ndarray:
    """idf of terms with document frequencies ``dfs`` among ``n_docs`` documents (float32)."""
    return np.array([math.log((1 + n_docs) / (1 + d)) + 1 for d in dfs], dtype=np.float32)


def sublinear_row(idx: np.ndarray, counts: Sequence[int] | np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Weights of one document's terms (columns ``idx`` with raw ``counts``), L2-normalised."""
    v = (1 + np.log(np.asarray(counts, dtype=np.float32))) * idf[idx]
    v /= np.sqrt((v * v).sum()) or 1.0
    return v


def rows_to_csr(rows: Iterable[tuple[np.ndarray, np.ndarray]], n_cols: int) -> Any:
    """A ``scipy.sparse.csr_matrix`` from per-document (column indices, weights); an empty document
    is an empty row. The rows' arrays are concatenated (never turned into Python numbers: 6M weights
    of an embedder fit were ~200 MB as Python lists). (scipy imported here: a query never builds one.)"""
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for idx, v in rows:
        indices.append(np.asarray(idx, dtype=np.int64))
        data.append(np.asarray(v, dtype=np.float32))
        indptr.append(indptr[-1] + len(idx))
    return sparse.csr_matrix((np.concatenate(data) if data else np.zeros(0, np.float32),
                              np.concatenate(indices) if indices else np.zeros(0, np.int64), np.array(indptr)),
                             shape=(len(indptr) - 1, n_cols))
