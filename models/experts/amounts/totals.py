"""Totals against incidents: breakdowns, restated sums, enumerated parts and the choice between a
stated total and the sum of the incidents."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from models.experts.amounts.context import _at, _clause, _sentence_of, normalize_digits
from models.experts.amounts.patterns import (
    _ACCUSED,
    _ANNOUNCE,
    _BREAKDOWN,
    _COUNTED,
    _DATE,
    _ENUM,
    _GROUP,
    _NEXT,
    _PART,
    _SUMMARY_LEAD,
    _SUMMARY_OPEN,
    _re,
    amount_words,
)
from models.extract.amounts import extract_amounts
from models.types import Amount


def _announced_breakdown(text: str, ends: list[int], items: list[tuple[int, int, float]], starts: list[int],
                         approx_at: dict[int, bool]) -> set[int]:
    """Sums announced, then told item by item (骗得人民币11,000.00余元，…骗得人民币6,000.00元。具体分述
    如下：1.…2,900.00元… / 骗取理赔款计1.4万余元。具体如下：1、…9150元…): when the items after 如下 add up
    to the sums before it (within 10% above an approximate 余 sum), the money is counted once — the
    items when a head is approximate, else the heads. Returns the indices to drop."""
    drop: set[int] = set()
    marks = [m.start() for m in _ANNOUNCE.finditer(text)]
    for n, p in enumerate(marks):
        sent = bisect.bisect_left(ends, p)
        lo = ends[sent - 1] + 1 if sent > 0 else 0
        heads = [k for k, st in enumerate(starts) if lo <= st < p]
        if not heads and text[lo:p].strip(" ：:，,") in ("", "具体", "分别") and sent > 0:
            heads = [k for k, it in enumerate(items) if it[0] == sent - 1]  # 计1.4万余元。具体如下：
        hi = marks[n + 1] if n + 1 < len(marks) else len(text)
        parts = [k for k, st in enumerate(starts) if p < st < hi]
        if not heads or len(parts) < 2 or drop.intersection(heads):
            continue
        h = sum(items[k][2] for k in heads)
        loose = any(approx_at.get(starts[k], False) for k in heads)
        run = _run_adding_up(parts, items, h, loose=loose)  # the parts that follow, up to the heads' sum
        if run and len(run) >= 2:
            drop.update(heads if loose else run)
    return drop


def _run_adding_up(ks: Iterable[int], items: list[tuple[int, int, float]], target: float, start: float = 0.0,
                   loose: bool = False) -> list[int] | None:
    """The first items of ``ks`` (in order) whose sums, added to ``start``, reach ``target`` to the yuan
    (or up to 10% above it when ``loose``: an approximate 余 target); None when they pass it first."""
    acc, run = start, []
    for k in ks:
        acc += items[k][2]
        run.append(k)
        if abs(acc - target) < 0.5 or (loose and target <= acc < 1.1 * target):
            return run
        if acc > (1.1 if loose else 1.0) * target + 0.5:
            return None
    return None


def _vehicle_or_loan(text: str, ends: list[int], starts: list[int]) -> set[int]:
    """A rented car pledged or sold for money (租车后抵押借款): the car's value and the money raised on it
    are two measures of one loss, never added. The victim named decides: the lender or buyer
    (向被害人梁某某借款20000元) → the money; the car's owner (从被害人罗某处租赁…, 骗得被害人吴某的…车)
    → the car's value; neither or both → the money when the car went back to its owner (该车被租赁行追回),
    else the car's value. Returns the indices of the items to drop."""
    cfg = amount_words()["vehicle_pledge"]
    value_re, car_re, deal_re = _re(cfg["value_before"]), _re(cfg["vehicle"]), _re(cfg["deal"])
    values, loans = [], []
    lender = False
    for k, pos in enumerate(starts):
        i = bisect.bisect_left(ends, pos)
        lo = ends[i - 1] + 1 if i > 0 else 0
        sent = text[lo : ends[i] if i < len(ends) else len(text)]
        pre = _clause(text, _at(pos, 0.0))[0]
        if value_re.search(pre) and car_re.search(sent):
            values.append(k)
        elif deal_re.search(sent):
            loans.append(k)
            lender = lender or bool(_re(cfg["lender_victim"]).search(sent))
    if not values or not loans or not _re(cfg["rented"]).search(text):
        return set()
    owner = bool(_re(cfg["owner_victim"]).search(text))
    if lender != owner:
        return set(values) if lender else set(loans)
    return set(values) if _re(cfg["recovered"]).search(text) else set(loans)


