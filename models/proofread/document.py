"""Document-level proofreading: what no sentence model sees.

- PROOF.NAME_INCONSISTENT: a defendant's name written differently in the same document
  (被告人张三丰 … 被告人张三峰), and two different ID numbers for a one-defendant document;
- PROOF.BRACKETS: unbalanced brackets and quotes within a paragraph;
- PROOF.PUNCT_WIDTH: half-width , ; : ? ! between Chinese characters;
- PROOF.SECTION_MISSING: a required section of the document kind is absent.
Amount words/digits, official charge names, citations and ID check digits are rules of the
rule catalogue (MONEY.*, CHARGE.*, CITE.*, ID.*) and are reused from there by ``jiancha proofread``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml
from models.types import DocElements, Document

HERE = Path(__file__).resolve().parent
_CJK = r"\u4e00-\u9fff"
_NAME_AFTER = re.compile(rf"被告人([{_CJK}]{{2,4}}?)(?=[，,、。；：:（(的等系犯与和及在于将因到驾曾自供辩签]|$)")
_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return load_yaml(HERE / "document.yaml")


@lru_cache(maxsize=1)
def _punct_re() -> re.Pattern[str]:
    chars = "".join(re.escape(c) for c in spec()["punct_width"])
    return re.compile(rf"(?<=[{_CJK}])[{chars}](?=[{_CJK}])")


def _f(start: int, end: int, original: str, suggestion: str | None, type_: str, rule_id: str,
       message: str, confidence: float) -> dict[str, Any]:
    return {"start": start, "end": end, "original": original, "suggestion": suggestion, "type": type_,
            "confidence": confidence, "rule_id": rule_id, "message": message}


def punct_width(text: str) -> list[dict[str, Any]]:
    table = spec()["punct_width"]
    return [_f(m.start(), m.end(), m.group(), table[m.group()], "punctuation", "PROOF.PUNCT_WIDTH",
               f"中文语句中使用了半角标点“{m.group()}”，应为全角“{table[m.group()]}”。", 0.95)
            for m in _punct_re().finditer(text)]


def brackets(text: str) -> list[dict[str, Any]]:
    pairs = spec()["brackets"]
    opens = {p[0]: p[1] for p in pairs}
    closes = {p[1]: p[0] for p in pairs}
    out = []
    pos = 0
    for para in re.split(r"(\n+| {1,})", text):
        stack: list[tuple[str, int]] = []
        bad: list[tuple[str, int]] = []
        for i, ch in enumerate(para):
            if ch in opens and not (ch == closes.get(ch)):
                stack.append((ch, pos + i))
            elif ch in closes:
                if stack and stack[-1][0] == closes[ch]:
                    stack.pop()
                elif any(o == closes[ch] for o, _ in stack):
                    while stack and stack[-1][0] != closes[ch]:
                        bad.append(stack.pop())
                    stack.pop()
                else:
                    bad.append((ch, pos + i))
        bad += stack
        for ch, at in bad:
            other = opens.get(ch) or closes.get(ch)
            out.append(_f(at, at + 1, ch, None, "punctuation", "PROOF.BRACKETS",
                          f"括号或引号“{ch}”没有与之配对的“{other}”。", 0.9))
        pos += len(para)
    return out


def sections(doc: Document) -> list[dict[str, Any]]:
    req = spec()["required_sections"].get(doc.kind)
    if not req or not doc.text.strip():
        return []
    have = {s.name for s in doc.sections}
    labels = spec()["section_labels"]
    return [_f(0, 0, "", None, "structure", "PROOF.SECTION_MISSING",
               f"文书缺少必备部分：{labels.get(name, name)}。", 0.8)
            for name in req if name not in have]


def names(text: str, elements: DocElements | None = None) -> list[dict[str, Any]]:
    """Defendant names that differ by one character from a known defendant's name."""
    known = [d.name for d in elements.defendants] if elements else []
    if not known:
        return []
    out = []
    for m in _NAME_AFTER.finditer(text):
        w = m.group(1)
        if w in known or any(w.startswith(k) or k.startswith(w) for k in known):
            continue
        for k in known:
            if len(k) == len(w) and k[0] == w[0] and sum(a != b for a, b in zip(k, w, strict=True)) == 1 \
                    and "某" not in k + w:
                out.append(_f(m.start(1), m.end(1), w, k, "consistency", "PROOF.NAME_INCONSISTENT",
                              f"被告人姓名“{w}”与本文书其他处的“{k}”不一致。", 0.85))
                break
    if elements is not None and len(elements.defendants) == 1:
        ids = list(dict.fromkeys(m.group().upper() for m in _ID.finditer(text)))
        if len(ids) == 2:
            m2 = next(m for m in _ID.finditer(text) if m.group().upper() == ids[1])
            out.append(_f(m2.start(), m2.end(), m2.group(), ids[0], "consistency", "PROOF.NAME_INCONSISTENT",
                          f"同一被告人的身份证号码前后不一致：{ids[0]} 与 {ids[1]}。", 0.7))
    return out


def check_document(doc: Document, elements: DocElements | None = None) -> list[dict[str, Any]]:
    """All document-level findings of one document (proofread finding dicts with ``message``)."""
    text = doc.text
    return punct_width(text) + brackets(text) + sections(doc) + names(text, elements)
