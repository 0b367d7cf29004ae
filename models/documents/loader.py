"""Reading documents from files, folders and zip archives, with input-safety checks.

Every rejection raises ``BadInput`` with a one-line Chinese reason naming the file.
Zip archives are never extracted to disk: members are read in memory, and size limits are
enforced while reading (header sizes are not trusted).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from knowledge.settings import get_settings
from models.errors import BadInput
from models.types import DOC_KIND_NAMES, DocKind, Document

from .classify import KINDS, scores
from .parse import parse_text
from .validity import NOT_LEGAL, require_legal

logger = logging.getLogger(__name__)

TEXT_EXTS = {".txt", ".md", ".text"}
DOCX_EXTS = {".docx"}
SUPPORTED = "支持的格式：.txt、.md、.docx，或包含这些文件的文件夹、.zip压缩包"
_SKIP_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_MAX_RATIO = 100  # uncompressed / compressed, per zip member
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CHUNK = 64 * 1024


# --------------------------------------------------------------------------- single documents


def load_document(path: Path, kind: DocKind | None = None) -> Document:
    """Read one .txt/.md/.docx file and parse it (classifying it when ``kind`` is None)."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise BadInput(f"文件{name}不存在")
    if path.is_dir():
        raise BadInput(f"{name}是文件夹，不是文件（{SUPPORTED}）")
    _check_ext(name)
    size = path.stat().st_size
    limit = get_settings().max_file_bytes
    if size > limit:
        raise BadInput(f"文件{name}过大（{_mb(size)}），单个文书不得超过{_mb(limit)}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"无法读取文件{name}：{e.strerror or e}") from e
    return load_bytes(data, name, kind)


def load_bytes(data: bytes, name: str, kind: DocKind | None = None) -> Document:
    """Parse the bytes of a file named ``name`` (the extension decides the format)."""
    ext = _check_ext(name)
    limit = get_settings().max_file_bytes
    if len(data) > limit:
        raise BadInput(f"文件{name}过大（{_mb(len(data))}），单个文书不得超过{_mb(limit)}")
    if not data.strip():
        raise BadInput(f"文件{name}是空文件")
    text = _docx_text(data, name) if ext in DOCX_EXTS else _decode_text(data, name)
    if not text.strip():
        raise BadInput(f"文件{name}没有文字内容")
    max_chars = get_settings().max_text_chars
    if len(text) > max_chars:
        raise BadInput(f"文件{name}文字过长（{len(text)}字），不得超过{max_chars}字")
    return parse_text(text, source=name, kind=kind)


def _check_ext(name: str) -> str:
    ext = PurePosixPath(name).suffix.lower()
    if ext in TEXT_EXTS or ext in DOCX_EXTS:
        return ext
    if ext == ".doc":
        raise BadInput(f"不支持旧版Word格式（{name}），请另存为.docx后再提交；{SUPPORTED}")
    if ext == ".pdf":
        raise BadInput(f"不支持PDF文件（{name}），请提交文字版；{SUPPORTED}")
    raise BadInput(f"不支持的文件类型（{name}）；{SUPPORTED}")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}MB"


def _decode_text(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark (Windows "Unicode")
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise BadInput(f"文件{name}的UTF-16编码已损坏") from e
        _check_plausible(text, name)
        return text
    if b"\x00" in data[:65536]:
        raise BadInput(f"文件{name}是二进制文件，不是文本文书")
    text: str | None = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise BadInput(f"文件{name}无法识别编码（支持UTF-8、GBK/GB18030），可能不是文本文件")
    _check_plausible(text, name)
    return text


_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff\ue000-\uf8ff]")
_SPACE_RE = re.compile(r"\s+")


def _check_plausible(text: str, name: str) -> None:
    """Reject text that is mostly control/replacement characters or not Chinese at all."""
    visible = _SPACE_RE.sub("", text[:20000])
    if not visible:
        return
    bad = len(_BAD_CHAR.findall(visible))
    if bad > 0.05 * len(visible):
        raise BadInput(f"文件{name}包含大量无法识别或不可打印的字符，不像是文本文书")
    cjk = "".join(_CJK.findall(visible))
    if len(cjk) < 0.1 * len(visible):
        raise BadInput(f"文件{name}中文字符过少，不像是中文文书")
    # Random bytes decoded as GB18030 give mostly rare characters; real text is mostly GB2312.
    if len(cjk) >= 20:
        rare = cjk.encode("gb2312", errors="replace").count(b"?")
        if len(cjk) - rare < 0.6 * len(cjk):
            raise BadInput(f"文件{name}包含大量乱码字符，不像是文本文书")


