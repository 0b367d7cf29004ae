"""Sentences: the judged sentence in a verdict (判决主文), the recommended sentence
(量刑建议 / "建议判处…"), and the term dates stated after a sentence ("即自…起至…止").

Every result carries its span in the original document (``offset`` is added to the positions in
the text passed in). When a value cannot be read with confidence it is left ``None``.

Parsing works on a *masked* copy of the text of the same length: everything inside brackets
（…） and quotes “…” is replaced, so notes such as "（罚金已缴纳）" or "（刑期从…计算）", and the
quoted original judgment in a second-instance verdict, cannot be taken for sentence terms.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from models.extract.durations import DURATION_RE, parse_duration_months
from models.extract.numerals import to_int, to_number, year_digits
from models.types import Mention, SentenceTerm

MASK = "〓"

# --------------------------------------------------------------------------- result types


@dataclass
class JudgedSentences:
    """What a verdict decides for one defendant.

    ``final`` is the sentence to execute (the single sentence for one charge — the same object as
    ``parts[0]`` — or the 决定执行 sentence with ``combined=True`` for 数罪并罚); ``None`` when it
    cannot be determined. ``parts`` are the per-charge sentences with ``charge`` set.
    """

    name: str
    final: SentenceTerm | None = None
    parts: list[SentenceTerm] = field(default_factory=list)


@dataclass
class TermDates(Mention):
    """A term clause after a sentence: "（刑期从判决执行之日起计算…即自A起至B止。）".

    kind: ``term`` (刑期…) or ``probation`` (缓刑考验期限，从判决确定之日起计算).
    ``credits``: custody credit rules stated, as (measure, days of measure, days of term):
    ("羁押", 1, 1), ("监视居住", 2, 1), ("羁押", 1, 2) for 管制.
    """

    name: str = ""
    kind: str = "term"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    from_span: tuple[int, int] | None = None
    to_span: tuple[int, int] | None = None
    credits: list[tuple[str, int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- regexes

_DUR = rf"(?:{DURATION_RE})(?![零〇一二两三四五六七八九十0-9]{{0,3}}[日天])"
_AMOUNT = (
    r"(?P<amt>(?:[0-9０-９][0-9０-９.．,，]*万?|[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬]+))元"
)
_MIN_TERM = {"有期徒刑": 6, "拘役": 1, "管制": 3}
_MAX_TERM = {"有期徒刑": 180, "拘役": 6, "管制": 24}

_PENALTY = re.compile(
    rf"(?P<death>死刑)(?:[，,]?\s*(?P<susp>缓期(?:二|两|2)年执行))?"
    rf"|(?P<life>无期徒刑)"
    rf"|(?P<pen>有期徒刑|拘役|管制)\s*(?P<dur>{_DUR})?"
    rf"|(?P<exempt>免[予于除]刑事处罚|免[予于除]处罚)"
)
_PROBATION = re.compile(rf"(?<!撤销)(?:宣告)?缓刑(?:考验期(?:限)?)?(?:为)?\s*(?P<dur>{_DUR})")
_PROBATION_BARE = re.compile(r"(?<!撤销)(?<!不)(?<!不予)(?<!不宜)(?:宣告|适用)缓刑")
_FINE = re.compile(rf"罚金(?:款)?(?:为)?(?:人民币)?\s*{_AMOUNT}")
_CONFISCATE = re.compile(
    rf"没收(?:被告人)?(?:其)?(?P<all>个人全部财产|全部个人财产|全部财产)"
    rf"|没收(?:其)?(?:个人)?财产(?:人民币)?\s*{_AMOUNT}"
)
_POLITICAL = re.compile(rf"剥夺政治权利\s*(?:(?P<life>终身)|(?P<dur>{_DUR}))")

_ITEM = re.compile(r"(?:^|(?<=[\s。；;：:〓]))[一二三四五六七八九十]{1,3}[、．]")
_SKIP_ITEM = re.compile(r"\s*(?:撤销|维持|驳回|准许|核准|发回)")
_CHARGE = re.compile(r"犯有?(?P<charge>[^，,。；;\s〓]{1,40}?)罪(?=[，,；;。：:\s〓]|判处|免[予于除]|单处|并处)")
_NAME_CHARS = r"[^\s，,。；;、：:〓（）()“”\"]"
_ANCHOR_RE = re.compile(
    rf"(?:被告人|上诉人|原审被告人|被告单位)〓*(?P<name>{_NAME_CHARS}{{1,15}}?)(?=犯有?[^，,。；;\s〓]{{1,40}}?罪)"
)
_ITEM_ANCHOR_RE = re.compile(
    r"(?:^|(?<=[一二三四五六七八九十][、．]))\s*(?P<name>[\u4e00-\u9fffA-Za-z0-9×]{2,4}?)(?=犯有?[^，,。；;\s〓]{1,40}?罪)"
)
_DECIDE = re.compile(r"决定(?:合并)?执行|合并执行")
_PRIOR = re.compile(
    r"(?<=[，,；;。\s])\s*(?:(?:并|应)?与|连同|和)(?=[^，,；;。]{0,25}?(?:前罪|原犯|原判|前犯|原审|未执行|余刑|剩余|前判|所判|缓刑))"
    r"|(?<=[，,；;。\s])\s*(?:原犯|前犯|原判|前罪|撤销[^，,；;。]{0,40}?缓刑)"
)
_CONTINUATION = re.compile(r"[\s〓]*(?:并处|单处|罚金(?:款)?(?:人民币)?[0-9零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖]|没收个人|没收财产|剥夺|缓刑|宣告缓刑)")
_SENT_END = re.compile(r"[。；;]")

_OPEN = "（(“‘「『〔【"
_CLOSE = "）)”’」』〕】"


def _mask(text: str) -> str:
    """Replace bracketed / quoted content (and the marks) with MASK; same length as text."""
    out = list(text)
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            j = stack.pop()
            if not stack:
                for k in range(j, i + 1):
                    out[k] = MASK
    # unclosed bracket: mask at most 200 chars, stopping at a closing mark of another kind
    if stack:
        j = stack[0]
        for k in range(j, min(len(text), j + 200)):
            out[k] = MASK
    return "".join(out)


# --------------------------------------------------------------------------- term parsing


def _amount(m: re.Match[str]) -> float | None:
    s = m.group("amt").replace("，", "").replace(",", "")
    return to_number(s)


def _parse_term(masked: str, orig: str, s: int, e: int, offset: int) -> SentenceTerm | None:
    """Read one sentence (penalty, probation, fine, …) in ``masked[s:e]``; None if none there."""
    seg = masked[s:e]
    t = SentenceTerm(start=s + offset, end=e + offset, text="")
    last = 0
    found = False
    m = _PENALTY.search(seg)
    if m:
        found = True
        last = max(last, m.end())
        if m.group("death"):
            t.penalty = "死刑"
            t.suspended_death = bool(m.group("susp"))
        elif m.group("life"):
            t.penalty = "无期徒刑"
        elif m.group("exempt"):
            t.penalty = "免予刑事处罚"
        else:
            t.penalty = m.group("pen")
            if m.group("dur"):
                t.term_months = parse_duration_months(m.group("dur"))
    after = m.end() if m else 0
    pm = _PROBATION.search(seg, after)
    if pm:
        t.probation = True
        t.probation_months = parse_duration_months(pm.group("dur"))
        last = max(last, pm.end())
    elif _PROBATION_BARE.search(seg, after):
        t.probation = True
    fm = _FINE.search(seg)
    if fm:
        t.fine_yuan = _amount(fm)
        found = found or t.fine_yuan is not None
        last = max(last, fm.end())
    cm = _CONFISCATE.search(seg)
    if cm:
        if cm.group("all"):
            t.confiscation_all = True
        else:
            t.confiscation_yuan = _amount(cm)
        last = max(last, cm.end())
    rm = _POLITICAL.search(seg)
    if rm:
        if rm.group("life"):
            t.political_rights_life = True
        else:
            t.political_rights_months = parse_duration_months(rm.group("dur"))
        last = max(last, rm.end())
    if not found:
        return None
    t.end = s + last + offset
    t.text = orig[s : s + last]
    return t


def _segment_end(masked: str, start: int, limit: int) -> int:
    """End of the sentence beginning at ``start``: the first 。/； not followed by a continuation
    of the same sentence (并处罚金…, 剥夺政治权利…), or ``limit``."""
    pos = start
    while True:
        m = _SENT_END.search(masked, pos, limit)
        if not m:
            return limit
        if _CONTINUATION.match(masked, m.end()):
            pos = m.end()
            continue
        return m.start()


# --------------------------------------------------------------------------- judged sentences


def _name_anchors(masked: str, names: list[str] | None) -> list[tuple[int, int, str]]:
    """Positions where a defendant's sentence starts: (start, end of name, name)."""
    found: dict[int, tuple[int, int, str]] = {}
    known = sorted({n for n in (names or []) if n}, key=len, reverse=True)
    if known:
        pat = re.compile("(?:" + "|".join(re.escape(n) for n in known) + r")(?=犯)")
        for m in pat.finditer(masked):
            found[m.start()] = (m.start(), m.end(), m.group(0))
    for rx in (_ANCHOR_RE, _ITEM_ANCHOR_RE):
        for m in rx.finditer(masked):
            name = m.group("name")
            st = m.start("name")
            if any(a <= st < b or st <= a < m.end("name") for a, b, _ in found.values()):
                continue
            for k in known:  # "自报安旭" → "安旭"
                if name.endswith(k):
                    name = k
                    break
            if name.startswith(("撤销", "维持", "对", "责令", "扣押", "查获", "缴获", "随案")):
                continue
            found[st] = (st, m.end("name"), name)
    return [found[k] for k in sorted(found)]


