"""Web app: the case timeline with a case-management export upload (good and bad files), and the
流程通知书 workflow — confirm → issue → reply (整改) → close (销号) — with role checks, the audit
log and the .docx read back with python-docx."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.test_server_helpers import login, make_users, sample_files

CASE_NO = "（2014）西刑初字第10号"


pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    from knowledge.settings import Settings
    from server.app import create_app

    d = tmp_path_factory.mktemp("web-notices")
    app = create_app(Settings(data_dir=d), start_worker=False, warm=False)
    tokens = make_users(app)
    client = TestClient(app)
    r = client.post("/api/v1/check", files=sample_files(), headers={"Authorization": f"Bearer {tokens['p1']}"})
    assert r.status_code == 200, r.text
    return app, client, r.json()["record_id"], r.json()["findings"]


def _client(app, who: str) -> tuple[TestClient, str]:
    c = TestClient(app)
    return c, login(c, who)


def test_case_page_shows_the_timeline(env):
    app, _c, pk, _f = env
    c, _tok = _client(app, "p1")
    html = c.get(f"/cases/{pk}").text
    assert 'id="timeline-table"' in html
    # events the sample's documents state (read by hand from knowledge/samples/case-001)
    rows = re.findall(r"<tr class=\"[^\"]*\" data-key=\"(\w+)\">\s*<td>([\d-]+)</td>", html)
    assert ("detention", "2013-08-05") in rows and ("arrest", "2013-09-06") in rows
    assert ("judgment", "2013-12-30") in rows
    assert "冲突" not in html.split('id="timeline"')[1].split("</section>")[0]


def test_export_upload_merges_and_marks_conflicts(env):
    app, _c, pk, _f = env
    c, tok = _client(app, "p1")
    csv = ("案号,事件,日期,承办人,部门\n"
           f"{CASE_NO},逮捕,2013-09-07,李明,第一检察部\n"   # the documents say 2013-09-06: a conflict
           f"{CASE_NO},退回补充侦查,2013-12-10,李明,第一检察部\n"
           "（2099）某刑初1号,逮捕,2013-01-01,张三,第二检察部\n").encode()
    r = c.post(f"/cases/{pk}/export", data={"csrf_token": tok},
               files={"file": ("案管导出.csv", csv, "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    html = c.get(f"/cases/{pk}").text
    part = html.split('id="timeline"')[1].split("</section>")[0]
    assert "日期冲突 1 处" in part and "2013年9月6日" in part and "2013年9月7日" in part
    assert re.search(r'class="conflict" data-key="arrest">\s*<td>2013-09-07</td>', part)
    assert "2013-12-10" in part and "李明" in part and "第2行：逮捕" in part
    assert "张三" not in part  # the other case's row is not this case's
    # the facts the thematic analyses read: one return round, handler from the export
    from server.db import CaseFacts

    with app.state.Session() as db:
        f = db.get(CaseFacts, pk)
        assert (f.returns, f.handler, f.conflicts) == (1, "李明", 1)


def test_export_rechecks_the_case_and_keeps_decisions(env):
    """Three 退回补充侦查 rounds in the export: the timeline rule (at most twice, 刑诉法第一百七十五条)
    fires after the upload; a decision made before follows its finding."""
    app, _c, pk, findings = env
    c, tok = _client(app, "p1")
    idx = next(i for i, f in enumerate(findings) if f["rule_id"] == "SENT.TERM_DATES")
    c.post(f"/cases/{pk}/findings/{idx}/decision", data={"csrf_token": tok, "decision": "dismiss", "note": "测试"})
    rows = "".join(f"{CASE_NO},退回补充侦查,{d},李明\n" for d in ("2013-12-08", "2014-01-09", "2014-02-10"))
    r = c.post(f"/cases/{pk}/export", data={"csrf_token": tok},
               files={"file": ("e.csv", ("案号,事件,日期,承办人\n" + rows).encode(), "text/csv")},
               follow_redirects=False)
    assert r.status_code == 303
    rep = c.get(f"/api/v1/cases/{pk}").json()
    rules = [f["rule_id"] for f in rep["report"]["findings"]]
    assert "TL.RETURNS_OVER_TWO" in rules
    new_idx = rules.index("SENT.TERM_DATES")
    with app.state.Session() as db:
        from sqlalchemy import select

        from server.db import CaseFacts, CaseFinding, FindingDecision

        dec = db.scalars(select(FindingDecision).where(FindingDecision.case_pk == pk)).all()
        assert [(d.idx, d.decision, d.note) for d in dec] == [(new_idx, "dismiss", "测试")]
        stored = db.scalars(select(CaseFinding.rule_id).where(CaseFinding.case_pk == pk)).all()
        assert sorted(stored) == sorted(rules)
        assert db.get(CaseFacts, pk).returns == 3


@pytest.mark.parametrize("name,data,status,words", [
    ("x.csv", b"", 400, "为空"),
    ("x.csv", "案号,日期\n1,2020-01-01\n".encode(), 400, "缺少列：事件"),
    ("x.csv", f"案号,事件,日期\n{CASE_NO},吃饭,2020-01-01\n".encode(), 400, "事件无法识别"),
    ("x.csv", f"案号,事件,日期\n{CASE_NO},逮捕,明天\n".encode(), 400, "日期无法识别"),
    ("x.xlsx", b"PK\x03\x04 not really a workbook", 400, "无法读取 Excel"),
    ("x.json", b"{not json", 400, "JSON 格式有误"),
    ("x.pdf", b"%PDF-1.4", 415, "不支持"),
    ("x.csv", "案号,事件,日期\n（2099）某刑初1号,逮捕,2013-01-01\n".encode(), 400, "没有本案"),
])
def test_bad_exports_get_a_chinese_message(env, name, data, status, words):
    app, _c, pk, _f = env
    c, tok = _client(app, "p1")
    r = c.post(f"/cases/{pk}/export", data={"csrf_token": tok}, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == status, (name, r.status_code)
    msg = re.search(r'id="export-error">([^<]+)<', r.text)
    assert msg and words in msg.group(1), r.text[-500:]


def test_xlsx_and_json_exports(env):
    from openpyxl import Workbook

    app, _c, pk, _f = env
    c, tok = _client(app, "p1")
    wb = Workbook()
    ws = wb.active
    ws.append(["案号", "事件", "日期", "承办人"])
    ws.append([CASE_NO, "延长审查起诉期限", "2013-12-15", "王五"])
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post(f"/cases/{pk}/export", data={"csrf_token": tok},
               files={"file": ("导出.xlsx", buf.getvalue(), "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    assert "延长审查起诉期限" in c.get(f"/cases/{pk}").text
    rows = [{"案号": CASE_NO, "事件": "开庭", "日期": "2013年12月27日"}]
    r = c.post(f"/cases/{pk}/export", data={"csrf_token": tok},
               files={"file": ("导出.json", json.dumps(rows, ensure_ascii=False).encode(), "application/json")},
               follow_redirects=False)
    assert r.status_code == 303
    html = c.get(f"/cases/{pk}").text
    assert "2013-12-27" in html and "延长审查起诉期限" not in html  # the latest upload replaces the earlier


def test_notice_workflow(env):
    from docx import Document

    app, _c, pk, _f = env
    admin, atok = _client(app, "admin")
    p1, ptok = _client(app, "p1")
    findings = p1.get(f"/api/v1/cases/{pk}").json()["report"]["findings"]  # as the export re-check left them
    idx = next(i for i, f in enumerate(findings) if f["severity"] == "warning")
    f = findings[idx]
    p2, p2tok = _client(app, "p2")
    h2, h2tok = _client(app, "h2")
    # a prosecutor may not issue
    r = p1.post(f"/cases/{pk}/findings/{idx}/notice", data={"csrf_token": ptok}, follow_redirects=False)
    assert r.status_code == 403
    r = admin.post(f"/cases/{pk}/findings/{idx}/notice", data={"csrf_token": atok}, follow_redirects=False)
    assert r.status_code == 303
    nid = int(r.headers["location"].rsplit("/", 1)[1])
    page = admin.get(f"/notices/{nid}").text
    assert "已发出" in page and f["message"][:20] in page
    # issuing again for the same finding gives the same notice
    r = admin.post(f"/cases/{pk}/findings/{idx}/notice", data={"csrf_token": atok}, follow_redirects=False)
    assert r.headers["location"] == f"/notices/{nid}"
    # the .docx holds every field
    r = p1.get(f"/notices/{nid}/docx")
    assert r.status_code == 200
    table = Document(io.BytesIO(r.content)).tables[0]
    got = {row.cells[0].text: row.cells[1].text for row in table.rows}
    assert set(got) == {"文号", "案号", "承办人", "问题", "依据", "整改要求", "期限"}
    assert got["案号"] == CASE_NO and got["承办人"] == "p1" and got["问题"] == f["message"]
    assert got["依据"] == f["basis"] and got["整改要求"] == (f.get("suggestion") or "请及时查明情况并予以纠正。")
    assert re.fullmatch(r"检案管监〔20\d\d〕\d+号", got["文号"])
    assert re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日前", got["期限"])
    # another prosecutor and another department's head neither see nor reply
    assert p2.get(f"/notices/{nid}").status_code == 404
    assert h2.post(f"/notices/{nid}/reply", data={"csrf_token": h2tok, "reply": "x"}).status_code == 404
    # close before the reply: refused
    assert admin.post(f"/notices/{nid}/close", data={"csrf_token": atok}).status_code == 400
    # 案管 may not reply in the 承办人's place
    assert admin.post(f"/notices/{nid}/reply", data={"csrf_token": atok, "reply": "x"}).status_code == 403
    assert p1.post(f"/notices/{nid}/reply", data={"csrf_token": ptok, "reply": " "}).status_code == 400
    r = p1.post(f"/notices/{nid}/reply", data={"csrf_token": ptok, "reply": "已核实羁押日期并更正"},
                follow_redirects=False)
    assert r.status_code == 303
    assert p1.post(f"/notices/{nid}/close", data={"csrf_token": ptok}).status_code == 403
    r = admin.post(f"/notices/{nid}/close", data={"csrf_token": atok, "note": "整改到位"}, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get(f"/notices/{nid}").text
    assert "已销号" in page and "已核实羁押日期并更正" in page and "整改到位" in page
    from sqlalchemy import select

    from server.db import AuditLog, FindingDecision

    with app.state.Session() as db:
        log = db.scalars(select(AuditLog).where(AuditLog.target == f"notice:{nid}").order_by(AuditLog.id)).all()
        steps = [(a.action, a.user) for a in log if a.action != "notice_download"]
        assert steps == [("notice_issue", "admin"), ("notice_reply", "p1"), ("notice_close", "admin")]
        assert all(a.at is not None for a in log)
        dec = db.scalars(select(FindingDecision).where(FindingDecision.case_pk == pk,
                                                       FindingDecision.idx == idx)).one()
        assert (dec.decision, dec.user) == ("accept", "admin")


def test_accepting_a_warning_as_admin_issues_a_notice(env):
    app, _c, pk, _f = env
    admin, atok = _client(app, "admin")
    p1, ptok = _client(app, "p1")
    findings = p1.get(f"/api/v1/cases/{pk}").json()["report"]["findings"]
    idxs = [i for i, f in enumerate(findings) if f["severity"] in ("error", "warning")]
    info = [i for i, f in enumerate(findings) if f["severity"] == "info"]
    a, b = idxs[-1], idxs[-2]
    # a prosecutor's 采纳 is no confirmation by the 案管: no notice
    p1.post(f"/cases/{pk}/findings/{b}/decision", data={"csrf_token": ptok, "decision": "accept"})
    admin.post(f"/cases/{pk}/findings/{a}/decision", data={"csrf_token": atok, "decision": "accept"})
    if info:
        admin.post(f"/cases/{pk}/findings/{info[0]}/decision", data={"csrf_token": atok, "decision": "accept"})
    from sqlalchemy import select

    from server.db import ProcessNotice

    with app.state.Session() as db:
        got = {n.finding_idx for n in db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == pk))}
    assert a in got and b not in got and not (set(info) & got)
    lst = p1.get("/notices").text
    assert lst.count('href="/notices/') >= 1


def test_api_accept_by_admin_issues_a_notice(env):
    """The same confirmation through the API (Bearer token): 案管's accept issues the notice."""
    from sqlalchemy import select

    from server.db import ProcessNotice

    app, client, pk, _f = env
    with app.state.Session() as db:
        from server.db import ApiToken, User
        from server.security import new_token, token_digest

        admin = db.scalars(select(User).where(User.username == "admin")).one()
        tok = new_token()
        db.add(ApiToken(user_id=admin.id, name="t2", token_hash=token_digest(tok)))
        db.commit()
    findings = client.get(f"/api/v1/cases/{pk}", headers={"Authorization": f"Bearer {tok}"}).json()["report"]["findings"]
    with app.state.Session() as db:
        have = {n.finding_idx for n in db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == pk))}
    idx = next(i for i, f in enumerate(findings) if f["severity"] in ("error", "warning") and i not in have)
    r = client.post(f"/api/v1/cases/{pk}/findings/{idx}/decision", json={"decision": "accept"},
                    headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200, r.text
    with app.state.Session() as db:
        n = db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == pk, ProcessNotice.finding_idx == idx)).one()
        assert n.problem == findings[idx]["message"] and n.issued_by == "admin" and n.state == "issued"


