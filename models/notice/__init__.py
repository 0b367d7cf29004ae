"""流程通知书 (案件流程监控通知书, 人民检察院刑事诉讼规则第六百六十五条): a confirmed warning
written as a .docx with python-docx — 文号, 案号, 承办人, 问题, 依据, 整改要求, 期限.

The layout (title lines, field order, closing text) is data: ``notice.yaml`` beside this file.
Every field is a row of a two-column table, so the notice reads back field by field
(``read_notice``) and prints as the form offices use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from knowledge.yamlfile import load_yaml

LAYOUT_FILE = Path(__file__).with_name("notice.yaml")
FIELDS = ("文号", "案号", "承办人", "问题", "依据", "整改要求", "期限")


@dataclass
class ProcessNotice:
    number: str  # 文号
    case_number: str  # 案号
    handler: str  # 承办人
    problem: str  # 问题
    basis: str  # 依据
    remedy: str  # 整改要求
    deadline: dt.date  # 期限
    issuer: str = ""  # 发文单位, e.g. 上海市奉贤区人民检察院
    recipient: str = ""  # 办案部门
    issued: dt.date | None = None

    def values(self) -> dict[str, str]:
        d = self.deadline
        return dict(zip(FIELDS, (self.number, self.case_number, self.handler, self.problem, self.basis,
                                 self.remedy, f"{d.year}年{d.month}月{d.day}日前"), strict=True))


@lru_cache(maxsize=1)
def layout() -> dict:
    return load_yaml(LAYOUT_FILE)


def notice_from_finding(finding, case_number: str, handler: str, number: str, issued: dt.date,
                        issuer: str = "", recipient: str = "", days: int | None = None) -> ProcessNotice:
    """A notice for one confirmed finding (``models.types.Finding``); the reply period defaults to
    the layout's (十日, 规则第六百六十五条第二款)."""
    days = days if days is not None else int(layout()["reply_days"])
    return ProcessNotice(
        number=number, case_number=case_number, handler=handler, problem=finding.message,
        basis=finding.basis or "", remedy=finding.suggestion or layout()["default_remedy"],
        deadline=issued + dt.timedelta(days=days), issuer=issuer, recipient=recipient, issued=issued,
    )


def write_notice(notice: ProcessNotice, path: str | Path | IO[bytes]) -> Path | IO[bytes]:
    """Write the notice to a file path or a binary stream (the web app's download)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lay = layout()
    doc = Document()
    for line in (notice.issuer or lay["issuer_placeholder"], lay["title"]):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(line)
        run.bold = True
        run.font.size = Pt(18)
    p = doc.add_paragraph(notice.number)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if notice.recipient:
        doc.add_paragraph(f"{notice.recipient}：")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for name, value in notice.values().items():
        cells = table.add_row().cells
        cells[0].text = name
        cells[1].text = value
    doc.add_paragraph(lay["closing"].format(days=(notice.deadline - notice.issued).days if notice.issued else lay["reply_days"]))
    if notice.issued is not None:
        d = notice.issued
        p = doc.add_paragraph(f"{d.year}年{d.month}月{d.day}日")
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = path if hasattr(path, "write") else Path(path)  # type: ignore[arg-type]
    doc.save(out)
    return out


def read_notice(path: str | Path | IO[bytes]) -> dict[str, str]:
    """The fields of a written notice (the first table), for tests and for the tracking list."""
    from docx import Document

    doc = Document(path if hasattr(path, "read") else str(path))  # type: ignore[arg-type]
    if not doc.tables:
        return {}
    return {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}


__all__ = ["FIELDS", "ProcessNotice", "asdict", "notice_from_finding", "read_notice", "write_notice"]