def extract_judged(
    verdict_text: str, offset: int = 0, names: list[str] | None = None
) -> dict[str, JudgedSentences]:
    """Judged sentences per defendant from the verdict (判决主文: the text after "判决如下：").

    Keys are defendant names as written ("" when the verdict names nobody). Items of a
    second-instance verdict that quote the original judgment (撤销… / 维持…) are ignored, as are
    prior sentences merged into a 决定执行 one ("与前罪…并罚") and non-penalty items (追缴, 没收违法
    所得, 责令退赔, 扣押物品).
    """
    text = verdict_text
    masked = _mask(text)
    n = len(text)

    # events: (pos, end, kind, payload)
    events: list[tuple[int, int, str, str]] = []
    skip_ranges: list[tuple[int, int]] = []
    items = [m for m in _ITEM.finditer(masked)]
    bounds = [m.start() for m in items] + [n]
    for i, m in enumerate(items):
        events.append((m.start(), m.end(), "item", ""))
        if _SKIP_ITEM.match(masked, m.end()):
            skip_ranges.append((m.start(), bounds[i + 1]))
    if _SKIP_ITEM.match(masked, 0):
        end0 = bounds[0] if items else n
        skip_ranges.append((0, end0))

    def skipped(p: int) -> bool:
        return any(a <= p < b for a, b in skip_ranges)

    for a, b, name in _name_anchors(masked, names):
        events.append((a, b, "anchor", name))
    for m in _CHARGE.finditer(masked):
        events.append((m.start(), m.end(), "charge", m.group("charge")))
    for m in _DECIDE.finditer(masked):
        events.append((m.start(), m.end(), "decide", ""))
    for m in _PRIOR.finditer(masked):
        events.append((m.start(), m.end(), "prior", ""))
    events = [e for e in events if not skipped(e[0])]
    events.sort(key=lambda e: (e[0], {"item": 0, "anchor": 1, "charge": 2, "prior": 3, "decide": 4}[e[2]]))

    result: dict[str, JudgedSentences] = {}
    decided: dict[str, SentenceTerm] = {}
    current: str | None = None
    anchor_start: int | None = None
    in_prior = False
    for idx, (pos, end, kind, payload) in enumerate(events):
        nxt = n
        for later in events[idx + 1 :]:
            if later[2] in ("item", "anchor", "charge", "decide", "prior") and later[0] >= end:
                if in_prior and kind != "decide" and later[2] == "charge":
                    continue
                nxt = later[0]
                break
        for a, _b in skip_ranges:
            if end <= a < nxt:
                nxt = a
        if kind == "item":
            current, anchor_start, in_prior = None, None, False
            continue
        if kind == "anchor":
            current, anchor_start, in_prior = payload, pos, False
            continue
        if kind == "prior":
            in_prior = True
            continue
        if kind == "charge":
            if in_prior:
                continue
            if current is None:
                current = ""
            seg_end = _segment_end(masked, end, nxt)
            term = _parse_term(masked, text, end, seg_end, offset)
            if term is None:
                continue
            term.charge = payload
            st = anchor_start if anchor_start is not None and anchor_start < pos else pos
            term.start = st + offset
            term.text = text[st : term.end - offset]
            anchor_start = None
            result.setdefault(current, JudgedSentences(name=current)).parts.append(term)
            continue
        if kind == "decide":
            in_prior = False
            if current is None:
                current = "" if len(result) != 1 else next(iter(result))
            seg_end = _segment_end(masked, end, nxt)
            term = _parse_term(masked, text, end, seg_end, offset)
            if term is None:
                continue
            term.combined = True
            term.start = pos + offset
            term.text = text[pos : term.end - offset]
            decided.setdefault(current, term)
            result.setdefault(current, JudgedSentences(name=current))

    for name, js in result.items():
        if name in decided:
            js.final = decided[name]
        elif len(js.parts) == 1:
            js.final = js.parts[0]
    return result


