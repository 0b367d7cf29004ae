"""Quantities other than money: drug weights, blood alcohol, injury and disability grades, deaths.

- drug: "甲基苯丙胺12.5克", "海洛因51包，净重149.9克", "毒品疑似物…0.35克" → grams, ``substance``;
  gross weights (毛重) are skipped; purity "甲基苯丙胺含量为65.3%" → kind ``drug_purity`` (unit %).
- bac: "乙醇含量为182.5mg/100ml", "94mg／100ml", "182.5毫克/100毫升"; the statutory thresholds
  ("超过80mg/100ml…醉酒…标准") are not taken.
- injury: 轻伤二级, 重伤一级, 轻微伤, 轻伤, 重伤 (not in "轻伤以上" style legal phrases).
- disability: 十级伤残 / 伤残十级 / 伤残等级为十级.
- death: "致一人死亡" (value 1), "致二人死亡", "当场死亡" / "抢救无效死亡" (value None when not counted).
"""

from __future__ import annotations

import re

from models.extract.numerals import to_int, to_number
from models.types import Quantity

_NUM = r"\d+(?:\.\d+)?"
_SUBSTANCES = (
    "甲基苯丙胺片剂", "甲基苯丙胺", "海洛因", "氯胺酮", "可卡因", "吗啡", "鸦片", "大麻叶", "大麻",
    "冰毒", "麻古", "摇头丸", "K粉", "MDMA", "美沙酮", "曲马多", "杜冷丁", "哌替啶", "咖啡因",
    "甲卡西酮", "三唑仑", "γ-羟丁酸", "罂粟壳", "罂粟", "芬太尼", "毒品疑似物", "疑似毒品", "毒品",
)
_SUBST_NORM = {"冰毒": "甲基苯丙胺", "毒品疑似物": "毒品", "疑似毒品": "毒品", "K粉": "氯胺酮", "麻古": "甲基苯丙胺片剂"}
_SUBST_RE = re.compile("|".join(re.escape(s) for s in _SUBSTANCES))
_WEIGHT_RE = re.compile(
    r"(?=[净毛重共合总约为计\d])"
    rf"(?P<kind>净重|毛重|重|共计|合计|总计)?(?:约|为|计|共)?\s*(?P<v>{_NUM})\s*(?P<u>千克|公斤|kg|KG|Kg|克|g|G|毫克|mg)(?![/／A-Za-z\d])"
)
_SUBST_ALT = "|".join(re.escape(s) for s in _SUBSTANCES)
_SUBST_AFTER_RE = re.compile(rf"的?(?P<s>{_SUBST_ALT})")
_SUBST_FOUND_RE = re.compile(rf"[^。；;]{{0,16}}?检出(?:有)?(?P<s>{_SUBST_ALT})(?:成分)?")
_PURITY_RE = re.compile(rf"(?P<s>甲基苯丙胺|海洛因|氯胺酮|可卡因|吗啡|大麻)(?:的)?(?:平均)?含量(?:为|是|分别为)?\s*(?P<v>{_NUM})\s*[%％]")
_UNIT_G = {"千克": 1000.0, "公斤": 1000.0, "kg": 1000.0, "KG": 1000.0, "Kg": 1000.0, "克": 1.0, "g": 1.0, "G": 1.0,
           "毫克": 0.001, "mg": 0.001}

_BAC_RE = re.compile(
    rf"(?P<v>{_NUM})\s*(?:mg|MG|Mg|毫克)\s*(?:[/／]|每)\s*(?:100|一百|百)\s*(?:ml|mL|ML|毫升)"
)
_BAC_THRESHOLD_AFTER = re.compile(r"^[^，。；;]{0,14}(?:标准|醉酒驾驶机动车的|的醉驾|认定为醉酒)")
_BAC_THRESHOLD_BEFORE = re.compile(r"(?:标准(?:为|是)?|大于或者等于|大于等于|≥|不低于)\s*$")

