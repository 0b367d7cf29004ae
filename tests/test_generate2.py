"""The second generator (eval/generate2.py, eval/gen2/) reads what a clean case must repeat from the
judgment itself. Expected values are read by hand from the quoted real judgment wording."""

from __future__ import annotations

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
