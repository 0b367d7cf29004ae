"""The ``Expert`` object and the helpers experts share (amounts, counting, YAML loading).

An expert is declarative: its YAML (beside its module) names the charges, the LLM adapter, the
prompts, the elements it reads, its severity tiers with thresholds and its extra checks. The
module only adds the few functions that read its elements from the facts.
"""

from __future__ import annotations

import bisect
import dataclasses
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
    allow = set(spec.get("allow_before", []))  # general exclusions this kind does not use
    excl = [w for w in cfg["exclude_before"] if w not in allow] + list(spec.get("exclude_before", []))
    total = list(cfg["total_before"])
    attempt = list(cfg["attempt"])
    allow_after = set(spec.get("allow_after", []))
    excl_after = [w for w in cfg["exclude_after"] if w not in allow_after] + list(spec.get("exclude_after", []))
    return _re(excl), _re(total), _re(attempt), _re(excl_after)


@cache
def _only_pattern(kind: str) -> re.Pattern[str] | None:
    """The cue a sum of this kind must follow (``only_before``), or None when any sum may count."""
    words = amount_words().get(kind, {}).get("only_before")
    return _re(list(words)) if words else None


@cache
def _context_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Crime verbs, sale/pledge deals after 以, damage totals before / after (``amount_context.yaml``)."""
    cfg = amount_words()
    return _re(cfg["crime_verbs"]), _re(cfg["deal_after"]), _re(cfg["loss_before"]), _re(cfg["loss_after"])


@cache
def _fee_pattern() -> re.Pattern[str]:
    return _re(amount_words()["fee_nouns"])


@cache
def _sale_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    cfg = amount_words()["sale_proceeds"]
    return re.compile("(?:" + "|".join(cfg["proceeds"]) + ")$"), _re(cfg["sale"])


def _sale_proceeds(sent_head: str) -> bool:
    """The money a sale brought (…以每克…卖给陈某某海洛因1小包，得赃款77元): the sentence up to the sum
    tells a sale and the sum's clause is just 得款 / 得赃款."""
    proceeds_re, sale_re = _sale_patterns()
    m = proceeds_re.search(sent_head)
    return bool(m) and bool(sale_re.search(sent_head[: m.start()]))


def _excluded(pre: str, post: str, excl_re: re.Pattern[str], excl_after_re: re.Pattern[str],
              deals: bool = True) -> bool:
    """Compensation, returns, shares, rates…: the exclusion word must be nearer to the amount than
    a crime verb (以需要手续费为由骗取5000元 counts; 骗取后退还5000元 does not). ``deals``: the price of a
    deal (以5万元的价格卖给…) is excluded too — not for kinds whose amount is a sale (销售金额)."""
    verb_re, deal_re, _, _ = _context_patterns()
    last = max(excl_re.finditer(pre), key=lambda m: m.end(), default=None)
    verbs = [m.end() for m in verb_re.finditer(pre)]
    if last is not None and last.end() >= max(verbs, default=-1):
        # a fee that is itself what was obtained (向被害人收取"手续费"共计35000元) counts
        fee = _fee_pattern().fullmatch(last.group(0)) and any(v <= last.start() for v in verbs)
        if not fee:
            return True
    if excl_after_re.search(post):
        return True
    # 以5万元的价格卖给… / 以3万元抵押给…: the price of a deal, not the value taken
    return deals and pre.endswith("以") and bool(deal_re.search(post))


# (a thousands separator typed full-width or lost to a "?" in the source: 62?705.73元)
_FW_GROUP = re.compile(r"(?<=\d)[，,?？](?=\d{3}(?!\d)|0\d{2,}(?:\.\d+)?余?元)")
_FW_POINT = re.compile(r"(?<=\d)．(?=\d)")
_LETTER_ZERO = re.compile(r"(?<=\d)[Oo]+(?=\d*(?:元|万|余元))")
_LATIN_BEFORE_RMB = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+(?=人民币)")
_MASKED_YUAN = re.compile(r"(?<=[\d万千百十拾一二两三四五六七八九])万某")  # CAIL masking: "4万某", "二十万某" were "…万元"
_MASKED_YUAN2 = re.compile(r"(?<=\d)万\d某")  # CAIL masking: "6.5万2某" was "6.5万元"


