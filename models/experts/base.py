"""The ``Expert`` object and the helpers experts share (amounts, counting, YAML loading).

An expert is declarative: its YAML (beside its module) names the charges, the LLM adapter, the
prompts, the elements it reads, its severity tiers with thresholds and its extra checks. The
module only adds the few functions that read its elements from the facts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from models.extract.amounts import extract_amounts
from models.types import Amount

HERE = Path(__file__).resolve().parent

ElementsFn = Callable[[str], dict[str, Any]]
AmountFn = Callable[[str], "float | None"]


@cache
def load_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def threshold_tier(expert: str, amount: float | None, key: str = "default") -> str | None:
    """The amount tier (特别巨大 / 巨大 / 较大) of ``amount`` by the expert's YAML thresholds;
    ``key`` is "default", or "low"/"high" for the ends of the provincial range. None below 较大."""
    th = load_yaml(expert)["thresholds"]
    if amount is None:
        return None
    for t in ("特别巨大", "巨大", "较大"):
        if amount >= (th[t][key] if key == "default" else th[t]["range"][0 if key == "low" else 1]):
            return t
    return None


def amount_words() -> dict[str, Any]:
    return load_yaml("amount_context")


@dataclass
class Assessment:
    """What an expert reads from the facts: the severity tier and the quantity behind it."""

    tier: str  # key of a tier in the expert's guideline ("较大", "轻伤", "醉驾" …)
    quantity: float | None = None  # amount in yuan, grams, BAC, persons … (``unit``)
    unit: str = ""
    elements: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Chinese, for the reasoning steps


@dataclass
class Expert:
    """One crime pipeline. ``name``: English id (also the default vLLM LoRA adapter name)."""

    name: str
    label: str
    charges: tuple[str, ...]
    articles: tuple[tuple[int, int], ...] = ()
    adapter: str = ""
    prompts: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    amount_fn: AmountFn | None = None
    elements_fn: ElementsFn | None = None
    assess_fn: Callable[[str, dict[str, Any]], Assessment] | None = None

    @classmethod
    def from_yaml(cls, name: str, **fns: Any) -> Expert:
        d = load_yaml(name)
        return cls(
            name=d["name"],
            label=d["label"],
            charges=tuple(d.get("charges", ())),
            articles=tuple(tuple(a) for a in d.get("articles", ())),  # type: ignore[misc]
            adapter=d.get("adapter", d["name"]),
            prompts=tuple(d.get("prompts", ())),
            checks=tuple(d.get("checks", ())),
            data=d,
            **fns,
        )

    def crime_amount(self, text: str) -> float | None:
        """The amount of the crime in yuan (None when the crime has none or it is not stated)."""
        if self.amount_fn is None:
            return None
        return self.amount_fn(text)

    def elements(self, text: str) -> dict[str, Any]:
        """The crime's elements read from the facts (keys are the YAML's ``elements``)."""
        out: dict[str, Any] = {}
        if self.amount_fn is not None:
            out["amount"] = self.crime_amount(text)
        if self.elements_fn is not None:
            out.update(self.elements_fn(text))
        return out

    def assess(self, text: str, elements: dict[str, Any] | None = None) -> Assessment:
        """The guideline tier of the facts (the expert's lowest tier when nothing is known)."""
        el = self.elements(text) if elements is None else elements
        if self.assess_fn is not None:
            return self.assess_fn(text, el)
        return Assessment(tier=self.data.get("default_tier", "基本"), elements=el)


# --------------------------------------------------------------------------- amounts

_CLAUSE_END = "，,。；;：:（）()"
_SENT_END = "。；;"


def _clause(text: str, a: Amount, before: int = 40, after: int = 12) -> tuple[str, str]:
    """The text of the clause before and after an amount (bounded windows)."""
    s = a.start
    lo = max(text.rfind(c, max(0, s - before), s) for c in _CLAUSE_END)
    lo = max(lo + 1, s - before, 0)
    pre = text[lo:s]
    e = a.end
    his = [i for i in (text.find(c, e, e + after) for c in _CLAUSE_END) if i >= 0]
    post = text[e : (min(his) if his else e + after)]
    return pre, post


@dataclass
class AmountRead:
    """Crime amounts found in a text: the total (共计 wins), the attempted part, excluded sums."""

    total: float | None
    attempted: float = 0.0
    items: list[float] = field(default_factory=list)
    stated_total: bool = False
    excluded: list[float] = field(default_factory=list)


def _re(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(words))


@cache
def _amount_patterns(kind: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    cfg = amount_words()
    spec = cfg.get(kind, {})
    excl = list(cfg["exclude_before"]) + list(spec.get("exclude_before", []))
    total = list(cfg["total_before"])
    attempt = list(cfg["attempt"])
    excl_after = list(cfg["exclude_after"]) + list(spec.get("exclude_after", []))
    return _re(excl), _re(total), _re(attempt), _re(excl_after)


@cache
def _context_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Crime verbs, sale/pledge deals after 以, damage totals before / after (``amount_context.yaml``)."""
    cfg = amount_words()
    return _re(cfg["crime_verbs"]), _re(cfg["deal_after"]), _re(cfg["loss_before"]), _re(cfg["loss_after"])


def _excluded(pre: str, post: str, excl_re: re.Pattern[str], excl_after_re: re.Pattern[str]) -> bool:
    """Compensation, returns, shares, rates…: the exclusion word must be nearer to the amount than
    a crime verb (以需要手续费为由骗取5000元 counts; 骗取后退还5000元 does not)."""
    verb_re, deal_re, _, _ = _context_patterns()
    last_ex = max((m.end() for m in excl_re.finditer(pre)), default=-1)
    last_verb = max((m.end() for m in verb_re.finditer(pre)), default=-1)
    if last_ex >= 0 and last_ex >= last_verb:
        return True
    if excl_after_re.search(post):
        return True
    # 以5万元的价格卖给… / 以3万元抵押给…: the price of a deal, not the value taken
    return pre.endswith("以") and bool(deal_re.search(post))


_FW_GROUP = re.compile(r"(?<=\d)[，,](?=\d{3}(?!\d))")
_FW_POINT = re.compile(r"(?<=\d)．(?=\d)")
_LETTER_ZERO = re.compile(r"(?<=\d)[Oo]+(?=\d*(?:元|万|余元))")
_LATIN_BEFORE_RMB = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+(?=人民币)")
_MASKED_YUAN = re.compile(r"(?<=[\d万千百])万某")  # CAIL masking: "4万某" was "4万元"
_MASKED_YUAN2 = re.compile(r"(?<=\d)万\d某")  # CAIL masking: "6.5万2某" was "6.5万元"


def normalize_digits(text: str) -> str:
    """38，150元 → 38,150元, 199．4 → 199.4, 4万某 → 4万元, 2OOO元 → 2000元, XX人民币 → 某某人民币
    (same length, so offsets are kept)."""
    if "，" in text or "．" in text:
        text = _FW_GROUP.sub(",", text)
        text = _FW_POINT.sub(".", text)
    if "万某" in text:
        text = _MASKED_YUAN.sub("万元", text)
    if "某" in text and "万" in text:
        text = _MASKED_YUAN2.sub("万元 ", text)
    if "O" in text or "o" in text:  # letter O typed for zero: 304O元, 2OOO元
        text = _LETTER_ZERO.sub(lambda m: "0" * len(m.group(0)), text)
    if "人民币" in text:  # CAIL masks names as XX: "付XX人民币220000元" (the extractor rejects a letter before)
        text = _LATIN_BEFORE_RMB.sub(lambda m: "某" * len(m.group(0)), text)
    return text


# the legal reasoning or the evidence list: amounts there restate the facts
_FACTS_END = re.compile(
    r"(?:公诉机关|检察院|本院|该院)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人"
    r"|(?:上述|以上|前述)(?:指控|犯罪)?事实[^。；]{0,40}?(?:证据|证实|证明|认定)"
    r"|(?:认定|证实)上述事实的证据|证据如下|下列证据")
# enumerated incidents: 一、… 二、… / 1、… 2．… / （一）…
_ENUM = re.compile(r"(?:^|(?<=[。；：:\s]))(?:(?:[一二三四五六七八九十]{1,3}|\d{1,2})(?:、|[.．](?!\d)|[.．](?=\d{4}年))"
                   r"|[（(][一二三四五六七八九十\d]{1,3}[）)])")
_DATE = re.compile(r"\d{4}年|\d{1,2}月|次日|同日|当日|当天|同年|尔后|之后|随后|此后")
# a sentence that tells the next incident (后周某某至…，共计得款1400元): its total is not the grand total
_NEXT = re.compile(r"^[\s，,]*(?:后|之后|尔后|随后|此后|然后|接着|又|再次)")
_SUMMARY = re.compile(r"综上|(?:以上|上述)[^，。；]{0,8}(?:共计|合计|总计|共)|总计|累计|实际|总金额|总价值|涉案总"
                      r"|作案[^，。；]{0,4}[起次]")
_PAREN = re.compile(r"[（(][^（）()]{0,20}[）)]")
_BREAKDOWN = re.compile(r"如下|分述|具体(?:是|为|事实)|分别(?:是|为)|明细|其中")
_RESTATE = re.compile(r"认定|综上|即")
_ANAPHOR = re.compile(r"(?:所[^，。；]{0,6}的|上述|该|此|这)[^，。；]{0,4}$")


_PRETEXT = re.compile(r"谎称|承诺|答应|声称|为由|为名")
_SHARE = re.compile(r"分得|分给|分赃|瓜分")
# a refund that builds trust (第一次刷单支付360元后，返还本金和佣金共计366元): the sums paid before it are back
_REFUND = re.compile(r"(?:返还|退还|返回)[^，。；]{0,3}(?:本金|佣金|返利|收益)")
_PAY = re.compile(r"(?:转账|转款|支付|付|汇款|汇|打款|退|还)(?:人民币)?$")
_VICTIM = re.compile(r"被害人([\u4e00-\u9fff]{1,3}?某[甲乙丙丁\d]?)")
_PROCEEDS = re.compile(r"所[^，。；]{0,3}(?:骗|窃|盗|偷|抢|××)[^，。；]{0,4}的$|(?:骗|窃|盗)得的$")


def _paid_back(text: str, a: Amount) -> bool:
    """A sum the defendant gives a victim (转账一万元给被害人朱某甲, 转账1500元给方某 where 方某 is a
    victim): a return, not the crime amount."""
    post = text[a.end : a.end + 12]
    if not post.startswith("给") or not _PAY.search(text[max(0, a.start - 8) : a.start]):
        return False
    m = re.match(r"给(?:被害人)?([\u4e00-\u9fff]{1,3}?某[甲乙丙丁\d]?)", post)
    if not m:
        return post.startswith("给被害人")
    return m.group(1) in set(_VICTIM.findall(text))


def _at(start: int, yuan: float) -> Amount:
    """A stand-in amount at ``start`` (only its offsets are used by ``_clause``)."""
    return Amount(start=start, end=start, text="", yuan=yuan)


_SENT_END_RE = re.compile(f"[{_SENT_END}]")


def _sentence_bounds(text: str) -> list[int]:
    return [m.start() for m in _SENT_END_RE.finditer(text)]


@lru_cache(maxsize=512)
def read_amounts(text: str, kind: str = "default") -> AmountRead:
    """Crime amounts of a facts text (cached: several experts and the engine read the same text;
    callers must not modify the result).

    - sums that are compensation, shares of the loot (分得), returned / recovered / frozen property,
      fines, bail, sale proceeds or rewards are not the crime amount (``amount_context.yaml``);
    - amounts in the legal reasoning (公诉机关认为…) or the evidence list only restate the facts and
      are read only when the facts state none;
    - a total stated with 共计/合计/综上… wins over summing the incidents; when each of several
      incidents (enumerated 一、二、…, or dated sentences) carries its own 共计 sub-total, the
      sub-totals are summed (plus incidents with no sub-total);
    - incidents told after a total are added (共计骗得9800元。后又骗取2万元), unless they are its
      breakdown (如下/具体是/…, or they sum to no more than the total);
    - otherwise the incidents are summed, counting an amount restated in the same sentence (价值5000元…
      经鉴定价值5000元) or referred back to (所取的11900元) once; list items (1000元、700元、1000元) all count;
    - amounts in a clause marked 未遂/未得逞 are reported as ``attempted`` (included in the total).
    """
    norm = normalize_digits(text)
    found = extract_amounts(norm)
    m = _FACTS_END.search(text)
    cut = m.start() if m and any(a.start < m.start() for a in found) else len(text)
    r = _read(text, [a for a in found if a.start < cut], kind)
    if r.total is None and cut < len(text):
        r = _read(text, found, kind)
    return r


def _read(text: str, found: list[Amount], kind: str) -> AmountRead:
    excl_re, total_re, attempt_re, excl_after_re = _amount_patterns(kind)
    ends = _sentence_bounds(text)
    enum_pos = [mm.start() for mm in _ENUM.finditer(text)]

    def sent_of(pos: int) -> int:
        return bisect.bisect_left(ends, pos)

    def seg_of(pos: int) -> int:
        return bisect.bisect_right(enum_pos, pos)

    verb_re, _, loss_before_re, loss_after_re = _context_patterns()
    items: list[tuple[int, int, float]] = []  # (sentence, segment, yuan)
    totals: list[tuple[int, int, float, bool]] = []  # (sentence, segment, yuan, summary)
    excluded: list[tuple[int, float, int]] = []  # (sentence, yuan, start)
    item_start: list[int] = []
    attempted = 0.0
    seen_in_sent: dict[int, set[float]] = {}
    first_seen: dict[float, tuple[int, bool]] = {}  # value -> (segment, had a crime verb) of its first item
    seen: set[float] = set()
    prev_end = -10
    for a in found:
        pre, post = _clause(text, a)
        list_item = 0 <= a.start - prev_end <= 1 and text[prev_end : a.start] in ("、", "")
        prev_end = a.end
        sent, seg = sent_of(a.start), seg_of(a.start)
        s_start = ends[sent - 1] + 1 if sent > 0 else 0
        if _excluded(pre, post, excl_re, excl_after_re) or _paid_back(text, a):
            excluded.append((sent, a.yuan, a.start))
            continue
        if loss_before_re.search(pre) or loss_after_re.search(post):
            totals.append((sent, seg, a.yuan, True))  # the damage found: 致使被害人646150元受损
            seen.add(a.yuan)
            continue
        if total_re.search(pre[-14:]) or total_re.search(_PAREN.sub("", text[max(0, a.start - 30) : a.start])[-14:]):
            summary = bool(_SUMMARY.search(text[s_start : a.start]))
            totals.append((sent, seg, a.yuan, summary))
            seen.add(a.yuan)
            continue
        if "其中" in text[s_start : a.start] and (any(t[0] == sent for t in totals) or any(i[0] == sent for i in items)):
            continue  # the breakdown of a sum stated before it in the sentence (共计3万元，其中…)
        bucket = seen_in_sent.setdefault(sent, set())
        if a.yuan in bucket and not list_item:
            continue
        if a.yuan in seen and (_ANAPHOR.search(pre) or _RESTATE.search(text[s_start : a.start])):
            continue  # the same sum referred back to or restated (…从而认定…骗取国家资金379069.95元)
        verb = bool(verb_re.search(pre))
        if not verb and any(es < sent and ev == a.yuan and not _PRETEXT.search(_clause(text, _at(ep, ev))[0])
                            for es, ev, ep in excluded):
            continue  # a sum set aside before, told again (约定每次1500元… 付了1500元); not a lie's sum
        if a.yuan in first_seen and not list_item:
            seg0, verb0 = first_seen[a.yuan]
            if seg0 == seg and not (verb and verb0):
                continue  # the same money told twice (让其打100万元… 转账100万元)
        first_seen.setdefault(a.yuan, (seg, verb))
        bucket.add(a.yuan)
        seen.add(a.yuan)
        items.append((sent, seg, a.yuan))
        item_start.append(a.start)
        s_end = ends[sent] if sent < len(ends) else len(text)
        if attempt_re.search(pre + post) or attempt_re.search(text[a.end : s_end]):
            attempted += a.yuan
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
    if totals:
        total = _resolve_totals(text, ends, items, totals)
        return AmountRead(total, attempted, item_vals, True, excl_vals)
    if not items:
        return AmountRead(None, 0.0, item_vals, False, excl_vals)
    return AmountRead(float(sum(item_vals)), attempted, item_vals, False, excl_vals)


def _resolve_totals(text: str, ends: list[int], items: list[tuple[int, int, float]],
                    totals: list[tuple[int, int, float, bool]]) -> float:
    summary = [t for t in totals if t[3]]
    if summary:
        best = max(summary, key=lambda t: t[2])
        return best[2]
    top_t = max(totals, key=lambda t: t[2])
    last_t = totals[-1]
    if last_t is not top_t and last_t[0] > top_t[0] and last_t[2] >= top_t[2] * 0.95:
        return last_t[2]  # a later total close to an earlier one corrects it (价值共计114532元…诈骗价值共计114232元)
    by_sent: dict[int, tuple[int, int, float, bool]] = {}
    for t in totals:
        if t[0] not in by_sent or t[2] > by_sent[t[0]][2]:
            by_sent[t[0]] = t
    subs = sorted(by_sent.values())
    if len(subs) >= 2 and len({t[2] for t in subs}) == len(subs):
        segs = {t[1] for t in subs}
        enumerated = len(segs) == len(subs) and 0 not in segs

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
        if enumerated or all(dated(t[0]) for t in subs) or vals[0] < sum(vals[1:]):
            # incidents each with their own sub-total: sum them (plus enumerated incidents without one)
            sub_sents = {t[0] for t in subs}
            extra = [v for st, g, v in items if v not in vals
                     and ((enumerated and g not in segs) or (not enumerated and st not in sub_sents and dated(st)))]
            return float(sum(vals) + sum(extra))
    sent, _, top, _ = max(totals, key=lambda t: t[2])
    sent = max(t[0] for t in totals if t[2] == top)
    before = {v for s, _, v in items if s <= sent} | {t[2] for t in totals}
    later = [v for s, _, v in items if s > sent and v not in before]
    t_end = ends[sent] if sent < len(ends) else len(text)
    s_lo = ends[sent - 1] + 1 if sent > 0 else 0
    earlier: list[float] = []
    if len(totals) == 1 and _NEXT.search(text[s_lo:t_end]):
        # the total of the incident told after the earlier ones (…窃得100元。后…共计得款1400元)
        earlier = [v for s, _, v in items if s < sent and v != top]
    after_total = text[t_end - 40 if t_end > 40 else 0 : t_end + 30]
    if later and (sum(later) <= top * 1.05 or _BREAKDOWN.search(after_total)):
        return top + sum(earlier)  # the incidents after it are the total's breakdown
    return top + sum(earlier) + sum(later)


_CN_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_count(s: str) -> int | None:
    """'三' → 3, '12' → 12, '十一' → 11 (small counts only)."""
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN_COUNT.get(s)
    if len(s) == 2 and s[0] == "十":
        return 10 + (_CN_COUNT.get(s[1]) or 0)
    if len(s) == 2 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10
    if len(s) == 3 and s[1] == "十":
        return (_CN_COUNT.get(s[0]) or 0) * 10 + (_CN_COUNT.get(s[2]) or 0)
    return None


_TIMES_RE = re.compile(r"(?:先后|共计?|累计|连续|多次|分别)[^，。；]{0,6}?([一二两三四五六七八九十\d]{1,3})次")


def stated_times(text: str) -> int | None:
    """The largest '先后…N次 / 共N次' count stated in the text."""
    best = None
    for m in _TIMES_RE.finditer(text):
        n = cn_count(m.group(1))
        if n and (best is None or n > best):
            best = n
    return best
