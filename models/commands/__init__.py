"""Command groups of the ``jiancha`` CLI beside ``check`` and ``rules``: each module here
defines ``register(app: typer.Typer) -> None`` and is registered by ``models.cli``."""

from __future__ import annotations

import importlib
import pkgutil

import typer

# first argument of the command line → the module here that defines that command or group; a command
# missing here (or ``check``, defined in models.cli) still works: then every module is registered
_MODULE_OF = {"analyze": "analyze", "batch": "batch", "llm": "llm", "proofread": "proofread", "lm": "proofread",
              "rules": "rules", "similar": "similar", "index": "similar", "timeline": "timeline"}


def builtin(command: str) -> bool:
    """``command`` is defined in models/ (``check`` in models.cli, the others in this package)."""
    return command == "check" or command in _MODULE_OF


def register_all(app: typer.Typer, command: str | None = None) -> None:
    """Register the command modules: all of them, or (``command``: the command being run by the
    ``jiancha`` program) only the one defining it, so a call imports no other command's code."""
    if command == "check":
        return
    if command in _MODULE_OF:
        importlib.import_module(f"{__name__}.{_MODULE_OF[command]}").register(app)
        return
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)
