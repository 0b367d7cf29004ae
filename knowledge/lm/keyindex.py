"""Vectorised exact lookup of uint64 n-gram keys: an open-addressing hash table (linear probing) built
with numpy when the model loads. A lookup reads one slot for most keys (linear probing, the
longest displacement is a few slots) where a binary search (``np.searchsorted``) over ~200,000 sorted
keys reads about eighteen scattered ones, which made the LM the largest part of a proofreading call."""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing
_EMPTY = np.uint64(2**64 - 1)  # never a key (keys use 60 bits)


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
        # every key sits at most ``width - 1`` slots after its home slot: a lookup reads that window
        self.width = int((slot - h).max()) + 1 if len(keys) else 1
        size = max((int(slot[-1]) if len(keys) else 0), (1 << bits)) + self.width + 1
        self.slot_key = np.full(size, _EMPTY, dtype=np.uint64)
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
        for _ in range(self.width):  # probe until the key or an empty slot (most keys: one read)
            sk = self.slot_key[slot]
            hit = sk == qk
            out[idx[hit]] = self.slot_row[slot[hit]]
            go = ~hit & (sk != _EMPTY)
            if not go.any():
                break
            idx, slot, qk = idx[go], slot[go] + 1, qk[go]
        return out
