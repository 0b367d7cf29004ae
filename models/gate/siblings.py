"""What tells a charge from its close siblings, read from the official names of the catalogue.

Charges the statute separates by one element often share a clause or a 罪状: 第358条 第一款 names
组织卖淫 and 强迫卖淫 in one clause (the prior reads the same statute text for both), 单位行贿 (第393条)
is 行贿 (第389条) done by a unit. The 罪名 规定 that set the names wrote that element into the name,
so the part of a name its sibling's name lacks is the element to look for in the facts: 强迫 against
组织, 单位 against nothing (行贿).

Close siblings (``close``): two charges of the same article (article and 之一 number), or two whose
names end alike, one holding the other whole (单位行贿 / 行贿, 合同诈骗 / 诈骗). For each close pair the
runs of one name that no two-character word of the other covers (``uncovered``) are its element.
``contrast`` (``prior.sibling_contrast`` in knowledge/gate/params.yaml) shifts the prior of a charge
up, and its sibling's down, when the fact holds the charge's element and not the sibling's — averaged
over the charge's close pairs. Computed for every charge of the catalogue from names and article
numbers alone; no charge or word is listed by hand.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from knowledge.charges import all_charges, charge_info

__all__ = ["close", "close_pairs", "contrast", "uncovered"]

_CJK = re.compile(r"[\u4e00-\u9fff]+")


def _words(name: str) -> list[str]:
    """The runs of Chinese characters of a name (its 、-separated parts)."""
    return _CJK.findall(name)


@lru_cache(maxsize=1024)
def _articles(charge: str) -> frozenset[tuple[int, int]]:
    info = charge_info(charge) or {}
    return frozenset((int(a), int(s)) for a, s, _ in info.get("articles", []))


def close(c: str, d: str) -> bool:
    """``c`` and ``d`` differ by one element: the same article (358's 组织卖淫 / 强迫卖淫 / 协助组织卖淫), or
    one name ends with the other whole (单位行贿 / 行贿)."""
    if c == d:
        return False
    a, b = "".join(_words(c)), "".join(_words(d))
    return bool(_articles(c) & _articles(d)) or a.endswith(b) or b.endswith(a)


def uncovered(name: str, other: str) -> tuple[str, ...]:
    """The runs (two characters or more) of ``name`` that no two-character word of ``other`` covers:
    协助组织卖淫 against 组织卖淫 → 协助; 强迫卖淫 against 组织卖淫 → 强迫; 行贿 against 单位行贿 → none."""
    out = []
    for w in _words(name):
        cov = [False] * len(w)
        for i in range(len(w) - 1):
            if w[i:i + 2] in other:
                cov[i] = cov[i + 1] = True
        run = ""
        for ch, c in zip(w, cov, strict=True):
            if c:
                if run:
                    out.append(run)
                run = ""
            else:
                run += ch
        if run:
            out.append(run)
    return tuple(r for r in out if len(r) >= 2)


@lru_cache(maxsize=1)
def close_pairs() -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """Every close pair of the catalogue once, with each side's element (its uncovered runs; a pair
    whose names differ by single characters only has none and counts for nothing but its share)."""
    cs = all_charges()
    return [(c, d, uncovered(c, d), uncovered(d, c)) for i, c in enumerate(cs) for d in cs[i + 1:] if close(c, d)]


@lru_cache(maxsize=8)
def _plan(charges: tuple[str, ...]) -> tuple[list[str], sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """(the runs; pairs × runs of each side's element; pairs × charges: +1 the first side, −1 the
    second, over each charge's number of close pairs)."""
    idx = {c: k for k, c in enumerate(charges)}
    pairs = [(idx[c], idx[d], a, b) for c, d, a, b in close_pairs() if c in idx and d in idx]
    runs = sorted({r for *_, a, b in pairs for r in (*a, *b)})
    ri = {r: k for k, r in enumerate(runs)}

    def side(k: int) -> sp.csr_matrix:
        rows = [(p, ri[r]) for p, pr in enumerate(pairs) for r in pr[k]]
        return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), ([r[0] for r in rows], [r[1] for r in rows])),
                             shape=(len(pairs), len(runs)))

    n = np.zeros(len(charges), dtype=np.float32)
    for i, j, _, _ in pairs:
        n[i] += 1
        n[j] += 1
    n = np.maximum(n, 1)
    P = sp.csr_matrix((np.r_[1 / n[[p[0] for p in pairs]], -1 / n[[p[1] for p in pairs]]].astype(np.float32),
                       (np.r_[np.arange(len(pairs)), np.arange(len(pairs))], np.r_[[p[0] for p in pairs],
                                                                                    [p[1] for p in pairs]])),
                      shape=(len(pairs), len(charges)))
    return runs, side(2), side(3), P


def contrast(texts: list[str], charges: list[str]) -> np.ndarray:
    """(texts, charges): for each close pair whose elements the text holds on one side only, +1 to
    the side it holds and −1 to the other, each divided by the charge's number of close pairs."""
    runs, A, B, P = _plan(tuple(charges))
    if not runs:
        return np.zeros((len(texts), len(charges)), dtype=np.float32)
    H = sp.csr_matrix(np.array([[r in t for r in runs] for t in texts], dtype=np.float32))
    ha = (H @ A.T).toarray() > 0
    hb = (H @ B.T).toarray() > 0
    return np.asarray((ha.astype(np.float32) - hb.astype(np.float32)) @ P.toarray(), dtype=np.float32)
