"""Charges the user gives (``--charge``, a ``"charges"`` field, a ``罪名：…`` / ``案由：…`` line): a list
written as one string → official names.

Several charges are separated by ；;，,、 or spaces, with or without 罪, in any accepted form (official,
former, CAIL label, colloquial). 、 also occurs inside names (强制猥亵、侮辱), so the items between
separators are joined back greedily: at each position the longest run of items that is one charge
wins ("盗窃、强制猥亵、侮辱妇女罪" → 盗窃 + 强制猥亵、侮辱).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.charges import normalize_charge

__all__ = ["parse_charge_list", "normalize_given"]

_HARD = re.compile(r"[；;，,\s/|]+")
_CASE_WORDS = re.compile(r"(?:一案|案件|案)$")


def _one(item: str) -> str | None:
    s = _CASE_WORDS.sub("", item.strip().rstrip("。．.").strip())
    if not s:
        return None
    n = normalize_charge(s)
    if n is None and s.startswith(("涉嫌", "犯")):
        n = normalize_charge(s[2:] if s.startswith("涉嫌") else s[1:])
    return n


def parse_charge_list(text: str) -> tuple[list[str], list[str]]:
    """(official names in order, items that are no charge) of a written list of charges."""
    names: list[str] = []
    unknown: list[str] = []
    for seg in _HARD.split(text or ""):
        seg = seg.strip()
        if not seg:
            continue
        whole = _one(seg)
        if whole is not None:
            names.append(whole)
            continue
        items = [x for x in seg.split("、") if x.strip()]
        i = 0
        while i < len(items):
            for j in range(len(items), i, -1):
                n = _one("、".join(items[i:j]))
                if n is not None:
                    names.append(n)
                    i = j
                    break
            else:
                unknown.append(items[i])
                i += 1
    return list(dict.fromkeys(names)), unknown


def normalize_given(values: Iterable[str] | str | None) -> tuple[list[str], list[str]]:
    """(official names, unknown items) of one or several given strings (each may hold a list)."""
    if values is None:
        return [], []
    if isinstance(values, str):
        values = [values]
    names: list[str] = []
    unknown: list[str] = []
    for v in values:
        if not isinstance(v, str):
            unknown.append(str(v))
            continue
        n, u = parse_charge_list(v)
        names += n
        unknown += u
    return list(dict.fromkeys(names)), unknown
