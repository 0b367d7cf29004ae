"""`jiancha similar` (类案检索与类案量刑参考) and `jiancha index build|info` (the similar-case store).

A missing, corrupt or mismatched store (other embedding backend or dimension, truncated or garbage
Chroma sqlite, missing files) is exit 2 with a one-line Chinese reason naming the rebuild command
``jiancha index build --rebuild``; never an answer from a store that is not whole."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from models.commands._io import fail, read_jsonl, read_text
from models.errors import BadInput

index_app = typer.Typer(no_args_is_help=True, help="类案库：构建、增量添加、查看")
MIN_GATE_SCORE = 0.5  # a predicted (not written) charge filters the similar cases only above this


def charges_for(text: str) -> list[str]:
    """Charges to filter on: those written in the text, else the gate's confident prediction."""
    try:
        from models.gate import route

        g = route(text)
        if g.explicit:
            return [c for c, _ in g.charges]
        return [c for c, s in g.charges[:1] if s >= MIN_GATE_SCORE]
    except ImportError:  # pragma: no cover - gate not installed
        from knowledge.charges import find_charges

        return list(dict.fromkeys(c for _, _, c, _ in find_charges(text)))


def resolve_charges(names: list[str] | None) -> list[str] | None:
    """Official names (without 罪) of the names a user typed: with or without 罪, former names,
    CAIL short and bracket forms (knowledge.charges.normalize_charge). BadInput for an unknown name."""
    if names is None:
        return None
    from knowledge.charges import normalize_charge

    out = []
    for n in names:
        raw = (n or "").strip()
        if not raw:
            continue
        c = normalize_charge(raw) or normalize_charge(raw.replace("[", "").replace("]", "").removesuffix("罪"))
        if c is None:
            raise BadInput(f"未知罪名：{raw}")
        out.append(c)
    return list(dict.fromkeys(out)) or None


def similar_json(text: str, k: int, charges: list[str] | None, rid: Any) -> dict[str, Any]:
    from models.similar import suggest

    cs = resolve_charges(charges) if charges is not None else charges_for(text)
    s = suggest(text, charges=cs or None, k=k)
    return {"id": rid, "charges_filter": cs,
            "cases": [{"case_id": h.case_id, "score": round(h.score, 4), "charges": h.charges,
                       "term_months": h.term_months, "why": "；".join(h.why), "exact": h.exact,
                       "same_tier": h.same_tier, "tier": h.tier, "court": h.court, "date": h.date,
                       "source": h.source} for h in s.cases],
            "suggestion": {"term_months": s.term_months, "range_months": list(s.range_months) if s.range_months else None,
                           "reasoning": "；".join(s.reasoning), "knn": s.knn, "guideline": s.guideline}}