_NAME_INDEX = re.compile(r"([\u4e00-\u9fff]某)(\d)(?=\d+(?:\.\d+)?[万千百]?余?元)")


def _is_name(text: str, name: str) -> bool:
    """``name`` (王某1) stands alone somewhere in the text (followed by no digit)."""
    return re.search(re.escape(name) + r"(?![\d.])", text) is not None


def normalize_digits(text: str) -> str:
    """38，150元 → 38,150元, 199．4 → 199.4, 4万某 → 4万元, 2OOO元 → 2000元, XX人民币 → 某某人民币,
    王某129000元 → 王某甲29000元 when 王某1 is a name (same length, so offsets are kept)."""
    if "，" in text or "．" in text or "?" in text or "？" in text:
        text = _FW_GROUP.sub(",", text)
        text = _FW_POINT.sub(".", text)
    if "万某" in text:
        text = _MASKED_YUAN.sub("万元", text)
    if "某" in text and "万" in text:
        text = _MASKED_YUAN2.sub("万元 ", text)
    if "某" in text:  # CAIL names carry an index digit: 骗取王某129000元 is 王某1 + 29000元 when 王某1 is a name
        text = _NAME_INDEX.sub(lambda m: m.group(1) + ("甲" if _is_name(text, m.group(1) + m.group(2)) else m.group(2)),
                               text)
    if "O" in text or "o" in text:  # letter O typed for zero: 304O元, 2OOO元
        text = _LETTER_ZERO.sub(lambda m: "0" * len(m.group(0)), text)
    if "人民币" in text:  # CAIL masks names as XX: "付XX人民币220000元" (the extractor rejects a letter before)
        text = _LATIN_BEFORE_RMB.sub(lambda m: "某" * len(m.group(0)), text)
    return text


# the legal reasoning or the evidence list: amounts there restate the facts (cut to the end)
_FACTS_END = re.compile(
    r"(?:公诉机关|检察院|本院|该院)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人"
    r"|证据如下|(?:下列|以下|如下)证据|(?:证明|认定|证实)(?:上述|以上|前述)?(?:犯罪)?事实的(?:主要)?证据(?:有|如下|是)")
# the civil claim joined to the case (附带民事诉讼原告人请求判令被告人赔偿… / 对于附带民事诉讼原告人…诉请的经济
# 损失，本院认定如下): damages, never the crime amount, even when the facts before it name none
_CIVIL = re.compile(r"附带民事诉讼原告人[^。；]{0,30}(?:诉请|请求|要求|提出|主张|的经济损失)")
# a sentence citing the evidence of the incident just told (上述事实，被告人…亦无异议，且有…等证据证实，足以
#认定。): skipped up to its end, the next incident may follow
_EVIDENCE = re.compile(r"(?:上述|以上|前述)(?:指控|犯罪)?事实[，,]?[^。]{0,400}?(?:证据|证实|证明|认定|亦无异议)")
# enumerated incidents: 一、… 二、… / 1、… 2．… / （一）…
_ENUM = re.compile(r"(?:^|(?<=[。；：:\s]))(?:(?:[一二三四五六七八九十]{1,3}|\d{1,2})(?:、|[.．](?!\d)|[.．](?=\d{4}年))"
                   r"|[（(][一二三四五六七八九十\d]{1,3}[）)])")
