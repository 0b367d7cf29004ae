"""Scoreboards of ``python -m eval``: each module here defines ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int`` and is found by ``eval/__main__.py``."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> list[ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return mods
