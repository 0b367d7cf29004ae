"""Write an indictment and a sentencing recommendation for a read judgment.

First a *plan* is made (what the documents say: particulars, charges, articles, circumstances, the
recommended sentence per defendant); defects change the plan or the written text; then the plan is
rendered with wordings drawn from phrasing.yaml. A clean plan agrees with the judgment in
everything the three documents share.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from eval.gen2.numerals import date_cn, date_str, int_to_cn, money_text, months_to_cn
from eval.gen2.reading import Judgment

HERE = Path(__file__).parent

# the lowest and highest term of each penalty (刑法 第三十八、四十二、四十五条), months
LIMITS = {"有期徒刑": (6, 180), "拘役": (1, 6), "管制": (3, 24)}
PROVINCE_CODES = {"北京": "110105", "天津": "120103", "河北": "130102", "山西": "140105", "内蒙古": "150102",
                  "辽宁": "210102", "吉林": "220102", "黑龙江": "230102", "上海": "310115", "江苏": "320102",
                  "浙江": "330106", "安徽": "340104", "福建": "350102", "江西": "360102", "山东": "370102",
                  "河南": "410102", "湖北": "420102", "湖南": "430102", "广东": "440106", "广西": "450102",
                  "海南": "460105", "重庆": "500103", "四川": "510104", "贵州": "520102", "云南": "530102",
                  "西藏": "540102", "陕西": "610102", "甘肃": "620102", "青海": "630102", "宁夏": "640104",
                  "新疆": "650102"}
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


@lru_cache(maxsize=2)
def phrases(variety: bool = False) -> dict[str, Any]:
    """The wordings; with ``variety`` each list also draws from phrasing_more.yaml."""
    base = yaml.safe_load((HERE / "phrasing.yaml").read_text(encoding="utf-8"))
    if not variety:
        return base
    more = yaml.safe_load((HERE / "phrasing_more.yaml").read_text(encoding="utf-8"))
    return _merge(base, more)


def _merge(base: Any, more: Any) -> Any:
    if isinstance(base, dict) and isinstance(more, dict):
        return {k: _merge(base[k], more[k]) if k in base and k in more else more.get(k, base.get(k))
                for k in {**base, **more}}
    if isinstance(base, list) and isinstance(more, list):
        return base + [x for x in more if x not in base]
    return more if more is not None else base


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: weighted sum of the first 17 digits mod 11 → check character."""
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def make_id(region: str, birth: dt.date, seq: int, male: bool) -> str:
    seq = seq - seq % 2 + (1 if male else 0)  # the 17th digit is odd for men
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


@dataclass
class Rec:
    """The recommended sentence of one defendant."""
    penalty: str | None
    low: int | None  # months; low == high for a fixed term (确定刑)
    high: int | None
    probation: bool = False
    probation_months: int | None = None
    fine: float | None = None
    fine_high: float | None = None  # a fine range
    fine_mentioned: bool = False  # "并处罚金" without an amount
    rights_years: int | None = None
    exempt: bool = False


@dataclass
class Person:
    name: str
    sex: str | None
    birth: dt.date | None
    id_number: str | None
    ethnicity: str | None
    education: str | None
    birthplace: str | None
    custody: list[tuple[str, dt.date]]
    charges: list[str]
    articles: list[str]
    circumstances: list[str]
    rec: Rec
    in_recommendation: bool = True
    rec_name: str | None = None  # the name as the recommendation writes it
    r_circumstances: list[str] | None = None  # when the recommendation lists others than the indictment
    i_birth: dt.date | None = None  # when the indictment gives another birth date


@dataclass
class Plan:
    procuratorate: str
    police: str
    court: str
    number: str
    rec_number: str
    transfer: dt.date | None
    date: dt.date
    prosecutor: str
    facts: str
    persons: list[Person]
    plea: bool
    notes: list[str] = field(default_factory=list)
    variety: bool = False  # the variant pass (dev2/test2): wordings of phrasing_more.yaml as well


# --------------------------------------------------------------------------- the plan


def _police(proc: str) -> str:
    return proc.replace("人民检察院", "公安局") if proc else "公安机关"


def _rec_number(number: str) -> str:
    for a, b in (("刑诉", "量建"), ("诉", "量建")):
        if a in number:
            return number.replace(a, b, 1)
    return "量建" + number


