"""The condition-rule engine: the expression language, the facts view, malformed rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.rules import EXAMPLES_DIR, load_file, load_rules
from models.checks.engine import CheckContext, rule_problems, run_checks
from models.checks.expressions import ExprError, compile_expression
from models.checks.facts import ALL_NAMES, case_facts, defendant_facts, defendant_names
from models.documents import parse_text
from models.pipeline import build_case

NAMES = {"a", "b", "s", "t", "d1", "d2"}


def _case(base: str = "theft"):
    docs = [parse_text((EXAMPLES_DIR / base / f"{k}.txt").read_text(encoding="utf-8"), source=k, kind=k)
            for k in ("indictment", "recommendation", "judgment") if (EXAMPLES_DIR / base / f"{k}.txt").is_file()]
    return build_case(docs)


def test_expression_basics_and_unknowns():
    e = compile_expression("a > 3 and '值班律师' in t and 'x' in s", NAMES)
    assert e.holds({"a": 4, "t": "听取了值班律师的意见", "s": {"x"}})
    assert not e.holds({"a": 2, "t": "值班律师", "s": {"x"}})
    # a missing fact is unknown: never fires, and "not unknown" is unknown too
    assert compile_expression("a < 18", NAMES)({"a": None}) is None
    assert not compile_expression("not (a < 18)", NAMES).holds({"a": None})
    assert compile_expression("a < 18 or b", NAMES).holds({"a": None, "b": True})
    assert compile_expression("a == None", NAMES).holds({"a": None})
    assert compile_expression("len(s - {'x'}) == 0", NAMES).holds({"s": {"x"}})
    assert compile_expression("days(d1, d2) > 30", NAMES).holds({"d1": dt.date(2020, 1, 1), "d2": dt.date(2020, 3, 1)})
    assert compile_expression("matches(t, '十[日天]')", NAMES).holds({"t": "十日内"})


@pytest.mark.parametrize("src,reason", [
    ("foo > 1", "未知的事实字段"),
    ("a >", "语法错误"),
    ("__import__('os')", "不允许调用的函数"),
    ("a.__class__", "不支持的语法"),
    ("[x for x in s]", "不支持的语法"),
    ("matches(t, '(')", "正则表达式有误"),
    ("a is None", "不支持的比较运算"),
])
def test_bad_expressions_are_rejected(src, reason):
    with pytest.raises(ExprError) as e:
        compile_expression(src, NAMES)
    assert reason in str(e.value)


def test_facts_view_of_the_theft_case():
    case = _case("theft")
    ctx = CheckContext(case)
    cf = case_facts(ctx)
    assert cf["procedure"] == "简易程序" and cf["has_recommendation"]
    assert cf["transfer_date"] == dt.date(2017, 5, 30) and cf["days_transfer_to_prosecution"] == 11
    assert "值班律师" in cf["i_text"] and "verdict" in cf["j_sections"]
    assert defendant_names(ctx) == ["张三"]
    f = defendant_facts(ctx, "张三", cf)
    assert set(f) <= ALL_NAMES
    assert f["age_at_offence"] == 32 and f["days_detention_to_arrest"] == 7
    assert f["penalty"] == "有期徒刑" and f["term_months"] == 8 and f["fine_required"] is True
    assert f["rec_term_months"] == 8 and f["rec_source"] == "recommendation"


def test_malformed_condition_is_reported_with_line_and_other_rules_run(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(
        "- id: TEST.GOOD\n  title: t\n  severity: info\n  documents: [judgment]\n"
        "  condition: procedure == '简易程序'\n  message: 程序为{procedure}\n"
        "  examples:\n    - {fires: true, base: theft}\n    - {fires: false, base: dui}\n"
        "- id: TEST.BAD\n  title: t\n  severity: info\n  documents: [judgment]\n"
        "  message: m\n  condition: procedure ==\n"
        "  examples:\n    - {fires: true, base: theft}\n    - {fires: false, base: dui}\n"
        "- id: TEST.BOTH\n  title: t\n  severity: info\n  check: dates.chronology\n  condition: 'True'\n"
        "  message: m\n  examples:\n    - {fires: true, base: theft}\n    - {fires: false, base: dui}\n",
        encoding="utf-8",
    )
    rules, problems = load_file(f)
    assert [r.id for r in rules] == ["TEST.GOOD", "TEST.BAD"]
    assert problems and problems[0].line == 19 and "check" in problems[0].reason
    bad = rule_problems(rules)
    assert len(bad) == 1 and bad[0].file == str(f) and bad[0].line == 15 and "语法错误" in bad[0].reason
    findings = run_checks(_case("theft"), rules)
    assert [x.rule_id for x in findings] == ["TEST.GOOD"] and findings[0].message == "程序为简易程序"


def test_unknown_template_field_is_a_problem(tmp_path: Path):
    f = tmp_path / "tpl.yaml"
    f.write_text(
        "- id: TEST.TPL\n  title: t\n  severity: info\n  condition: has_judgment\n  message: '{nonsense}'\n"
        "  examples:\n    - {fires: true, base: theft}\n    - {fires: false, base: dui}\n",
        encoding="utf-8",
    )
    rules, _ = load_file(f)
    assert "nonsense" in rule_problems(rules)[0].reason


def test_catalogue_size_groups_and_clean_lint():
    rules, problems = load_rules()
    assert not problems and not rule_problems(rules)
    assert len(rules) >= 150
    cond = [r for r in rules if r.condition]
    assert len(cond) >= 120
    assert all(r.basis for r in rules)




def test_fast_paths_agree_with_the_three_valued_value():
    """``holds`` (short-circuit compilation) and ``required`` (the skip test) must never change a
    verdict: on the facts of the example cases, with each fact in turn made unknown, a condition
    holds exactly when its three-valued value is True, and never when a required fact is None."""
    from models.checks.engine import compile_rule

    rules, _ = load_rules()
    facts = []
    for base in ("theft", "dui", "multi"):
        ctx = CheckContext(_case(base))
        cf = case_facts(ctx)
        for name in defendant_names(ctx):
            f = dict(cf)
            f.update(defendant_facts(ctx, name, cf))
            facts.append(f)
    variants = [f for f in facts]
    for f in facts[:2]:
        for k in list(f)[::3]:
            variants.append({**f, k: None})
    checked = 0
    for r in rules:
        if not r.condition:
            continue
        e = compile_rule(r).expr
        for f in variants:
            value = e(f)
            assert e.holds(f) == (value is True), (r.id, value)
            if any(f.get(n) is None for n in e.required):
                assert value is not True, (r.id, sorted(e.required))
            checked += 1
    assert checked > 1000


def test_required_facts_analysis():
    names = {"a", "b", "s", "t"}
    assert compile_expression("a > 3 and 'x' in t", names).required == {"a", "t"}
    assert compile_expression("a > 3 or b > 3", names).required == frozenset()
    assert compile_expression("(a > 3 and b) or (a < 1 and s)", names).required == {"a"}
    assert compile_expression("not contains_any(t, 'x') and a == None", names).required == {"t"}
    assert compile_expression("known(a) and len(s) > 0", names).required == {"s"}


def _judgment_with_reasoning(reasoning: str):
    text = (EXAMPLES_DIR / "theft" / "judgment.txt").read_text(encoding="utf-8")
    old = "秘密窃取他人财物，数额较大，其行为已构成盗窃罪"
    assert old in text
    return build_case([parse_text(text.replace(old, reasoning), source="judgment", kind="judgment")])


@pytest.mark.parametrize("reasoning, expected", [
    ("秘密窃取他人财物，价值人民币5000元，数额较大，其行为已构成盗窃罪", 5000.0),
    # a fine the court mentions in 本院认为 is not a crime amount
    ("秘密窃取他人财物，价值人民币5000元，数额较大，其行为已构成盗窃罪，应并处罚金人民币二万元", 5000.0),
    ("秘密窃取他人财物，价值人民币5000余元，数额较大，其行为已构成盗窃罪", None),  # a lower bound only
    ("秘密窃取他人财物，数额较大，其行为已构成盗窃罪", None),  # the amount is only in the facts
])
def test_reasoning_amount_max(reasoning: str, expected: float | None):
    cf = case_facts(CheckContext(_judgment_with_reasoning(reasoning)))
    assert cf["j_reasoning_amount_max"] == expected
