"""A generated case-management export with injected conflicts, for `python -m eval timeline`.

For every hand-checked held-out judgment (tests/data/timeline_judgments_heldout.yaml) the export
holds one row per hand-read event with its hand-read date (not the program's), plus two rows the
judgment cannot state (移送审查起诉 and one 退回补充侦查 round, dated between the last measure and
the filing). In every third case one event the label dates once and that may happen only once is
moved by 1–30 days: the merge must report exactly those as conflicts (and no other), and every
export row must be on the merged timeline with its date. The same rows are written as CSV, xlsx
and JSON and read back through the product's reader (models/timeline/export.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ONCE = {"拘留", "提请批捕", "提起公诉", "判决", "移送审查起诉"}  # labelled events that happen once per case


def build(labels: list[dict[str, Any]], numbers: dict[str, str], seed: int = 2323) -> tuple[list[dict], dict[str, tuple]]:
    """(export rows, case id → (event name, true date, moved date) of the injected conflict)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    injected: dict[str, tuple] = {}
    for n, c in enumerate(labels):
        no = numbers[c["id"]]
        events = [(name, dt.date.fromisoformat(str(d))) for name, d in c["events"]]
        counts = Counter(name for name, _d in events)
        movable = [(name, d) for name, d in events if name in ONCE and counts[name] == 1]
        move = rng.choice(movable) if n % 3 == 0 and movable else None
        for name, d in events:
            if (name, d) == move:
                moved = d + dt.timedelta(days=rng.randint(1, 30))
                injected[c["id"]] = (name, d, moved)
                d = moved
            rows.append({"案号": no, "事件": name, "日期": d.isoformat(), "承办人": f"承办人{n % 7}", "部门": "第一检察部"})
        dated = sorted(d for _n, d in events)
        first = dated[0]
        rows.append({"案号": no, "事件": "移送审查起诉", "日期": (first + dt.timedelta(days=2)).isoformat(),
                     "承办人": f"承办人{n % 7}", "部门": "第一检察部"})
        rows.append({"案号": no, "事件": "退回补充侦查", "日期": (first + dt.timedelta(days=3)).isoformat(),
                     "承办人": f"承办人{n % 7}", "部门": "第一检察部"})
    return rows, injected


def as_files(rows: list[dict[str, str]]) -> dict[str, bytes]:
    from openpyxl import Workbook

    cols = ["案号", "事件", "日期", "承办人", "部门"]
    csv = "\n".join([",".join(cols)] + [",".join(r[c] for c in cols) for r in rows]).encode("utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(cols)
    for r in rows:
        ws.append([dt.date.fromisoformat(r["日期"]) if c == "日期" else r[c] for c in cols])
    buf = io.BytesIO()
    wb.save(buf)
    return {"export.csv": csv, "export.xlsx": buf.getvalue(),
            "export.json": json.dumps(rows, ensure_ascii=False).encode("utf-8")}


def run(labels_path: Path, texts: dict[str, str]) -> dict[str, Any]:
    from models.documents import parse_text
    from models.pipeline import build_case
    from models.timeline import case_timeline
    from models.timeline.export import events_for_case, read_export

    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    cases = {c["id"]: build_case([parse_text(texts[c["id"]], source="judgment", kind="judgment")]) for c in labels}
    numbers = {i: c.elements["judgment"].case_number or i for i, c in cases.items()}
    rows, injected = build(labels, numbers)
    out: dict[str, Any] = {"cases": len(labels), "rows": len(rows), "injected": len(injected)}
    for name, data in as_files(rows).items():
        export = read_export(data, name)
        on_tl = rows_found = tp = fp = fn = 0
        wrong: list[dict[str, Any]] = []
        for c in labels:
            case = cases[c["id"]]
            nums = [el.case_number for el in case.elements.values() if el.case_number]
            evs = events_for_case(export, nums or [c["id"]])
            tl = case_timeline(case, evs)
            have = {(e.name, e.date) for e in tl.events if "案管导出" in e.source}
            mine = [r for r in rows if r["案号"] == numbers[c["id"]]]
            rows_found += len(mine)
            on_tl += sum((r["事件"], dt.date.fromisoformat(r["日期"])) in have for r in mine)
            got = {k.name for k in tl.conflicts}
            want = {injected[c["id"]][0]} if c["id"] in injected else set()
            tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
            if got != want:
                wrong.append({"id": c["id"], "want": sorted(want), "got": [k.message() for k in tl.conflicts]})
        out[name] = {"export rows on the timeline": f"{on_tl}/{rows_found}", "conflicts found": tp,
                     "conflicts missed": fn, "false conflicts": fp, "wrong": wrong}
    return out
