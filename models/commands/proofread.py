"""`jiancha proofread` (文书校对) and `jiancha lm train` (retrain the legal language model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from models.commands._io import fail, read_jsonl, read_text
from models.errors import BadInput

lm_app = typer.Typer(no_args_is_help=True, help="法律领域语言模型：用本单位已结案件文书重新训练")


def _print_table(res, text: str) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    if not res.findings:
        console.print("未发现问题。")
        return
    for i, f in enumerate(res.findings, 1):
        sug = f"　建议：「{f['suggestion']}」" if f.get("suggestion") is not None else ""
        console.print(f"{i}. [bold]{f['rule_id']}[/bold] 第{f['start']}–{f['end']}字「{f['original']}」{sug}"
                      f"　置信度 {f['confidence']:.2f}")
        if f.get("message"):
            console.print(f"   {f['message']}")
    console.print(f"\n[bold]校对后文本[/bold]\n{res.corrected}")


def register(app: typer.Typer) -> None:
    @app.command()
    def proofread(
        path: Annotated[str, typer.Argument(help="文书文件（.txt/.docx）或 - 表示标准输入")] = "-",
        as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="输入输出均为 JSON 行 {id, text}")] = False,
        neural: Annotated[bool, typer.Option("--neural", help="使用本地 BERT 纠错模型（需 [neural] 依赖与模型目录）")] = False,
        min_confidence: Annotated[float, typer.Option("--min-confidence", help="只输出不低于该置信度的结果")] = 0.0,
    ) -> None:
        """文书校对：错别字、漏字、多字、语序、标点、前后不一致、缺少必备部分。"""
        from models.proofread import apply_findings
        from models.proofread import proofread as run

        backend = "neural" if neural else "lm"
        try:
            if jsonl:
                rows = [row for _n, row in read_jsonl(path)]
                for row in rows:
                    res = run(row["text"], backend=backend)
                    res.findings = [f for f in res.findings if f["confidence"] >= min_confidence]
                    res.corrected = apply_findings(row["text"], res.findings)
                    sys.stdout.write(json.dumps(res.to_dict(row.get("id")), ensure_ascii=False) + "\n")
                return
            text = read_text(path)
            res = run(text, backend=backend)
        except BadInput as e:
            fail(f"输入有误：{e}")
            return
        res.findings = [f for f in res.findings if f["confidence"] >= min_confidence]
        res.corrected = apply_findings(text, res.findings)
        if as_json:
            sys.stdout.write(json.dumps(res.to_dict(None if path == "-" else Path(path).name),
                                        ensure_ascii=False) + "\n")
        else:
            _print_table(res, text)

    @lm_app.command("train")
    def lm_train(
        corpus: Annotated[Path, typer.Option("--corpus", help="语料目录：.txt/.md/.docx/.jsonl（text 字段）")],
        out: Annotated[Path | None, typer.Option("--out", help="模型文件（默认 <数据目录>/lm/model.npz，校对自动使用）")] = None,
        no_base: Annotated[bool, typer.Option("--no-base", help="不并入内置的法律基础语料")] = False,
        skip_decider: Annotated[bool, typer.Option("--skip-decider", help="只训练语言模型，不重新训练纠错判定模型")] = False,
    ) -> None:
        """用本单位文书（加内置法律语料）重新训练校对用的法律语言模型和纠错判定模型（同一目录）。"""
        from knowledge.lm.train import train_files
        from knowledge.settings import get_settings

        if not corpus.exists():
            fail(f"输入有误：语料目录不存在：{corpus}")
        target = out or Path(get_settings().data_dir) / "lm" / "model.npz"
        try:
            stats = train_files(corpus, target, base=not no_base)
        except ValueError as e:
            fail(f"输入有误：{e}")
            return
        if not skip_decider:
            from models.proofread.train_decider import train as train_decider

            stats["decider"] = train_decider(target.parent / "decider.npz", lm_path=target,
                                             log=lambda s: sys.stderr.write(s + "\n"))
        sys.stdout.write(json.dumps(stats, ensure_ascii=False) + "\n")

    app.add_typer(lm_app, name="lm")
