"""``jiancha timeline CASE [--export FILE] [--json]``: the case timeline (全流程) of one case."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from models.commands._io import fail
from models.errors import BadInput


def register(app: typer.Typer) -> None:
    app.command("timeline")(timeline)


def timeline(
    paths: Annotated[list[Path], typer.Argument(help="案件文书：文件夹、zip 或文件")],
    export: Annotated[Path | None, typer.Option("--export", help="案管系统导出（.csv / .xlsx / .json）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """案件流程时间线：文书所载程序事件与案管导出合并，并列出日期冲突。"""
    from models.documents import load_case
    from models.pipeline import build_case
    from models.timeline import case_timeline
    from models.timeline.export import events_for_case, read_export_file

    try:
        docs = [d for d in load_case(list(paths)) if d.kind in ("indictment", "recommendation", "judgment")]
        if not docs:
            raise BadInput("未找到起诉书、量刑建议书或刑事判决书")
        case = build_case(docs)
        extra = []
        if export is not None:
            rows = read_export_file(export)
            numbers = [el.case_number for el in case.elements.values() if el.case_number]
            numbers += [el.indictment_ref for el in case.elements.values() if el.indictment_ref]
            extra = events_for_case(rows, numbers)
            if not extra:
                raise BadInput(f"案管导出中没有本案（{'、'.join(numbers) or '案号未识别'}）的事件")
        tl = case_timeline(case, extra)
    except BadInput as e:
        fail(f"输入有误：{e}")
        return
    if as_json:
        sys.stdout.write(json.dumps(tl.to_dict(), ensure_ascii=False) + "\n")
        return
    _print(tl)


def _print(tl) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    console.print(f"[bold]案件[/bold] {tl.case_id}　程序事件 {len(tl.events)} 个")
    for e in tl.events:
        who = f"　被告人{e.defendant}" if e.defendant else ""
        actor = "　".join(x for x in (e.department, e.actor) if x)
        console.print(f"{e.date.isoformat()}　[bold]{e.name}[/bold]{who}　[dim]{e.source}{'　' + actor if actor else ''}[/dim]")
    if tl.conflicts:
        console.print(f"\n[red]日期冲突 {len(tl.conflicts)} 处[/red]")
        for c in tl.conflicts:
            console.print(f"  {c.message()}")
