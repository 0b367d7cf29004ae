"""Aggregated batch reports: Excel (openpyxl), self-contained HTML (table bars, no scripts, no CDN)
and JSONL (one line per case), all from the per-case results of ``BatchStore.results``."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from models.errors import BadInput
from models.timefmt import labelled
from models.types import DOC_KIND_NAMES

from .store import GRADES

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
KIND_CN = {"indictment": "起诉书", "recommendation": "量刑建议书", "judgment": "刑事判决书"}
UNKNOWN = "（未识别）"
FORMATS = ("xlsx", "html", "jsonl")


# --------------------------------------------------------------------------- aggregation


def _group_row() -> dict[str, Any]:
    return {"cases": 0, "grades": Counter(), "severity": Counter()}


def _expert_label(name: str | None) -> str | None:
    """An expert's Chinese label (theft → 盗窃) for people; the name itself when unknown."""
    if not name:
        return None
    try:
        from models.experts import registry

        e = registry().get(name)
    except Exception:  # noqa: BLE001 - a label is cosmetic: never fail a report over it
        return name
    return e.label if e is not None else name


def summarize(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts over the finished cases: grades, severities, and per crime / expert / rule / court / month.

    Group tables are ``{label: {"cases", "grades": {grade: n}, "severity": {sev: n findings}}}``;
    ``by_rule`` is ``{rule_id: {"severity", "findings", "cases", "title", "message"}}``.
    One pass over ``results`` (any iterable): memory grows with the number of labels, not of cases.
    """
    n_cases = n_done = n_failed = 0
    ms_total: float = 0
    grades: Counter[Any] = Counter()
    sev_findings: Counter[str] = Counter()
    sev_cases: Counter[str] = Counter()
    groups: dict[str, dict[str, dict[str, Any]]] = {k: defaultdict(_group_row) for k in
                                                    ("by_crime", "by_expert", "by_court", "by_month")}
    by_rule: dict[str, dict[str, Any]] = {}
    for r in results:
        n_cases += 1
        ms_total += (r.get("timings_ms") or {}).get("total", 0)
        if r.get("error"):
            n_failed += 1
        if r.get("status", "done") != "done" or r.get("error"):
            continue
        n_done += 1
        grades[r.get("grade")] += 1
        counts = r.get("counts") or {}
        for s in SEVERITIES:
            sev_findings[s] += counts.get(s, 0)
            sev_cases[s] += bool(counts.get(s, 0))
        labels = {
            "by_crime": r.get("charges") or [UNKNOWN],
            "by_expert": [_expert_label(r.get("expert")) or UNKNOWN],
            "by_court": [r.get("court") or UNKNOWN],
            "by_month": [r.get("month") or UNKNOWN],
        }
        for table, keys in labels.items():
            for k in keys:
                g = groups[table][k]
                g["cases"] += 1
                g["grades"][r.get("grade")] += 1
                for s in SEVERITIES:
                    g["severity"][s] += counts.get(s, 0)
        seen: set[str] = set()
        for f in r.get("findings") or []:
            rid = f["rule_id"]
            row = by_rule.setdefault(rid, {"severity": f["severity"], "findings": 0, "cases": 0,
                                           "title": f.get("title") or "", "message": f.get("message", "")})
            row["findings"] += 1
            if rid not in seen:
                row["cases"] += 1
                seen.add(rid)
    out: dict[str, Any] = {
        "cases": n_cases, "done": n_done, "failed": n_failed,
        "grades": {g: grades.get(g, 0) for g in GRADES},
        "severity": {s: {"findings": sev_findings[s], "cases": sev_cases[s]} for s in SEVERITIES},
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1]["findings"], kv[0]))),
        "ms_total": round(ms_total, 1),
    }
    for table, rows in groups.items():
        key = (lambda kv: kv[0]) if table == "by_month" else (lambda kv: (-kv[1]["cases"], kv[0]))
        out[table] = {k: {"cases": v["cases"], "grades": {g: v["grades"].get(g, 0) for g in GRADES},
                          "severity": {s: v["severity"].get(s, 0) for s in SEVERITIES}}
                      for k, v in sorted(rows.items(), key=key)}
    return out


# --------------------------------------------------------------------------- writers


Results = Iterable[dict[str, Any]] | Callable[[], Iterable[dict[str, Any]]]


def _passes(results: Results) -> Callable[[], Iterable[dict[str, Any]]]:
    """A way to read the results again for each pass of a writer: a callable is called each time
    (e.g. ``lambda: store.iter_results(bid)``: streamed from the database, page by page); a
    list is reused; a one-shot iterator is read into a list."""
    if callable(results):
        return results
    if iter(results) is results:  # a generator: it could be read once only
        results = list(results)
    return lambda: results


def export(results: Results, path: Path, info: dict[str, Any] | None = None,
           summary: dict[str, Any] | None = None) -> Path:
    """Write the report in the format named by ``path``'s extension (.xlsx, .html, .jsonl).

    ``results``: a list, or a zero-argument callable giving a fresh iterable for each pass (the
    writers stream: memory does not grow with the number of cases). ``summary``: ``summarize``
    of the same results when the caller already has it (saves a pass).
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise BadInput(f"不支持的报告格式（{path.name}），请使用.xlsx、.html或.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    writer = {"xlsx": write_xlsx, "html": write_html, "jsonl": write_jsonl}[fmt]
    writer(_passes(results), tmp, info or {}, summary=summary)
    tmp.replace(path)  # atomic: a killed export never leaves a half-written report
    return path


def write_jsonl(results: Results, path: Path, info: dict[str, Any] | None = None,
                summary: dict[str, Any] | None = None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in _passes(results)():
            f.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")


def _evidence(f: dict[str, Any]) -> str:
    return "；".join(f"{KIND_CN.get(s.get('document'), s.get('document'))}「{s.get('text', '')}」"
                    for s in f.get("spans") or [])


def _case_label(r: dict[str, Any]) -> str:
    return r.get("name") or r.get("source") or ""


def _group_table(rows: dict[str, dict[str, Any]], head: str) -> tuple[list[str], list[list[Any]]]:
    header = [head, "案件数", *GRADES, "错误", "警告", "提示"]
    body = [[k, v["cases"], *(v["grades"][g] for g in GRADES), *(v["severity"][s] for s in SEVERITIES)]
            for k, v in rows.items()]
    return header, body


def _info_rows(info: dict[str, Any], s: dict[str, Any]) -> list[tuple[str, Any]]:
    rows = [("批次", info.get("name") or info.get("id") or ""), ("批次编号", info.get("id") or ""),
            ("输入", info.get("source") or ""), ("创建时间", labelled(info.get("created_at"))),
            ("完成时间", labelled(info.get("finished_at"))), ("案件总数", s["cases"]), ("已评查", s["done"]),
            ("失败", s["failed"])]
    return [(k, v) for k, v in rows if v != ""]


def write_xlsx(results: Results, path: Path, info: dict[str, Any] | None = None,
               summary: dict[str, Any] | None = None) -> None:
    """The workbook in openpyxl's write-only mode: rows go to disk as they are made (the summary
    sheet first, from ``summarize``; then one pass over the results for the case and finding sheets)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    info = info or {}
    again = _passes(results)
    s = summary if summary is not None else summarize(again())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    wc = wb.create_sheet("案件")
    wf = wb.create_sheet("问题")
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    _widths(ws, [28, 14, 10, 10, 10, 10, 10, 10, 10])
    _widths(wc, [6, 24, 24, 30, 26, 20, 12, 24, 9, 9, 6, 6, 6, 10, 8, 40, 30, 20])
    _widths(wf, [24, 24, 9, 30, 24, 8, 10, 60, 50, 40, 30, 8, 8])
    wc.freeze_panes = "C2"
    wf.freeze_panes = "A2"

    def row(sheet: Any, values: list[Any], header: bool = False, font: Any = None,
            wrapped: tuple[int, ...] = ()) -> None:
        cells = []
        for col, v in enumerate(values, 1):
            cell = WriteOnlyCell(sheet)
            _set(cell, v)
            if header:
                cell.font = bold
                cell.fill = head_fill
            elif font is not None:
                cell.font = font
            if col in wrapped:
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)

    from openpyxl.cell import WriteOnlyCell

    # summary sheet; ``r`` is the row just written (for the chart's references)
    row(ws, ["案件质量评查汇总"], font=Font(bold=True, size=14))
    ws.append([])
    r = 2
    for k, v in _info_rows(info, s):
        row(ws, [k, v])
        r += 1
    ws.append([])
    row(ws, ["评查等级", "案件数", "占比"], header=True)
    r += 2
    grade_first = r + 1
    for g in GRADES:
        row(ws, [g, s["grades"][g], _pct(s["grades"][g], s["done"])])
        r += 1
    grade_last = r
    chart = BarChart()
    chart.title = "评查等级分布"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=grade_first - 1, max_row=grade_last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=grade_first, max_row=grade_last))
    chart.height, chart.width = 6, 12
    ws.add_chart(chart, "F3")
    ws.append([])
    row(ws, ["严重程度", "问题数", "涉及案件数"], header=True)
    for sev in SEVERITIES:
        row(ws, [SEVERITY_CN[sev], s["severity"][sev]["findings"], s["severity"][sev]["cases"]])
    for table, head, title in (("by_crime", "罪名", "按罪名"), ("by_expert", "专家", "按专家"),
                               ("by_court", "法院", "按法院"), ("by_month", "月份", "按月份")):
        ws.append([])
        row(ws, [title], font=bold)
        header, body = _group_table(s[table], head)
        row(ws, header, header=True)
        for values in body:
            row(ws, values)
    ws.append([])
    row(ws, ["按规则"], font=bold)
    row(ws, ["规则", "规则名称", "严重程度", "问题数", "涉及案件数", "示例说明"], header=True)
    for rid, v in s["by_rule"].items():
        row(ws, [rid, v.get("title", ""), SEVERITY_CN.get(v["severity"], v["severity"]), v["findings"], v["cases"],
                 v["message"]])

    case_header = ["序号", "案件", "来源", "案件编号", "案号", "罪名", "专家", "法院", "月份", "评查等级",
                   "错误", "警告", "提示", "用时(ms)", "状态", "失败原因", "识别的文书", "缺少的文书"]
    row(wc, case_header, header=True)
    finding_header = ["案件", "来源", "评查等级", "规则", "规则名称", "严重程度", "被告人", "说明", "证据", "建议",
                      "依据", "来源类型", "置信度"]
    row(wf, finding_header, header=True)
    i = n = 0
    for c in again():
        i += 1
        counts = c.get("counts") or {}
        row(wc, [i, _case_label(c), c.get("source"), c.get("case_id"), c.get("case_number"),
                 "、".join(c.get("charges") or []), c.get("expert"), c.get("court"), c.get("month"),
                 c.get("grade"), counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0),
                 (c.get("timings_ms") or {}).get("total"), _status_cn(c), c.get("error"),
                 _documents_cn(c), "、".join(c.get("missing_documents") or [])])
        for f in c.get("findings") or []:
            n += 1
            row(wf, [_case_label(c), c.get("source"), c.get("grade"), f.get("rule_id"), f.get("title"),
                     SEVERITY_CN.get(f.get("severity"), f.get("severity")), f.get("defendant"), f.get("message"),
                     _evidence(f), f.get("suggestion"), f.get("basis"), f.get("source"), f.get("confidence")],
                wrapped=(8, 9))
    wc.auto_filter.ref = f"A1:{get_column_letter(len(case_header))}{i + 1}"
    wf.auto_filter.ref = f"A1:{get_column_letter(len(finding_header))}{n + 1}"
    wb.save(path)


def _set(cell: Any, v: Any) -> None:
    """Write a value; strings are always text (never formulas) and without illegal characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(v, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", v)[:32000]
        cell.data_type = "s"  # "=…" quoted from a document must not become a formula
    elif isinstance(v, (list, dict)):
        cell.value = json.dumps(v, ensure_ascii=False)
        cell.data_type = "s"
    else:
        cell.value = v


def _widths(ws: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def _documents_cn(r: dict[str, Any]) -> str:
    """The kind detected for each input: "起诉书（a.txt）、刑事判决书（b.docx）"."""
    return "、".join(f"{DOC_KIND_NAMES.get(d.get('kind'), d.get('kind'))}（{d.get('source')}）"
                    for d in r.get("documents") or [])


def _status_cn(r: dict[str, Any]) -> str:
    st = r.get("status") or ("failed" if r.get("error") else "done")
    return {"done": "已评查", "failed": "失败", "pending": "待评查"}.get(st, st)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#eef3f8}td.n{text-align:right}
.bar{display:inline-block;height:12px;background:#4a7fc1;vertical-align:middle}
.g-优质{color:#1a7f37}.g-合格{color:#2f5d9e}.g-瑕疵{color:#b7791f}.g-材料不全{color:#8a5a00}.g-不合格{color:#c53030;font-weight:bold}
.s-error{color:#c53030}.s-warning{color:#b7791f}.s-info{color:#555}.err{color:#c53030}
details{margin:6px 0}summary{cursor:pointer}.meta td:first-child{color:#666}
.ev{color:#555;font-size:12px}
"""


def _s(v: Any) -> str:
    return "" if v is None else str(v)


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")


def _case_ctx(i: int, c: dict[str, Any], details: bool) -> dict[str, Any]:
    counts = c.get("counts") or {}
    out = {
        "i": i, "label": _case_label(c), "number": _s(c.get("case_number") or c.get("case_id")),
        "charges": "、".join(c.get("charges") or []), "court": _s(c.get("court")), "month": _s(c.get("month")),
        "grade": c.get("grade") or "", "error": counts.get("error", 0), "warning": counts.get("warning", 0),
        "info": counts.get("info", 0), "status": _status_cn(c), "failure": c.get("error"),
        "documents": _documents_cn(c), "missing": "、".join(c.get("missing_documents") or []),
    }
    if details:
        out["findings"] = [{"rule_id": _s(f.get("rule_id")), "title": _s(f.get("title")),
                            "severity": _s(f.get("severity")),
                            "severity_cn": _s(SEVERITY_CN.get(f.get("severity"), f.get("severity"))),
                            "message": _s(f.get("message")), "evidence": _evidence(f),
                            "suggestion": _s(f.get("suggestion")), "basis": _s(f.get("basis"))}
                           for f in c.get("findings") or []]
    return out


def _html_context(results: Results, info: dict[str, Any], summary: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, as strings and numbers (bar widths precomputed); the cases
    as two generators (the list, then the details), each one pass over the results."""
    again = _passes(results)
    s = summary if summary is not None else summarize(again())
    grade_rows = [(g, s["grades"][g]) for g in GRADES]
    gtop = max([n for _, n in grade_rows] + [1])
    groups = []
    for table, head, title in (("by_crime", "罪名", "按罪名"), ("by_expert", "专家", "按专家"),
                               ("by_court", "法院", "按法院"), ("by_month", "月份", "按月份")):
        header, body = _group_table(s[table], head)
        top = max([r[1] for r in body] + [1])
        groups.append({"title": title, "header": header,
                       "rows": [{"cells": [v if isinstance(v, int) else _s(v) for v in row],
                                 "width": int(160 * row[1] / top)} for row in body]})
    rtop = max([v["findings"] for v in s["by_rule"].values()] + [1])
    return {
        "css": Markup(_CSS),
        "name": _s(info.get("name")),
        "info_rows": [(_s(k), _s(v)) for k, v in _info_rows(info, s)],
        "grade_bars": [{"label": g, "n": n, "width": int(240 * n / gtop), "pct": f" ({_pct(n, s['done'])})" if s["done"] else ""}
                       for g, n in grade_rows],
        "severities": [{"key": sev, "cn": SEVERITY_CN[sev], "findings": s["severity"][sev]["findings"],
                        "cases": s["severity"][sev]["cases"]} for sev in SEVERITIES],
        "groups": groups,
        "rules": [{"id": rid, "severity": _s(v["severity"]), "severity_cn": _s(SEVERITY_CN.get(v["severity"])),
                   "findings": v["findings"], "cases": v["cases"], "width": int(160 * v["findings"] / rtop),
                   "title": _s(v.get("title")), "message": _s(v["message"])} for rid, v in s["by_rule"].items()],
        "cases": (_case_ctx(i, c, False) for i, c in enumerate(again(), 1)),
        "details": (_case_ctx(i, c, True) for i, c in enumerate(again(), 1)),
    }


def write_html(results: Results, path: Path, info: dict[str, Any] | None = None,
               summary: dict[str, Any] | None = None) -> None:
    """The report page from the Jinja2 template ``report.html.j2`` beside this module, written to
    the file as the template produces it."""
    with open(path, "w", encoding="utf-8") as f:
        for piece in _template().generate(**_html_context(results, info or {}, summary)):
            f.write(piece)