_INJURY_RE = re.compile(r"轻微伤|轻伤[一二]级|重伤[一二]级|轻伤|重伤(?!害)")
_INJURY_LEGAL_AFTER = re.compile(r"^(?:以上|以下|或者|或|的标准|的，处|后果的)")
_DISAB_RE = re.compile(
    r"(?P<a>[一二三四五六七八九十]{1,2})级(?:伤残|残疾)|伤残(?:等级)?(?:为|评定为|鉴定为|属)?(?P<b>[一二三四五六七八九十]{1,2})级"
)
_DEATH_RE = re.compile(
    r"致(?P<n>[一二三四五六七八九十两\d]+)(?:人|名[^，。；]{0,4}?)死亡"
    r"|(?:当场|抢救无效|经抢救无效|送医不治|不治)死亡"
    r"|致(?:被害人|其|对方|死者)[^，。；]{0,8}?死亡"
)


def extract_drugs(text: str, offset: int = 0) -> list[Quantity]:
    """Drug weights in grams with the nearest substance named before them (same sentence)."""
    out: list[Quantity] = []
    subs = list(_SUBST_RE.finditer(text))
    if not subs:
        return out
    for m in _WEIGHT_RE.finditer(text):
        if m.group("kind") == "毛重":
            continue
        v = to_number(m.group("v"))
        if v is None:
            continue
        g = v * _UNIT_G[m.group("u")]
        # "30.58克的甲基苯丙胺": the substance right after the weight
        after = _SUBST_AFTER_RE.match(text, m.end())
        if after is not None:
            sub_m = after
            a, b = m.start(), after.end()
        else:
            # nearest substance before the weight, within 30 chars and the same sentence
            sub = None
            for s in subs:
                if s.end() > m.start():
                    break
                sub = s
            if sub is not None and m.start() - sub.end() <= 30 and not re.search(r"[。；;]", text[sub.end() : m.start()]):
                sub_m = sub
                a, b = sub.start(), m.end()
            else:
                # "白色晶体净重40.69克，从中检出甲基苯丙胺成分"
                found = _SUBST_FOUND_RE.match(text, m.end())
                if found is None:
                    continue
                sub_m = found
                a, b = m.start(), found.end()
        raw = sub_m.group("s") if "s" in sub_m.re.groupindex else sub_m.group(0)
        name = _SUBST_NORM.get(raw, raw)
        out.append(Quantity(offset + a, offset + b, text[a:b], kind="drug",
                            value=round(g, 6), unit="g", substance=name))
    for m in _PURITY_RE.finditer(text):
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="drug_purity",
                            value=float(m.group("v")), unit="%", substance=m.group("s")))
    return out


def extract_bac(text: str, offset: int = 0) -> list[Quantity]:
    """Blood alcohol values in mg/100ml, thresholds excluded."""
    out: list[Quantity] = []
    for m in _BAC_RE.finditer(text):
        if _BAC_THRESHOLD_AFTER.search(text[m.end() : m.end() + 20]):
            continue
        if _BAC_THRESHOLD_BEFORE.search(text[max(0, m.start() - 10) : m.start()]):
            continue
        v = to_number(m.group("v"))
        if v is None:
            continue
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="bac", value=v, unit="mg/100ml"))
    return out


def extract_injuries(text: str, offset: int = 0) -> list[Quantity]:
    out: list[Quantity] = []
    for m in _INJURY_RE.finditer(text):
        if _INJURY_LEGAL_AFTER.search(text[m.end() : m.end() + 5]):
            continue
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="injury", grade=m.group(0)))
    for m in _DISAB_RE.finditer(text):
        g = (m.group("a") or m.group("b")) + "级"
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="disability", grade=g))
    for m in _DEATH_RE.finditer(text):
        n = to_int(m.group("n")) if m.group("n") else None
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="death",
                            value=float(n) if n is not None else None, unit="人"))
    return out


def extract_quantities(text: str, offset: int = 0) -> list[Quantity]:
    """All quantities of ``text``, in text order."""
    q = extract_drugs(text, offset) + extract_bac(text, offset) + extract_injuries(text, offset)
    q.sort(key=lambda x: x.start)
    return q
