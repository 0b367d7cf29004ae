"""Reading the crime amount of a facts text (``read_amounts``): the court's findings, the facts
without the reasoning and evidence, each sum's role (item, total, excluded), then the totals."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

from models.experts.amounts.context import (
    _at,
    _clause,
    _deal_price,
    _excluded,
    _in_paren,
    _in_pretext,
    _Layout,
    _paid_back,
    _paid_to_accused,
    _sale_proceeds,
    _sentence_of,
    normalize_digits,
)
from models.experts.amounts.legal import _legal_rules
from models.experts.amounts.patterns import (
    _ACTUAL,
    _ANAPHOR,
    _BREAKDOWN_OF,
    _CHAIN_GAP,
    _CIVIL,
    _CONCLUSION,
    _COUNTED,
    _DAY,
    _EVIDENCE,
    _FACTS_END,
    _FINDINGS,
    _LEAD_NOISE,
    _LOOT_REF,
    _NET,
    _NEXT_CHARGE,
    _PAREN,
    _PART_OF,
    _PRETEXT,
    _PROCEEDS,
    _REASONING,
    _REFUND,
    _RESTATE,
    _SHARE,
    _STATED_CUE,
    _SUMMARY,
    _SUMMARY_LEAD,
    _SUMMARY_OPEN,
    _VALUED,
    _amount_patterns,
    _context_patterns,
    _only_pattern,
    amount_words,
)
from models.experts.amounts.totals import (
    _announced_breakdown,
    _breakdown_goes_on,
    _by_parts,
    _resolve_totals,
    _restated_sums,
    _vehicle_or_loan,
)
from models.extract.amounts import extract_amounts
from models.types import Amount


@dataclass
class AmountRead:
    """Crime amounts found in a text: the total (共计 wins), the attempted part, excluded sums."""

    total: float | None
    attempted: float = 0.0
    items: list[float] = field(default_factory=list)
    stated_total: bool = False
    excluded: list[float] = field(default_factory=list)


def findings_part(text: str) -> str:
    """The court's findings of a judgment's facts (from the first 经审理查明… on; the whole text when
    there are none, as in a CAIL-style fact description)."""
    m = _FINDINGS.search(text)
    return text if m is None else text[m.start():]


def read_amounts(text: str, kind: str = "default") -> AmountRead:
    """Crime amounts of a facts text: of the court's findings when a judgment's facts tell the
    accusation first (``findings_part``), of the whole text when the findings name no crime amount
    (经审理查明，公诉机关指控的事实清楚… / 原判认定的事实属实); see ``_read_amounts``."""
    part = findings_part(text)
    if part is not text:
        r = _read_amounts(part, kind)
        if r.total is not None:
            return r
    return _read_amounts(text, kind)


@lru_cache(maxsize=512)
def _read_amounts(text: str, kind: str = "default") -> AmountRead:
    """Crime amounts of a facts text (cached: several experts and the engine read the same text;
    callers must not modify the result).

    - sums that are compensation, shares of the loot (分得), returned / recovered / frozen property,
      fines, bail, sale proceeds or rewards are not the crime amount (``context.yaml``);
    - amounts in the legal reasoning (公诉机关认为…, the sentence concluding 数额较大…) or the evidence
      list only restate the facts and are read only when the facts state none; an evidence sentence
      between incidents (上述事实…证据证实，足以认定。2、…) is skipped up to its end only; when the
      reasoning names exactly one crime amount that differs from the facts' sum, it wins;
    - a total stated with 共计/合计/综上… (or the first sum of a 综上 sentence) wins over summing the
      incidents; when each of several incidents (enumerated 一、二、…, dated or separate sentences)
      carries its own sub-total, the sub-totals are summed (plus incidents with no sub-total), unless the
      largest is told first for many victims or announces its parts and covers the others;
    - incidents told after a total are added (共计骗得9800元。后又骗取2万元), unless they are its
      breakdown (如下/具体是/其中…, a total for 他人/等N人, or two or more sums adding up to it);
      incidents of other enumerated parts are always added;
    - otherwise the incidents are summed, counting an amount restated in the same sentence (价值5000元…
      经鉴定价值5000元), referred back to (所取的11900元, 骗取到的10000元中…) or restated without a cue as
      the sum of the payments that follow it once; list items (1000元、700元、1000元) all count, a list
      with names between the sums keeps the part of its first sum (赔偿方某2648元，陈某1655元);
    - a rented car pledged or sold (租车后抵押) counts once: its value or the money raised, by the victim
      named (``_vehicle_or_loan``); the sum actually handed over replaces the nominal one (实付);
    - amounts in a clause marked 未遂/未得逞 are reported as ``attempted`` (included in the total).
    """
    norm = normalize_digits(text)
    found = extract_amounts(norm)
    civil = _CIVIL.search(text)
    if civil:
        found = [a for a in found if a.start < civil.start()]
    only = _only_pattern(kind)
    if only is not None:
        found = [a for a in found if only.search(text, max(0, a.start - 14), a.start)]
    lay = _Layout.of(text)
    drop, keep = _legal_rules(text, found, kind, lay)
    if drop:
        found = [a for a in found if a.start not in drop]
    m = _FACTS_END.search(text)
    reasons: list[tuple[int, int]] = []
    while m:
        # the reasoning of one charge, followed by the facts of the next (…公诉机关认为，被告人贾某的行为
        # 已构成××罪，提请依法判处。××罪2013年7月18日傍晚，被告人贾某…): the facts go on after it
        e = text.find("。", m.end())
        if e < 0 or not _NEXT_CHARGE.match(text, e + 1) or not any(a.start > e for a in found):
            break
        reasons.append((m.start(), e + 1))
        m = _FACTS_END.search(text, e + 1)
    end = m.start() if m else len(text)
    c = _CONCLUSION.search(text, reasons[-1][1] if reasons else 0, end)
    if c:  # the sentence drawing the legal conclusion (…骗取他人财物124800元，数额较大，其行为触犯…)
        end = text.rfind("。", 0, c.start()) + 1
    cut = end if any(a.start < end for a in found) else len(text)
    spans = _evidence_spans(text, cut) + [r for r in reasons if r[1] <= cut]
    facts = [a for a in found if a.start < cut and not any(lo <= a.start < hi for lo, hi in spans)]
    r = _read(lay, facts, kind, frozenset(keep))
    if r.total is None and len(facts) < len(found):
        r = _read(lay, found, kind, frozenset(keep))
    stated = _stated_in_reasoning(text, found, cut, kind)
    if stated is not None and r.total is not None and abs(stated - r.total) >= 0.5 \
            and not (stated < r.total and _run_sum(r.items, stated)):
        # the prosecutor's own figure (公诉机关认为，被告人…骗取他人财物398350元) wins over adding up the
        # facts (returns deducted, restated sums…)
        r = AmountRead(stated, r.attempted if r.attempted < stated else 0.0, r.items, True, r.excluded)
    return r


def _run_sum(vals: list[float], v: float) -> bool:
    """``v`` is the sum of two or more consecutive ``vals``: the prosecutor's figure for one crime of
    several told (盗走现金1776元… 903元… 抢走手机价值2425元; 认为…盗窃他人财物共计2679元), not a
    correction of the facts' sum."""
    for i in range(len(vals)):
        acc = 0.0
        for j in range(i, len(vals)):
            acc += vals[j]
            if j > i and abs(acc - v) < 0.5:
                return True
            if acc > v + 0.5:
                break
    return False


