"""A generated clean case checked against the judgment it was written from, by DOMAIN.md's rules of
the three documents — not by the checker's code: a clean case the generator wrote inconsistently is
set apart (kind "inconsistent") instead of being counted as a clean case the checker must pass.

The rules (DOMAIN.md, "The three documents" and "Dates"):
- every defendant the judgment introduces as 被告人 and sentences is named in the indictment;
- a defendant's 刑事拘留 comes before his 逮捕 (chronology: detention < arrest);
- the indictment's facts are the prosecution's: the defence's positions ("被告人…辩称", "辩护人…提出",
  objections) follow them in the judgment and are not part of them;
- a recommended fine quoted by the court as a range is recommended as a range, not as one amount;
- 前科 is a criminal record: the recommendation lists it only where the judgment shows one (a 违法前科 /
  违法劣迹 is an administrative sanction).
"""

from __future__ import annotations

import re
from typing import Any

# a party entry opens its own sentence ("被告人孔凡安，男，…"); "对被告人孔凡安犯贩卖毒品罪…" inside an old
# sentence's quotation is none
PARTY = re.compile(r"(?:^|[\s。；;])被告人([^\s，,。、（(：:；;犯罪]{1,12}?)[，,（(]")
DEFENCE = re.compile(r"辩称|辩解|辩护人|辩护意见|异议")
QUOTED_FINE_RANGE = re.compile(r"建议[^。]{0,160}?罚金[^。；]{0,20}?元[^。；]{0,4}(?:至|到)[^。；]{0,20}?元")
REC_FINE_RANGE = re.compile(r"罚金[^。；，]{0,20}?元?[^。；，]{0,4}(?:至|到)[^。；，]{0,20}?元")
CRIMINAL_RECORD = re.compile(r"(?<!违法)(?<!行政)前科|刑满释放|曾因[^。]{0,40}?被判处|曾被[^。]{0,20}?判处|被判处[^。]{0,40}?(?:释放|执行完毕)")


def _party_names(text: str) -> list[str]:
    """The defendants of the judgment's header (before the trial history)."""
    marks = ("人民检察院以", "起诉书指控", "公诉机关指控", "审理终结", "本院认为", "判决如下")
    end = min([i for i in (text.find(w) for w in marks) if i > 0] or [3000])
    out: list[str] = []
    for m in PARTY.finditer(text[:end]):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out


def inconsistencies(judgment: str, plan: Any, docs: dict[str, str]) -> list[str]:
    """What the generated documents of a clean case say against the judgment (empty: consistent)."""
    out: list[str] = []
    verdict = judgment[judgment.rfind("判决如下"):] if "判决如下" in judgment else ""
    for n in _party_names(judgment):
        if n in verdict and f"被告人{n}" not in docs["indictment"]:
            out.append(f"defendant {n} of the judgment not named in the indictment")
    for p in plan.persons:
        held = [d for k, d in p.custody if k == "刑事拘留"]
        arrested = [d for k, d in p.custody if k == "逮捕"]
        if held and arrested and min(arrested) < min(held):
            out.append(f"{p.name}: arrest {min(arrested)} before detention {min(held)}")
    if DEFENCE.search(plan.facts):
        out.append("the indictment's facts carry the defence's positions")
    if QUOTED_FINE_RANGE.search(judgment) and "罚金" in docs["recommendation"] \
            and not REC_FINE_RANGE.search(docs["recommendation"]) \
            and not re.search(r"并处罚金[。；，]", docs["recommendation"]):
        out.append("a fine range quoted by the court recommended as one amount")
    if any("前科" in p.circumstances for p in plan.persons) and not CRIMINAL_RECORD.search(judgment):
        out.append("前科 recommended but the judgment shows no criminal record")
    return out
