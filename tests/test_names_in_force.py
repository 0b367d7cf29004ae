"""The charge's name in force on the day of the acts (刑法第十二条). Every former name of the catalogue
is checked on both sides of the day it stopped applying; the names and days below are written by hand
from the 两高 补充规定 (2002-03-26, 2003-08-21, 2007-11-06, 2009-10-16, 2011-05-01, 2015-11-01,
2021-03-01, 2024-03-01), not read from charges.json."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.charges import official_until
from knowledge.charges.in_force import former_names, name_in_force
from models.commands.analyze import analyze_one
from models.extract.act_date import latest_act_date

D = dt.date.fromisoformat
# (name now in force, former name, first day of the new name, facts that match the former name's cue)
RENAMES = [
    ("投放危险物质", "投毒", "2002-03-26", ""),
    ("过失投放危险物质", "过失投毒", "2002-03-26", ""),
    ("帮助恐怖活动", "资助恐怖活动", "2015-11-01", ""),
    ("非法制造、买卖、运输、储存危险物质", "非法买卖、运输核材料", "2002-03-26", "非法买卖核材料"),
    ("盗窃、抢夺枪支、弹药、爆炸物、危险物质", "盗窃、抢夺枪支、弹药、爆炸物", "2002-03-26", ""),
    ("抢劫枪支、弹药、爆炸物、危险物质", "抢劫枪支、弹药、爆炸物", "2002-03-26", ""),
    ("强令、组织他人违章冒险作业", "强令违章冒险作业", "2021-03-01", ""),
    ("生产、销售、提供假药", "生产、销售假药", "2021-03-01", ""),
    ("生产、销售、提供劣药", "生产、销售劣药", "2021-03-01", ""),
    ("生产、销售不符合安全标准的食品", "生产、销售不符合卫生标准的食品", "2011-05-01", ""),
    ("走私国家禁止进出口的货物、物品", "走私珍稀植物、珍稀植物制品", "2009-10-16", "走私红豆杉等珍稀植物"),
    ("走私废物", "走私固体废物", "2003-08-21", ""),
    ("欺诈发行证券", "欺诈发行股票、债券", "2021-03-01", ""),
    ("违规披露、不披露重要信息", "提供虚假财会报告", "2007-11-06", ""),
    ("非国家工作人员受贿", "公司、企业人员受贿", "2007-11-06", ""),
    ("对非国家工作人员行贿", "对公司、企业人员行贿", "2007-11-06", ""),
    ("徇私舞弊低价折股、出售公司、企业资产", "徇私舞弊低价折股、出售国有资产", "2024-03-01", ""),
    ("伪造、变造、转让金融机构经营许可证、批准文件", "伪造、变造、转让金融机构经营许可证", "2002-03-26", ""),
    ("编造并传播证券、期货交易虚假信息", "编造并传播证券交易虚假信息", "2002-03-26", ""),
    ("诱骗投资者买卖证券、期货合约", "诱骗投资者买卖证券", "2002-03-26", ""),
    ("操纵证券、期货市场", "操纵证券、期货交易价格", "2007-11-06", ""),
    ("操纵证券、期货市场", "操纵证券交易价格", "2002-03-26", ""),
    ("违法发放贷款", "违法向关系人发放贷款", "2007-11-06", ""),
    ("吸收客户资金不入账", "用账外客户资金非法拆借、发放贷款", "2007-11-06", ""),
    ("违规出具金融票证", "非法出具金融票证", "2007-11-06", ""),
    ("逃税", "偷税", "2009-10-16", ""),
    ("提供虚假证明文件", "中介组织人员提供虚假证明文件", "2002-03-26", ""),
    ("出具证明文件重大失实", "中介组织人员出具证明文件重大失实", "2002-03-26", ""),
    ("强制猥亵、侮辱", "强制猥亵、侮辱妇女", "2015-11-01", ""),
    ("强迫劳动", "强迫职工劳动", "2011-05-01", ""),
    ("侵犯公民个人信息", "出售、非法提供公民个人信息", "2015-11-01", "将公民个人信息出售给他人"),
    ("侵犯公民个人信息", "非法获取公民个人信息", "2015-11-01", "窃取公民个人信息"),
    ("伪造、变造、买卖身份证件", "伪造、变造居民身份证", "2015-11-01", ""),
    ("非法生产、销售专用间谍器材、窃听、窃照专用器材", "非法生产、销售间谍专用器材", "2015-11-01", ""),
    ("侮辱国旗、国徽、国歌", "侮辱国旗、国徽", "2021-03-01", ""),
    ("组织、利用会道门、邪教组织、利用迷信致人重伤、死亡", "组织、利用会道门、邪教组织、利用迷信致人死亡",
     "2015-11-01", ""),
    ("盗窃、侮辱、故意毁坏尸体、尸骨、骨灰", "盗窃、侮辱尸体", "2015-11-01", ""),
    ("拒绝提供间谍犯罪、恐怖主义犯罪、极端主义犯罪证据", "拒绝提供间谍犯罪证据", "2015-11-01", ""),
    ("掩饰、隐瞒犯罪所得、犯罪所得收益", "窝藏、转移、收购、销售赃物", "2007-11-06", ""),
    ("妨害动植物防疫、检疫", "逃避动植物检疫", "2009-10-16", ""),
    ("污染环境", "重大环境污染事故", "2011-05-01", ""),
    ("危害珍贵、濒危野生动物", "非法猎捕、杀害珍贵、濒危野生动物", "2021-03-01", "猎捕国家二级保护动物"),
    ("危害珍贵、濒危野生动物", "非法收购、运输、出售珍贵、濒危野生动物、珍贵、濒危野生动物制品", "2021-03-01",
     "出售穿山甲"),
    ("非法占用农用地", "非法占用耕地", "2002-03-26", ""),
    ("危害国家重点保护植物", "非法采伐、毁坏国家重点保护植物", "2021-03-01", "采伐红豆杉"),
    ("危害国家重点保护植物", "非法收购、运输、加工、出售国家重点保护植物、国家重点保护植物制品", "2021-03-01",
     "收购红豆杉"),
    ("非法收购、运输盗伐、滥伐的林木", "非法收购盗伐、滥伐的林木", "2003-08-21", ""),
    ("非法生产、买卖、运输制毒物品、走私制毒物品", "走私制毒物品", "2015-11-01", "走私麻黄碱"),
    ("非法生产、买卖、运输制毒物品、走私制毒物品", "非法买卖制毒物品", "2015-11-01", "贩卖麻黄碱"),
    ("非法生产、买卖武装部队制式服装", "非法生产、买卖军用标志", "2009-10-16", ""),
    ("战时拒绝军事征收、征用", "战时拒绝军事征用", "2015-11-01", ""),
    ("徇私枉法", "枉法追诉、裁判", "2002-03-26", ""),
    ("民事、行政枉法裁判", "枉法裁判", "2002-03-26", ""),
    ("国家机关工作人员签订、履行合同失职被骗", "国家机关工作人员签订、履行合同失职", "2002-03-26", ""),
    ("食品、药品监管渎职", "食品监管渎职", "2021-03-01", ""),
    ("非法批准征收、征用、占用土地", "非法批准征用、占用土地", "2015-11-01", ""),
]


@pytest.mark.parametrize(("now", "former", "day", "facts"), RENAMES)
def test_both_sides_of_the_date(now: str, former: str, day: str, facts: str) -> None:
    d = D(day)
    assert dict(former_names(now))[former] == d  # the catalogue agrees with the hand-written day
    assert former in name_in_force(now, d - dt.timedelta(days=1), facts)
    after = name_in_force(now, d, facts)
    assert former not in after and (after == [now] or official_until(after[0]) > d)  # a later name
    assert name_in_force(now, None, facts) == [now]
    # either name is accepted as input
    assert name_in_force(former, d, facts) == after


def test_every_former_name_is_covered() -> None:
    from knowledge.charges import all_charges

    covered = {(n, f) for n, f, _, _ in RENAMES}
    listed = {(c, f) for c in all_charges() for f, _ in former_names(c)}
    assert listed == covered


def test_two_renames_in_a_row() -> None:
    # 操纵证券交易价格 (1997) → 操纵证券、期货交易价格 (2002-03-26) → 操纵证券、期货市场 (2007-11-06)
    assert name_in_force("操纵证券、期货市场", D("2001-06-01")) == ["操纵证券交易价格"]
    assert name_in_force("操纵证券、期货市场", D("2005-06-01")) == ["操纵证券、期货交易价格"]


def test_merged_crime_keeps_the_name_now() -> None:
    assert name_in_force("强奸", D("2001-01-01")) == ["强奸"]  # 奸淫幼女 was merged, not renamed


def test_cued_former_without_cue_keeps_name_now() -> None:
    assert name_in_force("侵犯公民个人信息", D("2014-01-01"), "被告人使用公民个人信息") == ["侵犯公民个人信息"]


def test_latest_act_date() -> None:
    facts = ("2014年5月3日22时许，被告人李某在某地强行搂抱被害人。同年6月1日，被告人再次猥亵被害人。"
             "2016年3月2日被告人被抓获。")
    assert latest_act_date(facts) == D("2014-06-01")
    assert latest_act_date("被告人曾于2010年3月1日因盗窃罪被判处有期徒刑一年。2013年1月2日，被告人窃得手机一部。") \
        == D("2013-01-02")
    assert latest_act_date("被告人窃得手机一部。") is None


def test_analyze_outputs_the_name_at_the_time() -> None:
    facts = "2014年5月3日22时许，被告人李某在某小区内强行搂抱、抚摸被害人王某（女，25岁）胸部。"
    r = analyze_one(facts, charges=["强制猥亵、侮辱罪"])
    assert r["charges"] == ["强制猥亵、侮辱妇女"] and r["charges_current"] == ["强制猥亵、侮辱"]
    assert 237 in r["articles"]
    r = analyze_one(facts.replace("2014年", "2016年"), charges=["强制猥亵、侮辱妇女罪"])
    assert r["charges"] == ["强制猥亵、侮辱"]
    r = analyze_one("2020年6月1日，被告人张某在其诊所销售假药。", charges=["生产、销售、提供假药"])
    assert r["charges"] == ["生产、销售假药"] and 141 in r["articles"]
    r = analyze_one("2021年6月1日，被告人张某在其诊所销售假药。", charges=["生产、销售假药"])
    assert r["charges"] == ["生产、销售、提供假药"]
