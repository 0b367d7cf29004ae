"""Legal jieba tokenizer: jieba with ``legal_dict.txt`` (charges, procedure and sentencing terms,
drug names) loaded.

jieba caches its prefix dictionary as a file; we point that cache at ``Settings.data_dir``
(``~/.jiancha``) when it is writable and at the system temp directory otherwise, so a read-only
install never fails. Built lazily on first use and cached for the process.

``cut`` does not load that whole dictionary (≈500k entries, ~0.6 s of ``marshal.load``) to
segment a process's first text (a one-query CLI call): the final prefix dictionary (jieba's plus the legal words, i.e. exactly what
``get_tokenizer`` holds) is also stored split by first character (``knowledge.lexicon.shards``),
and only the parts for the characters of the text being cut are read. jieba looks up only
substrings of the text that start at a character of it, so each lookup answers as the full
dictionary would and the segmentation is the same.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

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


class ShardedTokenizer(jieba.Tokenizer):
    """A jieba ``Tokenizer`` whose ``FREQ`` holds the entries of the full legal dictionary for
    the first characters seen so far; ``cut`` first adds those of the text's characters.

    Entries are only ever added, so a concurrent ``cut`` in another thread keeps seeing every
    entry it needs. Not for ``add_word``/``load_userdict`` (the dictionary is fixed)."""

    def __init__(self, shards: Any) -> None:  # a knowledge.lexicon.shards.Shards
        super().__init__()
        self.FREQ = {}
        self.total = shards.total
        self.initialized = True
        self._shards = shards
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def initialize(self, dictionary: str | None = None) -> None:  # never loads jieba's file
        self.initialized = True

    def _ensure(self, text: str) -> None:
        new = set(text) - self._seen
        if not new:
            return
        with self._lock:
            new -= self._seen
            add = self._shards.entries(new)
            self.FREQ.update(add)
            self._seen |= new

    def cut(self, sentence: str, cut_all: bool = False, HMM: bool = True,  # noqa: N803 - jieba's name
            use_paddle: bool = False) -> Iterator[str]:
        sentence = jieba.strdecode(sentence)
        self._ensure(sentence)
        return super().cut(sentence, cut_all=cut_all, HMM=HMM, use_paddle=use_paddle)


_SHARDED: list[jieba.Tokenizer] = []
_SHARDED_LOCK = threading.Lock()


def _query_tokenizer() -> jieba.Tokenizer:
    """The full tokenizer when this process has loaded it, else the sharded one (built from the
    full one once, then read from the data dir's cache)."""
    if get_tokenizer.cache_info().currsize:
        return get_tokenizer()
    if _SHARDED:
        return _SHARDED[0]
    with _SHARDED_LOCK:
        if not _SHARDED:
            from knowledge.lexicon.shards import open_shards

            shards = open_shards(Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME, DICT_FILE,
                                 get_tokenizer)
            _SHARDED.append(get_tokenizer() if shards is None else ShardedTokenizer(shards))
    return _SHARDED[0]


_CUTS = [0]


def cut(text: str) -> list[str]:
    """Tokens of ``text`` (precise mode, no HMM for unknown words: stable output).

    The first text of a process is cut with the sharded dictionary (a one-query CLI call); from
    the second on, the full one is loaded once (a server, a batch, an index build: each new text
    would otherwise read more parts, slower per query than one load)."""
    _CUTS[0] += 1
    if _CUTS[0] > 1:
        return get_tokenizer().lcut(text, HMM=False)
    return _query_tokenizer().lcut(text, HMM=False)
