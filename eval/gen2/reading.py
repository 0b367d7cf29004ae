"""Read what the indictment and the recommendation need out of a real judgment.

Written for the second generator from the judgment texts themselves (one line each, sections run
together); it does not use the product's parser, so that the documents it writes do not inherit
the product's way of reading. A judgment whose verdict cannot be read yields None.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from eval.gen2.numerals import NUM, cn_to_int, parse_date, parse_money, term_to_months

PENALTIES = ("有期徒刑", "拘役", "管制", "无期徒刑", "死刑")
CIRCUMSTANCES = ("累犯", "自首", "坦白", "立功", "未遂", "从犯", "认罪认罚", "退赃退赔", "谅解", "前科", "未成年")


@dataclass
class Sentence:
    penalty: str | None = None  # 有期徒刑 | 拘役 | 管制 | 无期徒刑 | 死刑 | None (免予刑事处罚 / 单处罚金)
    months: int | None = None
    probation_months: int | None = None
    fine: float | None = None
    rights_years: int | None = None  # 剥夺政治权利
    exempt: bool = False


@dataclass
class Custody:
    kind: str  # 刑事拘留 | 逮捕 | 取保候审 | 监视居住 | 羁押
    date: dt.date


@dataclass
class Defendant:
    name: str
    sex: str | None = None
    birth: dt.date | None = None
    id_number: str | None = None  # as the judgment gives it
    ethnicity: str | None = None
    education: str | None = None
    birthplace: str | None = None
    custody: list[Custody] = field(default_factory=list)
    charges: list[str] = field(default_factory=list)
    sentence: Sentence = field(default_factory=Sentence)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    circumstances: list[str] = field(default_factory=list)


@dataclass
class Quote:
    """The prosecution's recommendation as quoted by the court (one for all defendants or one)."""
    text: str
    penalty: str | None
    low: int | None
    high: int | None
    probation: bool
    names: list[str]
    probation_months: int | None = None
    fine: float | None = None
    fine_high: float | None = None  # a quoted fine range ("罚金人民币15000元以上至人民币32000元以下")
    fine_mentioned: bool = False  # "并处罚金" without an amount (or only its upper bound)
    mixed: bool = False  # a range across two penalties ("拘役五个月以上有期徒刑一年六个月以下")


@dataclass
class Judgment:
    id: str
    text: str
    court: str
    case_number: str
    procuratorate: str
    indictment_number: str | None
    prosecution_date: dt.date | None
    judgment_date: dt.date | None
    facts: str
    articles: list[str]
    defendants: list[Defendant]
    prosecutor: str | None
    quotes: list[Quote]
    plea_signed: bool
    verdict: str
    names_differ: bool = False  # a defendant of the verdict is not named so among the parties


def indictment_number(text: str) -> str | None:
    """The indictment's number as the judgment cites it ("以平检公刑诉（2016）178号起诉书，指控…")."""
    for rx in (r"以\s*([^\s，。以、：:]{2,40}?号)\s*起\s*诉\s*书", r"以\s*([^\s，。以]{4,40}?号)\s*(?:起诉书)?\s*指控",
               r"([^\s，。以、：:]{0,20}?刑\s*诉[^\s，。]{0,20}?号)"):
        n = _first(rx, text)
        if n and re.search(r"\d{4}|[〔［\[（(]", n):
            return re.sub(r"\s+", "", n)
    return None


def _first(rx: str, text: str, group: int = 1, flags: int = 0) -> str | None:
    m = re.search(rx, text, flags)
    return m.group(group) if m else None


def _court(text: str) -> str:
    m = re.search(r"([^\s，。]{2,30}?人民法院)\s*刑\s*事\s*判\s*决\s*书", text[:300])
    if m:
        return m.group(1)
    m = re.search(r"(\S{2,30}?人民法院)", text[:300])
    return m.group(1) if m else "人民法院"


