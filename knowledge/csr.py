"""A compressed sparse row matrix in plain numpy, for query-time scoring.

Importing ``scipy.sparse`` costs ~0.1 s per process (its array-API layer pulls in numpy.testing and
f2py): more than a query's whole scoring. The few operations a query needs (tf-idf rows of counted
n-grams with unit length, products with a dense matrix or with another sparse matrix, a transpose,
a subset of rows) are written here with scipy's arithmetic — the same float32 products, added in
the same order — so the numbers are bit-identical to scipy's (tests/test_csr.py). A batch of
``BATCH_ROWS`` rows or more is multiplied by scipy's compiled routines instead (the same numbers;
its import is paid once for the whole batch, and numpy's index arithmetic is ~8x slower there).
Fitting and index building keep scipy (``to_scipy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BATCH_ROWS = 16  # products of this many rows or more go through scipy.sparse


@dataclass
class Csr:
    """Rows ``indptr[i]:indptr[i+1]`` of ``indices`` (columns, ascending within a row) and ``data``."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def counts(cls, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> Csr:
        """How often each (row, column) pair occurs, as float32, in canonical order (scipy's
        ``csr_matrix((ones, (rows, cols))).sum_duplicates()``): the pairs grouped by row (a stable
        sort: ``rows`` made of a few ascending runs sorts in linear time), then each row's columns
        sorted and counted."""
        n_rows, n_cols = shape
        order = np.argsort(rows, kind="stable")
        cols = cols[order]
        bounds = np.searchsorted(rows[order], np.arange(n_rows + 1))
        data, indices = [], []
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        for i in range(n_rows):
            c = np.sort(cols[bounds[i] : bounds[i + 1]])
            if not len(c):
                continue
            first = np.empty(len(c), dtype=bool)
            first[0] = True
            np.not_equal(c[1:], c[:-1], out=first[1:])
            at = np.flatnonzero(first)
            indices.append(c[at])
            data.append(np.diff(at, append=len(c)))
            indptr[i + 1] = len(at)
        np.cumsum(indptr, out=indptr)
        if not indices:
            return cls(np.zeros(0, np.float32), np.zeros(0, np.int32), indptr, (n_rows, n_cols))
        return cls(np.concatenate(data).astype(np.float32), np.concatenate(indices).astype(np.int32), indptr,
                   (n_rows, n_cols))

    @classmethod
    def from_scipy(cls, m: Any) -> Csr:
        m = m.tocsr()
        return cls(m.data, m.indices, m.indptr, tuple(m.shape))  # type: ignore[arg-type]

    def to_scipy(self) -> Any:
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def row_lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def row_sums(self, values: np.ndarray | None = None) -> np.ndarray:
        """Sum of each row's ``values`` (default: ``data``), as scipy's ``sum(axis=1)`` adds them
        (``np.add.reduceat`` over the non-empty rows); 0 for an empty row."""
        v = self.data if values is None else values
        out = np.zeros(self.shape[0], dtype=v.dtype)
        full = np.flatnonzero(np.diff(self.indptr))
        if len(full):
            out[full] = np.add.reduceat(v, self.indptr[full])
        return out

    def l2_normalise_rows(self) -> None:
        """Rows scaled to unit length in place (an empty row stays empty): scipy's
        ``sqrt(X.multiply(X).sum(axis=1))`` as the norm."""
        norms = np.sqrt(self.row_sums(self.data * self.data)).astype(np.float32)
        norms[norms == 0] = 1.0
        self.data /= np.repeat(norms, self.row_lengths())

    def dot(self, w: np.ndarray) -> np.ndarray:
        """``self @ w`` for a dense ``w`` (n_cols × k, or n_cols): scipy's order, each row's terms
        added one after the other in column order, in the wider of the two dtypes."""
        if self.shape[0] >= BATCH_ROWS:
            return np.asarray(self.to_scipy() @ w)
        dtype = np.result_type(self.data.dtype, w.dtype)
        out = np.zeros((self.shape[0], *w.shape[1:]), dtype=dtype)
        for i in np.flatnonzero(np.diff(self.indptr)).tolist():
            a, b = self.indptr[i], self.indptr[i + 1]
            if w.ndim == 1:  # cumsum adds strictly in order (a 1-d sum adds pairwise)
                out[i] = np.cumsum(self.data[a:b].astype(dtype, copy=False) * w[self.indices[a:b]])[-1]
            else:  # a sum over the outer axis adds the rows one after the other
                out[i] = (self.data[a:b, None].astype(dtype, copy=False) * w[self.indices[a:b]]).sum(axis=0)
        return out

    def transpose(self) -> Csr:
        """The transpose (columns become rows), each new row's entries in the order of the old rows."""
        key = self.indices.astype(np.uint16) if self.shape[1] <= 1 << 16 else self.indices
        order = np.argsort(key, kind="stable")  # 16-bit keys: numpy's radix sort, linear time
        rows = np.repeat(np.arange(self.shape[0], dtype=np.int32), self.row_lengths())
        indptr = np.zeros(self.shape[1] + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.shape[1]), out=indptr[1:])
        return Csr(self.data[order], rows[order], indptr, (self.shape[1], self.shape[0]))

    def take_rows(self, rows: np.ndarray) -> Csr:
        """The sub-matrix of the rows ``rows``, in that order."""
        starts = self.indptr[rows]
        lens = self.indptr[rows + 1] - starts
        pos = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(starts - np.cumsum(lens) + lens, lens)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        return Csr(self.data[pos], self.indices[pos], indptr, (len(rows), self.shape[1]))

    def dot_transposed(self, other_t: Csr) -> np.ndarray:
        """Dense ``self @ other.T`` given ``other_t`` = ``other.transpose()`` (n_cols × m): scipy's
        sparse product (for each output, the terms added in column order, in float32)."""
        n, m = self.shape[0], other_t.shape[1]
        if n >= BATCH_ROWS:
            return np.asarray((self.to_scipy() @ other_t.to_scipy()).toarray())
        out = np.zeros(n * m, dtype=np.result_type(self.data.dtype, other_t.data.dtype))
        if not self.nnz:
            return out.reshape(n, m)
        starts = other_t.indptr[self.indices]
        lens = other_t.indptr[self.indices + 1] - starts
        pos = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(starts - np.cumsum(lens) + lens, lens)
        base = np.repeat(np.repeat(np.arange(0, n * m, m, dtype=np.int64), self.row_lengths()), lens)
        # np.add.at adds one term after the other, in this (row, column, other's row) order
        np.add.at(out, base + other_t.indices[pos], np.repeat(self.data, lens) * other_t.data[pos])
        return out.reshape(n, m)
