"""Accessory articles with the charge given (issue 15): 356 decided by the defendant's prior record, the widened
196 / 269 cues, and the learned 357 habit. Expected articles are the courts' own citations in the real documents
the texts are taken from (the judgments' dev part, CAIL train; facts shortened where marked …), or the statute."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.commands.analyze import analyze_one

DRUG_SALE = "走私、贩卖、运输、制造毒品"

# judgment 973e1cf2 (鄂0104刑初975号): the particulars record a conviction for 贩卖毒品罪; the court cited 347, 356
PRIOR_DRUG = (
    "湖北省武汉市硚口区人民法院 刑事判决书 （2016）鄂0104刑初975号 公诉机关武汉市硚口区人民检察院。 "
    "被告人李志，男，1983年3月25日出生于湖北省武汉市，汉族，初中文化，无职业，住武汉市硚口区。2015年2月因贩卖毒品罪"
    "被判处有期徒刑一年三个月，并处罚金人民币二千元，2016年1月11日刑满释放。因涉嫌贩卖毒品于2016年7月22日被刑事拘留，"
    "同年8月20日被逮捕。\n"
    "武汉市硚口区人民检察院指控：2016年7月21日18时许，被告人李志在本市硚口区宝康路一小区门口，以人民币200元的价格"
    "将重0.37克的毒品甲基苯丙胺片剂（俗称“麻果”）贩卖给男青年谢某后被公安民警当场抓获。 上述事实，被告人在庭审过程中"
    "亦无异议，并有扣押清单、证人谢某的证言、称量笔录、武汉市公安毒品司法鉴定中心出具的鉴定意见、罪犯档案资料、"
    "身份材料以及被告人的供述等证据证实，足以认定。"
)
# judgment 218a67ba (鲁0105刑初478号): five prior convictions, none for a drug crime; the evidence lists
# 刑事判决书、释放证明书; the court cited 347 alone
PRIOR_THEFT = (
    "山东省济南市天桥区人民法院 刑事判决书 （2016）鲁0105刑初478号 公诉机关济南市天桥区人民检察院。 "
    "被告人董宝海，男，住济南市历城区，1996年2月4日因犯盗窃罪被判处有期徒刑十年，2001年1月11日刑满释放，"
    "2006年4月12日因犯职务侵占罪被判处有期徒刑三年，2008年4月25日刑满释放，2010年9月17日因犯敲诈勒索罪、非法拘禁罪"
    "被判处有期徒刑二年六个月，2011年12月3日刑满释放，2013年8月29日因犯盗窃罪被判处有期徒刑一年，并处罚金一万五千元，"
    "2013年12月6日刑满释放，2014年7月23日因犯盗窃罪被判处有期徒刑一年三个月，并处罚金五千元，2015年5月10日刑满释放，"
    "因涉嫌犯贩卖毒品罪于2016年7月1日被刑事拘留，同年7月26日被逮捕，现羁押于济南市看守所。\n"
    "济南市天桥区人民检察院指控，被告人董宝海系吸毒人员，分别于2016年5月31日、6月10日在济南市历下区某路96号"
    "某酒店门口2次贩卖给路某某甲基苯丙胺共2克；…综上，被告人董宝海贩卖甲基苯丙胺6次，共计5克。 上述事实，被告人在"
    "开庭审理过程中亦无异议，并有证人李某某的证言、理化检验报告书、扣押清单、微信转账照片、刑事判决书、释放证明书等"
    "证据证实，足以认定。"
)
# judgment a81ed63c (鄂0112刑初592号): the prior conviction is for 容留他人吸毒罪, not one of 356's five crimes;
# the court cited 347 alone
PRIOR_HARBOURING = (
    "湖北省武汉市东西湖区人民法院 刑事判决书 （2017）鄂0112刑初592号 公诉机关武汉市东西湖区人民检察院。 "
    "被告人张某某，男。2015年11月18日因犯容留他人吸毒罪被本市洪山区人民法院判处拘役五个月，2016年4月12日刑满释放。"
    "2017年8月6日因涉嫌犯贩卖毒品罪被刑事拘留，同年9月8日被逮捕。\n"
    "公诉机关指控，2017年8月5日晚，被告人张某某在本市XXX区XX路XXX小区门口，以人民币500元的价格向胡某贩卖毒品"
    "甲基苯丙胺片剂（俗称“麻果”）0.94克、甲基苯丙胺（冰毒）0.25克。被告人张某某被抓获归案。 上述事实，有物证毒品、"
    "毒资照片，书证刑事判决书及释放证明、户籍证明，扣押清单等证据证实，足以认定。"
)


def test_prior_drug_conviction_in_particulars_cites_356() -> None:
    assert {347, 356} <= set(analyze_one(PRIOR_DRUG, charges=[DRUG_SALE])["articles"])


def test_particulars_with_other_convictions_overrule_the_evidence_cue() -> None:
    # 刑事判决书、释放证明书 among the evidence would cite 356 on the facts alone; the particulars show the
    # prior judgments were for theft and the like, so 356 (因走私、贩卖、运输、制造、非法持有毒品罪被判过刑) does not apply
    assert 356 not in analyze_one(PRIOR_THEFT, charges=[DRUG_SALE])["articles"]
    facts_only = PRIOR_THEFT.split("\n", 1)[1]
    assert 356 in analyze_one(facts_only, charges=[DRUG_SALE])["articles"]


def test_prior_harbouring_conviction_is_not_356() -> None:
    # 容留他人吸毒罪 (354) is of 第七节 but not among 356's five crimes
    assert 356 not in analyze_one(PRIOR_HARBOURING, charges=[DRUG_SALE])["articles"]


def test_administrative_punishment_for_drugs_is_not_a_conviction() -> None:
    # 356 needs 因…毒品罪被判过刑: a sentence for theft and an administrative detention for selling drugs in the same
    # record are not that (particulars written for this test on the pattern of the judgments above)
    text = PRIOR_HARBOURING.replace("2015年11月18日因犯容留他人吸毒罪被本市洪山区人民法院判处拘役五个月，2016年4月12日刑满释放。",
                                    "2014年3月因犯盗窃罪被判处有期徒刑六个月，2015年5月因贩卖毒品被行政拘留十日。")
    assert "行政拘留" in text
    assert 356 not in analyze_one(text, charges=[DRUG_SALE])["articles"]
    sentenced = text.replace("因贩卖毒品被行政拘留十日", "因贩卖毒品被判处有期徒刑八个月")
    assert 356 in analyze_one(sentenced, charges=[DRUG_SALE])["articles"]


def test_stolen_card_used_cites_196() -> None:
    # CAIL train cail-0340 (gold 196, 264): the card is stolen in one sentence and used in the next
    facts = ("北京市石景山区人民检察院指控，2017年3月28日16时许，被告人郭某在位于北京市石景山区永乐西区菜市场的北京中橡驰程"
             "科技有限公司（国星水站）内，秘密窃取被害人李某放置在办公室椅子上的钱包1个，内有李某之夫李某的平安银行信用卡1张"
             "（卡号：×××）等物品。当日，郭某在位于石景山区永乐西区33号的中国工商银行ATM机上使用该信用卡提取现金人民币9000元。"
             "同年5月4日，郭某被公安机关查获，赃款已挥霍。")
    assert {196, 264} <= set(analyze_one(facts, charges=["盗窃"])["articles"])


def test_violence_when_discovered_cites_269() -> None:
    # CAIL train cail-0266 (gold 264, 269; given 抢劫、盗窃): 被该工地值班人员发现并制止 … 对其进行击打
    facts = ("同年12月28日凌晨5时许，被告人申某某伙同韩某丰（另案处理）酒后驾驶两轮摩托车再次到上述地点行窃，当被告人申某某将"
             "一台桑普牌太阳能水箱（价值1200元）从仓库搬出后，被该工地值班人员发现并制止，被告人申某某随手从地上拿起砖块将工地"
             "看管人员牛某某的手电筒及对讲机砸落在地，并对其进行击打，造成牛某某右侧面部3.0CM×2.0CM皮擦、肿胀和左手中指1.0CM"
             "划伤，经法医鉴定构成轻微伤。")
    assert 269 in analyze_one(facts, charges=["抢劫", "盗窃"])["articles"]


def test_habit_scorer_equals_scikit_learn() -> None:
    # the run-time scorer (pure Python over the stored grams) against scikit-learn's TfidfVectorizer and the
    # logistic function on the same stored vocabulary, idf and weights
    from sklearn.feature_extraction.text import TfidfVectorizer

    from models.articles.habit import ARTIFACT, probability

    z = np.load(ARTIFACT, allow_pickle=False)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True,
                          vocabulary={str(g): i for i, g in enumerate(z["grams"])})
    vec.fit(["x"])  # sets up the vocabulary; the idf is replaced by the stored one
    vec.idf_ = z["idf"].astype(np.float64)
    texts = [PRIOR_DRUG, PRIOR_THEFT, "被告人在成都市锦江区以人民币200元的价格贩卖甲基苯丙胺（冰毒）0.2克给吸毒人员。"]
    for t in texts:
        x = vec.transform([t])
        logit = float((x @ z["coef"].astype(np.float64))[0]) + float(z["intercept"])
        assert probability(t) == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)


def test_habit_only_for_drug_charges() -> None:
    # 357 defines 毒品 for 第七节; a theft case never gets it, whatever its facts say
    facts = "被告人在成都市锦江区以人民币200元的价格贩卖甲基苯丙胺（冰毒）0.2克给吸毒人员。"
    assert 357 not in analyze_one(facts, charges=["盗窃"])["articles"]
