"""`python -m eval analyze`: charge prediction (seen / held-out charges / judgments), gate top-1 on
the ten experts' charges, term prediction (CAIL2018 score), amount accuracy on hand labels, speed.

Data: knowledge/training/cail.jsonl.gz (fixed split train/dev/test, eval/analyze/__init__.py),
eval/analyze/judgment_facts.jsonl.gz, eval/data/amount_labels.jsonl. ``--tune`` searches the
multi-charge thresholds on the dev part with a model fit on train only (never on test).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

NAME = "analyze"
HELP = "charge prediction, gate, term, amount and speed scores of `jiancha analyze`"
RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"
FOLDS = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tune", action="store_true", help="tune multi-charge thresholds on dev (train-only model)")
    p.add_argument("--tune-gate", action="store_true",
                   help="the dev grid of the gate's blend and expert preference (train-only models; prints)")
    p.add_argument("--cv-gate", action="store_true",
                   help="gate top-1 / seen / leave-charges-out F1 on train+dev only (dev with a train fit, 5-fold "
                        "CV, 3 charge folds), with and without the element rules (prints)")
    p.add_argument("--fit-novelty", action="store_true",
                   help="fit the gate's novelty model and print its threshold grid on train+dev leave-charges-out "
                        "folds and dev (prints; params.yaml is edited by hand)")
    p.add_argument("--lco-dev", action="store_true",
                   help="charge prediction on train+dev only (eval/gate_dev.py): leave-charges-out over 3 charge "
                        "folds, 5-fold CV seen charges, dev seen, the judgments' dev part without CAIL charges; "
                        "and the novelty model refit with its threshold grid (never reads test)")
    p.add_argument("--refresh", action="store_true", help="with --lco-dev: refit the cached learned models")
    p.add_argument("--quick", action="store_true", help="skip the leave-charges-out fits")
    p.add_argument("--no-write", action="store_true", help="do not update eval/RESULTS.md")
    p.add_argument("--bench-n", type=int, default=1000)
    p.add_argument("--bench-only", action="store_true", help="only the throughput benchmark (prints, no write)")
    p.add_argument("--amount-only", action="store_true", help="only the amount accuracy (prints, no write)")
    p.add_argument("--term-lco", action="store_true",
                   help="term CAIL score of charges with no training case: leave-charges-out refits of the term "
                        "model (3 folds of CAIL's charges; prints, no write; a few minutes)")
    p.add_argument("--given-only", action="store_true",
                   help="only the scores with the gold charge given (articles, term by group; prints, no write)")
    p.add_argument("--article-misses", default=None, metavar="SPLIT",
                   help="every wrong special-part article with the gold charge given, sorted into why: train, dev, "
                        "test, judgments-dev, judgments-test, judgments-dev-particulars or judgments-test-particulars (the "
                        "judgment's opening with the parties' particulars before the facts) (prints; the list goes to "
                        "eval/analyze/article_misses_SPLIT.md)")
    p.add_argument("--articles-adjudicated", action="store_true",
                   help="CAIL test article F1 with the charge given against the original labels and against the "
                        "blind re-read of the disputed items (eval/data/ARTICLE_LABELS.md; prints)")
    p.add_argument("--amount-groups", default="train+dev",
                   help="label groups for --amount-only, comma-separated: "
                        "train+dev,test,blind test,blind test (first labeller),blind test other charges,"
                        "judgments dev,judgments test")
    p.add_argument("--amount-tag", default=None,
                   help="only the labels of one labelling round (their \"by\", e.g. \"session14 other charges\")")


# --------------------------------------------------------------------------- metrics


def f1_scores(gold: list[list[str]], pred: list[list[str]], labels: set[str] | None = None) -> dict[str, Any]:
    """Multi-label micro / macro F1 (macro over the gold charges, restricted to ``labels``)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        for c in gs & ps:
            tp[c] += 1
        for c in ps - gs:
            fp[c] += 1
        for c in gs - ps:
            fn[c] += 1
    cls = {c for g in gold for c in g}
    if labels is not None:
        cls &= labels
    T, P_, N = (sum(x[c] for c in cls) for x in (tp, fp, fn))
    micro = 2 * T / (2 * T + P_ + N) if T + P_ + N else 0.0
    per = {c: (2 * tp[c] / (2 * tp[c] + fp[c] + fn[c])) for c in cls}
    macro = sum(per.values()) / len(per) if per else 0.0
    exact = sum(set(g) == set(p) for g, p in zip(gold, pred, strict=True)) / max(1, len(gold))
    top1 = sum(bool(p) and p[0] in g for g, p in zip(gold, pred, strict=True)) / max(1, len(gold))
    return {"n": len(gold), "charges": len(cls), "micro_f1": micro, "macro_f1": macro, "exact": exact,
            "top1": top1}


def cail_term_score(pred: float, gold: float) -> float:
    d = abs(math.log(pred + 1) - math.log(gold + 1))
    for lim, s in ((0.2, 1.0), (0.4, 0.8), (0.6, 0.6), (0.8, 0.4), (1.0, 0.2)):
        if d <= lim:
            return s
    return 0.0


def term_scores(pairs: list[tuple[float | None, float]]) -> dict[str, Any]:
    ok = [(p, g) for p, g in pairs if p is not None]
    if not pairs:
        return {"n": 0}
    score = sum(cail_term_score(p, g) for p, g in ok) / len(pairs) * 100
    within = sum(abs(p - g) <= 0.25 * g for p, g in ok) / len(pairs)
    return {"n": len(pairs), "predicted": len(ok), "cail_score": score, "within_25pct": within}


# --------------------------------------------------------------------------- runs


def _fit(rows: list[dict[str, Any]]):
    """The gate's classifier fit on ``rows`` only: the learned model, and the statute prior whose fact
    idf (``prior.fact_idf``) is counted on the same rows' facts (never on the cases it is scored on)."""
    from knowledge.gate import params
    from models.gate.model import Blend, Learned, Prior

    facts = [r["fact"] for r in rows]
    labels = [r["charges"] for r in rows]
    prior = Prior.build(facts, labels) if params()["prior"].get("fact_idf") else Prior.load()
    return Blend(Learned.fit(facts, labels), prior)


def _gold_experts(charges: list[str]) -> set[str]:
    """The ten experts a case's gold charges belong to (empty: only the generic pipeline)."""
    from models.gate import experts_for

    return {e for e, _ in experts_for([(c, 1.0) for c in charges])} - {"generic"}


