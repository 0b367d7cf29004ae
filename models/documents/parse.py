"""Text → ``Document``: minimal normalisation, classification, sections."""

from __future__ import annotations

from models.types import DocKind, Document

from .classify import classify
from .sections import split_sections


def normalise(text: str) -> str:
    """Strip a BOM and turn CRLF / lone CR into LF; nothing else is rewritten."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_text(text: str, source: str = "-", kind: DocKind | None = None) -> Document:
    """Parse a document's text; ``kind`` None means classify it."""
    text = normalise(text)
    k: DocKind = kind if kind is not None else classify(text)
    return Document(kind=k, text=text, sections=split_sections(text, k), source=source)
