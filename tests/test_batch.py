"""Batch review (models/batch, `jiancha batch`): discovery, grading, exactly-once resume, exports, CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.batch import BatchStore, check_source, discover, export, open_batch, run_batch, summarize
from models.batch.discover import CaseSource
from models.errors import BadInput
from models.grading import grade
from models.types import Finding

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"
FILES = {"indictment": "起诉书.txt", "recommendation": "量刑建议书.txt", "judgment": "刑事判决书.txt"}


def _generated(n: int) -> list[dict]:
    from eval.datasets import load_generated

    return load_generated("dev", n)


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 cases: the sample, 6 generated ones, and one broken case (a binary file only)."""
    root = tmp_path_factory.mktemp("batch") / "cases"
    shutil.copytree(SAMPLE, root / "a-sample")
    for i, row in enumerate(_generated(6)):
        d = root / f"g{i}"
        d.mkdir()
        for kind, text in row["documents"].items():
            (d / FILES[kind]).write_text(text, encoding="utf-8")
    bad = root / "z-broken"
    bad.mkdir()
    (bad / "判决书.txt").write_bytes(b"\x00\x01\x02binary\x00" * 10)
    (root / "README.md").write_text("# 说明\n本文件夹是待评查的案件。", encoding="utf-8")
    return root


def _store(tmp_path: Path, name: str = "b.sqlite") -> BatchStore:
    return BatchStore(f"sqlite:///{tmp_path / name}")


# --------------------------------------------------------------------------- discovery


def test_discover_case_folders(cases_dir: Path) -> None:
    cases = discover(cases_dir)
    assert [c.key for c in cases] == ["a-sample", "g0", "g1", "g2", "g3", "g4", "g5", "z-broken"]
    assert set(cases[0].members) == {f"a-sample/{f}" for f in ("起诉书.txt", "量刑建议书.txt", "刑事判决书.txt")}


def test_discover_flat_single_judgments_and_one_case_folder(tmp_path: Path) -> None:
    flat = tmp_path / "judgments"
    flat.mkdir()
    text = (SAMPLE / "刑事判决书.txt").read_text(encoding="utf-8")
    for i in range(3):
        (flat / f"判决{i}.txt").write_text(text, encoding="utf-8")
    (flat / "x.pdf").write_bytes(b"%PDF")  # unsupported: ignored
    cases = discover(flat)
    assert [c.key for c in cases] == ["判决0.txt", "判决1.txt", "判决2.txt"]
    # a flat folder holding the three documents of ONE case (names say distinct kinds)
    one = discover(SAMPLE)
    assert len(one) == 1 and one[0].key == "." and len(one[0].members) == 3
    # a folder whose only child is a folder of case folders is read as that folder
    outer = tmp_path / "outer"
    shutil.copytree(SAMPLE.parent, outer / "inner")
    assert [c.key for c in discover(outer)] == ["inner/case-001"]


def _zip(path: Path, members: dict[str, bytes], **kw) -> Path:
    with zipfile.ZipFile(path, "w", compression=kw.get("compression", zipfile.ZIP_DEFLATED)) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_discover_zip_and_load_members(tmp_path: Path) -> None:
    docs = {f: (SAMPLE / f).read_bytes() for f in ("起诉书.txt", "量刑建议书.txt", "刑事判决书.txt")}
    members = {f"批次/case-{i}/{f}": b for i in (1, 2) for f, b in docs.items()}
    members["批次/.DS_Store"] = b"junk"
    z = _zip(tmp_path / "cases.zip", members)
    cases = discover(z)
    assert [c.key for c in cases] == ["批次/case-1", "批次/case-2"]
    res = check_source(z, cases[1])
    assert res["error"] is None and res["grade"] == "不合格"
    assert {f["rule_id"] for f in res["findings"]} >= {"COMPARE.TERM_MISMATCH", "SENT.TERM_DATES"}
    assert res["source"] == "批次/case-2" and res["counts"]["error"] >= 1


