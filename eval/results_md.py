"""Writing one task's block of eval/RESULTS.md between its ``<!-- name:start -->`` and
``<!-- name:end -->`` markers (appended at the end when the file has no such block yet)."""

from __future__ import annotations

from pathlib import Path


def replace_block(path: Path, name: str, body: str) -> None:
    """Put ``body`` (which carries both markers itself) in place of the block ``name`` of ``path``."""
    start_mark, end_mark = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Evaluation results\n"
    start, end = text.find(start_mark), text.find(end_mark)
    if start >= 0 and end > start:
        text = text[:start] + body + text[end + len(end_mark):]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(text, encoding="utf-8")