# --------------------------------------------------------------------------- recommended


_REC_START = re.compile(r"建议(?!书)")
_REC_STOP = re.compile(r"[；;](?!\s*(?:对|被告人|被告单位))|的量刑建议|的量刑意见|的辩护意见|的意见|判决如下|辩护人|。|提请|诉请|该量刑建议|量刑建议[，,]")
_DEFENCE_BEFORE = re.compile(r"辩护人|辩称|辩护意见|代理人|请求|上诉人提出|被告人[^，。]{0,10}提出|二审")
# who is speaking: a defence marker earlier in the paragraph excludes the recommendation unless its
# own sentence names the prosecution ("公诉机关建议…")
_SPEAKER = re.compile(r"(?P<defence>辩护人|辩护意见|辩称|诉讼代理人|上诉理由)|(?P<prosecution>公诉机关|检察院|公诉人|检察员|量刑建议)")
_REC_BAD = re.compile(r"辩护意见|不予采纳|不予采信|判决如下|过重|过轻")
_REC_NAME = re.compile(
    r"(?:被告人|被告单位)(?!判处|在|处|犯|的|以|均|分别|适用|从轻|减轻)(?P<name>[^\s，,。；;、：:（）()]{1,15}?)"
    r"(?=[、，,。在犯的所]|判处|处|有期|拘役|管制|从轻|减轻|适用|宣告|免[予于除]|以[上下]|以.{1,12}罪"
    r"|[一二三四五六七八九十两0-9][零一二三四五六七八九十两0-9]*(?:年|个?月|至)|$)"
)
_PEN_WORD = r"(?:有期徒刑|拘役|管制)"
_RANGE_TO = r"\s*(?:至|到|—|－|-|～|~)\s*"
_REC_RANGE = re.compile(
    rf"(?P<p1>{_PEN_WORD})?\s*(?P<d1>{_DUR}|[零〇一二两三四五六七八九十0-9]{{1,3}})(?:以上)?{_RANGE_TO}"
    rf"(?P<p2>{_PEN_WORD})?\s*(?P<d2>{_DUR})(?:以下)?(?:的?(?:幅度|区间|范围))?\s*(?P<p3>{_PEN_WORD})?"
)
_REC_ABOVE_BELOW = re.compile(
    rf"(?P<p1>{_PEN_WORD})?\s*(?P<d1>{_DUR})以上[，,\s]*(?:(?:至|到)\s*)?(?P<p2>{_PEN_WORD})?\s*(?P<d2>{_DUR})以下\s*(?P<p3>{_PEN_WORD})?"
)
_REC_BELOW = re.compile(rf"(?P<p1>{_PEN_WORD})?\s*(?P<d1>{_DUR})以(?:下|内)\s*(?P<p3>{_PEN_WORD})?")
_REC_ABOVE = re.compile(rf"(?P<p1>{_PEN_WORD})?\s*(?P<d1>{_DUR})以上\s*(?P<p3>{_PEN_WORD})?")
_REC_ABOUT = re.compile(rf"(?P<p1>{_PEN_WORD})\s*(?P<d1>{_DUR})左右|(?P<d2>{_DUR})左右(?P<p3>{_PEN_WORD})")
_REC_FIXED = re.compile(rf"(?P<p1>{_PEN_WORD})\s*(?P<d1>{_DUR})|(?P<d2>{_DUR})(?P<p3>{_PEN_WORD})")
_REC_FINE_RANGE = re.compile(
    rf"罚金(?:人民币)?\s*(?P<a1>[0-9０-９][0-9０-９.，,]*万?|[零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟]+)元?(?:以上)?"
    rf"{_RANGE_TO}(?:人民币)?\s*{_AMOUNT}(?:以下)?"
)
_REC_NO_PROBATION = re.compile(r"不(?:予|宜)?适用缓刑|不宜宣告缓刑")
_REC_TERM_START = re.compile(rf"{_PEN_WORD}|{_DUR}|罚金|缓刑")
_ALL_DEFENDANTS = re.compile(r"[二两三四五六七八九十]名?被告人|各被告人|上述被告人|均")
_SEVERAL = re.compile(r"[二两三四五六七八九十]名?被告人|各被告人|上述被告人")


