"""Product code (models/, knowledge/, server/, prompts/) never imports the evaluation package: the
shipped models are built from data under knowledge/ (knowledge/training)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _eval_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "eval"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "eval":
            out.append(node.module or "")
    return out


def test_product_code_does_not_import_eval() -> None:
    bad = {str(p.relative_to(ROOT)): m for pkg in ("models", "knowledge", "server", "prompts")
           for p in (ROOT / pkg).rglob("*.py") if (m := _eval_imports(p))}
    assert bad == {}


def test_training_data_is_in_knowledge() -> None:
    from knowledge.training import load_cail

    rows = load_cail("train", "dev")
    assert rows and all(r["split"] in ("train", "dev") for r in rows)
    assert {"fact", "charges", "prison_months"} <= set(rows[0])
