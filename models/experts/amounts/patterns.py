"""The words and patterns of amount reading: ``context.yaml`` (what surrounds a sum that is or is not
the crime amount, per crime kind) and the regular expressions shared by the reader's steps."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml


@cache
def amount_words() -> dict[str, Any]:
    """``context.yaml`` beside this module (cached: read once per process)."""
    return load_yaml(Path(__file__).resolve().parent / "context.yaml") or {}


_CLAUSE_END = "，,。；;：:（）()"
_SENT_END = "。；;"


def _re(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(words))


@cache
def _amount_patterns(kind: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    cfg = amount_words()
    spec = cfg.get(kind, {})
    allow = set(spec.get("allow_before", []))  # general exclusions this kind does not use
    excl = [w for w in cfg["exclude_before"] if w not in allow] + list(spec.get("exclude_before", []))
    total = list(cfg["total_before"])
    attempt = list(cfg["attempt"])
    allow_after = set(spec.get("allow_after", []))
    excl_after = [w for w in cfg["exclude_after"] if w not in allow_after] + list(spec.get("exclude_after", []))
    return _re(excl), _re(total), _re(attempt), _re(excl_after)


@cache
def _only_pattern(kind: str) -> re.Pattern[str] | None:
    """The cue a sum of this kind must follow (``only_before``), or None when any sum may count."""
    words = amount_words().get(kind, {}).get("only_before")
    return _re(list(words)) if words else None


@cache
def _context_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Crime verbs, sale/pledge deals after 以, damage totals before / after (``context.yaml``)."""
    cfg = amount_words()
    return _re(cfg["crime_verbs"]), _re(cfg["deal_after"]), _re(cfg["loss_before"]), _re(cfg["loss_after"])


@cache
def _fee_pattern() -> re.Pattern[str]:
    return _re(amount_words()["fee_nouns"])


@cache
def _sale_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    cfg = amount_words()["sale_proceeds"]
    return re.compile("(?:" + "|".join(cfg["proceeds"]) + ")$"), _re(cfg["sale"])


# (a thousands separator typed full-width or lost to a "?" in the source: 62?705.73元)
_FW_GROUP = re.compile(r"(?<=\d)[，,?？](?=\d{3}(?!\d)|0\d{2,}(?:\.\d+)?余?元)")
_FW_POINT = re.compile(r"(?<=\d)．(?=\d)")
_LETTER_ZERO = re.compile(r"(?<=\d)[Oo]+(?=\d*(?:元|万|余元))")
_LATIN_BEFORE_RMB = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+(?=人民币)")
_MASKED_YUAN = re.compile(r"(?<=[\d万千百十拾一二两三四五六七八九])万某")  # CAIL masking: "4万某", "二十万某" were "…万元"
_MASKED_YUAN2 = re.compile(r"(?<=\d)万\d某")  # CAIL masking: "6.5万2某" was "6.5万元"


_NAME_INDEX = re.compile(r"([\u4e00-\u9fff]某)(\d)(?=\d+(?:\.\d+)?[万千百]?余?元)")


# the legal reasoning or the evidence list: amounts there restate the facts (cut to the end)
_FACTS_END = re.compile(
    r"(?:公诉机关|检察院|本院|该院)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人"
    r"|证据如下|(?:下列|以下|如下)证据|(?:证明|认定|证实)(?:上述|以上|前述)?(?:犯罪)?事实的(?:主要)?证据(?:有|如下|是)")
# the civil claim joined to the case (附带民事诉讼原告人请求判令被告人赔偿… / 对于附带民事诉讼原告人…诉请的经济
# 损失，本院认定如下): damages, never the crime amount, even when the facts before it name none
_CIVIL = re.compile(r"附带民事诉讼原告人[^。；]{0,30}(?:诉请|请求|要求|提出|主张|的经济损失)")
# a sentence citing the evidence of the incident just told (上述事实，被告人…亦无异议，且有…等证据证实，足以
#认定。): skipped up to its end, the next incident may follow
_EVIDENCE = re.compile(r"(?:上述|以上|前述)(?:指控|犯罪)?事实[，,]?[^。]{0,400}?(?:证据|证实|证明|认定|亦无异议)")
# enumerated incidents: 一、… 二、… / 1、… 2．… / （一）…
_ENUM = re.compile(r"(?:^|(?<=[。；：:\s]))(?:(?:[一二三四五六七八九十]{1,3}|\d{1,2})(?:、|[.．](?!\d)|[.．](?=\d{4}年))"
                   r"|[（(][一二三四五六七八九十\d]{1,3}[）)])")
