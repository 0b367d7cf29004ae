"""Times shown to people (web pages, exports, reports, CLI lists).

Stored times are naive UTC (or ISO strings ending in "Z"); people see them in the configured zone
(``JIANCHA_TIMEZONE``, default Asia/Shanghai) as ``2026-12-07 08:30:00`` with the zone named by
``zone_label()`` (北京时间 for China's zone). Lives in ``models/`` so the batch reports can use it
without importing ``server/``; ``server.timefmt`` re-exports it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = "%Y-%m-%d %H:%M:%S"
# Zone names that are Beijing time (China has one civil time zone).
_BEIJING = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}


@lru_cache(maxsize=8)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8), "UTC+8")


def zone_name() -> str:
    from knowledge.settings import get_settings

    return get_settings().timezone


def zone_label(zone: str | None = None) -> str:
    """The zone as people name it: 北京时间 for China's zone, else the IANA name with its UTC offset."""
    name = zone or zone_name()
    if name in _BEIJING:
        return "北京时间"
    offset = dt.datetime.now(_zone(name)).strftime("%z")  # +0900
    return f"{name} UTC{offset[:3]}:{offset[3:]}" if offset else name


def to_utc_naive(day: dt.date, zone: str | None = None) -> dt.datetime:
    """The start of a local calendar day as naive UTC (for filtering stored times by local date)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=_zone(zone or zone_name()))
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def local(value: dt.datetime | str | None, zone: str | None = None) -> str:
    """A stored UTC time (datetime or ISO string) as local time text; '' for None or unreadable."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(_zone(zone or zone_name())).strftime(FORMAT)


def labelled(value: dt.datetime | str | None, zone: str | None = None) -> str:
    """Local time with the zone named: ``2026-12-07 08:30:00（北京时间）``; '' for None."""
    text = local(value, zone)
    return f"{text}（{zone_label(zone)}）" if text else ""