def _api_token(app, username: str) -> dict[str, str]:
    from sqlalchemy import select

    from server.db import ApiToken, User
    from server.security import new_token, token_digest

    with app.state.Session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        tok = new_token()
        db.add(ApiToken(user_id=user.id, name=f"api-{username}", token_hash=token_digest(tok)))
        db.commit()
    return {"Authorization": f"Bearer {tok}"}


def test_api_notice_reply_and_close(env):
    """The JSON API of the workflow: list/read what one may see, reply as the 承办人, close as 案管,
    with the same role and state rules as the pages, and the audit trail."""
    from docx import Document
    from sqlalchemy import select

    from server.db import AuditLog, ProcessNotice

    app, client, pk, _f = env
    admin, p1, p2, h1 = (_api_token(app, u) for u in ("admin", "p1", "p2", "h1"))
    findings = client.get(f"/api/v1/cases/{pk}", headers=admin).json()["report"]["findings"]
    with app.state.Session() as db:
        have = {n.finding_idx for n in db.scalars(select(ProcessNotice).where(ProcessNotice.case_pk == pk))}
    idx = next(i for i, f in enumerate(findings) if f["severity"] in ("error", "warning") and i not in have)
    r = client.post(f"/api/v1/cases/{pk}/findings/{idx}/decision", json={"decision": "accept"}, headers=admin)
    assert r.status_code == 200, r.text
    listed = client.get("/api/v1/notices", params={"state": "issued"}, headers=p1).json()
    mine = [n for n in listed["items"] if n["case_pk"] == pk and n["finding_idx"] == idx]
    assert len(mine) == 1 and listed["total"] >= 1
    n = mine[0]
    assert (n["state"], n["case_number"], n["handler"], n["problem"]) == ("issued", CASE_NO, "p1",
                                                                           findings[idx]["message"])
    nid = n["id"]
    assert client.get(f"/api/v1/notices/{nid}", headers=h1).json()["number"] == n["number"]  # p1's head
    assert client.get(f"/api/v1/notices/{nid}", headers=p2).status_code == 404  # not p2's notice
    assert all(x["id"] != nid for x in client.get("/api/v1/notices", headers=p2).json()["items"])
    assert client.get("/api/v1/notices", params={"state": "bogus"}, headers=p1).status_code == 422
    close = f"/api/v1/notices/{nid}/close"
    reply = f"/api/v1/notices/{nid}/reply"
    assert client.post(close, json={"note": "x"}, headers=admin).status_code == 400  # not replied yet
    assert client.post(reply, json={"reply": "x"}, headers=admin).status_code == 403  # not the 承办人
    assert client.post(reply, json={"reply": ""}, headers=p1).status_code == 422
    assert client.post(reply, content=b"{not json", headers=p1).status_code == 422
    r = client.post(reply, json={"reply": "已核实并更正"}, headers=p1)
    assert r.status_code == 200 and r.json()["state"] == "replied" and r.json()["replied_by"] == "p1"
    assert client.post(reply, json={"reply": "再次回复"}, headers=p1).status_code == 400
    assert client.post(close, json={"note": "x"}, headers=p1).status_code == 403  # only 案管 closes
    r = client.post(close, json={"note": "整改到位"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["close_note"], r.json()["closed_by"]) == ("closed", "整改到位", "admin")
    closed = client.get("/api/v1/notices", params={"state": "closed"}, headers=admin).json()["items"]
    assert nid in {x["id"] for x in closed}
    r = client.get(f"/api/v1/notices/{nid}/docx", headers=p1)
    assert r.status_code == 200 and "officedocument" in r.headers["content-type"]
    got = {row.cells[0].text: row.cells[1].text for row in Document(io.BytesIO(r.content)).tables[0].rows}
    assert got["文号"] == n["number"] and got["案号"] == CASE_NO
    with app.state.Session() as db:
        log = db.scalars(select(AuditLog).where(AuditLog.target == f"notice:{nid}").order_by(AuditLog.id)).all()
        assert [(a.action, a.user) for a in log] == [("notice_issue", "admin"), ("notice_reply", "p1"),
                                                     ("notice_close", "admin"), ("notice_download", "p1")]


def test_ids_beyond_the_integer_column_are_refused_not_500(env):
    """2**31 overflows PostgreSQL's integer primary keys: refused by validation on both backends."""
    app, client, _pk, _f = env
    h = _api_token(app, "admin")
    for path in ("/api/v1/cases/2147483648", "/api/v1/notices/2147483648", "/api/v1/notices/2147483648/docx"):
        r = client.get(path, headers=h)
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
    assert client.get("/api/v1/notices/2147483647", headers=h).status_code == 404
