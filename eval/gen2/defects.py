"""The second generator's own defects: one per case, each labelled with the rule the checker should raise.

A defect either changes the plan before the documents are written (``plan`` stage) or edits the
written text (``text`` stage). ``apply`` returns a label, or None when the case does not allow
the defect (then another is tried).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eval.gen2.numerals import NUM, add_months, cn_to_int, date_str, int_to_cn, months_to_cn
from eval.gen2.reading import Judgment
from eval.gen2.writing import LIMITS, Plan, make_id

Label = dict[str, Any]

# a related official charge a prosecutor might have charged instead, with its article
SIBLINGS: dict[str, list[tuple[str, str]]] = {
    "盗窃罪": [("诈骗罪", "第二百六十六条"), ("抢夺罪", "第二百六十七条"), ("侵占罪", "第二百七十条")],
    "诈骗罪": [("盗窃罪", "第二百六十四条"), ("合同诈骗罪", "第二百二十四条"), ("敲诈勒索罪", "第二百七十四条")],
    "故意伤害罪": [("寻衅滋事罪", "第二百九十三条"), ("聚众斗殴罪", "第二百九十二条")],
    "寻衅滋事罪": [("故意伤害罪", "第二百三十四条"), ("聚众斗殴罪", "第二百九十二条")],
    "危险驾驶罪": [("交通肇事罪", "第一百三十三条")],
    "交通肇事罪": [("危险驾驶罪", "第一百三十三条之一"), ("过失致人死亡罪", "第二百三十三条")],
    "贩卖毒品罪": [("非法持有毒品罪", "第三百四十八条"), ("容留他人吸毒罪", "第三百五十四条")],
    "容留他人吸毒罪": [("贩卖毒品罪", "第三百四十七条"), ("非法持有毒品罪", "第三百四十八条")],
    "开设赌场罪": [("赌博罪", "第三百零三条")],
    "赌博罪": [("开设赌场罪", "第三百零三条")],
    "抢劫罪": [("抢夺罪", "第二百六十七条"), ("敲诈勒索罪", "第二百七十四条")],
    "强奸罪": [("强制猥亵罪", "第二百三十七条")],
    "帮助信息网络犯罪活动罪": [("掩饰、隐瞒犯罪所得罪", "第三百一十二条")],
    "掩饰、隐瞒犯罪所得罪": [("帮助信息网络犯罪活动罪", "第二百八十七条之二"), ("盗窃罪", "第二百六十四条")],
}
DEFAULT_SIBLINGS = [("盗窃罪", "第二百六十四条"), ("诈骗罪", "第二百六十六条")]
LOOKALIKE = {"张": "章", "王": "汪", "李": "季", "刘": "柳", "陈": "程", "杨": "扬", "黄": "王", "赵": "肖",
             "吴": "吕", "周": "邹", "徐": "许", "孙": "孟", "马": "冯", "朱": "米", "胡": "湖", "郭": "廓",
             "何": "贺", "高": "郜", "林": "材", "罗": "骆", "某": "甲", "甲": "乙", "乙": "丙", "明": "名",
             "华": "化", "军": "君", "伟": "玮", "峰": "锋", "平": "萍", "海": "每", "红": "宏"}


@dataclass
class Defect:
    kind: str
    rule_id: str
    stage: str  # plan | text
    apply: Callable[..., Label | None]


def _label(rule_id: str, document: str, defendant: str | None, detail: str) -> Label:
    return {"rule_id": rule_id, "document": document, "defendant": defendant, "detail": detail}


def _timed(plan: Plan) -> list[Any]:
    return [p for p in plan.persons if p.rec.penalty in LIMITS and p.rec.low is not None]


# --------------------------------------------------------------------------- plan stage


def term(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    for p in rng.sample(_timed(plan), len(_timed(plan))):
        d = next(d for d in j.defendants if d.name == p.name)
        m = d.sentence.months
        lo_lim, hi_lim = LIMITS[p.rec.penalty]
        if not m:
            continue
        gap = rng.choice([1, 2]) if p.rec.penalty == "拘役" else rng.choice([2, 3, 4, 6, 12])
        width = 0 if rng.random() < 0.5 else (1 if p.rec.penalty == "拘役" else rng.choice([2, 3, 6]))
        if m + gap + width <= hi_lim and (rng.random() < 0.6 or m - gap - width < lo_lim):
            lo, hi = m + gap, m + gap + width
        elif m - gap - width >= lo_lim:
            lo, hi = m - gap - width, m - gap
        else:
            continue
        old = (p.rec.low, p.rec.high)
        p.rec.low, p.rec.high = lo, hi
        what = months_to_cn(lo) if lo == hi else f"{months_to_cn(lo)}至{months_to_cn(hi)}"
        return _label("COMPARE.TERM_MISMATCH", "recommendation", p.name,
                      f"建议{p.rec.penalty}{what}（原{old}），判处{months_to_cn(m)}")
    return None


def penalty_type(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    for p in _timed(plan):
        old = p.rec.penalty
        if old == "有期徒刑":
            new = rng.choice(["拘役", "管制"]) if not p.rec.probation else "拘役"
        elif old == "拘役":
            new = "有期徒刑" if rng.random() < 0.7 or p.rec.probation else "管制"
        else:
            new = "拘役"
        lo_lim, hi_lim = LIMITS[new]
        t = min(max(p.rec.low or lo_lim, lo_lim), hi_lim)
        p.rec.penalty, p.rec.low, p.rec.high = new, t, t
        if p.rec.probation_months and new == "拘役":
            p.rec.probation_months = max(t, 2)
        return _label("COMPARE.PENALTY_TYPE_MISMATCH", "recommendation", p.name, f"建议{new}，判处{old}")
    return None


def probation(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    for p in _timed(plan):
        if p.rec.probation:
            p.rec.probation, p.rec.probation_months = False, None
            return _label("COMPARE.PROBATION_MISMATCH", "recommendation", p.name, "判决宣告缓刑，建议未提缓刑")
        if p.rec.penalty == "有期徒刑" and (p.rec.high or 99) <= 36 or p.rec.penalty == "拘役":
            if "累犯" in p.circumstances:
                continue
            low = p.rec.high or 1
            p.rec.probation = True
            p.rec.probation_months = max(low, 12) if p.rec.penalty == "有期徒刑" else max(low, 2)
            if p.rec.low != p.rec.high:
                p.rec.probation_months = None
            return _label("COMPARE.PROBATION_MISMATCH", "recommendation", p.name, "判决实刑，建议适用缓刑")
    return None


def fine(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    for p in plan.persons:
        d = next(d for d in j.defendants if d.name == p.name)
        if not d.sentence.fine or p.rec.penalty not in LIMITS:
            continue
        f = d.sentence.fine
        new = f * rng.choice([2, 3, 0.5]) if f >= 2000 else f + rng.choice([1000, 2000, 5000])
        new = float(int(round(new, -2)))
        if new == f or new < 100:
            continue
        p.rec.fine, p.rec.fine_high, p.rec.fine_mentioned = new, None, False
        return _label("COMPARE.FINE_MISMATCH", "recommendation", p.name, f"建议罚金{new:.0f}元，判处{f:.0f}元")
    return None


def charge(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    p = rng.choice(plan.persons)
    if not p.charges:
        return None
    old = p.charges[0]
    options = [s for s in SIBLINGS.get(old, DEFAULT_SIBLINGS) if s[0] != old and s[0] not in p.charges]
    if not options:
        return None
    new, art = rng.choice(options)
    p.charges[0] = new
    if len(p.charges) == 1:
        p.articles = [art]
    return _label("COMPARE.CHARGE_MISMATCH", "indictment", p.name, f"起诉书、量刑建议书以{new}起诉，判决{old}")


def circumstance(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    p = rng.choice(plan.persons)
    have = set(p.circumstances)
    choices = []
    if "坦白" in have and "自首" not in have:
        choices.append(("swap", "坦白", "自首"))
    if "累犯" in have:
        choices.append(("drop", "累犯", None))
    for c in ("自首", "立功", "谅解", "未遂", "从犯"):
        if c not in have and not ({"自首", "坦白"} & have and c == "自首"):
            choices.append(("add", None, c))
    if "自首" in have and "坦白" not in have:
        choices.append(("swap", "自首", "坦白"))
    if not choices:
        return None
    how, old, new = rng.choice(choices)
    # only the recommendation says it; the indictment keeps what the court found
    p.r_circumstances = [c for c in p.circumstances if c != old] + ([new] if new else [])
    detail = {"swap": f"量刑建议书认定{new}，判决认定{old}", "drop": f"量刑建议书未列{old}（判决认定）",
              "add": f"量刑建议书列{new}，判决未认定"}[how]
    return _label("COMPARE.CIRCUMSTANCE_MISMATCH", "recommendation", p.name, detail)


def defendant_missing(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    if len(plan.persons) > 1 and rng.random() < 0.6:
        p = rng.choice(plan.persons)
        p.in_recommendation = False
        return _label("COMPARE.DEFENDANT_MISSING", "recommendation", p.name, f"量刑建议书遗漏被告人{p.name}")
    p = rng.choice(plan.persons)
    for i, ch in enumerate(p.name):
        if ch in LOOKALIKE and LOOKALIKE[ch] != ch:
            new = p.name[:i] + LOOKALIKE[ch] + p.name[i + 1:]
            if any(new == q.name for q in plan.persons):
                continue
            p.rec_name = new
            return _label("COMPARE.DEFENDANT_MISSING", "recommendation", p.name, f"量刑建议书将“{p.name}”写成“{new}”")
    return None


def defendant_info(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    cands = [p for p in plan.persons if p.birth]
    if not cands:
        return None
    p = rng.choice(cands)
    old = p.birth
    new = old + dt.timedelta(days=rng.choice([1, 10, 31, -1, -9, 365, -366]))
    p.i_birth = new
    if p.id_number:
        p.id_number = make_id(p.id_number[:6], new, int(p.id_number[14:17]), p.sex != "女")
    return _label("COMPARE.DEFENDANT_INFO", "indictment", p.name, f"起诉书出生日期{date_str(new)}，判决{date_str(old)}")


def id_check(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    cands = [p for p in plan.persons if p.birth]
    if not cands:
        return None
    p = rng.choice(cands)
    idn = p.id_number or make_id("320102", p.birth, rng.randrange(1, 999), p.sex != "女")  # type: ignore[arg-type]
    right = idn[-1]
    wrong = rng.choice([c for c in "0123456789X" if c != right])
    p.id_number = idn[:17] + wrong
    return _label("ID.CHECK_DIGIT", "indictment", p.name, f"身份号码{p.id_number}校验码应为{right}")


def id_birth(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    cands = [p for p in plan.persons if p.birth]
    if not cands:
        return None
    p = rng.choice(cands)
    other = p.birth + dt.timedelta(days=rng.choice([1, 2, 30, -3, 365 * 2, -365]))  # type: ignore[operator]
    region = p.id_number[:6] if p.id_number else "330106"
    p.id_number = make_id(region, other, rng.randrange(1, 999), p.sex != "女")
    return _label("ID.BIRTH_MISMATCH", "indictment", p.name, f"身份号码含出生日期{date_str(other)}，所载{date_str(p.birth)}")


def chronology(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    for p in plan.persons:
        kinds = [k for k, _ in p.custody]
        if "刑事拘留" in kinds and "逮捕" in kinds:
            i, k = kinds.index("刑事拘留"), kinds.index("逮捕")
            det = p.custody[i][1]
            new = det - dt.timedelta(days=rng.randint(2, 25))
            p.custody[k] = ("逮捕", new)
            return _label("DATE.CHRONOLOGY", "indictment", p.name, f"逮捕{date_str(new)}早于刑事拘留{date_str(det)}")
    return None


def case_number(j: Judgment, plan: Plan, rng: random.Random) -> Label | None:
    if not j.indictment_number:
        return None
    m = re.search(r"(\d+)号$", plan.number)
    if not m:
        return None
    n = int(m.group(1))
    new = n + rng.choice([1, 10, 100, -1]) if n > 1 else n + 1
    plan.number = plan.number[: m.start(1)] + str(new) + "号"
    return _label("COMPARE.CASE_NUMBER", "indictment", None, f"起诉书文号{plan.number}，判决援引{j.indictment_number}")


# --------------------------------------------------------------------------- text stage


def _reasoning_span(text: str) -> int:
    i = text.find("本院认为")
    return i if i >= 0 else 0


def article(j: Judgment, docs: dict[str, str], plan: Plan, rng: random.Random) -> Label | None:
    ind = docs["indictment"]
    start = _reasoning_span(ind)
    for p in plan.persons:
        for a in p.articles:
            m = re.fullmatch(rf"第({NUM}+)条(之[一二三四五六])?", a)
            n = cn_to_int(m.group(1)) if m else None
            if not n:
                continue
            taken = {cn_to_int(re.sub(r"[第条].*", "", x[1:]) or "") for x in p.articles}
            cand = [k for k in (n + 1, n - 1, n + 2, n + 3, n - 2) if 102 <= k <= 451 and k not in taken]
            if not cand:
                continue
            new = f"第{int_to_cn(rng.choice(cand))}条"
            i = ind.find(a, start)
            if i < 0:
                continue
            docs["indictment"] = ind[:i] + new + ind[i + len(a):]
            return _label("COMPARE.ARTICLE_MISMATCH", "indictment", p.name, f"起诉书援引{new}，判决援引{a}")
    return None


def article_missing(j: Judgment, docs: dict[str, str], plan: Plan, rng: random.Random) -> Label | None:
    ind = docs["indictment"]
    start = _reasoning_span(ind)
    for p in plan.persons:
        for a in p.articles:
            i = ind.find(a, start)
            if i < 0 or "之" in a:
                continue
            new = f"第{int_to_cn(rng.randint(453, 499))}条"
            docs["indictment"] = ind[:i] + new + ind[i + len(a):]
            return _label("CITE.NOT_FOUND", "indictment", p.name, f"起诉书援引刑法{new}（刑法共四百五十二条）")
    return None


AMOUNT_RX = re.compile(r"(?<![\d.])(\d{3,7}(?:\.\d{1,2})?)(\s*)(万?元)")


def amount(j: Judgment, docs: dict[str, str], plan: Plan, rng: random.Random) -> Label | None:
    ind = docs["indictment"]
    a, b = ind.find(plan.facts[:20]) if plan.facts else -1, 0
    if a < 0:
        return None
    b = a + len(plan.facts)
    found = [m for m in AMOUNT_RX.finditer(ind, a, b) if float(m.group(1)) >= 200]
    rng.shuffle(found)
    for m in found:
        old = float(m.group(1))
        for _ in range(5):
            new = int(old * rng.choice([1.1, 1.2, 1.5, 0.8, 2.0, 0.5]) + rng.choice([0, 100, 300]))
            if str(new) not in j.text and new != int(old):
                break
        else:
            continue
        docs["indictment"] = ind[: m.start(1)] + str(new) + ind[m.end(1):]
        return _label("COMPARE.AMOUNT_MISMATCH", "indictment", None, f"起诉书数额{new}{m.group(3)}，判决{m.group(1)}{m.group(3)}")
    return None


QTY_RX = [re.compile(r"(\d+(?:\.\d+)?)(\s*(?:mg|毫克)\s*[/／]\s*100\s*(?:ml|mL|毫升))"),
          re.compile(r"(\d+(?:\.\d+)?)(\s*克)")]
GRADES = {"轻伤二级": "轻伤一级", "轻伤一级": "重伤二级", "重伤二级": "重伤一级", "轻微伤": "轻伤二级"}


def quantity(j: Judgment, docs: dict[str, str], plan: Plan, rng: random.Random) -> Label | None:
    ind = docs["indictment"]
    a = ind.find(plan.facts[:20]) if plan.facts else -1
    if a < 0:
        return None
    b = a + len(plan.facts)
    for rx in QTY_RX:
        for m in rx.finditer(ind, a, b):
            old = m.group(1)
            v = float(old)
            if v <= 0:
                continue
            dec = len(old.split(".")[1]) if "." in old else 0
            new = f"{v * rng.choice([1.3, 0.7, 1.6, 2.0]):.{dec}f}"
            if new == old or new in j.text:
                continue
            docs["indictment"] = ind[: m.start(1)] + new + ind[m.end(1):]
            return _label("COMPARE.QUANTITY_MISMATCH", "indictment", None, f"起诉书{new}{m.group(2)}，判决{old}{m.group(2)}")
    for old, new in GRADES.items():
        i = ind.find(old, a, b)
        if i >= 0 and new not in j.text:
            docs["indictment"] = ind[:i] + new + ind[i + len(old):]
            return _label("COMPARE.QUANTITY_MISMATCH", "indictment", None, f"起诉书{new}，判决{old}")
    return None


def term_dates(j: Judgment, docs: dict[str, str], plan: Plan, rng: random.Random) -> Label | None:
    """A term end later than start + term − 1 day: wrong whatever custody came before."""
    for d in j.defendants:
        s = d.sentence
        if not (d.term_start and d.term_end and s.months and not s.probation_months and s.penalty in LIMITS):
            continue
        latest = add_months(d.term_start, s.months) - dt.timedelta(days=1)
        base = max(latest, d.term_end)
        new = base + dt.timedelta(days=rng.choice([1, 2, 10, 30, 31, 61, 365]))
        old_s = f"至{date_str(d.term_end)}止"
        jt = docs["judgment"]
        i = jt.find(old_s)
        if i < 0:
            continue
        docs["judgment"] = jt[:i] + f"至{date_str(new)}止" + jt[i + len(old_s):]
        return _label("SENT.TERM_DATES", "judgment", d.name,
                      f"{s.penalty}{months_to_cn(s.months)}自{date_str(d.term_start)}起最迟至{date_str(latest)}止，写为{date_str(new)}")
    return None


DEFECTS: list[Defect] = [
    Defect("term", "COMPARE.TERM_MISMATCH", "plan", term),
    Defect("penalty_type", "COMPARE.PENALTY_TYPE_MISMATCH", "plan", penalty_type),
    Defect("probation", "COMPARE.PROBATION_MISMATCH", "plan", probation),
    Defect("fine", "COMPARE.FINE_MISMATCH", "plan", fine),
    Defect("charge", "COMPARE.CHARGE_MISMATCH", "plan", charge),
    Defect("circumstance", "COMPARE.CIRCUMSTANCE_MISMATCH", "plan", circumstance),
    Defect("defendant_missing", "COMPARE.DEFENDANT_MISSING", "plan", defendant_missing),
    Defect("defendant_info", "COMPARE.DEFENDANT_INFO", "plan", defendant_info),
    Defect("id_check", "ID.CHECK_DIGIT", "plan", id_check),
    Defect("id_birth", "ID.BIRTH_MISMATCH", "plan", id_birth),
    Defect("chronology", "DATE.CHRONOLOGY", "plan", chronology),
    Defect("case_number", "COMPARE.CASE_NUMBER", "plan", case_number),
    Defect("article", "COMPARE.ARTICLE_MISMATCH", "text", article),
    Defect("article_missing", "CITE.NOT_FOUND", "text", article_missing),
    Defect("amount", "COMPARE.AMOUNT_MISMATCH", "text", amount),
    Defect("quantity", "COMPARE.QUANTITY_MISMATCH", "text", quantity),
    Defect("term_dates", "SENT.TERM_DATES", "text", term_dates),
]
