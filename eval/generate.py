"""Generate complete three-document cases (起诉书, 量刑建议书, 刑事判决书) from real judgments.

For each real judgment: parse it with the independent parser in ``eval.jparse``, build a
``Spec`` (what the case says), render a clean indictment and recommendation consistent with the
judged sentence, then derive one injected case per applicable kind in ``injections.yaml``.
Everything is seeded by the judgment id and the kind: regenerating yields identical files.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn2an
import yaml

from eval.jparse import ParsedJudgment, parse_judgment, quoted_range_for
from models.sentencing.dates import age_on

HERE = Path(__file__).parent
DATA = HERE / "data"
SEED = "jiancha-eval-v1"
MAX_INJECTED = 10  # injected cases per judgment (rare kinds always included when applicable)


@lru_cache(maxsize=1)
def gen_data() -> dict[str, Any]:
    return yaml.safe_load((HERE / "gen_data.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def kinds() -> list[dict[str, Any]]:
    return yaml.safe_load((HERE / "injections.yaml").read_text(encoding="utf-8"))["kinds"]


# --------------------------------------------------------------------------- small helpers


def fmt_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_num(n: int) -> str:
    return cn2an.an2cn(n, "low")


def term_text(months: int) -> str:
    y, m = divmod(months, 12)
    s = f"{cn_num(y)}年" if y else ""
    if m:
        s += f"{cn_num(m)}个月"
    return s


def money_words(yuan: int) -> str:
    """人民币 in capital numerals: 3000 → 叁仟元."""
    return cn2an.an2cn(yuan, "up") + "元"


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def id_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return "10X98765432"[s % 11]


def make_id(rng: random.Random, court: str, birth: dt.date, sex: str | None) -> str:
    regions = gen_data()["id_regions"]
    codes = next((v for k, v in regions.items() if court.startswith(k)), regions["_default"])
    seq = rng.randrange(10, 99) * 10 + rng.randrange(0, 10)
    if sex == "男" and seq % 2 == 0:
        seq += 1
    if sex == "女" and seq % 2 == 1:
        seq = seq + 1 if seq < 999 else seq - 1
    first17 = f"{rng.choice(codes)}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def article_cn(art: int, sub: int = 0) -> str:
    s = f"第{cn_num(art)}条"
    return s + (f"之{cn_num(sub)}" if sub else "")


def art_key(art: int, sub: int) -> str:
    return f"{art}.{sub}" if sub else str(art)


def split_of(source_id: str) -> str:
    """Fixed split: sha1(id) → 60% dev / 40% test."""
    h = int(hashlib.sha1(source_id.encode("utf-8")).hexdigest()[:8], 16)
    return "dev" if h % 100 < 60 else "test"


# --------------------------------------------------------------------------- the case spec


@dataclass
class Rec:
    """The recommended sentence of one defendant."""

    penalty: str
    lo: int
    hi: int
    probation_months: int | None = None
    fine: int | None = None
    fine_words: bool = False  # write the fine as 人民币叁仟元（3000元）
    fine_words_value: int | None = None  # words written for a different value (injection)

    def text(self) -> str:
        s = self.penalty + (term_text(self.lo) if self.lo == self.hi else f"{term_text(self.lo)}至{term_text(self.hi)}")
        if self.probation_months:
            s += f"，缓刑{term_text(self.probation_months)}"
        if self.fine:
            if self.fine_words:
                words = money_words(self.fine_words_value or self.fine)
                s += f"，并处罚金人民币{words}（{self.fine}元）"
            else:
                s += f"，并处罚金人民币{self.fine}元"
        return s


@dataclass
class DefSpec:
    name: str
    sex: str | None
    birth: dt.date | None
    id_number: str | None
    particulars: str  # the indictment's particulars paragraph (with ID number)
    charge: str
    circumstances: list[str]
    rec: Rec
    rec_circumstances: list[str]
    detention: dt.date | None = None
    arrest: dt.date | None = None
    custody: bool = True


@dataclass
class Spec:
    source_id: str
    pj: ParsedJudgment
    court: str
    procuratorate: str
    police: str
    indictment_no: str
    rec_no: str
    defendants: list[DefSpec]
    charge: str  # the (single) charge of the case
    indictment_charge: str
    cites: list[str]  # crime articles as cited, e.g. 第二百六十四条
    indictment_cites: list[str]
    facts: str
    evidence: list[str]
    reasoning: str
    transfer_date: dt.date
    indictment_date: dt.date
    prosecutor: str
    plea: bool
    statutory_text: str | None
    judgment: str
    rec_names: dict[str, str] = field(default_factory=dict)  # name as written in the rec
    ind_names: dict[str, str] = field(default_factory=dict)  # name as written in the indictment
    arrest_override: dict[str, str] = field(default_factory=dict)  # name → new arrest date text


# --------------------------------------------------------------------------- building


_CLAUSE_SPLIT_RE = re.compile(r"(?<=[，。；])")
_DATE_FULL_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _indictment_particulars(para: str, birth: dt.date | None, id_number: str | None, until: dt.date) -> str:
    """The judgment's particulars paragraph as the procuratorate would write it on ``until``."""
    p = re.sub(r"^被告人[：:]", "被告人", para)
    p = p.replace("被告人自报", "被告人")
    # drop clauses the procuratorate cannot know (court measures, later dates)
    kept: list[str] = []
    year = None
    for clause in _CLAUSE_SPLIT_RE.split(p):
        if not clause:
            continue
        m = _DATE_FULL_RE.search(clause)
        late = False
        if m:
            year = int(m[1])
            try:
                late = dt.date(int(m[1]), int(m[2]), int(m[3])) > until
            except ValueError:
                late = False
        else:
            rm = re.search(r"同年(\d{1,2})月(\d{1,2})日", clause)
            if rm and year:
                try:
                    late = dt.date(year, int(rm[1]), int(rm[2])) > until
                except ValueError:
                    late = False
        if "本院" in clause or "法院决定" in clause or late:
            if kept and clause.endswith("。") and not kept[-1].endswith("。"):
                kept[-1] = kept[-1][:-1] + "。"
            continue
        kept.append(clause)
    p = "".join(kept)
    if not p.endswith("。"):
        p = p.rstrip("，；") + "。"
    if id_number and birth:
        bm = re.search(r"\d{4}年\d{1,2}月\d{1,2}日(?:出生|生)[^，。]*[，。]", p)
        if bm:
            end = bm.end()
            sep = p[end - 1]
            p = p[: end - 1] + f"，身份证号码{id_number}" + sep + p[end:]
    return p


