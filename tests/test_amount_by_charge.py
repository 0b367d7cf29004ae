"""Issue 16 item 4: each charge of a several-charge case reads its own money. Facts written for the test;
the expected amounts are read by hand from them."""

from __future__ import annotations

from models.experts.amounts.by_charge import split_facts

# 一、 tells a 抢夺 (抢走 names it) worth 3060, 二、 a 盗窃 (盗走) worth 2250
TWO_PARTS = ("检察院指控，一、2014年1月26日，被告人董某趁被害人周某不备，从其手中抢走手机一部。"
             "经鉴定，该手机价值人民币3060元；二、2013年11月30日，被告人董某趁被害人周某上厕所时，盗走其手机一部。"
             "经鉴定，该手机价值人民币2250元。被告人董某的行为已构成××罪、××罪。")


def test_numbered_parts_give_their_unnamed_sentences_to_the_part_s_charge() -> None:
    """一、 tells a 抢夺 (抢走 names it), 二、 a 盗窃 (盗走); the sentences of the valuation in each part name no
    act and belong to their part's charge, not to both."""
    own = split_facts(TWO_PARTS, ["盗窃", "抢夺"])
    assert "3060" in own["抢夺"] and "2250" not in own["抢夺"]
    assert "2250" in own["盗窃"] and "3060" not in own["盗窃"]


def test_a_masked_part_goes_to_the_one_charge_left() -> None:
    """CAIL masks the charge and its verb (持刀××现金): the part naming no act belongs to the one charge whose
    acts no other part names."""
    facts = ("公诉机关指控：一、2013年9月21日凌晨，被告人黄某进入早餐店，××了店内财物价值总计人民币19838元。"
             "二、2013年9月21日凌晨，被告人黄某将被害人刘某的三轮摩托车偷走。经鉴定价值7520元。"
             "公诉机关认为，被告人黄某应当以××罪和××罪追究其刑事责任。")
    own = split_facts(facts, ["抢劫", "盗窃"])
    assert "19838" in own["抢劫"] and "7520" not in own["抢劫"]
    assert "7520" in own["盗窃"] and "19838" not in own["盗窃"]


def test_amounts_by_charge_of_numbered_parts() -> None:
    from models.commands.analyze import analyze_one

    out = analyze_one(TWO_PARTS, "parts", charges=["盗窃", "抢夺"])
    assert sorted((x["charge"], x["amount_yuan"]) for x in out["amounts_by_charge"]) == [("抢夺", 3060.0), ("盗窃", 2250.0)]
