"""Rules of law on what the amount is (``context.yaml`` ``legal``), applied before the reading."""

from __future__ import annotations

import re

from models.experts.amounts.context import _clause, _Layout
from models.experts.amounts.patterns import (
    _NAME_TOKEN,
    _NOT_SALE,
    _NUMBER_TAIL,
    _SALE_AFTER,
    _SALE_SUM,
    _TAKEN_REF,
    _re,
    amount_words,
)
from models.types import Amount


def _legal_rules(text: str, found: list[Amount], kind: str, lay: _Layout) -> tuple[set[int], set[int]]:
    """Rules of law on what the amount is (``context.yaml`` ``legal``): the starts of the sums to
    drop and of the sums to keep whatever words surround them.

    - 恶意透支 (2018 信用卡解释 第九条): when the facts name the principal not repaid (本金), it is the
      amount; the interest, fees and 本息 totals of its sentence and the gross overdraft told just before
      it in the same incident (透支27808.4元 … 拖欠本金27808.82元，利息…，合计…) are dropped;
    - a sale or pledge price of taken goods (销赃得款1700元, 以900元的价格卖给他人, 抵押获款3300元) counts
      when no value is stated for the goods between the taking and the sale (2013 盗窃解释 第四条: the
      appraised value, when there is one, is the amount);
    - 掩饰、隐瞒 of goods stolen in the same facts (明知是被告人曾2某犯罪所得…收购, 明知该车是周某××所得): the
      concealment's sums (its sentence, an appraisal right after it, a part headed 掩饰、隐瞒犯罪所得罪) are
      the same goods again and are dropped when the theft's own sums are told."""
    cfg = amount_words()["legal"]
    drop: set[int] = set()
    keep: set[int] = set()
    if not found:
        return drop, keep
    sent_of, seg_of, enum_pos = lay.sent, lay.seg, lay.parts
    pres = {a.start: _clause(text, a) for a in found}
    sents = lay.spans()
    # 1. overdraft: the principal
    if cfg["overdraft"] in text:
        pr, ret, oth = re.compile(cfg["principal"]), re.compile(cfg["principal_returned"]), re.compile(cfg["principal_others"])
        principals = [a for a in found if pr.search(pres[a.start][0]) and not ret.search(pres[a.start][0])]
        # a principal referred back to (催收上述所欠本金34064.22元) restates one told before; a balance dated
        # later in the same incident (截至2014年9月3日…结欠本金…) supersedes an earlier one (截至2013年8月3日…):
        # the principal not repaid nearest the 立案 is the amount
        # (…本金19010.43元及15053.79元: the sums listed after a principal are principals too)
        for a in found:
            if a not in principals and any(0 <= a.start - p.end <= 1 and text[p.end : a.start] in ("及", "、", "和", "与", "")
                                           for p in principals):
                principals.append(a)
        restated = [a for a in principals if re.search(r"(?:上述|前述)[^，。；]{0,6}本金", pres[a.start][0])]
        dated = [a for a in principals if a not in restated
                 and re.search(r"(?:截至|截止)\d{4}年", text[sents[sent_of(a.start)][0] : a.start])]
        for a in dated:  # (the later balance names the same cards: 上述两张信用卡…; other cards are told apart)
            if any(sent_of(b.start) > sent_of(a.start) and seg_of(b.start) == seg_of(a.start)
                   and re.search(r"上述|前述", text[sents[sent_of(b.start)][0] : b.start]) for b in dated):
                restated.append(a)
        drop.update(a.start for a in restated)
        principals = [a for a in principals if a not in restated]
        psent: dict[int, list[Amount]] = {}
        for a in principals:
            psent.setdefault(sent_of(a.start), []).append(a)
        for a in found:
            if a in principals:
                keep.add(a.start)
                continue
            if a in restated:
                continue
            pre = pres[a.start][0]
            ps = psent.get(sent_of(a.start), [])
            if ps and oth.search(pre):
                # (…本金为17510.43元及13553.79元，共计31064.22元: the principals' own total stays)
                if not (len(ps) >= 2 and abs(sum(p.yuan for p in ps) - a.yuan) < 0.5):
                    drop.add(a.start)
            elif cfg["overdraft"] in pre and any(0 < p.start - a.start <= 400 and seg_of(p.start) == seg_of(a.start)
                                                 for p in principals):
                drop.add(a.start)
    # 3. concealment of the goods stolen in the same facts
    conc = re.compile(cfg["concealment"])
    # (×× masks the crime verb in CAIL facts: a taking for the theft and concealment experts only)
    taking = re.compile(cfg["taking"] + ("|××" if kind in ("theft", "concealment") else ""))
    is_conc = [bool(conc.search(text[lo:hi])) for lo, hi in sents]
    if any(is_conc):
        same_re = re.compile(cfg["same_goods"])
        thieves: set[str] = set()
        for k, (lo, hi) in enumerate(sents):
            if not is_conc[k] and re.search(cfg["taking"] + "|××", text[lo:hi]):
                thieves.update(_NAME_TOKEN.findall(text[lo:hi]))
        conc_sents: set[int] = set()
        for k, (lo, hi) in enumerate(sents):
            if not is_conc[k]:
                continue
            seg_head = text[enum_pos[seg_of(lo) - 1] : enum_pos[seg_of(lo) - 1] + 20] if seg_of(lo) else ""
            m = re.search("明知", text[lo:hi])
            tail = text[lo + m.end() : hi] if m else text[lo:hi]
            same = bool(same_re.match(tail) or re.match(r"(?:是|系|为)?(?:被告人)?(?:该|上述|前述)", tail)
                        or any(n in thieves for n in _NAME_TOKEN.findall(tail))
                        or (k > 0 and not is_conc[k - 1] and re.search(r"盗|窃|偷|抢|夺|劫", text[sents[k - 1][0]:sents[k - 1][1]])
                            and re.match(r"(?:是|系)?(?:犯罪|赃物|××)", tail) is not None and seg_of(lo) == seg_of(sents[k - 1][0])))
            if not same:
                continue
            conc_sents.add(k)
            if k + 1 < len(sents) and re.match(r"\s*经[^，。；]{0,20}(?:鉴定|认定|评估|估价)", text[sents[k + 1][0]:sents[k + 1][1]]):
                conc_sents.add(k + 1)
            if "掩饰" in seg_head or "隐瞒" in seg_head:
                s0 = enum_pos[seg_of(lo) - 1]
                s1 = enum_pos[seg_of(lo)] if seg_of(lo) < len(enum_pos) else len(text)
                conc_sents.update(j for j, (a0, _) in enumerate(sents) if s0 <= a0 < s1 or a0 < s0 < sents[j][1])
        in_conc = {a.start for a in found if sent_of(a.start) in conc_sents}
        # (only when the theft's own sums are told: a concealment alone keeps its sums)
        if in_conc and any(a.start not in in_conc and re.search(cfg["taking"] + "|××", text[sents[sent_of(a.start)][0]:a.start])
                           for a in found):
            drop |= in_conc
    # a value the victim claims (汪某某称黄金项链…价值1.6万元) when the goods could not be appraised
    # (无法进行价格认证) is no appraised value: dropped, and the sale price shows what they were worth
    if re.search(cfg["unappraised"], text):
        claimed = re.compile(cfg["claimed_value"])
        for a in found:
            k = sent_of(a.start)
            if claimed.search(text[sents[k][0] : a.start]):
                drop.add(a.start)
    # 2. a sale price counts when the goods have no stated value
    sale_re, valued = _re(cfg["sale_price"]), re.compile(cfg["valued"])
    for a in found:
        if a.start in drop:
            continue
        k = sent_of(a.start)
        lo, hi = sents[k]
        pre, post = pres[a.start]
        head, after = text[lo : a.start], text[a.end : min(hi, a.end + 16)]
        is_sale = (bool(_SALE_SUM.search(pre)) and bool(sale_re.search(head[-40:]))) or bool(
            _SALE_AFTER.match(_NUMBER_TAIL.sub("", after, count=1)) and pre.endswith(("以", "以人民币")))
        if not is_sale or _NOT_SALE.search(pre + post) or "毒" in text[lo:hi]:
            continue
        # the incident: back to the sentence that tells the taking (concealment sentences skipped), and an
        # appraisal sentence right after
        j = k
        while j >= 0 and not (not is_conc[j] and taking.search(
                _TAKEN_REF.sub("", text[sents[j][0] : a.start if j == k else sents[j][1]]))):
            j -= 1
        if j < 0 or k - j > 3:
            continue
        last = k
        for n in (k + 1, k + 2):  # an appraisal told after the sale (…销赃得款6900余元。…。经…鉴定，…价值共计26563元)
            # (also …除笔记本电脑无法估价外，其他物品经鉴定价值2027.9元)
            if n < len(sents) and re.search(r"经[^，。；]{0,20}(?:鉴定|认定|评估|估价|认证)", text[sents[n][0]:sents[n][1]]):
                last = n
        window = [b for b in found if sents[j][0] <= b.start < sents[last][1] and b.start != a.start
                  and b.start not in drop]
        if any(valued.search(pres[b.start][0]) or valued.search(text[max(sents[sent_of(b.start)][0], b.start - 16) : b.start])
               for b in window) or valued.search(after):
            continue
        keep.add(a.start)
    return drop, keep