def _police(procuratorate: str) -> str:
    base = procuratorate.replace("人民检察院", "")
    m = re.match(r"^(上海市|北京市|天津市|重庆市)(.+区)$", base)
    if m:
        return f"{m[1]}公安局{m[2][:-1]}分局"
    return base + "公安局"


def _rec_number(ino: str, year: int) -> str:
    if "刑诉" in ino:
        return ino.replace("刑诉", "量建", 1)
    m = re.match(r"^(.*?)(诉|刑检)(.*)$", ino)
    if m:
        return f"{m[1]}{m[2]}量建{m[3]}"
    return f"{ino[:-1]}量建号"


def _clean_rec(rng: random.Random, s_pen: str, t: int, prob: int | None, fine: int | None, plea: bool) -> Rec:
    lo = hi = t
    if not plea and not prob:
        step = 1 if t <= 12 else (2 if t <= 36 else 6)
        lo = t - step * rng.randint(0, 2)
        hi = t + step * rng.randint(1, 3)
        floor, ceil = {"有期徒刑": (6, 180), "拘役": (1, 6), "管制": (3, 24)}[s_pen]
        lo, hi = max(lo, floor), min(hi, ceil)
        lo, hi = min(lo, t), max(hi, t)
    return Rec(s_pen, lo, hi, prob, fine, fine_words=bool(fine) and rng.random() < 0.5)


def build_spec(pj: ParsedJudgment) -> Spec | None:
    rng = random.Random(f"{SEED}:{pj.id}:spec")
    charges = {d.charges[0] for d in pj.defendants}
    if len(charges) != 1:
        return None
    charge = charges.pop()
    if pj.prosecution_date:
        ind_date = pj.prosecution_date - dt.timedelta(days=rng.randint(0, 4))
    elif pj.judgment_date:
        ind_date = pj.judgment_date - dt.timedelta(days=rng.randint(25, 50))
    else:
        return None
    if pj.judgment_date and ind_date >= pj.judgment_date:
        return None
    bounds = [d for d in [pj.offence_date] if d and d < ind_date]
    for d in pj.defendants:
        bounds += [x for x in (d.detention, d.arrest) if x and x < ind_date]
    transfer = ind_date - dt.timedelta(days=rng.randint(8, 40))
    if bounds and transfer <= max(bounds):
        transfer = max(bounds) + dt.timedelta(days=1)
    if transfer >= ind_date:
        return None
    ino = pj.indictment_no
    if not ino and re.search(r"\d+号(?:起诉书)?[，,]?\s*指控", pj.text):
        return None  # the judgment cites a number we cannot read: a made-up one would conflict
    names = [d.name for d in pj.defendants]
    quoted_of = {d.name: quoted_range_for(pj.quoted_recommendation, d.name, names) for d in pj.defendants}
    if pj.quoted_recommendation and len(pj.defendants) == 1:
        s0 = pj.defendants[0].sentence
        quoted = quoted_of[pj.defendants[0].name]
        assert s0 is not None
        if quoted is None or quoted[0] != s0.penalty or not quoted[1] <= s0.term_months <= quoted[2]:
            return None  # the court departed from (or we cannot read) the real recommendation
    for d in pj.defendants:
        q = quoted_of[d.name]
        if q and d.sentence and (q[0] != d.sentence.penalty or not q[1] <= d.sentence.term_months <= q[2]):
            return None  # the court departed from this defendant's real recommendation
    if not ino:
        abbr = re.sub(r"(省|市|区|县|人民检察院)", "", pj.procuratorate)[-2:]
        ino = f"{abbr}检刑诉〔{ind_date.year}〕{rng.randint(20, 900)}号"
    defs: list[DefSpec] = []
    for d in pj.defendants:
        idn = make_id(rng, pj.court, d.birth, d.sex) if d.birth else None
        part = _indictment_particulars(d.para, d.birth, idn, ind_date)
        s = d.sentence
        assert s is not None
        circs = list(d.circumstances)
        # what the indictment text itself shows: a prior record, a confession in the facts
        if d.has_record and "累犯" not in circs and "前科" not in circs:
            circs.append("前科")
        if "如实供述" in pj.facts and "自首" not in circs and "坦白" not in circs:
            circs.append("坦白")
        order = list(gen_data()["circumstances"])
        circs.sort(key=lambda c: order.index(c) if c in order else 99)
        rec = _clean_rec(rng, s.penalty, s.term_months, s.probation_months, s.fine_yuan, "认罪认罚" in circs)
        if quoted_of[d.name]:
            rec.lo, rec.hi = quoted_of[d.name][1], quoted_of[d.name][2]
        custody = not re.search(r"取保候审|监视居住", part) or "羁押" in part
        defs.append(
            DefSpec(d.name, d.sex, d.birth, idn, part, charge, circs, rec,
                    list(circs), d.detention, d.arrest, custody)
        )
    names = "、".join(d.name for d in defs)
    reasoning = pj.reasoning_clause or f"被告人{names}无视国家法律"
    stat = None
    art, sub = pj.crime_articles[0]
    tiers = gen_data()["statutory"].get(art_key(art, sub))
    if tiers:
        t = max(d.sentence.term_months for d in pj.defendants if d.sentence)
        stat = next((x["text"] for x in tiers if t <= x["max"]), None)
    return Spec(
        source_id=pj.id,
        pj=pj,
        court=pj.court,
        procuratorate=pj.procuratorate,
        police=_police(pj.procuratorate),
        indictment_no=ino,
        rec_no=_rec_number(ino, ind_date.year),
        defendants=defs,
        charge=charge,
        indictment_charge=charge,
        cites=list(pj.crime_cites),
        indictment_cites=list(pj.crime_cites),
        facts=pj.facts,
        evidence=pj.evidence or ["被告人的供述和辩解", "证人证言", "书证", "鉴定意见"],
        reasoning=reasoning,
        transfer_date=transfer,
        indictment_date=ind_date,
        prosecutor=pj.prosecutor or "王某",
        plea=pj.plea,
        statutory_text=stat,
        judgment=pj.text,
    )