def _rec_term(seg: str, strict: bool = False) -> SentenceTerm | None:
    """The sentence recommended in one clause (masked text); positions relative to ``seg``.

    ``strict`` (a quotation inside a judgment): a range across penalty types gives None rather
    than a guessed penalty."""
    t = SentenceTerm(start=0, end=0, text="")
    found_end = 0
    penalty_words = re.findall(_PEN_WORD, seg)
    if len(set(penalty_words)) > 1 and strict:
        return None
    if len(set(penalty_words)) > 1:
        # 拘役五个月至有期徒刑八个月 / 一年以下有期徒刑或拘役: a cross-type range — keep no term
        t.penalty = "有期徒刑" if "有期徒刑" in penalty_words else penalty_words[0]
        m = None
        found_end = max(seg.rfind(w) + len(w) for w in set(penalty_words))
    else:
        m = None
        kind = ""
        for rx, rx_kind in (
            (_REC_ABOVE_BELOW, "range"),
            (_REC_RANGE, "range"),
            (_REC_BELOW, "below"),
            (_REC_ABOUT, "about"),
            (_REC_ABOVE, "above"),
            (_REC_FIXED, "fixed"),
        ):
            m = rx.search(seg)
            if m:
                kind = rx_kind
                break
        if m:
            gd = m.groupdict()
            pen = gd.get("p1") or gd.get("p2") or gd.get("p3") or (penalty_words[0] if penalty_words else None)
            if pen is None:
                return None
            t.penalty = pen
            found_end = m.end()
            if kind == "range":
                d2 = parse_duration_months(m.group("d2"))
                raw1 = m.group("d1")
                d1 = parse_duration_months(raw1)
                if d1 is None and d2 is not None and re.fullmatch(r"[零〇一二两三四五六七八九十0-9]{1,3}", raw1):
                    unit = "年" if m.group("d2").endswith("年") else "个月"
                    if m.group("d2").endswith("年") or m.group("d2").endswith("月"):
                        d1 = parse_duration_months(raw1 + unit)
                if d1 is not None and d2 is not None and d1 <= d2:
                    t.term_range_months = (d1, d2)
            elif kind == "below":
                if strict and pen == "有期徒刑":
                    # "七个月以下有期徒刑" quoted by a court that then gives 拘役 and calls the
                    # recommendation adopted: the lower bound (and type) is not stated
                    return None
                d = parse_duration_months(m.group("d1"))
                lo = _MIN_TERM.get(pen)
                if d is not None and lo is not None and lo <= d:
                    t.term_range_months = (lo, d)
            elif kind == "above":
                d = parse_duration_months(m.group("d1"))
                hi = _MAX_TERM.get(pen)
                if d is not None and hi is not None and d <= hi:
                    t.term_range_months = (d, hi)
            elif kind == "fixed":
                t.term_months = parse_duration_months(m.group("d1") or m.group("d2"))
            # "…左右" is approximate: the penalty is known, the term is not
        elif penalty_words:
            t.penalty = penalty_words[0]
            found_end = seg.find(penalty_words[0]) + len(penalty_words[0])
        else:
            ex = re.search(r"免[予于除]刑事处罚", seg)
            if ex and not re.search(r"或(?:者)?免[予于除]", seg):
                t.penalty = "免予刑事处罚"
                found_end = ex.end()
    pm = _PROBATION.search(seg)
    if _REC_NO_PROBATION.search(seg):
        t.probation = False
    elif pm:
        t.probation = True
        t.probation_months = parse_duration_months(pm.group("dur"))
        found_end = max(found_end, pm.end())
    elif re.search(r"(?:适用|宣告|判处)缓刑", seg):
        t.probation = True
        found_end = max(found_end, re.search(r"(?:适用|宣告|判处)缓刑", seg).end())  # type: ignore[union-attr]
    fr = _REC_FINE_RANGE.search(seg)
    if fr:
        a1 = to_number(fr.group("a1").replace("，", "").replace(",", ""))
        a2 = _amount(fr)
        if a1 is not None and a2 is not None and a1 <= a2:
            t.fine_range_yuan = (a1, a2)
        found_end = max(found_end, fr.end())
    else:
        fm = _FINE.search(seg)
        if fm:
            t.fine_yuan = _amount(fm)
            found_end = max(found_end, fm.end())
    if t.penalty is None and t.fine_yuan is None and t.fine_range_yuan is None:
        if re.search(r"(?:判处|单处)罚金", seg) and not re.search(r"或(?:者)?单处罚金", seg):
            found_end = max(found_end, seg.find("罚金") + 2)
        else:
            return None
    t.end = found_end
    return t


