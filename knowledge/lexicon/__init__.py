"""Legal jieba tokenizer: jieba with ``legal_dict.txt`` (charges, procedure and sentencing terms,
drug names) loaded.

jieba caches its prefix dictionary as a file; we point that cache at ``Settings.data_dir``
(``~/.jiancha``) when it is writable and at the system temp directory otherwise, so a read-only
install never fails. Built lazily on first use and cached for the process.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import jieba

__all__ = ["DICT_FILE", "get_tokenizer", "cut"]

DICT_FILE = Path(__file__).resolve().parent / "legal_dict.txt"

jieba.setLogLevel(logging.WARNING)


def _cache_dir() -> str:
    try:
        from knowledge.settings import get_settings

        d = Path(get_settings().data_dir) / "cache"
        d.mkdir(parents=True, exist_ok=True)
        if os.access(d, os.W_OK):
            return str(d)
    except Exception:  # noqa: BLE001 - any settings/permission problem → temp dir
        pass
    return tempfile.gettempdir()


@lru_cache(maxsize=1)
def get_tokenizer() -> jieba.Tokenizer:
    """A jieba ``Tokenizer`` with the legal dictionary loaded (one per process)."""
    tk = jieba.Tokenizer()
    tk.tmp_dir = _cache_dir()
    tk.cache_file = "jieba.jiancha.cache"
    tk.initialize()
    tk.load_userdict(str(DICT_FILE))
    return tk


def cut(text: str) -> list[str]:
    """Tokens of ``text`` (precise mode, no HMM for unknown words: stable output)."""
    return get_tokenizer().lcut(text, HMM=False)