# --------------------------------------------------------------------------- rendering


def _cpl_article(d: dt.date) -> str:
    """刑事诉讼法 article for 提起公诉: 第一百七十二条 before the 2018 revision, 第一百七十六条 after."""
    return "第一百七十六条" if d >= dt.date(2018, 10, 26) else "第一百七十二条"


def render_indictment(sp: Spec) -> str:
    nm = lambda d: sp.ind_names.get(d.name, d.name)  # noqa: E731
    names = "、".join(nm(d) for d in sp.defendants)
    lines = [sp.procuratorate, "起诉书", sp.indictment_no]
    for d in sp.defendants:
        p = d.particulars
        if d.name in sp.arrest_override:
            p = sp.arrest_override[d.name]
        if nm(d) != d.name:
            p = p.replace(d.name, nm(d))
        lines.append(p)
    lines.append(
        f"本案由{sp.police}侦查终结，以被告人{names}涉嫌{sp.indictment_charge}罪，于{fmt_date(sp.transfer_date)}"
        f"移送本院审查起诉。本院受理后，于{fmt_date(sp.transfer_date + dt.timedelta(days=2))}已告知被告人有权委托辩护人，"
        "已告知被害人及其法定代理人或者其近亲属有权委托诉讼代理人，依法讯问了被告人，听取了被告人及其辩护人、"
        "被害人的意见，审查了全部案件材料。"
    )
    lines.append("经依法审查查明：")
    facts = sp.facts
    for d in sp.defendants:
        if nm(d) != d.name:
            facts = facts.replace(d.name, nm(d))
    lines.extend(x for x in facts.split("\n") if x)
    lines.append("认定上述事实的证据如下：")
    lines.extend(f"{i}.{e}；" if i < len(sp.evidence) else f"{i}.{e}。" for i, e in enumerate(sp.evidence, 1))
    reasoning = sp.reasoning
    for d in sp.defendants:
        if nm(d) != d.name:
            reasoning = reasoning.replace(d.name, nm(d))
    circ_tpl = gen_data()["circumstances"]
    circ_text = "".join(
        circ_tpl[c]["indictment"].format(name=nm(d)) for d in sp.defendants for c in d.circumstances if c in circ_tpl
    )
    lines.append(
        f"本院认为，{reasoning}，其行为触犯了《中华人民共和国刑法》{'、'.join(sp.indictment_cites)}，"
        f"犯罪事实清楚，证据确实、充分，应当以{sp.indictment_charge}罪追究其刑事责任。{circ_text}"
        f"根据《中华人民共和国刑事诉讼法》{_cpl_article(sp.indictment_date)}的规定，提起公诉，请依法判处。"
    )
    lines += ["此致", sp.court, f"检察员：{sp.prosecutor}", fmt_date(sp.indictment_date), "附："]
    att = []
    for d in sp.defendants:
        m = re.search(r"现(?:羁押|押|关押)于([\u4e00-\u9fa5]{2,30}?看守所)", d.particulars)
        if m:
            att.append(f"被告人{nm(d)}现羁押于{m[1]}")
        elif not d.custody:
            att.append(f"被告人{nm(d)}现取保候审")
    att.append("案卷材料和证据二册")
    if any("认罪认罚" in d.circumstances for d in sp.defendants):
        att.append("认罪认罚具结书" + ("一份" if len(sp.defendants) == 1 else f"{cn_num(len(sp.defendants))}份"))
    att.append("量刑建议书一份")
    lines.extend(f"{i}.{a}" + ("；" if i < len(att) else "。") for i, a in enumerate(att, 1))
    return "\n".join(lines)


def render_recommendation(sp: Spec) -> str:
    nm = lambda d: sp.rec_names.get(d.name, d.name)  # noqa: E731
    names = "、".join(nm(d) for d in sp.defendants)
    lines = [sp.procuratorate, "量刑建议书", sp.rec_no]
    for d in sp.defendants:
        bits = [f"被告人{nm(d)}"]
        if d.sex:
            bits.append(d.sex)
        if d.birth:
            bits.append(f"{fmt_date(d.birth)}出生")
        lines.append("，".join(bits) + "。")
    stat = f"，其法定刑为{sp.statutory_text}" if sp.statutory_text else ""
    lines.append(
        f"被告人{names}{sp.charge}一案，经本院审查认为，被告人{names}的行为已触犯《中华人民共和国刑法》"
        f"{'、'.join(sp.cites)}，犯罪事实清楚，证据确实、充分，应当以{sp.charge}罪追究刑事责任{stat}。"
    )
    circ = gen_data()["circumstances"]
    cats = gen_data()["rec_categories"]
    for d in sp.defendants:
        head = "因其具有以下量刑情节：" if len(sp.defendants) == 1 else f"被告人{nm(d)}具有以下量刑情节："
        lines.append(head)
        for k in range(1, 6):
            items = [circ[c]["rec"] for c in d.rec_circumstances if c in circ and circ[c]["category"] == k]
            lines.append(f"{k}.{cats[k]}：{'、'.join(items) if items else '无'}；" if k < 5 else f"{k}.{cats[k]}：{'、'.join(items) if items else '无'}。")
    recs = "；".join(f"建议判处被告人{nm(d)}{d.rec.text()}" for d in sp.defendants)
    basis = "《中华人民共和国刑事诉讼法》第一百七十六条" if sp.indictment_date >= dt.date(2018, 10, 26) else "《中华人民共和国刑事诉讼法》的有关"
    lines.append(f"故根据{basis}规定，{recs}。")
    lines += ["此致", sp.court, f"检察员：{sp.prosecutor}", fmt_date(sp.indictment_date)]
    return "\n".join(lines)


