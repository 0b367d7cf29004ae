"""Crime amounts of real CAIL facts (train/dev split; the fixture copies the facts and the hand labels
of eval/data/amount_labels.jsonl): each case pins one rule of ``models.experts.base.read_amounts``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.experts.base import normalize_digits, read_amounts
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
