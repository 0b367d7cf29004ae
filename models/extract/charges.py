"""Charges named in a document, per defendant.

"被告人张3犯诈骗罪" / "以危险驾驶罪追究其刑事责任" / "其行为已构成寻衅滋事罪" / "涉嫌盗窃罪" /
"犯非法持有毒品罪、容留他人吸毒罪". The written form is kept; ``normalized`` is the official name it
means (``knowledge.charges.normalize_charge``: 偷窃罪 → 盗窃, None when unknown) and ``official`` is
that name only when the written form is itself official (None for 偷窃罪).
Prior convictions ("曾因犯…罪被判处"), defence claims ("辩护人认为…应构成故意伤害罪") and negated
forms ("不构成…罪") are not taken.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from models.extract.people import names_in_sentence
from models.types import ChargeMention

try:  # built by another engineer
    from knowledge.charges import is_official as _is_official
    from knowledge.charges import normalize_charge as _normalize_charge
    from knowledge.charges import official_on as _official_on
except ImportError:  # pragma: no cover - until knowledge.charges lands
    _normalize_charge = None
    _is_official = None
    _official_on = None

# trigger + written name ending in 罪; "犯罪" inside a name (掩饰、隐瞒犯罪所得罪) is not its end
_NAME = r"(?P<w>(?:犯罪|(?!罪|犯罪)[\u4e00-\u9fff、（）]){2,30}?罪)"
_CHARGE_RE = re.compile(r"(?P<trig>犯有|犯|构成|涉嫌犯?|以)" + _NAME + r"(?!名)")
_CHAIN_RE = re.compile(r"[、和及与]" + _NAME + r"(?!名)")
_STOP = {
    "新", "前", "后", "数", "一", "本", "此", "该", "同种", "重", "轻", "何", "其他", "他", "多", "两",
    "二", "三", "各", "上述", "故意", "过失", "有", "无", "同", "异种", "新的", "何种",
}
_BAD_CHARS = re.compile(r"[的其了为被已均系之是在对与和及或等]|所犯|行为|目的|犯罪人|被告|判处|刑罚|以上|以下")
_SKIP_SENT = re.compile(r"辩护|辩称|辩解|不能成立|定性不当|不予支持|不予采纳|是否构成")
_PRIOR_BEFORE = re.compile(r"(?:曾因|曾|因|前因|又因)$")
_NEG_BEFORE = re.compile(r"(?:不|不应|不能|尚不|并不|否|未)$")
# the combination clause of 数罪并罚 with an earlier judgment: "与（…判决中对X）之前犯…罪…并罚"
_COMBINED_WITH = re.compile(r"与(?!被告人)[^。；，,]{0,40}$|与[^。；]{0,40}(?:判决|裁定)中?对[^。；，,]{0,8}$")
# "以…罪" is a charge only when the sentence goes on to prosecute or sentence under it
_YI_CONTEXT = re.compile(r"[，,]?\s*(?:对(?:被告人)?[^，。；]{0,12}?)?(?:追究|判处|定罪|论处|提起公诉|起诉|处罚|立案|移送|判决|予以)")
_SENT_RE = re.compile(r"[^。；;]+[。；;]?")
# an unknown written name must look like a charge name: CJK (and 、（）) only, 3–20 characters
_UNKNOWN_OK = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff、（）]{1,18}罪")


@lru_cache(maxsize=2048)
def written_is_official(written: str) -> bool:
    """True when the written form is itself an official charge name (with or without 罪)."""
    if _is_official is None:
        return True
    return bool(_is_official(written))


@lru_cache(maxsize=4096)
def written_official_on(written: str, day: dt.date | None) -> bool:
    """True when the written form was official on ``day``: an official name (or a part of a
    selective one) now, or a former name used before the 补充规定 that replaced it took effect
    (伪造居民身份证罪 in a 2014 judgment)."""
    if _official_on is None:
        return written_is_official(written)
    return bool(_official_on(written, day))


@lru_cache(maxsize=2048)
def official_name(written: str) -> str | None:
    """Official name without 罪 for a written charge (with or without 罪); None if not official."""
    w = written[:-1] if written.endswith("罪") else written
    if _normalize_charge is None:
        return w  # no catalogue yet: trust the written form
    for cand in (w, w + "罪"):
        try:
            r = _normalize_charge(cand)
        except (KeyError, ValueError):
            r = None
        if r:
            return r[:-1] if r.endswith("罪") else r
    return None


def _plausible(w: str) -> bool:
    core = w[:-1]
    if len(core) < 2 or core in _STOP or _BAD_CHARS.search(core):
        return False
    return not (core.startswith(("、", "（", "）")) or core.endswith("、"))


def _acceptable(w: str) -> bool:
    """A known form (销售假冒注册商标的商品罪) always; an unknown one when it looks like a name."""
    if w.endswith("定罪") and official_name(w) is None:
        return False  # "以玩忽职守定罪处罚": the verb 定罪, not a name ending in 罪
    return official_name(w) is not None or _plausible(w)


def extract_charges(
    text: str, offset: int = 0, names: list[str] | None = None, day: dt.date | None = None
) -> list[ChargeMention]:
    """Charge mentions of ``text`` with the defendants each sentence attributes them to.

    ``day`` is the document's date: a former name is official before the date it was replaced.
    A written name that is no known form at all ("毒品贩卖罪") is kept with ``official=None`` and
    ``normalized=None`` when its context is a charge context (犯…罪, 构成…罪, 涉嫌…罪, and 以…罪
    followed by 追究 / 判处 / 定罪 / 提起公诉 …).
    """
    names = names or []
    out: list[ChargeMention] = []
    last_who: list[str] = []  # the defendants of the previous sentence's last charge
    for sm in _SENT_RE.finditer(text):
        sent = sm.group(0)
        prev_who, last_who = last_who, []
        if "罪" not in sent or _SKIP_SENT.search(sent):
            continue
        base = offset + sm.start()
        pos = 0
        while (m := _CHARGE_RE.search(sent, pos)) is not None:
            trig = m.group("trig")
            trig_start = m.start("trig")
            if not _acceptable(m.group("w")):
                pos = trig_start + 1  # "以被告人张某涉嫌毒品贩卖罪": look again from inside
                continue
            pos = m.end()
            if _PRIOR_BEFORE.search(sent[max(0, trig_start - 2) : trig_start]) and trig == "犯":
                continue
            if _NEG_BEFORE.search(sent[max(0, trig_start - 2) : trig_start]):
                continue
            cm = _COMBINED_WITH.search(sent[max(0, trig_start - 45): trig_start])
            if cm and "并罚" in sent[pos:] and not any(cm.group(0)[1:].startswith(n) for n in names) \
                    and "共同" not in cm.group(0):
                continue  # "与之前犯诈骗罪…没有执行的刑罚并罚": an earlier judgment's charge
            w0, w0_start = m.group("w"), m.start("w")
            if trig == "犯":
                # "被告人张恒侵犯公民个人信息罪一案": the 犯 of 侵犯 is no trigger when the word before it
                # and the name make an official charge
                for k in (1, 2):
                    longer = sent[max(0, trig_start - k): trig_start] + "犯" + w0
                    if len(longer) == len(w0) + k + 1 and official_name(longer) is not None \
                            and written_is_official(longer):
                        w0, w0_start = longer, trig_start - k
                        trig_start -= k
                        break
            found = [(w0_start, w0)]
            while (c := _CHAIN_RE.match(sent, pos)) is not None:
                found.append((c.start("w"), c.group("w")))
                pos = c.end()
            yi_ok = trig != "以" or _YI_CONTEXT.match(sent, pos) is not None
            who = names_in_sentence(sent, names, before=trig_start)
            case_at = sent.rfind("一案", 0, trig_start)
            if case_at >= 0 and len(who) > 1:
                # "被告人甲、乙…一案，经本院审查认为，被告人甲的行为…应当以…罪": after the case cause
                # the names that follow it say whose charge this is
                own = names_in_sentence(sent[case_at:], names, before=trig_start - case_at)
                who = own or who
            if len(who) > 1 and len(found) > 1 and re.match(r"\s*一案", sent[pos:]):
                # "被告人甲、乙涉嫌A罪、B罪一案": the case's charges, not each defendant's
                who = []
            if not who and prev_who and sent.lstrip().startswith("犯"):
                who = list(prev_who)  # "被告人甲犯盗窃罪，判处…；犯抢劫罪，判处…": still 甲
            if not who and len(names) == 1:
                who = list(names)
            last_who = list(who)
            for st, w in found:
                if not _acceptable(w):
                    continue
                norm = official_name(w)
                if norm is None and (not yi_ok or not _UNKNOWN_OK.fullmatch(w)):
                    continue  # an unknown name outside a clear charge context: not reported
                out.append(
                    ChargeMention(
                        start=base + st, end=base + st + len(w), text=w, written=w,
                        official=norm if norm is not None and written_official_on(w, day) else None,
                        normalized=norm, defendants=list(who),
                    )
                )
    return out


def charge_names(mentions: list[ChargeMention]) -> list[str]:
    """Distinct names in order: the official name meant (偷窃罪 → 盗窃), or the written form
    without 罪 when it maps to no official name."""
    seen: list[str] = []
    for c in mentions:
        n = c.official or c.normalized or c.written.removesuffix("罪")
        if n not in seen:
            seen.append(n)
    return seen
