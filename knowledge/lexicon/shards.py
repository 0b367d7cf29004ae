"""The legal tokenizer's prefix dictionary split by first character, in one file under
``<data_dir>/cache/jieba/``: a marshal'd header (jieba's ``total`` and, per first character,
where its entries are) followed by one marshal'd dict per character. Reading the entries of the
few hundred characters of a query costs milliseconds; the whole dictionary costs ~0.6 s.

The file is written from the fully loaded tokenizer (``get_tokenizer``: jieba's dictionary plus
the legal words), so every entry and ``total`` are the ones that tokenizer has; it is keyed by
jieba's version, its dictionary file's size and time, and the legal dictionary's bytes.
"""

from __future__ import annotations

import marshal
import mmap
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FORMAT = "jieba-shards-1"


class Shards:
    """Read access to a shard file: ``total`` and ``entries(chars)``."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        n = int.from_bytes(self._mm[:8], "little")
        head = marshal.loads(self._mm[8 : 8 + n])
        if head.get("format") != FORMAT:
            raise ValueError("not a shard file")
        self.total: int = head["total"]
        self._index: dict[str, tuple[int, int]] = head["index"]
        self._base = 8 + n

    def entries(self, chars: Iterable[str]) -> dict[str, int]:
        """Every entry whose first character is one of ``chars``."""
        out: dict[str, int] = {}
        mm, base, index = self._mm, self._base, self._index
        for ch in chars:
            at = index.get(ch)
            if at is not None:
                out.update(marshal.loads(mm[base + at[0] : base + at[0] + at[1]]))
        return out


def write_shards(path: Path, freq: dict[str, int], total: int) -> None:
    by_first: dict[str, dict[str, int]] = {}
    for k, v in freq.items():
        if k:
            by_first.setdefault(k[0], {})[k] = v
    blobs: list[bytes] = []
    index: dict[str, tuple[int, int]] = {}
    at = 0
    for ch, d in by_first.items():
        b = marshal.dumps(d)
        index[ch] = (at, len(b))
        blobs.append(b)
        at += len(b)
    head = marshal.dumps({"format": FORMAT, "total": total, "index": index})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for b in blobs:
            f.write(b)
    tmp.replace(path)  # atomic: a concurrent reader sees no file or the whole file


def _key(jieba_dict: Path, user_dict: Path) -> str:
    import jieba

    from knowledge.artifact import key_of

    st = jieba_dict.stat()
    return key_of([FORMAT, str(getattr(jieba, "__version__", "")), str(jieba_dict), str(st.st_size),
                   str(st.st_mtime_ns), user_dict.read_bytes()])


def open_shards(jieba_dict: Path, user_dict: Path, build: Callable[[], Any]) -> Shards | None:
    """The shard file for these dictionaries, written from ``build()`` (the full tokenizer) when
    missing; None when there is no usable cache directory (the caller then uses the full one)."""
    from knowledge.artifact import cache_root

    root = cache_root()
    if root is None:
        return None
    try:
        path = root / "jieba" / f"{_key(jieba_dict, user_dict)}.shards"
    except OSError:
        return None
    try:
        return Shards(path)
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass
    tk = build()
    try:
        write_shards(path, tk.FREQ, tk.total)
        return Shards(path)
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
