"""Development harness of the gate's charge prediction on CAIL train + dev and the judgments' dev part
only (never test): `python -m eval analyze --lco-dev`.

Parts (each read by a model fit without the cases it is scored on):
- ``lco``: CAIL train + dev, the seen charges in 3 folds; each fold's cases read by a model fit on the
  other cases (labels of the fold, as the test leave-charges-out of ``charge_eval``);
- ``dev``: the CAIL dev cases read by a model fit on train (seen-charge micro F1);
- ``jdev``: the judgments' dev part whose charges have no CAIL case, masked, read by a train + dev fit;
- ``jall`` / ``jwrit``: the judgments' whole dev part, masked and as written (`analyze`: the charges the
  text names, else the classifier on its facts section), read likewise.

The learned model's margins (the expensive part: one SVM fit per part) are cached in eval/out/ so
that variants of the statute prior and of the blend can be compared in seconds.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

FOLDS = 3
CACHE = Path(__file__).resolve().parent / "out" / "gate_dev_parts.pkl"


def parts(refresh: bool = False) -> list[dict[str, Any]]:
    """The parts with their learned margins ``S`` (element shifts added) and element shifts ``D``.
    Every fit holds the judgments' dev part of knowledge/training when the gate is fit on it
    (``learned.judgments``): without the cases of a fold's charges (LCO), and the judgments scored
    in ``jdev`` in two halves, each read by a fit without its half."""
    if CACHE.exists() and not refresh:
        return pickle.loads(CACHE.read_bytes())
    from eval.analyze import load_cail, load_judgment_facts
    from models.gate.build import training_rows
    from models.gate.model import Blend, Learned, Prior, mask_charges

    train, dev = load_cail("train"), load_cail("dev")
    rows = train + dev
    extra = training_rows()[len(rows):]  # the judgments' dev part (empty without learned.judgments)
    seen = sorted({c for r in rows for c in r["charges"]})
    specs: list[tuple[str, set[str] | None, list[dict[str, Any]], list[dict[str, Any]], list[str]]] = []
    for k in range(FOLDS):
        fold = set(seen[k::FOLDS])
        rs = [r for r in rows if set(r["charges"]) & fold]
        fit_rows = [r for r in rows + extra if not set(r["charges"]) & fold]
        specs.append(("lco", fold, fit_rows, rs, [r["fact"] for r in rs]))
    specs.append(("dev", None, train + extra, dev, [r["fact"] for r in dev]))
    import random

    idx = list(range(len(rows)))
    random.Random(0).shuffle(idx)
    for k in range(5):  # 5-fold CV over train + dev (as --cv-gate): seen-charge F1, novelty negatives
        te = set(idx[k::5])
        rs = [rows[i] for i in sorted(te)]
        specs.append(("cv", None, [rows[i] for i in idx if i not in te] + extra, rs, [r["fact"] for r in rs]))
    jd = [r for r in load_judgment_facts() if r["split"] != "test" and r["charges"] and not set(r["charges"]) & set(seen)]
    for h in range(2):
        half = jd[h::2]
        ids = {r["id"] for r in half}
        specs.append(("jdev", None, rows + [r for r in extra if r["id"] not in ids], half,
                      [mask_charges(r["facts"]) for r in half]))
    # the judgments' whole dev part: masked ("jall") and as `analyze` reads it ("jwrit": the charges the
    # documents name, else the classifier on the facts section)
    ja = [r for r in load_judgment_facts() if r["split"] != "test" and r["charges"]]
    named = {r["id"]: written(r["facts"]) for r in ja}
    for h in range(2):
        half = ja[h::2]
        ids = {r["id"] for r in half}
        fit = rows + [r for r in extra if r["id"] not in ids]
        specs.append(("jall", None, fit, half, [mask_charges(r["facts"]) for r in half]))
        specs.append(("jwrit", None, fit, half, [named[r["id"]][1] for r in half]))
    dummy = Prior.load()
    out = []
    fits: dict[tuple[str, ...], Any] = {}
    for kind, fold, fit_rows, rs, texts in specs:
        key = tuple(r.get("id", r["fact"][:40]) for r in fit_rows)
        if key not in fits:
            fits[key] = Learned.fit([r["fact"] for r in fit_rows], [r["charges"] for r in fit_rows])
        learned = fits[key]
        m = Blend(learned, dummy)
        masked = [mask_charges(t) for t in texts]
        S = learned.scores(masked)
        D = m.element_shifts(masked)
        if D is not None:
            S = S + D[:, m._cols]
        knn = neighbours(learned, [r["fact"] for r in fit_rows], [r["charges"] for r in fit_rows], masked, S)
        out.append({"knn": knn, "kind": kind, "fold": fold, "fit_facts": [r["fact"] for r in fit_rows],
                    "fit_labels": [r["charges"] for r in fit_rows], "texts": masked,
                    "gold": [r["charges"] for r in rs], "classes": learned.classes, "S": S, "D": D,
                    "named": [named[r["id"]][0] for r in rs] if kind == "jwrit" else None})
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_bytes(pickle.dumps(out))
    return out


def written(text: str) -> tuple[list[str], str]:
    """(the charges a judgment's text names — given on a heading line or written in the documents, as
    `analyze` reads them — and the facts the classifier reads when it names none)."""
    from models.commands.analyze import _elements
    from models.extract.given import given_charges_in_text
    from models.gate import explicit_charges, facts_of

    head = given_charges_in_text(text)
    case, el = _elements(head.text, "-")
    return list(head.charges) or explicit_charges([el]), facts_of(case)


def neighbours(learned: Any, fit_facts: list[str], fit_labels: list[list[str]], texts: list[str],
               S: np.ndarray) -> np.ndarray:
    """(n, 4): cosine of each text with its nearest fit fact, mean of its 5 nearest, cosine with the
    centroid of the learned top charge's cases, largest cosine with any charge's centroid."""
    import scipy.sparse as sp

    Xf = learned.vec.transform(fit_facts)
    X = learned.vec.transform(texts)
    sims = np.asarray((X @ Xf.T).todense())
    top = np.sort(sims, axis=1)[:, -5:]
    Y = np.zeros((len(fit_facts), len(learned.classes)), dtype=np.float32)
    ci = {c: i for i, c in enumerate(learned.classes)}
    for i, ls in enumerate(fit_labels):
        for c in ls:
            Y[i, ci[c]] = 1
    C = sp.csr_matrix(Y.T) @ Xf
    C = sp.csr_matrix(C.multiply(1 / np.sqrt(np.asarray(C.multiply(C).sum(axis=1))).clip(1e-9)))
    cs = np.asarray((X @ C.T).todense())
    return np.c_[top[:, -1], top.mean(axis=1), cs[np.arange(len(S)), S.argmax(axis=1)], cs.max(axis=1)]


def prior_scores(ps: list[dict[str, Any]], build: Any = None) -> list[np.ndarray]:
    """The statute prior's scores of each part's texts, the prior built on the part's fit facts."""
    from models.gate.model import Prior

    build = build or Prior.build
    cache: dict[int, Any] = {}
    out = []
    for p in ps:
        key = hash(tuple(p["fit_facts"]))
        if key not in cache:
            cache[key] = build(p["fit_facts"], p["fit_labels"])
        out.append(cache[key].scores(p["texts"]))
    return out