def render(sp: Spec) -> dict[str, str]:
    return {"indictment": render_indictment(sp), "recommendation": render_recommendation(sp), "judgment": sp.judgment}


# --------------------------------------------------------------------------- injectors
# Each injector: (spec copy, rng) -> label dict or None when not applicable. It mutates the spec.

Label = dict[str, Any]


def _label(rule_id: str, document: str, defendant: str | None, detail: str) -> Label:
    return {"rule_id": rule_id, "document": document, "defendant": defendant, "detail": detail}


def _typo_name(name: str, rng: random.Random) -> str | None:
    gd = gen_data()
    st, ct = gd["surname_typos"], gd["char_typos"]
    if name[0] in st and (len(name) < 2 or re.search(r"[某\d×]", name[1:]) or rng.random() < 0.4):
        return st[name[0]] + name[1:]
    for i in range(len(name) - 1, 0, -1):
        if name[i] in ct:
            return name[:i] + ct[name[i]] + name[i + 1 :]
    if name[0] in st:
        return st[name[0]] + name[1:]
    return None


def inj_defendant_name(sp: Spec, rng: random.Random) -> Label | None:
    d = rng.choice(sp.defendants)
    new = _typo_name(d.name, rng)
    if not new or any(new in x.name or x.name in new for x in sp.defendants if x is not d):
        return None
    if rng.random() < 0.5:
        sp.rec_names[d.name] = new
        return _label("COMPARE.DEFENDANT_MISSING", "recommendation", d.name, f"量刑建议书将被告人“{d.name}”写成“{new}”")
    sp.ind_names[d.name] = new
    return _label("COMPARE.DEFENDANT_MISSING", "indictment", d.name, f"起诉书将被告人“{d.name}”写成“{new}”")


def inj_defendant_info(sp: Spec, rng: random.Random) -> Label | None:
    cands = [d for d in sp.defendants if d.birth and re.search(r"\d{4}年\d{1,2}月\d{1,2}日(?:出生|生)", d.particulars)]
    if cands and rng.random() < 0.7:
        d = rng.choice(cands)
        b = d.birth
        assert b is not None
        choice = rng.choice(["day", "year", "month"])
        if choice == "day":
            nb = b + dt.timedelta(days=rng.choice([-10, -1, 1, 10]))
        elif choice == "year":
            nb = b.replace(year=b.year + rng.choice([-1, 1])) if not (b.month == 2 and b.day == 29) else b + dt.timedelta(days=366)
        else:
            nb = b.replace(month=(b.month % 12) + 1) if b.day <= 28 else b + dt.timedelta(days=31)
        old_txt = re.search(r"\d{4}年\d{1,2}月\d{1,2}日(?=出生|生)", d.particulars)
        assert old_txt is not None
        d.particulars = d.particulars.replace(old_txt[0], fmt_date(nb), 1)
        return _label("COMPARE.DEFENDANT_INFO", "indictment", d.name, f"起诉书出生日期写作{fmt_date(nb)}，判决书为{fmt_date(b)}")
    cands = [d for d in sp.defendants if d.sex and re.search(f"^被告人{re.escape(d.name)}[^，]*，{d.sex}[，。]", d.particulars)]
    if not cands:
        return None
    d = rng.choice(cands)
    other = "女" if d.sex == "男" else "男"
    d.particulars = re.sub(f"^(被告人{re.escape(d.name)}[^，]*，){d.sex}", lambda m: m[1] + other, d.particulars, count=1)
    return _label("COMPARE.DEFENDANT_INFO", "indictment", d.name, f"起诉书性别写作{other}，判决书为{d.sex}")


def inj_id_check_digit(sp: Spec, rng: random.Random) -> Label | None:
    cands = [d for d in sp.defendants if d.id_number and d.id_number in d.particulars]
    if not cands:
        return None
    d = rng.choice(cands)
    old = d.id_number
    assert old is not None
    wrong = rng.choice([c for c in "0123456789X" if c != old[-1]])
    new = old[:-1] + wrong
    d.particulars = d.particulars.replace(old, new)
    return _label("ID.CHECK_DIGIT", "indictment", d.name, f"身份证号码{new}校验码错误（应为{old[-1]}）")


def inj_charge_mismatch(sp: Spec, rng: random.Random) -> Label | None:
    alts = gen_data()["charge_alternatives"]
    alt = alts.get(sp.charge, alts["_default"])
    if alt == sp.charge:
        return None
    sp.indictment_charge = alt
    return _label("COMPARE.CHARGE_MISMATCH", "indictment", None, f"起诉书指控{alt}罪，判决书认定{sp.charge}罪")


def inj_article_mismatch(sp: Spec, rng: random.Random) -> Label | None:
    art, sub = sp.pj.crime_articles[0]
    new_art = art + rng.choice([-2, -1, 1, 2])
    if new_art in (199,) or not (102 <= new_art <= 452) or (new_art, 0) in sp.pj.crime_articles:
        new_art = art + 3 if art + 3 <= 452 else art - 3
    new = article_cn(new_art)
    sp.indictment_cites = [new] + sp.indictment_cites[1:]
    return _label("COMPARE.ARTICLE_MISMATCH", "indictment", None, f"起诉书引用刑法{new}，判决书引用{sp.cites[0]}")


