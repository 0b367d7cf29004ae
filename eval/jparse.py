"""A small, independent parser of real judgments, used only to *generate* eval cases.

It deliberately shares no code with ``models`` (the eval must not reuse what it measures).
It is precise rather than complete: when something is unclear it returns None and the
generator skips the judgment (or the injection kinds that need the missing element).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import cn2an

CN_NUM = "零〇一二两三四五六七八九十百千万"
_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_REL_DATE_RE = re.compile(r"(?:(\d{4})年|同年)(\d{1,2})月(\d{1,2})日")
_CN_DATE_RE = re.compile(r"([二〇零一三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_DEF_RE = re.compile(r"^被告人[：:]?(?:自报)?([\u4e00-\u9fa5\d×Ｘ某·]{1,12}?)(?:（[^）]*）)?[，,。]")
_SEX_RE = re.compile(r"[，,]([男女])[，,。]")
_BIRTH_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:出生|生)")
_INDICT_NO_RE = re.compile(
    r"以([\u4e00-\u9fa5]{1,12}(?:刑诉|诉刑诉|诉|刑检)[\u4e00-\u9fa5]{0,4}[〔［\[（(]\s*\d{4}\s*[〕］\]）)]\s*第?\d{1,6}号)"
)
_PROSEC_DATE_RE = re.compile(r"于(\d{4}年\d{1,2}月\d{1,2}日)(?:向本院)?提起公诉")
_VERDICT_RE = re.compile(
    r"被告人([\u4e00-\u9fa5\d×某·]{1,12}?)犯([\u4e00-\u9fa5、，]{2,40}?)罪[，,]\s*判处"
    r"(有期徒刑|拘役|管制)([一二三四五六七八九十]+年)?零?([一二三四五六七八九十]+个月)?"
    r"(?:[，,]?\s*(?:宣告)?缓刑([一二三四五六七八九十]+年)?零?([一二三四五六七八九十]+个月)?)?"
    r"(?:[，,]\s*(?:并处|单处)?罚金(?:人民币)?([0-9一二三四五六七八九十百千万零〇两.,，]+)元)?"
)
_TERM_DATES_RE = re.compile(r"即(?:被告人[\u4e00-\u9fa5\d某]{1,5}的刑期)?自(\d{4}年\d{1,2}月\d{1,2}日)起至(\d{4}年\d{1,2}月\d{1,2}日)止")
_CITE_SEG_RE = re.compile(r"《中华人民共和国刑法》((?:第[一二三四五六七八九十百零]+条[^《》；。]*?)+?)(?=之规定|的规定|及|和《|，《|、《|《|$)")
_ART_TOKEN_RE = re.compile(r"第([一二三四五六七八九十百零]+)条(?:之([一二三四五六七八九十]))?")
_CITE_CLEAN_RE = re.compile(
    r"第[一二三四五六七八九十百零]+条(?:之[一二三四五六七八九十])?(?:第[一二三四五六七八九十]+款)?"
    r"(?:第（[一二三四五六七八九十]+）项)?(?:[、和]第[一二三四五六七八九十]+款(?![^、]*条))*"
)

# Circumstances recognised in 本院认为, with the cue regex; negation is checked separately.
CIRC_CUES: dict[str, str] = {
    "自首": r"(?:系|是|构成|属于?|成立|认定为?)自首|自首情节",
    "坦白": r"如实供述|坦白",
    "累犯": r"(?:系|是|构成|属于?)累犯",
    "未遂": r"犯罪未遂|系未遂|属未遂|未得逞",
    "从犯": r"(?:系|是|属于?|为|认定为)从犯|起次要作用|起辅助作用",
    "立功": r"立功表现|构成立功|系立功|有立功",
    "认罪认罚": r"认罪认罚",
    "谅解": r"谅解",
    "退赃退赔": r"退赃|退赔|退还[^，。]{0,6}(?:赃款|违法所得|损失)|退缴",
    "前科": r"有前科|前科劣迹",
}
_CIRC_RES = {k: re.compile(v) for k, v in CIRC_CUES.items()}
_NEG_RE = re.compile(r"(?:不|未|没有|无|非|否)[\u4e00-\u9fa5]{0,5}$")


@dataclass
class Sentence:
    penalty: str
    term_months: int
    probation_months: int | None = None
    fine_yuan: int | None = None
    text: str = ""  # the verdict text matched
    start: int = 0


@dataclass
class JDefendant:
    name: str
    sex: str | None
    birth: dt.date | None
    para: str  # the judgment's particulars paragraph
    para_start: int
    charges: list[str] = field(default_factory=list)
    sentence: Sentence | None = None
    circumstances: list[str] = field(default_factory=list)
    detention: dt.date | None = None
    arrest: dt.date | None = None
    has_record: bool = False


@dataclass
class ParsedJudgment:
    id: str
    text: str
    court: str
    case_number: str | None
    procuratorate: str
    defendants: list[JDefendant]
    indictment_no: str | None
    prosecution_date: dt.date | None
    judgment_date: dt.date | None
    facts: str
    facts_from_accusation: bool
    evidence: list[str]
    reasoning_clause: str | None
    crime_cites: list[str]  # e.g. ["第二百六十四条", "第三百四十七条第一款、第四款"]
    crime_articles: list[tuple[int, int]]  # (article, sub) in the same order
    term_dates: list[tuple[int, int, dt.date, dt.date]]  # (start, end offsets of the end date, start, end)
    opinion: str  # the 本院认为 paragraph(s)
    plea: bool  # 认罪认罚 mentioned
    prosecutor: str | None
    offence_date: dt.date | None
    quoted_recommendation: str | None


def cn_int(s: str) -> int | None:
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    try:
        return int(cn2an.cn2an(s.replace("两", "二"), "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _money(s: str) -> int | None:
    s = s.replace(",", "").replace("，", "")
    if re.fullmatch(r"\d+(\.\d+)?", s):
        v = float(s)
        return int(v) if v == int(v) else None
    v = cn_int(s)
    return v


def _date(s: str) -> dt.date | None:
    m = _DATE_RE.search(s)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _cn_date(s: str) -> dt.date | None:
    last = None
    for m in _CN_DATE_RE.finditer(s):
        last = m
    if not last:
        return None
    y = int(last[1].translate(str.maketrans("〇零一二三四五六七八九", "00123456789")))
    mo, d = cn_int(last[2]), cn_int(last[3])
    try:
        return dt.date(y, mo or 0, d or 0)
    except ValueError:
        return None


def _term(y: str | None, m: str | None) -> int | None:
    if not y and not m:
        return None
    total = 0
    if y:
        v = cn_int(y[:-1])
        if v is None:
            return None
        total += 12 * v
    if m:
        v = cn_int(m[:-2])
        if v is None:
            return None
        total += v
    return total


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Paragraphs with their start offsets (real data separates them by single spaces)."""
    out: list[tuple[int, str]] = []
    pos = 0
    for part in re.split(r"[ \n]", text):
        if part:
            out.append((pos, part))
        pos += len(part) + 1
    return out