def _verdict(text: str) -> str:
    a = text.find("判决如下")
    if a < 0:
        return ""
    b = len(text)
    for end in ("如不服本判决", "如不服本判", "本判决为终审判决", "审判长", "审判员"):
        i = text.find(end, a)
        if 0 <= i < b:
            b = i
    return text[a + 5: b]


NAME = r"([^\s，。、：:（(；;]{1,12}?)"


def _names_in_verdict(verdict: str) -> list[str]:
    out: list[str] = []
    for m in re.finditer(r"被告人" + NAME + r"(?:犯|无罪)", verdict):
        n = m.group(1)
        if n.endswith("的") and len(n) > 2:  # "被告人张方的犯罪所得…予以追缴"
            n = n[:-1]
        if n not in out:
            out.append(n)
    return out


def _listed_names(verdict: str, text: str, known: list[str]) -> list[str]:
    """Defendants the verdict lists by item number without the word 被告人 ("二、李晨曦犯贷款诈骗罪"):
    a careful writer names every sentenced defendant, so one the parties introduce as 被告人 counts."""
    out = list(known)
    for m in re.finditer(r"(?:^|[\s；;。])[一二三四五六七八九十]+[、．.]\s*" + NAME + r"犯", verdict):
        n = m.group(1)
        if n not in out and f"被告人{n}" in text:
            out.append(n)
    return out


def _term(s: str) -> int | None:
    return term_to_months(s)


def read_sentence(seg: str) -> Sentence:
    """The sentence of one defendant from his part of the verdict (the executed one if 数罪并罚)."""
    s = Sentence()
    # "决定执行…" / "合并执行…" (judgment 77a9a4fb): the sentence to serve
    final = re.search(r"(?:决定|合并)执行(有期徒刑|拘役|管制|无期徒刑|死刑)", seg)
    head = seg[final.start():] if final else seg
    m = re.search(rf"(有期徒刑|拘役|管制)((?:{NUM}+年)?[零又]?(?:{NUM}+个?月)?)", head)
    life = re.search(r"(无期徒刑|死刑)", head)
    if life and (not m or life.start() < m.start()):
        s.penalty = life.group(1)
    elif m and m.group(2):
        s.penalty = m.group(1)
        s.months = _term(m.group(2))
    p = re.search(rf"缓刑((?:{NUM}+年)?[零又]?(?:{NUM}+个?月)?)", head)
    if p and p.group(1):
        s.probation_months = _term(p.group(1))
    f = re.search(rf"罚金(?:人民币)?([\d,，.]+|{NUM}+)(万)?元", head) or re.search(
        rf"罚金(?:人民币)?([\d,，.]+|{NUM}+)(万)?元", seg)
    if f:
        s.fine = parse_money(f.group(0)[2:])
    r = re.search(rf"剥夺政治权利({NUM}+)年", head)
    if r:
        s.rights_years = cn_to_int(r.group(1))
    if "免予刑事处罚" in seg:
        s.exempt = True
    return s


def _segments(verdict: str, names: list[str]) -> dict[str, str]:
    starts = []
    for n in names:
        i = verdict.find(f"被告人{n}犯")
        if i < 0:
            i = verdict.find(f"被告人{n}")
        if i < 0:
            i = verdict.find(f"{n}犯")
        starts.append((i, n))
    starts.sort()
    out = {}
    for k, (i, n) in enumerate(starts):
        j = starts[k + 1][0] if k + 1 < len(starts) else len(verdict)
        out[n] = verdict[i:j]
    return out


# a date governs the nearest measure after it, never one past another date or outside the bracketed note it
# stands in ("于2014年11月26日被刑事拘留（11月25日被抓获），同年12月26日被逮捕": 25 November is the capture)
CUSTODY_RX = re.compile(r"((?:\d{4}年)?\d{1,2}月\d{1,2}日|次日|同日)"
                        r"((?:(?!\d{1,2}月\d{1,2}日|次日|同日)[^。；;）)]){0,40}?)(刑事拘留|逮捕|取保候审|监视居住|羁押)")


