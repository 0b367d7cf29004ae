"""Articles cited beside a charge's own when the facts or the defendant's record tell of their condition
(``knowledge/charges/article_cues.yaml``): 356 毒品再犯, 269 转化型抢劫, 196 盗窃信用卡并使用, and the penalty
articles of charges defined elsewhere (383, 386, 390), which apply by law.

An entry's ``pattern`` is what the facts must say; ``record``, what a defendant's prior conviction read from the
particulars must say — where the particulars record any conviction they decide, and the weaker ``evidence`` cue
(a prior judgment listed among the evidence, of a crime the text does not name) is not read; ``unless``: charges
that, given too, rule the article out."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from knowledge.yamlfile import load_yaml

# a criminal conviction, not an administrative punishment (因吸毒被行政拘留) listed in the same record
_CONVICTION = re.compile(r"罪[^。；]{0,40}(?:判处|判刑|被判)|(?:判处|被判)[^。；]{0,30}(?:有期徒刑|拘役|管制|罚金)")


@dataclass(frozen=True)
class Cue:
    """One entry of article_cues.yaml."""

    article: int
    charges: frozenset[str]
    pattern: re.Pattern[str] | None  # the facts tell of the condition
    record: re.Pattern[str] | None  # a prior conviction in the particulars tells of it
    evidence: re.Pattern[str] | None  # weaker: read only when the particulars record no conviction
    unless: frozenset[str] = frozenset()  # charges that, given too, rule the article out

    def applies(self, charges: set[str]) -> bool:
        return bool(self.charges & charges) and not self.unless & charges

    def holds(self, text: str, convictions: list[str]) -> bool:
        if self.pattern is None and self.record is None and self.evidence is None:
            return True  # by law whenever the charge is given (383 with 贪污…)
        if self.pattern is not None and self.pattern.search(text):
            return True
        if self.record is not None and convictions:
            return any(self.record.search(c) for c in convictions)
        return self.evidence is not None and bool(self.evidence.search(text))


@functools.lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    from knowledge.charges import HERE

    raw = load_yaml(HERE / "article_cues.yaml") or {}

    def rx(v: Any) -> re.Pattern[str] | None:
        return re.compile(v) if v else None

    return tuple(Cue(int(k), frozenset(v["charges"]), rx(v.get("pattern")), rx(v.get("record")),
                     rx(v.get("evidence")), frozenset(v.get("unless") or ())) for k, v in raw.items())


def convictions(el) -> list[str]:
    """The prior criminal convictions in the defendants' particulars of a document's elements
    ("2015年2月因贩卖毒品罪被判处有期徒刑…")."""
    return [r for d in el.defendants for r in d.record if _CONVICTION.search(r)]


def cue_articles(charges: list[str], text: str, prior: list[str]) -> list[int]:
    """The cue articles of the given charges that hold for ``text`` (the whole input) and ``prior`` (the
    defendants' prior convictions, ``convictions``; [] when the input has no particulars)."""
    given = set(charges)
    return [c.article for c in cues() if c.applies(given) and c.holds(text, prior)]