def _breakdown_goes_on(found: list[Amount], items: list[tuple[int, int, float]], starts: list[int],
                       broken_down: list[tuple[int, float, int]]) -> set[int]:
    """A breakdown that goes on past its sentence (税额计1024121.23元，其中：开具给甲…税额130771.37元；开具给
    乙…税额680030.79元；…): the sums after its first part, up to the total, are its parts too. Returns the
    indices of ``items`` to drop."""
    drop: set[int] = set()
    value_at_end = {a.end: a.yuan for a in found}
    for end, first, pos in broken_down:
        total = value_at_end.get(end)
        if total is None:
            continue
        run = _run_adding_up((k for k, st in enumerate(starts) if st > pos), items, total, start=first)
        if run:
            drop.update(run)
    return drop


def _restated_sums(vals: list[float]) -> set[int]:
    """Indices of sums told twice without a 共计 cue: a sum followed (or preceded) by the payments that
    make it up (要何某支付70万元… 10万元… 20万元… 40万元). The parts are dropped (the whole stays). Two
    round parts are too likely to add up by chance; three or more parts, or unround ones, are needed."""
    drop: set[int] = set()
    n = len(vals)
    for i, v in enumerate(vals):
        if i in drop:
            continue
        for lo, hi in ((i + 1, n), (0, i)):
            acc = 0.0
            rng = range(lo, hi) if lo > i else range(hi - 1, lo - 1, -1)
            run: list[int] = []
            for j in rng:
                if j in drop:
                    break
                acc += vals[j]
                run.append(j)
                if acc > v + 0.5:
                    break
                if abs(acc - v) < 0.5 and len(run) >= 2:
                    if len(run) >= 3 or any(vals[k] % 100 for k in run):
                        drop.update(run)
                    break
            if drop.intersection(run):
                break
    return drop


def _by_parts(text: str, ends: list[int], items: list[tuple[int, int, float]], starts: list[int],
              totals: list[tuple[int, int, float, bool]]) -> float | None:
    """Top-level parts 一、… 二、… (one per charge: 一、诈骗…共计72000元。1.…2.… 二、…共计冒用22897元。1.…)
    with totals in two or more of them: each part is read on its own (its total, its sub-items) and the
    parts add up. None when the text has no such parts, a total precedes them or a 综上 sentence
    concludes (the usual reading then applies)."""
    marks = [(m.start(), m.group(1)) for m in _PART.finditer(text)]
    labels = [lab for _, lab in marks]
    if "一" not in labels or "二" not in labels:
        return None
    pos = [p for p, lab in marks if lab in "一二三四五六七八九十" and len(lab) == 1]

    def part(sent: int) -> int:
        return bisect.bisect_right(pos, (ends[sent] if sent < len(ends) else len(text)) - 1)

    t_parts = {part(t[0]) for t in totals}
    if len(t_parts) < 2 or 0 in t_parts or any(_SUMMARY_OPEN.match(_sentence_of(text, ends, t[0])) for t in totals):
        return None
    out = 0.0
    for p in sorted({part(it[0]) for it in items} | t_parts):
        p_items = [it for it in items if part(it[0]) == p]
        p_totals = [t for t in totals if part(t[0]) == p]
        if p == 0 and p_items:
            return None  # sums before the parts
        if not p_totals:
            out += sum(v for _, _, v in p_items)
            continue
        head = min(p_totals, key=lambda t: t[0])
        if head[2] >= max(t[2] for t in p_totals) and _BREAKDOWN.search(
                text[ends[head[0] - 1] + 1 if head[0] > 0 else 0 : (ends[head[0]] if head[0] < len(ends) else len(text)) + 12]):
            out += head[2]  # the part's total announcing its items (…共计冒用人民币22897元。具体事实如下：1.…)
        else:
            out += _resolve_totals(text, ends, p_items, p_totals)
    return out


