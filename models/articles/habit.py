"""Definition articles that courts cite by habit, learned from the facts (issue 15).

刑法 357 (本法所称的毒品…; 毒品的数量…不以纯度折算) defines 毒品 for the whole 第七节; whether a court cites it
beside 347/348/354 is not decided by anything the statute makes a condition — it is a court's habit. On CAIL
train 81 of 505 drug cases cite it. Its best predictors are where the case was tried (锦江, 东胜, 镇江 …: the
courts that cite it) and how the drug is written (甲基苯丙胺（冰毒）), so the decision is a small logistic
regression over char 1–2-gram TF-IDF of the facts, fitted on CAIL train + dev drug cases (``knowledge/training``)
and stored in ``knowledge/charges/article_habit.npz`` (numpy only at run time). Citing 357 wrongly asserts
nothing false about the case (it is a definition), so a learned guess is acceptable here; 356 (毒品再犯) is not
learned: it needs a prior conviction the text must tell of (``article_cues.yaml``).

Rebuild: ``python -m models.articles.habit`` prints the choice grid (5-fold CV on CAIL train: C, threshold;
the dev figures of a train-only fit beside it) and writes the artifact refit on train + dev with the chosen
setting. The test split is never read.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ARTIFACT = Path(__file__).resolve().parents[2] / "knowledge" / "charges" / "article_habit.npz"
ARTICLE = 357
NGRAM = (1, 2)
MIN_DF = 2
_WS = re.compile(r"\s+")
# 356's list: the 第七节 charges whose cases cite 357 (knowledge/charges/article_cues.yaml)
_SECTION_CUE = "356"


def _grams(text: str) -> Counter[str]:
    t = _WS.sub(" ", text.lower())
    return Counter(t[i : i + n] for n in range(NGRAM[0], NGRAM[1] + 1) for i in range(len(t) - n + 1))


@functools.lru_cache(maxsize=1)
def _model() -> tuple[dict[str, tuple[float, float]], float, float, frozenset[str]] | None:
    """gram → (idf, weight), intercept, threshold, charges — None without the artifact."""
    if not ARTIFACT.exists():
        return None
    z = np.load(ARTIFACT, allow_pickle=False)
    grams = [str(g) for g in z["grams"]]
    table = {g: (float(i), float(w)) for g, i, w in zip(grams, z["idf"], z["coef"], strict=True)}
    return table, float(z["intercept"]), float(z["threshold"]), frozenset(str(c) for c in z["charges"])


def probability(text: str) -> float | None:
    """P(the court cites 357) for a drug case's facts; None without the artifact."""
    m = _model()
    if m is None:
        return None
    table, b, _, _ = m
    vals: list[tuple[float, float]] = []
    for g, n in _grams(text).items():
        iw = table.get(g)
        if iw is not None:
            vals.append(((1.0 + math.log(n)) * iw[0], iw[1]))
    norm = math.sqrt(sum(v * v for v, _ in vals)) or 1.0
    z = b + sum(v * w for v, w in vals) / norm
    return 1.0 / (1.0 + math.exp(-z))


def habit_articles(charges: list[str], text: str) -> list[int]:
    """[357] when a given charge is a 第七节 drug crime and the model says the court cites it; else []."""
    m = _model()
    if m is None or not m[3] & set(charges):
        return []
    p = probability(text)
    return [ARTICLE] if p is not None and p >= m[2] else []


# ---- fitting (scikit-learn, build time only) ---------------------------------------------------------

def _drug_charges() -> frozenset[str]:
    from knowledge.charges import HERE
    from knowledge.yamlfile import load_yaml

    return frozenset((load_yaml(HERE / "article_cues.yaml") or {})[_SECTION_CUE]["charges"])


def _rows(split: str) -> tuple[list[str], np.ndarray]:
    from knowledge.training import load_cail

    drugs = _drug_charges()
    rows = [r for r in load_cail(split) if drugs & set(r["charges"])]
    return [r["fact"] for r in rows], np.array([ARTICLE in r["articles"] for r in rows])


def _fit(texts: list[str], y: np.ndarray, c: float) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAM, min_df=MIN_DF, sublinear_tf=True, lowercase=True)
    x = vec.fit_transform([_WS.sub(" ", t) for t in texts])
    return vec, LogisticRegression(C=c, max_iter=5000).fit(x, y)


def _hits(p: np.ndarray, y: np.ndarray, t: float) -> tuple[int, int]:
    h = p >= t
    return int(h.sum()), int((h & y).sum())


def choose(cs: tuple[float, ...] = (3.0, 10.0, 30.0, 100.0),
           ts: tuple[float, ...] = (0.35, 0.4, 0.45, 0.5, 0.55)) -> tuple[float, float, list[str]]:
    """(C, threshold, report lines): the setting whose 5-fold CV on CAIL train adds the most right 357s net of
    wrong ones (TP − FP; ties: the higher threshold), the dev hits of a train-only fit beside each."""
    from sklearn.model_selection import StratifiedKFold

    xt, yt = _rows("train")
    xd, yd = _rows("dev")
    lines = [f"CAIL train drug cases {len(yt)} (cite 357: {int(yt.sum())}); dev {len(yd)} ({int(yd.sum())})",
             "C | threshold | CV hits/right | dev hits/right (train-only fit)"]
    best: tuple[int, float, float, float] | None = None
    for c in cs:
        p = np.zeros(len(yt))
        for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(xt, yt):
            vec, clf = _fit([xt[i] for i in a], yt[a], c)
            p[b] = clf.predict_proba(vec.transform([_WS.sub(" ", xt[i]) for i in b]))[:, 1]
        vec, clf = _fit(xt, yt, c)
        pd = clf.predict_proba(vec.transform([_WS.sub(" ", t) for t in xd]))[:, 1]
        for t in ts:
            hn, hr = _hits(p, yt, t)
            dn, dr = _hits(pd, yd, t)
            lines.append(f"{c:g} | {t:.2f} | {hn}/{hr} | {dn}/{dr}")
            key = (hr - (hn - hr), t, -c, c)
            if best is None or key[:3] > best[:3]:
                best = key
    assert best is not None
    return best[3], best[1], lines


def build() -> list[str]:
    c, t, lines = choose()
    xt, yt = _rows("train")
    xd, yd = _rows("dev")
    vec, clf = _fit(xt + xd, np.concatenate([yt, yd]), c)
    grams = vec.get_feature_names_out()
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(ARTIFACT, grams=np.array(grams, dtype=str), idf=vec.idf_.astype(np.float32),
                        coef=clf.coef_[0].astype(np.float32), intercept=np.float64(clf.intercept_[0]),
                        threshold=np.float64(t), charges=np.array(sorted(_drug_charges()), dtype=str))
    _model.cache_clear()
    return lines + [f"chosen: C {c:g}, threshold {t:.2f}; refit on train + dev ({len(grams)} grams) → {ARTIFACT.name}"]


if __name__ == "__main__":
    print("\n".join(build()))
