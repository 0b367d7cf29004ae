"""Articles with the charge given, issue 15's fifth round: the 淫秽物品 section label, 356's written-out
circumstance, 269's 抗拒…抓捕, the 1979 law named by the text, and the evaluation's "could the facts support it"
judgment. Expected articles are the courts' own citations in the CAIL cases the texts are taken from (ids
given; facts shortened where marked …) or the statute's words; expected counts come from the raw CAIL file."""

from __future__ import annotations

import gzip
import json

import pytest

from knowledge.charges import normalize_charge
from knowledge.training import CAIL
from models.commands.analyze import analyze_one

DRUG_SALE = "走私、贩卖、运输、制造毒品"


def test_cail_copy_has_no_363_charge_beside_364_cases() -> None:
    # the raw CAIL2018 exercise file (/work/shared/data/cases/cail2018_exercise.jsonl, counted by hand with a
    # one-off script): 78 cases carry "[制造、贩卖、传播]淫秽物品" + "传播淫秽物品", every one citing 364 and none
    # 363 (以牟利为目的…): the product's copy now gives them the one charge of 364
    with gzip.open(CAIL, "rt", encoding="utf-8") as f:
        rows = [json.loads(x) for x in f if x.strip()]
    spread = [r for r in rows if "传播淫秽物品" in r["charges"]]
    assert len(spread) == 78
    assert all(r["charges"] == ["传播淫秽物品"] and 364 in r["articles"] for r in spread)
    assert not any("制作、复制、出版、贩卖、传播淫秽物品牟利" in r["charges"] for r in rows)
    assert normalize_charge("[制造、贩卖、传播]淫秽物品") == "传播淫秽物品"


def test_section_label_given_cites_364_not_363() -> None:
    # a CAIL-style pair given as it comes (cail-1253's labels): one charge, article 364 (刑法 第三百六十四条
    # 传播淫秽的书刊、影片…情节严重的), not 363 (以牟利为目的，制作、复制、出版、贩卖、传播淫秽物品的)
    facts = ("经审理查明，2016年3月至5月，被告人王某在其创建的QQ群内上传淫秽视频共计80部，供群成员下载观看。"
             "经鉴定，上述视频均为淫秽物品。")
    out = analyze_one(facts, charges=["[制造、贩卖、传播]淫秽物品", "传播淫秽物品"])
    assert out["charges"] == ["传播淫秽物品"]
    assert 364 in out["articles"] and 363 not in out["articles"]


@pytest.mark.parametrize("facts", [
    # cail-2806 (dev; the court cited 347, 356): the dates of two prior judgments stand between the crime and 被判处
    "2014年9月11日11时许，被告人熊某某在重庆市万盛经济技术开发区以150元的价格向韦某贩卖了两小包海洛因。"
    "被告人熊某某因犯贩卖毒品罪，分别于2002年11月20日、2004年1月13日被判处××、六个月，2004年4月30日刑满释放。",
    # cail-3355 (train; 347, 356): the prosecution names 356's circumstance
    "2016年7月31日20时许，被告人张某以100元的价格将一小包净重0.1克的甲基苯丙胺（冰毒）贩卖给李某某。"
    "公诉机关认为…已构成贩卖毒品罪；张某系毒品犯罪的再犯，提请对其依法判处。",
    # cail-2960 (train; 347, 356)
    "2017年4月26日20时许，被告人陈1某以人民币200元的价格贩卖毒品甲基苯丙胺（冰毒）1小包给曾某。"
    "被告人陈1某还具有如实供述自己的罪行依法可以从轻处罚的情节和累犯、毒品犯罪再犯依法应从重处罚的情节。",
])
def test_drug_reoffence_written_out_cites_356(facts: str) -> None:
    assert {347, 356} <= set(analyze_one(facts, charges=[DRUG_SALE])["articles"])


def test_drug_sale_without_any_prior_does_not_cite_356() -> None:
    facts = "2016年7月31日20时许，被告人张某以100元的价格将一小包净重0.1克的甲基苯丙胺贩卖给李某某。张某系初犯。"
    assert 356 not in analyze_one(facts, charges=[DRUG_SALE])["articles"]


def test_resisting_the_people_coming_to_catch_the_thief_cites_269() -> None:
    # cail-0627 (dev; the court cited 263, 264, 269): 刑法 第二百六十九条 …为窝藏赃物、抗拒抓捕…当场使用暴力或者
    # 以暴力相威胁的 — 抗拒 and 抓捕 with words between
    facts = ("2015年11月11日下午，被告人吴某采用插片捅门等手段进入出租屋内，被贾某、张某发现后跳窗逃跑。在逃跑过程中，"
             "被告人吴某采用随身携带的刀具威胁的手段，抗拒前来抓捕的贾某、张某，后被赶来的民警抓获。")
    assert 269 in analyze_one(facts, charges=["抢劫", "盗窃"])["articles"]


def test_the_robbers_own_aim_to_stop_a_cry_is_not_269() -> None:
    # cail-0495 (dev; the court cited 263, 264 — a robbery from the start, no theft turned robbery): 为制止被害人
    # 喊叫 is the robber's aim, no one stops the thief
    facts = ("2016年8月28日凌晨1时许，被告人谢某见被害人江某独自一人在巷内步行，遂携带一把梅花起子躲在巷口等待。"
             "尔后，被告人谢某随即冲出，并用左手扯住被害人江某的头发，右手持起子指着其腰部。随后，为制止被害人江某喊叫，"
             "被告人谢某将其推倒在地，坐在其身上，逼迫被害人江某交出现金1000余元。")
    assert 269 not in analyze_one(facts, charges=["抢劫", "盗窃"])["articles"]