def _print(res: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    t = Table(title="类案")
    for col in ("编号", "相似度", "罪名", "刑期(月)", "相似理由"):
        t.add_column(col)
    for c in res["cases"]:
        t.add_row(c["case_id"], f"{c['score']:.3f}", "、".join(c["charges"]), str(c["term_months"]), c["why"])
    console.print(t)
    s = res["suggestion"]
    console.print(f"[bold]类案量刑参考[/bold]：{s['term_months']}个月（区间 {s['range_months']}）")
    console.print(s["reasoning"])


def register(app: typer.Typer) -> None:

    @app.command()
    def similar(
        path: Annotated[str, typer.Argument(help="案情事实或文书（.txt/.docx），- 表示标准输入")] = "-",
        k: Annotated[int, typer.Option("-k", "--k", help="返回的类案数")] = 10,
        charge: Annotated[list[str] | None, typer.Option("--charge", help="只在该罪名中检索（可多次）；默认取文中罪名")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="输入输出均为 JSON 行 {id, text}")] = False,
    ) -> None:
        """类案检索：相似案件（含相似理由）与类案量刑参考（中位数、四分位区间、与量刑指导意见综合）。"""
        from knowledge.cases import StoreError

        if k < 1 or k > 100:
            fail("输入有误：-k 应在 1 到 100 之间")
        try:
            from knowledge.cases import get_store

            get_store().check_chroma()  # the whole store is checked (Chroma too) before any answer
            if jsonl:
                for _n, row in read_jsonl(path):
                    sys.stdout.write(json.dumps(similar_json(row["text"], k, charge, row.get("id")),
                                                ensure_ascii=False, default=str) + "\n")
                return
            text = read_text(path)
            if not text.strip():
                raise BadInput("输入为空")
            res = similar_json(text, k, charge, None if path == "-" else Path(path).name)
        except BadInput as e:
            fail(f"输入有误：{e}")
            return
        except StoreError as e:
            fail(f"类案库错误：{e}")
            return
        if as_json:
            sys.stdout.write(json.dumps(res, ensure_ascii=False, default=str) + "\n")
        else:
            _print(res)

    @index_app.command("build")
    def index_build(
        sources: Annotated[list[Path] | None, typer.Option("--from", help="案例 JSON 行文件（fact, charges, term_months…；可 .gz），可多次；默认内置真实案例")] = None,
        rebuild: Annotated[bool, typer.Option("--rebuild", help="删除并重建（默认增量添加新案例）")] = False,
        path: Annotated[Path | None, typer.Option("--path", help="类案库目录（默认 <数据目录>/cases）")] = None,
    ) -> None:
        """构建或增量更新类案库（Chroma 向量库 + BM25）。"""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        import models.similar  # noqa: F401 - installs the crime experts' legal frame for the store
        from knowledge.cases import NoCases, StoreError, build_default

        for s in sources or []:
            if not s.is_file():
                fail(f"输入有误：文件不存在：{s}")
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          transient=False) as pb:
                tasks: dict[str, Any] = {}

                def prog(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = pb.add_task(stage, total=total)
                    pb.update(tasks[stage], completed=done, total=total)

                store, added = build_default(sources, path=path, progress=prog, rebuild=rebuild)
        except NoCases as e:
            fail(f"输入有误：{e}")
            return
        except (KeyError, ValueError, TypeError) as e:
            fail(f"输入有误：案例文件格式不对（{type(e).__name__}: {e}）")
            return
        except StoreError as e:
            fail(f"类案库错误：{e}")
            return
        sys.stdout.write(json.dumps({"added": added, **store.info()}, ensure_ascii=False) + "\n")

    @index_app.command("add")
    def index_add(
        folder: Annotated[Path, typer.Argument(help="本院已结案件的文件夹（刑事判决书 .txt/.docx，可含子文件夹）")],
        path: Annotated[Path | None, typer.Option("--path", help="类案库目录（默认 <数据目录>/cases）")] = None,
    ) -> None:
        """把本院已结案件（刑事判决书）加入类案库：罪名、刑期、法院、日期取自判决书，已有的案件不重复添加。"""
        import models.similar  # noqa: F401 - installs the crime experts' legal frame for the store
        from knowledge.cases import StoreError, add_records
        from models.similar_index import records_from_dir

        if not folder.exists():
            fail(f"输入有误：文件夹不存在：{folder}")
        try:
            recs, skipped = [], []
            for rel, rec, why in records_from_dir(folder):
                if rec is None:
                    skipped.append({"file": rel, "reason": why})
                else:
                    recs.append(rec)
            if not recs:
                fail(f"输入有误：{folder.name}中没有可加入类案库的刑事判决书"
                     + (f"（{skipped[0]['file']}：{skipped[0]['reason']}）" if skipped else ""))
            store, added = add_records(recs, path=path)
        except BadInput as e:
            fail(f"输入有误：{e}")
            return
        except StoreError as e:
            fail(f"类案库错误：{e}")
            return
        sys.stdout.write(json.dumps({"added": added, "judgments": len(recs), "skipped": skipped, **store.info()},
                                    ensure_ascii=False) + "\n")

    @index_app.command("show")
    def index_show(
        case_id: Annotated[str, typer.Argument(help="类案编号（jiancha similar 输出的 case_id）")],
        path: Annotated[Path | None, typer.Option("--path", help="类案库目录")] = None,
    ) -> None:
        """查看类案库中的一个案件：罪名、刑期、法院、日期、事实与判决书全文。"""
        from knowledge.cases import StoreError, open_store

        try:
            got = open_store(path).case(case_id.strip())
        except StoreError as e:
            fail(f"类案库错误：{e}")
            return
        if got is None:
            fail(f"输入有误：类案库中没有编号为{case_id}的案件")
        sys.stdout.write(json.dumps(got, ensure_ascii=False, default=str) + "\n")

    @index_app.command("info")
    def index_info(path: Annotated[Path | None, typer.Option("--path", help="类案库目录")] = None) -> None:
        """查看类案库：案例数、向量后端、位置。"""
        from knowledge.cases import StoreError, open_store

        try:
            store = open_store(path)
        except StoreError as e:
            fail(f"类案库错误：{e}")
            return
        sys.stdout.write(json.dumps(store.info(), ensure_ascii=False) + "\n")

    app.add_typer(index_app, name="index")
