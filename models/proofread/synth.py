"""Synthetic typing errors for training the decider: drawn from the sound / shape confusion sets
(most of them), homophone words, dropped, doubled and swapped characters. Never at protected
positions (names, numbers, quotations)."""

from __future__ import annotations

import random

from models.proofread.sentence import Lexicon, protected_mask

KINDS = {"sound": 0.45, "shape": 0.2, "word": 0.1, "missing": 0.1, "redundant": 0.1, "order": 0.05}
COMMON = 3000  # replacement characters are drawn from the most frequent characters


def inject(s: str, kind: str, lex: Lexicon, rng: random.Random) -> str | None:
    mask = protected_mask(s)
    free = [i for i in range(len(s)) if not mask[i]]
    if len(free) < 4:
        return None
    rank = lex.char_rank
    if kind in ("sound", "shape"):
        table = lex.conf_sound if kind == "sound" else lex.conf_shape
        spots = [i for i in free if table.get(s[i])]
        if not spots:
            return None
        a = rng.choice(spots)
        alts = [c for c in table[s[a]] if rank.get(c, COMMON) < COMMON] or list(table[s[a]])
        return s[:a] + rng.choice(alts[:12]) + s[a + 1 :]
    if kind == "word":
        fs = set(free)
        spots = []
        for a in free:
            w = s[a : a + 2]
            if len(w) == 2 and a + 1 in fs and w in lex.words:
                alts = [x for x in lex.py2words.get(lex.words[w], ()) if x != w]
                if alts:
                    spots.append((a, w, alts))
        if not spots:
            return None
        a, w, alts = rng.choice(spots)
        return s[:a] + rng.choice(alts) + s[a + 2 :]
    if kind == "missing":
        a = rng.choice(free)
        return s[:a] + s[a + 1 :]
    if kind == "redundant":
        a = rng.choice(free)
        return s[:a] + s[a] + s[a:]
    if kind == "order":
        fs = set(free)
        spots = [a for a in free if a + 1 in fs and s[a] != s[a + 1]]
        if not spots:
            return None
        a = rng.choice(spots)
        return s[:a] + s[a + 1] + s[a] + s[a + 2 :]
    raise ValueError(kind)


def noisy(s: str, lex: Lexicon, rng: random.Random, max_errors: int = 2) -> str | None:
    """``s`` with one (or, one time in three, two) substitution-heavy errors."""
    out: str | None = s
    k = 1 if max_errors < 2 or rng.random() < 0.67 else 2
    kinds, weights = list(KINDS), list(KINDS.values())
    for j in range(k):
        kind = rng.choices(kinds, weights)[0] if j == 0 else rng.choice(["sound", "shape"])
        nxt = inject(out, kind, lex, rng) if out else None
        if nxt is None:
            break
        out = nxt
    return out if out != s else None
