"""`python -m eval similar` — similar-case retrieval and the similar-case sentencing suggestion.

Quality (default): queries = the test split of the CAIL2018 cases, corpus = the rest (dev).
Same-charge precision@10 (no charge filter), and the CAIL2018 term score of the kNN suggestion
(gold charge filter, as the charge is known from the documents) vs the guideline engine vs their
combination; the combination weights are fitted on dev only (leave-one-out within dev).

Scale (``--scale N``): a store of N synthetic variants of the real cases: build time, disk size,
memory, query latency p50/p95 for top-10 hybrid retrieval (also at N/10).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import statistics
import time
from pathlib import Path
from typing import Any

NAME = "similar"
HELP = "similar cases: retrieval quality, kNN vs guideline sentencing, scale benchmark"
OUT = Path(__file__).resolve().parents[1] / "out" / "similar"
RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", type=int, default=0, help="run the scale benchmark with N synthetic cases")
    p.add_argument("--queries", type=int, default=200, help="scale: number of timed queries")
    p.add_argument("--reuse", action="store_true", help="scale: time queries on already built stores")
    p.add_argument("--tune", action="store_true", help="dev only: grid over the rerank weights")
    p.add_argument("--rebuild", action="store_true", help="rebuild the dev store and the engine cache")
    p.add_argument("--limit", type=int, default=None, help="at most this many queries per split")
    p.add_argument("--write", action="store_true", help="write the numbers into eval/RESULTS.md")


# --------------------------------------------------------------------------- metrics


def term_score(pred: float | None, gold: float) -> float:
    """CAIL2018 term score: v = |ln(p+1) − ln(g+1)|; ≤0.2 → 1, ≤0.4 → .8, ≤0.6 → .6, ≤0.8 → .4, ≤1 → .2."""
    if pred is None:
        return 0.0
    v = abs(math.log(max(pred, 0) + 1) - math.log(gold + 1))
    for lim, s in ((0.2, 1.0), (0.4, 0.8), (0.6, 0.6), (0.8, 0.4), (1.0, 0.2)):
        if v <= lim:
            return s
    return 0.0


def _base(cid: str) -> str:
    return "-".join(cid.split("-")[:2])


# --------------------------------------------------------------------------- quality


def _dev_store(records, rebuild: bool):
    from knowledge.cases import CaseStore, StoreError

    path = OUT / "dev_store"
    if not rebuild:
        try:
            s = CaseStore(path)
            if len(s) == len(records):
                return s
        except StoreError:
            pass
    from rich.progress import Progress

    with Progress() as pb:
        task = pb.add_task("构建 dev 类案库", total=None)

        def prog(stage: str, done: int, total: int) -> None:
            pb.update(task, description=stage, completed=done, total=total)

        return CaseStore.create(path, records, progress=prog)


def _engine(records, rebuild: bool) -> dict[str, dict[str, Any]]:
    """Guideline engine results per case id (cached in eval/out/similar/engine.json)."""
    cache = OUT / "engine.json"
    got: dict[str, dict[str, Any]] = {}
    if cache.exists() and not rebuild:
        got = json.loads(cache.read_text(encoding="utf-8"))
    todo = [r for r in records if r.id not in got]
    if todo:
        from models.sentencing.engine import suggest_many

        for r in todo:
            try:
                g = suggest_many(r.fact, r.charges)
                got[r.id] = {"term": g.term_months if g else None, "life": bool(g and g.life),
                             "expert": g.expert if g else None,
                             "range": list(g.term_range_months) if g and g.term_range_months else None}
            except Exception as e:  # noqa: BLE001 - count, don't hide
                got[r.id] = {"term": None, "life": False, "expert": None, "error": type(e).__name__}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(got, ensure_ascii=False), encoding="utf-8")
    return got


def _run_queries(store, queries, weights=None, filtered=True, unfiltered=True, loo=False):
    """Per query: same-charge precision@10 (unfiltered) and the kNN median (gold-charge filter)."""
    from models.similar import knn_distribution

    rows = []
    for r in queries:
        ex = {cid for cid in store.ids if _base(cid) == _base(r.id)} if loo else None
        row: dict[str, Any] = {"id": r.id}
        if unfiltered:
            hits = store.search(r.fact, k=10, exclude=ex, weights=weights)
            gold = set(r.charges)
            row["p10"] = sum(1 for h in hits if gold & set(h.charges)) / 10
        if filtered:
            hits = store.search(r.fact, k=10, charges=r.charges, exclude=ex, weights=weights)
            d = knn_distribution(hits)
            row["knn"] = d["median"] if d else None
            row["knn_iqr"] = (d["q1"], d["q3"]) if d else None
        rows.append(row)
    return rows


def _scores(recs, rows, eng, w_exp: float, w_gen: float) -> dict[str, float]:
    from models.similar import blend

    out: dict[str, list[float]] = {"knn": [], "guideline": [], "combined": []}
    for r, row in zip(recs, rows, strict=True):
        if r.life or r.death:
            continue
        g = eng[r.id]
        gt = None if g["life"] else (g["term"] if g["term"] is not None else 0)
        knn = row["knn"]
        out["knn"].append(term_score(knn, r.term_months))
        out["guideline"].append(term_score(gt, r.term_months) if not g["life"] else 0.0)
        w = w_gen if not g["expert"] or g["expert"] == "generic" else w_exp
        comb = blend(knn, gt, w) if not g["life"] else knn
        out["combined"].append(term_score(comb, r.term_months))
    return {k: statistics.fmean(v) for k, v in out.items()} | {"n": len(out["knn"])}


def _fit_w(recs, rows, eng) -> tuple[float, float, dict[str, float]]:
    grid = [i / 20 for i in range(21)]
    best = (-1.0, 0.5, 0.5, {})
    for we in grid:
        for wg in grid:
            s = _scores(recs, rows, eng, we, wg)
            if s["combined"] > best[0]:
                best = (s["combined"], we, wg, s)
    return best[1], best[2], best[3]


def quality(args) -> dict[str, Any]:
    from knowledge.cases import load_cases, split_of

    allc = load_cases()
    dev = [r for r in allc if split_of(r.fact) == "dev"]
    test = [r for r in allc if split_of(r.fact) == "test"]
    if args.limit:
        rnd = random.Random(0)
        devq, testq = rnd.sample(dev, min(args.limit, len(dev))), rnd.sample(test, min(args.limit, len(test)))
    else:
        devq, testq = dev, test
    t0 = time.time()
    store = _dev_store(dev, args.rebuild)
    build_s = time.time() - t0
    eng = _engine(devq + testq, args.rebuild)
    res: dict[str, Any] = {"date": dt.date.today().isoformat(), "dev_cases": len(dev), "test_cases": len(test),
                           "store_build_s": round(build_s, 1),
                           "engine_errors": sum(1 for v in eng.values() if v.get("error"))}
    if args.tune:
        res["tune"] = tune(store, devq[:300], eng)
        return res
    # dev: leave-one-out, to fit the combination weights
    t0 = time.time()
    dev_rows = _run_queries(store, devq, loo=True, unfiltered=True)
    we, wg, dev_s = _fit_w(devq, dev_rows, eng)
    res["dev"] = {"p10": statistics.fmean(r["p10"] for r in dev_rows), **dev_s, "w_knn_expert": we,
                  "w_knn_generic": wg, "seconds": round(time.time() - t0, 1)}
    # test
    t0 = time.time()
    test_rows = _run_queries(store, testq)
    qs = (time.time() - t0) / max(1, len(testq)) / 2
    res["test"] = {"p10": statistics.fmean(r["p10"] for r in test_rows),
                   **_scores(testq, test_rows, eng, we, wg), "ms_per_query": round(1000 * qs, 1)}
    # retrieval variants on test: dense only, BM25 only, hybrid without the element rerank
    variants = {"dense": {"dense": 1, "bm25": 0, "elements": 0}, "bm25": {"dense": 0, "bm25": 1, "elements": 0},
                "hybrid_no_rerank": {"dense": 0.5, "bm25": 0.5, "elements": 0}}
    res["variants"] = {}
    for name, w in variants.items():
        rows = _run_queries(store, testq, weights=w)
        res["variants"][name] = {"p10": statistics.fmean(r["p10"] for r in rows),
                                 **_scores(testq, rows, eng, we, wg)}
    # per-charge breakdown of the term scores on test (charges with ≥ 30 test queries)
    by: dict[str, list[int]] = {}
    for i, r in enumerate(testq):
        if len(r.charges) == 1:
            by.setdefault(r.charges[0], []).append(i)
    res["by_charge"] = {}
    for c, idx in sorted(by.items(), key=lambda x: -len(x[1])):
        if len(idx) >= 30:
            s = _scores([testq[i] for i in idx], [test_rows[i] for i in idx], eng, we, wg)
            res["by_charge"][c] = {k: round(v, 3) for k, v in s.items()}
    return res


def tune(store, devq, eng) -> list[dict[str, Any]]:
    """Dev-only grid over the rerank weights: p@10 and the kNN term score (leave-one-out)."""
    out = []
    grid = [(0.5, b, e) for b in (0.1, 0.3, 0.5) for e in (0.1, 0.2, 0.4)] + [(0.3, 0.3, 0.2), (0.7, 0.3, 0.2)]
    for d, b, e in grid:
        w = {"dense": d, "bm25": b, "elements": e}
        rows = _run_queries(store, devq, weights=w, loo=True)
        s = _scores(devq, rows, eng, 1.0, 1.0)
        out.append({**w, "p10": round(statistics.fmean(r["p10"] for r in rows), 4), "knn": round(s["knn"], 4)})
        print(out[-1], flush=True)
    return out


# --------------------------------------------------------------------------- scale

_NUM = re.compile(r"\d+(?:\.\d+)?")


def _variants(n: int, seed: int = 0):
    """n synthetic cases: a real case with numbers scaled, a sentence dropped, and one sentence of
    another case of the same charge appended; tokens assembled from per-sentence tokens (cached)."""
    from knowledge.cases import CaseRecord, load_cases
    from knowledge.cases.corpus import tokens

    real = load_cases()
    rnd = random.Random(seed)
    by_charge: dict[str, list[int]] = {}
    sents: list[list[str]] = []
    stoks: list[list[list[str]]] = []
    for i, r in enumerate(real):
        ss = [s for s in r.fact[:3000].split("。") if s.strip()]
        sents.append(ss)
        stoks.append([tokens(s) for s in ss])
        by_charge.setdefault(r.charges[0] if r.charges else "", []).append(i)
    recs, toks = [], []
    for j in range(n):
        i = j % len(real)
        r = real[i]
        idx = list(range(len(sents[i])))
        if len(idx) > 2:
            idx.pop(rnd.randrange(1, len(idx)))
        other = rnd.choice(by_charge[r.charges[0] if r.charges else ""])
        f = rnd.uniform(0.6, 1.6)
        parts = [sents[i][x] for x in idx]
        tk = [t for x in idx for t in stoks[i][x]]
        if sents[other]:
            y = rnd.randrange(len(sents[other]))
            parts.append(sents[other][y])
            tk += stoks[other][y]
        text = _NUM.sub(lambda m, f=f: str(round(float(m.group(0)) * f, 1)).removesuffix(".0"), "。".join(parts))
        term = None if r.term_months is None else max(0, round(r.term_months * rnd.uniform(0.8, 1.25)))
        recs.append(CaseRecord(id=f"syn-{j:06d}", fact=text, charges=r.charges, articles=r.articles,
                               term_months=term, fine_yuan=r.fine_yuan, life=r.life, death=r.death,
                               source="synthetic"))
        toks.append(tk)
    return real, recs, toks


class _Proc:
    """Resident memory of this process (psutil when installed, else /proc)."""

    class _Mem:
        def __init__(self, rss: int) -> None:
            self.rss = rss

    def memory_info(self) -> _Proc._Mem:
        try:
            import psutil

            return self._Mem(psutil.Process().memory_info().rss)
        except ImportError:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            return self._Mem(pages * os.sysconf("SC_PAGE_SIZE"))


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _lat(store, queries, **kw) -> dict[str, float]:
    ts = []
    for q in queries:
        t = time.perf_counter()
        store.search(q.fact, k=10, **kw)
        ts.append(1000 * (time.perf_counter() - t))
    ts.sort()
    return {"p50_ms": round(ts[len(ts) // 2], 1), "p95_ms": round(ts[int(len(ts) * 0.95) - 1], 1),
            "mean_ms": round(statistics.fmean(ts), 1)}


def scale(args) -> dict[str, Any]:
    from knowledge.cases import CaseStore, TfidfSvdEmbeddings, split_of

    proc = _Proc()
    t0 = time.time()
    real, recs, toks = _variants(0 if args.reuse else args.scale)
    gen_s = time.time() - t0
    # the cost of tokenising real text (the variants reuse per-sentence tokens)
    from knowledge.cases.corpus import tokens

    sample = real[:300]
    t = time.time()
    for r in sample:
        tokens(r.fact)
    tok_ms = 1000 * (time.time() - t) / len(sample)
    fitted = OUT / "scale_embedder.npz"  # deterministic fit on the real cases, shared by both sizes
    if args.reuse and fitted.exists():
        backend = TfidfSvdEmbeddings.load(fitted)
    else:
        backend = TfidfSvdEmbeddings.fit([r.fact for r in real], None)
        backend.save(fitted)
    rnd = random.Random(1)
    queries = rnd.sample([r for r in real if split_of(r.fact) == "test"], args.queries)
    out: dict[str, Any] = {"date": dt.date.today().isoformat(), "cpus": os.cpu_count(),
                           "generate_s": round(gen_s, 1), "tokenize_ms_per_real_case": round(tok_ms, 2),
                           "sizes": {}}
    for n in sorted({max(1000, args.scale // 10), args.scale}):
        path = OUT / f"scale_{n}"
        rss0 = proc.memory_info().rss
        t = time.time()
        if not args.reuse:
            store = CaseStore.create(path, recs[:n], backend=backend, toks=toks[:n])
            del store
        build = time.time() - t
        rss_build = proc.memory_info().rss
        t = time.time()
        store = CaseStore(path, backend)
        open_s = time.time() - t
        _lat(store, queries[:10])  # warm up
        lat = _lat(store, queries)
        lat_f = _lat_filtered(store, queries)
        out["sizes"][n] = {"build_s": None if args.reuse else round(build, 1), "open_s": round(open_s, 2), "disk_mb": round(_du(path) / 2**20, 1),
                           "rss_mb_after_build": round(rss_build / 2**20), "rss_growth_build_mb": round((rss_build - rss0) / 2**20),
                           "rss_mb_serving": round(proc.memory_info().rss / 2**20),
                           "hybrid_top10": lat, "hybrid_top10_charge_filter": lat_f}
        print(n, json.dumps(out["sizes"][n], ensure_ascii=False), flush=True)
        del store
    return out


def _lat_filtered(store, queries) -> dict[str, float]:
    ts = []
    for q in queries:
        t = time.perf_counter()
        store.search(q.fact, k=10, charges=q.charges)
        ts.append(1000 * (time.perf_counter() - t))
    ts.sort()
    return {"p50_ms": round(ts[len(ts) // 2], 1), "p95_ms": round(ts[int(len(ts) * 0.95) - 1], 1)}


# --------------------------------------------------------------------------- entry


def run(args) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    if args.scale:
        res = scale(args)
        (OUT / f"scale_{args.scale}{'_reuse' if args.reuse else ''}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        res = quality(args)
        name = "tune.json" if args.tune else "quality.json"
        (OUT / name).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0