_DATE = re.compile(r"\d{4}年|\d{1,2}月|次日|同日|当日|当天|同年|尔后|之后|随后|此后")
# a sentence that tells the next incident (后周某某至…，共计得款1400元): its total is not the grand total
_NEXT = re.compile(r"^[\s，,]*(?:后|之后|尔后|随后|此后|然后|接着|又|再次)")
# a count of incidents right before a sum (作案两起，共计骗取20000元 / 参与××五起，总价值10800元)
_COUNTED = re.compile(r"[一二两三四五六七八九十\d]{1,3}起[^。；]{0,14}$")
_SUMMARY_OPEN = re.compile(r"\s*(?:综上|以上|上述)")
_ACCUSED = re.compile(r"被告人([^，。；、\s]{1,5}?)(?:诈骗|盗窃|××|作案|共|犯|实施)")
_SUMMARY_LEAD = re.compile(r"\s*(?:综上|(?:以上|上述)[^，。；]{0,8}(?:共计|合计|总计|共))")
_SUMMARY = re.compile(r"综上|(?:^|(?<=[，,：:]))(?:以上|上述)[^，。；]{0,8}(?:共计|合计|总计|共)|总计|累计(?!至)|实际|总金额|总价值|涉案总"
                      r"|作[^，。；]{0,4}案[^，。；]{0,4}[起次]")
_PAREN = re.compile(r"[（(][^（）()]{0,20}[）)]")
_BREAKDOWN = re.compile(r"如下|分述|具体(?:是|为|事实)|分别(?:是|为)|明细|其中")
# between two sums of a list: a separator and a name (，陈某 / 、朱某人民币 / ，被害人李某甲), no act
_CHAIN_GAP = re.compile(r"[、，,及和与](?:被害人)?(?:[^，,。；;、：:（）()借骗取付交收得转还赔退存汇支花用卖买拿抢盗窃偷扣向]{0,5}"
                        r"(?:某|XX)[^，,。；;、：:（）()借骗取付交收得转还赔退存汇支花用卖买拿抢盗窃偷扣向]{0,3})?"
                        r"(?:人民币|现金)?")
_BREAKDOWN_OF = re.compile(r"其中(?![的一])")
_GROUP = re.compile(r"等[\d一二两三四五六七八九十百]+[人名户家个]|多[人名户家]|他人|众多|多位|多个被害")
_RESTATE = re.compile(r"认定|综上|即")
_ANAPHOR = re.compile(r"(?:所[^，。；]{0,6}的|上述|该|此|这)[^，。；]{0,4}$")


_NET = re.compile(r"从中(?:诈骗|骗取|骗得|骗走|侵占|非法占有)[^，。；]{0,8}$")
_ACTUAL = re.compile(r"实际(?:支付|给付|获得|得到|取得|收到|到手|交付|付给)?|实付|实得|实收")
_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
_LEAD_NOISE = re.compile(r"人民币|现金|共计|共|计")
_LOOT_REF = re.compile(r"(?:骗|窃|盗|偷|抢|××)[^，。；的]{0,3}的$")
_PART_OF = re.compile(r"元中[^，。；]{0,8}$")
_PRETEXT = re.compile(r"谎称|承诺|答应|声称|为由|为名")
_SHARE = re.compile(r"分得|分给|分赃|瓜分")
# a refund that builds trust (第一次刷单支付360元后，返还本金和佣金共计366元): the sums paid before it are back
_REFUND = re.compile(r"(?:返还|退还|返回)[^，。；]{0,3}(?:本金|佣金|返利|收益)")
_PAY = re.compile(r"(?:转账|转款|支付|付|汇款|汇|打款|退|还)(?:人民币)?$")
_VICTIM = re.compile(r"被害人([\u4e00-\u9fff]{1,3}?某[甲乙丙丁\d]?)")
_PROCEEDS = re.compile(r"所[^，。；]{0,3}(?:骗|窃|盗|偷|抢|××)[^，。；]{0,4}的$|(?:骗|窃|盗)得的$")


def _in_paren(text: str, pos: int) -> bool:
    """``pos`` lies inside brackets opened at most 30 characters before (…首饰（价值共17010元）)."""
    head = text[max(0, pos - 30) : pos]
    i = max(head.rfind("（"), head.rfind("("))
    return i >= 0 and max(head.rfind("）"), head.rfind(")")) < i


