"""Defendants from the parties section, and where they are mentioned elsewhere.

"被告人张3，女，1975年4月16日出生，汉族，…因涉嫌诈骗罪于2017年4月28日被刑事拘留，同年5月3日
被逮捕" → name, sex, birth date, ID number, ethnicity, compulsory measures (with dates), prior
record. Names in real data are often masked (张3, 李×1, 王某某, 牟某甲) and are kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from models.extract.dates import DATE_RE, extract_dates
from models.types import Defendant

_NAME_CHARS = r"[\u4e00-\u9fff\d×＊*ＸXxＹY某甲乙丙丁]"
# 张3, 李×1, 王某某, XXX, 吴xx, and transliterated names with a middle dot: 努尔买买提·库尔班
NAME_RE = (
    rf"(?:自报)?(?:[\u4e00-\u9fffXxＸ]{_NAME_CHARS}{{0,5}}?[·•．.]{_NAME_CHARS}{{1,8}}?"
    rf"|[\u4e00-\u9fffXxＸ]{_NAME_CHARS}{{0,4}}?)"
)
_ROLE_PREFIX = r"(?:上诉人|抗诉人)?[（(]?(?:原审)?被告人(?:暨[^）)，,]{0,12})?[）)]?"
# An entry starts at the section start or after a space / full stop: 被告人张3，女，…
_ENTRY_RE = re.compile(
    rf"(?:^|(?<=[\s。；;])){_ROLE_PREFIX}[：:]?\s*(?P<name>{NAME_RE})"
    r"(?P<alias>[（(][^）)]{0,30}[）)])?(?=[，,。；;])"
)
_ENTRY_END_RE = re.compile(
    r"(?:^|(?<=[\s。；;]))(?:被告人|上诉人|原审被告人|被告单位|辩护人|委托诉讼代理人|诉讼代理人|法定代理人|"
    r"诉讼代表人|附带民事诉讼|公诉机关|指定辩护人)"
)
_PERSONAL_RE = re.compile(r"[男女]|出生|生于|族|身份|户籍|住|因本案|涉嫌|羁押|拘留|逮捕|取保|监视居住|文化|自报|年龄")
_SEX_RE = re.compile(r"[，,]\s*(男|女)\s*(?=[，,。；;])")
_ETHNIC_RE = re.compile(r"[，,]\s*([\u4e00-\u9fff]{1,5}族)\s*(?=[，,。；;])")
_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])")
_CURRENT_RE = re.compile(r"因涉嫌|因本案|涉嫌犯?[\u4e00-\u9fff、]{2,20}罪")
_RECORD_CUE_RE = re.compile(r"判处|处罚|劳动教养|劳教|刑满释放|假释|免予刑事处罚|定罪免刑")
_RECORD_START_RE = re.compile(
    r"曾因|曾于|曾被|因犯|(?:\d{4}|[〇一二三四五六七八九]{4})年(?:\d{1,2}月(?:\d{1,2}日)?)?[，,]?(?:因|被)"
)
_MEASURE_ROLES = ("detention", "arrest", "bail", "residence")
_BIRTH_BEFORE_RE = re.compile(r"(?:出生于?|生于)(?=\d{4}年)")
_BAD_NAMES = {"人", "的", "及", "均", "某", "等"}
_BAD_FIRST = set("曾所的系在因对于均是应已其到等及与和将被为自已经")
_BAD_LAST = set("的之等均及与和在对系")


def _clean_name(name: str) -> str | None:
    name = name.strip()
    if name.startswith("自报") and len(name) > 3:
        name = name[2:]
    if not name or name in _BAD_NAMES or len(name) > (16 if "·" in name or "•" in name else 6):
        return None
    return name


_BARE_END_RE = re.compile(
    r"[。；;]?\s*(?:$|\n|(?=(?:被告人|辩护人|指定辩护人|委托辩护人|法定代理人|诉讼代理人|被告单位)))"
)


def extract_defendants(text: str, offset: int = 0, bare: bool = False) -> list[Defendant]:
    """Defendant entries of a parties section (or any text laid out like one).

    An entry needs personal particulars (sex, birth, …) within 80 characters, except with ``bare``
    (``text`` is a parties section): then "被告人刘某某。" alone on its line is an entry too (a
    量刑建议书 often names the defendant without particulars)."""
    out: list[Defendant] = []
    entries = [
        m for m in _ENTRY_RE.finditer(text)
        if _PERSONAL_RE.search(text, m.end(), m.end() + 80)
        or (bare and _BARE_END_RE.match(text, m.end()) is not None)
    ]
    for i, m in enumerate(entries):
        name = _clean_name(m.group("name"))
        if name is None:
            continue
        limit = entries[i + 1].start() if i + 1 < len(entries) else len(text)
        end = limit
        for e in _ENTRY_END_RE.finditer(text, m.end(), limit):
            if not text.startswith("被告人" + name, e.start()):  # "…。被告人陈永龙曾因吸毒…" goes on
                end = e.start()
                break
        entry = text[m.start() : end]
        d = Defendant(name=name, start=offset + m.end("name") - len(name), end=offset + m.end("name"))
        if (s := _SEX_RE.search(entry)) is not None:
            d.sex = s.group(1)
        if (s := _ETHNIC_RE.search(entry)) is not None and s.group(1) not in ("民族",):
            d.ethnicity = s.group(1)
        if (s := _ID_RE.search(entry)) is not None:
            d.id_number = s.group(1).upper()
        cur = _CURRENT_RE.search(entry)
        # the current case's measures start with the clause of "因涉嫌…" (its date may come first:
        # "2016年9月5日因涉嫌犯故意伤害罪被…刑事拘留")
        cur_pos = max(entry.rfind(ch, 0, cur.start()) for ch in "。；;，,") + 1 if cur else None
        if cur_pos:
            # "2018年3月17日，因涉嫌危险驾驶罪被取保候审": the lone date clause before belongs to it
            prev = max(entry.rfind(ch, 0, cur_pos - 1) for ch in "。；;，,") + 1
            if DATE_RE.fullmatch(entry[prev : cur_pos - 1].strip()):
                cur_pos = prev
        for dm in extract_dates(entry, offset + m.start(), chain=True):
            rel = dm.start - offset - m.start()
            if dm.role == "birth" and d.birth_date is None:
                d.birth_date = dm.date
            elif dm.role in _MEASURE_ROLES and (cur_pos is None or rel >= cur_pos):
                d.measures.append(dm)
        if d.birth_date is None:
            b = _BIRTH_BEFORE_RE.search(entry)
            if b:
                ds = extract_dates(entry[b.end() : b.end() + 14])
                if ds:
                    d.birth_date = ds[0].date
        d.record = _records(entry[:cur_pos] if cur_pos is not None else entry)
        out.append(d)
    return out


def _records(entry: str) -> list[str]:
    """Prior convictions / punishments: the clauses with 判处/处罚… (split at 。；)."""
    recs: list[str] = []
    for part in re.split(r"[。；;]", entry):
        if not _RECORD_CUE_RE.search(part):
            continue
        st = _RECORD_START_RE.search(part)
        piece = part[st.start() :] if st else part
        piece = piece.strip("，, ")
        if piece:
            recs.append(piece)
    return recs




def defendant_names_fallback(text: str) -> list[str]:
    """Names from "被告人X犯…/被告人X、Y…" when no parties section gave any (first-seen order)."""
    seen: list[str] = []
    for m in re.finditer(rf"被告人((?:{NAME_RE})(?:、{NAME_RE})*)(?=犯|涉嫌)", text):
        for n in m.group(1).split("、"):
            n2 = _clean_name(n)
            if n2 and len(n2) >= 2 and n2[0] not in _BAD_FIRST and n2[-1] not in _BAD_LAST and n2 not in seen:
                seen.append(n2)
    # "郑某某的犯罪…" next to "郑某某犯…": keep the shorter name
    return [n for n in seen if not any(o != n and n.startswith(o) for o in seen)]


def name_mentions(text: str, names: Iterable[str], offset: int = 0) -> list[tuple[int, int, str]]:
    """Every occurrence of a known defendant name (longest names first, no overlaps)."""
    ns = sorted({n for n in names if n}, key=len, reverse=True)
    if not ns:
        return []
    pat = _names_pattern(tuple(ns))
    return [(offset + m.start(), offset + m.end(), m.group(0)) for m in pat.finditer(text)]


_PAT_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def _names_pattern(ns: tuple[str, ...]) -> re.Pattern[str]:
    p = _PAT_CACHE.get(ns)
    if p is None:
        # a masked name like 张3 must not match inside 张31; 王某 not inside 王某某
        p = re.compile("|".join(f"{re.escape(n)}(?![\\d某×])" for n in ns))
        if len(_PAT_CACHE) > 256:
            _PAT_CACHE.clear()
        _PAT_CACHE[ns] = p
    return p


_ALL_RE = re.compile(r"(?:二|两|三|四|五|六|七|八|九|十|各|上述|全体|多名)被告人|被告人(?:均|都)|均系|均具有|均有")


def names_in_sentence(sentence: str, names: Iterable[str], before: int | None = None) -> list[str]:
    """Defendants a sentence speaks of: the names it mentions (before position ``before`` if
    given); all of them for "二被告人…/…均系…"; [] when it names none."""
    ns = list(names)
    scope = sentence if before is None else sentence[:before]
    found = [n for _, _, n in name_mentions(scope, ns)]
    if not found and _ALL_RE.search(sentence):
        return ns
    uniq: list[str] = []
    for n in found:
        if n not in uniq:
            uniq.append(n)
    return uniq
