"""Times shown to people: stored times are naive UTC; they are shown in the configured time zone
(``JIANCHA_TIMEZONE``, default Asia/Shanghai) as 2026-12-07 08:30:00."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = "%Y-%m-%d %H:%M:%S"


@lru_cache(maxsize=8)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8), "UTC+8")


def zone_name() -> str:
    from knowledge.settings import get_settings

    return get_settings().timezone


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
