"""Declarative supervision rules: YAML files in this directory (and an extra directory from
settings), each rule with a stable id, severity, Chinese message template, legal basis, and its
own examples that fire and that do not (the examples are the rule's tests, as in LanguageTool).

A rule either names the registered check (``check:``) that decides it (the check lives in
``models`` and returns hits for the rule ids it decides), or gives a ``condition:``, an expression
over the facts view of the case (compiled and validated by ``models.checks.expressions``). This module only loads and validates data: it
imports nothing from ``models``.

A malformed file or rule is reported with file, line and reason; the other rules still load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from knowledge.yamlfile import SafeLoader, load_yaml_cached

RULES_DIR = Path(__file__).resolve().parent
EXAMPLES_DIR = RULES_DIR / "examples"

DOC_KINDS = ("indictment", "recommendation", "judgment")


class Edit(BaseModel):
    """Replace ``old`` (which must occur) by ``new`` in one document of a base example case."""

    model_config = ConfigDict(extra="forbid")

    document: Literal["indictment", "recommendation", "judgment"]
    old: str
    new: str


class RuleExample(BaseModel):
    """A small case on which the rule must fire (or must not): either full ``documents``
    (kind → text) or a ``base`` case from ``examples/<base>/<kind>.txt`` with ``edits``;
    ``only`` keeps just the listed documents of the base."""

    model_config = ConfigDict(extra="forbid")

    fires: bool
    documents: dict[Literal["indictment", "recommendation", "judgment"], str] = Field(default_factory=dict)
    base: str | None = None
    only: list[Literal["indictment", "recommendation", "judgment"]] = Field(default_factory=list)
    edits: list[Edit] = Field(default_factory=list)
    # rows of a case-management export for this case (columns 事件, 日期, optional 承办人, 部门,
    # 被告人; see models/timeline/export.py), merged into the case timeline
    events: list[dict[str, str]] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _has_documents(self) -> RuleExample:
        if not self.documents and not self.base:
            raise ValueError("示例需要 documents 或 base")
        if self.base and not (EXAMPLES_DIR / self.base).is_dir():
            raise ValueError(f"示例基础案例不存在：{self.base}")
        return self

    def texts(self) -> dict[str, str]:
        """The example's documents (kind → text) after applying the edits."""
        out: dict[str, str] = {}
        if self.base:
            for kind in DOC_KINDS:
                f = EXAMPLES_DIR / self.base / f"{kind}.txt"
                if f.is_file() and (not self.only or kind in self.only):
                    out[kind] = f.read_text(encoding="utf-8")
        out.update(self.documents)
        for e in self.edits:
            if e.old not in out.get(e.document, ""):
                raise ValueError(f"示例编辑的原文不在{e.document}中：{e.old}")
            out[e.document] = out[e.document].replace(e.old, e.new, 1)
        return out


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)+$")
    title: str
    severity: Literal["error", "warning", "info"]
    # Either a registered Python check that decides the rule, or a condition: an expression over
    # the facts view (models/checks/facts.py), evaluated per case or per defendant (``foreach``).
    check: str | None = None
    condition: str | None = None
    foreach: Literal["case", "defendant"] = "case"
    span: str = ""  # condition rules: where the evidence is, "<kind>.<section>" or "<kind>.defendant"
    message: str  # Chinese template, str.format with the hit's params (or the facts)
    basis: str = ""
    suggestion: str = ""
    scope: list[str] = Field(default_factory=lambda: ["all"])  # expert names or "all"
    documents: list[Literal["indictment", "recommendation", "judgment"]] = Field(
        default_factory=lambda: list(DOC_KINDS)
    )
    group: str = ""
    # why the rule has its severity: the result of reading its firings on real judgments
    # (e.g. kept at info because the documents rarely state the exception it cannot see)
    review: str = ""
    examples: list[RuleExample] = Field(default_factory=list)
    # where the rule was read from, for messages
    file: str = ""
    line: int = 0
    condition_line: int = 0

    @model_validator(mode="after")
    def _check_or_condition(self) -> Rule:
        if bool(self.check) == bool(self.condition):
            raise ValueError("规则须且只须给出 check（已注册的检查）或 condition（条件表达式）之一")
        if self.span:
            kind, _, part = self.span.partition(".")
            if kind not in DOC_KINDS or not part:
                raise ValueError(f"span 应为“文书.部分”，如 judgment.verdict：{self.span}")
        return self

    @field_validator("examples")
    @classmethod
    def _both_kinds_of_example(cls, v: list[RuleExample], info: ValidationInfo) -> list[RuleExample]:
        if not v and info.context and info.context.get("without_examples"):
            return v  # the run-time catalogue does not read the examples (see load_file)
        if not any(e.fires for e in v) or not any(not e.fires for e in v):
            raise ValueError("每条规则至少需要一个触发示例（fires: true）和一个不触发示例（fires: false）")
        return v