def _custody(part: str) -> list[Custody]:
    out: list[Custody] = []
    last: dt.date | None = None
    for m in CUSTODY_RX.finditer(part):
        raw = m.group(1)
        between = m.group(2)
        if re.search(r"[判处劳动教养行政]", between.replace("刑事", "")) and "行政" in between:
            continue
        if "行政拘留" in part[m.start(3) - 2: m.end(3)]:
            continue
        if raw == "次日" and last:
            d = last + dt.timedelta(days=1)
        elif raw == "同日" and last:
            d = last
        elif re.match(r"\d{4}年", raw):
            d = parse_date(raw)
        elif last:
            mm = re.match(r"(\d{1,2})月(\d{1,2})日", raw)
            try:
                d = dt.date(last.year, int(mm.group(1)), int(mm.group(2))) if mm else None
            except ValueError:
                d = None
        else:
            d = None
        if d is None:
            continue
        # the sentence before must be this case's custody, not an old sentence's ("刑满释放")
        out.append(Custody(m.group(3), d))
        last = d
    return out


def _parties(text: str, names: list[str]) -> dict[str, str]:
    a = text.find("公诉机关")
    b = text.find("人民检察院以", a + 4)
    if b < 0:
        b = text.find("起诉书指控")
    region = text[max(a, 0): b if b > 0 else 3000]
    out = {}
    for n in names:
        i = region.find(f"被告人{n}")
        if i < 0:
            i = region.find(n)
        if i < 0:
            out[n] = ""
            continue
        j = len(region)
        for other in ("被告人", "辩护人", "法定代理人", "诉讼代理人", "附带民事"):
            k = region.find(other, i + 3 + len(n))
            if 0 <= k < j:
                j = k
        out[n] = region[i:j]
    return out


FACT_START = re.compile(r"(?:公诉机关|人民检察院|检察院)(?:起诉书)?(?:起诉)?指控(?:称|认为)?[：:，,]\s*|经审理查明[：:，,]?\s*")
FACT_END = ("上述事实", "上述指控", "公诉机关认为", "公诉机关据此", "据此，公诉机关", "针对上述指控", "针对上述事实",
            "认定上述事实", "公诉机关提供", "公诉机关为证明", "公诉机关为支持", "公诉机关当庭", "公诉机关就", "本院认为",
            "公诉机关提交", "公诉机关出示", "对指控的", "对上述指控", "经审理查明", "以上事实", "该院认为", "公诉机关并",
            "公诉机关以", "公诉机关建议", "为证实", "为了证实", "公诉机关向本院", "检察院认为", "针对指控", "被告人对", "依照", "提请", "认为被告人")


def _facts(text: str) -> str:
    for m in FACT_START.finditer(text):
        start = m.end()
        end = len(text)
        for e in FACT_END:
            i = text.find(e, start + 15)
            if 0 <= i < end:
                end = i
        facts = text[start:end].strip()
        if len(facts) >= 30:
            facts = re.sub(r"\s+", "", facts)
            cut = _before_defence(facts)
            facts = cut if len(cut) >= 30 else facts  # a first sentence that answers itself is kept whole
            # cut a trailing evidence list or half sentence
            k = facts.rfind("。")
            return facts[: k + 1] if k > 20 else facts + "。"
    return ""


# the defence's positions, which follow the prosecution's facts in a judgment (DOMAIN.md, 刑事判决书)
DEFENCE = re.compile(r"辩称|辩解|辩护人|辩护意见|异议|开庭审理过程中|庭审中|当庭")


def _before_defence(facts: str) -> str:
    """The facts up to the first sentence in which the defendant or his counsel answers them."""
    kept = []
    for sent in re.split(r"(?<=。)", facts):
        if DEFENCE.search(sent):
            break
        kept.append(sent)
    return "".join(kept)


ART_RX = re.compile(rf"(?<![{NUM[1:-1]}])第?({NUM}+)(?:条|(?=第{NUM}+款))(之[一二三四五六])?((?:第{NUM}+款)?)")


