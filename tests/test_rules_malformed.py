"""Malformed rule files: every problem is reported with file, line and reason, the good rules
of the same files still load and run, and the extra rules directory from the settings
(``JIANCHA_RULES_EXTRA_DIR``) is loaded by the pipeline and linted like the bundled catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.rules import EXAMPLES_DIR, catalogue, load_rules
from knowledge.settings import get_settings
from models.checks.engine import rule_problems, run_checks
from models.documents import parse_text
from models.pipeline import build_case, check_texts

EX = "  examples:\n    - {fires: true, base: theft, only: [judgment]}\n    - {fires: false, base: dui, only: [judgment]}\n"
GOOD = (
    "- id: EXTRA.SIMPLE_PROCEDURE\n  title: 适用简易程序\n  severity: info\n  documents: [judgment]\n"
    "  condition: procedure == '简易程序' and has_judgment\n  message: 本案适用{procedure}。\n  basis: 测试\n" + EX
)
# one file per kind of mistake; the line each problem must be reported at
BAD = {
    "syntax.yaml": ("- id: EXTRA.A\n  title: [unclosed\n  severity: info\n", 3, "YAML 语法错误"),
    "unknown_field.yaml": (GOOD.replace("EXTRA.SIMPLE_PROCEDURE", "EXTRA.OK1")
                           + "- id: EXTRA.COLOUR\n  title: t\n  severity: info\n  colour: red\n"
                           "  condition: has_judgment\n  message: m\n" + EX, 11, "colour"),
    "duplicate.yaml": ("# a copy of the good rule under the same id\n" + GOOD, 2, "规则编号重复"),
    "expression.yaml": ("- id: EXTRA.BAD_EXPR\n  title: t\n  severity: info\n  message: m\n"
                        "  condition: procedure == '简易程序' and nonsense_fact > 3\n" + EX, 5, "未知的事实字段"),
    "check.yaml": ("- id: EXTRA.BAD_CHECK\n  title: t\n  severity: info\n  message: m\n"
                   "  check: no.such_check\n" + EX, 1, "检查未注册"),
}


def _judgment_case(base: str = "theft"):
    text = (EXAMPLES_DIR / base / "judgment.txt").read_text(encoding="utf-8")
    return build_case([parse_text(text, source="judgment", kind="judgment")])


@pytest.fixture()
def extra_dir(tmp_path: Path) -> Path:
    (tmp_path / "a_good.yaml").write_text(GOOD, encoding="utf-8")
    for name, (text, _line, _reason) in BAD.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _all_problems(extra: Path) -> tuple[list, list]:
    rules, problems = load_rules(extra)
    return rules, list(problems) + rule_problems(rules)


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_malformed_file_is_reported_with_file_line_and_reason(extra_dir: Path, name: str):
    _rules, problems = _all_problems(extra_dir)
    text, line, reason = BAD[name]
    got = [p for p in problems if Path(p.file).name == name]
    assert len(got) == 1, [str(p) for p in problems]
    p = got[0]
    assert p.file == str(extra_dir / name) and p.line == line and reason in p.reason, str(p)
    assert str(p).startswith(f"{extra_dir / name}:{line}: ")


def test_the_other_rules_still_load_and_run(extra_dir: Path):
    rules, problems = _all_problems(extra_dir)
    ids = {r.id for r in rules}
    assert {"EXTRA.SIMPLE_PROCEDURE", "EXTRA.OK1"} <= ids  # good rules beside bad ones
    assert "EXTRA.COLOUR" not in ids and "EXTRA.A" not in ids
    assert len(rules) > 150  # the bundled catalogue is untouched
    # the bad expression and the unknown check disable only their own rules
    case = _judgment_case("theft")
    findings = run_checks(case, rules)
    fired = {f.rule_id for f in findings}
    bundled = {f.rule_id for f in run_checks(case, load_rules()[0])}
    assert bundled <= fired  # every bundled finding is still there
    assert "EXTRA.SIMPLE_PROCEDURE" in fired and "EXTRA.OK1" in fired
    assert "EXTRA.BAD_EXPR" not in fired and "EXTRA.BAD_CHECK" not in fired
    assert findings[[f.rule_id for f in findings].index("EXTRA.SIMPLE_PROCEDURE")].message == "本案适用简易程序。"


@pytest.fixture()
def settings_extra(extra_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JIANCHA_RULES_EXTRA_DIR", str(extra_dir))
    get_settings.cache_clear()
    catalogue.cache_clear()
    yield extra_dir
    monkeypatch.delenv("JIANCHA_RULES_EXTRA_DIR")
    get_settings.cache_clear()
    catalogue.cache_clear()


def test_extra_dir_from_settings_is_linted(settings_extra: Path):
    from models.cli import app

    res = CliRunner().invoke(app, ["rules", "lint"])
    assert res.exit_code == 1
    for name, (_text, line, reason) in BAD.items():
        hit = [ln for ln in res.stdout.splitlines() if ln.startswith(f"{settings_extra / name}:{line}: ")]
        assert hit and reason in hit[0], (name, res.stdout)
    listed = CliRunner().invoke(app, ["rules", "list"])
    # the bundled rules plus the four valid rule mappings of the extra directory
    assert f"共 {len(load_rules()[0]) + 4} 条规则" in listed.stdout


def test_extra_dir_from_settings_is_used_by_the_pipeline(settings_extra: Path):
    texts = {"judgment": (EXAMPLES_DIR / "theft" / "judgment.txt").read_text(encoding="utf-8")}
    report = check_texts(texts)
    assert "EXTRA.SIMPLE_PROCEDURE" in {f.rule_id for f in report.findings}
    # the extra rules run their own examples like the bundled ones
    from models.checks.examples import run_examples
    from models.commands.rules import rules_test  # noqa: F401  (the command exists)

    good = [r for r in load_rules(settings_extra)[0] if r.id == "EXTRA.SIMPLE_PROCEDURE"]
    assert all(r.ok for r in run_examples(good))
