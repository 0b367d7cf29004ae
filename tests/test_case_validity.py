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


# --------------------------------------------------------------------------- recognition (issue 18)
# Real judgment wording from eval/data/judgments.jsonl.gz (the 501 JuDGE judgments).

from eval.datasets import load_judgments  # noqa: E402
from models.documents import parse_text  # noqa: E402
from models.extract.assemble import extract  # noqa: E402


@pytest.fixture(scope="module")
def real() -> dict[str, str]:
    return {r["id"][:8]: r["judgment"] for r in load_judgments()}


def test_signed_plea_in_the_defendants_stance_is_found(real: dict[str, str]):
    """49e5d501: "被告人高峰对指控事实、罪名及量刑建议没有异议且已签署认罪认罚具结书" — the 没有 negates
    the 异议, and the stance (defence section) states the plea the court takes as found."""
    text = real["49e5d501"]
    assert "没有异议且已签署认罪认罚具结书" in text
    el = extract(parse_text(text, kind="judgment"))
    plea = [c for c in el.circumstances if c.name == "认罪认罚"]
    assert plea and not plea[0].negated
    assert "认罪认罚" in [c.name for c in el.defendant("高峰").circumstances]


def _recommendation(name: str, circumstance: str, sentence: str) -> str:
    return (f"某某区人民检察院\n量刑建议书\n某检量建〔2018〕1号\n被告人{name}，男。\n"
            f"被告人{name}交通肇事罪一案，经本院审查认为，被告人{name}的行为已触犯《中华人民共和国刑法》"
            f"第一百三十三条，应当以交通肇事罪追究刑事责任。\n因其具有以下量刑情节：\n"
            f"1.法定从轻、减轻或者免除处罚情节：{circumstance}；\n"
            f"故根据《中华人民共和国刑事诉讼法》第一百七十六条的规定，建议判处被告人{name}{sentence}。\n此致\n")


def test_tanbai_where_the_court_finds_zishou_is_reported_as_such(real: dict[str, str]):
    """dd117707: the court finds "案发后主动投案，如实供述犯罪事实，系自首"; a recommendation that says
    坦白 is reported as "认定为“自首”而非“坦白”", not as "未载明"."""
    text = real["dd117707"]
    assert "被告人董龙案发后主动投案，如实供述犯罪事实，系自首" in text
    rec = _recommendation("董龙", "到案后如实供述自己的罪行，系坦白", "有期徒刑一年十个月")
    rep = check_texts({"recommendation": rec, "judgment": text})
    msgs = [f.message for f in rep.findings if f.rule_id == "COMPARE.CIRCUMSTANCE_MISMATCH"]
    assert any("认定为“自首”而非“坦白”" in m for m in msgs), msgs
    assert not any("“坦白”" in m and "未载明" in m for m in msgs), msgs


def _term_findings(text: str) -> list[Finding]:
    return [f for f in check_texts({"judgment": text}).findings if f.rule_id.startswith("SENT.TERM_DATES")]


def test_detention_term_dates_are_checked(real: dict[str, str]):
    """8b15609d: 拘役五个月 from 2017-08-24 ends 2018-01-23 (hand count: Aug 24 + 5 months − 1 day);
    written one month later it is an error."""
    text = real["8b15609d"]
    good = "即自2017年8月24日起至2018年1月23日止"
    assert "判处拘役五个月" in text and good in text
    assert not [f for f in _term_findings(text) if f.severity != "info"]
    bad = _term_findings(text.replace(good, "即自2017年8月24日起至2018年2月23日止"))
    assert [f.rule_id for f in bad if f.severity == "error"] == ["SENT.TERM_DATES"]


def test_later_end_is_wrong_unless_days_out_of_custody_explain_it(real: dict[str, str]):
    """19e5caed: 有期徒刑一年 from 2016-11-24; 取保候审 2016-12-07 to 逮捕 2017-06-27 (202 days out of
    custody, counted by hand) lets the end run to 2018-06-12 (2017-11-23 + 201 days): no finding.
    An end a year later than that is wrong whatever the custody."""
    text = real["19e5caed"]
    good = "即自2016年11月24日起至2018年6月12日止"
    assert "同年12月7日被取保候审，2017年6月27日经本院决定逮捕" in text and good in text
    assert not [f for f in _term_findings(text) if f.severity != "info"]
    bad = _term_findings(text.replace(good, "即自2016年11月24日起至2019年6月12日止"))
    assert [f.rule_id for f in bad if f.severity == "error"] == ["SENT.TERM_DATES"]


def test_end_before_start_is_a_doubt_not_a_hint(real: dict[str, str]):
    """81d82e83: "即自2019年12月5日起至2010年10月2日止" — the end year is a slip (2020)."""
    text = real["81d82e83"]
    assert "即自2019年12月5日起至2010年10月2日止" in text
    got = _term_findings(text)
    assert [(f.rule_id, f.severity) for f in got] == [("SENT.TERM_DATES_DOUBT", "warning")]
    assert "止日早于起日" in got[0].message and got[0].title