def _group_sums(text: str, ends: list[int], summary: list[tuple[int, int, float, bool]]) -> float | None:
    """Summary totals that each count their own incidents (综上，××作案两起，共计骗取20000元；××作案三起，
    共计窃取2650元) or are the parts of one concluding sentence split by ； are the sums of separate
    groups — different crimes — and add up, unless one of
    them is the sum of the others (a grand total) or they name different defendants (被告人于某诈骗
    作案14起…；被告人成某诈骗作案12起…: the accomplice's share)."""
    sents = {t[0] for t in summary}

    def linked(sent: int) -> bool:  # a part of a concluding sentence split by ；
        return (sent - 1 in sents and text[ends[sent - 1]] in "；;") or (
            sent + 1 in sents and sent < len(ends) and text[ends[sent]] in "；;")

    groups = []
    for t in summary:
        lo = ends[t[0] - 1] + 1 if t[0] > 0 else 0
        head = text[lo : _sum_pos(text, lo, t[2])]
        if _COUNTED.search(head) or linked(t[0]):
            groups.append((t, head))
    if len(groups) < 2 or len(groups) < len(summary):
        return None
    vals = [t[2] for t, _ in groups]
    top = max(vals)
    if abs(top - (sum(vals) - top)) <= 0.05 * top:
        return top  # the grand total of the others
    names = {m.group(1) for _, head in groups for m in _ACCUSED.finditer(head[-40:])}
    if len(names) >= 2:
        return None
    return float(sum(vals))


def _sum_pos(text: str, lo: int, yuan: float) -> int:
    """The start of the first sum worth ``yuan`` from ``lo`` (the sentence's end when none)."""
    for a in extract_amounts(normalize_digits(text[lo : lo + 400])):
        if abs(a.yuan - yuan) < 0.005:
            return lo + a.start
    return lo


