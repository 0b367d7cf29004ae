"""Make a class a virtual subclass of langchain's ``Embeddings`` without importing langchain_core
(~0.3 s, mostly its callbacks and pydantic v1 shims) in processes that never use langchain.

``register_when_imported(cls)`` registers ``cls`` at once when ``langchain_core.embeddings`` is
already imported, else when it is first imported (a one-shot ``sys.meta_path`` hook that wraps the
module's loader), so ``isinstance(backend, Embeddings)`` holds wherever langchain code sees it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

MODULE = "langchain_core.embeddings"
_pending: list[type] = []
_lock = threading.Lock()


def _register(module: ModuleType, classes: list[type]) -> None:
    base = getattr(module, "Embeddings", None)
    if base is not None:
        for cls in classes:
            base.register(cls)


class _Hook(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of ``MODULE`` to register after it runs."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, run = spec.loader, spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            with _lock:
                _register(module, _pending)
                _pending.clear()
                _remove_hook()

        loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's own loader
        return spec


_HOOK = _Hook()


def _remove_hook() -> None:
    if _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)


def register_when_imported(cls: type) -> None:
    with _lock:
        module = sys.modules.get(MODULE)
        if module is not None:
            _register(module, [cls])
            return
        _pending.append(cls)
        if _HOOK not in sys.meta_path:
            sys.meta_path.insert(0, _HOOK)
