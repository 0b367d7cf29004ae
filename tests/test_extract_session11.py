"""Extraction defects found on real judgments (session 11): blood alcohol spellings, per-victim injury
grades and deaths, 自首 / negation / rejected defence claims, victims' birth dates, 取保候审 / 监视居住
in the parties section, administrative punishments that are not 前科. Snippets are from the real
judgments (names as masked there)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.extract.circumstances import extract_circumstances
from models.extract.dates import extract_dates
from models.extract.people import extract_defendants
from models.extract.quantities import extract_quantities, injuries_by_person, most_serious_injury

D = dt.date


def _bac(text: str) -> list[float]:
    return [q.value for q in extract_quantities(text) if q.kind == "bac"]


def _circ(text: str, names: list[str] | None = None) -> list[tuple[str, bool]]:
    return [(c.name, c.negated) for c, _ in extract_circumstances(text, 0, names)]


# --------------------------------------------------------------------------- 1. blood alcohol


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("经鉴定，被告人血液中乙醇含量为182.5mg/lOOml。", 182.5),
        ("经检验，其血液中乙醇成分含量为269.77毫克／l00毫升，属醉酒驾驶。", 269.77),
        ("乙醇含量为156.3mg/1OOml，属醉酒驾驶。", 156.3),
        ("经检验张某甲血液酒精含量为95．64毫克／100毫升。", 95.64),  # full-width dot
        ("血液中酒精含量为199．4mg／100ml。", 199.4),
        ("经检验，其血液乙醇浓度为197.0±9.5毫克／100毫升，系醉酒驾驶。", 197.0),  # value ± uncertainty
        ("血液中检出乙醇，含量为每百毫升95毫克。", 95.0),
        ("经鉴定，其血液中乙醇浓度为1.16mg／mL。", 116.0),  # per millilitre
        ("乙醇含量为2.47毫克／毫升，达到醉酒程度。", 247.0),
        ("乙醇含量为179毫克／100毫升（醉酒标准为≥80毫克／100毫升）。", 179.0),
    ],
)
def test_bac_spellings(text: str, value: float) -> None:
    assert _bac(text) == [value]


def test_bac_thresholds_not_taken() -> None:
    t = "李仕佳血液中的酒精含量为137.6mg／100ml，超过80mg／100ml的限定。"
    assert _bac(t) == [137.6]
    assert _bac("驾驶机动车，且血液酒精含量达到200毫克／100毫升以上的。") == []
    # "231.1mg/ml" is a slip (per 100 ml or per ml?): no value rather than a guess
    assert _bac("经鉴定，事故发生时，尚某的血液中酒精含量为231.1mg／ml。") == []
    # an actual value after 达到 stays
    assert _bac("醉酒驾驶机动车，血液酒精含量达217.96mg／100ml，其行为已构成危险驾驶罪。") == [217.96]


# --------------------------------------------------------------------------- 2. injuries, deaths


def test_injury_grades_per_person_and_most_serious() -> None:
    qs = extract_quantities("经鉴定，被害人甲的损伤程度为轻伤一级，被害人乙为轻微伤。")
    assert [(q.grade, q.persons) for q in qs] == [("轻伤一级", ["甲"]), ("轻微伤", ["乙"])]
    assert injuries_by_person(qs) == {"甲": "轻伤一级", "乙": "轻微伤"}
    assert most_serious_injury(qs) == "轻伤一级"

    t = "后经淮滨县公安局物证鉴定室鉴定：徐林的损伤程度符合重伤二级、张林的损伤程度符合轻伤二级、楚阳的损伤程度为轻微伤。"
    qs = extract_quantities(t)
    assert injuries_by_person(qs) == {"徐林": "重伤二级", "张林": "轻伤二级", "楚阳": "轻微伤"}
    assert most_serious_injury(qs) == "重伤二级"

    t = "后经鉴定，游某7的左侧5、6肋骨骨折，其损伤构成轻伤二级；游某某、游某1的损伤均构成轻微伤。"
    assert injuries_by_person(extract_quantities(t)) == {"游某7": "轻伤二级", "游某某": "轻微伤", "游某1": "轻微伤"}

    t = "经法医鉴定，吴某、廖某成、刘某成伤情已达轻微伤，张晓红伤情已达轻伤二级。"
    assert injuries_by_person(extract_quantities(t)) == {
        "吴某": "轻微伤", "廖某成": "轻微伤", "刘某成": "轻微伤", "张晓红": "轻伤二级"}


def test_injury_no_name_rather_than_a_wrong_one() -> None:
    qs = extract_quantities("被害人袭祥壮自南向北步行横过公路，被撞后致重伤。其头部损伤程度为轻微伤。")
    assert all(q.persons == [] for q in qs)
    assert most_serious_injury([]) is None


def test_injury_grade_corrected_away_is_not_read() -> None:
    t = "经审理查明，除了将“张晓红伤情已达轻伤二级”更正为“张晓红伤情已达轻伤一级”外，公诉机关指控的事实属实。"
    assert [q.grade for q in extract_quantities(t) if q.kind == "injury"] == ["轻伤一级"]


@pytest.mark.parametrize(
    "text",
    [
        "致沈某受伤，后经医院抢救无效死亡。",
        "致沈某受伤，后经医院抢救无效于同年11月12日死亡。",
        "致董某受伤，经医院抢救无效于当日死亡。",
        "被害人经送医院救治，经抢救无效，于当日死亡。",
    ],
)
def test_death_after_failed_rescue(text: str) -> None:
    qs = extract_quantities(text)
    assert [q.kind for q in qs] == ["death"]
    assert most_serious_injury(qs) == "死亡"


def test_death_victim_is_the_one_who_died() -> None:
    t = ("造成车上乘客马某乙、张秀艳、王文武受伤的交通事故，后马某乙经医院抢救无效于2018年3月25日死亡。"
         "张某、王某的损伤构成轻伤一级。")
    qs = extract_quantities(t)
    (death,) = [q for q in qs if q.kind == "death"]
    assert death.persons == ["马某乙"]
    assert injuries_by_person(qs) == {"马某乙": "死亡", "张某": "轻伤一级", "王某": "轻伤一级"}
    assert extract_quantities("该事故造成邱某重伤濒临死亡。")[0].kind == "injury"


# --------------------------------------------------------------------------- 3. 自首 and negation


def test_surrender_to_a_named_police_station() -> None:
    t = "2017年6月3日10时，被告人杨其艮主动到镇江市公安局润州分局金山派出所投案，在侦查和起诉阶段如实供述。"
    assert ("自首", False) in _circ(t)
    assert ("自首", False) in _circ("被告人黄永平实施犯罪后自动至司法机关投案，并如实供述了自己的罪行。")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("被告人杨某不构成自首。", "自首"),
        ("被告人张三在共同犯罪中不应认定为从犯。", "从犯"),
        ("被告人张三检举揭发他人，不能认定为立功。", "立功"),
        ("故依据事实和法律，不能认定被告人王江伟具有如实供述的情节，不构成自首。", "坦白"),
        ("辩护人提出冯某某如实供述自己罪行，无违法犯罪前科的辩护意见经查属实，本院予以采纳。", "前科"),
    ],
)
def test_negated(text: str, name: str) -> None:
    got = _circ(text)
    assert (name, True) in got and (name, False) not in got


def test_positive_cue_denied_later_in_its_sentence() -> None:
    t = "被告人文远明主动投案，虽因否认其主要罪行，不构成自首，但客观节约了司法资源，可酌情从轻考量。"
    assert _circ(t) == [("自首", True)]
    t = ("被告人潘某某案发后虽主动到公安局机关投案并如实供述自己和同案人的犯罪事实，但其在取保候审期间违反取保候审规定，"
         "其行为不能认定为自首。")
    assert ("自首", False) not in _circ(t)
    # another defendant named in between: both findings stand
    got = _circ("被告人甲主动投案，系自首；被告人乙不构成自首。", ["甲", "乙"])
    assert ("自首", False) in got and ("自首", True) in got


def test_rejected_defence_claims() -> None:
    t = "辩护人提出被告人张三系自首，可以从轻处罚的意见，本院不予采纳。"
    assert _circ(t) == [("自首", True)]
    # accepted first for another point, then the 主动投案 claim rejected
    t = ("辩护人提出请求从轻处罚的辩护意见，予以采纳，但提出被告人裴某有主动投案情节的辩护意见，经查，被告人裴某系公安机关"
         "传唤到案，对此辩护意见，不予采纳，提出请求适用缓刑的辩护意见，亦不予采纳。")
    assert _circ(t) == [("自首", True)]
    t = "被告人赵高银提出其未插入被害人下体，应属犯罪未遂的辩解，与查明的事实不符，不予采信。"
    assert _circ(t) == [("未遂", True)]
    t = "被告人及辩护人提出被告人鲁某有自首情节的辩解及辩护意见，经查，被告人鲁某系被动归案，不能以自首论，但可以酌情从轻处罚。"
    assert ("自首", False) not in _circ(t)


def test_rejection_in_a_later_sentence() -> None:
    t = ("关于被告人虞某的辩护人还提出被告人虞某系从犯的辩护意见。根据证人邱新文的证言等证据材料可以证实系被告人虞某提议"
         "索取贿赂。上述证据相互印证，足以认定被告人虞某在共同犯罪中起主要作用，故对该辩护意见本院不予采纳。")
    assert _circ(t) == [("从犯", True)]
    t = ("对于二被告人的辩护人关于二被告人在共同犯罪中系从犯的辩护意见，经查，李晓燕作为赌场股东，参与收取营业款并分红；"
         "二被告人在共同犯罪中的作用相当，不宜区分主从犯，故该辩护意见不能成立。")
    assert _circ(t) == [("从犯", True)]


def test_accepted_defence_claims_stay_positive() -> None:
    t = ("对于辩护人所提被告人郝小光系自首的辩护意见，经查，被告人郝小光在接到侦查机关电话传唤后主动到案，并如实供述自己的"
         "罪行，该行为依法构成自首，故对该辩护意见本院予以采纳。")
    assert ("自首", False) in _circ(t)
    assert _circ("本院认为，被告人系自首，对辩护人提出的无罪意见不予采纳。") == [("自首", False)]
    t = "关于被告人虞某的辩护人提出被告人虞某系从犯的辩护意见。经查属实，该辩护意见本院予以采纳。"
    assert _circ(t) == [("从犯", False)]


# --------------------------------------------------------------------------- 4. victims' birth dates


@pytest.mark.parametrize(
    "text",
    [
        "经审理查明：被害人谢某1出生于1996年12月15日。2011年5月3日晚，被告人蔡某1在其家中",
        "被害人周某某（女，生于1998年8月2日）。2011年5月3日晚，被告人蔡某1在其家中",
        "被害人刘某某出生日期为1998年3月7日。2011年5月3日晚，被告人蔡某1在其家中",
        "被害人王某某，女，1998年5月3日出生。2011年5月3日晚，被告人蔡某1在其家中",
    ],
)
def test_victim_birth_date_is_not_the_offence_date(text: str) -> None:
    ds = extract_dates(text, first_role="offence", timed_role="offence")
    assert [(d.date, d.role) for d in ds][0][1] == "birth"
    assert [d.date for d in ds if d.role == "offence"] == [D(2011, 5, 3)]


# --------------------------------------------------------------------------- 5. 取保候审 / 监视居住


def test_bail_after_a_lone_date_clause() -> None:
    t = ("被告人雷辉，男，1983年1月28日出生，汉族，初中文化，户籍地福建省古田县。2018年3月17日，因涉嫌危险驾驶罪被取保候审。")
    (d,) = extract_defendants(t, 0, bare=True)
    assert [(m.role, m.date) for m in d.measures] == [("bail", D(2018, 3, 17))]


def test_measures_same_month_and_decided_by() -> None:
    t = ("被告人郭某，男，1981年11月28日出生于安徽省蒙城县，汉族。曾因犯盗窃罪，于2014年12月12日被本院判处拘役二个月。"
         "因涉嫌犯交通肇事罪，于2017年11月13日被南通市公安局开发区分局刑事拘留，同月20日被该局取保候审。2018年7月16日，"
         "经本院决定，由南通市公安局开发区分局执行逮捕。现羁押于南通市看守所。")
    (d,) = extract_defendants(t, 0, bare=True)
    assert [(m.role, m.date) for m in d.measures] == [
        ("detention", D(2017, 11, 13)), ("bail", D(2017, 11, 20)), ("arrest", D(2018, 7, 16))]
    t = ("被告人刘某，男，1985年12月14日出生，汉族。因本案于2016年4月8日被抓获，同日被刑事拘留，同月14日被监视居住；"
         "又因本案于2016年6月25日被抓获，次日被处行政拘留十五日，同年7月11日被刑事拘留，同月18日被监视居住。")
    (d,) = extract_defendants(t, 0, bare=True)
    assert [(m.role, m.date) for m in d.measures] == [
        ("detention", D(2016, 4, 8)), ("residence", D(2016, 4, 14)), ("detention", D(2016, 7, 11)),
        ("residence", D(2016, 7, 18))]
    t = ("被告人陈某甲。因本案，于2014年3月27日被云和县公安局决定刑事拘留，同年6月10日被依法逮捕，同年8月4日经云和县"
         "人民检察院决定，被变更强制措施为取保候审，于同年9月5日经本院决定被依法逮捕。")
    (d,) = extract_defendants(t, 0, bare=True)
    assert ("bail", D(2014, 8, 4)) in [(m.role, m.date) for m in d.measures]


# --------------------------------------------------------------------------- 6. 行政拘留 is not 前科


@pytest.mark.parametrize(
    "text",
    [
        "被告人曾因殴打他人，于2013年6月25日被行政拘留十日，并处罚款五百元。",
        "被告人曾因吸毒被行政处罚。",
        "周文雅作用积极，并有违法劣迹，均不宜适用缓刑。",
        "鉴于被告人罗某有吸毒劣迹，量刑时酌情从重处罚。",
        "被告人黄晓良有违法前科，主观恶性较深，酌情从重处罚。",
    ],
)
def test_administrative_punishment_is_not_a_criminal_record(text: str) -> None:
    assert ("前科", False) not in _circ(text)


def test_criminal_record_still_read() -> None:
    assert ("前科", False) in _circ("被告人陈艳有犯罪前科，酌情予以从重处罚。")
    assert ("前科", False) in _circ("被告人王怀生曾因犯贩卖毒品罪被判处刑罚，现又犯贩卖毒品罪。")
