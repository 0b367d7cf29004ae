"""One way to read the product's YAML data files: libyaml's C loader (``yaml.CSafeLoader``, about
5× faster than the pure-Python one) when PyYAML was built with it, else ``yaml.SafeLoader``.
Both construct the same objects (the resolvers are shared Python code).

Loaded files are cached (``knowledge.artifact``: marshal under ``<data_dir>/cache/yaml``, keyed by
the file's content, the loader and PyYAML's version; documents holding non-plain data such as
dates are parsed every time): the 240 KB penalty-tier table costs an unmarshal instead of a parse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from knowledge.artifact import cached, key_of

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FORMAT = "1"  # bump when what is cached changes


def load_yaml(path: str | Path) -> Any:
    """The YAML document in ``path`` (UTF-8), loaded safely."""
    return load_yaml_cached(Path(path), SafeLoader)


def loads_yaml(text: str) -> Any:
    """The YAML document in ``text``, loaded safely."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def load_yaml_cached(path: Path, loader: type[Any], prepare: Callable[[str], str] | None = None) -> Any:
    """``yaml.load(path's text, loader)`` through the cache. ``loader`` must be a safe loader whose
    output depends on the text alone (its qualified name is part of the key); ``prepare`` (a pure
    function, also part of the key) rewrites the text before parsing."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    tag = f"{prepare.__module__}.{prepare.__qualname__}" if prepare else ""
    key = key_of([raw, f"{loader.__module__}.{loader.__qualname__}", tag, yaml.__version__, _FORMAT])
    return cached("yaml", key, lambda: yaml.load(prepare(text) if prepare else text, Loader=loader))  # noqa: S506