def _articles(text: str) -> list[str]:
    """The criminal law's special-part articles (≥ 102) the court cites as its basis (else in its reasoning)."""
    i = text.rfind("判决如下")
    if i < 0:
        return []
    starts = sorted({k for w in ("依照", "根据", "依据") for k in _all(text, w, i) if k > text.rfind("本院认为", 0, i)},
                    reverse=True)
    for k in starts:
        out = _articles_in(text[k:i])
        if out:
            return out
    return []


def _all(text: str, word: str, end: int) -> list[int]:
    out, k = [], text.find(word)
    while 0 <= k < end:
        out.append(k)
        k = text.find(word, k + 1)
    return out


def _articles_in(basis: str) -> list[str]:
    # only the criminal law's part of the basis
    j = basis.find("《中华人民共和国刑法》")
    if j < 0:
        return []
    basis = basis[j:]
    k = re.search(r"《(?!中华人民共和国刑法)", basis[5:])
    if k:
        basis = basis[: k.start() + 5]
    out: list[str] = []
    for m in ART_RX.finditer(basis):
        n = cn_to_int(m.group(1))
        if n is None or n < 102 or n > 452:
            continue
        a = f"第{m.group(1)}条{m.group(2) or ''}"
        if a not in out:
            out.append(a)
    return out


# --------------------------------------------------------------------------- circumstances

REJECTED = re.compile(r"不予采纳|不予支持|不能成立|不予认可|不予确认|不予认定|与事实不符|不符合|不予采信|不能认定|不属于|不构成|不足")
ACCEPTED = re.compile(r"予以采纳|予以支持|予以采信|予以确认|予以认定|本院予以|依法可|可以|应当|可予|酌情")
CUES: dict[str, tuple[str, str]] = {
    # circumstance: (pattern, negation in the same clause)
    "累犯": (r"累犯", r"不[是属构]|不认定|非累犯"),
    "自首": (r"自首", r"不[是属构能认成具符]|非自首|不予认定|未能"),
    "坦白": (r"如实供述|如实交代|坦白", r"不如实|未如实|拒不|不能如实"),
    "立功": (r"立功", r"不[是属构能认成]|不予"),
    "未遂": (r"未遂|未得逞", r"不[是属构]|并非"),
    "从犯": (r"从犯|次要作用|辅助作用", r"不[是属构能认]|主犯|并非|均起"),
    "认罪认罚": (r"认罪认罚|具结", r"不适用|未签|拒绝"),
    "退赃退赔": (r"退赃|退赔|退缴|退还.{0,6}(赃|违法所得|损失|款)|返还.{0,4}(赃|被害人)", r"未退|拒不|没有退|尚未"),
    "谅解": (r"谅解", r"未[取获得]*.{0,8}谅解|没有.{0,6}谅解|不谅解|未能"),
    # a criminal record; 违法前科 / (违法)劣迹 are administrative sanctions, not 前科 (DOMAIN.md's 前科 is a crime)
    "前科": (r"(?<!违法)(?<!行政)前科", r"无[^，。]{0,6}前科|没有[^，。]{0,6}前科|初犯"),
    "未成年": (r"(犯罪|作案)时.{0,10}(不满|未满|未成年)|系未成年人|不满十八周岁|未满十八周岁", r"已满十八|容留|引诱|教唆|对未成年|被害人"),
}


def _reasoning(text: str) -> str:
    a = text.rfind("本院认为")
    b = text.find("判决如下", a)
    if a < 0:
        return ""
    return text[a: b if b > 0 else len(text)]


