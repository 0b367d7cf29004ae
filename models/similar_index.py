"""Cases for the similar-case store from judgments: the 501 real judgments the product ships
(``knowledge/cases/judgments.jsonl.gz``, copied by ``python -m models.similar_index`` at
development time) and an office's own closed cases (``jiancha index add DIR``).

A judgment gives the facts (the court's findings, else the accusation; the store cuts the
paperwork), the first defendant's charges and final sentence, the court, the date and the case
number; its full text is kept for the case view."""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from knowledge.cases.corpus import JUDGMENTS_FILE, CaseRecord
from models.errors import BadInput

SOURCE = Path("/work/shared/data/cases/judgments_judge.jsonl")  # development only
_FACT_SECTIONS = ("findings", "accusation")


def record_from_judgment(text: str, rid: str, source: str) -> CaseRecord | None:
    """A store record from a judgment's text; None when it names no charge."""
    from models.documents.parse import parse_text
    from models.extract.assemble import extract

    doc = parse_text(text, source=rid, kind="judgment")
    el = extract(doc)
    d = el.defendants[0] if el.defendants else None
    charges = list(dict.fromkeys(d.charges if d and d.charges else el.charges))
    if not charges:
        return None
    fact = ""
    for name in _FACT_SECTIONS:
        fact = doc.section_text(name).strip()
        if len(fact) >= 30:
            break
    if len(fact) < 30:
        fact = text[:3000]
    j = d.judged if d else None
    pen = (j.penalty or "") if j else ""
    return CaseRecord(
        id=rid, fact=fact, charges=charges, term_months=(j.term_months if j and j.term_months is not None else 0),
        fine_yuan=j.fine_yuan if j else None, life=pen == "无期徒刑", death=pen.startswith("死刑"),
        source=source, court=el.court or "", date=el.date.isoformat() if el.date else "",
        case_number=el.case_number or "", text=text)


def records_from_dir(folder: Path) -> Iterator[tuple[str, CaseRecord | None, str]]:
    """(file, record or None, why not) for every judgment under ``folder`` (.txt/.md/.docx; one
    judgment per file; other documents are skipped with their reason)."""
    from models.documents.loader import load_document

    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"{folder.name}不是文件夹")
    files = sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() in (".txt", ".md", ".docx")
                   and not any(p.startswith((".", "~$")) for p in f.relative_to(folder).parts))
    for f in files:
        rel = str(f.relative_to(folder))
        try:
            doc = load_document(f)
        except BadInput as e:
            yield rel, None, str(e)
            continue
        if doc.kind != "judgment":
            yield rel, None, "不是刑事判决书"
            continue
        rid = "office-" + hashlib.sha1(doc.text.encode("utf-8")).hexdigest()[:10]
        rec = record_from_judgment(doc.text, rid, f"本院案例：{rel}")
        yield rel, rec, "" if rec else "判决书中未找到罪名"


def copy_judgments(src: Path = SOURCE, dst: Path = JUDGMENTS_FILE) -> tuple[int, int]:
    """Development time: the real judgments as store records (full text kept). (written, skipped)"""
    n = skipped = 0
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for line in src.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            rec = record_from_judgment(r["judgment"], f"judge-{r['id']}", "刑事判决书")
            if rec is None:
                skipped += 1
                continue
            rec.articles = list(r.get("articles") or [])
            d = rec.to_dict()
            d.pop("frame", None)
            gz.write((json.dumps(d, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
    return n, skipped


if __name__ == "__main__":
    print(copy_judgments(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE))
