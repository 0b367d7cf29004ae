"""The second generator (eval/generate2.py, eval/gen2/) reads what a clean case must repeat from the
judgment itself. Expected values are read by hand from the quoted real judgment wording."""

from __future__ import annotations

import copy
import datetime as dt
import random
import re

from eval.gen2.reading import _articles as articles
from eval.gen2.reading import indictment_number, quotes, read, verdict_charges
from eval.gen2.writing import plan_case, render_indictment, render_recommendation

HEAD = "某某县人民法院\n刑事判决书\n（2016）鲁1326刑初178号\n公诉机关某某县人民检察院。\n"


def _judgment(body: str, verdict: str, basis: str = "依照《中华人民共和国刑法》第二百三十二条的规定，") -> str:
    return (HEAD + "被告人魏兴旺，男，1970年1月1日出生，汉族，初中文化。2016年3月1日被刑事拘留，同年3月10日被逮捕。\n"
            + body + "\n本院认为，被告人魏兴旺的行为已构成故意杀人罪。" + basis + "判决如下：\n" + verdict
            + "\n如不服本判决，可在接到判决书的第二日起十日内上诉。\n审判长某某\n二〇一六年八月一日\n")


def test_indictment_number_cited_before_a_comma_or_before_the_court():
    # real wordings (judgments e1fd059c, 90ba7a97)
    assert indictment_number("山东省平邑县人民检察院以平检公刑诉（2016）178号起诉书，指控被告人魏兴旺犯故意杀人罪") \
        == "平检公刑诉（2016）178号"
    assert indictment_number("武汉东湖新技术开发区人民检察院于2019年11月5日以武东湖检公诉刑诉（2019）701号起诉书向本院提起公诉") \
        == "武东湖检公诉刑诉（2019）701号"
    assert indictment_number("某某县人民检察院指控被告人甲犯盗窃罪") is None