class _Scores:
    """Predictions of the harness's parts gathered by kind: the LCO folds (scored on their own
    charges), the CV folds of seen charges, and any other part pooled by its kind."""

    def __init__(self) -> None:
        self.G: list[list[str]] = []
        self.P: list[list[str]] = []
        self.L: set[str] = set()
        self.cg: list[list[str]] = []
        self.cp: list[list[str]] = []
        self.pooled: dict[str, tuple[list[Any], list[Any]]] = {}

    def add(self, p: dict[str, Any], pred: list[list[str]]) -> None:
        if p["kind"] == "lco":
            self.G += [[c for c in g if c in p["fold"]] for g in p["gold"]]
            self.P += pred
            self.L |= p["fold"]
        elif p["kind"] == "cv":
            keep = [i for i, g in enumerate(p["gold"]) if set(g) <= set(p["classes"])]
            self.cg += [p["gold"][i] for i in keep]
            self.cp += [pred[i] for i in keep]
        else:
            if p.get("named") is not None:  # as written: the named charges dominate
                pred = [n or q for n, q in zip(p["named"], pred, strict=True)]
            gold, got = self.pooled.setdefault(p["kind"], ([], []))
            gold.extend(p["gold"])
            got.extend(pred)

    def into(self, res: dict[str, Any]) -> dict[str, Any]:
        from eval.tasks.analyze import f1_scores

        for k, (gg, pp) in self.pooled.items():
            res[k] = f1_scores(gg, pp)["micro_f1"]
        res["lco"] = f1_scores(self.G, self.P, self.L)["micro_f1"]
        if self.cg:
            res["cv_seen"] = f1_scores(self.cg, self.cp)["micro_f1"]
        return res


def evaluate(ps: list[dict[str, Any]], Rs: list[np.ndarray], b: dict[str, Any] | None = None) -> dict[str, float]:
    """LCO micro F1 (train + dev), dev seen micro F1, judgments dev unseen micro F1, and the prior's
    top-1 among the charges without cases on the LCO cases (novelty known: its ceiling)."""
    from knowledge.gate import params
    from models.gate.model import Blend, Prior

    b = b or params()["blend"]
    prior = Prior.load()
    res: dict[str, Any] = {}
    acc = _Scores()
    ok = n = 0
    gate_ok = gate_n = 0
    from collections import Counter

    misses: Counter[str] = Counter()
    for p, R in zip(ps, Rs, strict=True):
        m = Blend(None, prior)
        idx = {c: i for i, c in enumerate(m.charges)}
        m._cols = np.array([idx[c] for c in p["classes"]])
        m._lidx = {c: k for k, c in enumerate(p["classes"])}
        m.learned = object()  # only the column map is read by combine / routes
        routes = m.routes(m.combine(p["S"], R, b, p["D"]), p["S"])
        pred = [[c for c, _ in f] for f, _ in routes]
        if p["kind"] == "cv":  # gate top-1 on the ten experts' charges (expert preference on)
            from eval.tasks.analyze import _gold_experts, _top_expert

            for g, (c, pf) in zip(p["gold"], routes, strict=True):
                ge = _gold_experts(g)
                if ge:
                    gate_n += 1
                    te = _top_expert(c, pf)
                    gate_ok += te in ge
                    if te not in ge:
                        misses["+".join(sorted(ge)) + "→" + te] += 1
        acc.add(p, pred)
        if p["kind"] == "lco":
            unseen = np.ones(R.shape[1], dtype=bool)
            unseen[m._cols] = False
            Ru = np.where(unseen, R, -np.inf)
            for g, j in zip(p["gold"], Ru.argmax(axis=1), strict=True):
                n += 1
                ok += m.charges[j] in g
    acc.into(res)
    res["oracle_top1"] = ok / max(1, n)
    if acc.cg:
        res["cv_gate_top1"] = gate_ok / max(1, gate_n)
        res["cv_gate_misses"] = ", ".join(f"{k} {v}" for k, v in misses.most_common(8))
    return res