def circumstances(text: str, names: list[str]) -> dict[str, list[str]]:
    """Circumstances the court finds, per defendant (from 本院认为 … 判决如下)."""
    reasoning = _reasoning(text)
    out: dict[str, list[str]] = {n: [] for n in names}
    for sent in re.split(r"[。；;]", reasoning):
        if not sent:
            continue
        about = [n for n in names if n in sent]
        if not about:
            if len(names) == 1:
                about = list(names)
            elif re.search(r"[二两三四五六七八九]被告人|各被告人|上述被告人|被告人均", sent):
                about = list(names)
            else:
                continue
        if len(about) > 1 and not re.search(r"[、和及与]|均|[二两三四五六七八九]被告人|各被告人", sent):
            continue
        pleading = re.search(r"辩护人|辩称|辩解|提出|认为被告人|公诉机关", sent)
        if pleading and (REJECTED.search(sent) or not ACCEPTED.search(sent)):
            continue
        for clause in re.split(r"[，,：:]", sent):
            for circ, (pat, neg) in CUES.items():
                m = re.search(pat, clause)
                if not m or re.search(neg, clause):
                    continue
                if circ != "未成年" and REJECTED.search(clause):
                    continue
                if circ == "坦白" and "自首" in sent:
                    continue
                for n in about:
                    if circ not in out[n]:
                        out[n].append(circ)
    if len(names) == 1:  # the court's legal basis names the circumstances it applied
        basis = _basis(text)
        for rx, circ in BASIS_CIRCS:
            if re.search(rx, basis) and circ not in out[names[0]]:
                if circ == "坦白" and "自首" in out[names[0]]:
                    continue
                out[names[0]].append(circ)
    return out


BASIS_CIRCS = [(r"第六十五条", "累犯"), (r"第六十七条第[一二]款|第六十七条第[一二]、", "自首"), (r"第六十七条第三款", "坦白"),
               (r"第六十八条", "立功"), (r"第二十三条", "未遂"), (r"第二十七条", "从犯")]


def _basis(text: str) -> str:
    i = text.rfind("判决如下")
    j = max(text.rfind("依照", 0, i), text.rfind("根据《", 0, i), text.rfind("依据《", 0, i))
    return text[j:i] if i > 0 and j >= 0 else ""


PLEA_SIGNED = re.compile(r"签[署订字]?[^。；]{0,12}具结|具结书|认罪认罚")


# --------------------------------------------------------------------------- the quoted recommendation

TERMX = rf"(?:{NUM}+年)?[零又]?(?:{NUM}+个?月)?"
QUOTE_RX = re.compile(r"建议[^。；]{0,80}?(有期徒刑|拘役|管制)[^。；]{0,60}")


def _quote_terms(s: str) -> tuple[str | None, int | None, int | None]:
    """(penalty, low, high) months from a quoted recommendation like 有期徒刑六个月至一年."""
    pen = _first(r"(有期徒刑|拘役|管制)", s)
    terms = [m for m in re.finditer(TERMX, s) if m.group(0)]
    vals = [v for v in (term_to_months(m.group(0)) for m in terms) if v]
    if not vals:
        return pen, None, None
    if re.search(r"以下|以内", s) and len(vals) == 1:
        return pen, None, vals[0]
    if re.search(r"以上", s) and len(vals) == 1 and not re.search(r"以下", s):
        return pen, vals[0], None
    if len(vals) >= 2:
        return pen, min(vals[:2]), max(vals[:2])
    return pen, vals[0], vals[0]


MONEY = rf"(?:人民币)?(?:[\d,，.]+|{NUM}+)万?元"
FINE_RANGE = re.compile(rf"罚金({MONEY})(?:以上)?(?:至|到|—|-|～|~)({MONEY})(?:以下)?")


def _quote_fine(q: Quote, seg: str) -> None:
    """The quoted fine as written: a range stays a range; a bare upper bound ("罚金一万元以下") names no amount."""
    r = FINE_RANGE.search(seg)
    fm = re.search(rf"罚金({MONEY})(以下|以内)?", seg)
    if r:
        q.fine, q.fine_high = parse_money(r.group(1)), parse_money(r.group(2))
    elif fm and not fm.group(2):
        q.fine = parse_money(fm.group(1))
    elif "罚金" in seg:
        q.fine_mentioned = True


def _defence_speaking(text: str, at: int) -> bool:
    """The suggestion is the defence's: since the last mention of the prosecution the defence spoke
    ("辩护人提出…被告人系初犯…建议对其从轻处罚")."""
    back = text[max(0, at - 300): at]
    d = max(back.rfind("辩护"), back.rfind("辩称"))
    p = max(back.rfind("公诉机关"), back.rfind("检察院"), back.rfind("起诉书"), back.rfind("公诉人"))
    return d > p


