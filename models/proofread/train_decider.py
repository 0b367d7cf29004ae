"""Train the learned decider (needs scikit-learn; the artifact it writes needs numpy only).

Training sentences: the real spelling errors packaged in ``knowledge/confusion/train_errors.jsonl.gz``
(the development parts of ECSpell: official documents ``odw_train`` and the law part outside the
held-out test split; their clean sentences are the negatives) plus one synthetic noisy copy of every
target sentence (``models.proofread.synth``: mostly confusion-set substitutions, also homophone
words, dropped / doubled / swapped characters), plus optional extra sentences (``--sentences``).

Every candidate edit the checker generates (LM gain above the floor) is a row; its label says
whether the edit moves the sentence to its target. The probability threshold is chosen on
out-of-fold predictions (folds grouped by target sentence) over the real sentences: the highest
sentence-level correction F1 with at most ``decider.max_false_alarms`` % of clean sentences changed.

``python -m models.proofread.train_decider [--out FILE]`` (also part of ``jiancha lm train``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from models.proofread.decider import ARTIFACT, export
from models.proofread.features import NAMES
from models.proofread.sentence import CONFUSION_DIR, SentenceChecker, protected_mask, select
from models.proofread.synth import noisy

TRAIN_ERRORS = CONFUSION_DIR / "train_errors.jsonl.gz"
HGB = {"max_iter": 250, "max_depth": 5, "learning_rate": 0.08, "min_samples_leaf": 20, "l2_regularization": 1.0,
       "early_stopping": False}


def training_rows(extra: list[str] | None = None, seed: int = 17) -> list[dict[str, Any]]:
    with gzip.open(TRAIN_ERRORS, "rt", encoding="utf-8") as f:
        real = [json.loads(line) for line in f if line.strip()]
    from models.proofread.sentence import lexicon

    lex = lexicon()
    rng = random.Random(seed)
    rows = [{"source": r["source"], "target": r["target"], "group": r["target"], "real": True,
             "part": r.get("from", "all")} for r in real]
    targets = list(dict.fromkeys(r["target"] for r in real)) + list(extra or [])
    for t in targets:
        bad = noisy(t, lex, rng)
        if bad:
            rows.append({"source": bad, "target": t, "group": t, "real": False})
    return rows


def label(src: str, tgt: str, cand: tuple) -> int:
    """1 when the edit turns its span of ``src`` into the target's text there."""
    a, b, r, _k, _g = cand
    if len(src) == len(tgt):
        if len(r) != b - a:
            return 0
        return int(src[a:b] != tgt[a:b] and tgt[a:b] == r)
    import difflib

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, tgt, autojunk=False).get_opcodes():
        if op != "equal" and (i1, i2, tgt[j1:j2]) == (a, b, r):
            return 1
    return 0


def featurize(ch: SentenceChecker, rows: list[dict[str, Any]]):
    """Per row: the kept candidates and feature matrix; plus stacked X, y, row index."""
    texts = [r["source"] for r in rows]
    per_row: list[tuple[list[tuple], np.ndarray]] = []
    for i in range(0, len(texts), 64):
        chunk = texts[i : i + 64]
        masks = [ch.protect_legal(t, protected_mask(t)) for t in chunk]
        scored, lps = ch.score_edits(chunk, masks, with_lp=True)
        for t, c, lp in zip(chunk, scored, lps, strict=True):
            per_row.append(ch.candidate_matrix(t, c, lp))
    xs, ys, idx = [], [], []
    for k, (r, (keep, x)) in enumerate(zip(rows, per_row, strict=True)):
        if keep:
            xs.append(x)
            ys += [label(r["source"], r["target"], c) for c in keep]
            idx += [k] * len(keep)
    return per_row, np.concatenate(xs), np.asarray(ys), np.asarray(idx)


