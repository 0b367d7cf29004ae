"""Sentencing circumstances (自首, 坦白, 认罪认罚, 累犯, 前科, 退赃退赔, 谅解, …) with negation.

Cue phrases live in ``circumstances.yaml``. A cue is negated when a negator stands right before it
in its clause ("不构成自首", "未取得被害人谅解", "无前科"), when a rejection follows it ("…自首的意见
不能成立"), or when its sentence reports a defence claim the court rejects ("辩护人提出…自首…的
意见，本院不予采纳"). Text inside 《…》 is never searched (law titles such as 自首和立功解释).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from models.extract.people import names_in_sentence
from models.types import CIRCUMSTANCES, Circumstance

_YAML = Path(__file__).with_name("circumstances.yaml")
_TITLE_RE = re.compile(r"《[^《》]{0,80}》")
_SENT_END_RE = re.compile(r"[。；;]")


@dataclass(frozen=True)
class _Spec:
    name: str
    cue: re.Pattern[str]
    skip: re.Pattern[str] | None


@dataclass(frozen=True)
class _Subsumed:
    name: str  # the weaker circumstance
    by: str  # the stronger one that, stated in the same sentence, absorbs it
    cue: re.Pattern[str]  # only cues of the weaker one matching this (full match) are dropped


@dataclass(frozen=True)
class _Config:
    specs: tuple[_Spec, ...]
    subsumed: tuple[_Subsumed, ...]
    prefix: re.Pattern[str]
    suffix: re.Pattern[str]
    claim: re.Pattern[str]
    rejected: re.Pattern[str]
    accepted: re.Pattern[str]


@lru_cache(maxsize=1)
def _config() -> _Config:
    data = yaml.safe_load(_YAML.read_text(encoding="utf-8"))
    specs = []
    for name, d in data["circumstances"].items():
        if name not in CIRCUMSTANCES:
            raise ValueError(f"unknown circumstance in {_YAML.name}: {name}")
        skip = d.get("skip") or []
        specs.append(
            _Spec(
                name=name,
                cue=re.compile("|".join(f"(?:{c})" for c in d["cues"])),
                skip=re.compile("|".join(f"(?:{s})" for s in skip)) if skip else None,
            )
        )
    n = data["negation"]
    subsumed = tuple(
        _Subsumed(name=x["name"], by=x["by"], cue=re.compile("|".join(f"(?:{c})" for c in x["cues"])))
        for x in data.get("subsumed") or []
    )
    return _Config(
        specs=tuple(specs),
        subsumed=subsumed,
        prefix=re.compile(n["prefix"]),
        suffix=re.compile(n["suffix"]),
        claim=re.compile(n["claim"]),
        rejected=re.compile(n["rejected"]),
        accepted=re.compile(n["accepted"]),
    )


def _clause_bounds(sent: str, pos: int) -> tuple[int, int]:
    a = max(sent.rfind(c, 0, pos) for c in "，,：:") + 1
    ends = [i for i in (sent.find(c, pos) for c in "，,。；;") if i >= 0]
    return a, (min(ends) if ends else len(sent))


def extract_circumstances(
    text: str, offset: int = 0, names: list[str] | None = None
) -> list[tuple[Circumstance, list[str]]]:
    """Circumstances of ``text`` with the defendants each applies to.

    Returns ``(Circumstance, names)`` pairs; ``names`` is the defendants named in the sentence
    before the cue (or anywhere in it), all of them for "二被告人…均…", the single defendant when
    there is only one, else [].
    """
    cfg = _config()
    names = names or []
    # blank out 《…》 so that law titles never give cues (keeps offsets)
    masked = _TITLE_RE.sub(lambda m: "\u3000" * len(m.group(0)), text) if "《" in text else text
    # one scan per circumstance over the whole text, then grouped by sentence (fast on long texts)
    hits: list[tuple[int, int, _Spec, re.Match[str]]] = []
    for i, spec in enumerate(cfg.specs):
        for m in spec.cue.finditer(masked):
            hits.append((m.start(), i, spec, m))
    if not hits:
        return []
    hits.sort(key=lambda h: (h[0], h[1]))
    sent_starts = [0] + [m.end() for m in _SENT_END_RE.finditer(masked)]
    out: list[tuple[Circumstance, list[str]]] = []
    sent_of: list[int] = []
    seen: set[tuple[int, str, bool]] = set()
    claim_cache: dict[int, bool] = {}
    for pos, _, spec, m in hits:
        si = bisect_right(sent_starts, pos) - 1
        s0 = sent_starts[si]
        s1 = sent_starts[si + 1] if si + 1 < len(sent_starts) else len(masked)
        sent = masked[s0:s1]
        ms, me = m.start() - s0, m.end() - s0
        ca, cb = _clause_bounds(sent, ms)
        ca = max(0, min(ca, ms))
        cb = max(cb, me)
        if spec.skip is not None and spec.skip.search(sent[max(0, ca - 30) : cb + 10]):
            continue
        negated = bool(cfg.prefix.search(sent[ca:ms])) or bool(cfg.suffix.search(sent[me : me + 12]))
        if not negated:
            if si not in claim_cache:
                claim_cache[si] = bool(
                    cfg.claim.search(sent) and cfg.rejected.search(sent) and not cfg.accepted.search(sent)
                )
            negated = claim_cache[si]
        if (si, spec.name, negated) in seen:
            continue
        seen.add((si, spec.name, negated))
        who = names_in_sentence(sent, names, before=ms) or names_in_sentence(sent, names)
        if not who and len(names) == 1:
            who = list(names)
        out.append(
            (Circumstance(offset + m.start(), offset + m.end(), text[m.start() : m.end()], name=spec.name,
                          negated=negated), who)
        )
        sent_of.append(si)
    out = _drop_subsumed(out, sent_of, cfg.subsumed)
    out.sort(key=lambda x: x[0].start)
    return out


def _drop_subsumed(
    out: list[tuple[Circumstance, list[str]]], sent_of: list[int], subsumed: tuple[_Subsumed, ...]
) -> list[tuple[Circumstance, list[str]]]:
    """Drop a circumstance read from a cue that is part of a stronger one stated in the same sentence:
    "自动投案，如实供述自己的罪行，系自首" is 自首 (not also 坦白); "曾因故意犯罪被判处…系累犯" is
    累犯 (not also 前科)."""
    if not subsumed or len(out) < 2:
        return out
    strong: set[tuple[int, str]] = {(si, c.name) for (c, _), si in zip(out, sent_of, strict=True) if not c.negated}
    keep: list[tuple[Circumstance, list[str]]] = []
    for (c, who), si in zip(out, sent_of, strict=True):
        drop = False
        for rule in subsumed:
            if c.name == rule.name and (si, rule.by) in strong and rule.cue.fullmatch(c.text):
                drop = True
                break
        if not drop:
            keep.append((c, who))
    return keep