def _per_charge(text: str, m: re.Match[str]) -> bool:
    """A recommendation for each charge without the sentence to execute ("对其所犯甲罪，判处…；犯乙罪，判处…")."""
    return bool(re.search(r"所犯|对其犯", m.group(0)) or re.match(r"[；;]\s*犯", text[m.end(): m.end() + 4]))


def quotes(text: str, names: list[str]) -> list[Quote]:
    out: list[Quote] = []
    for m in QUOTE_RX.finditer(text):
        before = text[max(0, m.start() - 60): m.start()]
        sent_start = max(before.rfind("。"), before.rfind("；"))
        lead = before[sent_start + 1:]
        # "被告人…的供述和辩解" is an item of evidence, not the defence speaking
        if re.search(r"辩护人|辩称|(?<!供述和)(?<!供述与)辩解|被告人[^。]{0,10}(提出|请求)|代理人|社区矫正|司法局",
                     lead):
            continue
        if _defence_speaking(text, m.start()):
            continue
        seg = m.group(0)
        # the probation term is not part of the term range ("拘役四个月，缓刑六个月")
        cut = re.search(r"[，,]?\s*(?:宣告|适用|可适用|并)?缓刑", seg)
        pen, lo, hi = _quote_terms(seg[: cut.start()] if cut else seg)
        who = [n for n in names if n in seg or n in lead]
        if not who and re.search(r"[二两三四五六七八九]被告人|各被告人|上述被告人|被告人均|分别", seg + lead):
            who = list(names)
        q = Quote(seg, pen, lo, hi, "缓刑" in seg, who)
        pm = re.search(rf"缓刑({TERMX})", seg)
        if pm and pm.group(1):
            q.probation_months = term_to_months(pm.group(1))
        _quote_fine(q, seg)
        q.mixed = len(set(re.findall(r"有期徒刑|拘役|管制", seg))) > 1 or _per_charge(text, m)
        out.append(q)
    return out


# --------------------------------------------------------------------------- the whole judgment


def verdict_charges(seg: str) -> list[str]:
    """The charges one defendant is convicted of in his part of the verdict: "犯伪造国家机关证件、印章罪"
    is one charge, "犯盗窃罪、抢劫罪" two; an earlier sentence's charge ("与之前犯诈骗罪…没有执行的",
    "前罪") is not one of this case. A name in the official catalogue is read whole, also when it
    holds 犯罪 (传授犯罪方法罪, 掩饰、隐瞒犯罪所得、犯罪所得收益罪) or 犯 (侵犯著作权罪)."""
    cat = catalogue()
    out: list[str] = []
    pos = 0
    while (m := re.search(r"犯([^，；。\s]{2,40}?罪(?:、[^，；。\s]{2,24}?罪)*)", seg[pos:])) is not None:
        a = pos + m.start()
        pos = pos + m.end()
        stop = re.search(r"[，；。\s]", seg[a:])
        b = a + stop.start() if stop else len(seg)  # the clause, read with the catalogue
        if re.search(r"前|曾|原判|以往|刑满", seg[max(0, a - 6): a]):
            continue
        at = a + 1
        while at < b:
            whole = _catalogue_name(seg, at, cat)
            if whole:
                c, at = whole, at + len(whole)
            else:
                k = seg.find("罪", at, b)
                while 0 < k and seg[k - 1] == "犯":  # the 罪 of 犯罪 inside a name
                    k = seg.find("罪", k + 1, b)
                if k < 0:
                    break
                c, at = seg[at: k + 1], k + 1
                # a short form of an official name holding 犯罪 ("掩饰、隐瞒犯罪所得罪") is kept as written
                if "犯罪" in c and not any(n.startswith(c[:-1]) for n in cat):
                    break
            pos = max(pos, at)
            if c not in out:
                out.append(c)
            if seg[at: at + 1] != "、":
                break
            at += 1
    return out


