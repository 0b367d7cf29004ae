"""Vectorised exact lookup of uint64 n-gram keys: an open-addressing hash table (linear probing) built
with numpy when the model loads. A lookup costs one or two memory reads per key where a binary search
(``np.searchsorted``) over ~200,000 sorted keys costs about eighteen, which made the LM the largest
part of a proofreading call."""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


class KeyIndex:
    """``lookup(q)`` → the row of each key of ``q`` in ``keys`` (the array it was built from), or -1."""

    def __init__(self, keys: np.ndarray, load: float = 0.4) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) / load))))
        self.mask = (1 << bits) - 1
        self.shift = np.uint64(64 - bits)
        self.slot_key = np.zeros(1 << bits, dtype=np.uint64)
        self.slot_row = np.full(1 << bits, -1, dtype=np.int32)
        pending = np.arange(len(keys))
        slot = self._hash(keys)
        while pending.size:  # each round: every free slot takes the first key that probes it
            free = self.slot_row[slot] < 0
            cand = np.flatnonzero(free)
            taken, first = np.unique(slot[cand], return_index=True)
            won = cand[first]
            self.slot_row[taken] = pending[won]
            self.slot_key[taken] = keys[pending[won]]
            left = np.ones(pending.size, dtype=bool)
            left[won] = False
            pending = pending[left]
            slot = (slot[left] + 1) & self.mask

    def _hash(self, q: np.ndarray) -> np.ndarray:
        return ((q * _MULT) >> self.shift).astype(np.int64)

    def lookup(self, q: np.ndarray) -> np.ndarray:
        q = np.asarray(q, dtype=np.uint64)
        out = np.full(q.shape[0], -1, dtype=np.int64)
        idx = np.arange(q.shape[0])
        slot = self._hash(q)
        qk = q
        while idx.size:
            row = self.slot_row[slot]
            hit = (self.slot_key[slot] == qk) & (row >= 0)
            out[idx[hit]] = row[hit]
            go = ~hit & (row >= 0)  # an empty slot ends the probe: not present
            idx, slot, qk = idx[go], (slot[go] + 1) & self.mask, qk[go]
        return out
