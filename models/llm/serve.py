"""The ``vllm serve`` command for the experts' LoRA adapters (``jiancha llm serve-command``)."""

from __future__ import annotations

import shlex
from pathlib import Path

from models.llm.client import BASE_MODEL


def adapter_map() -> dict[str, str]:
    """Expert → served adapter name: ``Settings.llm_adapters`` over the experts' YAML ``adapter``;
    experts without an adapter (``generic``) use the base model and are left out."""
    from knowledge.settings import get_settings
    from models.experts import registry

    over = get_settings().llm_adapters
    out: dict[str, str] = {}
    for name, e in registry().items():
        a = over.get(name, e.adapter)
        if a:
            out[name] = a
    return out


def serve_command(base_model: str, adapter_dir: Path, *, served_name: str = BASE_MODEL, max_loras: int | None = None,
                  max_lora_rank: int = 64, tensor_parallel_size: int = 1, max_model_len: int = 8192,
                  host: str = "127.0.0.1", port: int = 8000, only_existing: bool = False) -> tuple[list[str], list[str]]:
    """The argv of ``vllm serve`` and the adapters whose directory is missing."""
    adapters = sorted(set(adapter_map().values()))
    missing = [a for a in adapters if not (adapter_dir / a).is_dir()]
    if only_existing:
        adapters = [a for a in adapters if a not in missing]
    argv = ["vllm", "serve", base_model, "--served-model-name", served_name, "--host", host, "--port", str(port),
            "--tensor-parallel-size", str(tensor_parallel_size), "--max-model-len", str(max_model_len)]
    if adapters:
        argv += ["--enable-lora", "--max-loras", str(max_loras or min(len(adapters), 8)),
                 "--max-lora-rank", str(max_lora_rank), "--lora-modules",
                 *[f"{a}={adapter_dir / a}" for a in adapters]]
    return argv, missing


def shell(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)
