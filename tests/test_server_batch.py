"""Web app ↔ batch engine: create from an uploaded zip or (案管) a server folder, progress,
results, export, cancel, and who may see which batch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.test_server_helpers import SAMPLE, batch_zip, login, make_users

# every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("db_backend")


def _auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture(scope="module")
def env(tmp_path_factory, db_backend):
    from knowledge.settings import Settings
    from server.app import create_app

    d = tmp_path_factory.mktemp("webbatch")
    app = create_app(Settings(data_dir=d, batch_roots=[SAMPLE.parent.parent]))
    tokens = make_users(app)
    with TestClient(app) as client:
        yield app, client, tokens, d


def test_zip_batch_runs_to_done(env):
    app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("评查.zip", batch_zip(3), "application/zip")},
                    data={"name": "第一批"}, headers=_auth(tokens["p1"]))
    assert r.status_code == 200, r.text
    bid = r.json()["id"]
    st = app.state.worker.wait(bid, timeout=120)
    assert st["state"] == "done" and st["total"] == 3 and st["done"] == 3
    s = client.get(f"/api/v1/batches/{bid}", headers=_auth(tokens["p1"])).json()
    assert s["name"] == "第一批" and sum(s["grades"].values()) == 3
    res = client.get(f"/api/v1/batches/{bid}/results", headers=_auth(tokens["p1"])).json()
    assert len(res) == 3 and all(x["grade"] for x in res)
    x = client.get(f"/api/v1/batches/{bid}/export?fmt=xlsx", headers=_auth(tokens["p1"]))
    assert x.status_code == 200 and x.content[:2] == b"PK"
    h = client.get(f"/api/v1/batches/{bid}/export?fmt=html", headers=_auth(tokens["p1"]))
    assert h.status_code == 200 and "<html" in h.text.lower()
    assert client.get(f"/api/v1/batches/{bid}/export?fmt=exe", headers=_auth(tokens["p1"])).status_code == 422
    # visibility: same department head yes; other prosecutor / other head no; admin yes
    for who, code in (("h1", 200), ("admin", 200), ("p2", 404), ("p3", 404), ("h2", 404)):
        assert client.get(f"/api/v1/batches/{bid}", headers=_auth(tokens[who])).status_code == code, who
        assert client.get(f"/api/v1/batches/{bid}/results", headers=_auth(tokens[who])).status_code == code, who
    ids = {b["id"] for b in client.get("/api/v1/batches", headers=_auth(tokens["p3"])).json()}
    assert bid not in ids
    assert bid in {b["id"] for b in client.get("/api/v1/batches", headers=_auth(tokens["h1"])).json()}
    # only the owner or 案管 may cancel
    assert client.post(f"/api/v1/batches/{bid}/cancel", headers=_auth(tokens["h1"])).status_code == 403


def test_folder_batch_only_for_admin(env):
    app, client, tokens, d = env
    r = client.post("/api/v1/batches", json={"folder": str(SAMPLE.parent)}, headers=_auth(tokens["p1"]))
    assert r.status_code == 403 and "案管" in r.json()["detail"]
    r = client.post("/api/v1/batches", json={"folder": "/no/such/dir"}, headers=_auth(tokens["admin"]))
    assert r.status_code == 403 and "不在允许" in r.json()["detail"]
    r = client.post("/api/v1/batches", json={"folder": str(SAMPLE.parent / "no-such")}, headers=_auth(tokens["admin"]))
    assert r.status_code == 400 and "没有这个文件夹" in r.json()["detail"]
    r = client.post("/api/v1/batches", json={"folder": str(SAMPLE.parent), "name": "样例"},
                    headers=_auth(tokens["admin"]))
    assert r.status_code == 200, r.text
    st = app.state.worker.wait(r.json()["id"], timeout=120)
    assert st["state"] == "done" and st["total"] >= 1


def test_bad_batch_uploads(env):
    _app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("a.txt", b"abc", "text/plain")}, headers=_auth(tokens["p1"]))
    assert r.status_code == 415
    r = client.post("/api/v1/batches", files={"file": ("a.zip", b"PK\x03\x04junk", "application/zip")},
                    headers=_auth(tokens["p1"]))
    assert r.status_code == 400
    assert client.get("/api/v1/batches/nope", headers=_auth(tokens["p1"])).status_code == 404


def test_batch_pages(env):
    _app, client, _t, _d = env
    c = TestClient(client.app)
    tok = login(c, "p1")
    r = c.post("/batches", files={"file": ("页面.zip", batch_zip(2), "application/zip")},
               data={"csrf_token": tok, "name": "页面批次"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "页面批次" in page.text and 'id="b-progress"' in page.text
    assert "页面批次" in c.get("/batches").text


def test_batch_cases_on_dashboard_and_drilldown(env):
    app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("看板.zip", batch_zip(2), "application/zip")},
                    headers=_auth(tokens["p3"]))
    bid = r.json()["id"]
    assert app.state.worker.wait(bid, timeout=120)["state"] == "done"
    st = client.get("/api/v1/stats", headers=_auth(tokens["p3"])).json()
    assert st["batch_cases"] == 2 and st["checked_cases"] == 0
    assert dict(st["by_rule"])["SENT.TERM_DATES"] == 2
    admin = client.get("/api/v1/stats", headers=_auth(tokens["admin"])).json()
    assert admin["batch_cases"] > st["batch_cases"]
    c = TestClient(client.app)
    login(c, "p3")
    lst = c.get("/cases?rule=SENT.TERM_DATES")
    assert f"/batches/{bid}/cases/0" in lst.text and "批量评查中的案件" in lst.text
    page = c.get(f"/batches/{bid}/cases/0")
    assert page.status_code == 200 and "2013年8月5日</mark>" in page.text and "只读" in page.text
    assert f"/batches/{bid}/cases/1" in c.get(f"/batches/{bid}").text
    other = TestClient(client.app)
    login(other, "p1")
    assert other.get(f"/batches/{bid}/cases/0").status_code == 404
    assert f"/batches/{bid}/cases/0" not in other.get("/cases?rule=SENT.TERM_DATES").text
    head = TestClient(client.app)
    login(head, "h2")
    assert head.get(f"/batches/{bid}/cases/1").status_code == 200


# --------------------------------------------------------------------------- server folders


def _cases_dir(dest, n: int):
    import shutil

    for i in range(n):
        shutil.copytree(SAMPLE, dest / f"case-{i}")
    return dest


def test_folder_batch_refused_without_roots(tmp_path):
    from knowledge.settings import Settings
    from server.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "d"), start_worker=False, warm=False)
    tokens = make_users(app)
    folder = _cases_dir(tmp_path / "in", 1)
    r = TestClient(app).post("/api/v1/batches", json={"folder": str(folder)}, headers=_auth(tokens["admin"]))
    assert r.status_code == 403 and "JIANCHA_BATCH_ROOTS" in r.json()["detail"]
    assert str(tmp_path) not in r.text


def test_folder_batch_roots_symlinks_and_no_copy(tmp_path):
    import os

    from knowledge.settings import Settings
    from server.app import create_app

    root = tmp_path / "inbox"
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "刑事判决书.txt").write_text("被告人秘密某，机密内容XYZ。", encoding="utf-8")
    _cases_dir(root / "q1", 2)
    (root / "q1" / "case-link").mkdir()
    os.symlink(outside / "刑事判决书.txt", root / "q1" / "case-link" / "刑事判决书.txt")  # a linked file
    os.symlink(outside, root / "q1" / "linked-dir")  # a linked folder
    os.symlink(root / "q1", root / "alias")  # a linked path to a real folder
    data = tmp_path / "d"
    app = create_app(Settings(data_dir=data, batch_roots=[root]), start_worker=False, warm=False)
    tokens = make_users(app)
    c = TestClient(app)
    h = _auth(tokens["admin"])
    r = c.post("/api/v1/batches", json={"folder": str(outside)}, headers=h)
    assert r.status_code == 403 and "不在允许" in r.json()["detail"] and str(tmp_path) not in r.text
    r = c.post("/api/v1/batches", json={"folder": str(root / "alias")}, headers=h)
    assert r.status_code == 403 and "符号链接" in r.json()["detail"]
    r = c.post("/api/v1/batches", json={"folder": str(root / "q1" / ".." / ".." / "secret")}, headers=h)
    assert r.status_code == 400
    r = c.post("/api/v1/batches", json={"folder": str(root / "nope")}, headers=h)
    assert r.status_code == 400 and str(root) not in r.text
    r = c.post("/api/v1/batches", json={"folder": str(root / "q1"), "name": "在库"}, headers=h)
    assert r.status_code == 200, r.text
    st = r.json()
    # answered before anything was read: the cases are found by the worker, in the background
    assert st["state"] == "queued" and st["total"] == 0 and st["source"] == "q1"
    assert not (data / "batches" / st["id"]).exists()  # nothing copied
    w = app.state.worker
    w.start()
    try:
        done = w.wait(st["id"], timeout=120)
    finally:
        w.stop()
    assert done["state"] == "done" and done["total"] == 2 and done["done"] == 2, done
    res = c.get(f"/api/v1/batches/{st['id']}/results", headers=h).json()
    assert "机密内容" not in str(res) and "秘密某" not in str(res)
    assert not (data / "batches" / st["id"] / "input").exists()


def test_folder_without_cases_fails_without_paths(tmp_path):
    from knowledge.settings import Settings
    from server.app import create_app

    root = tmp_path / "inbox"
    (root / "empty").mkdir(parents=True)
    app = create_app(Settings(data_dir=tmp_path / "d", batch_roots=[root]), start_worker=False, warm=False)
    tokens = make_users(app)
    r = TestClient(app).post("/api/v1/batches", json={"folder": str(root / "empty")}, headers=_auth(tokens["admin"]))
    assert r.status_code == 200
    w = app.state.worker
    w.start()
    try:
        st = w.wait(r.json()["id"], timeout=60)
    finally:
        w.stop()
    assert st["state"] == "failed" and "没有找到案件文书" in st["error"] and str(tmp_path) not in st["error"]


@pytest.mark.sqlite_only  # the SQLite file's and its -wal/-shm files' modes
def test_file_modes(tmp_path):
    import stat

    from knowledge.settings import Settings
    from server.app import create_app

    data = tmp_path / "data"
    app = create_app(Settings(data_dir=data), start_worker=False, warm=False)
    tokens = make_users(app)
    c = TestClient(app)
    r = c.post("/api/v1/batches", files={"file": ("m.zip", batch_zip(1), "application/zip")},
               headers=_auth(tokens["p1"]))
    assert r.status_code == 200
    bid = r.json()["id"]

    def mode(p):
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(data) == 0o700
    assert mode(data / "jiancha.db") == 0o600
    assert mode(data / "secret_key") == 0o600
    assert mode(data / "batches" / bid) == 0o700 and mode(data / "batches" / bid / "input") == 0o700
    assert [mode(p) for p in (data / "batches" / bid / "input").iterdir()] == [0o600]
    for f in data.iterdir():  # the database's -wal/-shm files too
        if f.name.startswith("jiancha.db"):
            assert mode(f) == 0o600, f


def test_batch_list_after_a_failed_batch(tmp_path):
    """A failed batch stays listed (with its state and reason) and a refused submit keeps the list:
    the page never says 暂无批次 while batches exist."""
    import re

    from knowledge.settings import Settings
    from server.app import create_app
    from tests.test_server_helpers import csrf_of

    root = tmp_path / "inbox"
    (root / "empty").mkdir(parents=True)
    app = create_app(Settings(data_dir=tmp_path / "d", batch_roots=[root]), start_worker=False, warm=False)
    tokens = make_users(app)
    client = TestClient(app)
    r = client.post("/api/v1/batches", json={"folder": str(root / "empty"), "name": "空文件夹批次"},
                    headers=_auth(tokens["admin"]))
    assert r.status_code == 200, r.text
    bid = r.json()["id"]
    w = app.state.worker
    w.start()
    try:
        assert w.wait(bid, timeout=60)["state"] == "failed"
    finally:
        w.stop()
    login(client, "admin")
    page = client.get("/batches").text
    table = page[page.index('id="batch-table"'):]
    assert "暂无批次" not in table
    assert f'href="/batches/{bid}"' in table and "空文件夹批次" in table and "失败" in table
    assert "没有找到案件文书" in table  # the reason beside the state
    # the batch's own page says why it failed
    detail = client.get(f"/batches/{bid}").text
    assert "没有找到案件文书" in detail and str(tmp_path) not in detail
    # a refused submit (not a zip) answers 4xx and still lists the batches
    tok = csrf_of(client.get("/batches").text)
    r = client.post("/batches", data={"csrf_token": tok, "name": "坏包"},
                    files={"file": ("坏.zip", b"not a zip at all", "application/zip")})
    assert 400 <= r.status_code < 500
    assert re.search(r'role="alert"[^>]*>[^<]*\S', r.text)
    table = r.text[r.text.index('id="batch-table"'):]
    assert "暂无批次" not in table and f'href="/batches/{bid}"' in table


def test_bulk_notices_from_a_batch(env):
    """案管 confirms one rule on a finished batch: one notice per case (each copy of the sample has one
    SENT.TERM_DATES error), the batch owner as 承办人; again gives no second notice; facts rows stored."""
    from sqlalchemy import select

    from server.db import ProcessNotice

    app, client, tokens, _d = env
    r = client.post("/api/v1/batches", files={"file": ("通知.zip", batch_zip(4), "application/zip")},
                    data={"name": "通知批"}, headers=_auth(tokens["p1"]))
    bid = r.json()["id"]
    assert app.state.worker.wait(bid, timeout=120)["state"] == "done"
    admin = TestClient(app)
    tok = login(admin, "admin")
    page = admin.get(f"/batches/{bid}").text
    assert 'value="SENT.TERM_DATES"' in page
    p1 = TestClient(app)
    ptok = login(p1, "p1")
    assert 'id="batch-notice-form"' not in p1.get(f"/batches/{bid}").text
    assert p1.post(f"/batches/{bid}/notices", data={"csrf_token": ptok, "rule": "SENT.TERM_DATES"}).status_code == 403
    r = admin.post(f"/batches/{bid}/notices", data={"csrf_token": tok, "rule": "SENT.TERM_DATES"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/notices?batch={bid}"
    admin.post(f"/batches/{bid}/notices", data={"csrf_token": tok, "rule": "SENT.TERM_DATES"})
    with app.state.Session() as db:
        got = db.scalars(select(ProcessNotice).where(ProcessNotice.batch_id == bid)).all()
        assert len(got) == 4 and {n.handler_user for n in got} == {"p1"}
        assert {n.rule_id for n in got} == {"SENT.TERM_DATES"} and len({n.number for n in got}) == 4
        from models.batch.store import facts

        assert len(db.execute(select(facts.c.item_id).where(facts.c.batch_id == bid)).all()) == 4
    # the 承办人 sees them and may reply
    lst = p1.get(f"/notices?batch={bid}").text
    assert lst.count('href="/notices/') == 4
    case = p1.get(f"/batches/{bid}/cases/0").text
    assert 'id="timeline-table"' in case and 'id="export-form"' not in case
