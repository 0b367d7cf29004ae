"""The crime experts: one module per crime plus ``generic`` (see DESIGN.md, "The gate and the experts").

``registry()`` maps an expert's English id to its ``Expert``; ``for_charge`` finds the expert of an
official charge name (CAIL bracket forms such as ``[走私、贩卖、运输、制造]毒品`` are accepted).
Adding a crime means adding a module (listed in ``MODULES``) and its YAML.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from knowledge.charges import normalize_charge
from models.experts.base import Assessment, Expert

__all__ = ["Assessment", "Expert", "MODULES", "for_charge", "registry", "clean_charge"]

MODULES: tuple[str, ...] = (
    "dui", "theft", "fraud", "cyber_aid", "concealment", "injury", "traffic", "drugs",
    "provocation", "casino", "generic",
)


@lru_cache(maxsize=1)
def registry() -> dict[str, Expert]:
    out: dict[str, Expert] = {}
    for m in MODULES:
        e: Expert = importlib.import_module(f"models.experts.{m}").EXPERT
        out[e.name] = e
    return out


def clean_charge(charge: str) -> str:
    """Official name without 罪 (brackets of the CAIL forms removed); the input when unknown."""
    c = charge.replace("[", "").replace("]", "").strip()
    if c.endswith("罪"):
        c = c[:-1]
    return normalize_charge(c) or normalize_charge(charge) or c


@lru_cache(maxsize=1024)
def for_charge(charge: str) -> Expert | None:
    """The expert of a charge; None for charges no crime expert covers (use ``generic``)."""
    c = clean_charge(charge)
    for e in registry().values():
        if c in e.charges:
            return e
    return None
