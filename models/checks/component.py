"""The ``rules`` pipeline component: runs the rule catalogue's checks on the case."""

from __future__ import annotations

from knowledge.rules import catalogue
from knowledge.settings import get_settings
from models.checks.engine import run_checks
from models.components import component
from models.types import Case, Report


@component("rules")
def rules_component(case: Case, report: Report) -> None:
    settings = get_settings()
    rules, _problems = catalogue(str(settings.rules_extra_dir) if settings.rules_extra_dir else None)
    experts = [name for name, _score in report.experts] or ["generic"]
    report.findings += run_checks(case, rules, experts)
