"""Prompt registry for the optional private LLM (``models.llm``).

Every ``*.yaml`` file under this directory defines one prompt or a list of prompts (``prompts:``):
``name`` (the task), ``version``, optional ``expert`` (crime expert id; absent = generic),
``schema`` (name of the pydantic output schema in ``models.llm.schemas``), ``max_tokens``,
``system`` / ``user`` (Jinja2 templates, Chinese), ``examples`` (few-shot pairs ``{input: vars,
output: JSON}`` taken from the project's own data) and optionally ``extends: <name>`` (inherit the
generic prompt's fields, overriding some; an expert variant usually only adds ``guide`` and its
examples).

``get(name, expert=None)`` returns the expert's version of a task when there is one, else the
generic version. The experts' YAML names prompts as ``expert_<expert>_<task>`` / ``generic_<task>``;
those names resolve the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

__all__ = ["Prompt", "PromptNotFound", "get", "names", "all_prompts", "resolve_name"]


class PromptNotFound(KeyError):
    pass


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str
    schema: str | None = None
    expert: str | None = None
    max_tokens: int = 512
    guide: str = ""  # expert-specific guidance, available to the templates as {{ guide }}
    examples: tuple[dict[str, Any], ...] = ()
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``name@version`` (``name/expert@version`` for an expert variant), for the call log."""
        return f"{self.name}{'/' + self.expert if self.expert else ''}@{self.version}"

    def render(self, **variables: Any) -> list[dict[str, str]]:
        """Chat messages: system, the few-shot pairs (user/assistant), then the user turn.
        Undefined template variables raise (``jinja2.StrictUndefined``)."""
        msgs = [{"role": "system", "content": _render(self.system, self._vars({}))}]
        for ex in self.examples:
            msgs.append({"role": "user", "content": _render(self.user, self._vars(ex.get("input", {})))})
            out = ex.get("output")
            msgs.append({"role": "assistant",
                         "content": out if isinstance(out, str) else json.dumps(out, ensure_ascii=False)})
        msgs.append({"role": "user", "content": _render(self.user, self._vars(variables))})
        return msgs

    def _vars(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"guide": self.guide, "expert": self.expert or "", "label": "", **self.extra, **v}


def prompt_hash(messages: list[dict[str, str]]) -> str:
    """A short hash of rendered messages (the call log carries it instead of the text)."""
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False,
                              trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=512)
def _template(src: str):
    return _env().from_string(src)


def _render(src: str, variables: dict[str, Any]) -> str:
    return _template(src).render(**variables).strip()


_FIELDS = {"name", "version", "system", "user", "schema", "expert", "max_tokens", "guide", "examples", "extends"}


def _raw_specs() -> list[tuple[dict[str, Any], Path]]:
    out = []
    for p in sorted(HERE.rglob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        items = data.get("prompts") if isinstance(data, dict) and "prompts" in data else [data]
        defaults = {k: v for k, v in data.items() if k != "prompts"} if "prompts" in data else {}
        for it in items:
            out.append(({**defaults, **it}, p))
    return out


@lru_cache(maxsize=1)
def _registry() -> dict[tuple[str, str | None], Prompt]:
    specs = _raw_specs()
    generic = {s["name"]: s for s, _ in specs if not s.get("expert")}
    reg: dict[tuple[str, str | None], Prompt] = {}
    for s, p in specs:
        base = generic.get(s["extends"], {}) if s.get("extends") else {}
        merged = {**{k: v for k, v in base.items() if k not in ("examples", "expert")}, **s}
        if "examples" not in s:
            merged["examples"] = base.get("examples", [])
        key = (merged["name"], merged.get("expert") or None)
        if key in reg:
            raise ValueError(f"duplicate prompt {key} in {p}")
        reg[key] = Prompt(
            name=merged["name"], version=int(merged["version"]), system=merged["system"], user=merged["user"],
            schema=merged.get("schema"), expert=merged.get("expert") or None,
            max_tokens=int(merged.get("max_tokens", 512)), guide=(merged.get("guide") or "").strip(),
            examples=tuple(merged.get("examples") or ()), path=str(p.relative_to(HERE)),
            extra={k: v for k, v in merged.items() if k not in _FIELDS},
        )
    return reg


_EXPERT_NAME = re.compile(r"^expert_(?P<expert>[a-z_]+?)_(?P<task>[a-z]+)$")


def resolve_name(name: str, expert: str | None = None) -> tuple[str, str | None]:
    """``expert_theft_elements`` → ("elements", "theft"); ``generic_review`` → ("review", None)."""
    m = _EXPERT_NAME.match(name)
    if m and (m.group("task"), m.group("expert")) in _registry():
        return m.group("task"), m.group("expert")
    if m and (m.group("task"), None) in _registry():
        return m.group("task"), m.group("expert")
    if name.startswith("generic_") and (name[8:], None) in _registry():
        return name[8:], None
    return name, expert


def get(name: str, expert: str | None = None) -> Prompt:
    """The prompt of a task for an expert, falling back to the generic version."""
    task, ex = resolve_name(name, expert)
    reg = _registry()
    if ex and ex != "generic" and (task, ex) in reg:
        return reg[(task, ex)]
    if (task, None) in reg:
        return reg[(task, None)]
    raise PromptNotFound(name)


def names() -> list[str]:
    """Every prompt key (``task`` or ``task/expert``)."""
    return sorted(f"{n}/{e}" if e else n for n, e in _registry())


def all_prompts() -> list[Prompt]:
    return list(_registry().values())