def extract_recommended(
    text: str, offset: int = 0, names: list[str] | None = None, quoted: bool = False
) -> dict[str, SentenceTerm]:
    """Recommended sentences ("建议判处被告人×××有期徒刑一年至一年六个月，并处罚金…") per defendant.

    Works on a 量刑建议书's recommendation section and on the accusation part of a judgment where
    the court quotes it. Ranges go to ``term_range_months`` ("以下" alone gives the penalty's
    statutory minimum as the low bound; "以上" alone its maximum as the high bound); fixed terms
    to ``term_months``; "…左右" gives the penalty without a term. Statements by the defence
    (辩护人…建议…) are ignored. The key is the defendant's name, or "" when the clause names nobody
    (对其 / one defendant). The first recommendation found for a defendant wins.

    ``quoted``: the text is a judgment quoting the recommendation. A quotation is often a summary,
    so it is read only when unambiguous: one range for several defendants ("建议对二被告人判处…",
    "建议判处被告人甲、乙…") without 均 and a range across penalty types give nothing.
    """
    masked = _mask(text)
    known = sorted({n for n in (names or []) if n}, key=len, reverse=True)
    out: dict[str, SentenceTerm] = {}
    for m in _REC_START.finditer(masked):
        start = m.start()
        sent_start = max(masked.rfind("。", 0, start), masked.rfind("；", 0, start)) + 1
        if _DEFENCE_BEFORE.search(masked, sent_start, start):
            continue
        para_start = max(masked.rfind(" ", 0, start), masked.rfind("\n", 0, start)) + 1
        defence = any(x.group("defence") for x in _SPEAKER.finditer(masked, para_start, start))
        own = any(x.group("prosecution") for x in _SPEAKER.finditer(masked, sent_start, start))
        if defence and not own:
            continue
        stop = _REC_STOP.search(masked, m.end())
        end = stop.start() if stop else min(len(masked), m.end() + 200)
        sent_end = masked.find("。", m.end())
        sent_end = len(masked) if sent_end < 0 else sent_end
        if _REC_BAD.search(masked, m.end(), sent_end):
            continue
        clause = masked[m.end() : end]
        if "建议" in clause:
            # "…；对被告人乙建议判处…": the next recommendation (of another subject) starts its own
            # clause; "…，并建议适用缓刑" goes on with this one
            nxt = clause.find("建议")
            cut = max(clause.rfind(c, 0, nxt) for c in "；;，,")
            if cut <= 0:
                clause = ""
            elif re.search(r"被告人|被告单位|对", clause[cut:nxt]) or re.match(r"建议(?:对|判处被告人)", clause[nxt:]):
                clause = clause[:cut]
        if not clause:
            continue
        # "对被告人甲建议判处…": the subject stands before 建议 in its clause
        clause_start = max(masked.rfind(c, sent_start, start) for c in "；;，,：:") + 1
        lead = masked[max(clause_start, sent_start) : start]
        subject = re.fullmatch(r"\s*对?((?:被告人|被告单位)[^，,；;。]{1,15}?)\s*", lead)
        # split into sub-clauses, one per "对被告人X…" subject, or "；被告人乙有期徒刑…" under one 建议
        cuts = [0]
        for sm in re.finditer(r"[；;，,]\s*对(?=被告人|原审被告人|被告单位|其|[\u4e00-\u9fff]{2,4}(?:判处|在))"
                              r"|[；;]\s*(?=被告人|被告单位)", clause):
            cuts.append(sm.start() + 1)
        cuts.append(len(clause))
        pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
        charge_heads = re.findall(r"犯[^，,。；;]{1,30}?罪", masked[m.end() : sent_end])
        if len(charge_heads) > 1:
            continue  # per-charge recommendations (数罪) without a combined one: ambiguous
        for a, b in pieces:
            sub = clause[a:b]
            term = _rec_term(sub, strict=quoted)
            if term is None:
                continue
            who: list[str] = []
            first = _REC_TERM_START.search(sub)
            head = sub[: first.start()] if first else sub
            if a > 0 and re.match(r"\s*(?:被告人|被告单位)", sub) and not re.fullmatch(
                    r"\s*(?:被告人|被告单位)[^，,；;。]{1,15}?(?:判处|处)?\s*", head):
                continue  # "；被告人乙系从犯…": not a recommendation under the same 建议
            if a == 0 and subject:
                head = subject.group(1) + head
            if known:
                who = [k for k in known if k in head]
                if not who and _ALL_DEFENDANTS.search(head):
                    who = list(known)
            else:
                who = [x.group("name") for x in _REC_NAME.finditer(head + "。")]
                for x in re.finditer(r"、([\u4e00-\u9fff]{2,4}?)(?=[在犯的、]|判处|处|有期|拘役|管制|。$)", head + "。"):
                    if x.group(1) not in who:
                        who.append(x.group(1))
                if not who:
                    nm = re.match(r"对([\u4e00-\u9fff]{2,3}?)(?=判处|在|犯)", head)
                    if nm and not nm.group(1).startswith(("其", "被告")):
                        who = [nm.group(1)]
                    else:
                        nm = re.match(r"判处([\u4e00-\u9fff]{2,3}?)(?=有期徒刑|拘役|管制|[一二三四五六七八九十两0-9]|。$)", head + "。")
                        if nm:
                            who = [nm.group(1)]
            if quoted and (len(who) > 1 or _SEVERAL.search(head)) and not re.search(r"均|分别", head):
                continue  # one sentence summarising several defendants' recommendations
            if not who:
                who = [""]
            abs_start = m.start()
            abs_end = m.end() + a + term.end
            for w in who:
                if w in out:
                    continue
                out[w] = SentenceTerm(
                    start=abs_start + offset,
                    end=abs_end + offset,
                    text=text[abs_start:abs_end],
                    penalty=term.penalty,
                    term_months=term.term_months,
                    term_range_months=term.term_range_months,
                    probation=term.probation,
                    probation_months=term.probation_months,
                    fine_yuan=term.fine_yuan,
                    fine_range_yuan=term.fine_range_yuan,
                )
    return out