@dataclass
class RuleProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class _LineLoader(SafeLoader):  # type: ignore[misc,valid-type] - libyaml when built
    """A safe loader that records the line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keylines__"] = {
        str(k.value): k.start_mark.line + 1 for k, _v in node.value if isinstance(k, yaml.ScalarNode)
    }
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_lines(v) for k, v in obj.items() if k not in ("__line__", "__keylines__")}
    if isinstance(obj, list):
        return [_strip_lines(v) for v in obj]
    return obj


_EXAMPLES_KEY = re.compile(r"^( *)examples:\s*(?:#.*)?$")


def without_examples(text: str) -> str:
    """The YAML text with every block-style ``examples:`` value blanked out (its lines replaced by
    empty lines, so line numbers stay right). The examples are the rules' tests: the run-time
    catalogue does not need them, and they are most of the catalogue's YAML."""
    lines = text.split("\n")
    indent: int | None = None
    for i, line in enumerate(lines):
        if indent is not None:
            stripped = line.lstrip(" ")
            if not stripped or stripped.startswith("#") or len(line) - len(stripped) > indent:
                lines[i] = ""
                continue
            indent = None
        m = _EXAMPLES_KEY.match(line)
        if m:
            indent = len(m.group(1))
            lines[i] = ""
    return "\n".join(lines)


def load_file(path: Path, examples: bool = True) -> tuple[list[Rule], list[RuleProblem]]:
    """Rules of one YAML file (a list of rule mappings) and the problems found in it; with
    ``examples=False`` the rules' examples are neither read nor checked (the run-time catalogue)."""
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    name = str(path)
    try:
        data = load_yaml_cached(path, _LineLoader, None if examples else without_examples)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return [], [RuleProblem(name, line, f"YAML 语法错误：{getattr(e, 'problem', e)}")]
    except (OSError, UnicodeDecodeError) as e:
        return [], [RuleProblem(name, 0, f"无法读取：{e}")]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [RuleProblem(name, 1, "规则文件应为规则列表（YAML 序列）")]
    for item in data:
        if not isinstance(item, dict):
            problems.append(RuleProblem(name, 0, "规则应为映射（id、title、severity…）"))
            continue
        line = int(item.get("__line__", 0))
        try:
            keylines = item.get("__keylines__", {})
            fields = _strip_lines(item)
            fields.update(file=name, line=line, condition_line=int(keylines.get("condition", line)))
            rule = Rule.model_validate(fields, context=None if examples else {"without_examples": True})
        except ValidationError as e:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '规则'}: {err['msg']}" for err in e.errors()
            )
            problems.append(RuleProblem(name, line, f"规则 {item.get('id', '?')} 无效：{reasons}"))
            continue
        rules.append(rule)
    return rules, problems


def load_rules(extra_dir: Path | None = None, examples: bool = True) -> tuple[list[Rule], list[RuleProblem]]:
    """All rules of the bundled catalogue and of ``extra_dir``; duplicate ids are problems."""
    files = sorted(RULES_DIR.glob("*.yaml"))
    if extra_dir is not None and extra_dir.is_dir():
        files += sorted(extra_dir.glob("*.yaml"))
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    seen: dict[str, Rule] = {}
    for f in files:
        got, bad = load_file(f, examples=examples)
        problems += bad
        for r in got:
            if r.id in seen:
                first = seen[r.id]
                problems.append(
                    RuleProblem(r.file, r.line, f"规则编号重复：{r.id}（已在 {first.file}:{first.line} 定义）")
                )
                continue
            seen[r.id] = r
            rules.append(r)
    return rules, problems


@lru_cache(maxsize=4)
def catalogue(extra_dir: str | None = None) -> tuple[tuple[Rule, ...], tuple[RuleProblem, ...]]:
    """Cached catalogue (rules, problems) for the pipeline: without the rules' examples (they are
    the rules' tests, read by ``load_rules`` for ``jiancha rules test|lint`` and CI)."""
    rules, problems = load_rules(Path(extra_dir) if extra_dir else None, examples=False)
    return tuple(rules), tuple(problems)
