"""Legal document proofreading (文书校对).

``proofread(text)`` → ``ProofResult(corrected, findings)``: sentence-level corrections from the
legal character LM (``models.proofread.sentence``; optionally the neural backend), document-level
findings (``models.proofread.document``) and, for a recognised 起诉书/量刑建议书/判决书, the
rule catalogue's single-document checks (money words/digits, charge names, citations, ID numbers).
Findings follow the CLI contract: start, end, original, suggestion, type, confidence, rule_id
(+ message). ``corrected`` applies the sentence corrections and the punctuation-width fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the sentence corrector (numpy, the LM) is imported when first used
    from models.proofread.sentence import Edit

__all__ = ["ProofResult", "proofread", "sentence_findings", "apply_findings"]

# rule catalogue checks that are single-document proofreading findings
_RULE_TYPES = {"MONEY.": "consistency", "CHARGE.": "terminology", "CITE.": "citation", "ID.": "consistency"}
_TYPE_MSG = {"typo": "疑似错别字", "missing": "疑似漏字", "redundant": "疑似多字", "order": "疑似语序颠倒"}


@dataclass
class ProofResult:
    corrected: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, id_: Any = None) -> dict[str, Any]:
        return {"id": id_, "corrected": self.corrected, "findings": self.findings}


def _edit_finding(e: Edit, offset: int) -> dict[str, Any]:
    d = e.to_dict()
    d["start"] += offset
    d["end"] += offset
    if e.original and e.suggestion:
        d["message"] = f"{_TYPE_MSG[e.type]}：“{e.original}”应为“{e.suggestion}”。"
    elif e.suggestion:
        d["message"] = f"{_TYPE_MSG[e.type]}：此处疑似缺少“{e.suggestion}”。"
    else:
        d["message"] = f"{_TYPE_MSG[e.type]}：“{e.original}”疑似多余。"
    return d


def sentence_findings(text: str, names: tuple[str, ...] = (), backend: str = "lm") -> list[dict[str, Any]]:
    """Sentence-level corrections of ``text`` with document offsets."""
    from models.proofread.sentence import default_checker, protected_mask, split_spans

    spans = split_spans(text)
    if not spans:
        return []
    if backend == "neural":
        from models.proofread.neural import neural_edits

        sents = [text[a:b] for a, b in spans]
        edits = neural_edits(sents)
    else:
        mask = protected_mask(text, names)
        sents = [text[a:b] for a, b in spans]
        masks = [mask[a : b + 1] for a, b in spans]
        edits = default_checker().check(sents, masks)
    out = []
    for (a, _b), es in zip(spans, edits, strict=True):
        out += [_edit_finding(e, a) for e in es]
    return out


def apply_findings(text: str, findings: list[dict[str, Any]]) -> str:
    """Apply the findings that carry a replacement (non-overlapping, right to left)."""
    out = text
    last = len(text) + 1
    for f in sorted(findings, key=lambda f: (-f["start"], -f["end"])):
        if f.get("suggestion") is None or f["end"] > last or f["rule_id"] not in _APPLY:
            continue
        out = out[: f["start"]] + f["suggestion"] + out[f["end"] :]
        last = f["start"]
    return out


_APPLY = {"PROOF.TYPO", "PROOF.MISSING", "PROOF.REDUNDANT", "PROOF.ORDER", "PROOF.PUNCT_WIDTH"}


def _rule_findings(doc) -> tuple[list[dict[str, Any]], Any]:
    """Single-document rule checks (money, charges, citations, IDs) and the extracted elements."""
    from models.pipeline import build_case, check_case

    case = build_case([doc], case_id=doc.source or "-")
    report = check_case(case)
    out = []
    for f in report.findings:
        typ = next((t for p, t in _RULE_TYPES.items() if f.rule_id.startswith(p)), None)
        if typ is None or f.rule_id.startswith("PROOF."):
            continue
        sp = next((s for s in f.spans if s.document == doc.kind), None)
        if sp is None:
            continue
        out.append({"start": sp.start, "end": sp.end, "original": doc.text[sp.start : sp.end],
                    "suggestion": f.suggestion, "type": typ, "confidence": f.confidence,
                    "rule_id": f.rule_id, "message": f.message})
    return out, case.elements.get(doc.kind)


def proofread(text: str, kind: str | None = None, backend: str = "lm", document: bool = True) -> ProofResult:
    """Proofread one text (a sentence, a paragraph or a whole document)."""
    findings: list[dict[str, Any]] = []
    names: tuple[str, ...] = ()
    if document and len(text) >= 200:
        from models.documents import parse_text
        from models.proofread.document import check_document

        doc = parse_text(text, source="-", kind=kind)  # type: ignore[arg-type]
        if doc.kind in ("indictment", "recommendation", "judgment"):
            rf, el = _rule_findings(doc)
            findings += rf
            names = tuple(d.name for d in el.defendants) if el else ()
            findings += check_document(doc, el)
        else:
            findings += check_document(doc, None)
    elif document:
        from models.proofread.document import brackets, punct_width

        findings += punct_width(text) + brackets(text)
    findings += sentence_findings(text, names, backend)
    findings.sort(key=lambda f: (f["start"], f["end"], f["rule_id"]))
    from models.llm import enabled as llm_enabled  # LLM second opinion, only when configured

    if llm_enabled():
        from models.llm.features import annotate_proofreading

        findings = annotate_proofreading(text, findings)
    return ProofResult(apply_findings(text, findings), findings)
