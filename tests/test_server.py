"""Web app: API with TestClient — check, cases, decisions, roles, CSRF, upload limits, audit."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.test_server_helpers import PASSWORD, login, make_users, sample_files, sample_texts

# every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("db_backend")


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    from knowledge.settings import Settings
    from server.app import create_app

    d = tmp_path_factory.mktemp("web")
    s = Settings(data_dir=d, max_upload_bytes=2 * 1024 * 1024, max_upload_files=4, max_file_bytes=256 * 1024)
    app = create_app(s, start_worker=False)
    tokens = make_users(app)
    client = TestClient(app)
    checked = {}
    for who in ("p1", "p2", "p3"):
        r = client.post("/api/v1/check", files=sample_files(), headers=_auth(tokens[who]))
        assert r.status_code == 200, r.text
        checked[who] = r.json()["record_id"]
    return app, client, tokens, checked


def _auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def test_runs_on_the_backend_it_names(env, db_backend):
    app = env[0]
    assert app.state.engine.dialect.name == {"sqlite": "sqlite", "postgres": "postgresql"}[db_backend]
    assert app.state.worker.store.engine.dialect.name == app.state.engine.dialect.name


def test_health_needs_no_login(env):
    _app, client, _t, _c = env
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_openapi_and_docs(env):
    _app, client, _t, _c = env
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/check", "/api/v1/proofread", "/api/v1/analyze", "/api/v1/similar", "/api/v1/batches",
                 "/api/v1/batches/{batch_id}", "/api/v1/health"):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]) == {
        "application/json", "multipart/form-data"}
    assert client.get("/docs").status_code == 200


def test_check_files_finds_the_planted_errors(env):
    _app, client, tokens, checked = env
    r = client.get(f"/api/v1/cases/{checked['p1']}", headers=_auth(tokens["p1"]))
    assert r.status_code == 200
    rep = r.json()["report"]
    rules = {f["rule_id"] for f in rep["findings"]}
    assert {"COMPARE.TERM_MISMATCH", "SENT.TERM_DATES"} <= rules
    assert rep["case_id"] == "（2014）西刑初字第10号"
    f = next(f for f in rep["findings"] if f["rule_id"] == "SENT.TERM_DATES")
    text = r.json()["documents"]["judgment"]["text"]
    sp = f["spans"][0]
    assert text[sp["start"]:sp["end"]] == sp["text"] == "2013年8月5日"


def test_check_json_texts(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", json=sample_texts(), headers=_auth(tokens["p1"]))
    assert r.status_code == 200
    body = r.json()
    assert body["grade"] and body["record_id"] > 0
    assert any(f["rule_id"] == "COMPARE.TERM_MISMATCH" for f in body["findings"])


def test_check_zip(env):
    _app, client, tokens, _c = env
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for _k, (name, data, _t) in sample_files():
            zf.writestr(name, data)
    r = client.post("/api/v1/check", files=[("files", ("case.zip", buf.getvalue(), "application/zip"))],
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    assert len(r.json()["documents"]) == 3


@pytest.mark.parametrize("body,status,word", [
    ({"indictment": "", "judgment": None}, 400, "至少提供"),
    ({"indictment": 5}, 422, "请求参数有误"),
])
def test_check_bad_json(env, body, status, word):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", json=body, headers=_auth(tokens["p1"]))
    assert r.status_code == status and word in r.json()["detail"]


def test_check_wrong_content_type(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", content=b"abc", headers={**_auth(tokens["p1"]), "content-type": "text/plain"})
    assert r.status_code == 415 and "multipart" in r.json()["detail"]


# --------------------------------------------------------------------------- upload limits


def test_upload_too_many_files(env):
    _app, client, tokens, _c = env
    files = [("files", (f"{i}.txt", "起诉书".encode(), "text/plain")) for i in range(5)]
    r = client.post("/api/v1/check", files=files, headers=_auth(tokens["p1"]))
    assert r.status_code == 413 and "最多上传4个文件" in r.json()["detail"]


def test_upload_wrong_type(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", files=[("files", ("a.exe", b"MZ\x00\x00", "application/octet-stream"))],
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 415 and "不支持的文件类型" in r.json()["detail"]
    r = client.post("/api/v1/check", files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 415


def test_upload_file_too_large(env):
    _app, client, tokens, _c = env
    big = ("起诉书" * 100_000).encode()  # ~900 KB > 256 KB per document
    r = client.post("/api/v1/check", files=[("files", ("起诉书.txt", big, "text/plain"))], headers=_auth(tokens["p1"]))
    assert r.status_code == 413 and "过大" in r.json()["detail"]


def test_request_body_too_large(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", content=b"x" * (4 * 1024 * 1024),
                    headers={**_auth(tokens["p1"]), "content-type": "application/json"})
    assert r.status_code == 413 and "不得超过" in r.json()["detail"]


def test_upload_empty_and_garbage(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", files=[("files", ("起诉书.txt", b"", "text/plain"))], headers=_auth(tokens["p1"]))
    assert r.status_code == 400 and "空文件" in r.json()["detail"]
    r = client.post("/api/v1/check", files=[("files", ("x.zip", b"PK\x03\x04broken", "application/zip"))],
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 400 and "压缩包" in r.json()["detail"]


# --------------------------------------------------------------------------- roles


def test_no_credentials_is_401(env):
    _app, client, _t, checked = env
    fresh = TestClient(client.app)
    assert fresh.get(f"/api/v1/cases/{checked['p1']}").status_code == 401
    assert fresh.post("/api/v1/check", json=sample_texts()).status_code == 401
    assert fresh.get("/api/v1/cases", headers=_auth("jc_not-a-token")).status_code == 401
    assert fresh.get("/dashboard", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("who,sees", [
    ("p1", {"p1"}), ("p2", {"p2"}), ("p3", {"p3"}),
    ("h1", {"p1", "p2"}), ("h2", {"p3"}), ("admin", {"p1", "p2", "p3"}),
])
def test_role_visibility(env, who, sees):
    _app, client, tokens, checked = env
    for owner, pk in checked.items():
        r = client.get(f"/api/v1/cases/{pk}", headers=_auth(tokens[who]))
        assert r.status_code == (200 if owner in sees else 404), (who, owner)
        d = client.post(f"/api/v1/cases/{pk}/findings/0/decision", json={"decision": "accept"},
                        headers=_auth(tokens[who]))
        assert d.status_code == (200 if owner in sees else 404), (who, owner)
    owners = {c["owner"] for c in client.get("/api/v1/cases?limit=500", headers=_auth(tokens[who])).json()["items"]}
    assert owners == sees
    stats = client.get("/api/v1/stats", headers=_auth(tokens[who])).json()
    assert stats["cases"] == len(client.get("/api/v1/cases?limit=500", headers=_auth(tokens[who])).json()["items"])


def test_audit_only_for_admin_and_ids_masked(env):
    _app, client, tokens, _c = env
    for who in ("p1", "h1"):
        assert client.get("/api/v1/audit", headers=_auth(tokens[who])).status_code == 403
    texts = sample_texts()
    r = client.post("/api/v1/check", json={**texts, "case_id": "身份证110101199003071234"},
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 200
    rows = client.get("/api/v1/audit", headers=_auth(tokens["admin"])).json()
    assert any(r["action"] == "check" and r["user"] == "p1" for r in rows)
    assert any(r["action"] == "view" for r in rows)
    joined = " ".join(r["target"] + r["detail"] for r in rows)
    assert "110101199003071234" not in joined and "110101********1234" in joined


def test_case_page_highlights_and_decision_form(env):
    _app, client, _t, checked = env
    c = TestClient(client.app)
    tok = login(c, "p1")
    page = c.get(f"/cases/{checked['p1']}")
    assert page.status_code == 200
    assert '<mark class="sev-error' in page.text and "2013年8月5日</mark>" in page.text
    assert "法律依据" in page.text and "量刑建议" in page.text
    # another prosecutor's case: not found
    assert c.get(f"/cases/{checked['p3']}").status_code == 404
    r = c.post(f"/cases/{checked['p1']}/findings/1/decision", data={"decision": "dismiss", "csrf_token": tok},
               follow_redirects=False)
    assert r.status_code == 303
    d = c.get(f"/api/v1/cases/{checked['p1']}").json()["decisions"]
    assert d["1"]["decision"] == "dismiss" and d["1"]["user"] == "p1"
    assert "已驳回" in c.get(f"/cases/{checked['p1']}").text


# --------------------------------------------------------------------------- CSRF and sessions


def test_csrf_required_for_cookie_sessions(env):
    _app, client, _t, checked = env
    c = TestClient(client.app)
    tok = login(c, "p1")
    url = f"/api/v1/cases/{checked['p1']}/findings/0/decision"
    assert c.post(url, json={"decision": "accept"}).status_code == 403
    assert c.post(url, json={"decision": "accept"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert c.post(url, json={"decision": "accept"}, headers={"X-CSRF-Token": tok}).status_code == 200
    form_url = f"/cases/{checked['p1']}/findings/0/decision"
    assert c.post(form_url, data={"decision": "accept"}, follow_redirects=False).status_code == 403
    assert c.post(form_url, data={"decision": "accept", "csrf_token": tok}, follow_redirects=False).status_code == 303
    # the login form itself is protected
    c2 = TestClient(client.app)
    c2.get("/login")
    assert c2.post("/login", data={"username": "p1", "password": PASSWORD}).status_code == 403


def test_login_wrong_password_and_logout(env):
    _app, client, _t, _c = env
    c = TestClient(client.app)
    tok = c.get("/login")
    from tests.test_server_helpers import csrf_of

    r = c.post("/login", data={"username": "p1", "password": "nope", "csrf_token": csrf_of(tok.text)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    tok = login(c, "p1")
    assert c.get("/dashboard").status_code == 200
    c.post("/logout", data={"csrf_token": tok})
    assert c.get("/dashboard", follow_redirects=False).status_code == 303


def test_pages_render(env):
    _app, client, _t, _c = env
    c = TestClient(client.app)
    login(c, "admin")
    for url in ("/", "/cases", "/cases?rule=SENT.TERM_DATES", "/dashboard", "/batches", "/audit"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "content-security-policy" in r.headers
    assert "SENT.TERM_DATES" in c.get("/dashboard").text
    p = TestClient(client.app)
    login(p, "p1")
    assert p.get("/audit").status_code == 403


def test_upload_page_error_message(env):
    _app, client, _t, _c = env
    c = TestClient(client.app)
    tok = login(c, "p1")
    r = c.post("/cases", files=[("files", ("a.exe", b"MZ", "application/octet-stream"))], data={"csrf_token": tok})
    assert r.status_code == 415 and "不支持的文件类型" in r.text
    r = c.post("/cases", files=sample_files(), data={"csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/cases/")


def test_tokens_endpoint(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/tokens", json={"name": "script"}, headers=_auth(tokens["p2"]))
    assert r.status_code == 200
    new = r.json()["token"]
    assert client.get("/api/v1/me", headers=_auth(new)).json()["username"] == "p2"


def test_proofread_and_analyze(env):
    _app, client, tokens, _c = env
    text = sample_texts()["indictment"]
    r = client.post("/api/v1/proofread", json={"text": text, "id": "x"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200 and r.json()["id"] == "x"
    from models.proofread import proofread

    local = proofread(text)  # the route answers what the library answers
    assert r.json()["corrected"] == local.corrected
    assert [f["suggestion"] for f in r.json()["findings"]] == [f["suggestion"] for f in local.findings]
    r = client.post("/api/v1/analyze", json={"text": text}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200 and "盗窃" in r.json()["charges"]
    assert client.post("/api/v1/analyze", json={"text": ""}, headers=_auth(tokens["p1"])).status_code == 422
    facts = "被告人张某以投资为名骗取被害人李某人民币5万元。"
    r = client.post("/api/v1/analyze", json={"text": facts, "charges": ["盗窃罪"]}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200 and r.json()["charges"] == ["盗窃"] and r.json()["charges_source"] == "given"
    r = client.post("/api/v1/analyze", json={"text": facts, "charges": "飞天罪"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 400 and "飞天" in r.text
    r = client.post("/api/v1/check", json={**sample_texts(), "charges": "诈骗"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    assert r.json()["sentence_suggestion"]["charges"] == ["诈骗"]
    assert r.json()["sentence_suggestion"]["charges_source"] == "given"


def test_similar_without_store_is_503(env, monkeypatch):
    _app, client, tokens, _c = env
    import knowledge.cases as kc

    monkeypatch.setattr(kc, "store_ready", lambda path=None: False)
    r = client.post("/api/v1/similar", json={"text": "被告人盗窃手机一部"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 503 and "类案库" in r.json()["detail"]


def test_batch_routes_without_worker(env):
    app, client, tokens, _c = env
    saved = app.state.worker
    app.state.worker = None
    try:
        r = client.get("/api/v1/batches", headers=_auth(tokens["p1"]))
        assert r.status_code == 503 and "批量评查" in r.json()["detail"]
    finally:
        app.state.worker = saved


def test_non_legal_text_is_refused_with_400(env):
    """A text with no authority, no 被告人, no title and no section is no 起诉书 (issue 18)."""
    _app, client, tokens, _c = env
    weather = "今天天气很好，阳光明媚，我们一家人去公园散步，看到湖边的柳树发了新芽。" * 3
    r = client.post("/api/v1/check", json={"indictment": weather}, headers=_auth(tokens["p1"]))
    assert r.status_code == 400 and "无法识别为起诉书、量刑建议书或刑事判决书" in r.json()["detail"]
    r = client.post("/api/v1/check", files=[("files", ("天气.txt", weather.encode(), "text/plain"))],
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 400 and "无法识别为起诉书、量刑建议书或刑事判决书" in r.json()["detail"]


def test_one_document_case_is_incomplete(env):
    _app, client, tokens, _c = env
    r = client.post("/api/v1/check", json={"judgment": sample_texts()["judgment"]}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["missing_documents"] == ["起诉书", "量刑建议书"]
    assert rep["grade"] in ("材料不全", "不合格") and rep["grade"] != "优质"
    assert all(f["title"] for f in rep["findings"])


def test_similar_case_page_shows_court_date_and_full_text(env, monkeypatch, tmp_path):
    """The case view of a stored similar case (a judgment): court, date, case number, full text."""
    import knowledge.cases as kc
    from knowledge.cases import CaseRecord, CaseStore

    _app, client, _tokens, _c = env
    text = "某市某区人民法院 刑事判决书 （2018）苏0482刑初260号 …… 被告人冯某犯盗窃罪，判处罚金人民币五千元。"
    store = CaseStore.create(tmp_path / "s", [
        CaseRecord(id="judge-x1", fact="被告人冯某窃得被害人手机1部，价值人民币2960元。", charges=["盗窃"], term_months=0,
                   court="某市某区人民法院", date="2018-05-24", case_number="（2018）苏0482刑初260号", text=text),
        CaseRecord(id="c2", fact="被告人醉酒驾驶机动车。", charges=["危险驾驶"], term_months=2)])
    monkeypatch.setattr(kc, "store_ready", lambda path=None: True)
    monkeypatch.setattr(kc, "get_store", lambda: store)
    login(client, "p1")
    r = client.get("/similar/judge-x1")
    assert r.status_code == 200
    for part in ("某市某区人民法院", "2018-05-24", "（2018）苏0482刑初260号", "判决书全文", "判处罚金人民币五千元", "2960元"):
        assert part in r.text
    assert client.get("/similar/nope").status_code == 404
    assert client.get("/similar/..%2F..%2Fetc").status_code == 404


def test_case_page_similar_ids_open_the_read_only_view(env, monkeypatch, tmp_path):
    """The similar-case ids listed on a checked case's page are links to /similar/{id}, and each opens
    that stored case read-only (no form, no decision buttons)."""
    import re

    import knowledge.cases as kc
    import models.similar as ms
    from knowledge.cases import CaseRecord, CaseStore

    _app, client, tokens, _c = env
    store = CaseStore.create(tmp_path / "s", [
        CaseRecord(id="theft-a1", fact="被告人李某秘密窃取被害人手机一部，价值人民币三千元。", charges=["盗窃"], term_months=8,
                   court="某县人民法院", date="2019-03-02", case_number="（2019）某0101刑初1号",
                   text="某县人民法院 刑事判决书 被告人李某犯盗窃罪，判处有期徒刑八个月。"),
        CaseRecord(id="theft-a2", fact="被告人张某入户盗窃现金人民币五千元。", charges=["盗窃"], term_months=10)])
    for mod in (kc, ms):
        monkeypatch.setattr(mod, "store_ready", lambda path=None: True)
        monkeypatch.setattr(mod, "get_store", lambda: store)
    texts = sample_texts()  # changed so the upload is no duplicate of the module's checked sample
    texts["judgment"] += "\n本判决书与原本核对无异（类案链接测试）。"
    r = client.post("/api/v1/check", json=texts, headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    login(client, "p1")
    page = client.get(f"/cases/{r.json()['record_id']}")
    assert page.status_code == 200
    section = page.text[page.text.index('id="similar"'):]
    ids = re.findall(r'<a href="/similar/([^"]+)">([^<]+)</a>', section)
    assert ids and all(href == text for href, text in ids)
    # the view's heading names the stored case by its 案号 when it has one, by its id otherwise
    label = {"theft-a1": "（2019）某0101刑初1号", "theft-a2": "theft-a2"}
    assert {i for i, _ in ids} <= set(label)
    for case_id, _ in ids:
        v = client.get(f"/similar/{case_id}")
        assert v.status_code == 200 and f"<h1>类案 {label[case_id]}</h1>" in v.text
        main = v.text[v.text.index("<main>"):v.text.index("</main>")]
        assert "<form" not in main and "<button" not in main  # read-only: nothing to submit
    one = client.get("/similar/theft-a1").text
    assert "某县人民法院" in one and "判处有期徒刑八个月" in one and "三千元" in one