_VALUED = re.compile(r"价值|鉴定|估价|认定")
_DEAL_PRICE = re.compile(r"^[^，。；]{0,3}的?价格")
_NUMBER_HEAD = re.compile(r"^(?:人民币)?[\d.,，零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億]+[余多]?[元某]?")


def _deal_price(text: str, pos: int) -> bool:
    """The sum at ``pos`` is the price of a deal (以5万元的价格…)."""
    return text[max(0, pos - 4) : pos].endswith(("以", "以人民币")) and bool(
        _DEAL_PRICE.search(_NUMBER_HEAD.sub("", text[pos : pos + 24], count=1)))


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


_ACCUSED_NAME = re.compile(r"被告人([\u4e00-\u9fff]{1,2}\d?某[某甲乙丙丁\d]?)")


def _paid_to_accused(text: str, pre: str) -> bool:
    """The victim pays the defendant (王某分三次向高某某交纳了人民币30万元保证金, 高某某 the defendant):
    the sum obtained, not a fee or bail the defendant pays."""
    m = re.search(r"向([^，。；向]{1,5}?)(?:" + "|".join(amount_words()["paid_to_accused"]) + r")[^，。；]{0,3}$", pre)
    return bool(m) and any(m.group(1).startswith(n) for n in set(_ACCUSED_NAME.findall(text)))


def _in_pretext(text: str, a: Amount) -> bool:
    """The sum is named in a pretext that ends a few clauses later (以…采购其公司438万元设备、…资金不足为借口)."""
    after = re.split(r"[。；;]", text[a.end : a.end + 30], maxsplit=1)[0]
    m = _re(amount_words()["pretext_after"]).search(after)
    return bool(m) and not _context_patterns()[0].search(after[: m.start()])


def _at(start: int, yuan: float) -> Amount:
    """A stand-in amount at ``start`` (only its offsets are used by ``_clause``)."""
    return Amount(start=start, end=start, text="", yuan=yuan)


_SENT_END_RE = re.compile(f"[{_SENT_END}]")


def _sentence_bounds(text: str) -> list[int]:
    return [m.start() for m in _SENT_END_RE.finditer(text)]


@dataclass(frozen=True)
class _Layout:
    """Where a text's sentences end and its enumerated parts (一、 2、 （三）) begin, to place amounts:
    built once per ``read_amounts`` and shared by the legal rules and the reading."""

    text: str
    ends: list[int]
    parts: list[int]

    @classmethod
    def of(cls, text: str) -> _Layout:
        return cls(text, _sentence_bounds(text), [m.start() for m in _ENUM.finditer(text)])

    def sent(self, pos: int) -> int:
        """Index of the sentence holding ``pos``."""
        return bisect.bisect_left(self.ends, pos)

    def seg(self, pos: int) -> int:
        """Index of the enumerated part holding ``pos`` (0 before the first)."""
        return bisect.bisect_right(self.parts, pos)

    def span(self, sent: int) -> tuple[int, int]:
        """(start, end) of sentence ``sent``; the end is its closing mark."""
        return (self.ends[sent - 1] + 1 if sent > 0 else 0,
                self.ends[sent] if sent < len(self.ends) else len(self.text))

    def spans(self) -> list[tuple[int, int]]:
        return [self.span(i) for i in range(len(self.ends) + 1)]


# the sum named right before the sale or pledge (…后以5000元的价格销售给陈某 / 销赃得款6900余元 / 抵押获款3300元)
_SALE_SUM = re.compile(r"(?:得|获|所得)(?:赃)?款(?:人民币)?$|获赃款(?:人民币)?$|所得(?:赃款)?(?:人民币)?$|(?:卖|售|销)得(?:人民币)?$"
                       r"|以(?:人民币)?$")
