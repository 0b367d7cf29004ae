"""The facts view of a case: the flat, documented variables a rule condition may use.

Rule writers do not see the extraction types; they see the names in ``FACTS`` below (``jiancha
rules facts`` lists them). Prefixes: ``j_`` the judgment, ``i_`` the indictment, ``r_`` the
sentencing recommendation. A rule with ``foreach: defendant`` sees the case facts plus the
defendant facts (``name``, ``age_at_offence``, ``penalty``…) of one defendant at a time; the
defendant facts merge the documents (the judgment first, then the indictment, then the
recommendation). A fact the extractor did not find is ``None`` (unknown), never a guess.

Texts (``j_text``, section texts such as ``j_verdict``) are plain strings: ``'值班律师' in i_text``
is a substring test, ``matches(j_reasoning, '正则')`` a regular-expression search. ``j_text`` (and
``all_text``) leave out the judgment's appendix of quoted law (附：本判决适用的法律条文 …, the
``j_appendix`` section): it quotes statutes and interpretations verbatim, so their words — 投案后又
逃跑、减轻处罚、情节严重 — would otherwise read as the case's own.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from knowledge.charges import articles_for
from knowledge.statutes import penalty_tiers
from models.checks.engine import CheckContext
from models.extract.amounts import extract_amounts
from models.sentencing.dates import age_on
from models.timeline import case_timeline
from models.timeline.facts import TIMELINE_FACTS, timeline_facts
from models.types import Defendant, DocElements, SentenceTerm

KINDS = {"i": "indictment", "r": "recommendation", "j": "judgment"}
SECTIONS = {
    "judgment": ("header", "parties", "history", "accusation", "defence", "findings", "evidence",
                 "reasoning", "verdict", "appeal", "signature", "appendix"),
    "indictment": ("header", "parties", "origin", "facts", "evidence", "reasoning", "closing", "appendix"),
    "recommendation": ("header", "parties", "reasoning", "circumstances", "recommendation", "closing"),
}

# name → (type, description). Types: bool, int, float, str, date, set, list.
CASE_FACTS: dict[str, tuple[str, str]] = {
    "kinds": ("set", "在案文书种类：indictment / recommendation / judgment"),
    "has_indictment": ("bool", "有起诉书"),
    "has_recommendation": ("bool", "有量刑建议书"),
    "has_judgment": ("bool", "有刑事判决书"),
    "procedure": ("str", "审理程序：简易程序 / 普通程序 / 速裁程序（判决书优先，其次起诉书）"),
    "court": ("str", "法院名称"),
    "procuratorate": ("str", "检察院名称"),
    "n_defendants": ("int", "被告人人数（各文书最大值）"),
    "all_charges": ("set", "各文书认定的全部罪名（规范名，不含“罪”）"),
    "all_circumstances": ("set", "各文书中未被否定的量刑情节"),
    "all_text": ("str", "全部文书文本（以换行相连；判决书不含附录所引法条）"),
    "amount_max": ("float", "判决书（无则起诉书）中最大的金额（元）"),
    "amount_total": ("float", "判决书（无则起诉书）中金额之和（元，含重复提及，仅供粗略判断）"),
    "j_reasoning_amount_max": ("float", "判决书“本院认为”部分中最大的非罚金金额（元；有约数“余/多/许”或没有金额时为 None）"),
    "bac": ("float", "血液酒精含量最大值（mg/100ml）"),
    "drug_grams": ("float", "毒品数量最大值（克）"),
    "drug_substances": ("set", "毒品种类"),
    "injury_grades": ("set", "损伤程度（如 轻伤二级、重伤一级）"),
    "disability_grades": ("set", "伤残等级"),
    "deaths": ("int", "死亡人数"),
    "offence_first": ("date", "最早犯罪日期（起诉书优先）"),
    "offence_last": ("date", "最晚犯罪日期"),
    "transfer_date": ("date", "移送审查起诉日期"),
    "prosecution_date": ("date", "提起公诉日期（判决书所载，无则起诉书落款日期）"),
    "trial_date": ("date", "开庭日期"),
    "days_transfer_to_prosecution": ("int", "移送审查起诉至起诉书落款的天数"),
    "days_prosecution_to_judgment": ("int", "提起公诉至判决落款的天数"),
    "days_prosecution_to_trial": ("int", "提起公诉至开庭的天数"),
    "days_offence_to_prosecution": ("int", "最晚犯罪日期至提起公诉的天数"),
}
for _p, _k in KINDS.items():
    _name = {"i": "起诉书", "r": "量刑建议书", "j": "判决书"}[_p]
    CASE_FACTS[f"{_p}_text"] = ("str", f"{_name}全文" + ("（不含附录所引法律条文，附录见 j_appendix）" if _p == "j" else ""))
    CASE_FACTS[f"{_p}_sections"] = ("set", f"{_name}识别出的部分（{'、'.join(SECTIONS[_k])}）")
    CASE_FACTS[f"{_p}_case_number"] = ("str", f"{_name}文号")
    CASE_FACTS[f"{_p}_date"] = ("date", f"{_name}落款日期")
    CASE_FACTS[f"{_p}_charges"] = ("set", f"{_name}罪名")
    CASE_FACTS[f"{_p}_articles"] = ("set", f"{_name}援引的刑法条文号（整数；之一等另见 {_p}_citations）")
    CASE_FACTS[f"{_p}_cpl_articles"] = ("set", f"{_name}援引的刑事诉讼法条文号")
    CASE_FACTS[f"{_p}_citations"] = ("set", f"{_name}援引条文的键，如 刑法第133条之1、刑事诉讼法第201条")
    CASE_FACTS[f"{_p}_unofficial_charges"] = ("set", f"{_name}中不规范的罪名写法")
    CASE_FACTS[f"{_p}_circumstances"] = ("set", f"{_name}中未被否定的量刑情节")
    CASE_FACTS[f"{_p}_chars"] = ("int", f"{_name}字数（无该文书为 None）")
    for _s in SECTIONS[_k]:
        CASE_FACTS[f"{_p}_{_s}"] = ("str", f"{_name}“{_s}”部分的文本（未识别为空串）")
CASE_FACTS["j_indictment_ref"] = ("str", "判决书援引的起诉书文号")
CASE_FACTS["j_uncited_charges"] = ("set", "判决书认定但未援引其分则条文的罪名")
CASE_FACTS["i_uncited_charges"] = ("set", "起诉书指控但未援引其分则条文的罪名")
CASE_FACTS.update(TIMELINE_FACTS)  # the case timeline (documents + case-management export)

DEFENDANT_FACTS: dict[str, tuple[str, str]] = {
    "name": ("str", "被告人姓名"),
    "sex": ("str", "性别"),
    "ethnicity": ("str", "民族"),
    "birth_date": ("date", "出生日期"),
    "id_number": ("str", "公民身份号码"),
    "age_at_offence": ("int", "犯罪时年龄（周岁，生日次日起算；按最晚犯罪日期；出生晚于最早犯罪日期时为 None）"),
    "age_at_first_offence": ("int", "最早犯罪日期时的年龄"),
    "age_at_judgment": ("int", "判决时年龄"),
    "age_at_indictment": ("int", "起诉书落款时年龄"),
    "charges": ("set", "被告人罪名（各文书合并）"),
    "j_def_charges": ("set", "判决书认定的该被告人罪名"),
    "i_def_charges": ("set", "起诉书指控的该被告人罪名"),
    "circumstances": ("set", "该被告人未被否定的量刑情节（各文书合并）"),
    "negated_circumstances": ("set", "被否定的量刑情节（不构成自首等）"),
    "has_record": ("bool", "载有前科/劣迹"),
    "record_release_date": ("date", "最近一次前科刑罚的刑满释放日期（其后另有日期时为 None）"),
    "record_prison": ("bool", "该次刑满释放的前科刑罚为有期徒刑以上"),
    "in_documents": ("set", "该被告人出现在哪些文书"),
    # judged sentence (judgment)
    "penalty": ("str", "判处主刑：死刑 / 无期徒刑 / 有期徒刑 / 拘役 / 管制 / 免予刑事处罚；单处罚金为 None"),
    "term_months": ("int", "判处刑期（月）"),
    "probation": ("bool", "判处缓刑"),
    "probation_months": ("int", "缓刑考验期（月）"),
    "fine_yuan": ("float", "罚金（元）"),
    "has_fine": ("bool", "判处罚金"),
    "fine_required": ("bool", "所判各罪的法定刑各幅度均须并处（或单处）罚金"),
    "fine_excluded": ("bool", "所判各罪的法定刑均无罚金"),
    "confiscation_all": ("bool", "没收个人全部财产"),
    "confiscation_yuan": ("float", "没收个人财产数额（元）"),
    "political_rights_months": ("int", "剥夺政治权利期限（月）"),
    "political_rights_life": ("bool", "剥夺政治权利终身"),
    "suspended_death": ("bool", "死刑缓期二年执行"),
    "judged_text": ("str", "判决主文中该被告人的判项原文"),
    "n_parts": ("int", "数罪并罚时分罪判处的个数"),
    "parts_max_months": ("int", "分罪判处刑期中最长者（月）"),
    "parts_sum_months": ("int", "分罪判处刑期之和（月）"),
    "parts_penalties": ("set", "分罪判处的主刑种类"),
    "parts_fine_sum": ("float", "分罪判处罚金（写明数额者）之和（元；均未判处时为 None）"),
    "parts_with_fine": ("int", "判处罚金的分罪个数"),
    "judged": ("bool", "判决书中有该被告人的判项"),
    # recommended sentence (recommendation; else the judgment's quote; else the indictment)
    "rec_penalty": ("str", "建议主刑"),
    "rec_term_months": ("int", "建议确定刑期（月）"),
    "rec_term_lo": ("int", "建议刑期下限（月；确定刑时等于刑期）"),
    "rec_term_hi": ("int", "建议刑期上限（月）"),
    "rec_is_range": ("bool", "量刑建议为幅度刑"),
    "rec_probation": ("bool", "建议缓刑"),
    "rec_probation_months": ("int", "建议缓刑考验期（月）"),
    "rec_fine": ("float", "建议罚金（元；幅度时为下限）"),
    "rec_fine_hi": ("float", "建议罚金上限（元）"),
    "rec_text": ("str", "量刑建议原文"),
    "recommended": ("bool", "有量刑建议"),
    "rec_source": ("str", "量刑建议来自：recommendation / judgment / indictment"),
    # compulsory measures and custody
    "detention_date": ("date", "刑事拘留日期"),
    "arrest_date": ("date", "逮捕日期"),
    "bail_date": ("date", "取保候审日期"),
    "residence_date": ("date", "监视居住日期"),
    "measures": ("set", "所采取的强制措施：detention / arrest / bail / residence"),
    "days_detention_to_arrest": ("int", "刑事拘留至逮捕的天数"),
    "days_arrest_to_transfer": ("int", "逮捕至移送审查起诉的天数"),
    "days_arrest_to_prosecution": ("int", "逮捕至提起公诉的天数"),
    "days_bail_to_judgment": ("int", "取保候审至判决的天数"),
    "days_residence_to_judgment": ("int", "监视居住至判决的天数"),
    "custody_start": ("date", "最早羁押日期（拘留或逮捕）"),
    "term_start": ("date", "刑期起算日"),
    "term_end": ("date", "刑期届满日"),
    "days_term": ("int", "刑期起止之间的天数"),
    "term_start_vs_custody": ("int", "刑期起算日减最早羁押日的天数"),
    "term_start_mentioned": ("bool", "刑期起算日作为其他日期（抓获、被羁押、到案等）另见于判决书"),
}

FACTS: dict[str, tuple[str, str]] = {**CASE_FACTS, **DEFENDANT_FACTS}
CASE_NAMES = frozenset(CASE_FACTS)
ALL_NAMES = frozenset(FACTS)


def _active(circs) -> set[str]:
    return {c.name for c in circs if not c.negated}


def _days(a: dt.date | None, b: dt.date | None) -> int | None:
    return (b - a).days if a is not None and b is not None else None


def _first(dates: list[dt.date]) -> dt.date | None:
    return min(dates) if dates else None


def case_facts(ctx: CheckContext) -> dict[str, Any]:
    """The per-case facts (cheap: slices, sets and a few date differences)."""
    case = ctx.case
    f: dict[str, Any] = {}
    kinds = set(ctx.kinds())
    f["kinds"] = kinds
    for p, k in KINDS.items():
        f[f"has_{k}"] = k in kinds
        doc = ctx.document(k)
        el = ctx.elements(k)
        if doc is None or el is None:
            f[f"{p}_text"] = None
            f[f"{p}_chars"] = None
            f[f"{p}_sections"] = None
            for s in SECTIONS[k]:
                f[f"{p}_{s}"] = None
            for x in ("case_number", "date", "charges", "articles", "cpl_articles", "citations",
                      "unofficial_charges", "circumstances"):
                f[f"{p}_{x}"] = None
            continue
        text = doc.text
        f[f"{p}_text"] = doc.body  # a judgment's appendix of quoted law is j_appendix, not j_text
        f[f"{p}_chars"] = len(text)
        names = set()
        for s in SECTIONS[k]:
            f[f"{p}_{s}"] = ""
        for s in doc.sections:
            names.add(s.name)
            key = f"{p}_{s.name}"
            f[key] = (f.get(key) or "") + text[s.start : s.end]
        f[f"{p}_sections"] = names
        f[f"{p}_case_number"] = el.case_number
        f[f"{p}_date"] = el.date
        f[f"{p}_charges"] = set(el.charges)
        f[f"{p}_articles"] = {c.article for c in el.citations if c.law == "刑法" and not c.sub}
        f[f"{p}_cpl_articles"] = {c.article for c in el.citations if c.law == "刑事诉讼法"}
        f[f"{p}_citations"] = {c.key for c in el.citations}
        f[f"{p}_unofficial_charges"] = {m.written for m in el.charge_mentions if m.official is None}
        f[f"{p}_circumstances"] = _active(el.circumstances)
    j, i = ctx.elements("judgment"), ctx.elements("indictment")
    f["j_uncited_charges"] = _uncited(j)
    f["i_uncited_charges"] = _uncited(i)
    f["j_indictment_ref"] = j.indictment_ref if j else None
    f["procedure"] = (j.procedure if j else None) or (i.procedure if i else None)
    f["court"] = (j.court if j else None)
    f["procuratorate"] = (j.procuratorate if j else None) or (i.procuratorate if i else None)
    els = [e for e in (ctx.elements(k) for k in ("judgment", "indictment", "recommendation")) if e]
    f["n_defendants"] = max((len(e.defendants) for e in els), default=0)
    f["all_charges"] = set().union(*(set(e.charges) for e in els)) if els else set()
    f["all_circumstances"] = set().union(*(_active(e.circumstances) for e in els)) if els else set()
    f["all_text"] = "\n".join(d.body for d in case.documents)
    main = j or i
    amounts = [a.yuan for a in main.amounts] if main else []
    f["amount_max"] = max(amounts) if amounts else None
    f["amount_total"] = sum(amounts) if amounts else None
    f["j_reasoning_amount_max"] = _reasoning_amount_max(f.get("j_reasoning"))
    qs = [q for e in els for q in e.quantities]
    bacs = [q.value for q in qs if q.kind == "bac" and q.value is not None]
    drugs = [q.value for q in qs if q.kind == "drug" and q.value is not None]
    f["bac"] = max(bacs) if bacs else None
    f["drug_grams"] = max(drugs) if drugs else None
    f["drug_substances"] = {q.substance for q in qs if q.kind == "drug" and q.substance}
    f["injury_grades"] = {q.grade for q in qs if q.kind == "injury" and q.grade}
    f["disability_grades"] = {q.grade for q in qs if q.kind == "disability" and q.grade}
    deaths = [q.value for q in qs if q.kind == "death" and q.value is not None]
    f["deaths"] = int(max(deaths)) if deaths else None
    offences = _role_dates(i, "offence") or _role_dates(j, "offence")
    f["offence_first"] = _first(offences)
    f["offence_last"] = max(offences) if offences else None
    f["transfer_date"] = _first(_role_dates(i, "transfer") or _role_dates(j, "transfer"))
    pros = _role_dates(j, "prosecution")
    f["prosecution_date"] = _first(pros) or (i.date if i else None) or _first(_role_dates(i, "prosecution"))
    f["trial_date"] = _first(_role_dates(j, "trial"))
    f["days_transfer_to_prosecution"] = _days(f["transfer_date"], i.date if i else None)
    f["days_prosecution_to_judgment"] = _days(f["prosecution_date"], j.date if j else None)
    f["days_prosecution_to_trial"] = _days(f["prosecution_date"], f["trial_date"])
    f["days_offence_to_prosecution"] = _days(f["offence_last"], f["prosecution_date"])
    f.update(timeline_facts(case_timeline(case)))
    return f


_RECORD_DATE = re.compile(r"(?:(\d{4})年|同年)(\d{1,2})月(\d{1,2})日")


def _release_date(records: list[str]) -> tuple[dt.date | None, bool | None]:
    """The 刑满释放 date of a defendant's most recent prior sentence and whether that sentence was
    a fixed-term (or heavier) prison sentence. A date followed by 刑满释放 within a few characters
    is a release; 同年 takes the year of the date before it. When the record states anything dated
    after the last release (a later conviction whose release is not written), (None, None)."""
    year: int | None = None
    dates: list[dt.date] = []
    releases: list[tuple[dt.date, str]] = []
    prev_item = ""
    for text in records:
        for m in _RECORD_DATE.finditer(text):
            if m.group(1):
                year = int(m.group(1))
            if year is None:
                continue
            try:
                d = dt.date(year, int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
            dates.append(d)
            if "刑满释放" in text[m.end():m.end() + 6]:
                # the sentence released from: this record item up to the date, else the item before
                before = text[:m.start()]
                releases.append((d, before if "判处" in before else prev_item))
        prev_item = text
    if not releases:
        return None, None
    last, sentence = max(releases, key=lambda r: r[0])
    if max(dates) > last:
        return None, None
    return last, any(k in sentence for k in ("有期徒刑", "无期徒刑", "死刑"))


def _reasoning_amount_max(reasoning: str | None) -> float | None:
    """The largest crime amount the court states in 本院认为 (the extracted amounts come from the
    facts only, each value once): fines are left out, and an approximate amount (余/多/许, a lower
    bound) makes the figure unknown rather than too small."""
    found = [a for a in extract_amounts(reasoning or "") if not a.penalty]
    if not found or any(a.approx for a in found):
        return None
    return max(a.yuan for a in found)


def _uncited(el: DocElements | None) -> set[str] | None:
    if el is None:
        return None
    cited = {(c.article, c.sub) for c in el.citations if c.law == "刑法"}
    if not cited:
        return None  # no citations extracted at all: unknown rather than "all uncited"
    out = set()
    for ch in el.charges:
        arts = articles_for(ch)
        if arts and not cited.intersection(arts):
            out.add(ch)
    return out


def _fine_kinds(charges: set[str]) -> set[str] | None:
    """The fine kinds (mandatory / optional / none) of every tier of the charges' articles."""
    kinds: set[str] = set()
    for ch in charges:
        arts = articles_for(ch)
        tiers = [t for a, sub in arts for t in penalty_tiers(a, sub)]
        if not tiers:
            return None
        kinds |= {t.fine for t in tiers}
    return kinds or None


