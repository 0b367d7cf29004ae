"""The check registry and the engine that turns check hits into findings.

A check is a function ``(ctx: CheckContext) -> Iterable[Hit]`` registered under a name with
``@register("compare.sentence")``. Rules (``knowledge.rules``) name the check that decides them;
a check may decide several rules and tags each hit with its ``rule_id``. The engine calls every
check that some enabled rule needs, once per case, and renders each hit with its rule's
severity, message template, suggestion and legal basis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from knowledge.rules import Rule
from models.types import Case, DocElements, Document, Finding, Severity, Span

log = logging.getLogger(__name__)


@dataclass
class Hit:
    """What a check found: the rule it violates, where, and the values for the message."""

    rule_id: str
    spans: list[Span] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    defendant: str | None = None
    suggestion: str | None = None
    severity: Severity | None = None  # overrides the rule's severity when set
    confidence: float = 1.0


@dataclass
class CheckContext:
    case: Case

    def elements(self, kind: str) -> DocElements | None:
        return self.case.elements.get(kind)

    def document(self, kind: str) -> Document | None:
        return self.case.document(kind)

    def kinds(self) -> list[str]:
        return [k for k in ("indictment", "recommendation", "judgment") if k in self.case.elements]


CheckFn = Callable[[CheckContext], Iterable[Hit]]
_REGISTRY: dict[str, CheckFn] = {}


def register(name: str) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"check {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return deco


def registered_checks() -> dict[str, CheckFn]:
    _load_builtin_checks()
    return dict(_REGISTRY)


def _load_builtin_checks() -> None:
    # Importing the modules registers their checks.
    from models.checks import builtin  # noqa: F401


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(rule: Rule, hit: Hit) -> Finding:
    params = _SafeDict(hit.params)
    if hit.defendant is not None:
        params.setdefault("defendant", hit.defendant)
    return Finding(
        rule_id=rule.id,
        severity=hit.severity or rule.severity,
        message=rule.message.format_map(params),
        spans=list(hit.spans),
        suggestion=(hit.suggestion or rule.suggestion.format_map(params) or None),
        basis=rule.basis or None,
        source="rule",
        confidence=hit.confidence,
        defendant=hit.defendant,
    )


def run_checks(case: Case, rules: Iterable[Rule], experts: Iterable[str] = ("generic",)) -> list[Finding]:
    """Run every check the enabled rules need and render their hits as findings."""
    checks = registered_checks()
    expert_set = set(experts)
    by_id: dict[str, Rule] = {}
    needed: dict[str, None] = {}
    for r in rules:
        if "all" not in r.scope and not expert_set.intersection(r.scope):
            continue
        by_id[r.id] = r
        needed[r.check] = None
    ctx = CheckContext(case)
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for name in needed:
        fn = checks.get(name)
        if fn is None:
            log.warning("rule check %s is not registered", name)
            continue
        for hit in fn(ctx):
            rule = by_id.get(hit.rule_id)
            if rule is None:
                continue  # rule disabled or out of scope
            f = render(rule, hit)
            key = (f.rule_id, f.message, f.defendant)
            if key in seen:
                continue
            seen.add(key)
            findings.append(f)
    return findings
