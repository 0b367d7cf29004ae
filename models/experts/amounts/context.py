"""Where a sum stands: its clause, its sentence and enumerated part (``_Layout``), the digit
normalisation of CAIL texts, and the context tests (excluded words, pretexts, payments back)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from models.experts.amounts.patterns import (
    _ACCUSED_NAME,
    _CLAUSE_END,
    _DEAL_PRICE,
    _ENUM,
    _FW_GROUP,
    _FW_POINT,
    _LATIN_BEFORE_RMB,
    _LETTER_ZERO,
    _MASKED_YUAN,
    _MASKED_YUAN2,
    _NAME_INDEX,
    _NUMBER_HEAD,
    _PAY,
    _SENT_END_RE,
    _VICTIM,
    _context_patterns,
    _fee_pattern,
    _re,
    _sale_patterns,
    amount_words,
)
from models.types import Amount


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


def _in_paren(text: str, pos: int) -> bool:
    """``pos`` lies inside brackets opened at most 30 characters before (…首饰（价值共17010元）)."""
    head = text[max(0, pos - 30) : pos]
    i = max(head.rfind("（"), head.rfind("("))
    return i >= 0 and max(head.rfind("）"), head.rfind(")")) < i


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


def _sentence_of(text: str, ends: list[int], sent: int) -> str:
    lo = ends[sent - 1] + 1 if sent > 0 else 0
    return text[lo : ends[sent] if sent < len(ends) else len(text)]
