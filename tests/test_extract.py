"""Element extraction on real judgment snippets (tests/data/extract/ holds three full judgments)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from models.extract.amounts import extract_amounts
from models.extract.assemble import extract
from models.extract.charges import extract_charges
from models.extract.circumstances import extract_circumstances
from models.extract.citations import crime_articles, extract_citations
from models.extract.dates import extract_dates
from models.extract.people import defendant_names_fallback, extract_defendants, name_mentions
from models.extract.quantities import extract_quantities
from models.types import Document

DATA = Path(__file__).parent / "data" / "extract"
D = dt.date


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _doc(name: str) -> Document:
    from models.documents import parse_text

    return parse_text(_text(name), name, "judgment")


def _circ(text: str, names: list[str] | None = None) -> dict[str, bool]:
    return {c.name: c.negated for c, _ in extract_circumstances(text, 0, names)}


# --------------------------------------------------------------------------- people


PARTIES_LI = (
    "公诉机关吉林省辉南县人民检察院。 被告人李正旺，男，1977年1月26日出生，吉林省辉南县人，汉族，中专文化，"
    "个体，住吉林省辉南县。曾因犯容留他人吸毒罪，于2009年10月22日被判处有期徒刑六个月，缓刑一年；因犯故意伤害罪，"
    "于2013年12月27日被判处拘役三个月；因犯开设赌场罪，于2016年3月22日被判处有期徒刑一年，缓刑二年，并处罚金人民币"
    "二万元。因涉嫌故意伤害罪，于2017年5月27日被辉南县公安局刑事拘留，于2017年5月29日被辉南县公安局指定居所监视居住，"
    "于2017年6月19日被辉南县公安局刑事拘留；因涉嫌寻衅滋事罪，经辉南县人民检察院批准，于2017年7月4日被辉南县公安局"
    "执行逮捕，现羁押于辉南县看守所。 辩护人范世来，辉南县法律援助中心律师。 被告人吴广宇（曾用名吴松），男，"
    "1978年10月9日出生，吉林省辉南县人，满族，初中文化，无业，住吉林省辉南县。曾因吸食毒品，于2008年被辉南县公安局"
    "行政处罚。因涉嫌寻衅滋事罪，于2017年8月3日被辉南县公安局刑事拘留，经辉南县人民检察院批准，于2017年8月29日被"
    "辉南县公安局执行逮捕，现羁押于辉南县看守所。"
)


def test_defendants_two_with_measures_and_record() -> None:
    ds = extract_defendants(PARTIES_LI, 100)
    assert [d.name for d in ds] == ["李正旺", "吴广宇"]
    li, wu = ds
    assert PARTIES_LI[li.start - 100 : li.end - 100] == "李正旺"
    assert (li.sex, li.birth_date, li.ethnicity) == ("男", D(1977, 1, 26), "汉族")
    assert (wu.sex, wu.birth_date, wu.ethnicity) == ("男", D(1978, 10, 9), "满族")
    assert [(m.role, m.date) for m in li.measures] == [
        ("detention", D(2017, 5, 27)),
        ("residence", D(2017, 5, 29)),
        ("detention", D(2017, 6, 19)),
        ("arrest", D(2017, 7, 4)),
    ]
    assert len(li.record) == 3 and li.record[0].startswith("曾因犯容留他人吸毒罪")
    assert [m.role for m in wu.measures] == ["detention", "arrest"]
    assert wu.record and "行政处罚" in wu.record[0]


def test_defendant_masked_name_same_year_next_day() -> None:
    t = (
        "被告人王加学，男，1950年8月6日出生于云南省临沧市，汉族，文盲，农民。因涉嫌犯运输毒品罪，2017年9月15日被捉获，"
        "次日被重庆市公安局大渡口区分局刑事拘留，同年10月21日被逮捕。"
    )
    (d,) = extract_defendants(t)
    assert d.birth_date == D(1950, 8, 6)
    assert [(m.role, m.date) for m in d.measures] == [("detention", D(2017, 9, 16)), ("arrest", D(2017, 10, 21))]
    (z,) = extract_defendants("被告人张3，女，1975年4月16日出生，汉族，户籍地上海市奉贤区，暂住地上海市奉贤区。")
    assert (z.name, z.sex, z.birth_date) == ("张3", "女", D(1975, 4, 16))
    (x,) = extract_defendants("被告人李×1，男，1990年1月2日出生，身份证号码31011019900102123X，汉族。")
    assert (x.name, x.id_number) == ("李×1", "31011019900102123X")


def test_defendant_variants() -> None:
    (a,) = extract_defendants("被告人自报安旭，男，1993年2月12日出生，土家族，户籍地贵州省。")
    assert (a.name, a.ethnicity) == ("安旭", "土家族")
    (b,) = extract_defendants("上诉人（原审被告人）董波，男，1984年9月2日出生，汉族，专科文化。")
    assert b.name == "董波"
    (c,) = extract_defendants("被告人努尔买买提·库尔班，男，1974年11月28日出生，维吾尔族，户籍所在地新疆。")
    assert (c.name, c.birth_date) == ("努尔买买提·库尔班", D(1974, 11, 28))
    (e,) = extract_defendants("被告人张天树，男，生于1958年3月15日，汉族，四川省旺苍县人。")
    assert e.birth_date == D(1958, 3, 15)
    (f,) = extract_defendants(
        "被告人自报韩雪强，男，1990年10月9日（户籍登记为1989年11月29日）出生于安徽省阜南县，汉族。"
    )
    assert f.birth_date == D(1990, 10, 9)
    (g,) = extract_defendants("被告人王某某，男，1980年1月1日出生。因本案于2015年2月4日被取保候审。")
    assert [m.role for m in g.measures] == ["bail"]


def test_name_mentions_masked() -> None:
    t = "被告人张3与张31、王某某共同作案，王某望风。"
    got = name_mentions(t, ["张3", "王某"], 5)
    assert [(s - 5, n) for s, _, n in got] == [(3, "张3"), (t.index("王某望"), "王某")]
    assert defendant_names_fallback("被告人李正旺、吴广宇犯寻衅滋事罪，于2017年9月29日") == ["李正旺", "吴广宇"]


# --------------------------------------------------------------------------- dates


def test_dates_roles_and_relative_forms() -> None:
    t = (
        "上海市奉贤区人民检察院以沪奉检诉刑诉［2017］700号指控被告人张3犯诈骗罪，于2017年6月15日向本院提起公诉。"
        "本院依法适用简易程序，实行独任审判，于2017年6月28日公开开庭审理了本案。"
    )
    ds = extract_dates(t, 50)
    assert [(d.role, d.date) for d in ds] == [("prosecution", D(2017, 6, 15)), ("trial", D(2017, 6, 28))]
    assert t[ds[0].start - 50 : ds[0].end - 50] == "2017年6月15日"
    facts = "公诉机关指控：2017年4月28日15时许，被告人张3为偿还债务伪造其妹妹“张2”的身份证"
    (o,) = extract_dates(facts, first_role="offence")
    assert (o.role, o.text, o.date) == ("offence", "2017年4月28日15时许", D(2017, 4, 28))
    (j,) = extract_dates("审判员李晓杰 二〇一七年六月二十八日 书记员唐婷", default_role="judgment")
    assert (j.role, j.date) == ("judgment", D(2017, 6, 28))
    term = "即自2017年4月28日起至2017年11月27日止。"
    assert [d.role for d in extract_dates(term)] == ["term_start", "term_end"]
    tr = "以被告人张3涉嫌诈骗罪，于2017年5月20日移送本院审查起诉。"
    assert extract_dates(tr)[0].role == "transfer"
    # 同年/次日 without an earlier date are not guessed
    assert extract_dates("同年5月3日被逮捕，次日") == []
    # 行政拘留 is not a criminal detention
    assert extract_dates("2017年3月2日被行政拘留十日")[0].role == "other"


# --------------------------------------------------------------------------- charges


def test_charges_per_defendant() -> None:
    v = "二、被告人李正旺犯寻衅滋事罪，判处有期徒刑一年。 三、被告人吴广宇犯寻衅滋事罪，判处有期徒刑六个月。"
    cs = extract_charges(v, 0, ["李正旺", "吴广宇"])
    assert [(c.official, c.defendants) for c in cs] == [("寻衅滋事", ["李正旺"]), ("寻衅滋事", ["吴广宇"])]
    assert v[cs[0].start : cs[0].end] == "寻衅滋事罪"
    r = "被告人李正旺、吴广宇借故生非，肆意殴打他人，其行为触犯了《中华人民共和国刑法》第二百九十三条之规定，应当以寻衅滋事罪追究其刑事责任。"
    (c,) = extract_charges(r, 0, ["李正旺", "吴广宇"])
    assert c.official == "寻衅滋事" and c.defendants == ["李正旺", "吴广宇"]


def test_charges_compound_names_and_exclusions() -> None:
    (c,) = extract_charges("被告人王某犯掩饰、隐瞒犯罪所得罪，判处拘役三个月。", 0, ["王某"])
    assert c.written == "掩饰、隐瞒犯罪所得罪"
    two = extract_charges("被告人牟某犯非法持有毒品罪、容留他人吸毒罪，", 0, ["牟某"])
    assert [c.written for c in two] == ["非法持有毒品罪", "容留他人吸毒罪"]
    # prior record, defence claim, negation, 新罪
    assert extract_charges("曾因犯容留他人吸毒罪，于2009年10月22日被判处有期徒刑六个月") == []
    assert extract_charges("辩护人认为李正旺应构成故意伤害罪的辩护意见不予采纳。") == []
    assert extract_charges("李正旺在缓刑考验期内犯新罪，应当撤销缓刑。") == []
    assert extract_charges("其行为不构成诈骗罪。") == []


def test_unofficial_charge_marked() -> None:
    (c,) = extract_charges("被告人张3犯偷窃罪，判处拘役三个月。", 0, ["张3"])
    assert (c.written, c.official, c.normalized) == ("偷窃罪", None, "盗窃")
    (c,) = extract_charges("被告人张3犯盗窃罪，判处拘役三个月。", 0, ["张3"])
    assert (c.official, c.normalized) == ("盗窃", "盗窃")
    (c,) = extract_charges("被告人张3犯掩饰、隐瞒犯罪所得罪", 0, ["张3"])
    assert c.official == "掩饰、隐瞒犯罪所得、犯罪所得收益"
    (c,) = extract_charges("应当以偷窃罪追究其刑事责任", 0, ["张3"])
    assert (c.official, c.normalized, c.defendants) == (None, "盗窃", ["张3"])


# --------------------------------------------------------------------------- citations


def test_citations_law_carries_over_and_clauses() -> None:
    t = "依照《中华人民共和国刑法》第二百六十六条、第二十三条、第六十七条第三款之规定，判决如下："
    cs = extract_citations(t, 10)
    assert [(c.law, c.article, c.clause) for c in cs] == [("刑法", 266, None), ("刑法", 23, None), ("刑法", 67, 3)]
    assert t[cs[2].start - 10 : cs[2].end - 10] == "第六十七条第三款"
    (d,) = extract_citations("违反《中华人民共和国刑法》第一百三十三条之一第一款第（二）项的规定")
    assert (d.article, d.sub, d.clause, d.item, d.key) == (133, 1, 1, 2, "刑法第133条之1")
    cs = extract_citations("依照《中华人民共和国刑法》第七十二条第一款、第七十三条第二、三款，第264条")
    assert [(c.article, c.clause) for c in cs] == [(72, 1), (73, 2), (73, 3), (264, None)]
    cs = extract_citations("依照《中华人民共和国刑法》第三百四十七条第二款第（一）项、第六十七条第三款、第五十六条第一款")
    assert [(c.article, c.clause, c.item) for c in cs] == [(347, 2, 1), (67, 3, None), (56, 1, None)]


def test_citations_other_laws() -> None:
    cs = extract_citations("根据《中华人民共和国刑事诉讼法》第一百七十六条的规定，提起公诉。")
    assert [(c.law, c.article) for c in cs] == [("刑事诉讼法", 176)]
    cs = extract_citations(
        "《中华人民共和国刑法》第二百六十四条，《最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释》第一条"
    )
    assert cs[0].law == "刑法" and cs[1].law != "刑法" and "盗窃" in cs[1].law and cs[1].article == 1
    # the law does not carry past the end of the sentence
    assert extract_citations("依照《中华人民共和国刑法》第六十四条之规定。第三条 本法") [-1].article == 64
    assert crime_articles(extract_citations("《刑法》第六十七条、第六十七条第三款、第二百六十四条")) == [67, 264]


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "yuan", "approx", "words"),
    [
        ("欲骗取被害人的现金人民币10万元，", 100000, False, False),
        ("价值人民币3.5万元", 35000, False, False),
        ("共计人民币12000余元", 12000, True, False),
        ("赔偿王某损失共计2000元", 2000, False, False),
        ("并处罚金人民币叁万元", 30000, False, True),
        ("骗得三万五千元", 35000, False, True),
        ("盗窃1,200元", 1200, False, False),
        ("合计人民币103万余元的货款", 1030000, True, False),
        ("骗取十余万元", 100000, True, True),
        ("价值5000多元", 5000, True, False),
    ],
)
def test_amounts(text: str, yuan: float, approx: bool, words: bool) -> None:
    (a,) = extract_amounts(text, 7)
    assert (a.yuan, a.approx, a.written_in_words) == (yuan, approx, words)
    assert text[a.start - 7 : a.end - 7] == a.text


def test_amounts_both_forms_and_non_amounts() -> None:
    a, b = extract_amounts("并处罚金人民币壹万贰仟元（12000元）")
    assert (a.yuan, a.written_in_words, b.yuan, b.written_in_words) == (12000, True, 12000, False)
    t = "2017年4月28日，身份证号码310110199001021234，电话13812345678，2017年元月，美元100元旦"
    assert extract_amounts(t) == []


# --------------------------------------------------------------------------- quantities


def test_quantities_drugs() -> None:
    qs = extract_quantities("后被告人王加学先后从体内排出海洛因51包，净重149.9克。")
    assert [(q.kind, q.substance, q.value) for q in qs] == [("drug", "海洛因", 149.9)]
    (q,) = extract_quantities("查获甲基苯丙胺12.5克")
    assert (q.substance, q.value, q.unit) == ("甲基苯丙胺", 12.5, "g")
    (q,) = extract_quantities("扣押毒品疑似物一包，经称量重0.35克")
    assert (q.substance, q.value) == ("毒品", 0.35)
    assert extract_quantities("海洛因毛重2.5克") == []
    (p,) = extract_quantities("检出甲基苯丙胺含量为65.3%")
    assert (p.kind, p.value) == ("drug_purity", 65.3)


def test_quantities_bac_excludes_threshold() -> None:
    t = "从李军血液中检测出乙醇，其含量为94mg／100ml，超过80mg／100ml国家醉酒驾驶机动车标准，属醉酒驾驶。"
    assert [(q.kind, q.value) for q in extract_quantities(t)] == [("bac", 94.0)]
    (q,) = extract_quantities("血液中乙醇含量为182.5毫克/100毫升")
    assert q.value == 182.5


def test_quantities_injury_disability_death() -> None:
    t = "张某所受损伤为轻伤二级，李某2所受损伤为轻微伤，构成十级伤残，事故致一人死亡。"
    got = [(q.kind, q.grade, q.value) for q in extract_quantities(t)]
    assert got == [("injury", "轻伤二级", None), ("injury", "轻微伤", None), ("disability", "十级", None),
                   ("death", "", 1.0)]
    assert extract_quantities("致人重伤的，处三年以上十年以下有期徒刑；造成轻伤以上后果的") == []
    assert [q.kind for q in extract_quantities("经医院抢救无效死亡。")] == ["death"]


# --------------------------------------------------------------------------- circumstances


def test_circumstances_positive() -> None:
    t = (
        "被告人张3已着手实施犯罪，但因意志以外的因素而未得逞，系犯罪未遂。被告人张3到案后能如实供述自己的罪行，"
        "依法可以从轻处罚。被告人自愿认罪认罚，签署了认罪认罚具结书。被告人系累犯，应当从重处罚。"
        "案发后退赔了被害人全部经济损失，取得被害人谅解。被告人当庭自愿认罪。"
    )
    got = _circ(t, ["张3"])
    for name in ("未遂", "坦白", "认罪认罚", "累犯", "退赃退赔", "谅解", "当庭认罪"):
        assert got.get(name) is False, name


def test_circumstances_negated() -> None:
    assert _circ("被告人王某1虽不具有自首情节，但如实供述自己的犯罪事实，可以从轻处罚")["自首"] is True
    assert _circ("被告人王某1虽不具有自首情节，但如实供述自己的犯罪事实，可以从轻处罚")["坦白"] is False
    assert _circ("辩护人提出被告人有自首情节的意见，与查明的事实不符，本院不予采纳。")["自首"] is True
    assert _circ("被告人未能取得被害人谅解。")["谅解"] is True
    assert _circ("被告人孙某为初犯，无前科，可酌情从轻处罚。")["前科"] is True
    assert _circ("控辩双方关于被告人系犯罪未遂、到案后能如实供述的意见，本院予以采纳。")["坦白"] is False
    assert _circ("被告人犯罪时已满十六周岁不满十八周岁，依法应当从轻处罚。")["未成年"] is False


def test_circumstances_skip_titles_and_evidence() -> None:
    t = "依照《最高人民法院关于处理自首和立功具体应用法律若干问题的解释》第一条。有前科劣迹证明、赔偿协议书等证据证实。"
    assert _circ(t) == {}


def test_circumstances_attribution() -> None:
    t = "李正旺主动投案，如实供述犯罪事实，构成自首。吴广宇到案后如实供述犯罪事实，构成坦白。二被告人均取得谅解。"
    res = extract_circumstances(t, 0, ["李正旺", "吴广宇"])
    by = {(c.name, tuple(w)) for c, w in res}
    assert ("自首", ("李正旺",)) in by
    assert ("坦白", ("吴广宇",)) in by
    assert ("谅解", ("李正旺", "吴广宇")) in by


# --------------------------------------------------------------------------- assemble


def test_assemble_single_defendant_judgment() -> None:
    doc = _doc("judgment_fraud_684.txt")
    el = extract(doc)
    assert el.case_number == "（2017）沪0120刑初684号"
    assert el.court == "上海市奉贤区人民法院"
    assert el.procuratorate == "上海市奉贤区人民检察院"
    assert el.indictment_ref == "沪奉检诉刑诉［2017］700号"
    assert el.procedure == "简易程序"
    assert el.charges == ["诈骗"]
    (d,) = el.defendants
    assert d.name == "张3" and d.charges == ["诈骗"] and d.birth_date == D(1975, 4, 16)
    assert [(c.law, c.article) for c in el.citations] == [("刑法", 266), ("刑法", 23), ("刑法", 67)]
    assert any(a.yuan == 100000 for a in el.amounts)
    roles = {d.role: d.date for d in el.dates}
    assert roles["offence"] == D(2017, 4, 28)
    assert roles["prosecution"] == D(2017, 6, 15)
    assert roles["trial"] == D(2017, 6, 28)
    assert roles["judgment"] == D(2017, 6, 28)
    names = {c.name for c in d.circumstances if not c.negated}
    assert {"未遂", "坦白"} <= names
    if d.judged is not None:  # sentence.py present
        assert d.judged.term_months == 7 and d.judged.fine_yuan == 30000


def test_assemble_two_defendants() -> None:
    el = extract(_doc("judgment_xunxin_178.txt"))
    assert [d.name for d in el.defendants] == ["李正旺", "吴广宇"]
    li, wu = el.defendants
    assert li.charges == ["寻衅滋事"] and wu.charges == ["寻衅滋事"]
    assert "故意伤害" not in el.charges  # only the defence argued it
    li_c = {c.name for c in li.circumstances if not c.negated}
    wu_c = {c.name for c in wu.circumstances if not c.negated}
    assert "自首" in li_c and "自首" not in wu_c
    assert "坦白" in wu_c
    assert {q.grade for q in el.quantities if q.kind == "injury"} == {"轻伤二级", "轻微伤"}
    assert crime_articles(el.citations) == [293, 25, 67, 77, 69]


def test_assemble_drugs() -> None:
    doc = _doc("judgment_drugs_28.txt")
    el = extract(doc)
    assert [(q.substance, q.value) for q in el.quantities if q.kind == "drug"] == [("海洛因", 149.9)]
    (d,) = el.defendants
    assert [(m.role, m.date) for m in d.measures] == [("detention", D(2017, 9, 16)), ("arrest", D(2017, 10, 21))]
    assert "坦白" in {c.name for c in d.circumstances}


def test_assemble_without_sections() -> None:
    text = _text("judgment_fraud_684.txt")
    el = extract(Document(kind="other", text=text))
    assert [d.name for d in el.defendants] == ["张3"]
    # the appendix (quoted law text) is not cited
    assert crime_articles(el.citations) == [266, 23, 67]


# --------------------------------------------------------------------------- precision fixes (dev eval)


def test_bare_defendant_entry_in_parties() -> None:
    # a 量刑建议书 / judgment naming the defendant without particulars
    assert [d.name for d in extract_defendants("被告人刘某某。", 0, bare=True)] == ["刘某某"]
    parties = "公诉机关上海市青浦区人民检察院。 被告人郑某某。 辩护人杨斌，上海昌申律师事务所律师。 "
    assert [d.name for d in extract_defendants(parties, 0, bare=True)] == ["郑某某"]
    assert extract_defendants(parties, 0) == []  # outside a parties section: particulars needed
    assert defendant_names_fallback("被告人郑某某犯容留他人吸毒罪。被告人郑某某的犯罪事实清楚") == ["郑某某"]


def test_circumstance_inside_a_stronger_one() -> None:
    # 如实供述 is part of 自首; "曾因故意犯罪被判处…" is part of 累犯
    assert _circ("被告人鲁某犯罪以后自动投案，如实供述自己的罪行，系自首，根据《中华人民共和国刑法》"
                 "第六十七条第一款的规定，可以从轻或者减轻处罚。") == {"自首": False}
    assert _circ("被告人刘庆俊曾因故意犯罪被判处有期徒刑以上刑罚，刑罚执行完毕以后在五年以内再犯应当判处"
                 "有期徒刑以上刑罚之罪，系累犯，根据《中华人民共和国刑法》第六十五条第一款的规定，应当从重处罚。") == {"累犯": False}
    # a negated 自首 does not absorb the 坦白
    assert _circ("被告人不构成自首，但到案后如实供述自己的罪行，系坦白。") == {"自首": True, "坦白": False}
    # a partial attempt in the facts is not the 未遂 circumstance
    assert "未遂" not in _circ("被告人张李平先后5次采用秘密手段盗窃他人财物，其中2次盗窃未遂，窃得财物共计价值人民币3980余元。")


def test_circumstances_in_recommendation_list() -> None:
    text = ("因其具有以下量刑情节：\n1.法定从重处罚情节：无；\n2.法定从轻、减轻或者免除处罚情节：犯罪未遂；\n"
            "3.酌定从重处罚情节：有前科；\n4.酌定从轻处罚情节：取得被害人谅解；\n5.其他：认罪认罚（已签署认罪认罚具结书）。")
    assert _circ(text, ["张某"]) == {"未遂": False, "前科": False, "谅解": False, "认罪认罚": False}


def test_unknown_charge_name_in_charge_context() -> None:
    (c,) = extract_charges("本案由福州市仓山区公安局侦查终结，以被告人孙大志涉嫌毒品贩卖罪，于2017年移送审查起诉。", 0, ["孙大志"])
    assert (c.written, c.official, c.normalized, c.defendants) == ("毒品贩卖罪", None, None, ["孙大志"])
    (c,) = extract_charges("犯罪事实清楚，证据确实、充分，应当以强奸妇女罪追究其刑事责任。", 0, ["林家辉"])
    assert (c.written, c.official) == ("强奸妇女罪", None)
    # "以…罪" without prosecution / sentencing after it is not a charge context
    assert extract_charges("被告人以非法占有为目的骗取罪证", 0, ["张某"]) == []
    # official names containing 的 are known forms
    (c,) = extract_charges("被告人王某犯销售假冒注册商标的商品罪，判处有期徒刑一年。", 0, ["王某"])
    assert c.official == "销售假冒注册商标的商品"


def test_former_charge_name_official_before_its_replacement() -> None:
    text = "被告人张某犯伪造居民身份证罪，判处有期徒刑一年。"
    (c,) = extract_charges(text, 0, ["张某"], day=D(2014, 6, 3))
    assert c.official == "伪造、变造、买卖身份证件"
    (c,) = extract_charges(text, 0, ["张某"], day=D(2016, 6, 3))
    assert c.official is None and c.normalized == "伪造、变造、买卖身份证件"
    (c,) = extract_charges("被告人张某犯组织他人偷越国境罪，判处有期徒刑二年。", 0, ["张某"], day=D(2018, 1, 1))
    assert c.official == "组织他人偷越国（边）境"
    (c,) = extract_charges("被告人张某犯贩卖毒品罪，判处有期徒刑一年。", 0, ["张某"])
    assert c.official == "走私、贩卖、运输、制造毒品"


def test_document_date_and_unknown_charge_guess() -> None:
    from models.documents import parse_text

    text = ("长沙市开福区人民检察院\n量刑建议书\n长开检公诉量建［2019］900号\n被告人刘志乔，男，1977年9月11日出生。\n"
            "被告人刘志乔危险驾驶一案，经本院审查认为，被告人刘志乔的行为已触犯《中华人民共和国刑法》第一百三十三条之一"
            "第一款第（二）项，犯罪事实清楚，证据确实、充分，应当以危险驾车罪追究刑事责任，其法定刑为拘役，并处罚金。\n"
            "故根据《中华人民共和国刑事诉讼法》第一百七十六条规定，建议判处被告人刘志乔拘役二个月，缓刑四个月，并处罚金人民币4000元。\n"
            "此致\n湖南省长沙市开福区人民法院\n检察员：王某\n2019年11月16日\n")
    el = extract(parse_text(text, "r.txt", "recommendation"))
    assert el.date == D(2019, 11, 16)
    (c,) = el.charge_mentions
    assert (c.written, c.official, c.normalized) == ("危险驾车罪", None, "危险驾驶")
    assert el.defendants[0].charges == ["危险驾驶"]


def test_drug_weight_with_substance_after() -> None:
    from models.extract.quantities import extract_drugs

    def got(t: str) -> list[tuple[float | None, str]]:
        return [(q.value, q.substance) for q in extract_drugs(t)]

    assert got("经鉴定，上述白色晶体净重40.69克，从中检出甲基苯丙胺成分。") == [(40.69, "甲基苯丙胺")]
    assert got("在某某招待所房间内，将130.82克甲基苯丙胺（冰毒）贩卖给方某") == [(130.82, "甲基苯丙胺")]
    assert got("被告人王太典以人民币1200元的价格向被告人颜东斌购买30.58克的甲基苯丙胺") == [(30.58, "甲基苯丙胺")]
    assert got("查获其用透明塑料袋包装的棕色粉末五十包，共计净重75.17克，经鉴定从中均检出海洛因成分") == [(75.17, "海洛因")]
    assert got("扣押手机一部重200克。") == []


def test_measures_dated_before_the_current_case_marker() -> None:
    entry = ("被告人何继平，男，1962年2月5日出生，汉族，高中文化，农民，住怀安县。2016年9月5日因涉嫌犯故意伤害罪被怀安县"
             "公安局刑事拘留，2016年8月21日经怀安县人民检察院批准由怀安县公安局执行逮捕。现羁押于怀安县看守所。")
    (d,) = extract_defendants(entry)
    assert [(m.role, m.date) for m in d.measures] == [("detention", D(2016, 9, 5)), ("arrest", D(2016, 8, 21))]
    # the entry goes on after a sentence that repeats the defendant's name
    entry = ("被告人陈永龙，男，1991年11月2日出生，汉族，初中文化，无业。被告人陈永龙曾因吸毒，于2013年12月31日被行政拘留五日。"
             "被告人陈永龙因涉嫌犯贩卖毒品罪于2016年10月21日被刑事拘留，2016年10月12日被逮捕。现羁押于看守所。")
    (d,) = extract_defendants(entry)
    assert [(m.role, m.date) for m in d.measures] == [("detention", D(2016, 10, 21)), ("arrest", D(2016, 10, 12))]


def test_plea_definition_is_not_a_confession() -> None:
    # 刑诉法 15's definition of 认罪认罚 contains 如实供述; it is not a separate 坦白
    assert _circ("被告人万兴喜自愿如实供述自己的罪行，承认指控的犯罪事实，愿意接受处罚，已签署认罪认罚具结书，"
                 "根据《中华人民共和国刑事诉讼法》第十五条的规定，可以从宽处理。") == {"认罪认罚": False}
    assert _circ("被告人到案后如实供述自己的罪行，自愿认罪认罚，依法可以从轻处罚。") == {"坦白": False, "认罪认罚": False}
    assert _circ("2019年8月15日，被告人万兴喜主动向公安机关投案，如实供述上述诬告陷害的犯罪事实。") == {"自首": False}
