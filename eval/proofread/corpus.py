"""Build the LM base corpus and the proofreading eval split from the real data (development only).

Held-out design: the judgments of split.json "test" are the proofreading test set; the "dev"
judgments are divided (sha1 of id) into an LM-training part (~70%) and the proofreading dev set.
The LM never sees a dev or test judgment. Base corpus = statutes + CAIL facts + LM-train judgments.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from eval.datasets import load_judgments, load_split
from knowledge.lm.train import BASE_CORPUS, split_sentences

HERE = Path(__file__).resolve().parent
LAWS = Path("/work/shared/data/laws")
CAIL = Path("/work/shared/data/cases/cail2018_exercise.jsonl")
LM_TRAIN_PCT = 70


def proof_split() -> dict[str, str]:
    """judgment id → "lm" (LM training) | "dev" | "test" (proofreading eval)."""
    out = {}
    for jid, sp in load_split().items():
        if sp == "test":
            out[jid] = "test"
        else:
            h = int(hashlib.sha1((jid + ":lm").encode()).hexdigest()[:8], 16) % 100
            out[jid] = "lm" if h < LM_TRAIN_PCT else "dev"
    return out


def judgment_texts(part: str) -> list[tuple[str, str]]:
    sp = proof_split()
    return [(j["id"], j["judgment"]) for j in load_judgments() if sp.get(j["id"]) == part]


def statute_sentences() -> list[str]:
    out: list[str] = []
    for p in sorted(LAWS.glob("*.md")):
        for line in p.read_text(encoding="utf-8").splitlines():
            line = line.strip().lstrip("#").strip()
            if line:
                out.extend(split_sentences(line))
    return out


def cail_sentences() -> list[str]:
    out: list[str] = []
    with open(CAIL, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.extend(split_sentences(json.loads(line)["fact"]))
    return out


def lm_judgment_sentences(limit: int | None = None) -> list[str]:
    out: list[str] = []
    for _, text in judgment_texts("lm")[:limit]:
        out.extend(split_sentences(text))
    return out


def write_base_corpus(path: Path = BASE_CORPUS) -> dict[str, int]:
    st, ca, ju = statute_sentences(), cail_sentences(), lm_judgment_sentences()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write("\n".join(st + ca + ju).encode("utf-8"))
    (HERE / "split.json").write_text(json.dumps(
        {"method": f"split.json test → test; dev: sha1(id+':lm')[:8] % 100 < {LM_TRAIN_PCT} → lm, else dev",
         "split": proof_split()}, ensure_ascii=False, indent=0), encoding="utf-8")
    return {"statute": len(st), "cail": len(ca), "judgments": len(ju)}
