"""Derived knowledge cached under ``<data_dir>/cache/<kind>/``: the result of building something
from the bundled data files, stored with ``marshal`` (plain data only: dicts, lists, tuples, sets,
strings, numbers) and keyed by the content hash of every input file plus a version string, so an
edited knowledge file or a changed builder (bump ``version``) is rebuilt, an unchanged one is
read back in a few milliseconds. A result that is not plain data, an unwritable data directory or
a damaged cache file simply means building it again; the cache is never required.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cache_root() -> Path | None:
    """``<data_dir>/cache`` (JIANCHA_DATA_DIR, else the settings' data dir); None when unknown."""
    env = os.environ.get("JIANCHA_DATA_DIR")
    try:
        if env:
            base = Path(env)
        else:
            from knowledge.settings import get_settings

            base = get_settings().data_dir
        return base.expanduser() / "cache"
    except Exception:  # noqa: BLE001 - no usable data dir: no cache
        return None


def key_of(parts: Iterable[bytes | str]) -> str:
    h = hashlib.sha1()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """``build()``, or its earlier result stored under ``kind``/``key``."""
    root = cache_root()
    target = root / kind / f"{key}.marshal" if root is not None else None
    if target is not None:
        try:
            return marshal.loads(target.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = build()
    if target is not None:
        _store(target, data)
    return data


def cached_from_files(kind: str, files: Iterable[Path], version: str, build: Callable[[], T]) -> T:
    """``cached`` keyed by the bytes of ``files`` and ``version``."""
    parts: list[bytes | str] = [version]
    for f in files:
        parts += [str(Path(f).name), Path(f).read_bytes()]
    return cached(kind, key_of(parts), build)


def _store(target: Path, data: Any) -> None:
    try:
        blob = marshal.dumps(data)
    except ValueError:  # not plain data: built every time
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        tmp.replace(target)  # atomic: a concurrent reader sees no file or the whole file
    except OSError:
        pass


def file_stamp(path: Path) -> list[str] | None:
    """A source file's identity for a cache of its decoded form: resolved path, size and mtime
    (None when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [str(path.resolve()), str(st.st_size), str(st.st_mtime_ns)]


def publish_dir(d: Path, fill: Callable[[Path], None]) -> None:
    """Make the cache directory ``d`` atomically: ``fill`` a temporary sibling, drop the other
    finished directories beside it (one decoded version is kept; another process's temporary is left
    alone), then rename the temporary to ``d``. An OSError leaves nothing behind (the cache is never
    required)."""
    tmp = d.with_name(f"{d.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        fill(tmp)
        for old in d.parent.iterdir():
            if old.name not in (tmp.name, d.name) and not old.name.endswith(".tmp"):
                shutil.rmtree(old, ignore_errors=True)
        tmp.rename(d)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
