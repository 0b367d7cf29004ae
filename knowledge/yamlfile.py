"""One way to read the product's YAML data files: libyaml's C loader (``yaml.CSafeLoader``, about
5× faster than the pure-Python one) when PyYAML was built with it, else ``yaml.SafeLoader``.
Both construct the same objects (the resolvers are shared Python code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> Any:
    """The YAML document in ``path`` (UTF-8), loaded safely."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SafeLoader)  # noqa: S506 - a safe loader


def loads_yaml(text: str) -> Any:
    """The YAML document in ``text``, loaded safely."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