_AMOUNT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(万)?元")


def _typo_number(rng: random.Random, s: str) -> str:
    """A plausible typo of a digit string: one digit changed, or a digit dropped/doubled."""
    intpart, _, frac = s.partition(".")
    if len(intpart) >= 2 and rng.random() < 0.5:
        i = rng.randrange(0, len(intpart))
        d = intpart[i]
        nd = rng.choice([c for c in "123456789" if c != d]) if i == 0 else rng.choice([c for c in "0123456789" if c != d])
        new_int = intpart[:i] + nd + intpart[i + 1 :]
    elif len(intpart) >= 3 and rng.random() < 0.5:
        new_int = intpart[:-1]  # a dropped zero/digit
    else:
        new_int = intpart + "0" if int(intpart) < 10**6 else intpart[:-1]
    return new_int + ("." + frac if frac else "")


def inj_amount(sp: Spec, rng: random.Random) -> Label | None:
    cands = [m for m in _AMOUNT_RE.finditer(sp.facts) if float(m[1]) * (10000 if m[2] else 1) >= 200]
    if not cands:
        return None
    m = rng.choice(cands)
    new = _typo_number(rng, m[1])
    if new == m[1] or float(new) == float(m[1]):
        return None
    sp.facts = sp.facts[: m.start(1)] + new + sp.facts[m.end(1) :]
    return _label("COMPARE.AMOUNT_MISMATCH", "indictment", None, f"起诉书事实中“{m[0]}”写成“{new}{m[2] or ''}元”")


_QTY_RES = [
    re.compile(r"(?<![\d.．])(\d+(?:[.．]\d+)?)\s*(?:mg|毫克)\s*[/／]\s*100\s*(?:ml|mL|毫升)"),
    re.compile(r"(?<![\d.．])(\d+(?:[.．]\d+)?)(?=克)"),
    re.compile(r"(轻伤|重伤)([一二]级)"),
]


def inj_quantity(sp: Spec, rng: random.Random) -> Label | None:
    for rx in _QTY_RES:
        ms = list(rx.finditer(sp.facts))
        if not ms:
            continue
        m = rng.choice(ms)
        if m.re.pattern.startswith("(轻伤"):
            new = {"轻伤一级": "轻伤二级", "轻伤二级": "轻伤一级", "重伤一级": "重伤二级", "重伤二级": "重伤一级"}[m[0]]
            sp.facts = sp.facts[: m.start()] + new + sp.facts[m.end() :]
            return _label("COMPARE.QUANTITY_MISMATCH", "indictment", None, f"起诉书损伤程度“{m[0]}”写成“{new}”")
        num = m[1].replace("．", ".")
        new = _typo_number(rng, num)
        if float(new) == float(num):
            continue
        if "．" in m[1]:
            new = new.replace(".", "．")
        sp.facts = sp.facts[: m.start(1)] + new + sp.facts[m.end(1) :]
        return _label("COMPARE.QUANTITY_MISMATCH", "indictment", None, f"起诉书中“{m[0]}”的数值写成“{new}”")
    return None


def inj_circumstance(sp: Spec, rng: random.Random) -> Label | None:
    d = rng.choice(sp.defendants)
    txt = sp.judgment
    adds = [c for c in gen_data()["circumstance_additions"] if c not in d.circumstances and c not in txt
            and not (c == "未遂" and "未得逞" in txt) and not (c == "退赃退赔" and ("退赔" in txt or "退还" in txt))]
    if d.rec_circumstances and (not adds or rng.random() < 0.4):
        c = rng.choice(d.rec_circumstances)
        d.rec_circumstances = [x for x in d.rec_circumstances if x != c]
        return _label("COMPARE.CIRCUMSTANCE_MISMATCH", "recommendation", d.name, f"量刑建议书遗漏起诉书、判决书均认定的“{c}”情节")
    if not adds:
        return None
    c = rng.choice(adds)
    d.rec_circumstances = d.rec_circumstances + [c]
    return _label("COMPARE.CIRCUMSTANCE_MISMATCH", "recommendation", d.name, f"量刑建议书列有起诉书、判决书均未认定的“{c}”情节")


def _judged(sp: Spec, d: DefSpec):
    jd = next(x for x in sp.pj.defendants if x.name == d.name)
    assert jd.sentence is not None
    return jd.sentence


def inj_penalty_type(sp: Spec, rng: random.Random) -> Label | None:
    d = rng.choice(sp.defendants)
    s = _judged(sp, d)
    if s.penalty == "有期徒刑":
        t = min(s.term_months, 6)
        d.rec = Rec("拘役", max(t - 1, 1), t, None if not s.probation_months else max(t, 2), d.rec.fine, d.rec.fine_words)
        new = "拘役"
    elif s.penalty in ("拘役", "管制"):
        d.rec = Rec("有期徒刑", 6, 8, d.rec.probation_months and 12, d.rec.fine, d.rec.fine_words)
        new = "有期徒刑"
    else:
        return None
    return _label("COMPARE.PENALTY_TYPE_MISMATCH", "recommendation", d.name, f"建议判处{new}，判决判处{s.penalty}")