def _role_dates(el: DocElements | None, role: str) -> list[dt.date]:
    if el is None:
        return []
    return [m.date for m in el.dates if m.role == role]


def defendant_names(ctx: CheckContext) -> list[str]:
    """Defendants of the case in order (judgment, indictment, recommendation), deduplicated."""
    seen: dict[str, None] = {}
    for k in ("judgment", "indictment", "recommendation"):
        el = ctx.elements(k)
        if el is not None:
            for d in el.defendants:
                seen.setdefault(d.name, None)
    return list(seen)


def _rec_from(st: SentenceTerm | None, f: dict[str, Any], source: str) -> bool:
    if st is None:
        return False
    f["recommended"] = True
    f["rec_source"] = source
    f["rec_penalty"] = st.penalty
    f["rec_term_months"] = st.term_months
    if st.term_range_months:
        f["rec_term_lo"], f["rec_term_hi"] = st.term_range_months
        f["rec_is_range"] = True
    else:
        f["rec_term_lo"] = f["rec_term_hi"] = st.term_months
        f["rec_is_range"] = False
    f["rec_probation"] = st.probation
    f["rec_probation_months"] = st.probation_months
    if st.fine_range_yuan:
        f["rec_fine"], f["rec_fine_hi"] = st.fine_range_yuan
    else:
        f["rec_fine"] = f["rec_fine_hi"] = st.fine_yuan
    f["rec_text"] = st.text
    return True


