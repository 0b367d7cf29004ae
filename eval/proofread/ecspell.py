"""Real spelling errors (ECSpell, MIT licence; eval/proofread/ecspell/): sets and SIGHAN-style scores.

Sets (``--set``): ``ecspell_odw_test`` (the published official-document test set), ``law_test`` (500
sentences of ``ecspell_law_train`` fixed by ``ecspell_split.json`` before any change to the
proofreader), and the development parts ``ecspell_odw_train`` and ``law_train`` (the other 830 law
sentences). Rows: ``{"id", "source"`` (what the checker sees), ``"target"`` (the correct sentence)}``.

Scores, with half-width punctuation folded to full width in source, target and output alike (a
punctuation-width fix counts neither way):

- sentence level (SIGHAN 2015 style): a sentence is *predicted positive* when the output differs
  from the source; detection is right when the changed positions are exactly the gold positions,
  correction when the output equals the target; P = right / predicted positive, R = right / gold
  positive (sentences with errors);
- character level: changed source positions (detection) and positions changed to the gold
  character (correction) against the gold positions;
- false alarms: clean sentences (source == target) the checker changes.
"""

from __future__ import annotations

import difflib
import gzip
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "ecspell"
SPLIT = HERE / "ecspell_split.json"
SETS = ("ecspell_odw_test", "law_test", "ecspell_odw_train", "law_train")
TEST_SETS = ("ecspell_odw_test", "law_test")
_FOLD = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"})


def _read(name: str) -> list[dict[str, Any]]:
    with gzip.open(DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@cache
def _load(name: str) -> tuple[dict[str, Any], ...]:
    if name.startswith("law_"):
        rows = _read("ecspell_law_train")
        test = set(json.loads(SPLIT.read_text(encoding="utf-8"))["law_test"])
        keep = [i for i in range(len(rows)) if (i in test) == (name == "law_test")]
        return tuple({"id": f"law:{i}", "source": rows[i]["source"], "target": rows[i]["target"]} for i in keep)
    if name not in SETS:
        raise ValueError(f"unknown set {name!r}; one of {', '.join(SETS)}")
    return tuple({"id": f"{name}:{i}", "source": r["source"], "target": r["target"]}
                 for i, r in enumerate(_read(name)))


def load(name: str, limit: int | None = None) -> list[dict[str, Any]]:
    return list(_load(name))[:limit]


def make_split(n_test: int = 500, seed: str = "jiancha-issue17-law-split") -> dict[str, Any]:
    """The law split as written to ecspell_split.json (kept for the record; the file is the truth)."""
    n = len(_read("ecspell_law_train"))
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return {"law_test": sorted(idx[:n_test])}


def changed(src: str, out: str) -> dict[int, str]:
    """Source positions the output changes → the character put there ('' when deleted/merged)."""
    if len(src) == len(out):
        return {i: b for i, (a, b) in enumerate(zip(src, out, strict=True)) if a != b}
    res: dict[int, str] = {}
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, out, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "insert":  # an insertion is charged to the position it precedes
            res[min(i1, len(src) - 1) if src else 0] = ""
            continue
        for k in range(i1, i2):
            res[k] = out[j1 + k - i1] if op == "replace" and i2 - i1 == j2 - j1 else ""
    return res


def _prf(tp: int, npred: int, ngold: int) -> dict[str, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(100 * p, 1), "r": round(100 * r, 1), "f1": round(100 * f, 1)}


def score(rows: list[dict[str, Any]], outputs: list[str]) -> dict[str, Any]:
    s_pred = s_gold = s_det = s_cor = 0
    c_pred = c_gold = c_det = c_cor = 0
    clean = clean_fa = 0
    for r, out in zip(rows, outputs, strict=True):
        src, tgt, out = r["source"].translate(_FOLD), r["target"].translate(_FOLD), out.translate(_FOLD)
        gold = changed(src, tgt)
        pred = changed(src, out)
        if not gold:
            clean += 1
            clean_fa += bool(pred)
        s_gold += bool(gold)
        if pred:
            s_pred += 1
            if gold and set(pred) == set(gold):
                s_det += 1
                s_cor += out == tgt
        c_pred += len(pred)
        c_gold += len(gold)
        hit = set(pred) & set(gold)
        c_det += len(hit)
        c_cor += sum(1 for k in hit if pred[k] == gold[k] and pred[k])
    return {"sentences": len(rows), "with_errors": s_gold, "clean": clean,
            "sent_detect": _prf(s_det, s_pred, s_gold), "sent_correct": _prf(s_cor, s_pred, s_gold),
            "char_detect": _prf(c_det, c_pred, c_gold), "char_correct": _prf(c_cor, c_pred, c_gold),
            "false_alarm_rate": round(100 * clean_fa / max(clean, 1), 2), "false_alarms": clean_fa}
