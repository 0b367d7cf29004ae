"""`jiancha rules list|show|test|lint|facts`: the supervision rule catalogue."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

rules_app = typer.Typer(no_args_is_help=True, help="监督规则目录：列出、查看、测试、检查规则文件")

ExtraDir = Annotated[Path | None, typer.Option("--dir", help="另外加载的规则目录")]


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


def _load(extra: Path | None):
    from knowledge.rules import load_rules
    from knowledge.settings import get_settings

    extra = extra or get_settings().rules_extra_dir
    return load_rules(extra)


@rules_app.command("list")
def rules_list(extra: ExtraDir = None, group: Annotated[str, typer.Option(help="只列出该分组")] = "") -> None:
    """列出规则目录。"""
    rules, problems = _load(extra)
    table = Table()
    for col in ("编号", "级别", "分组", "标题", "判定"):
        table.add_column(col)
    for r in rules:
        if group and r.group != group:
            continue
        table.add_row(r.id, r.severity, r.group, r.title, "条件" if r.condition else f"检查 {r.check}")
    Console().print(table)
    print(f"共 {len(rules)} 条规则")
    for p in problems:
        sys.stderr.write(f"{p}\n")


@rules_app.command("show")
def rules_show(rule_id: str, extra: ExtraDir = None) -> None:
    """显示一条规则的全部内容。"""
    rules, _ = _load(extra)
    for r in rules:
        if r.id == rule_id:
            c = Console(highlight=False)
            c.print(f"[bold]{r.id}[/bold]　{r.title}（{r.severity}，{r.group}）")
            c.print(f"文件：{r.file}:{r.line}")
            c.print(f"文书：{'、'.join(r.documents)}　范围：{'、'.join(r.scope)}　逐被告人：{r.foreach == 'defendant'}")
            c.print(f"条件：{r.condition}" if r.condition else f"检查：{r.check}")
            c.print(f"消息：{r.message}")
            if r.suggestion:
                c.print(f"建议：{r.suggestion}")
            c.print(f"依据：{r.basis}")
            if r.review:
                c.print(f"复核：{r.review}")
            c.print(f"示例：{sum(e.fires for e in r.examples)} 个触发，{sum(not e.fires for e in r.examples)} 个不触发")
            return
    sys.stderr.write(f"未找到规则：{rule_id}\n")
    raise typer.Exit(2)


@rules_app.command("test")
def rules_test(extra: ExtraDir = None, rule_id: Annotated[str, typer.Option("--id", help="只测这条规则")] = "") -> None:
    """运行每条规则自带的触发与不触发示例。"""
    from models.checks.examples import run_examples

    rules, problems = _load(extra)
    if rule_id:
        rules = [r for r in rules if r.id == rule_id]
    results = run_examples(rules)
    bad = [r for r in results if not r.ok]
    for r in bad:
        sys.stderr.write(f"失败 {r.rule_id} 示例{r.index}（应{'触发' if r.fires else '不触发'}）：{r.detail}\n")
    for p in problems:
        sys.stderr.write(f"{p}\n")
    print(f"{len(rules)} 条规则，{len(results)} 个示例，失败 {len(bad)} 个；规则文件问题 {len(problems)} 个")
    if bad or problems:
        raise typer.Exit(1)


@rules_app.command("lint")
def rules_lint(extra: ExtraDir = None) -> None:
    """检查规则文件：未知字段、重复编号、无效条件、未注册的检查、示例无法运行（文件:行: 原因）。"""
    from knowledge.rules import DOC_KINDS
    from models.checks.engine import rule_problems

    rules, problems = _load(extra)
    problems = list(problems) + rule_problems(rules)
    out = [str(p) for p in problems]
    for r in rules:
        for i, ex in enumerate(r.examples):
            try:
                texts = ex.texts()
            except ValueError as e:
                out.append(f"{r.file}:{r.line}: 规则 {r.id} 示例{i} 无法运行：{e}")
                continue
            if not any(texts.get(k) for k in DOC_KINDS):
                out.append(f"{r.file}:{r.line}: 规则 {r.id} 示例{i} 没有文书")
    for line in out:
        print(line)
    print(f"{len(rules)} 条规则；问题 {len(out)} 个", file=sys.stderr)
    if out:
        raise typer.Exit(1)


@rules_app.command("facts")
def rules_facts() -> None:
    """列出条件表达式可用的事实字段与函数。"""
    from models.checks.expressions import FUNCTIONS
    from models.checks.facts import fact_table

    table = Table()
    for col in ("字段", "层级", "类型", "说明"):
        table.add_column(col)
    for name, level, typ, desc in fact_table():
        table.add_row(name, level, typ, desc)
    Console().print(table)
    for name, (_fn, desc) in FUNCTIONS.items():
        print(f"{name}: {desc}")
