"""Sentencing circumstances (自首, 坦白, 认罪认罚, 累犯, 前科, 退赃退赔, 谅解, …) with negation.

Cue phrases live in ``circumstances.yaml``. A cue is negated when a negator stands right before it
in its clause ("不构成自首", "未取得被害人谅解", "无前科"), when a rejection follows it ("…自首的意见
不能成立"), or when it is part of a defence claim the court rejects ("辩护人提出…自首…的意见，本院不予
采纳"; the verdict is the first one after the cue, in its sentence or in a later sentence that refers
back to the claim). A positive cue is dropped when the same sentence goes on to deny the
circumstance for the same defendant ("主动投案，虽因否认其主要罪行，不构成自首"). Text inside 《…》 is
never searched (law titles such as 自首和立功解释).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.yamlfile import load_yaml
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
    verdict: re.Pattern[str]  # group "rej" or "acc"
    court: re.Pattern[str]
    new_claim: re.Pattern[str]
    back_ref: re.Pattern[str]
    lookahead: int


@lru_cache(maxsize=1)
def _config() -> _Config:
    data = load_yaml(_YAML)
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
        verdict=re.compile(f"(?P<rej>{n['rejected']})|(?P<acc>{n['accepted']})"),
        court=re.compile(n["court"]),
        new_claim=re.compile(n["new_claim"]),
        back_ref=re.compile(n["back_ref"]),
        lookahead=int(n.get("lookahead", 600)),
    )


def _clause_bounds(sent: str, pos: int) -> tuple[int, int]:
    a = max(sent.rfind(c, 0, pos) for c in "，,：:") + 1
    ends = [i for i in (sent.find(c, pos) for c in "，,。；;") if i >= 0]
    return a, (min(ends) if ends else len(sent))


def _last(pat: re.Pattern[str], text: str, end: int) -> int:
    """Start of the last match of ``pat`` in ``text[:end]``, -1 when none."""
    last = -1
    for m in pat.finditer(text, 0, end):
        last = m.start()
    return last


def _denied_in(cfg: _Config, spec: _Spec, sent: str) -> bool:
    """Whether ``sent`` denies the circumstance of ``spec`` ("…，不构成自首")."""
    for m in spec.cue.finditer(sent):
        ca, _ = _clause_bounds(sent, m.start())
        if cfg.prefix.search(sent[min(ca, m.start()) : m.start()]):
            return True
    return False


def _claim_rejected(
    cfg: _Config, spec: _Spec, masked: str, sent_starts: list[int], si: int, s0: int, ms: int, me: int
) -> bool:
    """Whether the cue at ``[ms, me)`` (sentence-relative, sentence ``si`` starting at ``s0``) is part of
    a claim the court rejects: a claim marker before it in the sentence (and no "经查" in between),
    and the first verdict after it a rejection; when the sentence has none, the later sentences
    that refer back to the claim ("该辩护意见不予采纳") or deny the circumstance ("不构成自首")."""
    s1 = sent_starts[si + 1] if si + 1 < len(sent_starts) else len(masked)
    sent = masked[s0:s1]
    claim_at = _last(cfg.claim, sent, ms)
    if claim_at < 0 or _last(cfg.court, sent, ms) > claim_at:
        return False
    v = cfg.verdict.search(sent, me)
    if v is not None:
        return v.group("rej") is not None
    limit = s1 + cfg.lookahead
    j = si + 1
    while j < len(sent_starts) and sent_starts[j] < limit:
        a = sent_starts[j]
        b = sent_starts[j + 1] if j + 1 < len(sent_starts) else len(masked)
        nxt = masked[a:b]
        v = cfg.verdict.search(nxt)
        if v is not None and cfg.back_ref.search(nxt):
            return v.group("rej") is not None
        if _denied_in(cfg, spec, nxt):
            return True
        if cfg.new_claim.search(nxt):
            return False  # another claim starts: this one stays open
        j += 1
    return False


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
    denials: list[tuple[int, str, int]] = []  # every negated cue (sentence, name, start), duplicates too
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
            negated = _claim_rejected(cfg, spec, masked, sent_starts, si, s0, ms, me)
        if negated:
            denials.append((si, spec.name, m.start()))
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
    out, sent_of = _drop_denied(out, sent_of, denials, text, offset, names)
    out = _drop_subsumed(out, sent_of, cfg.subsumed)
    out.sort(key=lambda x: x[0].start)
    return out


def _drop_denied(
    out: list[tuple[Circumstance, list[str]]], sent_of: list[int], denials: list[tuple[int, str, int]],
    text: str, offset: int, names: list[str],
) -> tuple[list[tuple[Circumstance, list[str]]], list[int]]:
    """Drop a positive cue that its own sentence goes on to deny: "主动投案，虽因否认其主要罪行，
    不构成自首" is no 自首. Kept when another defendant is named in between ("甲系自首，乙不构成自首").
    ``denials`` holds the negated cues as (sentence, name, start in ``text``)."""
    if not denials:
        return out, sent_of
    keep: list[tuple[Circumstance, list[str]]] = []
    keep_si: list[int] = []
    for (c, who), si in zip(out, sent_of, strict=True):
        if not c.negated:
            drop = False
            for sj, name, start in denials:
                if sj != si or name != c.name or start < c.end - offset:
                    continue
                between = text[c.end - offset : start]
                if not [x for x in names if x not in who and x in between]:
                    drop = True
                    break
            if drop:
                continue
        keep.append((c, who))
        keep_si.append(si)
    return keep, keep_si


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
