"""Data of the ``analyze`` scoreboard: the real CAIL2018 cases and the 501 judgments' facts, copied
from /work/shared (development only) into the project with a fixed split.

Split of the CAIL cases (id ``cail-NNNN`` = line number): ``sha1(id)[:8] % 100`` < 60 → ``train``,
< 70 → ``dev`` (tuning), else ``test`` (reported, never tuned on). The shipped gate model is fit on
train + dev. The judgments keep the split of ``eval/data/split.json``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import knowledge.training as _training

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
CAIL = _training.CAIL  # the product's copy (knowledge/training): the shipped models are fit on it
JFACTS = HERE / "judgment_facts.jsonl.gz"
AMOUNTS = DATA / "amount_labels.jsonl"
AMOUNTS_BLIND = DATA / "amount_labels_blind.jsonl"  # test-split labels written without seeing predictions
AMOUNTS_JUDGMENTS = DATA / "amount_labels_judgments.jsonl"  # the 501 judgments' money cases, labelled blind
AMOUNTS_BLIND_OTHER = DATA / "amount_labels_blind_other.jsonl"  # test: 虚开/寻衅滋事/食品 cases, labelled blind
AMOUNTS_FRESH = DATA / "amount_labels_fresh.jsonl"  # test: the last unlabelled property cases, two blind labellers
CAIL_SOURCE = Path("/work/shared/data/cases/cail2018_exercise.jsonl")
JUDGE_SOURCE = Path("/work/shared/data/cases/judgments_judge.jsonl")
_VERDICT_END = re.compile(r"如不服本判决|如不服本裁定|审\s*判\s*长|审\s*判\s*员")


cail_split = _training.cail_split


def _write_gz(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for r in rows:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
    return n


def _read_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def copy_cail(src: Path = CAIL_SOURCE, dst: Path = CAIL) -> int:
    """Copy the CAIL cases with official charge names (CAIL labels normalised) and the split."""
    from knowledge.charges import normalize_charge

    rows = []
    for i, line in enumerate(src.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        r = json.loads(line)
        cid = f"cail-{i:04d}"
        charges = []
        for c in r["charges"]:
            n = normalize_charge(c)
            if n is None:
                raise ValueError(f"unknown CAIL charge {c}")
            if n not in charges:
                charges.append(n)
        rows.append({"id": cid, "split": cail_split(cid), "fact": r["fact"], "charges": charges,
                     "articles": sorted(set(r["articles"])), "prison_months": r["prison_months"],
                     "fine_yuan": r["fine_yuan"], "life": r["life"], "death": r["death"]})
    return _write_gz(dst, rows)


def verdict_charges(judgment: str) -> list[str]:
    """The charges of the verdict ("判决如下：…" up to the appeal notice), official names."""
    from knowledge.charges import find_charges

    i = judgment.rfind("判决如下")
    if i < 0:
        return []
    seg = judgment[i:]
    m = _VERDICT_END.search(seg)
    seg = seg[: m.start()] if m else seg
    out: list[str] = []
    for _, _, name, _ in find_charges(seg):
        if name not in out:
            out.append(name)
    return out


def copy_judgment_facts(src: Path = JUDGE_SOURCE, dst: Path = JFACTS) -> int:
    """The judgments' fact descriptions (JuDGE ``facts``) with the verdict's charges as labels."""
    split = json.loads((DATA / "split.json").read_text(encoding="utf-8"))["split"]
    rows = []
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        rows.append({"id": r["id"], "split": split.get(r["id"], "test"), "facts": r["facts"],
                     "charges": verdict_charges(r["judgment"])})
    return _write_gz(dst, rows)


load_cail = _training.load_cail


def copy_judgment_terms(dst: Path = _training.JUDGMENTS) -> int:
    """The single-defendant judgments' facts, verdict charges and fixed term (months, read by the
    eval's own judgment parser eval/jparse.py) into knowledge/training, with the judgments' fixed
    split: the term model is fit on the ``dev`` part, the ``test`` part is only measured."""
    from eval.datasets import load_judgments
    from eval.jparse import parse_judgment

    facts = {r["id"]: r for r in load_judgment_facts()}
    rows = []
    for r in load_judgments():
        f = facts.get(r["id"])
        pj = parse_judgment(r["id"], r["judgment"])
        if f is None or not f["charges"] or pj is None or len(pj.defendants) != 1:
            continue
        s = pj.defendants[0].sentence
        if s is None:
            continue
        rows.append({"id": r["id"], "split": f["split"], "fact": f["facts"], "charges": f["charges"],
                     "prison_months": s.term_months, "penalty": s.penalty, "life": False, "death": False})
    return _write_gz(dst, rows)



# where a judgment's opening (court, number, the parties and their particulars) ends: the prosecution's
# accusation, the findings, the reasoning or a citation, whichever comes first
_HEAD_END = re.compile(r"(?:人民检察院|公诉机关|检察院)以[^。]{0,80}?(?:起诉书|公诉书)|(?:公诉机关|人民检察院|检察院)(?:起诉)?指控"
                       r"|经审理查明|本院认为|依照")


def judgment_head(judgment: str) -> str:
    """The judgment's opening up to the prosecution's accusation: title, court, case number and the parties
    with their particulars (birth, measures, prior record) — what an indictment carries too. Never the
    accusation, findings, reasoning, citations or verdict (none of the 501 openings cites an article)."""
    m = _HEAD_END.search(judgment)
    if not m:
        return ""
    head = judgment[: m.start()]
    return head[: head.rfind("。") + 1]  # not the procuratorate's name that begins the cut sentence


def judgment_facts_with_particulars(*splits: str) -> list[dict[str, Any]]:
    """The judgments' facts as ``load_judgment_facts`` gives them, with ``text``: the judgment's opening
    (``judgment_head``) and then the facts — an input that reads as a document whose findings are the same
    facts and whose particulars tell of the defendants' prior convictions."""
    from eval.datasets import load_judgments

    heads = {r["id"]: judgment_head(r["judgment"]) for r in load_judgments()}
    return [{**r, "text": heads.get(r["id"], "") + "\n" + r["facts"]} for r in load_judgment_facts(*splits)]


