"""Compiled regular expressions kept across processes (CLI start-up).

A CLI call compiles ~550 project patterns at import (large CJK character classes make
``re``'s pure-Python parser and ``_optimize_charset`` cost ~0.15 s — a third of a ``check``).
``install()`` wraps ``re._compiler.compile`` so that the result of parsing and code generation
(the opcode list and group tables that ``re`` hands to ``_sre.compile``) is stored once under
``<data_dir>/cache/regex/`` and later processes call ``_sre.compile`` with the same arguments: the
pattern objects are the ones ``re`` itself would build. Patterns known to differ in every process
(the stdlib tokenize's) are not stored. The file is keyed by the Python version
and ``_sre.MAGIC`` (the opcode format); anything unexpected (other Python internals, an unwritable
or damaged cache) falls back to ``re``'s own compile. Only the CLI installs it.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import sys
import threading
from pathlib import Path
from typing import Any

FORMAT = "regex-cache-1"
MAX_ENTRIES = 4000  # patterns built from a case's text (names) must not grow the file forever
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _path() -> Path | None:
    import _sre

    from knowledge.artifact import cache_root

    root = cache_root()
    if root is None:
        return None
    key = hashlib.sha1(f"{FORMAT}\0{sys.version}\0{_sre.MAGIC}".encode()).hexdigest()[:20]
    return root / "regex" / f"{key}.marshal"


def _save() -> None:
    path, table = _state.get("path"), _state.get("table")
    if path is None or table is None or not _state.get("dirty"):
        return
    if len(table) > MAX_ENTRIES:  # keep what this process used
        used = _state.get("used", set())
        table = {k: v for k, v in table.items() if k in used}
    try:
        blob = marshal.dumps(table)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        tmp.replace(path)  # atomic: a concurrent reader sees the old or the new table
    except (OSError, ValueError):
        pass


# modules whose patterns are built anew in every process (tokenize joins a set of string prefixes,
# whose order changes with the string hash seed): storing them would rewrite the file every time
_VARYING = frozenset({"tokenize"})


def _from_product() -> bool:
    """Whether the pattern being compiled is worth storing: the first caller outside ``re`` is not
    one of the ``_VARYING`` modules."""
    f = sys._getframe(2)
    while f is not None:
        name = f.f_globals.get("__name__", "")
        if name != "re" and not name.startswith("re."):
            return name not in _VARYING
        f = f.f_back
    return False


def install() -> bool:
    """Wrap ``re``'s compiler with the cache (once per process); False when not possible."""
    if _state.get("installed"):
        return True
    try:
        import _sre
        import re._compiler as comp
        import re._parser as parser

        if not (hasattr(comp, "_code") and hasattr(_sre, "compile") and hasattr(parser, "parse")):
            return False
        path = _path()
    except Exception:  # noqa: BLE001 - no cache is always fine
        return False
    if path is None:
        return False
    table: dict[tuple[Any, int], tuple] = {}
    try:
        got = marshal.loads(path.read_bytes())
        if isinstance(got, dict):
            table = got
    except (OSError, EOFError, ValueError, TypeError):
        pass
    original = comp.compile
    used: set[tuple[Any, int]] = set()

    def compile(p: Any, flags: int = 0) -> Any:  # noqa: A001 - re._compiler's name
        if not isinstance(p, str | bytes) or flags & comp.SRE_FLAG_DEBUG:
            return original(p, flags)
        key = (p, int(flags))
        hit = table.get(key)
        used.add(key)
        if hit is not None:
            all_flags, code, groups, groupindex, indexgroup = hit
            return _sre.compile(p, all_flags, code, groups, groupindex, indexgroup)
        if not _from_product():
            return original(p, flags)  # e.g. the stdlib's tokenize builds a new pattern per process
        parsed = parser.parse(p, flags)
        code = comp._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup = [None] * parsed.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        args = (int(flags | parsed.state.flags), [int(c) for c in code], parsed.state.groups - 1, groupindex,
                tuple(indexgroup))
        with _lock:
            table[key] = args
            _state["dirty"] = True
        return _sre.compile(p, *args)

    comp.compile = compile
    _state.update(installed=True, path=path, table=table, dirty=False, original=original, used=used)
    atexit.register(_save)
    return True


def uninstall() -> None:
    """Restore ``re``'s compiler (tests); the table is saved first."""
    if not _state.get("installed"):
        return
    import re._compiler as comp

    _save()
    comp.compile = _state["original"]
    atexit.unregister(_save)
    _state.clear()
