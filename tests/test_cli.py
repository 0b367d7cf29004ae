"""The `jiancha check` command-line contract: JSON report shape, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "knowledge" / "samples" / "case-001"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "models.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=120)


def test_sample_case_json_report():
    p = run("check", str(SAMPLE), "--json")
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert set(report) >= {"case_id", "experts", "findings", "sentence_suggestion", "grade"}
    ids = {f["rule_id"] for f in report["findings"]}
    assert {"COMPARE.TERM_MISMATCH", "SENT.TERM_DATES"} <= ids
    for f in report["findings"]:
        assert f["severity"] in ("error", "warning", "info")
        assert f["message"] and f["basis"] and f["source"] == "rule"
        for sp in f["spans"]:
            assert sp["document"] in ("indictment", "recommendation", "judgment")
            assert sp["text"] and sp["end"] > sp["start"]
    assert report["grade"] == "不合格"


def test_named_documents_and_readable_table():
    p = run("check", "--indictment", str(SAMPLE / "起诉书.txt"), "--recommendation", str(SAMPLE / "量刑建议书.txt"),
            "--judgment", str(SAMPLE / "刑事判决书.txt"))
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert "SENT.TERM_DATES" in out and "依据" in out


def test_stdin_document():
    p = run("check", "-", "--json", stdin=(SAMPLE / "刑事判决书.txt").read_bytes())
    assert p.returncode == 0, p.stderr.decode()
    assert any(f["rule_id"] == "SENT.TERM_DATES" for f in json.loads(p.stdout)["findings"])


def test_zip_of_a_case(tmp_path: Path):
    z = tmp_path / "case.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in SAMPLE.iterdir():
            zf.write(f, f.name)
    p = run("check", str(z), "--json")
    assert p.returncode == 0, p.stderr.decode()
    assert len(json.loads(p.stdout)["documents"]) == 3


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    (tmp / "empty.txt").write_bytes(b"")
    files["empty"] = tmp / "empty.txt"
    big = tmp / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    files["50MB"] = big
    (tmp / "junk.txt").write_bytes(bytes(range(256)) * 20)
    files["binary junk"] = tmp / "junk.txt"
    (tmp / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a docx")
    files["corrupt docx"] = tmp / "broken.docx"
    bomb = tmp / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("起诉书.txt", b"0" * (250 * 1024 * 1024))
    files["zip bomb"] = bomb
    text = (SAMPLE / "起诉书.txt").read_text(encoding="utf-8")
    (tmp / "big5.txt").write_bytes(text.encode("big5", errors="replace"))
    files["wrong encoding"] = tmp / "big5.txt"
    (tmp / "note.txt").write_text("今天天气很好，我们去公园散步，然后吃了午饭。" * 20, encoding="utf-8")
    files["wrong kind"] = tmp / "note.txt"
    files["missing"] = tmp / "nope.txt"
    return files


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> dict[str, Path]:
    return _bad_inputs(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", ["empty", "50MB", "binary junk", "corrupt docx", "zip bomb", "wrong encoding",
                                  "wrong kind", "missing"])
def test_bad_input_exit_2_with_one_line_reason(bad_inputs, case):
    p = run("check", str(bad_inputs[case]))
    assert p.returncode == 2, (case, p.stdout, p.stderr)
    err = p.stderr.decode().strip()
    assert err.startswith("输入有误：") and "\n" not in err and "Traceback" not in err


def test_judgment_given_as_indictment_is_refused():
    p = run("check", "--indictment", str(SAMPLE / "刑事判决书.txt"))
    assert p.returncode == 2
    assert "判决书" in p.stderr.decode()


def test_utf16_text_is_read(tmp_path: Path):
    f = tmp_path / "judgment.txt"
    f.write_bytes((SAMPLE / "刑事判决书.txt").read_text(encoding="utf-8").encode("utf-16"))
    p = run("check", str(f), "--json")
    assert p.returncode == 0, p.stderr.decode()