def choose_threshold(rows, per_row, probs_by_row, gap: int, max_edits: int, max_far: float) -> tuple[float, dict]:
    """The probability threshold with the best sentence correction F1 over the real sentences whose
    false-alarm rate stays ≤ ``max_far`` % in every part (official documents, law) separately."""
    best: tuple[float, dict] = (0.99, {"f1": 0.0})
    real = [k for k, r in enumerate(rows) if r["real"]]
    for thr in np.arange(0.30, 0.99, 0.01).tolist():
        pred_pos = gold_pos = right = 0
        clean: dict[str, int] = {}
        fa: dict[str, int] = {}
        for k in real:
            r = rows[k]
            keep, _x = per_row[k]
            edits = select(r["source"], keep, probs_by_row[k], thr, gap, max_edits) if keep else []
            out = r["source"]
            for e in sorted(edits, key=lambda e: -e.start):
                out = out[: e.start] + e.suggestion + out[e.end :]
            changed = out != r["source"]
            has_err = r["source"] != r["target"]
            pred_pos += changed
            gold_pos += has_err
            right += changed and has_err and out == r["target"]
            if not has_err:
                part = r.get("part", "all")
                clean[part] = clean.get(part, 0) + 1
                fa[part] = fa.get(part, 0) + changed
        p = right / pred_pos if pred_pos else 0.0
        rc = right / gold_pos if gold_pos else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        far = max((100 * fa[k] / clean[k] for k in clean), default=0.0)
        if far <= max_far and f1 > best[1]["f1"]:
            best = (round(thr, 2), {"f1": round(f1, 3), "p": round(100 * p, 1), "r": round(100 * rc, 1),
                                    "false_alarms_worst_part": round(far, 2)})
    return best


def train(out: Path = ARTIFACT, extra: list[str] | None = None, folds: int = 4, log=print,
          lm_path: Path | None = None, limit: int | None = None, cache: Path | None = None) -> dict[str, Any]:
    """Fit the decider for the LM at ``lm_path`` (default: the LM in use) and save it to ``out``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    t0 = time.time()
    from knowledge.lm import CharLM

    ch = SentenceChecker(lm=CharLM(lm_path)) if lm_path else SentenceChecker()
    ch.cfg = dict(ch.cfg, decider=dict(ch.cfg["decider"], enabled=False))
    dcfg = ch.cfg["decider"]
    if cache is not None and cache.exists():  # development: the featurized rows of an earlier run
        import pickle

        rows, per_row, x, y, idx = pickle.loads(cache.read_bytes())
        with gzip.open(TRAIN_ERRORS, "rt", encoding="utf-8") as f:
            part = {(r["source"], r["target"]): r.get("from", "all") for r in map(json.loads, f)}
        for r in rows:
            r.setdefault("part", part.get((r["source"], r["target"]), "all"))
    else:
        rows = training_rows(extra)
        if limit:
            rows = random.Random(0).sample(rows, min(limit, len(rows)))
        per_row, x, y, idx = featurize(ch, rows)
        if cache is not None:
            import pickle

            cache.write_bytes(pickle.dumps((rows, per_row, x, y, idx)))
    log(json.dumps({"sentences": len(rows), "candidates": len(y), "positives": int(y.sum()),
                    "featurize_s": round(time.time() - t0, 1)}))
    groups = np.asarray([hash(rows[k]["group"]) for k in idx.tolist()])
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=folds).split(x, y, groups):
        clf = HistGradientBoostingClassifier(random_state=0, **HGB).fit(x[tr], y[tr])
        oof[te] = clf.predict_proba(x[te])[:, 1]
        log(json.dumps({"fold_done_s": round(time.time() - t0, 1)}))
    probs_by_row: list[list[float]] = [[] for _ in rows]
    for k, p in zip(idx.tolist(), oof.tolist(), strict=True):
        probs_by_row[k].append(p)
    thr, cv = choose_threshold(rows, per_row, probs_by_row, int(dcfg["gap"]), int(dcfg["max_edits"]),
                               float(dcfg["max_false_alarms"]))
    clf = HistGradientBoostingClassifier(random_state=0, **HGB).fit(x, y)
    out.parent.mkdir(parents=True, exist_ok=True)
    export(clf, list(NAMES), thr, out)
    stats = {"decider": str(out), "threshold": thr, "cv_real_first_pass": cv, "candidates": len(y),
             "positives": int(y.sum()), "seconds": round(time.time() - t0, 1)}
    log(json.dumps(stats, ensure_ascii=False))
    from models.proofread import decider

    decider.load.cache_clear()
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.proofread.train_decider")
    ap.add_argument("--out", type=Path, default=ARTIFACT)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--cache", type=Path, default=None, help="development: reuse / save the featurized rows")
    a = ap.parse_args(argv)
    train(a.out, folds=a.folds, log=lambda s: sys.stderr.write(s + "\n"), cache=a.cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
