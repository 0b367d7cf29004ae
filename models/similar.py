"""Similar-case sentencing suggestion (类案量刑参考): the distribution of sentences of the top-k
similar cases (median, IQR) beside the guideline engine's computation, a combined suggestion
with its reasoning, and a flag when a recommendation or judgment is far outside both.

Pipeline component ``similar`` (models/pipeline.yaml) writes ``report.sentence_suggestion["similar"]``
and, for a far-outside sentence, an ``info`` finding ``SENT.SIMILAR_OUTLIER`` (source ``model``).
It runs only when the similar-case store has been built (``jiancha index build``), so a check never
waits for a first build.

``similar_case_ids(facts, charges, k)`` is the fast path for ``jiancha analyze``: ids only, the
store opened once per process (no rebuild per call). The default store is built from the bundled
real cases (``knowledge/cases/cases.jsonl.gz``, 3,663 CAIL2018 cases, and ``judgments.jsonl.gz``,
500 real judgments) by the install step
``jiancha index build`` or, when missing, on the first call (once, under a file lock; setting
``JIANCHA_SIMILAR_AUTOBUILD=0`` turns that off and the call returns [] until the store is built).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.cases import Hit, StoreError, default_path, get_store, store_ready
from knowledge.cases.corpus import official_charge
from knowledge.yamlfile import load_yaml
from models.components import component
from models.similar_frame import install as _install_framer
from models.types import Case, DocElements, Finding, Report, SentenceTerm

_install_framer()  # the store reads tiers with the crime experts (knowledge imports no models)

_CFG = Path(__file__).with_suffix(".yaml")
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return load_yaml(_CFG)


def _lg(m: float) -> float:
    return math.log(max(m, 0.0) + 1)


def _unlg(x: float) -> float:
    return math.exp(x) - 1


def weighted_quantile(values: list[float], weights: list[float], q: float) -> float:
    """Weighted quantile (the value where the cumulative weight first reaches q of the total)."""
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _, w in pairs)
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc >= q * total - 1e-9:
            return v
    return pairs[-1][0]


def knn_distribution(hits: list[Hit]) -> dict[str, Any] | None:
    """Sentences of the similar cases: weighted median and IQR in months (life/death counted apart)."""
    finite = [h for h in hits if not (h.life or h.death) and h.term_months is not None]
    if len(finite) < config()["min_hits"]:
        return None
    vals = [float(h.term_months) for h in finite]
    wts = [max(h.score, 1e-3) for h in finite]
    return {
        "n": len(finite),
        "median": weighted_quantile(vals, wts, 0.5),
        "q1": weighted_quantile(vals, wts, 0.25),
        "q3": weighted_quantile(vals, wts, 0.75),
        "min": min(vals),
        "max": max(vals),
        "life_or_death": sum(1 for h in hits if h.life or h.death),
        "case_ids": [h.case_id for h in hits],
    }


def suggestion_pool(hits: list[Hit], charges: list[str] | None) -> list[Hit]:
    """The neighbours a sentence is suggested from: with charges, only cases of exactly the same
    charge set and the same tier (数额 / 伤情 / 毒品数量档次; a case whose tier is unknown is kept)."""
    if not charges:
        return list(hits)
    return [h for h in hits if h.exact and h.same_tier is not False]


def blend(knn_months: float | None, guide_months: float | None, w_knn: float) -> float | None:
    """Combine in log(months+1) space; either alone when the other is missing."""
    if knn_months is None:
        return guide_months
    if guide_months is None:
        return knn_months
    return _unlg(w_knn * _lg(knn_months) + (1 - w_knn) * _lg(guide_months))


def w_for(expert: str | None) -> float:
    w = config()["w_knn"]
    return float(w["generic"] if not expert or expert == "generic" else w["expert"])


@dataclass
class SimilarSuggestion:
    term_months: int | None
    range_months: tuple[int, int] | None
    reasoning: list[str]
    knn: dict[str, Any] | None
    guideline: dict[str, Any] | None
    cases: list[Hit] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"term_months": self.term_months,
                "range_months": list(self.range_months) if self.range_months else None,
                "reasoning": "；".join(self.reasoning), "knn": self.knn, "guideline": self.guideline,
                "flags": self.flags}


def _guideline(facts: str, charges: list[str], elements: DocElements | None) -> Any | None:
    if not charges:
        return None
    try:
        from models.sentencing.engine import suggest_many
    except ImportError:  # pragma: no cover - the engine is optional for this module
        return None
    try:
        return suggest_many(facts, charges, elements)
    except Exception:  # noqa: BLE001 - a guideline failure must not hide the similar cases
        return None


def _term_of(t: SentenceTerm) -> tuple[float, str] | None:
    if t.term_months is not None:
        return float(t.term_months), f"{t.term_months}个月"
    if t.term_range_months:
        lo, hi = t.term_range_months
        return (lo + hi) / 2, f"{lo}至{hi}个月"
    return None


def far_outside(term: float, knn: dict[str, Any] | None, guide: dict[str, Any] | None) -> bool:
    """Outside the kNN IQR and the guideline range, and far (log distance) from both points."""
    far = config()["far_log"]
    if knn is None and guide is None:
        return False
    if knn is not None and (knn["q1"] <= term <= knn["q3"] or abs(_lg(term) - _lg(knn["median"])) <= far):
        return False
    if guide is not None and guide.get("term_months") is not None:
        lo, hi = guide.get("term_range_months") or (guide["term_months"], guide["term_months"])
        if lo <= term <= hi or abs(_lg(term) - _lg(guide["term_months"])) <= far:
            return False
    return True


def suggest(facts_text: str, charge: str | None = None, charges: list[str] | None = None, k: int | None = None,
            elements: DocElements | None = None, recommended: SentenceTerm | None = None,
            judged: SentenceTerm | None = None, store: Any = None, use_guideline: bool = True,
            exclude: set[str] | None = None) -> SimilarSuggestion:
    """The similar-case suggestion for these facts (charges known from the documents, or None)."""
    k = k or int(config()["k"])
    cs = list(dict.fromkeys(_official(c) for c in ([charge] if charge else []) + list(charges or []) if c and c.strip()))
    st = store or get_store()
    hits = st.search(facts_text, k=k, charges=cs or None, exclude=exclude)
    pool = suggestion_pool(hits, cs)
    knn = knn_distribution(pool)
    g = _guideline(facts_text, cs, elements) if use_guideline else None
    guide = None
    if g is not None and g.term_months is not None and not g.life:
        guide = {"term_months": g.term_months, "term_range_months": list(g.term_range_months or ()) or None,
                 "expert": g.expert, "penalty": g.penalty, "steps": g.steps}
    reasoning: list[str] = []
    same = "同罪名同档次" if cs else ""
    if knn:
        reasoning.append(f"{same}类案{knn['n']}个，刑期中位数{knn['median']:.0f}个月，四分位区间{knn['q1']:.0f}至{knn['q3']:.0f}个月")
        if knn["life_or_death"]:
            reasoning.append(f"另有{knn['life_or_death']}个类案判处无期徒刑或死刑")
    else:
        n_pool = sum(1 for h in pool if not (h.life or h.death) and h.term_months is not None)
        reasoning.append(f"{same}类案仅{n_pool}个（不足{config()['min_hits']}个），不作类案统计"
                         + ("，以量刑指导意见测算为准" if cs else ""))
    if guide:
        rng = guide["term_range_months"]
        reasoning.append(f"量刑指导意见测算{guide['term_months']}个月" + (f"（{rng[0]}至{rng[1]}个月）" if rng else ""))
    elif g is not None and g.life:
        reasoning.append("量刑指导意见测算达无期徒刑以上")
    w = w_for(guide["expert"] if guide else None)
    term = blend(knn["median"] if knn else None, guide["term_months"] if guide else None, w)
    rng_out = None
    if term is not None:
        if knn and guide:
            lo = blend(knn["q1"], guide["term_months"], w)
            hi = blend(knn["q3"], guide["term_months"], w)
            rng_out = (round(min(lo, term)), round(max(hi, term)))
            reasoning.append(f"综合（对数刑期加权，类案权重{w:.2f}）建议{round(term)}个月，区间{rng_out[0]}至{rng_out[1]}个月")
        elif knn:
            rng_out = (round(knn["q1"]), round(knn["q3"]))
            reasoning.append(f"仅依类案建议{round(term)}个月")
        else:
            rng = guide["term_range_months"] if guide else None
            rng_out = (int(rng[0]), int(rng[1])) if rng else None
            reasoning.append(f"仅依量刑指导意见建议{round(term)}个月")
    flags = []
    for role, t in (("recommended", recommended), ("judged", judged)):
        tm = _term_of(t) if t is not None else None
        if tm and far_outside(tm[0], knn, guide):
            label = "量刑建议" if role == "recommended" else "判决刑期"
            flags.append({"role": role, "term_months": tm[0], "message":
                          f"{label}{tm[1]}明显偏离类案（中位数{knn['median']:.0f}个月）"
                          + (f"与量刑指导意见测算（{guide['term_months']}个月）" if guide else "") if knn else
                          f"{label}{tm[1]}明显偏离量刑指导意见测算（{guide['term_months']}个月）"})
    return SimilarSuggestion(term_months=round(term) if term is not None else None, range_months=rng_out,
                             reasoning=reasoning, knn=knn, guideline=guide, cases=hits, flags=flags)


# --------------------------------------------------------------------------- fast path (analyze)

_FAST_LOCK = threading.Lock()
_FAST_FAILED: tuple[Any, str] | None = None  # (manifest stamp, reason) of a store that failed to open


def _manifest_stamp() -> Any:
    try:
        st = (default_path() / "manifest.json").stat()
        return (str(default_path()), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(default_path()), None)


def _fast_store() -> Any:
    """The default store for the fast path, or None (not built and autobuild off, or unusable)."""
    global _FAST_FAILED
    from knowledge.settings import get_settings

    if not store_ready() and not get_settings().similar_autobuild:
        return None
    stamp = _manifest_stamp()
    if _FAST_FAILED is not None and _FAST_FAILED[0] == stamp:
        return None  # same broken store as before: reported once, not reopened per call
    with _FAST_LOCK:
        try:
            return get_store()
        except StoreError as e:  # a broken store gives no similar cases, never wrong ones
            _FAST_FAILED = (_manifest_stamp(), str(e))
            log.warning("类案库不可用，不提供类案：%s", e)
            return None


@lru_cache(maxsize=4096)
def _official(name: str) -> str:
    return official_charge(name.strip())


def similar_case_ids(facts: str, charges: list[str], k: int = 10) -> list[str]:
    """Ids of the ``k`` most similar past cases (hybrid BM25 + dense retrieval, element rerank),
    restricted to cases with one of ``charges`` when given (names with or without 罪). [] when
    there is no usable store, no facts, or no stored case of those charges."""
    if k < 1 or not facts or not facts.strip():
        return []
    store = _fast_store()
    if store is None:
        return []
    cs = list(dict.fromkeys(_official(c) for c in charges or [] if c and c.strip()))
    return [h.case_id for h in store.search(facts, k=k, charges=cs or None, explain=False)]


def fast_path_status() -> dict[str, Any]:
    """What ``similar_case_ids`` would use: the store path, whether it is built, the last failure."""
    return {"path": str(default_path()), "ready": store_ready(),
            "error": _FAST_FAILED[1] if _FAST_FAILED else None}


# --------------------------------------------------------------------------- pipeline component


def _facts_of(case: Case) -> tuple[str, str]:
    for kind, sec in (("indictment", "facts"), ("judgment", "facts"), ("indictment", ""), ("judgment", "")):
        doc = case.document(kind)
        if doc is None:
            continue
        text = doc.section_text(sec) if sec else doc.text
        if text.strip():
            return text, kind
    return "", ""


@component("similar")
def similar_component(case: Case, report: Report) -> None:
    if not store_ready():
        return
    facts, kind = _facts_of(case)
    if not facts:
        return
    els = case.elements.get(kind)
    charges = list(els.charges) if els else []
    defendant = els.defendants[0] if els and els.defendants else None
    rec_d = case.elements.get("recommendation") or case.elements.get("indictment")
    rec = None
    if rec_d and rec_d.defendants:
        rec = rec_d.defendants[0].recommended
    jd = case.elements.get("judgment")
    judged = jd.defendants[0].judged if jd and jd.defendants else None
    s = suggest(facts, charges=charges, elements=els, recommended=rec, judged=judged)
    report.sentence_suggestion["similar"] = {**s.to_dict(), "cases": [h.to_dict() for h in s.cases]}
    for f in s.flags:
        report.findings.append(Finding(
            rule_id="SENT.SIMILAR_OUTLIER", severity="info", message=f["message"],
            suggestion=f"参考：{'；'.join(s.reasoning)}", source="model", confidence=0.6,
            defendant=defendant.name if defendant else None))