# --------------------------------------------------------------------------- term dates

_CN_DAY = r"[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3}"
_DATE = rf"(?P<Gf>(?P<Gy>[0-9０-９〇○Ｏ零一二三四五六七八九]{{4}})年(?P<Gm>{_CN_DAY})月(?P<Gd>{_CN_DAY})日?)"
_DATE_FROM = _DATE.replace("<G", "<a")
_DATE_TO = _DATE.replace("<G", "<b")
_TERM_CLAUSE = re.compile(r"(?:(?:管制|拘役|有期徒刑)的)?刑期[，,]?\s*(?:自|从)[^，。；]{0,12}?(?:之日)?起?(?:计算|起算)")
_PROB_CLAUSE = re.compile(r"缓刑(?:的)?考验期(?:限)?[，,]?\s*(?:均)?(?:从|自)[^，。；]{0,12}?(?:之日)?起?(?:计算|起算)")
_RANGE = re.compile(
    rf"(?P<lead>即)?(?:被告人[^，。；]{{1,12}}?的刑期)?(?:刑期)?(?:即)?(?:自|从)\s*{_DATE_FROM}\s*(?:起)?[，,]?\s*(?:至|到)\s*{_DATE_TO}\s*止?"
)
_CREDIT = re.compile(
    r"(?P<what>指定居所监视居住|监视居住|羁押)[^，,。；;]{0,8}?(?P<a>[一二两三]|[1-3])日[，,]?折抵刑期(?P<b>[一二两三]|[1-3])日"
)
_CLAUSE_NAME = re.compile(r"被告人(?P<names>[^，。；（）()]{1,30}?)的(?:刑期|缓刑考验期)")