_DATE = re.compile(r"\d{4}年|\d{1,2}月|次日|同日|当日|当天|同年|尔后|之后|随后|此后")
# a sentence that tells the next incident (后周某某至…，共计得款1400元): its total is not the grand total
_NEXT = re.compile(r"^[\s，,]*(?:后|之后|尔后|随后|此后|然后|接着|又|再次)")
# a count of incidents right before a sum (作案两起，共计骗取20000元 / 参与××五起，总价值10800元)
_COUNTED = re.compile(r"[一二两三四五六七八九十\d]{1,3}起[^。；]{0,14}$")
_SUMMARY_OPEN = re.compile(r"\s*(?:综上|以上|上述)")
_ACCUSED = re.compile(r"被告人([^，。；、\s]{1,5}?)(?:诈骗|盗窃|××|作案|共|犯|实施)")
_SUMMARY_LEAD = re.compile(r"\s*(?:综上|(?:以上|上述)[^，。；]{0,8}(?:共计|合计|总计|共))")
_SUMMARY = re.compile(r"综上|(?:^|(?<=[，,：:]))(?:以上|上述)[^，。；]{0,8}(?:共计|合计|总计|共)|总计|累计(?!至)|实际|总金额|总价值|涉案总"
                      r"|作[^，。；]{0,4}案[^，。；]{0,4}[起次]")
_PAREN = re.compile(r"[（(][^（）()]{0,20}[）)]")
_BREAKDOWN = re.compile(r"如下|分述|具体(?:是|为|事实)|分别(?:是|为)|明细|其中")
# between two sums of a list: a separator and a name (，陈某 / 、朱某人民币 / ，被害人李某甲), no act
_CHAIN_GAP = re.compile(r"[、，,及和与](?:被害人)?(?:[^，,。；;、：:（）()借骗取付交收得转还赔退存汇支花用卖买拿抢盗窃偷扣向]{0,5}"
                        r"(?:某|XX)[^，,。；;、：:（）()借骗取付交收得转还赔退存汇支花用卖买拿抢盗窃偷扣向]{0,3})?"
                        r"(?:人民币|现金)?")
_BREAKDOWN_OF = re.compile(r"其中(?![的一])")
_GROUP = re.compile(r"等[\d一二两三四五六七八九十百]+[人名户家个]|多[人名户家]|他人|众多|多位|多个被害")
_RESTATE = re.compile(r"认定|综上|即")
_ANAPHOR = re.compile(r"(?:所[^，。；]{0,6}的|上述|该|此|这)[^，。；]{0,4}$")


_NET = re.compile(r"从中(?:诈骗|骗取|骗得|骗走|侵占|非法占有)[^，。；]{0,8}$")
_ACTUAL = re.compile(r"实际(?:支付|给付|获得|得到|取得|收到|到手|交付|付给)?|实付|实得|实收")
_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
_LEAD_NOISE = re.compile(r"人民币|现金|共计|共|计")
_LOOT_REF = re.compile(r"(?:骗|窃|盗|偷|抢|××)[^，。；的]{0,3}的$")
_PART_OF = re.compile(r"元中[^，。；]{0,8}$")
_PRETEXT = re.compile(r"谎称|承诺|答应|声称|为由|为名")
_SHARE = re.compile(r"分得|分给|分赃|瓜分")
# a refund that builds trust (第一次刷单支付360元后，返还本金和佣金共计366元): the sums paid before it are back
_REFUND = re.compile(r"(?:返还|退还|返回)[^，。；]{0,3}(?:本金|佣金|返利|收益)")
_PAY = re.compile(r"(?:转账|转款|支付|付|汇款|汇|打款|退|还)(?:人民币)?$")
_VICTIM = re.compile(r"被害人([\u4e00-\u9fff]{1,3}?某[甲乙丙丁\d]?)")
_PROCEEDS = re.compile(r"所[^，。；]{0,3}(?:骗|窃|盗|偷|抢|××)[^，。；]{0,4}的$|(?:骗|窃|盗)得的$")


