"""Documents that are not what they claim, and honest grades (issue 18): a text with none of a legal
document's marks is refused (exit 2 / HTTP 400), a document of another kind than the one it was
given as is refused, a case lacking documents is graded 材料不全 with the missing ones named, and
every finding carries its rule's Chinese title."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.documents import legal_marks
from models.errors import BadInput
from models.grading import grade
from models.pipeline import check_paths, check_texts
from models.types import Finding

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"
NOT_LEGAL = "无法识别为起诉书、量刑建议书或刑事判决书"
# plain Chinese prose: long enough, all CJK, but no authority, no 被告人, no title, no section
WEATHER = "今天天气很好，阳光明媚，我们一家人去公园散步，看到湖边的柳树发了新芽，孩子们在草地上放风筝。" * 3


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "models.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=120)


def test_plain_prose_has_no_legal_marks_and_a_real_document_has():
    assert legal_marks(WEATHER) == []
    assert legal_marks((SAMPLE / "起诉书.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("how", ["file", "named", "stdin"])
def test_cli_refuses_non_legal_text(tmp_path: Path, how: str):
    f = tmp_path / "天气.txt"
    f.write_text(WEATHER, encoding="utf-8")
    args = {"file": ("check", str(f)), "named": ("check", "--indictment", str(f)), "stdin": ("check", "-")}[how]
    p = run(*args, "--json", stdin=WEATHER.encode() if how == "stdin" else None)
    assert p.returncode == 2, p.stdout.decode()
    err = p.stderr.decode()
    assert NOT_LEGAL in err and len(err.strip().splitlines()) == 1
    assert p.stdout == b""


def test_texts_given_by_kind_are_refused_without_legal_marks():
    with pytest.raises(BadInput, match=NOT_LEGAL):
        check_texts({"indictment": WEATHER})
    real = (SAMPLE / "刑事判决书.txt").read_text(encoding="utf-8")
    with pytest.raises(BadInput, match=NOT_LEGAL):  # one good document does not carry a bad one
        check_texts({"indictment": WEATHER, "judgment": real})


def test_wrong_kind_document_is_refused(tmp_path: Path):
    """The judgment given as the indictment: exit 2 with the kind it really is."""
    p = run("check", "--indictment", str(SAMPLE / "刑事判决书.txt"), "--judgment", str(SAMPLE / "刑事判决书.txt"))
    assert p.returncode == 2
    assert "看起来是刑事判决书，不是起诉书" in p.stderr.decode()


def test_one_document_case_is_graded_incomplete_with_the_missing_named(tmp_path: Path):
    only = tmp_path / "case"
    only.mkdir()
    (only / "起诉书.txt").write_bytes((SAMPLE / "起诉书.txt").read_bytes())
    rep = check_paths([only])
    assert [d["kind"] for d in rep.documents] == ["indictment"]
    assert rep.missing_documents == ["量刑建议书", "刑事判决书"]
    assert not [f for f in rep.findings if f.severity == "error"]  # so the grade is not 不合格 …
    assert rep.grade == "材料不全"  # … and never 优质
    p = run("check", str(only))
    out = p.stdout.decode()
    assert p.returncode == 0
    assert "材料不全" in out and "缺少量刑建议书、刑事判决书" in out and "识别为起诉书" in out
    d = json.loads(run("check", str(only), "--json").stdout)
    assert d["grade"] == "材料不全" and d["missing_documents"] == ["量刑建议书", "刑事判决书"]


def test_grades_with_and_without_missing_documents():
    err, info = Finding("X.Y", "error", ""), Finding("X.Y", "info", "")
    assert grade([]) == "优质"
    assert grade([], ["量刑建议书"]) == "材料不全"
    assert grade([info], ["量刑建议书"]) == "材料不全"
    assert grade([err], ["量刑建议书"]) == "不合格"  # an error in the documents present still counts


def test_full_case_has_no_missing_documents_and_every_finding_a_chinese_title():
    d = json.loads(run("check", str(SAMPLE), "--json").stdout)
    assert d["missing_documents"] == [] and d["grade"] == "不合格"
    assert {x["kind"] for x in d["documents"]} == {"indictment", "recommendation", "judgment"}
    for f in d["findings"]:
        assert f["rule_id"] and f["title"], f
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f["title"]), f
    titles = {f["rule_id"]: f["title"] for f in d["findings"]}
    # the catalogue's own title (knowledge/rules/compare.yaml), next to the stable rule id
    assert titles["COMPARE.TERM_MISMATCH"] == "判处刑期与量刑建议不一致"
    table = run("check", str(SAMPLE)).stdout.decode()
    assert "COMPARE.TERM_MISMATCH 判处刑期与量刑建议不一致" in table
