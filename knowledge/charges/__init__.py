"""Official charge names (罪名) ↔ articles ↔ accepted written forms.

Data, built by ``python -m knowledge.charges.build --laws DIR``:
- ``charges.json``: the 483 charges in force (最高检 罪名意见 1997 + 两高 补充规定 2002–2024), each
  with its 刑法 articles ``[article, sub, clause]`` (clause 0 = whole article), the source that
  set the name, and former names; plus CAIL labels and colloquial names (from ``aliases.yaml``);
- ``parts.json.gz``: legitimate parts of 选择性罪名 ("贩卖、运输毒品" → 走私、贩卖、运输、制造毒品).

Names are handled without the trailing 罪. Kinds of written forms: ``official`` (the catalogue
name), ``part`` (a legitimate part of a selective charge) — both are official usage — and
``former`` (abolished or renamed: 投毒 → 投放危险物质; official before the date in
``former_until``, see ``official_on``), ``cail`` (CAIL2018 labels) and ``colloquial`` (醉驾, 帮信,
掩隐 …) and ``variant`` (窝藏包庇 without 、), which normalise but are not official. 国境 / 边境 for
国（边）境 is a ``part``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

__all__ = [
    "all_charges",
    "articles_for",
    "charge_info",
    "charges_for_article",
    "find_charges",
    "form_kind",
    "is_official",
    "normalize_charge",
    "official_on",
    "official_until",
]

HERE = Path(__file__).resolve().parent
_HALF = str.maketrans("()[]", "（）［］")
_CAIL_BRACKETS = re.compile(r"[\[\]［］]")
OFFICIAL_KINDS = ("official", "part")


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((HERE / "charges.json").read_text(encoding="utf-8"))


_FORMS_VERSION = "1"  # bump when _build_forms changes


@lru_cache(maxsize=1)
def _forms() -> dict[str, tuple[str, str]]:
    """Written form (without 罪) → (official name, kind). Official names win over everything.

    Built once per version of the data files and kept in the data dir's cache (knowledge.artifact)."""
    from knowledge.artifact import cached_from_files

    return cached_from_files("charges", [HERE / "charges.json", HERE / "parts.json.gz"], _FORMS_VERSION,
                             _build_forms)


def _build_forms() -> dict[str, tuple[str, str]]:
    d = _data()
    forms: dict[str, tuple[str, str]] = {}
    for k, v in d["colloquial"].items():
        forms[k] = (v, "colloquial")
    for k, v in d["cail"].items():
        forms[_clean(k)] = (v, "cail")
    for c in d["charges"]:
        for f in c["former"]:
            forms[f] = (c["name"], "former")
    parts = json.loads(gzip.decompress((HERE / "parts.json.gz").read_bytes()))
    for k, v in parts["former"].items():
        forms.setdefault(k, (v, "former"))
    official = {k: (v, "part") for k, v in parts["part"].items()}
    for c in d["charges"]:
        official[c["name"]] = (c["name"], "official")
    names = set(official)
    for k, (v, _) in official.items():
        # 国（边）境 names one of 国境 / 边境: 组织他人偷越国境 is a legitimate part
        for var in set(_border_variants(k)) - {k} - names:
            forms[var] = (v, "part")
    for k, (v, _) in official.items():
        # typographic variant: 窝藏包庇 (no 、)
        var = k.replace("、", "")
        if var != k:
            forms.setdefault(var, (v, "variant"))
    forms.update(official)
    return forms


def _border_variants(name: str) -> list[str]:
    if "国（边）境" in name:
        return [name.replace("国（边）境", x) for x in ("国境", "边境", "国、边境", "国边境", "国(边)境")]
    if "国（境）外" in name:
        return [name.replace("国（境）外", x) for x in ("国外", "境外", "国、境外")]
    return []


@lru_cache(maxsize=1)
def _by_name() -> dict[str, dict]:
    return {c["name"]: c for c in _data()["charges"]}


def _clean(name: str) -> str:
    s = (name or "").strip().translate(_HALF)
    s = re.sub(r"[\s\u3000《》“”\"]", "", s)
    return _CAIL_BRACKETS.sub("", s)


def _strip_zui(s: str) -> str:
    return s[:-1] if s.endswith("罪") and len(s) > 1 else s


@lru_cache(maxsize=4096)
def form_kind(name: str) -> tuple[str, str] | None:
    """(official name, kind) of a written form (with or without 罪), or None."""
    s = _clean(name)
    if not s:
        return None
    forms = _forms()
    hit = forms.get(s) or forms.get(_strip_zui(s))
    if hit and _CAIL_BRACKETS.search(name):
        return (hit[0], "cail")  # "[窝藏、包庇]" is a CAIL label, not how a document writes it
    return hit


