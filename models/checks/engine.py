"""The check registry and the engine that turns check hits into findings.

A rule is decided either by a Python check or by its ``condition`` (an expression over the
facts view, ``models.checks.facts``, compiled by ``models.checks.expressions``).

A check is a function ``(ctx: CheckContext) -> Iterable[Hit]`` registered under a name with
``@register("compare.sentence")``. Rules (``knowledge.rules``) name the check that decides them;
a check may decide several rules and tags each hit with its ``rule_id``. The engine calls every
check that some enabled rule needs, once per case, and renders each hit with its rule's
severity, message template, suggestion and legal basis.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from knowledge.rules import Rule, RuleProblem
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
        title=rule.title or None,
    )


# --------------------------------------------------------------------------- condition rules


@dataclass
class CompiledRule:
    rule: Rule
    expr: Any  # models.checks.expressions.Expression
    fields: tuple[str, ...]  # the facts the message and suggestion templates use
    # facts without which the condition cannot hold (all of them / the case-level ones)
    required: frozenset[str] = frozenset()
    required_case: frozenset[str] = frozenset()


_COMPILED: dict[tuple[str, str, str, str, str], CompiledRule] = {}
_FAILED: dict[tuple[str, str, str, str, str], str] = {}


def compile_rule(rule: Rule) -> CompiledRule:
    """Compile a condition rule (cached); raises ExprError with a Chinese reason."""
    key = (rule.id, rule.condition or "", rule.message, rule.suggestion, rule.foreach)
    got = _COMPILED.get(key)
    if got is not None:
        return got
    from models.checks.expressions import ExprError, compile_expression
    from models.checks.facts import ALL_NAMES, CASE_NAMES

    if key in _FAILED:
        raise ExprError(_FAILED[key])
    try:
        return _compile(rule, key, ALL_NAMES if rule.foreach == "defendant" else CASE_NAMES, compile_expression)
    except ExprError as e:
        _FAILED[key] = e.args[0]
        log.warning("rule %s disabled: %s", rule.id, e)
        raise


def _compile(rule: Rule, key: tuple, names: frozenset[str], compile_expression: Callable) -> CompiledRule:
    from models.checks.expressions import ExprError

    expr = compile_expression(rule.condition or "", names)
    fields: list[str] = []
    for template in (rule.message, rule.suggestion):
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as e:
            raise ExprError(f"消息模板有误：{e}") from None
        for _lit, fname, _spec, _conv in parsed:
            if fname is None:
                continue
            base = fname.split(".")[0].split("[")[0]
            if base not in names:
                raise ExprError(f"消息模板中的未知字段：{{{fname}}}")
            fields.append(base)
    from models.checks.facts import CASE_NAMES

    req = frozenset(expr.required)
    got = CompiledRule(rule, expr, tuple(dict.fromkeys(fields)), req, req & CASE_NAMES)
    _COMPILED[key] = got
    return got


class _LazyExpression:
    """A rule's condition compiled on its first evaluation (``test``); until then only what the
    plan needs (the required facts, from the summary cache) is known. Most rules of a case are
    skipped on an unknown required fact and never compiled."""

    __slots__ = ("_rule", "_names", "test")

    def __init__(self, rule: Rule, names: frozenset[str]) -> None:
        self._rule, self._names = rule, names
        self.test: Callable[[dict[str, Any]], bool] = self._first

    def _first(self, facts: dict[str, Any]) -> bool:
        from models.checks.expressions import compile_expression

        self.test = compile_expression(self._rule.condition or "", self._names).test
        return self.test(facts)


_SUMMARY_VERSION = "rule-summaries-1"


def _summaries(rules: list[Rule]) -> list[list[Any]]:
    """Per rule: ["ok", required facts, template fields] or ["err", reason] — what compiling it
    gives, cached (knowledge.artifact) by the rules' texts, the fact names and the compiler's source."""
    from pathlib import Path

    from knowledge.artifact import cached, key_of
    from models.checks.expressions import ExprError
    from models.checks.facts import ALL_NAMES, CASE_NAMES

    def build() -> list[list[Any]]:
        out: list[list[Any]] = []
        for r in rules:
            try:
                c = compile_rule(r)
            except ExprError as e:
                out.append(["err", e.args[0]])
                continue
            out.append(["ok", sorted(c.required), list(c.fields)])
        return out

    here = Path(__file__).resolve().parent
    parts: list[bytes | str] = [_SUMMARY_VERSION, (here / "expressions.py").read_bytes(),
                                "\n".join(sorted(ALL_NAMES)), "\n".join(sorted(CASE_NAMES))]
    for r in rules:
        parts += [r.id, r.condition or "", r.message, r.suggestion, r.foreach]
    got = cached("rules", key_of(parts), build)
    return got if isinstance(got, list) and len(got) == len(rules) else build()


def _lazy_rules(rules: list[Rule]) -> dict[int, CompiledRule]:
    """The condition rules as CompiledRule with lazily compiled conditions, by ``id(rule)``; a
    rule whose condition does not compile is left out (logged once, as ``compile_rule`` does)."""
    from models.checks.facts import ALL_NAMES, CASE_NAMES

    out: dict[int, CompiledRule] = {}
    for r, summ in zip(rules, _summaries(rules), strict=True):
        key = (r.id, r.condition or "", r.message, r.suggestion, r.foreach)
        done = _COMPILED.get(key)
        if done is not None:
            out[id(r)] = done
            continue
        if summ[0] != "ok":
            if key not in _FAILED:
                _FAILED[key] = summ[1]
                log.warning("rule %s disabled: %s", r.id, summ[1])
            continue
        req = frozenset(summ[1])
        names = ALL_NAMES if r.foreach == "defendant" else CASE_NAMES
        out[id(r)] = CompiledRule(r, _LazyExpression(r, names), tuple(summ[2]), req, req & CASE_NAMES)
    return out


def rule_problems(rules: Iterable[Rule]) -> list[RuleProblem]:
    """Problems the YAML loader cannot see: bad conditions or templates, unregistered checks."""
    from models.checks.expressions import ExprError

    checks = registered_checks()
    out: list[RuleProblem] = []
    for r in rules:
        if r.condition:
            try:
                compile_rule(r)
            except ExprError as e:
                out.append(RuleProblem(r.file, r.condition_line or r.line, f"规则 {r.id} 的条件无效：{e}"))
        elif r.check not in checks:
            out.append(RuleProblem(r.file, r.line, f"规则 {r.id} 引用的检查未注册：{r.check}"))
    return out


def _display(v: Any) -> Any:
    if isinstance(v, dt.date):
        return f"{v.year}年{v.month}月{v.day}日"
    if isinstance(v, set | frozenset | list | tuple):
        return "、".join(sorted(str(x) for x in v)) or "（无）"
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if v is None:
        return "（未载明）"
    return v


def _rule_span(ctx: CheckContext, rule: Rule, defendant: str | None) -> list[Span]:
    if rule.span:
        kind, _, part = rule.span.partition(".")
        if part == "defendant":
            el = ctx.elements(kind)
            d = el.defendant(defendant) if el is not None and defendant else None
            return [Span(kind, d.start, d.end)] if d is not None and d.end > d.start else []
        doc = ctx.document(kind)
        sec = doc.section(part) if doc is not None else None
        return [Span(kind, sec.start, sec.end)] if sec is not None else []
    if defendant:
        for kind in rule.documents:
            el = ctx.elements(kind)
            d = el.defendant(defendant) if el is not None else None
            if d is not None and d.end > d.start:
                return [Span(kind, d.start, d.end)]
    return []


def run_conditions(ctx: CheckContext, compiled: list[CompiledRule] | tuple[CompiledRule, ...]) -> Iterator[Hit]:
    """Evaluate the condition rules on the facts view of the case (per case or per defendant).

    ``compiled`` should already hold only the rules whose documents are in the case (see
    ``_Plan``). A rule is skipped without evaluation when a fact it requires is unknown: the
    unknown facts of the case (and of each defendant) are collected once into a set, and the
    test is one ``isdisjoint`` per rule."""
    if not compiled:
        return
    from models.checks.facts import case_facts, defendant_facts, defendant_names

    cf = case_facts(ctx)
    unknown = {k for k, v in cf.items() if v is None}
    per_def: list[tuple[dict[str, Any], set[str]]] | None = None
    for c in compiled:
        if c.rule.foreach == "case":
            if c.required and not unknown.isdisjoint(c.required):
                continue
            if c.expr.test(cf):
                yield Hit(c.rule.id, _rule_span(ctx, c.rule, None), {k: _display(cf.get(k)) for k in c.fields})
            continue
        if c.required_case and not unknown.isdisjoint(c.required_case):
            continue  # a case fact the rule needs is unknown for every defendant
        if per_def is None:
            per_def = []
            for name in defendant_names(ctx):
                d = defendant_facts(ctx, name, cf)
                f = dict(cf)
                f.update(d)
                per_def.append((f, unknown | {k for k, v in d.items() if v is None}))
        for f, unk in per_def:
            if c.required and not unk.isdisjoint(c.required):
                continue
            if c.expr.test(f):
                yield Hit(c.rule.id, _rule_span(ctx, c.rule, f["name"]),
                          {k: _display(f.get(k)) for k in c.fields}, defendant=f["name"])


@dataclass
class _Plan:
    """What ``run_checks`` needs for one rule list and expert set, computed once: the rules by
    id, the checks to call, and the compiled condition rules indexed by the document kinds
    present (a rule none of whose documents is in the case is never looked at)."""

    by_id: dict[str, Rule]
    checks: tuple[str, ...]
    compiled: tuple[CompiledRule, ...]
    by_kinds: dict[frozenset[str], tuple[CompiledRule, ...]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()  # keeps the rule objects alive so their ids stay valid keys

    def conditions_for(self, kinds: frozenset[str]) -> tuple[CompiledRule, ...]:
        got = self.by_kinds.get(kinds)
        if got is None:
            got = tuple(c for c in self.compiled if kinds.intersection(c.rule.documents))
            self.by_kinds[kinds] = got
        return got


_PLANS: dict[tuple, _Plan] = {}
_LAST: tuple[Any, frozenset[str], _Plan | None] = (None, frozenset(), None)


def _plan(rules: Iterable[Rule], experts: Iterable[str]) -> _Plan:
    global _LAST
    expert_set = frozenset(experts)
    last_rules, last_experts, last_plan = _LAST
    if rules is last_rules and expert_set == last_experts and last_plan is not None:
        return last_plan  # the pipeline passes the same cached catalogue tuple every time
    frozen = isinstance(rules, tuple)
    rules = tuple(rules)
    key = (tuple(id(r) for r in rules), expert_set)
    got = _PLANS.get(key)
    if got is not None:
        if frozen:
            _LAST = (rules, expert_set, got)
        return got
    by_id: dict[str, Rule] = {}
    needed: dict[str, None] = {}
    compiled: list[CompiledRule] = []
    in_scope = [r for r in rules if "all" in r.scope or expert_set.intersection(r.scope)]
    lazy = _lazy_rules([r for r in in_scope if r.condition])
    for r in in_scope:
        if r.condition:
            c = lazy.get(id(r))
            if c is None:  # a bad condition disables its rule only (logged once)
                continue
            compiled.append(c)
            by_id[r.id] = r
            continue
        by_id[r.id] = r
        needed[r.check] = None
    if len(_PLANS) > 64:  # rule lists built on the fly (tests, tools): keep the cache small
        _PLANS.clear()
    got = _PLANS[key] = _Plan(by_id, tuple(needed), tuple(compiled), rules=rules)
    if frozen:
        _LAST = (rules, expert_set, got)
    return got


def run_checks(case: Case, rules: Iterable[Rule], experts: Iterable[str] = ("generic",)) -> list[Finding]:
    """Run every check the enabled rules need and every condition rule; render hits as findings."""
    checks = registered_checks()
    plan = _plan(rules, experts)
    by_id = plan.by_id
    ctx = CheckContext(case)
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for hit in run_conditions(ctx, plan.conditions_for(frozenset(ctx.kinds()))):
        f = render(by_id[hit.rule_id], hit)
        key = (f.rule_id, f.message, f.defendant)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    for name in plan.checks:
        fn = checks.get(name)
        if fn is None:
            log.warning("rule check %s is not registered", name)
            continue
        try:
            hits = list(fn(ctx))
        except Exception:  # one failing check must not silence the others
            log.exception("rule check %s failed on case %s", name, case.case_id)
            continue
        for hit in hits:
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
