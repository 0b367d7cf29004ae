"""Candidates for the crime amount of a facts text, each with the features the ranker (``rank``) scores.

A candidate is a value in yuan (or "no amount"): every money figure the text states, the totals the
word rules read (``read_amounts`` of each kind in ``cues.yaml``, the engine's per-charge amounts and
their sum), the sum of the figures the rules kept as items, the sum of the figures told with a crime
verb, and the totals of the structural incident reader (``structure``: the incidents added with restated
figures, returns and attempts set apart, the announced totals, the largest incident…). Figures with the same value are one candidate; its features combine all their occurrences:

- the cue groups of ``cues.yaml`` in the clause before / after any occurrence, and before the first;
- the sentence role of its occurrences (facts, accusation, court's findings, reasoning, evidence,
  civil claim) and its first / last position;
- whether it restates (told more than once) or sums other figures (two or more consecutive figures
  add up to it), whether other figures add up to less than it, its rank by size;
- every rule's vote (the rule's total equals it) and what the rules set aside (excluded sums);
- which of the structural reader's totals it equals (``struct:*``, a second opinion built otherwise than
  the rules, so it does not share their blind spots), the reader's counts of incidents, attempts and
  restated figures, whether it is one incident's amount, its ratio to the incidents' sum, whether the
  reader's sum agrees with a rule and with the announced total;
- the kind of the charges (the experts of the gate's charges, one-hot).

The feature names are fixed by ``feature_names()``; the artifact stores them and refuses to score
when they differ (a rebuilt cue list needs a rebuilt ranker).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.yamlfile import load_yaml
from models.experts.amounts.context import normalize_digits
from models.experts.amounts.patterns import _CIVIL, _FACTS_END, _FINDINGS
from models.experts.amounts.read import _evidence_spans, read_amounts
from models.experts.amounts.structure import TOTALS, structure
from models.extract.amounts import extract_amounts

ROLES = ("facts", "accusation", "findings", "reasoning", "evidence", "civil")
SOURCES = ("literal", "rule_items", "verb_sum", "clean_sum", "value_sum", "parts_sum", "engine", "crime_sum")
_ACCUSATION = re.compile(r"指控|公诉机关|检察院起诉")
_CLAUSE = "，,。；;：:（）()"
_VERB_GROUPS = ("steal", "rob", "defraud", "embezzle", "extort", "transfer", "take_cash", "value", "loss")
_CRIME_GROUPS = ("steal", "rob", "defraud", "embezzle", "extort")
# cue groups looked for in the whole sentence before a figure (not only its clause): what the sentence is
# about generalises across wordings better than the few characters before the figure
_SENT_GROUPS = ("steal", "rob", "defraud", "embezzle", "extort", "value", "return", "compensate", "loan",
                "total", "attempt", "pretext", "sale", "share")
_SENT_END = "。；;！？!?"


@cache
def cue_config() -> dict[str, Any]:
    """``cues.yaml`` beside this module (read once)."""
    return load_yaml(Path(__file__).resolve().parent / "cues.yaml")


@cache
def _cue_res() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((k, re.compile("|".join(v))) for k, v in cue_config()["cues"].items())


@cache
def _amount_kinds() -> dict[str, list[str]]:
    """Charge → the kinds of sums its amount is (knowledge/guidelines/generic.yaml ``amount_kinds``)."""
    path = Path(__file__).resolve().parents[3] / "knowledge" / "guidelines" / "generic.yaml"
    return (load_yaml(path) or {}).get("amount_kinds") or {}


@cache
def feature_names() -> tuple[str, ...]:
    cfg = cue_config()
    groups = list(cfg["cues"])
    names = ["is_none", "log_value", "approx", "n_occ", "n_occ_facts", "first_pos", "last_pos", "is_max",
             "rank_desc", "ratio_to_max", "sums_others", "others_sum_below", "part_of_other",
             "in_paren", "list_item", "rule_excluded", "rule_item", "n_sources", "votes",
             "n_figures", "log_n_figures", "n_candidates", "has_findings", "n_charges", "n_rule_totals",
             "all_rules_none", "penalty", "n_parts", "multiple_of_literal", "below_ratio", "literal",
             "crime_dist", "n_crime_figs", "is_max_crime", "is_only_crime", "crime_sum", "half_is_literal",
             "sent_n_figs", "sent_first_fig", "sent_last_fig"]
    names += [f"struct:{k}" for k in TOTALS] + [f"struct_none:{k}" for k in TOTALS]
    names += ["struct_n_incidents", "struct_n_attempts", "struct_n_restated", "struct_incident",
              "struct_share", "struct_sum_is_rule", "struct_announced_is_sum", "struct_votes"]
    names += [f"src:{s}" for s in SOURCES]
    names += [f"role:{r}" for r in ROLES]
    names += [f"role_first:{r}" for r in ROLES]
    names += [f"vote:{k}" for k in cfg["rule_kinds"]]
    names += [f"vote_none:{k}" for k in cfg["rule_kinds"]]
    names += ["vote:engine_first", "vote:engine_sum", "vote_none:engine"]
    names += [f"sent:{g}" for g in _SENT_GROUPS]
    names += [f"before:{g}" for g in groups] + [f"after:{g}" for g in groups] + [f"first_before:{g}" for g in groups]
    names += [f"expert:{e}" for e in cfg["experts"]] + [f"expert_first:{e}" for e in cfg["experts"]]
    names += [f"charge:{c}" for c in cfg["charges"]]
    return tuple(names)


@dataclass
class Candidate:
    value: float | None  # None: "no amount"
    sources: set[str] = field(default_factory=set)
    n_parts: int = 0  # the figures a composite candidate adds up
    occ: list[dict[str, Any]] = field(default_factory=list)


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 0.5)


def _roles(text: str) -> list[tuple[int, str]]:
    """(start, role) boundaries in text order; evidence spans are looked up separately."""
    out: list[tuple[int, str]] = [(0, "facts")]
    f = _FINDINGS.search(text)
    if f:
        if _ACCUSATION.search(text, 0, f.start()):
            out = [(0, "accusation")]
        out.append((f.start(), "findings"))
    r = _FACTS_END.search(text, f.end() if f else 0)
    if r:
        out.append((r.start(), "reasoning"))
    c = _CIVIL.search(text)
    if c:
        out.append((c.start(), "civil"))
    return sorted(out)


def _role_at(bounds: list[tuple[int, str]], evidence: list[tuple[int, int]], pos: int) -> str:
    if any(lo <= pos < hi for lo, hi in evidence):
        return "evidence"
    role = bounds[0][1]
    for start, r in bounds:
        if start <= pos:
            role = r
    return role


def _clauses(text: str, s: int, e: int) -> tuple[str, str]:
    lo = max(text.rfind(c, max(0, s - 24), s) for c in _CLAUSE)
    pre = text[max(lo + 1, s - 24, 0) : s]
    his = [i for i in (text.find(c, e, e + 10) for c in _CLAUSE) if i >= 0]
    return pre, text[e : (min(his) if his else e + 10)]


def _sentence(text: str, s: int) -> int:
    """Start of the sentence holding position ``s``."""
    return max(text.rfind(c, 0, s) for c in _SENT_END) + 1


def _run_sums(vals: list[float]) -> np.ndarray:
    """The sums of two or more consecutive ``vals``, sorted."""
    out = []
    for i in range(len(vals)):
        acc = vals[i]
        for j in range(i + 1, min(len(vals), i + 40)):
            acc += vals[j]
            out.append(acc)
    return np.sort(np.array(out, dtype=np.float64))


def _member(sorted_vals: np.ndarray, v: float) -> bool:
    """``v`` is in ``sorted_vals`` (to half a yuan)."""
    i = int(np.searchsorted(sorted_vals, v - 0.5))
    return i < len(sorted_vals) and sorted_vals[i] <= v + 0.5


def candidates(facts: str, experts: list[str], engine_amounts: list[float | None],
               charges: list[str] | tuple[str, ...] = (),
               votes: dict[str, float | None] | None = None) -> tuple[list[Candidate], np.ndarray]:
    """The candidates of a facts text and their feature matrix (rows in ``feature_names()`` order).

    ``experts``: the expert of each charge the gate gives (first = the gate's first charge);
    ``engine_amounts``: the amount the sentencing engine read for each of those charges; ``charges``:
    the charges' names (those listed in ``cues.yaml`` are one-hot). ``votes`` (build time only) replaces
    the rules' totals per kind by those of an older version of the rules (``eval.amount_rank_build``)."""
    cfg = cue_config()
    text = facts
    norm = normalize_digits(text)
    found = extract_amounts(norm)
    bounds = _roles(text)
    evidence = _evidence_spans(text, len(text))
    n = max(1, len(text))
    by_val: dict[float, Candidate] = {}

    def cand(v: float) -> Candidate:
        for k, c in by_val.items():
            if abs(k - v) < 0.5:
                return c
        c = by_val[v] = Candidate(v)
        return c

    prev_end = -10
    cues = dict(_cue_res())
    crime_re = re.compile("|".join(cues[g].pattern for g in _CRIME_GROUPS))
    sent_starts = [_sentence(text, a.start) for a in found]
    by_sent: dict[int, list[int]] = {}
    for i, ss in enumerate(sent_starts):
        by_sent.setdefault(ss, []).append(i)
    main = ("findings",) if any(r == "findings" for _, r in bounds) else ("facts", "accusation")
    crime_figs: set[float] = set()
    for i, a in enumerate(found):
        pre, post = _clauses(text, a.start, a.end)
        c = cand(a.yuan)
        c.sources.add("literal")
        ss = sent_starts[i]
        spre = text[ss : a.start]
        verbs = [m.end() for m in crime_re.finditer(spre)]
        dist = (len(spre) - verbs[-1]) if verbs else 200
        same = by_sent[ss]
        role = _role_at(bounds, evidence, a.start)
        c.occ.append({"pos": a.start / n, "role": role, "pre": pre, "post": post,
                      "approx": a.approx, "penalty": a.penalty,
                      "paren": text.rfind("（", 0, a.start) > text.rfind("）", 0, a.start),
                      "list": 0 <= a.start - prev_end <= 1, "spre": spre, "dist": dist,
                      "sent_n": len(same), "sent_first": same[0] == i, "sent_last": same[-1] == i})
        if dist <= 30 and not a.penalty and role in main:
            crime_figs.add(a.yuan)
        prev_end = a.end
    # the rules' reading for the kinds the charges call for (the experts' kinds — generic reads the
    # default —, the amount kinds of knowledge/guidelines/generic.yaml; the default when none of them);
    # the other kinds vote "not read" (speed: the engine has read these already, so they are cached)
    wanted = {"default" if e == "generic" else e for e in experts} | {
        k for ch in charges for k in _amount_kinds().get(ch, ())}
    if not wanted & set(cfg["rule_kinds"]):
        wanted.add("default")
    reads = {k: read_amounts(text, k) for k in cfg["rule_kinds"] if k in wanted}
    totals = {k: (reads[k].total if k in reads else None) for k in cfg["rule_kinds"]}
    if votes is not None:
        totals = {k: (votes.get(k) if k in reads else None) for k in cfg["rule_kinds"]}
    for k, v in totals.items():
        if v is not None:
            cand(v).sources.add("rule:" + k)
    items = next(iter(reads.values())).items
    if len(items) > 1:
        c = cand(float(sum(items)))
        c.sources.add("rule_items")
        c.n_parts = max(c.n_parts, len(items))
    verb_re = re.compile("|".join(cues[g].pattern for g in _VERB_GROUPS))
    excl_re = re.compile("|".join(cues[g].pattern for g in ("return", "compensate", "share", "penalty", "fee")))
    # sums over the figures of the main part (the court's findings when there are some, else the facts):
    # those told with a crime verb, those with no exclusion cue, those valued (价值/鉴定)
    value_re = cues["value"]
    sums: dict[str, list[float]] = {"verb_sum": [], "clean_sum": [], "value_sum": []}
    for a in found:
        if a.penalty or _role_at(bounds, evidence, a.start) not in main:
            continue
        pre, _ = _clauses(text, a.start, a.end)
        if excl_re.search(pre):
            continue
        for key, ok in (("verb_sum", verb_re.search(pre)), ("clean_sum", True), ("value_sum", value_re.search(pre))):
            if ok and not any(abs(a.yuan - x) < 0.5 for x in sums[key]):
                sums[key].append(a.yuan)
    for key, vals in sums.items():
        if len(vals) > 1:
            c = cand(float(sum(vals)))
            c.sources.add(key)
            c.n_parts = max(c.n_parts, len(vals))
    eng = [v for v in engine_amounts if v is not None]
    if eng:
        cand(eng[0]).sources.add("engine")
    if len(eng) > 1:
        c = cand(float(sum(eng)))
        c.sources.add("parts_sum")
        c.n_parts = max(c.n_parts, len(eng))
    if len(crime_figs) > 1:
        c = cand(float(sum(crime_figs)))
        c.sources.add("crime_sum")
        c.n_parts = max(c.n_parts, len(crime_figs))
    st = structure(text)
    for k, v in st.totals.items():
        if v is not None:
            cand(v).sources.add("struct:" + k)
    cands = list(by_val.values()) + [Candidate(None, {"none"})]
    feats = _features(cands, found, reads, totals, experts, engine_amounts, bounds, charges, crime_figs, st)
    return cands, feats


def _features(cands: list[Candidate], found: list, reads: dict, totals: dict, experts: list[str],
              engine_amounts: list[float | None], bounds: list[tuple[int, str]],
              charges: list[str] | tuple[str, ...] = (), crime_figs: set[float] | None = None,
              st: Any = None) -> np.ndarray:
    cfg = cue_config()
    crime_figs = crime_figs or set()
    crime_max = max(crime_figs) if crime_figs else None
    names = feature_names()
    idx = {k: i for i, k in enumerate(names)}
    cue_res = _cue_res()
    cues_by = dict(cue_res)
    X = np.zeros((len(cands), len(names)), dtype=np.float32)
    lit = [a.yuan for a in found if not a.penalty]
    vmax = max(lit) if lit else 0.0
    runs = _run_sums(lit)
    lits = set(lit)
    summed = [w for w in lits if _member(runs, w)]
    vals_desc = sorted({c.value for c in cands if c.value is not None}, reverse=True)
    first = next(iter(reads.values()))  # the first kind read (rule_kinds order)
    excluded = first.excluded
    rule_items = first.items
    eng = [v for v in engine_amounts if v is not None]
    n_totals = len({round(v) for v in totals.values() if v is not None})
    case = {"n_figures": len(found), "log_n_figures": math.log1p(len(found)), "n_candidates": len(cands),
            "has_findings": float(any(r == "findings" for _, r in bounds)), "n_charges": len(experts),
            "n_rule_totals": n_totals, "all_rules_none": float(n_totals == 0), "n_crime_figs": len(crime_figs)}
    stt = st.totals if st is not None else {}
    if st is not None:
        case["struct_n_incidents"] = st.n_incidents
        case["struct_n_attempts"] = st.n_attempts
        case["struct_n_restated"] = st.n_restated
        for k in TOTALS:
            if stt.get(k) is None:
                case[f"struct_none:{k}"] = 1.0
        s_sum = stt.get("inc_sum")
        case["struct_sum_is_rule"] = float(any(_same(s_sum, v) for v in totals.values() if v is not None))
        case["struct_announced_is_sum"] = float(stt.get("announced") is not None and _same(stt.get("announced"), s_sum))
    for e in experts[:1]:
        if f"expert_first:{e}" in idx:
            case[f"expert_first:{e}"] = 1.0
    for e in experts:
        if f"expert:{e}" in idx:
            case[f"expert:{e}"] = 1.0
    for ch in charges:
        if f"charge:{ch}" in idx:
            case[f"charge:{ch}"] = 1.0
    for k in cfg["rule_kinds"]:
        if totals[k] is None:
            case[f"vote_none:{k}"] = 1.0
    if not eng:
        case["vote_none:engine"] = 1.0
    for row, c in enumerate(cands):
        f = dict(case)
        if c.value is None:
            f["is_none"] = 1.0
            f["struct_votes"] = sum(1 for k in TOTALS if stt.get(k) is None)
            f["votes"] = sum(1 for k in cfg["rule_kinds"] if totals[k] is None) + (not eng)
        else:
            v = c.value
            f["log_value"] = math.log10(max(v, 1.0))
            f["is_max"] = float(abs(v - vmax) < 0.5)
            f["rank_desc"] = vals_desc.index(v) if v in vals_desc else len(vals_desc)
            f["ratio_to_max"] = v / vmax if vmax else 0.0
            f["sums_others"] = float(_member(runs, v))
            f["others_sum_below"] = float(sum(x for x in lits if x < v - 0.5) < v - 0.5)
            f["part_of_other"] = float(any(v < w for w in summed))
            f["literal"] = float("literal" in c.sources)
            f["n_parts"] = c.n_parts
            f["multiple_of_literal"] = float("literal" not in c.sources and any(
                abs(v - m * x) < 0.5 for x in lits for m in (2, 3, 4)))
            below = [x for x in lits if x < v - 0.5]
            f["below_ratio"] = max(below) / v if below and v else 0.0
            f["is_max_crime"] = float(crime_max is not None and abs(v - crime_max) < 0.5)
            f["is_only_crime"] = float(len(crime_figs) == 1 and f["is_max_crime"] == 1.0)
            f["crime_sum"] = float(len(crime_figs) > 1 and abs(v - sum(crime_figs)) < 0.5)
            f["half_is_literal"] = float(any(abs(v - 2 * x) < 0.5 for x in lits))
            f["rule_excluded"] = float(any(abs(x - v) < 0.5 for x in excluded))
            f["rule_item"] = float(any(abs(x - v) < 0.5 for x in rule_items))
            votes = 0
            for k in cfg["rule_kinds"]:
                if _same(totals[k], v):
                    f[f"vote:{k}"] = 1.0
                    votes += 1
            if eng and _same(eng[0], v):
                f["vote:engine_first"] = 1.0
                votes += 1
            if len(eng) > 1 and _same(sum(eng), v):
                f["vote:engine_sum"] = 1.0
                votes += 1
            f["votes"] = votes
            sv = 0
            for k in TOTALS:
                if stt.get(k) is not None and _same(stt[k], v):
                    f[f"struct:{k}"] = 1.0
                    sv += 1
            f["struct_votes"] = sv
            if st is not None:
                f["struct_incident"] = float(any(abs(x - v) < 0.5 for x in st.incident_amounts))
                if stt.get("inc_sum"):
                    f["struct_share"] = min(4.0, v / stt["inc_sum"])
            for s in SOURCES:
                if s in c.sources:
                    f[f"src:{s}"] = 1.0
            f["n_sources"] = len(c.sources)
            occ = c.occ
            f["n_occ"] = len(occ)
            if occ:
                f["n_occ_facts"] = sum(o["role"] in ("facts", "findings", "accusation") for o in occ)
                f["first_pos"] = occ[0]["pos"]
                f["last_pos"] = occ[-1]["pos"]
                f["approx"] = float(any(o["approx"] for o in occ))
                f["penalty"] = float(all(o["penalty"] for o in occ))
                f["in_paren"] = float(all(o["paren"] for o in occ))
                f["list_item"] = float(any(o["list"] for o in occ))
                f["crime_dist"] = min(o["dist"] for o in occ) / 200.0
                f["sent_n_figs"] = min(o["sent_n"] for o in occ)
                f["sent_first_fig"] = float(any(o["sent_first"] for o in occ))
                f["sent_last_fig"] = float(any(o["sent_last"] for o in occ))
                for g in _SENT_GROUPS:
                    rx = cues_by[g]
                    if any(rx.search(o["spre"]) for o in occ):
                        f[f"sent:{g}"] = 1.0
                for o in occ:
                    f[f"role:{o['role']}"] = 1.0
                f[f"role_first:{occ[0]['role']}"] = 1.0
                for g, rx in cue_res:
                    if any(rx.search(o["pre"]) for o in occ):
                        f[f"before:{g}"] = 1.0
                    if any(rx.search(o["post"]) for o in occ):
                        f[f"after:{g}"] = 1.0
                    if rx.search(occ[0]["pre"]):
                        f[f"first_before:{g}"] = 1.0
        for k, x in f.items():
            X[row, idx[k]] = x
    return X
