"""`python -m eval timeline`: case-timeline events on hand-checked real judgments (held-out
first), fire counts of the TL.* rules on the 501 judgments, and the time the timeline adds.

Labels: tests/data/timeline_judgments_heldout.yaml (25 judgments read after the event cues were
last changed, scored once; 25 more read on 2026-12-07) and tests/data/timeline_judgments.yaml (25 judgments the cues were
developed on). An event is an (event name, date) pair; a case's events are compared as sets.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from pathlib import Path

import yaml

NAME = "timeline"
HELP = "case-timeline events on hand-checked judgments, TL.* rule fire counts, timeline cost"
ROOT = Path(__file__).resolve().parents[2]
LABELS = {"held-out": ROOT / "tests/data/timeline_judgments_heldout.yaml",
          "dev": ROOT / "tests/data/timeline_judgments.yaml"}
JUDGMENTS = ROOT / "eval/data/judgments.jsonl.gz"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-rules", action="store_true", help="skip the TL.* fire counts on the 501 judgments")


def _judgments() -> dict[str, str]:
    with gzip.open(JUDGMENTS, "rt", encoding="utf-8") as fh:
        return {r["id"]: r["judgment"] for r in map(json.loads, fh)}


def score(path: Path, texts: dict[str, str]) -> dict:
    from models.documents import parse_text
    from models.pipeline import build_case
    from models.timeline import case_timeline

    tp = fn = fp = 0
    misses = []
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))
    for c in labels:
        want = {(n, str(d)) for n, d in c["events"]}
        case = build_case([parse_text(texts[c["id"]], source="judgment", kind="judgment")])
        got = {(e.name, e.date.isoformat()) for e in case_timeline(case).events}
        tp, fn, fp = tp + len(want & got), fn + len(want - got), fp + len(got - want)
        if want != got:
            misses.append({"id": c["id"], "missed": sorted(want - got), "extra": sorted(got - want)})
    return {"judgments": len(labels), "events": tp + fn, "found": tp, "missed": fn, "extra": fp,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None, "misses": misses}


def run(a: argparse.Namespace) -> int:
    texts = _judgments()
    for name, path in LABELS.items():
        print(name, json.dumps(score(path, texts), ensure_ascii=False))
    from eval.timeline_export import run as export_run

    print("generated export with injected conflicts (held-out cases):",
          json.dumps(export_run(LABELS["held-out"], texts), ensure_ascii=False))
    if a.no_rules:
        return 0
    from models.documents import parse_text
    from models.pipeline import build_case, check_case
    from models.timeline import case_timeline

    fires: Counter[str] = Counter()
    t_tl = 0.0
    t0 = time.perf_counter()
    for jid, text in texts.items():
        case = build_case([parse_text(text, source="judgment", kind="judgment")], case_id=jid)
        t1 = time.perf_counter()
        case_timeline(case)
        t_tl += time.perf_counter() - t1
        for f in check_case(case).findings:
            if f.rule_id.startswith("TL."):
                fires[f"{f.rule_id} ({f.severity})"] += 1
    total = time.perf_counter() - t0
    print(f"TL.* findings on {len(texts)} judgments (documents only, no export): {dict(fires) or 0}")
    print(f"timeline build: {1000 * t_tl / len(texts):.2f} ms per judgment "
          f"(of {1000 * total / len(texts):.1f} ms for extract + check; loaded machine)")
    return 0
