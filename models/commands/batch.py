"""`jiancha batch DIR|ZIP --out report.xlsx|.html|.jsonl`: batch review of closed cases (案件评查).

Resumable: state lives in a SQLite file (``--db``, default ``<data_dir>/batch.sqlite``); running
the same command again continues the unfinished batch of the same input (``--no-resume`` starts
over). Exit 0 ok (cases that fail are recorded in the report), 2 bad input, 1 internal error,
130 interrupted (rerun to continue).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from models.commands._io import fail


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)


def batch(
    source: Annotated[Path, typer.Argument(help="案件文件夹（每个案件一个子文件夹，或每份判决一个文件）或 .zip")],
    out: Annotated[list[Path], typer.Option("--out", "-o", help="报告文件：.xlsx、.html 或 .jsonl（可重复）")],
    db: Annotated[Path | None, typer.Option("--db", help="批次状态数据库（SQLite 文件）")] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="继续同一输入未完成的批次（默认）或重新开始")] = True,
    workers: Annotated[int, typer.Option("--workers", "-w", help="并行进程数")] = 2,
    name: Annotated[str, typer.Option("--name", help="批次名称")] = "",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="在 Ray 集群上评查：集群地址（如 10.0.0.5:6379），local 为本机临时集群；"
                      "默认取 JIANCHA_RAY_ADDRESS，未设置则用本机进程池")] = None,
) -> None:
    """案件评查（每案必检）：批量核查已结案件，生成汇总报告（Excel / HTML / JSONL）。"""
    from models.batch import FORMATS, BatchStore, default_db_url, export, open_batch, run_batch, summarize
    from models.errors import BadInput

    for o in out:
        if o.suffix.lower().lstrip(".") not in FORMATS:
            fail(f"输入有误：不支持的报告格式（{o.name}），请使用.xlsx、.html或.jsonl")
    if workers < 1 or workers > 64:
        fail("输入有误：--workers 须在1到64之间")
    if not source.exists():
        fail(f"输入有误：{source}不存在")
    url = f"sqlite:///{db.expanduser().resolve()}" if db else default_db_url()
    try:
        store = BatchStore(url)
    except Exception as e:  # noqa: BLE001 - unusable database file
        fail(f"输入有误：无法打开批次数据库{db or url}（{type(e).__name__}）")
        return
    executor = None
    try:
        batch_id, resumed = open_batch(store, source, resume=resume, name=name)
        if resumed:
            st = store.status(batch_id) or {}
            pending = st.get("pending", 0)
            sys.stderr.write(f"继续批次 {batch_id}：已完成 {st.get('done', 0) + st.get('failed', 0)} 件，"
                             f"待评查 {pending} 件\n")
        executor = _executor(ray, workers)
        state = _run(store, batch_id, workers, quiet, run_batch, executor)
        st = store.status(batch_id) or {}
        # streamed from the database page by page (one pass per report, plus one for the summary)
        results = lambda: store.iter_results(batch_id, with_pending=True)  # noqa: E731
        summary = summarize(results()) if out else None
        for o in out:
            export(results, o, st, summary=summary)
    except BadInput as e:
        fail(f"输入有误：{e}")
        return
    except KeyboardInterrupt:
        sys.stderr.write("已中断；重新运行同一命令即可继续未完成的案件\n")
        raise typer.Exit(130) from None
    finally:
        store.dispose()
        if ray or executor is not None:
            from models.batch.ray_engine import disconnect

            disconnect()
    g = st.get("grades", {})
    grades = "，".join(f"{k} {v}" for k, v in g.items())
    typer.echo(f"批次 {batch_id}（{state}）：共 {st.get('total', 0)} 件，已评查 {st.get('done', 0)} 件，"
               f"失败 {st.get('failed', 0)} 件；{grades}；报告：{'、'.join(str(o) for o in out)}")


def _executor(address: str | None, workers: int) -> Any:
    """The Ray engine when ``--ray`` or JIANCHA_RAY_ADDRESS is given (``--ray local``: ``workers`` CPUs)."""
    from models.batch import ray_engine

    if address:
        from knowledge.settings import get_settings

        s = get_settings()
        return ray_engine.RayExecutor(address.strip(), num_cpus=workers, chunk=s.ray_chunk,
                                      max_retries=s.ray_max_retries)
    return ray_engine.from_settings(workers)


def _run(store: Any, batch_id: str, workers: int, quiet: bool, run_batch: Any, executor: Any = None) -> str:
    if quiet or not sys.stderr.isatty():
        return run_batch(store, batch_id, workers=workers, executor=executor)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("[bold]案件评查"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("失败 {task.fields[failed]}"), TimeRemainingColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("batch", total=None, failed=0)

        def progress(c: dict[str, Any]) -> None:
            bar.update(task, total=c["total"], completed=c["done"] + c["failed"], failed=c["failed"])

        return run_batch(store, batch_id, workers=workers, progress=progress, executor=executor)
