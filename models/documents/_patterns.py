"""Load and compile ``patterns.yaml`` once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.yamlfile import load_yaml

_PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")

# "^" in a section marker means "at a paragraph start": the text start or right after
# whitespace (real judgments separate paragraphs with single spaces).
_PARA_START = r"(?<!\S)"


@dataclass(frozen=True)
class Cue:
    where: str  # head | number | body
    weight: int
    rx: re.Pattern[str]


@dataclass(frozen=True)
class SectionSpec:
    name: str
    rx: re.Pattern[str] | None  # None for the section that starts at 0
    anchor: bool = False
    weight: int = 1
    at_end: bool = False  # the section starts after the marker
    after_number: bool = False  # search after the document number, when found near the start


@dataclass(frozen=True)
class Patterns:
    head_chars: int
    number_chars: int
    min_score: int
    cues: dict[str, tuple[Cue, ...]]
    sections: dict[str, tuple[SectionSpec, ...]]


def _para(pattern: str) -> str:
    return re.sub(r"(?<![\[\\])\^", lambda _m: _PARA_START, pattern)


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    data = load_yaml(_PATTERNS_FILE)
    c = data["classify"]
    cues = {
        kind: tuple(Cue(x["where"], int(x["weight"]), re.compile(x["re"])) for x in items)
        for kind, items in c["cues"].items()
    }
    sections: dict[str, tuple[SectionSpec, ...]] = {}
    for kind, items in data["sections"].items():
        specs = []
        for x in items:
            rx = re.compile(_para(x["re"])) if "re" in x else None
            specs.append(
                SectionSpec(
                    name=x["name"],
                    rx=rx,
                    anchor=bool(x.get("anchor", False)),
                    weight=int(x.get("weight", 1)),
                    at_end=x.get("at") == "end",
                    after_number=bool(x.get("after_number", False)),
                )
            )
        sections[kind] = tuple(specs)
    return Patterns(
        head_chars=int(c["head_chars"]),
        number_chars=int(c["number_chars"]),
        min_score=int(c["min_score"]),
        cues=cues,
        sections=sections,
    )
