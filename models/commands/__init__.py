"""Command groups of the ``jiancha`` CLI beside ``check`` and ``rules``: each module here
defines ``register(app: typer.Typer) -> None`` and is registered by ``models.cli``."""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)
