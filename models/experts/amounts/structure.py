"""A structural reader of the incidents of a facts text: which figure belongs to which incident, which
figures restate others, which are returns or attempts, which totals the text announces — and the
candidate totals built from that structure (for the amount ranker, ``candidates``).

The reader is deliberately independent of the word rules (``read``): it knows only the incident
markers and cue groups of ``structure.yaml``, so its totals are a second, differently built opinion
whose agreement or disagreement with the rules' votes the ranker can weigh.

Steps, on the main part of the facts (the court's findings when there are some, else the whole facts;
the reasoning, the evidence list and a civil claim are cut):

1. the main part is split into incidents at incident markers (第一起, 1、, （二）, a new date at the
   start of a sentence, 另查明…);
2. each figure is classed by the cue words of its clause (and sentence): crime (a taking or paying
   verb), value (价值/鉴定…), sale (a price, 销赃…), total (共计/合计…), tax (税额/税款; the deducted
   tax apart), net (实际骗得/尚欠本金…: the amount net of returns, when the facts state it), attempt
   (欲/企图…, …时被发现), excluded (returns, compensation, shares, fees, fines, unit prices, the lie
   itself), other (no cue);
3. the countable figures (the taxes when some figures are taxes, else the net amounts when some are
   stated, else crime, value and total figures; a sale price only when nothing is valued; attempted
   figures only when nothing else counts; uncued ones only when nothing has a cue) are read in text
   order, and a figure equal to the run of figures right before or after it (a total with its
   breakdown, a summary of earlier incidents) drops them, a part told again after its total and a
   figure repeating the one before it in its incident are dropped, and a head or summary total that
   matches no run and exceeds every other figure is left out (``_fold``); each incident's amount is
   what it keeps.

``structure(text)`` gives the totals (``TOTALS``): ``inc_sum`` all incidents; ``inc_distinct`` with equal incident amounts counted once; ``inc_done``
without the attempted incidents; ``announced`` / ``announced_first`` the last / first total the main part
announces; ``stated`` the largest announced total when no incident exceeds it (a stated total wins over
the parts, eval/data/AMOUNT_LABELS.md); ``inc_max`` the largest incident; ``acc_sum`` the incidents of
the accusation when the court's findings follow it. Each is None when it does not apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml
from models.experts.amounts.context import normalize_digits
from models.experts.amounts.patterns import _CIVIL, _FACTS_END, _FINDINGS
from models.extract.amounts import extract_amounts

_SENT_END = "。；;！？!?\n"
TOTALS = ("inc_sum", "inc_distinct", "inc_done", "announced", "announced_first", "stated", "inc_max",
          "acc_sum")
_CLAUSE_END = "，,。；;：:（）()\n"


@cache
def _cfg() -> dict[str, Any]:
    raw = load_yaml(Path(__file__).resolve().parent / "structure.yaml")
    return {
        "marker": re.compile("|".join(raw["incident_markers"])),
        **{k: re.compile("|".join(v)) for k, v in raw["cues"].items()},
        "crime": re.compile("|".join(raw["cues"]["take"] + raw["cues"]["pay"])),
    }


@dataclass
class Figure:
    pos: int
    yuan: float
    kind: str  # crime / value / sale / total / tax / tax_deducted / net / attempt / excluded / other
    approx: bool = False
    announced: bool = False  # told after a total cue (共计/合计…), whatever its kind


@dataclass
class Incident:
    start: int
    figures: list[Figure] = field(default_factory=list)
    attempt: bool = False


@dataclass
class Structure:
    incidents: list[Incident]
    totals: dict[str, float | None]
    n_incidents: int
    n_attempts: int
    n_restated: int
    incident_amounts: list[float]


def _main_span(text: str) -> tuple[int, int, int]:
    """(start, end) of the main part and the start of the findings (or -1 when there are none)."""
    f = _FINDINGS.search(text)
    lo = f.start() if f else 0
    hi = len(text)
    r = _FACTS_END.search(text, f.end() if f else 0)
    if r:
        hi = min(hi, r.start())
    c = _CIVIL.search(text, lo)
    if c:
        hi = min(hi, c.start())
    return lo, hi, (f.start() if f else -1)


def _clause_before(text: str, s: int, lo: int) -> str:
    i = max(text.rfind(c, lo, s) for c in _CLAUSE_END)
    return text[max(i + 1, lo, s - 30) : s]


def _sentence_before(text: str, s: int, lo: int) -> str:
    i = max(text.rfind(c, lo, s) for c in _SENT_END)
    return text[max(i + 1, lo) : s]


def _last(rx: re.Pattern[str], s: str) -> int:
    """End of the last match of ``rx`` in ``s`` (-1 when none)."""
    e = -1
    for m in rx.finditer(s):
        e = m.end()
    return e


def _classify(text: str, s: int, e: int, lo: int) -> str:
    """The kind of the figure at ``s..e`` by the cues of its clause (and sentence) in ``structure.yaml``;
    the cue nearest before the figure wins between a crime verb and an exclusion."""
    cfg = _cfg()
    pre = _clause_before(text, s, lo)
    post = text[e : e + 8]
    sent = _sentence_before(text, s, lo)
    crime = _last(cfg["crime"], pre)
    if cfg["exclude_after"].match(post):
        return "excluded"
    if cfg["tax"].search(pre) and not cfg["exclude"].search(pre):
        return "tax_deducted" if cfg["tax_deducted"].search(pre) else "tax"
    if _last(cfg["net"], pre) > _last(cfg["exclude"], pre):
        return "net"
    if _last(cfg["exclude"], pre) > crime:
        return "excluded"
    if cfg["fee"].search(pre) and _last(cfg["take"], pre) < 0:
        return "excluded"
    if _last(cfg["pretext"], pre) > crime:
        return "excluded"
    if _last(cfg["attempt_before"], pre) >= 0 or cfg["attempt_after"].match(post):
        return "attempt"
    if cfg["total"].search(pre):
        return "total"
    if cfg["sale_after"].match(post):
        return "sale"
    if cfg["value"].search(pre):
        return "value"
    verb = _last(cfg["crime"], sent)
    if cfg["sale"].search(pre if crime >= 0 else sent[max(verb, 0) :]):
        return "sale"  # 盗走后销赃，获得赃款2700元: sold after the taking
    if crime >= 0 or (verb >= 0 and not cfg["exclude"].search(sent)):
        return "crime"
    return "other"


def _incidents(text: str, lo: int, hi: int, figs: list) -> list[Incident]:
    cfg = _cfg()
    starts = [lo] + [m.start() for m in cfg["marker"].finditer(text, lo, hi) if m.start() > lo]
    incs = [Incident(s) for s in starts]
    bounds = starts + [hi]
    k = 0
    for a in figs:
        if not lo <= a.start < hi or a.penalty:
            continue
        while k + 1 < len(incs) and a.start >= bounds[k + 1]:
            k += 1
        kind = _classify(text, a.start, a.end, bounds[k])
        told = kind == "total" or (kind in ("tax", "net") and bool(cfg["total"].search(_clause_before(text, a.start, bounds[k]))))
        incs[k].figures.append(Figure(a.start, a.yuan, kind, a.approx, told))
    for i, inc in enumerate(incs):
        seg = text[bounds[i] : bounds[i + 1]]
        inc.attempt = bool(cfg["attempt"].search(seg)) and not cfg["completed"].search(seg)
    return [i for i in incs if i.figures]


def _covering(text: str, f: Figure, head: bool) -> bool:
    """The total ``f`` is told as covering the incidents: a head followed by its items (如下/分别为…) or
    a summary (综上/以上/先后…)."""
    cfg = _cfg()
    if head and cfg["head_after"].search(text, f.pos, f.pos + 40):
        return True
    return bool(cfg["summary"].search(_sentence_before(text, f.pos, max(0, f.pos - 80))))


def _fold(incs: list[Incident], text: str) -> tuple[list[float], list[bool], int]:
    """Each incident's amount once the restated figures of the whole main part are dropped: its countable
    figures (a sale price only when the incident has no other) go into one sequence in text order; a
    figure equal to the figures right before or right after it (a total told with its breakdown, a
    summary of earlier incidents) drops them; a figure repeating the one before it in the same incident
    is dropped; a head or summary total (``_covering``) that sums no run and is larger than every other
    figure is left out (it covers them, not exactly: the ``announced`` / ``stated`` candidates keep it). Returns (amounts per incident, attempted flags, number dropped)."""
    seq: list[tuple[int, Figure]] = []
    kinds = {f.kind for inc in incs for f in inc.figures}
    # the taxes when some figures are taxes (the deducted ones only when no other is); the net amounts
    # when the facts state some; else the crime figures, values and totals
    only = next((k for k in ("tax", "tax_deducted", "net") if k in kinds), None)
    valued = "value" in kinds
    for k, inc in enumerate(incs):
        countable = [f for f in inc.figures if f.kind in ((only,) if only else ("crime", "value", "total"))]
        if not countable and not valued:
            countable = [f for f in inc.figures if f.kind == "sale"]
        seq += [(k, f) for f in countable]
    for kind in ("attempt", "other"):  # only attempted: the attempted amount (eval/data/AMOUNT_LABELS.md);
        if not seq:  # no cue at all: the figures told without one
            seq = [(k, f) for k, inc in enumerate(incs) for f in inc.figures if f.kind == kind]
    vals = [f.yuan for _, f in seq]
    keep = [True] * len(vals)
    summed = [False] * len(vals)
    for i, v in enumerate(vals):
        for rng in (range(i + 1, len(vals)), range(i - 1, -1, -1)):
            acc, run = 0.0, []
            for j in rng:
                if not keep[j]:
                    break
                acc += vals[j]
                run.append(j)
                if acc > v + 0.5:
                    break
                if len(run) >= 2 and abs(acc - v) < 0.5:
                    for r in run:
                        keep[r] = False
                    summed[i] = True
                    break
    parts = [vals[j] for j in range(len(vals)) if not keep[j]]
    for i in range(len(vals)):  # a part told again after its total (共计64000元，其中…29000元…；…29000元)
        if keep[i] and not summed[i] and any(abs(vals[i] - p) < 0.5 for p in parts):
            keep[i] = False
    last = -1  # the figure repeating the last one kept in its incident is told twice
    for i in range(len(vals)):
        if not keep[i]:
            continue
        if last >= 0 and seq[i][0] == seq[last][0] and abs(vals[i] - vals[last]) < 0.5:
            keep[i] = False
            continue
        last = i
    live = [i for i in range(len(vals)) if keep[i]]
    for i in live[:1] + live[-1:] if len(live) > 2 else []:
        f = seq[i][1]
        others = [vals[j] for j in live if j != i]
        if f.announced and not summed[i] and vals[i] >= max(others) - 0.5 and _covering(text, f, i == live[0]):
            keep[i] = False  # a head or summary total larger than every other figure covers some of them
    amounts: list[float] = []
    att: list[bool] = []
    for k, inc in enumerate(incs):
        mine = [vals[i] for i, (kk, _) in enumerate(seq) if kk == k and keep[i]]
        if mine:
            amounts.append(float(sum(mine)))
            att.append(inc.attempt)
    return amounts, att, len(vals) - sum(keep)


def structure(text: str) -> Structure:
    """The incidents and candidate totals of a facts text (see the module's docstring)."""
    norm = normalize_digits(text)
    figs = extract_amounts(norm)
    lo, hi, findings = _main_span(text)
    incs = _incidents(text, lo, hi, figs)
    if findings > 0 and not any(f.kind in ("crime", "value", "total") for i in incs for f in i.figures):
        lo, findings = 0, -1  # the findings only refer to the accusation (经审理查明的事实与指控一致)
        incs = _incidents(text, lo, hi, figs)
    amounts, att, dropped = _fold(incs, text)
    totals: dict[str, float | None] = dict.fromkeys(TOTALS)
    if amounts:
        totals["inc_sum"] = float(sum(amounts))
        totals["inc_max"] = float(max(amounts))
        distinct: list[float] = []
        for v in amounts:
            if not any(abs(v - w) < 0.5 for w in distinct):
                distinct.append(v)
        if len(distinct) < len(amounts):
            totals["inc_distinct"] = float(sum(distinct))
        done = [v for v, a in zip(amounts, att, strict=True) if not a]
        if done and len(done) < len(amounts):
            totals["inc_done"] = float(sum(done))
    ann = [f.yuan for i in incs for f in i.figures if f.announced]
    if ann:
        totals["announced"] = ann[-1]
        totals["announced_first"] = ann[0]
        # a stated total wins over the parts (eval/data/AMOUNT_LABELS.md) when it covers them all: the
        # largest announced total, if no incident is larger
        top = max(ann)
        if not amounts or top >= max(amounts) - 0.5:
            totals["stated"] = top
    if findings > 0:
        acc = _incidents(text, 0, findings, figs)
        acc_amounts, _, _ = _fold(acc, text)
        if acc_amounts:
            totals["acc_sum"] = float(sum(acc_amounts))
    return Structure(incs, totals, len(amounts), sum(att), dropped, amounts)
