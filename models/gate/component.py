"""The ``gate`` pipeline component: sets ``report.experts`` (runs first, see pipeline.yaml)."""

from __future__ import annotations

from models.components import component
from models.gate import gate
from models.types import Case, Report


@component("gate")
def gate_component(case: Case, report: Report) -> None:
    experts = gate(case)
    if experts:
        report.experts = [(n, round(s, 4)) for n, s in experts]
