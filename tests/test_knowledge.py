"""Knowledge base: statutes, 法定刑 tiers, charge catalogue, legal lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.charges import (
    all_charges,
    articles_for,
    charges_for_article,
    find_charges,
    form_kind,
    is_official,
    normalize_charge,
)
from knowledge.statutes import (
    all_tier_articles,
    article_exists,
    article_label,
    get_article,
    is_repealed,
    known_law,
    normalize_law_name,
    penalty_tiers,
)
from knowledge.statutes.tiers import parse_penalty_phrase

DATA = Path(__file__).parent / "data"

# --------------------------------------------------------------------------- statutes


@pytest.mark.parametrize(
    "name,expected",
    [
        ("《中华人民共和国刑法》", "刑法"),
        ("刑法", "刑法"),
        ("《刑法》", "刑法"),
        ("《中华人民共和国刑事诉讼法》", "刑事诉讼法"),
        ("刑诉法", "刑事诉讼法"),
        ("《人民检察院刑事诉讼规则》", "人民检察院刑事诉讼规则"),
        ("《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》", "刑诉法解释"),
        ("《中华人民共和国治安管理处罚法》", "治安管理处罚法"),
        ("被告人张三", None),
    ],
)
def test_normalize_law_name(name: str, expected: str | None) -> None:
    assert normalize_law_name(name) == expected


def test_article_lookup() -> None:
    a = get_article("刑法", 264)
    assert a is not None and "盗窃公私财物" in a.text
    assert a.label == "第二百六十四条"
    dui = get_article("《中华人民共和国刑法》", 133, 1)
    assert dui is not None and "醉酒驾驶机动车" in dui.text
    assert len(dui.clauses) == 3 and len(dui.items[0]) == 4
    assert dui.items[0][1].startswith("（二）醉酒驾驶")
    assert article_exists("刑法", 133, 1)
    assert article_exists("刑法", 287, 2)
    assert article_exists("刑法", 452)
    assert not article_exists("刑法", 453)
    assert not article_exists("刑法", 287, 9)


def test_repealed_article() -> None:
    # 刑法.md: "第一百九十九条 （删去）"
    assert is_repealed("刑法", 199)
    assert get_article("刑法", 199) is None
    assert not article_exists("刑法", 199)
    assert article_exists("刑法", 198) and article_exists("刑法", 200)


def test_clause_and_item_existence() -> None:
    assert article_exists("刑法", 133, 1, clause=1, item=2)
    assert article_exists("刑法", 133, 1, clause=1, item=4)
    assert not article_exists("刑法", 133, 1, clause=1, item=5)
    assert not article_exists("刑法", 133, 1, clause=4)
    assert article_exists("刑法", 347, 0, clause=4)
    assert article_exists("刑法", 347, 0, clause=2, item=5)
    assert not article_exists("刑法", 347, 0, clause=8)
    assert article_exists("刑法", 264, item=None)
    assert article_exists("刑法", 263, item=8)  # 第二百六十三条第（八）项
    assert not article_exists("刑法", 263, item=9)
    assert article_exists("刑法", 67, 0, clause=3)  # 坦白


def test_procedure_laws() -> None:
    assert "提起公诉" in get_article("刑事诉讼法", 176).text
    assert article_exists("刑事诉讼法", 201) and article_exists("刑事诉讼法", 308)
    assert not article_exists("刑事诉讼法", 309)
    # source typo "第一百二十八 条侦查人员…" is parsed
    assert "勘验或者检查" in get_article("刑事诉讼法", 128).text
    assert article_exists("人民检察院刑事诉讼规则", 684)
    assert article_exists("刑诉法解释", 655) and article_exists("刑诉法解释", 124)


def test_unknown_law_cannot_be_refuted() -> None:
    assert not known_law("治安管理处罚法")
    assert article_exists("《中华人民共和国治安管理处罚法》", 999)
    assert known_law("《中华人民共和国刑法》")


@pytest.mark.parametrize(
    "art,sub,label",
    [(133, 1, "第一百三十三条之一"), (287, 2, "第二百八十七条之二"), (110, 0, "第一百一十条"),
     (10, 0, "第十条"), (452, 0, "第四百五十二条")],
)
def test_article_label(art: int, sub: int, label: str) -> None:
    assert article_label(art, sub) == label


# --------------------------------------------------------------------------- tiers


def test_tiers_264() -> None:
    t = penalty_tiers(264)
    assert [x.label[:4] for x in t] == ["数额较大", "数额巨大", "数额特别"]
    assert (t[0].min_months, t[0].max_months) == (1, 36)
    assert set(t[0].penalties) == {"有期徒刑", "拘役", "管制", "单处罚金"}
    assert t[0].fine == "mandatory"
    assert (t[1].min_months, t[1].max_months) == (36, 120)
    assert t[2].min_months == 120 and t[2].life and not t[2].death
    assert t[2].confiscation == "alternative"


def test_tiers_347_all_clauses() -> None:
    t = penalty_tiers(347)
    assert [x.clause for x in t] == [2, 3, 4, 4]
    assert (t[0].min_months, t[0].max_months, t[0].life, t[0].death) == (180, 180, True, True)
    assert t[0].confiscation == "mandatory"
    assert (t[1].min_months, t[1].max_months) == (84, 180)
    assert (t[2].min_months, t[2].max_months) == (1, 36) and "管制" in t[2].penalties
    assert (t[3].min_months, t[3].max_months) == (36, 84)


def test_tiers_dui_and_references() -> None:
    (t,) = penalty_tiers(133, 1)
    assert (t.min_months, t.max_months, t.penalties, t.fine) == (1, 6, ("拘役",), "mandatory")
    assert penalty_tiers(303)[1].clause == 2 and penalty_tiers(303)[2].min_months == 60
    assert penalty_tiers(382) == penalty_tiers(383) and penalty_tiers(386)[0].article == 383
    assert penalty_tiers(269) == penalty_tiers(263)
    assert penalty_tiers(275)[0].fine == "none" and "单处罚金" in penalty_tiers(275)[0].penalties
    assert penalty_tiers(1) == []


def test_every_tier_matches_statute_text() -> None:
    # consistency of the tier file with its own parser (which drafted it); the independent check
    # is test_tier_numbers_match_a_hand_reading_of_the_statute below
    arts = all_tier_articles()
    assert len(arts) >= 60 and (287, 2) in arts and (133, 1) in arts
    for art, sub in arts:
        for t in penalty_tiers(art, sub):
            a = get_article("刑法", t.article, t.sub)
            assert a is not None, (art, sub)
            text = a.clause_text(t.clause) if t.clause else a.text
            assert t.quote and t.quote in text, (art, sub, t.label)
            parsed = parse_penalty_phrase(t.quote)
            got = {k: getattr(t, k) for k in parsed}
            assert got == parsed, (art, sub, t.label)


def test_parse_penalty_phrase() -> None:
    p = parse_penalty_phrase("处十年以上有期徒刑、无期徒刑或者死刑，并处罚金或者没收财产")
    assert (p["min_months"], p["max_months"], p["life"], p["death"]) == (120, 180, True, True)
    p = parse_penalty_phrase("处五年以上十年以下有期徒刑，可以并处罚金")
    assert (p["min_months"], p["max_months"], p["fine"]) == (60, 120, "optional")


# --------------------------------------------------------------------------- charges


def test_catalogue_size_and_abolitions() -> None:
    names = all_charges()
    assert 470 <= len(names) <= 500
    for gone in ("投毒", "嫖宿幼女", "强制猥亵、侮辱妇女", "奸淫幼女", "窝藏、转移、收购、销售赃物",
                 "徇私舞弊低价折股、出售国有资产", "生产、销售假药"):
        assert gone not in names
    for new in ("投放危险物质", "强制猥亵、侮辱", "危险驾驶", "帮助信息网络犯罪活动", "袭警", "高空抛物",
                "徇私舞弊低价折股、出售公司、企业资产", "掩饰、隐瞒犯罪所得、犯罪所得收益"):
        assert new in names


@pytest.mark.parametrize(
    "written,official",
    [
        ("盗窃罪", "盗窃"),
        ("盗窃", "盗窃"),
        ("危险驾驶罪", "危险驾驶"),
        ("醉驾", "危险驾驶"),
        ("帮信罪", "帮助信息网络犯罪活动"),
        ("帮助信息网络犯罪活动罪", "帮助信息网络犯罪活动"),
        ("掩隐", "掩饰、隐瞒犯罪所得、犯罪所得收益"),
        ("掩饰、隐瞒犯罪所得罪", "掩饰、隐瞒犯罪所得、犯罪所得收益"),
        ("贩卖毒品罪", "走私、贩卖、运输、制造毒品"),
        ("运输毒品罪", "走私、贩卖、运输、制造毒品"),
        ("贩卖、运输毒品罪", "走私、贩卖、运输、制造毒品"),
        ("走私、贩卖、运输、制造毒品罪", "走私、贩卖、运输、制造毒品"),
        ("非法持有枪支罪", "非法持有、私藏枪支、弹药"),
        ("伪造国家机关印章罪", "伪造、变造、买卖国家机关公文、证件、印章"),
        ("虚开增值税专用发票罪", "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票"),
        ("投毒罪", "投放危险物质"),
        ("强制猥亵、侮辱妇女罪", "强制猥亵、侮辱"),
        ("窝藏罪", "窝藏、包庇"),
        ("开设赌场罪", "开设赌场"),
        ("寻衅滋事罪", "寻衅滋事"),
        ("组织他人偷越国境罪", "组织他人偷越国（边）境"),
        ("侮辱罪", "侮辱"),
        ("[生产、销售][有毒、有害]食品", "生产、销售有毒、有害食品"),
    ],
)
def test_normalize_charge(written: str, official: str) -> None:
    assert normalize_charge(written) == official


def test_is_official() -> None:
    for ok in ("盗窃罪", "贩卖毒品罪", "贩卖、运输毒品罪", "掩饰、隐瞒犯罪所得罪", "强制猥亵罪", "袭警罪",
               "组织、领导传销活动罪", "非法拘禁"):
        assert is_official(ok), ok
    for bad in ("醉驾", "帮信罪", "投毒罪", "嫖宿幼女罪", "强制猥亵、侮辱妇女罪", "窝藏包庇罪", "偷越国境罪x",
                "流氓罪", "[窝藏、包庇]", "被告人", ""):
        assert not is_official(bad), bad
    assert normalize_charge("嫖宿幼女罪") is None and normalize_charge("流氓罪") is None
    assert form_kind("投毒罪") == ("投放危险物质", "former")


def test_every_cail_charge_maps() -> None:
    labels = (DATA / "cail_charges.txt").read_text(encoding="utf-8").split()
    assert len(labels) == 47
    names = set(all_charges())
    for label in labels:
        assert normalize_charge(label) in names, label
    assert normalize_charge("[组织、强迫、引诱、容留、介绍]卖淫") == "引诱、容留、介绍卖淫"
    # the title of 刑法 第六章第九节 (制作、贩卖、传播淫秽物品罪), which CAIL gives beside 传播淫秽物品 on 364 cases:
    # the charge of 364① (罪名意见 314．传播淫秽物品罪（第364条第1款）), not 363's 牟利 charge
    assert normalize_charge("[制造、贩卖、传播]淫秽物品") == "传播淫秽物品"
    assert articles_for("[制造、贩卖、传播]淫秽物品") == [(364, 0)]


def test_articles_and_charges() -> None:
    assert articles_for("盗窃罪") == [(264, 0)]
    assert articles_for("贩卖毒品罪") == [(347, 0)]
    assert articles_for("危险驾驶") == [(133, 1)]
    assert articles_for("帮信") == [(287, 2)]
    assert articles_for("不存在的罪") == []
    assert charges_for_article(133, 1) == ["危险驾驶"]
    assert set(charges_for_article(303)) == {"赌博", "开设赌场", "组织参与国（境）外赌博"}
    assert "袭警" in charges_for_article(277) and "妨害公务" in charges_for_article(277)


def test_find_charges() -> None:
    text = ("被告人张三犯盗窃罪，判处有期徒刑一年；犯贩卖、运输毒品罪，判处有期徒刑八年。公诉机关以危险驾驶罪"
            "对被告人李四提起公诉。王五涉嫌帮信罪。本案系共同犯罪，被告人认罪认罚。")
    hits = find_charges(text)
    assert [(h[2], h[3]) for h in hits] == [
        ("盗窃", "盗窃罪"),
        ("走私、贩卖、运输、制造毒品", "贩卖、运输毒品罪"),
        ("危险驾驶", "危险驾驶罪"),
        ("帮助信息网络犯罪活动", "帮信罪"),
    ]
    s, e, _, w = hits[1]
    assert text[s:e] == w
    # longest match: 非法持有毒品, not 持有毒品; 掩饰…犯罪所得 through the inner 犯罪
    assert find_charges("犯非法持有毒品罪")[0][3] == "非法持有毒品罪"
    assert find_charges("构成掩饰、隐瞒犯罪所得罪")[0][3] == "掩饰、隐瞒犯罪所得罪"


def test_tokenizer_keeps_legal_terms() -> None:
    from knowledge.lexicon import cut, get_tokenizer

    assert get_tokenizer() is get_tokenizer()
    toks = cut("被告人认罪认罚，签署具结书，值班律师在场，贩卖甲基苯丙胺十克，被取保候审，犯危险驾驶罪")
    for w in ("认罪认罚", "具结书", "值班律师", "甲基苯丙胺", "取保候审", "危险驾驶罪"):
        assert w in toks, w



def test_sharded_tokenizer_segments_as_the_full_dictionary(tmp_path, monkeypatch) -> None:
    """The query-time tokenizer reads only the dictionary entries of the text's first characters;
    its segmentation must be the full dictionary's (the similar-case index was built with it)."""
    import json

    import jieba

    from knowledge.lexicon import DICT_FILE, ShardedTokenizer, get_tokenizer
    from knowledge.lexicon.shards import open_shards

    monkeypatch.setenv("JIANCHA_DATA_DIR", str(tmp_path))
    full = get_tokenizer()
    shards = open_shards(Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME, DICT_FILE, get_tokenizer)
    assert shards is not None and list((tmp_path / "cache" / "jieba").glob("*.shards"))
    sharded = ShardedTokenizer(shards)
    first = "被告人王某于2020年3月盗窃手机一部，价值人民币3000元。"
    assert sharded.lcut(first, HMM=False) == full.lcut(first, HMM=False)
    assert 0 < len(sharded.FREQ) < len(full.FREQ) // 10  # only what this text's characters need
    data = Path(__file__).parent / "data"
    texts = [json.loads(line)["fact"] for line in (data / "similar_cases.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((data / "documents").glob("*.txt"))]
    assert len(texts) > 20
    for t in texts:
        assert sharded.lcut(t, HMM=False) == full.lcut(t, HMM=False)
        assert sharded.lcut(t) == full.lcut(t)  # the HMM path reads the same entries


# --------------------------------------------------------------------------- tiers by hand

_KIND = {"有": "有期徒刑", "拘": "拘役", "管": "管制", "无": "无期徒刑", "死": "死刑", "单": "单处罚金", "剥": "剥夺政治权利"}
_FINE = {"n": "none", "o": "optional", "m": "mandatory"}


def _hand_tiers() -> dict:
    return yaml.safe_load((Path(__file__).parent / "data" / "tiers_by_hand.yaml").read_text(encoding="utf-8"))


def _art_key(k: str) -> tuple[int, int]:
    a, _, s = k.partition("之")
    return int(a), int(s or 0)


def test_tier_numbers_match_a_hand_reading_of_the_statute() -> None:
    """Numbers written by hand from the 刑法 text (tests/data/tiers_by_hand.yaml), not from
    parse_penalty_phrase, for at least 60 articles across the catalogue."""
    hand = _hand_tiers()
    same = hand.pop("same_as")
    assert len(hand) >= 60
    for key, lines in hand.items():
        tiers = penalty_tiers(*_art_key(key))
        assert len(tiers) == len(lines), key
        for t, line in zip(tiers, lines, strict=True):
            rng, kinds, fine = line.split()
            lo, hi = (int(x) for x in rng.split("-"))
            want = (lo, hi, {_KIND[c] for c in kinds}, "无" in kinds, "死" in kinds, _FINE[fine])
            got = (t.min_months, t.max_months, set(t.penalties), t.life, t.death, t.fine)
            assert got == want, (key, t.label, t.quote)
    for key, target in same.items():
        assert penalty_tiers(*_art_key(key)) == penalty_tiers(*_art_key(target)), key


def test_tier_quotes_are_verbatim_penalty_phrases_of_their_clause() -> None:
    for art, sub in all_tier_articles():
        for t in penalty_tiers(art, sub):
            a = get_article("刑法", t.article, t.sub)
            text = a.clause_text(t.clause) if t.clause else a.text
            assert t.quote.startswith("处") and t.quote in text, (art, sub, t.label)


# articles of the special part with no penalty of their own, read from the statute by hand: rules on
# 从重 / 数罪 / 共犯 (106, 113, 149, 155, 156, 212, 287, 356, 449), definitions (357, 367, 420, 450,
# 451), and the 单位犯罪 articles that refer to the penalties of other articles (150, 200, 211, 220,
# 231, 346, 366)
NO_OWN_PENALTY = {106, 113, 149, 150, 155, 156, 200, 211, 212, 220, 231, 287, 346, 356, 357, 366, 367, 420,
                  449, 450, 451}


def test_every_special_part_article_has_tiers() -> None:
    from knowledge.statutes import all_articles

    missing = [(a, s) for a, s in all_articles("刑法") if 102 <= a <= 451 and not penalty_tiers(a, s)]
    assert {a for a, _ in missing} == NO_OWN_PENALTY and all(s == 0 for _, s in missing)
    # spot checks against the statute's words, by hand
    assert [(t.min_months, t.max_months) for t in penalty_tiers(234)][:1] == [(1, 36)]  # 故意伤害: 三年以下
    t = penalty_tiers(293)  # 寻衅滋事: 五年以下 …; 纠集他人多次 … 五年以上十年以下
    assert (t[0].max_months, t[-1].min_months, t[-1].max_months) == (60, 60, 120)
    assert penalty_tiers(265) == penalty_tiers(264)  # 依照本法第二百六十四条的规定定罪处罚
    t = penalty_tiers(245)  # 非法搜查、非法侵入住宅: 三年以下有期徒刑或者拘役
    assert (t[0].min_months, t[0].max_months, set(t[0].penalties)) == (1, 36, {"有期徒刑", "拘役"})
