"""A charge given by the user is honoured: --charge, the "charges" field, 罪名：/案由： lines; the
output says where the charges came from. Expected names and articles are the catalogue's (最高检
罪名意见 / 两高补充规定) and the 刑法's, written here by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.charges.given import parse_charge_list
from models.commands.analyze import analyze_many, analyze_one
from models.errors import BadInput
from models.extract.given import given_charges_in_text

ROOT = Path(__file__).resolve().parents[1]
FRAUD = "被告人张某以投资为名骗取被害人李某人民币5万元。"


@pytest.mark.parametrize(("written", "names"), [
    ("诈骗", ["诈骗"]),
    ("盗窃罪", ["盗窃"]),
    ("盗窃罪；诈骗罪", ["盗窃", "诈骗"]),
    ("盗窃、诈骗", ["盗窃", "诈骗"]),
    ("盗窃罪,故意伤害罪", ["盗窃", "故意伤害"]),
    ("强制猥亵、侮辱妇女罪", ["强制猥亵、侮辱"]),  # former name (补充规定（六）, 2015)
    ("盗窃、强制猥亵、侮辱妇女罪", ["盗窃", "强制猥亵、侮辱"]),  # 、 inside and between names
    ("投毒罪", ["投放危险物质"]),
    ("生产、销售假药罪", ["生产、销售、提供假药"]),  # renamed 2021-03-01
    ("贩卖毒品", ["走私、贩卖、运输、制造毒品"]),  # part of a selective charge
    ("[走私、贩卖、运输、制造]毒品", ["走私、贩卖、运输、制造毒品"]),  # CAIL label
    ("醉驾", ["危险驾驶"]),
    ("涉嫌盗窃罪", ["盗窃"]),
    ("盗窃一案", ["盗窃"]),
])
def test_parse_charge_list(written: str, names: list[str]) -> None:
    assert parse_charge_list(written) == (names, [])


def test_parse_charge_list_unknown() -> None:
    assert parse_charge_list("盗窃；飞天") == (["盗窃"], ["飞天"])


def test_heading_and_closing_lines() -> None:
    g = given_charges_in_text("罪名：诈骗\n" + FRAUD)
    assert g.charges == ["诈骗"] and g.text.strip() == FRAUD
    g = given_charges_in_text(FRAUD + "\n案由：盗窃罪、故意伤害罪\n")
    assert g.charges == ["盗窃", "故意伤害"] and "案由" not in g.text
    # a 案由 in the middle of long facts is not the user's statement
    body = "\n".join([FRAUD] * 6)
    g = given_charges_in_text(body + "\n案由：盗窃\n" + body)
    assert g.charges == [] and g.text.count("案由") == 1


def test_analyze_given_beats_prediction() -> None:
    r = analyze_one(FRAUD, "x", charges=["合同诈骗罪"])
    assert r["charges"] == ["合同诈骗"] and r["charges_source"] == "given"
    assert 224 in r["articles"] and 266 not in r["articles"]
    r = analyze_one("案由：诈骗\n" + FRAUD, "x")
    assert r["charges"] == ["诈骗"] and r["charges_source"] == "given" and 266 in r["articles"]
    assert r["amount_yuan"] == 50000 and r["term_months"] is not None


def test_sources() -> None:
    named = "被告人张某以投资为名骗取被害人李某人民币5万元，其行为构成诈骗罪。"
    a, b, c = analyze_many([("a", named), ("b", FRAUD), ("c", FRAUD, ["盗窃"])])
    assert a["charges_source"] == "documents" and a["charges"] == ["诈骗"]
    assert b["charges_source"] == "predicted"
    assert c["charges"] == ["盗窃"] and c["charges_source"] == "given"


def test_unknown_given_charge_is_bad_input() -> None:
    with pytest.raises(BadInput):
        analyze_one(FRAUD, charges=["飞天罪"])
    with pytest.raises(BadInput):
        analyze_one("罪名：诈骗\n")  # a label and no facts


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "models.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_charge_option_and_jsonl_field() -> None:
    p = _cli("analyze", "-", "--json", "--charge", "盗窃罪", "--charge", "诈骗", stdin=FRAUD)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["charges"] == ["盗窃", "诈骗"] and r["charges_source"] == "given"
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "text": FRAUD, "charges": ["合同诈骗罪"]},
        {"id": "b", "text": FRAUD, "charges": "盗窃；故意伤害"},
        {"id": "c", "text": FRAUD}])
    p = _cli("analyze", "-", "--jsonl", "--charge", "抢劫", stdin=lines)
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["charges"] for o in out] == [["合同诈骗"], ["盗窃", "故意伤害"], ["抢劫"]]
    p = _cli("analyze", "-", "--json", "--charge", "飞天罪", stdin=FRAUD)
    assert p.returncode == 2 and "飞天" in p.stderr and "Traceback" not in p.stderr
    bad = json.dumps({"id": "a", "text": FRAUD, "charges": 5})
    p = _cli("analyze", "-", "--jsonl", stdin=bad)
    assert p.returncode == 2 and "第1行" in p.stderr


def test_check_sentence_uses_given_charge() -> None:
    case = str(ROOT / "knowledge/samples/case-001")
    p = _cli("check", case, "--json", "--charge", "诈骗")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)["sentence_suggestion"]
    assert s["charges"] == ["诈骗"] and s["charges_source"] == "given"
    assert all(d["charges"] == ["诈骗"] for d in s["defendants"])


def test_check_reads_heading_line() -> None:
    from models.documents import parse_text
    from models.pipeline import build_case

    text = (ROOT / "knowledge/samples/case-001/起诉书.txt").read_text(encoding="utf-8")
    case = build_case([parse_text("案由：诈骗\n" + text, source="x", kind="indictment")])
    assert case.given_charges == ["诈骗"]
    assert build_case([parse_text(text, source="x", kind="indictment")]).given_charges == []


def test_article_cues() -> None:
    # 刑法 356 (毒品再犯) and 269 (转化型抢劫) go with the charge when the facts tell of their condition
    prior = "被告人曾因贩卖毒品罪被判处有期徒刑一年。2019年3月1日，被告人向吸毒人员贩卖甲基苯丙胺0.5克。"
    assert 356 in analyze_one(prior, charges=["贩卖毒品"])["articles"]
    assert 356 not in analyze_one(prior.split("。", 1)[1], charges=["贩卖毒品"])["articles"]
    turned = "被告人在超市窃取商品，被发现后为抗拒抓捕，当场殴打保安。"
    assert 269 in analyze_one(turned, charges=["抢劫"])["articles"]


def test_article_cues_recidivism_words_and_stolen_card() -> None:
    # 刑法 356's own words (被判过刑) and the courts' name for it (毒品再犯); 196 第三款: 盗窃信用卡并使用
    # is punished under 264, and courts cite both (facts written for this test)
    sale = "2019年3月1日，被告人向吸毒人员贩卖甲基苯丙胺0.5克。"
    assert 356 in analyze_one("被告人系毒品再犯。" + sale, charges=["贩卖毒品"])["articles"]
    assert 356 in analyze_one("被告人曾因××罪被判过刑。" + sale, charges=["贩卖毒品"])["articles"]
    assert 356 not in analyze_one("被告人系累犯。" + sale, charges=["贩卖毒品"])["articles"]
    card = "被告人在公交车上盗走被害人钱包，内有储蓄卡一张，后在ATM机上从该卡取出现金4500元。"
    got = analyze_one(card, charges=["盗窃"])["articles"]
    assert 196 in got and 264 in got
    assert 196 not in analyze_one("被告人在公交车上盗走被害人钱包，内有现金4500元。", charges=["盗窃"])["articles"]


def test_penalty_articles_by_law() -> None:
    # 刑法 383 "对犯贪污罪的，根据情节轻重，分别依照下列规定处罚"; 386 "对犯受贿罪的，…依照本法第三百八十三条的规定处罚";
    # 390 "对犯行贿罪的，处…": cited with the defining article whatever the facts (facts written for this test)
    facts = "2018年5月，被告人利用担任某局局长的职务便利，为他人谋取利益，收受财物共计人民币30万元。"
    assert set(analyze_one(facts, charges=["受贿"])["articles"]) >= {385, 386, 383}
    assert set(analyze_one(facts, charges=["贪污"])["articles"]) >= {382, 383}
    assert 386 not in analyze_one(facts, charges=["贪污"])["articles"]
    assert set(analyze_one(facts, charges=["行贿"])["articles"]) >= {389, 390}


def test_prior_judgment_among_evidence_cues_356() -> None:
    # a prior judgment with its release certificate listed among the evidence tells of a prior conviction
    sale = "2019年3月1日，被告人向吸毒人员贩卖甲基苯丙胺0.5克。"
    with_prior = sale + "上述事实，有扣押清单、刑事判决书及释放证明、户籍证明等证据证实。"
    assert 356 in analyze_one(with_prior, charges=["贩卖毒品"])["articles"]
    assert 356 not in analyze_one(sale + "上述事实，有扣押清单、户籍证明等证据证实。", charges=["贩卖毒品"])["articles"]


def test_basic_or_aggravated_article_by_result() -> None:
    # 刑法 114 放火…尚未造成严重后果的 / 115 …致人重伤、死亡或者使公私财产遭受重大损失的 (one of them, not both)
    mild = "2019年3月1日，被告人在其租住的房间内点燃被褥，引燃窗帘，后被邻居扑灭，烧毁物品价值人民币800元。"
    got = analyze_one(mild, charges=["放火"])["articles"]
    assert 114 in got and 115 not in got
    grave = "2019年3月1日，被告人在其租住的楼房内点燃被褥放火，造成邻居王某被烧死。"
    got = analyze_one(grave, charges=["放火"])["articles"]
    assert 115 in got and 114 not in got
    denied = "2019年3月1日，被告人点燃电线杆下的杂物，未造成严重后果。"
    assert 114 in analyze_one(denied, charges=["放火"])["articles"]


def test_acts_before_1997_law_cite_1979_article() -> None:
    # 刑法 第十二条: acts before 1997-10-01 are judged under the 1979 刑法, whose 故意伤害 article was 134
    # (1979 刑法 第一百三十四条 故意伤害他人身体的…); acts after it under 234
    old = "1995年5月7日，被告人在村口与被害人发生争执，持木棒将被害人打成重伤。"
    got = analyze_one(old, charges=["故意伤害"])["articles"]
    assert 134 in got and 234 not in got
    new = old.replace("1995年", "2015年")
    got = analyze_one(new, charges=["故意伤害"])["articles"]
    assert 234 in got and 134 not in got
