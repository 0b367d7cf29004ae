"""The LLM client: structured calls over an OpenAI-compatible endpoint (vLLM) with degradation.

``LLMClient.structured(prompt, variables, expert=…)`` renders a prompt (``prompts``), asks the
expert's adapter (``model=<adapter>`` per request — the MoE at the LLM level), validates the answer
against the prompt's pydantic schema, asks once more to repair an invalid answer, then rejects it.
It never raises: a timeout, a connection error, a 5xx, a budget overrun or an invalid answer gives
an ``LLMResult`` with ``value=None`` and a Chinese ``warning``; callers keep the deterministic result.

After a timeout or connection error the endpoint is considered down for
``Settings.llm_breaker_seconds`` (circuit breaker), so a dead endpoint costs one timeout, not one
per case. Every call is logged (logger ``jiancha.llm`` and ``call_log()``): prompt key and hash,
model, latency, tokens, outcome — never document text.

Token counts come from the response's ``usage``; the budget uses a character estimate. Nothing here
calls tiktoken (it would download encodings).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from knowledge.yamlfile import load_yaml

log = logging.getLogger("jiancha.llm")

HERE = Path(__file__).resolve().parent
BASE_MODEL = "base"  # served name of the base model when Settings.llm_model is unset


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return load_yaml(HERE / "config.yaml")


# --------------------------------------------------------------------------- errors and results


class LLMError(Exception):
    """A failed request. ``down``: timeout / connection error (trips the breaker)."""

    kind = "error"


class EndpointDown(LLMError):
    kind = "down"


class ServerError(LLMError):
    kind = "server"


class RequestError(LLMError):
    kind = "request"


@dataclass
class Completion:
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass
class LLMResult:
    """``value``: the validated answer (None when degraded, with ``warning`` set)."""

    value: BaseModel | None
    warning: str | None = None
    model: str = ""
    prompt: str = ""
    repaired: bool = False
    calls: int = 0

    @property
    def ok(self) -> bool:
        return self.value is not None


class Backend(Protocol):
    """What the client needs from a model server: one chat completion."""

    def chat(self, messages: list[dict[str, str]], *, model: str, max_tokens: int,
             response_format: dict[str, Any] | None = None) -> Completion: ...


# --------------------------------------------------------------------------- budget, breaker, log


@dataclass
class Budget:
    """Tokens one case may spend (prompt estimate + completion), shared by its LLM calls."""

    tokens: int
    used: int = 0

    def reserve(self, n: int) -> bool:
        if self.used + n > self.tokens:
            return False
        self.used += n
        return True

    def settle(self, reserved: int, actual: int | None) -> None:
        if actual is not None:
            self.used += actual - reserved


class Breaker:
    """Per endpoint: down until a time after a timeout / connection error."""

    def __init__(self) -> None:
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_open(self, key: str) -> bool:
        with self._lock:
            return time.monotonic() < self._down_until.get(key, 0.0)

    def trip(self, key: str, seconds: float) -> None:
        with self._lock:
            self._down_until[key] = time.monotonic() + seconds

    def close(self, key: str) -> None:
        with self._lock:
            self._down_until.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._down_until.clear()


BREAKER = Breaker()
_CALLS: deque[dict[str, Any]] = deque(maxlen=1000)


def call_log() -> list[dict[str, Any]]:
    """The recent calls (no document text): prompt, hash, model, latency_ms, tokens, status."""
    return list(_CALLS)


def _record(**rec: Any) -> None:
    _CALLS.append(rec)
    log.info("llm call %s", json.dumps(rec, ensure_ascii=False))


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """Upper-bound-ish token estimate from character counts (no tokenizer download)."""
    cpt = float(config().get("chars_per_token", 1.0)) or 1.0
    return int(sum(len(m["content"]) for m in messages) / cpt) + 4 * len(messages)


# --------------------------------------------------------------------------- OpenAI-compatible backend


@contextlib.contextmanager
def _no_tracing():
    """No LangSmith tracing, whatever the environment says (documents never leave the machine)."""
    try:
        from langsmith.run_helpers import tracing_context
    except ImportError:  # pragma: no cover
        yield
        return
    with tracing_context(enabled=False):
        yield


class OpenAIBackend:
    """langchain ``ChatOpenAI`` over ``base_url`` only: its own httpx client (no proxies from the
    environment, no redirects), SDK retries off (the client retries), no tracing."""

    def __init__(self, base_url: str, api_key: str = "EMPTY", timeout: float = 20.0,
                 default_model: str = BASE_MODEL, temperature: float = 0.0) -> None:
        import httpx
        from langchain_openai import ChatOpenAI

        self.base_url = base_url
        self._http = httpx.Client(trust_env=False, follow_redirects=False,
                                  timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
        self.chat_model = ChatOpenAI(
            model=default_model, base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0,
            http_client=self._http, openai_proxy=None, temperature=temperature, stream_usage=False,
            use_responses_api=False, custom_get_token_ids=_no_token_ids,
        )

    def chat(self, messages: list[dict[str, str]], *, model: str, max_tokens: int,
             response_format: dict[str, Any] | None = None) -> Completion:
        import openai
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        lc = [kinds[m["role"]](content=m["content"]) for m in messages]
        kw: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
        if response_format:
            kw["response_format"] = response_format
        try:
            with _no_tracing():
                msg = self.chat_model.invoke(lc, **kw)
        except (openai.APITimeoutError, openai.APIConnectionError) as e:
            raise EndpointDown(type(e).__name__) from e
        except openai.APIStatusError as e:
            if e.status_code >= 500:
                raise ServerError(f"HTTP {e.status_code}") from e
            raise RequestError(f"HTTP {e.status_code}") from e
        except (openai.OpenAIError, ValueError) as e:  # e.g. finish_reason=length while parsing
            raise RequestError(type(e).__name__) from e
        usage = getattr(msg, "usage_metadata", None) or {}
        content = msg.content if isinstance(msg.content, str) else json.dumps(msg.content, ensure_ascii=False)
        return Completion(content, usage.get("input_tokens"), usage.get("output_tokens"))

    def close(self) -> None:
        self._http.close()


def _no_token_ids(text: str) -> list[int]:
    """Token ids are never needed; this keeps ChatOpenAI away from tiktoken (which downloads)."""
    return list(range(len(text)))


# --------------------------------------------------------------------------- the client


def _parse(schema: type[BaseModel], text: str) -> tuple[BaseModel | None, str]:
    """The validated answer, or None and the reason (for the repair prompt)."""
    from langchain_core.exceptions import OutputParserException
    from langchain_core.output_parsers import PydanticOutputParser

    try:
        return PydanticOutputParser(pydantic_object=schema).parse(text), ""
    except OutputParserException as e:
        return None, str(e).split("\n")[0][:300]
    except ValidationError as e:  # pragma: no cover - the parser wraps these
        return None, str(e)[:300]


def _response_format(schema: type[BaseModel]) -> dict[str, Any] | None:
    mode = config().get("response_format", "json_object")
    if mode == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()}}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


W_DOWN = "大模型服务不可用（{why}），已返回规则核查结果"
W_BREAKER = "大模型服务暂不可用（熔断中），已返回规则核查结果"
W_SERVER = "大模型服务出错（{why}），已返回规则核查结果"
W_REQUEST = "大模型请求被拒绝（{why}），已返回规则核查结果"
W_BUDGET = "超出本案大模型令牌预算，部分大模型辅助未执行"
W_INVALID = "大模型输出两次不符合格式，已忽略"
W_BUSY = "大模型并发已满，本项辅助未执行"


@dataclass
class LLMClient:
    """Structured calls with adapters, retries, breaker, budget and a call log (see module doc)."""

    backend: Backend
    endpoint: str = ""  # breaker key (the base URL)
    default_model: str = BASE_MODEL
    adapters: dict[str, str] = field(default_factory=dict)  # expert → adapter (settings override)
    retries: int = 1
    breaker_seconds: float = 60.0
    max_concurrency: int = 4
    wait_seconds: float = 20.0  # longest wait for a concurrency slot

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(max(1, self.max_concurrency))

    def adapter_for(self, expert: str | None) -> str:
        """The served model for an expert: settings map, else the expert's YAML adapter, else base."""
        if not expert or expert == "generic":
            return self.adapters.get("generic") or self.default_model
        if expert in self.adapters:
            return self.adapters[expert]
        from models.experts import registry

        e = registry().get(expert)
        return (e.adapter if e is not None and e.adapter else "") or self.default_model

    def structured(self, prompt_name: str, variables: dict[str, Any], *, expert: str | None = None,
                   budget: Budget | None = None) -> LLMResult:
        import prompts
        from models.llm.schemas import schema as schema_of

        p = prompts.get(prompt_name, expert)
        model = self.adapter_for(expert)
        res = LLMResult(None, model=model, prompt=p.key)
        if self.endpoint and BREAKER.is_open(self.endpoint):
            _record(prompt=p.key, model=model, status="breaker_open", latency_ms=0.0)
            res.warning = W_BREAKER
            return res
        schema = schema_of(p.schema or "")
        messages = p.render(**variables)
        text, why = self._ask(p.key, messages, model, p.max_tokens, schema, budget, res)
        if text is None:
            res.warning = why
            return res
        value, err = _parse(schema, text)
        if value is None:
            fix = prompts.get("repair").render(error=err, schema=json.dumps(schema.model_json_schema(),
                                                                               ensure_ascii=False))[-1]
            messages = [*messages, {"role": "assistant", "content": text[:4000]}, fix]
            text, why = self._ask(p.key, messages, model, p.max_tokens, schema, budget, res, attempt="repair")
            if text is None:
                res.warning = why
                return res
            value, err = _parse(schema, text)
            if value is None:
                _record(prompt=p.key, model=model, status="rejected")  # no reason: it may quote the text
                res.warning = W_INVALID
                return res
            res.repaired = True
        res.value = value
        return res

    def _ask(self, key: str, messages: list[dict[str, str]], model: str, max_tokens: int,
             schema: type[BaseModel], budget: Budget | None, res: LLMResult,
             attempt: str = "first") -> tuple[str | None, str]:
        import prompts

        h = prompts.prompt_hash(messages)
        est = estimate_tokens(messages) + max_tokens
        if budget is not None and not budget.reserve(est):
            _record(prompt=key, hash=h, model=model, status="over_budget", estimate=est)
            return None, W_BUDGET
        if not self._slots.acquire(timeout=self.wait_seconds):
            _record(prompt=key, hash=h, model=model, status="busy")
            return None, W_BUSY
        try:
            for n in range(self.retries + 1):
                if self.endpoint and BREAKER.is_open(self.endpoint):
                    return None, W_BREAKER
                t0 = time.perf_counter()
                rec: dict[str, Any] = {"prompt": key, "hash": h, "model": model, "attempt": attempt, "try": n + 1}
                res.calls += 1
                try:
                    c = self.backend.chat(messages, model=model, max_tokens=max_tokens,
                                          response_format=_response_format(schema))
                except EndpointDown as e:
                    if self.endpoint:
                        BREAKER.trip(self.endpoint, self.breaker_seconds)
                    _record(**rec, status="down", error=str(e), latency_ms=_ms(t0))
                    return None, W_DOWN.format(why="超时或无法连接")
                except ServerError as e:
                    _record(**rec, status="server_error", error=str(e), latency_ms=_ms(t0))
                    if n < self.retries:
                        continue
                    return None, W_SERVER.format(why=str(e))
                except RequestError as e:
                    _record(**rec, status="request_error", error=str(e), latency_ms=_ms(t0))
                    return None, W_REQUEST.format(why=str(e))
                except Exception as e:  # noqa: BLE001 - a backend bug must not break a check
                    _record(**rec, status="error", error=type(e).__name__, latency_ms=_ms(t0))
                    return None, W_SERVER.format(why=type(e).__name__)
                _record(**rec, status="ok", latency_ms=_ms(t0), input_tokens=c.input_tokens,
                        output_tokens=c.output_tokens)
                if budget is not None and c.input_tokens is not None and c.output_tokens is not None:
                    budget.settle(est, c.input_tokens + c.output_tokens)
                return c.text, ""
            return None, W_SERVER.format(why="重试失败")  # pragma: no cover
        finally:
            self._slots.release()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)
