"""`jiancha llm serve-command` (the vLLM serving recipe) and `jiancha llm ping` (test an endpoint).

Not to be confused with `jiancha lm` (the proofreading character language model)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from models.commands._io import fail

llm_app = typer.Typer(no_args_is_help=True, help="私有大模型（vLLM）：部署命令与连通性测试")


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")


@llm_app.command("serve-command")
def serve_command_cmd(
    base_model: Annotated[str, typer.Option("--base-model", help="基座模型目录或名称")] = "/models/base",
    adapter_dir: Annotated[Path | None, typer.Option("--adapter-dir", help="LoRA 适配器目录（每个专家一个子目录）")] = None,
    served_name: Annotated[str | None, typer.Option("--served-model-name", help="基座模型的服务名（默认 JIANCHA_LLM_MODEL 或 base）")] = None,
    max_loras: Annotated[int | None, typer.Option("--max-loras", help="同时加载的适配器数")] = None,
    max_lora_rank: Annotated[int, typer.Option("--max-lora-rank")] = 64,
    tp: Annotated[int, typer.Option("--tensor-parallel-size", "--tp", help="张量并行 GPU 数")] = 1,
    max_model_len: Annotated[int, typer.Option("--max-model-len")] = 8192,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    only_existing: Annotated[bool, typer.Option("--only-existing", help="只列出目录存在的适配器")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（argv、缺少的适配器、客户端环境变量）")] = False,
) -> None:
    """打印 vllm serve 命令：基座模型 + 各专家 LoRA 适配器（来自专家注册表）。"""
    from knowledge.settings import get_settings
    from models.llm.client import BASE_MODEL
    from models.llm.serve import serve_command, shell

    s = get_settings()
    adir = adapter_dir or s.llm_adapter_dir or (s.data_dir / "adapters")
    name = served_name or s.llm_model or BASE_MODEL
    argv, missing = serve_command(base_model, adir, served_name=name, max_loras=max_loras,
                                  max_lora_rank=max_lora_rank, tensor_parallel_size=tp,
                                  max_model_len=max_model_len, host=host, port=port, only_existing=only_existing)
    env = {"JIANCHA_LLM_BASE_URL": f"http://{host}:{port}/v1", "JIANCHA_LLM_MODEL": name}
    if as_json:
        sys.stdout.write(json.dumps({"argv": argv, "command": shell(argv), "missing_adapters": missing,
                                     "client_env": env}, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(shell(argv) + "\n")
    if missing and not only_existing:
        sys.stderr.write(f"注意：以下适配器目录不存在（{adir}）：{'、'.join(missing)}\n")
    sys.stderr.write("客户端配置：" + " ".join(f"{k}={v}" for k, v in env.items()) + "\n")


@llm_app.command("ping")
def ping(
    url: Annotated[str | None, typer.Option("--url", help="OpenAI 兼容接口地址（默认 JIANCHA_LLM_BASE_URL）")] = None,
    expert: Annotated[str | None, typer.Option("--expert", help="测试该专家的适配器（默认基座模型）")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """测试大模型服务：发送一个最小的结构化请求，报告耗时与令牌数。"""
    import os

    import models.llm as llm

    if url:
        os.environ["JIANCHA_LLM_BASE_URL"] = url
    llm.reset()
    client = llm.get_client()
    if client is None:
        fail("未配置大模型服务：请设置 JIANCHA_LLM_BASE_URL 或使用 --url")
        return
    from models.llm.client import call_log

    t0 = time.perf_counter()
    res = client.structured("ping", {}, expert=expert)
    ms = round((time.perf_counter() - t0) * 1000, 1)
    last = (call_log() or [{}])[-1]
    out = {"ok": res.ok, "model": res.model, "latency_ms": ms, "input_tokens": last.get("input_tokens"),
           "output_tokens": last.get("output_tokens"), "warning": res.warning}
    if as_json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        state = "正常" if res.ok else f"失败：{res.warning}"
        sys.stdout.write(f"{client.endpoint}　模型 {res.model}　{state}　{ms} ms\n")
    if not res.ok:
        raise typer.Exit(1)
