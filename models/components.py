"""Pipeline components: named functions ``(case, report) -> None`` that read the ``Case`` and
write into the ``Report`` (findings, experts, sentence suggestion). ``pipeline.yaml`` sets
which run and in what order."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from knowledge.yamlfile import load_yaml
from models.types import Case, Report

Component = Callable[[Case, Report], None]
_COMPONENTS: dict[str, Component] = {}


def component(name: str) -> Callable[[Component], Component]:
    def deco(fn: Component) -> Component:
        _COMPONENTS[name] = fn
        return fn

    return deco


@lru_cache(maxsize=1)
def configured() -> tuple[tuple[str, Component], ...]:
    """The components of pipeline.yaml, in order, imported and registered."""
    spec = load_yaml(Path(__file__).parent / "pipeline.yaml")
    out = []
    for c in spec["components"]:
        importlib.import_module(c["module"])
        if c["name"] not in _COMPONENTS:
            raise RuntimeError(f"pipeline component {c['name']} not registered by {c['module']}")
        out.append((c["name"], _COMPONENTS[c["name"]]))
    return tuple(out)