def _top_expert(charges: list[tuple[str, float]], preferred: tuple[str, float] | None) -> str:
    from models.gate import experts_for

    return experts_for([preferred] if preferred else charges)[0][0]


def _names(preds: list[list[tuple[str, float]]]) -> list[list[str]]:
    return [[c for c, _ in p] for p in preds]


def tune(out: list[str]) -> dict[str, Any]:
    from eval.analyze import load_cail

    train, dev = load_cail("train"), load_cail("dev")
    model = _fit(train)
    gold = [r["charges"] for r in dev]
    best = None
    for ratio, ms in itertools.product([0.2, 0.3, 0.5, 0.7, 0.9, 1.01], [0.05, 0.1, 0.2, 0.3, 0.4]):
        m = {"ratio": ratio, "min_score": ms, "max_charges": 3}
        s = f1_scores(gold, _names(model.predict([r["fact"] for r in dev], m=m)))
        if best is None or s["micro_f1"] > best[0]["micro_f1"]:
            best = (s, m)
    assert best is not None
    out.append(f"dev tuning (model fit on train): best multi = {best[1]} → {json.dumps(best[0])}")
    return best[1]


def tune_gate(out: list[str]) -> None:
    """The grid the gate's blend / confidence switch / expert preference were chosen on: models fit
    on train only, scored on dev — gate top-1 on the ten experts' charges, seen-charge micro F1 and
    leave-charges-out micro F1 (3 folds of the train charges). Prints the best settings."""
    from eval.analyze import load_cail

    train, dev = load_cail("train"), load_cail("dev")
    full = _fit(train)
    seen = sorted({c for r in train for c in r["charges"]})
    folds = []
    for k in range(FOLDS):
        fold = set(seen[k::FOLDS])
        rows = [r for r in dev if set(r["charges"]) & fold]
        folds.append((fold, _fit([r for r in train if not set(r["charges"]) & fold]), rows))
    gold_exp = [_gold_experts(r["charges"]) for r in dev]
    facts = [r["fact"] for r in dev]
    res = []
    grid = itertools.product([(0.5, 0.5, 0.0), (0.3, 0.9, 0.2), (0.5, 0.9, 0.0)], [4.0, 8.0], [60.0, 100.0],
                             [None, (0.5, -0.3, 0.0), (0.8, -0.3, 0.0), (0.8, -0.5, 0.0), (0.8, -0.3, 0.05),
                              (0.8, -0.3, 0.1), (0.8, -0.3, 0.2)])
    from knowledge.gate import params

    sw = float(params()["blend"].get("seen_weight", 1.0))
    gap = params()["expert_preference"].get("learned_gap")
    for (w, wc, cm), tl, tp, pr in grid:
        b = {"w": w, "w_confident": wc, "confident_margin": cm, "t_learned": tl, "t_prior": tp, "seen_weight": sw}
        pref = {} if pr is None else {"delta": pr[0], "floor": pr[1], "min_ratio": pr[2], "learned_gap": gap}
        routes = full.predict_routes(facts, b=b, pref=pref)
        top = [_top_expert(c, pf) in g for (c, pf), g in zip(routes, gold_exp, strict=True) if g]
        seen_f1 = f1_scores([r["charges"] for r in dev], _names([c for c, _ in routes]))["micro_f1"]
        G, P, L = [], [], set()
        for fold, m, rows in folds:
            G += [[c for c in r["charges"] if c in fold] for r in rows]
            P += _names(m.predict([r["fact"] for r in rows], b=b))
            L |= fold
        held = f1_scores(G, P, L)["micro_f1"]
        res.append((sum(top) / len(top), seen_f1, held, b, pref))
    res.sort(key=lambda x: -(x[0] + x[2]))
    for r in res[:10]:
        out.append(f"gate top-1 {r[0]:.3f}  seen micro F1 {r[1]:.3f}  held-out micro F1 {r[2]:.3f}  blend {r[3]}  "
                   f"expert_preference {r[4]}")


CV_FOLDS = 5


def _raw(model: Any, texts: list[str]) -> tuple[Any, Any, Any]:
    """(learned margins with the element shifts, prior similarities, element shifts) of ``texts``."""
    from models.gate.model import mask_charges

    masked = [mask_charges(t) for t in texts]
    R = model.prior.scores(masked)
    S = model.learned.scores(masked)
    D = model.element_shifts(masked)
    if D is not None:
        S = S + D[:, model._cols]
    return S, R, D


