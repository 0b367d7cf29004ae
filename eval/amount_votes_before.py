"""Regenerate eval/data/amount_rule_votes_before.jsonl: the word rules' amounts on each labelling round's
train/dev cases, computed with the rules as they were *before* that round was used to develop them.

Why: the amount ranker (eval/amount_rank_build.py) takes the rules' votes as features. On the
train/dev labels the current rules are right 88% of the time because they were written on those labels;
on unseen facts they are right 64–75% of the time. Trained on the current votes, the ranker learns to
trust them as on the labels they were fitted to; trained on the votes of the rules before each round
(0.60–0.68 on property crimes, as measured when each round was labelled), it sees the votes as they are on
new facts. The first round (session10 analyze) has no earlier rules and keeps the current votes.

Usage: ``python -m eval.amount_votes_before`` (extracts each commit's models/ and knowledge/ with
``git archive`` into a temporary directory and runs its ``analyze`` and ``read_amounts`` there; a few
minutes). The test labels are never read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "eval" / "data" / "amount_rule_votes_before.jsonl"
# labelling round (the labels' "by") → the commit before the round's rule changes
BEFORE = {"session11 amounts": "4b2ab29", "session12 amounts3": "23000e1", "session13 amounts4": "8e5331f",
          "session13 amounts5": "55e48de", "session14 judgments": "063aab4", "session14 other charges": "bdd82ca"}
KINDS = ("default", "theft", "fraud", "vat", "sales")

_RUN = """
import json, sys
from models.experts.base import read_amounts
from models.commands.analyze import analyze_many
items = json.load(open(sys.argv[1]))
outs = analyze_many([(i, t) for i, t in items])
res = {}
for (i, t), o in zip(items, outs):
    res[i] = {"amount": o["amount_yuan"], "totals": {k: read_amounts(t, k).total for k in KINDS}}
json.dump(res, open(sys.argv[2], "w"))
""".replace("KINDS", repr(KINDS))


def main() -> int:
    from eval.amount_rank_build import training_labels

    groups: dict[str, list[tuple[str, str]]] = {}
    for x in training_labels():
        if x.get("by") in BEFORE:
            groups.setdefault(x["by"], []).append((x["id"], x["fact"]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tag, commit in BEFORE.items():
            src = Path(tmp) / commit
            src.mkdir()
            arc = subprocess.run(["git", "archive", commit, "models", "knowledge"], cwd=ROOT, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(src)], input=arc.stdout, check=True)
            (src / "run.py").write_text(_RUN, encoding="utf-8")
            inp, out = Path(tmp) / f"{commit}.in.json", Path(tmp) / f"{commit}.out.json"
            inp.write_text(json.dumps(groups.get(tag, []), ensure_ascii=False), encoding="utf-8")
            subprocess.run([sys.executable, "run.py", str(inp), str(out)], cwd=src, check=True,
                           env={**os.environ, "PYTHONPATH": str(src)})
            for i, v in json.loads(out.read_text(encoding="utf-8")).items():
                rows.append({"id": i, "rules_commit": commit, "by": tag, **v})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} votes → {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
