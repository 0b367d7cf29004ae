"""Case timelines: hand-checked real judgments, a generated case-management export with injected
conflicts, export formats and bad input, and the timeline command."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.cli import app
from models.documents import parse_text
from models.errors import BadInput
from models.pipeline import build_case
from models.timeline import case_timeline
from models.timeline.export import events_for_case, read_export
from models.timeline.facts import month_deadline, timeline_facts

ROOT = Path(__file__).resolve().parents[1]
THEFT = ROOT / "knowledge" / "rules" / "examples" / "theft" / "judgment.txt"


def _judgment_case(text: str):
    return build_case([parse_text(text, source="judgment", kind="judgment")])


@pytest.mark.parametrize("labels", ["timeline_judgments.yaml", "timeline_judgments_heldout.yaml"])
def test_hand_checked_judgment_timelines(labels):
    """Hand-read events of 25 + 50 real judgments (the second file read after the cues were last
    changed): ≥ 95% of the (event, date) pairs found, none invented. The 2 + 2 misses are written
    in eval/RESULTS.md (a date without 日, a 决定逮捕 whose clause names no measure, a date whose
    measure is in the next clause after 经…批准, a court's 决定继续…取保候审)."""
    from eval.tasks.timeline import score

    rows = {r["id"]: r["judgment"] for r in (json.loads(x) for x in gzip.open(ROOT / "eval" / "data" / "judgments.jsonl.gz"))}
    got = score(ROOT / "tests" / "data" / labels, rows)
    assert got["judgments"] == (50 if "heldout" in labels else 25)
    assert got["recall"] >= 0.95, got["misses"]
    assert got["extra"] == 0, got["misses"]


def _theft():
    return _judgment_case(THEFT.read_text(encoding="utf-8"))


def test_document_events_and_own_date():
    tl = case_timeline(_theft())
    got = [(e.name, e.date) for e in tl.events]
    assert ("拘留", dt.date(2017, 4, 28)) in got
    assert ("逮捕", dt.date(2017, 5, 5)) in got
    assert ("提起公诉", dt.date(2017, 6, 15)) in got
    assert any(n == "判决" for n, _ in got)
    assert tl.conflicts == []


def _generated_export(seed: int = 7, n_cases: int = 30):
    """A generated export of n cases (each a clean chain of steps) and, for a third of them, one
    injected conflict: a second 逮捕 date or a 提起公诉 date one to nine days off the judgment's."""
    rng = random.Random(seed)
    rows, injected = [], set()
    for k in range(n_cases):
        no = f"（2017）沪0120刑初{700 + k}号"
        start = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(200))
        steps = [("刑事拘留", 0), ("提请批准逮捕", 3), ("批准逮捕", 8), ("移送审查起诉", 60), ("退补", 75),
                 ("重新移送审查起诉", 100), ("起诉", 120)]
        for name, off in steps:
            rows.append({"案号": no, "事件": name, "日期": (start + dt.timedelta(days=off)).isoformat(),
                         "承办人": "王某", "部门": "第一检察部"})
        if k % 3 == 0:
            rows.append({"案号": no, "事件": "逮捕", "日期": (start + dt.timedelta(days=9 + rng.randrange(5))).isoformat(),
                         "承办人": "李某", "部门": "第二检察部"})
            injected.add(no)
    return rows, injected


def _csv(rows) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["案号", "事件", "日期", "承办人", "部门"])
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def test_generated_export_conflicts_found_exactly():
    rows, injected = _generated_export()
    by_case = read_export(_csv(rows), "export.csv")
    assert len(by_case) == 30
    flagged = set()
    for no, evs in by_case.items():
        tl = case_timeline(build_case([], case_id=no), evs)
        assert [c.key for c in tl.conflicts] in ([], ["arrest"])
        if tl.conflicts:
            flagged.add(no)
        # 退补 and 重新移送 read as their events, and rounds counted
        f = timeline_facts(tl)
        assert f["tl_n_returns"] == 1 and f["tl_n_resubmissions"] == 1
        assert f["tl_days_request_to_decision"] == 5 and f["tl_detained_at_request"] is True
    assert flagged == injected


