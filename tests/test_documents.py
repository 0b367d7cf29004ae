"""Tests for models.documents: parsing, classification, sections, safe loading."""

from __future__ import annotations

import io
import logging
import os
import zipfile
from pathlib import Path

import pytest

from knowledge.settings import get_settings
from models.documents import (
    SECTION_NAMES,
    classify,
    load_case,
    load_document,
    load_named,
    parse_text,
)
from models.errors import BadInput

DATA = Path(__file__).parent / "data" / "documents"

EXPECTED_SECTIONS = {
    "judgment_all_sections_rape.txt": list(SECTION_NAMES["judgment"]),
    "judgment_all_sections_theft.txt": list(SECTION_NAMES["judgment"]),
    "judgment_no_findings_fraud.txt": [
        "header", "parties", "history", "accusation", "evidence", "reasoning", "verdict", "appeal",
        "signature", "appendix",
    ],
    "judgment_no_accusation_drugs.txt": [
        "header", "parties", "history", "findings", "evidence", "reasoning", "verdict", "appeal",
        "signature", "appendix",
    ],
    "judgment_second_instance.txt": [
        "header", "parties", "history", "evidence", "reasoning", "verdict", "appeal", "signature",
    ],
    "indictment_theft.txt": list(SECTION_NAMES["indictment"]),
    "indictment_fraud.txt": list(SECTION_NAMES["indictment"]),
    "recommendation_theft.txt": list(SECTION_NAMES["recommendation"]),
    "recommendation_fraud.txt": list(SECTION_NAMES["recommendation"]),
}


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- sections


@pytest.mark.parametrize("name", sorted(EXPECTED_SECTIONS))
def test_fixture_kind_and_sections(name: str) -> None:
    doc = load_document(DATA / name)
    assert doc.kind == name.split("_")[0]
    assert [s.name for s in doc.sections] == EXPECTED_SECTIONS[name]
    # contiguous, covering the whole text, non-empty
    assert doc.sections[0].start == 0 and doc.sections[-1].end == len(doc.text)
    for a, b in zip(doc.sections, doc.sections[1:], strict=False):
        assert a.end == b.start and a.start < a.end


def test_judgment_section_contents() -> None:
    doc = parse_text(_read("judgment_all_sections_theft.txt"))
    assert doc.section_text("header").startswith("安徽省淮北市烈山区人民法院 刑事判决书 （2014）烈刑初字第00034号")
    assert doc.section_text("parties").startswith("公诉机关安徽省淮北市烈山区人民检察院")
    assert "现已审理终结" in doc.section_text("history")
    acc = doc.section_text("accusation")
    assert acc.startswith("安徽省淮北市烈山区人民检察院指控称") and "建议对其判处有期徒刑十个月至一年六个月" in acc
    assert doc.section_text("defence").startswith("被告人董某某对公诉机关指控")
    assert "辩护人辩称" in doc.section_text("defence")
    assert doc.section_text("findings").startswith("经审理查明：2013年9月5日")
    assert doc.section_text("evidence").startswith("上述事实，被告人董某某在开庭审理过程中均无异议")
    assert doc.section_text("reasoning").rstrip().endswith("判决如下：")
    assert doc.section_text("verdict").startswith("被告人董某某犯盗窃罪，判处有期徒刑十个月")
    assert doc.section_text("appeal").startswith("如不服本判决")
    assert doc.section_text("signature").startswith("审判员陈静 二〇一四年三月十二日")
    assert doc.section_text("appendix").startswith("附：相关法律条文")


def test_judgment_findings_absent_when_court_adopts_accusation() -> None:
    doc = parse_text(_read("judgment_no_findings_fraud.txt"))
    assert doc.section("findings") is None
    assert doc.section_text("accusation").startswith("公诉机关指控：2017年4月28日15时许")


def test_reasoning_mentioning_accusation_is_not_an_accusation() -> None:
    # "公诉机关指控的罪名成立" inside 本院认为 must not open an accusation section.
    doc = parse_text(_read("judgment_no_accusation_drugs.txt"))
    assert doc.section("accusation") is None
    assert "公诉机关指控的罪名成立" in doc.section_text("reasoning")


def test_indictment_section_contents() -> None:
    doc = parse_text(_read("indictment_theft.txt"))
    assert "起 诉 书" in doc.section_text("header")
    assert doc.section_text("origin").startswith("本案由淮北市公安局烈山分局侦查终结")
    assert doc.section_text("facts").startswith("经依法审查查明")
    assert doc.section_text("evidence").startswith("认定上述事实的证据如下")
    assert doc.section_text("reasoning").rstrip().endswith("提起公诉，请依法判处。")
    assert doc.section_text("closing").startswith("此致\n淮北市烈山区人民法院")
    assert doc.section_text("appendix").startswith("附：")


