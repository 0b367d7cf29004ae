"""Crime amounts of real CAIL facts (train/dev split; the fixture copies the facts and the hand labels
of eval/data/amount_labels.jsonl): each case pins one rule of ``models.experts.amounts.read_amounts``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.experts.amounts import normalize_digits, read_amounts
from models.extract.amounts import extract_amounts

CASES = json.loads((Path(__file__).parent / "data" / "amount_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_real_fact_amount(case: dict) -> None:
    got = read_amounts(case["fact"], case["kind"]).total
    assert got is not None and abs(got - case["amount"]) < 0.5, (case["why"], got)


def test_foreign_currency_written_before_the_number() -> None:
    s = "再次要求被害人马某辛等人到上述办公地点兑换美元20万元，并在收到被害人马某辛等人的汇款人民币127.64万元后迅速逃离现场。"
    assert [a.yuan for a in extract_amounts(s)] == [1276400.0]


def test_masked_wan_yuan() -> None:
    s = "并将该车质押给罗某“借款”6.5万2某；"
    n = normalize_digits(s)
    assert len(n) == len(s)
    assert [a.yuan for a in extract_amounts(n)] == [65000.0]


def test_crime_verb_nearer_than_an_exclusion_word_keeps_the_sum() -> None:
    s = "被告人以办理贷款需要手续费为由骗取被害人人民币5000元。"
    assert read_amounts(s, "fraud").total == 5000.0
    s = "被告人将骗取的5000元退还给被害人。"
    assert read_amounts(s, "fraud").total is None


def test_rates_and_deals_are_not_the_amount() -> None:
    s = "被告人高某在宜宾市翠屏区以300元每天的价格向张某1租赁川QGS×××丰田凯某轿车，并将该车质押给罗某“借款”6.5万元。"
    assert read_amounts(s).total == 65000.0
    s = "被告人彭某某收到重约10吨塑钢型材后将其以人民币22418元的低价卖给李某某。经鉴定，涉案塑钢型材价值人民币80786元。"
    assert read_amounts(s).total == 80786.0


def test_unrecovered_part_is_not_added() -> None:
    s = "被告人共骗取国家资金379069.95元。案发后，该公司退还赃款人民币200000元，尚有179069.95元未退赃。"
    assert read_amounts(s, "fraud").total == 379069.95


def test_payment_to_a_victim_is_a_return() -> None:
    s = ("2015年7月，被害人方某通过手机银行向该信用卡转账人民币30000元，李1某趁方某不注意时逃离现场。"
         "2015年12月6日，李1某通过微信转账1500元给方某，后方某无法联系上李1某。")
    assert read_amounts(s, "fraud").total == 30000.0
    s = "6月16日，朱某甲付给胡某某57629元作为首付款。本案立案后，被告人胡某某主动转账一万元给被害人朱某甲。"
    assert read_amounts(s, "fraud").total == 57629.0


# ----------------------------------------------------------------- general rules (session 12)


def test_extractor_reads_names_with_digits_and_thousands() -> None:
    s = "多次骗取被害人王某1人民币14.6万元。又骗取人民币7千元、2万5千元。"
    assert [a.yuan for a in extract_amounts(s)] == [146000.0, 7000.0, 25000.0]


def test_name_index_digit_is_not_part_of_the_sum() -> None:
    s = "骗取王某129000元；骗取王某212000元。被害人王某1、王某2报案。"
    n = normalize_digits(s)
    assert len(n) == len(s)
    assert [a.yuan for a in extract_amounts(n)] == [29000.0, 12000.0]


def test_evidence_sentence_is_skipped_but_later_incidents_count() -> None:
    s = ("1、2011年9月，被告人牟某骗租轿车一辆，抵押给黄某，得款人民币57000元。认定以上事实的证据有被害人黄某的"
         "陈述、借条等，上述证据经庭审举证、质证能相互印证，予以确认。2、2011年9月7日，被告人牟某又骗租轿车一辆，"
         "抵押给王某，骗得人民币35200元。")
    assert read_amounts(s, "fraud").total == 92200.0


def test_bare_gong_and_case_amount_are_totals() -> None:
    s = ("被告人江某通过微信转账等方式骗取了黄某共5700元，具体事实如下：1、骗取了黄某500元。2、骗取了黄某2500元。"
         "3、骗取了黄某500元；又骗取了黄某200元。4、骗取了黄某2000元。")
    assert read_amounts(s, "fraud").total == 5700.0
    s = ("被告人张某共骗取李某和原某人民币25万元整。后先后骗取韩某甲人民币10万元、连某人民币10.1万元。以上，"
         "被告人张某共作案3起，涉案金额45.1万元。")
    assert read_amounts(s, "fraud").total == 451000.0


def test_incidents_after_a_total_are_added_unless_announced_as_its_breakdown() -> None:
    s = ("2013年6月，被告人刘某以办事需要人情费为由，分两次骗取兰某现金共计人民币80000元。2014年11月，被告人刘某以"
         "和别人打架需要钱为由，分四次骗取程某人民币65000元。")
    assert read_amounts(s, "fraud").total == 145000.0
    s = "被告人唐某先后2次骗取陈某某共计人民币10000元。具体是，3月11日转入5000元；6月4日又转入5000元。"
    assert read_amounts(s, "fraud").total == 10000.0


def test_sub_totals_of_separate_incidents_are_summed() -> None:
    s = ("被告人易某骗得被害人信用卡5张，刷卡消费、透支取现共计人民币85050.4元。贷款到帐后，被告人易某又骗取"
         "被害人借记卡及现金1000元。后被告人易某使用该借记卡取现、消费共计人民币71939元。")
    assert read_amounts(s, "fraud").total == 157989.4
    s = ("1、被告人收取何某手续费共计人民币35000元。2、被告人收取李某手续费共计人民币40000元。3、被害人陈某共计被骗"
         "人民币51875元。4、被害人王某共计被骗人民币40000元。")
    assert read_amounts(s, "fraud").total == 166875.0


def test_total_in_brackets_is_the_value_of_the_goods_named() -> None:
    s = ("被告人刘某骗取张某现金5000元、黄金手链一条（以上黄金首饰经鉴定价值共17010元）。同年9月，被告人刘某骗取郑某"
         "现金95元、黄金耳环一对（经鉴定价值1713元）。")
    assert read_amounts(s, "fraud").total == 23818.0


def test_a_list_continues_the_part_of_its_first_sum() -> None:
    s = ("被告人骗得被害人陈某金戒指1枚，价值人民币2847元。被告人骗得被害人方某金戒指1枚，价值人民币2648元。"
         "被告人家属已分别赔偿被害人方某人民币2648元，陈某人民币1655元。")
    assert read_amounts(s, "fraud").total == 5495.0
    s = "后关某以办证收取费用等借口合计骗走王某人民币10000元、朱某人民币13000元、张某人民币10900元。"
    assert read_amounts(s, "fraud").total == 33900.0


def test_loot_referred_back_and_parts_of_a_sum_are_not_added() -> None:
    s = "被告人王某骗取了被害人罗某10000元人民币现金。后被告人王某从骗取到的10000元中抽出500元给被害人罗某。"
    assert read_amounts(s, "fraud").total == 10000.0
    s = "“阿某”诈骗被害人谢某人民币一万元。同日，被告人农某帮“阿某”取走诈骗得来的10086元人民币，并收取1000元的好处费。"
    assert read_amounts(s, "fraud").total == 10000.0


def test_the_same_act_on_another_day_is_another_incident() -> None:
    s = ("3月29日张某甲以该车作抵押向师某甲借人民币5万元。5月5日张某甲用假的购车合同以该车作抵押向姜某甲借人民币5万元。"
         "6月14日张某甲以该车作抵押向姜某甲借人民币5万元。")
    assert read_amounts(s).total == 150000.0


def test_a_sum_followed_by_the_payments_making_it_up_counts_once() -> None:
    s = ("张某同意何某挂靠，但要何某支付人民币70万元的管理费。何某向张某支付了10万元的定金。何某将人民币20万元转入"
         "王某的账户。何某又将40万元转入张某的账户。")
    assert read_amounts(s).total == 700000.0


def test_the_prosecutors_stated_figure_wins() -> None:
    s = ("被告人包某骗取被害人陶某某人民币5.5万元，案发前返还被害人2.5万元。被告人包某骗取被害人王某甲人民币4万元。"
         "公诉机关认为：被告人包某虚构事实，隐瞒真相骗取他人财物7万元，数额巨大。")
    assert read_amounts(s, "fraud").total == 70000.0
    s = ("被告人田某从张某某处骗取现金124800元，偿还自己的债务后隐匿。被告人田某以非法占有为目的，在签订合同中诈骗"
         "他人现金124800元，属数额较大，其行为触犯了《中华人民共和国刑法》之规定。")
    assert read_amounts(s).total == 124800.0


def test_fees_and_rebates_obtained_by_the_lie_count() -> None:
    s = "被告人方某谎称可以修改征信记录，并藉此向被害人收取“手续费”共计人民币35000元。"
    assert read_amounts(s, "fraud").total == 35000.0
    s = "被告人制造大量虚假订单，骗取该公司返现金额共计254406元。后被告人给部分客户返利20000元。"
    assert read_amounts(s, "fraud").total == 254406.0


def test_the_sum_actually_handed_over_replaces_the_nominal_one() -> None:
    s = "1、被告人薛某以房产证作抵押向王某借款10万元，（除去利息，王某实付给被告人8万元）。2、被告人薛某骗取王某2人民币5万元。"
    assert read_amounts(s, "fraud").total == 130000.0


def test_sale_proceeds_fines_shares_and_intentions_are_not_the_amount() -> None:
    s = "被告人张某某将刘某某的1辆价值2600元的摩托车盗走。次日，被告人张某某卖给陈某某海洛因1小包，得赃款77元。"
    assert read_amounts(s, "theft").total == 2600.0
    s = "东莞市社会保障局结算了10253.83元的工伤保险金。后追回了10253.83元，并对恒锦公司处以20507.66元的罚款。"
    assert read_amounts(s, "fraud").total == 10253.83
    s = "三人将郭某存折上的36000元取出，后三人均分。被告人段某将所分的12000元用于个人日常生活。"
    assert read_amounts(s, "fraud").total == 36000.0
    s = "被告人田某遂欲从张某某处借款130000元。被告人田某以伪造的登记证作抵押，从张某某处骗取现金124800元。"
    assert read_amounts(s, "fraud").total == 124800.0
    s = "双方签订装修合同，合同总价款为107250元。高某在取得保险公司预付款53625元后逃匿。"
    assert read_amounts(s).total == 53625.0


def test_a_pledged_rented_car_is_counted_once() -> None:
    # the lender is the victim: the money raised
    s = ("被告人陈某某向杨某某租用小轿车，后以该车作为抵押向被害人梁某某借款人民币20000元。经鉴定，该车价值人民币42768元。"
         "公安民警查扣该车并发还给杨某某。")
    assert read_amounts(s, "fraud").total == 20000.0
    # the car's owner is the victim: the car's value
    s = ("被告人林某以余某的身份从被害人罗某处租赁一辆轿车，后将该车抵押给周某，从周某处借来人民币9000元。经认定，"
         "该轿车价值人民币71735元。")
    assert read_amounts(s).total == 71735.0
    # neither named: the car not recovered → its value
    s = ("被告人汪某在租赁行杨某处租赁轿车一辆，次日，汪某将此车以30000元价格抵押给赵某，汪某实际收到14000元的转押款"
         "后逃匿。经鉴定，该轿车价值48000元。")
    assert read_amounts(s, "fraud").total == 48000.0


def test_concluding_sentence_and_deal_price_fallback() -> None:
    s = ("1.被告人赵某实际向晟达公司借款56400元。2.被告人赵某实际向晟达公司借款37500元。3.李某实际骗取人民币156000元。"
         "综上，被告人赵某共实施××犯罪三起，××人民币249900元。")
    assert read_amounts(s, "fraud").total == 249900.0
    s = "被告人徐某某冒用公司名义与骆某某签订买卖协议，以58,000元的价格将装载机销售给骆某某，所得赃款全部用于挥霍。"
    assert read_amounts(s).total == 58000.0


def test_summaries_of_enumerated_incidents_are_summed() -> None:
    s = ("一、被告人杨某申请办理了一张贷记卡，累计至2012年7月已透支本金及利息共计人民币336484.47元。二、被告人杨某冒用其弟"
         "的名义申请办理了一张贷记卡，累计至2012年7月已透支本金及利息共计人民币327346.8元。")
    assert read_amounts(s).total == 663831.27


def test_a_grand_total_told_first_for_many_victims_covers_later_sub_totals() -> None:
    s = ("被告人李某谎称有职工名额，先后骗取他人钱款，共计人民币137.25万元。1.从被害人高某处骗取名额款5.5万元。"
         "2.通过李某1介绍10名人员，先后共收取名额定金47万元，后退回其中28万元。3.从被害人冯某处骗取名额费8万元。")
    assert read_amounts(s, "fraud").total == 1372500.0


def test_credit_card_debt_principal_is_the_amount() -> None:
    s = "截至案发时，户名为刘某的信用卡欠款本金人民币26346元；户名为刘某1的信用卡欠款本金人民币8666.34元，共计欠款本金人民币35012.34元。"
    assert read_amounts(s).total == 35012.34


def test_lies_iou_dividends_conditions_and_collateral_are_not_the_amount() -> None:
    s = "被告人毛某虚构内部职工入股、入股五万元第二年可连本带息分红十万元的事实，骗取被害人胡某人民币三万元。"
    assert read_amounts(s, "fraud").total == 30000.0
    s = "被告人骗取张某所有的人民币22000元及张某从他人处借的人民币50000元。后被告人返还张某钱款2000元，并出具了48000元的欠条。"
    assert read_amounts(s, "fraud").total == 72000.0
    s = "李某当天即付给被告人阮某投资款18.8万元，尔后，被告人阮某向李某支付5万元的虚假分红。"
    assert read_amounts(s, "fraud").total == 188000.0
    s = "被告人与县政府达成协议，由其公司投资不少于20亿元人民币的项目。后被告人骗取李某现金100万元。"
    assert read_amounts(s).total == 1000000.0
    s = "被告人徐某以价值人民币4.5万元的一辆猎豹汽车作抵押，骗取孟某人民币16.56万元。"
    assert read_amounts(s).total == 165600.0


def test_an_incident_total_does_not_swallow_the_incidents_enumerated_before() -> None:
    s = ("1、2011年春天，被告人王某以办理养老保险的名义，××颜某人民币85000元。2、2011年11月，被告人王某××董某人民币"
         "45000元。3、2011年秋天，被告人王某骗得张某某、王某某各贷出的50000元共计100000元。")
    assert read_amounts(s, "fraud").total == 230000.0


def test_a_masked_word_between_sums_does_not_make_a_list() -> None:
    s = "综上，被告人张某参与××六起，××财物共计价值人民币220651元，××即遂178651元，××未遂42000元。"
    assert read_amounts(s, "fraud").total == 220651.0


def test_each_party_and_masked_chinese_wan() -> None:
    s = "被告人以能安排孩子上军校为名，分别骗取康某乙、储某各25万元。"
    assert read_amounts(s, "fraud").total == 500000.0
    s = "骗取被害人李某某二十万某风险保证金后逃跑。又骗取被害人向某某二十万某风险保证金后逃跑。"
    assert read_amounts(normalize_digits(s), "default").total == 400000.0


def test_qizhong_only_breaks_down_a_sum_told_before_it() -> None:
    s = "由其中一名男子进入饭店，窃得陈某的手拿包1只（价值人民币6960元），包内有人民币14000余元等物。"
    assert read_amounts(s, "theft").total == 20960.0
    s = "被告人在宋某某处骗取人民币29000元。其中10000给滕某某作为租金，5000元由宋某某直接给付蔡某某用于偿还欠款。"
    assert read_amounts(s).total == 29000.0


def test_later_incidents_of_other_enumerated_parts_and_other_things_of_equal_value() -> None:
    s = ("一、××犯罪部分：被告人钱某强行抢走李某某现金300元、手机一部，共计价值400余元。其中现金300元被钱某使用。"
         "二、××犯罪部分：被告人钱某将赵某价值1000余元的自行车盗走。后被告人钱某将刘某某价值1000余元的昆明犬盗走。"
         "后被告人钱某将罗某某价值2000余元的藏犬盗走。")
    assert read_amounts(s).total == 4400.0


def test_one_later_sum_close_to_a_total_is_another_incident() -> None:
    s = "被告人倪某多次窃得手机、摄像机等物，合计价值15450余元。被告人倪某又多次骗得各类软件价值16090元。"
    assert read_amounts(s, "theft").total == 31540.0


# ---- session13 amounts4: structural rules (snippets of train/dev CAIL facts)


def test_same_sum_again_after_another_incident_is_a_new_incident() -> None:
    s = ("经米易县价格认证中心鉴定，罗某被盗液压挖掘机配件的价格为25820元，郑某2被盗液压挖掘机配件的价格为26200元，"
         "邓某被盗液压挖掘机配件的价格为25820元，袁某被盗液压挖掘机配件的价格为23162元。")
    assert read_amounts(s, "theft").total == 25820.0 + 26200.0 + 25820.0 + 23162.0
    # told again right after itself, it stays one sum
    s = "被告人盗走被害人摩托车一辆，价值5000元，经鉴定，该摩托车价值5000元。"
    assert read_amounts(s, "theft").total == 5000.0


def test_reasoning_figure_of_one_crime_does_not_replace_the_facts_sum() -> None:
    s = ("长子县人民检察院指控，2016年2月27日凌晨，被告人杨2某盗走梁钱包内的现金1776元。2016年4月12日22时许，"
         "被告人杨2某从二楼住房内溜进门市用改锥打开抽屉，盗走现金903元。2016年12月15日21时许，被告人将白某某四岁儿子"
         "手中拿着正玩的OPPOR9手机抢走。经认定：该手机价值2425元。据此认为，被告人杨2某以非法占有为目的，××他人财物"
         "共计2679元，数额较大，其行为已触犯《中华人民共和国刑法》××之规定。")
    assert read_amounts(s, "theft").total == 1776.0 + 903.0 + 2425.0


def test_counted_group_totals_of_a_summary_add_up() -> None:
    s = ("1、被告人武2某骗取被害人张某1人民币8000元，骗取被害人曾某人民币12000元。2、被告人武2某窃取被害人刘某2的钱包，"
         "钱包内装有人民币500元。3、被告人武2某窃取被害人乔某1的香烟，价格为人民币450元。4、被告人武2某窃取两条香烟，"
         "价格分别为人民币800元和900元。综上所述，被告人武2某××作案两起，共计骗取20000元；××作案三起，共计窃取2650元。")
    assert read_amounts(s, "fraud").total == 22650.0
    s = ("综上，被告人王某××作案4起，价值4466元；××作案1起，价值1748元。")
    assert read_amounts(s, "theft").total == 6214.0
    s = ("被告人于1某以借款的名义骗取高某某人民币3.4万元。被告人于1某以借款的名义骗取高某某人民币5万元。以上被告人于1某"
         "诈骗二起，获取赃款人民币8.4万元，被其消费。次日，于1某谎称该车系他人抵偿其欠款的车辆，以借款的名义骗取高某某"
         "人民币3万元。以上被告人于1某××一起，获取赃款人民币3万元，被其消费。")
    assert read_amounts(s, "fraud").total == 114000.0


def test_counted_totals_of_two_defendants_do_not_add() -> None:
    s = ("综上，被告人于1某忠诈骗作案14起，诈骗金额248.3184万元；被告人成素某诈骗作案12起，诈骗金额219.9184万元。")
    assert read_amounts(s, "fraud").total == 2483184.0


def test_small_total_after_larger_sums_is_the_last_incidents_total() -> None:
    s = ("1、被告人张某盗走被害人徐某放在卧室裤子口袋内的人民币5000元、手机（经鉴定价值467.5元）一部。随后被告人张某将"
         "被盗农业银行卡内的4700元转至翼支付平台。被告人张某将该卡内的2700元取出。2、被告人张某盗走被害人陈某的"
         "三星牌手机一部、天翼手机一部。上述两部被盗手机经鉴定合计价值200元。")
    assert read_amounts(s, "theft").total == 13067.5


def test_sums_announced_then_itemised_count_once() -> None:
    s = ("被告人乔1某实施××犯罪骗得人民币11,000.00余元，实施诈骗犯罪骗得人民币6,000.00元。具体分述如下：1.乔1某"
         "骗得刘某向其交付现金人民币2,000.00元。乔1某支取工商银行卡内人民币2,900.00元、支取交通银行卡内人民币"
         "3,500.00元。2.乔1某取得于某招商银行信用卡及密码后，支取现金人民币4,652.00元。3.乔1某共计骗得姜某、徐某先后"
         "向乔1某交付人民币4,000.00元。")
    assert read_amounts(s, "fraud").total == 17052.0  # the itemised sums (11000余 is approximate)
    s = ("陆某骗取保险公司理赔款计人民币1.4万余元。具体如下：1、陆某骗得理赔款9150元。2、陆某骗得理赔款2850元。"
         "3、陆某骗得理赔款2400元。")
    assert read_amounts(s, "fraud").total == 14400.0


def test_net_sum_of_an_incident_replaces_its_gross_sums() -> None:
    s = ("一、诈骗罪1、2009年10月21日，被告人杨某累计收高兴根预付白乳胶货款70万元。杨某给高兴根出具了收到其预付货款"
         "70万元的收据，并付高兴根308127元的白乳胶提货票，之后其又付高兴根17万余元的白乳胶，从中诈骗高兴根22万元。"
         "2、2010年1月22日，被告人杨某从公司骗取公司给高兴根2009年的返利款10784元。")
    assert read_amounts(s, "fraud").total == 230784.0


def test_sums_of_a_pretext_named_with_jiekou_are_not_obtained() -> None:
    s = ("被告人赵某某持虚假的合同找到贺某某，以府某公司采购其公司438万元设备、自己要向河南省重科公司采购设备资金不足"
         "为借口，骗取贺的信任，后马某某于次日向被告人个人银行卡上支付80万元。")
    assert read_amounts(s, "fraud").total == 800000.0


def test_facts_go_on_after_one_charges_reasoning() -> None:
    s = ("禹州市人民检察院指控称：××罪2013年3月一天晚上，被告人贾某伙同穆某去到蛋糕店内，持刀××被害人陈某现金人民币"
         "2000余元，赃款挥霍。公诉机关认为，被告人贾某的行为已构成××罪，系共同犯罪，提请依法判处。××罪2013年7月18日傍晚，"
         "被告人贾某去到刘某家中，乘刘家无人之机，××刘家卧室内价值2109元的黄金吊坠一个，销赃得款挥霍。公诉机关认为，"
         "被告人贾某的行为已构成××罪，提请依法判处。")
    assert read_amounts(s, "theft").total == 4109.0


def test_concluding_sentence_split_by_semicolon_adds_its_parts() -> None:
    s = ("综上，被告人拔某以投资入股为名，编造虚假事实与材料，向拔某甲、乔某某骗得现金及财物价值共计138056元；拔某使用"
         "以虚假的身份证明骗领的信用卡，骗取款项共计16973.2元。")
    assert read_amounts(s, "fraud").total == 155029.2


def test_top_level_parts_each_with_its_total_add_up() -> None:
    s = ("经审理查明，一、2013年8月至12月份，上诉人邓某虚构能为被害人办理大额信用卡的事实，骗取被害人陈某某等16人预付的"
         "服务费共计人民币72000元。具体事实如下：1.邓某等人骗取被害人陈某某人民币2000元。2.邓某等人骗取被害人蒋某某人民币"
         "3000元。3.邓某等人骗取被害人王某人民币67000元。二、2013年10月，上诉人邓某骗取被害人陈某甲、张某某的信用卡及密码，"
         "用于刷卡消费和提现，共计冒用人民币22897元。具体事实如下：1.邓某进行刷卡消费和取现，共骗取被害人陈某甲人民币"
         "20899元。2.邓某进行刷卡消费和取现，骗取被害人张某某人民币1998元。")
    assert read_amounts(s, "fraud").total == 94897.0


def test_sums_paid_to_the_accused_count() -> None:
    s = ("1、2014年9月份，高某某以内蒙古兴阁农牧业开发有限责任公司建牛棚为由，与王某商谈业务，王某分三次向高某某交纳了"
         "人民币30万元保证金后，工程至今未开工。2、颜某向高某某交纳了人民币55万元保证金后，工程至今未开工。公诉机关认为"
         "被告人高某某以非法占有为目的，骗取被害人财物，数额特别巨大。")
    assert read_amounts(s, "fraud").total == 850000.0
    # the defendant's own payment stays out
    s = "被告人李某骗取被害人王某人民币5万元。案发后，被告人李某向法院交纳了人民币1万元保证金。"
    assert read_amounts(s, "fraud").total == 50000.0


# ------------------------------------------------------------------ rules of law (round 5)


def test_overdraft_principal_not_interest_or_fees() -> None:
    """两高 2018 信用卡解释 第九条: 恶意透支的数额 is the principal not repaid, not interest, 滞纳金 or a 本息
    total (cail-1732, cail-1295)."""
    s = ("同年3月10日李某甲拿到该信用卡后激活使用并透支消费。至2014年2月13日，李某甲使用该信用卡透支消费4万余元。"
         "该卡逾期后，中国银行三峡分行工作人员多次采取电话催收、上门催收等方式催促李某甲还款，李某甲无法归还信用卡透支款。"
         "截止2014年2月13日，李某甲恶意透支63632.96元（其中：本金47946.50元，利息15686.46元）。")
    assert read_amounts(s, "fraud").total == 47946.5
    s = ("2015年1月13日后不再还款，透支27808.4元。后经发卡行两次催缴以后超过三个月仍不还款。截止2015年8月20日，"
         "拖欠本金27808.82元，利息2872.82元，滞纳金6962.34元，合计37643.56元（已还清）。被告人孟某与被害人于某华是同学关系，"
         "孟某虚构能帮助于某华买到恒业11期的顶账房，并以此为由收取于某华房屋预付款19万元。")
    assert read_amounts(s).total == 217808.82


def test_overdraft_principal_balance_nearest_the_filing_wins() -> None:
    """The principal 立案时尚未归还: a later balance of the same cards supersedes an earlier one, and a
    principal referred back to (上述所欠本金) is not added (cail-1710); separate cards each count (cail-1714)."""
    s = ("截至2013年8月3日其所持有的卡号为6225571050＊＊＊＊＊＊及4063651050＊＊＊＊＊＊信用卡分别结欠广发银行本金"
         "19010.43元及15053.79元。2013年8月3日、同年8月4日及同年8月30日，广发银行多次向被告人辛某某催收上述所欠本金"
         "34064.22元以及相关利息、滞纳金。被告人辛某某于2014年2月6日分别向上述两张信用卡各存入1500元，共向广发银行偿还"
         "欠款3000元。截至2014年9月3日，被告人辛某某持有的上述两张信用卡分别结欠银行本金为17510.43元及13553.79元，共计"
         "31064.22元。")
    assert read_amounts(s).total == 31064.22
    s = ("其中，光大银行信用卡自2013年4月11日开始逾期，截至2014年11月5日，共透支本金合计人民币39902.39元；招商银行信用卡"
         "自2013年4月25日开始逾期，截至2014年10月25日，共透支本金合计人民币39891.98元；交通银行信用卡于2012年11月11日"
         "开始消费，截至2014年9月14日，该卡共透支本金合计人民币17901.17元。")
    assert read_amounts(s).total == 97695.54


def test_theft_value_is_the_appraised_value_not_the_sale_price() -> None:
    """2013 盗窃解释 第四条: the appraised value, not what the goods were sold for (cail-0768); with no value
    stated, the pledge or sale price is all that shows their worth (cail-1405)."""
    s = ("后劫得工地上的紫铜排578公斤，物品价值人民币（下同）35258元，后以24000元的价格销售给吴某（已判决）。")
    assert read_amounts(s).total == 35258.0
    s = ("被告人刘某于2016年9月8日17时许，在武汉市武昌区八一路武汉大学文理学院三楼303教室内，趁无人之机，盗得李某1放置在"
         "教室课桌内的苹果牌笔记本电脑1部，后用以抵押获款人民币3300元。被告人刘某于2017年6月2日12时许，在武汉市武昌区八一路"
         "武汉大学文理学院三楼502教室内，趁无人之机，盗得徐某放置在教室课桌内的苹果牌MacBookpro型笔记本电脑1部（价值人民币"
         "9600元），后用以抵押获款人民币5760元。")
    assert read_amounts(s, "theft").total == 12900.0


def test_value_claimed_by_the_victim_of_goods_that_could_not_be_appraised() -> None:
    """No appraisal possible (无法进行价格认证): the victim's claimed value is no appraised value; the sale
    prices are what is proven (cail-0745)."""
    s = ("将汪某某佩戴的黄金项链抢走，并用手铐将汪某某铐在其家卧室的门框上。汪某某称黄金项链重约60克，价值1.6万元人民币。"
         "高某某将黄金项链卖至辽阳刘二堡一家金店，得款7600余元人民币。2015年11月17日20时许，被告人高某某在鞍山市经济开发区"
         "达道湾镇烟狼寨村其家中，在马某某不知情的情况下，将马某某包内的黄金手镯偷走。马某某称黄金手镯重约20克，价值5000元"
         "人民币。高某某将黄金手镯卖至辽阳首山一家金店，得款3700余元人民币。经鞍山市铁西区物价局鉴定，由于涉案物品无实物、"
         "无原始购货发票不能确定真假、质量，无法进行价格认证。")
    assert read_amounts(s, "theft").total == 11300.0


def test_concealment_of_the_stolen_goods_counts_once() -> None:
    """掩饰、隐瞒 of goods stolen in the same facts: one loss, not theft + concealment (cail-0830, cail-0765)."""
    s = ("2016年5月28日凌晨，被告人陈1某现驾驶红色无牌三轮摩托车到河口区孤岛镇山东欣马酒业有限公司，用扳手、断线钳等作案"
         "工具撬开窗户后进入该公司财务室，又用砖块、撬棍打开保险柜，××保险柜内部分现金117500元。2016年6月23日，被告人高某"
         "明知其银行卡内的36900元为陈1某现××所得的赃物而予以转移藏匿，拒不退还。")
    assert read_amounts(s, "theft").total == 117500.0
    s = ("一、××罪。第一次盗得太平洋牌4×34平方毫米电缆线3段；第二次盗得金一牌4×150平方毫米电缆线4段。被告人曾2某三次××"
         "的电缆线价值共计26563元。二、掩饰、隐瞒犯罪所得罪。被告人曾2某将第一次、第二次盗得的电缆线剥了皮，卖给被告人"
         "曾1某，被告人曾1某明知该铜线是被告人曾2某犯罪所得仍以6900余元予以收购。经广昌县价格认证中心鉴定，该批扣押铜线"
         "价值每斤14元，总价值6668.48元。")
    assert read_amounts(s, "theft").total == 26563.0


def test_concealment_of_other_goods_is_added() -> None:
    """Goods concealed that were not stolen in the facts (another's motorcycle, no value stated: its sale
    price) are a second amount (cail-0760)."""
    s = ("2015年3月21日晚9时许，被告人黎某甲到达寻乌县长宁镇君子坝车之家美容店，趁被害人梅某甲不注意之机，盗得被害人梅某甲"
         "放置在店内桌上的手提包的现金2100元。2014年3月26日晚，被告人黎某甲将“细毛”（姓名不详）的一部没有合法有效来历"
         "凭证的赣BKP539红色豪爵太子摩托，以人民币1200元的价格销售给邝某甲（已判刑）。")
    assert read_amounts(s, "theft").total == 3300.0


# --------------------------------------------------------------------------- judgments' facts (session 14)
# Shortened from the money cases of the 501 real judgments (eval/data/amount_labels_judgments.jsonl, dev part).


def test_the_courts_findings_replace_the_accusation_they_restate() -> None:
    s = ("检察院指控：2016年9月6日，被告人丁某某趁其阿姨周某离家之际，盗窃其人民币13600元。公诉机关认为…… "
         "经审理查明：2016年9月6日23时许，被告人丁某某在卧室衣柜内盗得人民币13600元。")
    assert read_amounts(s, "theft").total == 13600.0
    # findings that name no sum (only 另查明 a sale): the accusation's figure
    s = ("公诉机关指控：被告人将被害人的手机盗走。经鉴定，被盗手机价值人民币1840元。 经审理查明，公诉机关指控被告人犯"
         "盗窃罪的事实清楚，证据充分。 另查明，被告人盗窃手机销赃所得款项500元，已被依法扣押。")
    assert read_amounts(s, "theft").total == 1840.0


def test_facts_of_a_judgment_whose_findings_only_confirm_the_accusation() -> None:
    from models.documents import parse_text
    from models.gate import facts_of
    from models.types import Case

    s = ("公诉机关指控：2018年8月3日凌晨3时许，被告人梁某某趁被害人睡着之际将其手机盗走。经鉴定，被盗手机价值人民币1840元。"
         "针对上述指控事实，公诉机关提供了相应证据。\n被告人梁某某在庭审过程中对起诉书指控的事实及罪名均无异议。\n"
         "经审理查明，公诉机关指控被告人梁某某犯盗窃罪的事实清楚，证据充分，足以认定。")
    doc = parse_text(s, source="x")
    facts = facts_of(Case(case_id="x", documents=[doc]))
    assert "1840元" in facts and facts.rstrip().endswith("足以认定。")


def test_judgment_evidence_list_breakdown_and_things_not_taken() -> None:
    # a total, then 具体犯罪事实如下 with its items; the evidence list (认定上述事实的证据有) restates
    s = ("经审理查明：被告人利用职务便利，收受他人人民币280000元。具体犯罪事实如下： 1.2016年至2017年期间，先后收受曹某某"
         "人民币200000元。 2.2017年11月至2018年3月期间，先后收受王某某人民币80000元。 认定上述事实的证据有：1.证人证言：送"
         "现金合计280000元。")
    assert read_amounts(s).total == 280000.0
    # the window broken to get in, the sum recovered afterwards and a commission the defendant paid
    s = ("被告人将杨某某的越野车价值180元的右前门窗玻璃砸烂，将一背包盗走，内装有现金7400元。又将于某某的轿车价值243元的"
         "右前门窗玻璃砸烂，将装有4000元现金的公文包盗走。案发后，赃款人民币50元已追回并发还被害人。")
    assert read_amounts(s, "theft").total == 11400.0
    s = "被告人骗取某电子商务有限公司人民币208006.37元，期间被告人向某电子商务有限公司支付佣金49049.46元。"
    assert read_amounts(s, "fraud").total == 208006.37
    # a sale price when the goods are appraised in the next sentence (除…无法估价外，其他物品经鉴定价值…)
    s = ("被告人盗窃黑色电脑包一个，内有笔记本电脑一台和手机等物品。之后被告人将电脑包中的物品以600元的价格销赃。"
         "除笔记本电脑无法估价外，其他物品经鉴定价值2027.9元人民币。")
    assert read_amounts(s, "theft").total == 2027.9


def test_mistyped_grouping_refunds_and_casino_rates() -> None:
    from models.experts.casino import crime_amount as casino_amount

    # a group that starts with 0 continues the number (2，013183.74元 = 2013183.74)
    assert read_amounts("被告人先后四次购买四张劳务发票，发票金额共计为2，013183.74元。").total == 2013183.74
    # a refund the defendant received years before is no crime amount
    s = ("被告人于1998年将该房屋退回经营处，并收到了经营处的退房款共计87384.6元。被告人于2014年以签订房屋买卖合同的方式，"
         "骗取陈某、许某人民币5万元。")
    assert read_amounts(s, "fraud").total == 50000.0
    # a daily rate is not the casino's profit
    assert casino_amount("被告人开设赌场，每日抽头渔利4至6万元不等，赌资72630元。") is None


# --------------------------------------------------------------------------- other charges (session 14)


def test_civil_claims_and_settlements_are_not_the_amount() -> None:
    s = ("被告人持匕首将被害人吴某左手手臂捅伤，经鉴定为轻伤二级。附带民事诉讼原告人请求判令被告人赔偿医疗费、误工费、"
         "护理费、营养费、交通费等损失共计人民币21997.32元。")
    assert read_amounts(s, "provocation").total is None
    s = "被告人与被害人达成调解协议，并支付给四位被害人共计5万元人民币作为医药费赔偿。"
    assert read_amounts(s, "provocation").total is None
    s = "被告人砸坏捕鱼机屏幕价值3800元。另查明，被害人共支付医疗费2759.2元。另支付鉴定费800元，交通费600元。"
    assert read_amounts(s, "provocation").total == 3800.0
    assert read_amounts("经鉴定，供水工程停工损失为54960元。", "provocation").total is None


def test_two_round_parts_of_hundreds_are_not_taken_for_a_restated_sum() -> None:
    s = ("砸坏冰箱门1扇［价值人民币（下同）700元］、铝合金货架1片（价值400元）、铝合金货架柱1条（价值300元）、"
         "铁货架1片（价值100元）。")
    assert read_amounts(s, "provocation").total == 1500.0


def test_vat_invoices_count_their_tax() -> None:
    from models.sentencing.engine import suggest

    charge = "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票"
    # the tax, not 价税合计, even after 其中
    s = "被告单位虚开增值税专用发票1份，价税合计人民币50000元，其中税款人民币7264.96元已向税务机关申报抵扣。"
    assert suggest(s, charge).amount_yuan == 7264.96
    # a tax total broken down across ；-separated parts, then told again: counted once
    s = ("代开增值税专用发票3份，价税合计702000元，税额计102000.51元，其中：开具给甲厂的增值税专用发票1份，价税合计"
         "234000元，税额计34000.17元；开具给乙厂的增值税专用发票2份，价税合计468000元，税额计68000.34元。上述企业已"
         "抵扣税额102000.51元。")
    assert suggest(s, charge).amount_yuan == 102000.51
    # incidents with their own tax add up; the tax evaded that follows from it is not added
    s = ("1、2012年2月，被告人虚开运输发票1张，票面金额120万元，虚开税额4.068万元，致税款被偷逃1.8万元。2、2012年5月，"
         "被告人虚开运输发票1张，票面金额80万元，虚开税额2.712万元，致税款被偷逃1.2万元。")
    assert suggest(s, charge).amount_yuan == 67800.0
    # only the tax deducted is stated: it is the amount
    s = "被告人接受虚开的增值税专用发票16张，金额1254885.06元，已用于抵扣税款213245.44元。"
    assert suggest(s, charge).amount_yuan == 213245.44
    # a separator lost to "?" in the source
    assert read_amounts("骗取国家税款共计人民币62?705.73元。", "vat_deducted").total == 62705.73


def test_food_and_fake_goods_count_the_sales() -> None:
    from models.sentencing.engine import suggest

    charge = "生产、销售有毒、有害食品"
    s = "被告人以人民币50元的价格向祁某销售一盒“炮打美女”性保健品，经检测检出西地那非成分。"
    assert suggest(s, charge).amount_yuan == 50.0
    s = "被告人销售该产品500余盒，销售额3万余元，非法获利19000余元。"
    assert suggest(s, charge).amount_yuan == 30000.0
    # a unit price range and a profit are not the sales amount
    s = "被告人销售胶囊42粒，每粒7至15元不等，共获利200元。"
    assert suggest(s, charge).amount_yuan is None
