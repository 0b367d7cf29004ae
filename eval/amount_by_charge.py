"""Issue 16 item 4: each charge's own amount in cases of several money charges.

`python -m eval.amount_by_charge` runs ``analyze`` with the gold charges given on the train/dev cases of
eval/data/amount_labels_by_charge.jsonl (each money charge's amount, taken from the whole-case labellers'
notes, which break the case's amount down by charge; the parts add up to the whole-case label) and prints
how many (case, charge) amounts are exact, against reading the whole case's amount for every charge.
These are train/dev labels: the figure guides development and is not a held-out measure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LABELS = Path(__file__).resolve().parent / "data" / "amount_labels_by_charge.jsonl"


def measure() -> dict[str, Any]:
    from eval.analyze import load_cail, load_judgment_facts, same_amount
    from models.commands.analyze import analyze_many

    labels = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    facts = {r["id"]: (r["fact"], r["charges"]) for r in load_cail("train", "dev")}
    facts |= {r["id"]: (r["facts"], r["charges"]) for r in load_judgment_facts() if r["split"] != "test"}
    labels = [x for x in labels if x["id"] in facts]
    out = analyze_many([(x["id"], facts[x["id"]][0], facts[x["id"]][1]) for x in labels])
    n = ok = whole = cases = 0
    misses = []
    for x, r in zip(labels, out, strict=True):
        got = {a["charge"]: a["amount_yuan"] for a in r["amounts_by_charge"]}
        all_ok = True
        for c, gold in x["by_charge"].items():
            n += 1
            hit = same_amount(gold, got.get(c))
            ok += hit
            whole += same_amount(gold, r["amount_yuan"])
            all_ok &= hit
            if not hit:
                misses.append(f"{x['id']} {c} gold {gold} pred {got.get(c)}")
        cases += all_ok
    return {"cases": len(labels), "charge_amounts": n, "exact": round(ok / max(1, n), 4), "exact_n": ok,
            "cases_all_exact": cases, "whole_case_amount_for_each_charge": round(whole / max(1, n), 4),
            "misses": misses}


if __name__ == "__main__":
    r = measure()
    print(json.dumps({k: v for k, v in r.items() if k != "misses"}, ensure_ascii=False))
    for m in r["misses"]:
        print("  ", m)