_VALUED = re.compile(r"价值|鉴定|估价|认定")
_DEAL_PRICE = re.compile(r"^[^，。；]{0,3}的?价格")
_NUMBER_HEAD = re.compile(r"^(?:人民币)?[\d.,，零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億]+[余多]?[元某]?")


_ACCUSED_NAME = re.compile(r"被告人([\u4e00-\u9fff]{1,2}\d?某[某甲乙丙丁\d]?)")


_SENT_END_RE = re.compile(f"[{_SENT_END}]")


# the sum named right before the sale or pledge (…后以5000元的价格销售给陈某 / 销赃得款6900余元 / 抵押获款3300元)
_SALE_SUM = re.compile(r"(?:得|获|所得)(?:赃)?款(?:人民币)?$|获赃款(?:人民币)?$|所得(?:赃款)?(?:人民币)?$|(?:卖|售|销)得(?:人民币)?$"
                       r"|以(?:人民币)?$")
_SALE_AFTER = re.compile(r"^(?:余)?元?(?:的)?(?:价格|价)?[^，。；]{0,4}(?:卖|售|销|转卖|抵押|质押|典当)")
# any other reason to set a sum aside: the sale rule never revives it
_NOT_SALE = re.compile(r"赔|退|还|返|追|扣押|缴获|发还|冻结|分得|分给|分赃|罚|挥霍|花费|用于|好处费|报酬|手续费|租金|押金|毒|每")
_NAME_TOKEN = re.compile(r"[\u4e00-\u9fff]\d?某[\u4e00-\u9fff\d]?")


_NUMBER_TAIL = re.compile(r"^(?:余|多)?元?")
# the goods referred back to, not taken in this sentence (将所盗昆明犬…卖给, 窃后…销赃, 盗来的电脑)
_TAKEN_REF = re.compile(r"所(?:盗|窃|偷|抢|夺|劫)|(?:盗|窃|偷|抢|夺|劫)(?:来|得|取|走)?(?:的|后)|得手后|××(?:所得|来)的")


# the court's own findings (经审理查明 / 本院审理查明 / 二审查明…; not 另查明, which adds to them): in a
# judgment they restate, and where they differ correct, the accusation and pleas told before them
_FINDINGS = re.compile(r"(?:经(?:庭审|审理|审查)|本院(?:经|二审|再审)?(?:审理)?|二审(?:经)?(?:审理)?)查明")


# the start of another charge's facts (××罪2013年7月18日… / 二、××罪：2014年… / 2、2015年…)
_NEXT_CHARGE = re.compile(r"\s*(?:[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)])?"
                          r"\s*(?:××罪|[\u4e00-\u9fff]{2,10}罪)?[：:]?\s*(?:\d{4}年|同年|\d{1,2}月)")
_CONCLUSION = re.compile(r"数额(?:较大|巨大|特别巨大)|其行为(?:已)?(?:触犯|构成)")
_REASONING = re.compile(r"(?:公诉机关|检察院|检察机关)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人")
_STATED_CUE = re.compile(r"(?:骗取|骗得|诈骗|窃取|盗窃|窃得|盗走|抢劫|抢走|侵占|数额|金额|财物|钱款|现金)"
                         r"(?:[^，。；]{0,4}?(?:他人|公私|公民|被害人)[^，。；]{0,4}?(?:财物|钱款|钱财|现金))?(?:共计|合计|为|达)?(?:人民币)?$")


_ANNOUNCE = re.compile(r"(?:具体|分别)?(?:分述|(?:犯罪)?事实)?如下|分述如下")


_PART = re.compile(r"(?:^|(?<=[。；：:\s，,]))([一二三四五六七八九十]{1,3})、")
