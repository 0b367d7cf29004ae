"""Each charge's own part of the facts, for a case of several charges measured in money.

数罪并罚 (刑法第六十九条) punishes each crime on its own: the amount, and so the tier, of a 盗窃 count is the
money stolen, not the case's money as a whole. The experts read amounts from whatever text they get, so each
charge's expert is given the facts without the sentences that tell only of another charge's acts
(``by_charge.yaml``). When a charge has no sentence of its own, or the split leaves nothing to read, the
whole facts are kept: the split never removes a case's only account of its money.

An accusation of several charges is usually told in numbered parts (一、××罪…二、××罪…, CAIL masking the
charge's name): a sentence of a part that names no act belongs to the charge whose acts the part's other
sentences name, and when every charge but one has its parts, the parts that name no act belong to that one
(CAIL masks the act of the charge too: 持刀××了店内财物).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from knowledge.yamlfile import load_yaml

HERE = Path(__file__).parent
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?\n]?")
# a numbered part of the facts: 一、 (top level), （一）, or a masked charge heading (××罪2013年…), at the
# text's, a sentence's or a clause's start
_PARTS = (re.compile(r"(?:^|(?<=[。；;：:，,\n]))\s*[一二三四五六七八九十]{1,3}[、.．]"),
          re.compile(r"(?:^|(?<=[。；;：:，,\n]))\s*[（(][一二三四五六七八九十]{1,3}[）)]"),
          re.compile(r"(?:^|(?<=[。；;：:，,\n]))\s*××罪"))
# where the account of the acts ends (the prosecutor's or court's reasoning, the evidence)
_END = re.compile(r"(?:公诉机关|检察院|本院|该院)(?:据此|经审查)?认为|[，,](?:并|据此|故|遂)?认为被告人"
                  r"|公诉机关(?:为证实|向本院|当庭|提供|出示|认定上述)|上述(?:犯罪)?事实")


@functools.lru_cache(maxsize=1)
def _acts() -> dict[str, re.Pattern[str]]:
    raw = load_yaml(HERE / "by_charge.yaml") or {}
    return {str(k): re.compile(str(v)) for k, v in (raw.get("acts") or {}).items()}


def split_facts(facts: str, charges: list[str]) -> dict[str, str]:
    """``{charge: its text}`` for the charges whose acts the table knows; charges not in the result read
    the whole facts. Empty when fewer than two known charges tell their acts in sentences of their own."""
    from models.experts import clean_charge

    acts = _acts()
    known = [c for c in dict.fromkeys(charges) if clean_charge(c) in acts]
    if len(known) < 2:
        return {}
    sentences = _SENTENCE.findall(facts)
    owners: list[set[str]] = [{c for c in known if acts[clean_charge(c)].search(s)} for s in sentences]
    _own_parts(facts, sentences, owners, known)
    own = {c: [i for i, o in enumerate(owners) if o == {c}] for c in known}
    if sum(1 for c in known if own[c]) < 2:
        return {}
    out: dict[str, str] = {}
    for c in known:
        if not own[c]:
            continue
        out[c] = "".join(s for s, o in zip(sentences, owners, strict=True) if not o or c in o)
    return out


def _parts(facts: str, sentences: list[str]) -> list[int]:
    """The numbered part (0, 1, …) of each sentence; -1 before the first part and after the acts' account.
    Empty when the facts have fewer than two parts of one kind."""
    for rx in _PARTS:
        starts = [m.start() for m in rx.finditer(facts)]
        if len(starts) < 2:
            continue
        end = _END.search(facts, starts[-1])
        stop = end.start() if end else len(facts)
        out, pos = [], 0
        for s in sentences:
            out.append(sum(1 for x in starts if x < pos + len(s)) - 1 if pos < stop else -1)
            pos += len(s)
        return out
    return []


def _own_parts(facts: str, sentences: list[str], owners: list[set[str]], known: list[str]) -> None:
    """Give a part's sentences that name no act to the one charge whose acts the part names; when all
    charges but one have parts of their own, the parts naming no act go to that one (in place)."""
    part = _parts(facts, sentences)
    if not part:
        return
    n = max(part) + 1
    named: list[set[str]] = [set() for _ in range(n)]
    for k, o in zip(part, owners, strict=True):
        if k >= 0 and len(o) == 1:
            named[k] |= o
    orphans = [k for k in range(n) if not named[k]]
    claimed = {c for s in named if len(s) == 1 for c in s}
    rest = [c for c in known if c not in claimed]
    if orphans and len(rest) == 1 and len(claimed) == len(known) - 1:
        for k in orphans:
            named[k] = {rest[0]}
    for i, (k, o) in enumerate(zip(part, owners, strict=True)):
        if k >= 0 and not o and len(named[k]) == 1:
            owners[i] = set(named[k])
