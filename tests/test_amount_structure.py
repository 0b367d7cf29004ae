"""The structural incident reader (models/experts/amounts/structure.py) on hand-written facts. Every
expected total is added up by hand from the facts as the labelling rules (eval/data/AMOUNT_LABELS.md)
read them: incidents added, a restated total counted once, returns not added, an attempt set apart."""

from __future__ import annotations

from models.experts.amounts.structure import structure

# two thefts (1500 appraised + 800 cash = 2300), a return of 800 (not added), then the total restated
THEFTS = ("公诉机关指控：2015年3月5日，被告人张某在某超市窃取手机一部，经鉴定价值1500元。2015年3月8日，"
          "被告人张某窃取现金800元。后被告人退还被害人800元。综上，被告人共计盗窃财物价值2300元。")


def test_incidents_added_and_restated_total_counted_once() -> None:
    s = structure(THEFTS)
    assert s.totals["inc_sum"] == 2300.0  # 1500 + 800; the 综上 total equals them and replaces them
    assert s.totals["announced"] == 2300.0
    assert s.totals["inc_max"] == 2300.0  # the summary stands for both incidents


def test_a_total_told_first_then_itemised() -> None:
    text = ("公诉机关指控：被告人李某多次骗取他人钱款共计人民币9650元。具体如下：1、2016年5月1日，李某骗取"
            "被害人王某4200元。2、2016年6月2日，李某骗取被害人赵某3150元。3、2016年7月3日，李某骗取被害人"
            "孙某2300元。")
    s = structure(text)
    assert s.totals["inc_sum"] == 9650.0  # 4200 + 3150 + 2300 = 9650, told once


def test_attempt_not_added_and_court_findings_win() -> None:
    text = ("公诉机关指控：2015年3月5日，被告人张某窃取手机一部，经鉴定价值1500元。经审理查明，1、2015年3月5日，"
            "被告人张某在某超市窃取手机一部，经鉴定价值1500元。2、2015年3月8日，被告人张某欲窃取现金800元，"
            "被当场抓获，未遂。")
    s = structure(text)
    assert s.totals["inc_sum"] == 1500.0  # part completed: the completed amount only, the attempted 800 not added
    assert s.totals["acc_sum"] == 1500.0  # the accusation alone


def test_only_attempted_gives_the_attempted_amount() -> None:
    s = structure("公诉机关指控：2016年5月1日，被告人李某欲骗取被害人王某人民币5000元，被识破未果。")
    assert s.totals["inc_sum"] == 5000.0


def test_value_wins_over_sale_price_and_fees_after_a_crime_verb_count() -> None:
    text = ("经审理查明，2015年12月5日，被告人崔某将租赁的速腾轿车以人民币50000元的价格卖给张某某。经鉴定，"
            "速腾轿车价值人民币60000元。2016年1月3日，崔某以办理过户为由骗取被害人段某购房定金人民币2万元。")
    s = structure(text)
    assert s.totals["inc_sum"] == 80000.0  # 60000 (value, not the 50000 sale) + 20000 (骗取…定金)


def test_no_money_no_total() -> None:
    s = structure("公诉机关指控：2014年4月24日晚，被告人万某持酒瓶追打被害人杜某，致其轻微伤。")
    assert s.totals["inc_sum"] is None and s.n_incidents == 0


def test_vat_counts_the_tax_not_the_invoice_total_nor_the_deducted_tax() -> None:
    text = ("公诉机关指控：2015年，被告人周某在没有真实货物交易的情况下，让他人为其公司虚开增值税专用发票5份，"
            "价税合计117万元，税额17万元，已申报抵扣税款15万元。")
    assert structure(text).totals["inc_sum"] == 170000.0  # the tax of the invoices (2024 解释 第十一条)


def test_fraud_net_amount_when_the_facts_state_it() -> None:
    text = "公诉机关指控：2014年，被告人王某以投资为由骗取被害人李某人民币20万元，后归还5万元，实际骗得15万元。"
    assert structure(text).totals["inc_sum"] == 150000.0  # 实际骗得: the amount net of the return


def test_reader_totals_are_ranker_features() -> None:
    """In the ranker's candidates, the reader's sum of the incidents marks the candidate equal to it: here
    1000 + 2000 = 3000, told again as 共计3000 (the 500 returned is not added)."""
    from models.experts.amounts.candidates import candidates, feature_names

    theft = ("2019年3月1日，被告人张某窃取被害人李某现金1000元。3月5日，张某又窃取王某手机一部，经鉴定价值2000元。"
             "张某共计窃取财物价值3000元。案发后，张某退还被害人李某500元。")
    cands, X = candidates(theft, ["theft"], [3000.0])
    f = {n: i for i, n in enumerate(feature_names())}
    row = {c.value: X[k] for k, c in enumerate(cands)}
    assert row[3000.0][f["struct:inc_sum"]] == 1 and row[1000.0][f["struct:inc_sum"]] == 0
    assert row[3000.0][f["struct:announced"]] == 1
    assert row[500.0][f["struct_votes"]] == 0