def load_judgment_facts(*splits: str) -> list[dict[str, Any]]:
    return [r for r in _read_gz(JFACTS) if not splits or r["split"] in splits]


def load_blind_other_amount_labels() -> list[dict[str, Any]]:
    """Blind test labels of the charges measured otherwise than by a sum taken (虚开增值税专用发票: tax;
    寻衅滋事: property taken or damaged; 有毒、有害食品: sales), written without seeing predictions."""
    return _jsonl(AMOUNTS_BLIND_OTHER)


def same_amount(gold: float | None, pred: float | None) -> bool:
    """An amount label is met: exact to the yuan (within half a yuan), or both null (no crime amount)."""
    return (gold is None and pred is None) or (gold is not None and pred is not None and abs(pred - gold) < 0.5)


def load_fresh_amount_labels() -> list[dict[str, Any]]:
    """Session 29's blind test labels of the test split's property cases no earlier round had labelled,
    written by two labellers who saw only the facts and AMOUNT_LABELS.md (``second``: the other one's
    amount; ``adjudicated``: a third reader's reason where they differed). Measured once, after the
    amount logic of that session was fixed, so no choice was made on them."""
    return _jsonl(AMOUNTS_FRESH)


def load_amount_labels(blind: bool = False) -> list[dict[str, Any]]:
    """Hand labels ``{"id", "split", "amount", "note"}`` (CAIL ids; ``amount`` null when the facts state
    none), read from the facts by a person: the train/dev ones guide the amount logic, the test ones
    are held out. ``blind``: the test-split labels of ``amount_labels_blind.jsonl`` (written by someone
    who never ran the predictor; empty when the file is absent)."""
    return _jsonl(AMOUNTS_BLIND if blind else AMOUNTS)


def load_judgment_amount_labels() -> list[dict[str, Any]]:
    """Hand labels ``{"id", "split", "amount", "court_amount", "note", "court"}`` of the money cases among
    the 501 judgments: ``amount`` is read from the judgment's facts (what ``analyze`` sees), with the
    court's own determination (``court_amount``, quoted in ``court``) settling what counts. Written
    without running the predictor; the judgments' ``dev`` part may then guide the amount logic, the
    ``test`` part is held out."""
    return _jsonl(AMOUNTS_JUDGMENTS)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
