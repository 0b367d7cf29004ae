"""The ``Expert`` object and the YAML helpers every expert uses.

An expert is declarative: its YAML (beside its module) names the charges, the LLM adapter, the
prompts, the elements it reads, its severity tiers with thresholds and its extra checks. The
module only adds the few functions that read its elements from the facts. Amounts are read by
``models.experts.amounts``, counts of acts by ``models.experts.counts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from knowledge.yamlfile import load_yaml as _read_yaml

HERE = Path(__file__).resolve().parent

ElementsFn = Callable[[str], dict[str, Any]]
AmountFn = Callable[[str], "float | None"]


@cache
def load_yaml(name: str) -> dict[str, Any]:
    return _read_yaml(HERE / f"{name}.yaml") or {}


@lru_cache(maxsize=1)
def threshold_tier(expert: str, amount: float | None, key: str = "default") -> str | None:
    """The amount tier (特别巨大 / 巨大 / 较大) of ``amount`` by the expert's YAML thresholds;
    ``key`` is "default", or "low"/"high" for the ends of the provincial range. None below 较大."""
    th = load_yaml(expert)["thresholds"]
    if amount is None:
        return None
    for t in ("特别巨大", "巨大", "较大"):
        if amount >= (th[t][key] if key == "default" else th[t]["range"][0 if key == "low" else 1]):
            return t
    return None


@dataclass
class Assessment:
    """What an expert reads from the facts: the severity tier and the quantity behind it."""

    tier: str  # key of a tier in the expert's guideline ("较大", "轻伤", "醉驾" …)
    quantity: float | None = None  # amount in yuan, grams, BAC, persons … (``unit``)
    unit: str = ""
    elements: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Chinese, for the reasoning steps


@dataclass
class Expert:
    """One crime pipeline. ``name``: English id (also the default vLLM LoRA adapter name)."""

    name: str
    label: str
    charges: tuple[str, ...]
    articles: tuple[tuple[int, int], ...] = ()
    adapter: str = ""
    prompts: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    amount_fn: AmountFn | None = None
    elements_fn: ElementsFn | None = None
    assess_fn: Callable[[str, dict[str, Any]], Assessment] | None = None

    @classmethod
    def from_yaml(cls, name: str, **fns: Any) -> Expert:
        d = load_yaml(name)
        return cls(
            name=d["name"],
            label=d["label"],
            charges=tuple(d.get("charges", ())),
            articles=tuple(tuple(a) for a in d.get("articles", ())),  # type: ignore[misc]
            adapter=d.get("adapter", d["name"]),
            prompts=tuple(d.get("prompts", ())),
            checks=tuple(d.get("checks", ())),
            data=d,
            **fns,
        )

    def crime_amount(self, text: str) -> float | None:
        """The amount of the crime in yuan (None when the crime has none or it is not stated)."""
        if self.amount_fn is None:
            return None
        return self.amount_fn(text)

    def elements(self, text: str) -> dict[str, Any]:
        """The crime's elements read from the facts (keys are the YAML's ``elements``)."""
        out: dict[str, Any] = {}
        if self.amount_fn is not None:
            out["amount"] = self.crime_amount(text)
        if self.elements_fn is not None:
            out.update(self.elements_fn(text))
        return out

    def assess(self, text: str, elements: dict[str, Any] | None = None) -> Assessment:
        """The guideline tier of the facts (the expert's lowest tier when nothing is known)."""
        el = self.elements(text) if elements is None else elements
        if self.assess_fn is not None:
            return self.assess_fn(text, el)
        return Assessment(tier=self.data.get("default_tier", "基本"), elements=el)