_SALE_AFTER = re.compile(r"^(?:余)?元?(?:的)?(?:价格|价)?[^，。；]{0,4}(?:卖|售|销|转卖|抵押|质押|典当)")
# any other reason to set a sum aside: the sale rule never revives it
_NOT_SALE = re.compile(r"赔|退|还|返|追|扣押|缴获|发还|冻结|分得|分给|分赃|罚|挥霍|花费|用于|好处费|报酬|手续费|租金|押金|毒|每")
_NAME_TOKEN = re.compile(r"[\u4e00-\u9fff]\d?某[\u4e00-\u9fff\d]?")


def _legal_rules(text: str, found: list[Amount], kind: str, lay: _Layout) -> tuple[set[int], set[int]]:
    """Rules of law on what the amount is (``amount_context.yaml`` ``legal``): the starts of the sums to
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


_NUMBER_TAIL = re.compile(r"^(?:余|多)?元?")
# the goods referred back to, not taken in this sentence (将所盗昆明犬…卖给, 窃后…销赃, 盗来的电脑)
_TAKEN_REF = re.compile(r"所(?:盗|窃|偷|抢|夺|劫)|(?:盗|窃|偷|抢|夺|劫)(?:来|得|取|走)?(?:的|后)|得手后|××(?:所得|来)的")


# the court's own findings (经审理查明 / 本院审理查明 / 二审查明…; not 另查明, which adds to them): in a
# judgment they restate, and where they differ correct, the accusation and pleas told before them
_FINDINGS = re.compile(r"(?:经(?:庭审|审理|审查)|本院(?:经|二审|再审)?(?:审理)?|二审(?:经)?(?:审理)?)查明")


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
      fines, bail, sale proceeds or rewards are not the crime amount (``amount_context.yaml``);
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


# the start of another charge's facts (××罪2013年7月18日… / 二、××罪：2014年… / 2、2015年…)
_NEXT_CHARGE = re.compile(r"\s*(?:[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)])?"
                          r"\s*(?:××罪|[\u4e00-\u9fff]{2,10}罪)?[：:]?\s*(?:\d{4}年|同年|\d{1,2}月)")
_CONCLUSION = re.compile(r"数额(?:较大|巨大|特别巨大)|其行为(?:已)?(?:触犯|构成)")
_REASONING = re.compile(r"(?:公诉机关|检察院|检察机关)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人")
_STATED_CUE = re.compile(r"(?:骗取|骗得|诈骗|窃取|盗窃|窃得|盗走|抢劫|抢走|侵占|数额|金额|财物|钱款|现金)"
                         r"(?:[^，。；]{0,4}?(?:他人|公私|公民|被害人)[^，。；]{0,4}?(?:财物|钱款|钱财|现金))?(?:共计|合计|为|达)?(?:人民币)?$")


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


_ANNOUNCE = re.compile(r"(?:具体|分别)?(?:分述|(?:犯罪)?事实)?如下|分述如下")


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
        acc = 0.0
        run: list[int] = []
        for k in parts:  # the parts that follow, up to the heads' sum
            acc += items[k][2]
            run.append(k)
            if abs(acc - h) < 0.5 or (loose and h <= acc < 1.1 * h):
                if len(run) >= 2:
                    drop.update(heads if loose else run)
                break
            if acc > (1.1 if loose else 1.0) * h + 0.5:
                break
    return drop


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


def _sentence_of(text: str, ends: list[int], sent: int) -> str:
    lo = ends[sent - 1] + 1 if sent > 0 else 0
    return text[lo : ends[sent] if sent < len(ends) else len(text)]


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
        acc, run = first, []
        for k in (k for k, st in enumerate(starts) if st > pos):
            acc += items[k][2]
            run.append(k)
            if abs(acc - total) < 0.5:
                drop.update(run)
                break
            if acc > total + 0.5:
                break
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


_PART = re.compile(r"(?:^|(?<=[。；：:\s，,]))([一二三四五六七八九十]{1,3})、")


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
