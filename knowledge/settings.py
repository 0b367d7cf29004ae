"""One settings object for the whole product (env prefix ``JIANCHA_``).

Values come from the keyword arguments, else the environment (``JIANCHA_<FIELD>``, the name in any
case; list and dict fields written as JSON, e.g. ``JIANCHA_BATCH_ROOTS='["/srv/cases"]'``), else the
defaults, and pydantic validates them: pydantic-settings' rules for this model (tests/test_settings.py
compares the two), without importing it — its asyncio, ssl and cloud secret sources cost ~0.05 s of
every CLI call.
"""

from __future__ import annotations

import json
import os
import types
from functools import lru_cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict

KNOWLEDGE_DIR = Path(__file__).resolve().parent
ENV_PREFIX = "JIANCHA_"


class SettingsError(ValueError):
    """An environment value that cannot be read (a list or dict field that is not JSON)."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Path.home() / ".jiancha"
    rules_extra_dir: Path | None = None  # extra YAML rules beside knowledge/rules
    province: str = "default"  # sentencing guideline overrides (knowledge/guidelines)
    max_file_bytes: int = 20 * 1024 * 1024  # one document
    max_archive_bytes: int = 200 * 1024 * 1024  # total uncompressed size of a zip
    max_archive_members: int = 2000
    max_text_chars: int = 2_000_000
    llm_base_url: str | None = None
    llm_model: str | None = None
    # LLM assistance (models/llm): off while llm_base_url is None; llm_model None = "base"
    llm_api_key: str = "EMPTY"
    llm_timeout: float = 20.0  # seconds per request
    llm_retries: int = 1  # extra attempts after a 5xx (timeouts are not retried: circuit breaker)
    llm_max_concurrency: int = 4
    llm_token_budget: int = 12000  # tokens per case (prompt estimate + completion)
    llm_breaker_seconds: float = 60.0  # after a timeout/connection error the endpoint is down this long
    llm_adapters: dict[str, str] = {}  # expert → served LoRA name, overrides the experts' YAML
    llm_adapter_dir: Path | None = None  # LoRA adapters <dir>/<adapter> (serve-command)
    # similar-case store (knowledge/cases): embedded Chroma under data_dir unless chroma_url is set
    chroma_url: str | None = None  # e.g. http://chroma.internal:8000
    embedding_backend: str = "tfidf-svd"  # tfidf-svd | st | openai
    embedding_model: str | None = None  # st: local model directory; openai: model name
    embedding_url: str | None = None  # openai: base URL of an OpenAI-compatible /v1 endpoint
    similar_autobuild: bool = True  # build the default store from the bundled cases on first use
    # batch review (models/batch): pool processes; limits for a zip of many cases
    batch_workers: int = 2
    batch_max_archive_members: int = 100_000
    batch_max_archive_bytes: int = 2 * 1024 * 1024 * 1024
    # batch review on a Ray cluster (models/batch/ray_engine.py, extra jiancha[cluster]): the
    # cluster's address (host:6379, ray://host:10001, or "local" for a one-machine cluster per run);
    # None: the local process pool
    ray_address: str | None = None
    ray_chunk: int = 0  # cases per Ray task (0: about four tasks per cluster CPU, at most 16 cases)
    ray_max_retries: int = 3  # Ray re-runs a task lost with its worker or node this many times
    # web app (server/): database (default: sqlite file jiancha.db in data_dir), session secret
    # (default: file secret_key in data_dir, generated on first start), upload limits
    database_url: str | None = None  # any SQLAlchemy URL, e.g. postgresql+psycopg://…
    secret_key_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # reverse proxies (nginx) whose X-Forwarded-For/-Proto `jiancha serve` trusts, e.g. ["127.0.0.1"];
    # empty: none (the peer's address is the client's — login throttling per address needs the real one)
    trusted_proxies: list[str] = []
    session_max_age: int = 8 * 3600  # seconds
    cookie_secure: bool = False  # set true behind HTTPS
    max_upload_bytes: int = 50 * 1024 * 1024  # one request
    max_upload_files: int = 10  # files in one check request
    upload_types: list[str] = [".txt", ".md", ".docx", ".zip"]
    batch_roots: list[Path] = []  # server-side folders 案管 may batch-review (empty: none allowed)
    # login throttling (server/throttle.py): per account name and per client address
    login_free_failures: int = 3  # failures of one account before delays start
    login_lockout_failures: int = 10  # failures of one account that lock it until a 案管 unlocks it
    login_address_free_failures: int = 10  # failures from one address before delays start
    login_base_delay: float = 1.0  # seconds; doubles with every further failure
    login_max_delay: float = 60.0  # seconds
    login_window: int = 900  # seconds without a failure after which an unlocked counter starts again
    login_tarpit_max: float = 5.0  # seconds a refused login attempt is answered late (at most)
    login_hash_concurrency: int = 1  # password hashes at once (argon2: 64 MB and 4 lanes each, ~0.1–1.3 s CPU)
    token_days: int = 90  # default lifetime of a new API token (0: no expiry)
    timezone: str = "Asia/Shanghai"  # times shown to people

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**from_env(type(self)), **values})


def _is_complex(annotation: Any) -> bool:
    """A list, set, tuple or dict type (also inside ``X | None``): read from JSON."""
    origin = get_origin(annotation)
    if origin in (list, set, tuple, dict):
        return True
    if origin in (Union, types.UnionType):
        return any(_is_complex(a) for a in get_args(annotation) if a is not type(None))
    return False


def from_env(model: type[BaseModel], environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields of ``model`` set in the environment, by field name (raw strings, JSON decoded for
    list and dict fields; pydantic converts the rest)."""
    env = os.environ if environ is None else environ
    found = {k.lower(): v for k, v in env.items() if k.lower().startswith(ENV_PREFIX.lower())}
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        raw = found.get(f"{ENV_PREFIX}{name}".lower())
        if raw is None:
            continue
        if _is_complex(field.annotation):
            try:
                out[name] = json.loads(raw)
            except ValueError as e:
                raise SettingsError(f'error parsing value for field "{name}" from source "EnvSettingsSource"') from e
        else:
            out[name] = raw
    return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
