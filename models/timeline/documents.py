"""Timeline events read from the documents of a case.

No date is parsed here: the dates are the ``DateMention``s the extractor already found (with the
procedural role it gave them, ``models/extract/dates.py``). This module only names the event: a
cue of ``events.yaml`` in the clause right after the date wins (提请批准逮捕 / 不批准逮捕 /
退回补充侦查… which the extractor has no role for), else the extractor's role. The documents' own
dates are events too: the indictment's date is 提起公诉, the recommendation's 量刑建议, the
judgment's 判决.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.timeline import Event, EventKind, event_kinds

SOURCE = {"indictment": "起诉书", "recommendation": "量刑建议书", "judgment": "判决书"}
_CLAUSE_END = re.compile(r"[。；;，,]")
_LIST_JOIN = re.compile(r"^\s*(?:、|和|及|与)\s*$")
_OWN_DATE = {"indictment": "prosecution", "recommendation": "recommendation", "judgment": "judgment"}
# roles the extractor gives that are not procedural events
_NOT_EVENTS = {"offence", "birth", "term_start", "term_end", "other", "judgment"}


@lru_cache(maxsize=1)
def _cues() -> list[tuple[EventKind, re.Pattern[str], re.Pattern[str] | None]]:
    return [(k, re.compile("|".join(k.cues)), re.compile(k.not_before) if k.not_before else None)
            for k in event_kinds() if k.cues]


@lru_cache(maxsize=1)
def _by_role() -> dict[str, EventKind]:
    return {r: k for k in event_kinds() for r in k.roles}


def _clause(text: str, end: int, limit: int) -> str:
    stop = min(len(text), end + 40, limit)
    window = text[end:stop]
    m = _CLAUSE_END.search(window)
    return window[: m.start()] if m else window


def _classify(text: str, start: int, end: int, limit: int, role: str) -> EventKind | None:
    window = _clause(text, end, limit)
    best: tuple[int, EventKind] | None = None
    for kind, pat, veto in _cues():
        m = pat.search(window)
        if m is None or (veto is not None and veto.search(text, max(0, start - 20), start)):
            continue
        if best is None or m.start() < best[0]:
            best = (m.start(), kind)
    if best is not None:
        return best[1]
    return _by_role().get(role) if role not in _NOT_EVENTS else None


def _actor(kind: EventKind, el) -> str:
    if kind.actor == "court":
        return el.court or ""
    if kind.actor == "procuratorate":
        return el.procuratorate or ""
    return ""


def document_events(case) -> list[Event]:
    """Every procedural event the case's documents state, in document order."""
    out: list[Event] = []
    kinds = {k.key: k for k in event_kinds()}
    for doc in case.documents:
        el = case.elements.get(doc.kind)
        if el is None:
            continue
        src = SOURCE[doc.kind]
        text = doc.text
        owner: dict[int, str] = {}
        mentions = list(el.dates)
        seen = {m.start for m in mentions}
        for d in el.defendants:
            for m in d.measures:
                owner[m.start] = d.name
                if m.start not in seen:
                    mentions.append(m)
                    seen.add(m.start)
        mentions.sort(key=lambda m: m.start)
        single = len(el.defendants) == 1
        kinds_at: list[EventKind | None] = [None] * len(mentions)
        for i in range(len(mentions) - 1, -1, -1):  # backwards: a listed date takes the next one's event
            m = mentions[i]
            limit = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
            kind = _classify(text, m.start, m.end, limit, m.role)
            if kind is None and limit < len(text) and _LIST_JOIN.match(text[m.end:limit]):
                kind = kinds_at[i + 1]  # 于2018年9月11日、9月21日开庭
            kinds_at[i] = kind
        for m, kind in zip(mentions, kinds_at, strict=True):
            if kind is None:
                continue
            who = owner.get(m.start, "")
            if single and who:
                who = el.defendants[0].name
            out.append(Event(kind.key, m.date, src, actor=_actor(kind, el), defendant=who,
                             text=text[m.start:min(len(text), m.end + 30)].split("。")[0], start=m.start))
        if el.date is not None:
            kind = kinds[_OWN_DATE[doc.kind]]
            out.append(Event(kind.key, el.date, f"{src}落款", actor=_actor(kind, el), text="文书落款日期"))
    return out
