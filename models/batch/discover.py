"""Finding the cases of a batch in a folder or a zip archive, and reading one case's documents.

Layouts accepted (the same for a folder and for the inside of a zip):

- one sub-folder per case, holding that case's documents (files nested deeper belong to the
  case too); a loose document or ``.zip`` beside the case folders is a case of its own;
- a flat folder of documents, each one a case (e.g. single judgments);
- a flat folder holding the documents of ONE case: at most three files whose names say distinct
  kinds (起诉书 / 量刑建议书 / 判决书), as in ``knowledge/samples/case-001``;
- a zip whose members all sit under one top folder is read as that folder.

Zip archives are never extracted: the whole archive is vetted up front with the same safety rules
as ``models.documents`` (absolute / ``..`` paths, encryption, nested zips, compression ratio,
member count and total size), so a hostile archive fails the whole batch with ``BadInput``;
members are read in memory, size-capped while reading, when their case runs.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from knowledge.settings import get_settings
from models.documents import load_bytes, load_case
from models.documents.loader import (
    DOCX_EXTS,
    TEXT_EXTS,
    _hidden,
    _member_name,
    _read_member,
    _safe_parts,
    vet_member,
)
from models.errors import BadInput
from models.types import Document

DOC_EXTS = TEXT_EXTS | DOCX_EXTS
# notes kept beside the cases, never documents of a case
_NOT_CASE = re.compile(r"^(readme|license|changelog|说明|使用说明|目录)(\.[a-z]+)?$", re.I)
_KIND_NAME = (
    ("recommendation", re.compile(r"量刑建议")),
    ("indictment", re.compile(r"起诉书|公诉书")),
    ("judgment", re.compile(r"判决书|裁定书")),
)


@dataclass(frozen=True)
class CaseSource:
    """One case of a batch.

    ``key`` is unique within the batch and stable across runs (the resume key): the case's path
    relative to the batch root (``"case-001"``, ``"judgments/0001.txt"``, ``"."`` for a root that
    is itself one case). ``members`` are the relative paths of its document files (for a zip: the
    member names; for a folder: relative file paths).
    """

    key: str
    name: str
    members: tuple[str, ...] = field(default_factory=tuple)


def _name_kind(name: str) -> str | None:
    for kind, rx in _KIND_NAME:
        if rx.search(name):
            return kind
    return None


def _group(files: list[tuple[str, ...]]) -> list[CaseSource]:
    """Cases from the relative paths (as parts) of the document files under one root."""
    files = [p for p in files if not _NOT_CASE.match(p[-1])]
    loose = sorted(p for p in files if len(p) == 1)
    nested = sorted(p for p in files if len(p) > 1)
    if not nested:
        kinds = [_name_kind(p[0]) for p in loose]
        if 1 < len(loose) <= 3 and all(kinds) and len(set(kinds)) == len(kinds):
            return [CaseSource(".", "", tuple(p[0] for p in loose))]
        return [CaseSource(p[0], PurePosixPath(p[0]).stem, (p[0],)) for p in loose]
    if not loose and len({p[0] for p in nested}) == 1:
        # everything under one top folder: read that folder as the root
        top = nested[0][0]
        inner = _group([p[1:] for p in nested])
        return [CaseSource(f"{top}/{c.key}" if c.key != "." else top, c.name or top,
                           tuple(f"{top}/{m}" for m in c.members)) for c in inner]
    out: list[CaseSource] = []
    folders: dict[str, list[str]] = {}
    for p in nested:
        folders.setdefault(p[0], []).append("/".join(p))
    for p in loose:
        out.append(CaseSource(p[0], PurePosixPath(p[0]).stem, (p[0],)))
    for top, members in folders.items():
        out.append(CaseSource(top, top, tuple(sorted(members))))
    out.sort(key=lambda c: c.key)
    return out


def discover(path: Path) -> list[CaseSource]:
    """The cases of a batch given as a folder, a zip or a single document file (BadInput if none)."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path.name or path}不存在")
    if path.is_dir():
        cases = _discover_folder(path)
    elif path.suffix.lower() == ".zip":
        cases = _discover_zip(path)
    elif path.suffix.lower() in DOC_EXTS:
        cases = [CaseSource(path.name, path.stem, (path.name,))]
    else:
        raise BadInput(f"不支持的批量评查输入（{path.name}）：请提交案件文件夹或.zip压缩包")
    if not cases:
        raise BadInput(f"{path.name}中没有找到案件文书（支持.txt、.md、.docx，每个案件一个文件夹或每份判决一个文件）")
    return cases