_YEAR_FIX = str.maketrans({"○": "〇", "Ｏ": "〇"})


def _date(m: re.Match[str], g: str) -> dt.date | None:
    y = year_digits(m.group(g + "y").translate(_YEAR_FIX))
    mo = to_int(m.group(g + "m"))
    d = to_int(m.group(g + "d"))
    if y is None or mo is None or d is None:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def extract_term_dates(
    text: str, offset: int = 0, names: list[str] | None = None
) -> list[TermDates]:
    """Term clauses after the sentences of a verdict, in order.

    For "刑期从判决执行之日起计算…即自A起至B止" gives ``kind="term"`` with the dates (None when the
    clause states none, or when they do not form a valid date); for "缓刑考验期限，从判决确定之日起
    计算" ``kind="probation"``. ``name`` is the defendant the clause belongs to (the nearest
    preceding sentence's defendant, or the one named inside it); "" when the text names nobody.
    """
    masked = _mask(text)
    anchors = _name_anchors(masked, names)
    known = [n for n in (names or []) if n]
    out: list[TermDates] = []
    clauses = [(m, "term") for m in _TERM_CLAUSE.finditer(text)] + [
        (m, "probation") for m in _PROB_CLAUSE.finditer(text)
    ]
    clauses.sort(key=lambda c: c[0].start())
    for i, (m, kind) in enumerate(clauses):
        c_start = m.start()
        nxt = clauses[i + 1][0].start() if i + 1 < len(clauses) else len(text)
        # the clause ends at its closing bracket, or at the end of the sentence
        close = text.find("）", m.end(), nxt)
        stop = close if close >= 0 else nxt
        if close < 0:
            per = re.search(r"[。]", text[m.end() : nxt])
            stop = m.end() + per.end() if per else min(nxt, m.end() + 200)
        stop = min(stop, nxt)
        seg = text[c_start:stop]
        td = TermDates(start=c_start + offset, end=stop + offset, text=seg, kind=kind)
        if kind == "term":
            best = None
            for r in _RANGE.finditer(seg):
                pre = seg[max(0, r.start() - 3) : r.start()]
                if "折抵" in pre and not r.group("lead"):
                    continue  # "…折抵自A至B" credits a custody period; "…予以折抵，即自A起至B止" is the term
                if best is None or r.group("lead"):
                    best = r
            if best is not None:
                td.date_from = _date(best, "a")
                td.date_to = _date(best, "b")
                td.from_span = (c_start + best.start("af") + offset, c_start + best.end("af") + offset)
                td.to_span = (c_start + best.start("bf") + offset, c_start + best.end("bf") + offset)
            for c in _CREDIT.finditer(seg):
                what = "监视居住" if "监视居住" in c.group("what") else "羁押"
                a, b = to_int(c.group("a")), to_int(c.group("b"))
                if a and b:
                    td.credits.append((what, a, b))
        inner = _CLAUSE_NAME.search(text, max(0, c_start - 20), stop)
        who: list[str] = []
        if inner:
            raw = inner.group("names")
            who = [x for x in re.split(r"[、，,和及]", raw) if x] if known == [] else [k for k in known if k in raw]
        if not who:
            before = [a for a in anchors if a[0] < c_start]
            if before:
                who = [before[-1][2]]
        for w in who or [""]:
            out.append(
                TermDates(
                    start=td.start, end=td.end, text=td.text, name=w, kind=td.kind,
                    date_from=td.date_from, date_to=td.date_to, from_span=td.from_span,
                    to_span=td.to_span, credits=list(td.credits),
                )
            )
    return out


__all__ = [
    "JudgedSentences",
    "TermDates",
    "extract_judged",
    "extract_recommended",
    "extract_term_dates",
]