def _measure_dates(para: str) -> tuple[dt.date | None, dt.date | None]:
    """刑事拘留 and 逮捕 dates in a particulars paragraph (resolving 同年)."""
    det = arr = None
    year = None
    for clause in re.split(r"[，。；]", para):
        m = _REL_DATE_RE.search(clause)
        d = None
        if m:
            y = int(m[1]) if m[1] else year
            if y:
                try:
                    d = dt.date(y, int(m[2]), int(m[3]))
                except ValueError:
                    d = None
            year = y if y else year
        if d is None:
            continue
        if "刑事拘留" in clause and det is None:
            det = d
        elif "逮捕" in clause and "批准" not in clause.replace("批准逮捕，", "") and arr is None:
            arr = d
        elif "逮捕" in clause and arr is None:
            arr = d
    return det, arr


def _circumstances(opinion: str, name: str, n_defs: int) -> list[str]:
    found: list[str] = []
    for sent in re.split(r"[。；]", opinion):
        names_here = name in sent
        if n_defs > 1 and not names_here:
            continue
        for circ, rx in _CIRC_RES.items():
            for m in rx.finditer(sent):
                before = sent[max(0, m.start() - 8) : m.start()]
                if (_NEG_RE.search(before) or "不予" in sent or "不能认定" in sent or "不构成" in sent
                        or "不能以" in sent or "辩解" in sent or "辩护意见" in sent):
                    continue
                if circ == "坦白" and ("自首" in sent or "当庭" in sent[max(0, m.start() - 6) : m.start()]):
                    continue
                if circ not in found:
                    found.append(circ)
    order = list(CIRC_CUES)
    return sorted(found, key=order.index)