def test_clean_indictment_reuses_the_cited_number():
    text = _judgment("山东省平邑县人民检察院以平检公刑诉（2016）178号起诉书，指控被告人魏兴旺犯故意杀人罪，于2016年6月1日向本院提起公诉。",
                     "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    j = read("x", text)
    assert j is not None
    for seed in range(6):
        plan = plan_case(j, random.Random(seed))
        doc = render_indictment(plan, random.Random(seed))
        number = doc.splitlines()[2]
        assert number in ("平检公刑诉（2016）178号", "平检公刑诉〔2016〕178号")


def test_articles_are_the_judgments_own():
    # 2fc06750: the last 依照 names only 第三十七条; the reasoning names 第一百三十三条之一
    t = ("本院认为，被告人何某某在道路上醉酒驾驶机动车，依照《中华人民共和国刑法》第一百三十三条之一第一款的规定，已构成危险驾驶罪。"
         "被告人何某某犯罪情节轻微，依照《中华人民共和国刑法》第三十七条的规定，可以免予刑事处罚。本院为维护公共安全，判决如下：")
    assert articles(t) == ["第一百三十三条之一"]
    # 34fbdfe8: 条 left out; 049ba085: 第 left out
    assert articles("本院认为，…依照《中华人民共和国刑法》第二百三十六第一款之规定，判决如下：") == ["第二百三十六条"]
    assert articles("本院认为，…依照《中华人民共和国刑法》三百零七条之一、第二十五条、第六十七条第一款规定，判决如下：") \
        == ["第三百零七条之一"]


def test_indictment_never_cites_theft_for_another_charge():
    text = _judgment("", "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    j = read("x", text)
    assert j is not None and j.articles == ["第二百三十二条"]
    doc = render_indictment(plan_case(j, random.Random(1)), random.Random(1))
    assert "第二百三十二条" in doc and "第二百六十四条" not in doc


def test_charges_of_the_verdict():
    # 242cde09: a charge with 、 in its name, and a second charge after ；
    assert verdict_charges("被告人王某犯伪造国家机关证件、印章罪，判处有期徒刑六个月；犯伪造居民身份证罪，判处有期徒刑六个月。") \
        == ["伪造国家机关证件、印章罪", "伪造居民身份证罪"]
    assert verdict_charges("被告人甲犯盗窃罪、抢劫罪，判处…") == ["盗窃罪", "抢劫罪"]
    # b095332c: the earlier sentence's charges are not this case's
    assert verdict_charges("被告人杨文洲犯容留他人吸毒罪，判处有期徒刑七个月，并处罚金人民币二千元；与之前犯诈骗罪、容留他人吸毒罪"
                           "没有执行的有期徒刑一年四个月又十五天，并处罚金人民币七千元并罚，决定执行有期徒刑二年") == ["容留他人吸毒罪"]


def test_name_is_not_read_with_a_possessive():
    # 3dcdbe93: "二、被告人张方的犯罪所得…予以追缴"
    text = _judgment("", "一、被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。二、被告人魏兴旺的犯罪所得人民币一万八千元，依法予以追缴。")
    j = read("x", text)
    assert j is not None and [d.name for d in j.defendants] == ["魏兴旺"]


def test_id_number_is_the_judgments_own():
    text = _judgment("", "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。").replace(
        "1970年1月1日出生，", "1970年1月1日出生，公民身份号码612322197001011216，")
    j = read("x", text)
    assert j is not None and j.defendants[0].id_number == "612322197001011216"
    for seed in range(8):
        doc = render_indictment(plan_case(j, random.Random(seed)), random.Random(seed))
        ids = [w for w in ("612322197001011216",) if w in doc]
        # either the judgment's number or none; never another 18-digit number
        assert set(re.findall(r"\d{17}[\dX]", doc)) <= set(ids)


def test_detention_and_probation_are_not_one_range():
    # 383e306c
    q = quotes("公诉机关建议判处被告人李翔拘役四个月，缓刑六个月，罚金一万二千元。", ["李翔"])
    assert len(q) == 1
    assert (q[0].penalty, q[0].low, q[0].high, q[0].probation_months, q[0].fine) == ("拘役", 4, 4, 6, 12000.0)


def test_evidence_list_is_not_the_defence_speaking():
    # 7052d628: "…被告人刘志乔的供述和辩解、检验报告…建议以危险驾驶罪判处被告人刘志乔拘役二个月，并处罚金，如符合社区矫正条件，可适用缓刑"
    t = ("公诉机关提供了被告人刘志乔的供述和辩解、检验报告等证据，并认为被告人刘志乔具有坦白情节，建议以危险驾驶罪判处被告人刘志乔拘役二个月，"
         "并处罚金，如符合社区矫正条件，可适用缓刑。")
    q = quotes(t, ["刘志乔"])
    assert len(q) == 1 and (q[0].low, q[0].high, q[0].probation, q[0].fine_mentioned) == (2, 2, True, True)
    # 23e8e218: the defence's suggestion is not the prosecution's recommendation
    d = ("辩护人提出，两把枪是涉赌人员押给赌场的。被告人魏某系初犯、偶犯、认罪态度好，建议对其从轻或减轻处罚，"
         "对被告人魏某处三年以下有期徒刑，并适用缓刑。")
    assert quotes(d, ["魏某"]) == []


def test_quote_for_both_defendants_and_mixed_or_per_charge_quotes():
    q = quotes("起诉书建议分别判处二被告人有期徒刑一年，缓刑一年六个月，并处罚金。", ["何辉", "张红兵"])
    assert q[0].names == ["何辉", "张红兵"] and (q[0].low, q[0].high, q[0].probation_months) == (12, 12, 18)
    # 829739f7: a range across two penalties
    q = quotes("公诉机关建议对三被告人在拘役五个月以上有期徒刑一年六个月以下幅度内判处刑罚。", ["甲", "乙", "丙"])
    assert q[0].mixed
    # 5b652922: one recommendation per charge, no sentence to execute
    t = "公诉机关建议对其所犯非法持有毒品罪，判处有期徒刑二年，并处罚金人民币4000元；犯容留他人吸毒罪，判处拘役五个月。"
    assert quotes(t, ["陈红梅"])[0].mixed


def test_clean_recommendation_carries_the_quoted_one():
    text = _judgment("公诉机关建议判处被告人魏兴旺有期徒刑十年至十二年。", "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    j = read("x", text)
    assert j is not None
    for seed in range(6):
        plan = plan_case(j, random.Random(seed))
        assert (plan.persons[0].rec.low, plan.persons[0].rec.high) == (120, 144)
        render_recommendation(plan, random.Random(seed))


def test_second_instance_and_retrial_are_skipped():
    t = _judgment("", "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    assert read("x", t) is not None
    appeal = t.replace("公诉机关某某县人民检察院。", "原公诉机关某某县人民检察院。\n上诉人（原审被告人）魏兴旺，男。")
    assert read("x", appeal) is None
    assert read("x", t.replace("公诉机关某某县人民检察院。", "原公诉机关某某县人民检察院。被告人）曹某，男。")) is None


def test_a_judgment_naming_its_defendant_two_ways_gives_no_clean_case():
    # 392f638f: "被告人邱剑峰，男，…" among the parties, "被告人邱剑锋犯贩卖、运输毒品罪" in the verdict
    from eval.generate2 import cases_for

    t = _judgment("某某县人民检察院以某检刑诉（2016）1号起诉书指控被告人魏兴旺犯故意杀人罪，于2016年6月1日向本院提起公诉。",
                  "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    j = read("x", t)
    assert j is not None and not j.names_differ and cases_for(j)[0]["clean"]
    j = read("x", t.replace("被告人魏兴旺犯故意杀人罪，判处", "被告人魏兴望犯故意杀人罪，判处"))
    assert j is not None and j.names_differ
    first = cases_for(j)[0]
    assert not first["clean"] and not first["labels"] and first["kind"] == "judgment_names_differ"


def test_fresh_passes_go_to_their_own_splits_with_their_own_seeds():
    # dev3 / test3 (issue 18): new seeds over the same split's judgments, distinct case ids; the first
    # passes (dev, dev2) are generated as before
    from eval.generate2 import VARIANTS, generate

    t = _judgment("某某县人民检察院以某检刑诉（2016）1号起诉书指控被告人魏兴旺犯故意杀人罪，于2016年6月1日向本院提起公诉。",
                  "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。")
    rows = [{"id": "a" * 40, "judgment": t}, {"id": "b" * 40, "judgment": t}]
    by_split, _ = generate(rows, {"a" * 40: "dev", "b" * 40: "test"})
    assert {c["source_id"] for c in by_split["dev3"]} == {"a" * 40}
    assert {c["source_id"] for c in by_split["test3"]} == {"b" * 40}
    assert {c["id"].split("-")[0] for c in by_split["dev3"]} == {"g2d3a", "g2d3b"}
    assert {c["id"].split("-")[0] for c in by_split["test3"]} == {"g2t3"}
    assert {c["source_id"] for c in by_split["test4"]} == {"b" * 40}
    assert {c["id"].split("-")[0] for c in by_split["test4"]} == {"g2t4"}
    assert {c["id"].split("-")[0] for c in by_split["dev"]} == {"g2"}
    assert {c["id"].split("-")[0] for c in by_split["dev2"]} == {"g2v2"}
    ids = [c["id"] for s in by_split.values() for c in s]
    assert len(ids) == len(set(ids))
    assert sum(len(VARIANTS[s]) for s in ("dev3", "test3")) == 3


def test_mixed_wordings_are_drawn_per_judgment():
    from eval.generate2 import _variety

    j = read("x", _judgment("", "被告人魏兴旺犯故意杀人罪，判处有期徒刑十年。"))
    assert j is not None
    drawn = set()
    for k in range(40):
        j.id = f"{k:040d}"
        drawn.add(_variety(j, "t3", "mixed"))
    assert drawn == {True, False}
    assert _variety(j, "", None) is False and _variety(j, "v2", None) is True
    assert _variety(j, "d3a", False) is False and _variety(j, "d3b", True) is True


# --------------------------------------------------------------------------- issue 18, after test3:
# the classes the generator wrote inconsistently, each read from the real judgment wording it failed on


def test_facts_end_where_the_defendant_answers_them():
    # judgment 9d131f37: the defendant's objection follows the prosecution's facts in the same paragraph
    text = _judgment("公诉机关指控：2014年7月7日，被告人魏兴旺在马某某家盗走现金2200元。综上，被告人魏兴旺盗窃财物价值人民币2660元。"
                     "被告人魏兴旺在开庭审理过程中，对公诉机关指控所犯罪名及盗窃次数均无异议，对盗窃数额提出异议，"
                     "即2014年7月7日在马某某家盗走现金1000元而不是2200元。经审理查明，事实如下。",
                     "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。")
    j = read("x", text)
    assert j is not None
    assert j.facts.endswith("盗窃财物价值人民币2660元。")
    assert "1000元" not in j.facts and "异议" not in j.facts


def test_a_quoted_fine_range_is_recommended_as_a_range():
    # judgment 0c3212b6
    seg = ("同时该院建议对被告人魏兴旺判处犯盗窃罪在有期徒刑12个月以上至有期徒刑15个月以下予以量刑，"
           "并处罚金人民币15000元以上至人民币32000元以下；不适用缓刑。")
    q = quotes(seg, ["魏兴旺"])[0]
    assert (q.low, q.high, q.fine, q.fine_high) == (12, 15, 15000.0, 32000.0)
    # a bare upper bound names no amount to recommend
    q = quotes("公诉机关建议判处被告人魏兴旺有期徒刑一年以下，并处罚金一万元以下。", ["魏兴旺"])[0]
    assert q.fine is None and q.fine_mentioned
    j = read("x", _judgment(seg, "被告人魏兴旺犯盗窃罪，判处有期徒刑一年五个月，并处罚金人民币17000元。"))
    assert j is not None
    for seed in range(6):
        rec = render_recommendation(plan_case(j, random.Random(seed)), random.Random(seed))
        assert re.search(r"罚金[^。；]*15000元至32000元|罚金[^。；]*一万五千元至三万二千元|罚金[^。；]*1\.5万元至3\.2万元", rec), rec


def test_every_sentenced_defendant_is_named_also_without_the_word():
    # judgment 2e5a57dd: the second item of the verdict drops 被告人
    text = _judgment("", "一、被告人魏兴旺犯贷款诈骗罪，判处有期徒刑一年三个月，并处罚金人民币25000元；"
                         "二、李晨曦犯贷款诈骗罪，判处有期徒刑六个月，并处罚金人民币20000元；三、本案的其余违法所得予以继续追缴。")
    text = text.replace("被告人魏兴旺，男，", "被告人李晨曦，女，1990年1月1日出生。被告人魏兴旺，男，")
    j = read("x", text)
    assert j is not None
    assert [d.name for d in j.defendants] == ["魏兴旺", "李晨曦"]
    assert j.defendants[1].sentence.months == 6 and j.defendants[1].sentence.fine == 20000.0
    doc = render_indictment(plan_case(j, random.Random(1)), random.Random(1))
    assert "被告人李晨曦" in doc
    # a name in a verdict item that the parties do not introduce as 被告人 is not taken for one
    other = _judgment("", "一、被告人魏兴旺犯盗窃罪，判处有期徒刑一年；二、张某犯盗窃罪，判处有期徒刑一年。")
    assert [d.name for d in read("x", other).defendants] == ["魏兴旺"]


def test_a_custody_note_is_not_the_arrest_date():
    # judgment 92627856
    text = _judgment("", "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。").replace(
        "2016年3月1日被刑事拘留，同年3月10日被逮捕。",
        "因本案于2014年11月26日被龙岩市公安局新罗分局刑事拘留（11月25日被抓获），同年12月26日被逮捕。")
    j = read("x", text)
    assert j is not None
    assert [(c.kind, c.date) for c in j.defendants[0].custody] == [
        ("刑事拘留", dt.date(2014, 11, 26)), ("逮捕", dt.date(2014, 12, 26))]


def test_administrative_records_are_not_a_criminal_record():
    # judgments b89d7fe1 ("有违法劣迹"), cd1b20ed ("有违法前科"): administrative sanctions, not 前科
    for said in ("被告人魏兴旺有违法前科，主观恶性较深，酌情从重处罚。", "被告人魏兴旺作用积极，并有违法劣迹，不宜适用缓刑。"):
        j = read("x", _judgment("", "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。").replace("本院认为，", "本院认为，" + said))
        assert j is not None and "前科" not in j.defendants[0].circumstances, said
    j = read("x", _judgment("", "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。").replace(
        "本院认为，", "本院认为，被告人魏兴旺有犯罪前科，酌情从重处罚。"))
    assert "前科" in j.defendants[0].circumstances


def test_self_consistency_check_sets_apart_what_the_generator_wrote_against_the_judgment():
    from eval.gen2.consistency import inconsistencies

    text = _judgment("公诉机关指控：2016年2月1日，被告人魏兴旺盗窃现金2000元。", "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。")
    j = read("x", text)
    assert j is not None
    plan = plan_case(j, random.Random(3))
    docs = {"indictment": render_indictment(plan, random.Random(3)),
            "recommendation": render_recommendation(plan, random.Random(3)), "judgment": text}
    assert inconsistencies(text, plan, docs) == []
    # a defendant of the judgment left out of the indictment
    two = text.replace("被告人魏兴旺，男，", "被告人李晨曦，女，1990年1月1日出生。被告人魏兴旺，男，").replace(
        "判处有期徒刑一年。", "判处有期徒刑一年；被告人李晨曦犯盗窃罪，判处有期徒刑六个月。")
    assert any("李晨曦" in m for m in inconsistencies(two, plan, docs))
    # arrested before detained (DOMAIN.md: detention < arrest)
    bad = copy.deepcopy(plan)
    bad.persons[0].custody = [("刑事拘留", dt.date(2016, 3, 10)), ("逮捕", dt.date(2016, 3, 1))]
    assert any("arrest" in m for m in inconsistencies(text, bad, docs))
    # the defence's objection inside the indictment's facts
    bad = copy.deepcopy(plan)
    bad.facts += "被告人魏兴旺对盗窃数额提出异议。"
    assert any("defence" in m for m in inconsistencies(text, bad, docs))
    # a quoted fine range recommended as one amount
    quoted = text.replace("公诉机关指控：", "公诉机关建议判处被告人魏兴旺有期徒刑一年，并处罚金人民币2000元至3000元。公诉机关指控：")
    one = dict(docs, recommendation=docs["recommendation"].replace("。\n此致", "，并处罚金2000元。\n此致"))
    assert any("fine" in m for m in inconsistencies(quoted, plan, one))
    # 前科 where the judgment shows only an administrative record
    bad = copy.deepcopy(plan)
    bad.persons[0].circumstances.append("前科")
    assert any("前科" in m for m in inconsistencies(text.replace("本院认为，", "本院认为，被告人有违法前科。"), bad, docs))
    assert not any("前科" in m for m in inconsistencies(text.replace("本院认为，", "本院认为，被告人曾因盗窃罪被判处有期徒刑六个月，2015年1月1日刑满释放。"), bad, docs))


def test_an_old_sentence_quoted_among_the_parties_names_no_defendant():
    # judgment 16554fc2 (found after test4 had been measured: its clean case was set apart by this misreading)
    from eval.gen2.consistency import _party_names

    text = _judgment("", "被告人魏兴旺犯盗窃罪，判处有期徒刑一年。").replace(
        "2016年3月1日被刑事拘留", "2014年3月13日因犯容留他人吸毒罪被判处有期徒刑七个月，撤销前判“对被告人魏兴旺犯贩卖毒品罪，"
        "判处有期徒刑六个月，缓刑一年”的缓刑执行部分。2016年3月1日被刑事拘留")
    assert _party_names(text) == ["魏兴旺"]
