"""One settings object for the whole product (env prefix ``JIANCHA_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

KNOWLEDGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIANCHA_")

    data_dir: Path = Path.home() / ".jiancha"
    rules_extra_dir: Path | None = None  # extra YAML rules beside knowledge/rules
    province: str = "default"  # sentencing guideline overrides (knowledge/guidelines)
    max_file_bytes: int = 20 * 1024 * 1024  # one document
    max_archive_bytes: int = 200 * 1024 * 1024  # total uncompressed size of a zip
    max_archive_members: int = 2000
    max_text_chars: int = 2_000_000
    llm_base_url: str | None = None
    llm_model: str | None = None
    # similar-case store (knowledge/cases): embedded Chroma under data_dir unless chroma_url is set
    chroma_url: str | None = None  # e.g. http://chroma.internal:8000
    embedding_backend: str = "tfidf-svd"  # tfidf-svd | st | openai
    embedding_model: str | None = None  # st: local model directory; openai: model name
    embedding_url: str | None = None  # openai: base URL of an OpenAI-compatible /v1 endpoint


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