def _discover_folder(root: Path) -> list[CaseSource]:
    """Document files under ``root``; symbolic links (to files or folders) are never followed."""
    files: list[tuple[str, ...]] = []
    # os.scandir with the entry types from the directory listing (no stat per file), names
    # interned: a folder of 100k cases (300k files) is a few tens of MB, not Path objects
    stack: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while stack:
        d, rel = stack.pop()
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:  # unreadable folder: skipped, as os.walk does
            continue
        for e in entries:
            try:
                if e.is_symlink():
                    continue
                if e.is_dir(follow_symlinks=False):
                    stack.append((e.path, (*rel, sys.intern(e.name))))
                    continue
                if not e.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            parts = (*rel, sys.intern(e.name))
            if _hidden(parts):
                continue
            ext = PurePosixPath(e.name).suffix.lower()
            if ext in DOC_EXTS or ext == ".zip":  # a zip inside a case folder fails that case only
                files.append(parts)
    files.sort()
    return _group(files)


def _discover_zip(path: Path) -> list[CaseSource]:
    s = get_settings()
    zname = path.name
    max_bytes = max(s.max_archive_bytes, s.batch_max_archive_bytes)
    max_members = max(s.max_archive_members, s.batch_max_archive_members)
    if path.stat().st_size > max_bytes:
        raise BadInput(f"压缩包{zname}过大，不得超过{max_bytes / 1024 / 1024:.0f}MB")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BadInput(f"压缩包{zname}已损坏，无法打开") from e
    files: list[tuple[str, ...]] = []
    with zf:
        try:
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as e:  # pragma: no cover - infolist is read at open
            raise BadInput(f"压缩包{zname}已损坏，无法打开") from e
        if len(infos) > max_members:
            raise BadInput(f"压缩包{zname}中文件过多（{len(infos)}个），不得超过{max_members}个")
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise BadInput(f"压缩包{zname}解压后过大（{declared / 1024 / 1024:.1f}MB），已拒绝")
        seen: set[str] = set()
        for info in infos:
            vetted = vet_member(info, zname)
            if vetted is None:
                continue
            parts, ext = vetted
            if ext not in DOC_EXTS:
                continue
            key = "/".join(parts)
            if key in seen:
                raise BadInput(f"压缩包{zname}中有重复的文件名（{key}），已拒绝")
            seen.add(key)
            files.append(tuple(parts))
    return _group(files)


def load_source(root: Path, case: CaseSource) -> list[Document]:
    """The documents of one case (indictment, recommendation, judgment; each at most once)."""
    root = Path(root)
    if root.is_dir():
        paths = [root / m for m in case.members]
        for m in case.members:  # a member replaced by a symbolic link after discovery is not read
            parts = Path(m).parts
            if any((root.joinpath(*parts[:i + 1])).is_symlink() for i in range(len(parts))):
                raise BadInput(f"案件{case.name}中的{parts[-1]}是符号链接，已跳过")
        return load_case(paths)
    if root.suffix.lower() != ".zip":
        return load_case([root])
    s = get_settings()
    docs: list[Document] = []
    wanted = set(case.members)
    try:
        zf = zipfile.ZipFile(root)
    except (zipfile.BadZipFile, OSError) as e:
        raise BadInput(f"压缩包{root.name}已损坏，无法打开") from e
    with zf:
        for info in zf.infolist():
            name = _member_name(info)
            parts = _safe_parts(name, root.name)
            key = "/".join(parts)
            if key not in wanted or info.is_dir():
                continue
            data = _read_member(zf, info, root.name, parts[-1], s.max_file_bytes)
            if data[:4] == b"PK\x03\x04" and PurePosixPath(key).suffix.lower() not in DOCX_EXTS:
                raise BadInput(f"压缩包{root.name}中含有嵌套压缩包{parts[-1]}，不支持嵌套压缩包")
            docs.append(load_bytes(data, parts[-1]))
    if not docs:
        raise BadInput(f"压缩包{root.name}中找不到案件{case.key}的文书")
    return _select(docs)


def _select(docs: list[Document]) -> list[Document]:
    from models.documents.loader import _select as select

    return select(docs, [])
