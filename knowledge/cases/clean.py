"""The facts of a case without the paperwork: civil-claim paragraphs, evidence lists, procedure
and boilerplate are cut (``clean.yaml``) before a case is indexed and before a query is searched."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml

_HERE = Path(__file__).resolve().parent
_SENT = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    cfg = load_yaml(_HERE / "clean.yaml")
    drop = {g: re.compile("|".join(f"(?:{p})" for p in pats)) for g, pats in cfg["drop"].items()}
    strip = [re.compile(p) for p in cfg.get("strip", [])]
    return {"drop": drop, "strip": strip}


def sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENT.finditer(text) if m.group(0).strip()]


def dropped_by(sentence: str) -> str | None:
    """The group (civil / evidence / procedure) that drops this sentence, or None."""
    for group, rx in _rules()["drop"].items():
        if rx.search(sentence):
            return group
    return None


def facts_only(text: str, keep: tuple[str, ...] = ()) -> str:
    """The facts proper. ``keep``: groups not to drop (e.g. ``("procedure",)`` for the text the
    circumstances are read from). Returns the text unchanged when every sentence would go (a fact
    made of one formula is still better than nothing to search on)."""
    out = []
    for s in sentences(text):
        g = dropped_by(s)
        if g is not None and g not in keep:
            continue
        for rx in _rules()["strip"]:
            s = rx.sub("", s, count=1)
        if s.strip("。；;，, "):
            out.append(s)
    return "".join(out) if out else text