def defendant_facts(ctx: CheckContext, name: str, case: dict[str, Any]) -> dict[str, Any]:
    """The facts of one defendant, merged over the documents (judgment first)."""
    f: dict[str, Any] = dict.fromkeys(DEFENDANT_FACTS)
    per: dict[str, Defendant] = {}
    for k in ("judgment", "indictment", "recommendation"):
        el = ctx.elements(k)
        d = el.defendant(name) if el is not None else None
        if d is not None:
            per[k] = d
    ds = list(per.values())
    f["name"] = name
    f["in_documents"] = set(per)
    for attr in ("sex", "ethnicity", "birth_date", "id_number"):
        f[attr] = next((getattr(d, attr) for d in ds if getattr(d, attr)), None)
    f["charges"] = set().union(*(set(d.charges) for d in ds)) if ds else set()
    f["j_def_charges"] = set(per["judgment"].charges) if "judgment" in per else None
    f["i_def_charges"] = set(per["indictment"].charges) if "indictment" in per else None
    f["circumstances"] = set().union(*(_active(d.circumstances) for d in ds)) if ds else set()
    f["negated_circumstances"] = {c.name for d in ds for c in d.circumstances if c.negated}
    f["has_record"] = any(d.record for d in ds)
    records = [r for d in ds for r in d.record]
    f["record_release_date"], f["record_prison"] = _release_date(records)
    birth = f["birth_date"]
    first, last = case.get("offence_first"), case.get("offence_last")
    if birth is not None and first is not None and birth < first:
        f["age_at_offence"] = age_on(birth, last)
        f["age_at_first_offence"] = age_on(birth, first)
    jdate = case.get("j_date")
    if birth is not None and jdate is not None and birth < jdate:
        f["age_at_judgment"] = age_on(birth, jdate)
    idate = case.get("i_date")
    if birth is not None and idate is not None and birth < idate:
        f["age_at_indictment"] = age_on(birth, idate)
    # judged
    jd = per.get("judgment")
    st = jd.judged if jd is not None else None
    f["judged"] = st is not None
    if st is not None:
        f["penalty"] = st.penalty
        f["term_months"] = st.term_months
        f["probation"] = st.probation
        f["probation_months"] = st.probation_months
        f["fine_yuan"] = st.fine_yuan
        f["has_fine"] = bool(st.fine_yuan) or any(p.fine_yuan for p in jd.judged_parts)
        f["confiscation_all"] = st.confiscation_all
        f["confiscation_yuan"] = st.confiscation_yuan
        f["political_rights_months"] = st.political_rights_months
        f["political_rights_life"] = st.political_rights_life
        f["suspended_death"] = st.suspended_death
        f["judged_text"] = st.text
        parts = [p for p in jd.judged_parts if not p.combined]
        f["n_parts"] = len(parts)
        months = [p.term_months for p in parts if p.term_months is not None]
        f["parts_max_months"] = max(months) if months else None
        f["parts_sum_months"] = sum(months) if months and len(months) == len(parts) else None
        f["parts_penalties"] = {p.penalty for p in parts if p.penalty}
        fines = [p.fine_yuan for p in parts if p.fine_yuan]
        f["parts_with_fine"] = len(fines)
        f["parts_fine_sum"] = sum(fines) if fines else None
        kinds = _fine_kinds(set(jd.charges)) if jd.charges else None
        if kinds is not None:
            f["fine_required"] = kinds == {"mandatory"}
            f["fine_excluded"] = kinds == {"none"}
    # recommended: the recommendation itself, else the judgment's quote, else the indictment
    f["recommended"] = False
    for k in ("recommendation", "judgment", "indictment"):
        d = per.get(k)
        if d is not None and _rec_from(d.recommended, f, k):
            break
    # measures
    got: dict[str, dt.date] = {}
    for d in ds:
        for m in d.measures:
            if m.role in ("detention", "arrest", "bail", "residence") and m.role not in got:
                got[m.role] = m.date
    f["measures"] = set(got)
    f["detention_date"] = got.get("detention")
    f["arrest_date"] = got.get("arrest")
    f["bail_date"] = got.get("bail")
    f["residence_date"] = got.get("residence")
    f["days_detention_to_arrest"] = _days(f["detention_date"], f["arrest_date"])
    f["days_arrest_to_transfer"] = _days(f["arrest_date"], case.get("transfer_date"))
    f["days_arrest_to_prosecution"] = _days(f["arrest_date"], case.get("prosecution_date"))
    f["days_bail_to_judgment"] = _days(f["bail_date"], jdate)
    f["days_residence_to_judgment"] = _days(f["residence_date"], jdate)
    custody = [x for x in (f["detention_date"], f["arrest_date"]) if x]
    f["custody_start"] = min(custody) if custody else None
    if jd is not None and jd.term_start is not None:
        ts = jd.term_start
        f["term_start"] = ts.date
        jel = ctx.elements("judgment")
        f["term_start_mentioned"] = jel is not None and any(
            m.date == ts.date and m.start != ts.start and m.role not in ("term_start", "term_end")
            for m in jel.dates
        )
    if jd is not None and jd.term_end is not None:
        f["term_end"] = jd.term_end.date
    f["days_term"] = _days(f["term_start"], f["term_end"])
    f["term_start_vs_custody"] = _days(f["custody_start"], f["term_start"])
    return f


def fact_table() -> list[tuple[str, str, str, str]]:
    """(name, level, type, description) of every fact, for documentation and ``rules facts``."""
    return [(n, "case", t, d) for n, (t, d) in CASE_FACTS.items()] + [
        (n, "defendant", t, d) for n, (t, d) in DEFENDANT_FACTS.items()
    ]
