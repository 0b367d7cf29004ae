"""Quantities other than money: drug weights, blood alcohol, injury and disability grades, deaths.

- drug: "甲基苯丙胺12.5克", "海洛因51包，净重149.9克", "毒品疑似物…0.35克" → grams, ``substance``;
  gross weights (毛重) are skipped; purity "甲基苯丙胺含量为65.3%" → kind ``drug_purity`` (unit %).
- bac: "乙醇含量为182.5mg/100ml", "94mg／100ml", "182.5毫克/100毫升", "95．64毫克／l00毫升" (full-width
  dot, letters l/O for the digits of 100), "197.0±9.5mg/100ml" (the measured value), "每百毫升95毫克",
  "1.16mg/mL" (per millilitre: ×100); the statutory thresholds ("超过80mg/100ml…醉酒…标准",
  "达到200毫克/100毫升以上") are not taken.
- injury: 轻伤二级, 重伤一级, 轻微伤, 轻伤, 重伤 (not in "轻伤以上" style legal phrases, nor a grade
  the court corrects away: “…轻伤二级”更正为“…轻伤一级”), with the victims named for it (``persons``).
- disability: 十级伤残 / 伤残十级 / 伤残等级为十级.
- death: "致一人死亡" (value 1), "致二人死亡", "当场死亡" / "经医院抢救无效于当日死亡" (value None when
  not counted).

``most_serious_injury`` gives the gravest outcome of a case (死亡 > 重伤一级 > … > 轻微伤);
``injuries_by_person`` the gravest grade of each named victim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from models.extract.numerals import to_int, to_number
from models.types import Quantity

_NUM = r"\d+(?:[.．]\d+)?"
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
# "12.5克毒品甲基苯丙胺": the named substance after the generic 毒品
# "净重约0.4克疑似甲基苯丙胺白色粉末"
_SUBST_AFTER_RE = re.compile(rf"的?(?:毒品)?(?:疑似|可疑)?(?P<s>{_SUBST_ALT})")
# "…检出甲基苯丙胺"; also in the next sentence when it is the 鉴定 of what was weighed ("出售白色可疑晶体1包
# （经称量重量为1.68克）。经鉴定，白色可疑晶体检出甲基苯丙胺")
_SUBST_FOUND_RE = re.compile(rf"(?:[^。；;]{{0,30}}?[。；;]\s*经(?:检验|检测)?鉴定[，,]?(?:(?!尿|血|毛发)[^。；;]){{0,24}}?|[^。；;]{{0,16}}?)"
                             rf"检出(?:有)?(?P<s>{_SUBST_ALT})(?:成分)?")
_PURITY_RE = re.compile(rf"(?P<s>甲基苯丙胺|海洛因|氯胺酮|可卡因|吗啡|大麻)(?:的)?(?:平均)?含量(?:为|是|分别为)?\s*(?P<v>{_NUM})\s*[%％]")
_UNIT_G = {"千克": 1000.0, "公斤": 1000.0, "kg": 1000.0, "KG": 1000.0, "Kg": 1000.0, "克": 1.0, "g": 1.0, "G": 1.0,
           "毫克": 0.001, "mg": 0.001}

_MG = r"(?:mg|MG|Mg|ｍｇ|毫克)"
_ML = r"(?:m[lL1I]|ML|ｍｌ|毫升)"
_HUNDRED = r"(?:[1lI１][0OoＯ〇０]{2}|一百|百)"
# value ± uncertainty: the value is the measurement
_BAC_RE = re.compile(
    rf"(?<![\d.．])(?P<v>{_NUM})\s*(?:(?:±|\+/-)\s*{_NUM}\s*)?{_MG}\s*(?:乙醇|酒精)?\s*(?:[/／]|每)\s*"
    rf"(?:(?P<h>{_HUNDRED})\s*{_ML}|{_ML}(?![\d]))"
    rf"|每\s*(?:100|一百|百)\s*毫升(?:血液)?(?:中)?(?:含有?)?(?:乙醇|酒精)?\s*(?P<v2>{_NUM})\s*{_MG}"
)
_BAC_THRESHOLD_AFTER = re.compile(
    r"^(?:\s*(?:以上|以下|的限定|的限值|的临界值)|[^，。；;（(]{0,14}(?:标准|醉酒驾驶机动车的|的醉驾|认定为醉酒))"
)
_BAC_THRESHOLD_BEFORE = re.compile(r"(?:标准(?:为|是)?|大于或者等于|大于等于|≥|不低于|超过|超出|高于|低于)\s*$")

_INJURY_RE = re.compile(r"轻微伤|轻伤[一二]级|重伤[一二]级|轻伤|重伤(?!害)")
_INJURY_LEGAL_AFTER = re.compile(r"^(?:以上|以下|或者|或|的标准|的，处|后果的)")
_DISAB_RE = re.compile(
    r"(?P<a>[一二三四五六七八九十]{1,2})级(?:伤残|残疾)|伤残(?:等级)?(?:为|评定为|鉴定为|属)?(?P<b>[一二三四五六七八九十]{1,2})级"
)
_DEATH_RE = re.compile(
    r"致(?P<n>[一二三四五六七八九十两\d]+)(?:人|名[^，。；]{0,4}?)死亡"
    r"|(?:当场|不治)(?:死亡|身亡)"
    r"|(?:抢救|救治|医治)无效[，,]?[^，。；;]{0,16}?(?<!未)(?:死亡|身亡)"
    r"|致(?:被害人|其|对方|死者)[^，。；]{0,8}?死亡"
)
# a grade quoted as corrected away: 将“张某伤情已达轻伤二级”更正为“…轻伤一级”
_CORRECTED_RE = re.compile(r"^[^“”。；]{0,20}”\s*(?:更正|变更|改|修改|修正)为")

# victims named before an injury grade: 被害人X… / X的损伤… / X、Y伤情…
_NM = r"[\u4e00-\u9fff\dXxＸ×＊*]"
# a name ends before the first of these (被害人金某因外伤… → 金某); 为/于 only at its very end
_NAME_CUT_RE = re.compile(r"构成|已达|造成|分别|外伤|[的之因经被系属受所伤左右头面身在致其该均各]")
_NAME_TAIL_RE = re.compile(r"[为于]+$")
_NAME_SEP_RE = re.compile(r"[与和及]")
# characters of body parts and common words that no victim name has
_BODY = set("部骨手脚足腿臂头面眼鼻耳胸腹背腰颈肋指趾牙齿皮肤伤创折处体肢颅脑脏器官损性合纷事故车辆时后前中内外人场院医送往而向自驾驶软组织述证据材料")
_NMX = r"(?:(?!构成|已达|造成|分别|外伤)[^\W_的之因经被系属受所伤左右头面身在致其该均各])"
# the name must end at a word that follows names (被害人张为民为轻伤 → 张为民; 被害人袭祥壮自南向… → none)
_VICTIM_RE = re.compile(
    rf"(?:被害人|受害人|伤者)(?P<n>{_NMX}{{1,4}}(?:[与和及]{_NMX}{{2,4}})?)"
    r"(?=[的之因经被系属受所伤左右头面身在致其该均各为于，,。；;、（(：:\s]|构成|已达|$)"
)
_NAMED_RE = re.compile(
    rf"(?:^|(?<=[，,：:；;、。\s（(致])|(?<=鉴定))(?P<l>{_NMX}{{2,4}}(?:、{_NMX}{{2,4}})*)"
    r"(?=的?(?:损伤|伤情|伤势|之伤|所受|伤为|伤构成|伤系|伤属|受伤)|的[左右头面胸腹背腰颈双全肋鼻眼耳手足腿臂颅额颌])"
)
_NOT_NAMES = {"被害人", "受害人", "伤者", "双方", "对方", "二人", "两人", "三人", "死者", "本人", "被告人", "其本人",
              "鉴定", "经鉴定", "法医", "司法", "人体"}
_SEVERITY = {"轻微伤": 1, "轻伤": 2, "轻伤二级": 3, "轻伤一级": 4, "重伤": 5, "重伤二级": 6, "重伤一级": 7, "死亡": 8}


_MASKED = re.compile(r"[某\dXxＸ×＊*甲乙丙丁]")


def _ok_name(n: str) -> bool:
    if not n or n in _NOT_NAMES or any(ch in _BODY for ch in n):
        return False
    return len(n) <= 3 or bool(_MASKED.search(n))


def _trim_names(n: str) -> list[str]:
    """Victim names as written from the characters after 被害人 (被害人甲的… → [甲]; 刘某与李某均… →
    [刘某, 李某]); [] when what is left does not look like a name."""
    c = _NAME_CUT_RE.search(n)
    if c is not None:
        n = n[: c.start()]
    n = _NAME_TAIL_RE.sub("", n)
    parts = _NAME_SEP_RE.split(n)
    if len(parts) > 1 and all(len(p) >= 2 for p in parts):
        return parts if all(_ok_name(p) for p in parts) else []
    return [n] if _ok_name(n) else []


# the one who died: "后马某乙经医院抢救无效…死亡"
_DIED_RE = re.compile(rf"(?:^|(?<=[，,。；;\s]))(?:后|随后|其后)?(?P<l>{_NMX}{{2,4}})(?=经(?:医院|送|抢救|救治|医治))")


def _persons_before(text: str, a: int, b: int, death: bool = False) -> list[str]:
    """The victims named in ``text[a:b]`` closest to ``b``: the last 被害人X, or the last name (list)
    directly followed by 的损伤/伤情… (for a death: by 经医院抢救…); [] when none."""
    seg = text[a:b]
    best: tuple[int, list[str]] | None = None
    if death:
        for m in _DIED_RE.finditer(seg):
            if _ok_name(m.group("l")):
                best = (m.start(), [m.group("l")])
    for m in _VICTIM_RE.finditer(seg):
        names = _trim_names(m.group("n"))
        if names and (best is None or m.start() >= best[0]):
            best = (m.start(), names)
    for m in _NAMED_RE.finditer(seg):
        names = [x for x in m.group("l").split("、")]
        if all(_ok_name(x) and not _NAME_CUT_RE.search(x) for x in names) and (best is None or m.start() > best[0]):
            best = (m.start(), names)
    return best[1] if best else []


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
        raw = m.group("v") or m.group("v2")
        v = to_number(raw)
        if v is None:
            continue
        if m.group("v") and not m.group("h"):
            if v >= 10:
                continue  # "231.1mg/ml" is a slip for mg/100ml: which one is unknown
            v = round(v * 100, 4)  # mg/ml → mg/100ml
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="bac", value=v, unit="mg/100ml"))
    return out


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in "。；;") + 1


def _clause_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in "。；;，,") + 1


def extract_injuries(text: str, offset: int = 0) -> list[Quantity]:
    out: list[Quantity] = []
    prev_end = 0
    for m in _INJURY_RE.finditer(text):
        if _INJURY_LEGAL_AFTER.search(text[m.end() : m.end() + 5]):
            continue
        if _CORRECTED_RE.search(text[m.end() : m.end() + 30]):
            continue
        a = max(_sentence_start(text, m.start()), prev_end)
        prev_end = m.end()
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="injury", grade=m.group(0),
                            persons=_persons_before(text, a, m.start())))
    for m in _DISAB_RE.finditer(text):
        g = (m.group("a") or m.group("b")) + "级"
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="disability", grade=g))
    injury_ends = [q.end - offset for q in out if q.kind == "injury"]
    for m in _DEATH_RE.finditer(text):
        # "致董某受伤，经医院抢救无效死亡": the clause before names the victim
        n = to_int(m.group("n")) if m.group("n") else None
        # the death's own clause: the sentence may list others who were only injured
        a = max([_clause_start(text, m.start())] + [e for e in injury_ends if e <= m.start()])
        out.append(Quantity(offset + m.start(), offset + m.end(), m.group(0), kind="death",
                            value=float(n) if n is not None else None, unit="人",
                            persons=_persons_before(text, a, m.start(), death=True)))
    return out


def _severity(q: Quantity) -> int:
    if q.kind == "death":
        return _SEVERITY["死亡"]
    return _SEVERITY.get(q.grade, 0) if q.kind == "injury" else 0


def most_serious_injury(qs: Iterable[Quantity]) -> str | None:
    """The gravest outcome among the injury / death quantities: "死亡", "重伤一级", … "轻微伤"; None
    when there is none. A grade without level (重伤) ranks below the levelled ones of its class."""
    best = max(qs, key=_severity, default=None)
    if best is None or _severity(best) == 0:
        return None
    return "死亡" if best.kind == "death" else best.grade


def injuries_by_person(qs: Iterable[Quantity]) -> dict[str, str]:
    """The gravest grade ("死亡" for a death) of each victim the text names, in first-seen order."""
    out: dict[str, tuple[int, str]] = {}
    for q in qs:
        sev = _severity(q)
        if sev == 0:
            continue
        g = "死亡" if q.kind == "death" else q.grade
        for p in q.persons:
            if p not in out or sev > out[p][0]:
                out[p] = (sev, g)
    return {p: g for p, (_, g) in out.items()}


def extract_quantities(text: str, offset: int = 0) -> list[Quantity]:
    """All quantities of ``text``, in text order."""
    q = extract_drugs(text, offset) + extract_bac(text, offset) + extract_injuries(text, offset)
    q.sort(key=lambda x: x.start)
    return q
