"""Input and exit helpers shared by the CLI commands (contract: a file or ``-`` for stdin;
``--jsonl`` lines ``{"id", "text"}``; bad input → one-line reason on stderr, exit 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from models.errors import BadInput


def fail(message: str, code: int = 2) -> None:
    sys.stderr.write(message.replace("\n", " ") + "\n")
    raise typer.Exit(code)


def read_input(path: str) -> tuple[bytes, str]:
    """The bytes of ``path`` (or stdin for ``-``) and the name that decides the format."""
    if path == "-":
        return sys.stdin.buffer.read(), "-.txt"
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"文件不存在：{path}")
    return p.read_bytes(), p.name


def read_text(path: str) -> str:
    """The text of one document (.txt in UTF-8/GB18030/UTF-16, .docx), checked like ``check``."""
    from models.documents import load_bytes

    data, name = read_input(path)
    return load_bytes(data, name).text


def read_jsonl(path: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` of each non-empty JSON line; every row has a string ``text``."""
    raw, _name = read_input(path)
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise BadInput("JSONL 输入不是 UTF-8 编码") from e
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"第{n}行不是合法的 JSON：{e.msg}") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise BadInput(f"第{n}行缺少字符串字段 text")
        rows.append((n, row))
    return rows