def test_recommendation_sections_single_paragraph() -> None:
    # the circumstances list and the recommendation share one paragraph
    doc = parse_text(_read("recommendation_fraud.txt"))
    assert doc.section_text("circumstances").startswith("因其具有以下量刑情节：1.法定从重处罚情节")
    rec = doc.section_text("recommendation")
    assert rec.startswith("故根据《中华人民共和国刑事诉讼法》第一百七十六条的规定，建议判处被告人张3有期徒刑七个月")
    assert rec.rstrip().endswith("并处罚金人民币三万元。")


def test_parse_text_normalises_only_crlf_and_bom() -> None:
    raw = "\ufeff" + _read("indictment_fraud.txt").replace("\n", "\r\n")
    doc = parse_text(raw, source="x.txt")
    assert doc.text == _read("indictment_fraud.txt")
    assert doc.source == "x.txt" and doc.kind == "indictment"


def test_parse_text_kind_given_wins() -> None:
    doc = parse_text(_read("indictment_fraud.txt"), kind="recommendation")
    assert doc.kind == "recommendation"


# --------------------------------------------------------------------------- classification


def test_classify_judgment_quoting_indictment_and_recommendation() -> None:
    text = _read("judgment_all_sections_theft.txt")
    assert "起诉书指控" in text and "建议对其判处" in text
    assert classify(text) == "judgment"


def test_classify_each_kind_and_other() -> None:
    assert classify(_read("indictment_theft.txt")) == "indictment"
    assert classify(_read("recommendation_theft.txt")) == "recommendation"
    assert classify("关于召开全院干警大会的通知 各部门：定于下周一召开会议。") == "other"
    assert classify("") == "other"


def test_classify_without_title_uses_body_cues() -> None:
    body = _read("indictment_fraud.txt").split("\n", 3)[3]  # drop the title and number
    assert classify(body) == "indictment"


# --------------------------------------------------------------------------- bad input


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\u3000\n", encoding="utf-8")
    with pytest.raises(BadInput, match="empty.txt.*空文件"):
        load_document(tmp_path / "empty.txt")
    with pytest.raises(BadInput, match="blank.txt"):
        load_document(tmp_path / "blank.txt")


def test_file_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: fast to create
    with pytest.raises(BadInput, match="big.txt.*过大"):
        load_document(big)


def test_text_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_text_chars", 100)
    with pytest.raises(BadInput, match="文字过长"):
        load_document(DATA / "indictment_fraud.txt")


def test_binary_junk(tmp_path: Path) -> None:
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    with pytest.raises(BadInput, match="nul.txt.*二进制"):
        load_document(nul)
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(1, 256)) * 40)  # no NUL, but not text in any encoding
    with pytest.raises(BadInput, match="junk.txt"):
        load_document(junk)
    ctrl = tmp_path / "ctrl.txt"
    ctrl.write_bytes(("起诉书" + "\x01\x02\x03\x04" * 50).encode("utf-8"))
    with pytest.raises(BadInput, match="不可打印"):
        load_document(ctrl)


def test_random_high_bytes_decoding_as_gb18030_are_rejected(tmp_path: Path) -> None:
    import random

    rnd = random.Random(7)
    data = bytearray()
    while len(data) < 4000:  # valid GB18030 two-byte sequences, random characters
        data += bytes([rnd.randint(0x81, 0xFE), rnd.choice([rnd.randint(0x40, 0x7E), rnd.randint(0x80, 0xFE)])])
    p = tmp_path / "garbled.txt"
    p.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="garbled.txt"):
        load_document(p)


def test_gb18030_and_bom_text_decode(tmp_path: Path) -> None:
    text = _read("indictment_theft.txt")
    gb = tmp_path / "gb.txt"
    gb.write_bytes(text.encode("gb18030"))
    doc = load_document(gb)
    assert doc.text == text and doc.kind == "indictment" and doc.source == "gb.txt"
    bom = tmp_path / "bom.md"
    bom.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert load_document(bom).text == text


@pytest.mark.parametrize("ext", [".pdf", ".doc", ".rtf"])
def test_unsupported_extension(tmp_path: Path, ext: str) -> None:
    p = tmp_path / f"起诉书{ext}"
    p.write_bytes(b"%PDF-1.4 whatever")
    with pytest.raises(BadInput, match=r"支持的格式：\.txt、\.md、\.docx"):
        load_document(p)