def fit_novelty(out: list[str]) -> dict[str, Any]:
    """Fit the gate's novelty model (``blend.novelty`` in knowledge/gate/params.yaml) on CAIL train +
    dev only: positives = the cases of each leave-charges-out fold of train + dev (3 folds of the
    charges, each fold's cases read by a model fit without any case of its charges), negatives = the
    dev cases read by a model fit on train. Then the grid of threshold × w (the learned model's weight
    when a fact is judged novel) on the same folds: leave-charges-out micro F1 and dev seen-charge micro
    F1 (and the judgments' dev part whose charges have no CAIL case, masked). Prints; the chosen row is
    copied into params.yaml by hand (largest leave-charges-out F1 with dev seen F1 not below the
    setting without the novelty model)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from eval.analyze import load_cail, load_judgment_facts
    from knowledge.gate import params
    from models.gate.model import mask_charges, novelty_features

    train, dev = load_cail("train"), load_cail("dev")
    rows = train + dev
    seen = sorted({c for r in rows for c in r["charges"]})
    parts = []  # (model, rows, S, R, D, kind)
    for k in range(FOLDS):
        fold = set(seen[k::FOLDS])
        m = _fit([r for r in rows if not set(r["charges"]) & fold])
        rs = [r for r in rows if set(r["charges"]) & fold]
        parts.append((m, rs, *_raw(m, [r["fact"] for r in rs]), ("lco", fold)))
    m = _fit(train)
    parts.append((m, dev, *_raw(m, [r["fact"] for r in dev]), ("dev", None)))
    mj = _fit(rows)
    seen_all = set(seen)
    jd = [r for r in load_judgment_facts() if r["split"] != "test" and r["charges"]
          and not set(r["charges"]) & seen_all]
    parts.append((mj, jd, *_raw(mj, [mask_charges(r["facts"]) for r in jd]), ("jdev", None)))
    feats, ys = [], []
    for m, _, S, R, _, (kind, _) in parts[:-1]:
        feats.append(novelty_features(S, R, m._cols))
        ys.append(np.full(len(S), 1 if kind == "lco" else 0))
    X, y = np.vstack(feats), np.concatenate(ys)
    lr = LogisticRegression(class_weight="balanced", C=10.0, max_iter=1000).fit(X, y)
    coef = [round(float(c), 3) for c in lr.coef_[0]]
    icpt = round(float(lr.intercept_[0]), 3)
    out.append(f"novelty model: coef {coef} intercept {icpt} (positives {int(y.sum())}, negatives {int((1 - y).sum())})")
    base = dict(params()["blend"])
    base.pop("novelty", None)
    grid: list[tuple[str, dict[str, Any]]] = [("without novelty model", base)]
    for th, w in itertools.product([0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95], [0.0, 0.1, 0.3]):
        grid.append((f"threshold {th} w {w}", {**base, "novelty": {"coef": coef, "intercept": icpt,
                                                                "threshold": th, "w": w}}))
    res = []
    for name, b in grid:
        G, P, L = [], [], set()
        dev_s = jd_s = None
        for m, rs, S, R, D, (kind, fold) in parts:
            pred = _names([c for c, _ in m.routes(m.combine(S, R, b, D), S)])
            if kind == "lco":
                G += [[c for c in r["charges"] if c in fold] for r in rs]
                P += pred
                L |= fold
            elif kind == "dev":
                dev_s = f1_scores([r["charges"] for r in rs], pred)["micro_f1"]
            else:
                jd_s = f1_scores([r["charges"] for r in rs], pred)["micro_f1"]
        res.append((name, f1_scores(G, P, L)["micro_f1"], dev_s, jd_s))
        out.append(f"{name}: leave-charges-out (train+dev) micro F1 {res[-1][1]:.4f}, dev seen micro F1 {dev_s:.4f}, "
                   f"judgments dev without CAIL charges (masked, n={len(jd)}) {jd_s:.4f}")
    return {"coef": coef, "intercept": icpt, "grid": res}


def _gate_counts(model: Any, rows: list[dict[str, Any]]) -> tuple[int, int, list[list[str]], list[list[str]]]:
    """(gate top-1 hits, cases of the experts' charges, gold and predicted charges of the cases whose
    charges the model has seen)."""

    routes = model.predict_routes([r["fact"] for r in rows])
    seen = set(model.learned.classes)
    ok = n = 0
    gold, pred = [], []
    for r, (c, pf) in zip(rows, routes, strict=True):
        g = _gold_experts(r["charges"])
        if g:
            n += 1
            ok += _top_expert(c, pf) in g
        if set(r["charges"]) <= seen:
            gold.append(r["charges"])
            pred.append([x for x, _ in c])
    return ok, n, gold, pred


def cv_gate(out: list[str]) -> dict[str, Any]:
    """The gate on train + dev only (never test), with the element rules of
    knowledge/gate/elements.yaml off and on: dev with a model fit on train; 5-fold CV over train + dev
    (shuffled, seed 0) — gate top-1 and seen-charge micro F1; leave-charges-out micro F1 over train + dev
    (the seen charges in FOLDS folds, each fold's cases predicted by a model fit without them)."""
    import random

    from eval.analyze import load_cail

    train, dev = load_cail("train"), load_cail("dev")
    rows = train + dev
    idx = list(range(len(rows)))
    random.Random(0).shuffle(idx)
    parts: list[tuple[str, Any, list[dict[str, Any]]]] = [("dev", _fit(train), dev)]
    for k in range(CV_FOLDS):
        te = set(idx[k::CV_FOLDS])
        parts.append(("cv", _fit([rows[i] for i in idx if i not in te]), [rows[i] for i in sorted(te)]))
    res: dict[str, Any] = {}
    for flag in (False, True):
        acc: dict[str, list[Any]] = {"dev": [0, 0, [], []], "cv": [0, 0, [], []]}
        for name, model, rs in parts:
            model.elements = flag
            ok, n, g, p = _gate_counts(model, rs)
            a = acc[name]
            a[0] += ok
            a[1] += n
            a[2] += g
            a[3] += p
        res[flag] = {k: {"gate_top1": a[0] / max(1, a[1]), "ok": a[0], "n": a[1],
                         "seen_micro_f1": f1_scores(a[2], a[3])["micro_f1"]} for k, a in acc.items()}
    seen = sorted({c for r in rows for c in r["charges"]})
    G: dict[bool, list[list[str]]] = {False: [], True: []}
    P: dict[bool, list[list[str]]] = {False: [], True: []}
    L: set[str] = set()
    for k in range(FOLDS):
        fold = set(seen[k::FOLDS])
        model = _fit([r for r in rows if not set(r["charges"]) & fold])
        rs = [r for r in rows if set(r["charges"]) & fold]
        for flag in (False, True):
            model.elements = flag
            G[flag] += [[c for c in r["charges"] if c in fold] for r in rs]
            P[flag] += _names(model.predict([r["fact"] for r in rs]))
        L |= fold
    for flag in (False, True):
        res[flag]["held_out_micro_f1"] = f1_scores(G[flag], P[flag], L)["micro_f1"]
    for flag in (False, True):
        r = res[flag]
        out.append(f"element rules {'on ' if flag else 'off'}: dev (train fit) gate top-1 {r['dev']['gate_top1']:.4f} "
                   f"({r['dev']['ok']}/{r['dev']['n']}), seen micro F1 {r['dev']['seen_micro_f1']:.4f}; "
                   f"{CV_FOLDS}-fold CV over train+dev gate top-1 {r['cv']['gate_top1']:.4f} "
                   f"({r['cv']['ok']}/{r['cv']['n']}), seen micro F1 {r['cv']['seen_micro_f1']:.4f}; "
                   f"leave-charges-out micro F1 (train+dev, {FOLDS} charge folds) {r['held_out_micro_f1']:.4f}")
    return res


def charge_eval(quick: bool, lines: list[str]) -> dict[str, Any]:
    from eval.analyze import load_cail, load_judgment_facts
    from models.gate import route_many
    from models.gate.model import blend, mask_charges

    res: dict[str, Any] = {}
    fit_rows = load_cail("train", "dev")
    test = load_cail("test")
    seen = {c for r in fit_rows for c in r["charges"]}
    model = blend()
    t_seen = [r for r in test if set(r["charges"]) <= seen]
    res["seen"] = f1_scores([r["charges"] for r in t_seen], _names(model.predict([r["fact"] for r in t_seen])))
    # gate top-1 on the ten experts' charges
    gres = route_many([r["fact"] for r in test])
    ok = n = 0
    miss: Counter[str] = Counter()
    for r, g in zip(test, gres, strict=True):
        gold_exp = _gold_experts(r["charges"])
        if not gold_exp:
            continue
        n += 1
        if g.expert in gold_exp:
            ok += 1
        else:
            miss[f"{'+'.join(sorted(gold_exp))}→{g.expert}"] += 1
    res["gate_top1"] = {"n": n, "accuracy": ok / max(1, n), "misses": miss.most_common(8)}
    if not quick:  # the dev part with a model fit on train only (what the parameters were chosen on)
        dev = load_cail("dev")
        dm = _fit(load_cail("train"))
        dg = dm.predict_routes([r["fact"] for r in dev])
        dn = dok = 0
        for r, (c, pf) in zip(dev, dg, strict=True):
            gold_exp = _gold_experts(r["charges"])
            if gold_exp:
                dn += 1
                dok += _top_expert(c, pf) in gold_exp
        res["gate_top1_dev"] = {"n": dn, "accuracy": dok / max(1, dn)}
    # leave-charges-out: the seen charges in FOLDS folds; each fold's test cases predicted by a model
    # fit without any case of that fold's charges
    if not quick:
        from models.gate.build import training_rows

        gate_rows = training_rows()  # CAIL train + dev (+ the judgments' dev part with learned.judgments)
        charges = sorted(seen)
        gold_all, pred_all, held_labels = [], [], set()
        for k in range(FOLDS):
            fold = set(charges[k::FOLDS])
            m = _fit([r for r in gate_rows if not set(r["charges"]) & fold])
            rows = [r for r in test if set(r["charges"]) & fold]
            gold_all += [[c for c in r["charges"] if c in fold] for r in rows]
            pred_all += _names(m.predict([r["fact"] for r in rows]))
            held_labels |= fold
        res["held_out"] = f1_scores(gold_all, pred_all, held_labels)
    # the judgments' facts: as written (explicit names dominate), and with charge names masked
    jf = load_judgment_facts()
    from models.commands.analyze import analyze_many

    out = analyze_many([(r["id"], r["facts"]) for r in jf])
    res["judgments"] = f1_scores([r["charges"] for r in jf], [o["charges_current"] for o in out])
    masked = [mask_charges(r["facts"]) for r in jf]
    res["judgments_masked"] = f1_scores([r["charges"] for r in jf], _names(model.predict(masked)))
    jtest = [(r, m) for r, m in zip(jf, masked, strict=True) if r["split"] == "test"]
    res["judgments_masked_test"] = f1_scores([r["charges"] for r, _ in jtest],
                                             _names(model.predict([m for _, m in jtest])))
    unseen = [(r, m) for r, m in zip(jf, masked, strict=True) if r["charges"] and not set(r["charges"]) & seen]
    res["judgments_unseen"] = f1_scores([r["charges"] for r, _ in unseen],
                                        _names(model.predict([m for _, m in unseen])))
    # the gate is fit on the judgments' dev part too (learned.judgments): the held-out figures are the
    # test split's; "no case at all": neither CAIL nor the judgments the gate is fit on hold one
    from models.gate.build import training_rows

    fitted = {c for r in training_rows() for c in r["charges"]}
    for key, rs in (("judgments_unseen_test", [x for x in unseen if x[0]["split"] == "test"]),
                    ("judgments_unseen_dev", [x for x in unseen if x[0]["split"] != "test"]),
                    ("judgments_no_case_test", [x for x in unseen if x[0]["split"] == "test"
                                                and not set(x[0]["charges"]) & fitted])):
        res[key] = f1_scores([r["charges"] for r, _ in rs], _names(model.predict([m for _, m in rs])))
    return res


def term_eval(lines: list[str], split: str = "test") -> dict[str, Any]:
    """Engine, learned model and their combination with the charge(s) given; single-charge cases and
    all cases (数罪 included), no 无期/死刑."""
    from eval.analyze import load_cail
    from models.sentencing.engine import suggest_many

    try:
        from models.sentencing import learned
        if learned.model() is None:
            learned = None  # type: ignore[assignment]
    except ImportError:
        learned = None  # type: ignore[assignment]
    rows = [r for r in load_cail(split) if r["charges"] and not r["life"] and not r["death"]]
    res: dict[str, list[tuple[float | None, float]]] = {}
    for r in rows:
        g = float(r["prison_months"])
        try:
            s = suggest_many(r["fact"], r["charges"])
            e = s.term_months if s is not None else None
        except Exception:  # noqa: BLE001 - counted as no prediction
            e = None
        preds = {"engine": e}
        if learned is not None:
            preds["learned"] = learned.predict_term(r["fact"], r["charges"])
            preds["combined"] = learned.combined_term(r["fact"], r["charges"], None, e)
        for k, v in preds.items():
            res.setdefault(f"{k}", []).append((None if v is None else float(v), g))
            if len(r["charges"]) == 1:
                res.setdefault(f"{k}, single charge", []).append((None if v is None else float(v), g))
    out: dict[str, Any] = {k: term_scores(v) for k, v in res.items()}
    if learned is not None:
        m = learned.model()
        out["_report"] = m.report if m is not None else {}
    return out


def _special(arts: list[int]) -> list[int]:
    return sorted({int(a) for a in arts if 102 <= int(a) <= 451})


def _judgment_terms() -> dict[str, int]:
    """Single-defendant judgments' fixed-term sentence (months; 有期徒刑/拘役/管制) read by the eval's
    own judgment parser (eval/jparse.py, no product code)."""
    from eval.datasets import load_judgments
    from eval.jparse import parse_judgment

    out: dict[str, int] = {}
    for r in load_judgments():
        pj = parse_judgment(r["id"], r["judgment"])
        if pj is None or len(pj.defendants) != 1 or pj.defendants[0].sentence is None:
            continue
        out[r["id"]] = pj.defendants[0].sentence.term_months
    return out


def given_eval() -> dict[str, Any]:
    """With the gold charges given (``analyze`` with ``charges``): special-part article F1 (刑法
    第102–451条, sets per case) on the CAIL test split and the 501 judgments, and the term's CAIL score
    by group — the ten experts' charges, all other charges, and (judgments) charges without any CAIL
    case. The analysis is the product's path (run_jsonl, as ``analyze --jsonl`` with a charges field)."""
    from eval.analyze import load_cail, load_judgment_facts
    from eval.datasets import load_judgments
    from models.commands.analyze import run_jsonl
    from models.experts import for_charge

    def ten(charges: list[str]) -> bool:
        return all(for_charge(c) is not None for c in charges)

    res: dict[str, Any] = {}
    seen = {c for r in load_cail("train", "dev") for c in r["charges"]}
    test = [r for r in load_cail("test") if r["charges"]]
    out = list(run_jsonl([(r["id"], r["fact"], r["charges"]) for r in test], workers=2))
    res["cail_articles"] = f1_scores([[str(a) for a in _special(r["articles"])] for r in test],
                                     [[str(a) for a in _special(o["articles"])] for o in out])
    groups: dict[str, list[tuple[float | None, float]]] = {}
    for r, o in zip(test, out, strict=True):
        if r["life"] or r["death"]:
            continue
        g = "CAIL test, ten experts' charges" if ten(r["charges"]) else "CAIL test, other charges"
        groups.setdefault(g, []).append((o["term_months"], float(r["prison_months"])))
    jf = [r for r in load_judgment_facts() if r["charges"]]
    arts = {r["id"]: r["articles"] for r in load_judgments()}
    jout = list(run_jsonl([(r["id"], r["facts"], r["charges"]) for r in jf], workers=2))
    res["judgment_articles"] = f1_scores([[str(a) for a in _special(arts.get(r["id"], []))] for r in jf],
                                         [[str(a) for a in _special(o["articles"])] for o in jout])
    jt = [(r, o) for r, o in zip(jf, jout, strict=True) if r["split"] == "test"]
    res["judgment_articles_test"] = f1_scores([[str(a) for a in _special(arts.get(r["id"], []))] for r, _ in jt],
                                              [[str(a) for a in _special(o["articles"])] for _, o in jt])
    # the same judgments read as a document: the judgment's opening (court, parties and their particulars with
    # any prior conviction — what an indictment carries too) before the facts; articles only
    from eval.analyze import judgment_facts_with_particulars

    jp = [r for r in judgment_facts_with_particulars() if r["charges"]]
    pout = list(run_jsonl([(r["id"], r["text"], r["charges"]) for r in jp], workers=2))
    pg = [[str(a) for a in _special(arts.get(r["id"], []))] for r in jp]
    pp = [[str(a) for a in _special(o["articles"])] for o in pout]
    res["judgment_articles_particulars"] = f1_scores(pg, pp)
    it = [i for i, r in enumerate(jp) if r["split"] == "test"]
    res["judgment_articles_particulars_test"] = f1_scores([pg[i] for i in it], [pp[i] for i in it])
    terms = _judgment_terms()
    # the term model is fit on the judgments' dev part too (knowledge/training/judgments.jsonl.gz): only
    # their test part is scored
    for r, o in zip(jf, jout, strict=True):
        if r["id"] not in terms or r["split"] != "test":
            continue
        pair = (o["term_months"], float(terms[r["id"]]))
        groups.setdefault("judgments test, ten experts' charges" if ten(r["charges"])
                          else "judgments test, other charges", []).append(pair)
        if not set(r["charges"]) & seen:
            groups.setdefault("judgments test, charges without any CAIL case", []).append(pair)
    res["terms"] = {k: term_scores(v) for k, v in groups.items()}
    return res


def term_lco() -> dict[str, Any]:
    """Term with the charge given for charges with no training case at all: the charges of CAIL
    train+dev in ``FOLDS`` folds; for each fold the term model's recipe is refit on the rows (CAIL
    train+dev, judgments dev) without any case of the fold's charges and scored (combined with the
    engine at the shipped weight) on the CAIL test cases of those charges."""
    from knowledge.training import load_cail, load_judgments
    from models.sentencing import learned as L

    def ok(r: dict[str, Any]) -> bool:
        return bool(r["charges"]) and not r["life"] and not r["death"]

    rows = [r for r in load_cail("train", "dev") + load_judgments("dev") if ok(r)]
    test = [r for r in load_cail("test") if ok(r)]
    charges = sorted({c for r in load_cail("train", "dev") for c in r["charges"]})
    w = float(L.model().w_engine if L.model() is not None else 0.2)
    pairs: list[tuple[float | None, float]] = []
    for k in range(FOLDS):
        fold = set(charges[k::FOLDS])
        f = L._fit([r for r in rows if not set(r["charges"]) & fold])
        held = [r for r in test if set(r["charges"]) & fold]
        pl, eng, _ = L._predict(f, held)
        for r, p, e in zip(held, pl, eng, strict=True):
            v = p if e is None else w * math.log1p(e) + (1 - w) * p
            pairs.append((float(L._months(v)), float(r["prison_months"])))
    return {"folds": FOLDS, "w_engine": w, **term_scores(pairs)}


def given_lines(gv: dict[str, Any]) -> list[str]:
    md = ["### With the charge given (`analyze` with the gold charges as a `charges` field)", "",
          f"- special-part articles (刑法第102–451条, per-case sets), CAIL test: {_fmt(gv['cail_articles'])}",
          f"- special-part articles, 501 judgments (gold: the judgment's cited articles): "
          f"{_fmt(gv['judgment_articles'])}",
          f"  - of which the judgments' test split: {_fmt(gv['judgment_articles_test'])}",
          f"- special-part articles, 501 judgments read with their opening (the parties' particulars, prior "
          f"convictions, before the facts; `eval.analyze.judgment_facts_with_particulars`): "
          f"{_fmt(gv['judgment_articles_particulars'])}",
          f"  - of which the judgments' test split: {_fmt(gv['judgment_articles_particulars_test'])}", "",
          "| term, charge given | n | predicted | CAIL score | within ±25% |", "|---|---:|---:|---:|---:|"]
    for k, v in gv["terms"].items():
        if v.get("n"):
            md.append(f"| {k} | {v['n']} | {v['predicted']} | {v['cail_score']:.1f} | {v['within_25pct']:.3f} |")
    md += ["", "(Judgment terms: single-defendant judgments of the judgments' test split, the fixed term read by "
           "eval/jparse.py; the ten experts' charges = every gold charge has a crime expert; the term model "
           "(`python -m models.sentencing.learned`) is fit on CAIL train+dev and the judgments' dev part.)"]
    return md


AMOUNT_GROUPS = ("train+dev", "test", "blind test", "blind test (first labeller)", "blind test other charges",
                 "fresh blind test", "judgments dev", "judgments test")


# the label groups no rule was developed on (the blind test labels as settled, not the first labeller's);
# the issue-16 pooled figure is over these four
HELD_OUT = ("test", "blind test", "blind test other charges", "judgments test")
# written after every earlier figure had been read (session 29) and measured once: the independent check of
# the held-out figures above, reported beside them and pooled with them in a second line
FRESH = ("fresh blind test",)


def amount_eval(groups: tuple[str, ...] = AMOUNT_GROUPS, tag: str | None = None) -> dict[str, Any]:
    """Exact-to-the-yuan accuracy of ``amount_yuan`` on the hand labels, by group: ``train+dev`` (the
    labels the amount logic was developed against), ``test`` (older test-split labels, held out) and
    ``blind test`` (eval/data/amount_labels_blind.jsonl, test-split labels written without seeing any
    prediction; skipped when the file is absent) and ``judgments dev|test`` (the money cases of the 501
    judgments, facts as JuDGE gives them, labelled blind). A null label is right when nothing is
    predicted."""
    from eval.analyze import (
        load_amount_labels,
        load_blind_other_amount_labels,
        load_cail,
        load_fresh_amount_labels,
        load_judgment_amount_labels,
        load_judgment_facts,
        same_amount,
    )
    from models.commands.analyze import analyze_many
    from models.experts import for_charge, registry

    by_id = {r["id"]: r for r in load_cail()}
    by_id |= {r["id"]: {"fact": r["facts"], "charges": r["charges"] or [""]} for r in load_judgment_facts()}
    labels = [(("test" if x["split"] == "test" else "train+dev"), x) for x in load_amount_labels()]
    blind = load_amount_labels(blind=True)
    labels += [("blind test", x) for x in blind]
    # the same cases with the first blind labeller's amounts (before the second labeller and adjudication)
    labels += [("blind test (first labeller)", {**x, "amount": x.get("first", x["amount"])}) for x in blind]
    labels += [("blind test other charges", x) for x in load_blind_other_amount_labels()]
    labels += [("fresh blind test", x) for x in load_fresh_amount_labels()]
    labels += [(f"judgments {x['split']}", x) for x in load_judgment_amount_labels()]
    if tag:  # one labelling round (the ``by`` of its lines), e.g. to measure a fresh batch before using it
        labels = [(g, x) for g, x in labels if x.get("by") == tag]
    labels = [(g, x) for g, x in labels if g in groups and x["id"] in by_id]
    # each case analysed once (the blind cases are scored against two label versions)
    ids = list(dict.fromkeys(x["id"] for _, x in labels))
    outs = dict(zip(ids, analyze_many([(i, by_id[i]["fact"]) for i in ids]), strict=True))
    pred = {i: o["amount_yuan"] for i, o in outs.items()}
    res: dict[str, Any] = {}

    for grp, x in labels:
        g = res.setdefault(grp, {"n": 0, "ok": 0, "ok_expert": 0, "misses": [], "confident": 0, "ok_confident": 0,
                                 "by_charge": {}})
        fact = by_id[x["id"]]["fact"]
        gold = None if x["amount"] is None else float(x["amount"])
        p = pred[x["id"]]
        # the expert of the gold charge alone (no gate error): the amount logic itself
        e = for_charge(by_id[x["id"]]["charges"][0]) or registry()["generic"]
        pe = e.crime_amount(fact)
        g["n"] += 1
        g["ok_expert"] += same_amount(gold, pe)
        sure = outs[x["id"]].get("amount_confidence") is not None and not outs[x["id"]].get("amount_uncertain")
        g["confident"] += sure
        g["ok_confident"] += sure and same_amount(gold, p)
        bc = g["by_charge"].setdefault(by_id[x["id"]]["charges"][0] or "—", [0, 0])
        bc[0] += 1
        bc[1] += same_amount(gold, p)
        if same_amount(gold, p):
            g["ok"] += 1
        else:
            g["misses"].append({"id": x["id"], "gold": gold, "pred": p, "expert_pred": pe,
                                "note": x.get("note", "")})
    for g in res.values():
        g["exact"] = g["ok"] / max(1, g["n"])
        g["exact_expert"] = g["ok_expert"] / max(1, g["n"])
    # groups relabelled by a second independent labeller: how often the two agreed (before a third reader
    # settled the disagreements; ``first`` keeps the first labeller's amount where it was changed)
    for grp in res:
        both = [x for g, x in labels if g == grp and "second" in x]
        if both and grp != "blind test (first labeller)":
            res[grp]["labellers_agree"] = sum(same_amount(x.get("first", x["amount"]), x["second"]) for x in both)
            res[grp]["labellers_n"] = len(both)
    return {k: res[k] for k in groups if k in res}


def amount_lines(am: dict[str, Any]) -> list[str]:
    """The amount section's lines (one per label group, misses listed)."""
    names = {"train+dev": "train+dev labels (eval/data/amount_labels.jsonl)",
             "test": "older test labels (eval/data/amount_labels.jsonl, split test)",
             "blind test": "blind test labels (eval/data/amount_labels_blind.jsonl, adjudicated)",
             "blind test (first labeller)": "the same cases, first blind labeller's amounts",
             "blind test other charges": "blind test labels of 虚开增值税专用发票 / 寻衅滋事 / 有毒、有害食品 cases "
                                          "(eval/data/amount_labels_blind_other.jsonl)",
             "fresh blind test": "fresh blind test labels of the test split's last unlabelled property cases "
                                 "(eval/data/amount_labels_fresh.jsonl, session 29, two blind labellers; read at that session's start and end only)",
             "judgments dev": "501 judgments' money cases, dev part (eval/data/amount_labels_judgments.jsonl)",
             "judgments test": "501 judgments' money cases, test part (held out)"}
    out = [f"- {names.get(grp, grp)}: `analyze` accuracy **{a['exact']:.3f}** ({a['ok']}/{a['n']}); the gold "
           f"charge's expert alone {a['exact_expert']:.3f}; misses: "
           + ("; ".join(f"{m['id']} gold {m['gold']} pred {m['pred']}" for m in a["misses"]) or "none")
           for grp, a in am.items()]
    def pooled(groups: list[dict[str, Any]]) -> tuple[int, int, int, int]:
        """(exact, cases, high-confidence cases, high-confidence exact) over label groups."""
        return tuple(sum(a[k] for a in groups) for k in ("ok", "n", "confident", "ok_confident"))  # type: ignore[return-value]

    held = [am[g] for g in HELD_OUT if g in am]
    if len(held) > 1:
        ok, n, conf, okc = pooled(held)
        out.append(f"- all held-out labels pooled ({', '.join(g for g in HELD_OUT if g in am)}; none was used to develop the rules "
                   f"or to fit the ranker): **{ok / n:.3f}** ({ok}/{n})")
        out.append(f"- held-out pooled, amounts given with high confidence (`amount_uncertain` false): **{okc / max(1, conf):.3f}** "
                   f"exact ({okc}/{conf}); share of cases that get one **{conf / n:.3f}**")
        fresh = [am[g] for g in FRESH if g in am]
        if fresh:
            ok, n, conf, okc = pooled(held + fresh)
            out.append(f"- the same pooled with the fresh blind test set ({', '.join(g for g in FRESH if g in am)}): "
                       f"**{ok / n:.3f}** ({ok}/{n}); high confidence **{okc / max(1, conf):.3f}** exact ({okc}/{conf}), "
                       f"share {conf / n:.3f}")
        charges: dict[str, list[int]] = {}
        for a in held + fresh:
            for c, (k, o) in a["by_charge"].items():
                charges.setdefault(c, [0, 0])
                charges[c][0] += k
                charges[c][1] += o
        out += ["", "Held-out pooled with the fresh set, by the case's first gold charge:", "", "| charge | n | exact |", "|---|---:|---:|"]
        out += [f"| {c} | {k} | {o / k:.3f} |" for c, (k, o) in sorted(charges.items(), key=lambda t: -t[1][0])]
        out.append("")
    for grp, a in am.items():
        if grp not in HELD_OUT and a["confident"]:
            out.append(f"- {grp}: high-confidence amounts {a['ok_confident']}/{a['confident']} exact, share {a['confident'] / a['n']:.3f}")
    from models.experts.amounts.rank import ranker

    r = ranker()
    if r is not None:
        rep = r.report
        out.append(f"- the ranker's 5-fold cross-validation over its {rep['labels']} train/dev labels "
                   f"(`python -m eval.amount_rank_build`; cases split by id): **{rep['cv5_exact']:.3f}** "
                   f"(the word rules on the same labels, which they were written on: {rep['rules_exact']:.3f}; gold among the "
                   f"candidates {rep['gold_among_candidates']:.3f}; the shipped fit on its own training labels "
                   f"{rep['train_exact']:.3f})")
        if "round_exact" in rep:
            vb = "_votes_before" if "round_exact_votes_before" in rep else ""
            out.append(f"- the harder cross-validation, leave one labelling round out ({rep['rounds']} rounds; a round's "
                       f"wording never seen in training): **{rep['round_exact']:.3f}** with the rules' current votes, "
                       f"**{rep.get('round_exact' + vb, rep['round_exact']):.3f}** with their votes from before each round "
                       f"(random folds, the same: {rep.get('cv5_exact' + vb, rep['cv5_exact']):.3f}); confidence threshold "
                       f"{rep['threshold']:.3f} chosen on it (target {rep.get('target', 0.96)}): out-of-fold "
                       f"{rep['round_confident_exact']:.3f} exact on {rep['round_confident_share']:.3f} of cases "
                       f"(before-round votes: {rep.get('round_confident_exact' + vb, 0):.3f} on "
                       f"{rep.get('round_confident_share' + vb, 0):.3f})")
        else:
            out.append(f"- confidence threshold {rep['threshold']:.3f} chosen on the 5-fold CV: out-of-fold "
                       f"{rep['cv5_confident_exact']:.3f} exact on the {rep['cv5_confident_share']:.3f} of cases above it")
    agree = {g: a for g, a in am.items() if a.get("labellers_n")}
    if agree:
        out.append("- two independent blind labellers agree (exact to the yuan; a third reader, shown both labels and "
                   "eval/data/AMOUNT_LABELS.md but no prediction, settled the rest): "
                   + "; ".join(f"{g} {a['labellers_agree']}/{a['labellers_n']} = **{a['labellers_agree'] / a['labellers_n']:.3f}**"
                               for g, a in agree.items()))
    return out


def bench(n: int) -> dict[str, Any]:
    """``analyze --jsonl`` throughput (run_jsonl, the CLI's path; model load excluded): wall-clock
    items/s with 2 worker processes and with 1, the CPU-time rate of 1 process (load-independent:
    an idle 2-core machine gives about twice it), and the load average while measuring."""
    import os

    from eval.analyze import load_cail
    from models.commands.analyze import analyze_many, run_jsonl

    rows = load_cail("test")
    items = [(r["id"], r["fact"]) for r in (rows * (n // len(rows) + 1))[:n]]
    analyze_many(items[:5])
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    k = sum(1 for _ in run_jsonl(items, workers=2))
    t = time.perf_counter() - t0
    m = min(300, n)
    t0, c0 = time.perf_counter(), time.process_time()
    k1 = sum(1 for _ in run_jsonl(items[:m], workers=1))
    t1, c1 = time.perf_counter() - t0, time.process_time() - c0
    return {"items": k, "items_per_s_2proc": k / t, "items_per_s_1proc": k1 / t1,
            "items_per_cpu_s": k1 / c1, "load": [round(load0, 2), round(os.getloadavg()[0], 2)]}


# --------------------------------------------------------------------------- report


def _fmt(s: dict[str, Any]) -> str:
    return (f"n={s['n']}, charges={s['charges']}: micro F1 **{s['micro_f1']:.3f}**, macro F1 **{s['macro_f1']:.3f}**, "
            f"top-1 {s['top1']:.3f}, exact set {s['exact']:.3f}")


def run(args: argparse.Namespace) -> int:
    lines: list[str] = []
    if args.tune:
        tune(lines)
        print("\n".join(lines))
        return 0
    if args.tune_gate:
        tune_gate(lines)
        print("\n".join(lines))
        return 0
    if args.fit_novelty:
        fit_novelty(lines)
        print("\n".join(lines))
        return 0
    if args.lco_dev:
        from eval import gate_dev

        ps = gate_dev.parts(args.refresh)
        Rs = gate_dev.prior_scores(ps)
        print("shipped params:", json.dumps(gate_dev.evaluate(ps, Rs)))
        bd = gate_dev.breakdown(ps, Rs)
        print("leave-charges-out cases:", json.dumps(bd["counts"]))
        print("prior's confusions among the charges without cases:", bd["confusions"][:12])
        gate_dev.novelty_grid(ps, Rs, out=lines)
        print("novelty model refit:", json.dumps({k: v for k, v in gate_dev.novelty_grid(ps, Rs, thresholds=(0.5,))[0].items()
                                                   if k in ("coef", "intercept")}))
        print("\n".join(lines))
        return 0
    if args.cv_gate:
        cv_gate(lines)
        print("\n".join(lines))
        return 0
    if args.bench_only:
        print(json.dumps(bench(args.bench_n)))
        return 0
    if args.amount_only:
        print("\n".join(amount_lines(amount_eval(tuple(args.amount_groups.split(",")), args.amount_tag))))
        return 0
    if args.term_lco:
        print(json.dumps(term_lco(), ensure_ascii=False))
        return 0
    if args.article_misses:
        from eval.article_misses import article_misses

        print(json.dumps(article_misses(args.article_misses), ensure_ascii=False, indent=1))
        return 0
    if args.articles_adjudicated:
        from eval.article_misses import adjudicated

        print(json.dumps(adjudicated(), ensure_ascii=False, indent=1, default=str))
        return 0
    if args.given_only:
        print("\n".join(given_lines(given_eval())))
        return 0
    t0 = time.perf_counter()
    ch = charge_eval(args.quick, lines)
    tm = term_eval(lines)
    gv = given_eval()
    am = amount_eval()
    bn = bench(args.bench_n)
    day = dt.date.today().isoformat()
    cmd = "python -m eval analyze" + (" --quick" if args.quick else "")
    from knowledge.gate import params

    jfit = bool(params()["learned"].get("judgments"))
    md = [f"## Analyze: gate, charges, term, amount, speed (eval/tasks/analyze.py) — {day}", "",
          f"Command: `{cmd}` ({time.perf_counter() - t0:.0f} s). Data: CAIL2018 exercise cases "
          "(knowledge/training/cail.jsonl.gz, fixed split by sha1(id): train 60% / dev 10% / test 30%; the shipped "
          "model `python -m models.gate.build` is fit on train+dev; thresholds tuned on dev with "
          "`python -m eval analyze --tune`); the 501 judgments' facts (eval/analyze/judgment_facts.jsonl.gz, "
          "labels = charges of the verdict).", "",
          "### Charge prediction from facts", "",
          f"- CAIL test, charges present in training: {_fmt(ch['seen'])}"]
    if "held_out" in ch:
        md.append(f"- CAIL test, whole charges held out (leave-charges-out, {FOLDS} folds of the seen charges; "
                  f"each fold predicted by a model fit without any case of its charges; labels of the fold): "
                  f"{_fmt(ch['held_out'])}")
    md += [f"- 501 judgments' facts as written (explicit names dominate, `analyze`): {_fmt(ch['judgments'])}",
           f"- 501 judgments' facts, charge names masked (classifier only): {_fmt(ch['judgments_masked'])}",
           f"  - of which the judgments' test split: {_fmt(ch['judgments_masked_test'])}",
           f"  - judgments whose charges have no CAIL case (masked): {_fmt(ch['judgments_unseen'])}",
           f"    - of which the test split: {_fmt(ch['judgments_unseen_test'])}",
           f"    - of which the dev part{' (in the gate training data, `learned.judgments`: not held out)' if jfit else ''}"
           f": {_fmt(ch['judgments_unseen_dev'])}",
           *([f"    - test split, charges with no training case at all (neither CAIL nor the judgments' dev part): "
              f"{_fmt(ch['judgments_no_case_test'])}"] if jfit else []),
           "", "### Gate", "",
           f"- top-1 expert accuracy on the CAIL test cases of the ten experts' charges (masked facts, no "
           f"explicit names): **{ch['gate_top1']['accuracy']:.4f}** "
           f"({round(ch['gate_top1']['accuracy'] * ch['gate_top1']['n'])}/{ch['gate_top1']['n']}); misses: "
           f"{ch['gate_top1']['misses']}"]
    if "gate_top1_dev" in ch:
        md.append(f"- dev part, model fit on train only (where blend, confidence switch and expert preference were "
                  f"chosen, `knowledge/gate/params.yaml`): **{ch['gate_top1_dev']['accuracy']:.3f}** "
                  f"(n={ch['gate_top1_dev']['n']}); without session 13's element rules (knowledge/gate/elements.yaml): "
                  f"0.955 dev / 0.9497 test; `python -m eval analyze --cv-gate` compares them on train+dev only")
    md += ["",
           "### Term prediction with the charge given (CAIL test, no life/death; learned model "
           "`python -m models.sentencing.learned`: recipe and combination weight chosen on dev with a train-only "
           "fit, shipped model refit on train+dev; `python -m eval sentencing --split dev|test` gives the engine "
           "per expert)", "",
           "| model | n | predicted | CAIL score | within ±25% |", "|---|---:|---:|---:|---:|"]
    for k, v in tm.items():
        if k.startswith("_"):
            continue
        if v.get("n"):
            md.append(f"| {k} | {v['n']} | {v['predicted']} | {v['cail_score']:.1f} | {v['within_25pct']:.3f} |")
    rep = tm.get("_report") or {}
    if rep:
        w = float(rep.get("w_engine", 0))
        comb = rep.get(f"dev_combined_w{w:.1f}")
        md += ["", f"Dev (learned model fit on train only, {rep.get('dev')} cases incl. 数罪; from the artifact's fit "
               f"report, `python -m models.sentencing.learned`): engine {rep.get('dev_engine')}, learned "
               f"{rep.get('dev_learned')}, combined (w_engine={w}) {comb}; the shipped model is the same "
               f"recipe refit on train+dev ({rep.get('shipped_fit_on')} cases)."]
    md += [""] + given_lines(gv)
    md += ["", "### Amount (exact to the yuan) on hand-labelled real facts (CAIL: eval/data/amount_labels*.jsonl; the "
           "501 judgments' money cases: eval/data/amount_labels_judgments.jsonl; how they are labelled: "
           "eval/data/AMOUNT_LABELS.md)", ""]
    md += amount_lines(am)
    md += ["",
           "### Speed", "",
           f"- `analyze --jsonl` path (run_jsonl) on {bn['items']} CAIL facts: **{bn['items_per_s_2proc']:.0f} items/s** "
           f"with 2 processes, {bn['items_per_s_1proc']:.0f} items/s with one (wall clock, model load excluded), "
           f"measured on the shared 2-core machine at load average {bn['load'][0]}–{bn['load'][1]} (`uptime`); "
           f"CPU-time rate of one process **{bn['items_per_cpu_s']:.0f} items per CPU-second** (an idle 2-core "
           "machine gives about twice it with 2 workers). Rerun on an idle machine: "
           "`python -m eval analyze --quick` (or `--bench-only`)."]
    text = "\n".join(md)
    print(text)
    print(json.dumps({"charges": ch, "term": tm, "amount": am, "bench": bn}, ensure_ascii=False, default=str)[:4000])
    if not args.no_write:
        _write(text)
    return 0


def _write(section: str) -> None:
    start, end = "<!-- analyze:start -->", "<!-- analyze:end -->"
    body = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Evaluation results\n"
    block = f"{start}\n{section}\n{end}"
    if start in body and end in body:
        body = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, body, flags=re.S)
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(body, encoding="utf-8")
