"""Split a document into named sections by markers (see ``patterns.yaml``).

Anchor sections (reliable markers such as 本院认为 / 判决如下 / 此致) are found first, in order;
the other sections are then placed between consecutive anchors by a small dynamic programme
that picks, for each section, at most one candidate position so that positions increase
in document order and the total weight of the sections found is maximal (ties: earliest).
Sections are contiguous: each runs to the start of the next section found; the first
starts at 0 and the last ends at the end of the text, so the sections cover the text.
"""

from __future__ import annotations

import re

from models.types import Section

from ._patterns import SectionSpec, patterns

_MAX_CANDIDATES = 6
_CASE_NUMBER = re.compile(
    r"[（(〔［\[]\d{4}[）)〕］\]][^\s（()）]{1,20}号|[^\s]{1,20}[〔［\[（(]\d{4}[〕］\]）)]\s*(?:第\s*)?\d+\s*号"
    r"|[^\s]{1,12}字第\s*\d+\s*号"
)
_NUMBER_WINDOW = 160  # the document's own number is in the header
# Recommendation text quoted inside the accusation ("公诉机关认为…建议判处…"): an evidence
# paragraph before it still belongs to the accusation.
_ACCUSATION_TAIL = re.compile(r"(?<!\S)(?:公诉机关(?:认为|建议|据此|提请|起诉认为)|[^\s。]{0,40}建议判处)")


def split_sections(text: str, kind: str) -> list[Section]:
    specs = patterns().sections.get(kind)
    if not specs or not text:
        return [Section("body", 0, len(text))] if text else []
    starts: dict[str, int] = {}
    # 1. anchors, in sequence
    cursor = 0
    number_end = _number_end(text)
    for spec in specs:
        if spec.rx is None:
            starts[spec.name] = 0
            continue
        if not spec.anchor:
            continue
        lo = max(cursor, number_end) if spec.after_number else cursor
        m = spec.rx.search(text, lo)
        if m is None and spec.after_number and lo > cursor:
            m = spec.rx.search(text, cursor)
        if m:
            pos = m.end() if spec.at_end else m.start()
            if pos >= len(text):
                continue
            starts[spec.name] = pos
            cursor = pos + 1
    # 2. the other sections, between the anchors around them
    i = 0
    n = len(specs)
    while i < n:
        if specs[i].anchor or specs[i].rx is None:
            i += 1
            continue
        j = i
        while j < n and not specs[j].anchor and specs[j].rx is not None:
            j += 1
        group = specs[i:j]
        lo = max((starts[s.name] + 1 for s in specs[:i] if s.name in starts), default=0)
        hi = min((starts[s.name] for s in specs[j:] if s.name in starts), default=len(text))
        _place(text, group, lo, hi, starts, kind)
        i = j
    found = sorted((pos, idx, spec.name) for idx, spec in enumerate(specs) if (pos := starts.get(spec.name)) is not None)
    out: list[Section] = []
    for k, (pos, _idx, name) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else len(text)
        if end > pos or not out:
            out.append(Section(name, pos, end))
    return out


def _number_end(text: str) -> int:
    m = _CASE_NUMBER.search(text, 0, _NUMBER_WINDOW)
    return m.end() if m else 0


def _place(text: str, group: tuple[SectionSpec, ...], lo: int, hi: int, starts: dict[str, int], kind: str) -> None:
    if lo >= hi:
        return
    cands: list[list[int]] = []
    tail = -1
    if kind == "judgment":
        for m in _ACCUSATION_TAIL.finditer(text, lo, hi):
            tail = m.start()
    for spec in group:
        assert spec.rx is not None
        pos: list[int] = []
        for m in spec.rx.finditer(text, lo, hi):
            p = m.end() if spec.at_end else m.start()
            if spec.name == "evidence" and p < tail:
                continue
            pos.append(p)
            if len(pos) >= _MAX_CANDIDATES:
                break
        cands.append(pos)
    # DP over sections in order: best[(k, min_pos)] = (weight, -positions...) chosen greedily
    memo: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}

    def best(k: int, min_pos: int) -> tuple[int, tuple[int, ...]]:
        if k == len(group):
            return 0, ()
        key = (k, min_pos)
        if key in memo:
            return memo[key]
        skip_w, skip_sel = best(k + 1, min_pos)
        result = (skip_w, (-1,) + skip_sel)
        for p in cands[k]:
            if p < min_pos:
                continue
            w, sel = best(k + 1, p + 1)
            w += group[k].weight
            if w >= result[0]:  # ties: take the section
                result = (w, (p,) + sel)
            break  # the earliest feasible candidate is always at least as good as later ones
        memo[key] = result
        return result

    _w, sel = best(0, lo)
    for spec, p in zip(group, sel, strict=True):
        if p >= 0:
            starts[spec.name] = p
