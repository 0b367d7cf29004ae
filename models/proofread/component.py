"""The ``proofread`` pipeline component: proofreading findings in ``jiancha check`` reports.

Mode (env ``JIANCHA_PROOFREAD``): ``fast`` (default) — document-level checks and the known legal
phrase confusions, well under a millisecond per document; ``full`` — also the LM sentence
corrector (≈5 ms per sentence, so ~0.5 s for a long judgment); ``off``. Model findings are
severity ``info`` with a confidence (they can be filtered); nothing here may raise into the pipeline.
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from typing import Any

from models.components import component
from models.types import Case, Finding, Report, Span

log = logging.getLogger(__name__)
_RULE_SOURCE = {"PROOF.PUNCT_WIDTH", "PROOF.BRACKETS", "PROOF.SECTION_MISSING", "PROOF.NAME_INCONSISTENT"}


@lru_cache(maxsize=1)
def _phrase_re() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    from models.proofread.phrases import phrase_confusions

    conf = phrase_confusions()  # not the whole lexicon (1–2 s to build): fast mode needs only these
    if not conf:
        return None, {}
    return re.compile("|".join(re.escape(k) for k in sorted(conf, key=len, reverse=True))), conf


def phrase_findings(text: str) -> list[dict[str, Any]]:
    rx, conf = _phrase_re()
    if rx is None:
        return []
    return [{"start": m.start(), "end": m.end(), "original": m.group(), "suggestion": conf[m.group()],
             "type": "typo", "confidence": 0.9, "rule_id": "PROOF.TYPO",
             "message": f"疑似错别字：“{m.group()}”应为“{conf[m.group()]}”。"} for m in rx.finditer(text)]


def document_findings(case: Case, mode: str) -> list[Finding]:
    from models.proofread.document import check_document

    out: list[Finding] = []
    for doc in case.documents:
        if doc.kind not in ("indictment", "recommendation", "judgment"):
            continue
        el = case.elements.get(doc.kind)
        items = check_document(doc, el)
        if mode == "full":
            from models.proofread import sentence_findings  # numpy, the LM: only in full mode

            names = tuple(d.name for d in el.defendants) if el else ()
            items += sentence_findings(doc.text, names)
        else:
            items += phrase_findings(doc.text)
        seen: set[tuple[int, int, str]] = set()
        for f in items:
            key = (f["start"], f["end"], f["rule_id"])
            if key in seen:
                continue
            seen.add(key)
            out.append(Finding(
                rule_id=f["rule_id"], severity="info", message=f.get("message") or f["rule_id"],
                spans=[Span(doc.kind, f["start"], f["end"])], suggestion=f.get("suggestion"),
                source="rule" if f["rule_id"] in _RULE_SOURCE else "model", confidence=float(f["confidence"])))
    return out


@component("proofread")
def proofread_component(case: Case, report: Report) -> None:
    mode = os.environ.get("JIANCHA_PROOFREAD", "fast").lower()
    if mode == "off":
        return
    try:
        report.findings += document_findings(case, mode)
    except Exception:  # noqa: BLE001 - proofreading is advisory; never break the check
        log.exception("proofread component failed")