def _bracket(number: str, rng: random.Random) -> str:
    """The procuratorate writes 〔2017〕; a judgment transcribes it as ［］, （） or [] (same number)."""
    if rng.random() < 0.5:
        return re.sub(r"[［\[（(](\d{4})[］\]）)]", r"〔\1〕", number)
    return number


def _recommend(d: Any, rng: random.Random, plea: bool, quote: Any | None) -> Rec:
    s = d.sentence
    if s.exempt or (s.penalty is None and s.fine is None):
        return Rec(None, None, None, exempt=s.exempt)
    if s.penalty in ("无期徒刑", "死刑"):
        return Rec(s.penalty, None, None, fine=s.fine, rights_years=s.rights_years)
    fine = s.fine
    if s.penalty is None:  # 单处罚金
        return Rec(None, None, None, fine=fine)
    m = s.months or 0
    lo_lim, hi_lim = LIMITS[s.penalty]
    if quote is not None and quote.penalty == s.penalty and (quote.low or quote.high):
        # the judgment quotes the recommendation: a clean case carries exactly that one
        lo = quote.low if quote.low is not None else lo_lim
        hi = quote.high if quote.high is not None else hi_lim
        rec = Rec(s.penalty, lo, hi, rights_years=s.rights_years)
        if quote.probation or s.probation_months:
            rec.probation = True
            rec.probation_months = quote.probation_months
        if quote.fine:
            rec.fine, rec.fine_high = quote.fine, quote.fine_high
        elif quote.fine_mentioned or fine:
            rec.fine_mentioned = True
        return rec
    elif rng.random() < (0.8 if plea else 0.35):
        lo = hi = m
    else:
        steps = [1, 2] if s.penalty == "拘役" else [1, 2, 3, 6] if m < 36 else [6, 12]
        lo = max(lo_lim, m - rng.choice([0] + steps))
        hi = min(hi_lim, m + rng.choice(steps))
        if lo == hi:
            hi = min(hi_lim, hi + 1)
    rec = Rec(s.penalty, lo, hi, rights_years=s.rights_years)
    if s.probation_months:
        rec.probation = True
        if lo == hi and rng.random() < 0.7:
            rec.probation_months = s.probation_months
    if fine:
        r = rng.random()
        if r < 0.12:
            rec.fine_mentioned = True
        elif r < 0.25 and lo != hi:
            rec.fine = max(1000.0, round(fine * 0.6, -3) or 1000.0)
            rec.fine_high = max(rec.fine + 1000, round(fine * 1.5, -3))
            if not rec.fine <= fine <= rec.fine_high:
                rec.fine, rec.fine_high = fine, None
        else:
            rec.fine = fine
    return rec


def plan_case(j: Judgment, rng: random.Random) -> Plan:
    region = next((c for p, c in PROVINCE_CODES.items() if j.court.startswith(p) or j.procuratorate.startswith(p)),
                  "110105")
    plea = j.plea_signed and any("认罪认罚" in d.circumstances for d in j.defendants) or (
        j.plea_signed and rng.random() < 0.5 and "认罪认罚" in j.text)
    ref = j.prosecution_date or (j.judgment_date - dt.timedelta(days=rng.randint(15, 40)) if j.judgment_date else None)
    date = ref - dt.timedelta(days=rng.randint(0, 6)) if ref else dt.date(2018, 1, 1)
    persons = []
    for d in j.defendants:
        quote = None
        for q in j.quotes:
            if q.penalty and (d.name in q.names or (len(j.defendants) == 1 and not q.names)):
                quote = q
                break
        circs = list(d.circumstances)
        if plea and "认罪认罚" not in circs:
            circs.append("认罪认罚")
        idn = None
        if d.id_number:  # the judgment's own
            idn = d.id_number if rng.random() < 0.8 else None
        elif d.birth and rng.random() < 0.6:
            idn = make_id(region, d.birth, rng.randrange(1, 999), d.sex != "女")
        persons.append(Person(
            name=d.name, sex=d.sex, birth=d.birth, id_number=idn, ethnicity=d.ethnicity, education=d.education,
            birthplace=d.birthplace, custody=[(c.kind, c.date) for c in d.custody if c.date <= date],
            charges=list(d.charges),
            articles=list(j.articles), circumstances=circs, rec=_recommend(d, rng, plea, quote)))
    last_custody = max((c[1] for p in persons for c in p.custody), default=None)
    transfer = date - dt.timedelta(days=rng.randint(8, 28))
    if last_custody and transfer <= last_custody:
        transfer = last_custody + dt.timedelta(days=1) if last_custody < date else None
    number = j.indictment_number or f"检刑诉〔{date.year}〕{rng.randint(10, 999)}号"
    number = _bracket(number, rng)
    return Plan(procuratorate=j.procuratorate or j.court.replace("人民法院", "人民检察院"),
                police=_police(j.procuratorate), court=j.court, number=number, rec_number=_rec_number(number),
                transfer=transfer, date=date, prosecutor=j.prosecutor or rng.choice(phrases()["prosecutors"]),
                facts=j.facts, persons=persons, plea=plea)


