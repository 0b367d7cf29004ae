"""File names inside zip archives: UTF-8 with the flag (bit 11, Python/7-Zip/macOS), UTF-8 without
it (Info-ZIP on Linux), GBK without it (Windows tools) — all read as the names that were written."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile

import pytest

from models.documents.loader import _member_name

NAMES = ["案件一/起诉书.txt", "案件一/刑事判决书.txt"]


def _zip(names: list[str], encoding: str | None, texts: dict[str, str] | None = None) -> bytes:
    """A zip of ``names``; encoding None: Python's own (UTF-8 + flag); else the names' bytes in that
    encoding with the flag cleared, as tools without the flag write them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, (texts or {}).get(n, "被告人张某"))
    data = bytearray(buf.getvalue())
    if encoding is None:
        return bytes(data)
    # rewrite each header's name bytes and clear bit 11 (local header: flags at +6, name length at +26;
    # central: flags at +8, name length at +28)
    out = bytearray()
    i = 0
    while i < len(data):
        sig = bytes(data[i:i + 4])
        if sig in (b"PK\x03\x04", b"PK\x01\x02"):
            fo, lo, head = (6, 26, 30) if sig == b"PK\x03\x04" else (8, 28, 46)
            n = struct.unpack_from("<H", data, i + lo)[0]
            extra, comment = struct.unpack_from("<HH", data, i + lo + 2)
            comment = comment if sig == b"PK\x01\x02" else 0
            name = bytes(data[i + head:i + head + n]).decode("utf-8").encode(encoding)
            hdr = bytearray(data[i:i + head])
            struct.pack_into("<H", hdr, fo, struct.unpack_from("<H", hdr, fo)[0] & ~0x800)
            struct.pack_into("<H", hdr, lo, len(name))
            out += hdr + name
            i += head + n
            if sig == b"PK\x03\x04":
                csize = struct.unpack_from("<I", data, i - head - n + 18)[0]
                out += data[i:i + extra + csize]
                i += extra + csize
            else:
                out += data[i:i + extra + comment]
                i += extra + comment
        else:  # end of central directory: fix its offset of the central directory
            tail = bytearray(data[i:])
            cd = out.find(b"PK\x01\x02")
            struct.pack_into("<I", tail, 16, cd)
            struct.pack_into("<I", tail, 12, len(out) - cd)
            out += tail
            break
    return bytes(out)


@pytest.mark.parametrize("encoding", [None, "utf-8", "gbk"])
def test_member_names(encoding):
    zf = zipfile.ZipFile(io.BytesIO(_zip(NAMES, encoding)))
    flags = [i.flag_bits & 0x800 for i in zf.infolist()]
    assert all(flags) if encoding is None else not any(flags)
    assert [_member_name(i) for i in zf.infolist()] == NAMES


@pytest.mark.skipif(shutil.which("zip") is None, reason="Info-ZIP zip not installed")
def test_names_from_info_zip(tmp_path):
    d = tmp_path / "src" / "案件一"
    d.mkdir(parents=True)
    for n in ("起诉书.txt", "刑事判决书.txt"):
        (d / n).write_text("被告人张某", encoding="utf-8")
    out = tmp_path / "a.zip"
    subprocess.run(["zip", "-qr", str(out), "案件一"], cwd=tmp_path / "src", check=True,
                   env={"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    names = sorted(_member_name(i) for i in zipfile.ZipFile(out).infolist() if not i.is_dir())
    assert names == sorted(NAMES)


def test_uploaded_zip_keeps_names(tmp_path):
    from models.documents import load_case
    from tests.test_server_helpers import SAMPLE

    names = [f"案件一/{n}" for n in ("起诉书.txt", "量刑建议书.txt")]
    p = tmp_path / "case.zip"
    p.write_bytes(_zip(names, "utf-8", {n: (SAMPLE / n.split("/")[1]).read_text(encoding="utf-8") for n in names}))
    docs = load_case([p])
    assert sorted(d.source.split("/")[-1] for d in docs) == ["起诉书.txt", "量刑建议书.txt"]
