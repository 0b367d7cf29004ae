"""The rule catalogue: every rule's own examples pass; malformed files are reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.rules import load_file, load_rules
from models.checks.engine import registered_checks
from models.checks.examples import run_examples

RULES, PROBLEMS = load_rules()


def test_catalogue_loads_cleanly():
    assert not PROBLEMS, [str(p) for p in PROBLEMS]
    assert len(RULES) >= 25


def test_every_rule_names_a_registered_check():
    checks = registered_checks()
    missing = [(r.id, r.check) for r in RULES if not r.condition and r.check not in checks]
    assert not missing


def test_every_rule_has_firing_and_quiet_examples():
    for r in RULES:
        assert any(e.fires for e in r.examples), r.id
        assert any(not e.fires for e in r.examples), r.id


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(rule):
    results = run_examples([rule])
    failed = [f"示例{r.index} 应{'触发' if r.fires else '不触发'}：{r.detail}" for r in results if not r.ok]
    assert not failed, failed


def test_malformed_file_reports_file_line_and_reason(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(
        "- id: TEST.OK\n  title: t\n  severity: error\n  check: dates.chronology\n  message: m\n"
        "  examples:\n    - {fires: true, base: theft}\n    - {fires: false, base: theft}\n"
        "- id: TEST.BAD\n  title: t\n  severity: fatal\n  check: x\n  message: m\n  colour: red\n",
        encoding="utf-8",
    )
    rules, problems = load_file(f)
    assert [r.id for r in rules] == ["TEST.OK"]
    assert len(problems) == 1
    p = problems[0]
    assert p.file == str(f) and p.line == 9
    assert "severity" in p.reason and "colour" in p.reason


def test_yaml_syntax_error_has_line(tmp_path: Path):
    f = tmp_path / "broken.yaml"
    f.write_text("- id: A.B\n  title: [unclosed\n", encoding="utf-8")
    rules, problems = load_file(f)
    assert rules == [] and problems and problems[0].line >= 2


def test_duplicate_ids_are_problems(tmp_path: Path):
    src = Path("knowledge/rules/dates.yaml").read_text(encoding="utf-8")
    (tmp_path / "dup.yaml").write_text(src, encoding="utf-8")
    rules, problems = load_rules(tmp_path)
    assert any("重复" in p.reason for p in problems)
    assert len({r.id for r in rules}) == len(rules)
