"""The day of the latest act told in a fact description, for the law (and the charge's name) in force
at the time of the acts (刑法第十二条).

Dates of the facts whose clause tells of something other than the acts (抓获, 投案, 鉴定, a prior
sentence, 刑满释放, 赔偿/谅解, procedure) are left out; the latest of the others is the last act. None
when the facts date nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from models.extract.dates import extract_dates

__all__ = ["earliest_act_date", "latest_act_date"]

_NOT_ACT = re.compile(
    r"抓获|抓捕|归案|投案|到案|自首|鉴定|评估|认定|检验|检测|判处|判决|裁定|释放|假释|缓刑|立案|报案|报警|扣押|"
    r"冻结|退赔|退还|退缴|退赃|赔偿|谅解|出生|拘留|逮捕|取保|监视居住|起诉|开庭|审理|通知|传唤|出具|作出")
_CLAUSE = re.compile(r"[。；;]")
_ROLES = {"offence", "other"}


def _act_dates(facts: str, today: dt.date | None = None) -> list[dt.date]:
    today = today or dt.date.today()
    out: list[dt.date] = []
    for m in extract_dates(facts, first_role="offence", timed_role="offence"):
        if m.role not in _ROLES or not (dt.date(1979, 1, 1) <= m.date <= today):
            continue
        stop = _CLAUSE.search(facts, m.end)
        clause = facts[m.end : stop.start() if stop else len(facts)]
        back = facts.rfind("。", 0, m.start)
        before = facts[max(back + 1, m.start - 12) : m.start]
        if _NOT_ACT.search(clause[:40]) or re.search(r"曾于|曾因|前科", before):
            continue
        out.append(m.date)
    return out


def latest_act_date(facts: str, today: dt.date | None = None) -> dt.date | None:
    return max(_act_dates(facts, today), default=None)


def earliest_act_date(facts: str, today: dt.date | None = None) -> dt.date | None:
    """The day of the first act told (the old law's articles apply to acts done before it changed)."""
    return min(_act_dates(facts, today), default=None)
