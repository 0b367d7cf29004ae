"""Chinese title of a finding's rule id: the rule catalogue's ``title``, else ``titles.yaml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge.rules import catalogue
from knowledge.settings import get_settings
from knowledge.yamlfile import load_yaml
from models.types import Finding


@lru_cache(maxsize=1)
def _extra() -> dict[str, str]:
    return load_yaml(Path(__file__).with_name("titles.yaml")) or {}


@lru_cache(maxsize=4)
def _catalogue_titles(extra_dir: str | None) -> dict[str, str]:
    rules, _ = catalogue(extra_dir)
    return {r.id: r.title for r in rules}


def title_of(rule_id: str) -> str | None:
    """The title of ``rule_id``; None for an id nobody has titled."""
    extra_dir = get_settings().rules_extra_dir
    got = _catalogue_titles(str(extra_dir) if extra_dir else None).get(rule_id)
    return got or _extra().get(rule_id)


def add_titles(findings: list[Finding]) -> None:
    """Give every finding without a title the title of its rule id."""
    for f in findings:
        if not f.title:
            f.title = title_of(f.rule_id)
