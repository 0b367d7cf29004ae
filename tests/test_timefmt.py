"""models.timefmt: stored UTC times shown in the configured zone with the zone named."""

from __future__ import annotations

import datetime as dt

from models.timefmt import labelled, local, to_utc_naive, zone_label


def test_local_time_and_label() -> None:
    # Beijing is UTC+8 all year: 16:05 UTC on 31 Dec is 00:05 on 1 Jan
    assert local("2025-12-31T16:05:00Z", "Asia/Shanghai") == "2026-01-01 00:05:00"
    assert local(dt.datetime(2025, 12, 31, 16, 5), "Asia/Shanghai") == "2026-01-01 00:05:00"
    assert labelled("2025-12-31T16:05:00Z", "Asia/Shanghai") == "2026-01-01 00:05:00（北京时间）"
    assert zone_label("Asia/Shanghai") == "北京时间"
    assert zone_label("Asia/Tokyo") == "Asia/Tokyo UTC+09:00"
    assert local(None) == "" and labelled("", "Asia/Shanghai") == ""
    assert local("不是时间", "Asia/Shanghai") == "不是时间"


def test_local_day_to_stored_utc() -> None:
    # the Beijing day 2026-03-01 starts at 2026-02-28 16:00 UTC
    assert to_utc_naive(dt.date(2026, 3, 1), "Asia/Shanghai") == dt.datetime(2026, 2, 28, 16, 0)
    assert to_utc_naive(dt.date(2026, 3, 1), "UTC") == dt.datetime(2026, 3, 1, 0, 0)