_QTERM_RE = re.compile(r"([一二三四五六七八九十]+年)?零?([一二三四五六七八九十]+个月)?")
_PEN_RE = re.compile(r"有期徒刑|拘役|管制")
_FLOOR = {"有期徒刑": 6, "拘役": 1, "管制": 3}


def quoted_range(quote: str | None) -> tuple[str, int, int] | None:
    """(penalty, lo, hi) months of a quoted recommendation, or None when unclear.

    Reads 有期徒刑一年至二年 / 一年以上二年以下有期徒刑 / 二个月以下拘役 / 有期徒刑一年六个月以下.
    """
    if not quote:
        return None
    pens = set(_PEN_RE.findall(quote))
    if len(pens) != 1:
        return None
    pen = pens.pop()
    terms = [(m, _term(m[1], m[2])) for m in _QTERM_RE.finditer(quote) if (m[1] or m[2])
             and not re.search(r"(?:缓刑|缓期|考验期(?:限)?为?)$", quote[: m.start()])]
    terms = [(m, t) for m, t in terms if t is not None]
    if not terms or len(terms) > 2:
        return None
    if len(terms) == 2:
        lo, hi = terms[0][1], terms[1][1]
    else:
        m, t = terms[0]
        after = quote[m.end() : m.end() + 3]
        if after.startswith("以下") or re.match(r"(?:有期徒刑|拘役|管制)?以下", after):
            lo, hi = _FLOOR[pen], t
        elif after.startswith("以上"):
            return None
        else:
            lo = hi = t
    if lo is None or hi is None or hi < lo:
        return None
    return pen, lo, hi


def quoted_range_for(quote: str | None, name: str, names: list[str]) -> tuple[str, int, int] | None:
    """The quoted range of one defendant: the clause naming him when the quotation lists several
    defendants ("对被告人甲在有期徒刑…，对被告人乙、丙在…"), else the whole quotation."""
    if not quote:
        return None
    clauses = [c for c in re.split(r"[；;]|[，,](?=对)", quote) if _PEN_RE.search(c)]
    mine = [c for c in clauses if name in c]
    if len(mine) == 1 and (len(clauses) > 1 or len(names) > 1):
        return quoted_range(mine[0])
    if len(names) == 1:
        return quoted_range(quote)
    return None


def find_quoted_recommendation(text: str) -> str | None:
    """The first sentence before 本院认为 where the prosecution recommends a sentence."""
    end = text.find("本院认为")
    head = text[: end if end > 0 else len(text)]
    for m in re.finditer(r"[^。]*建议[^。]*(?:有期徒刑|拘役|管制)[^。]*。", head):
        return m[0]
    return None


