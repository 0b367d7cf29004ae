"""Optional private LLM assistance (vLLM, OpenAI-compatible API). See DESIGN.md, "LLM".

Off unless ``JIANCHA_LLM_BASE_URL`` is set (or a backend is installed with ``use_backend``):
then ``enabled()`` is False, nothing imports langchain, nothing calls out, and every pipeline
output is exactly the deterministic one.

Public API:
- ``enabled() -> bool``; ``get_client() -> LLMClient | None``; ``reset()`` (after settings change);
  ``use_backend(backend)`` (e.g. ``VLLMOfflineBackend`` for batch review on a GPU box);
- ``models.llm.features``: ``extract_missing``, ``review_proofreading``, ``explain``, ``gate_vote``,
  ``summarize_facts``, ``assist_analysis`` (each returns None / leaves its input unchanged when
  the LLM is off or fails, with the warning recorded);
- pipeline components in ``models.llm.component`` (``llm_gate``, ``llm_extract``,
  ``llm_proofread``, ``llm_explain``, ``llm_similar``) write ``report.llm``.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.llm.client import Backend, Budget, LLMClient

__all__ = ["enabled", "get_client", "reset", "use_backend", "budget_for"]

_lock = threading.Lock()
_state: dict[str, Any] = {"client": None, "key": None, "backend": None}


def _settings():
    from knowledge.settings import get_settings

    return get_settings()


def _base_url() -> str | None:
    url = _settings().llm_base_url
    if url is None or not url.strip() or url.strip().lower() in ("off", "none", "0"):
        return None
    return url.strip()


def enabled() -> bool:
    """True when an endpoint is configured or a backend was installed."""
    return _state["backend"] is not None or _base_url() is not None


def get_client() -> LLMClient | None:
    """The client for the current settings (rebuilt when they change); None when off."""
    if not enabled():
        return None
    s = _settings()
    url = _base_url()
    key = (os.getpid(), url, s.llm_model, s.llm_api_key, s.llm_timeout, s.llm_retries, s.llm_max_concurrency,
           s.llm_breaker_seconds, tuple(sorted(s.llm_adapters.items())), id(_state["backend"]))
    with _lock:
        if _state["client"] is not None and _state["key"] == key:
            return _state["client"]
        # per process (key has the pid): a forked worker must not share the parent's connections
        from models.llm.client import BASE_MODEL, LLMClient, OpenAIBackend, config

        backend = _state["backend"]
        if backend is None:
            backend = OpenAIBackend(url or "", api_key=s.llm_api_key, timeout=s.llm_timeout,
                                    default_model=s.llm_model or BASE_MODEL,
                                    temperature=float(config().get("temperature", 0.0)))
        client = LLMClient(backend, endpoint=url or "offline", default_model=s.llm_model or BASE_MODEL,
                           adapters=dict(s.llm_adapters), retries=max(0, s.llm_retries),
                           breaker_seconds=s.llm_breaker_seconds, max_concurrency=s.llm_max_concurrency,
                           wait_seconds=s.llm_timeout)
        _state["client"], _state["key"] = client, key
        return client


def use_backend(backend: Backend | None) -> None:
    """Install a backend (e.g. the offline vLLM one) instead of the HTTP endpoint; None removes it."""
    with _lock:
        _state["backend"] = backend
        _state["client"] = None


def reset() -> None:
    """Forget the client, the breaker state and the settings cache (tests, ``eval --llm``)."""
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    with _lock:
        _state.update(client=None, key=None)
    import sys

    if "models.llm.client" in sys.modules:
        from models.llm.client import BREAKER

        BREAKER.reset()


def budget_for(case: Any) -> Budget:
    """The token budget of a case (one per case object, shared by its LLM calls)."""
    b = getattr(case, "_llm_budget", None)
    if b is None:
        from models.llm.client import Budget

        b = Budget(_settings().llm_token_budget)
        try:
            case._llm_budget = b
        except AttributeError:  # pragma: no cover - slotted objects
            pass
    return b