def normalize_charge(name: str) -> str | None:
    """Official full name without 罪 from any accepted form; None if not a charge.

    "贩卖毒品罪" → "走私、贩卖、运输、制造毒品"; "醉驾" → "危险驾驶"; "投毒罪" → "投放危险物质";
    CAIL "[生产、销售][有毒、有害]食品" → "生产、销售有毒、有害食品".
    """
    hit = form_kind(name)
    return hit[0] if hit else None


def is_official(name: str) -> bool:
    """True for an official name or a legitimate part of a selective charge, with or without 罪."""
    hit = form_kind(name)
    return bool(hit and hit[1] in OFFICIAL_KINDS)


def official_until(name: str) -> dt.date | None:
    """The date a former name (or a part of one) stopped being official, with or without 罪:
    伪造居民身份证罪 → 2015-11-01 (补充规定（六）). None for names that are official now, and for
    forms that never were."""
    hit = form_kind(name)
    if not hit or hit[1] != "former":
        return None
    day = _data().get("former_until", {}).get(_strip_zui(_clean(name)))
    return dt.date.fromisoformat(day) if day else None


def official_on(name: str, day: dt.date | None) -> bool:
    """True when ``name`` was an official name (or a legitimate part of one) on ``day``: an official
    name now, or a former name used before the 补充规定 that replaced it took effect. With no
    date, only the names official now."""
    if is_official(name):
        return True
    if day is None:
        return False
    until = official_until(name)
    return until is not None and day < until


def charge_info(charge: str) -> dict | None:
    """The catalogue entry: ``{"name", "articles": [[article, sub, clause]…], "source", "former"}``."""
    n = normalize_charge(charge)
    return _by_name().get(n) if n else None


def articles_for(charge: str) -> list[tuple[int, int]]:
    """(article, sub) of the 刑法 articles defining ``charge`` (any accepted form); [] if unknown."""
    info = charge_info(charge)
    if not info:
        return []
    out: list[tuple[int, int]] = []
    for a, s, _ in info["articles"]:
        if (a, s) not in out:
            out.append((a, s))
    return out


@lru_cache(maxsize=1)
def _article_index() -> dict[tuple[int, int], list[str]]:
    idx: dict[tuple[int, int], list[str]] = {}
    for c in _data()["charges"]:
        for a, s, _ in c["articles"]:
            lst = idx.setdefault((a, s), [])
            if c["name"] not in lst:
                lst.append(c["name"])
    return idx


def charges_for_article(article: int, sub: int = 0) -> list[str]:
    """Official names of the charges defined in 刑法 第article条[之sub]."""
    return list(_article_index().get((article, sub), ()))


def all_charges() -> list[str]:
    """The official charge names in force (without 罪), in article order."""
    return [c["name"] for c in _data()["charges"]]


# --------------------------------------------------------------------------- finding mentions


@lru_cache(maxsize=1)
def _lengths() -> dict[str, tuple[int, ...]]:
    """Last character of a form → lengths of the forms ending with it, longest first."""
    by_last: dict[str, set[int]] = {}
    for k in _forms():
        by_last.setdefault(k[-1], set()).add(len(k))
    return {c: tuple(sorted(v, reverse=True)) for c, v in by_last.items()}


def find_charges(text: str) -> list[tuple[int, int, str, str]]:
    """Charge mentions "…罪" in ``text``: (start, end, official name, written form).

    ``end`` includes the 罪; ``written form`` is the text as written (with 罪) — check it with
    ``is_official`` to tell 盗窃罪 from 醉驾罪 / 投毒罪. At each 罪 the longest known form ending
    there wins; mentions do not overlap. Cost: a few dict look-ups per 罪 in the text.
    """
    forms = _forms()
    lengths = _lengths()
    t = text.replace("(", "（").replace(")", "）") if "(" in text or ")" in text else text
    out: list[tuple[int, int, str, str]] = []
    last_end = 0
    i = t.find("罪")
    while i != -1:
        for n in lengths.get(t[i - 1], ()) if i else ():
            start = i - n
            if start < last_end:
                continue
            hit = forms.get(t[start:i])
            if hit:
                out.append((start, i + 1, hit[0], text[start : i + 1]))
                last_end = i + 1
                break
        i = t.find("罪", i + 1)
    return out
