"""Charges named in a document, per defendant.

"被告人张3犯诈骗罪" / "以危险驾驶罪追究其刑事责任" / "其行为已构成寻衅滋事罪" / "涉嫌盗窃罪" /
"犯非法持有毒品罪、容留他人吸毒罪". The written form is kept; ``normalized`` is the official name it
means (``knowledge.charges.normalize_charge``: 偷窃罪 → 盗窃, None when unknown) and ``official`` is
that name only when the written form is itself official (None for 偷窃罪).
Prior convictions ("曾因犯…罪被判处"), defence claims ("辩护人认为…应构成故意伤害罪") and negated
forms ("不构成…罪") are not taken.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.extract.people import names_in_sentence
from models.types import ChargeMention

try:  # built by another engineer
    from knowledge.charges import is_official as _is_official
    from knowledge.charges import normalize_charge as _normalize_charge
except ImportError:  # pragma: no cover - until knowledge.charges lands
    _normalize_charge = None
    _is_official = None

# trigger + written name ending in 罪; "犯罪" inside a name (掩饰、隐瞒犯罪所得罪) is not its end
_NAME = r"(?P<w>(?:犯罪|(?!罪|犯罪)[\u4e00-\u9fff、]){2,30}?罪)"
_CHARGE_RE = re.compile(r"(?P<trig>犯有|犯|构成|涉嫌犯?|以)" + _NAME + r"(?!名)")
_CHAIN_RE = re.compile(r"[、和及与]" + _NAME + r"(?!名)")
_STOP = {
    "新", "前", "后", "数", "一", "本", "此", "该", "同种", "重", "轻", "何", "其他", "他", "多", "两",
    "二", "三", "各", "上述", "故意", "过失", "有", "无", "同", "异种", "新的", "何种",
}
_BAD_CHARS = re.compile(r"[的其了为被已均系之]|所犯|行为|目的|犯罪人|被告|判处|刑罚")
_SKIP_SENT = re.compile(r"辩护|辩称|辩解|不能成立|定性不当|不予支持|不予采纳|是否构成")
_PRIOR_BEFORE = re.compile(r"(?:曾因|曾|因|前因|又因)$")
_NEG_BEFORE = re.compile(r"(?:不|不应|不能|尚不|并不|否|未)$")
_SENT_RE = re.compile(r"[^。；;]+[。；;]?")


@lru_cache(maxsize=2048)
def written_is_official(written: str) -> bool:
    """True when the written form is itself an official charge name (with or without 罪)."""
    if _is_official is None:
        return True
    return bool(_is_official(written))


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
    return not (core.startswith("、") or core.endswith("、"))


def extract_charges(text: str, offset: int = 0, names: list[str] | None = None) -> list[ChargeMention]:
    """Charge mentions of ``text`` with the defendants each sentence attributes them to."""
    names = names or []
    out: list[ChargeMention] = []
    for sm in _SENT_RE.finditer(text):
        sent = sm.group(0)
        if "罪" not in sent or _SKIP_SENT.search(sent):
            continue
        base = offset + sm.start()
        for m in _CHARGE_RE.finditer(sent):
            trig_start = m.start("trig")
            if _PRIOR_BEFORE.search(sent[max(0, trig_start - 2) : trig_start]) and m.group("trig") == "犯":
                continue
            if _NEG_BEFORE.search(sent[max(0, trig_start - 2) : trig_start]):
                continue
            found = [(m.start("w"), m.group("w"))]
            pos = m.end()
            while (c := _CHAIN_RE.match(sent, pos)) is not None:
                found.append((c.start("w"), c.group("w")))
                pos = c.end()
            who = names_in_sentence(sent, names, before=trig_start)
            if not who and len(names) == 1:
                who = list(names)
            for st, w in found:
                if not _plausible(w):
                    continue
                norm = official_name(w)
                if norm is None and m.group("trig") == "以":
                    continue  # "以…罪" with an unknown name is too loose to report
                out.append(
                    ChargeMention(
                        start=base + st, end=base + st + len(w), text=w, written=w,
                        official=norm if norm is not None and written_is_official(w) else None,
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
