"""The case records of the similar-case store: loading, the fixed dev/test split, tokenisation."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.jsonl.gz"  # the real CAIL cases the product ships (see build.py)
JUDGMENTS_FILE = HERE / "judgments.jsonl.gz"  # the 501 real judgments (see models/similar_index.py)
MAX_CHARS = 3000  # facts are cut here for embedding and BM25 (a few are 40k characters of evidence)

_BRACKETS = re.compile(r"[\[\]［］]")
_KEEP_TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z]")  # tokens with a CJK char or letter (drops numbers, punctuation)


@dataclass
class CaseRecord:
    """One past case: facts, charges (official names without 罪), sentence, source."""

    id: str
    fact: str
    charges: list[str] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    term_months: int | None = None  # 有期徒刑/拘役 months; 0 when none
    fine_yuan: float | None = None
    life: bool = False
    death: bool = False
    source: str = ""
    court: str = ""  # judgments and an office's own cases: the court, the date, the case number
    date: str = ""
    case_number: str = ""
    text: str = ""  # the full judgment, for the case view (not indexed: ``fact`` is)
    frame: dict[str, Any] | None = None  # legal frame (tier per charge) when already read

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CaseRecord:
        names = set(cls.__dataclass_fields__)
        kw = {k: v for k, v in d.items() if k in names}
        if "id" not in kw:
            kw["id"] = case_id(d["fact"])
        if "term_months" not in kw and "prison_months" in d:  # CAIL2018 field names
            kw["term_months"] = d["prison_months"]
        kw["charges"] = [official_charge(c) for c in kw.get("charges", [])]
        return cls(**kw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def official_charge(name: str) -> str:
    """CAIL bracket notation → official name: ``[走私、贩卖、运输、制造]毒品`` → ``走私、贩卖、运输、制造毒品``."""
    s = _BRACKETS.sub("", name).strip()
    if s.endswith("罪"):
        s = s[:-1]
    try:
        from knowledge.charges import normalize_charge

        return normalize_charge(s) or s
    except Exception:  # noqa: BLE001 - the catalogue is a nicety here, never a failure
        return s


def case_id(fact: str) -> str:
    return "case-" + hashlib.sha1(fact.encode("utf-8")).hexdigest()[:10]


def split_of(fact: str) -> str:
    """The project-wide fixed split of the CAIL cases: sha1(fact)[:8] % 100 < 60 → dev, else test."""
    return "dev" if int(hashlib.sha1(fact.encode("utf-8")).hexdigest()[:8], 16) % 100 < 60 else "test"


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def default_files() -> list[Path]:
    """The bundled real cases: the CAIL facts and the full judgments (when shipped)."""
    return [CASES_FILE] + ([JUDGMENTS_FILE] if JUDGMENTS_FILE.exists() else [])


class NoCases(ValueError):
    """A case file with no case in it."""


def load_cases(paths: Iterable[Path] | None = None) -> list[CaseRecord]:
    """Records from JSON-lines files (``.gz`` allowed); default: the bundled real cases."""
    out: list[CaseRecord] = []
    for p in paths or default_files():
        n = len(out)
        out.extend(CaseRecord.from_dict(d) for d in read_jsonl(Path(p)))
        if len(out) == n:
            raise NoCases(f"案例文件里没有案例：{p}")
    return out


def tokens(text: str) -> list[str]:
    """Words for BM25 and TF-IDF: the legal jieba tokenizer, numbers and punctuation dropped."""
    from knowledge.lexicon import cut

    return [t for t in cut(text[:MAX_CHARS]) if _KEEP_TOKEN.search(t)]