# --------------------------------------------------------------------------- rendering


def _join(items: list[str]) -> str:
    return "、".join(items)


def _particulars(p: Person, rng: random.Random, full: bool) -> str:
    parts = [f"被告人{p.name}"]
    if p.sex:
        parts.append(p.sex)
    if p.birth:
        b = f"{date_str(p.birth)}出生"
        if full and p.birthplace and rng.random() < 0.5:
            b = f"{date_str(p.birth)}出生于{p.birthplace}"
        parts.append(b)
    if full and p.id_number:
        parts.append(rng.choice(["公民身份号码", "身份证号码", "居民身份证号码"]) + p.id_number)
    if full:
        parts += [x for x in (p.ethnicity, p.education) if x]
    return "，".join(parts) + "。"


def _custody_text(p: Person, police: str, rng: random.Random, variety: bool = False) -> str:
    if not p.custody:
        return ""
    charge = p.charges[0] if p.charges else "犯罪"
    out = []
    prev: dt.date | None = None
    for i, (kind, d) in enumerate(p.custody):
        when = date_str(d) if prev is None or d.year != prev.year else f"同年{d.month}月{d.day}日"
        if kind == "刑事拘留" and variety and i == 0 and rng.random() < 0.5:
            out.append(f"因涉嫌{charge}于{when}被{police}刑事拘留")
        elif kind == "刑事拘留":
            out.append(f"{'因涉嫌' + charge + '，' if i == 0 else ''}于{when}被{police}刑事拘留")
        elif kind == "逮捕":
            out.append(rng.choice([f"{when}经本院批准被{police}逮捕", f"{when}被依法逮捕",
                                   f"经本院批准，于{when}被{police}执行逮捕"]
                                  + ([f"于{when}经本院决定，由{police}执行逮捕", f"{when}因涉嫌{charge}被逮捕"]
                                     if variety else [])))
        elif kind == "羁押":
            out.append(f"{'因涉嫌' + charge + '，' if i == 0 else ''}于{when}被抓获羁押")
        else:
            out.append(f"于{when}被{police}{kind}")
        prev = d
    last = p.custody[-1][0]
    tail = "现羁押于" + police.replace("公安局", "看守所") if last in ("刑事拘留", "逮捕", "羁押") else f"现{last}"
    return "，".join(out) + "，" + tail + "。"


def _terms(rec: Rec, rng: random.Random, variety: bool = False) -> str:
    """The recommended penalty, one of the real ways of writing it."""
    zero = rng.random() < 0.2
    if rec.exempt:
        return "免予刑事处罚"
    if rec.penalty in ("无期徒刑", "死刑"):
        return rec.penalty + "，剥夺政治权利终身"
    if rec.penalty is None:
        return "罚金" + money_text(rec.fine or 0, "digits")
    lo, hi = months_to_cn(rec.low or 0, zero), months_to_cn(rec.high or 0, zero)
    if rec.low == rec.high:
        t = f"{rec.penalty}{lo}"
    else:
        t = rng.choice([f"{rec.penalty}{lo}至{hi}", f"{lo}以上{hi}以下{rec.penalty}",
                        f"{rec.penalty}{lo}以上{hi}以下", f"{rec.penalty}{lo}至{rec.penalty}{hi}"]
                       + ([f"{rec.penalty}{lo}至{hi}之间", f"{rec.penalty}{lo}到{hi}"] if variety else []))
    if rec.probation:
        if rec.probation_months:
            t += "，" + rng.choice(["缓刑", "宣告缓刑"]) + months_to_cn(rec.probation_months)
        else:
            t += "，" + rng.choice(["适用缓刑", "并宣告缓刑", "可以适用缓刑"])
    if rec.rights_years:
        t += f"，剥夺政治权利{int_to_cn(rec.rights_years)}年"
    return t


