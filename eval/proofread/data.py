"""Proofreading eval sets: real sentences of held-out judgments with injected errors.

Each row: ``{"id", "text"`` (what the checker sees), ``"source"`` (the correct sentence),
``"kind"`` (clean | word | char | shape | missing | redundant | order)}``. Half the rows are clean.
Errors are injected the way they occur in typed documents: a homophone word chosen by the pinyin
input method (实施 for 事实), a homophone or similar-shape character, a dropped, doubled or stray
character, two characters swapped. Injections avoid names, places and numbers (the protected
positions, which the checker never edits anyway).
"""

from __future__ import annotations

import difflib
import gzip
import json
import random
import re
from pathlib import Path
from typing import Any

from eval.proofread.corpus import judgment_texts
from knowledge.lm.train import split_sentences
from models.proofread.sentence import lexicon, protected_mask

HERE = Path(__file__).resolve().parent
KINDS = {"word": 0.30, "char": 0.20, "shape": 0.10, "missing": 0.15, "redundant": 0.15, "order": 0.10}
SIZES = {"dev": 1000, "test": 2000}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def usable(s: str) -> bool:
    if not (12 <= len(s) <= 150):
        return False
    return sum(1 for c in s if _CJK.match(c)) >= 0.7 * len(s)


def _free(s: str) -> list[int]:
    m = protected_mask(s)
    return [i for i in range(len(s)) if not m[i]]


def inject(s: str, kind: str, rng: random.Random) -> str | None:
    """``s`` with one error of ``kind``, or None when the sentence offers no place for it."""
    lex = lexicon()
    free = _free(s)
    if len(free) < 4:
        return None
    fs = set(free)
    if kind == "word":
        spots = []
        for ln in (2, 3):
            for a in free:
                w = s[a : a + ln]
                if len(w) == ln and all(i in fs for i in range(a, a + ln)) and w in lex.words:
                    alts = [x for x in lex.py2words.get(lex.words[w], ()) if x != w]
                    if alts:
                        spots.append((a, w, alts))
        if not spots:
            return None
        a, w, alts = rng.choice(spots)
        return s[:a] + rng.choice(alts) + s[a + len(w) :]
    if kind == "char":
        rng.shuffle(free)
        for a in free:
            alts = [c for c in lex.homophone_chars(s[a]) if list(lex.char_py).index(c) < 2500]
            if alts:
                return s[:a] + rng.choice(alts) + s[a + 1 :]
        return None
    if kind == "shape":
        spots = [a for a in free if s[a] in lex.shapes]
        if not spots:
            return None
        a = rng.choice(spots)
        return s[:a] + rng.choice(lex.shapes[s[a]]) + s[a + 1 :]
    if kind == "missing":
        a = rng.choice(free)
        return s[:a] + s[a + 1 :]
    if kind == "redundant":
        a = rng.choice(free)
        if rng.random() < 0.5:
            return s[:a] + s[a] + s[a:]
        c = rng.choice(list(lex.char_py)[:1500])
        return s[:a] + c + s[a:]
    if kind == "order":
        spots = [a for a in free if a + 1 in fs and s[a] != s[a + 1]]
        if not spots:
            return None
        a = rng.choice(spots)
        return s[:a] + s[a + 1] + s[a] + s[a + 2 :]
    raise ValueError(kind)


def build_split(split: str, seed: int = 20261128) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:{split}")
    sents = []
    for jid, text in judgment_texts(split):
        for i, s in enumerate(split_sentences(text)):
            if usable(s):
                sents.append((f"{jid}:{i}", s))
    rng.shuffle(sents)
    n = SIZES[split]
    rows: list[dict[str, Any]] = []
    kinds, weights = list(KINDS), list(KINDS.values())
    for sid, s in sents:
        if len(rows) >= n:
            break
        if len(rows) % 2 == 0:
            rows.append({"id": sid, "text": s, "source": s, "kind": "clean"})
            continue
        kind = rng.choices(kinds, weights)[0]
        bad = inject(s, kind, rng)
        if bad is None or bad == s:
            continue
        rows.append({"id": sid, "text": bad, "source": s, "kind": kind})
    return rows


def write(split: str, rows: list[dict[str, Any]]) -> Path:
    p = HERE / f"{split}.jsonl.gz"
    with open(p, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for r in rows:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    return p


def load(split: str) -> list[dict[str, Any]]:
    with gzip.open(HERE / f"{split}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def diff_edits(a: str, b: str) -> set[tuple[int, int, str]]:
    """Minimal character edits turning ``a`` into ``b``: {(start, end, replacement)} in ``a``."""
    out = set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            out.add((i1, i2, b[j1:j2]))
    return out
