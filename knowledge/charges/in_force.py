"""The charge's name in force on the day of the acts (刑法第十二条: the law at the time of the acts
applies), from the catalogue's former names and the dates they stopped being official
(``charges.json``: "former", "former_until"; exceptions in ``renames.yaml``).

``name_in_force("强制猥亵、侮辱", date(2014, 5, 1))`` → "强制猥亵、侮辱妇女" (the name until 2015-11-01);
on or after the date, or with no date, the name now in force.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from knowledge.charges import _by_name, _data, normalize_charge
from knowledge.yamlfile import load_yaml

__all__ = ["former_names", "name_in_force"]

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], dict[str, re.Pattern[str]]]:
    d = load_yaml(HERE / "renames.yaml") or {}
    return frozenset(d.get("never") or ()), {k: re.compile(v) for k, v in (d.get("cue") or {}).items()}


@lru_cache(maxsize=1024)
def former_names(charge: str) -> tuple[tuple[str, dt.date], ...]:
    """(former name, first day it no longer applied) of a charge now in force, earliest date first;
    merged narrower crimes (``renames.yaml`` never) left out."""
    name = normalize_charge(charge)
    info = _by_name().get(name or "")
    if not info:
        return ()
    never, _ = _rules()
    until = _data().get("former_until", {})
    out = [(f, dt.date.fromisoformat(until[f])) for f in info["former"] if f in until and f not in never]
    return tuple(sorted(out, key=lambda x: x[1]))


def name_in_force(charge: str, day: dt.date | None, facts: str = "") -> list[str]:
    """The name(s) of ``charge`` (any accepted form) in force on ``day``: the former name whose date
    is the first after ``day``; several when the charge was several charges then and the facts match
    more than one (``renames.yaml`` cue). The name now in force when ``day`` is None or not before
    every change, or when the facts match none of the cued former names."""
    now = normalize_charge(charge) or charge
    if day is None:
        return [now]
    later = [(f, d) for f, d in former_names(now) if day < d]
    if not later:
        return [now]
    first = min(d for _, d in later)
    cands = [f for f, d in later if d == first]
    _, cues = _rules()
    picked = [f for f in cands if f not in cues or cues[f].search(facts)]
    if len(cands) > 1 or any(f in cues for f in cands):
        return picked or [now]
    return cands
