"""Read a case-management export (案管系统导出): one row per procedural event.

Formats (by file name): ``.csv`` (UTF-8, UTF-8 with BOM or GB18030), ``.xlsx`` (first sheet, first
row the header; openpyxl) and ``.json`` (a list of row objects, or ``{"rows": [...]}``).
Columns (header names exactly as below; README documents them):

- 案号 (required): the case number, as any of the case's documents writes it;
- 事件 (required): an event name or synonym of ``events.yaml`` (逮捕, 批准逮捕, 退补…);
- 日期 (required): 2019-03-01, 2019/3/1, 2019.3.1, 2019年3月1日 or an Excel date cell;
- 承办人, 部门 (optional): who handled the step and the department;
- 被告人 (optional): the defendant a measure concerns (empty: the whole case).

Any malformed row makes the whole file bad input (``BadInput`` with the row number): a
supervision tool must not silently drop a procedural step.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

from models.errors import BadInput
from models.timeline import Event, event_key
from models.timeline.merge import EXPORT

REQUIRED = ("案号", "事件", "日期")
OPTIONAL = ("承办人", "部门", "被告人")
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000
_NUMERIC = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T].*)?$")


def parse_date(value: Any) -> dt.date | None:
    """A cell's date: a date/datetime object, a numeric form or a Chinese date (read by the
    document date extractor, so 二〇一九年三月一日 works too)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    m = _NUMERIC.match(value)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    from models.extract.dates import extract_dates

    found = extract_dates(value.strip())
    return found[0].date if len(found) == 1 else None


def _rows_csv(data: bytes) -> list[dict[str, Any]]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadInput("案管导出文件编码无法识别（应为 UTF-8 或 GB18030）")
    if "\x00" in text:
        raise BadInput("案管导出文件不是文本 CSV")
    return list(csv.DictReader(io.StringIO(text)))


def _rows_xlsx(data: bytes) -> list[dict[str, Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise BadInput(f"无法读取 Excel 文件：{type(e).__name__}") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h).strip() if h is not None else "" for h in header]
    out = []
    for i, r in enumerate(rows):
        if i >= MAX_ROWS:
            raise BadInput(f"案管导出超过 {MAX_ROWS} 行")
        if r is None or all(v is None or str(v).strip() == "" for v in r):
            continue
        out.append({n: v for n, v in zip(names, r, strict=False) if n})
    wb.close()
    return out


def _rows_json(data: bytes) -> list[dict[str, Any]]:
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"JSON 格式有误：{e}") from None
    if isinstance(obj, dict):
        obj = obj.get("rows")
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise BadInput("JSON 案管导出应为行对象的列表（或 {\"rows\": [...]}）")
    return obj


def read_export(data: bytes, name: str) -> dict[str, list[Event]]:
    """Events of an export by case number (案号), in file order."""
    if not data.strip():
        raise BadInput("案管导出文件为空")
    if len(data) > MAX_BYTES:
        raise BadInput(f"案管导出文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(data)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(data)
    elif suffix == ".json":
        rows = _rows_json(data)
    else:
        raise BadInput(f"不支持的案管导出格式：{suffix or name}（应为 .csv、.xlsx 或 .json）")
    if not rows:
        raise BadInput("案管导出中没有数据行")
    rows = [{str(k).strip(): v for k, v in r.items() if k is not None} for r in rows]
    if len(rows) > MAX_ROWS:
        raise BadInput(f"案管导出超过 {MAX_ROWS} 行")
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise BadInput(f"案管导出缺少列：{'、'.join(missing)}（应有 案号、事件、日期，可选 承办人、部门、被告人）")
    out: dict[str, list[Event]] = {}
    for i, r in enumerate(rows, 2 if suffix != ".json" else 1):
        where = f"第{i}行" if suffix != ".json" else f"第{i}条"
        case_no = _cell(r.get("案号"))
        ev = _cell(r.get("事件"))
        if not case_no:
            raise BadInput(f"案管导出{where}缺少案号")
        key = event_key(ev)
        if key is None:
            raise BadInput(f"案管导出{where}的事件无法识别：{ev or '（空）'}")
        date = parse_date(r.get("日期"))
        if date is None:
            raise BadInput(f"案管导出{where}的日期无法识别：{_cell(r.get('日期')) or '（空）'}")
        out.setdefault(case_no, []).append(Event(
            key, date, EXPORT, actor=_cell(r.get("承办人")), department=_cell(r.get("部门")),
            defendant=_cell(r.get("被告人")), text=f"{where}：{ev}",
        ))
    return out


def _cell(v: Any) -> str:
    return "" if v is None else str(v).strip()


def read_export_file(path: str | Path) -> dict[str, list[Event]]:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"案管导出文件不存在：{path}")
    return read_export(p.read_bytes(), p.name)


def _norm_no(s: str) -> str:
    return re.sub(r"[\s〔〕\[\]［］()（）]", "", s)


def events_for_case(export: dict[str, list[Event]], numbers: list[str]) -> list[Event]:
    """The export events whose 案号 is one of the case's numbers (brackets and spaces ignored)."""
    want = {_norm_no(n) for n in numbers if n}
    return [e for no, evs in export.items() if _norm_no(no) in want for e in evs]