@pytest.mark.parametrize("members,reason", [
    ({"../evil.txt": "被告人张三".encode()}, "越级路径"),
    ({"/etc/evil.txt": "被告人张三".encode()}, "绝对路径"),
    ({"case/inner.zip": b"PK\x03\x04xx"}, "嵌套压缩包"),
    ({"case/判决书.txt": b"0" * 5_000_000}, "压缩比异常"),
])
def test_hostile_zip_rejected(tmp_path: Path, members: dict[str, bytes], reason: str) -> None:
    z = _zip(tmp_path / "bad.zip", members)
    with pytest.raises(BadInput, match=reason):
        discover(z)


def test_corrupt_zip_and_empty_input(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInput, match="损坏"):
        discover(tmp_path / "x.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="没有找到"):
        discover(tmp_path / "empty")
    with pytest.raises(BadInput, match="不存在"):
        discover(tmp_path / "nope")


# --------------------------------------------------------------------------- grading and one case


def _f(sev: str) -> Finding:
    return Finding(rule_id="X.Y", severity=sev, message="")  # type: ignore[arg-type]


def test_grade_rules() -> None:
    assert grade([]) == "优质"
    assert grade([_f("info"), _f("info")]) == "合格"
    assert grade([_f("info"), _f("warning")]) == "瑕疵"
    assert grade([_f("warning"), _f("error"), _f("info")]) == "不合格"


def test_failing_case_is_recorded_not_raised(cases_dir: Path) -> None:
    res = check_source(cases_dir, CaseSource("z-broken", "z-broken", ("z-broken/判决书.txt",)))
    assert res["error"].startswith("输入有误：") and "二进制" in res["error"]
    assert res["grade"] is None and res["findings"] == []


# --------------------------------------------------------------------------- store, resume


def _norm(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "timings_ms"} for r in rows]