def _resolve_totals(text: str, ends: list[int], items: list[tuple[int, int, float]],
                    totals: list[tuple[int, int, float, bool]]) -> float:
    summary = [t for t in totals if t[3]]
    if len(summary) >= 2 and len({t[1] for t in summary}) == len(summary) and all(t[1] for t in summary) \
            and not any(_SUMMARY_LEAD.match(_sentence_of(text, ends, t[0])) for t in summary):
        summary = []  # one summary per enumerated incident (一、…累计透支共计…元 二、…): sub-totals
    if summary:
        best = max(summary, key=lambda t: t[2])
        groups = _group_sums(text, ends, summary)
        if groups is not None:
            return groups
        return best[2]
    top_t = max(totals, key=lambda t: t[2])
    last_t = totals[-1]
    if last_t is not top_t and last_t[0] > top_t[0] and last_t[2] >= top_t[2] * 0.95 and last_t[1] == top_t[1]:
        return last_t[2]  # a later total close to an earlier one corrects it (价值共计114532元…诈骗价值共计114232元)
    by_sent: dict[int, tuple[int, int, float, bool]] = {}
    for t in totals:
        if t[0] not in by_sent or t[2] > by_sent[t[0]][2]:
            by_sent[t[0]] = t
    subs = sorted(by_sent.values())
    segs = {t[1] for t in subs}
    # each sub-total in its own enumerated incident (一、… 二、…): equal ones are separate incidents too
    enumerated = len(segs) == len(subs) and 0 not in segs
    if len(subs) >= 2 and (len({t[2] for t in subs}) == len(subs) or enumerated):

        def dated(sent: int) -> bool:
            lo = ends[sent - 1] + 1 if sent > 0 else 0
            hi = ends[sent] if sent < len(ends) else len(text)
            return bool(_DATE.search(text[lo:hi]))

        vals = sorted((t[2] for t in subs), reverse=True)
        first = subs[0]
        rest = sum(t[2] for t in subs[1:]) + sum(v for st, _, v in items if st > first[0])
        told_first = not enumerated and not any(st < first[0] for st, _, _ in items) \
            and sum(1 for st, _, _ in items if st > first[0]) >= 2
        if told_first and first[2] == vals[0] and first[2] >= 0.95 * rest:
            return first[2]  # a total told first, then its breakdown (共计819300元… 骗取罗某某12000元…)
        def sent_text(sent: int) -> str:
            lo = ends[sent - 1] + 1 if sent > 0 else 0
            return text[lo : (ends[sent] if sent < len(ends) else len(text)) + 30]

        top_sub = max(subs, key=lambda t: t[2])
        # the largest told first and announcing its parts (先后骗取他人钱款共计137.25万元。1.… / …等41人共计
        # 819300元，具体如下) covers the others
        grand = (top_sub is first and first[2] >= 0.95 * sum(t[2] for t in subs[1:])
                 and bool(_BREAKDOWN.search(sent_text(first[0])) or _GROUP.search(sent_text(first[0]))))
        if grand and not enumerated:
            return first[2]
        if enumerated or all(dated(t[0]) for t in subs) or vals[0] < sum(vals[1:]) or not grand:
            # incidents each with their own sub-total: sum them (plus enumerated incidents without one)
            sub_sents = {t[0] for t in subs}
            extra = [v for st, g, v in items if v not in vals
                     and ((enumerated and g not in segs) or (not enumerated and st not in sub_sents))]
            return float(sum(vals) + sum(extra))
    sent, _, top, _ = max(totals, key=lambda t: t[2])
    sent = max(t[0] for t in totals if t[2] == top)
    before = {v for s, _, v in items if s <= sent} | {t[2] for t in totals}
    t_seg = next(t[1] for t in totals if t[2] == top and t[0] == sent)
    # incidents enumerated after the total's own (一、…共计价值400余元 二、…价值1000余元…) are never its breakdown
    others = [v for s, g, v in items if s > sent and v not in before and t_seg and g and g != t_seg]
    later = [v for s, g, v in items if s > sent and v not in before and not (t_seg and g and g != t_seg)]
    t_end = ends[sent] if sent < len(ends) else len(text)
    s_lo = ends[sent - 1] + 1 if sent > 0 else 0
    earlier: list[float] = list(others)
    before_vals = [v for s, _, v in items if s < sent and v != top]
    if len(totals) == 1 and _NEXT.search(text[s_lo:t_end]):
        # the total of the incident told after the earlier ones (…窃得100元。后…共计得款1400元)
        earlier += [v for s, _, v in items if s < sent and v != top]
    elif t_seg and _ENUM.search(text, s_lo, t_end):
        # the total of one enumerated incident (3、…骗得张某某、王某某各贷出的50000元共计100000元): the
        # incidents enumerated before it are others (1、…骗取颜某85000元 2、…)
        earlier += [v for s, g, v in items if s < sent and g and g != t_seg and v != top]
    elif len(totals) == 1 and before_vals and top < 0.5 * max(before_vals):
        # a total under half of one sum told before it cannot be the grand total: the total of the last
        # incident (…盗走现金5000元…4700元…2700元。2、…盗走两部手机…合计价值200元)
        earlier += before_vals
    after_total = text[t_end - 40 if t_end > 40 else 0 : t_end + 30]
    # the incidents after it are the total's breakdown when announced (具体如下/其中/分述…), when the
    # total covers several victims (骗取罗某某等41人共计…) or when they add up to it; otherwise they are
    # further incidents (分两次骗取兰某共计80000元。…分四次骗取程某65000元)
    if later and (_BREAKDOWN.search(after_total) or _BREAKDOWN.search(text[s_lo:t_end]) or _GROUP.search(text[s_lo:t_end])
                  or (0.9 * top <= sum(later) <= top * 1.05 and (len(later) >= 2 or abs(later[0] - top) <= 0.01 * top))):
        return top + sum(earlier)
    return top + sum(earlier) + sum(later)