def parse_judgment(jid: str, text: str) -> ParsedJudgment | None:
    paras = paragraphs(text)
    court = None
    for _, p in paras[:4]:
        if re.fullmatch(r"[\u4e00-\u9fa5（）]{2,30}人民法院", p):
            court = p
            break
    m = re.search(r"公诉机关[：:]?([\u4e00-\u9fa5]{2,30}?人民检察院)", text)
    if not court or not m:
        return None
    procuratorate = m[1]
    cn = re.search(r"[（(]\d{4}[）)][\u4e00-\u9fa5\d]{1,14}刑初(?:字第)?\d+号", text)
    case_number = cn[0] if cn else None

    # defendants: particulars paragraphs before the trial-history paragraph
    defs: list[JDefendant] = []
    for start, p in paras:
        if "提起公诉" in p or "指控" in p:
            break
        dm = _DEF_RE.match(p)
        if dm:
            b = _BIRTH_RE.search(p)
            birth = None
            if b:
                try:
                    birth = dt.date(int(b[1]), int(b[2]), int(b[3]))
                except ValueError:
                    birth = None
            det, arr = _measure_dates(p)
            rec = bool(re.search(r"曾因|因犯[\u4e00-\u9fa5、]+罪|刑满释放|判处|行政拘留", p))
            sm = _SEX_RE.search(p[:40])
            defs.append(JDefendant(dm[1], sm[1] if sm else None, birth, p, start, detention=det, arrest=arr, has_record=rec))
    if not defs:
        return None
    names = [d.name for d in defs]
    if len(set(names)) != len(names):
        return None

    ino = _INDICT_NO_RE.search(text)
    pd = _PROSEC_DATE_RE.search(text)
    prosecution_date = _date(pd[1]) if pd else None

    # verdict: after 判决如下
    vpos = text.find("判决如下")
    if vpos < 0:
        return None
    verdict = text[vpos:]
    end_v = verdict.find("如不服本判决")
    verdict = verdict[: end_v if end_v > 0 else len(verdict)]
    if re.search(r"决定执行|数罪并罚|剥夺政治权利|没收(?:个人)?(?:全部)?财产|免予刑事处罚|无期徒刑|死刑", verdict):
        return None
    for vm in _VERDICT_RE.finditer(verdict):
        d = next((x for x in defs if x.name == vm[1]), None)
        if d is None or d.sentence is not None:
            return None
        months = _term(vm[4], vm[5])
        if months is None:
            return None
        prob = _term(vm[6], vm[7]) if (vm[6] or vm[7]) else None
        if "缓刑" in vm[0] and prob is None:
            return None
        fine = _money(vm[8]) if vm[8] else None
        if vm[8] and fine is None:
            return None
        d.charges = [vm[2]]
        d.sentence = Sentence(vm[3], months, prob, fine, vm[0], vpos + vm.start())
        # the whole sentence clause must not hold anything the regex did not capture
        clause = re.split(r"[。；（(]", verdict[vm.start() :], maxsplit=1)[0]
        if ("缓刑" in clause and prob is None) or ("罚金" in clause and fine is None):
            return None
        if len(re.findall(r"犯[\u4e00-\u9fa5、]{2,30}?罪", clause)) > 1 or re.search(r"[；;]\s*犯", verdict[vm.start() :][:200]):
            return None
    if any(d.sentence is None for d in defs):
        return None
    # one charge each; the charge string must be a plain name
    for d in defs:
        if any(ch in d.charges[0] for ch in "，,") or "罪" in d.charges[0]:
            return None

    term_dates = []
    for tm in _TERM_DATES_RE.finditer(text):
        s, e = _date(tm[1]), _date(tm[2])
        if s and e:
            term_dates.append((tm.start(2), tm.end(2), s, e))

    # 本院认为 paragraph(s)
    opinion_parts = []
    for _, p in paras:
        if p.startswith("本院认为"):
            opinion_parts.append(p)
    opinion = " ".join(opinion_parts)
    if not opinion:
        return None
    for d in defs:
        d.circumstances = _circumstances(opinion, d.name, len(defs))

    # cited crime articles, from the paragraph holding 判决如下
    cite_para = next((p for _, p in paras if "判决如下" in p), "")
    crime_cites: list[str] = []
    crime_articles: list[tuple[int, int]] = []
    for seg in _CITE_SEG_RE.finditer(cite_para):
        body = seg[1]
        # split into article chunks: each starts with 第…条
        chunks = re.split(r"[、，](?=第[一二三四五六七八九十百零]+条)", body)
        for ch in chunks:
            am = _ART_TOKEN_RE.match(ch)
            if not am:
                continue
            art = cn_int(am[1])
            if art is None or art < 102 or art > 452:
                continue
            sub = cn_int(am[2]) if am[2] else 0
            cm = _CITE_CLEAN_RE.match(ch.strip())
            if not cm:
                continue
            clean = cm[0].replace("和", "、")
            if (art, sub or 0) not in crime_articles:
                crime_articles.append((art, sub or 0))
                crime_cites.append(clean)
    if not crime_cites:
        return None

    # accusation facts: "公诉机关指控" / "××人民检察院指控"
    facts = ""
    from_acc = False
    quoted_rec = None
    acc_idx = None
    for i, (_, p) in enumerate(paras):
        if re.match(r"^(?:公诉机关|[\u4e00-\u9fa5]{2,20}人民检察院)(?:起诉书)?指控(?:称)?[：:，,]?", p) and i > 0:
            acc_idx = i
            break
    stop_re = re.compile(r"^(?:上述事实|公诉机关(?:认为|列举|提供|当庭|就)|[\u4e00-\u9fa5]{0,20}检察院认为|被告人|辩护人|经审理查明|本院认为|针对|对于|另查明|公诉机关据此|据此|综上)")
    if acc_idx is not None:
        parts = []
        first = re.sub(r"^(?:公诉机关|[\u4e00-\u9fa5]{2,20}人民检察院)(?:起诉书)?指控(?:称)?[：:，,]?", "", paras[acc_idx][1])
        parts.append(first)
        for _, p in paras[acc_idx + 1 : acc_idx + 15]:
            if stop_re.match(p):
                break
            parts.append(p)
        # cut at the first sentence that draws conclusions or recommends
        joined = "\n".join(parts)
        cut = re.search(r"[。；](?=[^。]*?(?:建议|上述事实|公诉机关认为|认为被告人|据此|为证明|针对上述|提供了|随案移送))", joined)
        if cut:
            rest = joined[cut.end():]
            rm = re.search(r"建议[^。]*?(?:判处|处以?)[^。]*。", rest)
            if rm:
                quoted_rec = rm[0]
            joined = joined[: cut.end()]
        facts = joined.strip()
        from_acc = True
    if len(facts) < 30:
        # fall back to the court's findings
        for i, (_, p) in enumerate(paras):
            if p.startswith("经审理查明"):
                parts = [re.sub(r"^经审理查明[：:，,]?", "", p)]
                for _, q in paras[i + 1 : i + 12]:
                    if stop_re.match(q) or q.startswith("案发后") or "证据" in q:
                        break
                    parts.append(q)
                facts = "\n".join(x for x in parts if x)
                from_acc = False
                break
    facts = re.sub(r"^(?:并)?经(?:本院)?(?:依法)?(?:审理)?查明[：:，,]?", "", facts).strip()
    if len(facts) < 30 or len(facts) > 6000:
        return None
    quoted_rec = find_quoted_recommendation(text)

    # evidence: "上述事实，…有…等证据证实"
    evidence: list[str] = []
    em = re.search(r"上述事实[^。]*?有([^。]{6,600}?)等(?:证据|经)[^。]*。", text)
    if em:
        evidence = [e for e in re.split(r"[，、；]", em[1]) if 2 <= len(e) <= 60][:14]
    # reasoning clause: "本院认为，被告人…，其行为"
    rc = None
    om = re.match(r"本院认为[，,](.{10,200}?)[，,]\s*其行为", opinion)
    if om and "公诉机关" not in om[1] and "辩护" not in om[1]:
        rc = om[1]
    pm = re.search(r"指派(?:代理)?(?:检察员|检察官|助理检察员)([\u4e00-\u9fa5某]{2,3}?)(?:出庭|、)", text)
    prosecutor = pm[1] if pm else None
    od = _date(facts)
    return ParsedJudgment(
        id=jid,
        text=text,
        court=court,
        case_number=case_number,
        procuratorate=procuratorate,
        defendants=defs,
        indictment_no=ino[1] if ino else None,
        prosecution_date=prosecution_date,
        judgment_date=_cn_date(text[-600:]) or _cn_date(text),
        facts=facts,
        facts_from_accusation=from_acc,
        evidence=evidence,
        reasoning_clause=rc,
        crime_cites=crime_cites,
        crime_articles=crime_articles,
        term_dates=term_dates,
        opinion=opinion,
        plea="认罪认罚" in text,
        prosecutor=prosecutor,
        offence_date=od,
        quoted_recommendation=quoted_rec,
    )
