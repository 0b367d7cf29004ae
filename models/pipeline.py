"""The check pipeline: documents → elements → checks (rules) → report.

``check_documents`` is what the CLI, the web app and the evaluations call.
"""

from __future__ import annotations

import time
from pathlib import Path

from models.components import configured
from models.documents import NOT_LEGAL, load_case, load_named, parse_text, require_legal
from models.errors import BadInput
from models.extract.assemble import extract
from models.grading import grade, missing_documents
from models.titles import add_titles
from models.types import DOC_KIND_NAMES, Case, Document, Finding, Report

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def build_case(documents: list[Document], case_id: str = "", charges: list[str] | None = None,
               events: list | None = None) -> Case:
    """Extract the documents' elements. ``charges``: charges given by the user (official names); when
    absent, those of 罪名：/案由： lines at the head or tail of a document. ``events``: procedural events
    from a case-management export (``models.timeline.Event``) for the case timeline."""
    from models.extract.given import given_charges_in_text

    case = Case(case_id=case_id, documents=list(documents), events=list(events or []))
    for doc in documents:
        if doc.kind in ("indictment", "recommendation", "judgment"):
            case.elements[doc.kind] = extract(doc)
    given = list(charges or [])
    if not given:
        for doc in documents:
            given += [c for c in given_charges_in_text(doc.text).charges if c not in given]
    case.given_charges = given
    if not case.case_id:
        case.case_id = _case_id(case)
    return case


def _case_id(case: Case) -> str:
    for kind in ("judgment", "indictment", "recommendation"):
        el = case.elements.get(kind)
        if el is not None and el.case_number:
            return el.case_number
    return case.documents[0].source if case.documents else ""


def check_case(case: Case) -> Report:
    """Run the configured components (pipeline.yaml) on an extracted case."""
    report = Report(
        case_id=case.case_id,
        experts=[("generic", 1.0)],
        documents=[{"kind": d.kind, "source": d.source, "chars": len(d.text)} for d in case.documents],
    )
    for name, fn in configured():
        t0 = time.perf_counter()
        fn(case, report)
        report.timings_ms[name] = round((time.perf_counter() - t0) * 1000, 3)
    _quote_spans(case, report.findings)
    add_titles(report.findings)
    report.findings.sort(key=lambda f: (_SEVERITY_RANK[f.severity], f.rule_id))
    report.missing_documents = missing_documents(d.kind for d in case.documents)
    report.grade = grade(report.findings, report.missing_documents)
    return report


def _quote_spans(case: Case, findings: list[Finding]) -> None:
    """Give every span the text it points at, so a reviewer sees the evidence at once."""
    texts = {d.kind: d.text for d in case.documents}
    for f in findings:
        for sp in f.spans:
            text = texts.get(sp.document, "")
            if 0 <= sp.start <= sp.end <= len(text):
                sp.text = text[sp.start : sp.end]


def check_documents(documents: list[Document], case_id: str = "", charges: list[str] | None = None,
                    events: list | None = None) -> Report:
    t0 = time.perf_counter()
    if not any(d.kind in ("indictment", "recommendation", "judgment") for d in documents):
        src = documents[0].source if len(documents) == 1 else ""
        who = "标准输入的文本" if src.startswith("-") else (f"文件{src}" if src else "所给文件")
        raise BadInput(f"{who}{NOT_LEGAL}")
    case = build_case(documents, case_id, charges, events)
    t1 = time.perf_counter()
    report = check_case(case)
    report.timings_ms["extract"] = round((t1 - t0) * 1000, 3)
    report.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 3)
    return report


def check_texts(texts: dict[str, str], case_id: str = "", charges: list[str] | None = None,
                events: list | None = None) -> Report:
    """Check documents given as kind → text (kinds: indictment, recommendation, judgment), with
    optional case-management export events (``models.timeline.Event``) for the case timeline."""
    docs = [parse_text(t, source=k, kind=k) for k, t in texts.items() if t]  # type: ignore[arg-type]
    for d in docs:
        require_legal(d.text, DOC_KIND_NAMES.get(d.kind, d.source))
    return check_documents(docs, case_id, charges, events)


def check_paths(paths: list[Path], indictment: Path | None = None, recommendation: Path | None = None,
                judgment: Path | None = None, charges: list[str] | None = None) -> Report:
    docs: list[Document] = []
    if indictment or recommendation or judgment:
        docs += load_named(indictment, recommendation, judgment)
    if paths:
        docs += load_case(paths)
    kinds = [d.kind for d in docs]
    dup = {k for k in kinds if kinds.count(k) > 1}
    if dup:
        raise BadInput(f"同一案件中有多份同类文书：{'、'.join(sorted(dup))}")
    return check_documents(docs, charges=charges)