def _catalogue_name(seg: str, at: int, cat: frozenset[str]) -> str | None:
    """The longest official charge name starting at ``at`` (the start moved back over a word
    ending in 犯, "侵犯…" read from its 犯)."""
    best = None
    for back in (0, 1):
        s = at - back
        if s < 0:
            continue
        for n in range(min(40, len(seg) - s), 2, -1):
            if seg[s + n - 1] == "罪" and seg[s: s + n] in cat:
                if best is None or n > len(best):
                    best = seg[s: s + n]
                break
    return best


def catalogue() -> frozenset[str]:
    from eval.gen2.catalogue import charges

    return charges()


SECOND_INSTANCE = re.compile(r"上诉人|原审被告人|被告人[）)]|再审|抗诉机关|刑事裁定书")
# a private prosecution (自诉): no procuratorate, no indictment or recommendation to write
PRIVATE = re.compile(r"自诉人")


def read(jid: str, text: str) -> Judgment | None:
    if SECOND_INSTANCE.search(text[:400]):  # appeal and retrial: no first-instance indictment to write
        return None
    if PRIVATE.search(text[:600]) and "公诉机关" not in text[:600]:
        return None
    verdict = _verdict(text)
    names = _listed_names(verdict, text, _names_in_verdict(verdict))
    if not names:
        return None
    segs = _segments(verdict, names)
    parties = _parties(text, names)
    circs = circumstances(text, names)
    defendants = []
    for n in names:
        seg = segs.get(n, "")
        p = parties.get(n, "")
        d = Defendant(n)
        d.sex = _first(r"[，,]\s*(男|女)[，,。]", p)
        bm = re.search(r"(\d{4}年\d{1,2}月\d{1,2}日)(?:出生|生)", p)
        d.birth = parse_date(bm.group(1)) if bm else None
        bp = _first(r"出生于([^，,。]{2,20})", p)
        d.birthplace = bp
        d.id_number = _first(r"(?<![\dXx])(\d{17}[\dXx])(?![\dXx])", p)
        d.ethnicity = _first(r"[，,]([^，,。\s]{1,6}族)[，,。]", p)
        d.education = _first(r"[，,]([^，,。\s]{0,4}(?:文化|文盲|大学|大专|中专|高中|初中|小学|本科|研究生))(?:文化)?[，,。]", p)
        d.custody = _custody(p)
        d.charges = verdict_charges(seg)
        d.sentence = read_sentence(seg)
        tm = re.search(r"自(\d{4}年\d{1,2}月\d{1,2}日)起至(\d{4}年\d{1,2}月\d{1,2}日)止", seg)
        if tm:
            d.term_start, d.term_end = parse_date(tm.group(1)), parse_date(tm.group(2))
        d.circumstances = circs.get(n, [])
        defendants.append(d)
    if not any(d.charges for d in defendants):
        return None
    tail = text[text.rfind("如不服"):] if "如不服" in text else text[-400:]
    pros = _first(r"指派(?:代理)?检察(?:员|官)([^\s，。、出]{2,4}?)(?:、[^\s，。]{2,4})?出庭", text)
    return Judgment(
        id=jid,
        text=text,
        court=_court(text),
        case_number=_first(r"([（(]\d{4}[）)][^号\s]{2,24}?号)", text[:300]) or "",
        procuratorate=_first(r"公诉机关\s*([^\s，。]{2,40}?人民检察院)", text) or "",
        indictment_number=indictment_number(text),
        prosecution_date=parse_date(_first(r"于(\d{4}年\d{1,2}月\d{1,2}日)向本院提起公诉", text) or ""),
        judgment_date=parse_date(tail),
        facts=_facts(text),
        articles=_articles(text),
        defendants=defendants,
        prosecutor=pros,
        quotes=quotes(text[: text.rfind("判决如下") if "判决如下" in text else len(text)], names),
        plea_signed=bool(PLEA_SIGNED.search(text)),
        verdict=verdict,
        names_differ=any(not parties.get(n) for n in names),
    )