def _docx_text(data: bytes, name: str) -> str:
    """Paragraphs and table cells of a .docx in body order, joined with newlines."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BadInput(f"文件{name}已损坏，不是有效的.docx文件")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            try:
                info = zf.getinfo("word/document.xml")
            except KeyError:
                raise BadInput(f"文件{name}已损坏，缺少正文（word/document.xml）") from None
            if info.flag_bits & 0x1:
                raise BadInput(f"文件{name}已加密，请解除密码后再提交")
            total = sum(i.file_size for i in zf.infolist())
            if total > get_settings().max_archive_bytes or info.file_size > get_settings().max_file_bytes * 10:
                raise BadInput(f"文件{name}解压后过大，可能是恶意文件")
    except zipfile.BadZipFile as e:
        raise BadInput(f"文件{name}已损坏，不是有效的.docx文件") from e
    try:
        import docx  # python-docx; imported lazily (slow import)
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        d = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for child in d.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(Paragraph(child, d).text)
            elif tag == "tbl":
                for row in Table(child, d).rows:
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # merged cells repeat
                            continue
                        seen.add(id(cell._tc))
                        lines.append(cell.text)
    except BadInput:
        raise
    except Exception as e:  # python-docx raises many kinds of errors on broken files
        raise BadInput(f"文件{name}已损坏，无法读取.docx内容（{type(e).__name__}）") from e
    return "\n".join(lines)


# --------------------------------------------------------------------------- cases


def load_case(paths: list[Path]) -> list[Document]:
    """Documents of one case from files, folders and/or .zip archives.

    Returns the indictment, recommendation and judgment found (in that order, each at most once).
    """
    docs: list[Document] = []
    skipped: list[str] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise BadInput(f"文件{p.name}不存在")
        if p.is_dir():
            docs.extend(_load_folder(p, skipped))
        elif p.suffix.lower() == ".zip":
            docs.extend(_load_zip(p, skipped))
        else:
            docs.append(load_document(p))
    return _select(docs, skipped)


def _select(docs: list[Document], skipped: list[str]) -> list[Document]:
    if not docs:
        extra = f"（已忽略：{'、'.join(skipped[:5])}）" if skipped else ""
        raise BadInput(f"没有找到可读取的文书{extra}；{SUPPORTED}")
    if len(docs) == 1 and docs[0].kind == "other":
        raise BadInput(f"文件{docs[0].source}{NOT_LEGAL}")
    by_kind: dict[str, Document] = {}
    for d in docs:
        if d.kind == "other":
            logger.warning("忽略文件%s：不是起诉书、量刑建议书或刑事判决书", d.source)
            continue
        if d.kind in by_kind:
            raise BadInput(
                f"发现两份{DOC_KIND_NAMES[d.kind]}（{by_kind[d.kind].source}、{d.source}），每个案件每种文书只能提交一份"
            )
        by_kind[d.kind] = d
    if not by_kind:
        names = "、".join(d.source for d in docs[:5])
        raise BadInput(f"没有找到起诉书、量刑建议书或刑事判决书（{names}{NOT_LEGAL}）")
    return [by_kind[k] for k in KINDS if k in by_kind]


def _hidden(parts: tuple[str, ...] | list[str]) -> bool:
    for part in parts:
        low = part.lower()
        if part.startswith(".") or part.startswith("~$") or low == "__macosx" or low in _SKIP_NAMES:
            return True
    return False


def _load_folder(folder: Path, skipped: list[str]) -> list[Document]:
    out: list[Document] = []
    files = sorted(f for f in folder.rglob("*") if f.is_file())
    for f in files:
        rel = f.relative_to(folder).parts
        if _hidden(rel):
            continue
        ext = f.suffix.lower()
        if ext in TEXT_EXTS or ext in DOCX_EXTS:
            out.append(load_document(f))
        elif ext == ".zip":
            raise BadInput(f"文件夹{folder.name}中含有压缩包{f.name}，请解压后提交或单独提交该压缩包")
        else:
            logger.warning("忽略文件%s：不支持的格式", f.name)
            skipped.append(f.name)
    return out


def vet_member(info: zipfile.ZipInfo, zname: str) -> tuple[list[str], str] | None:
    """A zip member's safe path parts and lower-case extension; None for folders and hidden
    files. Raises BadInput for what makes the whole archive suspect: unsafe paths, encryption,
    nested archives, a compression ratio of a zip bomb."""
    parts = _safe_parts(_member_name(info), zname)
    if info.is_dir() or not parts or _hidden(parts):
        return None
    base = parts[-1]
    if info.flag_bits & 0x1:
        raise BadInput(f"压缩包{zname}中的文件{base}已加密，请解除密码后再提交")
    ext = PurePosixPath(base).suffix.lower()
    if ext == ".zip":
        raise BadInput(f"压缩包{zname}中含有嵌套压缩包{base}，不支持嵌套压缩包")
    if info.file_size and (info.compress_size == 0 or info.file_size / info.compress_size > _MAX_RATIO):
        raise BadInput(f"压缩包{zname}中的文件{base}压缩比异常，可能是恶意压缩包（zip炸弹）")
    return parts, ext


def _member_name(info: zipfile.ZipInfo) -> str:
    """Member name. With the UTF-8 flag (bit 11) Python has decoded it already. Without it the raw
    bytes are read as UTF-8 first (Info-ZIP on Linux/macOS writes UTF-8 names without the flag;
    GBK names are almost never valid UTF-8), then as GBK (Windows zip tools)."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    if raw.isascii():
        return name
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        alt = raw.decode("gbk")
    except UnicodeDecodeError:
        return name
    return alt if _CJK.search(alt) else name


