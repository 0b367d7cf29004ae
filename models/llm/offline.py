"""vLLM's offline API behind the client's ``Backend`` interface, for batch review on a GPU box.

Needs ``pip install "jiancha[gpu]"`` and a GPU; untested here (no vLLM on the CI machine), so it
is kept minimal: ``vllm.LLM(model, enable_lora=True, …).chat(messages, sampling, lora_request=…)``
with one ``LoRARequest`` per expert adapter (``<adapter_dir>/<adapter>``). Use it with
``models.llm.use_backend(VLLMOfflineBackend(base_model, adapter_dir))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.llm.client import BASE_MODEL, Completion, RequestError


class VLLMOfflineBackend:
    def __init__(self, base_model: str, adapter_dir: Path | None = None, *, max_loras: int = 4,
                 max_lora_rank: int = 64, tensor_parallel_size: int = 1, max_model_len: int = 8192,
                 base_name: str = BASE_MODEL, **engine_kwargs: Any) -> None:
        try:
            import vllm  # noqa: F401 - optional extra [gpu]
        except ImportError as e:  # pragma: no cover - no vLLM here
            raise RuntimeError("未安装 vLLM：pip install \"jiancha[gpu]\"（需要 GPU）") from e
        from vllm import LLM

        self.base_name = base_name
        self.adapter_dir = Path(adapter_dir) if adapter_dir else None
        self._lora: dict[str, Any] = {}
        self.llm = LLM(model=base_model, enable_lora=self.adapter_dir is not None, max_loras=max_loras,
                       max_lora_rank=max_lora_rank, tensor_parallel_size=tensor_parallel_size,
                       max_model_len=max_model_len, **engine_kwargs)

    def _lora_request(self, model: str) -> Any | None:
        if model == self.base_name or self.adapter_dir is None:
            return None
        if model not in self._lora:
            from vllm.lora.request import LoRARequest

            path = self.adapter_dir / model
            if not path.is_dir():
                raise RequestError(f"adapter {model} not found")
            self._lora[model] = LoRARequest(model, len(self._lora) + 1, str(path))
        return self._lora[model]

    def chat(self, messages: list[dict[str, str]], *, model: str, max_tokens: int,
             response_format: dict[str, Any] | None = None) -> Completion:
        return self.chat_many([messages], model=model, max_tokens=max_tokens)[0]

    def chat_many(self, conversations: list[list[dict[str, str]]], *, model: str,
                  max_tokens: int) -> list[Completion]:
        """One batched generation for many conversations with the same adapter."""
        from vllm import SamplingParams

        outs = self.llm.chat(conversations, SamplingParams(temperature=0.0, max_tokens=max_tokens),
                             lora_request=self._lora_request(model), use_tqdm=False)
        return [Completion(o.outputs[0].text, len(o.prompt_token_ids or []), len(o.outputs[0].token_ids))
                for o in outs]
