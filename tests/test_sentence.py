"""Tests of models.extract.sentence and models.extract.durations on real judgment text.

Snippets are copied from real judgments (JuDGE); the 100 verdicts in data/judged_sentences.jsonl
were labelled by hand (the expectations come from reading the text, not from the parser).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from models.extract.durations import DURATION_RE, parse_duration_months
from models.extract.sentence import extract_judged, extract_recommended, extract_term_dates

DATA = Path(__file__).parent / "data" / "judged_sentences.jsonl"
KEYS = (
    "penalty", "term_months", "probation", "probation_months", "fine_yuan",
    "suspended_death", "political_rights_months", "confiscation_all",
)

# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    "text,months",
    [
        ("一年六个月", 18), ("十个月", 10), ("六个月", 6), ("一年", 12), ("三年零六个月", 42),
        ("1年6个月", 18), ("二十个月", 20), ("一年又六个月", 18), ("十一个月", 11), ("两年", 24),
        ("十五年", 180), ("一年半", 18), ("15个月", 15),
        ("二个月十五日", None), ("十五日", None), ("", None), ("若干月", None),
    ],
)
def test_parse_duration_months(text: str, months: int | None) -> None:
    assert parse_duration_months(text) == months


def test_duration_fragment_reusable() -> None:
    m = re.search(rf"有期徒刑({DURATION_RE})", "判处有期徒刑三年零八个月，并处罚金")
    assert m and parse_duration_months(m.group(1)) == 44


# --------------------------------------------------------------------------- judged: 100 labelled


def _load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_judged_sample_of_100() -> None:
    rows = _load()
    assert len(rows) == 100
    mismatches = []
    for r in rows:
        got = extract_judged(r["verdict"])
        flat = {
            n: (None if js.final is None else {k: getattr(js.final, k) for k in KEYS}) for n, js in got.items()
        }
        if flat != r["expected"]:
            mismatches.append((r["id"], r["expected"], flat))
    assert mismatches == []


def test_judged_spans_are_in_the_original_with_offset() -> None:
    rows = _load()
    prefix = "判决如下： "
    for r in rows[:30]:
        doc = prefix + r["verdict"]
        for js in extract_judged(r["verdict"], offset=len(prefix)).values():
            for t in [js.final, *js.parts]:
                assert t is not None
                assert doc[t.start : t.end] == t.text
                assert t.text


# --------------------------------------------------------------------------- judged: constructions


def _final(verdict: str, name: str, names: list[str] | None = None):
    res = extract_judged(verdict, names=names)
    assert name in res, res
    return res[name]


def test_single_charge_fine_and_term() -> None:
    v = "被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年4月28日起至2017年11月27日止。罚金于本判决生效后10日内缴纳。）"
    js = _final(v, "张3")
    f = js.final
    assert (f.penalty, f.term_months, f.fine_yuan, f.probation) == ("有期徒刑", 7, 30000.0, False)
    assert js.parts == [f] and f.charge == "诈骗" and not f.combined


def test_political_rights_and_confiscation_amount() -> None:
    v = "一、被告人张梅珍犯贩卖毒品罪，判处有期徒刑十五年，剥夺政治权利四年，并处没收财产人民币二万元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年4月21日起至2032年4月20日止。罚金应自本判决生效之日起三个月内向本院缴纳。） 二、缴获的毒品及犯罪工具手机一部予以没收。"
    f = _final(v, "张梅珍").final
    assert (f.term_months, f.political_rights_months, f.confiscation_yuan, f.fine_yuan) == (180, 48, 20000.0, None)
    v2 = "一、被告人王加学犯运输毒品罪，判处有期徒刑十五年，剥夺政治权利二年，并处没收个人财产30000元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日。即自2017年9月15日起至2032年9月14日止）。 二、对涉案毒品149.9克予以没收。"
    f2 = _final(v2, "王加学").final
    assert (f2.political_rights_months, f2.confiscation_yuan, f2.confiscation_all) == (24, 30000.0, False)


def test_death_suspended_life_and_confiscation_all() -> None:
    # standard wording of 样式 verdicts (no death sentence among the stored judgments)
    v = "一、被告人甲某犯贩卖毒品罪，判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产。 二、被告人乙某犯贩卖毒品罪，判处无期徒刑，剥夺政治权利终身，并处没收个人财产人民币十万元。 三、被告人丙某犯贩卖毒品罪，判处死刑，剥夺政治权利终身，并处没收个人全部财产。"
    res = extract_judged(v)
    a, b, c = res["甲某"].final, res["乙某"].final, res["丙某"].final
    assert (a.penalty, a.suspended_death, a.political_rights_life, a.confiscation_all) == ("死刑", True, True, True)
    assert (b.penalty, b.suspended_death, b.political_rights_life, b.confiscation_yuan) == ("无期徒刑", False, True, 100000.0)
    assert (c.penalty, c.suspended_death, c.confiscation_all) == ("死刑", False, True)


def test_control_exempt_fine_only_and_unit() -> None:
    v = "一、被告人刘绍萍犯开设赌场罪，判处管制一年，并处罚金人民币二万元上缴国库。 （管制的刑期，从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期二日。罚金限判决生效之日起十日内缴纳。） 二、扣押的二台用于赌博的麻将机予以没收。"
    f = _final(v, "刘绍萍").final
    assert (f.penalty, f.term_months, f.fine_yuan) == ("管制", 12, 20000.0)
    f = _final("被告人何某某犯危险驾驶罪，免予刑事处罚。", "何某某").final
    assert (f.penalty, f.term_months, f.fine_yuan) == ("免予刑事处罚", None, None)
    f = _final("一、被告人许某某犯滥用职权罪，判处免予刑事处罚。 二、被告人孔某某犯玩忽职守罪，判处免予刑事处罚。", "孔某某").final
    assert f.penalty == "免予刑事处罚" and f.charge == "玩忽职守"
    f = _final("被告人冯某犯盗窃罪，判处罚金人民币五千元（罚金已缴纳）。", "冯某").final
    assert (f.penalty, f.fine_yuan) == (None, 5000.0)
    v = "一、被告单位扬州唯盛超细粉股份有限公司犯单位行贿罪，判处罚金人民币十万元； （罚金于本判决生效后十日内缴纳）； 二、被告人李伟华犯单位行贿罪，判处拘役四个月，缓刑六个月，并处罚金人民币十万元； （缓刑考验期限从判决确定之日起计算，罚金于本判决生效后十日内缴纳）。"
    res = extract_judged(v)
    assert res["扬州唯盛超细粉股份有限公司"].final.fine_yuan == 100000.0
    f = res["李伟华"].final
    assert (f.penalty, f.term_months, f.probation, f.probation_months, f.fine_yuan) == ("拘役", 4, True, 6, 100000.0)


@pytest.mark.parametrize(
    "clause,months",
    [("缓刑一年", 12), ("宣告缓刑三个月", 3), ("缓刑二年（缓刑考验期限，从判决确定之日起计算）", 24)],
)
def test_probation_forms(clause: str, months: int) -> None:
    f = _final(f"被告人甲某犯盗窃罪，判处有期徒刑八个月，{clause}，并处罚金人民币2000元。", "甲某").final
    assert (f.probation, f.probation_months, f.fine_yuan) == (True, months, 2000.0)


@pytest.mark.parametrize(
    "clause,yuan",
    [("并处罚金人民币五千元", 5000.0), ("罚金人民币1万元", 10000.0), ("罚金5000元", 5000.0),
     ("并处罚金人民币叁万元", 30000.0), ("并处罚金人民币2，000元", 2000.0), ("并处罚金人民币二万五千元", 25000.0)],
)
def test_fine_forms(clause: str, yuan: float) -> None:
    f = _final(f"被告人甲某犯盗窃罪，判处有期徒刑八个月，{clause}。", "甲某").final
    assert f.fine_yuan == yuan


def test_fine_in_a_note_is_not_a_fine() -> None:
    v = "一、被告人谢木林犯开设赌场罪，判处有期徒刑一年，缓刑一年八个月，并处罚金人民币一万元（在被告人谢木林处依法扣押的人民币200元折抵罚金）。 （缓刑考验期限，从判决确定之日起计算；罚金应在本判决生效之日起十日内缴纳。） 二、被告人谢木林退出的违法所得人民币1.3万元，予以没收，上缴国库。"
    f = _final(v, "谢木林").final
    assert (f.fine_yuan, f.confiscation_yuan, f.confiscation_all) == (10000.0, None, False)


def test_several_charges_combined() -> None:
    v = "被告人夏泽鹏犯非法持有毒品罪，判处有期徒刑二年三个月，并处罚金人民币五千元；犯容留他人吸毒罪，判处有期徒刑八个月，并处罚金人民币五千元；决定执行有期徒刑二年十个月，并处罚金人民币一万元（限于本判决生效后十日内缴纳）。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2016年7月21日起至2019年5月20日止）。"
    js = _final(v, "夏泽鹏")
    assert [(p.charge, p.term_months, p.fine_yuan) for p in js.parts] == [
        ("非法持有毒品", 27, 5000.0), ("容留他人吸毒", 8, 5000.0)]
    assert (js.final.term_months, js.final.fine_yuan, js.final.combined, js.final.charge) == (34, 10000.0, True, "")
    v = "被告人洪锋犯抢劫罪，判处有期徒刑三年，并处罚金人民币三千元；被告人洪锋犯强奸罪，判处有期徒刑一年。决定执行有期徒刑三年六个月，并处罚金人民币三千元。"
    js = _final(v, "洪锋")
    assert [p.charge for p in js.parts] == ["抢劫", "强奸"] and js.final.term_months == 42


def test_prior_sentence_merged() -> None:
    v = "被告人陈超银犯强奸罪，判处有期徒刑四年七个月，与原犯强奸罪，判处有期徒刑二年四个月，两罪并罚，决定执行有期徒刑六年六个月。"
    js = _final(v, "陈超银")
    assert [(p.charge, p.term_months) for p in js.parts] == [("强奸", 55)]
    assert (js.final.term_months, js.final.combined) == (78, True)
    v = "被告人杨文洲犯容留他人吸毒罪，判处有期徒刑七个月，并处罚金人民币二千元；与之前犯诈骗罪、容留他人吸毒罪没有执行的有期徒刑一年四个月又十五天，并处罚金人民币七千元并罚，决定执行有期徒刑二年，并处罚金人民币九千元。"
    js = _final(v, "杨文洲")
    assert len(js.parts) == 1 and (js.final.term_months, js.final.fine_yuan) == (24, 9000.0)
    v = "一、撤销浙江省奉化市人民法院（2011）甬奉刑初字第403号刑事判决； 二、撤销浙江省奉化市人民法院（2009）甬奉刑初字第275号刑事判决书中对原审被告人袁某判处缓刑部分。 三、原审被告人袁某犯信用卡诈骗罪，判处有期徒刑一年，并处罚金二万元，与前罪有期徒刑六个月实行并罚，决定执行有期徒刑一年二个月，并处罚金二万元，该款限判决生效后一个月内缴纳。"
    js = _final(v, "袁某")
    assert (js.parts[0].term_months, js.final.term_months, js.final.fine_yuan, js.final.probation) == (12, 14, 20000.0, False)


def test_second_instance_quotes_are_ignored() -> None:
    v = "一、维持云南省金平苗族瑶族傣族自治县人民法院（2018）云2530刑初121号刑事判决第二项，即：被告人严国平赔偿矿产资源损失费人民币244.75万元，限判决生效后十日内履行。 二、撤销云南省金平苗族瑶族傣族自治县人民法院（2018）云2530刑初121号刑事判决第一项，即：被告人严国平犯非法采矿罪，判处有期徒刑三年六个月，并处罚金人民币15万元。 三、上诉人（原审被告人）严国平犯非法采矿罪，判处有期徒刑三年，缓刑五年，依法实行社区矫正。并处罚金人民币15万元（已缴纳）。"
    js = _final(v, "严国平")
    f = js.final
    assert len(js.parts) == 1
    assert (f.term_months, f.probation_months, f.fine_yuan) == (36, 60, 150000.0)


def test_several_defendants_unnumbered_and_without_prefix() -> None:
    v = "被告人范博犯贩卖毒品罪，判处有期徒刑七个月，并处罚金人民币二万元，依法上缴国库。 （刑期从判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2018年2月7日起至2018年9月6日止。） 被告人马佳伟犯贩卖毒品罪，判处拘役四个月，并处罚金人民币一万元，依法上缴国库。"
    res = extract_judged(v)
    assert (res["范博"].final.term_months, res["马佳伟"].final.penalty, res["马佳伟"].final.fine_yuan) == (7, "拘役", 10000.0)
    v = "一、被告人李旭冉犯贷款诈骗罪，判处有期徒刑一年三个月，缓刑一年六个月（缓刑考验期限从判决确定之日起计算），并处罚金人民币25000元； 二、李晨曦犯贷款诈骗罪，判处有期徒刑六个月，缓刑一年（缓刑考验期限从判决确定之日起计算），并处罚金人民币20000元； 三、本案的其余违法所得予以继续追缴。"
    res = extract_judged(v)
    assert set(res) == {"李旭冉", "李晨曦"}
    assert (res["李晨曦"].final.term_months, res["李晨曦"].final.probation_months) == (6, 12)


def test_names_given_and_non_penalty_items() -> None:
    v = "一、被告人刘某犯贩卖毒品罪，判处有期徒刑二年六个月，并处罚金人民币五千元，与前罪未执行的有期徒刑六个月，并处罚金人民币一千元合并，决定执行有期徒刑二年九个月，并处罚金人民币六千元。 二、被告人刘某犯罪所得人民币3400元及被追缴的毒品海洛因、甲基苯丙胺予以没收。"
    res = extract_judged(v, names=["刘某"])
    assert list(res) == ["刘某"]
    f = res["刘某"].final
    assert (f.term_months, f.fine_yuan, f.combined, f.confiscation_yuan) == (33, 6000.0, True, None)
    v = "一、被告人安旭犯盗窃罪，判处有期徒刑六个月，并处罚金人民币二千元。 二、责令被告人安旭退赔违法所得后发还被害人弓某某。"
    res = extract_judged(v, names=["安旭"])
    assert len(res["安旭"].parts) == 1


def test_term_in_days_is_not_guessed() -> None:
    f = _final("一、被告人齐晓鹏犯贩卖毒品罪，判处拘役四个月十五日，并处罚金人民币一千元。", "齐晓鹏").final
    assert (f.penalty, f.term_months, f.fine_yuan) == ("拘役", None, 1000.0)


def test_no_sentence_no_result() -> None:
    assert extract_judged("二、扣押在案的作案工具水果刀一把予以没收。") == {}
    assert extract_judged("") == {}


# --------------------------------------------------------------------------- term dates


def test_term_dates_simple() -> None:
    v = "被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年4月28日起至2017年11月27日止。罚金于本判决生效后10日内缴纳。）"
    (td,) = extract_term_dates(v, offset=100)
    assert (td.kind, td.name, td.date_from, td.date_to) == ("term", "张3", dt.date(2017, 4, 28), dt.date(2017, 11, 27))
    assert td.credits == [("羁押", 1, 1)]
    assert v[td.from_span[0] - 100 : td.from_span[1] - 100] == "2017年4月28日"
    assert v[td.to_span[0] - 100 : td.to_span[1] - 100] == "2017年11月27日"
    assert v[td.start - 100 : td.end - 100] == td.text


def test_term_dates_residence_and_control_credits() -> None:
    v = "一、被告人顾明轩犯职务侵占罪，判处有期徒刑二年十个月；犯诈骗罪，判处有期徒刑九个月，并处罚金人民币2000元；决定合并执行有期徒刑三年二个月，并处罚金人民币2000元。 （刑期自判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，先行指定居所监视居住的，监视居住二日折抵刑期一日，即自2016年2月5日起至2019年3月18日止；罚金限判决生效后十日内缴纳。）"
    (td,) = extract_term_dates(v)
    assert td.credits == [("羁押", 1, 1), ("监视居住", 2, 1)]
    assert (td.date_from, td.date_to) == (dt.date(2016, 2, 5), dt.date(2019, 3, 18))
    v = "一、被告人刘绍萍犯开设赌场罪，判处管制一年，并处罚金人民币二万元上缴国库。 （管制的刑期，从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期二日。罚金限判决生效之日起十日内缴纳。）"
    (td,) = extract_term_dates(v)
    assert (td.kind, td.credits, td.date_from) == ("term", [("羁押", 1, 2)], None)


def test_term_dates_chinese_numerals_and_several_defendants() -> None:
    v = "被告人李某犯合同诈骗罪，判处有期徒刑九个月，并处罚金人民币五千元（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自二○一六年二月十六日起至二○一六年十一月十五日止；罚金限判决生效后十日内缴纳）。"
    (td,) = extract_term_dates(v)
    assert (td.date_from, td.date_to) == (dt.date(2016, 2, 16), dt.date(2016, 11, 15))
    v = "一、被告人陈某甲犯污染环境罪，判处有期徒刑六个月，并处罚金人民币20000元（刑期从判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2014年9月5日起至2014年12月2日止，罚金限本判决生效后五日内交纳）； 二、被告人金某犯污染环境罪，判处有期徒刑六个月，并处罚金人民币20000元（刑期从判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2014年9月5日起至2014年10月22日止，罚金限本判决生效后五日内交纳）；"
    tds = extract_term_dates(v)
    assert [(t.name, t.date_to) for t in tds] == [("陈某甲", dt.date(2014, 12, 2)), ("金某", dt.date(2014, 10, 22))]


def test_term_dates_credit_period_is_not_the_term() -> None:
    v = "被告人刘楠犯危险驾驶罪，判处拘役三个月，并处罚金三千元；犯妨害公务罪，判处有期徒刑七个月，决定执行有期徒刑七个月，并处罚金三千元。 （刑期从判决执行之日起计算；判决执行以前先行羁押的，羁押一日折抵刑期一日，折抵2017年4月16日至当年4月28日共13天。即自2017年8月29日起至2018年3月15日止。罚金于判决生效之日起十日内缴纳。）"
    (td,) = extract_term_dates(v)
    assert (td.date_from, td.date_to) == (dt.date(2017, 8, 29), dt.date(2018, 3, 15))


def test_probation_clauses() -> None:
    v = "二、被告人岳某乙犯生产、销售伪劣产品罪，判处有期徒刑一年，缓刑一年，并处罚金人民币50000元。 三、被告人岳某丙犯生产、销售伪劣产品罪，判处有期徒刑一年，缓刑一年，并处罚金人民币50000元。 （被告人岳某乙、岳某丙的缓刑考验期均从判决确定之日起计算。）"
    tds = extract_term_dates(v)
    assert [(t.kind, t.name) for t in tds] == [("probation", "岳某乙"), ("probation", "岳某丙")]
    v = "被告人李翔犯危险驾驶罪，判处拘役四个月，缓刑六个月，并处罚金人民币一万二千元。 （上述缓刑考验期限，从判决确定之日起计算；罚金于判决生效之日起十日内向本院缴纳）。"
    (td,) = extract_term_dates(v)
    assert (td.kind, td.name, td.date_from) == ("probation", "李翔", None)


# --------------------------------------------------------------------------- recommended (real sentences)

R = dict  # expectation: penalty, term, range, probation, fine, fine_range


def _rec(text: str, names: list[str] | None = None):
    return {
        n: dict(penalty=t.penalty, term=t.term_months, range=t.term_range_months, probation=t.probation,
                fine=t.fine_yuan, fine_range=t.fine_range_yuan)
        for n, t in extract_recommended(text, names=names).items()
    }


def _e(penalty=None, term=None, range=None, probation=False, fine=None, fine_range=None):  # noqa: A002
    return R(penalty=penalty, term=term, range=range, probation=probation, fine=fine, fine_range=fine_range)


REC_CASES = [
    ("建议对被告人雷辉判处拘役一个月，并处罚金二万元。", None, {"雷辉": _e("拘役", 1, fine=20000.0)}),
    ("建议判处被告人韩某某拘役四个月至五个月，并处罚金。", None, {"韩某某": _e("拘役", range=(4, 5))}),
    ("建议判处被告人李晓东一年以上二年以下有期徒刑。", None, {"李晓东": _e("有期徒刑", range=(12, 24))}),
    ("公诉机关建议对其在有期徒刑六个月至一年的幅度内处刑，并处罚金，提请法院依法予以惩处。", None,
     {"": _e("有期徒刑", range=(6, 12))}),
    ("建议对被告人严建春判处有期徒刑六个月，并适用缓刑。", None, {"严建春": _e("有期徒刑", 6, probation=True)}),
    ("建议对其在有期徒刑三至五年之间量刑；被告人葛文斌、付天亮有自首情节，请法庭对被告人葛文斌、付天亮依法判决。", None,
     {"": _e("有期徒刑", range=(36, 60))}),
    ("建议对被告人张久祥在有期徒刑九个月至一年三个月的幅度内判处刑罚，并处罚金。", None,
     {"张久祥": _e("有期徒刑", range=(9, 15))}),
    ("建议对其判处二个月以下拘役，并处罚金。", None, {"": _e("拘役", range=(1, 2))}),
    ("建议对被告人王天超的量刑幅度为有期徒刑十年至有期徒刑十二年。", None, {"王天超": _e("有期徒刑", range=(120, 144))}),
    ("建议判处被告人李印辉有期徒刑三年，并宣告缓刑。", None, {"李印辉": _e("有期徒刑", 36, probation=True)}),
    ("建议判处被告人李翔拘役四个月，缓刑六个月，罚金一万二千元。", None,
     {"李翔": R(_e("拘役", 4, probation=True, fine=12000.0))}),
    ("建议对被告人崔道勇在有期徒刑一年六个月以下量刑。", None, {"崔道勇": _e("有期徒刑", range=(6, 18))}),
    ("建议对被告人丁梦春判处犯盗窃罪在有期徒刑12个月以上至有期徒刑15个月以下予以量刑，并处罚金人民币15000元以上至人民币32000元以下；不适用缓刑。",
     None, {"丁梦春": _e("有期徒刑", range=(12, 15), fine_range=(15000.0, 32000.0))}),
    ("建议判处被告人周忠飞拘役一至三个月，并处罚金一千元至二千元。", None,
     {"周忠飞": _e("拘役", range=(1, 3), fine_range=(1000.0, 2000.0))}),
    ("建议判处被告人李小华六个月至一年六个月有期徒刑。", None, {"李小华": _e("有期徒刑", range=(6, 18))}),
    ("建议对其判处拘役一个月以上二个月以下，可以适用缓刑，并处罚金。", None,
     {"": _e("拘役", range=(1, 2), probation=True)}),
    ("建议判处被告人施某某有期徒刑二年六个月以上二年九个月以下，罚金人民币五千元。", None,
     {"施某某": _e("有期徒刑", range=(30, 33), fine=5000.0)}),
    # "…左右" is approximate: the penalty without a term
    ("建议判处被告人陈双华、周志朋有期徒刑一年左右。", None,
     {"陈双华": _e("有期徒刑"), "周志朋": _e("有期徒刑")}),
    ("建议本院对被告人吴xx判处拘役三个月至四个月，并处罚金人民币6000元至7000元，可依法适用缓刑。", None,
     {"吴xx": _e("拘役", range=(3, 4), probation=True, fine_range=(6000.0, 7000.0))}),
    ("建议对被告人葛小剑判处四个月以上五个月以下拘役，并处罚金。", None, {"葛小剑": _e("拘役", range=(4, 5))}),
    ("公诉机关建议以开设赌场罪对被告人杨某判处有期徒刑三年至四年六个月，被告人杨某对公诉机关的量刑建议无异议。", None,
     {"杨某": _e("有期徒刑", range=(36, 54))}),
    ("建议对被告人王太典在有期徒刑十个月至一年四个月的幅度内处刑，对被告人颜东斌、颜有庭在有期徒刑八个月至一年二个月的幅度内处刑，并均处罚金，提请法院依法予以惩处。",
     None, {"王太典": _e("有期徒刑", range=(10, 16)), "颜东斌": _e("有期徒刑", range=(8, 14)),
            "颜有庭": _e("有期徒刑", range=(8, 14))}),
    ("建议判处被告人许文杰有期徒刑六个月，缓刑一年，并处罚金人民币二万元。", None,
     {"许文杰": _e("有期徒刑", 6, probation=True, fine=20000.0)}),
    ("建议分别判处二被告人有期徒刑一年，缓刑一年六个月，并处罚金人民币叁万元。", ["何辉", "张红兵"],
     {"何辉": _e("有期徒刑", 12, probation=True, fine=30000.0), "张红兵": _e("有期徒刑", 12, probation=True, fine=30000.0)}),
    ("建议对李磊判处有期徒刑四年左右。", None, {"李磊": _e("有期徒刑")}),
    ("建议对被告人文某一、文某二判处一年三个月以下有期徒刑，并处罚金；对被告人文某三判处一年以下有期徒刑，并处罚金。",
     ["文某一", "文某二", "文某三"],
     {"文某一": _e("有期徒刑", range=(6, 15)), "文某二": _e("有期徒刑", range=(6, 15)), "文某三": _e("有期徒刑", range=(6, 12))}),
    ("并提出建议判处被告人陈某某、范某某犯盗窃罪六个月以上一年以下有期徒刑，并处罚金的量刑建议。", None,
     {"陈某某": _e("有期徒刑", range=(6, 12)), "范某某": _e("有期徒刑", range=(6, 12))}),
    ("建议判处吴某某一年以下有期徒刑。", None, {"吴某某": _e("有期徒刑", range=(6, 12))}),
    ("建议对被告人判处七年以上有期徒刑，并处罚金。", None, {"": _e("有期徒刑", range=(84, 180))}),
    ("建议对被告单位郑州安达机动车辆检测有限公司判处罚金，对被告人平宪明在有期徒刑三年至四年的区间内量刑，并处罚金。",
     ["郑州安达机动车辆检测有限公司", "平宪明"],
     {"郑州安达机动车辆检测有限公司": _e(None), "平宪明": _e("有期徒刑", range=(36, 48))}),
    ("建议判处被告人段卜侠拘役五个月至有期徒刑八个月，并处罚金，可适用缓刑。", None,
     {"段卜侠": _e("有期徒刑", probation=True)}),
    ("建议对其判处拘役二个月十五日以上三个月十五日以下，并处罚金。", None, {"": _e("拘役")}),
    # ambiguous or not the prosecution's: nothing
    ("建议对唐圣志犯强奸罪在有期徒刑二年六个月以上五年以下处刑；犯诈骗罪处拘役二个月以上六个月以下，并处罚金。", None, {}),
    ("辩护人提出建议对被告人许立在有期徒刑一年至一年六个月之间量刑的辩护意见，经查，…本院不予采纳。", None, {}),
]


@pytest.mark.parametrize("text,names,expected", REC_CASES, ids=[str(i) for i in range(len(REC_CASES))])
def test_extract_recommended_real(text: str, names: list[str] | None, expected: dict) -> None:
    assert _rec(text, names) == expected


QUOTED_CASES = [
    # a judgment quoting the recommendation: summaries of several defendants and cross-type ranges
    # are not read (the 量刑建议书 itself is the reference)
    ("建议对三被告人在在拘役五个月以上有期徒刑一年六个月以下幅度内判处刑罚。", ["白银飞", "朱绵", "周俏琦"], {}),
    ("并提出建议判处被告人陈某某、范某某犯盗窃罪六个月以上一年以下有期徒刑，并处罚金的量刑建议。", None, {}),
    ("建议对被告人王太典在有期徒刑十个月至一年四个月的幅度内处刑，对被告人颜东斌、颜有庭在有期徒刑八个月至一年二个月的幅度内处刑，并均处罚金。",
     None, {"王太典": _e("有期徒刑", range=(10, 16))}),
    ("建议判处被告人段卜侠拘役五个月至有期徒刑八个月，并处罚金，可适用缓刑。", None, {}),
    # "…以下有期徒刑" alone: the court may give 拘役 and still adopt it
    ("公诉机关认为，被告人李祚凤的行为已构成贩卖毒品罪，具有如实供述自己罪行的从轻处罚情节，建议判处七个月以下有期徒刑，并处罚金。",
     ["李祚凤"], {}),
    ("建议对被告人葛小剑判处四个月以上五个月以下拘役，并处罚金。", None, {"葛小剑": _e("拘役", range=(4, 5))}),
    # explicit "each" (分别 / 均) is read for every defendant
    ("建议分别判处二被告人有期徒刑一年，缓刑一年六个月，并处罚金人民币叁万元。", ["何辉", "张红兵"],
     {"何辉": _e("有期徒刑", 12, probation=True, fine=30000.0), "张红兵": _e("有期徒刑", 12, probation=True, fine=30000.0)}),
    ("建议判处被告人李翔拘役四个月，缓刑六个月，罚金一万二千元。", None,
     {"李翔": _e("拘役", 4, probation=True, fine=12000.0)}),
]


@pytest.mark.parametrize("text,names,expected", QUOTED_CASES, ids=[str(i) for i in range(len(QUOTED_CASES))])
def test_extract_recommended_quoted(text: str, names: list[str] | None, expected: dict) -> None:
    got = {
        n: dict(penalty=t.penalty, term=t.term_months, range=t.term_range_months, probation=t.probation,
                fine=t.fine_yuan, fine_range=t.fine_range_yuan)
        for n, t in extract_recommended(text, names=names, quoted=True).items()
    }
    assert got == expected


def test_recommended_span_and_offset() -> None:
    text = "公诉机关指控……建议判处被告人许文杰有期徒刑六个月，缓刑一年，并处罚金人民币二万元。被告人许文杰对指控无异议。"
    t = extract_recommended(text, offset=50)["许文杰"]
    assert text[t.start - 50 : t.end - 50] == t.text
    assert t.text.startswith("建议判处") and t.text.endswith("二万元")
