"""Case timelines (全流程): the procedural events of a case with date and actor, read from the
documents (the dates the extractors already found, ``DocElements.dates``) and from a
case-management export (CSV / Excel / JSON, see ``export.py``), merged per case with the
conflicts (same event, different dates) reported.

The event vocabulary (names, synonyms, document cues) is data: ``events.yaml`` beside this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml

EVENTS_FILE = Path(__file__).with_name("events.yaml")


@dataclass(frozen=True)
class EventKind:
    key: str
    name: str
    synonyms: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    not_before: str = ""
    roles: tuple[str, ...] = ()
    repeat: bool = False
    actor: str = ""


@lru_cache(maxsize=1)
def event_kinds() -> tuple[EventKind, ...]:
    data = load_yaml(EVENTS_FILE)
    return tuple(
        EventKind(
            key=d["key"], name=d["name"], synonyms=tuple(d.get("synonyms", ())),
            cues=tuple(d.get("cues", ())), not_before=d.get("not_before", ""),
            roles=tuple(d.get("roles", ())), repeat=bool(d.get("repeat", False)), actor=d.get("actor", ""),
        )
        for d in data
    )


def kind_by_key() -> dict[str, EventKind]:
    return {k.key: k for k in event_kinds()}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    out: dict[str, str] = {}
    for k in event_kinds():
        for n in (k.name, k.key, *k.synonyms):
            out[_norm(n)] = k.key
    return out


def _norm(s: str) -> str:
    return "".join(s.split()).lower()


def event_key(name: str) -> str | None:
    """The event key for a name or synonym from an export (None when unknown)."""
    return _names().get(_norm(name))


@dataclass
class Event:
    key: str  # EventKind.key
    date: dt.date
    source: str  # 起诉书 / 量刑建议书 / 判决书 / 案管导出
    actor: str = ""  # 承办人 or the institution the document names
    department: str = ""  # 部门
    defendant: str = ""
    text: str = ""  # the document words or the export cell the event was read from
    start: int = -1  # document offset (documents only)

    @property
    def name(self) -> str:
        return kind_by_key()[self.key].name

    def to_dict(self) -> dict[str, Any]:
        return {"事件": self.name, "key": self.key, "日期": self.date.isoformat(), "来源": self.source,
                "承办人": self.actor, "部门": self.department, "被告人": self.defendant, "原文": self.text}


@dataclass
class Conflict:
    key: str
    defendant: str
    dates: dict[str, list[dt.date]]  # source → dates

    @property
    def name(self) -> str:
        return kind_by_key()[self.key].name

    def message(self) -> str:
        who = f"（被告人{self.defendant}）" if self.defendant else ""
        parts = "；".join(f"{src}：{'、'.join(_cn(d) for d in ds)}" for src, ds in self.dates.items())
        return f"“{self.name}”{who}日期不一致：{parts}"

    def to_dict(self) -> dict[str, Any]:
        return {"事件": self.name, "key": self.key, "被告人": self.defendant,
                "日期": {s: [d.isoformat() for d in ds] for s, ds in self.dates.items()},
                "说明": self.message()}


def _cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class Timeline:
    case_id: str
    events: list[Event] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def dates(self, key: str) -> list[dt.date]:
        """The distinct dates of one event kind, earliest first (all defendants)."""
        return sorted({e.date for e in self.events if e.key == key})

    def first(self, key: str) -> dt.date | None:
        ds = self.dates(key)
        return ds[0] if ds else None

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "events": [e.to_dict() for e in self.events],
                "conflicts": [c.to_dict() for c in self.conflicts]}


def case_timeline(case, export_events: list[Event] | None = None) -> Timeline:
    """The merged timeline of an extracted case (``models.types.Case``): its documents' events
    plus ``export_events`` (or the events attached to the case, ``case.events``)."""
    from models.timeline.documents import document_events
    from models.timeline.merge import merge

    extra = export_events if export_events is not None else list(getattr(case, "events", []) or [])
    return merge(case.case_id, document_events(case) + extra)