def test_export_conflict_with_document():
    case = _theft()
    rows = [{"案号": "（2017）沪0120刑初684号", "事件": "起诉", "日期": "2017/6/16", "承办人": "王某", "部门": "第一检察部"},
            {"案号": "（2017）沪0120刑初684号", "事件": "拘留", "日期": "2017年4月28日"}]
    evs = events_for_case(read_export(_csv(rows), "x.csv"), [case.case_id])
    tl = case_timeline(case, evs)
    assert [(c.name, sorted(c.dates)) for c in tl.conflicts] == [("提起公诉", ["判决书", "案管导出"])]
    det = [e for e in tl.events if e.key == "detention"]
    assert len(det) == 1 and det[0].source == "判决书、案管导出"


def test_export_formats_agree(tmp_path):
    from openpyxl import Workbook

    rows, _ = _generated_export(n_cases=3)
    wb = Workbook()
    ws = wb.active
    ws.append(["案号", "事件", "日期", "承办人", "部门"])
    for r in rows:
        ws.append([r["案号"], r["事件"], dt.date.fromisoformat(r["日期"]), r["承办人"], r["部门"]])
    xlsx = tmp_path / "e.xlsx"
    wb.save(xlsx)
    a = read_export(_csv(rows), "e.csv")
    b = read_export(xlsx.read_bytes(), "e.xlsx")
    c = read_export(json.dumps(rows, ensure_ascii=False).encode(), "e.json")
    key = lambda d: {no: [(e.key, e.date, e.actor) for e in evs] for no, evs in d.items()}  # noqa: E731
    assert key(a) == key(b) == key(c)


@pytest.mark.parametrize("data,name,reason", [
    (b"", "e.csv", "为空"),
    ("案号,事件\n1,逮捕\n".encode(), "e.csv", "缺少列"),
    ("案号,事件,日期\n1,吃饭,2017-01-01\n".encode(), "e.csv", "事件无法识别"),
    ("案号,事件,日期\n1,逮捕,2017-02-30\n".encode(), "e.csv", "日期无法识别"),
    (b"PK\x03\x04garbage", "e.xlsx", "Excel"),
    (b"{not json", "e.json", "JSON"),
    (b"a,b", "e.pdf", "不支持"),
])
def test_export_bad_input(data, name, reason):
    with pytest.raises(BadInput, match=reason):
        read_export(data, name)


def test_month_deadline_counts_from_next_day_and_skips_weekend():
    # 刑事诉讼法第一百零五条: 5月10日 + one month = 6月10日, a Saturday in 2017 → Monday 6月12日
    assert month_deadline(dt.date(2017, 5, 10)) == dt.date(2017, 6, 12)
    assert month_deadline(dt.date(2017, 3, 1)) == dt.date(2017, 4, 3)  # 4月1日 Sat
    assert month_deadline(dt.date(2017, 1, 31)) == dt.date(2017, 2, 28)


def test_timeline_command(tmp_path):
    runner = CliRunner()
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "判决书.txt").write_text(THEFT.read_text(encoding="utf-8"), encoding="utf-8")
    exp = tmp_path / "e.csv"
    exp.write_bytes(_csv([{"案号": "（2017）沪0120刑初684号", "事件": "提起公诉", "日期": "2017-06-16",
                           "承办人": "王某", "部门": "第一检察部"}]))
    r = runner.invoke(app, ["timeline", str(case_dir), "--export", str(exp), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"事件": "提起公诉", "日期": "2017-06-16"}.items() <= next(e for e in out["events"] if e["来源"] == "案管导出").items()
    assert len(out["conflicts"]) == 1
    r = runner.invoke(app, ["timeline", str(case_dir)])
    assert r.exit_code == 0 and "拘留" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"x,y\n1,2\n")
    r = runner.invoke(app, ["timeline", str(case_dir), "--export", str(bad)])
    assert r.exit_code == 2 and "缺少列" in r.stderr
    other = tmp_path / "o.csv"
    other.write_bytes(_csv([{"案号": "（2019）京0101刑初1号", "事件": "逮捕", "日期": "2019-01-01"}]))
    r = runner.invoke(app, ["timeline", str(case_dir), "--export", str(other)])
    assert r.exit_code == 2 and "没有本案" in r.stderr
    r = runner.invoke(app, ["timeline", str(tmp_path / "missing")])
    assert r.exit_code == 2
