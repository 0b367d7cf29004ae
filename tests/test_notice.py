"""流程通知书: a notice written from a real rule finding reads back with every field."""

from __future__ import annotations

import datetime as dt

from docx import Document

from models.notice import FIELDS, notice_from_finding, read_notice, write_notice
from models.pipeline import check_texts
from models.timeline.export import read_export


def _finding():
    events = read_export('[{"案号": "x", "事件": "提请批准逮捕", "日期": "2017-05-01"}, '
                         '{"案号": "x", "事件": "批准逮捕", "日期": "2017-05-10"}]'.encode(), "e.json")["x"]
    from knowledge.rules import EXAMPLES_DIR

    text = (EXAMPLES_DIR / "theft" / "judgment.txt").read_text(encoding="utf-8")
    text = text.replace("同年5月5日被逮捕", "同年5月10日被逮捕")
    report = check_texts({"judgment": text}, events=events)
    return next(f for f in report.findings if f.rule_id == "TL.ARREST_REVIEW_DETAINED")


def test_notice_reads_back_every_field(tmp_path):
    f = _finding()
    n = notice_from_finding(f, "（2017）沪0120刑初684号", "王某", "沪奉检案管流监〔2017〕3号",
                            issued=dt.date(2017, 7, 3), issuer="上海市奉贤区人民检察院", recipient="第一检察部")
    path = write_notice(n, tmp_path / "notice.docx")
    got = read_notice(path)
    assert list(got) == list(FIELDS)
    assert got["文号"] == "沪奉检案管流监〔2017〕3号"
    assert got["案号"] == "（2017）沪0120刑初684号"
    assert got["承办人"] == "王某"
    assert "9日" in got["问题"] and "七日" in got["问题"]  # 5月1日 → 5月10日, hand-counted
    assert got["依据"] == "《中华人民共和国刑事诉讼法》第九十一条第三款；《人民检察院刑事诉讼规则》第二百八十二条"
    assert got["整改要求"] == f.suggestion
    assert got["期限"] == "2017年7月13日前"  # 规则第六百六十五条: reply within 十日
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "案件流程监控通知书" in text and "上海市奉贤区人民检察院" in text and "第一检察部：" in text
