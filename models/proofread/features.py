"""Features of one candidate edit for the learned decider (``models.proofread.decider``).

A candidate is ``(a, b, r, kind, gain)`` inside sentence ``s``: replace ``s[a:b]`` by ``r``; ``gain`` is
the character LM's log10 gain of the sentence. Beside the LM the decider sees the word level: jieba's
segmentation of the sentence with the legal dictionary (is the edited span inside a multi-character
word?) and the dictionary frequencies of the best word covering the span before and after the edit,
the legal lexicon (does the edit break or make a legal term?), the confusion sets (same sound, similar
shape) and how the candidate ranks against the other candidates at the same place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

KINDS = ("word", "char", "shape", "phrase", "missing", "redundant", "order", "conf", "legal")
NAMES = (["gain", "gain_per_char"] + [f"kind_{k}" for k in KINDS]
         + ["in_sound", "in_shape", "old_lp_min", "old_lp_at", "word_old", "word_new", "word_delta",
            "seg_old_multi", "legal_old", "legal_new", "uni_old", "uni_new", "rank", "margin", "n_cands",
            "sent_len", "rel_pos", "n_low", "span_len", "repl_len"])
N_FEATURES = len(NAMES)


def _best_word(text: str, a: int, b: int, freq: dict[str, int], legal: frozenset[str]) -> tuple[float, bool]:
    """Highest log10 frequency of a dictionary word (2–4 chars) overlapping ``text[a:b]`` (b > a)
    and whether a legal term (2–8 chars) overlaps it."""
    best = -1.0
    n = len(text)
    for ln in (2, 3, 4):
        for st in range(max(0, a - ln + 1), min(b, n - ln + 1)):
            f = freq.get(text[st : st + ln])
            if f is not None:
                v = math.log10(f + 1)
                if v > best:
                    best = v
    hit = False
    for ln in range(2, 9):
        for st in range(max(0, a - ln + 1), min(b, n - ln + 1)):
            if text[st : st + ln] in legal:
                hit = True
                break
        if hit:
            break
    return best, hit


def candidate_features(s: str, lp: np.ndarray, cands: list[tuple], lex: Any, uni: dict[str, float],
                       seg_multi: np.ndarray) -> np.ndarray:
    """Feature matrix (len(cands) × N_FEATURES). ``lp[j]`` = LM log10 p of ``s[j]`` (lp[n] = EOS);
    ``seg_multi[j]`` = True when ``s[j]`` lies inside a multi-character jieba token."""
    n = len(s)
    x = np.zeros((len(cands), N_FEATURES), dtype=np.float32)
    if not cands:
        return x
    # per start position: gains of all candidates, for rank and margin
    by_pos: dict[int, list[float]] = {}
    for a, _b, _r, _k, g in cands:
        by_pos.setdefault(a, []).append(g)
    for v in by_pos.values():
        v.sort(reverse=True)
    lpl = lp.tolist()
    n_low = float(sum(1 for v in lpl if v < -3.0))
    freq, legal = lex.freq, lex.legal_terms
    snd, shp = lex.conf_sound, lex.conf_shape
    kidx = {k: i for i, k in enumerate(KINDS)}
    old_words: dict[tuple[int, int], tuple[float, bool]] = {}
    for i, (a, b, r, kind, g) in enumerate(cands):
        span = max(b - a, 1)
        row = x[i]
        row[0] = g
        row[1] = g / (span + len(r))
        row[2 + kidx[kind]] = 1.0
        j = 2 + len(KINDS)
        if b - a == 1 and len(r) == 1:
            o = s[a]
            row[j] = float(r in snd.get(o, ""))
            row[j + 1] = float(r in shp.get(o, ""))
            row[j + 10] = uni.get(o, -7.0)
            row[j + 11] = uni.get(r, -7.0)
        seg = lpl[a : max(b, a + 1) + 1]
        row[j + 2] = min(seg) if seg else 0.0
        row[j + 3] = lpl[a] if a < len(lpl) else 0.0
        old_key = (a, b)
        wl = old_words.get(old_key)
        if wl is None:
            wl = old_words[old_key] = _best_word(s, a, max(b, a + 1), freq, legal) if n else (-1.0, False)
        wo, lo = wl
        lo_a = max(0, a - 8)  # words and terms overlapping the edit lie within 8 characters of it
        new = s[lo_a:a] + r + s[b : b + 8]
        wn, ln_ = _best_word(new, a - lo_a, max(a - lo_a + len(r), a - lo_a + 1), freq, legal) if new else (-1.0, False)
        row[j + 4] = wo
        row[j + 5] = wn
        row[j + 6] = wn - wo
        row[j + 7] = float(bool(seg_multi[a : max(b, a + 1)].any())) if a < n else 0.0
        row[j + 8] = float(lo)
        row[j + 9] = float(ln_ and not lo)
        gs = by_pos[a]
        row[j + 12] = float(gs.index(g))
        other = gs[1] if gs[0] == g and len(gs) > 1 else (gs[0] if gs[0] != g else g)
        row[j + 13] = g - other if len(gs) > 1 else g
        row[j + 14] = float(len(gs))
        row[j + 15] = float(n)
        row[j + 16] = a / max(n, 1)
        row[j + 17] = n_low
        row[j + 18] = float(b - a)
        row[j + 19] = float(len(r))
    return x


def seg_multi_mask(s: str, cut) -> np.ndarray:
    """True at characters inside a multi-character token of ``cut(s)``."""
    m = np.zeros(len(s) + 1, dtype=bool)
    k = 0
    for tok in cut(s):
        if len(tok) > 1:
            m[k : k + len(tok)] = True
        k += len(tok)
    return m
