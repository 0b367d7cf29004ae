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
        self.shift = np.uint64(64 - bits)
        home = self._hash(keys)
        order = np.argsort(home, kind="stable")
        h = home[order]
        # linear probing with keys placed in home-slot order: slot_i = max(home_i, slot_{i-1} + 1)
        i = np.arange(len(keys))
        slot = i + np.maximum.accumulate(h - i) if len(keys) else i
        size = (int(slot[-1]) if len(keys) else 0) + 2  # the table never wraps; its last slot stays empty
        size = max(size, (1 << bits) + 1)
        self.slot_key = np.zeros(size, dtype=np.uint64)
        self.slot_row = np.full(size, -1, dtype=np.int32)
        self.slot_key[slot] = keys[order]
        self.slot_row[slot] = order

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
            idx, slot, qk = idx[go], slot[go] + 1, qk[go]
        return out