def _off_range(rng: random.Random, pen: str, t: int, fixed: bool) -> tuple[int, int]:
    """A recommended term or range that misses the judged term ``t`` by a clear margin."""
    if pen == "拘役":
        if t >= 4:
            return (1, t - 3) if not fixed else (t - 3, t - 3)
        return (t + 3, t + 3) if fixed else (t + 3, min(6, t + 4))
    if pen == "管制":
        lo = t + max(3, t // 3)
        return (lo, lo) if fixed else (lo, min(24, lo + 3))
    margin = max(3, round(t * 0.3))
    if t - margin >= 6 and rng.random() < 0.5:
        hi = t - margin
        lo = hi if fixed else max(6, hi - max(2, hi // 6))
        return lo, hi
    lo = t + margin
    hi = lo if fixed else lo + max(2, lo // 6)
    return lo, min(hi, 180)


def inj_term(sp: Spec, rng: random.Random) -> Label | None:
    d = rng.choice(sp.defendants)
    s = _judged(sp, d)
    lo, hi = _off_range(rng, s.penalty, s.term_months, d.rec.lo == d.rec.hi)
    d.rec.lo, d.rec.hi = lo, hi
    if d.rec.probation_months and d.rec.probation_months < hi:
        d.rec.probation_months = min(max(hi, 12), 60) if s.penalty == "有期徒刑" else min(max(hi, 2), 12)
    return _label("COMPARE.TERM_MISMATCH", "recommendation", d.name,
                  f"建议{s.penalty}{term_text(lo)}{'' if lo == hi else '至' + term_text(hi)}，判处{term_text(s.term_months)}")


def inj_probation(sp: Spec, rng: random.Random) -> Label | None:
    d = rng.choice(sp.defendants)
    s = _judged(sp, d)
    if s.probation_months:
        d.rec.probation_months = None
        return _label("COMPARE.PROBATION_MISMATCH", "recommendation", d.name, "判决宣告缓刑，量刑建议未建议缓刑")
    if s.term_months > 36 or "累犯" in d.circumstances:
        return None
    d.rec.lo = d.rec.hi = s.term_months
    d.rec.probation_months = min(max(s.term_months, 12), 60) if s.penalty == "有期徒刑" else min(max(s.term_months, 2), 12)
    return _label("COMPARE.PROBATION_MISMATCH", "recommendation", d.name, "量刑建议书建议缓刑，判决未宣告缓刑")


def inj_fine(sp: Spec, rng: random.Random) -> Label | None:
    cands = [d for d in sp.defendants if _judged(sp, d).fine_yuan]
    if not cands:
        return None
    d = rng.choice(cands)
    f = _judged(sp, d).fine_yuan
    assert f is not None
    new = rng.choice([f * 2, f // 2 if f >= 2000 else f + 2000, f + 5000 if f < 20000 else f + 10000])
    new = int(new)
    if new == f:
        return None
    d.rec.fine = new
    return _label("COMPARE.FINE_MISMATCH", "recommendation", d.name, f"建议罚金{new}元，判处罚金{f}元")


_ADOPT_RE = re.compile(r"[^。；]*(?:建议|采纳)[^。；]*[。；]")


def inj_not_adopted(sp: Spec, rng: random.Random) -> Label | None:
    cands = [d for d in sp.defendants if "认罪认罚" in d.circumstances]
    if len(sp.defendants) != 1 or not cands:
        return None
    d = cands[0]
    s = _judged(sp, d)
    lo, hi = _off_range(rng, s.penalty, s.term_months, True)
    d.rec.lo = d.rec.hi = lo
    if d.rec.probation_months and d.rec.probation_months < lo:
        d.rec.probation_months = min(max(lo, 12), 60) if s.penalty == "有期徒刑" else min(max(lo, 2), 12)
    # the judgment must not explain the departure: drop every sentence about the recommendation
    j = sp.judgment
    vpos = j.find("判决如下")
    head, tail = j[:vpos], j[vpos:]
    head = _ADOPT_RE.sub("", head)
    sp.judgment = head + tail
    return _label("COMPARE.RECOMMENDATION_NOT_ADOPTED", "judgment", d.name,
                  f"认罪认罚案件建议{s.penalty}{term_text(lo)}，判处{term_text(s.term_months)}，判决未说明不采纳理由")


def inj_case_number(sp: Spec, rng: random.Random) -> Label | None:
    ino = sp.pj.indictment_no
    if not ino or ino not in sp.judgment:
        return None
    m = re.search(r"(\d+)号$", ino)
    if not m:
        return None
    n = m[1]
    new_n = _typo_number(rng, n) if len(n) >= 2 else str(int(n) + rng.randint(1, 9))
    if new_n == n or new_n.startswith("0"):
        new_n = str(int(n) + 10)
    new = ino[: m.start(1)] + new_n + "号"
    sp.judgment = sp.judgment.replace(ino, new, 1)
    return _label("COMPARE.CASE_NUMBER", "judgment", None, f"判决书引用起诉书文号{new}，起诉书文号为{ino}")


def inj_term_dates(sp: Spec, rng: random.Random) -> Label | None:
    if len(sp.defendants) != 1:
        return None
    s = _judged(sp, sp.defendants[0])
    good = [
        (a, b, st, en) for a, b, st, en in sp.pj.term_dates
        if add_months(st, s.term_months) - dt.timedelta(days=1) == en
    ]
    if not good or s.probation_months:
        return None
    a, b, st, en = good[0]
    shift = rng.choice(["d+1", "d-1", "d+3", "m+1", "m-1"])
    if shift.startswith("d"):
        ne = en + dt.timedelta(days=int(shift[1:]))
    else:
        ne = add_months(en, int(shift[1:]))
    sp.judgment = sp.judgment[:a] + fmt_date(ne) + sp.judgment[b:]
    return _label("SENT.TERM_DATES", "judgment", sp.defendants[0].name,
                  f"刑期{term_text(s.term_months)}自{fmt_date(st)}起应至{fmt_date(en)}止，判决书写作{fmt_date(ne)}")


def inj_probation_term(sp: Spec, rng: random.Random) -> Label | None:
    for d in sp.defendants:
        s = _judged(sp, d)
        if not s.probation_months:
            continue
        old = "缓刑" + term_text(s.probation_months)
        if old not in s.text:
            continue
        if s.penalty == "有期徒刑":
            new_m = 72 if (s.term_months < 18 or rng.random() < 0.5) else s.term_months - 6
        else:
            new_m = 18 if (s.term_months < 3 or rng.random() < 0.5) else s.term_months - 1
        new_text = s.text.replace(old, "缓刑" + term_text(new_m), 1)
        sp.judgment = sp.judgment[: s.start] + new_text + sp.judgment[s.start + len(s.text) :]
        return _label("SENT.PROBATION_TERM", "judgment", d.name, f"{s.penalty}{term_text(s.term_months)}，缓刑考验期写作{term_text(new_m)}")
    return None


def inj_statutory_range(sp: Spec, rng: random.Random) -> Label | None:
    art, sub = sp.pj.crime_articles[0]
    row = gen_data()["statutory_max"].get(art_key(art, sub))
    if not row:
        return None
    if "max_amount" in row:
        amounts = [float(m[1]) * (10000 if m[2] else 1) for m in _AMOUNT_RE.finditer(sp.facts)]
        if not amounts or max(amounts) >= row["max_amount"] or re.search(r"巨大|严重情节|多次", sp.judgment):
            return None
    d = rng.choice(sp.defendants)
    s = _judged(sp, d)
    if s.term_months > row["max"]:
        return None
    if row["penalty"] == "拘役":
        new = row["max"] + rng.choice([1, 2, 3])
        d.rec = Rec("拘役", new, new, None, d.rec.fine, d.rec.fine_words)
    else:
        new = row["max"] + rng.choice([6, 12])
        d.rec = Rec("有期徒刑", new, new, None, d.rec.fine, d.rec.fine_words)
    return _label("SENT.STATUTORY_RANGE", "recommendation", d.name,
                  f"建议{row['penalty']}{term_text(new)}，超过法定最高刑{term_text(row['max'])}")


def inj_money_words(sp: Spec, rng: random.Random) -> Label | None:
    cands = [d for d in sp.defendants if d.rec.fine]
    if not cands:
        return None
    d = rng.choice(cands)
    f = d.rec.fine
    assert f is not None
    s = str(f)
    lead = int(s[0])
    new_lead = lead + 1 if lead < 9 else lead - 1
    wrong = int(str(new_lead) + s[1:])
    d.rec.fine_words = True
    d.rec.fine_words_value = wrong
    return _label("MONEY.WORDS_DIGITS", "recommendation", d.name, f"罚金大写{money_words(wrong)}与小写{f}元不一致")


def inj_cite_not_found(sp: Spec, rng: random.Random) -> Label | None:
    art, _ = sp.pj.crime_articles[0]
    new_art = 400 + art % 100
    if new_art <= 452:
        new_art = 453 + art % 40
    new = article_cn(new_art)
    sp.indictment_cites = [new] + sp.indictment_cites[1:]
    return _label("CITE.NOT_FOUND", "indictment", None, f"起诉书引用不存在的《中华人民共和国刑法》{new}")


def inj_charge_alias(sp: Spec, rng: random.Random) -> Label | None:
    aliases = gen_data()["charge_aliases"].get(sp.charge)
    if not aliases:
        return None
    a = rng.choice(aliases)
    sp.indictment_charge = a
    return _label("CHARGE.NOT_OFFICIAL", "indictment", None, f"起诉书使用非规范罪名“{a}罪”（应为“{sp.charge}罪”）")


def inj_chronology(sp: Spec, rng: random.Random) -> Label | None:
    for d in sp.defendants:
        if d.detention and d.arrest and d.detention < d.arrest:
            m = re.search(r"((?:\d{4}年|同年)\d{1,2}月\d{1,2}日)(?=[^，。]{0,20}逮捕)", d.particulars)
            if m and "刑事拘留" in d.particulars[: m.start()]:
                nd = d.detention - dt.timedelta(days=rng.randint(2, 20))
                sp.arrest_override[d.name] = d.particulars[: m.start()] + fmt_date(nd) + d.particulars[m.end() :]
                return _label("DATE.CHRONOLOGY", "indictment", d.name,
                              f"逮捕日期{fmt_date(nd)}早于刑事拘留日期{fmt_date(d.detention)}")
    nd = sp.indictment_date + dt.timedelta(days=rng.randint(3, 25))
    old = sp.transfer_date
    sp.transfer_date = nd
    return _label("DATE.CHRONOLOGY", "indictment", None,
                  f"移送审查起诉日期{fmt_date(nd)}晚于起诉书日期{fmt_date(sp.indictment_date)}（原为{fmt_date(old)}）")


def inj_minor_age(sp: Spec, rng: random.Random) -> Label | None:
    if len(sp.defendants) != 1 or not sp.pj.offence_date:
        return None
    d = sp.defendants[0]
    jd = sp.pj.defendants[0]
    if not d.birth or jd.has_record or re.search(r"未成年|不满十八|未满十八|已满十六", sp.judgment):
        return None
    off = sp.pj.offence_date
    nb = off.replace(year=off.year - 17) - dt.timedelta(days=rng.randint(20, 300)) if not (off.month == 2 and off.day == 29) else None
    if nb is None:
        return None
    old_j = re.search(r"\d{4}年\d{1,2}月\d{1,2}日(?=出生|生)", jd.para)
    old_i = re.search(r"\d{4}年\d{1,2}月\d{1,2}日(?=出生|生)", d.particulars)
    if not old_j or not old_i:
        return None
    new_para = jd.para.replace(old_j[0], fmt_date(nb), 1)
    sp.judgment = sp.judgment[: jd.para_start] + new_para + sp.judgment[jd.para_start + len(jd.para) :]
    new_id = make_id(rng, sp.court, nb, d.sex)
    d.particulars = d.particulars.replace(old_i[0], fmt_date(nb), 1)
    if d.id_number:
        d.particulars = d.particulars.replace(d.id_number, new_id)
    d.birth, d.id_number = nb, new_id
    age = age_on(nb, off)
    return _label("CASE.MINOR_AGE", "indictment", d.name, f"出生于{fmt_date(nb)}，犯罪时（{fmt_date(off)}）{age}周岁，未认定未成年人从宽情节")


def inj_probation_eligibility(sp: Spec, rng: random.Random) -> Label | None:
    for d in sp.defendants:
        s = _judged(sp, d)
        if s.penalty != "有期徒刑" or s.probation_months or not (36 < s.term_months <= 60):
            continue
        term = "有期徒刑" + term_text(s.term_months)
        if term not in s.text:
            continue
        new_text = s.text.replace(term, term + "，缓刑五年", 1)
        sp.judgment = sp.judgment[: s.start] + new_text + sp.judgment[s.start + len(s.text) :]
        return _label("SENT.PROBATION_ELIGIBILITY", "judgment", d.name, f"判处有期徒刑{term_text(s.term_months)}（超过三年）却宣告缓刑")
    return None


INJECTORS: dict[str, Callable[[Spec, random.Random], Label | None]] = {
    name: fn for name, fn in globals().items() if name.startswith("inj_") and callable(fn)
}


# --------------------------------------------------------------------------- driver


def cases_for(pj: ParsedJudgment, max_injected: int = MAX_INJECTED) -> list[dict[str, Any]]:
    """The clean case and the injected cases of one judgment."""
    sp = build_spec(pj)
    if sp is None:
        return []
    clean_docs = render(sp)
    out = [{"id": f"{pj.id}#clean", "source_id": pj.id, "documents": clean_docs, "labels": [], "clean": True}]
    injected: list[tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = []
    for k in kinds():
        spc = copy.deepcopy(sp)
        rng = random.Random(f"{SEED}:{pj.id}:{k['rule_id']}")
        label = INJECTORS[k["injector"]](spc, rng)
        if label is None:
            continue
        docs = render(spc)
        if docs == clean_docs:
            continue
        injected.append((k, label, docs))
    rare = [x for x in injected if x[0].get("rare")]
    common = [x for x in injected if not x[0].get("rare")]
    if common:
        off = int(hashlib.sha1(pj.id.encode()).hexdigest()[:6], 16) % len(common)
        common = common[off:] + common[:off]
    chosen = rare + common[: max(0, max_injected - len(rare))]
    chosen.sort(key=lambda x: [k["rule_id"] for k in kinds()].index(x[0]["rule_id"]))
    for k, label, docs in chosen:
        out.append({"id": f"{pj.id}#{k['rule_id']}", "source_id": pj.id, "documents": docs, "labels": [label], "clean": False})
    return out


def generate(judgments: list[dict[str, Any]], max_injected: int = MAX_INJECTED) -> dict[str, list[dict[str, Any]]]:
    """All cases by split, in judgment order."""
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "test": []}
    for row in judgments:
        pj = parse_judgment(row["id"], row["judgment"])
        if pj is None:
            continue
        out[split_of(row["id"])].extend(cases_for(pj, max_injected))
    return out


def write_outputs(judgments: list[dict[str, Any]], out_dir: Path = DATA) -> dict[str, Any]:
    """Write split.json and generated_{dev,test}.jsonl.gz; return counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    split = {row["id"]: split_of(row["id"]) for row in judgments}
    (out_dir / "split.json").write_text(
        json.dumps({"method": "sha1(id)[:8] % 100 < 60 → dev, else test", "split": dict(sorted(split.items()))},
                   ensure_ascii=False, indent=0),
        encoding="utf-8",
    )
    gen = generate(judgments)
    counts: dict[str, Any] = {}
    for name, cases in gen.items():
        path = out_dir / f"generated_{name}.jsonl.gz"
        # mtime=0 keeps the gzip bytes identical across runs
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            for c in cases:
                gz.write((json.dumps(c, ensure_ascii=False) + "\n").encode("utf-8"))
        c = Counter("clean" if x["clean"] else x["labels"][0]["rule_id"] for x in cases)
        counts[name] = {"cases": len(cases), "sources": len({x["source_id"] for x in cases}), "by_kind": dict(sorted(c.items()))}
    return counts



SAMPLE_SOURCE = "a6bba401-ab68-40b6-9583-c46939ae962c"  # dev split, 盗窃, one defendant


def write_sample(out_dir: Path, source_id: str = SAMPLE_SOURCE) -> list[Label]:
    """knowledge/samples/case-001: a 盗窃 case whose recommended range misses the judged term and
    whose judgment term end date is one day off. Files use one paragraph per line."""
    from eval.datasets import load_judgments

    row = next(r for r in load_judgments() if r["id"] == source_id)
    pj = parse_judgment(row["id"], row["judgment"])
    assert pj is not None
    sp = build_spec(pj)
    assert sp is not None
    d = sp.defendants[0]
    s = _judged(sp, d)
    d.rec.lo, d.rec.hi = s.term_months + 4, s.term_months + 6
    labels = [_label("COMPARE.TERM_MISMATCH", "recommendation", d.name,
                     f"建议{s.penalty}{term_text(d.rec.lo)}至{term_text(d.rec.hi)}，判处{term_text(s.term_months)}")]
    a, b, st, en = sp.pj.term_dates[0]
    ne = en + dt.timedelta(days=1)
    sp.judgment = sp.judgment[:a] + fmt_date(ne) + sp.judgment[b:]
    labels.append(_label("SENT.TERM_DATES", "judgment", d.name,
                         f"刑期{term_text(s.term_months)}自{fmt_date(st)}起应至{fmt_date(en)}止，判决书写作{fmt_date(ne)}"))
    docs = render(sp)
    docs["judgment"] = docs["judgment"].replace(" ", "\n")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}
    for k, fn in names.items():
        (out_dir / fn).write_text(docs[k] + "\n", encoding="utf-8")
    return labels