def _load_zip(path: Path, skipped: list[str]) -> list[Document]:
    s = get_settings()
    zname = path.name
    if path.stat().st_size > s.max_archive_bytes:
        raise BadInput(f"压缩包{zname}过大，不得超过{_mb(s.max_archive_bytes)}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BadInput(f"压缩包{zname}已损坏，无法打开") from e
    out: list[Document] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > s.max_archive_members:
            raise BadInput(f"压缩包{zname}中文件过多（{len(infos)}个），不得超过{s.max_archive_members}个")
        declared = sum(i.file_size for i in infos)
        if declared > s.max_archive_bytes:
            raise BadInput(f"压缩包{zname}解压后过大（{_mb(declared)}），不得超过{_mb(s.max_archive_bytes)}")
        budget = s.max_archive_bytes
        for info in infos:
            vetted = vet_member(info, zname)
            if vetted is None:
                continue
            parts, ext = vetted
            base = parts[-1]
            if ext not in TEXT_EXTS and ext not in DOCX_EXTS:
                logger.warning("忽略压缩包%s中的文件%s：不支持的格式", zname, base)
                skipped.append(base)
                continue
            data = _read_member(zf, info, zname, base, min(budget, s.max_file_bytes))
            budget -= len(data)
            if data[:4] == b"PK\x03\x04" and ext not in DOCX_EXTS:
                raise BadInput(f"压缩包{zname}中含有嵌套压缩包{base}，不支持嵌套压缩包")
            out.append(load_bytes(data, base))
    return out


def _safe_parts(name: str, zname: str) -> list[str]:
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        raise BadInput(f"压缩包{zname}含有绝对路径的文件（{name}），已拒绝")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadInput(f"压缩包{zname}含有越级路径的文件（{name}），已拒绝")
    return parts


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, zname: str, base: str, limit: int) -> bytes:
    """Read a member in chunks, stopping as soon as a limit is crossed."""
    buf = bytearray()
    ratio_cap = max(info.compress_size, 1) * _MAX_RATIO
    try:
        with zf.open(info) as f:
            for chunk in _chunks(f):
                buf += chunk
                if len(buf) > limit:
                    raise BadInput(f"压缩包{zname}中的文件{base}解压后过大，已拒绝")
                if len(buf) > ratio_cap:
                    raise BadInput(f"压缩包{zname}中的文件{base}压缩比异常，可能是恶意压缩包（zip炸弹）")
    except BadInput:
        raise
    except RuntimeError as e:  # encrypted
        raise BadInput(f"压缩包{zname}中的文件{base}已加密或无法读取") from e
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise BadInput(f"压缩包{zname}中的文件{base}已损坏，无法读取") from e
    return bytes(buf)


def _chunks(f: io.BufferedIOBase) -> Iterator[bytes]:
    while True:
        chunk = f.read(_CHUNK)
        if not chunk:
            return
        yield chunk


# --------------------------------------------------------------------------- named documents


def load_named(
    indictment: Path | None = None, recommendation: Path | None = None, judgment: Path | None = None
) -> list[Document]:
    """Documents given as --indictment/--recommendation/--judgment.

    The given kind wins unless the content is clearly another kind of document.
    """
    given: list[tuple[DocKind, Path]] = [
        (k, p) for k, p in (("indictment", indictment), ("recommendation", recommendation), ("judgment", judgment))
        if p is not None
    ]
    if not given:
        raise BadInput("没有提供任何文书（请指定起诉书、量刑建议书或刑事判决书）")
    out: list[Document] = []
    for kind, p in given:
        doc = load_document(Path(p), kind=kind)
        require_legal(doc.text, Path(p).name)
        other = clearly_other_kind(doc.text, kind)
        if other:
            raise BadInput(f"文件{Path(p).name}看起来是{DOC_KIND_NAMES[other]}，不是{DOC_KIND_NAMES[kind]}")
        out.append(doc)
    return out


def clearly_other_kind(text: str, kind: str) -> str | None:
    """The kind the text clearly is when it is not ``kind``; None when ``kind`` is plausible."""
    sc = scores(text)
    best = max(KINDS, key=lambda k: sc[k])
    if best == kind:
        return None
    # "clearly": a strong score (title or several body cues) and well above the given kind.
    if sc[best] >= 8 and sc[best] >= 2 * sc.get(kind, 0) + 2:
        return best
    return None