def _stated_in_reasoning(text: str, found: list[Amount], cut: int, kind: str) -> float | None:
    """The one crime amount the prosecutor's reasoning names (after the facts), if exactly one."""
    m = _REASONING.search(text, cut) or _CONCLUSION.search(text, cut)
    if not m or cut >= len(text):
        return None
    start = max(cut, text.rfind("。", 0, m.start()) + 1)  # from the start of its sentence
    excl_re, _, _, excl_after_re = _amount_patterns(kind)
    vals = set()
    for a in found:
        if a.start < start or a.penalty:
            continue
        pre, post = _clause(text, a)
        if _STATED_CUE.search(pre) and not _excluded(pre, post, excl_re, excl_after_re):
            vals.add(a.yuan)
    return vals.pop() if len(vals) == 1 else None


def _evidence_spans(text: str, cut: int) -> list[tuple[int, int]]:
    """The sentences citing evidence before ``cut`` (from the marker to the sentence end)."""
    out = []
    for m in _EVIDENCE.finditer(text, 0, cut):
        end = text.find("。", m.end())
        out.append((m.start(), end if end >= 0 else len(text)))
    return out


def _read(lay: _Layout, found: list[Amount], kind: str, keep: frozenset[int] = frozenset()) -> AmountRead:
    excl_re, total_re, attempt_re, excl_after_re = _amount_patterns(kind)
    deals = not amount_words().get(kind, {}).get("deal_is_amount", False)
    text, ends, sent_of, seg_of = lay.text, lay.ends, lay.sent, lay.seg

    verb_re, _, loss_before_re, loss_after_re = _context_patterns()
    items: list[tuple[int, int, float]] = []  # (sentence, segment, yuan)
    totals: list[tuple[int, int, float, bool]] = []  # (sentence, segment, yuan, summary)
    excluded: list[tuple[int, float, int]] = []  # (sentence, yuan, start)
    item_start: list[int] = []
    attempted = 0.0
    seen_in_sent: dict[int, set[float]] = {}
    first_seen: dict[float, tuple[int, bool, str, int]] = {}  # value -> (segment, crime verb, act, sentence) of its first item
    seen: set[float] = set()
    first_idx: dict[float, int] = {}  # value -> index in ``items`` of its first item
    prev_end = -10
    prev_role, prev_sent = "", -1
    kept_at: dict[int, int] = {}  # sentence -> end of its last sum kept (item or total)
    broken_down: list[tuple[int, float, int]] = []  # (end of the sum broken down, first part, its start)
    for a in found:
        pre, post = _clause(text, a)
        if pre.endswith("各"):  # 分别骗取康某乙、储某各25万元: the sum once per party named
            a = dataclasses.replace(a, yuan=a.yuan * (pre.count("、") + 1))
        gap = text[prev_end : a.start] if prev_end >= 0 else ""
        list_item = 0 <= a.start - prev_end <= 1 and gap in ("、", "")
        prev_end = a.end
        sent, seg = sent_of(a.start), seg_of(a.start)
        s_start = lay.span(sent)[0]
        # a list that goes on with only a name between the sums (赔偿被害人方某2648元，陈某1655元 / 合计骗走
        # 王某10000元、朱某13000元): each sum plays the part of the first
        cont = (sent == prev_sent and bool(_CHAIN_GAP.fullmatch(gap))
                and not (verb_re.search(gap) or excl_re.search(gap) or total_re.search(gap)))
        role, prev_sent = prev_role, sent
        prev_role = ""
        if cont and role == "excluded":
            excluded.append((sent, a.yuan, a.start))
            prev_role = "excluded"
            continue
        if cont and role == "total":
            t = totals[-1]
            totals[-1] = (t[0], t[1], t[2] + a.yuan, t[3])
            seen.add(totals[-1][2])
            prev_role = "total"
            continue
        list_item = list_item or (cont and role == "item")
        if a.start not in keep and ((_excluded(pre, post, excl_re, excl_after_re, deals)
                                     and not _paid_to_accused(text, pre))
                                     or _paid_back(text, a) or _sale_proceeds(text[s_start : a.start]) or _in_pretext(text, a)):
            excluded.append((sent, a.yuan, a.start))
            prev_role = "excluded"
            continue
        if loss_before_re.search(pre) or loss_after_re.search(post):
            totals.append((sent, seg, a.yuan, True))  # the damage found: 致使被害人646150元受损
            seen.add(a.yuan)
            continue
        if _SUMMARY_LEAD.match(text[s_start : a.start]) and not any(i[0] == sent for i in items) \
                and not any(t[0] == sent for t in totals):
            # the first sum of a concluding sentence (综上，被告人共实施××犯罪三起，××人民币249900元)
            totals.append((sent, seg, a.yuan, True))
            seen.add(a.yuan)
            prev_role = "total"
            continue
        if _COUNTED.search(text[s_start : a.start]) and not any(t[0] == sent for t in totals) and (
                _SUMMARY_OPEN.match(text[s_start : a.start]) or any(t[0] == sent - 1 and t[3] for t in totals)):
            # the sum of a group of incidents counted in a concluding sentence (以上被告人诈骗二起，获取赃款
            # 8.4万元 / 综上，盗窃作案4起，价值4466元；抢夺作案1起，价值1748元)
            totals.append((sent, seg, a.yuan, True))
            seen.add(a.yuan)
            prev_role = "total"
            kept_at[sent] = a.end
            continue
        if not _in_paren(text, a.start) and (
                total_re.search(pre[-14:]) or total_re.search(_PAREN.sub("", text[max(0, a.start - 30) : a.start])[-14:])):
            # (a total inside brackets sums the goods just named — 首饰（经鉴定价值共17010元）— : an item)
            # (…or the next part of a concluding sentence, after ；: 综上，…骗得…共计138056元；拔某…骗取款项共计
            # 16973.2元)
            summary = bool(_SUMMARY.search(text[s_start : a.start])) or (
                sent > 0 and text[ends[sent - 1]] in "；;" and any(t[0] == sent - 1 and t[3] for t in totals)
                and bool(_SUMMARY_OPEN.match(_sentence_of(text, ends, sent - 1))))
            totals.append((sent, seg, a.yuan, summary))
            seen.add(a.yuan)
            prev_role = "total"
            kept_at[sent] = a.end
            continue
        kept = kept_at.get(sent)
        if kept is not None and _BREAKDOWN_OF.search(text, kept, a.start):
            broken_down.append((kept, a.yuan, a.start))
            continue  # the breakdown of a sum stated before it in the sentence (共计3万元，其中…)
        if text[s_start : s_start + 3].lstrip().startswith("其中") and (
                any(t[0] == sent - 1 for t in totals) or any(i[0] == sent - 1 for i in items)):
            if sent - 1 in kept_at and not any(b[2] >= s_start for b in broken_down):
                broken_down.append((kept_at[sent - 1], a.yuan, a.start))
            continue  # …骗取人民币29000元。其中10000给滕某某作为租金，5000元由…: parts of the sum just told
        bucket = seen_in_sent.setdefault(sent, set())
        # the same sum again after another incident's sum (罗某…价格为25820元，郑某2…26200元，邓某…25820元):
        # a new incident, not the first told again
        again = a.yuan in first_idx and any(v != a.yuan for _, _, v in items[first_idx[a.yuan] + 1 :])
        if a.yuan in bucket and not list_item and not again:
            continue
        if a.yuan in seen and (_ANAPHOR.search(pre) or _RESTATE.search(text[s_start : a.start])
                               or (a.yuan >= 1000 and a.yuan % 1)):
            # the same sum referred back to or restated (…从而认定…骗取国家资金379069.95元); a sum to the
            # fen told again (税额1464489.55元 … 合计…税额1464489.55元) is that sum, not a new one
            continue
        if (seen and _LOOT_REF.search(pre)) or _PART_OF.search(pre):
            # the loot referred back to (帮其取走××得来的10086元 after 骗取一万元), or a part of a sum just
            # named (从骗取到的10000元中抽出500元)
            continue
        verb = bool(verb_re.search(pre))
        if not verb and not _VALUED.search(pre) and any(
                es < sent and ev == a.yuan and not _PRETEXT.search(_clause(text, _at(ep, ev))[0]) for es, ev, ep in excluded):
            continue  # a sum set aside before, told again (约定每次1500元… 付了1500元); not a lie's sum
        day = _DAY.search(text[s_start : a.start])
        # the act that yields the sum: the words just before it (…向姜某甲借 / …向师某甲借)
        act = day.group(0) + "|" + _LEAD_NOISE.sub("", pre)[-2:] if day else ""
        if a.yuan in first_seen and not list_item and not again:
            seg0, verb0, act0, sent0 = first_seen[a.yuan]
            other_thing = sent0 != sent and _VALUED.search(pre) and not _ANAPHOR.search(pre)  # 价值1000余元的自行车… 价值1000余元的昆明犬
            if seg0 == seg and not (verb and verb0) and not other_thing and not (
                    act and act0 and act.split("|")[1] == act0.split("|")[1] and act.split("|")[0] != act0.split("|")[0]):
                continue  # the same money told twice (让其打100万元… 转账100万元), not the same act on another day
        first_seen.setdefault(a.yuan, (seg, verb, act, sent))
        first_idx.setdefault(a.yuan, len(items))
        if _NET.search(pre):
            # the net sum of the incident (收预付货款70万元…付308127元的提货票…从中诈骗22万元): it replaces
            # the gross sums and the payments back of its sentence
            # (the incident: its enumerated part, else its sentence)
            keep = [k for k, it in enumerate(items) if (it[1] != seg if seg else it[0] != sent)]
            items = [items[k] for k in keep]
            item_start = [item_start[k] for k in keep]
            totals = [t for t in totals if (t[1] != seg if seg else t[0] != sent)]
            first_idx = {v: k for k, (_, _, v) in reversed(list(enumerate(items)))}
        elif _ACTUAL.search(pre) and items and items[-1][0] == sent:
            # the sum actually handed over replaces the one named before it (借款10万元，（除去利息，实付8万元）)
            items.pop()
            item_start.pop()
        prev_role = "item"
        bucket.add(a.yuan)
        seen.add(a.yuan)
        items.append((sent, seg, a.yuan))
        item_start.append(a.start)
        kept_at[sent] = a.end
        s_end = lay.span(sent)[1]
        nxt = next((b.start for b in found if b.start > a.start), len(text))
        if attempt_re.search(pre + post) or attempt_re.search(text[a.end : min(s_end, nxt)]):
            attempted += a.yuan  # (the 未遂 after the next sum of the sentence is that sum's)
    # list items that add up to an excluded sum of their sentence are its breakdown (分别存入24270元及
    # 18700元，共归还42970元)
    for es, ev, ep in excluded:
        same = [k for k, it in enumerate(items) if it[0] == es and item_start[k] < ep]
        if len(same) >= 2 and abs(sum(items[k][2] for k in same) - ev) < 0.5:
            items = [it for k, it in enumerate(items) if k not in same]
            item_start = [p for k, p in enumerate(item_start) if k not in same]
    for es, ev, ep in excluded:
        if _REFUND.search(_clause(text, _at(ep, ev))[0]):
            back = [k for k, it in enumerate(items) if it[0] == es and item_start[k] < ep and it[2] <= ev]
            if back and len(back) < len(items):
                items = [it for k, it in enumerate(items) if k not in back]
                item_start = [p for k, p in enumerate(item_start) if k not in back]
    approx_at = {a.start: a.approx for a in found}
    drop = _restated_sums([v for _, _, v in items]) | _vehicle_or_loan(text, ends, item_start) \
        | _announced_breakdown(text, ends, items, item_start, approx_at) \
        | _breakdown_goes_on(found, items, item_start, broken_down)
    if drop:
        items = [it for k, it in enumerate(items) if k not in drop]
        item_start = [p for k, p in enumerate(item_start) if k not in drop]
    # a share paid to an accomplice, told again as his 分得 (汇款1万元给范某… 范某分得赃款10000元)
    shares = {ev for _, ev, ep in excluded if _SHARE.search(_clause(text, _at(ep, ev))[0])}
    if shares and any(v not in shares for _, _, v in items):
        items = [it for k, it in enumerate(items) if not (it[2] in shares and item_start[k] < max(
            ep for _, ev, ep in excluded if ev == it[2]))]
    item_vals = [v for _, _, v in items]
    excl_vals = [v for _, v, _ in excluded]
    if not items and not totals:
        # the amount is stated only where it is returned: 已将所骗的13000元退还
        told = {ev for _, ev, ep in excluded if _PROCEEDS.search(_clause(text, _at(ep, ev))[0])}
        if told:
            return AmountRead(float(sum(told)), 0.0, sorted(told), False, excl_vals)
        # the amount is stated only as the price of the deal the lie made (以58,000元的价格将装载机销售给骆某某,
        # 以1万元的价格将假错版币买下)
        deals = [ev for es, ev, ep in excluded if kind in ("fraud", "default") and _deal_price(text, ep)
                 and "毒" not in _sentence_of(text, ends, es)]  # (a drug deal's price is no crime amount)
        if deals:
            return AmountRead(float(sum(deals)), 0.0, deals, False, excl_vals)
    if totals:
        total = _by_parts(text, ends, items, item_start, totals)
        if total is None:
            total = _resolve_totals(text, ends, items, totals)
        return AmountRead(total, attempted, item_vals, True, excl_vals)
    if not items:
        return AmountRead(None, 0.0, item_vals, False, excl_vals)
    return AmountRead(float(sum(item_vals)), attempted, item_vals, False, excl_vals)
