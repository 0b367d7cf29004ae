"""Deterministic sentencing checks: term date arithmetic, probation (刑法 72–74), statutory
range of the cited article, 数罪并罚 limits (刑法 69)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

from knowledge import charges as charge_catalogue
from knowledge import statutes
from models.checks.engine import CheckContext, Hit, register
from models.checks.util import active, months_text, span, term_text
from models.sentencing.dates import days_out_of_custody, term_end
from models.sentencing.limits import limits
from models.types import Defendant, SentenceTerm

_SEVERITY_ORDER = {"管制": 1, "拘役": 2, "有期徒刑": 3, "无期徒刑": 4, "死刑": 5}
# Words in a term clause or verdict that mean the stated dates legitimately depart from the
# plain "start + term − 1 day" arithmetic.
_SPECIAL_CUSTODY = ("二日折抵", "折抵刑期二日", "扣除", "余刑", "前罪", "撤销", "监外执行", "已执行")
# Words in the defendant's particulars that mean custody was interrupted in a way the dated
# measures do not show (release, escape, medical parole): the term then ends later than
# "start + term − 1 day" by days that cannot be counted. 取保候审 / 监视居住 are counted from their
# dates (models.sentencing.dates.days_out_of_custody).
_INTERRUPTED = re.compile(r"(?<!刑满)(?<!期满)(?<!假释)(?<!减刑)(?<!服刑)释放|脱逃|在逃|保外就医|暂予监外")
# Courts count the days out of custody one way or another (the day of release, the day of return):
# a later end within this many days of the bound is not reported.
_OUT_SLACK_DAYS = 3


@register("sentencing.term_dates")
def check_term_dates(ctx: CheckContext) -> Iterator[Hit]:
    """The stated term dates against the term: an end later than start + term − 1 day (plus the days
    out of custody after the start, when the measures state them) is wrong whatever custody came
    before; an end before the start is a date written (or read) wrongly; an end earlier than the
    arithmetic can be right (earlier custody credited) and is a hint."""
    el = ctx.elements("judgment")
    doc = ctx.document("judgment")
    if el is None or doc is None:
        return
    verdict = doc.section_text("verdict")
    parties = doc.section_text("parties")
    for d in el.defendants:
        st = d.judged
        if (st is None or d.term_start is None or d.term_end is None or st.term_months is None
                or st.penalty not in ("有期徒刑", "拘役") or st.probation):
            continue
        start, end = d.term_start.date, d.term_end.date
        expected = term_end(start, st.term_months)
        params = {"term": term_text(st), "start": _d(start), "end": _d(end), "expected": _d(expected)}
        sp = span("judgment", d.term_start) + span("judgment", d.term_end)
        if end < start:
            yield Hit("SENT.TERM_DATES_DOUBT", sp, params, defendant=d.name)
            continue
        if any(w in d.term_clause or w in verdict for w in _SPECIAL_CUSTODY):
            continue
        # a start late in the month is clamped when the end month is shorter (1月31日 + 1个月):
        # then allow one day either way; 9月29日 + 11个月 ends on 8月28日 without any doubt
        slack = dt.timedelta(days=1 if _clamped(start, st.term_months) else 0)
        if end > expected + slack:
            out = days_out_of_custody(d.measures, start, expected)
            if out is None or _INTERRUPTED.search(parties):
                continue  # released with no later custody stated: the end cannot be bounded
            if out == 0 or end > expected + slack + dt.timedelta(days=out + _OUT_SLACK_DAYS):
                if out:
                    params["expected"] = f"{_d(expected)}（另加取保候审等未羁押的{out}日，最迟至" \
                                         f"{_d(expected + dt.timedelta(days=out))}）"
                yield Hit("SENT.TERM_DATES", sp, params, defendant=d.name)
        elif end < expected - slack:
            # Ending early can be right when custody before the stated start (抓获, 行政拘留
            # for the same act) was credited; the document does not always say so: a hint.
            yield Hit("SENT.TERM_DATES", sp, params, defendant=d.name, severity="info",
                      suggestion="刑期止日早于计算结果，请核实是否另有应当折抵的先行羁押日期。")


def _clamped(start: dt.date, months: int) -> bool:
    """Whether start + months falls on a day its month does not have (1月31日 + 1个月)."""
    y, m = divmod(start.month - 1 + months, 12)
    return start.day > calendar.monthrange(start.year + y, m + 1)[1]


def _d(x: dt.date) -> str:
    return f"{x.year}年{x.month}月{x.day}日"


def _sentences(ctx: CheckContext) -> Iterator[tuple[str, Defendant, SentenceTerm]]:
    for kind in ("recommendation", "judgment"):
        el = ctx.elements(kind)
        if el is None:
            continue
        for d in el.defendants:
            for st in (d.recommended if kind == "recommendation" else d.judged,):
                if st is not None:
                    yield kind, d, st


def _is_recidivist(ctx: CheckContext, name: str) -> bool:
    el = ctx.elements("judgment")
    if el is None:
        return False
    d = el.defendant(name)
    return d is not None and "累犯" in active(d.circumstances)


@register("sentencing.probation")
def check_probation(ctx: CheckContext) -> Iterator[Hit]:
    lim = limits()["probation"]
    for kind, d, st in _sentences(ctx):
        if not st.probation:
            continue
        term = st.term_months
        if st.penalty not in ("有期徒刑", "拘役") or (
                st.penalty == "有期徒刑" and term is not None and term > lim["max_prison_months"]):
            yield Hit("SENT.PROBATION_ELIGIBILITY", span(kind, st),
                      {"sentence": term_text(st), "reason": "缓刑只适用于被判处拘役、三年以下有期徒刑的犯罪分子"},
                      defendant=d.name)
        elif _is_recidivist(ctx, d.name):
            yield Hit("SENT.PROBATION_ELIGIBILITY", span(kind, st),
                      {"sentence": term_text(st), "reason": "对于累犯，不适用缓刑"}, defendant=d.name)
        p = st.probation_months
        bounds = lim.get(st.penalty or "")
        if p is None or not bounds:
            continue
        low = max(bounds["min_months"], term or 0)
        if p < low or p > bounds["max_months"]:
            yield Hit("SENT.PROBATION_TERM", span(kind, st),
                      {"sentence": term_text(st), "probation": months_text(p),
                       "low": months_text(low), "high": months_text(bounds["max_months"])},
                      defendant=d.name)


def _tiers_for_charges(charges: list[str]) -> list:
    tiers = []
    for c in charges:
        official = charge_catalogue.normalize_charge(c)
        if not official:
            continue
        for article, sub in charge_catalogue.articles_for(official):
            tiers += statutes.penalty_tiers(article, sub)
    return tiers


def _mitigated(ctx: CheckContext, name: str | None = None) -> bool:
    """Whether a sentence below the statutory tier can be lawful: the documents state 减轻处罚 (or
    its ground, 第六十三条), or the defendant has a circumstance for which the law allows it."""
    mit = limits()["mitigation"]
    reasons = set(mit["circumstances"])
    for kind in ("judgment", "recommendation", "indictment"):
        doc = ctx.document(kind)
        body = doc.body if doc is not None else ""  # sliced once, not once per cue
        if any(cue in body for cue in mit["cues"]):
            return True
        el = ctx.elements(kind)
        if el is None:
            continue
        people = [d for d in el.defendants if name is None or d.name == name] or el.defendants
        if any(c.name in reasons and not c.negated for d in people for c in d.circumstances):
            return True
        if any(c.name in reasons and not c.negated for c in el.circumstances):
            return True
    return False


@register("sentencing.statutory_range")
def check_statutory_range(ctx: CheckContext) -> Iterator[Hit]:
    bounds = limits()["penalty_bounds"]
    for kind, d, st in _sentences(ctx):
        parts = d.judged_parts if kind == "judgment" and d.judged_parts else [st]
        for part in parts:
            if part.combined or part.penalty not in _SEVERITY_ORDER:
                continue
            charges = [part.charge] if part.charge else d.charges
            if len(charges) != 1:
                continue
            yield from _range_hits(ctx, kind, d, part, charges, bounds)


def _range_hits(ctx, kind, d, st, charges, bounds) -> Iterator[Hit]:
    terms = [st.term_months] if st.term_months is not None else list(st.term_range_months or [])
    pb = bounds.get(st.penalty)
    if pb and any(t < pb[0] or t > pb[1] for t in terms):
        yield Hit("SENT.STATUTORY_RANGE", span(kind, st),
                  {"sentence": term_text(st), "range": f"{st.penalty}{months_text(pb[0])}至{months_text(pb[1])}",
                   "basis_article": "刑法总则对该刑种期限的规定"}, defendant=d.name)
        return
    tiers = _tiers_for_charges(charges)
    if not tiers:
        return
    allowed = {p for t in tiers for p in t.penalties}
    top = max(_SEVERITY_ORDER.get(p, 0) for p in allowed) if allowed else 0
    charge = charges[0]
    if st.penalty not in allowed:
        lighter = _SEVERITY_ORDER[st.penalty] < top
        if not lighter or not _mitigated(ctx, d.name):
            yield Hit("SENT.STATUTORY_RANGE", span(kind, st),
                      {"sentence": term_text(st), "range": "、".join(sorted(allowed, key=lambda p: _SEVERITY_ORDER.get(p, 0))),
                       "basis_article": f"{charge}罪的法定刑"}, defendant=d.name)
        return
    base_cap = _base_tier_cap(ctx, tiers)
    if st.penalty == "有期徒刑" and base_cap is not None and any(t is not None and t > base_cap for t in terms):
        yield Hit("SENT.STATUTORY_RANGE", span(kind, st),
                  {"sentence": term_text(st), "range": f"有期徒刑{months_text(base_cap)}以下（{tiers[0].label}）",
                   "basis_article": f"{charge}罪的法定刑"}, defendant=d.name)
        return
    if st.penalty == "有期徒刑" and not any(t.life or t.death for t in tiers):
        caps = [t.max_months for t in tiers if "有期徒刑" in t.penalties and t.max_months is not None]
        cap = max(caps, default=None)
        if cap is not None and any(t is not None and t > cap for t in terms):
            yield Hit("SENT.STATUTORY_RANGE", span(kind, st),
                      {"sentence": term_text(st), "range": f"有期徒刑{months_text(cap)}以下",
                       "basis_article": f"{charge}罪的法定刑"}, defendant=d.name)


def _base_tier_cap(ctx: CheckContext, tiers: list) -> int | None:
    """The first tier's maximum when the documents place the case in it: an amount ladder
    (数额较大 / 数额巨大 / 数额特别巨大) whose reasoning speaks of 数额较大 and of nothing higher."""
    ladder = limits()["amount_ladder"]
    if not tiers or not tiers[0].label.startswith(ladder["base"]) or tiers[0].max_months is None:
        return None
    since = ladder["amended"].get(tiers[0].article)
    if since is not None and not _all_dates_from(ctx, dt.date.fromisoformat(str(since))):
        return None  # the tiers we carry may not be the law of this case's time
    texts = []
    for kind in ("judgment", "indictment", "recommendation"):
        doc = ctx.document(kind)
        if doc is not None:
            texts.append(doc.section_text("reasoning") or "")
    said = "".join(texts)
    if ladder["base"] not in said or any(w in said for w in ladder["higher"]):
        return None
    return tiers[0].max_months


def _all_dates_from(ctx: CheckContext, day: dt.date) -> bool:
    """Whether the documents and the offence dates we know all fall on or after ``day``."""
    seen = False
    for kind in ctx.kinds():
        el = ctx.elements(kind)
        dates = [el.date] if el.date else []
        dates += [m.date for m in el.dates if m.role == "offence"]
        if any(x < day for x in dates):
            return False
        seen = seen or bool(dates)
    return seen


@register("sentencing.cumulative")
def check_cumulative(ctx: CheckContext) -> Iterator[Hit]:
    el = ctx.elements("judgment")
    doc = ctx.document("judgment")
    if el is None or doc is None:
        return
    verdict = doc.section_text("verdict")
    if any(w in verdict for w in ("余刑", "前罪", "撤销")):
        return  # combined with an earlier sentence: the parts are not all shown
    lim = limits()["cumulative"]
    for d in el.defendants:
        final, parts = d.judged, [p for p in d.judged_parts if not p.combined]
        if final is None or not final.combined or len(parts) < 2:
            continue
        if final.penalty not in lim or final.term_months is None:
            continue
        same = [p.term_months for p in parts if p.penalty == final.penalty and p.term_months is not None]
        if not same or any(_SEVERITY_ORDER.get(p.penalty or "", 0) > _SEVERITY_ORDER[final.penalty]
                           for p in parts):
            continue
        hi = max(same)
        total = sum(p.term_months for p in parts if p.term_months is not None)
        cap = lim[final.penalty]["cap_months"]
        if final.penalty == "有期徒刑" and total >= lim["有期徒刑"]["sum_threshold_months"]:
            cap = lim["有期徒刑"]["cap_months_when_sum_35y"]
        upper = min(total, cap) if all(p.penalty == final.penalty for p in parts) else cap
        if final.term_months < hi or final.term_months > upper:
            yield Hit("SENT.CUMULATIVE_LIMIT", span("judgment", final),
                      {"final": term_text(final), "low": months_text(hi), "high": months_text(upper)},
                      defendant=d.name)
