"""Parse 起诉书 / 量刑建议书 / 刑事判决书 (text, .docx, folders, zips) into sections.

Public API: ``parse_text``, ``classify``, ``load_document``, ``load_case``, ``load_named``.
"""

from .classify import classify, scores
from .loader import clearly_other_kind, load_bytes, load_case, load_document, load_named
from .parse import normalise, parse_text
from .sections import split_sections
from .validity import NOT_LEGAL, legal_marks, require_legal

SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "judgment": (
        "header", "parties", "history", "accusation", "defence", "findings", "evidence",
        "reasoning", "verdict", "appeal", "signature", "appendix",
    ),
    "indictment": ("header", "parties", "origin", "facts", "evidence", "reasoning", "closing", "appendix"),
    "recommendation": ("header", "parties", "reasoning", "circumstances", "recommendation", "closing"),
}

__all__ = [
    "NOT_LEGAL",
    "SECTION_NAMES",
    "classify",
    "clearly_other_kind",
    "legal_marks",
    "load_bytes",
    "load_case",
    "load_document",
    "load_named",
    "normalise",
    "parse_text",
    "require_legal",
    "scores",
    "split_sections",
]
