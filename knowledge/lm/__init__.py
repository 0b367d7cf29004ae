"""Legal-domain character n-gram language model (order 5, interpolated modified Kneser-Ney).

The model is a ``.npz`` of sorted ``uint64`` n-gram keys per order (12-bit character ids packed
high-to-low) with float16 log10 probabilities and back-off weights, queried ARPA-style and
vectorised with ``np.searchsorted``. Trained by ``knowledge.lm.train`` (``jiancha lm train``).

Which model is loaded: ``$JIANCHA_LM_MODEL`` if set, else ``<data_dir>/lm/model.npz`` when an
office has retrained it (``jiancha lm train``), else the packaged ``knowledge/lm/model.npz``.
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.lm.keyindex import KeyIndex

__all__ = ["CharLM", "get_lm", "model_path", "char_class", "MODEL_FILE", "ORDER"]

MODEL_FILE = Path(__file__).resolve().parent / "model.npz"
ORDER = 5
BITS = 12
UNK, BOS, EOS = 0, 1, 2


def char_class(ch: str) -> str:
    """The LM's view of a character: digits → "0", Latin letters → "a", full-width ASCII folded."""
    if "0" <= ch <= "9" or "０" <= ch <= "９":
        return "0"
    if ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("ａ" <= ch <= "ｚ") or ("Ａ" <= ch <= "Ｚ"):
        return "a"
    return ch


def model_path() -> Path:
    env = os.environ.get("JIANCHA_LM_MODEL")
    if env:
        return Path(env)
    try:
        from knowledge.settings import get_settings

        local = Path(get_settings().data_dir) / "lm" / "model.npz"
        if local.exists():
            return local
    except Exception:  # noqa: BLE001 - settings problems fall back to the packaged model
        pass
    return MODEL_FILE


class CharLM:
    """Query side of the model: log10 probabilities of characters given up to 4 previous ones."""

    def __init__(self, path: Path) -> None:
        z = np.load(path, allow_pickle=False)
        self.path = path
        self.order = int(z["order"])
        chars = str(z["vocab"])
        self.vocab: dict[str, int] = {c: i + 3 for i, c in enumerate(chars)}
        self.unk = float(z["unk"])
        self.n_chars = int(z["n_chars"])
        self.keys = [z[f"k{n}"] for n in range(1, self.order + 1)]
        self.probs = [z[f"p{n}"].astype(np.float32) for n in range(1, self.order + 1)]
        self.bows = [z[f"b{n}"].astype(np.float32) for n in range(1, self.order + 1)]
        self._ids_cache: dict[str, int] = {}
        # one hash index over the n-grams of every order (key | order << 60): one lookup per call
        self._tag = [np.uint64(n) << np.uint64(60) for n in range(1, self.order + 1)]
        self._row0 = np.cumsum([0] + [len(k) for k in self.keys])
        self.index = KeyIndex(np.concatenate([k | t for k, t in zip(self.keys, self._tag, strict=True)]))
        self._p_all = np.concatenate(self.probs)
        self._b_all = np.concatenate(self.bows)

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (*self.keys, *self.probs, *self.bows))

    def char_id(self, ch: str) -> int:
        i = self._ids_cache.get(ch)
        if i is None:
            i = self.vocab.get(char_class(unicodedata.normalize("NFKC", ch)[:1] or ch), UNK)
            if i == UNK:
                i = self.vocab.get(char_class(ch), UNK)
            self._ids_cache[ch] = i
        return i

    def encode(self, text: str) -> np.ndarray:
        """``[BOS] ids… [EOS]`` as int64."""
        out = np.empty(len(text) + 2, dtype=np.int64)
        out[0] = BOS
        out[-1] = EOS
        cid = self.char_id
        out[1:-1] = [cid(c) for c in text]
        return out

    def windows_logp(self, hist: np.ndarray) -> np.ndarray:
        """log10 p(last | previous) for each row of ``hist`` (Q × order ids, -1 = before BOS)."""
        q = hist.shape[0]
        n_max = self.order
        bits = np.uint64(BITS)
        # keys of the grams ending at the last column (length 1..N) and of their contexts (length 1..N-1),
        # all looked up at once; -1 marks a gram that reaches before BOS
        h = hist.astype(np.int64, copy=False)
        cols = np.maximum(h, 0).astype(np.uint64)
        ok = h >= 0
        gk = np.empty((q, n_max), dtype=np.uint64)
        gv = np.empty((q, n_max), dtype=bool)
        ck = np.empty((q, n_max - 1), dtype=np.uint64)
        cv = np.empty((q, n_max - 1), dtype=bool)
        key = np.zeros(q, dtype=np.uint64)
        valid = np.ones(q, dtype=bool)
        for n in range(1, n_max + 1):
            key = key | (cols[:, n_max - n] << (bits * np.uint64(n - 1)))
            valid = valid & ok[:, n_max - n]
            gk[:, n - 1] = key | self._tag[n - 1]
            gv[:, n - 1] = valid
        key = np.zeros(q, dtype=np.uint64)
        valid = np.ones(q, dtype=bool)
        for n in range(1, n_max):
            key = key | (cols[:, n_max - 1 - n] << (bits * np.uint64(n - 1)))
            valid = valid & ok[:, n_max - 1 - n]
            ck[:, n - 1] = key | self._tag[n - 1]
            cv[:, n - 1] = valid
        rows = self.index.lookup(np.concatenate([gk.ravel(), ck.ravel()]))
        g_row = rows[: q * n_max].reshape(q, n_max)
        c_row = rows[q * n_max :].reshape(q, n_max - 1)
        g_hit = (g_row >= 0) & gv
        # the longest gram found (0 = none) gives the probability ...
        longest = np.where(g_hit.any(axis=1), n_max - np.argmax(g_hit[:, ::-1], axis=1), 0)
        found_p = np.where(longest > 0, self._p_all[np.where(g_hit, g_row, 0)[np.arange(q), np.maximum(longest, 1) - 1]],
                           np.float32(self.unk)).astype(np.float32)
        # ... plus the back-offs of the found contexts of the longer grams (context length m ≥ longest)
        c_hit = (c_row >= 0) & cv & (np.arange(1, n_max)[None, :] >= longest[:, None])
        bo_sum = np.where(c_hit, self._b_all[np.where(c_hit, c_row, 0)], np.float32(0)).sum(axis=1, dtype=np.float32)
        return found_p + bo_sum

    def position_logp(self, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """log10 p of ``ids[pos]`` given its history, for each position (≥ 1) of one encoded text."""
        n = self.order
        offs = np.arange(-(n - 1), 1)
        idx = positions[:, None] + offs[None, :]
        hist = np.where(idx >= 0, ids[np.maximum(idx, 0)], -1)
        return self.windows_logp(hist)

    def sentence_logp(self, text: str) -> float:
        ids = self.encode(text)
        return float(self.position_logp(ids, np.arange(1, len(ids))).sum())

    def perplexity(self, sentences: list[str]) -> float:
        tot, n = 0.0, 0
        for s in sentences:
            tot += self.sentence_logp(s)
            n += len(s) + 1
        return float(10 ** (-tot / max(n, 1)))


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> CharLM:
    return CharLM(Path(path))


def get_lm(path: Path | None = None) -> CharLM | None:
    """The language model (cached per file), or None when no model file exists."""
    p = path or model_path()
    if not p.exists():
        return None
    return _load(str(p), p.stat().st_mtime)