def _fine(rec: Rec, rng: random.Random) -> str:
    if rec.penalty is None or rec.exempt:
        return ""
    if rec.fine_mentioned:
        return "，并处罚金"
    if rec.fine is None:
        return ""
    style = rng.choice(["digits", "digits", "cn", "digits_plain", "wan"])
    if rec.fine_high:
        return f"，并处罚金{money_text(rec.fine, style)}至{money_text(rec.fine_high, style).replace('人民币', '')}"
    return "，并处罚金" + money_text(rec.fine, style)


def recommendation_sentence(p: Person, rng: random.Random, variety: bool = False, first: bool = True) -> str:
    n = p.rec_name or p.name
    terms, fine = _terms(p.rec, rng, variety), _fine(p.rec, rng)
    if variety and not first and not p.rec.exempt and len(p.charges) <= 1 and rng.random() < 0.5:
        # "建议判处被告人甲…；被告人乙…" / "…；对被告人乙判处…": one 建议 for all
        return rng.choice([f"被告人{n}{terms}{fine}", f"对被告人{n}判处{terms}{fine}"])
    if p.rec.exempt:
        return f"建议对被告人{n}免予刑事处罚"
    fixed = p.rec.low == p.rec.high
    forms = [f"建议判处被告人{n}{terms}{fine}", f"建议对被告人{n}判处{terms}{fine}"]
    if not fixed and p.rec.penalty in LIMITS and "以上" not in terms:
        forms.append(f"建议对被告人{n}在{terms.split('，')[0]}的幅度内判处刑罚{terms[len(terms.split('，')[0]):]}{fine}")
    if variety:
        forms += [f"对被告人{n}建议判处{terms}{fine}"]
    if len(p.charges) > 1:
        forms = [f"建议对被告人{n}以{_join(p.charges)}数罪并罚，决定执行{terms}{fine}"]
    return rng.choice(forms)


def render_indictment(plan: Plan, rng: random.Random) -> str:
    ph = phrases(plan.variety)
    lines = [plan.procuratorate, rng.choice(["起诉书", "起 诉 书", "起诉书"]), plan.number]
    for p in plan.persons:
        q = copy.copy(p)
        q.birth = p.i_birth or p.birth
        lines.append(_particulars(q, rng, True) + _custody_text(p, plan.police, rng, plan.variety))
    names = _join([p.name for p in plan.persons])
    charges = _join(list(dict.fromkeys(c for p in plan.persons for c in p.charges)))
    counsel = rng.choice(ph["counsel_plea" if plan.plea else "counsel_plain"])
    transfer = plan.transfer or plan.date - dt.timedelta(days=20)
    informed = transfer + dt.timedelta(days=rng.randint(1, 3))
    origin = rng.choice(ph["origin"]).format(
        police=plan.police, names=names, charges=charges, transfer=date_str(transfer), informed=date_str(informed),
        counsel=counsel, plea_told=rng.choice(ph["plea_told"]) if plan.plea else "")
    if plan.transfer is None:
        origin = re.sub(r"于[^，]*?(向本院)?移送", "移送", origin, count=1)
    lines.append(origin)
    lines.append(rng.choice(ph["facts_intro"]))
    lines.append(plan.facts)
    lines.append(rng.choice(ph["evidence_intro"]))
    ev = rng.sample(ph["evidence"], k=rng.randint(4, len(ph["evidence"])))
    lines += [f"{i}.{e}；" if i < len(ev) else f"{i}.{e}。" for i, e in enumerate(ev, 1)]
    body = []
    same = len({(tuple(p.charges), tuple(p.articles)) for p in plan.persons}) == 1
    if plan.variety and len(plan.persons) > 1 and same and len(plan.persons[0].charges) == 1 and rng.random() < 0.6:
        p0 = plan.persons[0]
        body.append(rng.choice(ph["reasoning_joint"]).format(n=names, articles=_join(p0.articles),
                                                              charges=_join(p0.charges)))
        for p in plan.persons:
            for c in p.circumstances:
                body.append(rng.choice(ph["i_circ"][c]).format(n=p.name))
    else:
        for p in plan.persons:
            key = "reasoning_charge_many" if len(p.charges) > 1 else "reasoning_charge"
            body.append(rng.choice(ph[key]).format(n=p.name, articles=_join(p.articles),
                                                    charges=_join(p.charges)))
            for c in p.circumstances:
                body.append(rng.choice(ph["i_circ"][c]).format(n=p.name))
    body.append(rng.choice(ph["request"]))
    lines.append("".join(body))
    lines += ["此致", plan.court, f"检察员：{plan.prosecutor}", date_cn(plan.date) if rng.random() < 0.3
              else date_str(plan.date), "附："]
    app = []
    for p in plan.persons:
        last = p.custody[-1][0] if p.custody else None
        if last in ("刑事拘留", "逮捕", "羁押"):
            app.append(f"被告人{p.name}现羁押于{plan.police.replace('公安局', '看守所')}")
        elif last:
            app.append(f"被告人{p.name}现{last}")
    app.append(f"案卷材料和证据{int_to_cn(rng.randint(1, 4))}册")
    if plan.plea:
        app.append("认罪认罚具结书" + int_to_cn(len(plan.persons)) + "份")
    app.append("量刑建议书一份")
    lines += [f"{i}.{a}；" if i < len(app) else f"{i}.{a}。" for i, a in enumerate(app, 1)]
    return "\n".join(lines) + "\n"


