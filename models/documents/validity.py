"""Whether a text is a legal document at all: a text that has none of the marks of 起诉书 / 量刑建议书
/ 刑事判决书 (an authority, 被告人, a document title, a classification cue) is refused, whatever kind
the user gave it as ("今天天气很好" is no indictment)."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.yamlfile import load_yaml
from models.errors import BadInput

from ._patterns import _PATTERNS_FILE
from .classify import scores

NOT_LEGAL = "无法识别为起诉书、量刑建议书或刑事判决书"


@lru_cache(maxsize=1)
def _marks() -> dict[str, re.Pattern[str]]:
    data = load_yaml(_PATTERNS_FILE)
    return {name: re.compile(rx) for name, rx in data["validity"]["marks"].items()}


def legal_marks(text: str) -> list[str]:
    """The marks of a legal document found in ``text`` (authority, defendant, title, cues)."""
    found = [name for name, rx in _marks().items() if rx.search(text)]
    if any(v > 0 for v in scores(text).values()):
        found.append("cues")
    return found


def require_legal(text: str, name: str) -> None:
    """Raise ``BadInput`` when ``text`` has none of a legal document's marks."""
    if not legal_marks(text):
        raise BadInput(f"文件{name}{NOT_LEGAL}（没有检察院或法院、被告人、文书标题等文书要素）")