def test_facts_naming_the_1979_law_cite_its_article_without_a_date() -> None:
    # cail-1415 (dev; the court cited 134 — 1979 刑法 第一百三十四条 故意伤害他人身体的…): the acts are dated only
    # "1997年期间… 同年9月6日", which gives no day; the prosecution says the 1979 law applies
    facts = ("被告人曹1某与王2某、方2某于1997年期间在乐某市涌山镇的小煤窑中打工。同年9月6日晚，三人向陈某索要拖欠的工资，"
             "双方发生争吵，互殴。被告人曹1某用板凳打陈某头部，王2某朝陈某的头部猛击一棍，陈某经抢救无效死亡。"
             "公诉机关认为，被告人曹1某…造成陈某死亡的严重后果，其行为触犯了1979年《中华人民共和国刑法》××，应当以××罪"
             "追究其刑事责任。")
    arts = analyze_one(facts, charges=["故意伤害"])["articles"]
    assert 134 in arts and 234 not in arts


def test_support_levels_of_the_miss_list() -> None:
    from eval.article_misses import prior_mentioned, support

    none = "2016年7月31日，被告人张某贩卖甲基苯丙胺0.1克给李某某。"
    masked = none + "被告人曾因××罪被判处有期徒刑，刑满释放后五年内再犯，系累犯。"  # CAIL masks the crime
    assert not prior_mentioned(none) and prior_mentioned(masked)
    assert not prior_mentioned(none + "被告人无前科。")  # a denial is no mention
    assert support("b_accessory_cue_absent", "FN", 356, none, [DRUG_SALE])[0] == "unsupported"
    assert support("b_accessory_cue_absent", "FN", 356, masked, [DRUG_SALE])[0] == "ambiguous"
    assert support("c_definition_habit", "FN", 357, none, [DRUG_SALE])[0] == "unsupported"
    assert support("c_gold_omits_own", "FP", 263, none, ["抢劫", "盗窃"])[0] == "unsupported"
    # 134 (1979 law) cited for an act of 2014: the 1979 law was not in force (刑法 第四百五十二条: 1997-10-01)
    hurt_2014 = "2014年2月4日13时30分许，被告人伍某某用拳头将刘某某眼部打伤。经鉴定，刘某某的损伤构成轻伤二级。"
    assert support("a_own_article", "FN", 134, hurt_2014, ["故意伤害"])[0] == "unsupported"
    hurt_1995 = "1995年5月7日，被告人韩2某等人将被害人韩某丙跺倒在地，致其死亡。"
    assert support("a_own_article", "FN", 134, hurt_1995, ["故意伤害"])[0] == "reachable"


def test_stolen_card_then_its_pin_used_cites_196() -> None:
    # cail-0691 (train; the court cited 196, 264): 刑法 第一百九十六条第三款 盗窃信用卡并使用的，依照本法第二百六十四条
    # 的规定定罪处罚 — the card stolen, then drawn on with the PIN the thief knew
    facts = ("2013年11月7日，被告人徐某在浙江省义乌市后宅街道某酒店8203房间内，趁被害人余某睡觉之机，窃得其包内的"
             "建设银行卡1张，后利用事先知晓的密码取出卡内人民币8200元。")
    assert {196, 264} <= set(analyze_one(facts, charges=["盗窃"])["articles"])


def test_stolen_card_not_used_is_not_196() -> None:
    facts = "2013年11月7日，被告人徐某在某酒店房间内，窃得被害人余某包内的现金800元及建设银行卡1张，后将银行卡丢弃。"
    arts = analyze_one(facts, charges=["盗窃"])["articles"]
    assert 264 in arts and 196 not in arts


def test_prosecutor_office_read_from_the_opening() -> None:
    from models.articles.habit import prosecutor

    assert prosecutor("浙江省宁波市海曙区人民检察院指控，2016年5月…") == "宁波市海曙区"
    assert prosecutor("公诉机关武汉市江岸区人民检察院指控：…") == "武汉市江岸区"
    assert prosecutor("罗城仫佬族自治县人民检察院指控，…") == "罗城仫佬族自治县"
    assert prosecutor("经审理查明，2015年1月22日，被告人…") is None


def test_office_table_holds_on_the_cases() -> None:
    # every office in the shipped 357 table: at least two CAIL train+dev drug cases opened by it, every one
    # citing 357 (the setting chosen on CAIL train CV: n_min 2, rate 1.0) — recounted here from the cases
    import numpy as np

    from models.articles.habit import ARTIFACT, prosecutor

    z = np.load(ARTIFACT, allow_pickle=False)
    offices = {str(o) for o in z["offices"]}
    drugs = {str(c) for c in z["charges"]}
    assert offices
    with gzip.open(CAIL, "rt", encoding="utf-8") as f:
        rows = [json.loads(x) for x in f if x.strip()]
    for o in offices:
        cases = [r for r in rows if r["split"] in ("train", "dev") and drugs & set(r["charges"])
                 and prosecutor(r["fact"]) == o]
        assert len(cases) >= 2 and all(357 in r["articles"] for r in cases), o


def test_drug_case_of_an_office_citing_357_by_habit() -> None:
    import numpy as np

    from models.articles.habit import ARTIFACT

    office = sorted(str(o) for o in np.load(ARTIFACT, allow_pickle=False)["offices"])[0]
    facts = "2016年3月5日，被告人李某以200元的价格向吸毒人员王某贩卖海洛因0.2克，后被公安民警抓获。"
    assert 357 in analyze_one(f"{office}人民检察院指控，{facts}", charges=[DRUG_SALE])["articles"]
    assert 357 not in analyze_one(f"{office}人民检察院指控，{facts}", charges=["盗窃"])["articles"]
