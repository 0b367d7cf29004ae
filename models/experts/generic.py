"""The generic expert: any charge without a crime expert (crime-independent checks only)."""

from __future__ import annotations

from models.experts.amounts import read_amounts
from models.experts.base import Expert


def crime_amount(text: str) -> float | None:
    return read_amounts(text).total


EXPERT = Expert.from_yaml("generic", amount_fn=crime_amount)