def breakdown(ps: list[dict[str, Any]], Rs: list[np.ndarray], b: dict[str, Any] | None = None) -> dict[str, Any]:
    """LCO cases: whether the novelty model flagged them, and whether the prior (with the element
    shifts) put a gold charge first among the charges without cases."""
    from collections import Counter

    from knowledge.gate import params
    from models.gate.model import Prior, novelty

    b = b or params()["blend"]
    charges = Prior.load().charges
    idx = {c: i for i, c in enumerate(charges)}
    cnt: Counter[str] = Counter()
    conf: Counter[tuple[str, str]] = Counter()
    for p, R in zip(ps, Rs, strict=True):
        if p["kind"] != "lco":
            continue
        cols = np.array([idx[c] for c in p["classes"]])
        Z = R * float(b["t_prior"]) + (0 if p["D"] is None else p["D"] * float(b["t_learned"]))
        Z[:, cols] = -np.inf
        nov = novelty(p["S"], R, cols, b["novelty"]) > float(b["novelty"]["threshold"])
        for g, j, f in zip(p["gold"], Z.argmax(axis=1), nov, strict=True):
            hit = charges[j] in g
            cnt[f"novel={bool(f)} prior_right={hit}"] += 1
            if not hit:
                conf[([c for c in g if c in p["fold"]][0], charges[j])] += 1
    return {"counts": dict(cnt), "confusions": conf.most_common(25)}


def novelty_inputs(p: dict[str, Any], R: np.ndarray, knn: bool) -> np.ndarray:
    from models.gate.model import Prior, novelty_features

    idx = {c: i for i, c in enumerate(Prior.load().charges)}
    cols = np.array([idx[c] for c in p["classes"]])
    X = novelty_features(p["S"], R, cols)
    return np.c_[X, p["knn"]] if knn else X


def novelty_grid(ps: list[dict[str, Any]], Rs: list[np.ndarray], knn: bool = False,
                 thresholds: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95), C: float = 10.0,
                 out: list[str] | None = None) -> list[dict[str, Any]]:
    """Fit the novelty logistic on the LCO parts (positives) and the CV parts (negatives; dev when the
    cache has no CV parts), then LCO / CV seen / dev seen / judgments dev F1 per threshold."""
    from sklearn.linear_model import LogisticRegression

    import models.gate.model as gm
    from knowledge.gate import params

    neg = "cv" if any(p["kind"] == "cv" for p in ps) else "dev"
    feats = [novelty_inputs(p, R, knn) for p, R in zip(ps, Rs, strict=True)]
    X = np.vstack([f for f, p in zip(feats, ps, strict=True) if p["kind"] in ("lco", neg)])
    y = np.concatenate([np.full(len(f), p["kind"] == "lco") for f, p in zip(feats, ps, strict=True)
                        if p["kind"] in ("lco", neg)])
    lr = LogisticRegression(class_weight="balanced", C=C, max_iter=2000).fit(X, y)
    res = []
    orig = gm.novelty
    b0 = dict(params()["blend"])
    prior = gm.Prior.load()
    for th in thresholds:
        nv = {"coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0]), "threshold": th, "w": 0.0}
        b = {**b0, "novelty": nv}
        acc = _Scores()
        r: dict[str, Any] = {"threshold": th, "coef": nv["coef"], "intercept": nv["intercept"]}
        for p, R, F in zip(ps, Rs, feats, strict=True):
            gm.novelty = lambda S, R_, cols, nv_, F=F: 1 / (1 + np.exp(-(F @ np.asarray(nv_["coef"]) + nv_["intercept"])))
            m = gm.Blend(None, prior)
            idx = {c: i for i, c in enumerate(m.charges)}
            m._cols = np.array([idx[c] for c in p["classes"]])
            acc.add(p, [[c for c, _ in f] for f, _ in m.routes(m.combine(p["S"], R, b, p["D"]), p["S"], pref={})])
        gm.novelty = orig
        res.append(acc.into(r))
        if out is not None:
            out.append(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                                if k not in ("coef", "intercept")))
    return res
