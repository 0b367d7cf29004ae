"""The ``jiancha`` command line (stable contract: see DESIGN.md). Exit codes: 0 ok, 2 bad input
(one-line reason on stderr), 1 internal error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

# pydantic (typer's parameter conversion, the settings) looks for plugins in the entry points of
# every installed distribution at its first model: ~0.05 s of each call; the product uses none.
# An operator who does want pydantic plugins sets PYDANTIC_DISABLE_PLUGINS himself (e.g. to 0).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402 - after the line above

from models.commands._io import fail as _fail  # noqa: E402
from models.errors import BadInput  # noqa: E402
from models.regex_cache import install as _install_regex_cache  # noqa: E402

_install_regex_cache()  # before the commands' modules compile their patterns

app = typer.Typer(add_completion=False, no_args_is_help=True, help="检察文书智能核查 jiancha")


@app.callback()
def _group() -> None:
    # keeps ``jiancha`` a command group when only ``check`` is registered (see _register_commands)
    pass

_SEVERITY_LABEL = {"error": "[red]错误[/red]", "warning": "[yellow]警告[/yellow]", "info": "提示"}
_KIND_LABEL = {"indictment": "起诉书", "recommendation": "量刑建议书", "judgment": "刑事判决书"}


def _stdin_document():
    from models.documents import load_bytes

    return load_bytes(sys.stdin.buffer.read(), "-.txt")


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="文书文件、案件文件夹或 zip；- 表示标准输入")] = None,
    indictment: Annotated[Path | None, typer.Option("--indictment", help="起诉书")] = None,
    recommendation: Annotated[Path | None, typer.Option("--recommendation", help="量刑建议书")] = None,
    judgment: Annotated[Path | None, typer.Option("--judgment", help="刑事判决书")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 报告")] = False,
    charge: Annotated[list[str] | None, typer.Option(
        "--charge", help="已知罪名（可重复；新旧罪名、CAIL 简称均可）：量刑建议按此罪名计算")] = None,
) -> None:
    """三书比对与法定检查：核查一个案件的起诉书、量刑建议书、刑事判决书。"""
    from models.commands.analyze import given_charges
    from models.pipeline import check_documents, check_paths

    try:
        given = given_charges(charge or [], "--charge ")
        if paths and [str(p) for p in paths] == ["-"]:
            report = check_documents([_stdin_document()], charges=given)
        elif not paths and not (indictment or recommendation or judgment):
            _fail("请指定案件文书：jiancha check 文件夹|zip|文件… 或 --indictment/--recommendation/--judgment")
            return
        else:
            report = check_paths(list(paths or []), indictment, recommendation, judgment, given)
    except BadInput as e:
        _fail(f"输入有误：{e}")
        return
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
        return
    _print_report(report)


def _print_report(report) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    console.print(f"[bold]案件[/bold] {report.case_id}　评查等级：[bold]{report.grade}[/bold]")
    for d in report.documents:
        console.print(f"   识别为{_KIND_LABEL.get(d['kind'], d['kind'])}：{d['source']}（{d['chars']}字）")
    if report.missing_documents:
        console.print(f"   [yellow]材料不全[/yellow]：缺少{'、'.join(report.missing_documents)}，只核查了已提交的文书")
    if not report.findings:
        console.print("未发现问题。")
        return
    for i, f in enumerate(report.findings, 1):
        who = f"　被告人{f.defendant}" if f.defendant else ""
        title = f" {f.title}" if f.title else ""
        console.print(f"\n{i}. {_SEVERITY_LABEL[f.severity]} [bold]{f.rule_id}[/bold]{title}{who}")
        console.print(f"   {f.message}")
        for sp in f.spans:
            console.print(f"   [dim]{_KIND_LABEL.get(sp.document, sp.document)}第{sp.start}–{sp.end}字：[/dim]「{sp.text}」")
        if f.suggestion:
            console.print(f"   建议：{f.suggestion}")
        if f.basis:
            console.print(f"   [dim]依据：{f.basis}[/dim]")
    console.print(f"\n共 {len(report.findings)} 项；用时 {report.timings_ms.get('total', 0):.1f} ms")


def _command_run() -> str | None:
    """The command given to the ``jiancha`` program (console script or ``python -m models.cli``);
    None when imported otherwise (tests, ``--help``), which registers every command."""
    prog = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if prog is None or not (prog.name == "jiancha" or prog.resolve() == Path(__file__).resolve()):
        return None
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        return None
    return sys.argv[1]


def _register_commands() -> None:
    """The built-in command groups (models/commands), then those that other packages register
    under the ``jiancha.commands`` entry-point group (the web app's ``serve`` and ``user`` live in
    server/, which models never imports)."""
    from models.commands import builtin, register_all

    command = _command_run()
    register_all(app, command)
    if command is not None and builtin(command):
        return  # a built-in command: no other package's commands to import
    from importlib.metadata import entry_points
    for ep in entry_points(group="jiancha.commands"):
        try:
            ep.load()(app)
        except ImportError:  # the package providing it is not installed: its commands are absent
            continue


_register_commands()


def main() -> None:
    try:
        app()
    except BadInput as e:  # pragma: no cover - commands catch their own
        sys.stderr.write(f"输入有误：{e}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