def _circ_list(p: Person, rng: random.Random, ph: dict[str, Any]) -> list[str]:
    out = []
    for k, (title, members) in enumerate(ph["r_groups"], 1):
        circs = p.r_circumstances if p.r_circumstances is not None else p.circumstances
        found = [rng.choice(ph["r_circ"][c]) for c in circs if c in members]
        out.append(f"{k}.{title}：{'、'.join(found) if found else '无'}；")
    out.append("5.其他：无。")
    return out


def render_recommendation(plan: Plan, rng: random.Random) -> str:
    ph = phrases(plan.variety)
    persons = [p for p in plan.persons if p.in_recommendation]
    lines = [plan.procuratorate, rng.choice(["量刑建议书", "量 刑 建 议 书"]), plan.rec_number]
    for p in persons:
        q = copy.copy(p)
        q.name = p.rec_name or p.name
        lines.append(_particulars(q, rng, False))
    names = _join([p.rec_name or p.name for p in persons])
    charges = _join(list(dict.fromkeys(c for p in plan.persons for c in p.charges)))
    case = f"被告人{names}{charges}一案"
    if plan.variety:
        case = rng.choice([case, f"被告人{names}涉嫌{charges}一案"])
    lines.append(f"{case}，经本院审查认为，"
                 + "；".join(f"被告人{p.rec_name or p.name}的行为已触犯《中华人民共和国刑法》{_join(p.articles)}，"
                            f"应当以{_join(p.charges)}追究刑事责任" for p in persons)
                 + "，犯罪事实清楚，证据确实、充分。")
    list_style = rng.random() < 0.7
    recs = []
    for p in persons:
        n = p.rec_name or p.name
        if list_style:
            lines.append(f"被告人{n}具有以下量刑情节：" if len(persons) > 1 else "因其具有以下量刑情节：")
            lines += _circ_list(p, rng, ph)
        else:
            circs = p.r_circumstances if p.r_circumstances is not None else p.circumstances
            found = [rng.choice(ph["r_circ"][c]) for c in circs]
            lines.append(f"被告人{n}具有{('、'.join(found))}等量刑情节。" if found else f"被告人{n}无法定、酌定量刑情节。")
        recs.append(recommendation_sentence(p, rng, plan.variety, first=not recs))
    offset = rng.choice(ph["offset_note"]) if rng.random() < 0.2 and any(
        p.rec.penalty in ("有期徒刑", "拘役") and not p.rec.probation for p in persons) else ""
    lines.append(rng.choice(ph["r_basis"]) + "；".join(recs) + offset + "。")
    lines += ["此致", plan.court, f"检察员：{plan.prosecutor}",
              date_cn(plan.date) if rng.random() < 0.3 else date_str(plan.date)]
    return "\n".join(lines) + "\n"
