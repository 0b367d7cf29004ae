"""Merge the events of one case from all sources into a timeline and report conflicts.

Events with the same kind, date and defendant are one event (their sources joined). A conflict is
an event that happens once in a case (``repeat: false`` in events.yaml) for which the export
gives a date that none of the documents gives (when the documents date it at all; an export row
without a defendant is checked against every defendant's dates), or for which the export gives
two dates and no document dates it. Documents disagreeing among themselves (the indictment's date
and the filing date the judgment states, say) are kept as two events and left to the document
rules (PROC.*), which know what each document's date means.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from models.timeline import Conflict, Event, Timeline, kind_by_key

EXPORT = "案管导出"
PERSONAL = frozenset({"detention", "arrest_request", "arrest", "no_arrest", "bail", "residence"})


def _is_export(e: Event) -> bool:
    return e.source.startswith(EXPORT)


def merge(case_id: str, events: list[Event]) -> Timeline:
    names = {e.defendant for e in events if e.defendant}
    if len(names) == 1:  # one defendant: an undirected measure is his
        only = next(iter(names))
        for e in events:
            if e.key in PERSONAL:
                e.defendant = e.defendant or only
    merged: dict[tuple[str, dt.date, str], Event] = {}
    for e in events:
        k = (e.key, e.date, e.defendant)
        got = merged.get(k)
        if got is None:
            merged[k] = Event(e.key, e.date, e.source, e.actor, e.department, e.defendant, e.text, e.start)
            continue
        if e.source not in got.source.split("、"):
            got.source += "、" + e.source
        if _is_export(e):  # the export names the handler and department
            got.actor = e.actor or got.actor
            got.department = e.department or got.department
        else:
            got.text = got.text or e.text
    order = {k: i for i, k in enumerate(kind_by_key())}
    out = sorted(merged.values(), key=lambda e: (e.date, order[e.key], e.defendant))
    return Timeline(case_id, out, _conflicts(events))


def _conflicts(events: list[Event]) -> list[Conflict]:
    kinds = kind_by_key()
    by: dict[tuple[str, str], dict[str, set[dt.date]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        if not kinds[e.key].repeat:
            by[(e.key, e.defendant)][EXPORT if _is_export(e) else e.source].add(e.date)
    out: list[Conflict] = []
    for (key, who), srcs in list(by.items()):
        exp = srcs.get(EXPORT, set())
        if not exp:
            continue
        if who:
            docs = set().union(*(d for s, d in srcs.items() if s != EXPORT))
        else:  # an export row without a defendant is checked against the dates of every defendant
            shown = {s: set(d) for s, d in srcs.items()}
            for (k2, w2), s2 in by.items():
                if k2 == key and w2:
                    for s, d in s2.items():
                        if s != EXPORT:
                            shown.setdefault(s, set()).update(d)
            srcs = shown
            docs = set().union(*(d for s, d in srcs.items() if s != EXPORT))
        # the documents date the event: every export date must be one of theirs (an event decided
        # again — bail renewed by the next organ, first- and second-instance judgments — keeps
        # several dates); no document date: the export must give one date only
        if (docs and not exp <= docs) or (not docs and len(exp) > 1):
            out.append(Conflict(key, who, {s: sorted(d) for s, d in srcs.items()}))
    order = {k: i for i, k in enumerate(kinds)}
    return sorted(out, key=lambda c: (order[c.key], c.defendant))