def test_corrupt_docx(tmp_path: Path) -> None:
    notzip = tmp_path / "bad.docx"
    notzip.write_bytes(b"this is not a zip file at all")
    with pytest.raises(BadInput, match="bad.docx.*损坏"):
        load_document(notzip)
    nodoc = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(nodoc, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(BadInput, match="nodoc.docx.*word/document.xml"):
        load_document(nodoc)
    brokenxml = tmp_path / "broken.docx"
    with zipfile.ZipFile(brokenxml, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document><unclosed>")
    with pytest.raises(BadInput, match="broken.docx.*损坏"):
        load_document(brokenxml)


def _make_docx(path: Path, text: str, table: list[list[str]] | None = None) -> None:
    import docx

    d = docx.Document()
    lines = text.split("\n")
    for line in lines[:3]:
        d.add_paragraph(line)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    for line in lines[3:]:
        d.add_paragraph(line)
    d.save(str(path))


def test_docx_round_trip(tmp_path: Path) -> None:
    text = _read("recommendation_theft.txt").rstrip("\n")
    p = tmp_path / "量刑建议书.docx"
    _make_docx(p, text, table=[["案由", "盗窃罪"], ["起诉书号", "烈检刑诉〔2014〕20号"]])
    doc = load_document(p)
    assert doc.kind == "recommendation" and doc.source == "量刑建议书.docx"
    lines = text.split("\n")
    expected = "\n".join(lines[:3] + ["案由", "盗窃罪", "起诉书号", "烈检刑诉〔2014〕20号"] + lines[3:])
    assert doc.text == expected
    assert [s.name for s in doc.sections] == list(SECTION_NAMES["recommendation"])


# --------------------------------------------------------------------------- cases: folders and zips


def test_load_case_folder_skips_hidden_files(tmp_path: Path) -> None:
    case = tmp_path / "case1"
    (case / "__MACOSX").mkdir(parents=True)
    for name in ("indictment_theft.txt", "recommendation_theft.txt", "judgment_all_sections_theft.txt"):
        (case / name).write_text(_read(name), encoding="utf-8")
    (case / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (case / "~$起诉书.docx").write_bytes(b"\x00junk")
    (case / "__MACOSX" / "._x.txt").write_bytes(b"\x00junk")
    docs = load_case([case])
    assert [d.kind for d in docs] == ["indictment", "recommendation", "judgment"]


def test_load_case_two_of_same_kind(tmp_path: Path) -> None:
    for name in ("indictment_theft.txt", "indictment_fraud.txt"):
        (tmp_path / name).write_text(_read(name), encoding="utf-8")
    with pytest.raises(BadInput, match="两份起诉书"):
        load_case([tmp_path])


def test_load_case_other_documents(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    only = tmp_path / "only"
    only.mkdir()
    (only / "通知.txt").write_text("关于召开全院干警大会的通知 各部门：定于下周一召开会议。", encoding="utf-8")
    with pytest.raises(BadInput, match="通知.txt无法识别为起诉书、量刑建议书或刑事判决书"):
        load_case([only])
    (only / "judgment.txt").write_text(_read("judgment_no_findings_fraud.txt"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="models.documents.loader"):
        docs = load_case([only])
    assert [d.kind for d in docs] == ["judgment"]
    assert "通知.txt" in caplog.text


def test_load_case_no_main_document(tmp_path: Path) -> None:
    for i in range(2):
        (tmp_path / f"n{i}.txt").write_text("关于召开全院干警大会的通知 各部门：定于下周一召开会议。", encoding="utf-8")
    with pytest.raises(BadInput, match="没有找到起诉书、量刑建议书或刑事判决书"):
        load_case([tmp_path])


class _GbkZipInfo(zipfile.ZipInfo):
    """Writes the name in GBK without the UTF-8 flag, as Windows zip tools do."""

    def _encodeFilenameFlags(self):  # noqa: N802 - overrides zipfile's private method
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_load_case_zip_with_gbk_names_and_docx(tmp_path: Path) -> None:
    docx_path = tmp_path / "j.docx"
    _make_docx(docx_path, _read("judgment_no_accusation_drugs.txt").strip())
    z = tmp_path / "案件.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_GbkZipInfo("案件/起诉书.txt"), _read("indictment_fraud.txt").encode("gb18030"))
        zf.writestr(_GbkZipInfo("案件/量刑建议书.txt"), _read("recommendation_fraud.txt"))
        zf.write(docx_path, "案件/判决书.docx")
        zf.writestr("__MACOSX/案件/._起诉书.txt", b"\x00\x05\x16\x07")
        zf.writestr("案件/.DS_Store", b"\x00\x00\x00\x01Bud1")
    docs = load_case([z])
    assert [(d.kind, d.source) for d in docs] == [
        ("indictment", "起诉书.txt"), ("recommendation", "量刑建议书.txt"), ("judgment", "判决书.docx"),
    ]
    assert docs[0].text == _read("indictment_fraud.txt")


def test_zip_bomb_rejected(tmp_path: Path) -> None:
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("起诉书.txt", b"0" * (30 * 1024 * 1024))
    assert z.stat().st_size < 100 * 1024
    with pytest.raises(BadInput, match="zip炸弹"):
        load_case([z])


def test_zip_bomb_with_lying_header_is_stopped_while_reading(tmp_path: Path) -> None:
    # Declared sizes patched to look harmless (ratio 1): reading must still reject the member.
    z = tmp_path / "liar.zip"
    payload = b"\xe6\xa1\x88" * (2 * 1024 * 1024)  # "案" repeated, 6 MB
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("起诉书.txt", payload)
    raw = bytearray(z.read_bytes())
    info = zipfile.ZipFile(z).infolist()[0]
    # patch the uncompressed size in the local header (offset 22) and central directory (offset 24)
    small = info.compress_size.to_bytes(4, "little")
    raw[info.header_offset + 22 : info.header_offset + 26] = small
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = small
    z.write_bytes(bytes(raw))
    with pytest.raises(BadInput, match="liar.zip"):
        load_case([z])


@pytest.mark.parametrize("member", ["../../etc/起诉书.txt", "/etc/起诉书.txt", "C:/x/起诉书.txt", "a\\..\\..\\b.txt"])
def test_zip_path_traversal_rejected(tmp_path: Path, member: str) -> None:
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(zipfile.ZipInfo(member), _read("indictment_fraud.txt"))
    with pytest.raises(BadInput, match="evil.zip.*路径"):
        load_case([z])


def test_zip_nested_encrypted_and_too_many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("起诉书.txt", _read("indictment_fraud.txt"))
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    with pytest.raises(BadInput, match="嵌套压缩包"):
        load_case([nested])

    enc = tmp_path / "enc.zip"
    with zipfile.ZipFile(enc, "w") as zf:
        zf.writestr("起诉书.txt", _read("indictment_fraud.txt"))
    raw = bytearray(enc.read_bytes())  # set the "encrypted" flag bit in both headers
    raw[6] |= 0x1
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 8] |= 0x1
    enc.write_bytes(bytes(raw))
    with pytest.raises(BadInput, match="加密"):
        load_case([enc])

    monkeypatch.setattr(get_settings(), "max_archive_members", 3)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.txt", "x")
    with pytest.raises(BadInput, match="文件过多"):
        load_case([many])


def test_zip_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_archive_bytes", 5000)
    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("judgment.txt", _read("judgment_all_sections_theft.txt"))
        zf.writestr("indictment.txt", _read("indictment_theft.txt"))
    with pytest.raises(BadInput, match="过大"):
        load_case([z])


# --------------------------------------------------------------------------- named documents


def test_load_named_kinds() -> None:
    docs = load_named(
        indictment=DATA / "indictment_theft.txt",
        recommendation=DATA / "recommendation_theft.txt",
        judgment=DATA / "judgment_all_sections_theft.txt",
    )
    assert [d.kind for d in docs] == ["indictment", "recommendation", "judgment"]


def test_load_named_wrong_kind() -> None:
    with pytest.raises(BadInput, match="judgment_all_sections_theft.txt看起来是刑事判决书，不是起诉书"):
        load_named(indictment=DATA / "judgment_all_sections_theft.txt")
    with pytest.raises(BadInput, match="看起来是量刑建议书，不是起诉书"):
        load_named(indictment=DATA / "recommendation_fraud.txt")
    with pytest.raises(BadInput, match="看起来是起诉书，不是刑事判决书"):
        load_named(judgment=DATA / "indictment_theft.txt")
    with pytest.raises(BadInput):
        load_named()


def test_load_named_weak_document_keeps_given_kind(tmp_path: Path) -> None:
    # a bare facts text has no strong cue: the given kind is kept
    p = tmp_path / "facts.txt"
    p.write_text("经依法审查查明：2017年4月28日15时许，被告人张3冒名骗取现金。", encoding="utf-8")
    assert load_named(indictment=p)[0].kind == "indictment"


@pytest.mark.parametrize(
    "name", ["indictment_theft.txt", "indictment_fraud.txt", "recommendation_theft.txt", "recommendation_fraud.txt"]
)
def test_space_separated_paragraphs_split_like_newlines(name: str) -> None:
    # real judgments put every paragraph on one line separated by single spaces
    flat = _read(name).replace("\u3000", "").replace("\n", " ")
    doc = parse_text(flat)
    assert doc.kind == name.split("_")[0]
    assert [s.name for s in doc.sections] == EXPECTED_SECTIONS[name]