@pytest.fixture(scope="module")
def reference(cases_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    store = BatchStore(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.sqlite'}")
    bid, resumed = open_batch(store, cases_dir)
    assert not resumed
    assert run_batch(store, bid, workers=1) == "done"
    st = store.status(bid)
    assert st["total"] == 8 and st["done"] == 7 and st["failed"] == 1 and st["pending"] == 0
    assert sum(st["grades"].values()) == 7
    return store.results(bid, limit=None)


def test_resume_after_crash_exactly_once(cases_dir: Path, tmp_path: Path, reference: list[dict]) -> None:
    store = _store(tmp_path)
    bid, _ = open_batch(store, cases_dir)
    # "crash" after 3 recorded cases: the run stops, the batch stays running
    seen = []
    state = run_batch(store, bid, workers=1, progress=lambda c: seen.append(c["done"] + c["failed"]),
                      should_stop=lambda: len(seen) > 3)
    assert state == "running" and store.counts(bid)["pending"] == 5
    # a case computed but killed before its commit: nothing recorded, it stays pending
    pending = store.pending(bid)
    _lost = check_source(cases_dir, pending[0])
    # a duplicate delivery of an already recorded result is refused
    first = store.results(bid, limit=1)[0]
    assert store.record(bid, first) is False
    store.dispose()

    # "restart": a new process opens the same database and the same input
    store2 = _store(tmp_path)
    bid2, resumed = open_batch(store2, cases_dir)
    assert resumed and bid2 == bid
    assert [c.key for c in store2.pending(bid)][0] == pending[0].key
    assert run_batch(store2, bid, workers=1) == "done"
    got = store2.results(bid, limit=None)
    assert len(got) == 8 and len({r["source"] for r in got}) == 8
    assert _norm(got) == _norm(reference)
    assert store2.finding_rows(bid) == sum(len(r["findings"]) for r in got)
    # still exactly one item row per case in the database
    with sqlite3.connect(tmp_path / "b.sqlite") as con:
        assert con.execute("SELECT count(*), count(DISTINCT source) FROM batch_items").fetchone() == (8, 8)


def test_resume_tops_up_new_cases(cases_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "cases"
    shutil.copytree(cases_dir, src, ignore=shutil.ignore_patterns("g[1-5]", "z-*"))
    store = _store(tmp_path)
    bid, _ = open_batch(store, src)
    run_batch(store, bid, workers=1)
    shutil.copytree(cases_dir / "g1", src / "g1")
    bid2, resumed = open_batch(store, src)
    assert resumed and bid2 == bid and [c.key for c in store.pending(bid)] == ["g1"]
    run_batch(store, bid, workers=1)
    assert store.status(bid)["done"] == 3
    # --no-resume: a new batch
    bid3, resumed = open_batch(store, src, resume=False)
    assert not resumed and bid3 != bid and len(store.pending(bid3)) == 3


def test_pool_run_equals_inline(cases_dir: Path, tmp_path: Path, reference: list[dict]) -> None:
    store = _store(tmp_path)
    bid, _ = open_batch(store, cases_dir)
    assert run_batch(store, bid, workers=2) == "done"
    assert _norm(store.results(bid, limit=None)) == _norm(reference)


def test_grouped_recording_is_all_or_nothing(cases_dir: Path, tmp_path: Path, reference: list[dict]) -> None:
    """record_many: one transaction per group; a group that fails midway leaves every case of it
    pending (none half-recorded), duplicates inside a group and across groups are refused."""
    store = _store(tmp_path)
    bid, _ = open_batch(store, cases_dir)
    by_source = {r["source"]: {k: v for k, v in r.items() if k != "status"} for r in reference}
    first = [by_source[c.key] for c in store.pending(bid)[:3]]
    broken = dict(first[2], findings=[{"severity": "error"}])  # no rule_id: the findings insert fails
    with pytest.raises(KeyError):
        store.record_many(bid, [first[0], first[1], broken])
    assert store.counts(bid) == {"pending": 8, "done": 0, "failed": 0} and store.finding_rows(bid) == 0
    assert store.record_many(bid, [first[0], first[1], first[0]]) == [True, True, False]
    assert store.record_many(bid, first) == [False, False, True]
    assert store.counts(bid)["pending"] == 5
    assert store.finding_rows(bid) == sum(len(r["findings"]) for r in first)
    # paging the pending cases and the results gives the same as reading them whole
    assert [c.key for c in store.iter_pending(bid, page=2)] == [c.key for c in store.pending(bid)]
    assert list(store.iter_results(bid, with_pending=True, page=3)) == store.results(bid, limit=None,
                                                                                     with_pending=True)


def test_streamed_export_equals_in_memory(reference: list[dict], tmp_path: Path) -> None:
    """A report streamed from a callable (read once per pass) is the same file as from a list."""
    from openpyxl import load_workbook

    info = {"id": "b1", "name": "批"}
    passes = []

    def again():
        passes.append(1)
        return iter(reference)

    for fmt in ("html", "jsonl"):
        a = export(reference, tmp_path / f"a.{fmt}", info).read_bytes()
        assert export(again, tmp_path / f"b.{fmt}", info).read_bytes() == a
        assert export(iter(reference), tmp_path / f"c.{fmt}", info).read_bytes() == a  # a one-shot iterator
    a = load_workbook(export(reference, tmp_path / "a.xlsx", info))
    b = load_workbook(export(again, tmp_path / "b.xlsx", info))
    for name in a.sheetnames:
        assert [[c.value for c in row] for row in a[name].iter_rows()] == \
               [[c.value for c in row] for row in b[name].iter_rows()]
    assert len(passes) == 3 + 1 + 2  # html: summary, list, details; jsonl: one; xlsx: summary, rows


# --------------------------------------------------------------------------- reports


def test_summary_and_exports(reference: list[dict], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    s = summarize(reference)
    assert s["cases"] == 8 and s["done"] == 7 and s["failed"] == 1
    assert sum(s["grades"].values()) == 7
    assert s["by_rule"]["SENT.TERM_DATES"]["cases"] >= 1
    assert sum(v["cases"] for v in s["by_month"].values()) == 7
    info = {"id": "b1", "name": "测试批次"}
    xlsx = export(reference, tmp_path / "r.xlsx", info)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["汇总", "案件", "问题"]
    assert wb["案件"].max_row == 9
    assert wb["问题"].max_row == 1 + sum(len(r["findings"]) for r in reference)
    summary = [c.value for row in wb["汇总"].iter_rows() for c in row]
    for label in ("优质", "不合格", "按罪名", "按规则", "按法院", "按月份", "SENT.TERM_DATES"):
        assert label in summary
    page = export(reference, tmp_path / "r.html", info).read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.lower().replace('lang="zh-cn"', "")
    assert "测试批次" in page and "SENT.TERM_DATES" in page and 'class="bar"' in page
    lines = export(reference, tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["source"] for x in lines] == [r["source"] for r in reference]
    with pytest.raises(BadInput):
        export(reference, tmp_path / "r.pdf")


def test_html_report_escapes_document_text(tmp_path: Path) -> None:
    r = {"source": "a", "name": "<b>案</b>", "grade": "瑕疵", "status": "done", "error": None,
         "counts": {"error": 0, "warning": 1, "info": 0}, "charges": ["盗窃"],
         "findings": [{"rule_id": "X", "severity": "warning", "message": "<script>alert(1)</script>", "spans": []}]}
    page = export([r], tmp_path / "e.html", {"name": "<i>批</i>"}).read_text(encoding="utf-8")
    assert "<script" not in page and "<b>案" not in page and "<i>批" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;i&gt;批&lt;/i&gt;" in page


def test_xlsx_never_writes_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    r = {"source": "=HYPERLINK(\"x\")", "name": "=1+1", "grade": "瑕疵", "status": "done", "error": None,
         "counts": {"error": 0, "warning": 1, "info": 0}, "charges": ["盗窃"],
         "findings": [{"rule_id": "X", "severity": "warning", "message": "=cmd|' /C calc'!A0\x01", "spans": []}]}
    wb = load_workbook(export([r], tmp_path / "f.xlsx"))
    # column H: 说明 (after 规则, 规则名称, 严重程度, 被告人)
    assert wb["问题"]["H1"].value == "说明"
    assert wb["问题"]["H2"].value == "=cmd|' /C calc'!A0" and wb["问题"]["H2"].data_type == "s"
    assert wb["案件"]["B2"].data_type == "s"


def test_report_times_are_local_and_labelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's UTC times appear in both reports as local time with the zone named, never as ISO."""
    from openpyxl import load_workbook

    from knowledge.settings import get_settings

    r = {"source": "a", "name": "案", "grade": "合格", "status": "done", "error": None,
         "counts": {"error": 0, "warning": 0, "info": 0}, "charges": ["盗窃"], "findings": []}
    # 2026-12-06 23:30 UTC is 07:30 the next morning in Beijing (UTC+8, no daylight saving)
    info = {"id": "b1", "name": "批", "created_at": "2026-12-06T23:30:00Z", "finished_at": "2026-12-06T23:45:10Z"}
    monkeypatch.delenv("JIANCHA_TIMEZONE", raising=False)
    get_settings.cache_clear()
    try:
        page = export([r], tmp_path / "t.html", info).read_text(encoding="utf-8")
        assert "2026-12-07 07:30:00（北京时间）" in page and "2026-12-07 07:45:10（北京时间）" in page
        assert "2026-12-06T23:30" not in page
        summary = {row[0].value: row[1].value for row in load_workbook(export([r], tmp_path / "t.xlsx", info))["汇总"]
                   .iter_rows(min_row=1, max_col=2) if row[0].value}
        assert summary["创建时间"] == "2026-12-07 07:30:00（北京时间）"
        assert summary["完成时间"] == "2026-12-07 07:45:10（北京时间）"
        # another configured zone: Tokyo is UTC+9
        monkeypatch.setenv("JIANCHA_TIMEZONE", "Asia/Tokyo")
        get_settings.cache_clear()
        page = export([r], tmp_path / "u.html", info).read_text(encoding="utf-8")
        assert "2026-12-07 08:30:00（Asia/Tokyo UTC+09:00）" in page
    finally:
        get_settings.cache_clear()


# --------------------------------------------------------------------------- CLI


def _cli(*args: str):
    from models.cli import app

    return CliRunner().invoke(app, ["batch", *args])


def test_cli_runs_and_resumes(cases_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite"
    out = tmp_path / "r.jsonl"
    r = _cli(str(cases_dir), "--out", str(out), "--out", str(tmp_path / "r.xlsx"), "--db", str(db), "-w", "1")
    assert r.exit_code == 0, r.output
    assert "已评查 7 件" in r.output and "失败 1 件" in r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8
    r2 = _cli(str(cases_dir), "--out", str(out), "--db", str(db), "-w", "1", "--resume")
    assert r2.exit_code == 0 and "待评查 0 件" in r2.output
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1


@pytest.mark.parametrize("extra,reason", [
    (["--out", "r.pdf"], "不支持的报告格式"),
    (["--out", "r.html", "--workers", "0"], "--workers"),
])
def test_cli_bad_options(cases_dir: Path, tmp_path: Path, extra: list[str], reason: str) -> None:
    r = _cli(str(cases_dir), *[str(tmp_path / x) if x.startswith("r.") else x for x in extra])
    assert r.exit_code == 2 and reason in r.output


def test_cli_bad_inputs(tmp_path: Path) -> None:
    out = str(tmp_path / "r.html")
    r = _cli(str(tmp_path / "missing"), "--out", out, "--db", str(tmp_path / "d.sqlite"))
    assert r.exit_code == 2 and "不存在" in r.output
    z = _zip(tmp_path / "evil.zip", {"../../x.txt": "被告人".encode()})
    r = _cli(str(z), "--out", out, "--db", str(tmp_path / "d.sqlite"))
    assert r.exit_code == 2 and r.output.startswith("输入有误：") and "越级路径" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_queued_batch_is_never_visible_without_its_items(cases_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker polling for queued batches (another connection) must not see the batch before its
    items: it would find nothing pending and mark the batch done with 0 cases (a race seen in the web
    worker test)."""
    store = _store(tmp_path)
    seen: list[int] = []
    original = BatchStore._insert_items

    def spy(c, batch_id, cases):  # noqa: ANN001, ANN202 - same signature as the method
        other = sqlite3.connect(tmp_path / "b.sqlite", timeout=0.1)
        seen.append(other.execute("select count(*) from batches where state = 'queued'").fetchone()[0])
        other.close()
        return original(c, batch_id, cases)

    monkeypatch.setattr(BatchStore, "_insert_items", staticmethod(spy))
    bid = store.create_batch(cases_dir, discover(cases_dir), state="queued")
    assert seen == [0]
    assert store.status(bid)["pending"] == store.status(bid)["total"] == 8


def test_one_document_case_in_a_batch_is_incomplete(tmp_path: Path) -> None:
    """A case folder holding only its indictment: 材料不全 with the two missing documents named, in the
    result, the summary and both reports; the kind detected is listed per input file."""
    from openpyxl import load_workbook

    root = tmp_path / "cases"
    shutil.copytree(SAMPLE, root / "full")
    (root / "only").mkdir()
    shutil.copy(SAMPLE / "起诉书.txt", root / "only" / "起诉书.txt")
    results = {r["name"]: r for r in (check_source(root, c) for c in discover(root))}
    only, full = results["only"], results["full"]
    assert only["grade"] == "材料不全" and only["missing_documents"] == ["量刑建议书", "刑事判决书"]
    assert [d["kind"] for d in only["documents"]] == ["indictment"]
    assert full["missing_documents"] == [] and full["grade"] == "不合格"
    assert summarize(list(results.values()))["grades"]["材料不全"] == 1
    wb = load_workbook(export(list(results.values()), tmp_path / "r.xlsx"))
    head = [c.value for c in wb["案件"][1]]
    row = next(r for r in wb["案件"].iter_rows(min_row=2, values_only=True) if r[1] == "only")
    assert row[head.index("评查等级")] == "材料不全"
    assert row[head.index("缺少的文书")] == "量刑建议书、刑事判决书"
    assert row[head.index("识别的文书")] == "起诉书（起诉书.txt）"
    titles = [r[4] for r in wb["问题"].iter_rows(min_row=2, values_only=True)]
    assert titles and all(titles)  # 规则名称 beside every rule id
    page = export(list(results.values()), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "材料不全：缺少量刑建议书、刑事判决书" in page
