"""Document kind classification by weighed cues (the title near the start weighs most)."""

from __future__ import annotations

from models.types import DocKind

from ._patterns import patterns

KINDS: tuple[DocKind, ...] = ("indictment", "recommendation", "judgment")


def scores(text: str) -> dict[str, int]:
    """Cue score per kind. Each cue counts once."""
    p = patterns()
    head = text[: p.head_chars]
    number = text[: p.number_chars]
    out: dict[str, int] = {}
    for kind, cues in p.cues.items():
        total = 0
        for cue in cues:
            hay = head if cue.where == "head" else number if cue.where == "number" else text
            if cue.rx.search(hay):
                total += cue.weight
        out[kind] = total
    return out


def classify(text: str) -> DocKind:
    """indictment | recommendation | judgment, or other when no kind scores enough.

    Ties go to the kind whose title appears first; without a title, to the higher body score.
    """
    p = patterns()
    sc = scores(text)
    best = max(KINDS, key=lambda k: (sc[k], -_title_pos(text, k, p.head_chars)))
    if sc[best] < p.min_score:
        return "other"
    return best


def _title_pos(text: str, kind: str, head_chars: int) -> int:
    for cue in patterns().cues[kind]:
        if cue.where == "head":
            m = cue.rx.search(text, 0, head_chars)
            if m:
                return m.start()
    return head_chars + 1
